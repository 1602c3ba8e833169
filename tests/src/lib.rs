//! Shared helpers of the cross-crate test suite: [`TempWorkspace`], a throwaway Cargo
//! workspace whose crates depend on this repository's migrator crates by path and build into
//! this repository's target directory (so only the small crates under test recompile), and
//! [`migrator_bin`], the real `migrator` binary the end-to-end tests run as a subprocess.
//!
//! This crate holds no assertions of its own; the tests live in `tests/suite/`.

pub mod synth;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use toml_edit::{value, Array, DocumentMut};

/// This repository's root (the workspace holding migrator-core).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The target directory this test binary was built into (`…/target`), found from the
/// running executable (`target/debug/deps/suite-…`) so `CARGO_TARGET_DIR` is respected.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "deps"))
        .and_then(|deps| deps.parent())
        .and_then(|profile| profile.parent())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| repo_root().join("target"))
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// The `migrator` binary, built once per test process.
///
/// Built with this crate selected too (`cargo build -p migrator-cli -p migrator-tests --bin
/// migrator`): cargo then resolves the features as for the test build of the workspace
/// (`migrator-core` with `testing`, which only adds modules the driver never uses), so the
/// binary links the libraries `cargo test --workspace` already compiled. Built from
/// `migrator-cli` alone it would compile diesel, migrator-core and migrator-cli once more
/// (~25 s of CPU) while every test of the suite waits for it.
pub fn migrator_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let status = Command::new(cargo())
            .args([
                "build",
                "--quiet",
                "-p",
                "migrator-cli",
                "-p",
                "migrator-tests",
                "--bin",
                "migrator",
            ])
            .current_dir(repo_root())
            .env("CARGO_TARGET_DIR", target_dir())
            .status()
            .expect("run cargo build for migrator-cli");
        assert!(status.success(), "building the migrator binary failed");
        target_dir()
            .join("debug")
            .join(format!("migrator{}", std::env::consts::EXE_SUFFIX))
    })
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error (cargo's progress and errors included).
    pub stderr: String,
}

impl Run {
    fn from_output(output: Output) -> Self {
        Self {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics with both streams unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit code {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// A throwaway Cargo workspace in a temporary directory.
///
/// Its root manifest is this repository's, with the members replaced and the
/// `[workspace.dependencies]` paths made absolute, so member crates can be copied verbatim
/// (`version.workspace = true`, `migrator-core.workspace = true`). It starts with a copy of
/// this repository's `Cargo.lock` and builds into [`target_dir`].
pub struct TempWorkspace {
    dir: tempfile::TempDir,
}

impl TempWorkspace {
    /// An empty workspace with the given member directories (relative paths).
    pub fn new(members: &[&str]) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("migrator-ws-")
            .tempdir()
            .expect("create temp dir");
        let ws = Self { dir };
        let repo = repo_root();
        let text = std::fs::read_to_string(repo.join("Cargo.toml")).expect("read root manifest");
        let mut doc: DocumentMut = text.parse().expect("root manifest parses");
        let mut list = Array::new();
        for member in members {
            list.push(*member);
        }
        doc["workspace"]["members"] = value(list);
        if let Some(deps) = doc["workspace"]["dependencies"].as_table_like_mut() {
            for (_, dep) in deps.iter_mut() {
                if let Some(dep) = dep.as_table_like_mut() {
                    if let Some(path) = dep.get("path").and_then(|p| p.as_str()) {
                        let absolute = repo.join(path).display().to_string();
                        dep.insert("path", value(absolute));
                    }
                }
            }
        }
        ws.write("Cargo.toml", &doc.to_string());
        std::fs::copy(repo.join("Cargo.lock"), ws.path("Cargo.lock")).expect("copy Cargo.lock");
        ws
    }

    /// A workspace holding a copy of `examples/library` (manifest, build script and sources;
    /// not its migrations) as the member `library`.
    pub fn with_library_example() -> Self {
        let ws = Self::new(&["library"]);
        ws.copy_crate(&repo_root().join("examples/library"), "library");
        ws
    }

    /// A workspace holding a copy of the two-app `examples/shop` (`shop/catalog` and
    /// `shop/orders`: manifests, build scripts and sources), with their committed migrations
    /// when `with_migrations`.
    pub fn with_shop_example(with_migrations: bool) -> Self {
        let ws = Self::new(&["shop/catalog", "shop/orders"]);
        for app in ["catalog", "orders"] {
            let from = repo_root().join("examples/shop").join(app);
            let dest = format!("shop/{app}");
            ws.copy_crate(&from, &dest);
            if with_migrations {
                ws.copy_migrations(&from, &dest);
            }
        }
        ws
    }

    /// Copies a crate's `migrations/` folder into `dest` (a crate folder of this workspace).
    pub fn copy_migrations(&self, from: &Path, dest: &str) {
        copy_dir(
            &from.join("migrations"),
            &self.path(dest).join("migrations"),
        );
    }

    /// A `sqlite://` URL (absolute) for the database file `name` in the workspace root.
    pub fn sqlite_url(&self, name: &str) -> String {
        format!("sqlite://{}", self.path(name).display())
    }

    /// Copies a crate's `Cargo.toml`, `build.rs` (if any) and `src/` into `dest`.
    pub fn copy_crate(&self, from: &Path, dest: &str) {
        for file in ["Cargo.toml", "build.rs"] {
            if from.join(file).is_file() {
                std::fs::create_dir_all(self.path(dest)).expect("create crate dir");
                std::fs::copy(from.join(file), self.path(dest).join(file)).expect("copy file");
            }
        }
        copy_dir(&from.join("src"), &self.path(dest).join("src"));
    }

    /// The workspace root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the workspace.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file (creating its folders).
    pub fn write(&self, rel: &str, contents: &str) {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(path, contents).expect("write file");
    }

    /// Reads a file.
    #[track_caller]
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Replaces `from` (which must occur) with `to` in a file.
    #[track_caller]
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "`{from}` not found in {rel}:\n{text}");
        self.write(rel, &text.replacen(from, to, 1));
    }

    /// The file names in a folder of the workspace, sorted (empty if it does not exist).
    pub fn files(&self, rel: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(rel))
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Runs `migrator ARGS` from `dir` (relative to the root), with no input.
    pub fn migrator_in(&self, dir: &str, args: &[&str]) -> Run {
        self.run_migrator(dir, args, None)
    }

    /// Runs `migrator ARGS` from the workspace root, with no input.
    pub fn migrator(&self, args: &[&str]) -> Run {
        self.run_migrator("", args, None)
    }

    /// Runs `migrator ARGS` from the workspace root, typing `stdin` into it. A pipe is not a
    /// terminal: `makemigrations` reads answers from it only with `--interactive`.
    pub fn migrator_with_input(&self, args: &[&str], stdin: &str) -> Run {
        self.run_migrator("", args, Some(stdin))
    }

    /// Runs `migrator ARGS` from the workspace root with extra environment variables
    /// (`DATABASE_URL`, say), with no input.
    pub fn migrator_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.run_migrator_env("", args, None, env)
    }

