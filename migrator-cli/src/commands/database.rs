//! `migrate`, `showmigrations` and `sqlmigrate`: the commands that read or change a database,
//! through migrator-core's executor (plans, SQL, transactions, the recorder) and database
//! resolution (`--database`, `DATABASE_URL`, `migrator.toml`, `db.sqlite3` at the workspace
//! root). Printing goes through [`Output`].
//!
//! Everything that can be refused is refused before anything is printed: app names (with a
//! suggestion for a typo), targets, and — inside the executor, before the first migration
//! starts — the record (edited or deleted applied migrations, an interrupted MySQL run), the
//! plan (conflicting leaves, mixed directions) and the SQL (irreversible steps). `migrate`
//! prints its first line, `Database: URL (SOURCE)`, and Django's "Operations to perform …
//! Running migrations:" header only once a migration starts (or the plan turns out empty).
//! Only `migrate` itself may create an SQLite file; the reading commands and the repairs
//! never do. On a missing SQLite file `showmigrations` and `migrate --plan` say so and show
//! every migration unapplied; `migrate --check`, `--restamp` and `--forget` refuse, naming
//! the file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use migrator_core::autodetector;
use migrator_core::backend::DbConnection;
use migrator_core::database::{self, DatabaseError, ResolvedDatabase, UrlSource};
use migrator_core::executor::{self, ExecutorError, MigrateEvent, MigrateOptions, Target};
use migrator_core::graph::MigrationGraph;
use migrator_core::loader::{self, LoadedMigrations};
use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::{recorder, registry, safety, Migration, MigrationKey};

use crate::cli::{MigrateArgs, ShowMigrationsArgs, SqlMigrateArgs};
use crate::output::json;
use crate::output::{RowProblem, ShowRow, SqlBlock};
use crate::{CliError, Context, Output, Status};

