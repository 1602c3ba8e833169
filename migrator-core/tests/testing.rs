//! `migrator_core::testing` and `#[migrator_core::test]` (issue 19) on SQLite, PostgreSQL and
//! MariaDB: every test database is new and uniquely named, migrated (from a template or from
//! scratch) to the latest or to `migrate_to`, filled by fixtures, and gone afterwards — after
//! success, after a panic, after an `Err` — unless `keep_on_failure` kept a failing one;
//! parallel tests never see each other's rows; `MigrationTest` crosses a data migration both
//! ways.
//!
//! The runtime tests run on each backend through `TestOptions::url` (SQLite always; the
//! servers with the `postgres`/`mysql` features: `cargo test -p migrator-core --features
//! postgres,mysql --test testing`). The `attribute` module uses the attribute itself on the
//! database the environment configures, so `scripts/test` also runs it with `DATABASE_URL`
//! pointing at each server. Servers: `MIGRATOR_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), `MIGRATOR_TEST_MYSQL_URL` (default
//! `mysql://root@127.0.0.1:3306/mysql`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::{Arc, Mutex};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};
use migrator_core::backend::{Backend, DbConnection};
use migrator_core::database::{connect, DatabaseUrl};
use migrator_core::loader::EmbeddedApp;
use migrator_core::migration::prelude::*;
use migrator_core::testing::__private::{run_with, TestSpec};
use migrator_core::testing::{MigrationTest, TestOptions, TestingError, TEST_PREFIX};

// ---------------------------------------------------------------------------------------
// The app under test: `shelf`, embedded as an app crate's `embed_migrations!()` does.
// ---------------------------------------------------------------------------------------

fn shelf_0001() -> Migration {
    Migration::default().initial(true).operation(
        create_model("Book", "shelf_book")
            .field(
                field("id", ColumnType::BigInt)
                    .primary_key()
                    .auto_increment(),
            )
            .field(field("title", ColumnType::Varchar(200))),
    )
}

fn shelf_0002() -> Migration {
    Migration::default()
        .dependency("shelf", "0001_initial")
        .operation(add_field(
            "Book",
            field("pages", ColumnType::Integer).default(DefaultValue::Int(0)),
        ))
}

/// A data migration: books without a page count get 100; unapplying puts 0 back.
fn shelf_0003() -> Migration {
    Migration::default()
        .dependency("shelf", "0002_book_pages")
        .operation(
            run_sql(["UPDATE shelf_book SET pages = 100 WHERE pages = 0"])
                .reverse(["UPDATE shelf_book SET pages = 0 WHERE pages = 100"]),
        )
}

migrator_core::__private::inventory::submit! {
    EmbeddedApp {
        app: "shelf",
        migrations_dir: "/nonexistent/shelf/migrations",
        migrations: &[
            ("0001_initial", shelf_0001),
            ("0002_book_pages", shelf_0002),
            ("0003_fill_pages", shelf_0003),
        ],
        code_checksums: &[],
    }
}

// ---------------------------------------------------------------------------------------
// Backends and what is on them
// ---------------------------------------------------------------------------------------

/// The URL a test's options point at: the servers of the conformance suite, or an SQLite URL
/// (its file is never touched: test databases are temporary files).
fn base_url(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => "sqlite://never-created.sqlite3".to_owned(),
        Backend::Postgres => std::env::var("MIGRATOR_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned()),
        Backend::Mysql => std::env::var("MIGRATOR_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".to_owned()),
    }
}

/// Every backend this build can test; a server that is down fails the test (nothing skipped).
fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if cfg!(feature = "postgres") {
        all.push(Backend::Postgres);
    }
    if cfg!(feature = "mysql") {
        all.push(Backend::Mysql);
    }
    all
}

