//! Concurrent `migrate` runs (DESIGN decision 10): eight processes started together against one
//! fresh database, on SQLite, PostgreSQL and MariaDB, with the twelve-migration fixture plan
//! (two steps sleep inside the database). Every process must exit 0, every migration must be
//! recorded exactly once (and its data step run once), the schema must equal the models, and
//! the processes that waited must have said who held the lock.
//!
//! Three rounds per backend; `MIGRATOR_SOAK_ROUNDS=N` runs N. Each round uses a fresh database
//! (`migrator_t_<pid>_<n>` on the servers, dropped by a guard).

use crate::reliability::{first, rounds, spawn_manage, state, text, Kind, TestDb};

const PROCESSES: usize = 8;

fn round(kind: Kind, holder_hint: &str) {
    let db = TestDb::create(kind);
    // All eight start at once; they meet at the lock.
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| spawn_manage(&["migrate", "--lock-timeout", "120"], &db.url, &[]))
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait for rel-manage"))
        .collect();
    let mut applying = 0;
    let mut waited = Vec::new();
    for out in &outputs {
        assert_eq!(out.status.code(), Some(0), "{kind:?}: {}", text(out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        applying += stdout.matches("Applying rel.").count();
        let stderr = String::from_utf8_lossy(&out.stderr);
        waited.extend(
            stderr
                .lines()
                .filter(|l| l.starts_with("Waiting for the migration lock held by"))
                .map(str::to_owned),
        );
    }
    let st = state(&db.url);
    assert_eq!(
        st.applied,
        first(12),
        "{kind:?}: each migration recorded once"
    );
    assert!(
        st.drift.is_empty(),
        "{kind:?}: schema differs: {:?}",
        st.drift
    );
    assert!(st.interrupted.is_empty(), "{kind:?}: {:?}", st.interrupted);
    assert_eq!(
        st.count("rel_authors"),
        Some(1),
        "{kind:?}: RunSql ran once"
    );
    assert_eq!(st.count("rel_tags"), Some(1), "{kind:?}: RunSql ran once");
    assert_eq!(
        applying, 12,
        "{kind:?}: each migration started by one process"
    );
    assert!(
        !waited.is_empty(),
        "{kind:?}: no process reported waiting for the lock"
    );
    assert!(
        waited.iter().any(|l| l.contains(holder_hint)),
        "{kind:?}: the holder is not named: {waited:?}"
    );
}

fn soak(kind: Kind, holder_hint: &str) {
    for _ in 0..rounds("MIGRATOR_SOAK_ROUNDS", 3) {
        round(kind, holder_hint);
    }
}

#[test]
fn eight_concurrent_migrates_on_sqlite_apply_each_migration_once() {
    soak(Kind::Sqlite, "another connection writing to");
}

#[test]
fn eight_concurrent_migrates_on_postgres_apply_each_migration_once() {
    soak(Kind::Postgres, "PostgreSQL pid");
}

#[test]
fn eight_concurrent_migrates_on_mariadb_apply_each_migration_once() {
    soak(Kind::Mysql, "MySQL connection");
}

/// A second `migrate` gives up after `--lock-timeout` seconds, naming the holder, and changes
/// nothing; the holder finishes normally.
fn lock_timeout(kind: Kind, holder_hint: &str) {
    let db = TestDb::create(kind);
    let holder = spawn_manage(&["migrate"], &db.url, &[("REL_SLEEP_MS", "2500")]);
    // Wait until the holder is inside 0004 (its slow step runs under the lock).
    let started = std::time::Instant::now();
    while state(&db.url).applied.len() < 3 {
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let out = crate::reliability::manage(&["migrate", "--lock-timeout", "1"], &db.url);
    assert_eq!(out.status.code(), Some(2), "{kind:?}: {}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Waiting for the migration lock held by")
            && err.contains("gave up after waiting 1 s for the migration lock")
            && err.contains(holder_hint)
            && err.contains("--lock-timeout"),
        "{kind:?}: {err}"
    );
    let out = holder.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{kind:?}: {}", text(&out));
    let st = state(&db.url);
    assert_eq!(st.applied, first(12));
    assert!(st.drift.is_empty(), "{:?}", st.drift);
}

#[test]
fn lock_timeout_gives_up_naming_the_holder_on_every_backend() {
    lock_timeout(Kind::Sqlite, "another connection writing to");
    lock_timeout(Kind::Postgres, "PostgreSQL pid");
    lock_timeout(Kind::Mysql, "MySQL connection");
}

/// `--lock-timeout` counts time without progress: a waiter whose timeout is shorter than the
/// holder's whole plan (but longer than each of its steps) keeps waiting while migrations get
/// recorded, and succeeds.
#[test]
fn a_waiter_keeps_waiting_while_the_holder_makes_progress() {
    for kind in [Kind::Sqlite, Kind::Postgres] {
        let db = TestDb::create(kind);
        // Each slow step takes 0.7 s; the plan takes well over the waiter's 1 s.
        let holder = spawn_manage(&["migrate"], &db.url, &[("REL_SLEEP_MS", "700")]);
        std::thread::sleep(std::time::Duration::from_millis(100));
        let waiters: Vec<_> = (0..3)
            .map(|_| spawn_manage(&["migrate", "--lock-timeout", "1"], &db.url, &[]))
            .collect();
        for child in waiters.into_iter().chain([holder]) {
            let out = child.wait_with_output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{kind:?}: {}", text(&out));
        }
        let st = state(&db.url);
        assert_eq!(st.applied, first(12), "{kind:?}");
        assert!(st.drift.is_empty(), "{kind:?}: {:?}", st.drift);
    }
}
