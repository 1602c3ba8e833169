//! Which column type and default a live column gets, found by trial rather than by a table
//! of vendor spellings: each candidate [`ColumnType`] (and then each candidate default) is
//! put on a one-field model, the schema migrator would create for it on the backend is
//! derived (`introspect::expected_schema`, the schema editors' own spelling), and the
//! candidates whose column reads exactly like the live one are kept. So a mapping can never
//! disagree with what `migrate` creates, and no code here names a vendor. Also the Rust type
//! a column type is written as, and the crates those types need.

use migrator_descriptor::sql::{self, Fragment};

use crate::backend::Backend;
use crate::db_schema::ColumnSchema;
use crate::field_type::ColumnType;
use crate::state::{DefaultValue, FieldState, ModelState, ProjectState};

/// The app of the one-model states candidates are tried on.
const PROBE_APP: &str = "inspectdb_probe";

/// The types tried for every column, in the order a tie is broken (the first that fits wins;
/// `Text` before `Json` where both are `TEXT`, `Timestamp` before `TimestampTz` where both
/// are `DATETIME(6)`). Sized types (`Varchar`, `Decimal`) are added from the live spelling.
const FIXED: [ColumnType; 14] = [
    ColumnType::SmallInt,
    ColumnType::Integer,
    ColumnType::BigInt,
    ColumnType::Float,
    ColumnType::Double,
    ColumnType::Boolean,
    ColumnType::Text,
    ColumnType::Blob,
    ColumnType::Date,
    ColumnType::Time,
    ColumnType::Timestamp,
    ColumnType::TimestampTz,
    ColumnType::Uuid,
    ColumnType::Json,
];

/// The column migrator creates for `field` in `table` on `backend`, as introspection reads it
/// (`None` when the backend refuses the field).
pub(crate) fn expected_column(
    backend: Backend,
    table: &str,
    field: &FieldState,
) -> Option<ColumnSchema> {
    let mut model = ModelState::new(PROBE_APP, "Probe", table);
    model.fields.push(field.clone());
    let mut state = ProjectState::new();
    state.insert(model);
    let schema = crate::introspect::expected_schema(&state, backend).ok()?;
    schema.tables.get(table)?.columns.first().cloned()
}

/// The numbers in the parentheses of a type spelling (`VARCHAR(200)` → `[200]`,
/// `NUMERIC(10, 2)` → `[10, 2]`).
fn type_arguments(type_name: &str) -> Vec<u32> {
    let Some(open) = type_name.find('(') else {
        return Vec::new();
    };
    let Some(close) = type_name[open..].find(')') else {
        return Vec::new();
    };
    type_name[open + 1..open + close]
        .split(',')
        .map(|n| n.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .unwrap_or_default()
}

/// Every column type whose column on `backend` reads like `live` (type spelling and
/// auto-increment), for a field shaped like `shape` (its nullability and key flags), in
/// preference order. An auto-increment key prefers `BigInt`, as a model's `id: i64` does. A
/// UUID type is offered only where its spelling says UUID (a `CHAR(36)` column stays text).
pub(crate) fn matching_types(
    backend: Backend,
    table: &str,
    live: &ColumnSchema,
    shape: &FieldState,
) -> Vec<ColumnType> {
    let mut candidates: Vec<ColumnType> = FIXED.to_vec();
    if shape.auto_increment {
        candidates.retain(ColumnType::is_integer);
        candidates.reverse();
    }
    match type_arguments(&live.type_name)[..] {
        [n] => candidates.push(ColumnType::Varchar(n)),
        [precision, scale] => candidates.push(ColumnType::Decimal { precision, scale }),
        _ => {}
    }
    candidates
        .into_iter()
        .filter(|ty| {
            let mut field = shape.clone();
            field.column_type = ty.clone();
            expected_column(backend, table, &field).is_some_and(|c| {
                c.type_name == live.type_name
                    && c.auto_increment == live.auto_increment
                    && (*ty != ColumnType::Uuid || c.type_name.contains("UUID"))
            })
        })
        .collect()
}

/// The text of a quoted SQL string literal (`'it''s'` → `it's`; backslash escapes undone
/// where the backend uses them), if `sql` is one.
fn unquote(sql: &str, backslash_escapes: bool) -> Option<String> {
    let inner = sql.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            '\'' => return None,
            '\\' if backslash_escapes => out.push(chars.next()?),
            c => out.push(c),
        }
    }
    Some(out)
}

