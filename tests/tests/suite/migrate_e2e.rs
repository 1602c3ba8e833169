//! End to end: `migrate`, `showmigrations` and `sqlmigrate` of the real `migrator` binary on
//! throwaway copies of `examples/library` (and `examples/shop` for the up/down/up round
//! trip), against SQLite files that the test then opens itself: after every step the
//! introspected schema must equal the schema the migrations applied so far describe, and the
//! rows inserted along the way must survive every change that does not drop them.
//!
//! The oracle is the committed example migrations, embedded in this binary (see `e2e_db`);
//! the seed workflow also regenerates them with `makemigrations` and checks they are
//! byte-identical, and checks the replayed state against one built by hand from the models.

use migrator_core::{ColumnType, FieldState, Model, ProjectState};
use migrator_tests::TempWorkspace;

use crate::e2e_db::{assert_same_as_committed, committed_graph, progress, state_after, Db};

const MODELS: &str = "library/src/models.rs";
const MIGRATIONS: &str = "library/migrations";
const INITIAL: &str = "library.0001_initial";
const SECOND: &str = "library.0002_book_published_date";

/// The `published_date` field as the committed example declares it (the seed state lacks it).
const PUBLISHED_DATE: &str =
    "    /// When the book was published, if known.\n    pub published_date: Option<chrono::NaiveDate>,\n";
const BOOK_AUTHOR_FIELD: &str = "    #[model(max_length = 100, index)]\n    pub author: String,\n";

/// A copy of the library example in the seed state: no `published_date`, no migrations.
fn library_seed() -> TempWorkspace {
    let ws = TempWorkspace::with_library_example();
    ws.edit(MODELS, PUBLISHED_DATE, "");
    ws
}

/// A copy of the library example with its committed models and migrations.
fn library_at_head() -> TempWorkspace {
    let ws = TempWorkspace::with_library_example();
    ws.copy_migrations(
        &migrator_tests::repo_root().join("examples/library"),
        "library",
    );
    ws
}

/// The seed state built by hand from the models (not from any migration): `Author`, and
/// `Book` without `published_date`.
fn seed_state_by_hand() -> ProjectState {
    let mut state = ProjectState::new();
    state.insert(library::Author::definition().state);
    let mut book = library::Book::definition().state;
    book.fields.retain(|f| f.name != "published_date");
    state.insert(book);
    state
}

/// The head state built by hand from the models.
fn head_state_by_hand() -> ProjectState {
    let mut state = ProjectState::new();
    state.insert(library::Author::definition().state);
    state.insert(library::Book::definition().state);
    state
}

/// `id|title|author` of every book, by id.
fn book_rows(db: &Db) -> Vec<String> {
    db.texts("SELECT id || '|' || title || '|' || author AS v FROM books ORDER BY id")
}

