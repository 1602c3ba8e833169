//! Running a piece of the executor's work under the migration lock (`lock.rs`), waiting as
//! long as the holder makes progress. Used by `migrate` and by the record repairs. A run of
//! `migrate` takes its locks through a [`RunLock`]: on MySQL the named lock is taken once and
//! kept until the run ends; on PostgreSQL a step whose record the run can predict takes the
//! lock and checks the record in one round trip.

use std::collections::BTreeSet;
use std::time::Duration;

use super::error::ExecutorError;
use super::types::MigrateEvent;
use crate::backend::DbConnection;
use crate::lock::{self, Attempt, LockError, LockGuard, LockWait, NamedLock, WriteLock};
use crate::migration::MigrationKey;
use crate::recorder;

/// How the write locks of one `migrate` run are taken. Where the lock can outlive a
/// transaction (MySQL's named lock, [`lock::keeps_named_lock`]) the run's first write lock
/// takes it and the later ones find it held, so no other `migrate` can change the record
/// between this run's migrations and nothing re-reads it; [`RunLock::release`] lets it go
/// when the run ends, on every path. Elsewhere every write lock takes and releases its own.
pub(super) struct RunLock {
    keep: bool,
    held: bool,
}

impl RunLock {
    /// The run's locks on `conn`'s backend.
    pub fn new(conn: &DbConnection) -> Self {
        Self {
            keep: lock::keeps_named_lock(conn),
            held: false,
        }
    }

    /// A lock for one piece of work, released with its transaction.
    fn each() -> Self {
        Self {
            keep: false,
            held: false,
        }
    }

    /// Whether this run holds the lock between its transactions (MySQL, after the first):
    /// then only this run changes the record.
    pub fn held(&self) -> bool {
        self.held
    }

    fn named(&self) -> NamedLock {
        match (self.keep, self.held) {
            (false, _) => NamedLock::Release,
            (true, false) => NamedLock::Keep,
            (true, true) => NamedLock::Held,
        }
    }

    /// Releases the lock the run kept, if it kept one.
    pub fn release(&mut self, conn: &mut DbConnection) -> Result<(), LockError> {
        if std::mem::take(&mut self.held) {
            lock::release_kept(conn)?;
        }
        Ok(())
    }
}

/// Runs `f` under the write lock ([`LockGuard`]): commit on success, roll back on failure —
/// and on a panic (a RunRust step may panic): the guard's `Drop` rolls back and releases the
/// lock while the panic unwinds, so the connection is never left inside a transaction.
///
/// The timeout counts time without progress: the holder records each migration as it goes
/// (taking and releasing the lock once per migration, or on MySQL keeping it for its whole
/// run), so a waiter that gives up while the recorder changed meanwhile (the holder is still
/// migrating) waits another `timeout`. It gives up when a single step outlasts it.
pub(super) fn locked<T>(
    conn: &mut DbConnection,
    timeout: Duration,
    on_event: &mut dyn FnMut(MigrateEvent<'_>),
    f: impl FnOnce(&mut DbConnection, &mut dyn FnMut(MigrateEvent<'_>)) -> Result<T, ExecutorError>,
) -> Result<T, ExecutorError> {
    locked_in_run(
        conn,
        (&mut RunLock::each(), None),
        timeout,
        on_event,
        |conn, on_event, _| f(conn, on_event),
    )
}

/// [`locked`] for a lock of `run`. With `check` (an SQL condition, see
/// [`WriteLock::try_checked`]) the first attempt takes the lock and evaluates the check in
/// one round trip where the backend can (PostgreSQL); `f` is told what became of it:
/// `Some(true)` the check held under this lock, `Some(false)` it failed or could not be
/// evaluated, `None` it was not evaluated (not asked for, not supported, or the lock was
/// busy).
pub(super) fn locked_in_run<T>(
    conn: &mut DbConnection,
    (run, check): (&mut RunLock, Option<&str>),
    timeout: Duration,
    on_event: &mut dyn FnMut(MigrateEvent<'_>),
    f: impl FnOnce(
        &mut DbConnection,
        &mut dyn FnMut(MigrateEvent<'_>),
        Option<bool>,
    ) -> Result<T, ExecutorError>,
) -> Result<T, ExecutorError> {
    let named = run.named();
    let mut checked = None;
    let mut guard = 'taken: {
        if let Some(check) = check {
            match WriteLock::try_checked(conn, check)? {
                Attempt::Taken(lock) => {
                    checked = Some(true);
                    break 'taken LockGuard::from_taken(conn, lock);
                }
                Attempt::CheckFailed => checked = Some(false),
                Attempt::Busy | Attempt::Unsupported => {}
            }
        }
        let mut reported = false;
        let mut on_wait = |wait: &LockWait| {
            if !reported {
                reported = true;
                on_event(MigrateEvent::WaitingForLock(wait));
            }
        };
        // One attempt first: when nobody else migrates (the usual case) the lock is all this
        // costs; the record is read to tell progress from a stuck holder only while waiting
        // (`waiting` holds it as read after the last attempt).
        let mut waiting: Option<Option<Marker>> = None;
        loop {
            let err = if waiting.is_none() {
                match LockGuard::acquire_named(conn, Duration::ZERO, &mut |_| {}, named) {
                    Ok(guard) => break guard,
                    Err(e) => e,
                }
            } else {
                match LockGuard::acquire_named(conn, timeout, &mut on_wait, named) {
                    Ok(guard) => break guard,
                    Err(e) => e,
                }
            };
            let LockError::Timeout { .. } = err else {
                return Err(err.into());
            };
            let now = progress_marker(conn);
            if waiting.as_ref().is_some_and(|before| *before == now) {
                return Err(err.into());
            }
            waiting = Some(now);
        }
    };
    if named == NamedLock::Keep {
        run.held = true;
    }
    match f(guard.conn(), on_event, checked) {
        Ok(v) => {
            guard.commit()?;
            Ok(v)
        }
        Err(e) => {
            // The original error matters more than a failed rollback.
            let _ = guard.rollback();
            Err(e)
        }
    }
}

/// The applied set and the sum of the progress rows' operation numbers.
type Marker = (BTreeSet<MigrationKey>, usize);

/// What the recorder holds now (read without the lock), to tell a holder that is still
/// migrating from one that is stuck.
fn progress_marker(conn: &mut DbConnection) -> Option<Marker> {
    let applied = recorder::applied(conn).ok()?.into_keys().collect();
    let interrupted = recorder::interrupted(conn)
        .ok()
        .map_or(0, |rows| rows.iter().map(|r| r.operation).sum());
    Some((applied, interrupted))
}
