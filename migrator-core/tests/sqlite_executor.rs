//! The executor on real SQLite files: plans and targets, up → down → up, failure injection
//! (schema and recorder untouched, error naming the operation and its SQL), RunRust inside the
//! migration's transaction, `--fake`, `--fake-initial`, name prefixes, `zero`, irreversible
//! refusal, checksum and history checks, and `sqlmigrate` output equal to what `migrate`
//! actually executes.

mod executor_support;
mod sqlite_support;

#[path = "sqlite_executor/events.rs"]
mod events;
#[path = "sqlite_executor/lock.rs"]
mod lock;
#[path = "sqlite_executor/records.rs"]
mod records;
#[path = "sqlite_executor/squash.rs"]
mod squash;

use std::collections::BTreeSet;
use std::sync::Arc;

use diesel::Connection;
use executor_support::{
    applied, graph, key, library_0002, library_0003, library_initial, migration_statements, Capture,
};
use migrator_core::backend::{Backend, DbConnection};
use migrator_core::executor::{
    migrate, migration_plan, resolve_target, sql_for_migration, ExecutorError, MigrateEvent,
    MigrateOptions, MigrateReport, Outcome, PlanStep, Target,
};
use migrator_core::graph::MigrationGraph;
use migrator_core::introspect::{expected_schema, introspect};
use migrator_core::operations::{AddField, CreateModel, RunRust, RunSql};
use migrator_core::recorder;
use migrator_core::{
    ColumnType, FieldState, ForeignKey, Migration, ModelState, OnDelete, Operation,
};
use sqlite_support::{assert_schema, exec, rows, temp_db};

pub(crate) fn shop_initial() -> Migration {
    let mut order = ModelState::new("shop", "Order", "orders");
    order.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("book", ColumnType::BigInt)
            .column("book_id")
            .foreign_key(ForeignKey::new("library", "Book", OnDelete::Restrict)),
    ];
    let mut m = Migration::new("shop", "0001_initial");
    m.initial = true;
    m.dependencies = vec![key("library", "0002_book_published_date")];
    m.operations = vec![Operation::CreateModel(CreateModel::from_state(&order))];
    m
}

pub(crate) fn base() -> Vec<Migration> {
    vec![
        library_initial(),
        library_0002(),
        library_0003(),
        shop_initial(),
    ]
}

pub(crate) fn run(
    conn: &mut DbConnection,
    g: &MigrationGraph,
    target: &Target,
    options: MigrateOptions,
) -> Result<MigrateReport, ExecutorError> {
    migrate(conn, g, target, &options, &mut |_| {})
}

