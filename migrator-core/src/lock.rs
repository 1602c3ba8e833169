//! The migration lock (DESIGN decision 10). The executor takes it before reading the applied
//! set and computing the plan, and again around each migration (re-reading the applied set
//! under it). This module does not decide what runs under the lock.
//!
//! - SQLite: an immediate write transaction (`BEGIN IMMEDIATE`) — while it is open no other
//!   connection can write, so two `migrate` runs cannot interleave. It is tried with a short
//!   busy timeout and retried until the lock timeout, so a waiting process can say it waits.
//!   SQLite ignores `PRAGMA foreign_keys` inside a transaction, so the lock switches
//!   enforcement off *before* `BEGIN IMMEDIATE` (table rebuilds drop and recreate referenced
//!   tables) and restores the previous setting after the transaction; the executor checks
//!   foreign keys itself with `PRAGMA foreign_key_check` before committing.
//! - PostgreSQL: a transaction that polls `pg_try_advisory_xact_lock(LOCK_KEY)` with backoff
//!   (a waiting process never queues behind the holder's own lock requests), released by
//!   PostgreSQL at commit, rollback or when the connection dies. While waiting, the holder is
//!   named from `pg_locks` + `pg_stat_activity` (pid, application name, client address).
//! - MySQL/MariaDB: the session-scoped named lock `GET_LOCK('migrator:<database>', 0)` polled
//!   the same way on the migrating connection, released explicitly after the transaction ends
//!   — or kept for the later transactions of the same run ([`NamedLock::Keep`], released by
//!   [`release_kept`]) — and by the server when the connection dies; the holder is named from
//!   `IS_USED_LOCK` (its connection id) and the process list.
//!
//! On PostgreSQL, [`WriteLock::try_checked`] makes one attempt that also evaluates a check
//! under the lock — `BEGIN`, the lock and the check in one round trip — so a run that can
//! predict the record confirms it without reading it.
//!
//! Every backend waits at most the lock timeout ([`DEFAULT_LOCK_TIMEOUT`] unless the caller
//! says otherwise; the executor restarts it while the holder makes progress).
//!
//! A non-atomic migration (`atomic(false)`) runs one operation at a time, some outside any
//! transaction, so it holds a [`SessionGuard`] instead: the lock without a transaction, with
//! short transactions taken inside it. PostgreSQL takes the session advisory lock
//! `pg_try_advisory_lock(LOCK_KEY)` (other runs' transaction-level requests for the same key
//! wait for it), MySQL the same named lock, and SQLite — which has no lock outside a
//! transaction — an OS lock (`File::try_lock`) on the file `<database>-migrator-lock` beside
//! the database, which every SQLite write lock checks after `BEGIN IMMEDIATE` and backs off
//! from while another process holds it.
//! [`check_writable`] refuses an SQLite file this process cannot write before a run with work
//! starts (`BEGIN IMMEDIATE` succeeds on a read-only file). The transaction goes through diesel's transaction manager, so code that
//! calls `conn.transaction(…)` inside it gets a savepoint. [`LockGuard`] releases the lock
//! when dropped — on early returns and during a panic's unwinding alike.

use std::time::{Duration, Instant};

use diesel::connection::{
    AnsiTransactionManager, SimpleConnection, TransactionDepthChange, TransactionManager,
    TransactionManagerStatus,
};
use diesel::sql_types::Integer;
#[cfg(feature = "mysql")]
use diesel::sql_types::{BigInt, Nullable};
#[cfg(feature = "postgres")]
use diesel::sql_types::{Bool, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::backend::{Backend, DbConnection};

mod sqlite_file;
mod types;

use sqlite_file::{session_busy, session_file_of, sqlite_file, writable};
pub use types::{LockError, LockWait, NamedLock};

/// The prefix of the MySQL named lock; the database name follows (`migrator:shop`), so
/// migrations of different databases on one server do not wait for each other.
pub const LOCK_NAME: &str = "migrator:";
/// The PostgreSQL advisory-lock key (the bytes of `"migrator"`).
pub const LOCK_KEY: i64 = 0x6d69_6772_6174_6f72;
/// How long a `migrate` waits for another one to release the lock unless told otherwise
/// (`migrate --lock-timeout SECS`).
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);

