//! Operations as data (DESIGN decision 4): each variant of [`Operation`] knows how to change
//! the in-memory state, how to describe itself, whether it can be reversed, and a fragment for
//! migration names. The SQL each one runs is produced by the backend schema editors
//! (`backend/`), which read the states before and after the operation.
//!
//! Submodules hold the behaviour by family: `models.rs` (create/delete/rename/alter table),
//! `fields.rs`, `indexes.rs` (indexes and constraints), `special.rs` (RunSql, RunRust).
//! This file keeps the data definitions, the [`StateError`] type and the dispatch on
//! [`Operation`]. Nothing here produces SQL or touches a database.

use std::fmt;

use thiserror::Error;

use crate::state::{ConstraintState, FieldState, IndexState, ModelState, ProjectState};

mod fields;
mod indexes;
mod models;
mod special;

pub use indexes::rename_column_in_sql;

/// An operation does not fit the state it is applied to: the migration history names a model,
/// field, index or constraint that is not there (or is there already). Every message names the
/// app, model and item so the offending migration can be found.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StateError {
    /// The model does not exist.
    #[error("model `{app}.{model}` does not exist in the migration state; check that an earlier migration of `{app}` creates it (or that this migration depends on the one that does)")]
    ModelNotFound {
        /// App label.
        app: String,
        /// Model name.
        model: String,
    },
    /// The model exists already.
    #[error("model `{app}.{model}` already exists in the migration state; two migrations create it, or a rename targets an existing name")]
    ModelExists {
        /// App label.
        app: String,
        /// Model name.
        model: String,
    },
    /// The field does not exist.
    #[error("field `{app}.{model}.{field}` does not exist in the migration state; check the earlier migrations of `{app}`")]
    FieldNotFound {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Field name.
        field: String,
    },
    /// The field exists already.
    #[error("field `{app}.{model}.{field}` already exists in the migration state; remove or rename it first")]
    FieldExists {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Field name.
        field: String,
    },
    /// Another field already uses the column.
    #[error("column `{column}` of `{app}.{model}` is already used by field `{other}`; give the field another column name")]
    ColumnExists {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// The clashing column.
        column: String,
        /// The field that already has it.
        other: String,
    },
    /// A field cannot be removed while an index or unique constraint names it.
    #[error("field `{app}.{model}.{field}` is still used by index or constraint `{index}`; remove `{index}` before removing the field")]
    FieldInUse {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Field name.
        field: String,
        /// The index or constraint naming it.
        index: String,
    },
    /// The index or constraint does not exist.
    #[error("{kind} `{name}` does not exist on model `{app}.{model}` in the migration state")]
    IndexNotFound {
        /// `index` or `constraint`.
        kind: &'static str,
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Index or constraint name.
        name: String,
    },
    /// An index or constraint with this name exists already on the model.
    #[error("an index or constraint named `{name}` already exists on model `{app}.{model}`; choose another name")]
    IndexExists {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Index or constraint name.
        name: String,
    },
}

impl StateError {
    pub(crate) fn model_not_found(app: &str, model: &str) -> Self {
        Self::ModelNotFound {
            app: app.to_string(),
            model: model.to_string(),
        }
    }

    pub(crate) fn field_not_found(app: &str, model: &str, field: &str) -> Self {
        Self::FieldNotFound {
            app: app.to_string(),
            model: model.to_string(),
            field: field.to_string(),
        }
    }

    pub(crate) fn field_exists(app: &str, model: &str, field: &str) -> Self {
        Self::FieldExists {
            app: app.to_string(),
            model: model.to_string(),
            field: field.to_string(),
        }
    }
}

/// The model `app.name` of `state`, mutably, or [`StateError::ModelNotFound`].
pub(crate) fn model_mut<'a>(
    state: &'a mut ProjectState,
    app: &str,
    name: &str,
) -> Result<&'a mut ModelState, StateError> {
    state
        .model_mut(app, name)
        .ok_or_else(|| StateError::model_not_found(app, name))
}

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
    /// Rename a model; foreign keys to it follow, its table does not (`AlterModelTable` does that).
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

