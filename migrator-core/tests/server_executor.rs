//! The executor on real PostgreSQL and MySQL/MariaDB servers on 127.0.0.1: up → zero → up
//! with the introspected schema checked, a failing operation (PostgreSQL rolls the whole
//! migration back; MySQL reports which operations stay committed), RunRust inside the
//! transaction on PostgreSQL, concurrent `migrate` runs under the server locks, and
//! `sqlmigrate` output equal to what `migrate` executes. Each test gets its own database,
//! dropped afterwards.
//!
//! Servers: `MIGRATOR_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! and `MIGRATOR_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/mysql`). Run with
//! `cargo test -p migrator-core --features postgres,mysql --test server_executor`.
#![cfg(all(feature = "postgres", feature = "mysql"))]

mod executor_support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, QueryableByName, RunQueryDsl};
use migrator_core::backend::{Backend, DbConnection};
use migrator_core::database::{connect, DatabaseUrl};
use migrator_core::executor::{
    migrate, sql_for_migration, ExecutorError, MigrateOptions, MigrateReport, Target,
};
use migrator_core::graph::MigrationGraph;
use migrator_core::introspect::{expected_schema, introspect};
use migrator_core::operations::{AddField, RunRust, RunSql};
use migrator_core::{ColumnType, FieldState, Migration, Operation, ProjectState};

use executor_support::{
    applied, graph, is_bookkeeping, key, library_0002, library_0003, library_initial, Capture,
};

const BACKENDS: [Backend; 2] = [Backend::Postgres, Backend::Mysql];

