//! `migrate`, `showmigrations` and `sqlmigrate`: the commands that read or change a database,
//! through migrator-core's executor (plans, SQL, transactions, the recorder) and database
//! resolution (`--database`, `DATABASE_URL`, `migrator.toml`, `db.sqlite3` at the workspace
//! root). Printing goes through [`Output`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use migrator_core::autodetector;
use migrator_core::backend::DbConnection;
use migrator_core::database::{self, ResolvedDatabase};
use migrator_core::executor::{self, ExecutorError, MigrateEvent, MigrateOptions, Target};
use migrator_core::loader::{self, LoadedMigrations};
use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::registry;

use crate::cli::{MigrateArgs, ShowMigrationsArgs, SqlMigrateArgs};
use crate::output::OperationLine;
use crate::{CliError, Context, Output, Status};

/// The embedded migrations; a binary with neither models nor migrations gets the
/// empty-registry hint instead of a silent "nothing to do".
fn load() -> Result<LoadedMigrations, CliError> {
    let loaded = loader::load_embedded()?;
    if loaded.graph.is_empty() && registry::registrations().is_empty() {
        return Err(CliError::EmptyRegistry);
    }
    super::makemigrations::check_embedded(&[], &loaded)?;
    loaded.check_files_on_disk()?;
    Ok(loaded)
}

/// The migration folders relative to the workspace root, so errors about a migration name
/// its file as the user sees it.
fn migration_dirs(loaded: &LoadedMigrations, ctx: &Context) -> BTreeMap<String, PathBuf> {
    ExecutorError::relative_dirs(&loaded.dirs, &ctx.workspace_root)
}

fn open(
    database: Option<&str>,
    ctx: &Context,
) -> Result<(ResolvedDatabase, DbConnection), CliError> {
    let db = database::resolve(database, &ctx.workspace_root)?;
    let conn = database::connect(&db.url)?;
    Ok((db, conn))
}

/// `migrate [APP [TARGET|zero]]`: apply or unapply migrations (or, with `--restamp` /
/// `--forget`, repair the record of one migration).
///
/// Returns [`Status::Pending`] for `--check` when migrations are unapplied.
pub fn migrate(args: &MigrateArgs, ctx: &Context, out: &mut Output) -> Result<Status, CliError> {
    let loaded = load()?;
    let dirs = migration_dirs(&loaded, ctx);
    migrate_inner(args, ctx, out, &loaded).map_err(|e| match e {
        CliError::Executor(e) => CliError::Executor(e.with_migration_dirs(&dirs)),
        other => other,
    })
}

fn migrate_inner(
    args: &MigrateArgs,
    ctx: &Context,
    out: &mut Output,
    loaded: &LoadedMigrations,
) -> Result<Status, CliError> {
    let graph = &loaded.graph;
    let lock_timeout = args.lock_timeout.map(Duration::from_secs);
    if args.forget {
        // The migration's file is gone, so the name is taken as written (no prefix match).
        let (app, name) = (
            args.app.as_deref().unwrap_or_default(),
            args.target.as_deref().unwrap_or_default(),
        );
        let key = migrator_core::MigrationKey::new(app, name);
        let (db, mut conn) = open(args.database.url(), ctx)?;
        out.note(&format!("database {} (from {})", db.url, db.source));
        executor::forget(&mut conn, graph, &key, lock_timeout)?;
        out.forgotten(&key.to_string());
        return Ok(Status::Done);
    }
    let target = executor::resolve_target(graph, args.app.as_deref(), args.target.as_deref())?;
    let (db, mut conn) = open(args.database.url(), ctx)?;
    out.note(&format!("database {} (from {})", db.url, db.source));

    if args.restamp {
        let Target::Migration(key) = &target else {
            return Err(ExecutorError::UnknownMigration {
                app: args.app.clone().unwrap_or_default(),
                name: args.target.clone().unwrap_or_default(),
                candidates: graph
                    .app_migrations(args.app.as_deref().unwrap_or_default())
                    .into_iter()
                    .map(|k| k.name)
                    .collect(),
            }
            .into());
        };
        let changed = executor::restamp(&mut conn, graph, key, lock_timeout)?;
        out.restamped(&key.to_string(), changed);
        return Ok(Status::Done);
    }

    if args.check || args.plan {
        let plan = executor::plan(&mut conn, graph, &target)?;
        if args.plan {
            let steps: Vec<(String, bool, Vec<OperationLine>)> = plan
                .iter()
                .map(|step| {
                    let ops = graph
                        .migration(&step.key)
                        .map(|m| {
                            m.operations
                                .iter()
                                .map(|op| (op.symbol(), op.describe()))
                                .collect()
                        })
                        .unwrap_or_default();
                    (step.key.to_string(), step.backwards, ops)
                })
                .collect();
            out.migrate_plan(&steps);
        }
        return Ok(if args.check && !plan.is_empty() {
            Status::Pending
        } else {
            Status::Done
        });
    }

    out.migrate_header(&target_text(&target, graph));
    let options = MigrateOptions {
        plan_only: false,
        fake: args.fake,
        fake_initial: args.fake_initial,
        lock_timeout,
        resume: args.resume,
    };
    executor::migrate(
        &mut conn,
        graph,
        &target,
        &options,
        &mut |event| match event {
            MigrateEvent::Planned(plan) => {
                if plan.is_empty() {
                    out.line("  No migrations to apply.");
                }
            }
            MigrateEvent::WaitingForLock(wait) => out.waiting_for_lock(wait),
            MigrateEvent::Started(step) => {
                out.migrate_started(&step.key.to_string(), step.backwards)
            }
            MigrateEvent::Finished {
                outcome, elapsed, ..
            } => out.migrate_finished(outcome, elapsed),
        },
    )?;

    // Django's reminder: model changes without a migration are not applied.
    if let Ok(current) = registry::current_models() {
        if let Ok(from) = graph.project_state() {
            let pending = autodetector::detect(&from, &current, &mut NonInteractiveQuestioner)
                .map(|changes| {
                    changes
                        .into_iter()
                        .filter(|(_, c)| !c.operations.is_empty())
                        .map(|(app, _)| app)
                        .collect::<Vec<_>>()
                })
                // A change the autodetector cannot even describe without a question (a NOT
                // NULL field) is a pending change of every app with models, to be safe.
                .unwrap_or_else(|_| {
                    let apps: BTreeSet<String> =
                        current.state.models.keys().map(|k| k.app.clone()).collect();
                    apps.into_iter().collect()
                });
            if !pending.is_empty() {
                out.unmigrated_changes(&pending);
            }
        }
    }
    Ok(Status::Done)
}

