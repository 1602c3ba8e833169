//! End to end: what `migrate`, `showmigrations` and `sqlmigrate` of the real `migrator`
//! binary do with their arguments, on throwaway copies of `examples/library` and SQLite files
//! the test then opens itself: `--plan` and `--check`, name-prefix targets forwards and
//! backwards (and bad ones explained), `--fake`, `--fake-initial`, where the database comes
//! from (flag, environment, `migrator.toml`, the workspace root), the warning about model
//! changes without a migration, and `sqlmigrate --backwards`. The schema is checked against
//! the committed migrations as in `migrate_e2e`, whose helpers this uses.

use crate::e2e_db::{committed_graph, progress, state_after, Db};
use crate::migrate_e2e::{book_rows, library_at_head, BOOK_AUTHOR_FIELD, INITIAL, MODELS, SECOND};

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
    assert!(
        !ws.path("plan.sqlite3").exists(),
        "--plan created the database file"
    );
    assert!(
        run.stderr.contains("does not exist"),
        "--plan says the database does not exist: {}",
        run.stderr
    );
    // An empty database (the file exists, nothing applied) is pending work for --check.
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

    // A backwards plan is shown and not run either, with what unapplying risks.
    const LOSS: &str = "        data loss: ";
    const INCOMPAT: &str =
        "        backward-incompatible: the running release may still read or write ";
    const FIRST: &str = "deploy code that no longer uses it before this migration runs";
    let head = db.schema();
    let run = ws.migrator(&["migrate", "library", "zero", "--plan", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        format!(
            "Planned operations:\n{SECOND} (unapply)\n    + Add field published_date to book\n\
             {LOSS}drops column books.published_date and every value in it\n\
             {INCOMPAT}books.published_date; {FIRST}\n\
             {INITIAL} (unapply)\n    + Create model Author\n\
             {LOSS}drops table authors and every row in it\n\
             {INCOMPAT}table authors; {FIRST}\n    + Create model Book\n\
             {LOSS}drops table books and every row in it\n\
             {INCOMPAT}table books; {FIRST}\n"
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
