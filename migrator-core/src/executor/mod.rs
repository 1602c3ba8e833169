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
//!   and each atomic migration runs in its own transaction with its DDL, RunSql, RunRust
//!   (called with the same connection, inside the transaction; a panic is caught and
//!   reported like an error), a foreign-key check and its recorder row — all or nothing on
//!   SQLite and PostgreSQL. Progress is reported through [`MigrateEvent`]s; nothing here
//!   prints. MySQL commits each DDL statement implicitly: the operation about to run is
//!   recorded (and committed) in the recorder's progress table first, so a run that dies or
//!   fails half-way leaves a record the next run reports ([`ExecutorError::Interrupted`],
//!   [`ExecutorError::InterruptedUnapply`]) until `--resume`, `--fake` or `--forget` settles
//!   it; a failure error lists the operations that stay committed, those of an interrupted
//!   earlier run included.
//! - A non-atomic migration (`atomic(false)`, module `non_atomic`) commits one operation at
//!   a time on every backend, under the lock held across its transactions, with the same
//!   progress record and recovery: schema operations each in their own transaction where DDL
//!   is transactional, RunSql, RunRust and concurrent index changes outside any. An operation
//!   that cannot run in a transaction (a concurrent index change) in an atomic migration is
//!   refused before anything runs ([`ExecutorError::NeedsNonAtomic`]).
//! - Before anything runs, the record is checked: an edited applied migration (checksum of
//!   its operations, and of its data steps' code), an applied migration whose file is gone,
//!   a renamed record or file, a partly applied squash or an inconsistent history stops the
//!   run. [`restamp`] and [`forget`] repair the record on purpose.
//! - Concurrency: steps another process completed while this one waited for the lock are
//!   skipped (reported in [`MigrateReport::skipped`]); any other change stops the run.
//!
//! This module holds the types plans and runs are described with; the work is in private
//! submodules, one per job, whose public items are re-exported here: `target` (targets and
//! plans, from the graph alone), `sql` (the SQL of a migration or a plan), `history`
//! (reading, checking and repairing the record), `apply` (`migrate` itself: the lock,
//! transactions, running atomic migrations), `progress` (MySQL's progress row, sent with
//! the operation it names), `non_atomic` (one operation at a time),
//! `steps` (what both share: running an operation, the foreign-key check, the recorder
//! rows), `startup` (the calls an application makes at start-up), `drift` (the live schema against
//! the applied migrations: [`drift`], [`check_drift`]) and `error`
//! ([`ExecutorError`]).

mod apply;
mod drift;
mod error;
mod history;
mod locking;
mod non_atomic;
mod progress;
mod sql;
mod startup;
mod steps;
mod target;
mod types;

pub use apply::migrate;
pub use drift::{check_drift, drift, Drift, RecordDifference, RecordDifferenceKind};
pub use error::{Committed, DataStepPanicked, ExecutorError};
pub use history::{
    applied_migrations, check_recorded, effective_applied, for_recorded, forget,
    graph_for_database, plan, prune, restamp, restamp_migration, Prune,
};
pub use sql::{sql_for_migration, sql_for_migration_from};
pub use startup::{apply_embedded, pending_embedded, schema_drift};
pub use target::{
    check_consistent_history, check_plan_direction, migration_plan, resolve_name, resolve_target,
};
pub use types::{MigrateEvent, MigrateOptions, MigrateReport, OpSql, Outcome, PlanStep, Target};
