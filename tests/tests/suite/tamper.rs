//! Tamper detection (DESIGN decision 9), through the real `migrator` CLI on a copy of the
//! library example: an applied migration whose operations were edited, reordered or whose
//! file was deleted is refused by `migrate` AND `showmigrations` before anything runs, naming
//! the file and the two ways out; reformatting the same file (whitespace, one line, CRLF)
//! changes nothing, because the checksum is over the canonical operations. `migrate
//! --restamp` accepts an intended edit and `migrate --forget` drops the record of a deleted
//! migration, after which `migrate` proceeds. A refused `migrate` prints nothing before its
//! error; a refused `showmigrations` still lists the migrations, marking the one the error is
//! about.

use migrator_tests::TempWorkspace;

const M1: &str = "library/migrations/0001_initial.rs";
const M2: &str = "library/migrations/0002_book_published_date.rs";

fn db_bytes(ws: &TempWorkspace) -> Vec<u8> {
    std::fs::read(ws.path("db.sqlite3")).expect("db.sqlite3 exists")
}

/// `migrate` and `showmigrations` both exit 2 with every needle in stderr, and the database
/// file is untouched. `migrate` prints nothing before the refusal (no "Operations to
/// perform"); `showmigrations` still prints the list, `listed` (the migrations, the one the
/// error is about marked), before the error.
fn assert_refused(ws: &TempWorkspace, needles: &[&str], listed: &str) {
    let before = db_bytes(ws);
    for command in ["migrate", "showmigrations"] {
        let run = ws.migrator(&[command]);
        run.expect_code(2);
        for needle in needles {
            assert!(
                run.stderr.contains(needle),
                "{command}: `{needle}` missing from:\n{}",
                run.stderr
            );
        }
        let expected = if command == "migrate" { "" } else { listed };
        assert_eq!(run.stdout, expected, "{command}: stdout");
    }
    assert_eq!(db_bytes(ws), before, "a refused run changed the database");
}

/// The same Rust code with different whitespace: comments dropped, everything on one line.
fn one_line(source: &str) -> String {
    let code: Vec<&str> = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect();
    code.join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        + "\n"
}