/// The embedded migrations; a binary with neither models nor migrations gets the
/// empty-registry hint instead of a silent "nothing to do".
pub(super) fn load() -> Result<LoadedMigrations, CliError> {
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

/// Every app label this binary knows: apps with migrations and apps with models.
fn known_apps(loaded: &LoadedMigrations) -> BTreeSet<String> {
    let mut known: BTreeSet<String> = loaded.graph.apps().into_iter().collect();
    known.extend(loaded.dirs.keys().cloned());
    known.extend(registry::registrations().iter().map(|r| r.app.to_owned()));
    known
}

/// An app named on the command line must exist (the same error, with a suggestion, as
/// `makemigrations`), and have migrations when the command needs them.
pub(super) fn check_app(
    app: &str,
    loaded: &LoadedMigrations,
    needs_migrations: bool,
) -> Result<(), CliError> {
    let known = known_apps(loaded);
    if !known.contains(app) {
        return Err(CliError::unknown_app(app, &known));
    }
    if needs_migrations && loaded.graph.app_migrations(app).is_empty() {
        return Err(CliError::NoMigrations {
            app: app.to_owned(),
        });
    }
    Ok(())
}

/// Where the database URL came from, as `migrate`'s first line says it.
pub(super) fn source_text(db: &ResolvedDatabase, ctx: &Context) -> String {
    match &db.source {
        UrlSource::Explicit => "from --database".to_owned(),
        UrlSource::Environment => format!("from {}", database::DATABASE_URL_ENV),
        UrlSource::ConfigFile(path) => format!("from {}", ctx.display_path(path)),
        UrlSource::Default => "the default".to_owned(),
    }
}

/// Resolves and opens the database. Only `migrate` itself passes `create`: every other
/// caller gets [`DatabaseError::Missing`] instead of a new empty SQLite file.
pub(super) fn open(
    database: Option<&str>,
    ctx: &Context,
    create: bool,
) -> Result<(ResolvedDatabase, DbConnection), CliError> {
    let db = database::resolve(database, &ctx.workspace_root)?;
    let conn = if create {
        database::connect(&db.url)?
    } else {
        database::connect_existing(&db.url)?
    };
    Ok((db, conn))
}

/// Prints `migrate`'s first lines — the database, then Django's header — once.
struct Header {
    database: String,
    source: String,
    target: String,
    shown: bool,
}

impl Header {
    fn show(&mut self, out: &mut Output) {
        if !self.shown {
            out.database(&self.database, &self.source);
            out.migrate_header(&self.target);
            self.shown = true;
        }
    }
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
        // The migration's file (or its whole app) is gone, so the name is taken as written
        // (no prefix match, no app check).
        let (app, name) = (
            args.app.as_deref().unwrap_or_default(),
            args.target.as_deref().unwrap_or_default(),
        );
        let key = MigrationKey::new(app, name);
        let (db, mut conn) = open(args.database.url(), ctx, false)?;
        executor::forget(&mut conn, graph, &key, lock_timeout)?;
        out.database(&db.url, &source_text(&db, ctx));
        out.forgotten(&key.to_string());
        out.emit(&json::Forget {
            database: json::Database::new(&db),
            migration: key.to_string(),
        });
        return Ok(Status::Done);
    }
    if let Some(app) = &args.app {
        check_app(app, loaded, true)?;
    }
    if args.prune {
        return prune(args, ctx, out, loaded);
    }
    let target = executor::resolve_target(graph, args.app.as_deref(), args.target.as_deref())?;

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
        let (db, mut conn) = open(args.database.url(), ctx, false)?;
        let changed = executor::restamp(&mut conn, graph, key, lock_timeout)?;
        out.database(&db.url, &source_text(&db, ctx));
        out.restamped(&key.to_string(), changed);
        out.emit(&json::Restamp {
            database: json::Database::new(&db),
            migration: key.to_string(),
            changed,
        });
        return Ok(Status::Done);
    }

    if args.check || args.plan {
        let db = database::resolve(args.database.url(), &ctx.workspace_root)?;
        out.note(&format!("database {} ({})", db.url, source_text(&db, ctx)));
        let (plan, missing, applied) = match database::connect_existing(&db.url) {
            Ok(mut conn) => {
                let plan = executor::plan(&mut conn, graph, &target)?;
                let recorded = executor::applied_migrations(&mut conn)?
                    .into_keys()
                    .collect();
                let applied = executor::effective_applied(graph, &recorded)?;
                (plan, None, applied)
            }
            // `--plan` shows what `migrate` would do to the database it would create;
            // `--check` (a gate for scripts) refuses, as a typo in the path is likelier
            // than a database nobody created.
            Err(DatabaseError::Missing { path }) if !args.check => (
                executor::migration_plan(graph, &BTreeSet::new(), &target)?,
                Some(path),
                BTreeSet::new(),
            ),
            Err(e) => return Err(e.into()),
        };
        // What each operation risks, in the direction it runs, on this database's backend.
        let classified = if args.plan {
            let steps: Vec<(MigrationKey, bool)> =
                plan.iter().map(|s| (s.key.clone(), s.backwards)).collect();
            safety::classify_plan(graph, &applied, &steps, db.url.backend())?
        } else {
            Vec::new()
        };
        if args.plan && out.is_json() {
            out.emit(&json::MigratePlan {
                database: json::Database::new(&db),
                database_exists: missing.is_none(),
                steps: plan
                    .iter()
                    .zip(&classified)
                    .map(|(step, ops)| json::PlanStepJson {
                        migration: step.key.to_string(),
                        backwards: step.backwards,
                        operations: json::OperationJson::classified(ops),
                    })
                    .collect(),
            });
        } else if args.check {
            out.emit(&json::MigrateCheck {
                database: json::Database::new(&db),
                pending: plan.iter().map(json::Step::from).collect(),
            });
        }
        if args.plan {
            let steps: Vec<(String, bool, Vec<safety::OperationHazards>)> = plan
                .iter()
                .zip(classified)
                .map(|(step, ops)| (step.key.to_string(), step.backwards, ops))
                .collect();
            out.migrate_plan(&steps);
        }
        if let Some(path) = missing {
            out.database_missing(&path.display().to_string());
        }
        return Ok(if args.check && !plan.is_empty() {
            Status::Pending
        } else {
            Status::Done
        });
    }

    let (db, mut conn) = open(args.database.url(), ctx, true)?;
    let options = MigrateOptions {
        plan_only: false,
        fake: args.fake,
        fake_initial: args.fake_initial,
        lock_timeout,
        resume: args.resume,
    };
    // Validation (the record, the plan, the SQL of every step) happens inside the executor
    // before the first migration starts; the header waits for that.
    let mut header = Header {
        database: db.url.to_string(),
        source: source_text(&db, ctx),
        target: target_text(&target, graph),
        shown: false,
    };
    let run_started = Instant::now();
    // The migration under way, for `FAILED`.
    let mut running: Option<String> = None;
    // Django's reminder after `migrate` (model changes without a migration) needs only the
    // models and the graph: it is worked out on another thread while the database works.
    let (report, pending) = std::thread::scope(|scope| {
        let pending = scope.spawn(|| unmigrated_apps(graph));
        let report = executor::migrate(
            &mut conn,
            graph,
            &target,
            &options,
            &mut |event| match event {
                MigrateEvent::Planned(plan) => {
                    out.emit(&json::MigrateStart {
                        database: json::Database::new(&db),
                        target: header.target.clone(),
                        plan: plan.iter().map(json::Step::from).collect(),
                    });
                    if plan.is_empty() {
                        header.show(out);
                        out.no_migrations_to_apply(0);
                    }
                }
                MigrateEvent::WaitingForLock(wait) => {
                    out.waiting_for_lock(wait);
                    out.emit(&json::LockWait {
                        holder: wait.holder.clone(),
                        timeout_s: wait.timeout.as_secs(),
                    });
                }
                MigrateEvent::Started(step) => {
                    header.show(out);
                    let key = step.key.to_string();
                    out.migrate_started(&key, step.backwards);
                    out.emit(&json::MigrationStarted {
                        migration: key.clone(),
                        backwards: step.backwards,
                    });
                    running = Some(key);
                }
                MigrateEvent::OperationStarted {
                    step,
                    index,
                    total,
                    operation,
                } => {
                    out.operation_started(operation);
                    out.emit(&json::OperationStarted {
                        migration: step.key.to_string(),
                        number: index + 1,
                        total,
                        symbol: operation.symbol().to_string(),
                        description: operation.describe(),
                    });
                }
                MigrateEvent::OperationFinished {
                    step,
                    index,
                    total,
                    operation,
                    elapsed,
                } => {
                    out.operation_finished(elapsed);
                    out.emit(&json::OperationFinished {
                        migration: step.key.to_string(),
                        number: index + 1,
                        total,
                        symbol: operation.symbol().to_string(),
                        description: operation.describe(),
                        duration_ms: json::millis(elapsed),
                    });
                }
                MigrateEvent::Finished {
                    step,
                    outcome,
                    elapsed,
                } => {
                    running = None;
                    let key = step.key.to_string();
                    out.migrate_finished(&key, outcome, elapsed);
                    out.emit(&json::MigrationFinished {
                        migration: key,
                        backwards: step.backwards,
                        outcome: json::outcome_name(outcome),
                        duration_ms: json::millis(elapsed),
                    });
                }
            },
        );
        let pending = pending
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (report, pending)
    });
    let report = match report {
        Ok(report) => report,
        Err(e) => {
            if let Some(key) = running {
                out.migrate_failed(&key);
            }
            return Err(e.into());
        }
    };
    if !header.shown {
        // Every planned step was applied by another process while this one waited.
        header.show(out);
        out.no_migrations_to_apply(report.skipped.len());
    }

    // `-v 2`: the schema check after migrating (warnings only; the exit code stays 0).
    if out.verbosity() >= 2 {
        let started = Instant::now();
        match executor::drift(&mut conn, graph) {
            Ok(drift) => {
                let elapsed = started.elapsed();
                out.schema_checked(&drift, elapsed);
                out.emit(&json::SchemaCheck {
                    clean: drift.is_clean(),
                    differences: json::DifferenceJson::list(&drift),
                    duration_ms: json::millis(elapsed),
                });
            }
            Err(e) => out.warning(&format!("could not check the schema after migrating: {e}")),
        }
    }

    // Django's reminder: model changes without a migration are not applied.
    if !pending.is_empty() {
        out.unmigrated_changes(&pending);
    }
    out.emit(&json::MigrateSummary {
        done: report
            .done
            .iter()
            .map(|(step, outcome)| json::DoneStep {
                migration: step.key.to_string(),
                backwards: step.backwards,
                outcome: json::outcome_name(*outcome),
            })
            .collect(),
        skipped: report.skipped.iter().map(json::Step::from).collect(),
        unmigrated_changes: pending,
        duration_ms: json::millis(run_started.elapsed()),
    });
    Ok(Status::Done)
}

