//! The Rust names `inspectdb` gives tables and columns: a struct name per table (Django's
//! rule: the table name's words, each capitalized, joined — `orders_lines` → `OrdersLines`)
//! and a field name per column (snake case), both valid Rust identifiers, never a keyword
//! used plainly, never two alike. Also whether a database name can be a migrator name at all
//! ([`identifier_problem`], the derive's rule). Pure functions.

use std::collections::BTreeSet;

pub(crate) use migrator_descriptor::names::identifier_problem;
use migrator_descriptor::names::RUST_KEYWORDS as KEYWORDS;

/// Keywords that cannot be raw identifiers either.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Struct names that would shadow what the generated file uses (`Model`, the field types) or
/// the prelude: a table named `string` becomes `StringTable`.
const TAKEN_TYPE_NAMES: &[&str] = &[
    "Model",
    "String",
    "Option",
    "Vec",
    "Box",
    "Result",
    "Some",
    "None",
    "Ok",
    "Err",
    "Self",
    "Default",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "Extend",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "AsRef",
    "AsMut",
    "Into",
    "From",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "FromIterator",
    "Unpin",
    "Debug",
];

/// The words of a database name: split at anything that is not an ASCII letter or digit.
fn words(name: &str) -> Vec<&str> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The struct name for `table` (after removing the app's `{app}_` prefix, Django's table
/// naming, when the rest is not empty): each word capitalized (an all-capitals word is
/// lower-cased after its first letter), joined; `Table…` before a leading digit; `…Table`
/// after a name the file or the prelude uses. Not yet unique: see [`Namer`].
pub(crate) fn struct_name(table: &str, app: Option<&str>) -> String {
    let base = app
        .and_then(|app| table.strip_prefix(app)?.strip_prefix('_'))
        .filter(|rest| !words(rest).is_empty())
        .unwrap_or(table);
    let mut out = String::new();
    for word in words(base) {
        let all_caps = !word.chars().any(|c| c.is_ascii_lowercase());
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            let rest: String = chars.collect();
            out.push_str(&if all_caps {
                rest.to_ascii_lowercase()
            } else {
                rest
            });
        }
    }
    if out.is_empty() {
        return "Table".to_owned();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Table");
    }
    if TAKEN_TYPE_NAMES.contains(&out.as_str()) {
        out.push_str("Table");
    }
    out
}

/// The field name for `column`, as the model knows it (without `r#`): snake case (`userId` →
/// `user_id`), runs of separators as one `_`, `_` before a leading digit, `field` for a name
/// with no letter or digit. Not yet unique: see [`Namer`].
pub(crate) fn field_name(column: &str) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in column.chars() {
        if c.is_ascii_alphanumeric() {
            let boundary = c.is_ascii_uppercase()
                && prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
        prev = Some(c);
    }
    let leading = column.starts_with('_');
    let trimmed = out.trim_matches('_');
    let mut name = if trimmed.is_empty() {
        "field".to_owned()
    } else if leading {
        format!("_{trimmed}")
    } else {
        trimmed.to_owned()
    };
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if NOT_RAW.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// How a field name is written in Rust: `r#type` for a keyword, the name itself otherwise.
pub(crate) fn rust_ident(name: &str) -> String {
    if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    }
}

/// Hands out names that are unique among the ones it gave (`name`, `name_2`, `name_3`, … or
/// `Name2`, `Name3` for structs).
#[derive(Default)]
pub(crate) struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    /// `wanted`, or the first free variant of it; `separator` goes before the number.
    pub(crate) fn unique(&mut self, wanted: &str, separator: &str) -> String {
        let mut name = wanted.to_owned();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{wanted}{separator}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_names_follow_djangos_rule() {
        assert_eq!(struct_name("orders_lines", None), "OrdersLines");
        assert_eq!(struct_name("books", None), "Books");
        assert_eq!(struct_name("ORDER_ITEMS", None), "OrderItems");
        assert_eq!(struct_name("orderItems", None), "OrderItems");
        assert_eq!(struct_name("polls_question", Some("polls")), "Question");
        assert_eq!(struct_name("polls", Some("polls")), "Polls");
        assert_eq!(struct_name("2fa codes", None), "Table2faCodes");
        assert_eq!(struct_name("string", None), "StringTable");
        assert_eq!(struct_name("model", None), "ModelTable");
        assert_eq!(struct_name("__", None), "Table");
    }

    #[test]
    fn field_names_are_snake_case_rust_identifiers() {
        assert_eq!(field_name("createdAt"), "created_at");
        assert_eq!(field_name("Order Date"), "order_date");
        assert_eq!(field_name("ID"), "id");
        assert_eq!(field_name("_hidden"), "_hidden");
        assert_eq!(field_name("2fa"), "_2fa");
        assert_eq!(field_name("a__b--c"), "a_b_c");
        assert_eq!(field_name("--"), "field");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("type"), "type");
        assert_eq!(rust_ident("type"), "r#type");
        assert_eq!(rust_ident("title"), "title");
    }

    #[test]
    fn names_are_made_unique() {
        let mut namer = Namer::default();
        assert_eq!(namer.unique("user_id", "_"), "user_id");
        assert_eq!(namer.unique("user_id", "_"), "user_id_2");
        assert_eq!(namer.unique("user_id", "_"), "user_id_3");
    }

    #[test]
    fn identifiers_follow_the_derives_rule() {
        assert_eq!(identifier_problem("books"), None);
        assert!(identifier_problem("Order Date").is_some());
        assert!(identifier_problem("2fa").is_some());
        assert!(identifier_problem(&"x".repeat(64)).is_some());
        assert!(identifier_problem("").is_some());
    }
}
