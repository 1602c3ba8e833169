//! `migrate`, `showmigrations` and `sqlmigrate`: the commands that talk to a database.
//!
//! They need migrator-core's executor and schema editors, which have not landed in this
//! build; until they do, each returns [`CliError::NotAvailable`] (never a fake success).

use crate::cli::{MigrateArgs, ShowMigrationsArgs, SqlMigrateArgs};
use crate::{CliError, Context, Output, Status};

/// `migrate [APP [TARGET|zero]]`: apply or unapply migrations.
pub fn migrate(_args: &MigrateArgs, _ctx: &Context, _out: &mut Output) -> Result<Status, CliError> {
    Err(CliError::NotAvailable { command: "migrate" })
}

/// `showmigrations [APP…]`: which migrations are applied.
pub fn showmigrations(
    _args: &ShowMigrationsArgs,
    _ctx: &Context,
    _out: &mut Output,
) -> Result<Status, CliError> {
    Err(CliError::NotAvailable {
        command: "showmigrations",
    })
}

/// `sqlmigrate APP NAME`: the SQL of one migration.
pub fn sqlmigrate(
    _args: &SqlMigrateArgs,
    _ctx: &Context,
    _out: &mut Output,
) -> Result<Status, CliError> {
    Err(CliError::NotAvailable {
        command: "sqlmigrate",
    })
}
