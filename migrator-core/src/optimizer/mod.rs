//! Folds a list of operations into a shorter equivalent one, the way Django's
//! `MigrationOptimizer` does, with every reduction Django has (`reduce.rs` lists them):
//! `CreateModel` absorbs later field, index, constraint, table, comment and rename operations
//! on its model and vanishes with its `DeleteModel`; field operations chain (`AddField`
//! absorbs `AlterField`/`RenameField` and vanishes with `RemoveField`, `AlterField`s keep the
//! last, renames collapse); model and index renames collapse; index and constraint pairs
//! vanish; table and comment changes keep the last; anything on a model just before its
//! `DeleteModel` goes.
//!
//! Two operations fold across the operations between them when those do not reference the
//! model or field the pair is about (Django's "optimize through", `fold.rs`), to a fixpoint.
//! `RunSql` and `RunRust` are barriers: nothing folds or moves across them.
//!
//! Two entry points: [`optimize`] knows only the list; [`optimize_from`] also knows the state
//! before it, so it can apply the reductions that need a field's column or an index's
//! definition, drop operations that change nothing, and checks every rewrite against the
//! state (the rewritten stretch must end in exactly the state the original one does) — use it
//! wherever the state is at hand (`makemigrations`, `squashmigrations`,
//! `optimizemigration`). Files: `fold.rs` (the loop and the check), `reduce.rs` (the pairs),
//! `references.rs` (what an operation may depend on), `migration.rs` (one migration of a
//! history optimized and checked: [`optimize_migration`], [`fold_migration`]), `tests.rs`.
//!
//! This module only rewrites lists; it never reads the database or the current models.

mod fold;
mod migration;
mod reduce;
mod references;
#[cfg(test)]
mod tests;

use crate::operations::Operation;
use crate::state::ProjectState;

pub use migration::{
    fold_migration, optimize_migration, state_before, OptimizeError, OptimizedMigration,
};
pub use references::{references_field, references_model};

/// Returns `ops` (of migration app `app`; foreign keys name their own app) folded to a
/// fixpoint by the rules alone. Replaying the result from a state where `ops` applies gives
/// the same state as replaying `ops`. The reductions that need the state are skipped; prefer
/// [`optimize_from`] when the state is known.
pub fn optimize(app: &str, ops: Vec<Operation>) -> Vec<Operation> {
    fold::fixpoint(app, ops, None)
}

/// Returns `ops` (of migration app `app`) folded to a fixpoint, given `state`, the state
/// before them. Every rewrite is checked: replaying the result from `state` gives exactly the
/// state replaying `ops` gives, column order included. If `ops` stop applying to `state`
/// part-way, the rest is folded by the rules alone, as [`optimize`] does.
///
/// ```
/// use migrator_core::operations::{AddField, CreateModel, Operation};
/// use migrator_core::optimizer::optimize_from;
/// use migrator_core::{ColumnType, FieldState, ModelState, ProjectState};
///
/// let mut book = ModelState::new("library", "Book", "books");
/// book.fields.push(FieldState::new("id", ColumnType::BigInt).primary_key());
/// let ops: Vec<Operation> = vec![
///     CreateModel::from_state(&book).into(),
///     AddField::new("Book", FieldState::new("title", ColumnType::Text)).into(),
/// ];
/// let folded = optimize_from("library", ops, &ProjectState::new());
/// assert_eq!(folded.len(), 1);
/// ```
pub fn optimize_from(app: &str, ops: Vec<Operation>, state: &ProjectState) -> Vec<Operation> {
    fold::fixpoint(app, ops, Some(state))
}