/// True for the types whose `default = "…"` the derive accepts (text, dates and times,
/// UUIDs, JSON, and `db_type` columns, which it does not check).
fn takes_text(ty: &ColumnType) -> bool {
    !matches!(
        ty,
        ColumnType::SmallInt
            | ColumnType::Integer
            | ColumnType::BigInt
            | ColumnType::Float
            | ColumnType::Double
            | ColumnType::Boolean
            | ColumnType::Blob
            | ColumnType::Decimal { .. }
    )
}

/// The defaults worth trying for a column of type `ty` whose default reads `live` (normalized,
/// as introspection compares it) and is `raw` as the catalog prints it, most readable first:
/// a literal of the kind the field type takes, the standard clock names, then the raw and the
/// normalized SQL as `default_sql`.
fn default_candidates(
    backend: Backend,
    ty: &ColumnType,
    live: &str,
    raw: Option<&str>,
) -> Vec<DefaultValue> {
    let mut out = Vec::new();
    let custom = matches!(ty, ColumnType::Custom(_));
    if takes_text(ty) {
        if let Some(text) = unquote(live, backend.features().backslash_escapes) {
            out.push(DefaultValue::Text(text));
        }
    }
    let integer = ty.is_integer();
    let real = matches!(
        ty,
        ColumnType::Float | ColumnType::Double | ColumnType::Decimal { .. }
    );
    if integer || real || custom {
        if let Ok(n) = live.parse::<i64>() {
            out.push(DefaultValue::Int(n));
        }
    }
    if (real || custom) && live.parse::<f64>().is_ok_and(f64::is_finite) {
        out.push(DefaultValue::Float(live.to_owned()));
    }
    if matches!(ty, ColumnType::Boolean) || custom {
        match live.to_ascii_lowercase().as_str() {
            "true" | "1" | "t" => out.push(DefaultValue::Bool(true)),
            "false" | "0" | "f" => out.push(DefaultValue::Bool(false)),
            _ => {}
        }
    }
    // The standard name of a clock, unless the database's spelling carries a precision
    // (`current_timestamp(6)`), which the standard name would lose.
    let precise = raw.is_some_and(|r| r.chars().any(|c| c.is_ascii_digit()));
    if matches!(live, "current_timestamp" | "current_date" | "current_time") && !precise {
        out.push(DefaultValue::Sql(live.to_ascii_uppercase()));
    }
    for sql in raw.into_iter().chain([live]) {
        let sql = sql.trim();
        if sql::check(sql, Fragment::Expression).is_ok() {
            out.push(DefaultValue::Sql(sql.to_owned()));
        }
    }
    out
}

/// The default to give `field` (whose type is settled) so that its column's default reads
/// like `live`'s, or `None` when no spelling does (then the default is flagged, not written).
pub(crate) fn matching_default(
    backend: Backend,
    table: &str,
    field: &FieldState,
    live: &ColumnSchema,
    raw: Option<&str>,
) -> Option<DefaultValue> {
    let target = live.default.as_deref()?;
    default_candidates(backend, &field.column_type, target, raw)
        .into_iter()
        .find(|d| {
            let mut f = field.clone();
            f.default = Some(d.clone());
            expected_column(backend, table, &f).is_some_and(|c| c.default == live.default)
        })
}

/// The Rust type of a field of column type `ty` (`Option<…>` when `nullable`).
pub(crate) fn rust_type(ty: &ColumnType, nullable: bool) -> String {
    let inner = match ty {
        ColumnType::SmallInt => "i16".to_owned(),
        ColumnType::Integer => "i32".to_owned(),
        ColumnType::BigInt => "i64".to_owned(),
        ColumnType::Float => "f32".to_owned(),
        ColumnType::Double => "f64".to_owned(),
        ColumnType::Boolean => "bool".to_owned(),
        ColumnType::Text | ColumnType::Varchar(_) => "String".to_owned(),
        ColumnType::Blob => "Vec<u8>".to_owned(),
        ColumnType::Date => "chrono::NaiveDate".to_owned(),
        ColumnType::Time => "chrono::NaiveTime".to_owned(),
        ColumnType::Timestamp => "chrono::NaiveDateTime".to_owned(),
        ColumnType::TimestampTz => "chrono::DateTime<chrono::Utc>".to_owned(),
        ColumnType::Uuid => "uuid::Uuid".to_owned(),
        ColumnType::Json => "serde_json::Value".to_owned(),
        ColumnType::Decimal { .. } => "rust_decimal::Decimal".to_owned(),
        ColumnType::Custom(spelling) => custom_rust_type(spelling).0.to_owned(),
    };
    if nullable {
        format!("Option<{inner}>")
    } else {
        inner
    }
}

