//! End to end: what `migrate` of the real `migrator` binary guarantees when something goes
//! wrong or happens at once, on throwaway copies of `examples/library` and SQLite files the
//! test then opens itself: a failing migration (SQL or Rust step) rolls back entirely and
//! records nothing, an edited applied migration and an irreversible rollback are refused
//! before anything runs, two concurrent runs apply each migration once, and a table rebuild on
//! one merged branch keeps what the other branch added. The schema is checked against the
//! committed migrations as in `migrate_e2e`, whose helpers this uses.

use migrator_core::{ColumnType, FieldState};

use crate::e2e_db::{committed_graph, progress, state_after, Db};
use crate::migrate_e2e::{book_rows, library_at_head, BOOK_AUTHOR_FIELD, INITIAL, MODELS, SECOND};

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
    // Refused before anything started: no "Operations to perform … Running migrations:".
    assert_eq!(run.stdout, "", "a refusal printed progress");
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
/// `multi_app_renames::merged_branches_never_leave_a_foreign_key_to_a_missing_table`.
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
