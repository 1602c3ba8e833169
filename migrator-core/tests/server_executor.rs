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
#[path = "server_executor/progress_batch.rs"]
mod progress_batch;
#[path = "server_executor/run_lock.rs"]
mod run_lock;

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
    applied, graph, is_bookkeeping, is_operation_batch, key, library_0002, library_0003,
    library_initial, migration_statements, Capture,
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
        let executed = migration_statements(&capture.0.lock().unwrap());
        assert_eq!(executed, expected, "{backend}");
    }
}

/// What `migrate` sends besides the migrations' own statements (issue 18.3) is a fixed
/// number of round trips per migration — `BEGIN`, the lock, one read of the record (with
/// what of the recorder's tables exists after the first migration), its row, the commit —
/// plus on MySQL, where DDL commits as it runs, the progress row committed before each
/// operation, so a crash still leaves a row naming the running operation: the row goes with
/// the operation's first statement in one round trip, and the record with the last
/// operation's when it is one statement. No catalog query is repeated per operation,
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
            // the recorder table) and the first step's read of it; per later migration: the
            // lock (on PostgreSQL with `BEGIN` and the record's digest check, one round trip;
            // on MySQL the run keeps it, so only `BEGIN`), its row and the commit.
            let (per_migration, per_operation, per_run) = match backend {
                Backend::Postgres => (3, 0, 12),
                _ => (1, 1, 20),
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
                // Forwards and backwards, the check under each later lock holds.
                assert_eq!(count("DO $migrator$"), migrations - 1, "{all}");
            } else {
                assert_eq!((created, dropped), (1, 1), "{all}");
                // Crash safety: a progress row before every operation — a new one for each
                // migration's first, moved on for the others — each travelling with the
                // operation's statement, after the row's commit (where the statement runs in
                // autocommit, the row's `UPDATE` committed itself).
                let inserted = count(&format!("INSERT INTO {progress}"));
                let moved = count(&format!("UPDATE {progress}"));
                assert_eq!(
                    (inserted, moved),
                    (migrations, operations - migrations),
                    "{all}"
                );
                let with_statement: Vec<&String> = sent
                    .iter()
                    .filter(|s| executor_support::with_progress_row(s).is_some())
                    .collect();
                assert_eq!(with_statement.len(), operations, "{all}");
                for batch in with_statement {
                    let (row, _) = batch.split_once(";\n").unwrap();
                    assert!(
                        row.starts_with(&format!("UPDATE {progress}")) || row.contains("; COMMIT"),
                        "the progress row is not committed before the statement: {batch}"
                    );
                }
                // The record of a migration whose last operation is one statement goes with
                // it, in a transaction of its own: no `COMMIT` of the step's own follows.
                let one_statement_last = report
                    .done
                    .iter()
                    .filter(|(step, _)| {
                        // In run order (last to first when unapplying).
                        let ops =
                            sql_for_migration(&g, &step.key, step.backwards, backend).unwrap();
                        let last = ops.last();
                        last.is_some_and(|op| op.statements.len() == 1 && op.rust.is_none())
                    })
                    .count();
                assert!(one_statement_last > 0);
                let folded: Vec<(&str, &str)> = sent
                    .iter()
                    .filter_map(|s| s.split_once(";\nSET @migrator_record_batch = "))
                    .collect();
                assert_eq!(folded.len(), one_statement_last, "{all}");
                // After DDL (which ended any transaction) the record opens its own; after a
                // RunSql step it commits in that step's transaction, together with its rows.
                for (head, record) in folded {
                    let (_, record) = record.split_once("; ").unwrap();
                    let after_run_sql = head.split_once(";\n").unwrap().0.ends_with("; BEGIN");
                    assert_eq!(
                        record.starts_with("BEGIN; "),
                        !after_run_sql,
                        "{head}{record}"
                    );
                    assert!(record.ends_with("; COMMIT"), "{record}");
                }
            }
            assert!(
                !migrator_core::recorder::tables(&mut conn).unwrap().progress,
                "{backend}: the progress table outlived a clean run"
            );
        }
    }
}

