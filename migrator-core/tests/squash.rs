//! `squashmigrations` in migrator-core (`squash::squash`): the squashed files (insta
//! snapshots), what a squash keeps and drops (dependencies, data steps as barriers, elidable
//! steps, data-step code copied from the replaced files), the ranges it refuses, and the
//! property test on random histories: squashing any range of one app gives, on a fresh
//! database, exactly the introspected schema the unsquashed history gives; a database
//! part-way through the range continues through the originals to the same schema (and then
//! counts the squash as applied); and the models still match the history (`makemigrations
//! --check` finds nothing).
//!
//! SQLite always runs (64 cases by default); PostgreSQL and MariaDB run with the `postgres` /
//! `mysql` features (16 cases each by default), each case in its own database, dropped
//! afterwards. `PROPTEST_CASES` overrides the counts.

mod conformance_support;
mod history_support;
mod sqlite_support;

use std::collections::BTreeSet;

use migrator_core::autodetector::detect;
use migrator_core::backend::Backend;
use migrator_core::executor::Target;
use migrator_core::graph::MigrationGraph;
use migrator_core::introspect::introspect;
use migrator_core::migration::prelude::*;
use migrator_core::squash::{squash, SquashError, SquashRequest};
use proptest::prelude::*;

use conformance_support::{assert_schema, run_migrate, TestDb};
use history_support::{edit, run_history_with_models, IntentQuestioner, APPS};

fn key(app: &str, name: &str) -> MigrationKey {
    MigrationKey::new(app, name)
}

fn request(app: &str, start: Option<&str>, end: &str) -> SquashRequest {
    SquashRequest {
        app: app.to_owned(),
        start: start.map(str::to_owned),
        end: end.to_owned(),
        squashed_name: None,
        optimize: true,
    }
}

fn book() -> CreateModelBuilder {
    create_model("Book", "books")
        .field(
            field("id", ColumnType::BigInt)
                .primary_key()
                .auto_increment(),
        )
        .field(field("title", ColumnType::Varchar(100)))
}

/// A library history: a model grown field by field, a data step in the middle (a barrier),
/// an elidable data step, and another app depending on it.
fn library() -> Vec<Migration> {
    vec![
        Migration::new("library", "0001_initial")
            .initial(true)
            .dependency("accounts", "0001_initial")
            .operation(book()),
        Migration::new("library", "0002_book_isbn")
            .dependency("library", "0001_initial")
            .operation(add_field(
                "Book",
                field("isbn", ColumnType::Varchar(13)).nullable(),
            ))
            .operation(alter_field(
                "Book",
                field("title", ColumnType::Varchar(200)),
            )),
        Migration::new("library", "0003_trim_titles")
            .dependency("library", "0002_book_isbn")
            .operation(run_sql(["UPDATE books SET title = trim(title)"]).reverse_noop())
            .operation(run_sql(["UPDATE books SET isbn = NULL WHERE isbn = ''"]).elidable()),
        Migration::new("library", "0004_book_pages")
            .dependency("library", "0003_trim_titles")
            .operation(add_field(
                "Book",
                field("pages", ColumnType::Integer).default(DefaultValue::Int(0)),
            ))
            .operation(alter_field(
                "Book",
                field("isbn", ColumnType::Varchar(17)).nullable(),
            )),
        Migration::new("accounts", "0001_initial")
            .initial(true)
            .operation(
                create_model("User", "users").field(
                    field("id", ColumnType::BigInt)
                        .primary_key()
                        .auto_increment(),
                ),
            ),
        Migration::new("shop", "0001_initial")
            .initial(true)
            .dependency("library", "0002_book_isbn")
            .operation(
                create_model("Order", "orders")
                    .field(
                        field("id", ColumnType::BigInt)
                            .primary_key()
                            .auto_increment(),
                    )
                    .field(
                        field("book", ColumnType::BigInt)
                            .column("book_id")
                            .foreign_key(ForeignKey::new("library", "Book", OnDelete::Cascade)),
                    ),
            ),
    ]
}

