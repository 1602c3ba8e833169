//! What detection produces for one app ([`AppChanges`]) and how it fails ([`DetectError`]):
//! the types every phase of the autodetector shares. A leaf of the folder.

use std::collections::BTreeSet;

use thiserror::Error;

use crate::graph::GraphError;
use crate::operations::{Operation, StateError};
use crate::questioner::QuestionError;

/// The changes of one app: its operations (optimized, in apply order) and the other apps whose
/// latest migrations the new migration must depend on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppChanges {
    /// The operations, in the order they must run.
    pub operations: Vec<Operation>,
    /// Other apps this app's new migration depends on: the new migration of that app when
    /// it has one in this run (it creates or renames a model this app's foreign keys point at,
    /// or removes references to a model this app deletes), else that app's latest existing
    /// migration (a foreign-key target that already exists there, or an app whose foreign keys
    /// point at a model this app renames, deletes, moves to another table or whose primary key
    /// it changes — those keys must be replayed before the model changes).
    pub depends_on_apps: BTreeSet<String>,
    /// Other apps that also get a new migration in this run, whose *existing* latest migration
    /// (before this run) this app's new migration needs: a foreign key points at a model that
    /// already existed there, or that app's existing foreign keys point at a model this app
    /// renames, deletes, moves or re-keys. Depending on that app's new migration instead would
    /// be correct too, but could form a cycle between the two new migrations.
    pub depends_on_previous: BTreeSet<String>,
}

/// Detection failed; nothing should be written.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DetectError {
    /// A question could not be answered (`--noinput` and a NOT NULL field, or the user quit).
    #[error(transparent)]
    Question(#[from] QuestionError),
    /// The operations the autodetector built do not reproduce the current models. This is a
    /// bug in migrator; the message says where.
    #[error("internal error in the autodetector: {0}. No migration was written; please report this together with the models involved")]
    Internal(String),
    /// The new migrations of two or more apps would each need the other first (foreign keys
    /// between models created in the same run, across apps).
    #[error("the new migrations of apps {} would depend on each other (foreign keys between models that are created or renamed in the same run, across apps). Make the migrations in two steps: leave out one of the foreign keys (or make it a plain column), run makemigrations, then add it back and run makemigrations again", apps.join(", "))]
    CrossAppCycle {
        /// The apps in the cycle.
        apps: Vec<String>,
    },
    /// A model deleted in one app is pointed at from another app whose new migration lets go
    /// of it, but that migration also needs the first app's new migration.
    #[error("app '{app}' deletes a model that app '{waits_for}' points at, so its new migration must follow '{waits_for}''s, which itself needs '{app}''s: the two would depend on each other. Make it in two steps: first remove (or re-point) the foreign keys of '{waits_for}' to the deleted model and run makemigrations, then delete the model and run makemigrations again")]
    DeleteCycle {
        /// The app deleting the model.
        app: String,
        /// The app whose foreign keys point at it.
        waits_for: String,
    },
    /// Two fields of one model would hold the same column at some point (columns swapped
    /// between fields, or a column name moved to another field in the same run).
    #[error("column `{column}` of `{app}.{model}` would belong to two fields at once (it is still used by field `{other}`): columns cannot be swapped or handed from one field to another in one migration. Make it in two steps: first give one field a temporary column name and run makemigrations, then finish the change and run makemigrations again")]
    ColumnClash {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// The column.
        column: String,
        /// The field still holding it.
        other: String,
    },
    /// A primary key of several fields would be replaced by a new auto-increment field: no
    /// sequence of steps keeps the rows (the key would shrink to some of the old fields on the
    /// way, which need not be unique).
    #[error("the primary key of `{app}.{model}` would change from ({}) to the new auto-increment field `{field}`, which no sequence of steps can do on a table with rows (on the way the key would be some of the old fields alone, which need not be unique). Make it in three steps, running makemigrations after each: add `{field}` as a plain nullable field (`Option<i64>`) and fill it with unique numbers in a data step (`run_rust` or `run_sql`); then make it the one primary key, NOT NULL (`#[model(primary_key)]`, and drop `primary_key(fields = [...])` from the struct); then add `auto`", old.join(", "))]
    CompositeKeyToNewAutoKey {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// The old key's fields.
        old: Vec<String>,
        /// The new auto-increment field.
        field: String,
    },
    /// A many-to-many change migrator refuses to make because it would lose or corrupt the
    /// links (a new target, a switch to or from a `through` model); the message says how to
    /// make it by hand.
    #[error("{0}")]
    ManyToMany(String),
    /// The existing migrations do not replay (see [`MigrationGraph::project_state`](crate::graph::MigrationGraph::project_state)).
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// A new migration needs another app's migration, and that app has none.
    #[error(
        "the new migration of '{app}' depends on app '{dependency}', which has no migration{}; \
         run `migrator makemigrations {dependency}` first, or without app arguments",
        if *.known { "" } else { " and no models in this binary" }
    )]
    DependencyWithoutMigrations {
        /// The app being migrated.
        app: String,
        /// The app it depends on.
        dependency: String,
        /// Whether the dependency has models among the current models.
        known: bool,
    },
}

impl From<StateError> for DetectError {
    fn from(e: StateError) -> Self {
        match e {
            StateError::ColumnExists {
                app,
                model,
                column,
                other,
            } => Self::ColumnClash {
                app,
                model,
                column,
                other,
            },
            e => Self::Internal(format!("an operation it generated does not apply: {e}")),
        }
    }
}
