//! Bad input to `migrate`: each case is a clear error (naming the thing and the way out), a
//! non-zero exit, and nothing lost — the recorder and the schema are as they were.
//! CLI cases run the fixture's `rel-manage` (the CLI in-process) or the real `migrator` driver
//! on a copy of the library example. (Mixed forward/backward plans are refused in the
//! executor; its unit test is `executor::target::tests::mixed_plans_are_refused`.)

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use migrator_tests::TempWorkspace;

use crate::reliability::{first, fixture, manage, state, text, Kind, TestDb};

/// Runs `rel-manage migrate ARGS --database URL` and expects exit 2 with every needle in
/// stderr; returns stderr.
fn refused(args: &[&str], url: &str, needles: &[&str]) -> String {
    let out = manage(args, url);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    for needle in needles {
        assert!(err.contains(needle), "{args:?}: `{needle}` missing:\n{err}");
    }
    err
}

fn migrated_to(n: usize) -> TestDb {
    let db = TestDb::create(Kind::Sqlite);
    let to = format!("{n:04}");
    let out = manage(&["migrate", "rel", &to], &db.url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(state(&db.url).applied, first(n));
    db
}

#[test]
fn unknown_app_unknown_migration_and_ambiguous_prefix_are_refused() {
    let db = migrated_to(2);
    refused(
        &["migrate", "nope"],
        &db.url,
        &["no app named `nope`; the apps are: rel"],
    );
    refused(
        &["migrate", "rel", "0099"],
        &db.url,
        &["app `rel` has no migration matching `0099`", "0001_initial"],
    );
    refused(
        &["migrate", "rel", "00"],
        &db.url,
        &[
            "`00` matches several migrations of `rel`",
            "give more of the name",
        ],
    );
    refused(
        &["sqlmigrate", "rel", "0099"],
        &db.url,
        &["has no migration matching `0099`"],
    );
    assert_eq!(state(&db.url).applied, first(2));
}

/// `rel-manage ARGS` without `--database` (for `makemigrations`, which takes none).
fn manage_plain(args: &[&str]) -> std::process::Output {
    let f = fixture();
    Command::new(&f.manage)
        .args(args)
        .env("MIGRATOR_WORKSPACE_ROOT", &f.root)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .expect("run rel-manage")
}

#[test]
fn every_command_words_an_unknown_app_alike_and_suggests_the_closest() {
    let db = migrated_to(1);
    let expected = "error: no app named `rell` (did you mean `rel`?); the apps are: rel\n";
    for args in [
        &["migrate", "rell"][..],
        &["migrate", "rell", "0001"],
        &["showmigrations", "rell"],
        &["sqlmigrate", "rell", "0001"],
    ] {
        let out = manage(args, &db.url);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert_eq!(String::from_utf8_lossy(&out.stderr), expected, "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{args:?}");
    }
    let out = manage_plain(&["makemigrations", "rell", "--check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stderr), expected);
    // Nothing close: no suggestion, the same wording.
    refused(
        &["migrate", "inventory"],
        &db.url,
        &["error: no app named `inventory`; the apps are: rel\n"],
    );
    assert_eq!(state(&db.url).applied, first(1));
}

#[test]
fn a_file_name_given_as_the_database_url_suggests_the_sqlite_url() {
    let dir = tempfile::tempdir().unwrap();
    for command in [
        &["migrate"][..],
        &["showmigrations"],
        &["sqlmigrate", "rel", "0001"],
    ] {
        let out = Command::new(&fixture().manage)
            .args(command)
            .args(["--database", "db2.sqlite3"])
            .env("MIGRATOR_WORKSPACE_ROOT", dir.path())
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        for needle in [
            "`db2.sqlite3` is not a database URL (it has no scheme)",
            "write `sqlite://db2.sqlite3`",
        ] {
            assert!(
                err.contains(needle),
                "{command:?}: `{needle}` missing:\n{err}"
            );
        }
        assert!(!err.contains("no scheme;"), "{err}");
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing is created"
    );
}

#[test]
fn outside_a_workspace_cargos_error_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(migrator_tests::migrator_bin())
        .arg("showmigrations")
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.matches("could not find `Cargo.toml`").count(),
        1,
        "{err}"
    );
    assert!(
        err.starts_with("error: could not read the Cargo workspace: could not find `Cargo.toml`")
            && err.contains("pass `--manifest-path path/to/Cargo.toml`"),
        "{err}"
    );
}

#[test]
fn an_applied_migration_whose_dependency_is_not_applied_is_refused() {
    let db = migrated_to(4);
    let path = db.url.strip_prefix("sqlite://").unwrap();
    let mut conn = diesel::SqliteConnection::establish(path).unwrap();
    conn.batch_execute("DELETE FROM migrator_migrations WHERE name = '0002_book'")
        .unwrap();
    drop(conn);
    let before = state(&db.url);
    refused(
        &["migrate"],
        &db.url,
        &[
            "inconsistent migration history: `rel.0003_book_pages` is applied but its dependency `rel.0002_book` is not",
            "migrate --fake",
        ],
    );
    let after = state(&db.url);
    assert_eq!(after.applied, before.applied);
    assert_eq!(after.drift, before.drift);
}

#[test]
fn an_unreachable_server_and_a_bad_scheme_are_named_without_the_password() {
    let db = TestDb::create(Kind::Sqlite);
    let _ = db;
    for command in [&["migrate"][..], &["showmigrations"][..]] {
        let err = refused(
            command,
            "postgres://user:s3cr3tPW@127.0.0.1:1/db",
            &[
                "cannot connect to postgres://user:***@127.0.0.1:1/db",
                "127.0.0.1",
            ],
        );
        assert!(!err.contains("s3cr3tPW"), "{err}");
        let err = refused(
            command,
            "mongodb://user:s3cr3tPW@127.0.0.1/db",
            &[
                "unsupported database URL scheme `mongodb://`",
                "postgres://",
            ],
        );
        assert!(!err.contains("s3cr3tPW"), "{err}");
    }
}

/// Runs `rel-manage migrate --database URL` as a user that cannot write what root can
/// (uid 65534 when the tests run as root; permissions bind everyone else already).
fn migrate_unprivileged(url: &str) -> std::process::Output {
    let f = fixture();
    let mut cmd = Command::new(&f.manage);
    cmd.args(["migrate", "--database", url])
        .env("MIGRATOR_WORKSPACE_ROOT", &f.root)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null());
    if is_root() {
        cmd.uid(65534).gid(65534);
    }
    cmd.output().expect("run rel-manage")
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

#[test]
fn a_read_only_sqlite_file_or_folder_is_refused_before_any_step_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("data");
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).unwrap();
    let file = folder.join("ro.db");
    let url = format!("sqlite://{}", file.display());
    let out = manage(&["migrate", "rel", "0003"], &url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    let set = |p: &std::path::Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    for (case, file_mode, folder_mode, needle) in [
        ("read-only file", 0o444, 0o777, "the file is not writable"),
        ("read-only folder", 0o666, 0o555, "is not writable"),
    ] {
        set(&file, file_mode);
        set(&folder, folder_mode);
        let before = std::fs::read(&file).unwrap();
        let out = migrate_unprivileged(&url);
        set(&folder, 0o777);
        set(&file, 0o666);
        assert_eq!(out.status.code(), Some(2), "{case}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        for n in [
            &format!(
                "the SQLite database {} cannot be written by this process",
                file.display()
            )[..],
            needle,
            "Nothing was changed",
        ] {
            assert!(err.contains(n), "{case}: `{n}` missing:\n{err}");
        }
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("Applying"),
            "{case}"
        );
        assert_eq!(
            std::fs::read(&file).unwrap(),
            before,
            "{case}: the file changed"
        );
        assert_eq!(state(&url).applied, first(3), "{case}");
    }
    // Writable again: the run completes.
    let out = manage(&["migrate"], &url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(state(&url).applied, first(12));
}