fn graph(ms: Vec<Migration>) -> MigrationGraph {
    MigrationGraph::new(ms).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_squashed_file_reads_like_a_hand_written_migration() {
    let g = graph(library());
    let s = squash(&g, None, &request("library", None, "0004")).unwrap();
    assert_eq!(s.migration.name, "0001_squashed_0004_book_pages");
    assert!(s.migration.initial);
    assert_eq!(s.operations_before, 7);
    assert_eq!(s.elided.len(), 1);
    assert_eq!(s.elided[0].migration, key("library", "0003_trim_titles"));
    // The data step is a barrier: the alterations before it fold into the CreateModel, the
    // ones after it stay after it.
    let described: Vec<String> = s
        .migration
        .operations
        .iter()
        .map(|o| o.describe())
        .collect();
    assert_eq!(
        described,
        [
            "Create model Book",
            "Raw SQL operation",
            "Add field pages to book",
            "Alter field isbn on book",
        ]
    );
    insta::assert_snapshot!("library_0001_to_0004", s.source);

    // From START: the dependency on the migration before the range is kept.
    let s = squash(&g, None, &request("library", Some("0002"), "0004")).unwrap();
    assert_eq!(s.migration.name, "0002_squashed_0004_book_pages");
    assert!(!s.migration.initial);
    assert_eq!(s.migration.dependencies, [key("library", "0001_initial")]);
    insta::assert_snapshot!("library_0002_to_0004", s.source);

    // --no-optimize and --squashed-name.
    let mut r = request("library", None, "0002");
    r.optimize = false;
    r.squashed_name = Some("books".to_owned());
    let s = squash(&g, None, &r).unwrap();
    assert_eq!(s.migration.name, "0001_books");
    assert_eq!(s.migration.operations.len(), 3);
    assert_eq!(s.migration.dependencies, [key("accounts", "0001_initial")]);
}

#[test]
fn dependencies_on_another_apps_squash_point_at_the_squash() {
    let mut ms = library();
    let g = graph(ms.clone());
    let lib = squash(&g, None, &request("library", None, "0002")).unwrap();
    ms.push(lib.migration.clone());
    ms.push(
        Migration::new("shop", "0002_order_note")
            .dependency("shop", "0001_initial")
            .operation(add_field(
                "Order",
                field("note", ColumnType::Text).nullable(),
            )),
    );
    let g = graph(ms);
    let s = squash(&g, None, &request("shop", None, "0002")).unwrap();
    assert_eq!(
        s.migration.dependencies,
        [key("library", "0001_squashed_0002_book_isbn")]
    );
    assert_eq!(
        s.repointed,
        [(
            key("library", "0002_book_isbn"),
            key("library", "0001_squashed_0002_book_isbn")
        )]
    );
    insta::assert_snapshot!("shop_repointed", s.source);
}

/// The replaced migrations' `run_before` (issue 17.5) carry over to the squash, whose file
/// says it; a target inside the range is dropped (the squash orders it itself). A
/// `SeparateDatabaseAndState` is kept as it is and nothing folds across it.
#[test]
fn run_before_and_separate_database_and_state_survive_a_squash() {
    let mut ms = library();
    ms[1] = ms[1].clone().run_before("shop", "0001_initial");
    ms[2] = ms[2]
        .clone()
        .run_before("library", "0004_book_pages")
        .operation(
            separate_database_and_state()
                .state_operation(add_field(
                    "Book",
                    field("note", ColumnType::Text).nullable(),
                ))
                .database_operation(
                    run_sql(["ALTER TABLE books ADD COLUMN note TEXT NULL"])
                        .reverse(["ALTER TABLE books DROP COLUMN note"]),
                ),
        );
    let g = graph(ms);
    let s = squash(&g, None, &request("library", None, "0004")).unwrap();
    assert_eq!(s.migration.run_before, [key("shop", "0001_initial")]);
    assert!(
        s.source.contains(r#".run_before("shop", "0001_initial")"#),
        "{}",
        s.source
    );
    let described: Vec<String> = s
        .migration
        .operations
        .iter()
        .map(|o| o.describe())
        .collect();
    assert_eq!(
        described,
        [
            "Create model Book",
            "Raw SQL operation",
            "Custom state/database change combination (1 state, 1 database operation)",
            "Add field pages to book",
            "Alter field isbn on book",
        ]
    );
}

#[test]
fn ranges_that_cannot_be_squashed_are_refused_with_the_reason() {
    let g = graph(library());
    let err = |r: SquashRequest| squash(&g, None, &r).unwrap_err();
    assert!(matches!(
        err(request("library", None, "0001")),
        SquashError::SingleMigration(_)
    ));
    assert!(matches!(
        err(request("library", Some("0004"), "0002")),
        SquashError::EmptyRange { .. }
    ));
    let e = err(request("library", None, "0009"));
    assert!(e.to_string().contains("0004_book_pages"), "{e}");
    let e = err(request("library", None, "000"));
    assert!(matches!(e, SquashError::AmbiguousMigration { .. }), "{e}");
    assert!(matches!(
        err(request("nope", None, "0002")),
        SquashError::UnknownApp { .. }
    ));
    let mut bad = request("library", None, "0002");
    bad.squashed_name = Some("Bad Name".to_owned());
    assert!(matches!(err(bad), SquashError::BadName { .. }));

    // A range another app's migration sits inside: the squash would depend on itself.
    let mut ms = library();
    ms.push(
        Migration::new("library", "0005_book_buyer")
            .dependency("library", "0004_book_pages")
            .dependency("shop", "0001_initial")
            .operation(add_field(
                "Book",
                field("note", ColumnType::Text).nullable(),
            )),
    );
    let g = graph(ms.clone());
    let e = squash(&g, None, &request("library", None, "0005")).unwrap_err();
    assert!(matches!(e, SquashError::Cycle { .. }), "{e}");
    assert!(e.to_string().contains("shop.0001_initial"), "{e}");

    // A squash inside the range.
    let s = squash(&g, None, &request("library", None, "0002")).unwrap();
    ms.push(s.migration);
    let g = graph(ms);
    let e = squash(&g, None, &request("library", None, "0004")).unwrap_err();
    assert!(matches!(e, SquashError::SquashInRange(_)), "{e}");
}

fn noop(_: &mut DbConnection) -> Result<(), BoxError> {
    Ok(())
}

#[test]
fn data_step_code_is_copied_from_the_replaced_files() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "0002_fill.rs",
        r#"use migrator_core::migration::prelude::*;

pub fn migration() -> Migration {
    Migration::default()
        .dependency("library", "0001_initial")
        .operation(run_rust("fill_titles", fill).backward(unfill))
}

const DEFAULT_TITLE: &str = "untitled";

/// Fills empty titles.
fn fill(conn: &mut DbConnection) -> Result<(), BoxError> {
    use diesel::RunQueryDsl;
    diesel::sql_query(format!("UPDATE books SET title = '{DEFAULT_TITLE}' WHERE title = ''"))
        .execute(conn)?;
    Ok(())
}

fn unfill(_conn: &mut DbConnection) -> Result<(), BoxError> {
    Ok(())
}
"#,
    );
    let ms = vec![
        Migration::new("library", "0001_initial")
            .initial(true)
            .operation(book()),
        Migration::new("library", "0002_fill")
            .dependency("library", "0001_initial")
            .operation(run_rust("fill_titles", noop).backward(noop)),
        Migration::new("library", "0003_isbn")
            .dependency("library", "0002_fill")
            .operation(add_field(
                "Book",
                field("isbn", ColumnType::Text).nullable(),
            )),
    ];
    let g = graph(ms.clone());
    let s = squash(&g, Some(dir.path()), &request("library", None, "0003")).unwrap();
    assert_eq!(s.copied_code.len(), 1);
    assert_eq!(
        s.copied_code[0].items,
        ["DEFAULT_TITLE", "fill_titles", "fill_titles_backward"]
    );
    assert!(syn::parse_file(&s.source).is_ok(), "{}", s.source);
    insta::assert_snapshot!("rust_step_copied", s.source);

    // No folder to read the step from: a clear error.
    let e = squash(&g, None, &request("library", None, "0003")).unwrap_err();
    assert!(matches!(e, SquashError::StepCode { .. }), "{e}");
    // The name is taken on disk.
    write("0001_squashed_0003_isbn.rs", "");
    let e = squash(&g, Some(dir.path()), &request("library", None, "0003")).unwrap_err();
    assert!(matches!(e, SquashError::BadName { .. }), "{e}");
}

