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
//!
//! This module holds the types plans and runs are described with; the work is in private
//! submodules, one per job, whose public items are re-exported here: `target` (targets and
//! plans, from the graph alone), `sql` (the SQL of a migration or a plan), `history`
//! (reading, checking and repairing the record), `apply` (`migrate` itself: the lock,
//! transactions, running operations), `startup` (the calls an application makes at
//! start-up) and `error` ([`ExecutorError`]).

mod apply;
mod error;
mod history;
mod sql;
mod startup;
mod target;

pub use apply::migrate;
pub use error::ExecutorError;
pub use history::{applied_migrations, check_recorded, effective_applied, forget, plan, restamp};
pub use sql::{sql_for_migration, sql_for_migration_from};
pub use startup::{apply_embedded, pending_embedded, schema_drift};
pub use target::{
    check_consistent_history, check_plan_direction, migration_plan, resolve_name, resolve_target,
};

use std::time::Duration;

use crate::lock::LockWait;
use crate::migration::MigrationKey;
use crate::operations::RustMigrationFn;

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
    /// [`DEFAULT_LOCK_TIMEOUT`](crate::lock::DEFAULT_LOCK_TIMEOUT)).
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
