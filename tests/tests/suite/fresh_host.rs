//! Issue 18.5: a command skips cargo when nothing cargo would look at changed since the host
//! was built — and never skips it when something did. Each edit below must send the next
//! command through cargo, and the command must see the edit.

use migrator_tests::{Run, TempWorkspace};

const SKIPPED: &str = "running it without cargo";

/// Runs `showmigrations` at `-v 3` (which says whether cargo was skipped).
fn show(ws: &TempWorkspace) -> Run {
    let run = ws.migrator(&["-v", "3", "showmigrations"]);
    run.expect_code(0);
    run
}

#[track_caller]
fn assert_skipped(run: &Run) {
    assert!(
        run.stderr.contains(SKIPPED),
        "expected the host to run without cargo\n--- stderr\n{}",
        run.stderr
    );
}

#[track_caller]
fn assert_built(run: &Run, why: &str) {
    assert!(
        !run.stderr.contains(SKIPPED),
        "{why}: the command skipped cargo\n--- stderr\n{}",
        run.stderr
    );
}

/// Goes through cargo once, then must skip it.
#[track_caller]
fn settle(ws: &TempWorkspace) {
    show(ws);
    assert_skipped(&show(ws));
}

/// A workspace with one small app, `notes` (no diesel: each rebuild stays cheap).
fn notes_workspace() -> TempWorkspace {
    let ws = TempWorkspace::new(&["notes"]);
    ws.write(
        "notes/Cargo.toml",
        r#"[package]
name = "notes"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
migrator-core.workspace = true

[build-dependencies]
migrator-build.workspace = true
"#,
    );
    ws.write(
        "notes/build.rs",
        "fn main() {\n    migrator_build::embed_migrations();\n}\n",
    );
    ws.write(
        "notes/src/lib.rs",
        r#"//! A note-taking app.
migrator_core::embed_migrations!();

/// A note.
#[derive(migrator_core::Model)]
pub struct Note {
    /// Key.
    pub id: i64,
    /// What it says.
    pub body: String,
}
"#,
    );
    ws
}

#[test]
fn every_input_cargo_reads_sends_the_next_command_through_cargo() {
    let ws = notes_workspace();
    ws.migrator(&["makemigrations", "--noinput"]).expect_code(0);
    settle(&ws);

    // A model: the rebuilt host sees the new field.
    ws.edit(
        "notes/src/lib.rs",
        "pub struct Note {",
        "pub struct Note {\n    /// Added by the test.\n    pub shelf_mark: Option<String>,",
    );
    let run = ws.migrator(&["-v", "3", "makemigrations", "--check"]);
    assert_built(&run, "a model changed");
    run.expect_code(1);
    assert!(run.stdout.contains("shelf_mark"), "{}", run.stdout);
    ws.migrator(&["makemigrations", "--noinput"]).expect_code(0);
    settle(&ws);

    // A migration file added by hand: the rebuilt host lists it.
    let files = ws.files("notes/migrations");
    let last = files.last().expect("a migration").clone();
    let copied = ws.read(&format!("notes/migrations/{last}"));
    ws.write(
        "notes/migrations/0099_by_hand.rs",
        &copied.replace(
            "use migrator_core::migration::prelude::*;",
            "use migrator_core::migration::prelude::*;\n// by hand",
        ),
    );
    // Its dependency: the migration it copied.
    let stem = last.trim_end_matches(".rs");
    let by_hand = ws.read("notes/migrations/0099_by_hand.rs").replace(
        "Migration::default()",
        &format!("Migration::default()\n        .dependency(\"notes\", \"{stem}\")"),
    );
    ws.write("notes/migrations/0099_by_hand.rs", &by_hand);
    let run = ws.migrator(&["-v", "3", "showmigrations"]);
    assert_built(&run, "a migration was added");
    assert!(run.stdout.contains("0099_by_hand"), "{}", run.stdout);
    std::fs::remove_file(ws.path("notes/migrations/0099_by_hand.rs")).unwrap();
    let run = show(&ws);
    assert_built(&run, "a migration was deleted");
    assert!(!run.stdout.contains("0099_by_hand"), "{}", run.stdout);
    assert_skipped(&show(&ws));

    // An existing migration edited (a comment: same operations, new file).
    ws.edit(
        &format!("notes/migrations/{last}"),
        "use migrator_core::migration::prelude::*;",
        "use migrator_core::migration::prelude::*;\n// edited",
    );
    assert_built(&show(&ws), "a migration was edited");
    assert_skipped(&show(&ws));

    // The app's manifest, with a feature flag that changes what compiles.
    let manifest = ws.read("notes/Cargo.toml");
    ws.write(
        "notes/Cargo.toml",
        &format!("{manifest}\n[features]\ndefault = [\"extra\"]\nextra = []\n"),
    );
    assert_built(&show(&ws), "a feature was added to the manifest");
    assert_skipped(&show(&ws));

    // The build script (which now also watches `NOTES_EDITION`, for the environment below).
    ws.edit(
        "notes/build.rs",
        "fn main() {",
        "fn main() {\n    // edited by the test\n    println!(\"cargo::rerun-if-env-changed=NOTES_EDITION\");",
    );
    assert_built(&show(&ws), "the build script changed");
    assert_skipped(&show(&ws));

    // The lock file.
    let lock = ws.read("Cargo.lock");
    ws.write("Cargo.lock", &format!("{lock}\n"));
    assert_built(&show(&ws), "Cargo.lock changed");
    settle(&ws);

    // The workspace manifest.
    ws.edit(
        "Cargo.toml",
        "[workspace]",
        "[workspace]\n# edited by the test",
    );
    assert_built(&show(&ws), "the workspace manifest changed");
    settle(&ws);

    // A toolchain file (named after the toolchain in use, so nothing is installed).
    let toolchain = std::process::Command::new("rustup")
        .args(["show", "active-toolchain"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .next()
                .map(str::to_owned)
        });
    // Without rustup cargo ignores the file, but the driver still must not trust the host.
    let channel = toolchain.unwrap_or_else(|| "stable".into());
    ws.write(
        "rust-toolchain.toml",
        &format!("[toolchain]\nchannel = \"{channel}\"\n"),
    );
    assert_built(&show(&ws), "a toolchain file appeared");
    settle(&ws);

    // cargo's configuration and the environment.
    ws.write(".cargo/config.toml", "[term]\nverbose = false\n");
    assert_built(&show(&ws), "a cargo config file appeared");
    settle(&ws);
    // An environment variable the build reads: cargo reruns the build script that watches it
    // and rebuilds the app. (Not RUSTFLAGS: any change to it rebuilds every crate the host
    // links, diesel and the bundled SQLite included — minutes, with every other test of the
    // suite waiting for the shared target directory. The stamp digests the whole environment,
    // so any variable tells whether a change in it is seen.)
    let run = ws.migrator_env(&["-v", "3", "showmigrations"], &[("NOTES_EDITION", "2")]);
    run.expect_code(0);
    assert_built(&run, "an environment variable the build reads changed");
    assert!(
        run.stderr.contains("Compiling notes"),
        "cargo did not rebuild the app for the new environment:\n{}",
        run.stderr
    );

    // The escape hatch.
    settle(&ws);
    let run = ws.migrator_env(
        &["-v", "3", "showmigrations"],
        &[("MIGRATOR_ALWAYS_BUILD", "1")],
    );
    run.expect_code(0);
    assert_built(&run, "MIGRATOR_ALWAYS_BUILD=1");
    // …which neither reads nor replaces the stamp.
    assert_skipped(&show(&ws));
}