fn options(backend: Backend, name: &str) -> TestOptions {
    TestOptions::new(name).url(base_url(backend))
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The test databases on `backend` whose name starts with `migrator_test_<short>_`.
fn test_databases(backend: Backend, short: &str) -> Vec<String> {
    let prefix = format!("{TEST_PREFIX}{short}_");
    match backend {
        Backend::Sqlite => std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with(&prefix))
            .collect(),
        _ => {
            let url = DatabaseUrl::parse(&base_url(backend), Path::new("/")).unwrap();
            let mut admin = connect(&url).unwrap_or_else(|e| {
                panic!("the {backend} server at {url} is unreachable ({e}); start it (see scripts/test)")
            });
            let sql = match backend {
                Backend::Postgres => "SELECT datname AS name FROM pg_database",
                _ => "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA",
            };
            diesel::sql_query(sql)
                .load::<Name>(&mut admin)
                .unwrap()
                .into_iter()
                .map(|n| n.name)
                .filter(|n| n.starts_with(&prefix))
                .collect()
        }
    }
}

fn count(conn: &mut DbConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

fn applied(conn: &mut DbConnection) -> Vec<String> {
    let mut keys: Vec<String> = migrator_core::executor::applied_migrations(conn)
        .unwrap()
        .into_keys()
        .map(|k| k.to_string())
        .collect();
    keys.sort();
    keys
}

fn has_pages_column(conn: &mut DbConnection) -> bool {
    let sql = "SELECT pages FROM shelf_book WHERE 1 = 0";
    diesel::sql_query(sql).execute(conn).is_ok()
}

/// A spec as the attribute writes it, for `run_with`.
fn spec(name: &'static str) -> TestSpec {
    TestSpec {
        name,
        manifest_dir: env!("CARGO_MANIFEST_DIR"),
        target_tmpdir: Some(env!("CARGO_TARGET_TMPDIR")),
        migrate_to: None,
        fixtures: &[],
        fixture: None,
        keep_on_failure: false,
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// The runtime on every backend
// ---------------------------------------------------------------------------------------

#[test]
fn each_database_is_new_migrated_to_the_latest_and_dropped_after_success() {
    for backend in backends() {
        for templates in [true, false] {
            let short = if templates {
                "latest_tpl"
            } else {
                "latest_scratch"
            };
            let mut db = options(backend, short)
                .templates(templates)
                .create()
                .unwrap();
            assert_eq!(db.backend(), backend);
            assert!(db.name().contains(TEST_PREFIX), "{}", db.name());
            let conn = db.conn();
            assert_eq!(
                applied(conn),
                [
                    "shelf.0001_initial",
                    "shelf.0002_book_pages",
                    "shelf.0003_fill_pages"
                ],
                "{backend}, templates {templates}"
            );
            assert!(has_pages_column(conn));
            assert_eq!(count(conn, "SELECT COUNT(*) AS n FROM shelf_book"), 0);
            assert_eq!(test_databases(backend, short).len(), 1, "{backend}");
            db.close().unwrap();
            assert!(
                test_databases(backend, short).is_empty(),
                "{backend}: the test database is left behind"
            );
        }
    }
}

#[test]
fn migrate_to_stops_at_the_named_migration_and_accepts_a_unique_prefix() {
    for backend in backends() {
        for templates in [true, false] {
            let mut db = options(backend, "migrate_to")
                .templates(templates)
                .migrate_to("shelf.0001")
                .create()
                .unwrap();
            assert_eq!(applied(db.conn()), ["shelf.0001_initial"], "{backend}");
            assert!(!has_pages_column(db.conn()), "{backend}: 0002 ran");
        }
        let err = options(backend, "migrate_to_bad")
            .migrate_to("shelf.0009")
            .create()
            .unwrap_err();
        assert!(
            matches!(&err, TestingError::BadTarget { given, .. } if given == "shelf.0009"),
            "{err}"
        );
        assert!(err.to_string().contains("0009"), "{err}");
    }
}

#[test]
fn the_template_is_copied_not_shared() {
    for backend in backends() {
        let mut first = options(backend, "copied").create().unwrap();
        first
            .conn()
            .batch_execute("INSERT INTO shelf_book (title, pages) VALUES ('Dune', 412)")
            .unwrap();
        let mut second = options(backend, "copied").create().unwrap();
        assert_ne!(first.name(), second.name());
        assert_eq!(
            count(second.conn(), "SELECT COUNT(*) AS n FROM shelf_book"),
            0,
            "{backend}: a row written in one test database shows in another"
        );
        drop(first);
        drop(second);
        assert!(test_databases(backend, "copied").is_empty(), "{backend}");
    }
}

#[test]
fn parallel_tests_never_see_each_others_rows() {
    for backend in backends() {
        let names = Arc::new(Mutex::new(Vec::new()));
        let threads: Vec<_> = (0..6)
            .map(|i| {
                let names = Arc::clone(&names);
                std::thread::spawn(move || {
                    let mut db = options(backend, "parallel").create().unwrap();
                    names.lock().unwrap().push(db.name().to_owned());
                    let conn = db.conn();
                    for j in 0..3 {
                        conn.batch_execute(&format!(
                            "INSERT INTO shelf_book (title, pages) VALUES ('t{i}', {j})"
                        ))
                        .unwrap();
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    let mine = count(
                        conn,
                        &format!("SELECT COUNT(*) AS n FROM shelf_book WHERE title = 't{i}'"),
                    );
                    let all = count(conn, "SELECT COUNT(*) AS n FROM shelf_book");
                    assert_eq!((mine, all), (3, 3), "{backend}: test {i} saw other rows");
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let mut names = names.lock().unwrap().clone();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 6, "{backend}: names were reused");
        assert!(test_databases(backend, "parallel").is_empty(), "{backend}");
    }
}

fn panics_after_writing(conn: &mut DbConnection) {
    conn.batch_execute("INSERT INTO shelf_book (title) VALUES ('half-done')")
        .unwrap();
    panic!("the test body panicked on purpose");
}

#[test]
fn a_panicking_test_fails_with_its_panic_and_leaves_no_database() {
    for backend in backends() {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            run_with(
                options(backend, "panics"),
                spec("testing::panics"),
                panics_after_writing,
            )
        }));
        let payload = outcome.expect_err("the panic must reach the test harness");
        assert_eq!(
            panic_text(&*payload),
            "the test body panicked on purpose",
            "{backend}"
        );
        assert!(
            test_databases(backend, "panics").is_empty(),
            "{backend}: a panicking test left its database"
        );
    }
}

fn returns_an_error(conn: &mut DbConnection) -> Result<(), String> {
    conn.batch_execute("INSERT INTO shelf_book (title) VALUES ('x')")
        .unwrap();
    Err("the body returned an error".to_owned())
}

#[test]
fn a_test_returning_err_fails_and_leaves_no_database() {
    for backend in backends() {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            run_with(
                options(backend, "returns_err"),
                spec("testing::returns_err"),
                returns_an_error,
            )
        }));
        let text = panic_text(&*outcome.expect_err("an Err fails the test"));
        assert_eq!(text, "Error: \"the body returned an error\"", "{backend}");
        assert!(
            test_databases(backend, "returns_err").is_empty(),
            "{backend}"
        );
    }
}

#[test]
fn keep_on_failure_keeps_a_failing_tests_database_with_its_rows() {
    for backend in backends() {
        let mut keep = spec("testing::kept");
        keep.keep_on_failure = true;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            run_with(options(backend, "kept"), keep, panics_after_writing)
        }));
        assert!(outcome.is_err());
        let kept = test_databases(backend, "kept");
        assert_eq!(kept.len(), 1, "{backend}: {kept:?}");
        // The rows the test wrote are there to inspect.
        let url = match backend {
            Backend::Sqlite => {
                format!("sqlite://{}", std::env::temp_dir().join(&kept[0]).display())
            }
            _ => DatabaseUrl::parse(&base_url(backend), Path::new("/"))
                .unwrap()
                .with_database(&kept[0])
                .unwrap()
                .expose(),
        };
        let mut conn = connect(&DatabaseUrl::parse(&url, Path::new("/")).unwrap()).unwrap();
        assert_eq!(
            count(
                &mut conn,
                "SELECT COUNT(*) AS n FROM shelf_book WHERE title = 'half-done'"
            ),
            1
        );
        drop(conn);
        drop_kept(backend, &kept[0]);
        // A passing test's database is dropped even with keep_on_failure.
        let mut keep = spec("testing::kept_pass");
        keep.keep_on_failure = true;
        run_with(
            options(backend, "kept_pass"),
            keep,
            |_: &mut DbConnection| {},
        );
        assert!(test_databases(backend, "kept_pass").is_empty(), "{backend}");
    }
}

