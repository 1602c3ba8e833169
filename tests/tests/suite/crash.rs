//! Crash safety (DESIGN decision 8): `migrate` killed with SIGKILL at random moments.
//!
//! SQLite and PostgreSQL: every migration commits with its recorder row in one transaction,
//! so after a kill the recorder holds exactly a prefix of the plan, the live schema equals the
//! state of exactly the recorded migrations, each data step ran at most once, and the next
//! `migrate` finishes the plan. Ten kills per backend; `MIGRATOR_CRASH_ROUNDS=N` runs N. The
//! delays are drawn from a seeded generator (the seed is printed, `MIGRATOR_CRASH_SEED`
//! replays it) over the measured length of a full run.
//!
//! MySQL/MariaDB commit DDL as it runs: a run killed inside a migration leaves a progress row;
//! the next `migrate` (and `showmigrations`) refuses with the migration, the operation, what is
//! committed and the recovery commands, and `migrate --resume` completes it without re-running
//! the committed operation.

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::reliability::{first, manage, rounds, spawn_manage, state, text, Kind, TestDb};

/// A small deterministic generator (xorshift), so a failing round can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn seed() -> u64 {
    std::env::var("MIGRATOR_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        })
}

/// Checks that the database is at a migration boundary: the recorder is a prefix of the plan,
/// the schema is that prefix's state, the data steps ran once each if at all. Returns the
/// prefix length.
fn assert_boundary(kind: Kind, url: &str, context: &str) -> usize {
    let st = state(url);
    let n = st.applied.len();
    assert!(n <= 12, "{kind:?} {context}: {:?}", st.applied);
    assert_eq!(st.applied, first(n), "{kind:?} {context}: not a prefix");
    assert!(
        st.drift.is_empty(),
        "{kind:?} {context}: schema is not the state of the {n} recorded migrations: {:?}",
        st.drift
    );
    assert!(
        st.interrupted.is_empty(),
        "{kind:?} {context}: {:?}",
        st.interrupted
    );
    if n >= 1 {
        let expect = i64::from(n >= 7);
        assert_eq!(st.count("rel_authors"), Some(expect), "{kind:?} {context}");
    }
    if n >= 5 {
        let expect = i64::from(n >= 12);
        assert_eq!(st.count("rel_tags"), Some(expect), "{kind:?} {context}");
    }
    n
}

fn kill_rounds(kind: Kind) {
    let env = [("REL_SLEEP_MS", "150")];
    // How long a full run takes here, to spread the kills over it.
    let full = {
        let db = TestDb::create(kind);
        let started = Instant::now();
        let out = spawn_manage(&["migrate"], &db.url, &env)
            .wait_with_output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        started.elapsed()
    };
    let seed = seed();
    eprintln!("{kind:?} crash rounds: seed {seed} (MIGRATOR_CRASH_SEED), full run {full:?}");
    let mut rng = Rng(seed);
    let mut mid_plan = 0;
    let n_rounds = rounds("MIGRATOR_CRASH_ROUNDS", 10);
    for round in 0..n_rounds {
        let db = TestDb::create(kind);
        // Sometimes start from a partly migrated database.
        if rng.below(3) == 0 {
            let to = format!("{:04}", 1 + rng.below(6));
            let out = manage(&["migrate", "rel", &to], &db.url);
            assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        }
        let delay = Duration::from_millis(rng.below(full.as_millis() as u64 + 1));
        let mut child = spawn_manage(&["migrate"], &db.url, &env);
        std::thread::sleep(delay);
        child.kill().expect("SIGKILL migrate"); // SIGKILL on Unix
        let _ = child.wait();
        let context = format!("round {round}, killed after {delay:?}");
        let n = assert_boundary(kind, &db.url, &context);
        if n < 12 {
            mid_plan += 1;
        }
        let out = manage(&["migrate"], &db.url);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{kind:?} {context}: {}",
            text(&out)
        );
        assert_eq!(assert_boundary(kind, &db.url, &context), 12);
    }
    assert!(
        mid_plan * 2 >= n_rounds,
        "{kind:?}: only {mid_plan} of {n_rounds} kills landed inside the plan; the test shows little"
    );
}

