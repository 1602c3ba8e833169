//! The lock's data: its errors, what a waiting process is told, and what a write lock does
//! with MySQL's named lock. A leaf of `lock`.

use std::fmt;
use std::time::Duration;

use thiserror::Error;

use crate::backend::Backend;

/// Taking or releasing the lock failed.
#[derive(Debug, Error)]
pub enum LockError {
    /// The database refused.
    #[error("could not {action} the migration lock: {source}")]
    Database {
        /// `take`, `commit` or `roll back`.
        action: &'static str,
        /// The database's error.
        source: diesel::result::Error,
    },
    /// Committing the migration's transaction failed (a full disk, a deferred constraint, a
    /// lost connection); the transaction was rolled back. The executor reports it naming the
    /// migration.
    #[error("could not commit the migration lock's transaction: {source}")]
    Commit {
        /// The database's error.
        source: diesel::result::Error,
    },
    /// The SQLite lock file of non-atomic migrations could not be opened.
    #[error("could not open the migration lock file {}: {source}", .path.display())]
    File {
        /// `<database>-migrator-lock`.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The connection is already inside a transaction (SQLite cannot switch foreign keys off
    /// there, and migrations need their own transactions).
    #[error("the connection is already inside a transaction; run migrations outside any transaction (before `conn.transaction(…)`, not within it)")]
    InTransaction,
    /// The SQLite database cannot be written by this process.
    #[error("the SQLite database {file} cannot be written by this process (the file is read-only, or its folder is, and SQLite must create a journal file beside it): {message}. Nothing was changed; make the file and its folder writable by this user, or migrate a writable copy")]
    ReadOnly {
        /// The database file.
        file: String,
        /// SQLite's message.
        message: String,
    },
    /// Another holder kept the lock longer than the timeout.
    #[error("gave up after waiting {seconds} s for the migration lock on this {backend} database{}; wait for the other `migrate` to finish and retry, or raise `--lock-timeout`", holder_text(.holder))]
    Timeout {
        /// The backend.
        backend: Backend,
        /// How long this process waited.
        seconds: u64,
        /// Who held the lock, when the backend can tell.
        holder: Option<String>,
    },
}

fn holder_text(holder: &Option<String>) -> String {
    match holder {
        Some(h) => format!(" (held by {h})"),
        None => String::new(),
    }
}

/// Reported once when the lock is busy and this process starts waiting for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockWait {
    /// The backend.
    pub backend: Backend,
    /// Who holds the lock, when the backend can tell: `PostgreSQL pid 4242
    /// (application "migrator", client 127.0.0.1)`, `MySQL connection 17 (root@localhost)`,
    /// `another connection writing to /path/db.sqlite3`.
    pub holder: Option<String>,
    /// How long this process will wait before giving up.
    pub timeout: Duration,
}

impl fmt::Display for LockWait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.holder {
            Some(h) => write!(f, "held by {h}")?,
            None => write!(f, "held by another process")?,
        }
        write!(f, "; waiting up to {} s", self.timeout.as_secs())
    }
}

/// What a write lock does with MySQL's named lock, which belongs to the session rather than
/// to a transaction. PostgreSQL's and SQLite's write locks end with their transaction
/// whatever this says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NamedLock {
    /// Take it, and release it once the transaction ends: one migration's lock.
    Release,
    /// Take it, and keep it after the transaction for the later transactions of the same run
    /// (which then say [`NamedLock::Held`]); [`release_kept`](crate::lock::release_kept) releases it.
    Keep,
    /// This session holds it already (kept by an earlier transaction): only the transaction
    /// is opened, and the lock stays held when it ends.
    Held,
}