fn drop_kept(backend: Backend, name: &str) {
    if backend == Backend::Sqlite {
        std::fs::remove_file(std::env::temp_dir().join(name)).unwrap();
        return;
    }
    let url = DatabaseUrl::parse(&base_url(backend), Path::new("/")).unwrap();
    connect(&url)
        .unwrap()
        .batch_execute(&format!("DROP DATABASE {}", backend.quote(name)))
        .unwrap();
}

fn counts_fixture_rows(conn: &mut DbConnection) {
    assert_eq!(count(conn, "SELECT COUNT(*) AS n FROM shelf_book"), 3);
    assert_eq!(
        count(conn, "SELECT COUNT(*) AS n FROM shelf_book WHERE pages = 7"),
        1,
        "the Rust fixture runs after the SQL fixtures"
    );
}

fn seven_pages(conn: &mut DbConnection) -> Result<(), diesel::result::Error> {
    conn.batch_execute("UPDATE shelf_book SET pages = 7 WHERE title = 'Emma'")
}

fn failing_fixture(conn: &mut DbConnection) -> Result<(), diesel::result::Error> {
    conn.batch_execute("UPDATE no_such_table SET x = 1")
}

#[test]
fn fixtures_run_in_order_sql_files_then_the_rust_function() {
    for backend in backends() {
        let mut with = spec("testing::fixtures");
        with.fixtures = &[
            ("a.sql", "INSERT INTO shelf_book (title) VALUES ('Emma');\nINSERT INTO shelf_book (title) VALUES ('Ulysses');"),
            ("b.sql", "INSERT INTO shelf_book (title) VALUES ('Kim')"),
        ];
        with.fixture = Some(("seven_pages", |c| seven_pages(c).map_err(|e| e.to_string())));
        run_with(options(backend, "fixtures"), with, counts_fixture_rows);

        let mut bad = spec("testing::bad_fixture");
        bad.fixtures = &[("broken.sql", "INSERT INTO no_such_table VALUES (1)")];
        let text = panic_text(
            &*catch_unwind(AssertUnwindSafe(|| {
                run_with(
                    options(backend, "bad_fixture"),
                    bad,
                    |_: &mut DbConnection| {},
                )
            }))
            .unwrap_err(),
        );
        assert!(
            text.contains("fixture `broken.sql` failed"),
            "{backend}: {text}"
        );
        let mut bad_fn = spec("testing::bad_fixture_fn");
        bad_fn.fixture = Some(("failing_fixture", |c| {
            failing_fixture(c).map_err(|e| e.to_string())
        }));
        let text = panic_text(
            &*catch_unwind(AssertUnwindSafe(|| {
                run_with(
                    options(backend, "bad_fixture_fn"),
                    bad_fn,
                    |_: &mut DbConnection| {},
                )
            }))
            .unwrap_err(),
        );
        assert!(
            text.contains("fixture `failing_fixture` failed"),
            "{backend}: {text}"
        );
        for short in ["fixtures", "bad_fixture", "bad_fixture_fn"] {
            assert!(
                test_databases(backend, short).is_empty(),
                "{backend}: {short}"
            );
        }
    }
}

