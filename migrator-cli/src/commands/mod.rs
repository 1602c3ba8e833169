//! One module per command; each command is a public function taking its arguments, the
//! [`Context`](crate::Context) and an [`Output`](crate::Output).

mod check;
mod database;
mod inspectdb;
mod lint;
mod makemigrations;
mod optimize;
mod squash;
mod update;

pub use check::check;
pub use database::{migrate, showmigrations, sqlmigrate};
pub use inspectdb::inspectdb;
pub use lint::lint;
pub use makemigrations::{makemigrations, PlannedMigration, Questions};
pub use optimize::optimizemigration;
pub use squash::squashmigrations;