#[test]
fn a_failed_build_leaves_no_stamp_behind() {
    let ws = notes_workspace();
    ws.migrator(&["makemigrations", "--noinput"]).expect_code(0);
    settle(&ws);
    let good = ws.read("notes/src/lib.rs");
    ws.write("notes/src/lib.rs", &format!("{good}\nfn broken( {{}}\n"));
    let run = ws.migrator(&["-v", "3", "showmigrations"]);
    assert_built(&run, "a model file does not compile");
    run.expect_code(2);
    // Put back exactly as it was: the stamp of the earlier build must not be trusted (its
    // file identities no longer match), and the failed build left none.
    ws.write("notes/src/lib.rs", &good);
    assert_built(&show(&ws), "after a failed build");
    assert_skipped(&show(&ws));
}

#[test]
fn each_database_backend_keeps_its_own_current_host() {
    let ws = notes_workspace();
    ws.migrator(&["makemigrations", "--noinput"]).expect_code(0);
    settle(&ws);
    // A PostgreSQL URL gives the host the `postgres` feature: a host of its own. makemigrations
    // does not connect, so no server is needed (the port is closed).
    let pg = |ws: &TempWorkspace| {
        let run = ws.migrator(&[
            "-v",
            "3",
            "makemigrations",
            "--check",
            "--database",
            "postgres://postgres@127.0.0.1:9/none",
        ]);
        run.expect_code(0);
        run
    };
    assert_built(&pg(&ws), "a new feature set");
    assert_skipped(&pg(&ws));
    // Back to SQLite and to PostgreSQL again: both hosts are still current, nothing builds.
    assert_skipped(&show(&ws));
    assert_skipped(&pg(&ws));
    // An edit sends every backend's next command through cargo.
    ws.edit(
        "notes/src/lib.rs",
        "pub struct Note {",
        "pub struct Note {\n    /// Added by the test.\n    pub pinned: Option<bool>,",
    );
    let run = ws.migrator(&["-v", "3", "makemigrations", "--check"]);
    assert_built(&run, "a model changed (SQLite)");
    run.expect_code(1);
    let run = ws.migrator(&[
        "-v",
        "3",
        "makemigrations",
        "--check",
        "--database",
        "postgres://postgres@127.0.0.1:9/none",
    ]);
    assert_built(&run, "a model changed (PostgreSQL)");
    run.expect_code(1);
}