fn admin_url(backend: Backend) -> String {
    match backend {
        Backend::Postgres => std::env::var("MIGRATOR_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned()),
        _ => std::env::var("MIGRATOR_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".to_owned()),
    }
}

fn open(url: &str) -> DbConnection {
    let parsed = DatabaseUrl::parse(url, Path::new("/")).unwrap();
    connect(&parsed).unwrap_or_else(|e| {
        panic!("the server for the server_executor tests is unreachable ({e}); start PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and MariaDB on 127.0.0.1:3306 (root, no password), or set MIGRATOR_TEST_POSTGRES_URL / MIGRATOR_TEST_MYSQL_URL")
    })
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database for one test, dropped with this guard (also on panic).
struct TestDb {
    backend: Backend,
    name: String,
    url: String,
}

impl TestDb {
    fn create(backend: Backend) -> Self {
        let admin = admin_url(backend);
        let name = format!(
            "migrator_x_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = open(&admin);
        let q = backend.quote(&name);
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {q}"))
            .unwrap();
        conn.batch_execute(&format!("CREATE DATABASE {q}")).unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        Self { backend, name, url }
    }

    fn connect(&self) -> DbConnection {
        open(&self.url)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let mut admin = open(&admin_url(self.backend));
        let q = self.backend.quote(&self.name);
        let drop = match self.backend {
            Backend::Postgres => format!("DROP DATABASE IF EXISTS {q} WITH (FORCE)"),
            _ => format!("DROP DATABASE IF EXISTS {q}"),
        };
        if let Err(e) = admin.batch_execute(&drop) {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

fn base() -> Vec<Migration> {
    vec![library_initial(), library_0002(), library_0003()]
}

fn run(
    conn: &mut DbConnection,
    g: &MigrationGraph,
    target: &Target,
) -> Result<MigrateReport, ExecutorError> {
    migrate(conn, g, target, &MigrateOptions::default(), &mut |_| {})
}

fn assert_schema(conn: &mut DbConnection, state: &ProjectState) {
    let actual = introspect(conn).unwrap();
    let expected = expected_schema(state, conn.backend()).unwrap();
    let diff = actual.diff(&expected);
    assert!(
        diff.is_empty(),
        "{}: the database differs from the state:\n  {}",
        conn.backend(),
        diff.join("\n  ")
    );
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut DbConnection, table: &str) -> i64 {
    let rows: Vec<Count> = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
        .load(conn)
        .unwrap();
    rows[0].n
}

#[test]
fn up_zero_up_on_both_servers() {
    for backend in BACKENDS {
        let db = TestDb::create(backend);
        let mut conn = db.connect();
        let g = graph(base());
        let report =
            run(&mut conn, &g, &Target::Latest).unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(report.done.len(), 3, "{backend}");
        assert_schema(&mut conn, &g.project_state().unwrap());
        assert_eq!(count(&mut conn, "authors"), 1, "{backend}");
        let first = introspect(&mut conn).unwrap();

        run(&mut conn, &g, &Target::Zero("library".into()))
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(
            introspect(&mut conn).unwrap().tables.is_empty(),
            "{backend}"
        );
        assert!(applied(&mut conn).is_empty(), "{backend}");

        run(&mut conn, &g, &Target::Latest).unwrap();
        assert_eq!(introspect(&mut conn).unwrap(), first, "{backend}");
    }
}

fn broken() -> Migration {
    let mut m = Migration::new("library", "0004_broken");
    m.dependencies = vec![key("library", "0003_book_status")];
    m.operations = vec![
        Operation::AddField(AddField::new(
            "Author",
            FieldState::new("bio", ColumnType::Text).nullable(),
        )),
        Operation::RunSql(RunSql::new(
            vec!["INSERT INTO no_such_table VALUES (1)".into()],
            Some(vec![]),
        )),
    ];
    m
}

#[test]
fn a_failing_operation_on_postgres_rolls_everything_back() {
    let db = TestDb::create(Backend::Postgres);
    let mut conn = db.connect();
    let mut migrations = base();
    migrations.push(broken());
    let g = graph(migrations);
    run(
        &mut conn,
        &g,
        &Target::Migration(key("library", "0003_book_status")),
    )
    .unwrap();
    let schema = introspect(&mut conn).unwrap();
    let err = run(&mut conn, &g, &Target::Latest).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ExecutorError::Sql { number: 2, .. }), "{msg}");
    assert!(
        msg.contains("INSERT INTO no_such_table VALUES (1)"),
        "{msg}"
    );
    assert!(msg.contains("rolled back"), "{msg}");
    assert_eq!(introspect(&mut conn).unwrap(), schema);
    assert_eq!(applied(&mut conn).len(), 3);
}

#[test]
fn a_failing_operation_on_mysql_says_what_stays_committed() {
    let db = TestDb::create(Backend::Mysql);
    let mut conn = db.connect();
    let mut migrations = base();
    migrations.push(broken());
    let g = graph(migrations);
    run(
        &mut conn,
        &g,
        &Target::Migration(key("library", "0003_book_status")),
    )
    .unwrap();
    let err = run(&mut conn, &g, &Target::Latest).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ExecutorError::Sql { number: 2, .. }), "{msg}");
    assert!(
        msg.contains("operation(s) 1 of this migration stay applied") && msg.contains("--fake"),
        "{msg}"
    );
    // Not recorded, and the lock is free again: the next run can take it.
    assert_eq!(applied(&mut conn).len(), 3);
    let mut other = db.connect();
    assert!(run(
        &mut other,
        &g,
        &Target::Migration(key("library", "0003_book_status"))
    )
    .unwrap()
    .plan
    .is_empty());
}

fn insert_author(conn: &mut DbConnection) -> Result<(), migrator_core::BoxError> {
    conn.transaction(|c| c.batch_execute("INSERT INTO authors (name) VALUES ('from rust')"))?;
    Ok(())
}

#[test]
fn run_rust_writes_roll_back_with_the_migration_on_postgres() {
    let db = TestDb::create(Backend::Postgres);
    let mut conn = db.connect();
    let mut m = broken();
    m.operations[0] = Operation::RunRust(RunRust {
        name: "insert_author",
        forward: insert_author,
        backward: None,
        elidable: false,
    });
    let mut migrations = base();
    migrations.push(m);
    let g = graph(migrations);
    run(
        &mut conn,
        &g,
        &Target::Migration(key("library", "0003_book_status")),
    )
    .unwrap();
    assert!(run(&mut conn, &g, &Target::Latest).is_err());
    assert_eq!(count(&mut conn, "authors"), 1, "the RunRust row survived");
}

#[test]
fn concurrent_runs_apply_each_migration_once_on_both_servers() {
    for backend in BACKENDS {
        let db = TestDb::create(backend);
        let barrier = Arc::new(std::sync::Barrier::new(3));
        let handles: Vec<_> = (0..3)
            .map(|_| {
                let url = db.url.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let mut conn = open(&url);
                    barrier.wait();
                    run(&mut conn, &graph(base()), &Target::Latest)
                })
            })
            .collect();
        let mut done = 0;
        for h in handles {
            let report = h
                .join()
                .unwrap()
                .unwrap_or_else(|e| panic!("{backend}: {e}"));
            done += report.done.len();
        }
        assert_eq!(done, 3, "{backend}: each migration applied exactly once");
        let mut conn = db.connect();
        assert_eq!(applied(&mut conn).len(), 3, "{backend}");
        assert_eq!(count(&mut conn, "authors"), 1, "{backend}");
    }
}

