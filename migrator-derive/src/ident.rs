//! What an SQL identifier migrator writes may be: the one rule the cross-field checks
//! (`check.rs`) and the name planning (`names.rs`) both apply. A leaf.

/// The longest identifier PostgreSQL keeps (longer names are silently truncated there).
pub(crate) const MAX_IDENTIFIER_BYTES: usize = 63;

/// Why `name` cannot be an SQL identifier, if it cannot: it must match
/// `[A-Za-z_][A-Za-z0-9_]*` and be at most 63 bytes. Names are checked at derive time so that
/// nothing that would need quoting tricks ever reaches generated SQL.
pub(crate) fn identifier_problem(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return Some("it is empty".into());
    };
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Some(format!("it starts with `{first}`"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Some(format!("it contains `{bad}`"));
    }
    if name.len() > MAX_IDENTIFIER_BYTES {
        return Some(format!(
            "it is {} bytes long and the limit is {MAX_IDENTIFIER_BYTES}",
            name.len()
        ));
    }
    None
}
