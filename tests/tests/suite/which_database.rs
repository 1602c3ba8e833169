//! Which database a command uses is never a surprise: `migrate` names it (redacted) in its
//! first line; a typo in `migrator.toml`, an empty `--database` or `DATABASE_URL`, and a
//! `DATABASE_URL` that is not UTF-8 are errors that change nothing (never a silent fall back to
//! the next source); and the reading commands (`showmigrations`, `sqlmigrate`, `migrate
//! --plan`, `migrate --check`) and the repairs (`--restamp`, `--forget`) never create an
//! SQLite file: on a missing one `showmigrations` and `--plan` report every migration
//! unapplied and say the file does not exist, the others refuse naming it. The real
//! `migrator` binary on copies of the library example.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt as _;
use std::process::{Command, Stdio};

use migrator_tests::{migrator_bin, target_dir, TempWorkspace};

use crate::migrate_e2e::library_at_head;

/// Files of the workspace root ending in `.sqlite3`.
fn databases(ws: &TempWorkspace) -> Vec<String> {
    ws.files("")
        .into_iter()
        .filter(|f| f.ends_with(".sqlite3"))
        .collect()
}

#[test]
fn a_typo_or_an_empty_value_is_an_error_never_another_database() {
    let ws = library_at_head();

    // A typo in migrator.toml: the key, the valid keys and the file are named.
    ws.write(
        "migrator.toml",
        "[database]\nurll = \"sqlite://other.sqlite3\"\n",
    );
    for command in [
        &["migrate"][..],
        &["migrate", "--plan"],
        &["showmigrations"],
        &["sqlmigrate", "library", "0001"],
    ] {
        let run = ws.migrator(command);
        run.expect_code(2);
        for needle in [
            "unknown key `database.urll`",
            &ws.path("migrator.toml").display().to_string(),
            "the keys migrator reads there are: `database.url`",
        ] {
            assert!(
                run.stderr.contains(needle),
                "{command:?}: `{needle}` missing:\n{}",
                run.stderr
            );
        }
        assert_eq!(run.stdout, "", "{command:?}");
    }
    ws.write(
        "migrator.toml",
        "[datbase]\nurl = \"sqlite://other.sqlite3\"\n",
    );
    let run = ws.migrator(&["migrate"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("unknown key `datbase`"),
        "{}",
        run.stderr
    );
    std::fs::remove_file(ws.path("migrator.toml")).unwrap();

    // An empty DATABASE_URL or --database.
    let run = ws.migrator_env(&["migrate"], &[("DATABASE_URL", "")]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("the DATABASE_URL environment variable is set but empty")
            && run.stderr.contains("unset DATABASE_URL"),
        "{}",
        run.stderr
    );
    let run = ws.migrator(&["migrate", "--database", ""]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("`--database` is empty"),
        "{}",
        run.stderr
    );

    // A DATABASE_URL that is not UTF-8 (its value is never printed).
    let out = Command::new(migrator_bin())
        .arg("migrate")
        .current_dir(ws.root())
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("MIGRATOR_WORKSPACE_ROOT")
        .env_remove("MIGRATOR_APPS")
        .env(
            "DATABASE_URL",
            OsStr::from_bytes(b"sqlite://caf\xe9.sqlite3"),
        )
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the DATABASE_URL environment variable is set but is not valid UTF-8"),
        "{err}"
    );
    assert!(!err.contains("caf"), "{err}");

    assert_eq!(databases(&ws), Vec::<String>::new(), "a database was made");
}

#[test]
fn migrate_names_the_database_in_its_first_line_and_reading_commands_create_none() {
    let ws = library_at_head();
    let path = ws.path("typo.sqlite3");
    let url = ws.sqlite_url("typo.sqlite3");

    // showmigrations reports the missing file honestly: nothing applied, nothing created.
    let run = ws.migrator(&["showmigrations", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "library\n [ ] 0001_initial\n [ ] 0002_book_published_date\n"
    );
    assert!(
        run.stderr.contains(&format!(
            "note: the SQLite database {} does not exist, so no migration is applied there",
            path.display()
        )),
        "{}",
        run.stderr
    );
    ws.migrator(&["showmigrations", "--plan", "--database", &url])
        .expect_code(0);
    ws.migrator(&["sqlmigrate", "library", "0001", "--database", &url])
        .expect_code(0);
    // So does `migrate --plan`: the plan `migrate` would run on the database it would create.
    let run = ws.migrator(&["migrate", "--plan", "--database", &url]);
    run.expect_code(0);
    assert!(
        run.stdout
            .starts_with("Planned operations:\nlibrary.0001_initial\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("does not exist") && run.stderr.contains("nothing was created"),
        "{}",
        run.stderr
    );

    // `--check` (a gate for scripts: a typo in the path is likelier than a database nobody
    // made) and the repairs refuse, naming the file.
    for command in [
        &["migrate", "--check"][..],
        &["migrate", "--check", "--plan"],
        &["migrate", "--restamp", "library", "0001"],
        &["migrate", "--forget", "library", "0003_gone"],
    ] {
        let mut args = command.to_vec();
        args.extend(["--database", &url]);
        let run = ws.migrator(&args);
        run.expect_code(2);
        assert!(
            run.stderr.contains(&format!(
                "the SQLite database {} does not exist",
                path.display()
            )) && run.stderr.contains("Nothing was created"),
            "{command:?}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "", "{command:?}");
    }
    assert!(
        !path.exists(),
        "a reading command created {}",
        path.display()
    );

    // `migrate` creates it, and says which database it changes before anything else.
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert!(
        run.stdout.starts_with(&format!(
            "Database: {url} (from --database)\nOperations to perform:\n"
        )),
        "{}",
        run.stdout
    );
    assert!(path.exists());
    let run = ws.migrator(&["migrate", "--database", &url]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        format!(
            "Database: {url} (from --database)\nOperations to perform:\n  Apply all \
             migrations: library\nRunning migrations:\n  No migrations to apply.\n"
        )
    );
    // Quiet at verbosity 0.
    let run = ws.migrator(&["migrate", "--database", &url, "-v", "0"]);
    run.expect_code(0);
    assert_eq!(run.stdout, "");

    // Where the URL came from: DATABASE_URL, migrator.toml, the default.
    let run = ws.migrator_env(&["migrate"], &[("DATABASE_URL", &url)]);
    run.expect_code(0);
    assert!(
        run.stdout
            .starts_with(&format!("Database: {url} (from DATABASE_URL)\n")),
        "{}",
        run.stdout
    );
    ws.write(
        "migrator.toml",
        "[database]\nurl = \"sqlite://typo.sqlite3\"\n",
    );
    let run = ws.migrator(&["migrate"]);
    run.expect_code(0);
    assert!(
        run.stdout
            .starts_with(&format!("Database: {url} (from migrator.toml)\n")),
        "{}",
        run.stdout
    );
    std::fs::remove_file(ws.path("migrator.toml")).unwrap();
    let run = ws.migrator(&["migrate"]);
    run.expect_code(0);
    assert!(
        run.stdout.starts_with(&format!(
            "Database: {} (the default)\n",
            ws.sqlite_url("db.sqlite3")
        )),
        "{}",
        run.stdout
    );
}
