//! The migration lock (DESIGN decision 10): on SQLite, an immediate write transaction
//! (`BEGIN IMMEDIATE`) — while it is open no other connection can write, so two `migrate`
//! runs cannot interleave. The executor takes it before reading the applied set and computing
//! the plan, and again around each migration (re-reading the applied set under it).
//!
//! SQLite ignores `PRAGMA foreign_keys` inside a transaction, so [`WriteLock::acquire`]
//! switches enforcement off *before* `BEGIN IMMEDIATE` (table rebuilds drop and recreate
//! referenced tables) and [`WriteLock::commit`] / [`WriteLock::rollback`] restore the previous
//! setting afterwards; the executor checks foreign keys itself with `PRAGMA
//! foreign_key_check` before committing. The transaction goes through diesel's transaction
//! manager, so code that calls `conn.transaction(…)` inside it gets a savepoint.
//!
//! PostgreSQL: a transaction holding the advisory lock `pg_advisory_xact_lock(LOCK_KEY)`,
//! released by PostgreSQL itself at commit or rollback. MySQL/MariaDB: the named lock
//! `GET_LOCK('migrator_migrations')` (session-scoped, so released explicitly after the
//! transaction ends) around a transaction — which MySQL commits implicitly at each DDL
//! statement. Every backend waits at most [`LOCK_WAIT_SECONDS`] for another holder. This
//! module does not decide what runs under the lock.

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::sql_types::Integer;
#[cfg(feature = "mysql")]
use diesel::sql_types::{BigInt, Nullable};
use diesel::{QueryableByName, RunQueryDsl};
use thiserror::Error;

use crate::backend::{Backend, DbConnection};

/// The name of the MySQL named lock.
pub const LOCK_NAME: &str = "migrator_migrations";
/// The PostgreSQL advisory-lock key (the bytes of `"migrator"`).
pub const LOCK_KEY: i64 = 0x6d69_6772_6174_6f72;
/// How long PostgreSQL and MySQL wait for another `migrate` to release the lock (SQLite waits
/// for its busy timeout).
pub const LOCK_WAIT_SECONDS: u32 = 30;

/// Taking or releasing the lock failed.
#[derive(Debug, Error)]
pub enum LockError {
    /// The database refused (another writer held the lock past the busy timeout, say).
    #[error("could not {action} the migration lock: {source}. If another `migrate` is running, wait for it and retry")]
    Database {
        /// `take`, `commit` or `roll back`.
        action: &'static str,
        /// The database's error.
        source: diesel::result::Error,
    },
    /// The connection is already inside a transaction (SQLite cannot switch foreign keys off
    /// there, and migrations need their own transactions).
    #[error("the connection is already inside a transaction; run migrations outside any transaction (before `conn.transaction(…)`, not within it)")]
    InTransaction,
    /// Another holder kept the lock longer than [`LOCK_WAIT_SECONDS`].
    #[error("another `migrate` has held the migration lock for more than {LOCK_WAIT_SECONDS} s on this {0} database; wait for it to finish and retry")]
    Timeout(Backend),
    /// The backend has no lock implementation yet.
    #[error("migrating a {0} database is not available yet in this build")]
    Unsupported(Backend),
}

/// A held write lock: an open `BEGIN IMMEDIATE` transaction on the connection. Release it
/// with [`WriteLock::commit`] or [`WriteLock::rollback`].
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

#[derive(QueryableByName)]
struct FkSetting {
    #[diesel(sql_type = Integer)]
    foreign_keys: i32,
}

