//! `--format json`: the documents and events commands write, schema [`SCHEMA`]
//! (docs/json-output.md is the reference; keep it in step with this file).
//!
//! Every line of stdout in JSON mode is one object: `{"schema": "migrator/1", "kind": …, …}`.
//! A command writes one document (`showmigrations`, `sqlmigrate`, `makemigrations`,
//! `migrate --plan`/`--check`) or, for `migrate`, one event per line as things happen; a run
//! that fails ends with an [`Error`] object. Within a schema version fields are only added,
//! never renamed, removed or retyped; anything else is `migrator/2`.
//!
//! Adding JSON to a command: define a `#[derive(Serialize)]` struct here, `impl Document` for
//! it with its `KIND`, and call [`Output::emit`](super::Output::emit) with it when
//! [`Output::is_json`](super::Output::is_json); the text methods already write nothing to
//! stdout in JSON mode. Then document the kind in docs/json-output.md and snapshot it in
//! `tests/tests/suite/json_output.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use migrator_core::backend::Backend;
use migrator_core::database::{ResolvedDatabase, UrlSource};
use migrator_core::executor::{Outcome, PlanStep};
use migrator_core::safety::{AckStatus, Hazard, OperationHazards};
use migrator_core::Operation;
use serde::Serialize;

/// The schema every object names: bumped only for a change that is not an addition.
pub const SCHEMA: &str = "migrator/1";

/// A JSON document or event: a serialisable struct and the `"kind"` it is written with.
pub trait Document: Serialize {
    /// The `"kind"` field.
    const KIND: &'static str;
}

/// One line: the schema, the kind, then the document's own fields.
#[derive(Serialize)]
pub(super) struct Envelope<'a, T: Serialize> {
    pub schema: &'static str,
    pub kind: &'static str,
    #[serde(flatten)]
    pub body: &'a T,
}

/// Milliseconds with microsecond precision, for `duration_ms` fields.
pub fn millis(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// The lowercase name of a backend, as URL schemes and `[project] backends` spell it.
pub fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
        Backend::Mysql => "mysql",
    }
}

/// `kind: "error"`: the command failed; always the last line. The same message also goes to
/// stderr as text.
#[derive(Debug, Serialize)]
pub struct Error {
    /// A stable name for what failed (`unknown_app`, `executor`, `build_failed`, `usage`, …).
    pub error: &'static str,
    /// The message a person reads (the text output's `error:` line).
    pub message: String,
    /// The process exit code that follows (2).
    pub exit_code: u8,
}

impl Document for Error {
    const KIND: &'static str = "error";
}

/// The database a command reads or changes; the URL never shows a password.
#[derive(Debug, Serialize)]
pub struct Database {
    /// The URL, password redacted.
    pub url: String,
    /// `sqlite`, `postgres` or `mysql`.
    pub backend: &'static str,
    /// Where the URL came from: `option` (`--database`), `environment` (`DATABASE_URL`),
    /// `config` (`migrator.toml`) or `default`.
    pub source: &'static str,
}

impl Database {
    /// The resolved database, as JSON.
    pub fn new(db: &ResolvedDatabase) -> Self {
        Self {
            url: db.url.to_string(),
            backend: backend_name(db.url.backend()),
            source: match db.source {
                UrlSource::Explicit => "option",
                UrlSource::Environment => "environment",
                UrlSource::ConfigFile(_) => "config",
                UrlSource::Default => "default",
            },
        }
    }
}

/// One operation of a migration.
#[derive(Debug, Serialize)]
pub struct OperationJson {
    /// 1-based position in its migration.
    pub number: usize,
    /// `+` adds, `-` removes, `~` alters (or runs code), as in the text output.
    pub symbol: String,
    /// The one-line description (`Add field isbn to book`).
    pub description: String,
    /// What it risks (`migrate --plan`, `makemigrations`, `lint`); absent where a command
    /// does not classify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hazards: Option<Vec<HazardJson>>,
}

impl OperationJson {
    /// The operations of a migration, numbered.
    pub fn list(operations: &[Operation]) -> Vec<Self> {
        operations
            .iter()
            .enumerate()
            .map(|(i, op)| Self {
                number: i + 1,
                symbol: op.symbol().to_string(),
                description: op.describe(),
                hazards: None,
            })
            .collect()
    }