#[test]
fn sigkill_during_migrate_on_sqlite_leaves_a_boundary_and_the_next_run_finishes() {
    kill_rounds(Kind::Sqlite);
}

#[test]
fn sigkill_during_migrate_on_postgres_leaves_a_boundary_and_the_next_run_finishes() {
    kill_rounds(Kind::Postgres);
}

/// Starts `migrate`, waits until it prints `marker`, waits `after` more, and SIGKILLs it.
fn kill_when(url: &str, env: &[(&str, &str)], marker: &str, after: Duration) -> String {
    let mut child = spawn_manage(&["migrate"], url, env);
    let mut stdout = child.stdout.take().unwrap();
    let seen = Arc::new(Mutex::new(String::new()));
    let reader = {
        let seen = seen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    let started = Instant::now();
    while !seen.lock().unwrap().contains(marker) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "`{marker}` never printed: {}",
            seen.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(after);
    child.kill().unwrap();
    let _ = child.wait();
    let _ = reader.join();
    let out = seen.lock().unwrap().clone();
    out
}

#[test]
fn sigkill_inside_a_mariadb_migration_is_reported_precisely_and_resume_completes_it() {
    let db = TestDb::create(Kind::Mysql);
    let out = manage(&["migrate", "rel", "0011"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // 0012: operation 1 inserts a tag (committed before operation 2 starts), operation 2
    // sleeps 3 s in the database: the kill lands inside operation 2.
    let printed = kill_when(
        &db.url,
        &[("REL_SLEEP_MS", "3000")],
        "Applying rel.0012_slow_seed_tag...",
        Duration::from_millis(800),
    );
    assert!(!printed.contains("OK"), "{printed}");
    let st = state(&db.url);
    assert_eq!(st.applied, first(11));
    assert_eq!(st.interrupted, ["rel.0012_slow_seed_tag 2 2"]);
    assert_eq!(st.count("rel_tags"), Some(1), "operation 1 is committed");

    for command in [&["migrate"][..], &["showmigrations"][..]] {
        let out = manage(command, &db.url);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {}", text(&out));
        // `migrate` starts nothing; `showmigrations` lists, marking the migration.
        let listed = String::from_utf8_lossy(&out.stdout);
        if command == ["migrate"] {
            assert_eq!(listed, "", "{}", text(&out));
        } else {
            assert!(
                listed.contains(" [X] 0011_review_stars\n")
                    && listed
                        .ends_with(" [ ] 0012_slow_seed_tag  <- interrupted at operation 2 of 2\n"),
                "{}",
                text(&out)
            );
        }
        let err = String::from_utf8_lossy(&out.stderr);
        for needle in [
            "migration `rel.0012_slow_seed_tag` was interrupted",
            "at operation 2 of 2 (Rust operation slow_step)",
            "operation 1 is committed",
            "`migrator migrate --resume`",
            "`migrator migrate --fake rel 0012_slow_seed_tag`",
        ] {
            assert!(
                err.contains(needle),
                "{command:?}: `{needle}` missing:\n{err}"
            );
        }
    }
    // Nothing ran: still interrupted, one tag.
    assert_eq!(state(&db.url).interrupted.len(), 1);

    let out = manage(&["migrate", "--resume"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let st = state(&db.url);
    assert_eq!(st.applied, first(12));
    assert!(st.interrupted.is_empty(), "{:?}", st.interrupted);
    assert!(st.drift.is_empty(), "{:?}", st.drift);
    assert_eq!(
        st.count("rel_tags"),
        Some(1),
        "operation 1 did not run twice"
    );
    // And the database is ordinary again.
    let out = manage(&["migrate", "--resume"], &db.url);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no interrupted migration"));
    let out = manage(&["migrate"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn an_interrupted_mariadb_migration_undone_by_hand_is_forgotten_then_rerun() {
    let db = TestDb::create(Kind::Mysql);
    let out = manage(&["migrate", "rel", "0003"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // 0004: operation 1 sleeps, operation 2 adds a column: killed inside operation 1.
    kill_when(
        &db.url,
        &[("REL_SLEEP_MS", "3000")],
        "Applying rel.0004_slow_author_bio...",
        Duration::from_millis(800),
    );
    let st = state(&db.url);
    assert_eq!(st.interrupted, ["rel.0004_slow_author_bio 1 2"]);
    let out = manage(&["migrate"], &db.url);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no earlier operation is committed"),
        "{}",
        text(&out)
    );
    // Nothing to undo (operation 1 has no schema change): forget the progress, migrate again.
    let out = manage(
        &["migrate", "--forget", "rel", "0004_slow_author_bio"],
        &db.url,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = manage(&["migrate"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let st = state(&db.url);
    assert_eq!(st.applied, first(12));
    assert!(st.drift.is_empty(), "{:?}", st.drift);
}

#[test]
fn a_failed_mariadb_migration_with_committed_operations_is_reported_until_resumed() {
    let db = TestDb::create(Kind::Mysql);
    let out = manage(&["migrate", "rel", "0011"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // 0012: operation 1 inserts a tag (committed), operation 2 fails.
    let out = spawn_manage(&["migrate"], &db.url, &[("REL_FAIL", "1")])
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "migration `rel.0012_slow_seed_tag` failed at operation 2 (Rust operation slow_step)",
        "operation(s) 1 of this migration stay applied",
        "`migrator migrate --resume`",
        "`migrator migrate --fake rel 0012_slow_seed_tag`",
    ] {
        assert!(err.contains(needle), "`{needle}` missing:\n{err}");
    }
    // The next run reports it (and runs nothing) until it is recovered.
    let out = manage(&["migrate"], &db.url);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("`rel.0012_slow_seed_tag` was interrupted (its `migrate` process died or failed) at operation 2 of 2"),
        "{}",
        text(&out)
    );
    // A target already reached still works.
    let out = manage(&["migrate", "rel", "0011"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Resuming while the cause persists fails again, keeps the record, and says that
    // operation 1 (committed by the first run) stays applied — not "rolled back".
    let out = spawn_manage(&["migrate", "--resume"], &db.url, &[("REL_FAIL", "1")])
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("operation(s) 1 of this migration stay applied (operation(s) 1 by the earlier, interrupted run)")
            && !err.contains("rolled back"),
        "{err}"
    );
    assert_eq!(state(&db.url).interrupted, ["rel.0012_slow_seed_tag 2 2"]);
    // Cause fixed: resume completes it without re-running operation 1.
    let out = manage(&["migrate", "--resume"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let st = state(&db.url);
    assert_eq!(st.applied, first(12));
    assert!(st.interrupted.is_empty() && st.drift.is_empty(), "{st:?}");
    assert_eq!(st.count("rel_tags"), Some(1));
}

#[test]
fn sigkill_inside_a_mariadb_unapply_is_reported_and_resume_finishes_unapplying() {
    let db = TestDb::create(Kind::Mysql);
    let out = manage(&["migrate", "rel", "0004"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Unapplying 0004 runs operation 2 (drop `bio`) then operation 1 (sleeps 3 s backwards):
    // the kill lands inside operation 1.
    let mut child = spawn_manage(
        &["migrate", "rel", "0003"],
        &db.url,
        &[("REL_SLEEP_MS", "3000")],
    );
    let started = Instant::now();
    loop {
        let st = state(&db.url);
        if st.interrupted == ["rel.0004_slow_author_bio 1 2 unapply"] {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{st:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    let _ = child.wait();
    let st = state(&db.url);
    assert_eq!(st.applied, first(4), "still recorded");
    for command in [
        &["migrate"][..],
        &["showmigrations"][..],
        &["migrate", "rel", "0003"][..],
    ] {
        let out = manage(command, &db.url);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {}", text(&out));
        let listed = String::from_utf8_lossy(&out.stdout);
        if command == ["showmigrations"] {
            assert!(
                listed.contains(
                    " [X] 0004_slow_author_bio  <- interrupted while being unapplied, at operation 1 of 2\n"
                ) && listed.contains(" [ ] 0005_tag\n"),
                "{}",
                text(&out)
            );
        } else {
            assert_eq!(listed, "", "{command:?}: {}", text(&out));
        }
        let err = String::from_utf8_lossy(&out.stderr);
        for needle in [
            "migration `rel.0004_slow_author_bio` was interrupted while being unapplied",
            "at operation 1 of 2 (Rust operation slow_step)",
            "operation 2 is undone",
            "`migrator migrate --resume`",
            "`migrator migrate --forget rel 0004_slow_author_bio`",
        ] {
            assert!(
                err.contains(needle),
                "{command:?}: `{needle}` missing:\n{err}"
            );
        }
    }
    let out = manage(&["migrate", "--resume"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Unapplying rel.0004_slow_author_bio... OK"),
        "{}",
        text(&out)
    );
    let st = state(&db.url);
    assert_eq!(st.applied, first(3));
    assert!(st.interrupted.is_empty() && st.drift.is_empty(), "{st:?}");
    let out = manage(&["migrate"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(state(&db.url).applied, first(12));
}

/// A data step that panics is reported like any failing operation: exit 2, an `error:` line
/// naming the migration, the operation and the panic's message, and what became of the
/// migration — rolled back on SQLite and PostgreSQL, what stays committed on MariaDB (which
/// then reports the interrupted migration until it is recovered).
#[test]
fn a_panicking_data_step_exits_2_naming_the_migration_on_every_backend() {
    for kind in [Kind::Sqlite, Kind::Postgres] {
        let db = TestDb::create(kind);
        let out = manage(&["migrate", "rel", "0003"], &db.url);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        // 0004: operation 1 is the data step, operation 2 adds a column.
        let out = spawn_manage(&["migrate"], &db.url, &[("REL_PANIC", "1")])
            .wait_with_output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{kind:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        for needle in [
            "error: migration `rel.0004_slow_author_bio` failed at operation 1 (Rust operation slow_step): the data step panicked: REL_PANIC is set: the slow step panics",
            "The migration was rolled back",
        ] {
            assert!(err.contains(needle), "{kind:?}: `{needle}` missing:\n{err}");
        }
        let st = state(&db.url);
        assert_eq!(st.applied, first(3), "{kind:?}");
        assert!(
            st.drift.is_empty() && st.interrupted.is_empty(),
            "{kind:?}: {st:?}"
        );
        let out = manage(&["migrate"], &db.url);
        assert_eq!(out.status.code(), Some(0), "{kind:?}: {}", text(&out));
    }
    let db = TestDb::create(Kind::Mysql);
    let out = manage(&["migrate", "rel", "0011"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // 0012: operation 1 inserts a tag (committed), operation 2 panics.
    let out = spawn_manage(&["migrate"], &db.url, &[("REL_PANIC", "1")])
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "error: migration `rel.0012_slow_seed_tag` failed at operation 2 (Rust operation slow_step): the data step panicked: REL_PANIC is set",
        "MySQL commits schema changes as they run: operation(s) 1 of this migration stay applied",
        "`migrator migrate --resume`",
    ] {
        assert!(err.contains(needle), "`{needle}` missing:\n{err}");
    }
    assert_eq!(state(&db.url).interrupted, ["rel.0012_slow_seed_tag 2 2"]);
    let out = manage(&["migrate", "--resume"], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(state(&db.url).applied, first(12));
}
