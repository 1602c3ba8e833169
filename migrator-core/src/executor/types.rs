//! The executor's vocabulary, shared by its modules and re-exported by `mod.rs`: where to
//! take the database ([`Target`]), the plan ([`PlanStep`]) and its SQL ([`OpSql`]), how to
//! apply it ([`MigrateOptions`]), and what it reports ([`MigrateEvent`], [`Outcome`],
//! [`MigrateReport`]). Plain data.

use std::time::Duration;

use crate::lock::LockWait;
use crate::migration::MigrationKey;
use crate::operations::{Operation, RustMigrationFn};

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
    /// The operation runs inside a transaction ([`OperationKind::atomic`]): in a non-atomic
    /// migration, on a backend whose DDL is transactional, each such operation commits in
    /// its own transaction; the others (RunSql, RunRust, concurrent index changes) run
    /// outside any.
    ///
    /// [`OperationKind::atomic`]: crate::operations::OperationKind::atomic
    pub atomic: bool,
    /// `statements` begin with the backend's statement that makes backslashes escape and end
    /// with the one that restores the session's mode (see `Features::backslash_session`).
    pub session_wrapped: bool,
    /// The operation's change is made by the statements of operation `folded_into`
    /// (0-based, a later one), which do a run of operations at once — on SQLite, one table
    /// rebuild for a migration's operations on one table ([`Backend::fold`]); it runs no
    /// statement of its own.
    ///
    /// [`Backend::fold`]: crate::backend::Backend::fold
    pub folded_into: Option<usize>,
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
    /// [`ExecutorError::Interrupted`](super::ExecutorError::Interrupted)) by running it again from the interrupted operation.
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
    /// One operation of a started migration is about to run its statements and data step
    /// (not sent for faked steps, nor for operations an earlier run committed before
    /// `--resume`).
    OperationStarted {
        /// The migration's step.
        step: &'a PlanStep,
        /// The operation's position in the migration (0-based, as in [`OpSql::index`]).
        index: usize,
        /// How many operations the migration has.
        total: usize,
        /// The operation (its `describe()` and `symbol()` are what the CLI shows).
        operation: &'a Operation,
    },
    /// One operation ran without error. In an atomic migration it commits with the whole
    /// migration ([`MigrateEvent::Finished`]); in a non-atomic one it is committed now.
    OperationFinished {
        /// The migration's step.
        step: &'a PlanStep,
        /// The operation's position in the migration (0-based).
        index: usize,
        /// How many operations the migration has.
        total: usize,
        /// The operation.
        operation: &'a Operation,
        /// Wall time of its statements and data step (and, in a non-atomic migration, its
        /// commit).
        elapsed: Duration,
    },
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