/// The apps whose models have changes no migration holds (Django's reminder after
/// `migrate`).
fn unmigrated_apps(graph: &MigrationGraph) -> Vec<String> {
    let Ok(current) = registry::current_models() else {
        return Vec::new();
    };
    let Ok(from) = graph.project_state() else {
        return Vec::new();
    };
    autodetector::detect(&from, &current, &mut NonInteractiveQuestioner)
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
        })
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
///
/// When the record is one `migrate` would refuse (an edited or deleted applied migration, a
/// migration a MySQL run left half-done), the list is still shown, with the migration the
/// problem is about marked, and then the error (exit 2). A missing SQLite file is reported
/// as such (every migration unapplied) and is not created.
pub fn showmigrations(
    args: &ShowMigrationsArgs,
    ctx: &Context,
    out: &mut Output,
) -> Result<Status, CliError> {
    let loaded = load()?;
    let graph = &loaded.graph;
    let apps: Vec<String> = if args.apps.is_empty() {
        let mut all: BTreeSet<String> = graph.apps().into_iter().collect();
        all.extend(loaded.dirs.keys().cloned());
        all.into_iter().collect()
    } else {
        for app in &args.apps {
            check_app(app, &loaded, false)?;
        }
        args.apps.clone()
    };
    let db = database::resolve(args.database.url(), &ctx.workspace_root)?;
    let mut conn = match database::connect_existing(&db.url) {
        Ok(conn) => conn,
        Err(DatabaseError::Missing { path }) => {
            show(out, graph, &apps, args.plan, &Record::default());
            if out.is_json() {
                let doc = show_json(&db, false, graph, &apps, args.plan, &Record::default());
                out.emit(&doc);
            }
            out.database_missing(&path.display().to_string());
            return Ok(Status::Done);
        }
        Err(e) => return Err(e.into()),
    };
    // The same checks `migrate` makes before it runs anything; their error comes after the
    // list, which marks what it is about.
    let problem = executor::check_recorded(&mut conn, graph)
        .err()
        .map(|e| e.with_migration_dirs(&migration_dirs(&loaded, ctx)));
    let mut record = Record {
        applied: executor::applied_migrations(&mut conn)?
            .into_keys()
            .collect(),
        problems: BTreeMap::new(),
    };
    // Squashes: the migrations this database uses (the originals while it is part-way
    // through a squash), and a squash counts as applied once all it replaces is.
    let view = graph.for_recorded(&record.applied)?;
    let graph: &MigrationGraph = &view;
    let complete: Vec<MigrationKey> = graph
        .migrations()
        .filter(|m| !m.replaces.is_empty() && m.replaces.iter().all(|r| record.applied.contains(r)))
        .map(Migration::key)
        .collect();
    record.applied.extend(complete);
    for i in recorder::interrupted(&mut conn).map_err(ExecutorError::from)? {
        let problem = RowProblem::Interrupted {
            operation: i.operation,
            total: i.total,
            backwards: i.backwards,
        };
        record.problems.insert(i.key, problem);
    }
    match &problem {
        Some(
            ExecutorError::ChecksumMismatch { migration, .. }
            | ExecutorError::DataStepChanged { migration, .. },
        ) => {
            record
                .problems
                .insert(migration.clone(), RowProblem::Edited);
        }
        Some(ExecutorError::MissingMigrationFile { migration, .. }) => {
            record
                .problems
                .insert(migration.clone(), RowProblem::FileMissing);
        }
        _ => {}
    }
    show(out, graph, &apps, args.plan, &record);
    if out.is_json() {
        out.emit(&show_json(&db, true, graph, &apps, args.plan, &record));
    }
    match problem {
        Some(e) => Err(e.into()),
        None => Ok(Status::Done),
    }
}