/// A Rust type for a column with `db_type`, and the crate it needs: the derive does not look
/// at it (the type is spelled by `db_type`), so this is only a sensible start for the
/// application's own code.
fn custom_rust_type(spelling: &str) -> (&'static str, Option<&'static str>) {
    let t = spelling.to_ascii_uppercase();
    let word = t
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("");
    if t.contains("[]") {
        ("String", None)
    } else if t.contains("WITH TIME ZONE") || word == "TIMESTAMPTZ" {
        ("chrono::DateTime<chrono::Utc>", Some("chrono"))
    } else if word == "DATETIME" || word == "TIMESTAMP" {
        ("chrono::NaiveDateTime", Some("chrono"))
    } else if word == "DATE" {
        ("chrono::NaiveDate", Some("chrono"))
    } else if word == "TIME" {
        ("chrono::NaiveTime", Some("chrono"))
    } else if t.contains("BIGINT") || (t.contains("INT") && t.contains("UNSIGNED")) {
        ("i64", None)
    } else if t.contains("SMALLINT") || t.contains("TINYINT") {
        ("i16", None)
    } else if t.contains("INT") {
        ("i32", None)
    } else if t.contains("BOOL") {
        ("bool", None)
    } else if ["REAL", "FLOAT", "DOUBLE"].iter().any(|w| t.contains(w)) {
        ("f64", None)
    } else if ["BLOB", "BINARY", "BYTEA"].iter().any(|w| t.contains(w)) {
        ("Vec<u8>", None)
    } else {
        ("String", None)
    }
}

/// The crate a field of type `ty` needs in the application's `[dependencies]`, if any.
pub(crate) fn needed_crate(ty: &ColumnType) -> Option<&'static str> {
    match ty {
        ColumnType::Date | ColumnType::Time | ColumnType::Timestamp | ColumnType::TimestampTz => {
            Some("chrono")
        }
        ColumnType::Uuid => Some("uuid"),
        ColumnType::Json => Some("serde_json"),
        ColumnType::Decimal { .. } => Some("rust_decimal"),
        ColumnType::Custom(spelling) => custom_rust_type(spelling).1,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_arguments_are_read_from_the_spelling() {
        assert_eq!(type_arguments("VARCHAR(200)"), [200]);
        assert_eq!(type_arguments("NUMERIC(10, 2)"), [10, 2]);
        assert!(type_arguments("TEXT").is_empty());
        assert!(type_arguments("ENUM('a','b')").is_empty());
    }

    #[test]
    fn string_literals_are_unquoted() {
        assert_eq!(unquote("'it''s'", false).as_deref(), Some("it's"));
        assert_eq!(unquote(r"'a\\b'", true).as_deref(), Some(r"a\b"));
        assert_eq!(unquote(r"'a\\b'", false).as_deref(), Some(r"a\\b"));
        assert_eq!(unquote("'a' || 'b'", false), None);
        assert_eq!(unquote("now()", false), None);
    }

    #[test]
    fn sqlite_columns_map_by_trial() {
        let live = |ty: &str| ColumnSchema {
            name: "c".into(),
            type_name: ty.into(),
            nullable: false,
            default: None,
            primary_key: false,
            auto_increment: false,
            generated: None,
            generated_sql: None,
        };
        let shape = FieldState::new("c", ColumnType::Text);
        let first = |ty: &str| {
            matching_types(Backend::Sqlite, "t", &live(ty), &shape)
                .first()
                .cloned()
        };
        assert_eq!(first("VARCHAR(20)"), Some(ColumnType::Varchar(20)));
        assert_eq!(first("TEXT"), Some(ColumnType::Text));
        assert_eq!(first("INTEGER"), Some(ColumnType::Integer));
        assert_eq!(
            first("DECIMAL(10, 2)"),
            Some(ColumnType::Decimal {
                precision: 10,
                scale: 2
            })
        );
        assert_eq!(first("CHAR(36)"), None, "CHAR(36) is not taken for a UUID");
        assert_eq!(first("DATETIME"), None);
    }

    #[test]
    fn db_type_columns_get_a_guessed_rust_type() {
        let ty = |s: &str| rust_type(&ColumnType::Custom(s.into()), false);
        assert_eq!(ty("datetime"), "chrono::NaiveDateTime");
        assert_eq!(
            ty("timestamp(3) with time zone"),
            "chrono::DateTime<chrono::Utc>"
        );
        assert_eq!(ty("date"), "chrono::NaiveDate");
        assert_eq!(ty("int(10) unsigned"), "i64");
        assert_eq!(ty("tinyint(4)"), "i16");
        assert_eq!(ty("text"), "String");
        assert_eq!(ty("integer[]"), "String");
        assert_eq!(
            needed_crate(&ColumnType::Custom("time".into())),
            Some("chrono")
        );
    }
}
