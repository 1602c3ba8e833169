//! `optimizemigration APP NAME [--check]` (Django 4.1): one migration's operations folded by
//! migrator-core's optimizer ([`optimizer::optimize_migration`]: given the state its
//! ancestors build, checked to end in the same state) and its file rewritten in place by the
//! writer, so it reads like `makemigrations` output.
//!
//! The configured database decides what may be rewritten: a migration recorded as applied
//! there is rewritten only when its record matches the file as it is (an edit after it was
//! applied is refused, naming the way out), no interrupted run is half-way through it, and it
//! is not recorded through a squash; its recorded checksum is then restamped to the new
//! operations, which end in the state the database already has. A migration with a Rust data
//! step is refused (its functions live in the file). Everything is checked before anything
//! is printed; `--check` writes nothing and exits 1 when the migration would change.

use migrator_core::database::{self, DatabaseError};
use migrator_core::executor;
use migrator_core::optimizer;
use migrator_core::{recorder, writer, MigrationKey};

use crate::cli::OptimizeMigrationArgs;
use crate::output::{json, OperationLine};
use crate::{CliError, Context, Output, Status};

use super::database::{check_app, load, source_text};

/// `optimizemigration APP NAME`: rewrites one migration with its operations optimized.
///
/// Returns [`Status::Pending`] for `--check` when the migration can be optimized.
pub fn optimizemigration(
    args: &OptimizeMigrationArgs,
    ctx: &Context,
    out: &mut Output,
) -> Result<Status, CliError> {
    let loaded = load()?;
    let graph = &loaded.graph;
    check_app(&args.app, &loaded, true)?;
    let key = executor::resolve_name(graph, &args.app, &args.name)?;
    let result = optimizer::optimize_migration(graph, &key)?;
    let path = loaded
        .dir(&key.app)
        .map(|d| d.join(format!("{}.rs", key.name)))
        .unwrap_or_default();
    if !path.is_file() {
        return Err(CliError::RewriteRefused {
            migration: key,
            reason: format!(
                "its file {} is not there to rewrite (a deployed binary without its \
                 migrations folder?); run this in the workspace",
                ctx.display_path(&path)
            ),
        });
    }

    // Is it applied on the database? An SQLite file that does not exist applies nothing.
    let db = database::resolve(args.database.url(), &ctx.workspace_root)?;
    let mut conn = match database::connect_existing(&db.url) {
        Ok(conn) => Some(conn),
        Err(DatabaseError::Missing { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let applied = match &mut conn {
        Some(conn) => {
            check_applied_record(conn, &result.original, &key)?;
            recorder::applied(conn)
                .map_err(executor::ExecutorError::from)?
                .contains_key(&key)
        }
        None => false,
    };

    out.database(&db.url, &source_text(&db, ctx));
    let display = ctx.display_path(&path);
    let changed = result.changed();
    let source = changed.then(|| writer::render(&result.optimized));
    let mut doc = json::OptimizeMigration {
        database: json::Database::new(&db),
        migration: key.to_string(),
        path: display.clone(),
        check: args.check,
        changed,
        operations_before: result.original.operations.len(),
        operations_after: result.optimized.operations.len(),
        operations: json::OperationJson::list(&result.optimized.operations),
        applied,
        written: false,
        restamped: false,
        source: source.clone(),
    };
    let Some(source) = source else {
        out.no_optimizations(&key.to_string());
        out.emit(&doc);
        return Ok(Status::Done);
    };
    let lines: Vec<OperationLine> = result
        .optimized
        .operations
        .iter()
        .map(|op| (op.symbol(), op.describe()))
        .collect();
    out.optimizing(
        &key.to_string(),
        result.original.operations.len(),
        result.optimized.operations.len(),
        &lines,
    );
    if args.check {
        out.optimization_pending(&display);
        out.emit(&doc);
        return Ok(Status::Pending);
    }
    writer::write_file(&path, &source, true, "").map_err(|source| CliError::Write {
        path: path.clone(),
        source,
    })?;
    doc.written = true;
    let restamped = match (&mut conn, applied) {
        (Some(conn), true) => Some(
            executor::restamp_migration(conn, &result.optimized, None).map_err(|source| {
                CliError::RestampAfterRewrite {
                    migration: key.clone(),
                    path: display.clone(),
                    source: Box::new(source),
                }
            })?,
        ),
        _ => None,
    };
    doc.restamped = restamped.is_some();
    out.optimized(&display, (&key.app, &key.name), restamped);
    out.emit(&doc);
    Ok(Status::Done)
}

/// An applied migration may be rewritten only when its record is its own and matches the
/// file as it is, and no interrupted run is half-way through it.
fn check_applied_record(
    conn: &mut migrator_core::backend::DbConnection,
    migration: &migrator_core::Migration,
    key: &MigrationKey,
) -> Result<(), CliError> {
    let refuse = |reason: String| CliError::RewriteRefused {
        migration: key.clone(),
        reason,
    };
    let interrupted = recorder::interrupted(conn).map_err(executor::ExecutorError::from)?;
    if interrupted.iter().any(|i| i.key == *key) {
        return Err(refuse(
            "an interrupted `migrate` is half-way through it on this database; finish that \
             first (`migrator migrate` says how)"
                .to_owned(),
        ));
    }
    let rows = recorder::applied(conn).map_err(executor::ExecutorError::from)?;
    let Some(row) = rows.get(key) else {
        return Ok(());
    };
    if let Some(squash) = row.checksum.strip_prefix(recorder::REPLACED_BY) {
        return Err(refuse(format!(
            "this database recorded it as applied through the squash {squash}; optimize the \
             squash instead"
        )));
    }
    if row.checksum != recorder::checksum(migration) {
        return Err(refuse(format!(
            "it was edited after it was applied on this database (its recorded checksum no \
             longer matches the file), so the database may not be in the state the file \
             describes; restore the file, or accept the edit with `migrator migrate {} {} \
             --restamp`, then optimize",
            key.app, key.name
        )));
    }
    Ok(())
}
