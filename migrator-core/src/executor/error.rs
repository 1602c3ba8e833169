//! [`ExecutorError`]: why planning or applying failed, with the helpers that write its
//! messages (what a failed or interrupted MySQL migration left committed, lists, file names)
//! and the methods that add migration files to them. Every message names the migration and
//! the way out. Nothing here plans, reads the record or runs SQL: the other executor modules
//! build these errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::backend::SchemaError;
use crate::error::BoxError;
use crate::graph::GraphError;
use crate::lock::LockError;
use crate::migration::MigrationKey;
use crate::operations::StateError;
use crate::recorder::RecorderError;

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
    #[error("migration `{migration}` was interrupted (its `migrate` process died or failed) at operation {operation} of {total} ({description}) at {started_at}; nothing was run now. Its operations commit one at a time (MySQL commits schema changes as they run; a non-atomic migration commits each operation on its own): {} committed, operation {operation} may be partly committed, and the later ones did not run. Recover with either\n  `migrator migrate --resume` — runs `{migration}` again from operation {operation} (if operation {operation} did commit, this fails on it: then finish by hand as below), or\n  finish (or undo) the migration by hand, then `migrator migrate --fake {} {}` to record it as applied (or, after undoing it, `migrator migrate --forget {} {}`)", committed_text(*.operation), .migration.app, .migration.name, .migration.app, .migration.name)]
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
    #[error("migration `{migration}` was interrupted while being unapplied (its `migrate` process died or failed) at operation {operation} of {total} ({description}) at {started_at}; nothing was run now. Unapplying runs the operations last to first and they commit one at a time (MySQL commits schema changes as they run; a non-atomic migration commits each operation on its own): {}, operation {operation} may be partly undone, and the migration is still recorded as applied. Recover with either\n  `migrator migrate --resume` — continues unapplying `{migration}` from operation {operation}, or\n  finish unapplying it by hand, then record that with `migrator migrate --fake` to the migration before it (or `zero`), or\n  re-apply the undone operations by hand, then `migrator migrate --forget {} {}` to drop the progress record", undone_text(*.operation, *.total), .migration.app, .migration.name)]
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
    /// A statement failed; the migration was rolled back (where operations commit one at a
    /// time, what `committed` lists stays applied).
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
        /// What stays committed; empty when the whole migration was rolled back.
        committed: Box<Committed>,
    },
    /// A RunRust step failed — returned an error, or panicked ([`DataStepPanicked`]); the
    /// migration was rolled back (where operations commit one at a time, what `committed`
    /// lists stays applied).
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
        /// What stays committed; empty when the whole migration was rolled back.
        committed: Box<Committed>,
    },
    /// Rows break foreign keys after the migration (or, in a non-atomic one, after an
    /// operation); what ran was rolled back, except what `committed` lists.
    #[error("migration `{migration}` leaves rows that break foreign keys: {}. Fix the data (a RunSql/RunRust step before the change) and retry.\n{}", .violations.join("; "), aftermath(.migration, .committed))]
    ForeignKeyViolation {
        /// The migration.
        migration: MigrationKey,
        /// `table rowid N references parent` per offending row.
        violations: Vec<String>,
        /// What stays committed; empty when the whole migration was rolled back.
        committed: Box<Committed>,
    },
    /// Committing a migration's transaction failed (a full disk, a deferred constraint, a
    /// lost connection).
    #[error("migration `{migration}` could not be committed: {source}\n{}", aftermath(.migration, .committed))]
    Commit {
        /// The migration.
        migration: MigrationKey,
        /// The database's error.
        source: Box<diesel::result::Error>,
        /// What stays committed anyway; empty when the whole migration was rolled back.
        committed: Box<Committed>,
    },
    /// An operation that cannot run inside a transaction is in an atomic migration.
    #[error("migration `{migration}`, operation {number} ({description}) cannot run inside a transaction, and the migration is atomic; nothing was run. Mark the migration non-atomic — `.atomic(false)` after `Migration::default()` in its file — and keep only operations in it that may commit one at a time")]
    NeedsNonAtomic {
        /// The migration.
        migration: MigrationKey,
        /// 1-based operation number.
        number: usize,
        /// `describe()` of the operation.
        description: String,
    },
    /// A recorded migration has no migration of its name with its operations, but another
    /// migration that is not recorded has them: the record or the file was renamed by hand.
    #[error("migration `{recorded}` is recorded as applied, but {}; its recorded operations are those of `{file}`, which is not recorded as applied: the record or the migration file was renamed by hand. Nothing was run. If `{file}` is the migration that was applied, rename the record back: `UPDATE migrator_migrations SET name = '{}' WHERE app = '{}' AND name = '{}'`; if the file was renamed, give it its old name back", renamed_what(.recorded_has_file), .file.name, .recorded.app, .recorded.name)]
    RenamedRecord {
        /// The recorded key.
        recorded: MigrationKey,
        /// The unrecorded migration whose operations the record carries.
        file: MigrationKey,
        /// Whether a migration named like the record exists (with other operations).
        recorded_has_file: bool,
    },
    /// The code of an applied migration's data steps was edited afterwards.
    #[error("migration `{migration}`{} was changed after it was applied: the code of its data steps (the items of the file besides `migration()`, read as Rust tokens, so formatting and comments do not count) differs from when it was applied (code checksum {recorded}, now {current}); nothing was run. Either restore the file as it was when applied (e.g. `git checkout -- FILE`) and put the change in a new migration, or, if the change must not run again, accept it with `migrator migrate --restamp {} {}`", file_text(.file), .migration.app, .migration.name)]
    DataStepChanged {
        /// The migration.
        migration: MigrationKey,
        /// Code checksum in the recorder.
        recorded: String,
        /// Code checksum of the migration file as compiled.
        current: String,
        /// Its file, when the caller knows the migration folders.
        file: Option<Box<Path>>,
    },
    /// Only some of the migrations a squash replaces are applied, and the originals are gone.
    #[error("this database is part-way through the squashed migration `{squash}`: it has applied {} but not {}, and the replaced migration files are gone, so it can neither finish them nor use the squash. Restore the deleted files of the migrations `{squash}` replaces (from version control), run `migrator migrate` on this database so it passes the squash, and only then delete them again (docs/squashing.md)", list(.applied), list(.missing))]
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
            | Self::DataStepChanged {
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

/// The panic of a data step (`RunRust`), as the error [`ExecutorError::Rust`] carries.
#[derive(Debug, Error)]
#[error("the data step panicked: {message}")]
pub struct DataStepPanicked {
    /// The panic's message (`panic!("…")`), or a note that it had none.
    pub message: String,
}

/// What a failed migration leaves committed, for its error message. Where operations commit
/// one at a time (MySQL, whose DDL commits as it runs; a non-atomic migration), that can be
/// some of them; elsewhere nothing. Dereferences to the operation numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Committed {
    /// 1-based numbers of the operations whose changes (unapplying: whose undoing) stay
    /// committed, in run order — the failed one too when it may have committed part of its
    /// work — including those an earlier, interrupted run committed (`--resume`).
    pub operations: Box<[usize]>,
    /// How many of the first `operations` the earlier, interrupted run committed.
    pub earlier: usize,
    /// The migration was being unapplied.
    pub backwards: bool,
    /// Why operations commit one at a time (`MySQL commits schema changes as they run`).
    pub why: Box<str>,
}