pub(crate) fn up(conn: &mut DbConnection, g: &MigrationGraph, target: &Target) -> MigrateReport {
    run(conn, g, target, MigrateOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn keys(steps: &[PlanStep]) -> Vec<(String, bool)> {
    steps
        .iter()
        .map(|s| (s.key.to_string(), s.backwards))
        .collect()
}

#[test]
fn up_down_up_leaves_an_identical_schema() {
    let (_dir, mut conn) = temp_db();
    let g = graph(base());
    let mut events = Vec::new();
    let report = migrate(
        &mut conn,
        &g,
        &Target::Latest,
        &MigrateOptions::default(),
        &mut |e| {
            events.push(match e {
                MigrateEvent::Planned(p) => format!("plan {}", p.len()),
                MigrateEvent::Started(s) => format!("start {}", s.key),
                MigrateEvent::WaitingForLock(w) => format!("wait {w}"),
                MigrateEvent::Finished { step, outcome, .. } => {
                    format!("done {} {outcome:?}", step.key)
                }
                // Operation events: `sqlite_executor/events.rs`.
                MigrateEvent::OperationStarted { .. } | MigrateEvent::OperationFinished { .. } => {
                    return
                }
            })
        },
    )
    .unwrap();
    assert_eq!(report.done.len(), 4);
    assert_eq!(
        events,
        [
            "plan 4",
            "start library.0001_initial",
            "done library.0001_initial Applied",
            "start library.0002_book_published_date",
            "done library.0002_book_published_date Applied",
            "start library.0003_book_status",
            "done library.0003_book_status Applied",
            "start shop.0001_initial",
            "done shop.0001_initial Applied",
        ]
    );
    assert_schema(&mut conn, &g.project_state().unwrap());
    let first = introspect(&mut conn).unwrap();
    assert_eq!(applied(&mut conn).len(), 4);

    // Zero for library unapplies shop first (it depends on library.0002).
    let report = up(&mut conn, &g, &Target::Zero("library".into()));
    assert_eq!(
        keys(&report.plan),
        [
            ("shop.0001_initial".to_owned(), true),
            ("library.0003_book_status".to_owned(), true),
            ("library.0002_book_published_date".to_owned(), true),
            ("library.0001_initial".to_owned(), true),
        ]
    );
    assert!(introspect(&mut conn).unwrap().tables.is_empty());
    assert!(applied(&mut conn).is_empty());

    up(&mut conn, &g, &Target::Latest);
    assert_eq!(introspect(&mut conn).unwrap(), first);
    // Nothing left to do.
    assert!(up(&mut conn, &g, &Target::Latest).plan.is_empty());
}

#[test]
fn backwards_to_a_target_and_forwards_to_an_app_leaf() {
    let (_dir, mut conn) = temp_db();
    let g = graph(base());
    up(&mut conn, &g, &Target::Latest);
    let target = resolve_target(&g, Some("library"), Some("0001")).unwrap();
    let report = up(&mut conn, &g, &target);
    assert_eq!(
        keys(&report.plan),
        [
            ("shop.0001_initial".to_owned(), true),
            ("library.0003_book_status".to_owned(), true),
            ("library.0002_book_published_date".to_owned(), true),
        ]
    );
    assert_eq!(
        applied(&mut conn),
        BTreeSet::from([key("library", "0001_initial")])
    );
    assert_schema(
        &mut conn,
        &g.make_state(&[key("library", "0001_initial")]).unwrap(),
    );
    // The RunSql's reverse removed its row.
    assert!(rows(&mut conn, "authors", "name", "id").is_empty());

    let report = up(&mut conn, &g, &Target::AppLatest("shop".into()));
    assert_eq!(
        keys(&report.plan),
        [
            ("library.0002_book_published_date".to_owned(), false),
            ("shop.0001_initial".to_owned(), false),
        ]
    );
}

#[test]
fn name_prefixes_unknown_and_ambiguous_names() {
    let g = graph(base());
    assert_eq!(
        resolve_target(&g, Some("library"), Some("0002")).unwrap(),
        Target::Migration(key("library", "0002_book_published_date"))
    );
    assert_eq!(
        resolve_target(&g, Some("library"), Some("zero")).unwrap(),
        Target::Zero("library".into())
    );
    assert_eq!(resolve_target(&g, None, None).unwrap(), Target::Latest);
    let err = resolve_target(&g, Some("library"), Some("000"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("0001_initial") && err.contains("0003_book_status"),
        "{err}"
    );
    let err = resolve_target(&g, Some("library"), Some("0009"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no migration matching `0009`") && err.contains("0002_book_published_date"),
        "{err}"
    );
    let err = resolve_target(&g, Some("nope"), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("library, shop"), "{err}");
}

fn failing_0004(first: Operation) -> Migration {
    let mut m = Migration::new("library", "0004_broken");
    m.dependencies = vec![key("library", "0003_book_status")];
    m.operations = vec![
        first,
        Operation::RunSql(RunSql::new(
            vec!["INSERT INTO \"no_such_table\" VALUES (1)".into()],
            Some(vec![]),
        )),
    ];
    m
}

#[test]
fn a_failing_operation_rolls_the_whole_migration_back() {
    let (_dir, mut conn) = temp_db();
    let mut migrations = base();
    migrations.push(failing_0004(Operation::AddField(AddField::new(
        "Book",
        FieldState::new("isbn", ColumnType::Varchar(13))
            .nullable()
            .unique(),
    ))));
    let g = graph(migrations);
    up(
        &mut conn,
        &g,
        &Target::Migration(key("library", "0003_book_status")),
    );
    up(&mut conn, &g, &Target::AppLatest("shop".into()));
    let schema_before = introspect(&mut conn).unwrap();
    let applied_before = applied(&mut conn);

    let err = run(&mut conn, &g, &Target::Latest, MigrateOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, ExecutorError::Sql { number: 2, .. }),
        "{err:?}"
    );
    assert!(msg.contains("library.0004_broken"), "{msg}");
    assert!(msg.contains("operation 2 (Raw SQL operation)"), "{msg}");
    assert!(
        msg.contains("INSERT INTO \"no_such_table\" VALUES (1)"),
        "{msg}"
    );
    assert!(msg.contains("no such table"), "{msg}");
    assert_eq!(introspect(&mut conn).unwrap(), schema_before);
    assert_eq!(applied(&mut conn), applied_before);
}

fn insert_author(conn: &mut DbConnection) -> Result<(), migrator_core::BoxError> {
    // Inside the migration's transaction: diesel nests a savepoint here.
    conn.transaction(|c| {
        diesel::connection::SimpleConnection::batch_execute(
            c,
            "INSERT INTO \"authors\" (\"name\") VALUES ('from rust')",
        )
    })?;
    Ok(())
}

fn delete_author(conn: &mut DbConnection) -> Result<(), migrator_core::BoxError> {
    diesel::connection::SimpleConnection::batch_execute(
        conn,
        "DELETE FROM \"authors\" WHERE \"name\" = 'from rust'",
    )?;
    Ok(())
}

#[test]
fn run_rust_runs_inside_the_migration_transaction() {
    let (_dir, mut conn) = temp_db();
    let rust = Operation::RunRust(RunRust {
        name: "insert_author",
        forward: insert_author,
        backward: Some(delete_author),
        elidable: false,
    });
    let mut migrations = base();
    migrations.push(failing_0004(rust.clone()));
    let g = graph(migrations);
    up(
        &mut conn,
        &g,
        &Target::Migration(key("library", "0003_book_status")),
    );
    let err = run(&mut conn, &g, &Target::Latest, MigrateOptions::default()).unwrap_err();
    assert!(matches!(err, ExecutorError::Sql { number: 2, .. }), "{err}");
    assert_eq!(
        rows(&mut conn, "authors", "name", "id"),
        ["[\"Le Guin\"]"],
        "the RunRust write survived a failed migration"
    );

    // The same step in a migration that succeeds commits, and unapplying runs its backward.
    let mut ok = Migration::new("library", "0004_rust");
    ok.dependencies = vec![key("library", "0003_book_status")];
    ok.operations = vec![rust];
    let mut migrations = base();
    migrations.push(ok);
    let g = graph(migrations);
    up(&mut conn, &g, &Target::AppLatest("library".into()));
    assert_eq!(
        rows(&mut conn, "authors", "name", "id"),
        ["[\"Le Guin\"]", "[\"from rust\"]"]
    );
    up(
        &mut conn,
        &g,
        &Target::Migration(key("library", "0003_book_status")),
    );
    assert_eq!(rows(&mut conn, "authors", "name", "id"), ["[\"Le Guin\"]"]);
}

#[test]
fn irreversible_operations_are_refused_before_anything_runs() {
    let (_dir, mut conn) = temp_db();
    let mut m = Migration::new("library", "0004_data");
    m.dependencies = vec![key("library", "0003_book_status")];
    m.operations = vec![Operation::RunSql(RunSql::new(
        vec!["UPDATE \"books\" SET \"status\" = 'published'".into()],
        None,
    ))];
    let mut migrations = base();
    migrations.push(m);
    let g = graph(migrations);
    up(&mut conn, &g, &Target::Latest);
    let schema = introspect(&mut conn).unwrap();
    let before = applied(&mut conn);
    let err = run(
        &mut conn,
        &g,
        &Target::Zero("library".into()),
        MigrateOptions::default(),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("library.0004_data") && msg.contains("irreversible"),
        "{msg}"
    );
    assert!(msg.contains("operation 1 (Raw SQL operation)"), "{msg}");
    assert_eq!(applied(&mut conn), before, "something was unapplied");
    assert_eq!(introspect(&mut conn).unwrap(), schema);
}

#[test]
fn fake_records_without_running() {
    let (_dir, mut conn) = temp_db();
    let g = graph(base());
    let target = resolve_target(&g, Some("library"), Some("0002")).unwrap();
    let report = run(
        &mut conn,
        &g,
        &target,
        MigrateOptions {
            fake: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(report.done.iter().all(|(_, o)| *o == Outcome::Faked));
    assert_eq!(applied(&mut conn).len(), 2);
    assert!(introspect(&mut conn).unwrap().tables.is_empty());
}

#[test]
fn fake_initial_records_an_initial_migration_whose_tables_exist() {
    let (_dir, mut conn) = temp_db();
    let g = graph(base());
    // The tables exist (made outside migrator), the recorder knows nothing.
    let sql =
        sql_for_migration(&g, &key("library", "0001_initial"), false, Backend::Sqlite).unwrap();
    for op in &sql {
        for s in &op.statements {
            exec(&mut conn, s);
        }
    }
    let err = run(&mut conn, &g, &Target::Latest, MigrateOptions::default()).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    let report = run(
        &mut conn,
        &g,
        &Target::Latest,
        MigrateOptions {
            fake_initial: true,
            ..Default::default()
        },
    )
    .unwrap();
    let outcomes: Vec<(String, Outcome)> = report
        .done
        .iter()
        .map(|(s, o)| (s.key.to_string(), *o))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("library.0001_initial".to_owned(), Outcome::FakedInitial),
            (
                "library.0002_book_published_date".to_owned(),
                Outcome::Applied
            ),
            ("library.0003_book_status".to_owned(), Outcome::Applied),
            ("shop.0001_initial".to_owned(), Outcome::Applied),
        ]
    );
    assert_schema(&mut conn, &g.project_state().unwrap());
}

#[test]
fn plan_only_changes_nothing() {
    let (_dir, mut conn) = temp_db();
    let g = graph(base());
    let report = run(
        &mut conn,
        &g,
        &Target::Latest,
        MigrateOptions {
            plan_only: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(report.plan.len(), 4);
    assert!(report.done.is_empty());
    assert!(introspect(&mut conn).unwrap().tables.is_empty());
    assert!(applied(&mut conn).is_empty());
}

#[test]
fn an_edited_applied_migration_is_caught_before_any_ddl() {
    let (_dir, mut conn) = temp_db();
    up(
        &mut conn,
        &graph(base()),
        &Target::Migration(key("library", "0002_book_published_date")),
    );
    let mut edited = library_0002();
    edited.operations.pop();
    let mut migrations = vec![library_initial(), edited, library_0003(), shop_initial()];
    let g = graph(std::mem::take(&mut migrations));
    let schema = introspect(&mut conn).unwrap();
    let err = run(&mut conn, &g, &Target::Latest, MigrateOptions::default()).unwrap_err();
    assert!(
        matches!(err, ExecutorError::ChecksumMismatch { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("library.0002_book_published_date"),
        "{err}"
    );
    assert_eq!(introspect(&mut conn).unwrap(), schema);
}

#[test]
fn an_applied_migration_with_an_unapplied_dependency_is_an_error() {
    let (_dir, mut conn) = temp_db();
    let g = graph(base());
    recorder::record(&mut conn, &library_0002()).unwrap();
    let err = run(&mut conn, &g, &Target::Latest, MigrateOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("`library.0002_book_published_date` is applied")
            && msg.contains("`library.0001_initial` is not"),
        "{msg}"
    );
    // Pure planning sees the same.
    let applied = BTreeSet::from([key("library", "0002_book_published_date")]);
    assert!(migrator_core::executor::check_consistent_history(&g, &applied).is_err());
    assert!(migration_plan(&g, &applied, &Target::Latest).is_ok());
}

/// Records every statement the connection runs.
#[test]
fn migrate_executes_exactly_what_sqlmigrate_prints() {
    let (_dir, mut conn) = temp_db();
    let g = graph(base());
    let capture = Capture::default();
    conn.set_instrumentation(capture.clone());
    up(&mut conn, &g, &Target::Latest);
    let mut expected = Vec::new();
    for k in g.full_plan() {
        for op in sql_for_migration(&g, &k, false, Backend::Sqlite).unwrap() {
            expected.extend(op.statements);
        }
    }
    let executed = migration_statements(&capture.0.lock().unwrap());
    assert_eq!(executed, expected);
    assert!(expected
        .iter()
        .any(|s| s.starts_with("CREATE TABLE \"new__books\"")));

    // Backwards too.
    capture.0.lock().unwrap().clear();
    up(&mut conn, &g, &Target::Zero("library".into()));
    let mut expected = Vec::new();
    for k in g.full_plan().iter().rev() {
        for op in sql_for_migration(&g, k, true, Backend::Sqlite).unwrap() {
            expected.extend(op.statements);
        }
    }
    let executed = migration_statements(&capture.0.lock().unwrap());
    assert_eq!(executed, expected);
}

#[test]
fn expected_schema_of_the_full_history_matches_after_migrate() {
    let (_dir, mut conn) = temp_db();
    let g = graph(base());
    up(&mut conn, &g, &Target::Latest);
    let expected = expected_schema(&g.project_state().unwrap(), Backend::Sqlite).unwrap();
    assert_eq!(introspect(&mut conn).unwrap(), expected);
    // The recorder table is not part of the introspected schema.
    assert!(!expected.tables.contains_key(recorder::RECORDER_TABLE));
}

fn embedded_0001() -> Migration {
    library_initial()
}

fn embedded_0002() -> Migration {
    library_0002()
}

migrator_core::__private::inventory::submit! {
    migrator_core::loader::EmbeddedApp {
        app: "library",
        migrations_dir: "/nonexistent/library/migrations",
        migrations: &[
            ("0001_initial", embedded_0001),
            ("0002_book_published_date", embedded_0002),
        ],
        code_checksums: &[],
    }
}

#[test]
fn apply_embedded_is_one_call_at_start_up() {
    let (_dir, mut conn) = temp_db();
    let pending = migrator_core::executor::pending_embedded(&mut conn).unwrap();
    assert_eq!(
        pending,
        [
            key("library", "0001_initial"),
            key("library", "0002_book_published_date")
        ]
    );
    let applied_now = migrator_core::executor::apply_embedded(&mut conn).unwrap();
    assert_eq!(applied_now, pending);
    assert!(migrator_core::executor::pending_embedded(&mut conn)
        .unwrap()
        .is_empty());
    assert!(migrator_core::executor::apply_embedded(&mut conn)
        .unwrap()
        .is_empty());
    assert_eq!(rows(&mut conn, "authors", "name", "id"), ["[\"Le Guin\"]"]);
}

#[test]
fn concurrent_migrate_runs_never_apply_a_migration_twice() {
    let dir = tempfile::tempdir().unwrap();
    let url = migrator_core::database::DatabaseUrl::parse("sqlite://race.db", dir.path()).unwrap();
    let barrier = Arc::new(std::sync::Barrier::new(3));
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let url = url.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut conn = migrator_core::database::connect(&url).unwrap();
                let g = graph(base());
                barrier.wait();
                run(&mut conn, &g, &Target::Latest, MigrateOptions::default())
            })
        })
        .collect();
    let mut applied_by_someone = 0;
    for h in handles {
        // Every run succeeds: steps another run completed meanwhile are skipped.
        let report = h.join().unwrap().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.done.len() + report.skipped.len(), report.plan.len());
        applied_by_someone += report.done.len();
    }
    let mut conn = migrator_core::database::connect(&url).unwrap();
    let rows = recorder::applied(&mut conn).unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(applied_by_someone, 4, "each migration applied exactly once");
    assert_schema(&mut conn, &graph(base()).project_state().unwrap());
}

#[test]
fn rows_breaking_foreign_keys_roll_the_migration_back_and_are_named() {
    let (_dir, mut conn) = temp_db();
    let mut m = Migration::new("library", "0004_orphans");
    m.dependencies = vec![key("library", "0003_book_status")];
    m.operations = vec![Operation::RunSql(RunSql::new(
        vec![
            "INSERT INTO \"books\" (\"id\", \"title\", \"author_id\") VALUES (7, 'Orphan', 999)"
                .into(),
        ],
        Some(vec![]),
    ))];
    let mut migrations = base();
    migrations.push(m);
    let g = graph(migrations);
    up(&mut conn, &g, &Target::AppLatest("shop".into()));
    up(
        &mut conn,
        &g,
        &Target::Migration(key("library", "0003_book_status")),
    );
    let err = run(&mut conn, &g, &Target::Latest, MigrateOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, ExecutorError::ForeignKeyViolation { .. }),
        "{msg}"
    );
    assert!(
        msg.contains("library.0004_orphans") && msg.contains("books rowid 7"),
        "{msg}"
    );
    assert!(
        rows(&mut conn, "books", "id", "id").is_empty(),
        "the orphan row stayed"
    );
    assert!(!applied(&mut conn).contains(&key("library", "0004_orphans")));
}

#[test]
fn fake_initial_needs_the_added_columns_too() {
    let (_dir, mut conn) = temp_db();
    let mut initial = library_initial();
    initial.operations.push(Operation::AddField(AddField::new(
        "Author",
        FieldState::new("bio", ColumnType::Text).nullable(),
    )));
    let g = graph(vec![initial]);
    exec(
        &mut conn,
        "CREATE TABLE authors (id INTEGER PRIMARY KEY); CREATE TABLE books (id INTEGER PRIMARY KEY);",
    );
    let fake_initial = MigrateOptions {
        fake_initial: true,
        ..Default::default()
    };
    let err = run(&mut conn, &g, &Target::Latest, fake_initial).unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    assert!(applied(&mut conn).is_empty());

    exec(&mut conn, "ALTER TABLE authors ADD COLUMN bio TEXT");
    let report = run(&mut conn, &g, &Target::Latest, fake_initial).unwrap();
    assert_eq!(report.done[0].1, Outcome::FakedInitial);
}

/// Simulates another process between two steps of a run: `meddle` gets a second connection
/// right after the first migration committed.
fn run_with_interference(
    meddle: impl Fn(&mut DbConnection),
) -> (
    Result<MigrateReport, ExecutorError>,
    DbConnection,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let url =
        migrator_core::database::DatabaseUrl::parse("sqlite://meddle.db", dir.path()).unwrap();
    let mut conn = migrator_core::database::connect(&url).unwrap();
    let mut other = migrator_core::database::connect(&url).unwrap();
    let g = graph(base());
    let mut first = true;
    let result = migrate(
        &mut conn,
        &g,
        &Target::AppLatest("library".into()),
        &MigrateOptions::default(),
        &mut |e| {
            if let MigrateEvent::Finished { .. } = e {
                if std::mem::take(&mut first) {
                    meddle(&mut other);
                }
            }
        },
    );
    (result, conn, dir)
}

#[test]
fn a_step_another_process_completed_is_skipped() {
    let (result, mut conn, _dir) = run_with_interference(|other| {
        let g = graph(base());
        up(
            other,
            &g,
            &Target::Migration(key("library", "0002_book_published_date")),
        );
    });
    let report = result.unwrap();
    assert_eq!(
        keys(&report.skipped),
        [("library.0002_book_published_date".to_owned(), false)]
    );
    assert_eq!(report.done.len(), 2);
    assert_schema(
        &mut conn,
        &graph(base())
            .make_state(&[key("library", "0003_book_status")])
            .unwrap(),
    );
}

#[test]
fn a_conflicting_change_by_another_process_stops_the_run() {
    let (result, _conn, _dir) = run_with_interference(|other| {
        recorder::record(other, &shop_initial()).unwrap();
    });
    let err = result.unwrap_err();
    assert!(
        matches!(err, ExecutorError::ConcurrentChange { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("library.0002_book_published_date"),
        "{err}"
    );
}

fn insert_then_panic(conn: &mut DbConnection) -> Result<(), migrator_core::BoxError> {
    diesel::connection::SimpleConnection::batch_execute(
        conn,
        "INSERT INTO \"authors\" (\"name\") VALUES ('half-done')",
    )?;
    panic!("data step bug");
}

#[test]
fn a_panicking_data_step_is_reported_like_a_failing_operation_and_changes_nothing() {
    let (_dir, mut conn) = temp_db();
    let mut m = Migration::new("library", "0004_panics");
    m.dependencies = vec![key("library", "0003_book_status")];
    m.operations = vec![
        Operation::AddField(AddField::new(
            "Author",
            FieldState::new("bio", ColumnType::Text).nullable(),
        )),
        Operation::RunRust(RunRust {
            name: "insert_then_panic",
            forward: insert_then_panic,
            backward: None,
            elidable: false,
        }),
    ];
    let mut migrations = base();
    migrations.push(m);
    let g = graph(migrations);
    up(
        &mut conn,
        &g,
        &Target::Migration(key("library", "0003_book_status")),
    );
    let schema = introspect(&mut conn).unwrap();
    let err = run(
        &mut conn,
        &g,
        &Target::AppLatest("library".into()),
        MigrateOptions::default(),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, ExecutorError::Rust { number: 2, .. }),
        "not reported as a failing operation: {msg}"
    );
    for needle in [
        "migration `library.0004_panics` failed at operation 2 (Rust operation insert_then_panic)",
        "the data step panicked: data step bug",
        "The migration was rolled back",
    ] {
        assert!(msg.contains(needle), "`{needle}` missing: {msg}");
    }
    assert_eq!(introspect(&mut conn).unwrap(), schema);
    assert_eq!(rows(&mut conn, "authors", "name", "id"), ["[\"Le Guin\"]"]);
    // The connection is usable and outside any transaction: migrating elsewhere works.
    up(&mut conn, &g, &Target::AppLatest("shop".into()));
}

#[test]
fn schema_drift_reports_changes_made_outside_migrations() {
    let (_dir, mut conn) = temp_db();
    let g = graph(base());
    up(
        &mut conn,
        &g,
        &Target::Migration(key("library", "0002_book_published_date")),
    );
    assert!(migrator_core::executor::schema_drift(&mut conn, &g)
        .unwrap()
        .is_empty());
    exec(
        &mut conn,
        "ALTER TABLE books ADD COLUMN note TEXT; CREATE TABLE scratch (x INTEGER)",
    );
    assert_eq!(
        migrator_core::executor::schema_drift(&mut conn, &g).unwrap(),
        [
            "column books.note (TEXT) is in the database, but no applied migration adds it",
            "table scratch is in the database, but no applied migration creates it"
        ]
    );
}