/// How long one SQLite `BEGIN IMMEDIATE` attempt waits before the lock reports waiting.
const SQLITE_ATTEMPT_MS: u64 = 100;

/// Whether this connection's write lock can outlive a transaction ([`NamedLock::Keep`]):
/// MySQL's named lock. A run that keeps it needs no re-reading of the record between its
/// migrations, since no other `migrate` can change it meanwhile.
pub fn keeps_named_lock(conn: &DbConnection) -> bool {
    conn.backend().features().lock == crate::backend::LockKind::NamedLock
}

/// Releases the named lock a run kept ([`NamedLock::Keep`]); nothing on backends without
/// one.
pub fn release_kept(conn: &mut DbConnection) -> Result<(), LockError> {
    match conn {
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => release_mysql(c).map_err(|source| LockError::Database {
            action: "release",
            source,
        }),
        _ => Ok(()),
    }
}

/// The outcome of [`WriteLock::try_checked`].
#[derive(Debug)]
#[must_use = "a taken lock is held until commit or rollback"]
pub enum Attempt {
    /// The lock is taken and the check held under it.
    Taken(WriteLock),
    /// Another session holds the lock; nothing is open.
    Busy,
    /// The lock was free but the check did not hold, or could not be evaluated; nothing is
    /// open (the transaction was rolled back, releasing the lock).
    CheckFailed,
    /// The backend has no single-round-trip attempt (only PostgreSQL has).
    Unsupported,
}

/// The message of the exception the PostgreSQL attempt raises when the lock is busy.
#[cfg(feature = "postgres")]
const PG_BUSY: &str = "migrator: the migration lock is busy";
/// The message of the exception the PostgreSQL attempt raises when its check fails.
#[cfg(feature = "postgres")]
const PG_CHECK_FAILED: &str = "migrator: the check under the migration lock failed";

/// A held write lock: an open transaction on the connection (plus the named lock on MySQL).
/// Release it with [`WriteLock::commit`] or [`WriteLock::rollback`], or hold it through a
/// [`LockGuard`], which releases it on every exit path.
#[derive(Debug)]
#[must_use = "the lock is held until commit or rollback"]
pub struct WriteLock {
    restore_foreign_keys: bool,
    /// MySQL: `RELEASE_LOCK` after the transaction ends.
    #[cfg_attr(not(feature = "mysql"), allow(dead_code))]
    release_named_lock: bool,
}

#[cfg(feature = "mysql")]
#[derive(QueryableByName)]
struct GotLock {
    #[diesel(sql_type = Nullable<BigInt>)]
    got: Option<i64>,
}

#[cfg(feature = "mysql")]
#[derive(QueryableByName)]
struct MysqlHolder {
    #[diesel(sql_type = Nullable<diesel::sql_types::Text>)]
    who: Option<String>,
}

#[cfg(feature = "postgres")]
#[derive(QueryableByName)]
struct PgGot {
    #[diesel(sql_type = Bool)]
    got: bool,
}

#[cfg(feature = "postgres")]
#[derive(QueryableByName)]
struct PgHolder {
    #[diesel(sql_type = Integer)]
    pid: i32,
    #[diesel(sql_type = Text)]
    application: String,
    #[diesel(sql_type = Text)]
    client: String,
}

#[derive(QueryableByName)]
struct FkSetting {
    #[diesel(sql_type = Integer)]
    foreign_keys: i32,
}

#[derive(QueryableByName)]
struct BusyTimeout {
    #[diesel(sql_type = Integer)]
    timeout: i32,
}

