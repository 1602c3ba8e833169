//! Operations as data (DESIGN decision 4 and 12): each kind's whole knowledge — its data, how it
//! changes the in-memory state, which schema-editor primitives it runs forwards and backwards,
//! how it describes itself and names a migration, which model it is about, its flags — lives
//! in one place, as an implementation of [`OperationKind`] in its family file: `models.rs`
//! (create/delete/rename a model, alter its table or comment), `fields.rs`, `indexes.rs`
//! (indexes and constraints), `special.rs` (RunSql, RunRust).
//!
//! This file keeps the [`Operation`] enum (the closed list of kinds that migration files
//! name) and the one match that reaches a kind ([`Operation::kind`]); `base.rs` holds the
//! [`OperationKind`] trait with its defaults, [`StateError`] and the shared helpers. The SQL text itself comes from the backend's
//! schema editor (`backend/`); nothing here runs SQL or touches a database.

use std::fmt;

use crate::backend::editor::{SchemaEditor, SchemaError, Step};
use crate::state::ProjectState;

mod base;
mod fields;
mod indexes;
mod model_rules;
mod models;
mod special;

pub use base::{OperationKind, RustMigrationFn, StateError};
pub(crate) use fields::narrows;
pub use fields::{rollback_fill, AddField, AlterField, RemoveField, RenameField};
pub use indexes::{AddConstraint, AddIndex, RemoveConstraint, RemoveIndex, RenameIndex};
pub use model_rules::rename_column_in_sql;
pub use models::{AlterModelComment, AlterModelTable, CreateModel, DeleteModel, RenameModel};
pub use special::{RunRust, RunSql};

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
    /// Rename an index in place.
    RenameIndex(RenameIndex),
    /// Add a named constraint.
    AddConstraint(AddConstraint),
    /// Drop a named constraint.
    RemoveConstraint(RemoveConstraint),
    /// Raw SQL, forwards and optionally backwards.
    RunSql(RunSql),
    /// A Rust function, forwards and optionally backwards.
    RunRust(RunRust),
}

impl Operation {
    /// The operation's kind, which holds its behaviour. The only match over every kind.
    pub fn kind(&self) -> &dyn OperationKind {
        match self {
            Self::CreateModel(op) => op,
            Self::DeleteModel(op) => op,
            Self::RenameModel(op) => op,
            Self::AlterModelTable(op) => op,
            Self::AlterModelComment(op) => op,
            Self::AddField(op) => op,
            Self::RemoveField(op) => op,
            Self::AlterField(op) => op,
            Self::RenameField(op) => op,
            Self::AddIndex(op) => op,
            Self::RemoveIndex(op) => op,
            Self::RenameIndex(op) => op,
            Self::AddConstraint(op) => op,
            Self::RemoveConstraint(op) => op,
            Self::RunSql(op) => op,
            Self::RunRust(op) => op,
        }
    }

    /// Applies this operation to the state of `app` (the migration's app).
    ///
    /// On error the state may be left partly changed only for the failing operation; callers
    /// abandon the state on error.
    pub fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        self.kind().state_forwards(app, state)
    }

    /// The SQL that applies this operation on `editor`'s backend, given the states `before`
    /// and `after` it (`after` = `before` + [`Operation::state_forwards`]).
    pub fn database_forwards(
        &self,
        app: &str,
        editor: &dyn SchemaEditor,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, SchemaError> {
        let label = self.describe();
        let step = Step {
            app,
            from: before,
            to: after,
            label: &label,
        };
        self.kind().database_forwards(editor, &step)
    }

    /// The SQL that undoes this operation, from `after` back to `before`.
    pub fn database_backwards(
        &self,
        app: &str,
        editor: &dyn SchemaEditor,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, SchemaError> {
        let label = self.describe();
        let step = Step {
            app,
            from: after,
            to: before,
            label: &label,
        };
        self.kind().database_backwards(editor, &step)
    }

    /// A one-line human description in Django's wording: `Create model Book`,
    /// `Add field published_date to book`, `Alter field title on book`.
    pub fn describe(&self) -> String {
        self.kind().describe()
    }

    /// [`Operation::describe`] given the state `before` it in `app`: it can name what the
    /// operation's data alone does not (`Rename table of writer from author to writer`).
    pub fn describe_in(&self, app: &str, before: &ProjectState) -> String {
        self.kind().describe_in(app, before)
    }

    /// The symbol shown before the description: `+` create/add, `-` delete/remove, `~` the rest.
    pub fn symbol(&self) -> char {
        self.kind().symbol()
    }

    /// False for `RunSql` without `reverse_sql` and `RunRust` without `backward`; every schema
    /// operation can be reversed (from the state before it).
    pub fn reversible(&self) -> bool {
        self.kind().reversible()
    }

    /// The fragment used to name a migration made of this operation (Django's
    /// `migration_name_fragment`): `book_published_date`, `remove_book_isbn`. `None` for
    /// `RunSql` and `RunRust`.
    pub fn migration_name_fragment(&self) -> Option<String> {
        self.kind().migration_name_fragment()
    }

    /// A stable text of all of this operation's data, for checksums. `RunRust` is represented by
    /// its name and reversibility (function addresses are not stable).
    pub fn canonical_text(&self) -> String {
        self.kind().canonical_text()
    }

    /// True when the operation loses data by its kind: `DeleteModel` and `RemoveField`.
    /// Whether an `AlterField` narrows a column depends on the state before it; see
    /// [`Operation::is_destructive_in`].
    pub fn is_destructive(&self) -> bool {
        self.kind().is_destructive()
    }

    /// Like [`Operation::is_destructive`], and also true for an `AlterField` that narrows the
    /// column given the state `before` it (shorter `VARCHAR`, smaller integer or decimal, any
    /// other type change, or a dropped column default is not counted).
    pub fn is_destructive_in(&self, app: &str, before: &ProjectState) -> bool {
        self.kind().is_destructive_in(app, before)
    }

    /// The model this operation is about (`None` for `RunSql` and `RunRust`). For
    /// `RenameModel` this is the old name.
    pub fn model_name(&self) -> Option<&str> {
        self.kind().model_name()
    }

    /// The model this operation is about after it runs (the new name for `RenameModel`).
    pub fn model_name_after(&self) -> Option<&str> {
        self.kind().model_name_after()
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
    RenameIndex,
    AddConstraint,
    RemoveConstraint,
    RunSql,
    RunRust,
);
