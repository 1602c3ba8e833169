//! Plans and applies migrations, forwards and backwards, on one connection (Django's
//! `executor.py`).
//!
//! - Targets ([`resolve_target`]): everything, an app's leaf, `APP NAME` (a unique name
//!   prefix like `0002` is accepted) or `APP zero`.
//! - Plans ([`migration_plan`]): forwards to a target that is not applied; backwards (unapply
//!   every later migration of the app and everything that depends on it) to one that is.
//!   An applied migration whose dependency is not applied, or an applied migration whose
//!   operations were edited (checksum mismatch), stops everything before any DDL.
//! - SQL ([`sql_for_migration`]): one code path for `sqlmigrate` and for applying — each
//!   operation's SQL comes from the backend editor given the states replayed around it
//!   (`before` → `Operation::state_forwards` → `after`).
//! - Applying ([`migrate`]): under the migration lock (`lock.rs`), the applied set is re-read
//!   and each migration runs in its own transaction with its DDL, RunSql, RunRust (called with
//!   the same connection, inside the transaction), a foreign-key check and its recorder row —
//!   all or nothing. Progress is reported through [`MigrateEvent`]s; nothing here prints.
//!   SQLite and PostgreSQL run every migration in a transaction, `atomic: false` included
//!   (DDL is transactional there; a RunRust step that opens its own transaction gets a
//!   savepoint). MySQL commits each DDL statement implicitly: the operation about to run is
//!   recorded (and committed) in the recorder's progress table first, so a run that dies or
//!   fails half-way leaves a record the next run reports ([`ExecutorError::Interrupted`],
//!   [`ExecutorError::InterruptedUnapply`]) until `--resume`, `--fake` or `--forget` settles
//!   it; a failure error lists the operations that stay committed.
//! - Before anything runs, the record is checked: an edited applied migration (checksum), an
//!   applied migration whose file is gone, a partly applied squash or an inconsistent history
//!   stops the run. [`restamp`] and [`forget`] repair the record on purpose.
//! - Concurrency: steps another process completed while this one waited for the lock are
//!   skipped (reported in [`MigrateReport::skipped`]); any other change stops the run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};
use thiserror::Error;

use crate::backend::{Backend, DbConnection, SchemaError};
use crate::error::BoxError;
use crate::graph::{GraphError, MigrationGraph};
use crate::lock::{LockError, LockGuard, LockWait, DEFAULT_LOCK_TIMEOUT};
use crate::migration::{Migration, MigrationKey};
use crate::operations::{Operation, RustMigrationFn, StateError};
use crate::recorder::{self, RecorderError};
use crate::state::{ModelKey, ProjectState};

/// Where `migrate` should take the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Every app to its latest migration.
    Latest,
    /// One app to its latest migration (with what it depends on).
    AppLatest(String),
    /// One app to exactly this migration: forwards if it is not applied, otherwise backwards
    /// to just after it.
    Migration(MigrationKey),
    /// Unapply every migration of the app (and what depends on them).
    Zero(String),
}

/// One step of a plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanStep {
    /// The migration.
    pub key: MigrationKey,
    /// Unapply instead of apply.
    pub backwards: bool,
}

/// The SQL of one operation of a migration, in run order.
#[derive(Clone, Debug)]
pub struct OpSql {
    /// The operation's position in the migration (0-based; messages show it 1-based).
    pub index: usize,
    /// `Operation::describe()`.
    pub description: String,
    /// The statements, in order (without trailing `;`).
    pub statements: Vec<String>,
    /// The Rust data step to call after the statements (RunRust's forward or backward).
    pub rust: Option<RustMigrationFn>,
}

/// How `migrate` should apply the plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MigrateOptions {
    /// Compute and report the plan only.
    pub plan_only: bool,
    /// Record (or unrecord) without running anything.
    pub fake: bool,
    /// Record an `initial` migration without running it when every table it creates and every
    /// column it adds exists.
    pub fake_initial: bool,
    /// How long to wait for another `migrate` holding the lock (default
    /// [`DEFAULT_LOCK_TIMEOUT`]).
    pub lock_timeout: Option<Duration>,
    /// MySQL: finish a migration an earlier run left half-applied (see
    /// [`ExecutorError::Interrupted`]) by running it again from the interrupted operation.
    pub resume: bool,
}

/// What happened to one migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Its operations ran.
    Applied,
    /// Recorded/unrecorded only (`--fake`).
    Faked,
    /// Recorded only because its tables exist (`--fake-initial`).
    FakedInitial,
}