#[test]
fn a_migration_test_crosses_the_data_migration_forwards_and_backwards() {
    for backend in backends() {
        let mut db = options(backend, "migration_test")
            .migrate_to("shelf.0002_book_pages")
            .create()
            .unwrap();
        let conn = db.conn();
        let test = MigrationTest::new("shelf.0003").unwrap();
        assert_eq!(test.migration().to_string(), "shelf.0003_fill_pages");
        // Already just before it: nothing runs.
        assert!(test.migrate_before(conn).unwrap().done.is_empty());
        conn.batch_execute(
            "INSERT INTO shelf_book (title, pages) VALUES ('Emma', 0), ('Kim', 368)",
        )
        .unwrap();
        test.migrate_forwards(conn).unwrap();
        assert_eq!(
            count(
                conn,
                "SELECT COUNT(*) AS n FROM shelf_book WHERE pages = 100"
            ),
            1
        );
        assert_eq!(
            count(
                conn,
                "SELECT COUNT(*) AS n FROM shelf_book WHERE pages = 368"
            ),
            1
        );
        let err = test.migrate_forwards(conn).unwrap_err();
        assert!(err.to_string().contains("applied already"), "{err}");
        test.migrate_backwards(conn).unwrap();
        assert_eq!(
            count(conn, "SELECT COUNT(*) AS n FROM shelf_book WHERE pages = 0"),
            1
        );
        assert_eq!(
            applied(conn),
            ["shelf.0001_initial", "shelf.0002_book_pages"]
        );
        // From the latest state, `migrate_before` goes backwards.
        let mut latest = options(backend, "migration_test").create().unwrap();
        let report = test.migrate_before(latest.conn()).unwrap();
        assert_eq!(report.done.len(), 1, "{backend}");
        assert!(report.done[0].0.backwards);
        let before = test.state_before().unwrap();
        let after = test.state_after().unwrap();
        assert_eq!(
            before, after,
            "a data migration leaves the models as they were"
        );
    }
}

