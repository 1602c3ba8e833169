//! What a schema change costs a MySQL/MariaDB table with rows (see `backend/costs.rs`): the
//! changes InnoDB cannot make in place — a column's type (beyond widening a `VARCHAR` within
//! the same length prefix), a new foreign key while `foreign_key_checks` is on, a new `CHECK`,
//! the primary key — need `ALGORITHM=COPY`, which copies the table while writes wait; a
//! nullability change rebuilds it in place, and so does a stored generated column added or
//! changed (dropped and added again). Adding and dropping other columns and indexes is
//! online. Always built: judging needs no connection.

use crate::backend::costs::{old_field, Change};
use crate::backend::editor::Step;
use crate::field_type::ColumnType;
use crate::state::ConstraintKind;

/// Characters of a `utf8mb4` `VARCHAR` whose length fits one byte of length prefix.
const ONE_BYTE_PREFIX_CHARS: u32 = 63;

/// A type change InnoDB makes in place.
fn in_place(old: &ColumnType, new: &ColumnType) -> bool {
    match (old, new) {
        (ColumnType::Varchar(a), ColumnType::Varchar(b)) => {
            b >= a && ((*a <= ONE_BYTE_PREFIX_CHARS) == (*b <= ONE_BYTE_PREFIX_CHARS))
        }
        _ => old == new,
    }
}

fn copy(what: &str, table: &str) -> String {
    format!("{what} needs ALGORITHM=COPY: {table} is copied row by row while writes to it wait")
}

/// The costs of `change` on MySQL/MariaDB, as sentences.
pub fn costs(step: &Step<'_>, change: &Change) -> Vec<String> {
    let mut out = Vec::new();
    let Some(table) = change.model_before(step).map(|m| m.table.as_str()) else {
        return out; // a new table has no rows
    };
    match change {
        Change::AlterField { name, field, .. } => {
            let Some(old) = old_field(step, change, name) else {
                return out;
            };
            let column = &field.column;
            if field.generated.as_ref().is_some_and(|g| g.stored)
                && field.generated != old.generated
            {
                out.push(copy(
                    &format!("changing the stored generated column {table}.{column} (dropped and added again)"),
                    table,
                ));
            }
            if !in_place(&old.column_type, &field.column_type) {
                out.push(copy(
                    &format!(
                        "changing the type of {table}.{column} from {} to {}",
                        old.column_type, field.column_type
                    ),
                    table,
                ));
            } else if old.nullable != field.nullable {
                out.push(format!(
                    "changing whether {table}.{column} allows NULL rebuilds {table} in place \
                     (writes go on, but it takes as long as a copy)"
                ));
            }
            if old.primary_key != field.primary_key {
                out.push(copy(&format!("changing the primary key of {table}"), table));
            }
            if field.foreign_key.is_some() && field.foreign_key != old.foreign_key {
                out.push(copy(
                    &format!("adding a foreign key on {table}.{column}"),
                    table,
                ));
            }
        }
        Change::AddField { field, .. } if field.generated.as_ref().is_some_and(|g| g.stored) => {
            out.push(copy(
                &format!(
                    "adding the stored generated column {table}.{}",
                    field.column
                ),
                table,
            ));
        }
        Change::AddField { field, .. } if field.foreign_key.is_some() => {
            out.push(copy(
                &format!("adding a foreign key on {table}.{}", field.column),
                table,
            ));
        }
        Change::AddConstraint { name, .. } => {
            let kind = change
                .model_after(step)
                .and_then(|m| m.constraints.iter().find(|c| &c.name == name))
                .map(|c| &c.kind);
            match kind {
                Some(ConstraintKind::Check(_)) => {
                    out.push(copy(&format!("adding CHECK {name}"), table));
                }
                Some(ConstraintKind::ForeignKey { .. }) => {
                    out.push(copy(&format!("adding the foreign key {name}"), table));
                }
                _ => {}
            }
        }
        _ => {}
    }
    out
}
