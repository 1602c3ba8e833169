//! Applying a plan: [`migrate`] under the migration lock (`locked`: one locked transaction,
//! re-entered per migration), `--fake`, `--fake-initial` (`initial_schema_exists`) and
//! `--resume`, running each migration's precomputed SQL and RunRust steps with MySQL's
//! progress rows, SQLite's foreign-key check, and the recorder rows. It does not compute SQL
//! (`sql`), decide what the record means (`history`) or how to reach a target (`target`).

use std::collections::BTreeSet;
use std::time::Instant;

use crate::backend::DbConnection;
use crate::graph::{GraphError, MigrationGraph};
use crate::lock::{LockError, DEFAULT_LOCK_TIMEOUT};
use crate::migration::{Migration, MigrationKey};
use crate::recorder;

use super::error::{Committed, ExecutorError};
use super::history::{for_target, interrupted_error, missing_code_checksums};
use super::locking::{locked_in_run, RunLock};
use super::non_atomic::{run_non_atomic, NonAtomicStep};
use super::progress::{Progress, Sent};
use super::sql::plan_sql;
use super::steps::{
    check_foreign_keys, committed_earlier, completed_squashes, finish, initial_schema_exists,
    record_completed_squashes, run_op, run_op_from, run_op_in_transaction, start_step, StepStart,
};
use super::target::migration_plan;
use super::types::{MigrateEvent, MigrateOptions, MigrateReport, OpSql, Outcome, PlanStep, Target};

/// What stays committed when a migration fails where DDL commits as it runs, before the
/// operations of this run are added: those an earlier, interrupted run committed.
fn implicit_commits(
    conn: &DbConnection,
    ops: &[OpSql],
    first: Option<usize>,
    backwards: bool,
) -> Committed {
    let features = conn.backend().features();
    let total = ops.iter().map(|o| o.index + 1).max().unwrap_or(0);
    let operations = committed_earlier(total, first, backwards);
    Committed {
        earlier: operations.len(),
        operations: operations.into(),
        backwards,
        why: format!(
            "{} commits schema changes as they run",
            features.display_name
        )
        .into(),
    }
}