/// What `showmigrations` knows about the database's record.
#[derive(Default)]
struct Record {
    /// The recorded migrations.
    applied: BTreeSet<MigrationKey>,
    /// Migrations whose record stops `migrate`, and why.
    problems: BTreeMap<MigrationKey, RowProblem>,
}

/// Prints the list, per app or in apply order. A migration recorded as applied whose file is
/// gone is listed too (after the app's migrations, or at the end of the plan), marked.
fn show(out: &mut Output, graph: &MigrationGraph, apps: &[String], plan: bool, record: &Record) {
    let row = |key: &MigrationKey, name: String, dependencies: Vec<String>| ShowRow {
        applied: record.applied.contains(key),
        name,
        dependencies,
        problem: record.problems.get(key).cloned(),
        note: graph
            .migration(key)
            .filter(|m| !m.replaces.is_empty())
            .map(|m| format!("replaces {}", replaced_range(m))),
    };
    let gone: Vec<&MigrationKey> = record
        .problems
        .iter()
        .filter(|(k, p)| **p == RowProblem::FileMissing && apps.contains(&k.app))
        .map(|(k, _)| k)
        .collect();
    if plan {
        let mut rows: Vec<ShowRow> = graph
            .full_plan()
            .into_iter()
            .filter(|k| apps.contains(&k.app))
            .map(|k| {
                let deps = graph
                    .dependencies_of(&k)
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                row(&k, k.to_string(), deps)
            })
            .collect();
        rows.extend(gone.iter().map(|k| row(k, k.to_string(), Vec::new())));
        out.show_plan(&rows);
    } else {
        for app in apps {
            let mut rows: Vec<ShowRow> = graph
                .app_migrations(app)
                .into_iter()
                .map(|k| row(&k, k.name.clone(), Vec::new()))
                .collect();
            rows.extend(
                gone.iter()
                    .filter(|k| &k.app == app)
                    .map(|k| row(k, k.name.clone(), Vec::new())),
            );
            rows.extend(unused_squashes(graph, app).map(|m| ShowRow {
                applied: false,
                name: m.name.clone(),
                dependencies: Vec::new(),
                problem: None,
                note: Some(unused_note(m)),
            }));
            out.show_app(app, &rows);
        }
    }
}