#[test]
fn migrate_executes_exactly_what_sqlmigrate_prints_on_both_servers() {
    for backend in BACKENDS {
        let db = TestDb::create(backend);
        let mut conn = db.connect();
        let capture = Capture::default();
        conn.set_instrumentation(capture.clone());
        let g = graph(base());
        run(&mut conn, &g, &Target::Latest).unwrap();
        let mut expected = Vec::new();
        for k in g.full_plan() {
            for op in sql_for_migration(&g, &k, false, backend).unwrap() {
                expected.extend(op.statements);
            }
        }
        let executed: Vec<String> = capture
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|s| !is_bookkeeping(s))
            .cloned()
            .collect();
        assert_eq!(executed, expected, "{backend}");
    }
}

/// What `migrate` sends besides the migrations' own statements (issue 18.3) is a fixed
/// number of statements per migration — the lock, one catalog query and one read of the
/// record, its row, the commit — plus on MySQL, where DDL commits as it runs, the progress row
/// committed before each operation (one `COMMIT; BEGIN` per operation, so a crash still
/// leaves a row naming the running operation). No catalog query is repeated per operation,
/// PostgreSQL's catalog queries avoid `information_schema` (milliseconds each on a schema of
/// hundreds of tables), and MySQL's progress table is created and dropped at most once per
/// run instead of once per migration (two committed DDL statements each), and is gone after.
#[test]
fn bookkeeping_is_a_fixed_number_of_statements_per_migration_on_both_servers() {
    for backend in BACKENDS {
        let db = TestDb::create(backend);
        let mut conn = db.connect();
        let g = graph(base());
        let targets = [
            Target::Latest,
            Target::Zero("library".into()),
            Target::Latest,
        ];
        for (run_number, target) in targets.iter().enumerate() {
            let capture = Capture::default();
            conn.set_instrumentation(capture.clone());
            let report = run(&mut conn, &g, target).unwrap();
            let sent = capture.0.lock().unwrap().clone();
            let migrations = report.done.len();
            let operations: usize = report
                .done
                .iter()
                .map(|(step, _)| g.migration(&step.key).unwrap().operations.len())
                .sum();
            assert_eq!((migrations, operations), (3, 6), "{backend}");
            let own = sent.iter().filter(|s| !is_bookkeeping(s)).count();
            let bookkeeping = sent.len() - own;
            // Per run: the first locked read of the record (and, the first time, creating
            // the recorder table); per migration: the lock, its record read, row and commit.
            let (per_migration, per_operation, per_run) = match backend {
                Backend::Postgres => (7, 0, 16),
                _ => (8, 2, 22),
            };
            let bound = per_migration * migrations + per_operation * operations + per_run;
            assert!(
                bookkeeping <= bound,
                "{backend}, run {run_number}: {bookkeeping} bookkeeping statements for {migrations} migrations of {operations} operations (at most {bound}):\n{}",
                sent.join("\n")
            );
            let count = |needle: &str| sent.iter().filter(|s| s.contains(needle)).count();
            let all = sent.join("\n");
            let progress = backend.quote(migrator_core::recorder::PROGRESS_TABLE);
            let created = count(&format!("CREATE TABLE IF NOT EXISTS {progress}"));
            let dropped = count(&format!("DROP TABLE {progress}"));
            if backend == Backend::Postgres {
                assert_eq!(count("information_schema"), 0, "{all}");
                assert_eq!((created, dropped), (0, 0), "{all}");
            } else {
                assert_eq!((created, dropped), (1, 1), "{all}");
                // Crash safety: a progress row committed before every operation.
                assert_eq!(count("COMMIT; BEGIN"), operations, "{all}");
                assert_eq!(
                    count(&format!("INSERT INTO {progress}")),
                    operations,
                    "{all}"
                );
            }
            assert!(
                !migrator_core::recorder::tables(&mut conn).unwrap().progress,
                "{backend}: the progress table outlived a clean run"
            );
        }
    }
}

