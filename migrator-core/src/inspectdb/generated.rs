//! Generated columns for `inspectdb`: the expression a live generated column is declared
//! with (`generated(sql = "…", stored | virtual)`), taken from the catalog's spelling in a
//! normal form that is still SQL of that database — outer parentheses the whole expression
//! is wrapped in dropped (PostgreSQL deparses `price * qty` as `(price * qty)`), MariaDB's
//! backquotes dropped around the table's own column names that need none — and what a model
//! cannot declare: a generated key column, an expression the derive refuses (not one
//! expression, a subquery, empty because the catalog gave none back), a kind the backend's
//! editor refuses (PostgreSQL's virtual columns), a type with no mapping (`db_type` and
//! `generated` do not combine). Those stay plain columns, flagged.

use migrator_descriptor::sql;

use crate::sql_text::strip_outer_parentheses;
use crate::state::Generated;

/// Words that must stay quoted as identifiers even where they name a column (the SQL
/// keywords a column is most often named after).
const RESERVED: &[&str] = &[
    "add",
    "all",
    "and",
    "as",
    "asc",
    "between",
    "by",
    "case",
    "check",
    "column",
    "constraint",
    "create",
    "current_date",
    "current_time",
    "current_timestamp",
    "default",
    "delete",
    "desc",
    "distinct",
    "div",
    "drop",
    "else",
    "end",
    "exists",
    "false",
    "for",
    "from",
    "group",
    "having",
    "in",
    "index",
    "insert",
    "interval",
    "is",
    "join",
    "key",
    "like",
    "limit",
    "mod",
    "not",
    "null",
    "on",
    "or",
    "order",
    "primary",
    "range",
    "references",
    "select",
    "table",
    "then",
    "to",
    "true",
    "union",
    "unique",
    "update",
    "using",
    "values",
    "when",
    "where",
    "with",
];

/// `` `name` `` → `name` where `name` is one of `columns`, a plain lowercase identifier and
/// no keyword; everything else (string literals included) as it is.
fn unquote_columns(sql: &str, columns: &[&str]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '`' => {
                let mut name = String::new();
                let mut closed = false;
                for d in chars.by_ref() {
                    if d == '`' {
                        closed = true;
                        break;
                    }
                    name.push(d);
                }
                let plain = !name.is_empty()
                    && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && columns.contains(&name.as_str())
                    && !RESERVED.contains(&name.as_str());
                if plain && closed {
                    out.push_str(&name);
                } else {
                    out.push('`');
                    out.push_str(&name);
                    if closed {
                        out.push('`');
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The expression a model declares for a generated column the catalog spells `raw`, in a
/// table with `columns`.
pub(crate) fn expression(raw: &str, columns: &[&str]) -> String {
    strip_outer_parentheses(&unquote_columns(raw, columns)).to_owned()
}

/// The generated column a model declares for a column the catalog reports as generated
/// (`raw`, its expression; `kind`, `stored` or `virtual` as introspection reads it), or why
/// it cannot (a sentence completing "the model declares a plain column: …").
pub(crate) fn declared(
    raw: &str,
    kind: Option<&str>,
    columns: &[&str],
    key: bool,
) -> Result<Generated, String> {
    if key {
        return Err("a primary-key column cannot be generated in a model".to_owned());
    }
    let stored = match kind {
        Some("stored") => true,
        Some("virtual") => false,
        _ => return Err("the database does not say whether it is stored or virtual".to_owned()),
    };
    let sql = expression(raw, columns);
    if sql.is_empty() {
        return Err("the database does not give its expression back".to_owned());
    }
    sql::check_generated(&sql)
        .map_err(|problem| format!("a model's `generated(sql = …)` {problem}"))?;
    Ok(Generated { sql, stored })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_are_read_in_normal_form() {
        let cols = ["qty", "unit_price", "note", "order"];
        // PostgreSQL's deparse wraps an operator expression.
        assert_eq!(expression("(qty * unit_price)", &cols), "qty * unit_price");
        assert_eq!(expression("((qty * 2))", &cols), "qty * 2");
        assert_eq!(
            expression("(qty) * (unit_price)", &cols),
            "(qty) * (unit_price)"
        );
        assert_eq!(
            expression("upper((note)::text)", &cols),
            "upper((note)::text)"
        );
        // MariaDB quotes every identifier; the table's own plain columns need none.
        assert_eq!(
            expression("`qty` * `unit_price`", &cols),
            "qty * unit_price"
        );
        assert_eq!(
            expression("concat(`note`,'`x`',`order`,`other`)", &cols),
            "concat(note,'`x`',`order`,`other`)"
        );
        assert_eq!(expression(" length(note) ", &cols), "length(note)");
    }

    #[test]
    fn what_a_model_cannot_declare_is_a_reason() {
        let cols = ["a"];
        assert_eq!(
            declared("(a * 2)", Some("stored"), &cols, false),
            Ok(Generated {
                sql: "a * 2".into(),
                stored: true
            })
        );
        assert!(!declared("a", Some("virtual"), &cols, false).unwrap().stored);
        assert!(declared("a", Some("stored"), &cols, true)
            .unwrap_err()
            .contains("primary-key"));
        assert!(declared("", Some("virtual"), &cols, false)
            .unwrap_err()
            .contains("expression back"));
        assert!(declared("a", None, &cols, false)
            .unwrap_err()
            .contains("stored or virtual"));
        assert!(
            declared("(SELECT max(a) FROM t)", Some("stored"), &cols, false)
                .unwrap_err()
                .contains("`SELECT`")
        );
        assert!(declared("a; DROP TABLE t", Some("stored"), &cols, false)
            .unwrap_err()
            .contains("`;`"));
    }
}
