//! `lint [APP…]`: the safety classification of every migration not applied to the database
//! yet ([`safety::lint`]): per operation, data loss, rewrites and locks (per backend), rows
//! that make it fail, and what breaks the running release; per migration, whether its data
//! loss carries a valid acknowledgement. Exit 1 when one loses data without one (or with one
//! written for other operations). Reads the database only to know what is applied; a
//! missing SQLite file means nothing is (it is not created).

use std::collections::BTreeSet;

use migrator_core::backend::{self, Backend};
use migrator_core::database::{self, DatabaseError};
use migrator_core::{executor, safety};

use super::database::{check_app, load, source_text};
use crate::cli::LintArgs;
use crate::output::json;
use crate::{CliError, Context, Output, Status};

/// `lint [APP…] [--database URL]`: [`Status::Pending`] (exit 1) when an unapplied migration
/// loses data without a valid acknowledgement.
pub fn lint(args: &LintArgs, ctx: &Context, out: &mut Output) -> Result<Status, CliError> {
    let loaded = load()?;
    let graph = &loaded.graph;
    for app in &args.apps {
        check_app(app, &loaded, false)?;
    }
    let db = database::resolve(args.database.url(), &ctx.workspace_root)?;
    let (applied, missing) = match database::connect_existing(&db.url) {
        Ok(mut conn) => {
            let recorded = executor::applied_migrations(&mut conn)?
                .into_keys()
                .collect();
            (executor::effective_applied(graph, &recorded)?, None)
        }
        Err(DatabaseError::Missing { path }) => (BTreeSet::new(), Some(path)),
        Err(e) => return Err(e.into()),
    };
    // The database's backend and the project's, in migrator's order.
    let mut wanted = database::project_backends(&ctx.workspace_root)?;
    wanted.push(db.url.backend());
    let backends: Vec<Backend> = backend::ALL
        .into_iter()
        .filter(|b| wanted.contains(b))
        .collect();
    let linted = safety::lint(graph, &applied, &args.apps, &backends)?;
    let failed = linted.iter().any(safety::LintedMigration::fails);

    out.database(&db.url, &source_text(&db, ctx));
    out.lint_report(&backends, &linted);
    if let Some(path) = &missing {
        out.database_missing(&path.display().to_string());
    }
    if out.is_json() {
        out.emit(&json::Lint {
            database: json::Database::new(&db),
            database_exists: missing.is_none(),
            backends: backends.iter().map(|b| json::backend_name(*b)).collect(),
            migrations: linted
                .iter()
                .map(|m| {
                    let migration = graph.migration(&m.key);
                    let digest =
                        migration.and_then(|mig| safety::data_loss_digest(mig, &m.operations));
                    json::LintMigration {
                        migration: m.key.to_string(),
                        operations: json::OperationJson::classified(&m.operations),
                        data_loss: json::DataLossJson::new(&m.ack, digest),
                        fails: m.fails(),
                    }
                })
                .collect(),
            failed,
        });
    }
    Ok(if failed {
        Status::Pending
    } else {
        Status::Done
    })
}
