//! Operations as data (DESIGN decision 4): each variant of [`Operation`] knows how to change
//! the in-memory state, how to describe itself, whether it can be reversed, and a fragment for
//! migration names. The SQL each one runs is produced by the backend schema editors
//! (`backend/`), which read the states before and after the operation.
//!
//! Submodules hold the behaviour by family: `models.rs` (create/delete/rename/alter table),
//! `fields.rs`, `indexes.rs` (indexes and constraints), `special.rs` (RunSql, RunRust).

use std::fmt;

use crate::state::{ConstraintState, FieldState, IndexState};

/// A data step written in Rust: gets the migration's own connection (inside its transaction on
/// backends that have transactional DDL).
pub type RustMigrationFn =
    fn(&mut crate::backend::DbConnection) -> Result<(), crate::error::BoxError>;

/// One schema or data change inside a migration. The app is the migration's app.
#[derive(Clone, Debug, PartialEq)]
pub enum Operation {
    /// Create a table.
    CreateModel(CreateModel),
    /// Drop a table.
    DeleteModel(DeleteModel),
    /// Rename a model (and its table when the table followed the default name).
    RenameModel(RenameModel),
    /// Change a model's table name.
    AlterModelTable(AlterModelTable),
    /// Change a model's table comment.
    AlterModelComment(AlterModelComment),
    /// Add a column.
    AddField(AddField),
    /// Drop a column.
    RemoveField(RemoveField),
    /// Change a column's definition.
    AlterField(AlterField),
    /// Rename a field (and its column when the column followed the field name).
    RenameField(RenameField),
    /// Create an index.
    AddIndex(AddIndex),
    /// Drop an index.
    RemoveIndex(RemoveIndex),
    /// Add a named constraint.
    AddConstraint(AddConstraint),
    /// Drop a named constraint.
    RemoveConstraint(RemoveConstraint),
    /// Raw SQL, forwards and optionally backwards.
    RunSql(RunSql),
    /// A Rust function, forwards and optionally backwards.
    RunRust(RunRust),
}

/// Create a table for a new model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateModel {
    /// Model name.
    pub name: String,
    /// Table name.
    pub table: String,
    /// Table comment.
    pub comment: Option<String>,
    /// Fields in column order.
    pub fields: Vec<FieldState>,
    /// Indexes created with the table.
    pub indexes: Vec<IndexState>,
    /// Constraints created with the table.
    pub constraints: Vec<ConstraintState>,
}

/// Drop a model's table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteModel {
    /// Model name.
    pub name: String,
}

/// Rename a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameModel {
    /// The current name.
    pub old_name: String,
    /// The new name.
    pub new_name: String,
}

/// Change a model's table name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlterModelTable {
    /// Model name.
    pub name: String,
    /// The new table name.
    pub table: String,
}

/// Change a model's table comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlterModelComment {
    /// Model name.
    pub name: String,
    /// The new comment.
    pub comment: Option<String>,
}

/// Add a field to a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddField {
    /// Model name.
    pub model: String,
    /// The new field.
    pub field: FieldState,
    /// False when `field.default` is a one-off default used only to fill existing rows; the
    /// state keeps the field without it (Django's `preserve_default=False`).
    pub preserve_default: bool,
}

/// Remove a field from a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoveField {
    /// Model name.
    pub model: String,
    /// Field name.
    pub name: String,
}

/// Replace a field's definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlterField {
    /// Model name.
    pub model: String,
    /// Field name (unchanged by this operation).
    pub name: String,
    /// The new definition.
    pub field: FieldState,
    /// False when `field.default` is a one-off default used only to fill NULLs.
    pub preserve_default: bool,
}

/// Rename a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameField {
    /// Model name.
    pub model: String,
    /// The current field name.
    pub old_name: String,
    /// The new field name.
    pub new_name: String,
}

/// Add an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddIndex {
    /// Model name.
    pub model: String,
    /// The index.
    pub index: IndexState,
}

/// Remove an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoveIndex {
    /// Model name.
    pub model: String,
    /// Index name.
    pub name: String,
}

/// Add a named constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddConstraint {
    /// Model name.
    pub model: String,
    /// The constraint.
    pub constraint: ConstraintState,
}

/// Remove a named constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoveConstraint {
    /// Model name.
    pub model: String,
    /// Constraint name.
    pub name: String,
}

/// Raw SQL. The only way raw SQL enters a migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSql {
    /// Statements run forwards, in order.
    pub sql: Vec<String>,
    /// Statements run backwards; `None` makes the operation irreversible, an empty list makes
    /// the backward step a no-op.
    pub reverse_sql: Option<Vec<String>>,
}

/// A Rust data step.
#[derive(Clone, Copy)]
pub struct RunRust {
    /// A stable name for the step (the function's name), used in descriptions and checksums.
    pub name: &'static str,
    /// Runs forwards.
    pub forward: RustMigrationFn,
    /// Runs backwards; `None` makes the operation irreversible.
    pub backward: Option<RustMigrationFn>,
}

impl fmt::Debug for RunRust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunRust")
            .field("name", &self.name)
            .field("reversible", &self.backward.is_some())
            .finish()
    }
}

impl PartialEq for RunRust {
    /// Two steps are equal when their names and reversibility agree; function addresses are
    /// not stable across builds, so they are not compared.
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.backward.is_some() == other.backward.is_some()
    }
}