fn library_workspace() -> TempWorkspace {
    let ws = TempWorkspace::with_library_example();
    ws.copy_migrations(
        &migrator_tests::repo_root().join("examples/library"),
        "library",
    );
    ws.migrator(&["migrate"]).expect_code(0);
    ws
}

fn extra_migration(name_dep: &str, body: &str) -> String {
    format!(
        "use migrator_core::migration::prelude::*;\n\npub fn migration() -> Migration {{\n    \
         Migration::default()\n        .dependency(\"library\", \"{name_dep}\"){body}\n}}\n"
    )
}

fn recorded(ws: &TempWorkspace) -> String {
    let run = ws.migrator(&["showmigrations"]);
    run.expect_code(0);
    run.stdout
}

#[test]
fn a_failing_run_sql_is_reported_and_its_migration_rolled_back() {
    let ws = library_workspace();
    ws.write(
        "library/migrations/0003_broken.rs",
        &extra_migration(
            "0002_book_published_date",
            "\n        .operation(add_field(\"Book\", field(\"pages\", ColumnType::Integer).nullable()))\n        .operation(run_sql([\"INSERT INTO no_such_table VALUES (1)\"]))",
        ),
    );
    let before = std::fs::read(ws.path("db.sqlite3")).unwrap();
    let run = ws.migrator(&["migrate"]);
    run.expect_code(2);
    for needle in [
        "migration `library.0003_broken` failed at operation 2 (Raw SQL operation) running",
        "INSERT INTO no_such_table VALUES (1)",
        "no such table: no_such_table",
        "The migration was rolled back",
    ] {
        assert!(
            run.stderr.contains(needle),
            "`{needle}` missing:\n{}",
            run.stderr
        );
    }
    assert_eq!(std::fs::read(ws.path("db.sqlite3")).unwrap(), before);
    assert!(recorded(&ws).contains("[ ] 0003_broken"));
}

#[test]
fn conflicting_leaves_are_refused_with_the_merge_command() {
    let ws = library_workspace();
    for name in ["0003_a", "0003_b"] {
        ws.write(
            &format!("library/migrations/{name}.rs"),
            &extra_migration(
                "0002_book_published_date",
                "\n        .operation(run_sql([\"SELECT 1\"]).reverse_noop())",
            ),
        );
    }
    let before = std::fs::read(ws.path("db.sqlite3")).unwrap();
    let run = ws.migrator(&["migrate"]);
    run.expect_code(2);
    assert_eq!(run.stdout, "", "a refusal printed a header");
    assert!(
        run.stderr
            .contains("conflicting migrations in `library`: 0003_a, 0003_b are all leaves")
            && run.stderr.contains("makemigrations --merge"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(ws.path("db.sqlite3")).unwrap(), before);
}
