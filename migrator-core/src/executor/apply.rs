//! Applying a plan: [`migrate`] under the migration lock (`locked`: one locked transaction,
//! re-entered per migration), `--fake`, `--fake-initial` (`initial_schema_exists`) and
//! `--resume`, running each migration's precomputed SQL and RunRust steps with MySQL's
//! progress rows, SQLite's foreign-key check, and the recorder rows. It does not compute SQL
//! (`sql`), decide what the record means (`history`) or how to reach a target (`target`).

use std::collections::BTreeSet;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::backend::DbConnection;
use crate::graph::{GraphError, MigrationGraph};
use crate::lock::DEFAULT_LOCK_TIMEOUT;
use crate::migration::{Migration, MigrationKey};
use crate::operations::Operation;
use crate::recorder;

use super::error::ExecutorError;
use super::history::{effective_applied, interrupted_error, read_applied_allowing_interrupted};
use super::locking::locked;
use super::sql::plan_sql;
use super::target::migration_plan;
use super::types::{MigrateEvent, MigrateOptions, MigrateReport, OpSql, Outcome, Target};

#[derive(QueryableByName)]
struct FkViolation {
    #[diesel(sql_type = Text)]
    table: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    rowid: Option<i64>,
    #[diesel(sql_type = Text)]
    parent: String,
}

fn foreign_key_violations(conn: &mut DbConnection) -> Result<Vec<String>, diesel::result::Error> {
    if !conn.backend().features().deferred_foreign_key_check {
        return Ok(Vec::new());
    }
    let rows: Vec<FkViolation> = diesel::sql_query("PRAGMA foreign_key_check").load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| match r.rowid {
            Some(id) => format!(
                "{} rowid {id} references a missing {} row",
                r.table, r.parent
            ),
            None => format!("{} references a missing {} row", r.table, r.parent),
        })
        .collect())
}

