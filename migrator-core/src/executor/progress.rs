//! MySQL's progress row before each operation of an atomic migration, sent in the round trip
//! that runs the operation's first statement — and, after a migration's last operation, the
//! record as well. Where DDL commits as it runs, the row (committed before the operation
//! starts) is what tells a later run exactly where a failed or killed one stopped.
//!
//! Each statement costs the server a fixed overhead of its own besides its round trip, so the
//! bookkeeping is as few statements as it can be: the migration's row is written once and
//! then moved on (`UPDATE`), in autocommit where a schema operation's DDL ended the
//! transaction. diesel sends a batch of several statements as one round trip, stopping at the
//! first that fails without saying which; a failed batch is told apart by reading back what it
//! left: the progress row (committed before the statement ran) and, in a batch that also
//! records the migration, a session variable set just before the record. A leaf of the
//! executor: it decides nothing about the lock or the plan.

use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Nullable};
use diesel::{QueryableByName, RunQueryDsl};

use crate::backend::DbConnection;
use crate::lock::LockError;
use crate::migration::{Migration, MigrationKey};
use crate::recorder;

use super::error::{Committed, ExecutorError};
use super::steps::OpFailure;
use super::types::OpSql;

/// The session variable a batch that records a migration sets just before the record.
const MARKER: &str = "@migrator_record_batch";

/// Tells this process's record batches apart through [`MARKER`].
static RECORD_BATCHES: AtomicU64 = AtomicU64::new(1);

/// One operation's progress row.
pub(super) struct Progress<'a> {
    pub key: &'a MigrationKey,
    pub op: &'a OpSql,
    /// How many operations the migration has.
    pub of: usize,
    pub backwards: bool,
    /// This run already wrote the migration's row (for an earlier operation): it is moved on.
    pub written: bool,
    /// The row may already name this operation (`--resume` restarting at it), so a failed
    /// batch could not be told apart by reading it back: the row goes alone.
    pub alone: bool,
}

/// What went with the row.
pub(super) enum Sent {
    /// The row alone.
    Row,
    /// The row and the operation's first statement, which either ran or failed.
    First(Result<(), OpFailure>),
    /// The row, the operation's only statement and the record that finishes the migration,
    /// committed: the caller's transaction is over ([`crate::lock::committed_in_batch`]).
    Finished,
}

impl Progress<'_> {
    /// Sends the row, committed (MySQL's DDL would commit it anyway, but a RunRust step would
    /// not), in one round trip with the operation's first statement when it has one — and,
    /// with `finish` (the operation is the migration's last and has only that statement), the
    /// record that finishes `migration`: after a schema operation in a transaction of its
    /// own, after a RunSql step in that step's transaction, so the two commit together.
    ///
    /// A RunSql or RunRust step runs in a new transaction (its rows commit with the next
    /// progress row or the record); a schema operation's DDL would commit one as it starts,
    /// so it runs without: `open` says whether one is open on the server.
    pub fn send(
        &self,
        conn: &mut DbConnection,
        tables: &mut recorder::Tables,
        (open, finish): (&mut bool, Option<&Migration>),
        committed: &Committed,
    ) -> Result<Sent, ExecutorError> {
        let number = self.op.index + 1;
        let description = &self.op.description;
        let mut sql = if self.written {
            let row = recorder::progress_move_sql(
                conn,
                self.key,
                (number, self.of),
                description,
                self.backwards,
            );
            // In autocommit, the one statement commits itself.
            if *open {
                format!("{row}; COMMIT")
            } else {
                row
            }
        } else {
            let row = recorder::progress_start_sql_with(
                conn,
                tables,
                self.key,
                (number, self.of),
                description,
                self.backwards,
            )?;
            let begin = if *open { "" } else { "BEGIN; " };
            format!("{begin}{row}; COMMIT")
        };
        let schema = self.op.atomic && self.op.rust.is_none();
        if !schema {
            sql.push_str("; BEGIN");
        }
        *open = !schema;
        let first = self.op.statements.first().filter(|_| !self.alone);
        let finish = match (first, finish) {
            (Some(_), Some(m)) if self.op.statements.len() == 1 && self.op.rust.is_none() => {
                Some(recorder::finish_sql_with(conn, tables, m, self.backwards)?)
            }
            _ => None,
        };
        if let Some(statement) = first {
            // On a line of its own, so a trailing `--` comment cannot swallow what follows.
            sql.push_str(";\n");
            sql.push_str(statement);
            sql.push('\n');
        }
        let batch = finish.as_ref().map(|record| {
            let id = RECORD_BATCHES.fetch_add(1, Ordering::Relaxed);
            // After a RunSql step the record joins its transaction, committing with it; after
            // DDL it opens its own, one commit for its two rows.
            let begin = if schema { "BEGIN; " } else { "" };
            sql.push_str(&format!(";\nSET {MARKER} = {id}; {begin}{record}; COMMIT"));
            id
        });
        let source = match conn.batch_execute(&sql) {
            Ok(()) if batch.is_some() => {
                crate::lock::committed_in_batch(conn)?;
                return Ok(Sent::Finished);
            }
            Ok(()) if first.is_some() => return Ok(Sent::First(Ok(()))),
            Ok(()) => return Ok(Sent::Row),
            Err(source) => source,
        };
        if batch.is_some() && batch == record_batch(conn) {
            // Every operation ran and the record failed: the migration's commit failed, named
            // (with what stays committed) as any failed commit is (`apply::name_commit_failure`).
            return Err(LockError::Commit { source }.into());
        }
        if let Some(statement) = first {
            if self.row_names_this(conn) {
                return Ok(Sent::First(Err(OpFailure::Sql {
                    index: 0,
                    sql: statement.as_str().into(),
                    source: Box::new(source),
                })));
            }
        }
        // The row was not written (or, the connection gone, nothing can be read back).
        Err(ExecutorError::Sql {
            migration: self.key.clone(),
            number,
            description: "record progress".into(),
            sql: sql.into(),
            source: Box::new(source),
            committed: Box::new(committed.clone()),
        })
    }

    /// Whether the committed progress row names this operation.
    fn row_names_this(&self, conn: &mut DbConnection) -> bool {
        let number = self.op.index + 1;
        recorder::interrupted(conn).is_ok_and(|rows| {
            rows.iter().any(|r| {
                r.key == *self.key && r.operation == number && r.backwards == self.backwards
            })
        })
    }
}

#[derive(QueryableByName)]
struct Marker {
    #[diesel(sql_type = Nullable<BigInt>)]
    batch: Option<i64>,
}

/// The record batch whose record part a failed batch began, read from [`MARKER`].
fn record_batch(conn: &mut DbConnection) -> Option<u64> {
    let rows: Vec<Marker> = diesel::sql_query(format!("SELECT CAST({MARKER} AS SIGNED) AS batch"))
        .load(conn)
        .ok()?;
    u64::try_from(rows.first()?.batch?).ok()
}