    /// Classified operations, numbered by their position in the migration.
    pub fn classified(operations: &[OperationHazards]) -> Vec<Self> {
        operations
            .iter()
            .map(|op| Self {
                number: op.index + 1,
                symbol: op.symbol.to_string(),
                description: op.description.clone(),
                hazards: Some(op.hazards.iter().map(HazardJson::from).collect()),
            })
            .collect()
    }
}

/// One finding of the safety classification.
#[derive(Debug, Serialize)]
pub struct HazardJson {
    /// `data_loss`, `rewrite_lock`, `may_fail`, `incompatible` or `review`.
    pub kind: &'static str,
    /// The backends it holds on (`sqlite`, `postgres`, `mysql`); empty: every backend.
    pub backends: Vec<&'static str>,
    /// What happens, in words.
    pub message: String,
}

impl From<&Hazard> for HazardJson {
    fn from(h: &Hazard) -> Self {
        Self {
            kind: h.kind.code(),
            backends: h.backends.iter().map(|b| backend_name(*b)).collect(),
            message: h.message.clone(),
        }
    }
}

/// Whether a migration's data loss is acknowledged.
#[derive(Debug, Serialize)]
pub struct DataLossJson {
    /// `not_needed`, `acknowledged`, `missing`, `stale` or `unneeded`.
    pub status: &'static str,
    /// The digest an acknowledgement must carry (`missing`, `stale`, `acknowledged`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The digest the migration's acknowledgement carries (`stale`, `unneeded`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<String>,
    /// The acknowledgement's reason (`acknowledged`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl DataLossJson {
    /// The JSON of `status`; `digest` is the migration's current digest, if it loses data.
    pub fn new(status: &AckStatus, digest: Option<String>) -> Self {
        let (acknowledged, reason) = match status {
            AckStatus::Acknowledged { reason } => (None, Some(reason.clone())),
            AckStatus::Stale { acknowledged, .. } | AckStatus::Unneeded { acknowledged } => {
                (Some(acknowledged.clone()), None)
            }
            _ => (None, None),
        };
        Self {
            status: status.code(),
            digest,
            acknowledged,
            reason,
        }
    }
}

// ----- showmigrations ----------------------------------------------------------------------

/// `kind: "showmigrations"`.
#[derive(Debug, Serialize)]
pub struct ShowMigrations {
    /// The database whose record is shown.
    pub database: Database,
    /// `false` when the SQLite file does not exist (every migration is then unapplied).
    pub database_exists: bool,
    /// `apps` (grouped per app, Django's default) or `plan` (`--plan`: apply order).
    pub view: &'static str,
    /// The apps shown, including those without migrations.
    pub apps: Vec<String>,
    /// Every migration, in the view's order.
    pub migrations: Vec<ShowMigration>,
}

impl Document for ShowMigrations {
    const KIND: &'static str = "showmigrations";
}

/// One migration of `showmigrations`.
#[derive(Debug, Serialize)]
pub struct ShowMigration {
    /// `app.name`.
    pub migration: String,
    /// The app.
    pub app: String,
    /// The name (`0001_initial`).
    pub name: String,
    /// Recorded as applied in the database.
    pub applied: bool,
    /// The migrations it depends on (`app.name`).
    pub dependencies: Vec<String>,
    /// What is wrong with its record, or `null`; the error object follows the document.
    pub problem: Option<Problem>,
    /// A squash: the migrations it replaces (`app.name`); left out for other migrations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<String>,
    /// A squash this database does not use yet (it is part-way through the migrations the
    /// squash replaces, which are listed and applied instead); left out when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unused_squash: bool,
}

/// What `showmigrations` marks on a migration whose record stops `migrate`.
#[derive(Debug, Serialize)]
pub struct Problem {
    /// `edited`, `file_missing` or `interrupted`.
    pub problem: &'static str,
    /// The text output's wording.
    pub message: String,
    /// `interrupted`: the 1-based operation that was running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<usize>,
    /// `interrupted`: it was being unapplied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backwards: Option<bool>,
}

// ----- migrate ------------------------------------------------------------------------------

/// A step of a plan.
#[derive(Debug, Serialize)]
pub struct Step {
    /// `app.name`.
    pub migration: String,
    /// Unapplied rather than applied.
    pub backwards: bool,
}

