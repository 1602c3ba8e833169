//! The pieces both ways of applying a migration share (`apply` runs a migration in one
//! transaction, `non_atomic` one operation at a time): running one operation's statements and
//! its data step — a panicking data step becomes an error like any other — the deferred
//! foreign-key check, the recorder rows that finish a step, and `--fake-initial`'s test. A
//! leaf of the executor: it decides nothing about transactions or the lock.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::backend::DbConnection;
use crate::error::BoxError;
use crate::graph::MigrationGraph;
use crate::migration::{Migration, MigrationKey};
use crate::operations::{Operation, RustMigrationFn};
use crate::recorder;

use super::error::{Committed, DataStepPanicked, ExecutorError};
use super::history::effective_applied;
use super::types::{OpSql, PlanStep};

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

/// Where the backend switches foreign keys off while migrating (SQLite), checks that no row
/// breaks one; `number` is the operation the check follows, for the error.
pub(super) fn check_foreign_keys(
    conn: &mut DbConnection,
    key: &MigrationKey,
    number: usize,
    committed: &Committed,
) -> Result<(), ExecutorError> {
    let violations = foreign_key_violations(conn).map_err(|source| ExecutorError::Sql {
        migration: key.clone(),
        number,
        description: "foreign key check".into(),
        sql: "PRAGMA foreign_key_check".into(),
        source: Box::new(source),
        committed: Box::new(committed.clone()),
    })?;
    if violations.is_empty() {
        return Ok(());
    }
    Err(ExecutorError::ForeignKeyViolation {
        migration: key.clone(),
        violations,
        committed: Box::new(committed.clone()),
    })
}

/// Why one operation failed, before the caller says what stays committed.
pub(super) enum OpFailure {
    /// Statement `index` (0-based) of the operation failed.
    Sql {
        index: usize,
        sql: Box<str>,
        source: Box<diesel::result::Error>,
    },
    /// The data step returned an error or panicked.
    Rust { source: BoxError },
}

impl OpFailure {
    /// Whether part of the operation may be committed where each statement commits as it
    /// runs: an earlier statement of it ran, or its data step ran at all.
    pub(super) fn after_some_work(&self, op: &OpSql) -> bool {
        match self {
            // The session statement around wrapped statements changes nothing.
            Self::Sql { index, .. } => *index > usize::from(op.session_wrapped),
            Self::Rust { .. } => true,
        }
    }

    /// The error naming the migration and the operation.
    pub(super) fn into_error(
        self,
        key: &MigrationKey,
        op: &OpSql,
        committed: Committed,
    ) -> ExecutorError {
        match self {
            Self::Sql { sql, source, .. } => ExecutorError::Sql {
                migration: key.clone(),
                number: op.index + 1,
                description: op.description.clone(),
                sql,
                source,
                committed: Box::new(committed),
            },
            Self::Rust { source } => ExecutorError::Rust {
                migration: key.clone(),
                number: op.index + 1,
                description: op.description.clone(),
                source,
                committed: Box::new(committed),
            },
        }
    }
}

/// Runs one operation: its statements in order, then its data step.
pub(super) fn run_op(conn: &mut DbConnection, op: &OpSql) -> Result<(), OpFailure> {
    run_op_from(conn, op, 0)
}

/// [`run_op`] for an operation whose statements before `start` (0-based) were already sent
/// (MySQL sends the first with the progress row).
pub(super) fn run_op_from(
    conn: &mut DbConnection,
    op: &OpSql,
    start: usize,
) -> Result<(), OpFailure> {
    run_statements(conn, op, start)?;
    run_rust(conn, op)
}

/// The savepoint around an operation's batch ([`run_op_in_transaction`]).
const OP_SAVEPOINT: &str = "migrator_op";

/// How many operations of one transaction (one migration) may run as a savepoint batch.
/// Each savepoint that changes the schema takes a subtransaction id, released or not, until
/// the transaction ends; PostgreSQL keeps only 64 of them per session in shared memory, and
/// past that ("suboverflow") every other session's snapshot has to read `pg_subtrans` while
/// the migration is open, which slows a busy server and its standbys. The operations after
/// these run one statement per round trip.
const BATCHES_PER_TRANSACTION: usize = 48;

