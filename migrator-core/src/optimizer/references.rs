//! What an operation may depend on (Django's `references_model` / `references_field`), asked
//! by the reductions to decide whether two operations may trade places. Every answer errs on
//! the side of "yes": a false "no" would let the optimizer reorder operations that depend on
//! each other, a false "yes" only leaves a fold undone.

use crate::operations::Operation;
use crate::state::{ConstraintKind, ConstraintState, FieldState};

/// True when `op` (in `app`) may depend on model `target_app.target`: it is about that model,
/// points a foreign key at it, or is opaque (`RunSql`, `RunRust`, `SeparateDatabaseAndState`,
/// `DeleteModel` whose fields are unknown).
pub fn references_model(op: &Operation, app: &str, target_app: &str, target: &str) -> bool {
    let here = |name: &str| app == target_app && name == target;
    let fk = |f: &FieldState| {
        f.foreign_key
            .as_ref()
            .is_some_and(|fk| fk.app == target_app && fk.model == target)
    };
    let constraint_fk = |c: &ConstraintState| {
        c.kind
            .foreign_key()
            .is_some_and(|fk| fk.app == target_app && fk.model == target)
    };
    match op {
        Operation::RunSql(_)
        | Operation::RunRust(_)
        | Operation::SeparateDatabaseAndState(_)
        | Operation::DeleteModel(_) => true,
        Operation::CreateModel(c) => {
            here(&c.name) || c.fields.iter().any(fk) || c.constraints.iter().any(constraint_fk)
        }
        Operation::AddConstraint(a) => here(&a.model) || constraint_fk(&a.constraint),
        Operation::AddField(a) => here(&a.model) || fk(&a.field),
        Operation::AlterField(a) => here(&a.model) || fk(&a.field),
        Operation::RenameModel(r) => here(&r.old_name) || here(&r.new_name),
        other => other.model_name().is_some_and(here),
    }
}

/// True when `op` (in `app`) may depend on field `field` of model `model` of the same app. A
/// foreign key to the model counts as a reference to every field of it (it names the primary
/// key, which any field could be), as in Django.
pub fn references_field(op: &Operation, app: &str, model: &str, field: &str) -> bool {
    if !references_model(op, app, app, model) {
        return false;
    }
    let points_here = |f: &FieldState| {
        f.foreign_key
            .as_ref()
            .is_some_and(|fk| fk.app == app && fk.model == model)
    };
    match op {
        Operation::AddField(a) => {
            (a.model == model && a.field.name == field) || points_here(&a.field)
        }
        Operation::AlterField(a) => {
            (a.model == model && (a.name == field || a.field.name == field))
                || points_here(&a.field)
        }
        Operation::RemoveField(r) => r.name == field,
        Operation::RenameField(r) => r.old_name == field || r.new_name == field,
        // Key and included fields; an index with SQL (expressions, a condition) may name
        // any column, like a check.
        Operation::AddIndex(a) => a
            .index
            .named_fields()
            .is_none_or(|fields| fields.contains(&field)),
        Operation::AddConstraint(a) => match &a.constraint.kind {
            ConstraintKind::Unique(fields) => fields.iter().any(|f| f == field),
            ConstraintKind::Check(_) => true,
            // Its own fields, and every field of its target (the key, which any field could
            // be).
            ConstraintKind::ForeignKey { fields, to } => {
                fields.iter().any(|f| f == field) || (to.app == app && to.model == model)
            }
        },
        // A model comment is about the table, never a column.
        Operation::AlterModelComment(_) => false,
        // RemoveIndex, RenameIndex and RemoveConstraint name an object whose fields only the
        // state knows; model-level operations touch every field.
        _ => true,
    }
}

/// The index or constraint name `op` creates, drops or renames (both names of a rename).
/// Index and constraint names share one namespace per database on some backends
/// (PostgreSQL), so two operations naming the same one never trade places, whatever model
/// they are on.
pub(super) fn index_names(op: &Operation) -> Vec<&str> {
    match op {
        Operation::AddIndex(a) => vec![&a.index.name],
        Operation::RemoveIndex(r) => vec![&r.name],
        Operation::RenameIndex(r) => vec![&r.old_name, &r.new_name],
        Operation::AddConstraint(a) => vec![&a.constraint.name],
        Operation::RemoveConstraint(r) => vec![&r.name],
        _ => Vec::new(),
    }
}

/// True when `op` creates a table or renames one: two such operations never trade places
/// (one may free the name the other takes).
pub(super) fn claims_table(op: &Operation) -> bool {
    matches!(
        op,
        Operation::CreateModel(_) | Operation::AlterModelTable(_)
    )
}
