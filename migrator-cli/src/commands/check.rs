//! `check`: the drift check. Compares the live database with the state of the migrations
//! recorded as applied there ([`executor::drift`]) and lists every difference — record
//! problems (an applied migration missing from disk or edited since) and schema differences
//! (tables, columns, types, nullability, defaults, indexes, constraints, foreign keys).
//! Exit 1 when anything differs. Reads only; an SQLite file that does not exist is an error
//! (it is never created).

use std::time::Instant;

use migrator_core::executor;

use super::database::{load, open, source_text};
use crate::cli::CheckArgs;
use crate::output::json;
use crate::{CliError, Context, Output, Status};

/// `check [--database URL]`: [`Status::Pending`] (exit 1) when the database differs from its
/// applied migrations.
pub fn check(args: &CheckArgs, ctx: &Context, out: &mut Output) -> Result<Status, CliError> {
    let loaded = load()?;
    let (db, mut conn) = open(args.database.url(), ctx, false)?;
    let started = Instant::now();
    let drift = executor::drift(&mut conn, &loaded.graph)?;
    let elapsed = started.elapsed();
    out.database(&db.url, &source_text(&db, ctx));
    out.drift_report(&drift, elapsed);
    out.emit(&json::Check {
        database: json::Database::new(&db),
        clean: drift.is_clean(),
        applied: drift.applied.len(),
        pending: drift.pending.iter().map(ToString::to_string).collect(),
        tables: drift.tables,
        differences: json::DifferenceJson::list(&drift),
        duration_ms: json::millis(elapsed),
    });
    Ok(if drift.is_clean() {
        Status::Done
    } else {
        Status::Pending
    })
}