impl Operation {
    /// Applies this operation to the state of `app` (the migration's app).
    ///
    /// On error the state may be left partly changed only for the failing operation; callers
    /// abandon the state on error.
    pub fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        match self {
            Self::CreateModel(op) => op.state_forwards(app, state),
            Self::DeleteModel(op) => op.state_forwards(app, state),
            Self::RenameModel(op) => op.state_forwards(app, state),
            Self::AlterModelTable(op) => op.state_forwards(app, state),
            Self::AlterModelComment(op) => op.state_forwards(app, state),
            Self::AddField(op) => op.state_forwards(app, state),
            Self::RemoveField(op) => op.state_forwards(app, state),
            Self::AlterField(op) => op.state_forwards(app, state),
            Self::RenameField(op) => op.state_forwards(app, state),
            Self::AddIndex(op) => op.state_forwards(app, state),
            Self::RemoveIndex(op) => op.state_forwards(app, state),
            Self::AddConstraint(op) => op.state_forwards(app, state),
            Self::RemoveConstraint(op) => op.state_forwards(app, state),
            Self::RunSql(_) | Self::RunRust(_) => Ok(()),
        }
    }

    /// A one-line human description in Django's wording: `Create model Book`,
    /// `Add field published_date to book`, `Alter field title on book`.
    pub fn describe(&self) -> String {
        match self {
            Self::CreateModel(op) => op.describe(),
            Self::DeleteModel(op) => op.describe(),
            Self::RenameModel(op) => op.describe(),
            Self::AlterModelTable(op) => op.describe(),
            Self::AlterModelComment(op) => op.describe(),
            Self::AddField(op) => op.describe(),
            Self::RemoveField(op) => op.describe(),
            Self::AlterField(op) => op.describe(),
            Self::RenameField(op) => op.describe(),
            Self::AddIndex(op) => op.describe(),
            Self::RemoveIndex(op) => op.describe(),
            Self::AddConstraint(op) => op.describe(),
            Self::RemoveConstraint(op) => op.describe(),
            Self::RunSql(op) => op.describe(),
            Self::RunRust(op) => op.describe(),
        }
    }

    /// The symbol shown before the description: `+` create/add, `-` delete/remove, `~` the rest.
    pub fn symbol(&self) -> char {
        match self {
            Self::CreateModel(_)
            | Self::AddField(_)
            | Self::AddIndex(_)
            | Self::AddConstraint(_) => '+',
            Self::DeleteModel(_)
            | Self::RemoveField(_)
            | Self::RemoveIndex(_)
            | Self::RemoveConstraint(_) => '-',
            _ => '~',
        }
    }

    /// False for `RunSql` without `reverse_sql` and `RunRust` without `backward`; every schema
    /// operation can be reversed (from the state before it).
    pub fn reversible(&self) -> bool {
        match self {
            Self::RunSql(op) => op.reverse_sql.is_some(),
            Self::RunRust(op) => op.backward.is_some(),
            _ => true,
        }
    }

    /// The fragment used to name a migration made of this operation (Django's
    /// `migration_name_fragment`): `book_published_date`, `remove_book_isbn`. `None` for
    /// `RunSql` and `RunRust`.
    pub fn migration_name_fragment(&self) -> Option<String> {
        match self {
            Self::CreateModel(op) => Some(op.fragment()),
            Self::DeleteModel(op) => Some(op.fragment()),
            Self::RenameModel(op) => Some(op.fragment()),
            Self::AlterModelTable(op) => Some(op.fragment()),
            Self::AlterModelComment(op) => Some(op.fragment()),
            Self::AddField(op) => Some(op.fragment()),
            Self::RemoveField(op) => Some(op.fragment()),
            Self::AlterField(op) => Some(op.fragment()),
            Self::RenameField(op) => Some(op.fragment()),
            Self::AddIndex(op) => Some(op.fragment()),
            Self::RemoveIndex(op) => Some(op.fragment()),
            Self::AddConstraint(op) => Some(op.fragment()),
            Self::RemoveConstraint(op) => Some(op.fragment()),
            Self::RunSql(_) | Self::RunRust(_) => None,
        }
    }

    /// A stable text of all of this operation's data, for checksums. `RunRust` is represented by
    /// its name and reversibility (function addresses are not stable).
    pub fn canonical_text(&self) -> String {
        match self {
            Self::CreateModel(op) => op.canonical_text(),
            Self::DeleteModel(op) => op.canonical_text(),
            Self::RenameModel(op) => op.canonical_text(),
            Self::AlterModelTable(op) => op.canonical_text(),
            Self::AlterModelComment(op) => op.canonical_text(),
            Self::AddField(op) => op.canonical_text(),
            Self::RemoveField(op) => op.canonical_text(),
            Self::AlterField(op) => op.canonical_text(),
            Self::RenameField(op) => op.canonical_text(),
            Self::AddIndex(op) => op.canonical_text(),
            Self::RemoveIndex(op) => op.canonical_text(),
            Self::AddConstraint(op) => op.canonical_text(),
            Self::RemoveConstraint(op) => op.canonical_text(),
            Self::RunSql(op) => op.canonical_text(),
            Self::RunRust(op) => op.canonical_text(),
        }
    }

    /// True when the operation loses data by its kind: `DeleteModel` and `RemoveField`.
    /// Whether an `AlterField` narrows a column depends on the state before it; see
    /// [`Operation::is_destructive_in`].
    pub fn is_destructive(&self) -> bool {
        matches!(self, Self::DeleteModel(_) | Self::RemoveField(_))
    }

    /// Like [`Operation::is_destructive`], and also true for an `AlterField` that narrows the
    /// column given the state `before` it (shorter `VARCHAR`, smaller integer or decimal, any
    /// other type change, or a dropped column default is not counted).
    pub fn is_destructive_in(&self, app: &str, before: &ProjectState) -> bool {
        match self {
            Self::AlterField(op) => before
                .model(app, &op.model)
                .and_then(|m| m.field(&op.name))
                .is_some_and(|old| fields::narrows(&old.column_type, &op.field.column_type)),
            _ => self.is_destructive(),
        }
    }

    /// The model this operation is about (`None` for `RunSql` and `RunRust`). For
    /// `RenameModel` this is the old name.
    pub fn model_name(&self) -> Option<&str> {
        match self {
            Self::CreateModel(op) => Some(&op.name),
            Self::DeleteModel(op) => Some(&op.name),
            Self::RenameModel(op) => Some(&op.old_name),
            Self::AlterModelTable(op) => Some(&op.name),
            Self::AlterModelComment(op) => Some(&op.name),
            Self::AddField(op) => Some(&op.model),
            Self::RemoveField(op) => Some(&op.model),
            Self::AlterField(op) => Some(&op.model),
            Self::RenameField(op) => Some(&op.model),
            Self::AddIndex(op) => Some(&op.model),
            Self::RemoveIndex(op) => Some(&op.model),
            Self::AddConstraint(op) => Some(&op.model),
            Self::RemoveConstraint(op) => Some(&op.model),
            Self::RunSql(_) | Self::RunRust(_) => None,
        }
    }
}

impl fmt::Display for Operation {
    /// The description, as [`Operation::describe`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

macro_rules! from_kind {
    ($($kind:ident),* $(,)?) => {
        $(impl From<$kind> for Operation {
            fn from(op: $kind) -> Self {
                Self::$kind(op)
            }
        })*
    };
}

from_kind!(
    CreateModel,
    DeleteModel,
    RenameModel,
    AlterModelTable,
    AlterModelComment,
    AddField,
    RemoveField,
    AlterField,
    RenameField,
    AddIndex,
    RemoveIndex,
    AddConstraint,
    RemoveConstraint,
    RunSql,
    RunRust,
);

/// Quotes a string for canonical text (Rust debug escaping).
pub(crate) fn quote(s: &str) -> String {
    format!("{s:?}")
}

/// Quotes an optional string for canonical text.
pub(crate) fn quote_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "None".to_string(), quote)
}