impl From<&PlanStep> for Step {
    fn from(step: &PlanStep) -> Self {
        Self {
            migration: step.key.to_string(),
            backwards: step.backwards,
        }
    }
}

/// `kind: "migrate_plan"` (`migrate --plan`).
#[derive(Debug, Serialize)]
pub struct MigratePlan {
    /// The database the plan is for.
    pub database: Database,
    /// `false` when the SQLite file does not exist (the plan is then every migration).
    pub database_exists: bool,
    /// The steps in run order, each with its operations.
    pub steps: Vec<PlanStepJson>,
}

impl Document for MigratePlan {
    const KIND: &'static str = "migrate_plan";
}

/// One step of `migrate --plan`.
#[derive(Debug, Serialize)]
pub struct PlanStepJson {
    /// `app.name`.
    pub migration: String,
    /// Unapplied rather than applied.
    pub backwards: bool,
    /// Its operations, in file order.
    pub operations: Vec<OperationJson>,
}

/// `kind: "migrate_check"` (`migrate --check`; exit 1 when `pending` is not empty).
#[derive(Debug, Serialize)]
pub struct MigrateCheck {
    /// The database checked.
    pub database: Database,
    /// The steps `migrate` would run.
    pub pending: Vec<Step>,
}

impl Document for MigrateCheck {
    const KIND: &'static str = "migrate_check";
}

/// `kind: "migrate_start"`: the first event of `migrate`, once everything is validated.
#[derive(Debug, Serialize)]
pub struct MigrateStart {
    /// The database being changed.
    pub database: Database,
    /// Django's wording of the target (`Apply all migrations: library`).
    pub target: String,
    /// The plan (empty: nothing to do).
    pub plan: Vec<Step>,
}

impl Document for MigrateStart {
    const KIND: &'static str = "migrate_start";
}

/// `kind: "lock_wait"`: another process holds the migration lock.
#[derive(Debug, Serialize)]
pub struct LockWait {
    /// Who holds it, when the database can tell.
    pub holder: Option<String>,
    /// How long this run waits before giving up, in seconds.
    pub timeout_s: u64,
}

impl Document for LockWait {
    const KIND: &'static str = "lock_wait";
}

/// `kind: "migration_started"`.
#[derive(Debug, Serialize)]
pub struct MigrationStarted {
    /// `app.name`.
    pub migration: String,
    /// Being unapplied.
    pub backwards: bool,
}

impl Document for MigrationStarted {
    const KIND: &'static str = "migration_started";
}

/// `kind: "operation_started"`.
#[derive(Debug, Serialize)]
pub struct OperationStarted {
    /// `app.name`.
    pub migration: String,
    /// 1-based position of the operation in its migration.
    pub number: usize,
    /// How many operations the migration has.
    pub total: usize,
    /// `+`, `-` or `~`.
    pub symbol: String,
    /// The operation's description.
    pub description: String,
}

impl Document for OperationStarted {
    const KIND: &'static str = "operation_started";
}

/// `kind: "operation_finished"`: the operation ran (in an atomic migration it commits with
/// the migration).
#[derive(Debug, Serialize)]
pub struct OperationFinished {
    /// `app.name`.
    pub migration: String,
    /// 1-based position of the operation in its migration.
    pub number: usize,
    /// How many operations the migration has.
    pub total: usize,
    /// `+`, `-` or `~`.
    pub symbol: String,
    /// The operation's description.
    pub description: String,
    /// Wall time of its statements and data step.
    pub duration_ms: f64,
}

impl Document for OperationFinished {
    const KIND: &'static str = "operation_finished";
}

/// `applied`, `faked` or `faked_initial`.
pub fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Applied => "applied",
        Outcome::Faked => "faked",
        Outcome::FakedInitial => "faked_initial",
    }
}

/// `kind: "migration_finished"`: the migration committed.
#[derive(Debug, Serialize)]
pub struct MigrationFinished {
    /// `app.name`.
    pub migration: String,
    /// It was unapplied.
    pub backwards: bool,
    /// `applied`, `faked` or `faked_initial`.
    pub outcome: &'static str,
    /// Wall time including the commit.
    pub duration_ms: f64,
}

impl Document for MigrationFinished {
    const KIND: &'static str = "migration_finished";
}

