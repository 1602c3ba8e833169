//! Compares the state rebuilt from migrations with the current models and plans the
//! migrations that turn one into the other, like Django's `MigrationAutodetector`.
//!
//! [`changes`] is what `makemigrations` calls: given the migration graph, the current models,
//! a [`Questioner`] and the [`Options`] (apps, `--name`, `--empty`), it returns every new
//! migration — named, with its dependencies and operations — and what each risks on tables
//! with rows ([`Risks`]). It is [`detect`] (per-app operations and cross-app needs seen in
//! the state), [`add_history_dependencies`] (needs only the history knows), [`trim_to_apps`]
//! and [`arrange`] (names and dependencies in the graph), then [`risks`]. `--merge` is
//! [`merge_migrations`]. This module does not render or write files (the writer does) and
//! never touches a database.
//!
//! How detection works: a working copy of the old state is changed by every operation as it
//! is emitted (with [`Operation::state_forwards`]), phase by phase — renames of models, then
//! per kept model the field renames, index/constraint removals, field removals, field
//! renames; deleted models whose table is taken by another model; table and comment changes;
//! created models in foreign-key order; added and altered fields; the other deleted models
//! (referencing ones first); and finally added indexes and constraints. An operation that
//! renames, deletes, re-tables or re-keys a model that other apps' foreign keys point at makes
//! its migration depend on those apps' latest existing migrations, so a replay never creates
//! such a foreign key after the model it names is gone; [`add_history_dependencies`] does the
//! same for apps whose older migrations pointed at the model (given the migration graph).
//! Every step is a lookup by name, so the cost is linear in models × fields. At the end the
//! working copy must equal the current models (field order aside, as in Django); otherwise
//! detection fails loudly instead of writing a wrong migration. Each app's list then goes
//! through the optimizer.
//!
//! Modules: `detector` (the working state, the phase order, `emit`, the final check),
//! `models`, `fields` and `indexes` (the phases by family), `dependencies` (cross-app
//! dependencies), `arrange` (trimming, naming, wiring, `--empty`, `--merge`), `risks`.

mod arrange;
mod dependencies;
mod detector;
mod fields;
mod indexes;
mod models;
mod risks;

use std::collections::{BTreeMap, BTreeSet};

use thiserror::Error;

use crate::graph::{GraphError, MigrationGraph};
use crate::migration::Migration;
use crate::operations::{Operation, StateError};
use crate::optimizer::optimize;
use crate::questioner::{QuestionError, Questioner};
use crate::registry::CurrentModels;
use crate::state::ProjectState;

pub use arrange::{
    arrange, empty_migration, merge_migrations, trim_to_apps, MergeBranch, MergeMigration,
};
pub use dependencies::add_history_dependencies;
pub use risks::{risks, Risks};

use dependencies::wire_dependencies;
use detector::Detector;

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
    /// The existing migrations do not replay (see [`MigrationGraph::project_state`]).
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

/// What `makemigrations` asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Only these apps, plus the apps their new migrations depend on ([`trim_to_apps`]).
    /// Empty: every app.
    pub apps: Vec<String>,
    /// `--name`: the suffix of the new migrations' names instead of a generated one.
    pub name: Option<String>,
    /// `--empty`: nothing is detected; each app of `apps`, in that order, gets a migration
    /// without operations ([`empty_migration`]).
    pub empty: bool,
}

/// A migration to write.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMigration {
    /// The migration: app, name, dependencies, operations.
    pub migration: Migration,
    /// What its operations risk on tables with rows, judged from the state the existing
    /// migrations build.
    pub risks: Risks,
}

/// Every migration one `makemigrations` run writes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    /// The new migrations: in app order, or in the order of [`Options::apps`] for `--empty`.
    pub migrations: Vec<NewMigration>,
}

impl Changes {
    /// No app has changes.
    pub fn is_empty(&self) -> bool {
        self.migrations.is_empty()
    }

    /// The apps that get a new migration.
    pub fn apps(&self) -> Vec<String> {
        self.migrations
            .iter()
            .map(|m| m.migration.app.clone())
            .collect()
    }
}

/// Plans one `makemigrations` run, Django's `MigrationAutodetector.changes`: replays `graph`,
/// compares the result with `current` (asking `questioner` about renames and one-off
/// defaults), keeps the apps `options` asks for and what they depend on, names the new
/// migrations and wires their dependencies into `graph`, and judges what each risks. With
/// [`Options::empty`] it only plans the empty migrations.
///
/// Conflicts (apps with two leaves) are the caller's to refuse or merge first.
///
/// ```
/// use migrator_core::autodetector::{self, Options};
/// use migrator_core::graph::MigrationGraph;
/// use migrator_core::questioner::NonInteractiveQuestioner;
/// use migrator_core::registry::CurrentModels;
/// use migrator_core::{ColumnType, FieldState, ModelState};
///
/// let mut book = ModelState::new("library", "Book", "books");
/// book.fields = vec![FieldState::new("id", ColumnType::BigInt).primary_key().auto_increment()];
/// let mut current = CurrentModels::default();
/// current.state.insert(book);
/// let graph = MigrationGraph::new(Vec::new())?;
/// let changes = autodetector::changes(
///     &graph,
///     &current,
///     &mut NonInteractiveQuestioner,
///     &Options::default(),
/// )?;
/// assert_eq!(changes.migrations[0].migration.name, "0001_initial");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn changes(
    graph: &MigrationGraph,
    current: &CurrentModels,
    questioner: &mut dyn Questioner,
    options: &Options,
) -> Result<Changes, DetectError> {
    let name = options.name.as_deref();
    if options.empty {
        let migrations = options
            .apps
            .iter()
            .map(|app| NewMigration {
                migration: empty_migration(graph, app, name),
                risks: Risks::default(),
            })
            .collect();
        return Ok(Changes { migrations });
    }
    let from = graph.project_state()?;
    let mut detected = detect(&from, current, questioner)?;
    add_history_dependencies(&mut detected, graph);
    let detected = trim_to_apps(detected, &options.apps);
    let migrations = arrange(&detected, graph, &current.state, name)?
        .into_iter()
        .map(|migration| NewMigration {
            risks: risks(&migration, &from),
            migration,
        })
        .collect();
    Ok(Changes { migrations })
}

/// Compares `from` (the state the migrations build) with `to` (the current models and their
/// rename hints) and returns, per app with changes, the operations and the cross-app needs the
/// state shows. Asks `questioner` about possible renames and one-off defaults.
pub fn detect(
    from: &ProjectState,
    to: &CurrentModels,
    questioner: &mut dyn Questioner,
) -> Result<BTreeMap<String, AppChanges>, DetectError> {
    let mut d = Detector::new(from, to, questioner);
    d.run()?;
    d.check_result()?;
    let mut out: BTreeMap<String, AppChanges> = BTreeMap::new();
    for (app, ops) in std::mem::take(&mut d.changes) {
        let operations = optimize(&app, ops);
        if !operations.is_empty() {
            out.insert(
                app,
                AppChanges {
                    operations,
                    ..AppChanges::default()
                },
            );
        }
    }
    wire_dependencies(&mut out, &d.needs_new, &d.needs_existing, &d.soft)?;
    Ok(out)
}