/// Polls `try_once` with backoff until it succeeds or `timeout` passes; calls `on_wait` once,
/// with the holder `who` names, when the first attempt fails.
fn poll<C>(
    c: &mut C,
    backend: Backend,
    timeout: Duration,
    on_wait: &mut dyn FnMut(&LockWait),
    mut try_once: impl FnMut(&mut C) -> Result<bool, LockError>,
    mut who: impl FnMut(&mut C) -> Option<String>,
) -> Result<(), LockError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(10);
    let mut holder = None;
    let mut reported = false;
    loop {
        if try_once(c)? {
            return Ok(());
        }
        if !reported || holder.is_none() {
            holder = who(c);
        }
        if !reported {
            reported = true;
            on_wait(&LockWait {
                backend,
                holder: holder.clone(),
                timeout,
            });
        }
        if started.elapsed() >= timeout {
            return Err(LockError::Timeout {
                backend,
                seconds: started.elapsed().as_secs(),
                holder,
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 3 / 2).min(Duration::from_millis(250));
    }
}

impl WriteLock {
    /// Takes the lock, waiting up to [`DEFAULT_LOCK_TIMEOUT`] for another holder.
    pub fn acquire(conn: &mut DbConnection) -> Result<Self, LockError> {
        Self::acquire_with(conn, DEFAULT_LOCK_TIMEOUT, &mut |_| {})
    }

    /// Takes the lock, waiting up to `timeout`; `on_wait` is told once, with the holder when
    /// the backend can tell, if the lock is busy.
    pub fn acquire_with(
        conn: &mut DbConnection,
        timeout: Duration,
        on_wait: &mut dyn FnMut(&LockWait),
    ) -> Result<Self, LockError> {
        Self::acquire_named(conn, timeout, on_wait, NamedLock::Release)
    }

    /// [`WriteLock::acquire_with`], saying what happens to MySQL's named lock (`named`).
    pub fn acquire_named(
        conn: &mut DbConnection,
        timeout: Duration,
        on_wait: &mut dyn FnMut(&LockWait),
        named: NamedLock,
    ) -> Result<Self, LockError> {
        // Only MySQL's lock is the session's.
        #[cfg(not(feature = "mysql"))]
        let _ = named;
        let take = |source| LockError::Database {
            action: "take",
            source,
        };
        match conn {
            DbConnection::Sqlite(c) => {
                let rows: Vec<FkSetting> = diesel::sql_query("PRAGMA foreign_keys")
                    .load(c)
                    .map_err(take)?;
                let restore_foreign_keys = rows.first().is_some_and(|r| r.foreign_keys != 0);
                let busy: Vec<BusyTimeout> = diesel::sql_query("PRAGMA busy_timeout")
                    .load(c)
                    .map_err(take)?;
                let busy = busy.first().map_or(0, |b| b.timeout);
                let session_file = sqlite_file(c).map(|f| session_file_of(&f));
                // Table renames must rewrite references in other tables (the default since
                // SQLite 3.26, unless a connection turned the legacy behaviour on).
                c.batch_execute(&format!(
                    "PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = OFF; \
                     PRAGMA busy_timeout = {SQLITE_ATTEMPT_MS}"
                ))
                .map_err(take)?;
                let res = poll(
                    c,
                    Backend::Sqlite,
                    timeout,
                    on_wait,
                    |c| match AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE") {
                        // A non-atomic migration holds the lock between its transactions.
                        Ok(()) if session_busy(session_file.as_deref()) => {
                            AnsiTransactionManager::rollback_transaction(c).map_err(take)?;
                            Ok(false)
                        }
                        Ok(()) => Ok(true),
                        Err(diesel::result::Error::AlreadyInTransaction) => {
                            Err(LockError::InTransaction)
                        }
                        Err(diesel::result::Error::DatabaseError(_, info))
                            if info.message().contains("locked")
                                || info.message().contains("busy") =>
                        {
                            Ok(false)
                        }
                        Err(e) => Err(take(e)),
                    },
                    |c| {
                        if session_busy(session_file.as_deref()) {
                            return Some(format!(
                                "a non-atomic migration in another process (it holds {})",
                                session_file.as_deref()?.display()
                            ));
                        }
                        Some(format!("another connection writing to {}", sqlite_file(c)?))
                    },
                );
                let _ = c.batch_execute(&format!("PRAGMA busy_timeout = {busy}"));
                if let Err(e) = res {
                    if restore_foreign_keys {
                        let _ = c.batch_execute("PRAGMA foreign_keys = ON");
                    }
                    return Err(e);
                }
                Ok(Self {
                    restore_foreign_keys,
                    release_named_lock: false,
                })
            }
            #[cfg(feature = "postgres")]
            DbConnection::Postgres(c) => {
                begin(c, "BEGIN")?;
                let res = poll(
                    c,
                    Backend::Postgres,
                    timeout,
                    on_wait,
                    |c| {
                        let got: Vec<PgGot> = diesel::sql_query(format!(
                            "SELECT pg_try_advisory_xact_lock({LOCK_KEY}) AS got, {}",
                            pg_name_session()
                        ))
                        .load(c)
                        .map_err(take)?;
                        Ok(got.first().is_some_and(|g| g.got))
                    },
                    pg_holder,
                );
                if let Err(e) = res {
                    let _ = AnsiTransactionManager::rollback_transaction(c);
                    return Err(e);
                }
                Ok(Self {
                    restore_foreign_keys: false,
                    release_named_lock: false,
                })
            }
            #[cfg(feature = "mysql")]
            DbConnection::Mysql(c) => {
                if named != NamedLock::Held {
                    poll_mysql(c, timeout, on_wait)?;
                }
                if let Err(e) = begin(c, "BEGIN") {
                    // A lock taken here is not kept by a transaction that never began.
                    if named != NamedLock::Held {
                        let _ = release_mysql(c);
                    }
                    return Err(e);
                }
                Ok(Self {
                    restore_foreign_keys: false,
                    release_named_lock: named == NamedLock::Release,
                })
            }
        }
    }

    /// One attempt at the lock that costs one round trip where the backend allows it
    /// (PostgreSQL): the transaction begins, the lock is tried without waiting and, once it
    /// is taken, `check` — an SQL boolean expression, typically about the migration record —
    /// is evaluated under it, all in one `DO` block. `Busy` and `CheckFailed` leave nothing
    /// open: the caller then takes the lock the usual way ([`WriteLock::acquire_named`]) and
    /// reads what the check was about. A check that cannot be evaluated (an error) counts as
    /// failed. Other backends answer [`Attempt::Unsupported`].
    pub fn try_checked(conn: &mut DbConnection, check: &str) -> Result<Attempt, LockError> {
        match conn {
            #[cfg(feature = "postgres")]
            DbConnection::Postgres(c) => {
                let sql = format!(
                    "BEGIN; DO $migrator$ BEGIN \
                     IF NOT pg_try_advisory_xact_lock({LOCK_KEY}) THEN RAISE EXCEPTION '{PG_BUSY}'; END IF; \
                     PERFORM {naming}; \
                     IF NOT coalesce(({check}), false) THEN RAISE EXCEPTION '{PG_CHECK_FAILED}'; END IF; \
                     END $migrator$",
                    naming = pg_name_session(),
                );
                match AnsiTransactionManager::begin_transaction_sql(c, &sql) {
                    Ok(()) => Ok(Attempt::Taken(Self {
                        restore_foreign_keys: false,
                        release_named_lock: false,
                    })),
                    Err(diesel::result::Error::AlreadyInTransaction) => {
                        Err(LockError::InTransaction)
                    }
                    Err(e) => {
                        // `BEGIN` ran, so a transaction is open (aborted): end it.
                        c.batch_execute("ROLLBACK")
                            .map_err(|source| LockError::Database {
                                action: "roll back",
                                source,
                            })?;
                        match e {
                            diesel::result::Error::DatabaseError(_, info)
                                if info.message() == PG_BUSY =>
                            {
                                Ok(Attempt::Busy)
                            }
                            diesel::result::Error::DatabaseError(..) => Ok(Attempt::CheckFailed),
                            source => Err(LockError::Database {
                                action: "take",
                                source,
                            }),
                        }
                    }
                }
            }
            _ => {
                let _ = check;
                Ok(Attempt::Unsupported)
            }
        }
    }

    /// Commits the transaction (releasing the lock) and restores foreign-key enforcement.
    /// When the work under the lock already committed it ([`committed_in_batch`]), only the
    /// release and the restore remain.
    pub fn commit(self, conn: &mut DbConnection) -> Result<(), LockError> {
        if transaction_depth(conn) == 0 {
            self.restore(conn);
            return Ok(());
        }
        let res =
            <DbConnection as diesel::Connection>::TransactionManager::commit_transaction(conn)
                .map_err(|source| LockError::Commit { source });
        if res.is_err() {
            // A failed COMMIT leaves the transaction open on SQLite: end it.
            roll_back_all(conn);
        }
        self.restore(conn);
        res
    }

    /// Rolls the transaction back (releasing the lock) and restores foreign-key enforcement.
    /// Savepoints a data step left open (a panic inside its own `conn.transaction(…)`) are
    /// rolled back with it.
    pub fn rollback(self, conn: &mut DbConnection) -> Result<(), LockError> {
        let mut res = Ok(());
        for _ in 0..64 {
            if transaction_depth(conn) == 0 {
                break;
            }
            if let Err(source) =
                <DbConnection as diesel::Connection>::TransactionManager::rollback_transaction(conn)
            {
                res = Err(LockError::Database {
                    action: "roll back",
                    source,
                });
                break;
            }
        }
        self.restore(conn);
        res
    }

    fn restore(&self, conn: &mut DbConnection) {
        #[cfg(feature = "mysql")]
        if let (true, DbConnection::Mysql(c)) = (self.release_named_lock, &mut *conn) {
            let _ = release_mysql(c);
        }
        if self.restore_foreign_keys {
            // Outside any transaction now, so the pragma takes effect.
            let _ = conn.batch_execute("PRAGMA foreign_keys = ON");
        }
    }
}