#[test]
fn a_migration_test_of_an_initial_migration_goes_back_to_zero() {
    let test = MigrationTest::new("shelf.0001_initial").unwrap();
    assert_eq!(
        test.before(),
        &migrator_core::executor::Target::Zero("shelf".to_owned())
    );
    let err = MigrationTest::new("library.0001").unwrap_err();
    assert!(err.to_string().contains("library.0001"), "{err}");
}

// ---------------------------------------------------------------------------------------
// The attribute itself, on the database the environment configures
// ---------------------------------------------------------------------------------------

mod attribute {
    use super::*;

    /// The backend `DATABASE_URL` names (SQLite when it is unset).
    fn configured_backend() -> Backend {
        match std::env::var("DATABASE_URL") {
            Ok(url) => DatabaseUrl::parse(&url, Path::new("/")).unwrap().backend(),
            Err(_) => Backend::Sqlite,
        }
    }

    #[migrator_core::test]
    fn gets_a_migrated_database(conn: &mut DbConnection) {
        assert_eq!(conn.backend(), configured_backend());
        assert_eq!(
            applied(conn),
            [
                "shelf.0001_initial",
                "shelf.0002_book_pages",
                "shelf.0003_fill_pages"
            ]
        );
        conn.batch_execute("INSERT INTO shelf_book (title) VALUES ('Persuasion')")
            .unwrap();
        assert_eq!(count(conn, "SELECT COUNT(*) AS n FROM shelf_book"), 1);
    }

    #[migrator_core::test(migrate_to = "shelf.0001_initial")]
    fn stops_at_migrate_to(conn: &mut DbConnection) {
        assert_eq!(applied(conn), ["shelf.0001_initial"]);
        assert!(!has_pages_column(conn));
    }

    #[migrator_core::test(fixtures("testing_fixtures/books.sql"), fixture = seven_pages)]
    fn applies_fixtures(conn: &mut DbConnection) {
        counts_fixture_rows(conn);
    }

    #[migrator_core::test]
    fn may_return_a_result(conn: &mut DbConnection) -> Result<(), diesel::result::Error> {
        conn.batch_execute("INSERT INTO shelf_book (title) VALUES ('Middlemarch')")?;
        Ok(())
    }

    #[migrator_core::test]
    #[should_panic(expected = "the test body panicked on purpose")]
    fn fails_with_the_bodys_panic(conn: &mut DbConnection) {
        panics_after_writing(conn);
    }

    #[migrator_core::test(migrate_to = "shelf.0002_book_pages")]
    fn tests_the_data_migration(conn: &mut DbConnection) {
        let test = MigrationTest::new("shelf.0003_fill_pages").unwrap();
        conn.batch_execute("INSERT INTO shelf_book (title) VALUES ('Emma')")
            .unwrap();
        test.migrate_forwards(conn).unwrap();
        assert_eq!(
            count(
                conn,
                "SELECT COUNT(*) AS n FROM shelf_book WHERE pages = 100"
            ),
            1
        );
        test.migrate_backwards(conn).unwrap();
        assert_eq!(
            count(conn, "SELECT COUNT(*) AS n FROM shelf_book WHERE pages = 0"),
            1
        );
    }
}