/// `kind: "migrate_summary"`: the last event of a `migrate` that succeeded.
#[derive(Debug, Serialize)]
pub struct MigrateSummary {
    /// The steps this run committed, in order, with their outcome.
    pub done: Vec<DoneStep>,
    /// Planned steps another process completed while this one waited.
    pub skipped: Vec<Step>,
    /// Apps whose models have changes no migration holds yet (`makemigrations` is due).
    pub unmigrated_changes: Vec<String>,
    /// Wall time of the whole run.
    pub duration_ms: f64,
}

impl Document for MigrateSummary {
    const KIND: &'static str = "migrate_summary";
}

/// A committed step of [`MigrateSummary`].
#[derive(Debug, Serialize)]
pub struct DoneStep {
    /// `app.name`.
    pub migration: String,
    /// It was unapplied.
    pub backwards: bool,
    /// `applied`, `faked` or `faked_initial`.
    pub outcome: &'static str,
}

/// `kind: "restamp"` (`migrate --restamp`).
#[derive(Debug, Serialize)]
pub struct Restamp {
    /// The database.
    pub database: Database,
    /// `app.name`.
    pub migration: String,
    /// `false`: the stored checksum already matched.
    pub changed: bool,
}

impl Document for Restamp {
    const KIND: &'static str = "restamp";
}

/// `kind: "forget"` (`migrate --forget`).
#[derive(Debug, Serialize)]
pub struct Forget {
    /// The database.
    pub database: Database,
    /// `app.name`.
    pub migration: String,
}

impl Document for Forget {
    const KIND: &'static str = "forget";
}

// ----- sqlmigrate ---------------------------------------------------------------------------

/// `kind: "sqlmigrate"`.
#[derive(Debug, Serialize)]
pub struct SqlMigrate {
    /// `app.name`.
    pub migration: String,
    /// The dialect: `sqlite`, `postgres` or `mysql`.
    pub backend: &'static str,
    /// The SQL unapplies the migration.
    pub backwards: bool,
    /// The whole migration runs in one transaction.
    pub atomic: bool,
    /// Each operation's statements, in run order.
    pub operations: Vec<SqlOperation>,
}

impl Document for SqlMigrate {
    const KIND: &'static str = "sqlmigrate";
}

/// One operation of `sqlmigrate`.
#[derive(Debug, Serialize)]
pub struct SqlOperation {
    /// 1-based position in the migration.
    pub number: usize,
    /// The operation's description.
    pub description: String,
    /// Its statements, in order, without a trailing `;`.
    pub statements: Vec<String>,
    /// A Rust data step runs after the statements (it has no SQL text).
    pub rust_step: bool,
    /// It commits in a transaction of its own (an operation of a non-atomic migration).
    pub own_transaction: bool,
    /// Its change is made by the statements of this (1-based, later) operation, which does
    /// several at once (one SQLite table rebuild); its own `statements` are empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folded_into: Option<usize>,
}

// ----- makemigrations ----------------------------------------------------------------------

/// `kind: "makemigrations"`.
#[derive(Debug, Default, Serialize)]
pub struct MakeMigrations {
    /// `write`, `dry_run` or `check`.
    pub mode: &'static str,
    /// The files were written (`mode: write`, and only when the run succeeded).
    pub written: bool,
    /// The new migrations.
    pub migrations: Vec<NewMigration>,
    /// `--merge`: the merge migrations.
    pub merges: Vec<MergeJson>,
    /// The apps' generated diesel schemas that are stale (and were, unless `check`/`dry_run`,
    /// rewritten).
    pub diesel_schemas: Vec<DieselSchema>,
    /// `check`: the questions a real run would ask.
    pub questions: Vec<String>,
}

impl Document for MakeMigrations {
    const KIND: &'static str = "makemigrations";
}

/// One new migration.
#[derive(Debug, Serialize)]
pub struct NewMigration {
    /// `app.name`.
    pub migration: String,
    /// The app.
    pub app: String,
    /// The name.
    pub name: String,
    /// The file, relative to the workspace root.
    pub path: String,
    /// Its dependencies (`app.name`).
    pub dependencies: Vec<String>,
    /// The operations, described as the text output shows them.
    pub operations: Vec<OperationJson>,
    /// What applying (and rolling back) it risks on tables with rows.
    pub risks: RisksJson,
    /// The data-loss acknowledgement it carries (`acknowledged`) or would need (`missing`:
    /// a real run asks, or needs `--allow-data-loss`), or `not_needed`.
    pub data_loss: DataLossJson,
    /// The file's source.
    pub source: String,
    /// `--update`: the existing migration (`app.name`) this one was merged into and
    /// replaces on disk (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updates: Option<String>,
}