/// Tells diesel that the transaction a lock opened on `conn` was committed by a batch the
/// caller sent (ending in `COMMIT`, one round trip fewer): the lock's commit sends nothing.
/// An error unless exactly that transaction (no savepoint) is open.
pub fn committed_in_batch(conn: &mut DbConnection) -> Result<(), LockError> {
    use diesel::result::Error::{BrokenTransactionManager, NotInTransaction};
    let status =
        <DbConnection as diesel::Connection>::TransactionManager::transaction_manager_status_mut(
            conn,
        );
    let ended = match status {
        TransactionManagerStatus::Valid(s) if s.transaction_depth().map(|d| d.get()) == Some(1) => {
            s.change_transaction_depth(TransactionDepthChange::DecreaseDepth)
        }
        TransactionManagerStatus::Valid(_) => Err(NotInTransaction),
        TransactionManagerStatus::InError => Err(BrokenTransactionManager),
    };
    ended.map_err(|source| LockError::Database {
        action: "commit",
        source,
    })
}

/// How many transactions (outermost plus savepoints) diesel has open on `conn`.
fn transaction_depth(conn: &mut DbConnection) -> u32 {
    <DbConnection as diesel::Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .ok()
        .flatten()
        .map_or(0, |d| d.get())
}

fn roll_back_all(conn: &mut DbConnection) {
    for _ in 0..64 {
        if transaction_depth(conn) == 0 {
            return;
        }
        if <DbConnection as diesel::Connection>::TransactionManager::rollback_transaction(conn)
            .is_err()
        {
            return;
        }
    }
}