/// A commit that fails (here a deferred foreign key PostgreSQL checks only at COMMIT; a full
/// disk fails the same way) is reported naming the migration, not the lock, and the
/// migration is rolled back.
#[test]
fn a_failed_commit_names_the_migration_on_postgres() {
    let db = TestDb::create(Backend::Postgres);
    let mut conn = db.connect();
    let mut m = Migration::new("library", "0004_deferred");
    m.dependencies = vec![key("library", "0003_book_status")];
    m.operations = vec![Operation::RunSql(RunSql::new(
        vec![
            "CREATE TABLE parents (id INTEGER PRIMARY KEY)".into(),
            "CREATE TABLE children (parent_id INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)".into(),
            "INSERT INTO children VALUES (1)".into(),
        ],
        Some(vec![]),
    ))];
    let mut migrations = base();
    migrations.push(m);
    let g = graph(migrations);
    run(
        &mut conn,
        &g,
        &Target::Migration(key("library", "0003_book_status")),
    )
    .unwrap();
    let err = run(&mut conn, &g, &Target::Latest).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ExecutorError::Commit { .. }), "{msg}");
    assert!(
        msg.starts_with("migration `library.0004_deferred` could not be committed:")
            && msg.contains("The migration was rolled back"),
        "{msg}"
    );
    assert!(!msg.contains("migration lock"), "{msg}");
    assert!(!introspect(&mut conn)
        .unwrap()
        .tables
        .contains_key("parents"));
    assert_eq!(applied(&mut conn).len(), 3);
}

/// A non-atomic migration's session lock is held between its transactions: another run's
/// write lock waits for it (naming the holder) and gets it once it is released.
#[test]
fn a_session_lock_keeps_other_migrations_out_on_both_servers() {
    use migrator_core::lock::{LockError, SessionGuard, WriteLock};
    use std::time::Duration;
    for backend in BACKENDS {
        let db = TestDb::create(backend);
        let mut a = db.connect();
        let mut b = db.connect();
        let mut session = SessionGuard::acquire(&mut a, Duration::from_secs(5), &mut |_| {})
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        session.begin().unwrap();
        session
            .conn()
            .batch_execute("CREATE TABLE t (x INTEGER)")
            .unwrap();
        session.commit().unwrap();
        let mut waits = Vec::new();
        let err = WriteLock::acquire_with(&mut b, Duration::from_millis(300), &mut |w| {
            waits.push(w.to_string())
        })
        .unwrap_err();
        assert!(matches!(err, LockError::Timeout { .. }), "{backend}: {err}");
        assert_eq!(waits.len(), 1, "{backend}: {waits:?}");
        session.release().unwrap();
        WriteLock::acquire_with(&mut b, Duration::from_secs(5), &mut |_| {})
            .unwrap_or_else(|e| panic!("{backend}: {e}"))
            .rollback(&mut b)
            .unwrap();
    }
}
