//! The safety classification (issue 16): what each operation risks when it runs on tables
//! that hold rows while the previous release is still running — **data loss** (a dropped
//! table or column, a narrowed type, a removed default), **rewrite/lock** (per backend:
//! SQLite's table rebuild, a PostgreSQL rewrite or an index built without `CONCURRENTLY`,
//! MySQL's `ALGORITHM=COPY`), **may fail on existing rows** (NOT NULL without a default, a
//! new unique or check constraint, a new foreign key), **backward-incompatible** (a drop or
//! rename the running code still uses) — and the data-loss acknowledgement a migration must
//! carry (`Migration::acknowledge_data_loss`) for `migrator lint` to pass.
//!
//! - `hazard.rs` (leaf): [`HazardKind`], [`Hazard`], [`OperationHazards`].
//! - `classify.rs`: [`classify_operation`] (the primitives an operation asks for, recorded,
//!   then judged: here what holds everywhere, `Backend::costs` per backend) and
//!   [`classify_migration`].
//! - `folded.rs`: where a backend folds a migration's operations on one table into one
//!   rebuild (`Backend::fold`, SQLite), the findings say so once, at the operation that
//!   runs it, naming the operations folded into it — as `migrate` and `sqlmigrate` run it.
//! - `ack.rs`: [`data_loss_digest`] (over the destructive operations' canonical text) and
//!   [`ack_status`].
//! - `plans.rs`: [`lint`] (the unapplied migrations of a database) and [`classify_plan`]
//!   (the steps of `migrate --plan`).
//!
//! Judging only: nothing here prints, writes a file or touches a database.

mod ack;
mod classify;
mod folded;
mod hazard;
mod plans;

pub use ack::{ack_status, data_loss_digest, AckStatus};
pub use classify::{classify_migration, classify_operation};
pub use hazard::{Hazard, HazardKind, OperationHazards};
pub use plans::{classify_plan, lint, LintedMigration};