/// A rollback of many migrations (issue 18.3: `migrate app00 zero` of the large history
/// was 39–58 % migrator's own time) sends, per migration unapplied, only its own statements
/// and a fixed bookkeeping of round trips counted here. PostgreSQL: one batch with `BEGIN`,
/// the lock attempt (which also names the session) and the check that the record is what
/// this run's last step left; one batch unrecording it; `COMMIT` — 3, where it sent 5 (the
/// lock and a read of the whole record apart, each a prepared statement) and before that 7.
/// MySQL: the run keeps its named lock from the plan to the end, so per migration only
/// `BEGIN` — where it sent 6 (the lock, its release, a read of the record, the record's
/// batch, `COMMIT`) and then 3 — because each operation's progress row (kept, for crash
/// safety, committed before the operation runs) travels with the operation's statement, and
/// the record (unrecording it and deleting its progress row, committed) with the last one.
/// The first step still reads the record.
#[test]
fn a_rollback_sends_a_fixed_bookkeeping_per_migration_on_both_servers() {
    const STEPS: usize = 12;
    let mut migrations = vec![library_initial()];
    for i in 1..=STEPS {
        let mut m = Migration::new("library", format!("{:04}_extra_{i}", i + 1));
        m.dependencies = vec![migrations.last().unwrap().key()];
        m.operations = vec![Operation::AddField(AddField::new(
            "Author",
            FieldState::new(format!("extra_{i}"), ColumnType::Integer).nullable(),
        ))];
        migrations.push(m);
    }
    let g = graph(migrations);
    for backend in BACKENDS {
        let db = TestDb::create(backend);
        let mut conn = db.connect();
        run(&mut conn, &g, &Target::Latest).unwrap();
        let capture = Capture::default();
        conn.set_instrumentation(capture.clone());
        let report = run(&mut conn, &g, &Target::Zero("library".into())).unwrap();
        let sent = capture.0.lock().unwrap().clone();
        let migrations = report.done.len();
        assert_eq!(migrations, STEPS + 1, "{backend}");
        let operations: usize = report
            .done
            .iter()
            .map(|(step, _)| g.migration(&step.key).unwrap().operations.len())
            .sum();
        let own: usize = report
            .done
            .iter()
            .map(|(step, _)| {
                sql_for_migration(&g, &step.key, true, backend)
                    .unwrap()
                    .iter()
                    .filter(|op| !op.statements.is_empty())
                    .count()
            })
            .sum();
        let bookkeeping = sent.len() - own;
        // Per run: the plan's locked read of the record (with the recorder's tables), the
        // first step's lock, record read (on PostgreSQL with its highest id) and separate
        // catalog query, and on MySQL the
        // progress table's `CREATE`/`DROP` and its checks at the end, and the release of the
        // named lock.
        let (per_migration, per_operation, per_run) = match backend {
            Backend::Postgres => (3, 0, 12),
            _ => (1, 0, 17),
        };
        let bound = per_migration * migrations + per_operation * operations + per_run;
        assert!(
            bookkeeping <= bound,
            "{backend}: {bookkeeping} bookkeeping round trips to unapply {migrations} migrations of {operations} operations (at most {bound}):\n{}",
            sent.join("\n")
        );
        // Each operation's statements are one round trip (where DDL is transactional, a
        // batch of several), and nothing of the migrations is sent twice.
        let executed = migration_statements(&sent);
        let expected: Vec<String> = report
            .done
            .iter()
            .flat_map(|(step, _)| sql_for_migration(&g, &step.key, true, backend).unwrap())
            .flat_map(|op| op.statements)
            .collect();
        assert_eq!(executed, expected, "{backend}");
        let count = |needle: &str| sent.iter().filter(|s| s.contains(needle)).count();
        let catalog = match backend {
            Backend::Postgres => "pg_catalog",
            _ => "information_schema",
        };
        // After the first step the catalog is read with the record, not in a query of its
        // own: a fixed number per run (the plan's read, the first step, and on MySQL the
        // progress table's end), where it was one per migration.
        let catalog_alone = sent
            .iter()
            .filter(|s| {
                s.contains(catalog)
                    && !s.contains("FROM \"migrator_migrations\"")
                    && !s.contains("FROM `migrator_migrations`")
            })
            .count();
        assert!(
            catalog_alone <= 6,
            "{backend}: {catalog_alone} catalog queries:\n{}",
            sent.join("\n")
        );
        let reads = count("\"name\" FROM \"migrator_migrations\"")
            + count("`name` FROM `migrator_migrations`");
        if backend == Backend::Postgres {
            // After the first step each lock comes with the check of the record's digest, and
            // the check holds (a failing one would be followed by a read of the record).
            assert_eq!(
                count("DO $migrator$"),
                migrations - 1,
                "{}",
                sent.join("\n")
            );
        } else {
            // The run keeps its named lock: taken once for the plan, released once at the end.
            assert_eq!(
                (count("GET_LOCK"), count("RELEASE_LOCK")),
                (1, 1),
                "{}",
                sent.join("\n")
            );
        }
        // The record is read for the plan and by the first step only.
        assert!(
            reads <= 3,
            "{backend}: {reads} reads of the record:\n{}",
            sent.join("\n")
        );
        if backend == Backend::Postgres {
            assert_eq!(
                count("set_config"),
                migrations + 1,
                "{backend}: named with each lock attempt"
            );
        }
        // What a rollback waits for on the server is its commits (issue 18.3: the large
        // history's `COMMIT`s, each dropping files, were most of its wall time on both sides).
        // PostgreSQL: one per migration, as the floor (`psql -f`, one transaction per
        // migration) commits, plus the plan's read. MySQL: that, the progress row committed
        // before each operation (crash safety; the DDL commits itself) and the end's drop of
        // the progress table. A progress row moved on in autocommit (after a schema
        // operation's DDL ended the transaction) commits itself.
        let autocommitted = sent
            .iter()
            .filter_map(|s| s.split_once(";\n").map(|(row, _)| row))
            .filter(|row| row.starts_with("UPDATE `migrator_migrations_progress`"))
            .filter(|row| !row.contains("COMMIT"))
            .count();
        let commits = autocommitted
            + sent
                .iter()
                .flat_map(|s| s.split(';'))
                .filter(|s| s.trim().eq_ignore_ascii_case("COMMIT"))
                .count();
        let expected_commits = match backend {
            Backend::Postgres => migrations + 1,
            _ => migrations + operations + 2,
        };
        assert_eq!(
            commits,
            expected_commits,
            "{backend}: commits to unapply {migrations} migrations of {operations} operations:\n{}",
            sent.join("\n")
        );
        assert!(applied(&mut conn).is_empty(), "{backend}");
        assert!(
            !migrator_core::recorder::tables(&mut conn).unwrap().progress,
            "{backend}: the progress table outlived a clean run"
        );
    }
}