// ---------------------------------------------------------------------------------------
// Several test binaries building the same template at once
// ---------------------------------------------------------------------------------------

/// The shelf history plus a migration whose SQL holds `nonce`, so its template is new.
fn nonce_graph(nonce: &str) -> Arc<migrator_core::graph::MigrationGraph> {
    let extra = Migration::default()
        .dependency("shelf", "0003_fill_pages")
        .operation(
            run_sql([format!("UPDATE shelf_book SET pages = {nonce} WHERE 1 = 0")]).reverse_noop(),
        );
    Arc::new(
        migrator_core::graph::MigrationGraph::new(vec![
            shelf_0001().named("shelf", "0001_initial"),
            shelf_0002().named("shelf", "0002_book_pages"),
            shelf_0003().named("shelf", "0003_fill_pages"),
            extra.named("shelf", "0004_nonce"),
        ])
        .unwrap(),
    )
}

const CHILD_ENV: &str = "MIGRATOR_TESTING_TEMPLATE_CHILD";

/// The child process of `concurrent_test_binaries_build_one_template`: one test database
/// from the nonce graph's template (`CHILD_ENV` = `backend nonce template_dir`).
#[test]
#[ignore = "a child process of concurrent_test_binaries_build_one_template"]
fn template_child() {
    let spec =
        std::env::var(CHILD_ENV).expect("run by concurrent_test_binaries_build_one_template");
    let mut parts = spec.split(' ');
    let backend = match parts.next().unwrap() {
        "sqlite" => Backend::Sqlite,
        "postgres" => Backend::Postgres,
        "mysql" => Backend::Mysql,
        other => panic!("unknown backend {other}"),
    };
    let nonce = parts.next().unwrap();
    let dir = parts.next().unwrap();
    let mut db = options(backend, "child")
        .graph(nonce_graph(nonce))
        .template_dir(dir)
        .create()
        .unwrap();
    assert_eq!(applied(db.conn()).len(), 4);
    db.close().unwrap();
}

#[test]
fn concurrent_test_binaries_build_one_template() {
    let dir = tempfile::tempdir().unwrap();
    for backend in backends() {
        let nonce = format!("{}", std::process::id() * 10 + backend as u32);
        let name = options(backend, "child")
            .graph(nonce_graph(&nonce))
            .template_dir(dir.path())
            .template_name()
            .unwrap();
        let label = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        };
        // Started together, so they race for the template.
        let children: Vec<_> = (0..3)
            .map(|_| {
                std::process::Command::new(std::env::current_exe().unwrap())
                    .args([
                        "template_child",
                        "--exact",
                        "--ignored",
                        "--test-threads",
                        "1",
                    ])
                    .env(
                        CHILD_ENV,
                        format!("{label} {nonce} {}", dir.path().display()),
                    )
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success() && stdout.contains("1 passed"),
                "{backend}: a child failed:\n{stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // One template under its name, no half-built copy left, no test database left.
        let templates: Vec<String> = match backend {
            Backend::Sqlite => std::fs::read_dir(dir.path().join("migrator-templates"))
                .unwrap()
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.starts_with(&name))
                .collect(),
            _ => {
                let url = DatabaseUrl::parse(&base_url(backend), Path::new("/")).unwrap();
                let sql = match backend {
                    Backend::Postgres => "SELECT datname AS name FROM pg_database",
                    _ => "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA",
                };
                diesel::sql_query(sql)
                    .load::<Name>(&mut connect(&url).unwrap())
                    .unwrap()
                    .into_iter()
                    .map(|n| n.name)
                    .filter(|n| n.starts_with(&name))
                    .collect()
            }
        };
        let expected = match backend {
            Backend::Sqlite => format!("{name}.sqlite3"),
            _ => name.clone(),
        };
        assert_eq!(templates, [expected], "{backend}");
        assert!(test_databases(backend, "child").is_empty(), "{backend}");
        options(backend, "child")
            .graph(nonce_graph(&nonce))
            .template_dir(dir.path())
            .drop_template()
            .unwrap();
    }
}
