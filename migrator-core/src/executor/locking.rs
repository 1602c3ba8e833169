//! Running a piece of the executor's work under the migration lock (`lock.rs`), waiting as
//! long as the holder makes progress. Used by `migrate` and by the record repairs.

use std::collections::BTreeSet;
use std::time::Duration;

use super::error::ExecutorError;
use super::types::MigrateEvent;
use crate::backend::DbConnection;
use crate::lock::{LockError, LockGuard, LockWait};
use crate::migration::MigrationKey;
use crate::recorder;

/// Runs `f` under the write lock ([`LockGuard`]): commit on success, roll back on failure —
/// and on a panic (a RunRust step may panic): the guard's `Drop` rolls back and releases the
/// lock while the panic unwinds, so the connection is never left inside a transaction.
///
/// The timeout counts time without progress: the holder takes and releases the lock once
/// per migration, so a waiter that gives up while the recorder changed meanwhile (the holder
/// is still migrating) waits another `timeout`. It gives up when a single step outlasts it.
pub(super) fn locked<T>(
    conn: &mut DbConnection,
    timeout: Duration,
    on_event: &mut dyn FnMut(MigrateEvent<'_>),
    f: impl FnOnce(&mut DbConnection, &mut dyn FnMut(MigrateEvent<'_>)) -> Result<T, ExecutorError>,
) -> Result<T, ExecutorError> {
    let mut guard = {
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
                match LockGuard::acquire(conn, Duration::ZERO, &mut |_| {}) {
                    Ok(guard) => break guard,
                    Err(e) => e,
                }
            } else {
                match LockGuard::acquire(conn, timeout, &mut on_wait) {
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
    match f(guard.conn(), on_event) {
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