fn target_text(target: &Target, graph: &migrator_core::graph::MigrationGraph) -> String {
    match target {
        Target::Latest => format!("Apply all migrations: {}", graph.apps().join(", ")),
        Target::AppLatest(app) => format!("Apply all migrations: {app}"),
        Target::Migration(key) => {
            format!("Target specific migration: {}, from {}", key.name, key.app)
        }
        Target::Zero(app) => format!("Unapply all migrations: {app}"),
    }
}

/// `showmigrations [APP…]`: every migration, `[X]` when applied.
pub fn showmigrations(
    args: &ShowMigrationsArgs,
    ctx: &Context,
    out: &mut Output,
) -> Result<Status, CliError> {
    let loaded = load()?;
    let graph = &loaded.graph;
    let (_db, mut conn) = open(args.database.url(), ctx)?;
    // The same checks `migrate` makes before it runs anything: an edited or deleted applied
    // migration, or an interrupted MySQL run, is an error here too.
    let applied: BTreeSet<_> = executor::check_recorded(&mut conn, graph)
        .map_err(|e| e.with_migration_dirs(&migration_dirs(&loaded, ctx)))?
        .into_keys()
        .collect();
    let apps: Vec<String> = if args.apps.is_empty() {
        let mut all: BTreeSet<String> = graph.apps().into_iter().collect();
        all.extend(loaded.dirs.keys().cloned());
        all.into_iter().collect()
    } else {
        let known: BTreeSet<String> = graph
            .apps()
            .into_iter()
            .chain(loaded.dirs.keys().cloned())
            .collect();
        for app in &args.apps {
            if !known.contains(app) {
                return Err(CliError::UnknownApp {
                    app: app.clone(),
                    known: known.iter().cloned().collect(),
                });
            }
        }
        args.apps.clone()
    };
    if args.plan {
        let rows: Vec<(bool, String, Vec<String>)> = graph
            .full_plan()
            .into_iter()
            .filter(|k| apps.contains(&k.app))
            .map(|k| {
                let deps = graph
                    .dependencies_of(&k)
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                (applied.contains(&k), k.to_string(), deps)
            })
            .collect();
        out.show_plan(&rows);
    } else {
        for app in &apps {
            let rows: Vec<(bool, String)> = graph
                .app_migrations(app)
                .into_iter()
                .map(|k| (applied.contains(&k), k.name))
                .collect();
            out.show_app(app, &rows);
        }
    }
    Ok(Status::Done)
}

/// `sqlmigrate APP NAME`: the SQL `migrate` runs for one migration, for the database's
/// backend. Opens no connection.
pub fn sqlmigrate(
    args: &SqlMigrateArgs,
    ctx: &Context,
    out: &mut Output,
) -> Result<Status, CliError> {
    let loaded = load()?;
    let graph = &loaded.graph;
    let key = executor::resolve_name(graph, &args.app, &args.name)?;
    let db = database::resolve(args.database.url(), &ctx.workspace_root)?;
    let backend = db.url.backend();
    let ops = executor::sql_for_migration(graph, &key, args.backwards, backend)?;
    let atomic =
        graph.migration(&key).is_some_and(|m| m.atomic) && backend.features().can_rollback_ddl;
    let blocks: Vec<(String, Vec<String>, bool)> = ops
        .into_iter()
        .map(|op| (op.description, op.statements, op.rust.is_some()))
        .collect();
    out.sql(&blocks, atomic);
    Ok(Status::Done)
}
