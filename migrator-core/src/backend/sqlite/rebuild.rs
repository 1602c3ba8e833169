//! The SQLite table rebuild, for every change `ALTER TABLE` cannot make exactly (the list is in
//! `schema.rs` and docs/backends.md): SQLite's documented procedure for "other kinds of table
//! schema changes", in the fewest statements —
//!
//! 1. `CREATE TABLE "new__t"` with the new shape;
//! 2. with `AUTOINCREMENT` on both sides, `UPDATE "sqlite_sequence"` hands the old table's
//!    counter to `new__t` (it never goes back, even past deleted rows: the copy below only
//!    raises it, and `DROP TABLE` then finds no counter of its own to delete);
//! 3. `INSERT INTO "new__t" (…) SELECT … FROM "t"` — each column from an expression over the
//!    old table ([`Copy`]: a `CAST` when the declared type changes, `COALESCE` when NULLs must
//!    become a default, a literal for a new column that needs one);
//! 4. `DROP TABLE "t"` (its indexes go with it);
//! 5. `ALTER TABLE "new__t" RENAME TO "t"`;
//! 6. `CREATE INDEX` for each index of the new shape.
//!
//! Foreign-key enforcement is off around the migration (the lock does it, outside the
//! transaction) and `PRAGMA foreign_key_check` runs before the commit (the executor), so other
//! tables' `REFERENCES "t"` simply find the new table under the old name.
//!
//! Cost: the copy is O(rows) and step 5 is O(schema) — SQLite re-parses every table of the
//! database to rewrite references. Copying twice instead (into a holding table, then back into
//! a table created under the final name) avoids the rename and is faster for small tables in a
//! big schema, but doubles the O(rows) part; on real data the rows dominate, so the rename
//! stays (measured in BENCHMARKS.md, "SQL-minimal plans on SQLite").

use std::collections::BTreeMap;

use super::ddl::{column_type_sql, create_index_sql, create_table, model_indexes};
use super::features::FEATURES;
use crate::backend::editor::{default_literal, SchemaError};
use crate::state::{DefaultValue, ModelState, ProjectState};

fn q(ident: &str) -> String {
    FEATURES.quote(ident)
}

/// The temporary name a rebuild creates the new shape of `table` under.
pub(super) fn temp_name(table: &str) -> String {
    format!("new__{table}")
}

/// The columns a rebuild fills, each with the SQL expression over the old table that gives
/// its values, in the new table's column order. A column that is not listed takes its own
/// default (or NULL, or a new rowid).
pub(super) type Copy = Vec<(String, String)>;

/// Where a column of the rebuilt table takes its values from, for one primitive change.
pub(super) struct Fill<'a> {
    /// Field name in `to` → field name in `from` (defaults to the same name).
    pub(super) renames: BTreeMap<&'a str, &'a str>,
    /// A one-off value for one field of `to`: fills a new column, or replaces NULLs when the
    /// column becomes NOT NULL.
    pub(super) value: Option<(&'a str, &'a DefaultValue)>,
}

impl Fill<'_> {
    pub(super) fn none() -> Self {
        Fill {
            renames: BTreeMap::new(),
            value: None,
        }
    }
}

/// What one primitive change copies (see [`Fill`]).
fn fill_copy(from: &ModelState, to: &ModelState, fill: &Fill<'_>) -> Result<Copy, SchemaError> {
    let mut copy = Vec::new();
    // A generated column is computed by the new table itself, never copied.
    for f in to.fields.iter().filter(|f| f.generated.is_none()) {
        let source_name = fill
            .renames
            .get(f.name.as_str())
            .copied()
            .unwrap_or(&f.name);
        let one_off = fill
            .value
            .filter(|(name, _)| *name == f.name)
            .map(|(_, d)| d);
        match from.field(source_name) {
            Some(old) => {
                let mut expr = q(&old.column);
                if column_type_sql(old) != column_type_sql(f) {
                    expr = format!("CAST({expr} AS {})", column_type_sql(f));
                }
                if old.nullable && !f.nullable {
                    if let Some(d) = one_off.or(f.default.as_ref()) {
                        expr = format!("COALESCE({expr}, {})", default_literal(&FEATURES, d)?);
                    }
                }
                copy.push((f.column.clone(), expr));
            }
            None => {
                if let Some(d) = one_off {
                    copy.push((f.column.clone(), default_literal(&FEATURES, d)?));
                }
                // Otherwise the column takes its own default (or NULL, or a new rowid).
            }
        }
    }
    Ok(copy)
}

/// The table rebuild for one primitive change from `from` to `to`.
pub(super) fn rebuild(
    from: &ModelState,
    to: &ModelState,
    state: &ProjectState,
    fill: &Fill<'_>,
) -> Result<Vec<String>, SchemaError> {
    rebuild_copying(from, to, state, &fill_copy(from, to, fill)?)
}

/// The table rebuild from `from`'s table to `to`'s shape, filling the columns of `copy`.
pub(super) fn rebuild_copying(
    from: &ModelState,
    to: &ModelState,
    state: &ProjectState,
    copy: &[(String, String)],
) -> Result<Vec<String>, SchemaError> {
    let temp = temp_name(&to.table);
    let mut out = vec![create_table(to, state, &temp)?];
    if has_autoincrement(from) && has_autoincrement(to) {
        // Before the copy: inserting into `new__t` then raises the old counter, never lowers
        // it, and `DROP TABLE` leaves it alone.
        out.push(format!(
            "UPDATE \"sqlite_sequence\" SET \"name\" = {} WHERE \"name\" = {}",
            FEATURES.string_literal(&temp),
            FEATURES.string_literal(&from.table)
        ));
    }
    if !copy.is_empty() {
        let cols: Vec<String> = copy.iter().map(|(c, _)| q(c)).collect();
        let exprs: Vec<&str> = copy.iter().map(|(_, e)| e.as_str()).collect();
        out.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            q(&temp),
            cols.join(", "),
            exprs.join(", "),
            q(&from.table)
        ));
    }
    out.push(format!("DROP TABLE {}", q(&from.table)));
    out.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        q(&temp),
        q(&to.table)
    ));
    for idx in model_indexes(to)? {
        out.push(create_index_sql(&to.table, &idx));
    }
    Ok(out)
}

/// True when the model's table is created with `AUTOINCREMENT` (a single auto primary key).
pub(super) fn has_autoincrement(model: &ModelState) -> bool {
    let mut pks = model.primary_key();
    matches!((pks.next(), pks.next()), (Some(pk), None) if pk.auto_increment)
}

/// True when `statement` starts a table rebuild (its `CREATE TABLE "new__…"`); the rebuilt
/// table's name follows.
pub(crate) fn rebuilt_table(statement: &str) -> Option<&str> {
    statement
        .strip_prefix("CREATE TABLE \"new__")
        .and_then(|rest| rest.split('"').next())
}