/// `0001–0004` (the numbers of the first and last migration a squash replaces), or their
/// names when they have no number.
fn replaced_range(squash: &Migration) -> String {
    let (Some(first), Some(last)) = (squash.replaces.first(), squash.replaces.last()) else {
        return String::new();
    };
    let number = |name: &str| -> String { name.chars().take_while(char::is_ascii_digit).collect() };
    let (a, b) = (number(&first.name), number(&last.name));
    if a.is_empty() || b.is_empty() {
        format!("{}–{}", first.name, last.name)
    } else {
        format!("{a}–{b}")
    }
}

/// The note on a squash the database does not use yet.
fn unused_note(squash: &Migration) -> String {
    format!(
        "squash of {}; this database is part-way through them, so it applies the originals \
         and uses the squash once all are applied",
        replaced_range(squash)
    )
}

/// The squashes of `app` that `graph` (resolved for a database) set aside, because the
/// database is part-way through what they replace.
fn unused_squashes<'g>(
    graph: &'g MigrationGraph,
    app: &'g str,
) -> impl Iterator<Item = &'g Migration> + 'g {
    graph
        .squashes()
        .filter(move |m| m.app == app && !graph.contains(&m.key()))
}

/// `showmigrations` as JSON: the same migrations as [`show`] lists, each with its app, name,
/// dependencies and problem.
fn show_json(
    db: &ResolvedDatabase,
    exists: bool,
    graph: &MigrationGraph,
    apps: &[String],
    plan: bool,
    record: &Record,
) -> json::ShowMigrations {
    let gone = record
        .problems
        .iter()
        .filter(|(k, p)| **p == RowProblem::FileMissing && apps.contains(&k.app))
        .map(|(k, _)| k.clone());
    let keys: Vec<MigrationKey> = if plan {
        graph
            .full_plan()
            .into_iter()
            .filter(|k| apps.contains(&k.app))
            .chain(gone)
            .collect()
    } else {
        let gone: Vec<MigrationKey> = gone.collect();
        apps.iter()
            .flat_map(|app| {
                let on_disk = graph.app_migrations(app).into_iter();
                on_disk
                    .chain(gone.iter().filter(move |k| &k.app == app).cloned())
                    .chain(unused_squashes(graph, app).map(Migration::key))
            })
            .collect()
    };
    json::ShowMigrations {
        database: json::Database::new(db),
        database_exists: exists,
        view: if plan { "plan" } else { "apps" },
        apps: apps.to_vec(),
        migrations: keys
            .into_iter()
            .map(|k| json::ShowMigration {
                migration: k.to_string(),
                applied: record.applied.contains(&k),
                dependencies: graph
                    .dependencies_of(&k)
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                problem: record.problems.get(&k).map(json::Problem::from),
                replaces: graph
                    .source_migration(&k)
                    .map(|m| m.replaces.iter().map(ToString::to_string).collect())
                    .unwrap_or_default(),
                unused_squash: graph
                    .source_migration(&k)
                    .is_some_and(|m| !m.replaces.is_empty() && !graph.contains(&k)),
                app: k.app,
                name: k.name,
            })
            .collect(),
    }
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
    check_app(&args.app, &loaded, true)?;
    let key = executor::resolve_name(graph, &args.app, &args.name)?;
    let db = database::resolve(args.database.url(), &ctx.workspace_root)?;
    let backend = db.url.backend();
    let ops = executor::sql_for_migration(graph, &key, args.backwards, backend)?;
    let transactional = backend.features().can_rollback_ddl;
    let atomic = graph.migration(&key).is_some_and(|m| m.atomic) && transactional;
    let own_transaction =
        |op: &executor::OpSql| !atomic && transactional && op.atomic && !op.statements.is_empty();
    if out.is_json() {
        out.emit(&json::SqlMigrate {
            migration: key.to_string(),
            backend: json::backend_name(backend),
            backwards: args.backwards,
            atomic,
            operations: ops
                .iter()
                .map(|op| json::SqlOperation {
                    number: op.index + 1,
                    description: op.description.clone(),
                    statements: op.statements.clone(),
                    rust_step: op.rust.is_some(),
                    own_transaction: own_transaction(op),
                    folded_into: op.folded_into.map(|i| i + 1),
                })
                .collect(),
        });
        return Ok(Status::Done);
    }
    // A non-atomic migration commits each atomic operation in a transaction of its own.
    let blocks: Vec<SqlBlock> = ops
        .into_iter()
        .map(|op| SqlBlock {
            own_transaction: own_transaction(&op),
            folded_into: op.folded_into.map(|i| i + 1),
            description: op.description,
            statements: op.statements,
            rust: op.rust.is_some(),
        })
        .collect();
    out.sql(&blocks, atomic);
    Ok(Status::Done)
}