/// One case of the property: squash a range of one app of a random two-app history, then
/// compare fresh and part-way databases with the unsquashed history on `backend`.
fn squash_case(
    backend: Backend,
    steps: Vec<Vec<history_support::Edit>>,
    app_sel: u8,
    a: u16,
    b: u16,
    partway: u16,
) -> Result<(), TestCaseError> {
    let (history, world) = run_history_with_models(&APPS, backend == Backend::Sqlite, steps)?;
    let original = graph(history.clone());
    let expected = original
        .project_state()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(
        &expected,
        &world.current.state,
        "the graph replays the history"
    );
    let app = APPS[app_sel as usize % APPS.len()];
    let names = original.app_migrations(app);
    if names.len() < 2 {
        return Ok(());
    }
    let n = names.len();
    let i = a as usize % (n - 1);
    let j = i + 1 + b as usize % (n - 1 - i);
    let start = (i > 0).then(|| names[i].name.clone());
    let s = match squash(
        &original,
        None,
        &request(app, start.as_deref(), &names[j].name),
    ) {
        Ok(s) => s,
        // Another app's migration between the range's members depends on one of them.
        Err(SquashError::Cycle { .. }) => return Ok(()),
        Err(e) => return Err(TestCaseError::fail(format!("squash {app} {i}..{j}: {e}"))),
    };
    prop_assert!(s.migration.operations.len() <= s.operations_before);

    let mut with_squash = history.clone();
    with_squash.push(s.migration.clone());
    let squashed = graph(with_squash);
    // makemigrations --check: the models still match the history.
    let state = squashed
        .project_state()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&state, &expected);
    let again = detect(&state, &world.current, &mut IntentQuestioner::new(&world))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(
        again.is_empty(),
        "makemigrations finds changes after the squash: {:#?}",
        again
    );

    // A fresh database: the squash, and the same schema as the unsquashed history.
    let mut plain = TestDb::create(backend);
    // The property is about histories the backend runs: one it refuses itself (MySQL cannot
    // index a TEXT column, MariaDB refuses a CHECK on an AUTO_INCREMENT column) has no schema
    // to compare; proptest counts the case as rejected (too many rejects fail the test).
    if let Err(e) = run_migrate(plain.conn(), &original, &Target::Latest) {
        let why = format!("{backend} refuses the unsquashed history: {e}");
        prop_assume!(false, "{}", why);
    }
    let mut fresh = TestDb::create(backend);
    let report = run_migrate(fresh.conn(), &squashed, &Target::Latest)
        .map_err(|e| TestCaseError::fail(format!("squashed: {e}\n{}", s.source)))?;
    prop_assert!(report.plan.iter().any(|p| p.key == s.migration.key()));
    prop_assert!(report.plan.iter().all(|p| !s.replaced.contains(&p.key)));
    let plain_schema = introspect(plain.conn()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let fresh_schema = introspect(fresh.conn()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&fresh_schema, &plain_schema, "{}", s.source);
    assert_schema(fresh.conn(), &expected);
    drop(plain);
    drop(fresh);

    // Part-way through the range (applied before the squash existed): the originals finish it.
    let mut part = TestDb::create(backend);
    let stop = s.replaced[partway as usize % (s.replaced.len() - 1)].clone();
    run_migrate(part.conn(), &original, &Target::Migration(stop))
        .map_err(|e| TestCaseError::fail(format!("part-way: {e}")))?;
    let report = run_migrate(part.conn(), &squashed, &Target::Latest)
        .map_err(|e| TestCaseError::fail(format!("continuing part-way: {e}")))?;
    prop_assert!(report.plan.iter().all(|p| p.key != s.migration.key()));
    assert_schema(part.conn(), &expected);
    let recorded: BTreeSet<MigrationKey> = migrator_core::recorder::applied(part.conn())
        .map_err(|e| TestCaseError::fail(e.to_string()))?
        .into_keys()
        .collect();
    prop_assert!(
        recorded.contains(&s.migration.key()),
        "the squash is recorded once complete"
    );
    Ok(())
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    // 64 cases by default; `PROPTEST_CASES` overrides it.
    #![proptest_config(ProptestConfig {
        cases: cases(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn squashing_any_range_keeps_the_schema_on_sqlite(
        steps in proptest::collection::vec(proptest::collection::vec(edit(), 1..4), 4..16),
        app in any::<u8>(), a in any::<u16>(), b in any::<u16>(), partway in any::<u16>(),
    ) {
        squash_case(Backend::Sqlite, steps, app, a, b, partway)?;
    }
}

#[cfg(feature = "postgres")]
proptest! {
    // 16 cases by default; `PROPTEST_CASES` overrides it.
    #![proptest_config(ProptestConfig {
        cases: cases(16),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn squashing_any_range_keeps_the_schema_on_postgres(
        steps in proptest::collection::vec(proptest::collection::vec(edit(), 1..4), 2..8),
        app in any::<u8>(), a in any::<u16>(), b in any::<u16>(), partway in any::<u16>(),
    ) {
        squash_case(Backend::Postgres, steps, app, a, b, partway)?;
    }
}

#[cfg(feature = "mysql")]
proptest! {
    // 16 cases by default; `PROPTEST_CASES` overrides it.
    #![proptest_config(ProptestConfig {
        cases: cases(16),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn squashing_any_range_keeps_the_schema_on_mysql(
        steps in proptest::collection::vec(proptest::collection::vec(edit(), 1..4), 2..8),
        app in any::<u8>(), a in any::<u16>(), b in any::<u16>(), partway in any::<u16>(),
    ) {
        squash_case(Backend::Mysql, steps, app, a, b, partway)?;
    }
}
