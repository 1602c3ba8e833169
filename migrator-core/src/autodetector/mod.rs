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
//! is emitted (with [`Operation::state_forwards`](crate::Operation::state_forwards)), phase by phase — renames of models, then
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
//! `models`, `fields` and `indexes` (the phases by family), `many_to_many` (the relation
//! changes refused before anything is emitted), `dependencies` (cross-app
//! dependencies), `arrange` (trimming, naming, wiring, `--empty`, `--merge`), `risks`.

mod arrange;
mod dependencies;
mod detector;
mod fields;
mod indexes;
mod many_to_many;
mod models;
mod result;
mod risks;
mod update;

use std::collections::BTreeMap;

use crate::graph::MigrationGraph;
use crate::migration::{Migration, MigrationKey};
use crate::optimizer::optimize_from;
use crate::questioner::{Questioner, ScopedQuestioner};
use crate::registry::CurrentModels;
use crate::safety;
use crate::state::ProjectState;

pub use arrange::{
    arrange, empty_migration, merge_migrations, trim_to_apps, MergeBranch, MergeMigration,
};
pub use dependencies::add_history_dependencies;
pub use result::{AppChanges, DetectError};
pub use risks::{backend_problems, risks, BackendProblem, Risks};
pub use update::UpdateError;

use dependencies::wire_dependencies;
use detector::Detector;

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
    /// The backends the project runs on: each new migration's SQL is computed for each, and
    /// what one refuses is reported in [`Risks::backend_problems`].
    pub backends: Vec<crate::backend::Backend>,
}

/// A migration to write.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMigration {
    /// The migration: app, name, dependencies, operations.
    pub migration: Migration,
    /// What its operations risk on tables with rows, judged from the state the existing
    /// migrations build.
    pub risks: Risks,
    /// Each operation's one-line description, worded knowing the state before it
    /// ([`crate::operations::Operation::describe_in`]: `Rename table of writer from author to writer`).
    pub descriptions: Vec<String>,
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
                descriptions: Vec::new(),
            })
            .collect();
        return Ok(Changes { migrations });
    }
    let from = graph.project_state()?;
    // Questions about apps that were not asked for are not asked (their changes are trimmed
    // away); if a requested app needs one of them after all, it joins the scope and detection
    // runs again, asking only what it did not ask before.
    let mut scoped = ScopedQuestioner::new(questioner, &options.apps);
    let detected = loop {
        scoped.unasked.clear();
        let mut detected = detect(&from, current, &mut scoped)?;
        add_history_dependencies(&mut detected, graph);
        let detected = trim_to_apps(detected, &options.apps);
        let pulled: Vec<String> = detected
            .keys()
            .filter(|app| scoped.unasked.contains(*app))
            .cloned()
            .collect();
        if pulled.is_empty() {
            break detected;
        }
        scoped.widen(pulled);
    };
    let arranged = arrange(&detected, graph, &current.state, name)?;
    let migrations = arranged
        .iter()
        .map(|migration| {
            let before = state_before(migration, &arranged, &from);
            judge(migration.clone(), &before, &options.backends)
        })
        .collect();
    Ok(Changes { migrations })
}

/// An app's latest migration with a run's changes merged in (`makemigrations --update`).
#[derive(Clone, Debug, PartialEq)]
pub struct UpdatedMigration {
    /// The merged migration, judged as a new one (its risks cover all of its operations).
    pub new: NewMigration,
    /// The migration it replaces on disk (the same key unless it was renamed).
    pub previous: MigrationKey,
}

/// `makemigrations --update`: each of `changes`' new migrations merged into its app's latest
/// migration of `graph` (folded by the optimizer and checked), renamed `NNNN_<suffix>` when
/// `suffix` is given, and judged for `backends`. Whether a latest migration is applied on a
/// database is the caller's to check first.
pub fn update_latest(
    graph: &MigrationGraph,
    changes: &Changes,
    suffix: Option<&str>,
    backends: &[crate::backend::Backend],
) -> Result<Vec<UpdatedMigration>, UpdateError> {
    let new: Vec<Migration> = changes
        .migrations
        .iter()
        .map(|n| n.migration.clone())
        .collect();
    Ok(update::merge_latest(graph, &new, suffix)?
        .into_iter()
        .map(|m| UpdatedMigration {
            new: judge(m.migration, &m.before, backends),
            previous: m.previous,
        })
        .collect())
}

/// `migration` as a [`NewMigration`]: what it risks and how its operations read, judged from
/// `before` (the state it runs on) for `backends`.
pub(crate) fn judge(
    migration: Migration,
    before: &ProjectState,
    backends: &[crate::backend::Backend],
) -> NewMigration {
    let mut r = risks(&migration, before);
    r.backend_problems = backend_problems(&migration, before, backends);
    r.hazards = safety::classify_migration(&migration, before, backends);
    r.data_loss_digest = safety::data_loss_digest(&migration, &r.hazards);
    // One definition of data loss: the classification's.
    r.destructive = r
        .hazards
        .iter()
        .filter(|o| o.loses_data())
        .filter_map(|o| migration.operations.get(o.index).cloned())
        .collect();
    NewMigration {
        risks: r,
        descriptions: describe_operations(&migration, before),
        migration,
    }
}

/// The state `migration` runs on: `from` (what the existing migrations build) plus the
/// operations of the new migrations of this run it depends on, directly or not (a foreign
/// key to a model another app creates in this run needs that model).
fn state_before(migration: &Migration, run: &[Migration], from: &ProjectState) -> ProjectState {
    // One new migration per app: an app seen is never visited again (no loop, even on a
    // cycle, which `arrange` refuses anyway).
    fn visit<'m>(
        m: &'m Migration,
        run: &'m [Migration],
        seen: &mut Vec<&'m str>,
        order: &mut Vec<&'m Migration>,
    ) {
        for dep in &m.dependencies {
            let Some(d) = run.iter().find(|n| n.app == dep.app && n.name == dep.name) else {
                continue;
            };
            if !seen.contains(&d.app.as_str()) {
                seen.push(&d.app);
                visit(d, run, seen, order);
                order.push(d);
            }
        }
    }
    let mut order = Vec::new();
    visit(
        migration,
        run,
        &mut vec![migration.app.as_str()],
        &mut order,
    );
    let mut state = from.clone();
    for m in order {
        for op in &m.operations {
            // Detected operations always apply; stop at the first that does not.
            if op.state_forwards(&m.app, &mut state).is_err() {
                return state;
            }
        }
    }
    state
}

/// The descriptions of `migration`'s operations, each given the state before it (`from`, the
/// state the existing migrations build, with the migration's earlier operations applied).
fn describe_operations(migration: &Migration, from: &ProjectState) -> Vec<String> {
    let mut state = from.clone();
    let mut replays = true;
    migration
        .operations
        .iter()
        .map(|op| {
            let text = if replays {
                op.describe_in(&migration.app, &state)
            } else {
                op.describe()
            };
            replays = replays && op.state_forwards(&migration.app, &mut state).is_ok();
            text
        })
        .collect()
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
        let operations = optimize_from(&app, ops, from);
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
