//! `makemigrations` without a terminal (CI, `< /dev/null`, a pipe) asks nothing: it answers
//! as `--noinput` does and says so, naming each question it did not ask; `--check` never
//! asks, in a terminal or not, and exits 1 when a migration is due even when a real run would
//! need an answer; `--interactive` reads piped answers; in a (pseudo-)terminal the questions
//! are asked. The real `migrator` binary on a copy of the library example.

use std::process::{Command, Stdio};

use migrator_tests::{migrator_bin, target_dir, Run, TempWorkspace};

use crate::cli_makemigrations::{library_with_initial, MIGRATIONS, MODELS};

/// Renames `Book.title` (a NOT NULL `VARCHAR(200)`) to `headline`: a rename question, and
/// when it is answered "no", a NOT NULL field added without a default.
fn rename_title(ws: &TempWorkspace) {
    ws.edit(MODELS, "pub title: String,", "pub headline: String,");
}

#[test]
fn without_a_terminal_makemigrations_asks_nothing_says_so_and_answers_as_noinput() {
    let ws = library_with_initial();
    rename_title(&ws);

    // stdin is /dev/null.
    let run = ws.migrator(&["makemigrations"]);
    run.expect_code(2);
    assert!(
        !run.stdout.contains("Did you rename") && !run.stdout.contains("[y/N]"),
        "a question was printed:\n{}",
        run.stdout
    );
    for needle in [
        "note: stdin is not a terminal, so makemigrations asks no questions and answers as \
         --noinput does",
        "--interactive",
        "not asked: Did you rename library.Book.title to library.Book.headline? (taken as no; \
         `#[model(renamed_from = \"title\")]` on the field `headline` makes it a rename)",
        "error: it is impossible to add the non-nullable field `library.Book.headline` without \
         a default",
        "in a terminal",
    ] {
        assert!(
            run.stderr.contains(needle),
            "`{needle}` missing:\n{}",
            run.stderr
        );
    }
    assert_eq!(run.stderr.matches("stdin is not a terminal").count(), 1);
    assert_eq!(ws.files(MIGRATIONS), ["0001_initial.rs"], "nothing written");

    // A piped answer is not read either (a pipe is not a terminal)…
    let run = ws.migrator_with_input(&["makemigrations"], "y\n");
    run.expect_code(2);
    assert!(!run.stdout.contains("[y/N]"), "{}", run.stdout);
    // …unless --interactive says to.
    let run = ws.migrator_with_input(&["makemigrations", "--interactive", "--dry-run"], "y\n");
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("Did you rename book.title to book.headline (a VARCHAR(200))? [y/N] ")
            && run
                .stdout
                .contains("~ Rename field title on book to headline"),
        "{}",
        run.stdout
    );
    assert_eq!(ws.files(MIGRATIONS), ["0001_initial.rs"], "--dry-run wrote");
}

#[test]
fn check_never_asks_and_exits_1_when_a_migration_is_due() {
    let ws = library_with_initial();
    rename_title(&ws);
    for run in [
        ws.migrator(&["makemigrations", "--check"]),
        // Answers on stdin change nothing: --check reads none.
        ws.migrator_with_input(&["makemigrations", "--check"], "y\n1\n'x'\n"),
        in_terminal(&ws, "makemigrations --check", "y\n1\n'x'\n"),
    ] {
        run.expect_code(1);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            !all.contains("[y/N]") && !all.contains("Select an option"),
            "a question was asked:\n{all}"
        );
        for needle in [
            "- Remove field title from book",
            "+ Add field headline to book",
            "note: makemigrations will ask",
            "Did you rename library.Book.title to library.Book.headline?",
            "non-nullable field 'headline' to library.Book",
        ] {
            assert!(all.contains(needle), "`{needle}` missing:\n{all}");
        }
    }
    assert_eq!(ws.files(MIGRATIONS), ["0001_initial.rs"], "--check wrote");
    let run = ws.migrator(&["makemigrations", "--check", "--interactive"]);
    run.expect_code(2);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
}

#[test]
fn in_a_terminal_the_questions_are_asked() {
    let ws = library_with_initial();
    rename_title(&ws);
    let run = in_terminal(&ws, "makemigrations", "y\n");
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("Did you rename book.title to book.headline (a VARCHAR(200))? [y/N]")
            && !run.stdout.contains("stdin is not a terminal"),
        "{}",
        run.stdout
    );
    assert_eq!(
        ws.files(MIGRATIONS),
        ["0001_initial.rs", "0002_rename_title_book_headline.rs"]
    );
}

/// Runs `migrator COMMAND` (space-separated words) in the workspace root inside a
/// pseudo-terminal (util-linux `script`), typing `input`; both streams arrive in `stdout`.
fn in_terminal(ws: &TempWorkspace, command: &str, input: &str) -> Run {
    let line = format!("{} {command}", migrator_bin().display());
    let mut child = Command::new("timeout")
        .args(["600", "script", "-qec", &line, "/dev/null"])
        .current_dir(ws.root())
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("MIGRATOR_WORKSPACE_ROOT")
        .env_remove("MIGRATOR_APPS")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run `script` (util-linux) for a pseudo-terminal");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(input.as_bytes()).expect("type the input");
    }
    let output = child.wait_with_output().expect("wait for script");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n"),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
