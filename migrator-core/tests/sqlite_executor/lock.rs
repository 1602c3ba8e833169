//! The migration lock on SQLite files (`lock.rs`): a second writer waits, is told who holds
//! the lock and times out; the guard releases on drop and while a panic unwinds; a
//! non-atomic migration's session lock keeps other writers' locks out between its
//! transactions while other connections still read and write.

use std::time::Duration;

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::sql_types::{BigInt, Integer};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use migrator_core::backend::{Backend, DbConnection};
use migrator_core::database::{connect, DatabaseUrl, SQLITE_BUSY_TIMEOUT_MS};
use migrator_core::lock::{LockError, LockGuard, SessionGuard, WriteLock, DEFAULT_LOCK_TIMEOUT};

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

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn transaction_depth(conn: &mut DbConnection) -> u32 {
    <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .ok()
        .flatten()
        .map_or(0, |d| d.get())
}

fn open(dir: &tempfile::TempDir, name: &str) -> DbConnection {
    let url = DatabaseUrl::parse(&format!("sqlite://{name}"), dir.path()).unwrap();
    connect(&url).unwrap()
}

#[test]
fn a_second_writer_waits_reports_the_holder_and_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "lock.db");
    let mut b = open(&dir, "lock.db");
    let lock = WriteLock::acquire(&mut a).unwrap();
    a.batch_execute("CREATE TABLE t (x INTEGER)").unwrap();
    let mut waits = Vec::new();
    let err = WriteLock::acquire_with(&mut b, Duration::from_millis(300), &mut |w| {
        waits.push(w.to_string())
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            LockError::Timeout {
                backend: Backend::Sqlite,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("--lock-timeout"), "{err}");
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert!(waits[0].contains("lock.db"), "{waits:?}");
    lock.commit(&mut a).unwrap();
    let lock_b = WriteLock::acquire(&mut b).unwrap();
    lock_b.rollback(&mut b).unwrap();
    // Inside someone else's transaction: a clear error, not a hang.
    let err = a
        .transaction(|c| {
            Ok::<_, diesel::result::Error>(WriteLock::acquire(c).map(|_| ()).unwrap_err())
        })
        .unwrap();
    assert!(matches!(err, LockError::InTransaction), "{err}");
    // Enforcement and the busy timeout are back after release.
    let rows: Vec<FkSetting> = diesel::sql_query("PRAGMA foreign_keys")
        .load(&mut a)
        .unwrap();
    assert_eq!(rows[0].foreign_keys, 1);
    let busy: Vec<BusyTimeout> = diesel::sql_query("PRAGMA busy_timeout")
        .load(&mut b)
        .unwrap();
    assert_eq!(busy[0].timeout, SQLITE_BUSY_TIMEOUT_MS as i32);
}

#[test]
fn the_guard_releases_on_drop_and_during_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "guard.db");
    let mut b = open(&dir, "guard.db");
    {
        let mut guard = LockGuard::acquire(&mut a, DEFAULT_LOCK_TIMEOUT, &mut |_| {}).unwrap();
        guard
            .conn()
            .batch_execute("CREATE TABLE gone (x INTEGER)")
            .unwrap();
    }
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut guard = LockGuard::acquire(&mut a, DEFAULT_LOCK_TIMEOUT, &mut |_| {}).unwrap();
        // A data step that opened its own transaction and panicked inside it.
        guard
            .conn()
            .batch_execute("CREATE TABLE gone2 (x INTEGER)")
            .unwrap();
        let _ = guard.conn().transaction(|c| {
            c.batch_execute("CREATE TABLE gone3 (x INTEGER)")?;
            if true {
                panic!("boom");
            }
            Ok::<_, diesel::result::Error>(())
        });
    }));
    assert!(panicked.is_err());
    assert_eq!(transaction_depth(&mut a), 0);
    // Another connection gets the lock at once and sees none of the tables.
    let lock = WriteLock::acquire_with(&mut b, Duration::from_millis(200), &mut |_| {
        panic!("the lock should be free")
    })
    .unwrap();
    let n: Vec<N> = diesel::sql_query("SELECT COUNT(*) AS n FROM sqlite_master")
        .load(&mut b)
        .unwrap();
    assert_eq!(n[0].n, 0);
    lock.rollback(&mut b).unwrap();
}