/// Runs one operation inside the caller's open transaction where DDL is transactional
/// (SQLite, PostgreSQL): an operation of several statements goes to the database as one
/// batch — one round trip to a server — inside a savepoint. A batch stops at its first
/// failing statement without saying which, so on failure the savepoint is rolled back and
/// the statements run again one by one: the error names the statement that fails. Then the
/// data step, as [`run_op`]. `batches` counts the savepoints this transaction has taken: past
/// [`BATCHES_PER_TRANSACTION`] the operation runs as [`run_op`] does.
pub(super) fn run_op_in_transaction(
    conn: &mut DbConnection,
    op: &OpSql,
    batches: &mut usize,
) -> Result<(), OpFailure> {
    if op.statements.len() < 2 || op.session_wrapped || *batches >= BATCHES_PER_TRANSACTION {
        return run_op(conn, op);
    }
    *batches += 1;
    // Each statement ends on a line of its own, so a trailing `--` comment cannot swallow
    // the separator.
    let mut batch = format!("SAVEPOINT {OP_SAVEPOINT}");
    for sql in &op.statements {
        batch.push_str(";\n");
        batch.push_str(sql);
        batch.push('\n');
    }
    batch.push_str(&format!(";\nRELEASE SAVEPOINT {OP_SAVEPOINT}"));
    if let Err(source) = conn.batch_execute(&batch) {
        let undo =
            format!("ROLLBACK TO SAVEPOINT {OP_SAVEPOINT}; RELEASE SAVEPOINT {OP_SAVEPOINT}");
        if conn.batch_execute(&undo).is_err() {
            return Err(OpFailure::Sql {
                index: 0,
                sql: batch.into(),
                source: Box::new(source),
            });
        }
        // Nothing of the batch is left: the statements one by one either fail where the
        // batch did, now named, or (should the batch have failed for being a batch) do
        // the operation's work exactly once.
        run_statements(conn, op, 0)?;
    }
    run_rust(conn, op)
}

/// An operation's statements in order from `start`, one round trip each.
fn run_statements(conn: &mut DbConnection, op: &OpSql, start: usize) -> Result<(), OpFailure> {
    for (index, sql) in op.statements.iter().enumerate().skip(start) {
        if let Err(source) = conn.batch_execute(sql) {
            if op.session_wrapped && index > 0 {
                // Give the session its mode back (the last statement restores it).
                if let Some(restore) = op.statements.last() {
                    let _ = conn.batch_execute(restore);
                }
            }
            return Err(OpFailure::Sql {
                index,
                sql: sql.as_str().into(),
                source: Box::new(source),
            });
        }
    }
    Ok(())
}

/// An operation's data step, if it has one.
fn run_rust(conn: &mut DbConnection, op: &OpSql) -> Result<(), OpFailure> {
    match op.rust {
        Some(f) => run_data_step(conn, f).map_err(|source| OpFailure::Rust { source }),
        None => Ok(()),
    }
}

/// Calls a data step; a panic is caught and returned as [`DataStepPanicked`], so it is
/// reported like any failing operation (the caller rolls back what the step left open).
fn run_data_step(conn: &mut DbConnection, f: RustMigrationFn) -> Result<(), BoxError> {
    match catch_unwind(AssertUnwindSafe(|| f(conn))) {
        Ok(result) => result,
        Err(payload) => {
            let message = if let Some(s) = payload.downcast_ref::<&str>() {
                (*s).to_owned()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                "(a panic without a message)".to_owned()
            };
            Err(Box::new(DataStepPanicked { message }))
        }
    }
}

/// The operations an earlier, interrupted run committed, in run order, when `--resume`
/// restarts at the operation with 0-based index `first`: forwards every one before it;
/// unapplying (last to first) every one after it.
pub(super) fn committed_earlier(total: usize, first: Option<usize>, backwards: bool) -> Vec<usize> {
    match first {
        None => Vec::new(),
        Some(f) if backwards => (f + 2..=total).rev().collect(),
        Some(f) => (1..=f).collect(),
    }
}

/// The record at the start of a step, under the lock.
pub(super) struct StepStart {
    /// The recorded migrations.
    pub recorded: BTreeSet<MigrationKey>,
    /// The applied set they make (squashes included).
    pub now: BTreeSet<MigrationKey>,
    /// Another process already did this step (skip it).
    pub done_elsewhere: bool,
    /// What of the recorder's tables exists (read with the record, under the lock).
    pub tables: recorder::Tables,
}