/// The lock held for the lifetime of this value: dropping it without [`LockGuard::commit`]
/// rolls the transaction back and releases the lock — on an early return, an error, or while
/// a panic unwinds through it.
pub struct LockGuard<'c> {
    conn: &'c mut DbConnection,
    lock: Option<WriteLock>,
}

impl<'c> LockGuard<'c> {
    /// Takes the lock on `conn` (see [`WriteLock::acquire_with`]).
    pub fn acquire(
        conn: &'c mut DbConnection,
        timeout: Duration,
        on_wait: &mut dyn FnMut(&LockWait),
    ) -> Result<Self, LockError> {
        Self::acquire_named(conn, timeout, on_wait, NamedLock::Release)
    }

    /// Takes the lock on `conn` (see [`WriteLock::acquire_named`]).
    pub fn acquire_named(
        conn: &'c mut DbConnection,
        timeout: Duration,
        on_wait: &mut dyn FnMut(&LockWait),
        named: NamedLock,
    ) -> Result<Self, LockError> {
        let lock = WriteLock::acquire_named(conn, timeout, on_wait, named)?;
        Ok(Self {
            conn,
            lock: Some(lock),
        })
    }

    /// Wraps a lock already taken on `conn` ([`WriteLock::try_checked`]).
    pub fn from_taken(conn: &'c mut DbConnection, lock: WriteLock) -> Self {
        Self {
            conn,
            lock: Some(lock),
        }
    }