#[test]
fn a_session_lock_keeps_other_migrations_out_between_its_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir, "session.db");
    let mut b = open(&dir, "session.db");
    let mut app = open(&dir, "session.db");
    let mut session = SessionGuard::acquire(&mut a, DEFAULT_LOCK_TIMEOUT, &mut |_| {}).unwrap();
    session.begin().unwrap();
    session
        .conn()
        .batch_execute("CREATE TABLE t (x INTEGER)")
        .unwrap();
    session.commit().unwrap();
    assert_eq!(transaction_depth(session.conn()), 0);
    // Between the holder's transactions the application reads and writes…
    app.batch_execute("INSERT INTO t VALUES (1)").unwrap();
    // …but another migration's write lock waits, naming the holder, and gives up.
    let mut waits = Vec::new();
    let err = WriteLock::acquire_with(&mut b, Duration::from_millis(300), &mut |w| {
        waits.push(w.to_string())
    })
    .unwrap_err();
    assert!(matches!(err, LockError::Timeout { .. }), "{err}");
    assert!(
        waits[0].contains("a non-atomic migration in another process")
            && waits[0].contains("session.db-migrator-lock"),
        "{waits:?}"
    );
    // A second session lock waits too.
    let err = SessionGuard::acquire(&mut b, Duration::from_millis(200), &mut |_| {})
        .err()
        .expect("the session lock is held");
    assert!(matches!(err, LockError::Timeout { .. }), "{err}");
    session.release().unwrap();
    // Released: foreign keys back on for the holder, the lock free for the others.
    let rows: Vec<FkSetting> = diesel::sql_query("PRAGMA foreign_keys")
        .load(&mut a)
        .unwrap();
    assert_eq!(rows[0].foreign_keys, 1);
    WriteLock::acquire_with(&mut b, Duration::from_millis(200), &mut |_| {
        panic!("the lock should be free")
    })
    .unwrap()
    .rollback(&mut b)
    .unwrap();
    // Dropped without release (a panic unwinding) frees it as well.
    drop(SessionGuard::acquire(&mut a, DEFAULT_LOCK_TIMEOUT, &mut |_| {}).unwrap());
    drop(SessionGuard::acquire(&mut b, Duration::from_millis(200), &mut |_| {}).unwrap());
}

/// A commit that fails (here because another connection starts reading while the migration
/// runs and holds its read lock past the busy timeout; a full disk fails the same way) is
/// reported naming the migration, not the lock, and the migration is rolled back; once the
/// reader is gone it applies.
#[test]
fn a_failed_commit_names_the_migration() {
    use migrator_core::executor::{migrate, ExecutorError, MigrateEvent, MigrateOptions, Target};
    let dir = tempfile::tempdir().unwrap();
    let mut conn = open(&dir, "commit.db");
    let mut reader = open(&dir, "commit.db");
    conn.batch_execute("PRAGMA busy_timeout = 50").unwrap();
    let g = crate::executor_support::graph(vec![crate::executor_support::library_initial()]);
    let err = migrate(
        &mut conn,
        &g,
        &Target::Latest,
        &MigrateOptions::default(),
        &mut |e| {
            if let MigrateEvent::Started(_) = e {
                reader
                    .batch_execute("BEGIN; SELECT COUNT(*) FROM sqlite_master;")
                    .unwrap();
            }
        },
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ExecutorError::Commit { .. }), "{msg}");
    assert!(
        msg.starts_with(
            "migration `library.0001_initial` could not be committed: database is locked"
        ) && msg.contains("The migration was rolled back"),
        "{msg}"
    );
    assert_eq!(transaction_depth(&mut conn), 0);
    reader.batch_execute("COMMIT").unwrap();
    let n: Vec<N> =
        diesel::sql_query("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'authors'")
            .load(&mut conn)
            .unwrap();
    assert_eq!(n[0].n, 0, "rolled back");
    migrate(
        &mut conn,
        &g,
        &Target::Latest,
        &MigrateOptions::default(),
        &mut |_| {},
    )
    .unwrap();
}