/// What a new migration risks.
#[derive(Debug, Default, Serialize)]
pub struct RisksJson {
    /// Operations that lose data (dropped tables or columns, narrowed columns).
    pub data_loss: Vec<Described>,
    /// Fields made NOT NULL without a default when nobody answered: rows holding NULL make
    /// `migrate` fail.
    pub not_null_without_default: Vec<ModelField>,
    /// Removed NOT NULL fields a rollback re-adds, and the value existing rows get.
    pub rollback_refills: Vec<Refill>,
    /// Removed NOT NULL fields a rollback can re-add only to an empty table.
    pub rollback_needs_empty_table: Vec<ModelField>,
}

impl RisksJson {
    /// The JSON of the autodetector's risks; `unattended`: NOT NULL alterations nobody
    /// answered for are listed.
    pub fn new(risks: &migrator_core::autodetector::Risks, unattended: bool) -> Self {
        let pair = |(model, field): &(String, String)| ModelField {
            model: model.clone(),
            field: field.clone(),
        };
        Self {
            data_loss: risks
                .destructive
                .iter()
                .map(|op| Described {
                    symbol: op.symbol().to_string(),
                    description: op.describe(),
                })
                .collect(),
            not_null_without_default: if unattended {
                risks.not_null.iter().map(pair).collect()
            } else {
                Vec::new()
            },
            rollback_refills: risks
                .rollback_refills
                .iter()
                .map(|(model, field, value)| Refill {
                    model: model.clone(),
                    field: field.clone(),
                    value: value.to_string(),
                })
                .collect(),
            rollback_needs_empty_table: risks.rollback_needs_empty_table.iter().map(pair).collect(),
        }
    }
}

/// An operation named by its symbol and description.
#[derive(Debug, Serialize)]
pub struct Described {
    /// `+`, `-` or `~`.
    pub symbol: String,
    /// The operation's description.
    pub description: String,
}

/// A model's field.
#[derive(Debug, Serialize)]
pub struct ModelField {
    /// The model.
    pub model: String,
    /// The field.
    pub field: String,
}

/// A field a rollback refills.
#[derive(Debug, Serialize)]
pub struct Refill {
    /// The model.
    pub model: String,
    /// The field.
    pub field: String,
    /// The value existing rows get, as a Rust literal.
    pub value: String,
}

/// A merge migration (`--merge`).
#[derive(Debug, Serialize)]
pub struct MergeJson {
    /// `app.name`.
    pub migration: String,
    /// The file, relative to the workspace root.
    pub path: String,
    /// The branches it joins: each leaf and the operations on its branch.
    pub branches: BTreeMap<String, Vec<OperationJson>>,
    /// The file's source.
    pub source: String,
}

/// A stale diesel schema file.
#[derive(Debug, Serialize)]
pub struct DieselSchema {
    /// The app.
    pub app: String,
    /// The file, relative to the workspace root.
    pub path: String,
}

// ----- check (drift) ------------------------------------------------------------------------

/// `kind: "check"` (`migrator check`; exit 1 when `clean` is false).
#[derive(Debug, Serialize)]
pub struct Check {
    /// The database checked.
    pub database: Database,
    /// No difference: the database holds what its applied migrations describe.
    pub clean: bool,
    /// How many migrations are applied (the expected schema is theirs).
    pub applied: usize,
    /// Migrations on disk not applied yet (`app.name`); not drift.
    pub pending: Vec<String>,
    /// How many tables the applied migrations describe.
    pub tables: usize,
    /// Every difference, record problems first.
    pub differences: Vec<DifferenceJson>,
    /// Wall time of the check.
    pub duration_ms: f64,
}

impl Document for Check {
    const KIND: &'static str = "check";
}

/// `kind: "schema_check"`: `migrate -v 2` checked the schema after migrating (the same
/// comparison as `migrator check`; differences are warnings, the exit code stays 0).
#[derive(Debug, Serialize)]
pub struct SchemaCheck {
    /// No difference.
    pub clean: bool,
    /// Every difference.
    pub differences: Vec<DifferenceJson>,
    /// Wall time of the check.
    pub duration_ms: f64,
}