/// Re-reads the record at the start of `step`. Another process may have migrated since this
/// run read it (`expected`): if all it did is steps of this very plan (several instances of
/// an application calling `apply_embedded` at start-up), a step it completed is skipped;
/// anything else is a conflicting change. `known` is what of the recorder's tables the
/// previous step of this run found (and committed): with it, one query reads the record and
/// whether the progress table exists ([`recorder::applied_again_with`]); without it, two.
pub(super) fn start_step(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    (expected, in_plan): (&BTreeSet<MigrationKey>, &BTreeSet<&MigrationKey>),
    step: &PlanStep,
    known: Option<&recorder::Tables>,
) -> Result<StepStart, ExecutorError> {
    let (tables, recorded) = match known {
        Some(known) => recorder::applied_again_with(conn, known)?,
        None => {
            let tables = recorder::tables(conn)?;
            let record = recorder::applied_with(conn, &tables)?;
            (tables, record.into_keys().collect())
        }
    };
    let now = effective_applied(graph, &recorded)?;
    let only_our_steps = now
        .symmetric_difference(expected)
        .all(|k| in_plan.contains(k));
    if !only_our_steps {
        return Err(ExecutorError::ConcurrentChange {
            migration: step.key.clone(),
        });
    }
    let done_elsewhere = now.contains(&step.key) != step.backwards;
    Ok(StepStart {
        recorded,
        now,
        done_elsewhere,
        tables,
    })
}

/// Records that `step` is done — the migration (and what a squash replaces) recorded, or
/// unrecorded when unapplying — and deletes its progress row (the empty progress table is
/// dropped once at the end of the run). `recorded` and `tables` are the record and what of
/// it exists as read at the start of the step (under the same lock): with a complete
/// recorder table this sends one batch (one round trip) — the row, and the progress row's
/// `DELETE` where the progress table exists. `begin`: no transaction is open (MySQL after a
/// schema operation, see [`recorder::finish_with`]); the batch opens the one the caller
/// commits.
pub(super) fn finish(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    migration: &Migration,
    step: &PlanStep,
    (recorded, tables): (&BTreeSet<MigrationKey>, &mut recorder::Tables),
    begin: bool,
) -> Result<(), ExecutorError> {
    recorder::finish_with(conn, tables, migration, (step.backwards, begin))?;
    // A squash is recorded together with the migrations it replaces (Django does the same),
    // so either view of the history finds it applied.
    if step.backwards {
        for r in &migration.replaces {
            recorder::unrecord_with(conn, tables, r)?;
        }
        // An original unapplied while the database uses the originals: a squash replacing it
        // is no longer complete.
        for squash in graph.squashes() {
            if squash.replaces.contains(&step.key) && recorded.contains(&squash.key()) {
                recorder::unrecord_with(conn, tables, &squash.key())?;
            }
        }
    } else {
        for r in &migration.replaces {
            if !recorded.contains(r) {
                recorder::record_replaced_with(conn, tables, r, &step.key)?;
            }
        }
        if graph.squashes().next().is_some() {
            record_completed_squashes(conn, graph)?;
        }
    }
    Ok(())
}

/// The squashes not recorded yet whose replaced migrations are all recorded (applied one by
/// one, while a database was part-way through the squash or before it existed).
pub(super) fn completed_squashes<'g>(
    conn: &mut DbConnection,
    graph: &'g MigrationGraph,
) -> Result<Vec<&'g Migration>, ExecutorError> {
    if graph.squashes().next().is_none() {
        return Ok(Vec::new());
    }
    let recorded: BTreeSet<MigrationKey> = recorder::applied(conn)?.into_keys().collect();
    Ok(graph
        .squashes()
        .filter(|s| !recorded.contains(&s.key()) && s.replaces.iter().all(|r| recorded.contains(r)))
        .collect())
}

/// Records each of [`completed_squashes`] as applied (Django's `check_replacements`), and
/// marks the rows of what it replaces as taken over by it, so the record stays valid once
/// the replaced files are deleted and the squash becomes an ordinary migration.
pub(super) fn record_completed_squashes(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
) -> Result<(), ExecutorError> {
    for squash in completed_squashes(conn, graph)? {
        recorder::record(conn, squash)?;
        let taken_over = format!("{}{}", recorder::REPLACED_BY, squash.key());
        for r in &squash.replaces {
            recorder::set_checksum(conn, r, &taken_over)?;
        }
    }
    Ok(())
}

/// Django's "soft applied" test for `--fake-initial`: true when every table the migration's
/// `CreateModel`s create exists, and every column its `AddField`s add exists (tables and
/// columns as named by the state after the migration). A migration with neither is never
/// faked.
pub(super) fn initial_schema_exists(
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