    /// The connection, inside the locked transaction.
    pub fn conn(&mut self) -> &mut DbConnection {
        self.conn
    }

    /// Commits and releases.
    pub fn commit(mut self) -> Result<(), LockError> {
        match self.lock.take() {
            Some(lock) => lock.commit(self.conn),
            None => Ok(()),
        }
    }

    /// Rolls back and releases.
    pub fn rollback(mut self) -> Result<(), LockError> {
        match self.lock.take() {
            Some(lock) => lock.rollback(self.conn),
            None => Ok(()),
        }
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        if let Some(lock) = self.lock.take() {
            let _ = lock.rollback(self.conn);
        }
    }
}

/// The migration lock held across transactions, for a non-atomic migration (see the module
/// docs): no transaction is open while it is held unless [`SessionGuard::begin`] opens one.
/// Dropping it rolls back what is open and releases the lock — on an early return, an error,
/// or while a panic unwinds through it.
pub struct SessionGuard<'c> {
    conn: &'c mut DbConnection,
    held: bool,
    restore_foreign_keys: bool,
    /// SQLite: the locked file beside the database (released when dropped).
    file: Option<std::fs::File>,
}

impl<'c> SessionGuard<'c> {
    /// Takes the lock on `conn` (outside any transaction), waiting up to `timeout` for
    /// another holder; `on_wait` is told once, with the holder when the backend can tell. On
    /// SQLite, foreign-key enforcement is switched off until the lock is released (table
    /// rebuilds need it; the executor checks foreign keys itself).
    pub fn acquire(
        conn: &'c mut DbConnection,
        timeout: Duration,
        on_wait: &mut dyn FnMut(&LockWait),
    ) -> Result<Self, LockError> {
        if transaction_depth(conn) > 0 {
            return Err(LockError::InTransaction);
        }
        let take = |source| LockError::Database {
            action: "take",
            source,
        };
        let mut guard = Self {
            conn,
            held: false,
            restore_foreign_keys: false,
            file: None,
        };
        match &mut *guard.conn {
            DbConnection::Sqlite(c) => {
                let rows: Vec<FkSetting> = diesel::sql_query("PRAGMA foreign_keys")
                    .load(c)
                    .map_err(take)?;
                guard.restore_foreign_keys = rows.first().is_some_and(|r| r.foreign_keys != 0);
                c.batch_execute("PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = OFF")
                    .map_err(take)?;
                if let Some(database) = sqlite_file(c) {
                    let path = session_file_of(&database);
                    let file = std::fs::OpenOptions::new()
                        .create(true)
                        .truncate(false)
                        .write(true)
                        .open(&path)
                        .map_err(|source| LockError::File {
                            path: path.clone(),
                            source,
                        })?;
                    poll(
                        &mut (),
                        Backend::Sqlite,
                        timeout,
                        on_wait,
                        |_| match file.try_lock() {
                            Ok(()) => Ok(true),
                            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
                            Err(std::fs::TryLockError::Error(source)) => Err(LockError::File {
                                path: path.clone(),
                                source,
                            }),
                        },
                        |_| {
                            Some(format!(
                                "a non-atomic migration in another process (it holds {})",
                                path.display()
                            ))
                        },
                    )?;
                    guard.file = Some(file);
                }
            }
            #[cfg(feature = "postgres")]
            DbConnection::Postgres(c) => {
                poll(
                    c,
                    Backend::Postgres,
                    timeout,
                    on_wait,
                    |c| {
                        let got: Vec<PgGot> = diesel::sql_query(format!(
                            "SELECT pg_try_advisory_lock({LOCK_KEY}) AS got, {}",
                            pg_name_session()
                        ))
                        .load(c)
                        .map_err(take)?;
                        Ok(got.first().is_some_and(|g| g.got))
                    },
                    pg_holder,
                )?;
            }
            #[cfg(feature = "mysql")]
            DbConnection::Mysql(c) => poll_mysql(c, timeout, on_wait)?,
        }
        guard.held = true;
        Ok(guard)
    }

