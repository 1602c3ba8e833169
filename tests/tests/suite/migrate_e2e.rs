//! End to end: `migrate`, `showmigrations` and `sqlmigrate` of the real `migrator` binary on
//! throwaway copies of `examples/library` (and `examples/shop` for the up/down/up round
//! trip), against SQLite files that the test then opens itself: after every step the
//! introspected schema must equal the schema the migrations applied so far describe, and the
//! rows inserted along the way must survive every change that does not drop them.
//!
//! The oracle is the committed example migrations, embedded in this binary (see `e2e_db`);
//! the seed workflow also regenerates them with `makemigrations` and checks they are
//! byte-identical, and checks the replayed state against one built by hand from the models.
//!
//! This module has the workflows (seed to head, up/down/up of every migration, model changes
//! made through the CLI); `migrate_commands` has the commands' targets and options and
//! `migrate_safety` failures, refusals and concurrent runs, both with the helpers here.

use migrator_core::{ColumnType, FieldState, Model, ProjectState};
use migrator_tests::TempWorkspace;

use crate::e2e_db::{assert_same_as_committed, committed_graph, progress, state_after, Db};

pub const MODELS: &str = "library/src/models.rs";
const MIGRATIONS: &str = "library/migrations";
pub const INITIAL: &str = "library.0001_initial";
pub const SECOND: &str = "library.0002_book_published_date";

/// The `published_date` field as the committed example declares it (the seed state lacks it).
const PUBLISHED_DATE: &str =
    "    /// When the book was published, if known.\n    pub published_date: Option<chrono::NaiveDate>,\n";
pub const BOOK_AUTHOR_FIELD: &str =
    "    #[model(max_length = 100, index)]\n    pub author: String,\n";

/// A copy of the library example in the seed state: no `published_date`, no migrations.
fn library_seed() -> TempWorkspace {
    let ws = TempWorkspace::with_library_example();
    ws.edit(MODELS, PUBLISHED_DATE, "");
    ws
}

/// A copy of the library example with its committed models and migrations.
pub fn library_at_head() -> TempWorkspace {
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
pub fn book_rows(db: &Db) -> Vec<String> {
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
    // The first line names the database it changes, then Django's header.
    assert!(
        run.stdout.starts_with(&format!(
            "Database: sqlite://{} (the default)\n\
             Operations to perform:\n  Apply all migrations: library\nRunning migrations:\n",
            ws.path("db.sqlite3").display()
        )),
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
    let run = ws.migrator_with_input(&["makemigrations", "--interactive"], "1\n'unknown'\n");
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
