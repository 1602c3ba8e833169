//! The safety classification end to end on a copy of `examples/library` (SQLite): a model
//! change that drops a column. `makemigrations --noinput` writes nothing and says why; at the
//! terminal (`--interactive`) a "no" writes nothing and a "yes" writes the migration with an
//! acknowledgement carrying the reason typed; `--allow-data-loss` writes the same digest.
//! `makemigrations` and `migrate --plan` show the classification; `migrator lint` passes on
//! the acknowledged migration — also after the file is reformatted by rustfmt — and fails
//! (exit 1) once the acknowledgement is removed or names other operations, printing the
//! line to add; once applied, removing the acknowledgement is an edit `migrate` refuses and
//! `check` reports.

use serde_json::Value;

use crate::e2e_db::Db;
use crate::migrate_e2e::{library_at_head, MODELS};
use migrator_tests::TempWorkspace;

const PUBLISHED_DATE: &str =
    "    /// When the book was published, if known.\n    pub published_date: Option<chrono::NaiveDate>,\n";
const MIGRATIONS: &str = "library/migrations";
const THIRD: &str = "library/migrations/0003_remove_book_published_date.rs";

fn ack_line(source: &str) -> &str {
    source
        .lines()
        .find(|l| l.contains(".acknowledge_data_loss("))
        .unwrap_or_else(|| panic!("no acknowledgement in:\n{source}"))
}

/// `("digest", "reason")` of the acknowledgement in `source`.
fn ack_of(source: &str) -> (String, String) {
    let line = ack_line(source);
    let inner = line
        .trim()
        .trim_start_matches(".acknowledge_data_loss(")
        .trim_end_matches(')');
    let (digest, reason) = inner.split_once(", ").unwrap();
    (
        digest.trim_matches('"').to_owned(),
        reason.trim_matches('"').to_owned(),
    )
}

fn lint(ws: &TempWorkspace, url: &str) -> migrator_tests::Run {
    ws.migrator(&["lint", "--database", url])
}

#[test]
fn data_loss_needs_an_acknowledgement_that_survives_reformatting_and_whose_removal_is_caught() {
    let ws = library_at_head();
    let db = Db::new(&ws, "lint.sqlite3");
    let url = db.url();
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    let lint_clean = lint(&ws, &url);
    lint_clean.expect_code(0);
    assert!(lint_clean
        .stdout
        .contains("No unapplied migrations to lint."));
    ws.edit(MODELS, PUBLISHED_DATE, "");
    let before = ws.files(MIGRATIONS);

    // Nobody to confirm: nothing is written, and the run says what is lost and what to do.
    let run = ws.migrator(&["makemigrations", "--noinput"]);
    run.expect_code(2);
    assert_eq!(ws.files(MIGRATIONS), before);
    assert!(
        run.stdout
            .contains("data loss: drops column books.published_date and every value in it"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("library.0003_remove_book_published_date loses data")
            && run.stderr.contains("--allow-data-loss"),
        "{}",
        run.stderr
    );
    let run = ws.migrator(&["makemigrations", "--noinput", "--format", "json"]);
    run.expect_code(2);
    let error: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(error["error"], "data_loss_not_acknowledged");
    // A dry run writes nothing, so it needs no acknowledgement.
    ws.migrator(&["makemigrations", "--dry-run", "--noinput"])
        .expect_code(0);
    assert_eq!(ws.files(MIGRATIONS), before);

    // At the terminal: "no" writes nothing; "yes" writes it with the reason typed.
    let run = ws.migrator_with_input(&["makemigrations", "--interactive"], "n\n");
    run.expect_code(2);
    assert!(run.stderr.contains("was declined"), "{}", run.stderr);
    assert_eq!(ws.files(MIGRATIONS), before);
    let run = ws.migrator_with_input(
        &["makemigrations", "--interactive"],
        "y\nthe dates were never filled in\n",
    );
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("Safety of library.0003_remove_book_published_date:"),
        "{}",
        run.stdout
    );
    let asked = ws.read(THIRD);
    let (digest, reason) = ack_of(&asked);
    assert_eq!(reason, "the dates were never filled in");
    assert_eq!(digest.len(), 16);

    // --allow-data-loss writes the same acknowledgement digest.
    std::fs::remove_file(ws.path(THIRD)).unwrap();
    let run = ws.migrator(&[
        "makemigrations",
        "--noinput",
        "--allow-data-loss",
        "--data-loss-reason",
        "dates are unused",
    ]);
    run.expect_code(0);
    let source = ws.read(THIRD);
    assert_eq!(
        ack_of(&source),
        (digest.clone(), "dates are unused".to_owned())
    );

    // migrate --plan shows the classification.
    let run = ws.migrator(&["migrate", "--plan", "--database", &url]);
    run.expect_code(0);
    assert!(
        run.stdout.contains(
            "    - Remove field published_date from book\n        data loss: drops column \
             books.published_date and every value in it\n        backward-incompatible: the \
             running release may still read or write books.published_date"
        ),
        "{}",
        run.stdout
    );

    // lint passes on the acknowledged migration, and after rustfmt reformats the file.
    let run = lint(&ws, &url);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("Linting 1 unapplied migration on SQLite:")
            && run
                .stdout
                .contains("data loss acknowledged: dates are unused")
            && run.stdout.contains("Lint passed"),
        "{}",
        run.stdout
    );
    let rustfmt = std::process::Command::new("rustfmt")
        .args(["--edition", "2021", "--config", "max_width=50,tab_spaces=2"])
        .arg(ws.path(THIRD))
        .status()
        .expect("run rustfmt");
    assert!(rustfmt.success());
    let reformatted = ws.read(THIRD);
    assert_ne!(reformatted, source, "rustfmt changed nothing");
    let run = lint(&ws, &url);
    run.expect_code(0);
    assert!(
        run.stdout.contains("data loss acknowledged"),
        "{}",
        run.stdout
    );
    let run = ws.migrator(&["lint", "--database", &url, "--format", "json"]);
    run.expect_code(0);
    let doc: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(doc["kind"], "lint");
    assert_eq!(doc["failed"], false);
    assert_eq!(doc["migrations"][0]["data_loss"]["status"], "acknowledged");
    assert_eq!(doc["migrations"][0]["data_loss"]["digest"], digest.as_str());
    assert_eq!(
        doc["migrations"][0]["operations"][0]["hazards"][0]["kind"],
        "data_loss"
    );
    ws.write(THIRD, &source);

    // Removed: lint fails and prints the line to add.
    ws.write(
        THIRD,
        &source.replace(&format!("{}\n", ack_line(&source)), ""),
    );
    let run = lint(&ws, &url);
    run.expect_code(1);
    assert!(
        run.stdout
            .contains("it loses data without an acknowledgement")
            && run.stdout.contains(&format!(
                ".acknowledge_data_loss(\"{digest}\", \"why the data can go\")"
            ))
            && run
                .stdout
                .contains("Lint failed: 1 of 1 migration loses data"),
        "{}",
        run.stdout
    );
    // Written for other operations: stale, lint fails.
    ws.write(THIRD, &source.replace(&digest, "00000000000000ff"));
    let run = lint(&ws, &url);
    run.expect_code(1);
    assert!(
        run.stdout
            .contains("acknowledgement (00000000000000ff) was written for other operations"),
        "{}",
        run.stdout
    );

    // Applied with its acknowledgement, then the acknowledgement removed: an edit.
    ws.write(THIRD, &source);
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    ws.write(
        THIRD,
        &source.replace(&format!("{}\n", ack_line(&source)), ""),
    );
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("was changed after it was applied"),
        "{}",
        run.stderr
    );
    let run = ws.migrator(&["check", "--database", &url, "--format", "json"]);
    run.expect_code(1);
    let doc: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(doc["differences"][0]["kind"], "applied_migration_edited");
}

