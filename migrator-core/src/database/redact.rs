//! How a database URL is shown without its secrets: where the password of the user part is
//! (taken to end at the *last* `@`, so an unencoded `/`, `?`, `#` or `@` in it is covered),
//! which query parameters hold secrets (`password=`, `sslpassword=`, …) and how their values
//! are hidden, and percent-decoding (drivers echo the decoded password). A leaf: it imports
//! nothing from the crate; `database` decides when to use it.

/// Query parameters whose value is hidden when a URL is shown (matched case-insensitively
/// as parts of the parameter name: `password`, `sslpassword`, `auth_token`, …).
const SECRET_PARAMETERS: &[&str] = &["pass", "pwd", "secret", "token"];

/// Byte range of the password in `scheme://user:password@host…`. The user part ends at the
/// *last* `@` of the URL, so a password holding an unencoded `@`, `/`, `?` or `#` is covered
/// whole; when in doubt more is hidden, never less.
pub(super) fn password_span(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let at = rest.rfind('@')?;
    let colon = rest[..at].find(':')?;
    Some((start + colon + 1, start + at))
}

/// Whether a query parameter's value is a secret (`password`, `sslpassword`, …).
pub(super) fn is_secret_parameter(key: &str) -> bool {
    let key = key.trim().to_ascii_lowercase();
    SECRET_PARAMETERS.iter().any(|word| key.contains(word))
}

/// `…?password=x&sslmode=require` → `…?password=***&sslmode=require`, and the same for
/// `key=value` pairs separated by `;` or whitespace (libpq's `password=x host=…` form).
pub(super) fn redact_parameters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let (before, after) = rest.split_at(eq);
        out.push_str(before);
        out.push('=');
        let after = &after[1..];
        let key_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map_or(0, |i| i + 1);
        let value_end = after
            .find(['&', ';', ' ', '\t', '\n', '\'', '"', ')'])
            .unwrap_or(after.len());
        if is_secret_parameter(&before[key_start..]) && value_end > 0 {
            out.push_str("***");
            rest = &after[value_end..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// `%2F` → `/`; invalid escapes are kept as written.
pub(super) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_ends_at_the_last_at_sign() {
        let url = "mysql://u:pa/ss@w#x@host:3306/db";
        let (a, b) = password_span(url).unwrap();
        assert_eq!(&url[a..b], "pa/ss@w#x");
        assert_eq!(password_span("postgres://u@h/db"), None);
        assert_eq!(password_span("postgres://h/db"), None);
    }

    #[test]
    fn secret_parameters_are_hidden_and_others_kept() {
        assert_eq!(
            redact_parameters("p://h/db?sslmode=require&password=x1&sslpassword=y2;PWD=z3 a=b"),
            "p://h/db?sslmode=require&password=***&sslpassword=***;PWD=*** a=b"
        );
        assert_eq!(redact_parameters("a = b, password="), "a = b, password=");
    }

    #[test]
    fn percent_escapes_decode_and_bad_ones_stay() {
        assert_eq!(percent_decode("a%2Fb%40c"), "a/b@c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