    /// Runs `cargo ARGS` in the workspace root, building into [`target_dir`].
    pub fn cargo(&self, args: &[&str]) -> Run {
        let output = Command::new(cargo())
            .args(args)
            .current_dir(self.root())
            .env("CARGO_TARGET_DIR", target_dir())
            .stdin(Stdio::null())
            .output()
            .expect("run cargo");
        Run::from_output(output)
    }

    fn run_migrator(&self, dir: &str, args: &[&str], stdin: Option<&str>) -> Run {
        self.run_migrator_env(dir, args, stdin, &[])
    }

    /// Runs the binary with a clean migrator environment: `DATABASE_URL` is removed unless
    /// `env` sets it, so the developer's own database is never touched by a test.
    fn run_migrator_env(
        &self,
        dir: &str,
        args: &[&str],
        stdin: Option<&str>,
        env: &[(&str, &str)],
    ) -> Run {
        let mut cmd = Command::new(migrator_bin());
        cmd.args(args)
            .current_dir(self.path(dir))
            .env("CARGO_TARGET_DIR", target_dir())
            .env_remove("MIGRATOR_WORKSPACE_ROOT")
            .env_remove("MIGRATOR_APPS")
            .env_remove("DATABASE_URL")
            .envs(env.iter().copied())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn migrator");
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().expect("stdin pipe");
            pipe.write_all(input.as_bytes()).expect("write stdin");
        }
        Run::from_output(child.wait_with_output().expect("wait for migrator"))
    }
}

impl Drop for TempWorkspace {
    /// Removes the host crate and host binaries the driver built for this workspace in the
    /// shared target directory (about 20 MB each), so test runs do not pile them up.
    fn drop(&mut self) {
        remove_host_artifacts(self.root());
    }
}

fn remove_host_artifacts(root: &Path) {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let marker = format!("for the workspace at {}.", root.display());
    let target = target_dir();
    let Ok(hosts) = std::fs::read_dir(target.join("migrator-host")) else {
        return;
    };
    for host in hosts.flatten() {
        let manifest = std::fs::read_to_string(host.path().join("Cargo.toml")).unwrap_or_default();
        if !manifest.contains(&marker) {
            continue;
        }
        let package = format!("migrator-host-{}", host.file_name().to_string_lossy());
        let crate_name = package.replace('-', "_");
        for dir in [
            "debug",
            "debug/deps",
            "debug/.fingerprint",
            "debug/incremental",
        ] {
            let Ok(entries) = std::fs::read_dir(target.join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(&package) || name.starts_with(&crate_name) {
                    let path = entry.path();
                    let _ = if path.is_dir() {
                        std::fs::remove_dir_all(path)
                    } else {
                        std::fs::remove_file(path)
                    };
                }
            }
        }
        let _ = std::fs::remove_dir_all(host.path());
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy file");
        }
    }
}

/// Runs `cargo run -q ARGS` from this repository (an example's binary) with `DATABASE_URL`
/// set to `url`, into the shared [`target_dir`], with no input.
pub fn run_example(args: &[&str], url: &str) -> Run {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["run", "-q"])
        .args(args)
        .current_dir(repo_root())
        .env("CARGO_TARGET_DIR", target_dir())
        .env("DATABASE_URL", url)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run cargo");
    Run::from_output(output)
}