/// `migrate [APP] --prune [--plan|--check]`: lists the records of migrations whose files no
/// longer exist, then (without `--plan`/`--check`) deletes them. `--check` exits 1 when
/// there are some. An SQLite file that does not exist has nothing to prune.
fn prune(
    args: &MigrateArgs,
    ctx: &Context,
    out: &mut Output,
    loaded: &LoadedMigrations,
) -> Result<Status, CliError> {
    let apply = !(args.plan || args.check);
    let mode = if args.check {
        "check"
    } else if args.plan {
        "plan"
    } else {
        "apply"
    };
    let on_disk: std::collections::BTreeSet<MigrationKey> = loaded
        .embedded
        .iter()
        .flat_map(|(app, names)| names.iter().map(move |n| MigrationKey::new(app, n)))
        .chain(loaded.graph.migrations().map(migrator_core::Migration::key))
        .collect();
    let db = database::resolve(args.database.url(), &ctx.workspace_root)?;
    let found = match database::connect_existing(&db.url) {
        Ok(mut conn) => executor::prune(
            &mut conn,
            &loaded.graph,
            &on_disk,
            args.app.as_deref(),
            apply,
            args.lock_timeout.map(std::time::Duration::from_secs),
        )?,
        Err(DatabaseError::Missing { .. }) if !args.check => executor::Prune::default(),
        Err(e) => return Err(e.into()),
    };
    let strings = |keys: &[MigrationKey]| keys.iter().map(ToString::to_string).collect::<Vec<_>>();
    out.database(&db.url, &source_text(&db, ctx));
    out.prune(&strings(&found.stale), &strings(&found.squashes), apply);
    out.emit(&json::Prune {
        database: json::Database::new(&db),
        mode,
        migrations: strings(&found.stale),
        squashes_recorded: strings(&found.squashes),
        deleted: apply && !found.stale.is_empty(),
    });
    Ok(if args.check && !found.stale.is_empty() {
        Status::Pending
    } else {
        Status::Done
    })
}