impl Document for SchemaCheck {
    const KIND: &'static str = "schema_check";
}

/// One difference found by the drift check.
#[derive(Debug, Serialize)]
pub struct DifferenceJson {
    /// Its stable name: `extra_table`, `missing_column`, `column_type`, …,
    /// `applied_missing_from_disk` (docs/json-output.md lists them).
    pub kind: &'static str,
    /// The table, for schema differences.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The column, when the difference is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The index or constraint name, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The migration (`app.name`), for record problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration: Option<String>,
    /// What the database has, when it says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    /// What the migrations say, when they say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The sentence the text output shows.
    pub message: String,
}

impl DifferenceJson {
    /// Every difference of `drift`, record problems first.
    pub fn list(drift: &migrator_core::executor::Drift) -> Vec<Self> {
        let record = drift.record.iter().map(|r| Self {
            kind: r.kind.code(),
            table: None,
            column: None,
            object: None,
            migration: Some(r.migration.to_string()),
            actual: None,
            expected: None,
            message: r.message.clone(),
        });
        let schema = drift.schema.iter().map(|d| Self {
            kind: d.kind.code(),
            table: Some(d.table.clone()),
            column: d.column.clone(),
            object: d.object.clone(),
            migration: None,
            actual: d.actual.clone(),
            expected: d.expected.clone(),
            message: d.to_string(),
        });
        record.chain(schema).collect()
    }
}

// ----- lint ---------------------------------------------------------------------------------

/// `kind: "lint"` (`migrator lint`; exit 1 when `failed`).
#[derive(Debug, Serialize)]
pub struct Lint {
    /// The database whose unapplied migrations are linted.
    pub database: Database,
    /// `false` when the SQLite file does not exist (every migration is then unapplied).
    pub database_exists: bool,
    /// The backends the operations were classified for.
    pub backends: Vec<&'static str>,
    /// Each unapplied migration, in apply order.
    pub migrations: Vec<LintMigration>,
    /// A migration loses data without a valid acknowledgement.
    pub failed: bool,
}

impl Document for Lint {
    const KIND: &'static str = "lint";
}

/// One migration of `lint`.
#[derive(Debug, Serialize)]
pub struct LintMigration {
    /// `app.name`.
    pub migration: String,
    /// Its operations, each with what it risks.
    pub operations: Vec<OperationJson>,
    /// Whether its data loss is acknowledged.
    pub data_loss: DataLossJson,
    /// It makes `lint` fail (data loss without a valid acknowledgement).
    pub fails: bool,
}

// ----- optimizemigration, migrate --prune ---------------------------------------------------

/// `kind: "optimizemigration"`.
#[derive(Debug, Serialize)]
pub struct OptimizeMigration {
    /// The database whose record was read (and, for an applied migration, restamped).
    pub database: Database,
    /// `app.name`.
    pub migration: String,
    /// The file, relative to the workspace root.
    pub path: String,
    /// `--check`: nothing is written.
    pub check: bool,
    /// The operations fold into fewer (or other) ones.
    pub changed: bool,
    /// How many operations the migration has.
    pub operations_before: usize,
    /// How many it has optimized.
    pub operations_after: usize,
    /// The optimized operations.
    pub operations: Vec<OperationJson>,
    /// The migration is recorded as applied on the database.
    pub applied: bool,
    /// The file was rewritten.
    pub written: bool,
    /// The recorded checksum was updated to the rewritten operations.
    pub restamped: bool,
    /// The new file's source (when `changed`).
    pub source: Option<String>,
}

impl Document for OptimizeMigration {
    const KIND: &'static str = "optimizemigration";
}

/// `kind: "prune"` (`migrate --prune`; exit 1 under `check` when `migrations` is not empty).
#[derive(Debug, Serialize)]
pub struct Prune {
    /// The database.
    pub database: Database,
    /// `apply` (records deleted), `plan` or `check` (only listed).
    pub mode: &'static str,
    /// The records of migrations whose files are gone, `app.name` each.
    pub migrations: Vec<String>,
    /// Squashes (`app.name`) applied only through those records, recorded themselves first.
    pub squashes_recorded: Vec<String>,
    /// The records were deleted.
    pub deleted: bool,
}

impl Document for Prune {
    const KIND: &'static str = "prune";
}