/// Runs one migration's operations (already turned into SQL) on `conn`, inside the caller's
/// transaction, then checks foreign keys. Operations before `first` (0-based) are skipped
/// (`--resume`).
///
/// MySQL commits each DDL statement implicitly, so there progress is recorded (and committed)
/// before each operation when the migration has any schema or SQL step: a run killed in the
/// middle leaves a `migrator_progress` row naming the operation that was running, which the
/// next run reports ([`ExecutorError::Interrupted`]). A migration made only of RunRust steps
/// stays one transaction and needs no progress row. A failure's error lists what stays
/// committed — from this run, and under `--resume` from the interrupted one.
///
/// On MySQL a schema operation runs outside any transaction (its DDL commits implicitly as
/// it starts): the bookkeeping after it opens one of its own, so each progress row, and the
/// record with the progress row's removal, is one durable commit — not one per statement,
/// as autocommit would make it. With `finish`, the record goes with the last operation's
/// statement when it can ([`Sent::Finished`]).
fn run_operations(
    conn: &mut DbConnection,
    (migration, step): (&Migration, &PlanStep),
    tables: &mut recorder::Tables,
    (ops, first, finish): (&[OpSql], Option<usize>, bool),
    on_event: &mut dyn FnMut(MigrateEvent<'_>),
) -> Result<Ran, ExecutorError> {
    let backwards = step.backwards;
    let key = migration.key();
    let key = &key;
    // Where DDL commits implicitly (MySQL), track what can no longer be rolled back.
    let implicit = !conn.backend().features().can_rollback_ddl;
    let track_progress = implicit && ops.iter().any(|op| !op.statements.is_empty());
    let total = migration.operations.len();
    let mut committed = if implicit {
        implicit_commits(conn, ops, first, backwards)
    } else {
        Committed::default()
    };
    let mut now: Vec<usize> = committed.operations.to_vec();
    // Savepoint batches taken in this migration's transaction (where DDL is transactional).
    let mut batches = 0;
    // `--resume` restarts at the interrupted operation (unapplying runs last to first).
    let pending = |op: &&OpSql| match first {
        None => true,
        Some(f) if backwards => op.index <= f,
        Some(f) => op.index >= f,
    };
    // Whether a transaction is open on the server: the caller's, until the first progress
    // row commits it.
    let mut open = true;
    let mut finished = false;
    let run: Vec<&OpSql> = ops.iter().filter(pending).collect();
    for (n, op) in run.iter().copied().enumerate() {
        let number = op.index + 1;
        let operation = &migration.operations[op.index];
        on_event(MigrateEvent::OperationStarted {
            step,
            index: op.index,
            total,
            operation,
        });
        let started = Instant::now();
        let sent = if track_progress {
            let progress = Progress {
                key,
                op,
                of: total,
                backwards,
                written: n > 0,
                alone: first.is_some() && n == 0,
            };
            let last = (finish && n + 1 == run.len()).then_some(migration);
            Some(progress.send(conn, tables, (&mut open, last), &committed)?)
        } else {
            None
        };
        let result = match sent {
            Some(Sent::First(Err(failure))) => Err(failure),
            Some(Sent::First(Ok(()))) => run_op_from(conn, op, 1),
            Some(Sent::Finished) => {
                finished = true;
                Ok(())
            }
            Some(Sent::Row) => run_op(conn, op),
            // Where DDL is transactional, each operation's statements are one batch.
            None if implicit => run_op(conn, op),
            None => run_op_in_transaction(conn, op, &mut batches),
        };
        if let Err(failure) = result {
            // Where statements commit as they run, an operation that failed after some of
            // its work is partly committed.
            if implicit && !op.statements.is_empty() && failure.after_some_work(op) {
                now.push(number);
            }
            committed.operations = now.into();
            return Err(failure.into_error(key, op, committed));
        }
        if implicit && !op.statements.is_empty() {
            now.push(number);
            committed.operations = now.clone().into();
        }
        on_event(MigrateEvent::OperationFinished {
            step,
            index: op.index,
            total,
            operation,
            elapsed: started.elapsed(),
        });
    }
    check_foreign_keys(
        conn,
        key,
        ops.last().map_or(0, |o| o.index + 1),
        &Committed::default(),
    )?;
    Ok(Ran { open, finished })
}

/// How a migration's operations ([`run_operations`]) left its transaction.
struct Ran {
    /// A transaction is open on the server (the caller's, or one a data step runs in).
    open: bool,
    /// The record that finishes the migration was sent and committed with the last
    /// operation: the caller's transaction is over.
    finished: bool,
}

/// Applies or unapplies migrations to reach `target`.
///
/// Under the lock: reads the applied set (validating checksums, deleted files, interrupted
/// MySQL runs and history), computes the plan and reports it; with `plan_only` stops there.
/// The SQL of every step is computed before anything runs, so an irreversible operation or a
/// schema error stops the run before any DDL. Then each step runs in its own write
/// transaction, which first makes sure of the applied set (another process may have
/// migrated meanwhile: the step re-reads the record, or on PostgreSQL checks it cheaply in
/// the round trip that takes the lock, or on MySQL — where the run keeps the lock from the
/// plan to its end — knows nobody else could write it) and commits the DDL, data steps,
/// foreign-key check and recorder row together. While another process holds the lock,
/// [`MigrateEvent::WaitingForLock`] is sent once per wait.
pub fn migrate(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    target: &Target,
    options: &MigrateOptions,
    on_event: &mut dyn FnMut(MigrateEvent<'_>),
) -> Result<MigrateReport, ExecutorError> {
    let mut run = RunLock::new(conn);
    let result = migrate_in_run(conn, &mut run, graph, target, options, on_event);
    // A lock the run kept (MySQL) goes with the run, whatever its outcome. Releasing it can
    // fail only with the connection, and the server releases a lost session's lock itself.
    let _ = run.release(conn);
    result
}

/// What a run knows of the record after its last committed step.
struct Known {
    /// What of the recorder's tables exists, so the next step reads them with the record in
    /// one query.
    tables: recorder::Tables,
    /// The recorded keys as the step left them, and what the next lock can check of them
    /// without reading them, when the run can predict them (no squash in the graph: squash
    /// bookkeeping reads the record itself).
    record: Option<(BTreeSet<MigrationKey>, recorder::RecordCheck)>,
}

/// The start of a step under its lock: when the run can trust what it knows of the record
/// (`trusted`: the lock was kept since, or the lock's check held) that, without reading it;
/// otherwise the record read again ([`start_step`]). Also what the next lock can check of the
/// record (when the graph is `predictable`) and whether a failed check was wasted — the record
/// is as predicted, so the server cannot evaluate the check and the run should stop asking.
fn start_known_step(
    conn: &mut DbConnection,
    (graph, predictable): (&MigrationGraph, bool),
    expected: (&BTreeSet<MigrationKey>, &BTreeSet<&MigrationKey>),
    step: &PlanStep,
    (before, trusted, checked): (Option<Known>, bool, Option<bool>),
) -> Result<(StepStart, Option<recorder::RecordCheck>, bool), ExecutorError> {
    match before {
        Some(Known {
            tables,
            record: Some((recorded, check)),
        }) if trusted => {
            // The record is as the last step left it, so the applied set is the one this run
            // expects — which, after a step another run had done, may hold this step too.
            let start = StepStart {
                recorded,
                now: BTreeSet::new(),
                done_elsewhere: expected.0.contains(&step.key) != step.backwards,
                tables,
            };
            Ok((start, Some(check), false))
        }
        before => {
            let start = start_step(
                conn,
                graph,
                expected,
                step,
                before.as_ref().map(|k| &k.tables),
            )?;
            let wasted = checked == Some(false)
                && before
                    .as_ref()
                    .and_then(|k| k.record.as_ref())
                    .is_some_and(|(r, _)| *r == start.recorded);
            let check = if predictable {
                Some(recorder::check_after_read(
                    conn,
                    &start.tables,
                    &start.recorded,
                )?)
            } else {
                None
            };
            Ok((start, check, wasted))
        }
    }
}

/// Follows what finishing `step` (without squashes) does to the recorded keys and what the
/// next lock checks of them: its key recorded, or unrecorded when it ran backwards.
fn follow_finish(
    check: &mut recorder::RecordCheck,
    recorded: &mut BTreeSet<MigrationKey>,
    step: &PlanStep,
) {
    if step.backwards {
        if recorded.remove(&step.key) {
            check.unrecorded(&step.key);
        }
    } else if recorded.insert(step.key.clone()) {
        check.recorded(&step.key);
    }
}

/// [`migrate`] with the run's locks taken through `run`.
fn migrate_in_run(
    conn: &mut DbConnection,
    run: &mut RunLock,
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
    let (resolved, mut expected, plan, interrupted, backfill) =
        locked_in_run(conn, (run, None), timeout, on_event, |conn, _, _| {
            let interrupted = recorder::interrupted(conn)?.into_iter().next();
            // Squashes whose replaced migrations were all applied one by one (before the
            // squash existed) are recorded now, as Django's `check_replacements` does.
            if !options.plan_only && !completed_squashes(conn, graph)?.is_empty() {
                crate::lock::check_writable(conn)?;
                record_completed_squashes(conn, graph)?;
            }
            let (resolved, applied, target) = for_target(conn, graph, target)?;
            let graph: &MigrationGraph = &resolved;
            // `--resume` of an interrupted unapply: unapply that migration again (Django's
            // "migrate APP <its parent>"), unless the caller named a target.
            let target = match (&interrupted, &target) {
                (Some(i), Target::Latest) if options.resume && i.backwards => {
                    rollback_target(graph, &i.key)
                }
                _ => target,
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
            let backfill = missing_code_checksums(conn, graph)?;
            Ok((resolved, applied, plan, interrupted, backfill))
        })?;
    let graph: &MigrationGraph = &resolved;
    on_event(MigrateEvent::Planned(&plan));
    let mut report = MigrateReport {
        plan: plan.clone(),
        ..MigrateReport::default()
    };
    if options.plan_only || plan.is_empty() {
        return Ok(report);
    }
    crate::lock::check_writable(conn)?;
    // Rows an older migrator recorded have no code checksum: the files as they are now give
    // it (once; later edits of their data steps are then caught).
    if !backfill.is_empty() {
        locked_in_run(conn, (run, None), timeout, on_event, |conn, _, _| {
            for (key, code) in &backfill {
                recorder::set_code_checksum(conn, key, Some(code))?;
            }
            Ok(())
        })?;
    }
    let prepared = if options.fake {
        vec![Vec::new(); plan.len()]
    } else {
        plan_sql(graph, &expected, &plan, backend)?
    };
    let in_plan: BTreeSet<&MigrationKey> = plan.iter().map(|s| &s.key).collect();
    // Whether the progress table may exist: it stays while the run goes on (on MySQL creating
    // and dropping it per migration would commit two DDL statements each time) and is
    // dropped at the end when empty.
    let mut progress_table = interrupted.is_some();
    // What the last committed step left in the record. A step whose record the run can
    // predict does not read it again: where the run keeps the lock (MySQL) no other run can
    // have changed it; on PostgreSQL the round trip that takes the lock checks it.
    let mut known: Option<Known> = None;
    let predictable = graph.squashes().next().is_none();
    // Cleared when PostgreSQL cannot evaluate the check (no `sha256` before 11).
    let mut check_usable = true;
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
        let result = if !migration.atomic && !options.fake {
            progress_table = true;
            known = None;
            // One operation at a time under the session lock (`non_atomic`), which cleans up
            // after itself.
            let (ran, now) = run_non_atomic(
                conn,
                &NonAtomicStep {
                    graph,
                    migration,
                    step,
                    ops,
                    first,
                    expected: &expected,
                    in_plan: &in_plan,
                    fake_initial: options.fake_initial,
                    timeout,
                },
                on_event,
            )?;
            (ran, Some(now))
        } else {
            let held = run.held();
            let predicted = known
                .as_ref()
                .filter(|_| migration.replaces.is_empty())
                .and_then(|k| k.record.as_ref().map(|(_, check)| (k.tables, check)));
            let check = match predicted {
                Some((tables, check)) if !held && check_usable => {
                    recorder::record_check_sql(conn, check, tables.progress)
                }
                _ => None,
            };
            let predicted = predicted.is_some();
            let known_before = known.take();
            let result = locked_in_run(
                conn,
                (run, check.as_deref()),
                timeout,
                on_event,
                |conn, on_event, checked| {
                    let trusted = predicted && (held || checked == Some(true));
                    let (start, mut record, wasted_check) = start_known_step(
                        conn,
                        (graph, predictable),
                        (&expected, &in_plan),
                        step,
                        (known_before, trusted, checked),
                    )?;
                    // The applied set at the start of the step: `None` when it is the one this
                    // run expects (the record was not read again).
                    let now = (!trusted).then_some(start.now);
                    let mut tables = start.tables;
                    if start.done_elsewhere {
                        let known = Known {
                            tables,
                            record: record.map(|d| (start.recorded, d)),
                        };
                        return Ok((None, now, known, wasted_check));
                    }
                    on_event(MigrateEvent::Started(step));
                    let started = Instant::now();
                    // How the operations left the step's transaction (`run_operations`).
                    let mut ran = Ran {
                        open: true,
                        finished: false,
                    };
                    let outcome = if options.fake {
                        Outcome::Faked
                    } else if options.fake_initial
                        && !step.backwards
                        && migration.initial
                        && initial_schema_exists(conn, graph, migration)?
                    {
                        Outcome::FakedInitial
                    } else {
                        // The record goes with the last operation unless squashes need
                        // their own bookkeeping.
                        let fold = predictable && migration.replaces.is_empty();
                        ran = run_operations(
                            conn,
                            (migration, step),
                            &mut tables,
                            (ops, first, fold),
                            on_event,
                        )?;
                        Outcome::Applied
                    };
                    if !ran.finished {
                        // Where statements committed as they ran (MySQL), a record that fails
                        // after them fails the migration's commit: named so, with what stays
                        // committed, and its progress row kept (`name_commit_failure`).
                        let ran_statements = outcome == Outcome::Applied
                            && !backend.features().can_rollback_ddl
                            && ops.iter().any(|op| !op.statements.is_empty());
                        finish(
                            conn,
                            graph,
                            migration,
                            step,
                            (&start.recorded, &mut tables),
                            !ran.open,
                        )
                        .map_err(|e| match e {
                            ExecutorError::Recorder(recorder::RecorderError::Query {
                                source,
                                ..
                            }) if ran_statements => {
                                ExecutorError::Lock(LockError::Commit { source })
                            }
                            e => e,
                        })?;
                    }
                    progress_table |= tables.progress;
                    let mut recorded = start.recorded;
                    if let Some(check) = &mut record {
                        follow_finish(check, &mut recorded, step);
                    }
                    let known = Known {
                        tables,
                        record: record.map(|d| (recorded, d)),
                    };
                    Ok((Some((outcome, started)), now, known, wasted_check))
                },
            );
            match result {
                Ok((ran, now, k, wasted_check)) => {
                    known = Some(k);
                    check_usable &= !wasted_check;
                    (ran, now)
                }
                Err(e) => {
                    let e = name_commit_failure(conn, e, migration, ops, first, step.backwards);
                    // Without transactional DDL (MySQL), a failure that left operations
                    // committed keeps its progress row, so later runs report the
                    // half-applied migration until it is recovered (and `--resume` knows
                    // where to continue); one that committed nothing drops it.
                    let committed = match &e {
                        ExecutorError::Sql { committed, .. }
                        | ExecutorError::Rust { committed, .. }
                        | ExecutorError::Commit { committed, .. } => !committed.is_empty(),
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
            }
        };
        let (ran, now) = result;
        if let Some(now) = now {
            expected = now;
        }
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
    if progress_table {
        locked_in_run(conn, (run, None), timeout, on_event, |conn, _, _| {
            Ok(recorder::drop_progress_table_if_empty(conn)?)
        })?;
    }
    Ok(report)
}

/// A failed commit of a migration's transaction, named as the migration's failure: what
/// stays committed is nothing where DDL is transactional, and otherwise every operation whose
/// statements committed as they ran (all but trailing data steps, which were in the
/// transaction).
fn name_commit_failure(
    conn: &DbConnection,
    e: ExecutorError,
    migration: &Migration,
    ops: &[OpSql],
    first: Option<usize>,
    backwards: bool,
) -> ExecutorError {
    let ExecutorError::Lock(LockError::Commit { source }) = e else {
        return e;
    };
    let mut committed = Committed::default();
    if !conn.backend().features().can_rollback_ddl {
        committed = implicit_commits(conn, ops, first, backwards);
        let pending = |op: &&OpSql| match first {
            None => true,
            Some(f) if backwards => op.index <= f,
            Some(f) => op.index >= f,
        };
        let run: Vec<&OpSql> = ops.iter().filter(pending).collect();
        let mut numbers = committed.operations.to_vec();
        for (i, op) in run.iter().enumerate() {
            if i + 1 < run.len() || !op.statements.is_empty() {
                numbers.push(op.index + 1);
            }
        }
        committed.operations = numbers.into();
    }
    ExecutorError::Commit {
        migration: migration.key(),
        source: Box::new(source),
        committed: Box::new(committed),
    }
}

/// The target that unapplies `key` (and what depends on it): its parent in its app, or zero.
fn rollback_target(graph: &MigrationGraph, key: &MigrationKey) -> Target {
    graph
        .dependencies_of(key)
        .into_iter()
        .find(|d| d.app == key.app)
        .map_or_else(|| Target::Zero(key.app.clone()), Target::Migration)
}
