//! What a schema change costs a PostgreSQL table with rows (see `backend/costs.rs`): a type
//! change that rewrites the table (anything but widening a `VARCHAR`, `VARCHAR` to `TEXT`,
//! more decimal digits at the same scale) under an `ACCESS EXCLUSIVE` lock; `SET NOT NULL`,
//! a new `CHECK` and a new foreign key, which scan the table under a lock; an index built
//! without `CONCURRENTLY`, which blocks writes while it builds; a default computed by SQL on
//! a new column, which rewrites the table; a generated column added or whose expression
//! changes (dropped and added again), which computes every row in a rewrite. Always built:
//! judging needs no connection.

use crate::backend::costs::{old_field, Change};
use crate::backend::editor::Step;
use crate::field_type::ColumnType;
use crate::state::{ConstraintKind, DefaultValue};

/// A type change PostgreSQL makes without rewriting the table (binary-coercible).
fn keeps_rows_in_place(old: &ColumnType, new: &ColumnType) -> bool {
    use ColumnType as C;
    match (old, new) {
        (C::Varchar(a), C::Varchar(b)) => b >= a,
        (C::Varchar(_), C::Text) => true,
        (
            C::Decimal {
                precision: p1,
                scale: s1,
            },
            C::Decimal {
                precision: p2,
                scale: s2,
            },
        ) => s1 == s2 && p2 >= p1,
        _ => old == new,
    }
}

fn blocks_writes(name: &str, table: &str) -> String {
    format!(
        "building index {name} without CONCURRENTLY blocks writes to {table} until it is built; \
         build it with `.concurrently()` in a non-atomic migration (`.atomic(false)`)"
    )
}

/// The costs of `change` on PostgreSQL, as sentences.
pub fn costs(step: &Step<'_>, change: &Change) -> Vec<String> {
    let mut out = Vec::new();
    let Some(table) = change.model_before(step).map(|m| m.table.as_str()) else {
        return out; // a new table has no rows
    };
    match change {
        Change::AddIndex {
            name,
            concurrently: false,
            ..
        } => out.push(blocks_writes(name, table)),
        Change::AlterField { name, field, .. } => {
            let Some(old) = old_field(step, change, name) else {
                return out;
            };
            let column = &field.column;
            if field.generated.is_some() && field.generated != old.generated {
                out.push(format!(
                    "changing the generated column {table}.{column} drops it and adds it again, \
                     computing every row in a rewrite of {table} under an ACCESS EXCLUSIVE lock"
                ));
            }
            if !keeps_rows_in_place(&old.column_type, &field.column_type) {
                out.push(format!(
                    "changing the type of {table}.{column} from {} to {} rewrites the whole \
                     table under an ACCESS EXCLUSIVE lock (reads and writes wait)",
                    old.column_type, field.column_type
                ));
            }
            if old.nullable && !field.nullable {
                out.push(format!(
                    "SET NOT NULL on {table}.{column} scans every row under an ACCESS EXCLUSIVE \
                     lock"
                ));
            }
            if (field.unique && !old.unique) || (field.index && !old.index) {
                out.push(blocks_writes(&format!("on {table}.{column}"), table));
            }
            if field.foreign_key.is_some() && field.foreign_key != old.foreign_key {
                out.push(format!(
                    "validating the foreign key on {table}.{column} scans every row and blocks \
                     writes to {table} and the table it references"
                ));
            }
        }
        Change::AddField { field, .. } => {
            let column = &field.column;
            if matches!(field.default, Some(DefaultValue::Sql(_))) {
                out.push(format!(
                    "a default computed by SQL on the new column {table}.{column} rewrites the \
                     whole table under an ACCESS EXCLUSIVE lock"
                ));
            }
            if field.generated.is_some() {
                out.push(format!(
                    "the new generated column {table}.{column} is computed for every row in a \
                     rewrite of the whole table under an ACCESS EXCLUSIVE lock"
                ));
            }
            if field.unique || field.index {
                out.push(blocks_writes(&format!("on {table}.{column}"), table));
            }
        }
        Change::AddConstraint { name, .. } => {
            let kind = change
                .model_after(step)
                .and_then(|m| m.constraints.iter().find(|c| &c.name == name))
                .map(|c| &c.kind);
            match kind {
                Some(ConstraintKind::Check(_)) => out.push(format!(
                    "validating CHECK {name} scans every row of {table} under an ACCESS \
                     EXCLUSIVE lock"
                )),
                Some(ConstraintKind::Unique(_)) => out.push(blocks_writes(name, table)),
                Some(ConstraintKind::ForeignKey { .. }) => out.push(format!(
                    "validating the foreign key {name} scans every row and blocks writes to \
                     {table} and the table it references"
                )),
                None => {}
            }
        }
        _ => {}
    }
    out
}