impl std::ops::Deref for Committed {
    type Target = [usize];

    fn deref(&self) -> &[usize] {
        &self.operations
    }
}

fn numbers(ops: &[usize]) -> String {
    ops.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a failed migration left behind, for the error message.
fn aftermath(migration: &MigrationKey, committed: &Committed) -> String {
    if committed.is_empty() {
        return "The migration was rolled back; the database is as it was before it".to_owned();
    }
    let (app, name) = (&migration.app, &migration.name);
    let earlier = match committed.earlier {
        0 => String::new(),
        n => format!(
            " (operation(s) {} by the earlier, interrupted run)",
            numbers(&committed[..n])
        ),
    };
    if committed.backwards {
        return format!(
            "{why}: operation(s) {ops} of this migration stay undone{earlier}, and the migration is still recorded as applied; until it is recovered, `migrate` reports it and runs nothing. \
Fix the cause and continue unapplying with `migrator migrate --resume`, or finish unapplying it by hand and record that with `migrator migrate --fake` to the migration before it (or `zero`), \
or re-apply the undone operations by hand and drop its progress record with `migrator migrate --forget {app} {name}`",
            why = committed.why,
            ops = numbers(committed),
        );
    }
    format!(
        "{why}: operation(s) {ops} of this migration stay applied{earlier}, \
and the migration is not recorded; until it is recovered, `migrate` reports it and runs nothing. \
Fix the cause and run the rest with `migrator migrate --resume`, or complete the migration by \
hand and record it with `migrator migrate --fake {app} {name}`, or undo those operations by hand \
and drop its progress record with `migrator migrate --forget {app} {name}`",
        why = committed.why,
        ops = numbers(committed),
    )
}

fn renamed_what(recorded_has_file: &bool) -> &'static str {
    if *recorded_has_file {
        "the migration of that name has other operations"
    } else {
        "no migration of that name exists"
    }
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