/// Where DDL is transactional (PostgreSQL), an operation of several statements goes to the
/// server as one batch inside a savepoint; a statement of it that fails is still named in
/// the error, and nothing of the migration stays.
#[test]
fn an_operation_is_one_round_trip_and_its_failing_statement_is_named_on_postgres() {
    let db = TestDb::create(Backend::Postgres);
    let mut conn = db.connect();
    let capture = Capture::default();
    conn.set_instrumentation(capture.clone());
    let g = graph(base());
    let report = run(&mut conn, &g, &Target::Latest).unwrap();
    let sent = capture.0.lock().unwrap().clone();
    let operations: Vec<usize> = report
        .done
        .iter()
        .flat_map(|(step, _)| sql_for_migration(&g, &step.key, false, Backend::Postgres).unwrap())
        .map(|op| op.statements.len())
        .filter(|n| *n > 0)
        .collect();
    let own = sent.iter().filter(|s| !is_bookkeeping(s)).count();
    assert_eq!(own, operations.len(), "{}", sent.join("\n"));
    assert_eq!(
        sent.iter().filter(|s| is_operation_batch(s)).count(),
        operations.iter().filter(|n| **n > 1).count(),
        "{}",
        sent.join("\n")
    );
    assert!(
        operations.iter().any(|n| *n > 1),
        "no operation of several statements"
    );

    // The second statement of a CreateModel (an index on a column that does not exist)
    // fails: the error names it, and the first statement's table is rolled back.
    let mut m = Migration::new("library", "0004_broken_index");
    m.dependencies = vec![key("library", "0003_book_status")];
    m.operations = vec![Operation::RunSql(RunSql::new(
        vec![
            "CREATE TABLE reviews (id INTEGER PRIMARY KEY)".into(),
            "CREATE INDEX reviews_missing ON reviews (no_such_column)".into(),
        ],
        Some(vec![]),
    ))];
    let mut migrations = base();
    migrations.push(m);
    let g = graph(migrations);
    let err = run(&mut conn, &g, &Target::Latest).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ExecutorError::Sql { number: 1, .. }), "{msg}");
    assert!(
        msg.contains("CREATE INDEX reviews_missing ON reviews (no_such_column)")
            && !msg.contains("SAVEPOINT"),
        "{msg}"
    );
    assert!(!introspect(&mut conn)
        .unwrap()
        .tables
        .contains_key("reviews"));
    assert_eq!(applied(&mut conn).len(), 3);
    // The connection is usable afterwards (no savepoint or transaction left open).
    run(
        &mut conn,
        &graph(base()),
        &Target::Migration(key("library", "0002_book_published_date")),
    )
    .map(|_| ())
    .unwrap_or_else(|e| panic!("{e}"));
}

