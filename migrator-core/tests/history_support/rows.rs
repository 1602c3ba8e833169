//! The row every table of a random history holds on SQLite, so each migration runs on a
//! table with data.

use migrator_core::{ColumnType, FieldState, ProjectState};

/// A literal for one column of the seeded row: id 1 for keys (every table has row 1), NULL
/// where allowed, else a value of the column's type.
fn seed_value(f: &FieldState) -> &'static str {
    if f.primary_key || f.foreign_key.is_some() {
        return "1";
    }
    if f.nullable {
        return "NULL";
    }
    match f.column_type {
        ColumnType::Text | ColumnType::Varchar(_) => "'x'",
        ColumnType::Double => "1.5",
        ColumnType::Date => "'2020-01-01'",
        _ => "1",
    }
}

/// Inserts row 1 into every empty table (tables created by the last migration).
pub fn seed_rows(conn: &mut migrator_core::backend::DbConnection, state: &ProjectState) {
    for model in state.models.values() {
        // Generated columns are computed, never written.
        let written = || model.fields.iter().filter(|f| f.generated.is_none());
        let cols: Vec<String> = written().map(|f| format!("\"{}\"", f.column)).collect();
        let vals: Vec<&str> = written().map(seed_value).collect();
        let t = &model.table;
        crate::sqlite_support::exec(
            conn,
            &format!(
                "INSERT INTO \"{t}\" ({}) SELECT {} WHERE NOT EXISTS (SELECT 1 FROM \"{t}\")",
                cols.join(", "),
                vals.join(", ")
            ),
        );
    }
}