/// Progress reported while migrating. The CLI prints
/// `Applying library.0002_book_published_date... OK (3 ms)` from `Started` + `Finished`.
#[derive(Debug)]
pub enum MigrateEvent<'a> {
    /// The plan is known (it may be empty: nothing to do).
    Planned(&'a [PlanStep]),
    /// A migration is starting (sent once its transaction holds the lock).
    Started(&'a PlanStep),
    /// The lock is held by another process; this one waits (sent once per wait).
    WaitingForLock(&'a LockWait),
    /// A migration committed.
    Finished {
        /// The step.
        step: &'a PlanStep,
        /// Ran, faked or fake-initial.
        outcome: Outcome,
        /// Wall time including the commit.
        elapsed: Duration,
    },
}

/// What `migrate` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigrateReport {
    /// The plan that was computed.
    pub plan: Vec<PlanStep>,
    /// The steps that committed, with their outcome.
    pub done: Vec<(PlanStep, Outcome)>,
    /// Steps another process completed while this one was migrating (no events are sent for
    /// them).
    pub skipped: Vec<PlanStep>,
}

/// Why planning or applying failed. Every message names the migration and the way out.
#[derive(Debug, Error)]
pub enum ExecutorError {
    /// The app has no migrations.
    #[error("app `{app}` has no migrations; known apps: {}", list(.known))]
    UnknownApp {
        /// The app asked for.
        app: String,
        /// The apps that have migrations.
        known: Vec<String>,
    },
    /// No migration of the app matches the name.
    #[error("app `{app}` has no migration matching `{name}`; its migrations: {}", list(.candidates))]
    UnknownMigration {
        /// App.
        app: String,
        /// Name or prefix asked for.
        name: String,
        /// The app's migrations.
        candidates: Vec<String>,
    },
    /// More than one migration matches the prefix.
    #[error("`{name}` matches several migrations of `{app}`: {}; give more of the name", list(.candidates))]
    AmbiguousMigration {
        /// App.
        app: String,
        /// Prefix asked for.
        name: String,
        /// The matches.
        candidates: Vec<String>,
    },
    /// An app has more than one leaf migration.
    #[error("conflicting migrations in `{app}`: {} are all leaves; run `makemigrations --merge`", list(.leaves))]
    Conflict {
        /// App.
        app: String,
        /// Its leaves.
        leaves: Vec<String>,
    },
    /// An applied migration's dependency is not applied.
    #[error("inconsistent migration history: `{migration}` is applied but its dependency `{dependency}` is not. Apply `{dependency}` with `migrate --fake` if its changes are already in the database, or unapply `{migration}`")]
    InconsistentHistory {
        /// The applied migration.
        migration: MigrationKey,
        /// Its unapplied dependency.
        dependency: MigrationKey,
    },
    /// An applied migration was edited afterwards.
    #[error("migration `{migration}`{} was changed after it was applied: its operations differ from the ones recorded (checksum {recorded}, now {current}); nothing was run. Either restore the file as it was when applied (e.g. `git checkout -- FILE`) and put the change in a new migration (`makemigrations`), or, if the database already matches the edited operations, accept them with `migrator migrate --restamp {} {}`", file_text(.file), .migration.app, .migration.name)]
    ChecksumMismatch {
        /// The migration.
        migration: MigrationKey,
        /// Checksum in the recorder.
        recorded: String,
        /// Checksum of the migration as it is now.
        current: String,
        /// Its file, when the caller knows the migration folders
        /// ([`ExecutorError::with_migration_dirs`]).
        file: Option<Box<Path>>,
    },
    /// An applied migration's file is gone.
    #[error("migration `{migration}` is recorded as applied, but its file{} is gone; nothing was run. Either restore the file (e.g. `git checkout -- FILE`), or, if its changes were undone by hand or are no longer wanted in the history, remove the record with `migrator migrate --forget {} {}`", file_text(.file), .migration.app, .migration.name)]
    MissingMigrationFile {
        /// The recorded migration.
        migration: MigrationKey,
        /// Where its file was expected.
        file: Option<Box<Path>>,
    },
    /// A plan would apply some migrations and unapply others.
    #[error("the plan both applies and unapplies migrations ({}); migrator, like Django, refuses mixed plans. Migrate in two steps: first backwards to a target, then forwards", list(.steps))]
    MixedPlan {
        /// The steps, `app.name` or `app.name (unapply)`.
        steps: Vec<String>,
    },
    /// A MySQL migration was interrupted (its process died, or it failed after committing
    /// some of its operations).
    #[error("migration `{migration}` was interrupted (its `migrate` process died or failed) at operation {operation} of {total} ({description}) at {started_at}; nothing was run now. MySQL commits schema changes as they run: {} committed, operation {operation} may be partly committed, and the later ones did not run. Recover with either\n  `migrator migrate --resume` — runs `{migration}` again from operation {operation} (if operation {operation} did commit, this fails on it: then finish by hand as below), or\n  finish (or undo) the migration by hand, then `migrator migrate --fake {} {}` to record it as applied (or, after undoing it, `migrator migrate --forget {} {}`)", committed_text(*.operation), .migration.app, .migration.name, .migration.app, .migration.name)]
    Interrupted {
        /// The migration.
        migration: MigrationKey,
        /// 1-based number of the operation that was running.
        operation: usize,
        /// How many operations the migration has.
        total: usize,
        /// `describe()` of that operation.
        description: Box<str>,
        /// When it started (UTC).
        started_at: Box<str>,
    },
    /// A MySQL unapply was interrupted (its process died, or it failed after committing
    /// some of its operations).
    #[error("migration `{migration}` was interrupted while being unapplied (its `migrate` process died or failed) at operation {operation} of {total} ({description}) at {started_at}; nothing was run now. Unapplying runs the operations last to first and MySQL commits schema changes as they run: {}, operation {operation} may be partly undone, and the migration is still recorded as applied. Recover with either\n  `migrator migrate --resume` — continues unapplying `{migration}` from operation {operation}, or\n  finish unapplying it by hand, then record that with `migrator migrate --fake` to the migration before it (or `zero`), or\n  re-apply the undone operations by hand, then `migrator migrate --forget {} {}` to drop the progress record", undone_text(*.operation, *.total), .migration.app, .migration.name)]
    InterruptedUnapply {
        /// The migration.
        migration: MigrationKey,
        /// 1-based number of the operation that was being undone.
        operation: usize,
        /// How many operations the migration has.
        total: usize,
        /// `describe()` of that operation.
        description: Box<str>,
        /// When it started (UTC).
        started_at: Box<str>,
    },
    /// `--resume` without an interrupted migration.
    #[error("there is no interrupted migration to resume; run `migrate` without `--resume`")]
    NothingToResume,
    /// `--restamp` or `--forget` named a migration that is not recorded.
    #[error("migration `{0}` is not recorded as applied; there is nothing to {1}")]
    NotRecorded(MigrationKey, &'static str),
    /// `--forget` named a migration whose file exists.
    #[error("migration `{0}` still has its file; `--forget` only removes records of deleted migrations. To unapply it, migrate its app to the migration before it")]
    ForgetExisting(MigrationKey),
    /// The migration history cannot be replayed.
    #[error(transparent)]
    Graph(Box<GraphError>),
    /// Replaying an operation failed while computing SQL.
    #[error("migration `{migration}`, operation {number} ({description}): {source}")]
    State {
        /// The migration.
        migration: MigrationKey,
        /// 1-based operation number.
        number: usize,
        /// `describe()` of the operation.
        description: String,
        /// What went wrong.
        source: Box<StateError>,
    },
    /// The backend cannot express an operation (irreversible ones included).
    #[error("migration `{migration}`, operation {number} ({description}): {source}")]
    Schema {
        /// The migration.
        migration: MigrationKey,
        /// 1-based operation number.
        number: usize,
        /// `describe()` of the operation.
        description: String,
        /// What went wrong.
        source: Box<SchemaError>,
    },
    /// The backend has no schema editor.
    #[error(transparent)]
    Backend(Box<SchemaError>),
    /// A statement failed; the migration was rolled back (on MySQL, what `committed` lists
    /// stays applied).
    #[error("migration `{migration}` failed at operation {number} ({description}) running\n    {sql}\n  database error: {source}\n{}", aftermath(.migration, .committed))]
    Sql {
        /// The migration.
        migration: MigrationKey,
        /// 1-based operation number.
        number: usize,
        /// `describe()` of the operation.
        description: String,
        /// The statement.
        sql: Box<str>,
        /// The database's error.
        source: Box<diesel::result::Error>,
        /// 1-based numbers of the operations whose changes stay committed (MySQL commits DDL
        /// as it runs); empty when the whole migration was rolled back.
        committed: Box<[usize]>,
    },
    /// A RunRust step failed; the migration was rolled back (on MySQL, what `committed` lists
    /// stays applied).
    #[error("migration `{migration}` failed at operation {number} ({description}): {source}\n{}", aftermath(.migration, .committed))]
    Rust {
        /// The migration.
        migration: MigrationKey,
        /// 1-based operation number.
        number: usize,
        /// `describe()` of the operation.
        description: String,
        /// The step's error.
        source: BoxError,
        /// 1-based numbers of the operations whose changes stay committed (MySQL).
        committed: Box<[usize]>,
    },
    /// Rows break foreign keys after the migration; it was rolled back.
    #[error("migration `{migration}` leaves rows that break foreign keys: {}. The migration was rolled back; fix the data (a RunSql/RunRust step before the change) and retry", .violations.join("; "))]
    ForeignKeyViolation {
        /// The migration.
        migration: MigrationKey,
        /// `table rowid N references parent` per offending row.
        violations: Vec<String>,
    },
    /// Only some of the migrations a squash replaces are applied, and the originals are gone.
    #[error("squashed migration `{squash}` replaces {} (applied) and {} (not applied), and the replaced files are gone. Restore the replaced migration files, migrate, then squash again", list(.applied), list(.missing))]
    PartialSquash {
        /// The squash.
        squash: MigrationKey,
        /// Replaced migrations that are recorded.
        applied: Vec<MigrationKey>,
        /// Replaced migrations that are not.
        missing: Vec<MigrationKey>,
    },
    /// Another process changed the applied set while this one was migrating.
    #[error("another process applied or unapplied migrations while this one was running (before `{migration}`); nothing more was done. Run `migrate` again")]
    ConcurrentChange {
        /// The step that was about to run.
        migration: MigrationKey,
    },
    /// The recorder failed.
    #[error(transparent)]
    Recorder(#[from] RecorderError),
    /// Taking or releasing the lock failed.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// Loading the embedded migrations failed.
    #[error("loading the embedded migrations failed: {0}")]
    Load(Box<crate::loader::LoadError>),
    /// Reading the live schema failed (`--fake-initial`).
    #[error("reading the schema for --fake-initial failed: {0}")]
    Introspect(Box<crate::introspect::IntrospectError>),
}

fn file_text(file: &Option<Box<Path>>) -> String {
    match file {
        Some(f) => format!(" ({})", f.display()),
        None => String::new(),
    }
}

fn undone_text(operation: usize, total: usize) -> String {
    match total.saturating_sub(operation) {
        0 => "no operation was undone yet".to_owned(),
        1 => format!("operation {total} is undone"),
        _ => format!("operations {}–{total} are undone", operation + 1),
    }
}

fn committed_text(operation: usize) -> String {
    match operation {
        0 | 1 => "no earlier operation is".to_owned(),
        2 => "operation 1 is".to_owned(),
        n => format!("operations 1–{} are", n - 1),
    }
}

impl ExecutorError {
    /// Adds the file of the migration an error is about (`dirs`: app → migrations folder, as
    /// `LoadedMigrations::dirs` or relative to the workspace root), so the message names it.
    pub fn with_migration_dirs(mut self, dirs: &BTreeMap<String, PathBuf>) -> Self {
        let locate = |key: &MigrationKey| -> Option<Box<Path>> {
            dirs.get(&key.app)
                .map(|d| d.join(format!("{}.rs", key.name)).into_boxed_path())
        };
        match &mut self {
            Self::ChecksumMismatch {
                migration, file, ..
            }
            | Self::MissingMigrationFile { migration, file } => {
                *file = locate(migration);
            }
            _ => {}
        }
        self
    }

    /// The migration folder map relative to `root` (for [`Self::with_migration_dirs`]).
    pub fn relative_dirs(
        dirs: &BTreeMap<String, PathBuf>,
        root: &Path,
    ) -> BTreeMap<String, PathBuf> {
        dirs.iter()
            .map(|(app, d)| {
                (
                    app.clone(),
                    d.strip_prefix(root)
                        .map_or_else(|_| d.clone(), Path::to_path_buf),
                )
            })
            .collect()
    }
}

/// What a failed migration left behind, for the error message.
fn aftermath(migration: &MigrationKey, committed: &[usize]) -> String {
    if committed.is_empty() {
        return "The migration was rolled back; the database is as it was before it".to_owned();
    }
    let ops: Vec<String> = committed.iter().map(ToString::to_string).collect();
    format!(
        "MySQL commits schema changes as they run: operation(s) {} of this migration stay applied, \
and the migration is not recorded; until it is recovered, `migrate` reports it and runs nothing. \
Fix the cause and run the rest with `migrator migrate --resume`, or complete the migration by \
hand and record it with `migrator migrate --fake {app} {name}`, or undo those operations by hand \
and drop its progress record with `migrator migrate --forget {app} {name}`",
        ops.join(", "),
        app = migration.app,
        name = migration.name,
    )
}

impl From<GraphError> for ExecutorError {
    fn from(e: GraphError) -> Self {
        Self::Graph(Box::new(e))
    }
}

fn list(items: &[impl std::fmt::Display]) -> String {
    if items.is_empty() {
        return "(none)".to_owned();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resolves `migrate [APP [NAME|zero]]` against the graph. `NAME` may be a unique prefix
/// (`0002`).
pub fn resolve_target(
    graph: &MigrationGraph,
    app: Option<&str>,
    name: Option<&str>,
) -> Result<Target, ExecutorError> {
    let Some(app) = app else {
        return Ok(Target::Latest);
    };
    check_app(graph, app)?;
    match name {
        None => Ok(Target::AppLatest(app.to_owned())),
        Some("zero") => Ok(Target::Zero(app.to_owned())),
        Some(name) => resolve_name(graph, app, name).map(Target::Migration),
    }
}

fn check_app(graph: &MigrationGraph, app: &str) -> Result<(), ExecutorError> {
    let apps = graph.apps();
    if apps.iter().any(|a| a == app) {
        Ok(())
    } else {
        Err(ExecutorError::UnknownApp {
            app: app.to_owned(),
            known: apps,
        })
    }
}

/// The migration of `app` named `name`, or the only one whose name starts with `name`.
pub fn resolve_name(
    graph: &MigrationGraph,
    app: &str,
    name: &str,
) -> Result<MigrationKey, ExecutorError> {
    check_app(graph, app)?;
    let all = graph.app_migrations(app);
    if let Some(k) = all.iter().find(|k| k.name == name) {
        return Ok(k.clone());
    }
    let matches: Vec<&MigrationKey> = all.iter().filter(|k| k.name.starts_with(name)).collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(ExecutorError::UnknownMigration {
            app: app.to_owned(),
            name: name.to_owned(),
            candidates: all.iter().map(|k| k.name.clone()).collect(),
        }),
        many => Err(ExecutorError::AmbiguousMigration {
            app: app.to_owned(),
            name: name.to_owned(),
            candidates: many.iter().map(|k| k.name.clone()).collect(),
        }),
    }
}

fn single_leaf(graph: &MigrationGraph, app: &str) -> Result<Option<MigrationKey>, ExecutorError> {
    let mut leaves = graph.leaf_nodes(app);
    match leaves.len() {
        0 => Ok(None),
        1 => Ok(leaves.pop()),
        _ => Err(ExecutorError::Conflict {
            app: app.to_owned(),
            leaves: leaves.into_iter().map(|k| k.name).collect(),
        }),
    }
}

/// An applied migration (in the graph) whose in-graph dependency is not applied.
pub fn check_consistent_history(
    graph: &MigrationGraph,
    applied: &BTreeSet<MigrationKey>,
) -> Result<(), ExecutorError> {
    for key in applied {
        if graph.migration(key).is_none() {
            continue;
        }
        for dep in graph.dependencies_of(key) {
            if !applied.contains(&dep) {
                return Err(ExecutorError::InconsistentHistory {
                    migration: key.clone(),
                    dependency: dep,
                });
            }
        }
    }
    Ok(())
}

/// The steps that take the database from `applied` to `target`, in run order.
pub fn migration_plan(
    graph: &MigrationGraph,
    applied: &BTreeSet<MigrationKey>,
    target: &Target,
) -> Result<Vec<PlanStep>, ExecutorError> {
    let mut plan: Vec<PlanStep> = Vec::new();
    let push = |plan: &mut Vec<PlanStep>, key: MigrationKey, backwards: bool| {
        if !plan.iter().any(|s| s.key == key) {
            plan.push(PlanStep { key, backwards });
        }
    };
    match target {
        Target::Latest => {
            let mut leaves = Vec::new();
            for app in graph.apps() {
                leaves.extend(single_leaf(graph, &app)?);
            }
            for key in graph.forwards_plan_many(&leaves) {
                if !applied.contains(&key) {
                    push(&mut plan, key, false);
                }
            }
        }
        Target::AppLatest(app) => {
            check_app(graph, app)?;
            if let Some(leaf) = single_leaf(graph, app)? {
                for key in graph.forwards_plan(&leaf) {
                    if !applied.contains(&key) {
                        push(&mut plan, key, false);
                    }
                }
            }
        }
        Target::Migration(target) => {
            if graph.migration(target).is_none() {
                return Err(GraphError::UnknownMigration(target.clone()).into());
            }
            if applied.contains(target) {
                // Roll back to just after `target`: unapply its children in its own app and
                // everything that depends on them.
                for child in graph.dependents_of(target) {
                    if child.app != target.app {
                        continue;
                    }
                    for key in graph.backwards_plan(&child) {
                        if applied.contains(&key) {
                            push(&mut plan, key, true);
                        }
                    }
                }
            } else {
                for key in graph.forwards_plan(target) {
                    if !applied.contains(&key) {
                        push(&mut plan, key, false);
                    }
                }
            }
        }
        Target::Zero(app) => {
            check_app(graph, app)?;
            for root in graph.root_nodes(app) {
                for key in graph.backwards_plan(&root) {
                    if applied.contains(&key) {
                        push(&mut plan, key, true);
                    }
                }
            }
        }
    }
    check_plan_direction(&plan)?;
    // Several backwards plans may interleave; a dependent must always be unapplied first.
    if plan.iter().any(|s| s.backwards) {
        plan.sort_by_key(|s| std::cmp::Reverse(graph.position(&s.key)));
    }
    Ok(plan)
}

/// Refuses a plan that both applies and unapplies migrations (Django refuses them too: the
/// state between the two halves is not one any migration describes).
pub fn check_plan_direction(plan: &[PlanStep]) -> Result<(), ExecutorError> {
    let backwards = plan.iter().filter(|s| s.backwards).count();
    if backwards == 0 || backwards == plan.len() {
        return Ok(());
    }
    Err(ExecutorError::MixedPlan {
        steps: plan
            .iter()
            .map(|s| {
                if s.backwards {
                    format!("{} (unapply)", s.key)
                } else {
                    s.key.to_string()
                }
            })
            .collect(),
    })
}

/// The SQL of every operation of `key`, forwards or backwards (in run order: backwards
/// lists the last operation first), for `backend`, computed from the state of the
/// migration's ancestors — what `sqlmigrate` prints (Django's choice too).
///
/// [`migrate`] runs the same function ([`sql_for_migration_from`]) from the state the
/// database is actually in at that point of its plan; for a linear history the two are the
/// same statements. They differ only where two branches of a merged history touch the same
/// table, and there `migrate` is the one that keeps the other branch's columns.
pub fn sql_for_migration(
    graph: &MigrationGraph,
    key: &MigrationKey,
    backwards: bool,
    backend: Backend,
) -> Result<Vec<OpSql>, ExecutorError> {
    let base = graph.make_state(&graph.dependencies_of(key))?;
    sql_for_migration_from(graph, key, base, backwards, backend)
}

/// The SQL of every operation of `key` (as [`sql_for_migration`]) starting from `base`: the
/// schema state without this migration — before applying it, or after unapplying it.
pub fn sql_for_migration_from(
    graph: &MigrationGraph,
    key: &MigrationKey,
    base: ProjectState,
    backwards: bool,
    backend: Backend,
) -> Result<Vec<OpSql>, ExecutorError> {
    let mut state = base;
    sql_advancing(graph, key, &mut state, backwards, backend)
}

/// The models an operation reads or changes, by key, in the state it applies to (`before`)
/// or produces (`after`).
fn touched_models(app: &str, op: &Operation, after: bool) -> Vec<ModelKey> {
    let name = match op {
        Operation::RenameModel(r) if after => r.new_name.as_str(),
        Operation::RenameModel(r) => r.old_name.as_str(),
        Operation::CreateModel(o) => o.name.as_str(),
        Operation::DeleteModel(o) => o.name.as_str(),
        Operation::AlterModelTable(o) => o.name.as_str(),
        Operation::AlterModelComment(o) => o.name.as_str(),
        Operation::AddField(o) => o.model.as_str(),
        Operation::RemoveField(o) => o.model.as_str(),
        Operation::AlterField(o) => o.model.as_str(),
        Operation::RenameField(o) => o.model.as_str(),
        Operation::AddIndex(o) => o.model.as_str(),
        Operation::RemoveIndex(o) => o.model.as_str(),
        Operation::AddConstraint(o) => o.model.as_str(),
        Operation::RemoveConstraint(o) => o.model.as_str(),
        Operation::RunSql(_) | Operation::RunRust(_) => return Vec::new(),
    };
    vec![ModelKey::new(app, name)]
}

/// The part of `state` an operation on `keys` can need: those models, the models pointing
/// at them, and every model either of those points at. Schema editors look no further (a
/// rebuild touches the table and the tables referencing it), so cloning this neighbourhood
/// instead of the whole project keeps computing a plan's SQL linear in its size.
fn neighbourhood(state: &ProjectState, keys: &[ModelKey]) -> ProjectState {
    let mut wanted: BTreeSet<ModelKey> = keys
        .iter()
        .filter(|k| state.models.contains_key(*k))
        .cloned()
        .collect();
    if !keys.is_empty() {
        for model in state.models.values() {
            let points_at_key = model.fields.iter().any(|f| {
                f.foreign_key
                    .as_ref()
                    .is_some_and(|fk| keys.iter().any(|k| k.app == fk.app && k.name == fk.model))
            });
            if points_at_key {
                wanted.insert(model.key());
            }
        }
    }
    let targets: Vec<ModelKey> = wanted
        .iter()
        .filter_map(|k| state.models.get(k))
        .flat_map(|m| m.fields.iter().filter_map(|f| f.foreign_key.as_ref()))
        .map(|fk| fk.target())
        .filter(|k| state.models.contains_key(k))
        .collect();
    wanted.extend(targets);
    let mut part = ProjectState::new();
    for key in wanted {
        if let Some(model) = state.models.get(&key) {
            part.models.insert(key, model.clone());
        }
    }
    part
}

/// The SQL of every operation of `key`, computed while `state` (the schema without the
/// migration) advances through its operations: on return `state` includes the migration.
/// Each operation's SQL comes from the neighbourhood of its models before and after it.
fn sql_advancing(
    graph: &MigrationGraph,
    key: &MigrationKey,
    state: &mut ProjectState,
    backwards: bool,
    backend: Backend,
) -> Result<Vec<OpSql>, ExecutorError> {
    let editor = backend
        .editor()
        .map_err(|e| ExecutorError::Backend(Box::new(e)))?;
    let migration = graph
        .migration(key)
        .ok_or_else(|| GraphError::UnknownMigration(key.clone()))?;
    let app = &migration.app;
    let mut steps: Vec<(usize, &Operation, ProjectState, ProjectState)> = Vec::new();
    for (index, op) in migration.operations.iter().enumerate() {
        let mut keys = touched_models(app, op, false);
        keys.extend(touched_models(app, op, true));
        let before = neighbourhood(state, &keys);
        op.state_forwards(app, state)
            .map_err(|source| ExecutorError::State {
                migration: key.clone(),
                number: index + 1,
                description: op.describe(),
                source: Box::new(source),
            })?;
        steps.push((index, op, before, neighbourhood(state, &keys)));
    }
    if backwards {
        steps.reverse();
    }
    steps
        .into_iter()
        .map(|(index, op, before, after)| {
            let statements = if backwards {
                op.database_backwards(app, &*editor, &before, &after)
            } else {
                op.database_forwards(app, &*editor, &before, &after)
            }
            .map_err(|source| ExecutorError::Schema {
                migration: key.clone(),
                number: index + 1,
                description: op.describe(),
                source: Box::new(source),
            })?;
            let rust = match op {
                Operation::RunRust(r) if backwards => r.backward,
                Operation::RunRust(r) => Some(r.forward),
                _ => None,
            };
            Ok(OpSql {
                index,
                description: op.describe(),
                statements,
                rust,
            })
        })
        .collect()
}

/// The SQL of every step of `plan`, computed from the schema state the database is in at
/// that step, given that `applied` is applied when the plan starts (Django's `migrate` also
/// works from the applied state, not from each migration's ancestors).
///
/// Forwards: the applied set, plus the steps run so far — one running state, advanced
/// through the plan. Backwards: what is still applied minus the migration being unapplied —
/// so unapplying one branch of a merged history keeps what the other branch added. One
/// forward replay of the applied set serves every step whose migration is the last one still
/// applied (the usual case); any other step replays its own set.
fn plan_sql(
    graph: &MigrationGraph,
    applied: &BTreeSet<MigrationKey>,
    plan: &[PlanStep],
    backend: Backend,
) -> Result<Vec<Vec<OpSql>>, ExecutorError> {
    let applied_nodes: Vec<MigrationKey> = applied.iter().cloned().collect();
    if plan.iter().all(|s| !s.backwards) {
        let mut running = graph.make_state(&applied_nodes)?;
        return plan
            .iter()
            .map(|step| sql_advancing(graph, &step.key, &mut running, false, backend))
            .collect();
    }
    // Backwards (mixed plans are refused before this point).
    let position = |k: &MigrationKey| graph.position(k).unwrap_or(usize::MAX);
    // Which steps the single replay can serve: nothing after the migration is still applied
    // when it is unapplied, and nothing before it was unapplied earlier.
    let mut remaining: BTreeSet<(usize, MigrationKey)> =
        applied.iter().map(|k| (position(k), k.clone())).collect();
    let mut lowest_removed = usize::MAX;
    let mut from_replay: BTreeSet<&MigrationKey> = BTreeSet::new();
    let mut remaining_after: Vec<Vec<MigrationKey>> = Vec::with_capacity(plan.len());
    for step in plan {
        let pos = position(&step.key);
        let is_last = remaining.last().is_some_and(|(p, _)| *p == pos);
        remaining.remove(&(pos, step.key.clone()));
        if is_last && lowest_removed > pos {
            from_replay.insert(&step.key);
            remaining_after.push(Vec::new());
        } else {
            remaining_after.push(remaining.iter().map(|(_, k)| k.clone()).collect());
        }
        lowest_removed = lowest_removed.min(pos);
    }
    let mut served: BTreeMap<MigrationKey, Vec<OpSql>> = BTreeMap::new();
    let mut running = ProjectState::new();
    let mut in_order: Vec<&MigrationKey> = applied.iter().collect();
    in_order.sort_by_key(|k| position(k));
    for key in in_order {
        if from_replay.contains(key) {
            served.insert(
                key.clone(),
                sql_advancing(graph, key, &mut running, true, backend)?,
            );
        } else {
            let migration = graph
                .migration(key)
                .ok_or_else(|| GraphError::UnknownMigration(key.clone()))?;
            crate::graph::replay(&mut running, migration)?;
        }
    }
    plan.iter()
        .zip(remaining_after)
        .map(|(step, rest)| match served.remove(&step.key) {
            Some(sql) => Ok(sql),
            None => {
                let mut base = graph.make_state(&rest)?;
                sql_advancing(graph, &step.key, &mut base, true, backend)
            }
        })
        .collect()
}

/// Checks recorded checksums against the migrations as they are now.
fn check_checksums(
    graph: &MigrationGraph,
    rows: &BTreeMap<MigrationKey, recorder::AppliedMigration>,
) -> Result<(), ExecutorError> {
    let apps: BTreeSet<String> = graph.apps().into_iter().collect();
    let replaced: BTreeSet<&MigrationKey> =
        graph.migrations().flat_map(|m| m.replaces.iter()).collect();
    // Squashes recorded by a newer history (their replaced migrations' rows point at them):
    // a history that still has the originals legitimately lacks them.
    let recorded_squashes: BTreeSet<&str> = rows
        .values()
        .filter_map(|r| r.checksum.strip_prefix(recorder::REPLACED_BY))
        .collect();
    for (key, row) in rows {
        // A recorded migration of a known app that the history no longer has (and that no
        // squash replaced): its file was deleted or renamed.
        if apps.contains(&key.app)
            && !graph.contains(key)
            && !replaced.contains(key)
            && !recorded_squashes.contains(key.to_string().as_str())
        {
            return Err(ExecutorError::MissingMigrationFile {
                migration: key.clone(),
                file: None,
            });
        }
        if row.checksum.starts_with(recorder::REPLACED_BY) {
            continue;
        }
        if let Some(m) = graph.migration(key) {
            let current = recorder::checksum(m);
            if current != row.checksum {
                return Err(ExecutorError::ChecksumMismatch {
                    migration: key.clone(),
                    recorded: row.checksum.clone(),
                    current,
                    file: None,
                });
            }
        }
    }
    Ok(())
}

/// Runs `f` under the write lock ([`LockGuard`]): commit on success, roll back on failure —
/// and on a panic (a RunRust step may panic): the guard's `Drop` rolls back and releases the
/// lock while the panic unwinds, so the connection is never left inside a transaction.
///
/// The timeout counts time without progress: the holder takes and releases the lock once
/// per migration, so a waiter that gives up while the recorder changed meanwhile (the holder
/// is still migrating) waits another `timeout`. It gives up when a single step outlasts it.
fn locked<T>(
    conn: &mut DbConnection,
    timeout: Duration,
    on_event: &mut dyn FnMut(MigrateEvent<'_>),
    f: impl FnOnce(&mut DbConnection, &mut dyn FnMut(MigrateEvent<'_>)) -> Result<T, ExecutorError>,
) -> Result<T, ExecutorError> {
    let mut reported = false;
    let mut guard = loop {
        let before = progress_marker(conn);
        let err = match LockGuard::acquire(conn, timeout, &mut |wait| {
            if !reported {
                reported = true;
                on_event(MigrateEvent::WaitingForLock(wait));
            }
        }) {
            Ok(guard) => break guard,
            Err(e) => e,
        };
        match err {
            LockError::Timeout { .. } if progress_marker(conn) != before => continue,
            e => return Err(e.into()),
        }
    };
    match f(guard.conn(), on_event) {
        Ok(v) => {
            guard.commit()?;
            Ok(v)
        }
        Err(e) => {
            // The original error matters more than a failed rollback.
            let _ = guard.rollback();
            Err(e)
        }
    }
}

/// What the recorder holds now (read without the lock), to tell a holder that is still
/// migrating from one that is stuck.
fn progress_marker(conn: &mut DbConnection) -> Option<(BTreeSet<MigrationKey>, usize)> {
    let applied = recorder::applied(conn).ok()?.into_keys().collect();
    let interrupted = recorder::interrupted(conn)
        .ok()
        .map_or(0, |rows| rows.iter().map(|r| r.operation).sum());
    Some((applied, interrupted))
}

/// The applied set as the graph sees it: the recorded migrations that are in the graph, plus
/// each squash in the graph whose replaced migrations are all recorded. A squash with only
/// some of its replaced migrations recorded is an error (its originals are gone, so the rest
/// cannot be applied).
pub fn effective_applied(
    graph: &MigrationGraph,
    recorded: &BTreeSet<MigrationKey>,
) -> Result<BTreeSet<MigrationKey>, ExecutorError> {
    let mut applied: BTreeSet<MigrationKey> = recorded
        .iter()
        .filter(|k| graph.contains(k))
        .cloned()
        .collect();
    for m in graph.migrations() {
        if m.replaces.is_empty() || recorded.contains(&m.key()) {
            continue;
        }
        let (done, missing): (Vec<&MigrationKey>, Vec<&MigrationKey>) =
            m.replaces.iter().partition(|r| recorded.contains(*r));
        if missing.is_empty() {
            applied.insert(m.key());
        } else if !done.is_empty() {
            return Err(ExecutorError::PartialSquash {
                squash: m.key(),
                applied: done.into_iter().cloned().collect(),
                missing: missing.into_iter().cloned().collect(),
            });
        }
    }
    Ok(applied)
}

/// Reads the applied set and validates it (checksums, deleted files, squashes, consistency,
/// and no migration left half-applied by a killed MySQL run).
fn read_applied(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
) -> Result<BTreeSet<MigrationKey>, ExecutorError> {
    if let Some(i) = recorder::interrupted(conn)?.into_iter().next() {
        return Err(interrupted_error(i));
    }
    read_applied_allowing_interrupted(conn, graph)
}

fn interrupted_error(i: recorder::Interrupted) -> ExecutorError {
    if i.backwards {
        return ExecutorError::InterruptedUnapply {
            migration: i.key,
            operation: i.operation,
            total: i.total,
            description: i.description.into(),
            started_at: i.started_at.into(),
        };
    }
    ExecutorError::Interrupted {
        migration: i.key,
        operation: i.operation,
        total: i.total,
        description: i.description.into(),
        started_at: i.started_at.into(),
    }
}

/// The recorded migrations, checked as `migrate` checks them before anything runs (what
/// `showmigrations` uses): an edited applied migration, an applied migration whose file is
/// gone, or a migration a killed MySQL run left half-applied is an error naming the migration
/// and the way out. Reads only; creates nothing.
pub fn check_recorded(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
) -> Result<BTreeMap<MigrationKey, recorder::AppliedMigration>, ExecutorError> {
    if let Some(i) = recorder::interrupted(conn)?.into_iter().next() {
        return Err(interrupted_error(i));
    }
    let rows = recorder::applied(conn)?;
    check_checksums(graph, &rows)?;
    Ok(rows)
}

fn read_applied_allowing_interrupted(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
) -> Result<BTreeSet<MigrationKey>, ExecutorError> {
    let rows = recorder::applied(conn)?;
    check_checksums(graph, &rows)?;
    let recorded: BTreeSet<MigrationKey> = rows.into_keys().collect();
    let applied = effective_applied(graph, &recorded)?;
    check_consistent_history(graph, &applied)?;
    Ok(applied)
}

/// The recorded migrations (for `showmigrations`), including ones no longer in the graph
/// and with their recorded checksums; nothing is validated or created.
pub fn applied_migrations(
    conn: &mut DbConnection,
) -> Result<BTreeMap<MigrationKey, recorder::AppliedMigration>, ExecutorError> {
    Ok(recorder::applied(conn)?)
}

/// The plan `migrate` would run for `target` now (read-only).
pub fn plan(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    target: &Target,
) -> Result<Vec<PlanStep>, ExecutorError> {
    let applied = read_applied(conn, graph)?;
    migration_plan(graph, &applied, target)
}

#[derive(QueryableByName)]
struct FkViolation {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    rowid: Option<i64>,
    #[diesel(sql_type = Text)]
    parent: String,
}

fn foreign_key_violations(conn: &mut DbConnection) -> Result<Vec<String>, diesel::result::Error> {
    if conn.backend() != Backend::Sqlite {
        return Ok(Vec::new());
    }
    let rows: Vec<FkViolation> = diesel::sql_query("PRAGMA foreign_key_check").load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| match r.rowid {
            Some(id) => format!(
                "{} rowid {id} references a missing {} row",
                r.table, r.parent
            ),
            None => format!("{} references a missing {} row", r.table, r.parent),
        })
        .collect())
}

/// Django's "soft applied" test for `--fake-initial`: true when every table the migration's
/// `CreateModel`s create exists, and every column its `AddField`s add exists (tables and
/// columns as named by the state after the migration). A migration with neither is never
/// faked.
fn initial_schema_exists(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    migration: &Migration,
) -> Result<bool, ExecutorError> {
    let after = graph.make_state(&[migration.key()])?;
    let mut tables: Vec<String> = Vec::new();
    let mut columns: Vec<(String, String)> = Vec::new();
    for op in &migration.operations {
        match op {
            Operation::CreateModel(c) => {
                // The table as the state names it at the end (a later op may rename it).
                let table = after
                    .model(&migration.app, &c.name)
                    .map_or_else(|| c.table.clone(), |m| m.table.clone());
                tables.push(table);
            }
            Operation::AddField(a) => {
                if let Some(m) = after.model(&migration.app, &a.model) {
                    if let Some(f) = m.field(&a.field.name) {
                        columns.push((m.table.clone(), f.column.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    if tables.is_empty() && columns.is_empty() {
        return Ok(false);
    }
    let existing =
        crate::introspect::introspect(conn).map_err(|e| ExecutorError::Introspect(Box::new(e)))?;
    let tables_ok = tables.iter().all(|t| existing.tables.contains_key(t));
    let columns_ok = columns.iter().all(|(t, c)| {
        existing
            .tables
            .get(t)
            .is_some_and(|t| t.columns.iter().any(|col| col.name == *c))
    });
    Ok(tables_ok && columns_ok)
}

/// Runs one migration's operations (already turned into SQL) on `conn`, inside the caller's
/// transaction, then checks foreign keys. Operations before `first` (0-based) are skipped
/// (`--resume`).
///
/// MySQL commits each DDL statement implicitly, so there progress is recorded (and committed)
/// before each operation when the migration has any schema or SQL step: a run killed in the
/// middle leaves a `migrator_progress` row naming the operation that was running, which the
/// next run reports ([`ExecutorError::Interrupted`]). A migration made only of RunRust steps
/// stays one transaction and needs no progress row.
fn run_operations(
    conn: &mut DbConnection,
    migration: &Migration,
    ops: &[OpSql],
    first: Option<usize>,
    backwards: bool,
) -> Result<(), ExecutorError> {
    let key = migration.key();
    let key = &key;
    // MySQL commits each DDL statement implicitly: track what can no longer be rolled back.
    let implicit_commits = conn.backend() == Backend::Mysql;
    let track_progress = implicit_commits && ops.iter().any(|op| !op.statements.is_empty());
    let total = migration.operations.len();
    let mut committed: Vec<usize> = Vec::new();
    // `--resume` restarts at the interrupted operation (unapplying runs last to first).
    let pending = |op: &&OpSql| match first {
        None => true,
        Some(f) if backwards => op.index <= f,
        Some(f) => op.index >= f,
    };
    for op in ops.iter().filter(pending) {
        let number = op.index + 1;
        if track_progress {
            recorder::progress_start(conn, key, number, total, &op.description, backwards)?;
            // Commit the progress row now (MySQL's DDL would commit it anyway, but a RunRust
            // step would not): the diesel-level transaction stays open.
            conn.batch_execute("COMMIT")
                .and_then(|()| conn.batch_execute("BEGIN"))
                .map_err(|source| ExecutorError::Sql {
                    migration: key.clone(),
                    number,
                    description: "record progress".into(),
                    sql: "COMMIT; BEGIN".into(),
                    source: Box::new(source),
                    committed: committed.clone().into(),
                })?;
        }
        for (i, sql) in op.statements.iter().enumerate() {
            if let Err(source) = conn.batch_execute(sql) {
                if implicit_commits && i > 0 {
                    committed.push(number);
                }
                return Err(ExecutorError::Sql {
                    migration: key.clone(),
                    number,
                    description: op.description.clone(),
                    sql: sql.as_str().into(),
                    source: Box::new(source),
                    committed: committed.into(),
                });
            }
        }
        if let Some(f) = op.rust {
            if let Err(source) = f(conn) {
                if implicit_commits && !op.statements.is_empty() {
                    committed.push(number);
                }
                return Err(ExecutorError::Rust {
                    migration: key.clone(),
                    number,
                    description: op.description.clone(),
                    source,
                    committed: committed.into(),
                });
            }
        }
        if implicit_commits && !op.statements.is_empty() {
            committed.push(number);
        }
    }
    let violations = foreign_key_violations(conn).map_err(|source| ExecutorError::Sql {
        migration: key.clone(),
        number: ops.last().map_or(0, |o| o.index + 1),
        description: "foreign key check".into(),
        sql: "PRAGMA foreign_key_check".into(),
        source: Box::new(source),
        committed: Box::default(),
    })?;
    if !violations.is_empty() {
        return Err(ExecutorError::ForeignKeyViolation {
            migration: key.clone(),
            violations,
        });
    }
    Ok(())
}

/// Applies or unapplies migrations to reach `target`.
///
/// Under the lock: reads the applied set (validating checksums, deleted files, interrupted
/// MySQL runs and history), computes the plan and reports it; with `plan_only` stops there.
/// The SQL of every step is computed before anything runs, so an irreversible operation or a
/// schema error stops the run before any DDL. Then each step runs in its own write
/// transaction, which re-reads the applied set first (another process may have migrated
/// meanwhile) and commits the DDL, data steps, foreign-key check and recorder row together.
/// While another process holds the lock, [`MigrateEvent::WaitingForLock`] is sent once per
/// wait.
pub fn migrate(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    target: &Target,
    options: &MigrateOptions,
    on_event: &mut dyn FnMut(MigrateEvent<'_>),
) -> Result<MigrateReport, ExecutorError> {
    let backend = conn.backend();
    backend
        .editor()
        .map_err(|e| ExecutorError::Backend(Box::new(e)))?;
    let timeout = options.lock_timeout.unwrap_or(DEFAULT_LOCK_TIMEOUT);
    let (mut expected, plan, interrupted) = locked(conn, timeout, on_event, |conn, _| {
        let interrupted = recorder::interrupted(conn)?.into_iter().next();
        let applied = read_applied_allowing_interrupted(conn, graph)?;
        // `--resume` of an interrupted unapply: unapply that migration again (Django's
        // "migrate APP <its parent>"), unless the caller named a target.
        let target = match (&interrupted, target) {
            (Some(i), Target::Latest) if options.resume && i.backwards => {
                rollback_target(graph, &i.key)
            }
            _ => target.clone(),
        };
        let plan = migration_plan(graph, &applied, &target)?;
        if let Some(i) = &interrupted {
            // Only `--resume` (run the rest) or `--fake` of that very migration (finished by
            // hand) may proceed, and only when the plan starts with it.
            let first = plan.first();
            let allowed = (options.resume || options.fake)
                && first.is_some_and(|s| s.key == i.key && s.backwards == i.backwards);
            // A plan that runs nothing (a target already reached) may proceed.
            if !allowed && !options.plan_only && !plan.is_empty() {
                return Err(interrupted_error(i.clone()));
            }
        } else if options.resume {
            return Err(ExecutorError::NothingToResume);
        }
        Ok((applied, plan, interrupted))
    })?;
    on_event(MigrateEvent::Planned(&plan));
    let mut report = MigrateReport {
        plan: plan.clone(),
        ..MigrateReport::default()
    };
    if options.plan_only || plan.is_empty() {
        return Ok(report);
    }
    crate::lock::check_writable(conn)?;
    let prepared = if options.fake {
        vec![Vec::new(); plan.len()]
    } else {
        plan_sql(graph, &expected, &plan, backend)?
    };
    let in_plan: BTreeSet<&MigrationKey> = plan.iter().map(|s| &s.key).collect();
    for (step, ops) in plan.iter().zip(&prepared) {
        let migration = graph
            .migration(&step.key)
            .ok_or_else(|| GraphError::UnknownMigration(step.key.clone()))?;
        // `--resume`: the interrupted migration continues at the operation that was running.
        let first = match &interrupted {
            Some(i) if i.key == step.key && i.backwards == step.backwards && options.resume => {
                Some(i.operation.saturating_sub(1))
            }
            _ => None,
        };
        let result = locked(conn, timeout, on_event, |conn, on_event| {
            let recorded: BTreeSet<MigrationKey> = recorder::applied(conn)?.into_keys().collect();
            let now = effective_applied(graph, &recorded)?;
            // Another process may have migrated meanwhile. If all it did is steps of this very
            // plan (several instances of an application calling `apply_embedded` at start-up),
            // the steps it completed are skipped here; anything else is a conflicting change.
            let only_our_steps = now
                .symmetric_difference(&expected)
                .all(|k| in_plan.contains(k));
            if !only_our_steps {
                return Err(ExecutorError::ConcurrentChange {
                    migration: step.key.clone(),
                });
            }
            if now.contains(&step.key) != step.backwards {
                return Ok((None, now));
            }
            on_event(MigrateEvent::Started(step));
            let started = Instant::now();
            let outcome = if options.fake {
                Outcome::Faked
            } else if options.fake_initial
                && !step.backwards
                && migration.initial
                && initial_schema_exists(conn, graph, migration)?
            {
                Outcome::FakedInitial
            } else {
                run_operations(conn, migration, ops, first, step.backwards)?;
                Outcome::Applied
            };
            // A squash is recorded together with the migrations it replaces (Django does the
            // same), so either view of the history finds it applied.
            if step.backwards {
                recorder::unrecord(conn, &step.key)?;
                for r in &migration.replaces {
                    recorder::unrecord(conn, r)?;
                }
                recorder::progress_clear(conn, &step.key)?;
            } else {
                recorder::record(conn, migration)?;
                for r in &migration.replaces {
                    if !recorded.contains(r) {
                        recorder::record_replaced(conn, r, &step.key)?;
                    }
                }
                recorder::progress_clear(conn, &step.key)?;
            }
            Ok((Some((outcome, started)), now))
        });
        let result = match result {
            Ok(r) => r,
            Err(e) => {
                // MySQL: a failure that left operations committed keeps its progress row, so
                // later runs report the half-applied migration until it is recovered (and
                // `--resume` knows where to continue); one that committed nothing drops it.
                let committed = match &e {
                    ExecutorError::Sql { committed, .. }
                    | ExecutorError::Rust { committed, .. } => !committed.is_empty(),
                    _ => false,
                };
                let resuming = first.is_some();
                if backend == Backend::Mysql
                    && !committed
                    && !resuming
                    && !matches!(e, ExecutorError::Lock(_))
                {
                    let _ = recorder::progress_clear(conn, &step.key);
                }
                return Err(e);
            }
        };
        let (ran, now) = result;
        expected = now;
        let Some((outcome, started)) = ran else {
            report.skipped.push(step.clone());
            continue;
        };
        if step.backwards {
            expected.remove(&step.key);
        } else {
            expected.insert(step.key.clone());
        }
        on_event(MigrateEvent::Finished {
            step,
            outcome,
            elapsed: started.elapsed(),
        });
        report.done.push((step.clone(), outcome));
    }
    Ok(report)
}

/// The target that unapplies `key` (and what depends on it): its parent in its app, or zero.
fn rollback_target(graph: &MigrationGraph, key: &MigrationKey) -> Target {
    graph
        .dependencies_of(key)
        .into_iter()
        .find(|d| d.app == key.app)
        .map_or_else(|| Target::Zero(key.app.clone()), Target::Migration)
}

/// Stores the current checksum of the applied migration `key` (`migrate --restamp`): accepts
/// an edit of an applied migration whose operations the database already matches. Returns
/// false when the checksum was already current.
pub fn restamp(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    key: &MigrationKey,
    lock_timeout: Option<Duration>,
) -> Result<bool, ExecutorError> {
    let migration = graph
        .migration(key)
        .ok_or_else(|| GraphError::UnknownMigration(key.clone()))?;
    let timeout = lock_timeout.unwrap_or(DEFAULT_LOCK_TIMEOUT);
    crate::lock::check_writable(conn)?;
    locked(conn, timeout, &mut |_| {}, |conn, _| {
        let rows = recorder::applied(conn)?;
        let row = rows
            .get(key)
            .ok_or_else(|| ExecutorError::NotRecorded(key.clone(), "restamp"))?;
        let current = recorder::checksum(migration);
        if row.checksum == current {
            return Ok(false);
        }
        recorder::set_checksum(conn, key, &current)?;
        Ok(true)
    })
}

/// `migrate --forget`: removes the record of an applied migration whose file is gone; and
/// drops the progress record a MySQL run left for a migration (interrupted while applying and
/// then undone by hand, or interrupted while unapplying and then re-applied by hand).
pub fn forget(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    key: &MigrationKey,
    lock_timeout: Option<Duration>,
) -> Result<(), ExecutorError> {
    let timeout = lock_timeout.unwrap_or(DEFAULT_LOCK_TIMEOUT);
    crate::lock::check_writable(conn)?;
    locked(conn, timeout, &mut |_| {}, |conn, _| {
        let interrupted = recorder::interrupted(conn)?
            .into_iter()
            .any(|i| i.key == *key);
        let recorded = recorder::applied(conn)?.contains_key(key);
        if interrupted {
            recorder::progress_clear(conn, key)?;
            if !recorded || graph.contains(key) {
                return Ok(());
            }
        }
        if !recorded {
            return Err(ExecutorError::NotRecorded(key.clone(), "forget"));
        }
        if graph.contains(key) {
            return Err(ExecutorError::ForgetExisting(key.clone()));
        }
        recorder::unrecord(conn, key)?;
        Ok(())
    })
}

/// Applies every migration embedded in this binary that is not applied yet — the one call an
/// application makes at start-up. Returns the migrations it applied, in order.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use migrator_core::database::{connect, resolve};
///
/// let db = resolve(None, std::path::Path::new("."))?;
/// let mut conn = connect(&db.url)?;
/// let applied = migrator_core::executor::apply_embedded(&mut conn)?;
/// # let _ = applied;
/// # Ok(())
/// # }
/// ```
pub fn apply_embedded(conn: &mut DbConnection) -> Result<Vec<MigrationKey>, ExecutorError> {
    let loaded = crate::loader::load_embedded().map_err(|e| ExecutorError::Load(Box::new(e)))?;
    let report = migrate(
        conn,
        &loaded.graph,
        &Target::Latest,
        &MigrateOptions::default(),
        &mut |_| {},
    )?;
    Ok(report.done.into_iter().map(|(step, _)| step.key).collect())
}

/// The embedded migrations not applied yet, in the order [`apply_embedded`] would apply them
/// (read-only; validates checksums and history like `migrate`).
pub fn pending_embedded(conn: &mut DbConnection) -> Result<Vec<MigrationKey>, ExecutorError> {
    let loaded = crate::loader::load_embedded().map_err(|e| ExecutorError::Load(Box::new(e)))?;
    Ok(plan(conn, &loaded.graph, &Target::Latest)?
        .into_iter()
        .map(|step| step.key)
        .collect())
}

/// How the live schema differs from what the applied migrations describe (empty when it
/// matches): the basis of a drift check. Tables no migration knows show as "not expected".
pub fn schema_drift(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
) -> Result<Vec<String>, ExecutorError> {
    let applied: Vec<MigrationKey> = read_applied(conn, graph)?.into_iter().collect();
    let state = graph.make_state(&applied)?;
    let expected = crate::introspect::expected_schema(&state, conn.backend())
        .map_err(|e| ExecutorError::Backend(Box::new(e)))?;
    let actual =
        crate::introspect::introspect(conn).map_err(|e| ExecutorError::Introspect(Box::new(e)))?;
    Ok(actual.diff(&expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &str, backwards: bool) -> PlanStep {
        PlanStep {
            key: MigrationKey::new("shop", name),
            backwards,
        }
    }

    #[test]
    fn mixed_plans_are_refused() {
        assert!(check_plan_direction(&[]).is_ok());
        assert!(check_plan_direction(&[step("0001", false), step("0002", false)]).is_ok());
        assert!(check_plan_direction(&[step("0002", true), step("0001", true)]).is_ok());
        let err = check_plan_direction(&[step("0003", true), step("0004", false)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("refuses mixed plans"), "{err}");
        assert!(err.contains("shop.0003 (unapply), shop.0004"), "{err}");
    }
}