impl WriteLock {
    /// Switches foreign-key enforcement off and opens an immediate write transaction. Waits
    /// for other writers up to the connection's busy timeout.
    pub fn acquire(conn: &mut DbConnection) -> Result<Self, LockError> {
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
                // Table renames must rewrite references in other tables (the default since
                // SQLite 3.26, unless a connection turned the legacy behaviour on).
                c.batch_execute("PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = OFF")
                    .map_err(take)?;
                if let Err(e) = AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
                {
                    if matches!(e, diesel::result::Error::AlreadyInTransaction) {
                        return Err(LockError::InTransaction);
                    }
                    if restore_foreign_keys {
                        let _ = c.batch_execute("PRAGMA foreign_keys = ON");
                    }
                    return Err(take(e));
                }
                Ok(Self {
                    restore_foreign_keys,
                    release_named_lock: false,
                })
            }
            #[cfg(feature = "postgres")]
            DbConnection::Postgres(c) => {
                begin(c, "BEGIN")?;
                let locked = c.batch_execute(&format!(
                    "SET LOCAL lock_timeout = '{LOCK_WAIT_SECONDS}s'; \
                     SELECT pg_advisory_xact_lock({LOCK_KEY}); \
                     SET LOCAL lock_timeout TO DEFAULT"
                ));
                if let Err(e) = locked {
                    let _ = AnsiTransactionManager::rollback_transaction(c);
                    return Err(match e {
                        diesel::result::Error::DatabaseError(_, ref info)
                            if info.message().contains("lock timeout") =>
                        {
                            LockError::Timeout(Backend::Postgres)
                        }
                        other => take(other),
                    });
                }
                Ok(Self {
                    restore_foreign_keys: false,
                    release_named_lock: false,
                })
            }
            #[cfg(feature = "mysql")]
            DbConnection::Mysql(c) => {
                let got: Vec<GotLock> = diesel::sql_query(format!(
                    "SELECT CAST(GET_LOCK('{LOCK_NAME}', {LOCK_WAIT_SECONDS}) AS SIGNED) AS got"
                ))
                .load(c)
                .map_err(take)?;
                if got.first().and_then(|g| g.got) != Some(1) {
                    return Err(LockError::Timeout(Backend::Mysql));
                }
                if let Err(e) = begin(c, "BEGIN") {
                    let _ = release_mysql(c);
                    return Err(e);
                }
                Ok(Self {
                    restore_foreign_keys: false,
                    release_named_lock: true,
                })
            }
        }
    }

    /// Commits the transaction (releasing the lock) and restores foreign-key enforcement.
    pub fn commit(self, conn: &mut DbConnection) -> Result<(), LockError> {
        let res =
            <DbConnection as diesel::Connection>::TransactionManager::commit_transaction(conn)
                .map_err(|source| LockError::Database {
                    action: "commit",
                    source,
                });
        if res.is_err() {
            // A failed COMMIT leaves the transaction open on SQLite: end it.
            let _ = <DbConnection as diesel::Connection>::TransactionManager::rollback_transaction(
                conn,
            );
        }
        self.restore(conn);
        res
    }

    /// Rolls the transaction back (releasing the lock) and restores foreign-key enforcement.
    pub fn rollback(self, conn: &mut DbConnection) -> Result<(), LockError> {
        let res =
            <DbConnection as diesel::Connection>::TransactionManager::rollback_transaction(conn)
                .map_err(|source| LockError::Database {
                    action: "roll back",
                    source,
                });
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

/// Opens the outermost transaction through diesel's transaction manager (so nested
/// `conn.transaction(…)` calls become savepoints).
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

#[cfg(feature = "mysql")]
fn release_mysql(c: &mut diesel::MysqlConnection) -> Result<(), diesel::result::Error> {
    diesel::sql_query(format!(
        "SELECT CAST(RELEASE_LOCK('{LOCK_NAME}') AS SIGNED) AS got"
    ))
    .load::<GotLock>(c)
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::database::{connect, DatabaseUrl};

    #[test]
    fn a_second_writer_waits_and_fails_while_the_lock_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse("sqlite://lock.db", dir.path()).unwrap();
        let mut a = connect(&url).unwrap();
        let mut b = connect(&url).unwrap();
        b.batch_execute("PRAGMA busy_timeout = 50").unwrap();
        let lock = WriteLock::acquire(&mut a).unwrap();
        a.batch_execute("CREATE TABLE t (x INTEGER)").unwrap();
        let err = WriteLock::acquire(&mut b).unwrap_err().to_string();
        assert!(err.contains("another `migrate`"), "{err}");
        lock.commit(&mut a).unwrap();
        let lock_b = WriteLock::acquire(&mut b).unwrap();
        lock_b.rollback(&mut b).unwrap();
        // Inside someone else's transaction: a clear error, not a hang.
        let err = diesel::Connection::transaction(&mut a, |c| {
            Ok::<_, diesel::result::Error>(WriteLock::acquire(c).map(|_| ()).unwrap_err())
        })
        .unwrap();
        assert!(matches!(err, LockError::InTransaction), "{err}");
        // Enforcement is back on after release.
        let rows: Vec<FkSetting> = diesel::sql_query("PRAGMA foreign_keys")
            .load(&mut a)
            .unwrap();
        assert_eq!(rows[0].foreign_keys, 1);
    }
}