/// PostgreSQL keeps 64 subtransaction ids per session in shared memory; past that, every other
/// session's snapshot reads `pg_subtrans` while the transaction is open. A migration with more
/// operations of several statements than that takes fewer savepoints (its later operations
/// go one statement per round trip), and still applies and rolls back whole.
#[test]
fn a_long_migration_takes_fewer_savepoints_than_postgres_caches_subtransactions() {
    let db = TestDb::create(Backend::Postgres);
    let mut conn = db.connect();
    let capture = Capture::default();
    conn.set_instrumentation(capture.clone());
    let mut m = Migration::new("bulk", "0001_initial");
    m.operations = (0..100)
        .map(|n| {
            Operation::RunSql(RunSql::new(
                vec![
                    format!("CREATE TABLE bulk_{n} (id INTEGER PRIMARY KEY)"),
                    format!("CREATE INDEX bulk_{n}_id ON bulk_{n} (id)"),
                ],
                Some(vec![format!("DROP TABLE bulk_{n}")]),
            ))
        })
        .collect();
    let g = graph(vec![m]);
    run(&mut conn, &g, &Target::Latest).unwrap_or_else(|e| panic!("{e}"));
    let sent = std::mem::take(&mut *capture.0.lock().unwrap());
    let batches = sent.iter().filter(|s| is_operation_batch(s)).count();
    assert!(batches > 0 && batches < 64, "{batches} savepoint batches");
    // The operations past the batches sent their statements one by one.
    let single = |sql: &str| sent.iter().filter(|s| s.trim() == sql).count();
    assert_eq!(single("CREATE INDEX bulk_99_id ON bulk_99 (id)"), 1);
    assert_eq!(single("CREATE INDEX bulk_0_id ON bulk_0 (id)"), 0);
    let tables = introspect(&mut conn).unwrap().tables;
    assert_eq!(
        (0..100)
            .filter(|n| tables.contains_key(&format!("bulk_{n}")))
            .count(),
        100
    );

    // A failure past the batches still rolls the whole migration back.
    let mut m = Migration::new("bulk", "0002_broken");
    m.dependencies = vec![key("bulk", "0001_initial")];
    m.operations = (0..80)
        .map(|n| {
            let last = if n == 79 { "no_such_column" } else { "id" };
            Operation::RunSql(RunSql::new(
                vec![
                    format!("CREATE TABLE more_{n} (id INTEGER PRIMARY KEY)"),
                    format!("CREATE INDEX more_{n}_id ON more_{n} ({last})"),
                ],
                Some(vec![]),
            ))
        })
        .collect();
    let initial = g.migration(&key("bulk", "0001_initial")).cloned().unwrap();
    let g = graph(vec![initial, m]);
    let err = run(&mut conn, &g, &Target::Latest).unwrap_err();
    assert!(
        matches!(err, ExecutorError::Sql { number: 80, .. }),
        "{err}"
    );
    let tables = introspect(&mut conn).unwrap().tables;
    assert!(
        !tables.contains_key("more_0"),
        "the migration was not rolled back"
    );
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
