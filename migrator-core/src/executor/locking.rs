//! Running a piece of the executor's work under the migration lock (`lock.rs`), waiting as
//! long as the holder makes progress. Used by `migrate` and by the record repairs.

use std::collections::BTreeSet;
use std::time::Duration;

use super::error::ExecutorError;
use super::types::MigrateEvent;
use crate::backend::DbConnection;
use crate::lock::{LockError, LockGuard};
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
    let mut reported = false;
    let mut guard = loop {
        let before = progress_marker(conn);
        let err = match LockGuard::acquire(conn, timeout, &mut |wait| {
            if !reported {
                reported = true;
                on_event(MigrateEvent::WaitingForLock(wait));
            }
        }) {
            Ok(guard) => break guard,
            Err(e) => e,
        };
        match err {
            LockError::Timeout { .. } if progress_marker(conn) != before => continue,
            e => return Err(e.into()),
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

/// What the recorder holds now (read without the lock), to tell a holder that is still
/// migrating from one that is stuck.
fn progress_marker(conn: &mut DbConnection) -> Option<(BTreeSet<MigrationKey>, usize)> {
    let applied = recorder::applied(conn).ok()?.into_keys().collect();
    let interrupted = recorder::interrupted(conn)
        .ok()
        .map_or(0, |rows| rows.iter().map(|r| r.operation).sum());
    Some((applied, interrupted))
}
