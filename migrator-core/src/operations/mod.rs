//! Operations as data (DESIGN decision 4 and 12): each kind's whole knowledge — its data, how it
//! changes the in-memory state, which schema-editor primitives it runs forwards and backwards,
//! how it describes itself and names a migration, which model it is about, its flags — lives
//! in one place, as an implementation of [`OperationKind`] in its family file: `models.rs`
//! (create/delete/rename a model, alter its table or comment), `fields.rs`, `indexes.rs`
//! (indexes and constraints), `special.rs` (RunSql, RunRust). `SeparateDatabaseAndState`
//! holds operations of its own, so it lives here beside [`Operation`].
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

pub use crate::sql_text::{rename_column_in_sql, sql_names_column};
pub use base::{OperationKind, RustMigrationFn, StateError};
pub(crate) use fields::narrows;
pub use fields::{rollback_fill, AddField, AlterField, RemoveField, RenameField};
pub use indexes::{AddConstraint, AddIndex, RemoveConstraint, RemoveIndex, RenameIndex};
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
    /// State operations without SQL, and database operations without state change.
    SeparateDatabaseAndState(SeparateDatabaseAndState),
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
            Self::SeparateDatabaseAndState(op) => op,
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
    SeparateDatabaseAndState,
);

/// Django's `SeparateDatabaseAndState`, the escape hatch for hand-tuned changes: its
/// `state_operations` change the migration state and run no SQL; its `database_operations`
/// run their SQL (forwards, or backwards in reverse order) and leave the state alone. Moving
/// a model to another app without copying its table, adopting a table made by hand, or
/// replacing the SQL of a schema change with a hand-written one are the usual uses.
///
/// The database operations are any operations but `RunRust` (a data step is an operation of
/// its own); each gets the state the database operations before it produce, starting from
/// the state before this operation. Keeping the two halves in agreement is the author's job:
/// the drift check (`migrator check`) shows where the database and the state part ways.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeparateDatabaseAndState {
    /// Operations applied to the migration state only.
    pub state_operations: Vec<Operation>,
    /// Operations run on the database only.
    pub database_operations: Vec<Operation>,
}

impl SeparateDatabaseAndState {
    /// Every operation it holds, state operations first.
    fn all(&self) -> impl Iterator<Item = &Operation> {
        self.state_operations
            .iter()
            .chain(&self.database_operations)
    }

    /// The states the database operations go through, starting from `start`: entry `i` is
    /// the state before database operation `i`, the last the state after all of them.
    fn database_states(
        &self,
        app: &str,
        start: &ProjectState,
        label: &str,
    ) -> Result<Vec<ProjectState>, SchemaError> {
        let mut states = vec![start.clone()];
        for (i, op) in self.database_operations.iter().enumerate() {
            let mut next = states[i].clone();
            op.state_forwards(app, &mut next).map_err(|e| {
                SchemaError::Unsupported(format!(
                    "`{label}`: database operation {} ({}) does not fit the schema the ones \
                     before it leave: {e}",
                    i + 1,
                    op.describe()
                ))
            })?;
            states.push(next);
        }
        Ok(states)
    }
}

impl OperationKind for SeparateDatabaseAndState {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        if let Some(step) = self.all().find_map(rust_step_name) {
            return Err(StateError::RustStepInSeparate {
                app: app.to_owned(),
                step: step.to_owned(),
            });
        }
        for op in &self.state_operations {
            op.state_forwards(app, state)?;
        }
        Ok(())
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        let states = self.database_states(step.app, step.from, step.label)?;
        let mut sql = Vec::new();
        for (i, op) in self.database_operations.iter().enumerate() {
            sql.extend(op.database_forwards(step.app, editor, &states[i], &states[i + 1])?);
        }
        Ok(sql)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        // `step.to` is the state before this operation: replay the database operations from
        // it, then undo them last to first.
        let states = self.database_states(step.app, step.to, step.label)?;
        let mut sql = Vec::new();
        for (i, op) in self.database_operations.iter().enumerate().rev() {
            sql.extend(op.database_backwards(step.app, editor, &states[i], &states[i + 1])?);
        }
        Ok(sql)
    }

    fn describe(&self) -> String {
        format!(
            "Custom state/database change combination ({} state, {} database operation{})",
            self.state_operations.len(),
            self.database_operations.len(),
            if self.database_operations.len() == 1 {
                ""
            } else {
                "s"
            }
        )
    }

    fn canonical_text(&self) -> String {
        let list = |ops: &[Operation]| {
            // Quoted, so the text of one operation can never read as the end of the list.
            let texts: Vec<String> = ops
                .iter()
                .map(|op| format!("{:?}", op.canonical_text()))
                .collect();
            format!("[{}]", texts.join(", "))
        };
        format!(
            "SeparateDatabaseAndState state={} database={}",
            list(&self.state_operations),
            list(&self.database_operations)
        )
    }

    fn reversible(&self) -> bool {
        self.database_operations.iter().all(Operation::reversible)
    }

    fn atomic(&self) -> bool {
        self.database_operations.iter().all(|op| op.kind().atomic())
    }

    fn verbatim_sql(&self) -> bool {
        self.database_operations
            .iter()
            .any(|op| op.kind().verbatim_sql())
    }

    fn requires_non_atomic(&self) -> bool {
        self.database_operations
            .iter()
            .any(|op| op.kind().requires_non_atomic())
    }

    fn is_destructive(&self) -> bool {
        self.database_operations
            .iter()
            .any(Operation::is_destructive)
    }

    fn is_destructive_in(&self, app: &str, before: &ProjectState) -> bool {
        let mut state = before.clone();
        self.database_operations.iter().any(|op| {
            let lost = op.is_destructive_in(app, &state);
            let _ = op.state_forwards(app, &mut state);
            lost
        })
    }

    fn needs_whole_state(&self) -> bool {
        true
    }

    fn separates_state(&self) -> bool {
        true
    }
}

/// The name of the Rust data step `op` is or holds, if any.
fn rust_step_name(op: &Operation) -> Option<&'static str> {
    match op {
        Operation::RunRust(r) => Some(r.name),
        Operation::SeparateDatabaseAndState(s) => s.all().find_map(rust_step_name),
        _ => None,
    }
}