    /// The connection (outside any transaction unless [`Self::begin`] opened one).
    pub fn conn(&mut self) -> &mut DbConnection {
        self.conn
    }

    /// Opens a transaction inside the lock (SQLite: `BEGIN IMMEDIATE`, waiting up to the
    /// connection's busy timeout for other writers), through diesel's transaction manager so
    /// nested `conn.transaction(…)` calls become savepoints.
    pub fn begin(&mut self) -> Result<(), LockError> {
        let res = match &mut *self.conn {
            DbConnection::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
            }
            #[cfg(feature = "postgres")]
            DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN"),
            #[cfg(feature = "mysql")]
            DbConnection::Mysql(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN"),
        };
        res.map_err(|e| match e {
            diesel::result::Error::AlreadyInTransaction => LockError::InTransaction,
            source => LockError::Database {
                action: "begin a transaction under",
                source,
            },
        })
    }

    /// Commits the transaction [`Self::begin`] opened; on failure it is rolled back and the
    /// error is [`LockError::Commit`].
    pub fn commit(&mut self) -> Result<(), LockError> {
        let res =
            <DbConnection as diesel::Connection>::TransactionManager::commit_transaction(self.conn)
                .map_err(|source| LockError::Commit { source });
        if res.is_err() {
            roll_back_all(self.conn);
        }
        res
    }

    /// Rolls back every transaction and savepoint open on the connection (a data step that
    /// panicked inside its own `conn.transaction(…)` leaves one open).
    pub fn rollback(&mut self) {
        roll_back_all(self.conn);
    }

    /// Rolls back what is open, releases the lock and restores foreign-key enforcement.
    pub fn release(mut self) -> Result<(), LockError> {
        self.release_inner()
    }

    fn release_inner(&mut self) -> Result<(), LockError> {
        roll_back_all(self.conn);
        if !std::mem::take(&mut self.held) {
            return Ok(());
        }
        let release = |source| LockError::Database {
            action: "release",
            source,
        };
        match &mut *self.conn {
            DbConnection::Sqlite(c) => {
                // Closing the file releases its lock.
                self.file = None;
                if self.restore_foreign_keys {
                    c.batch_execute("PRAGMA foreign_keys = ON").map_err(release)
                } else {
                    Ok(())
                }
            }
            #[cfg(feature = "postgres")]
            DbConnection::Postgres(c) => {
                diesel::sql_query(format!("SELECT pg_advisory_unlock({LOCK_KEY}) AS got"))
                    .load::<PgGot>(c)
                    .map(|_| ())
                    .map_err(release)
            }
            #[cfg(feature = "mysql")]
            DbConnection::Mysql(c) => release_mysql(c).map_err(release),
        }
    }
}

impl Drop for SessionGuard<'_> {
    fn drop(&mut self) {
        let _ = self.release_inner();
    }
}

/// Refuses an SQLite database this process cannot write (a read-only file, or a read-only
/// folder where SQLite cannot create its journal) — which `BEGIN IMMEDIATE` lets through, so
/// a run would otherwise fail only at its first change. The executor calls it when a plan has
/// work to do, so an up-to-date read-only database still migrates as a no-op. Other backends
/// and in-memory databases pass.
pub fn check_writable(conn: &mut DbConnection) -> Result<(), LockError> {
    #[allow(irrefutable_let_patterns)]
    let DbConnection::Sqlite(c) = conn
    else {
        return Ok(());
    };
    match sqlite_file(c) {
        Some(file) => writable(std::path::Path::new(&file))
            .map_err(|message| LockError::ReadOnly { file, message }),
        None => Ok(()),
    }
}

