//! What a schema change costs an SQLite table with rows (see `backend/costs.rs`): SQLite has
//! one writer, so the whole database is locked for writes while a migration runs, and what
//! matters is how long. A change `ALTER TABLE` cannot express rebuilds the table (its editor
//! writes `CREATE TABLE "new__t"`, copies every row, drops and renames: every table it
//! rebuilds is named), and a new index on a table that keeps its rows reads every row.

use super::rebuild::rebuilt_table;
use super::SqliteEditor;
use crate::backend::costs::Change;
use crate::backend::editor::Step;

/// The cost of one folded run (`sqlite/fold.rs`): `table` rebuilt once for `operations`
/// (the run's operations, numbered and described), instead of once per operation.
pub fn folded_rebuild(table: &str, operations: &str) -> String {
    format!(
        "rebuilds table {table} once for operations {operations} of this migration (folded \
         into one rebuild): every row is copied into a new table while the database is locked \
         for writes"
    )
}

/// The costs of `change` on SQLite, as sentences.
pub fn costs(step: &Step<'_>, change: &Change) -> Vec<String> {
    if matches!(change, Change::CreateModel { .. }) {
        return Vec::new(); // a new table has no rows
    }
    let mut out = Vec::new();
    // The editor's own statements say whether it rebuilds (its temporary table's prefix) and
    // which indexes it builds on a table that keeps its rows.
    let statements = change.apply(&SqliteEditor, step).unwrap_or_default();
    let mut rebuilt = Vec::new();
    for statement in &statements {
        if let Some(table) = rebuilt_table(statement) {
            let table = table.to_owned();
            out.push(format!(
                "rebuilds table {table}: every row is copied into a new table while the \
                 database is locked for writes"
            ));
            rebuilt.push(table);
        }
    }
    for statement in &statements {
        let Some(rest) = statement
            .strip_prefix("CREATE INDEX \"")
            .or_else(|| statement.strip_prefix("CREATE UNIQUE INDEX \""))
        else {
            continue;
        };
        let mut parts = rest.split('"');
        let (Some(name), Some(table)) = (parts.next(), parts.nth(1)) else {
            continue;
        };
        // A rebuilt table's indexes are part of its rebuild.
        if !rebuilt.iter().any(|t| t == table) {
            out.push(format!(
                "building index {name} reads every row of {table} while the database is \
                 locked for writes"
            ));
        }
    }
    out
}