#[test]
fn seed_workflow_with_the_schema_and_rows_checked_after_every_step() {
    let graph = committed_graph();
    let ws = library_seed();
    // The default database: db.sqlite3 at the workspace root.
    let db = Db::new(&ws, "db.sqlite3");

    // makemigrations: the initial migration, identical to the committed one.
    ws.migrator(&["makemigrations"]).expect_code(0);
    assert_eq!(ws.files(MIGRATIONS), ["0001_initial.rs"]);
    assert_same_as_committed(
        &ws,
        "library/migrations/0001_initial.rs",
        "examples/library/migrations/0001_initial.rs",
    );
    // The oracle agrees with the models themselves.
    let after_initial = state_after(&graph, &[INITIAL]);
    assert_eq!(
        migrator_core::introspect::expected_schema(
            &after_initial,
            migrator_core::backend::Backend::Sqlite
        )
        .unwrap(),
        migrator_core::introspect::expected_schema(
            &seed_state_by_hand(),
            migrator_core::backend::Backend::Sqlite
        )
        .unwrap(),
        "replaying 0001_initial gives the seed models"
    );

    // migrate
    let run = ws.migrator(&["migrate"]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [format!("Applying {INITIAL}... OK")],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.starts_with(
            "Operations to perform:\n  Apply all migrations: library\nRunning migrations:\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        !run.stderr.contains("warning"),
        "no pending model changes: {}",
        run.stderr
    );
    db.assert_schema(&after_initial, "migrate (0001)");
    assert_eq!(db.recorded(), [INITIAL]);

    // showmigrations
    let run = ws.migrator(&["showmigrations"]);
    run.expect_code(0);
    assert_eq!(run.stdout, "library\n [X] 0001_initial\n");

    // sqlmigrate: the CREATE TABLE statements, in a transaction.
    let run = ws.migrator(&["sqlmigrate", "library", "0001_initial"]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "BEGIN;\n\
         --\n-- Create model Author\n--\n\
         CREATE TABLE \"authors\" (\"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, \"name\" VARCHAR(100) NOT NULL);\n\
         --\n-- Create model Book\n--\n\
         CREATE TABLE \"books\" (\"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, \"title\" VARCHAR(200) NOT NULL, \"author\" VARCHAR(100) NOT NULL);\n\
         CREATE INDEX \"books_author_idx\" ON \"books\" (\"author\");\n\
         COMMIT;\n"
    );
    // Printing SQL changes nothing.
    assert_eq!(db.recorded(), [INITIAL]);

    // Rows.
    db.exec_ok(
        "INSERT INTO authors (id, name) VALUES (1, 'Ursula K. Le Guin'), (2, 'Octavia E. Butler');
         INSERT INTO books (id, title, author) VALUES
             (1, 'A Wizard of Earthsea', 'Ursula K. Le Guin'),
             (2, 'The Dispossessed', 'Ursula K. Le Guin'),
             (3, 'Kindred', 'Octavia E. Butler');",
    );
    let seed_rows = book_rows(&db);
    assert_eq!(seed_rows.len(), 3);

    // The model gains published_date; makemigrations writes the committed 0002.
    ws.edit(
        MODELS,
        BOOK_AUTHOR_FIELD,
        &format!("{BOOK_AUTHOR_FIELD}{PUBLISHED_DATE}"),
    );
    let run = ws.migrator(&["makemigrations"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("+ Add field published_date to book"),
        "{}",
        run.stdout
    );
    assert_same_as_committed(
        &ws,
        "library/migrations/0002_book_published_date.rs",
        "examples/library/migrations/0002_book_published_date.rs",
    );
    let at_head = state_after(&graph, &[SECOND]);
    assert_eq!(
        migrator_core::introspect::expected_schema(
            &at_head,
            migrator_core::backend::Backend::Sqlite
        )
        .unwrap(),
        migrator_core::introspect::expected_schema(
            &head_state_by_hand(),
            migrator_core::backend::Backend::Sqlite
        )
        .unwrap(),
        "replaying both migrations gives the committed models"
    );

    // migrate: the column appears, the rows stay, their dates are NULL.
    let run = ws.migrator(&["migrate"]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [format!("Applying {SECOND}... OK")],
        "{}",
        run.stdout
    );
    db.assert_schema(&at_head, "migrate (0002)");
    assert_eq!(book_rows(&db), seed_rows);
    assert_eq!(
        db.column("SELECT published_date AS v FROM books ORDER BY id"),
        [None, None, None]
    );

    // Rows with dates.
    db.exec_ok(
        "UPDATE books SET published_date = '1968-11-01' WHERE id = 1;
         INSERT INTO books (id, title, author, published_date)
             VALUES (4, 'Parable of the Sower', 'Octavia E. Butler', '1993-10-01');",
    );
    let head_rows = book_rows(&db);
    assert_eq!(head_rows.len(), 4);
    assert_eq!(
        db.column("SELECT published_date AS v FROM books ORDER BY id"),
        [
            Some("1968-11-01".to_owned()),
            None,
            None,
            Some("1993-10-01".to_owned())
        ]
    );

    // Back to 0001: the column goes, every row stays as it was.
    let run = ws.migrator(&["migrate", "library", "0001"]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [format!("Unapplying {SECOND}... OK")],
        "{}",
        run.stdout
    );
    db.assert_schema(&after_initial, "migrate library 0001");
    assert_eq!(db.count("books"), 4);
    assert_eq!(book_rows(&db), head_rows);
    assert_eq!(
        db.texts("SELECT id || '|' || name AS v FROM authors ORDER BY id"),
        ["1|Ursula K. Le Guin", "2|Octavia E. Butler"]
    );
    assert_eq!(db.recorded(), [INITIAL]);
    let run = ws.migrator(&["showmigrations"]);
    assert_eq!(
        run.stdout,
        "library\n [X] 0001_initial\n [ ] 0002_book_published_date\n"
    );

    // Zero: the tables go; only the recorder table remains, with nothing for library.
    let run = ws.migrator(&["migrate", "library", "zero"]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [format!("Unapplying {INITIAL}... OK")],
        "{}",
        run.stdout
    );
    db.assert_schema(&ProjectState::new(), "migrate library zero");
    assert_eq!(db.tables(), ["migrator_migrations"]);
    assert_eq!(db.count("migrator_migrations"), 0);

    // And forwards again to the head.
    let run = ws.migrator(&["migrate"]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [
            format!("Applying {INITIAL}... OK"),
            format!("Applying {SECOND}... OK"),
        ],
        "{}",
        run.stdout
    );
    db.assert_schema(&at_head, "migrate (again to head)");
    assert_eq!(db.recorded(), [INITIAL, SECOND]);
    let run = ws.migrator(&["migrate"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("  No migrations to apply."),
        "{}",
        run.stdout
    );
}

/// Every migration of `apps` (in the committed graph's apply order), one at a time: applied,
/// unapplied, applied again. Each application must give the schema of the migrations applied
/// so far, the unapplication exactly the schema before it, and the re-application exactly
/// the schema of the first (as `DbSchema` values, not only as an empty diff).
fn up_down_up_each_migration(ws: &TempWorkspace, apps: &[&str]) {
    let graph = committed_graph();
    let db = Db::new(ws, "roundtrip.sqlite3");
    let url = db.url();
    let mut applied: Vec<String> = Vec::new();
    let mut checked = 0;
    for key in graph.full_plan() {
        if !apps.contains(&key.app.as_str()) {
            continue;
        }
        let app_migrations = graph.app_migrations(&key.app);
        let position = app_migrations
            .iter()
            .position(|k| *k == key)
            .expect("in its app");
        let previous = match position {
            0 => "zero".to_owned(),
            i => app_migrations[i - 1].name.clone(),
        };
        let before = db.schema();

        let run = ws.migrator(&["migrate", &key.app, &key.name, "--database", &url]);
        run.expect_code(0);
        assert_eq!(
            progress(&run.stdout),
            [format!("Applying {key}... OK")],
            "{}",
            run.stdout
        );
        applied.push(key.to_string());
        let refs: Vec<&str> = applied.iter().map(String::as_str).collect();
        let up = db.assert_schema(&state_after(&graph, &refs), &format!("applying {key}"));
        let mut recorded = applied.clone();
        recorded.sort();
        assert_eq!(db.recorded(), recorded);

        let run = ws.migrator(&["migrate", &key.app, &previous, "--database", &url]);
        run.expect_code(0);
        assert_eq!(
            progress(&run.stdout),
            [format!("Unapplying {key}... OK")],
            "{}",
            run.stdout
        );
        let down = db.schema();
        assert_eq!(
            down.diff(&before),
            Vec::<String>::new(),
            "unapplying {key} did not restore the schema before it"
        );
        assert_eq!(down, before, "unapplying {key}");

        let run = ws.migrator(&["migrate", &key.app, &key.name, "--database", &url]);
        run.expect_code(0);
        let again = db.schema();
        assert_eq!(
            again.diff(&up),
            Vec::<String>::new(),
            "re-applying {key} gave another schema"
        );
        assert_eq!(again, up, "re-applying {key}");
        assert_eq!(db.recorded(), recorded);
        checked += 1;
    }
    let expected: usize = apps.iter().map(|a| graph.app_migrations(a).len()).sum();
    assert_eq!(checked, expected, "every migration of {apps:?} was checked");
    assert!(checked > 0);
}

#[test]
fn every_library_migration_up_down_up_leaves_an_identical_schema() {
    let ws = library_at_head();
    up_down_up_each_migration(&ws, &["library"]);
}

#[test]
fn every_shop_migration_up_down_up_leaves_an_identical_schema() {
    let ws = TempWorkspace::with_shop_example(true);
    up_down_up_each_migration(&ws, &["catalog", "orders"]);
}

#[test]
fn plan_applies_nothing_and_check_exits_1_until_everything_is_applied() {
    let ws = library_at_head();
    let db = Db::new(&ws, "plan.sqlite3");
    let url = db.url();

    let run = ws.migrator(&["migrate", "--plan", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        format!(
            "Planned operations:\n\
             {INITIAL}\n    + Create model Author\n    + Create model Book\n\
             {SECOND}\n    + Add field published_date to book\n"
        )
    );
    assert!(db.schema().tables.is_empty(), "--plan created tables");
    assert_eq!(db.recorded(), Vec::<String>::new());

    let run = ws.migrator(&["migrate", "--check", "--database", &url]);
    run.expect_code(1);
    assert!(db.schema().tables.is_empty(), "--check created tables");
    assert_eq!(db.recorded(), Vec::<String>::new());

    ws.migrator(&["migrate", "library", "0001", "--database", &url])
        .expect_code(0);
    // One migration still pending: still 1.
    ws.migrator(&["migrate", "--check", "--database", &url])
        .expect_code(1);
    let run = ws.migrator(&["migrate", "--plan", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        format!("Planned operations:\n{SECOND}\n    + Add field published_date to book\n")
    );

    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    let run = ws.migrator(&["migrate", "--check", "--database", &url]);
    run.expect_code(0);
    let run = ws.migrator(&["migrate", "--plan", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "Planned operations:\n  No planned migration operations.\n"
    );

    // A backwards plan is shown and not run either.
    let head = db.schema();
    let run = ws.migrator(&["migrate", "library", "zero", "--plan", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        format!(
            "Planned operations:\n{SECOND} (unapply)\n    + Add field published_date to book\n\
             {INITIAL} (unapply)\n    + Create model Author\n    + Create model Book\n"
        )
    );
    assert_eq!(db.schema(), head, "a backwards --plan changed the schema");
    assert_eq!(db.recorded(), [INITIAL, SECOND]);
}

#[test]
fn migrate_says_when_models_have_changes_without_a_migration() {
    let ws = library_at_head();
    let db = Db::new(&ws, "pending.sqlite3");
    let url = db.url();
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);

    // A new nullable field, without running makemigrations.
    ws.edit(
        MODELS,
        BOOK_AUTHOR_FIELD,
        &format!("{BOOK_AUTHOR_FIELD}    /// Page count.\n    pub pages: Option<i32>,\n"),
    );
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("  No migrations to apply."),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains(
            "warning: your models in app(s) 'library' have changes that are not yet reflected in a migration"
        ) && run.stderr.contains("migrator makemigrations"),
        "{}",
        run.stderr
    );
    // Nothing was applied for the unmigrated field.
    db.assert_schema(
        &state_after(&committed_graph(), &[SECOND]),
        "migrate with unmigrated model changes",
    );

    // A NOT NULL field without a default (the autodetector would need an answer) is also
    // reported, not an error of `migrate`.
    ws.edit(
        MODELS,
        "    pub pages: Option<i32>,\n",
        "    pub pages: i32,\n",
    );
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("'library' have changes"),
        "{}",
        run.stderr
    );
}

#[test]
fn prefix_targets_go_forwards_and_backwards_and_bad_names_are_explained() {
    let ws = library_at_head();
    let db = Db::new(&ws, "prefix.sqlite3");
    let url = db.url();
    let graph = committed_graph();

    let run = ws.migrator(&["migrate", "library", "0001", "--database", &url]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("Target specific migration: 0001_initial, from library"),
        "{}",
        run.stdout
    );
    assert_eq!(progress(&run.stdout), [format!("Applying {INITIAL}... OK")]);
    db.assert_schema(&state_after(&graph, &[INITIAL]), "migrate library 0001");

    let run = ws.migrator(&["migrate", "library", "0002", "--database", &url]);
    run.expect_code(0);
    assert_eq!(progress(&run.stdout), [format!("Applying {SECOND}... OK")]);
    db.assert_schema(&state_after(&graph, &[SECOND]), "migrate library 0002");

    // Already there: nothing to do.
    let run = ws.migrator(&["migrate", "library", "0002", "--database", &url]);
    run.expect_code(0);
    assert_eq!(progress(&run.stdout), Vec::<String>::new());

    let run = ws.migrator(&["migrate", "library", "0001", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [format!("Unapplying {SECOND}... OK")]
    );

    // Unknown and ambiguous prefixes fail naming the candidates, and change nothing.
    let run = ws.migrator(&["migrate", "library", "0003", "--database", &url]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("0003")
            && run.stderr.contains("0001_initial")
            && run.stderr.contains("0002_book_published_date"),
        "{}",
        run.stderr
    );
    let run = ws.migrator(&["migrate", "library", "000", "--database", &url]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("0001_initial") && run.stderr.contains("0002_book_published_date"),
        "{}",
        run.stderr
    );
    let run = ws.migrator(&["migrate", "nosuchapp", "--database", &url]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("nosuchapp") && run.stderr.contains("library"),
        "{}",
        run.stderr
    );
    assert_eq!(db.recorded(), [INITIAL]);
    db.assert_schema(&state_after(&graph, &[INITIAL]), "failed targets");
}

#[test]
fn fake_records_without_running_anything() {
    let ws = library_at_head();
    let db = Db::new(&ws, "fake.sqlite3");
    let url = db.url();
    let graph = committed_graph();

    let run = ws.migrator(&["migrate", "library", "0001", "--fake", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [format!("Applying {INITIAL}... FAKED")]
    );
    assert_eq!(db.recorded(), [INITIAL]);
    assert!(
        db.schema().tables.is_empty(),
        "--fake ran SQL: {:?}",
        db.schema().tables.keys().collect::<Vec<_>>()
    );
    let run = ws.migrator(&["showmigrations", "--database", &url]);
    assert_eq!(
        run.stdout,
        "library\n [X] 0001_initial\n [ ] 0002_book_published_date\n"
    );

    // Unapplying with --fake removes the record and runs nothing either.
    let run = ws.migrator(&["migrate", "library", "zero", "--fake", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [format!("Unapplying {INITIAL}... FAKED")]
    );
    assert_eq!(db.recorded(), Vec::<String>::new());
    assert!(db.schema().tables.is_empty());

    // A real run afterwards builds everything.
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    db.assert_schema(&state_after(&graph, &[SECOND]), "migrate after --fake");

    // Faking the unapplication of 0002 keeps its column but forgets the record.
    let run = ws.migrator(&["migrate", "library", "0001", "--fake", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [format!("Unapplying {SECOND}... FAKED")]
    );
    assert_eq!(db.recorded(), [INITIAL]);
    db.assert_schema(&state_after(&graph, &[SECOND]), "faked unapply");
}

#[test]
fn fake_initial_records_an_initial_migration_whose_tables_exist() {
    let ws = library_at_head();
    let db = Db::new(&ws, "fake_initial.sqlite3");
    let url = db.url();
    let graph = committed_graph();

    // The tables of 0001 exist, but the recorder has forgotten them (a database made before
    // adopting migrator, say).
    ws.migrator(&["migrate", "library", "0001", "--database", &url])
        .expect_code(0);
    db.exec_ok("INSERT INTO books (id, title, author) VALUES (1, 'Kindred', 'Octavia E. Butler')");
    db.exec_ok("DELETE FROM migrator_migrations");

    // Without --fake-initial, applying 0001 fails on the existing tables and records nothing.
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("0001_initial") && run.stderr.contains("books")
            || run.stderr.contains("authors"),
        "{}",
        run.stderr
    );
    assert_eq!(db.recorded(), Vec::<String>::new());

    let run = ws.migrator(&["migrate", "--fake-initial", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [
            format!("Applying {INITIAL}... FAKED (initial: its tables exist)"),
            format!("Applying {SECOND}... OK"),
        ],
        "{}",
        run.stdout
    );
    assert_eq!(db.recorded(), [INITIAL, SECOND]);
    db.assert_schema(&state_after(&graph, &[SECOND]), "migrate --fake-initial");
    assert_eq!(book_rows(&db), ["1|Kindred|Octavia E. Butler"]);

    // On an empty database, --fake-initial applies the initial migration for real.
    let fresh = Db::new(&ws, "fresh.sqlite3");
    let run = ws.migrator(&["migrate", "--fake-initial", "--database", &fresh.url()]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        [
            format!("Applying {INITIAL}... OK"),
            format!("Applying {SECOND}... OK"),
        ]
    );
    fresh.assert_schema(&state_after(&graph, &[SECOND]), "fresh --fake-initial");
}

/// `id|title|author|published_date` of every book, by id (`-` for NULL).
fn full_book_rows(db: &Db, title_column: &str) -> Vec<String> {
    db.texts(&format!(
        "SELECT id || '|' || {title_column} || '|' || author || '|' || \
         coalesce(published_date, '-') AS v FROM books ORDER BY id"
    ))
}

#[test]
fn model_changes_made_through_the_cli_keep_the_rows_forwards_and_backwards() {
    let ws = library_at_head();
    let db = Db::new(&ws, "rows.sqlite3");
    let url = db.url();
    let graph = committed_graph();
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    db.exec_ok(
        "INSERT INTO books (id, title, author, published_date) VALUES
             (1, 'Kindred', 'Octavia E. Butler', '1979-06-01'),
             (2, 'Dawn', 'Octavia E. Butler', NULL),
             (3, 'The Left Hand of Darkness', 'Ursula K. Le Guin', '1969-03-01');",
    );
    let rows = full_book_rows(&db, "title");
    let mut state = state_after(&graph, &[SECOND]);

    // 1. A NOT NULL field, with a one-off default typed at the prompt: existing rows get it.
    ws.edit(
        MODELS,
        BOOK_AUTHOR_FIELD,
        &format!("{BOOK_AUTHOR_FIELD}    /// The ISBN.\n    #[model(max_length = 13)]\n    pub isbn: String,\n"),
    );
    let run = ws.migrator_with_input(&["makemigrations"], "1\n'unknown'\n");
    run.expect_code(0);
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        ["Applying library.0003_book_isbn... OK"],
        "{}",
        run.stdout
    );
    state
        .model_mut("library", "Book")
        .expect("Book")
        .fields
        .push(FieldState::new("isbn", ColumnType::Varchar(13)));
    db.assert_schema(&state, "adding isbn with a one-off default");
    assert_eq!(
        db.texts("SELECT isbn AS v FROM books ORDER BY id"),
        ["unknown", "unknown", "unknown"]
    );
    assert_eq!(full_book_rows(&db, "title"), rows);

    // 2. A field renamed with a hint: the values move with the column.
    ws.edit(
        MODELS,
        "    pub title: String,\n",
        "    #[model(renamed_from = \"title\")]\n    pub name: String,\n",
    );
    ws.migrator(&["makemigrations", "--noinput"]).expect_code(0);
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        ["Applying library.0004_rename_title_book_name... OK"],
        "{}",
        run.stdout
    );
    let book = state.model_mut("library", "Book").expect("Book");
    let title = book.field_mut("title").expect("title");
    title.name = "name".into();
    title.column = "name".into();
    db.assert_schema(&state, "renaming title to name");
    assert_eq!(full_book_rows(&db, "name"), rows);

    // 3. A wider column and a dropped index (a table rebuild on SQLite).
    ws.edit(
        MODELS,
        BOOK_AUTHOR_FIELD,
        "    #[model(max_length = 150)]\n    pub author: String,\n",
    );
    ws.migrator(&["makemigrations", "--noinput"]).expect_code(0);
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert_eq!(progress(&run.stdout).len(), 1, "{}", run.stdout);
    let author = state
        .model_mut("library", "Book")
        .expect("Book")
        .field_mut("author")
        .expect("author");
    author.column_type = ColumnType::Varchar(150);
    author.index = false;
    db.assert_schema(&state, "widening author and dropping its index");
    assert_eq!(full_book_rows(&db, "name"), rows);
    ws.migrator(&["makemigrations", "--check"]).expect_code(0);

    // All the way back to 0002: every row is still there as it was.
    let run = ws.migrator(&["migrate", "library", "0002", "--database", &url]);
    run.expect_code(0);
    assert_eq!(progress(&run.stdout).len(), 3, "{}", run.stdout);
    db.assert_schema(&state_after(&graph, &[SECOND]), "back to 0002");
    assert_eq!(full_book_rows(&db, "title"), rows);

    // And forwards again.
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    db.assert_schema(&state, "forwards again");
    assert_eq!(full_book_rows(&db, "name"), rows);
    assert_eq!(
        db.texts("SELECT isbn AS v FROM books ORDER BY id"),
        ["unknown", "unknown", "unknown"]
    );
}

#[test]
fn the_database_comes_from_the_flag_the_environment_the_config_or_the_workspace_root() {
    let ws = library_at_head();
    let default = Db::new(&ws, "db.sqlite3");
    let config = Db::new(&ws, "from_config.sqlite3");
    let env = Db::new(&ws, "from_env.sqlite3");
    let flag = Db::new(&ws, "from_flag.sqlite3");

    // The default is db.sqlite3 at the workspace root, also when run from a subfolder.
    ws.migrator_in("library/src", &["migrate", "library", "0001"])
        .expect_code(0);
    assert!(!ws.path("library/src/db.sqlite3").exists());
    assert_eq!(default.recorded(), [INITIAL]);

    // migrator.toml at the root names another file (relative to the root).
    ws.write(
        "migrator.toml",
        "[database]\nurl = \"sqlite://from_config.sqlite3\"\n",
    );
    ws.migrator_in("library", &["migrate"]).expect_code(0);
    assert_eq!(config.recorded(), [INITIAL, SECOND]);
    assert_eq!(default.recorded(), [INITIAL], "the default was left alone");

    // DATABASE_URL beats the file; --database beats both.
    let env_url = env.url();
    ws.migrator_env(
        &["migrate", "library", "0001"],
        &[("DATABASE_URL", &env_url)],
    )
    .expect_code(0);
    assert_eq!(env.recorded(), [INITIAL]);
    ws.migrator_env(
        &["migrate", "--database", &flag.url()],
        &[("DATABASE_URL", &env_url)],
    )
    .expect_code(0);
    assert_eq!(flag.recorded(), [INITIAL, SECOND]);
    assert_eq!(env.recorded(), [INITIAL]);
    assert_eq!(config.recorded(), [INITIAL, SECOND]);
    let run = ws.migrator_env(&["showmigrations"], &[("DATABASE_URL", &env_url)]);
    assert_eq!(
        run.stdout,
        "library\n [X] 0001_initial\n [ ] 0002_book_published_date\n"
    );
    let graph = committed_graph();
    for (db, head) in [
        (&default, false),
        (&config, true),
        (&env, false),
        (&flag, true),
    ] {
        let applied: &[&str] = if head { &[SECOND] } else { &[INITIAL] };
        db.assert_schema(&state_after(&graph, applied), "choosing the database");
    }
}

/// A migration whose last step fails: its earlier DDL is rolled back with it, and it is not
/// recorded (SQLite runs each migration in one transaction).
#[test]
fn a_failing_migration_rolls_back_entirely_and_records_nothing() {
    let ws = library_at_head();
    let db = Db::new(&ws, "fail.sqlite3");
    let url = db.url();
    let graph = committed_graph();
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    db.exec_ok("INSERT INTO books (id, title, author) VALUES (1, 'Kindred', 'Octavia E. Butler')");
    let broken = "// Written by hand for the test.\n\n\
        use migrator_core::migration::prelude::*;\n\n\
        pub fn migration() -> Migration {\n    Migration::default()\n        \
        .dependency(\"library\", \"0002_book_published_date\")\n        \
        .operation(add_field(\"Book\", field(\"pages\", ColumnType::Integer).nullable()))\n        \
        .operation(run_sql([\"UPDATE books SET pages = 1\", \"UPDATE no_such_table SET x = 1\"]).reverse_noop())\n}\n";
    ws.write("library/migrations/0003_broken.rs", broken);

    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("library.0003_broken") && run.stderr.contains("no_such_table"),
        "{}",
        run.stderr
    );
    assert_eq!(db.recorded(), [INITIAL, SECOND]);
    db.assert_schema(&state_after(&graph, &[SECOND]), "a failed migration");
    assert_eq!(book_rows(&db), ["1|Kindred|Octavia E. Butler"]);

    // Fixed, it applies.
    ws.write(
        "library/migrations/0003_broken.rs",
        &broken.replace(", \"UPDATE no_such_table SET x = 1\"", ""),
    );
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        ["Applying library.0003_broken... OK"]
    );
    assert_eq!(db.texts("SELECT pages AS v FROM books"), ["1"]);
}

/// An applied migration edited afterwards is caught by its checksum before any SQL runs.
#[test]
fn an_edited_applied_migration_is_refused_before_anything_runs() {
    let ws = library_at_head();
    let db = Db::new(&ws, "edited.sqlite3");
    let url = db.url();
    ws.migrator(&["migrate", "library", "0001", "--database", &url])
        .expect_code(0);
    ws.edit(
        "library/migrations/0001_initial.rs",
        "ColumnType::Varchar(100)",
        "ColumnType::Varchar(120)",
    );
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("0001_initial"),
        "the error names the edited migration: {}",
        run.stderr
    );
    assert_eq!(
        progress(&run.stdout),
        Vec::<String>::new(),
        "{}",
        run.stdout
    );
    assert_eq!(db.recorded(), [INITIAL]);
    db.assert_schema(
        &state_after(&committed_graph(), &[INITIAL]),
        "refusing an edited migration",
    );
}

#[test]
fn sqlmigrate_backwards_prints_the_unapply_sql_and_changes_nothing() {
    let ws = library_at_head();
    let db = Db::new(&ws, "sql.sqlite3");
    let url = db.url();
    let run = ws.migrator(&["sqlmigrate", "library", "0002", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "BEGIN;\n--\n-- Add field published_date to book\n--\n\
         ALTER TABLE \"books\" ADD COLUMN \"published_date\" DATE;\nCOMMIT;\n"
    );
    let run = ws.migrator(&[
        "sqlmigrate",
        "library",
        "0002_book_published_date",
        "--backwards",
        "--database",
        &url,
    ]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "BEGIN;\n--\n-- Add field published_date to book\n--\n\
         ALTER TABLE \"books\" DROP COLUMN \"published_date\";\nCOMMIT;\n"
    );
    // sqlmigrate opens no connection: the file was never even created.
    assert!(
        !ws.path("sql.sqlite3").exists(),
        "sqlmigrate touched the database"
    );
}

/// Two `migrate` processes started together on one database: both succeed and each
/// migration is applied (and recorded) exactly once.
#[test]
fn two_concurrent_migrate_runs_apply_each_migration_once() {
    let ws = library_at_head();
    let db = Db::new(&ws, "concurrent.sqlite3");
    let url = db.url();
    // Build the host once, so the two runs race on the database, not on cargo.
    ws.migrator(&["showmigrations", "--database", &url])
        .expect_code(0);
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| ws.migrator(&["migrate", "--database", &url]));
        let b = s.spawn(|| ws.migrator(&["migrate", "--database", &url]));
        (a.join().expect("run a"), b.join().expect("run b"))
    });
    a.expect_code(0);
    b.expect_code(0);
    let mut applied: Vec<String> = progress(&a.stdout);
    applied.extend(progress(&b.stdout));
    applied.sort();
    assert_eq!(
        applied,
        [
            format!("Applying {INITIAL}... OK"),
            format!("Applying {SECOND}... OK"),
        ],
        "each migration runs once:\n--- a\n{}\n--- b\n{}",
        a.stdout,
        b.stdout
    );
    assert_eq!(db.recorded(), [INITIAL, SECOND]);
    db.assert_schema(
        &state_after(&committed_graph(), &[SECOND]),
        "two concurrent runs",
    );
}

/// A migration that cannot be reversed (RunSql without reverse SQL) stops `migrate` going
/// backwards through it, naming it, before anything is unapplied.
#[test]
fn an_irreversible_migration_stops_a_rollback_before_anything_changes() {
    let ws = library_at_head();
    let db = Db::new(&ws, "irreversible.sqlite3");
    let url = db.url();
    ws.write(
        "library/migrations/0003_trim_titles.rs",
        "// Written by hand for the test.\n\n\
         use migrator_core::migration::prelude::*;\n\n\
         pub fn migration() -> Migration {\n    Migration::default()\n        \
         .dependency(\"library\", \"0002_book_published_date\")\n        \
         .operation(run_sql([\"UPDATE books SET title = trim(title)\"]))\n}\n",
    );
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    db.exec_ok("INSERT INTO books (id, title, author) VALUES (1, 'Kindred', 'Octavia E. Butler')");
    let run = ws.migrator(&["migrate", "library", "0001", "--database", &url]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("0003_trim_titles"),
        "the error names the irreversible migration: {}",
        run.stderr
    );
    assert_eq!(
        progress(&run.stdout)
            .iter()
            .filter(|l| l.ends_with("OK"))
            .count(),
        0,
        "{}",
        run.stdout
    );
    assert_eq!(db.recorded(), [INITIAL, SECOND, "library.0003_trim_titles"]);
    db.assert_schema(
        &state_after(&committed_graph(), &[SECOND]),
        "a refused rollback",
    );
    assert_eq!(book_rows(&db), ["1|Kindred|Octavia E. Butler"]);
}

/// Two branches of one app merged with `makemigrations --merge`: one adds `pages`, the other
/// alters `author` (a table rebuild on SQLite). Applying the branch that adds `pages` first and
/// filling it, then the other branch, must keep the `pages` column and its values: the
/// rebuild must copy the table as the database has it, not as the rebuilding migration's own
/// ancestors describe it.
///
/// Regression: `migrate` used to compute each migration's SQL from the state of its own
/// ancestors (`graph.make_state(&graph.dependencies_of(key))`, which `sqlmigrate` still
/// uses), so the SQLite rebuild of `0003_alter_book_author` created `new__books` without
/// `pages`, copied only the columns it knew and dropped `books`: `pages` and every value in it
/// were gone while `migrate` reported OK and the recorder said `0003_book_pages` was applied
/// (in a single run too, whenever the plan ordered the adding branch first). `migrate` now
/// computes it from what the database holds at that point of the plan (the applied
/// migrations plus the steps already run), as Django's `migrate` does. Same root as
/// `multi_app::merged_branches_never_leave_a_foreign_key_to_a_missing_table`.
#[test]
fn a_rebuild_on_one_merged_branch_keeps_the_column_the_other_branch_added() {
    let ws = library_at_head();
    let db = Db::new(&ws, "merge.sqlite3");
    let url = db.url();
    let header = "// Written by hand for the test (a branch).\n\n\
                  use migrator_core::migration::prelude::*;\n\n\
                  pub fn migration() -> Migration {\n    Migration::default()\n        \
                  .dependency(\"library\", \"0002_book_published_date\")\n        ";
    ws.write(
        "library/migrations/0003_book_pages.rs",
        &format!(
            "{header}.operation(add_field(\"Book\", field(\"pages\", ColumnType::Integer).nullable().comment(\"Page count.\")))\n}}\n"
        ),
    );
    ws.write(
        "library/migrations/0003_alter_book_author.rs",
        &format!(
            "{header}.operation(alter_field(\"Book\", field(\"author\", ColumnType::Varchar(150)).index().comment(\"The author's name, as printed on the cover.\")))\n}}\n"
        ),
    );
    ws.edit(
        MODELS,
        BOOK_AUTHOR_FIELD,
        "    #[model(max_length = 150, index)]\n    pub author: String,\n    /// Page count.\n    pub pages: Option<i32>,\n",
    );
    ws.migrator(&["makemigrations", "--merge", "--noinput"])
        .expect_code(0);
    ws.migrator(&["makemigrations", "--check"]).expect_code(0);

    ws.migrator(&["migrate", "library", "0003_book_pages", "--database", &url])
        .expect_code(0);
    db.exec_ok(
        "INSERT INTO books (id, title, author, pages) VALUES (1, 'Kindred', 'Octavia E. Butler', 264)",
    );
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert!(
        progress(&run.stdout).contains(&"Applying library.0003_alter_book_author... OK".to_owned()),
        "{}",
        run.stdout
    );
    let mut expected = state_after(&committed_graph(), &[SECOND]);
    let book = expected.model_mut("library", "Book").expect("Book");
    book.field_mut("author").expect("author").column_type = ColumnType::Varchar(150);
    book.fields
        .push(FieldState::new("pages", ColumnType::Integer).nullable());
    db.assert_schema(&expected, "both merged branches");
    assert_eq!(
        db.texts("SELECT id || '|' || author || '|' || pages AS v FROM books"),
        ["1|Octavia E. Butler|264"]
    );
}

/// A data migration written in Rust (`RunRust`), as a user writes it in a migration file: it
/// runs on the migration's own connection inside its transaction, forwards and backwards,
/// `sqlmigrate` marks where it runs, and when a later step of the same migration fails its
/// changes are rolled back with the rest.
#[test]
fn a_rust_data_migration_runs_in_the_migrations_transaction() {
    let ws = library_at_head();
    let db = Db::new(&ws, "data.sqlite3");
    let url = db.url();
    let source = |extra: &str| {
        format!(
            "// Written by hand for the test: a data migration.\n\n\
             use migrator_core::migration::prelude::*;\n\
             use diesel::connection::SimpleConnection;\n\n\
             fn shout(conn: &mut DbConnection) -> Result<(), BoxError> {{\n    \
                 conn.batch_execute(\"UPDATE books SET title = upper(title)\")?;\n    Ok(())\n}}\n\n\
             fn whisper(conn: &mut DbConnection) -> Result<(), BoxError> {{\n    \
                 conn.batch_execute(\"UPDATE books SET title = lower(title)\")?;\n    Ok(())\n}}\n\n\
             pub fn migration() -> Migration {{\n    Migration::default()\n        \
                 .dependency(\"library\", \"0002_book_published_date\")\n        \
                 .operation(run_rust(\"shout\", shout).backward(whisper)){extra}\n}}\n"
        )
    };
    ws.write("library/migrations/0003_shout_titles.rs", &source(""));
    ws.migrator(&["migrate", "library", "0002", "--database", &url])
        .expect_code(0);
    db.exec_ok(
        "INSERT INTO books (id, title, author) VALUES (1, 'Kindred', 'Octavia E. Butler'), (2, 'Dawn', 'Octavia E. Butler')",
    );

    let run = ws.migrator(&["sqlmigrate", "library", "0003", "--database", &url]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("-- (a Rust data step runs here; it has no SQL text)"),
        "{}",
        run.stdout
    );

    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        progress(&run.stdout),
        ["Applying library.0003_shout_titles... OK"]
    );
    assert_eq!(
        db.texts("SELECT title AS v FROM books ORDER BY id"),
        ["KINDRED", "DAWN"]
    );

    let run = ws.migrator(&["migrate", "library", "0002", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        db.texts("SELECT title AS v FROM books ORDER BY id"),
        ["kindred", "dawn"]
    );

    // A failing SQL step after the Rust step: the Rust step's update is rolled back too.
    ws.write(
        "library/migrations/0003_shout_titles.rs",
        &source(
            "\n        .operation(run_sql([\"UPDATE no_such_table SET x = 1\"]).reverse_noop())",
        ),
    );
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("library.0003_shout_titles"),
        "{}",
        run.stderr
    );
    assert_eq!(
        db.texts("SELECT title AS v FROM books ORDER BY id"),
        ["kindred", "dawn"],
        "the Rust step's changes were not rolled back"
    );
    assert_eq!(db.recorded(), [INITIAL, SECOND]);
}
