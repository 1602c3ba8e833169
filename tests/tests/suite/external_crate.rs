//! A crate outside this workspace that depends on migrator-core by path: its models register
//! under its own app label, a binary that names the crate sees exactly them, and a binary that
//! depends on the crate but never names it sees none (DESIGN decision 1's linking fact, and
//! the reason an empty registry must come with a loud hint).
//!
//! The crate is built in a temporary directory with this workspace's `target` directory, a
//! copy of its `Cargo.lock` and its `[profile.*]` settings, so only the tiny crate compiles.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use migrator_core::{ColumnType, FieldState, ModelState, ProjectState};

/// This repository's root.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The target directory this test binary was built into (`…/target/debug/deps/suite-…`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "deps"))
        .and_then(Path::parent)
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// The `[profile.*]` sections of the workspace manifest, verbatim: without them the external
/// crate would build every dependency again with different settings.
fn workspace_profiles() -> String {
    let manifest = fs::read_to_string(repo_root().join("Cargo.toml")).expect("root Cargo.toml");
    let mut out = String::new();
    let mut in_profile = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_profile = line.starts_with("[profile.");
        }
        if in_profile {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Runs a command and returns its output, panicking with stdout and stderr when it fails.
fn run_ok(command: &mut Command, what: &str) -> Output {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Writes the external crate `ext-app` (app label `ext_app`) into `dir`.
fn write_external_crate(dir: &Path) {
    let core = repo_root().join("migrator-core");
    let manifest = format!(
        r#"[package]
name = "ext-app"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
migrator-core = {{ path = {core:?} }}

[[bin]]
name = "ext_app_names_crate"
path = "src/bin/names_crate.rs"

[[bin]]
name = "ext_app_never_names_crate"
path = "src/bin/never_names_crate.rs"

# Not part of any enclosing workspace.
[workspace]

{profiles}"#,
        core = core.display().to_string(),
        profiles = workspace_profiles(),
    );
    fs::create_dir_all(dir.join("src/bin")).expect("mkdir src/bin");
    fs::write(dir.join("Cargo.toml"), manifest).expect("write Cargo.toml");
    fs::copy(repo_root().join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    fs::copy(
        repo_root().join("rust-toolchain.toml"),
        dir.join("rust-toolchain.toml"),
    )
    .expect("copy rust-toolchain.toml");
    fs::write(
        dir.join("src/lib.rs"),
        r#"//! An app outside the migrator workspace.

use migrator_core::Model;

/// A book on the shelf.
#[derive(Model)]
#[model(table = "books")]
pub struct Book {
    pub id: i64,
    #[model(max_length = 200)]
    pub title: String,
    #[model(max_length = 100, index)]
    pub author: String,
}
"#,
    )
    .expect("write lib.rs");
    let main = |prefix: &str| {
        format!(
            "{prefix}fn main() -> Result<(), Box<dyn std::error::Error>> {{\n    \
             print!(\"{{}}\", migrator_core::current_models()?.state.canonical_text());\n    \
             Ok(())\n}}\n"
        )
    };
    fs::write(
        dir.join("src/bin/names_crate.rs"),
        main("use ext_app as _;\n\n"),
    )
    .expect("write names_crate.rs");
    fs::write(dir.join("src/bin/never_names_crate.rs"), main(""))
        .expect("write never_names_crate.rs");
}

/// The state the external crate declares, built independently of the derive.
fn expected_state() -> ProjectState {
    let mut book = ModelState::new("ext_app", "Book", "books");
    book.comment = Some("A book on the shelf.".into());
    book.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("title", ColumnType::Varchar(200)),
        FieldState::new("author", ColumnType::Varchar(100)).index(),
    ];
    let mut state = ProjectState::new();
    state.insert(book);
    state
}

#[test]
fn only_a_binary_that_names_the_crate_sees_its_models() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_external_crate(dir.path());
    let target = target_dir();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run_ok(
        Command::new(&cargo)
            .args(["build", "--offline", "--bins"])
            .current_dir(dir.path())
            .env("CARGO_TARGET_DIR", &target),
        "cargo build of the external crate",
    );

    let bin = |name: &str| {
        target
            .join("debug")
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    };
    let named = run_ok(
        &mut Command::new(bin("ext_app_names_crate")),
        "the binary that names ext_app",
    );
    let text = String::from_utf8(named.stdout).expect("utf-8");
    assert_eq!(text, expected_state().canonical_text());
    assert!(
        text.starts_with("model ext_app.Book table=books"),
        "app label is the package name with `-` → `_`: {text}"
    );

    let unnamed = run_ok(
        &mut Command::new(bin("ext_app_never_names_crate")),
        "the binary that never names ext_app",
    );
    assert_eq!(
        String::from_utf8_lossy(&unnamed.stdout),
        "",
        "a binary that never names the crate links none of its models"
    );
}