/// With `[project] backends` listing all three, `lint` classifies for each: narrowing a
/// column rebuilds the table on SQLite, rewrites it on PostgreSQL and needs the COPY
/// algorithm on MySQL/MariaDB — each finding naming its backend — while the data loss holds
/// everywhere.
#[test]
fn lint_classifies_for_every_backend_the_project_runs_on() {
    let ws = library_at_head();
    ws.write(
        "migrator.toml",
        "[project]\nbackends = [\"sqlite\", \"postgres\", \"mysql\"]\n",
    );
    let db = Db::new(&ws, "backends.sqlite3");
    let url = db.url();
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    ws.edit(
        MODELS,
        "    #[model(max_length = 200)]\n    pub title: String,",
        "    #[model(max_length = 50)]\n    pub title: String,",
    );
    ws.migrator(&["makemigrations", "--noinput", "--allow-data-loss"])
        .expect_code(0);
    let run = lint(&ws, &url);
    run.expect_code(0);
    for line in [
        "Linting 1 unapplied migration on SQLite, PostgreSQL, MySQL:",
        "    ~ Alter field title on book",
        "        data loss: narrows books.title from VARCHAR(200) to VARCHAR(50): values that do not fit are cut or make the migration fail",
        "        rewrite/lock (SQLite): rebuilds table books: every row is copied into a new table while the database is locked for writes",
        "        rewrite/lock (PostgreSQL): changing the type of books.title from VARCHAR(200) to VARCHAR(50) rewrites the whole table under an ACCESS EXCLUSIVE lock (reads and writes wait)",
        "        rewrite/lock (MySQL): changing the type of books.title from VARCHAR(200) to VARCHAR(50) needs ALGORITHM=COPY: books is copied row by row while writes to it wait",
        "  data loss acknowledged: written by makemigrations --allow-data-loss",
    ] {
        assert!(run.stdout.contains(line), "`{line}` not in:\n{}", run.stdout);
    }
    let run = ws.migrator(&["lint", "--database", &url, "--format", "json"]);
    run.expect_code(0);
    let doc: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(
        doc["backends"],
        serde_json::json!(["sqlite", "postgres", "mysql"])
    );
    let hazards = doc["migrations"][0]["operations"][0]["hazards"]
        .as_array()
        .unwrap();
    let backends_of = |kind: &str| -> Vec<Value> {
        hazards
            .iter()
            .filter(|h| h["kind"] == kind)
            .map(|h| h["backends"].clone())
            .collect()
    };
    assert_eq!(backends_of("data_loss"), [serde_json::json!([])]);
    assert_eq!(
        backends_of("rewrite_lock"),
        [
            serde_json::json!(["sqlite"]),
            serde_json::json!(["postgres"]),
            serde_json::json!(["mysql"])
        ]
    );
}
