//! What a schema change costs an SQLite table with rows (see `backend/costs.rs`): SQLite has
//! one writer, so the whole database is locked for writes while a migration runs, and what
//! matters is how long. A change `ALTER TABLE` cannot express rebuilds the table (its editor
//! writes `CREATE TABLE "new__t"`, copies every row, drops and renames: every table it
//! rebuilds is named), and a new index reads every row.

use super::SqliteEditor;
use crate::backend::costs::Change;
use crate::backend::editor::Step;

/// The costs of `change` on SQLite, as sentences.
pub fn costs(step: &Step<'_>, change: &Change) -> Vec<String> {
    if matches!(change, Change::CreateModel { .. }) {
        return Vec::new(); // a new table has no rows
    }
    let mut out = Vec::new();
    // The editor's own statements say whether it rebuilds (its temporary table's prefix).
    for statement in change.apply(&SqliteEditor, step).unwrap_or_default() {
        if let Some(rest) = statement.strip_prefix("CREATE TABLE \"new__") {
            let table = rest.split('"').next().unwrap_or_default();
            out.push(format!(
                "rebuilds table {table}: every row is copied into a new table while the \
                 database is locked for writes"
            ));
        }
    }
    if let Change::AddIndex { name, .. } = change {
        if let Some(model) = change.model_before(step) {
            out.push(format!(
                "building index {name} reads every row of {} while the database is locked for \
                 writes",
                model.table
            ));
        }
    }
    out
}
