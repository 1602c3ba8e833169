//! Applying a non-atomic migration (`atomic(false)`, Django's `atomic = False`): its
//! operations commit one at a time, under the migration lock held across them
//! ([`SessionGuard`]), with the per-operation progress record MySQL's atomic migrations use.
//!
//! - A schema operation, on a backend whose DDL is transactional (SQLite, PostgreSQL), runs
//!   in its own transaction together with the progress row naming the next operation (or,
//!   for the last one, the recorder row): each commits whole or not at all, and the record
//!   always says exactly which operations are done.
//! - RunSql, RunRust and concurrent index changes ([`OperationKind::atomic`] false), and
//!   every operation where DDL commits as it runs (MySQL), run outside any transaction: the
//!   progress row naming the operation is committed first, each statement commits as it
//!   runs, and a data step may open its own transactions (batches). A failure or a kill can
//!   leave such an operation partly done; the record names it.
//!
//! After a failure or a kill, a progress row stays while anything is committed: `migrate`
//! and `showmigrations` report the interrupted migration, and `migrate --resume` continues
//! at the operation it names (so re-running a data step must be safe), `--fake` records it
//! finished by hand, `--forget` drops the record of one undone by hand. Nothing here
//! computes SQL or plans.
//!
//! [`OperationKind::atomic`]: crate::operations::OperationKind::atomic

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::backend::DbConnection;
use crate::graph::MigrationGraph;
use crate::lock::{LockError, SessionGuard};
use crate::migration::{Migration, MigrationKey};
use crate::recorder;

use super::error::{Committed, ExecutorError};
use super::steps::{
    check_foreign_keys, committed_earlier, finish, initial_schema_exists, run_op, start_step,
};
use super::types::{MigrateEvent, OpSql, Outcome, PlanStep};

/// Why a non-atomic migration's operations commit one at a time, for error messages.
const WHY: &str =
    "This migration is non-atomic (`atomic(false)`): each of its operations commits on its own";

/// One non-atomic step of a plan and what the run knows about it.
pub(super) struct NonAtomicStep<'a> {
    pub graph: &'a MigrationGraph,
    pub migration: &'a Migration,
    pub step: &'a PlanStep,
    /// Its SQL, in run order.
    pub ops: &'a [OpSql],
    /// `--resume`: the 0-based index of the operation to start at.
    pub first: Option<usize>,
    /// The applied set this run expects before the step.
    pub expected: &'a BTreeSet<MigrationKey>,
    /// The migrations of the plan.
    pub in_plan: &'a BTreeSet<&'a MigrationKey>,
    pub fake_initial: bool,
    pub timeout: Duration,
}

/// The outcome and start time when the step ran (`None`: another process did it), and the
/// applied set read at its start.
pub(super) type StepResult = (Option<(Outcome, Instant)>, BTreeSet<MigrationKey>);

/// Runs a non-atomic step (see the module docs).
pub(super) fn run_non_atomic(
    conn: &mut DbConnection,
    s: &NonAtomicStep<'_>,
    on_event: &mut dyn FnMut(MigrateEvent<'_>),
) -> Result<StepResult, ExecutorError> {
    let mut session = SessionGuard::acquire(conn, s.timeout, &mut |wait| {
        on_event(MigrateEvent::WaitingForLock(wait));
    })?;
    session.begin()?;
    let start = start_step(
        session.conn(),
        s.graph,
        (s.expected, s.in_plan),
        s.step,
        None,
    );
    session.rollback();
    let start = start?;
    if start.done_elsewhere {
        session.release()?;
        return Ok((None, start.now));
    }
    on_event(MigrateEvent::Started(s.step));
    let started = Instant::now();
    if s.fake_initial && !s.step.backwards && s.migration.initial {
        session.begin()?;
        if initial_schema_exists(session.conn(), s.graph, s.migration)? {
            let mut tables = start.tables;
            finish(
                session.conn(),
                s.graph,
                s.migration,
                s.step,
                (&start.recorded, &mut tables),
                false,
            )?;
            commit(&mut session, s, &Committed::default())?;
            session.release()?;
            return Ok((Some((Outcome::FakedInitial, started)), start.now));
        }
        session.rollback();
    }
    Runner::new(&mut session, s, &start.recorded, start.tables).run(on_event)?;
    session.release()?;
    Ok((Some((Outcome::Applied, started)), start.now))
}

/// Commits the transaction of one unit, naming the migration when that fails.
fn commit(
    session: &mut SessionGuard<'_>,
    s: &NonAtomicStep<'_>,
    committed: &Committed,
) -> Result<(), ExecutorError> {
    session.commit().map_err(|e| match e {
        LockError::Commit { source } => ExecutorError::Commit {
            migration: s.migration.key(),
            source: Box::new(source),
            committed: Box::new(committed.clone()),
        },
        e => e.into(),
    })
}

/// The operations of one non-atomic step, run one unit at a time.
struct Runner<'s, 'c, 'a> {
    session: &'s mut SessionGuard<'c>,
    s: &'s NonAtomicStep<'a>,
    recorded: &'s BTreeSet<MigrationKey>,
    /// What of the recorder's tables exists (the session lock keeps others from changing it).
    tables: recorder::Tables,
    key: MigrationKey,
    /// What is committed so far, earlier runs included.
    committed: Committed,
    /// The operation the committed progress row names (`--resume`: the interrupted one).
    progress_at: Option<usize>,
}