/// Django's "soft applied" test for `--fake-initial`: true when every table the migration's
/// `CreateModel`s create exists, and every column its `AddField`s add exists (tables and
/// columns as named by the state after the migration). A migration with neither is never
/// faked.
fn initial_schema_exists(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    migration: &Migration,
) -> Result<bool, ExecutorError> {
    let after = graph.make_state(&[migration.key()])?;
    let mut tables: Vec<String> = Vec::new();
    let mut columns: Vec<(String, String)> = Vec::new();
    for op in &migration.operations {
        match op {
            Operation::CreateModel(c) => {
                // The table as the state names it at the end (a later op may rename it).
                let table = after
                    .model(&migration.app, &c.name)
                    .map_or_else(|| c.table.clone(), |m| m.table.clone());
                tables.push(table);
            }
            Operation::AddField(a) => {
                if let Some(m) = after.model(&migration.app, &a.model) {
                    if let Some(f) = m.field(&a.field.name) {
                        columns.push((m.table.clone(), f.column.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    if tables.is_empty() && columns.is_empty() {
        return Ok(false);
    }
    let existing =
        crate::introspect::introspect(conn).map_err(|e| ExecutorError::Introspect(Box::new(e)))?;
    let tables_ok = tables.iter().all(|t| existing.tables.contains_key(t));
    let columns_ok = columns.iter().all(|(t, c)| {
        existing
            .tables
            .get(t)
            .is_some_and(|t| t.columns.iter().any(|col| col.name == *c))
    });
    Ok(tables_ok && columns_ok)
}

/// Runs one migration's operations (already turned into SQL) on `conn`, inside the caller's
/// transaction, then checks foreign keys. Operations before `first` (0-based) are skipped
/// (`--resume`).
///
/// MySQL commits each DDL statement implicitly, so there progress is recorded (and committed)
/// before each operation when the migration has any schema or SQL step: a run killed in the
/// middle leaves a `migrator_progress` row naming the operation that was running, which the
/// next run reports ([`ExecutorError::Interrupted`]). A migration made only of RunRust steps
/// stays one transaction and needs no progress row.
fn run_operations(
    conn: &mut DbConnection,
    migration: &Migration,
    ops: &[OpSql],
    first: Option<usize>,
    backwards: bool,
) -> Result<(), ExecutorError> {
    let key = migration.key();
    let key = &key;
    // Where DDL commits implicitly (MySQL), track what can no longer be rolled back.
    let implicit_commits = !conn.backend().features().can_rollback_ddl;
    let track_progress = implicit_commits && ops.iter().any(|op| !op.statements.is_empty());
    let total = migration.operations.len();
    let mut committed: Vec<usize> = Vec::new();
    // `--resume` restarts at the interrupted operation (unapplying runs last to first).
    let pending = |op: &&OpSql| match first {
        None => true,
        Some(f) if backwards => op.index <= f,
        Some(f) => op.index >= f,
    };
    for op in ops.iter().filter(pending) {
        let number = op.index + 1;
        if track_progress {
            recorder::progress_start(conn, key, number, total, &op.description, backwards)?;
            // Commit the progress row now (MySQL's DDL would commit it anyway, but a RunRust
            // step would not): the diesel-level transaction stays open.
            conn.batch_execute("COMMIT")
                .and_then(|()| conn.batch_execute("BEGIN"))
                .map_err(|source| ExecutorError::Sql {
                    migration: key.clone(),
                    number,
                    description: "record progress".into(),
                    sql: "COMMIT; BEGIN".into(),
                    source: Box::new(source),
                    committed: committed.clone().into(),
                })?;
        }
        for (i, sql) in op.statements.iter().enumerate() {
            if let Err(source) = conn.batch_execute(sql) {
                if implicit_commits && i > 0 {
                    committed.push(number);
                }
                return Err(ExecutorError::Sql {
                    migration: key.clone(),
                    number,
                    description: op.description.clone(),
                    sql: sql.as_str().into(),
                    source: Box::new(source),
                    committed: committed.into(),
                });
            }
        }
        if let Some(f) = op.rust {
            if let Err(source) = f(conn) {
                if implicit_commits && !op.statements.is_empty() {
                    committed.push(number);
                }
                return Err(ExecutorError::Rust {
                    migration: key.clone(),
                    number,
                    description: op.description.clone(),
                    source,
                    committed: committed.into(),
                });
            }
        }
        if implicit_commits && !op.statements.is_empty() {
            committed.push(number);
        }
    }
    let violations = foreign_key_violations(conn).map_err(|source| ExecutorError::Sql {
        migration: key.clone(),
        number: ops.last().map_or(0, |o| o.index + 1),
        description: "foreign key check".into(),
        sql: "PRAGMA foreign_key_check".into(),
        source: Box::new(source),
        committed: Box::default(),
    })?;
    if !violations.is_empty() {
        return Err(ExecutorError::ForeignKeyViolation {
            migration: key.clone(),
            violations,
        });
    }
    Ok(())
}

/// Applies or unapplies migrations to reach `target`.
///
/// Under the lock: reads the applied set (validating checksums, deleted files, interrupted
/// MySQL runs and history), computes the plan and reports it; with `plan_only` stops there.
/// The SQL of every step is computed before anything runs, so an irreversible operation or a
/// schema error stops the run before any DDL. Then each step runs in its own write
/// transaction, which re-reads the applied set first (another process may have migrated
/// meanwhile) and commits the DDL, data steps, foreign-key check and recorder row together.
/// While another process holds the lock, [`MigrateEvent::WaitingForLock`] is sent once per
/// wait.
pub fn migrate(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    target: &Target,
    options: &MigrateOptions,
    on_event: &mut dyn FnMut(MigrateEvent<'_>),
) -> Result<MigrateReport, ExecutorError> {
    let backend = conn.backend();
    backend
        .editor()
        .map_err(|e| ExecutorError::Backend(Box::new(e)))?;
    let timeout = options.lock_timeout.unwrap_or(DEFAULT_LOCK_TIMEOUT);
    let (mut expected, plan, interrupted) = locked(conn, timeout, on_event, |conn, _| {
        let interrupted = recorder::interrupted(conn)?.into_iter().next();
        let applied = read_applied_allowing_interrupted(conn, graph)?;
        // `--resume` of an interrupted unapply: unapply that migration again (Django's
        // "migrate APP <its parent>"), unless the caller named a target.
        let target = match (&interrupted, target) {
            (Some(i), Target::Latest) if options.resume && i.backwards => {
                rollback_target(graph, &i.key)
            }
            _ => target.clone(),
        };
        let plan = migration_plan(graph, &applied, &target)?;
        if let Some(i) = &interrupted {
            // Only `--resume` (run the rest) or `--fake` of that very migration (finished by
            // hand) may proceed, and only when the plan starts with it.
            let first = plan.first();
            let allowed = (options.resume || options.fake)
                && first.is_some_and(|s| s.key == i.key && s.backwards == i.backwards);
            // A plan that runs nothing (a target already reached) may proceed.
            if !allowed && !options.plan_only && !plan.is_empty() {
                return Err(interrupted_error(i.clone()));
            }
        } else if options.resume {
            return Err(ExecutorError::NothingToResume);
        }
        Ok((applied, plan, interrupted))
    })?;
    on_event(MigrateEvent::Planned(&plan));
    let mut report = MigrateReport {
        plan: plan.clone(),
        ..MigrateReport::default()
    };
    if options.plan_only || plan.is_empty() {
        return Ok(report);
    }
    crate::lock::check_writable(conn)?;
    let prepared = if options.fake {
        vec![Vec::new(); plan.len()]
    } else {
        plan_sql(graph, &expected, &plan, backend)?
    };
    let in_plan: BTreeSet<&MigrationKey> = plan.iter().map(|s| &s.key).collect();
    for (step, ops) in plan.iter().zip(&prepared) {
        let migration = graph
            .migration(&step.key)
            .ok_or_else(|| GraphError::UnknownMigration(step.key.clone()))?;
        // `--resume`: the interrupted migration continues at the operation that was running.
        let first = match &interrupted {
            Some(i) if i.key == step.key && i.backwards == step.backwards && options.resume => {
                Some(i.operation.saturating_sub(1))
            }
            _ => None,
        };
        let result = locked(conn, timeout, on_event, |conn, on_event| {
            let recorded: BTreeSet<MigrationKey> = recorder::applied(conn)?.into_keys().collect();
            let now = effective_applied(graph, &recorded)?;
            // Another process may have migrated meanwhile. If all it did is steps of this very
            // plan (several instances of an application calling `apply_embedded` at start-up),
            // the steps it completed are skipped here; anything else is a conflicting change.
            let only_our_steps = now
                .symmetric_difference(&expected)
                .all(|k| in_plan.contains(k));
            if !only_our_steps {
                return Err(ExecutorError::ConcurrentChange {
                    migration: step.key.clone(),
                });
            }
            if now.contains(&step.key) != step.backwards {
                return Ok((None, now));
            }
            on_event(MigrateEvent::Started(step));
            let started = Instant::now();
            let outcome = if options.fake {
                Outcome::Faked
            } else if options.fake_initial
                && !step.backwards
                && migration.initial
                && initial_schema_exists(conn, graph, migration)?
            {
                Outcome::FakedInitial
            } else {
                run_operations(conn, migration, ops, first, step.backwards)?;
                Outcome::Applied
            };
            // A squash is recorded together with the migrations it replaces (Django does the
            // same), so either view of the history finds it applied.
            if step.backwards {
                recorder::unrecord(conn, &step.key)?;
                for r in &migration.replaces {
                    recorder::unrecord(conn, r)?;
                }
                recorder::progress_clear(conn, &step.key)?;
            } else {
                recorder::record(conn, migration)?;
                for r in &migration.replaces {
                    if !recorded.contains(r) {
                        recorder::record_replaced(conn, r, &step.key)?;
                    }
                }
                recorder::progress_clear(conn, &step.key)?;
            }
            Ok((Some((outcome, started)), now))
        });
        let result = match result {
            Ok(r) => r,
            Err(e) => {
                // Without transactional DDL (MySQL), a failure that left operations committed keeps its progress row, so
                // later runs report the half-applied migration until it is recovered (and
                // `--resume` knows where to continue); one that committed nothing drops it.
                let committed = match &e {
                    ExecutorError::Sql { committed, .. }
                    | ExecutorError::Rust { committed, .. } => !committed.is_empty(),
                    _ => false,
                };
                let resuming = first.is_some();
                if !backend.features().can_rollback_ddl
                    && !committed
                    && !resuming
                    && !matches!(e, ExecutorError::Lock(_))
                {
                    let _ = recorder::progress_clear(conn, &step.key);
                }
                return Err(e);
            }
        };
        let (ran, now) = result;
        expected = now;
        let Some((outcome, started)) = ran else {
            report.skipped.push(step.clone());
            continue;
        };
        if step.backwards {
            expected.remove(&step.key);
        } else {
            expected.insert(step.key.clone());
        }
        on_event(MigrateEvent::Finished {
            step,
            outcome,
            elapsed: started.elapsed(),
        });
        report.done.push((step.clone(), outcome));
    }
    Ok(report)
}

/// The target that unapplies `key` (and what depends on it): its parent in its app, or zero.
fn rollback_target(graph: &MigrationGraph, key: &MigrationKey) -> Target {
    graph
        .dependencies_of(key)
        .into_iter()
        .find(|d| d.app == key.app)
        .map_or_else(|| Target::Zero(key.app.clone()), Target::Migration)
}
