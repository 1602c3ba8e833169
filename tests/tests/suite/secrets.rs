//! Passwords in database URLs never reach the terminal. Every command runs with a password-
//! carrying PostgreSQL URL — one to a closed port (`127.0.0.1:1`) and one to the live server
//! (trust authentication ignores the password) — given through `--database`, `DATABASE_URL`
//! and `migrator.toml`, at the most verbose level; stdout and stderr of every run are scanned
//! for the password. The fixture's `rel-manage` (the CLI in-process) runs the full command
//! list; the real `migrator` driver runs a subset on a copy of the library example, which also
//! shows the driver building its host with the `postgres` feature for a postgres:// URL.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use migrator_tests::{migrator_bin, target_dir, TempWorkspace};

use crate::reliability::{fixture, text, Kind, TestDb};

const SECRET: &str = "s3cr3tPW";
const CLOSED: &str = "postgres://user:s3cr3tPW@127.0.0.1:1/db";

#[derive(Clone, Copy, Debug)]
enum Source {
    Flag,
    Env,
    Config,
}

const SOURCES: [Source; 3] = [Source::Flag, Source::Env, Source::Config];

/// `url` with the password added to its user (`postgres://postgres@…` → `…postgres:PW@…`).
fn with_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (user, host) = rest.split_once('@').expect("the server URL names a user");
    let user = user.split(':').next().unwrap();
    format!("{scheme}://{user}:{SECRET}@{host}")
}

/// Applies `source` to `cmd` for `url` (writing `migrator.toml` into `root` or removing it).
fn configure(cmd: &mut Command, args: &mut Vec<String>, source: Source, url: &str, root: &Path) {
    let config = root.join("migrator.toml");
    let _ = std::fs::remove_file(&config);
    cmd.env_remove("DATABASE_URL");
    match source {
        Source::Flag => {
            // `--database` belongs to the database commands only.
            let db_command = matches!(
                args.first().map(String::as_str),
                Some("migrate" | "showmigrations" | "sqlmigrate" | "inspectdb")
            );
            if db_command {
                args.push("--database".into());
                args.push(url.into());
            }
        }
        Source::Env => {
            cmd.env("DATABASE_URL", url);
        }
        Source::Config => {
            std::fs::write(&config, format!("[database]\nurl = \"{url}\"\n")).unwrap();
        }
    }
}

fn assert_no_secret(out: &Output, what: &str) {
    let all = text(out);
    assert!(!all.contains(SECRET), "{what}: the password leaked:\n{all}");
}

/// Every command of the CLI, at verbosity 3.
const COMMANDS: &[&[&str]] = &[
    &["makemigrations", "--check", "--dry-run"],
    &["migrate", "--plan"],
    &["migrate", "--check"],
    &["migrate"],
    &["showmigrations"],
    &["showmigrations", "--plan"],
    &["sqlmigrate", "rel", "0002"],
    &["sqlmigrate", "rel", "0002", "--backwards"],
    &["inspectdb"],
    &["inspectdb", "rel_books"],
    &["migrate", "--restamp", "rel", "0001"],
    &["migrate", "--forget", "rel", "0099_gone"],
    &["migrate", "--resume"],
    &["migrate", "rel", "0001"],
    &["migrate", "rel", "zero", "--fake"],
    &["migrate", "rel", "0001", "--fake"],
    &["migrate", "rel", "zero"],
    &["migrate", "--lock-timeout", "5"],
];

#[test]
fn no_command_prints_the_password_of_a_database_url() {
    let f = fixture();
    let db = TestDb::create(Kind::Postgres);
    let live = with_password(&db.url);
    let root = tempfile::tempdir().unwrap();
    // The closed-port URL in the forms a password can take: in the user part (also holding
    // an unencoded `/`, `?` or `#`, a common copy-paste) or as a query parameter; each with
    // how the error shows it.
    let closed = [
        (CLOSED.to_owned(), "postgres://user:***@127.0.0.1:1/db"),
        (
            format!("postgres://user:pa/ss?{SECRET}#x@127.0.0.1:1/db"),
            "postgres://user:***@127.0.0.1:1/db",
        ),
        (
            format!("postgres://user@127.0.0.1:1/db?sslmode=disable&password={SECRET}"),
            "postgres://user@127.0.0.1:1/db?sslmode=disable&password=***",
        ),
    ];
    let urls = closed
        .iter()
        .map(|(url, shown)| (url.as_str(), Some(*shown)))
        .chain([(live.as_str(), None)]);
    for source in SOURCES {
        for (url, shown) in urls.clone() {
            let reachable = shown.is_none();
            for command in COMMANDS {
                let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
                args.push("-v".into());
                args.push("3".into());
                let mut cmd = Command::new(&f.manage);
                cmd.env("MIGRATOR_WORKSPACE_ROOT", root.path())
                    .stdin(Stdio::null());
                configure(&mut cmd, &mut args, source, url, root.path());
                let out = cmd.args(&args).output().unwrap();
                let what = format!("{source:?} {url:?} {args:?}");
                assert_no_secret(&out, &what);
                if command == &["migrate"] {
                    if reachable {
                        assert_eq!(out.status.code(), Some(0), "{what}: {}", text(&out));
                    } else {
                        assert_eq!(out.status.code(), Some(2), "{what}: {}", text(&out));
                        let err = String::from_utf8_lossy(&out.stderr);
                        let shown = shown.unwrap_or_default();
                        assert!(err.contains(shown), "{what}: `{shown}` missing: {err}");
                    }
                }
            }
        }
    }
}

#[test]
fn the_driver_never_prints_the_password_and_builds_postgres_support_for_a_postgres_url() {
    let ws = TempWorkspace::with_library_example();
    ws.copy_migrations(
        &migrator_tests::repo_root().join("examples/library"),
        "library",
    );
    let db = TestDb::create(Kind::Postgres);
    let live = with_password(&db.url);
    for source in SOURCES {
        for (url, commands) in [
            (CLOSED, &[&["migrate"][..]][..]),
            (
                live.as_str(),
                &[
                    &["migrate"][..],
                    &["showmigrations"],
                    &["sqlmigrate", "library", "0002"],
                ][..],
            ),
        ] {
            for command in commands {
                let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
                args.push("-v".into());
                args.push("3".into());
                let mut cmd = Command::new(migrator_bin());
                cmd.current_dir(ws.root())
                    .env("CARGO_TARGET_DIR", target_dir())
                    .env_remove("MIGRATOR_WORKSPACE_ROOT")
                    .env_remove("MIGRATOR_APPS")
                    .stdin(Stdio::null());
                configure(&mut cmd, &mut args, source, url, ws.root());
                let out = cmd.args(&args).output().unwrap();
                let what = format!("driver {source:?} {url:?} {args:?}");
                assert_no_secret(&out, &what);
                if url == CLOSED {
                    assert_eq!(out.status.code(), Some(2), "{what}: {}", text(&out));
                    assert!(
                        String::from_utf8_lossy(&out.stderr).contains("127.0.0.1:1"),
                        "{what}: {}",
                        text(&out)
                    );
                } else {
                    // The host was built with the postgres feature and reached the server.
                    assert_eq!(out.status.code(), Some(0), "{what}: {}", text(&out));
                }
            }
        }
    }
    let _ = std::fs::remove_file(ws.path("migrator.toml"));
}