/// Opens the outermost transaction through diesel's transaction manager (so nested
/// `conn.transaction(…)` calls become savepoints).
/// A select-list item that names this PostgreSQL session for other waiters' messages
/// (`application_name`, which [`pg_holder`] reads), unless the caller named it: sent with the
/// lock attempt, so naming costs no round trip of its own.
#[cfg(feature = "postgres")]
fn pg_name_session() -> String {
    format!(
        "CASE WHEN current_setting('application_name') = '' \
         THEN set_config('application_name', 'migrator (pid {})', false) END AS named",
        std::process::id()
    )
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
fn begin<C>(c: &mut C, sql: &str) -> Result<(), LockError>
where
    C: diesel::Connection<TransactionManager = AnsiTransactionManager>,
{
    AnsiTransactionManager::begin_transaction_sql(c, sql).map_err(|e| match e {
        diesel::result::Error::AlreadyInTransaction => LockError::InTransaction,
        source => LockError::Database {
            action: "take",
            source,
        },
    })
}

#[cfg(feature = "postgres")]
fn pg_holder(c: &mut diesel::PgConnection) -> Option<String> {
    let high = LOCK_KEY >> 32;
    let low = LOCK_KEY & 0xffff_ffff;
    let rows: Vec<PgHolder> = diesel::sql_query(format!(
        "SELECT a.pid AS pid, COALESCE(a.application_name, '') AS application, \
         COALESCE(host(a.client_addr), 'local socket') AS client \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted \
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND l.classid::bigint = {high} AND l.objid::bigint = {low} AND l.objsubid = 1 \
         AND l.pid <> pg_backend_pid()"
    ))
    .load(c)
    .ok()?;
    let row = rows.into_iter().next()?;
    Some(format!(
        "PostgreSQL pid {} (application \"{}\", client {})",
        row.pid, row.application, row.client
    ))
}

/// The SQL expression naming this database's lock (MySQL limits names to 64 characters).
#[cfg(feature = "mysql")]
fn mysql_lock_name() -> String {
    format!("LEFT(CONCAT('{LOCK_NAME}', COALESCE(DATABASE(), '')), 64)")
}

/// Polls MySQL's named lock until it is taken or `timeout` passes ([`poll`]).
#[cfg(feature = "mysql")]
fn poll_mysql(
    c: &mut diesel::MysqlConnection,
    timeout: Duration,
    on_wait: &mut dyn FnMut(&LockWait),
) -> Result<(), LockError> {
    poll(
        c,
        Backend::Mysql,
        timeout,
        on_wait,
        |c| {
            let got: Vec<GotLock> = diesel::sql_query(format!(
                "SELECT CAST(GET_LOCK({}, 0) AS SIGNED) AS got",
                mysql_lock_name()
            ))
            .load(c)
            .map_err(|source| LockError::Database {
                action: "take",
                source,
            })?;
            Ok(got.first().and_then(|g| g.got) == Some(1))
        },
        mysql_holder,
    )
}

#[cfg(feature = "mysql")]
fn mysql_holder(c: &mut diesel::MysqlConnection) -> Option<String> {
    let id: Vec<GotLock> = diesel::sql_query(format!(
        "SELECT CAST(IS_USED_LOCK({}) AS SIGNED) AS got",
        mysql_lock_name()
    ))
    .load(c)
    .ok()?;
    let id = id.into_iter().next()?.got?;
    let who: Vec<MysqlHolder> = diesel::sql_query(format!(
        "SELECT CONCAT(USER, '@', HOST) AS who FROM information_schema.PROCESSLIST WHERE ID = {id}"
    ))
    .load(c)
    .unwrap_or_default();
    Some(match who.into_iter().next().and_then(|w| w.who) {
        Some(w) => format!("MySQL connection {id} ({w})"),
        None => format!("MySQL connection {id}"),
    })
}

#[cfg(feature = "mysql")]
fn release_mysql(c: &mut diesel::MysqlConnection) -> Result<(), diesel::result::Error> {
    diesel::sql_query(format!(
        "SELECT CAST(RELEASE_LOCK({}) AS SIGNED) AS got",
        mysql_lock_name()
    ))
    .load::<GotLock>(c)
    .map(|_| ())
}