#[test]
fn edited_reordered_and_deleted_applied_migrations_are_refused_reformatting_is_not() {
    let ws = TempWorkspace::with_library_example();
    ws.copy_migrations(
        &migrator_tests::repo_root().join("examples/library"),
        "library",
    );
    ws.migrator(&["migrate"]).expect_code(0);
    let original2 = ws.read(M2);
    let original1 = ws.read(M1);

    // Reformatting is not an edit: one line, then CRLF line ends.
    ws.write(M2, &one_line(&original2));
    let run = ws.migrator(&["migrate"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("No migrations to apply"),
        "{}",
        run.stdout
    );
    ws.write(M2, &original2.replace('\n', "\r\n"));
    ws.migrator(&["migrate"]).expect_code(0);
    let run = ws.migrator(&["showmigrations"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("[X] 0002_book_published_date"),
        "{}",
        run.stdout
    );

    // An edited operation (only its comment: the database already matches it).
    ws.write(
        M2,
        &original2.replace(
            "When the book was published, if known.",
            "Publication date.",
        ),
    );
    assert_refused(
        &ws,
        &[
            "migration `library.0002_book_published_date` (library/migrations/0002_book_published_date.rs) was changed after it was applied",
            "restore the file",
            "`migrator migrate --restamp library 0002_book_published_date`",
        ],
        "library\n [X] 0001_initial\n [X] 0002_book_published_date  <- changed since it was applied\n",
    );
    let run = ws.migrator(&["showmigrations", "--plan"]);
    run.expect_code(2);
    assert_eq!(
        run.stdout,
        "[X]  library.0001_initial\n\
         [X]  library.0002_book_published_date  <- changed since it was applied\n"
    );
    let run = ws.migrator(&["migrate", "--restamp", "library", "0002"]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("Re-stamped library.0002_book_published_date"),
        "{}",
        run.stdout
    );
    ws.migrator(&["migrate"]).expect_code(0);
    ws.migrator(&["showmigrations"]).expect_code(0);
    let run = ws.migrator(&["migrate", "--restamp", "library", "0002"]);
    run.expect_code(0);
    assert!(run.stdout.contains("nothing to re-stamp"), "{}", run.stdout);

    // Reordered operations of an applied migration.
    let author = original1
        .find("        .operation(\n            create_model(\"Author\"")
        .expect("Author operation");
    let book = original1
        .find("        .operation(\n            create_model(\"Book\"")
        .expect("Book operation");
    let end = original1.rfind("\n}").unwrap();
    let swapped = format!(
        "{}{}\n{}{}",
        &original1[..author],
        original1[book..end].trim_end(),
        original1[author..book].trim_end(),
        &original1[end..]
    );
    ws.write(M1, &swapped);
    assert_refused(
        &ws,
        &[
            "migration `library.0001_initial` (library/migrations/0001_initial.rs) was changed after it was applied",
            "--restamp library 0001_initial",
        ],
        "library\n [X] 0001_initial  <- changed since it was applied\n [X] 0002_book_published_date\n",
    );
    ws.write(M1, &original1);
    ws.migrator(&["migrate"]).expect_code(0);

    // A deleted applied migration.
    std::fs::remove_file(ws.path(M2)).unwrap();
    assert_refused(
        &ws,
        &[
            "migration `library.0002_book_published_date` is recorded as applied, but its file (library/migrations/0002_book_published_date.rs) is gone",
            "restore the file",
            "`migrator migrate --forget library 0002_book_published_date`",
        ],
        "library\n [X] 0001_initial\n [X] 0002_book_published_date  <- applied, but its file is gone\n",
    );
    let run = ws.migrator(&["migrate", "--forget", "library", "0002_book_published_date"]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("Forgot library.0002_book_published_date"),
        "{}",
        run.stdout
    );
    ws.migrator(&["migrate"]).expect_code(0);
    let run = ws.migrator(&["showmigrations"]);
    run.expect_code(0);
    assert!(!run.stdout.contains("0002"), "{}", run.stdout);

    // `--forget` refuses a migration whose file exists.
    let run = ws.migrator(&["migrate", "--forget", "library", "0001_initial"]);
    run.expect_code(2);
    assert!(run.stderr.contains("still has its file"), "{}", run.stderr);
}

const M3: &str = "library/migrations/0003_backfill_titles.rs";

const DATA_STEP: &str = r#"//! A data migration.

use migrator_core::migration::prelude::*;

pub fn migration() -> Migration {
    Migration::default()
        .dependency("library", "0002_book_published_date")
        .operation(run_rust("trim_titles", trim_titles).backward(nothing))
}

/// Trims the titles.
fn trim_titles(conn: &mut DbConnection) -> Result<(), BoxError> {
    diesel::connection::SimpleConnection::batch_execute(
        conn,
        "UPDATE books SET title = trim(title)",
    )?;
    Ok(())
}

fn nothing(_conn: &mut DbConnection) -> Result<(), BoxError> {
    Ok(())
}
"#;

/// The body of an applied data step is covered too (its file's code checksum): editing it is
/// refused by `migrate` and `showmigrations` naming the file, reformatting it is not, and
/// `--restamp` accepts the edit.
#[test]
fn an_edited_data_step_body_is_refused_reformatting_is_not() {
    let ws = TempWorkspace::with_library_example();
    ws.copy_migrations(
        &migrator_tests::repo_root().join("examples/library"),
        "library",
    );
    ws.write(M3, DATA_STEP);
    ws.migrator(&["migrate"]).expect_code(0);

    // Reformatted: one line, CRLF, comments gone, a trailing comma dropped.
    ws.write(
        M3,
        &one_line(&DATA_STEP.replace("(title)\",\n", "(title)\"\n")),
    );
    let run = ws.migrator(&["migrate"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("No migrations to apply"),
        "{}",
        run.stdout
    );
    ws.write(M3, &DATA_STEP.replace('\n', "\r\n"));
    ws.migrator(&["showmigrations"]).expect_code(0);

    // The step's body edited: the operations are the same, the code is not.
    ws.write(M3, &DATA_STEP.replace("trim(title)", "upper(title)"));
    assert_refused(
        &ws,
        &[
            "migration `library.0003_backfill_titles` (library/migrations/0003_backfill_titles.rs) was changed after it was applied: the code of its data steps",
            "`migrator migrate --restamp library 0003_backfill_titles`",
        ],
        "library\n [X] 0001_initial\n [X] 0002_book_published_date\n [X] 0003_backfill_titles  <- changed since it was applied\n",
    );
    ws.migrator(&["migrate", "--restamp", "library", "0003"])
        .expect_code(0);
    ws.migrator(&["migrate"]).expect_code(0);
    ws.migrator(&["showmigrations"]).expect_code(0);
}