impl<'s, 'c, 'a> Runner<'s, 'c, 'a> {
    fn new(
        session: &'s mut SessionGuard<'c>,
        s: &'s NonAtomicStep<'a>,
        recorded: &'s BTreeSet<MigrationKey>,
        tables: recorder::Tables,
    ) -> Self {
        let earlier = committed_earlier(s.migration.operations.len(), s.first, s.step.backwards);
        Self {
            session,
            s,
            recorded,
            tables,
            key: s.migration.key(),
            committed: Committed {
                earlier: earlier.len(),
                operations: earlier.into(),
                backwards: s.step.backwards,
                why: WHY.into(),
            },
            progress_at: s.first.map(|f| f + 1),
        }
    }

    fn done(&mut self, number: usize) {
        let mut ops = self.committed.operations.to_vec();
        ops.push(number);
        self.committed.operations = ops.into();
    }

    /// Runs every pending operation; on failure rolls back what is open and drops a
    /// progress row that records nothing committed.
    fn run(mut self, on_event: &mut dyn FnMut(MigrateEvent<'_>)) -> Result<(), ExecutorError> {
        let result = self.run_all(on_event);
        if result.is_err() {
            self.session.rollback();
            if self.committed.is_empty() && self.progress_at.is_some() {
                let key = self.key.clone();
                if self.session.begin().is_ok()
                    && recorder::progress_clear(self.session.conn(), &key).is_ok()
                {
                    let _ = self.session.commit();
                }
                self.session.rollback();
            }
        }
        result
    }

    fn run_all(&mut self, on_event: &mut dyn FnMut(MigrateEvent<'_>)) -> Result<(), ExecutorError> {
        let s = self.s;
        let backwards = s.step.backwards;
        let pending: Vec<&OpSql> = s
            .ops
            .iter()
            .filter(|op| match s.first {
                None => true,
                Some(f) if backwards => op.index <= f,
                Some(f) => op.index >= f,
            })
            .collect();
        if pending.is_empty() {
            self.session.begin()?;
            self.bookkeeping(None)?;
            return commit(self.session, s, &self.committed);
        }
        let transactional = self.session.conn().backend().features().can_rollback_ddl;
        let total = s.migration.operations.len();
        for (n, op) in pending.iter().enumerate() {
            let next = pending.get(n + 1).map(|o| o.index + 1);
            let operation = &s.migration.operations[op.index];
            on_event(MigrateEvent::OperationStarted {
                step: s.step,
                index: op.index,
                total,
                operation,
            });
            let started = Instant::now();
            if transactional && op.atomic {
                self.in_own_transaction(op, next)?;
            } else {
                self.outside_transactions(op, next)?;
            }
            on_event(MigrateEvent::OperationFinished {
                step: s.step,
                index: op.index,
                total,
                operation,
                elapsed: started.elapsed(),
            });
        }
        Ok(())
    }

    /// The progress row naming `next`, or (`None`) the records that finish the step.
    fn bookkeeping(&mut self, next: Option<usize>) -> Result<(), ExecutorError> {
        let s = self.s;
        let conn = self.session.conn();
        match next {
            Some(number) => {
                let description = &s.migration.operations[number - 1].describe();
                recorder::progress_start_with(
                    conn,
                    &mut self.tables,
                    &self.key,
                    (number, s.migration.operations.len()),
                    description,
                    s.step.backwards,
                )?;
            }
            None => finish(
                conn,
                s.graph,
                s.migration,
                s.step,
                (self.recorded, &mut self.tables),
                false,
            )?,
        }
        Ok(())
    }

    /// A schema operation on a backend with transactional DDL: it, the foreign-key check and
    /// the bookkeeping commit together.
    fn in_own_transaction(&mut self, op: &OpSql, next: Option<usize>) -> Result<(), ExecutorError> {
        let number = op.index + 1;
        self.session.begin()?;
        if let Err(failure) = run_op(self.session.conn(), op) {
            return Err(failure.into_error(&self.key, op, self.committed.clone()));
        }
        check_foreign_keys(self.session.conn(), &self.key, number, &self.committed)?;
        self.bookkeeping(next)?;
        commit(self.session, self.s, &self.committed)?;
        self.done(number);
        self.progress_at = next;
        Ok(())
    }

    /// An operation outside any transaction: the progress row naming it is committed first.
    fn outside_transactions(
        &mut self,
        op: &OpSql,
        next: Option<usize>,
    ) -> Result<(), ExecutorError> {
        let number = op.index + 1;
        if self.progress_at != Some(number) {
            self.session.begin()?;
            self.bookkeeping(Some(number))?;
            commit(self.session, self.s, &self.committed)?;
            self.progress_at = Some(number);
        }
        let result = run_op(self.session.conn(), op);
        // What a data step left open (it panicked inside its own transaction) is rolled back.
        self.session.rollback();
        if let Err(failure) = result {
            if failure.after_some_work(op) {
                self.done(number);
            }
            return Err(failure.into_error(&self.key, op, self.committed.clone()));
        }
        self.done(number);
        check_foreign_keys(self.session.conn(), &self.key, number, &self.committed)?;
        self.session.begin()?;
        self.bookkeeping(next)?;
        commit(self.session, self.s, &self.committed)?;
        self.progress_at = next;
        Ok(())
    }
}
