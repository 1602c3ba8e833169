//! The `migrator` driver (DESIGN decision 6): finds the workspace's app crates with
//! `cargo metadata`, writes a small host crate under `<target>/migrator-host/<id>/` that names
//! each of them, builds it with cargo (sharing the workspace's target directory, `Cargo.lock`
//! and profiles) and runs it with the same arguments.
//!
//! The host's `main` is [`crate::main!`], so the commands themselves run in the host; this
//! module never looks at models or migrations. The host gets migrator-cli's `postgres` /
//! `mysql` cargo features when the `migrator` binary was built with them, or when the
//! database the command will use (`--database`, `DATABASE_URL`, `migrator.toml`) is a
//! PostgreSQL / MySQL one ([`host_features`]). It does not print either: cargo's own progress
//! and errors reach the terminal directly, everything else is returned as [`DriverError`].

use std::ffi::OsString;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_metadata::{DependencyKind, Message, MetadataCommand, TargetKind};
use thiserror::Error;
use toml_edit::{value, DocumentMut, InlineTable, Item, Table};

use crate::context::Context;

/// The crates that make up migrator itself: never treated as apps.
const OWN_CRATES: &[&str] = &[
    "migrator-build",
    "migrator-core",
    "migrator-cli",
    "migrator-derive",
    "migrator-descriptor",
];

/// Why the driver could not run a command.
#[derive(Debug, Error)]
pub enum DriverError {
    /// `cargo metadata` failed. (Not a `source`: the message already holds cargo's words,
    /// and a caller printing the error chain would repeat them.)
    #[error(
        "could not read the Cargo workspace: {}\nrun `migrator` inside a Cargo workspace or \
         pass `--manifest-path path/to/Cargo.toml`",
        metadata_message(.0)
    )]
    Metadata(cargo_metadata::Error),
    /// No workspace package depends on migrator-core.
    #[error(
        "no crate in the workspace at {root} depends on migrator-core, so there are no models \
         to migrate.\nfix: add `migrator-core` to the [dependencies] of your app crate and put \
         `#[derive(migrator_core::Model)]` on its structs"
    )]
    NoApps {
        /// The workspace root.
        root: PathBuf,
    },
    /// migrator-core is a path dependency but migrator-cli is not beside it.
    #[error(
        "migrator-core comes from {core}, but migrator-cli is not beside it at {cli}; put both \
         crates in the same folder, or depend on the published migrator-core"
    )]
    CliNotBesideCore {
        /// migrator-core's directory.
        core: PathBuf,
        /// Where migrator-cli was expected.
        cli: PathBuf,
    },
    /// Reading or writing a file of the host crate failed.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The workspace manifest is not valid TOML.
    #[error("could not parse {path}: {source}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// The parse error.
        source: toml_edit::TomlError,
    },
    /// cargo could not be started.
    #[error("could not run `{cargo}`: {source}; is cargo on PATH (or set CARGO)?")]
    CargoSpawn {
        /// The cargo program used.
        cargo: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The host crate did not compile.
    #[error(
        "the workspace's models and migrations did not compile (cargo's errors above point at \
         the file to fix); the generated host crate is {manifest}"
    )]
    BuildFailed {
        /// The host crate's manifest.
        manifest: PathBuf,
    },
    /// cargo built the host but reported no executable.
    #[error("cargo built {manifest} but reported no executable for it")]
    NoExecutable {
        /// The host crate's manifest.
        manifest: PathBuf,
    },
    /// The host binary could not be started.
    #[error("could not run the migrator host {exe}: {source}")]
    HostSpawn {
        /// The host executable.
        exe: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl DriverError {
    /// The error's stable name in `--format json`'s error object.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Metadata(_) => "workspace",
            Self::NoApps { .. } => "no_apps",
            Self::CliNotBesideCore { .. } => "workspace",
            Self::Io { .. } => "io",
            Self::Manifest { .. } => "manifest",
            Self::CargoSpawn { .. } | Self::HostSpawn { .. } => "spawn",
            Self::BuildFailed { .. } | Self::NoExecutable { .. } => "build_failed",
        }
    }
}

impl From<cargo_metadata::Error> for DriverError {
    fn from(e: cargo_metadata::Error) -> Self {
        Self::Metadata(e)
    }
}

/// cargo's own error, without the wrapper's "`cargo metadata` exited with an error: error:".
fn metadata_message(e: &cargo_metadata::Error) -> String {
    match e {
        cargo_metadata::Error::CargoMetadata { stderr } => {
            let text = stderr.trim();
            text.strip_prefix("error: ").unwrap_or(text).to_owned()
        }
        other => other.to_string(),
    }
}

/// One app crate: a workspace package with a library that depends on migrator-core as a normal
/// dependency (a dev-dependency, like a test crate's, does not make an app), other than
/// migrator's own crates and packages that opt out with `[package.metadata.migrator]
/// app = false`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppCrate {
    /// The package name (`library`, `my-shop`).
    pub package: String,
    /// The library's crate name (`my_shop`), as `extern crate` names it.
    pub lib_name: String,
    /// The package's directory.
    pub manifest_dir: PathBuf,
}

/// Where the host gets migrator-cli from: the same source as the workspace's migrator-core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CliSource {
    /// A path dependency (migrator-core is a path package; migrator-cli is its sibling).
    Path(PathBuf),
    /// The registry, pinned to this exact version.
    Registry(String),
}

/// What the driver learned about the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workspace {
    /// The workspace root directory.
    pub root: PathBuf,
    /// The target directory the host is built into.
    pub target_dir: PathBuf,
    /// The app crates, sorted by package name.
    pub apps: Vec<AppCrate>,
    /// Where migrator-cli comes from.
    pub cli: CliSource,
    /// Some workspace package builds migrator-core at build time (a build script that calls
    /// `migrator_core::build::embed_migrations()` rather than `migrator-build`'s).
    pub core_at_build_time: bool,
    /// Some app sets `[package.metadata.migrator] diesel-schema`: a failed host build is
    /// retried with `cfg(migrator)` (see [`drive`]).
    pub keeps_diesel_schema: bool,
}

impl Workspace {
    /// Reads the workspace around `manifest_path` (or the current directory).
    pub fn discover(manifest_path: Option<&Path>) -> Result<Self, DriverError> {
        let mut cmd = MetadataCommand::new();
        cmd.no_deps();
        if let Some(cargo) = std::env::var_os("CARGO") {
            cmd.cargo_path(cargo);
        }
        if let Some(path) = manifest_path {
            cmd.manifest_path(path);
        }
        let meta = cmd.exec()?;
        let root = PathBuf::from(meta.workspace_root.as_std_path());
        let mut apps = Vec::new();
        let mut cli = None;
        let mut core_at_build_time = false;
        let mut keeps_diesel_schema = false;
        for package in meta.workspace_packages() {
            core_at_build_time |= package
                .dependencies
                .iter()
                .any(|d| d.name == "migrator-core" && d.kind == DependencyKind::Build);
            let dir = package
                .manifest_path
                .parent()
                .map(|p| p.as_std_path().to_path_buf())
                .unwrap_or_else(|| root.clone());
            if package.name.as_str() == "migrator-cli" {
                cli = Some(CliSource::Path(dir.clone()));
            }
            // `[package.metadata.migrator] app = false`: depends on migrator-core but is not
            // an app (a test-support or benchmark crate); the host does not link it.
            let opted_out = package
                .metadata
                .get("migrator")
                .and_then(|m| m.get("app"))
                .and_then(|a| a.as_bool())
                == Some(false);
            if OWN_CRATES.contains(&package.name.as_str()) || opted_out {
                continue;
            }
            keeps_diesel_schema |= package
                .metadata
                .get("migrator")
                .and_then(|m| m.get(migrator_core::diesel_schema::SETTING))
                .is_some();
            let Some(core) = package
                .dependencies
                .iter()
                .find(|d| d.name == "migrator-core" && d.kind == DependencyKind::Normal)
            else {
                continue;
            };
            let Some(lib) = package
                .targets
                .iter()
                .find(|t| t.is_kind(TargetKind::Lib) || t.is_kind(TargetKind::RLib))
            else {
                continue;
            };
            if cli.is_none() {
                if let Some(core_dir) = &core.path {
                    let core_dir = core_dir.as_std_path();
                    let cli_dir = core_dir
                        .parent()
                        .map(|p| p.join("migrator-cli"))
                        .unwrap_or_default();
                    if !cli_dir.join("Cargo.toml").is_file() {
                        return Err(DriverError::CliNotBesideCore {
                            core: core_dir.to_path_buf(),
                            cli: cli_dir,
                        });
                    }
                    cli = Some(CliSource::Path(cli_dir));
                }
            }
            apps.push(AppCrate {
                package: package.name.to_string(),
                lib_name: lib.name.replace('-', "_"),
                manifest_dir: dir,
            });
        }
        if apps.is_empty() {
            return Err(DriverError::NoApps { root });
        }
        apps.sort_by(|a, b| a.package.cmp(&b.package));
        Ok(Self {
            target_dir: meta.target_directory.into_std_path_buf(),
            root,
            apps,
            cli: cli.unwrap_or_else(|| CliSource::Registry(env!("CARGO_PKG_VERSION").into())),
            core_at_build_time,
            keeps_diesel_schema,
        })
    }

    /// The context the host runs with.
    pub fn context(&self) -> Context {
        let mut ctx = Context::new(self.root.clone());
        for app in &self.apps {
            ctx.apps
                .insert(app.package.clone(), app.manifest_dir.clone());
        }
        ctx
    }

    /// A short, stable id of this workspace, so workspaces sharing a target directory get
    /// separate host crates (and host binaries).
    pub fn host_id(&self) -> String {
        // FNV-1a: stable across Rust versions, unlike `DefaultHasher`.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.root.as_os_str().as_encoded_bytes() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        let stem: String = self
            .root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .take(24)
            .collect();
        format!("{}-{:08x}", stem.trim_matches('-'), hash as u32)
            .trim_start_matches('-')
            .to_string()
    }

    /// The host crate's directory for the cargo features `features` of migrator-cli: each
    /// feature set has its own host (directory, manifest, `Cargo.lock` and binary), so that
    /// switching between databases neither rewrites a host nor makes cargo relock it.
    pub fn host_dir(&self, features: &[&str]) -> PathBuf {
        self.target_dir
            .join("migrator-host")
            .join(host_name(&self.host_id(), features))
    }
}

/// The host crate's files, as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostCrate {
    /// Its directory.
    pub dir: PathBuf,
    /// Its package (and binary) name.
    pub package: String,
    /// `Cargo.toml`.
    pub manifest: String,
    /// `src/main.rs`.
    pub main_rs: String,
    /// `build.rs`, when the host needs one (see [`HostCrate::for_workspace_with_features`]).
    pub build_rs: Option<String>,
}

impl HostCrate {
    /// The host crate for `ws`: path dependencies on every app and on migrator-cli, an empty
    /// `[workspace]` table, and the workspace's `[profile]` and `[patch]` tables so the shared
    /// dependencies are not rebuilt with other settings.
    pub fn for_workspace(ws: &Workspace) -> Result<Self, DriverError> {
        Self::for_workspace_with_features(ws, &[])
    }

    /// [`HostCrate::for_workspace`] with these cargo features of migrator-cli enabled
    /// (`postgres`, `mysql`).
    pub fn for_workspace_with_features(
        ws: &Workspace,
        features: &[&str],
    ) -> Result<Self, DriverError> {
        let package = format!("migrator-host-{}", host_name(&ws.host_id(), features));
        let mut doc = DocumentMut::new();
        let mut pkg = Table::new();
        pkg.insert("name", value(&package));
        pkg.insert("version", value("0.0.0"));
        pkg.insert("edition", value("2021"));
        pkg.insert("publish", value(false));
        // With server features, when an app's build script uses migrator-core (the older
        // `migrator_core::build`), the host also takes migrator-core as a build-dependency with
        // those features: cargo builds diesel's derive macros once for all build-time code,
        // with the features of the normal build — so the build-time diesel must have them as
        // well, or it does not compile. A build-dependency needs a build script (an empty
        // one). Apps on `migrator-build` build no diesel at build time, and then neither does
        // the host: a build-time diesel with fewer features than the apps' own diesel (say
        // `mysql` on an app, only `postgres` for this database) would break the derives.
        let build_rs = (!features.is_empty() && ws.core_at_build_time).then(|| {
            "//! Generated by the `migrator` CLI: empty; it exists so the host's \
             build-dependency on migrator-core (with the server features) is used.\n\n\
             fn main() {}\n"
                .to_owned()
        });
        match &build_rs {
            Some(_) => pkg.insert("build", value("build.rs")),
            None => pkg.insert("build", value(false)),
        };
        doc.insert("package", Item::Table(pkg));

        let mut deps = Table::new();
        let mut cli = InlineTable::new();
        match &ws.cli {
            CliSource::Path(dir) => {
                cli.insert("path", path_value(dir));
            }
            CliSource::Registry(version) => {
                cli.insert("version", format!("={version}").into());
            }
        }
        // Without the driver's own dependencies (cargo feature `driver`): the host would
        // otherwise change the features of crates the workspace's build shares with it.
        cli.insert("default-features", false.into());
        if !features.is_empty() {
            let mut list = toml_edit::Array::new();
            for f in features {
                list.push(*f);
            }
            cli.insert("features", toml_edit::Value::Array(list));
        }
        deps.insert("migrator-cli", value(cli.clone()));
        if build_rs.is_some() {
            let mut core = InlineTable::new();
            match &ws.cli {
                CliSource::Path(dir) => {
                    let core_dir = dir.parent().map_or_else(
                        || dir.join("..").join("migrator-core"),
                        |p| p.join("migrator-core"),
                    );
                    core.insert("path", path_value(&core_dir));
                }
                CliSource::Registry(version) => {
                    core.insert("version", format!("={version}").into());
                }
            }
            if let Some(f) = cli.get("features") {
                core.insert("features", f.clone());
            }
            let mut build_deps = Table::new();
            build_deps.insert("migrator-core", value(core));
            doc.insert("build-dependencies", Item::Table(build_deps));
        }
        for app in &ws.apps {
            let mut dep = InlineTable::new();
            dep.insert("path", path_value(&app.manifest_dir));
            deps.insert(&app.package, value(dep));
        }
        doc.insert("dependencies", Item::Table(deps));

        let mut workspace = Table::new();
        workspace.set_implicit(false);
        doc.insert("workspace", Item::Table(workspace));

        let root_manifest = ws.root.join("Cargo.toml");
        let text = std::fs::read_to_string(&root_manifest).map_err(|source| DriverError::Io {
            action: "read",
            path: root_manifest.clone(),
            source,
        })?;
        let root_doc: DocumentMut = text.parse().map_err(|source| DriverError::Manifest {
            path: root_manifest.clone(),
            source,
        })?;
        if let Some(profile) = root_doc.get("profile") {
            doc.insert("profile", profile.clone());
        }
        if let Some(patch) = root_doc.get("patch") {
            let mut patch = patch.clone();
            absolutize_patch_paths(&mut patch, &ws.root);
            doc.insert("patch", patch);
        }

        let names: Vec<&str> = ws.apps.iter().map(|a| a.lib_name.as_str()).collect();
        let main_rs = format!(
            "//! Generated by the `migrator` CLI: names every app crate of the workspace so \
             their models and\n//! migrations are linked in, then runs the command line. \
             Rewritten when the workspace changes.\n\nmigrator_cli::main!({});\n",
            names.join(", ")
        );
        Ok(Self {
            dir: ws.host_dir(features),
            package,
            manifest: format!(
                "# Generated by the `migrator` CLI for the workspace at {}. Do not edit.\n{doc}",
                ws.root.display()
            ),
            main_rs,
            build_rs,
        })
    }

    /// The manifest's path.
    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join("Cargo.toml")
    }

    /// Writes the files whose content changed (unchanged files keep their timestamps, so a
    /// rebuild stays cheap), and refreshes the copy of the workspace's `Cargo.lock` when the
    /// workspace's lock changed since the last copy. Returns whether it did (the host's own
    /// dependencies must then be resolved again).
    pub fn write(&self, workspace_root: &Path) -> Result<bool, DriverError> {
        write_if_changed(&self.manifest_path(), self.manifest.as_bytes())?;
        write_if_changed(
            &self.dir.join("src").join("main.rs"),
            self.main_rs.as_bytes(),
        )?;
        if let Some(build_rs) = &self.build_rs {
            write_if_changed(&self.dir.join("build.rs"), build_rs.as_bytes())?;
        }
        let lock = workspace_root.join("Cargo.lock");
        if let Ok(source) = std::fs::read(&lock) {
            let seen = self.dir.join("workspace.lock");
            if std::fs::read(&seen).ok().as_deref() != Some(source.as_slice()) {
                write_file(&self.dir.join("Cargo.lock"), &source)?;
                write_file(&seen, &source)?;
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The host's name for a workspace's `host_id` and a feature set: the id alone without
/// features, else the features appended (`shop-1a2b3c4d-mysql-postgres`).
fn host_name(host_id: &str, features: &[&str]) -> String {
    let mut name = host_id.to_owned();
    for feature in features {
        name.push('-');
        name.push_str(feature);
    }
    name
}

fn path_value(path: &Path) -> toml_edit::Value {
    path.display().to_string().into()
}

/// `[patch.x] y = { path = "rel" }` is relative to the workspace root; the host lives
/// elsewhere, so every such path becomes absolute.
fn absolutize_patch_paths(patch: &mut Item, root: &Path) {
    let Some(sources) = patch.as_table_like_mut() else {
        return;
    };
    for (_, source) in sources.iter_mut() {
        let Some(deps) = source.as_table_like_mut() else {
            continue;
        };
        for (_, dep) in deps.iter_mut() {
            let Some(dep) = dep.as_table_like_mut() else {
                continue;
            };
            if let Some(path) = dep.get("path").and_then(|p| p.as_str()) {
                let absolute = root.join(path);
                dep.insert("path", value(path_value(&absolute)));
            }
        }
    }
}

fn write_file(path: &Path, contents: &[u8]) -> Result<(), DriverError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| DriverError::Io {
            action: "create",
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, contents).map_err(|source| DriverError::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    })
}

fn write_if_changed(path: &Path, contents: &[u8]) -> Result<(), DriverError> {
    if std::fs::read(path).ok().as_deref() == Some(contents) {
        return Ok(());
    }
    write_file(path, contents)
}

fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// True when cargo can resolve and fetch everything the host needs without the network (the
/// lock file and the local registry cache hold it all): `cargo metadata --offline` succeeds.
fn resolvable_offline(cargo: &std::ffi::OsStr, ws: &Workspace, host: &HostCrate) -> bool {
    Command::new(cargo)
        .args([
            "metadata",
            "--offline",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(host.manifest_path())
        .env("CARGO_TARGET_DIR", &ws.target_dir)
        .current_dir(&ws.root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Builds the host crate and returns its executable. cargo's progress and compiler errors go
/// straight to stderr. When `lock_refreshed` (the workspace's lock was copied in again, so the
/// host's own dependencies are resolved anew), the build runs `--offline` if everything it
/// needs is already on this machine: no command asks the registry for what the lock file and
/// the cache already hold.
///
/// `models_only` sets `MIGRATOR_HOST_BUILD=1`, which the apps' build scripts
/// (`embed_migrations`) turn into `cfg(migrator)`: code written
/// `#[cfg_attr(not(migrator), derive(Queryable, Selectable, …))]` is left out, so the models
/// build even while their diesel schema is stale (see [`drive`]).
pub fn build_host(
    ws: &Workspace,
    host: &HostCrate,
    quiet: bool,
    lock_refreshed: bool,
    models_only: bool,
    mut held: Option<&mut Vec<String>>,
) -> Result<PathBuf, DriverError> {
    let cargo = cargo_program();
    let offline = lock_refreshed && resolvable_offline(&cargo, ws, host);
    let mut cmd = Command::new(&cargo);
    if offline {
        cmd.arg("--offline");
    }
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(host.manifest_path())
        .arg(if std::io::stderr().is_terminal() {
            "--message-format=json-diagnostic-rendered-ansi"
        } else {
            "--message-format=json"
        })
        .env("CARGO_TARGET_DIR", &ws.target_dir)
        .current_dir(&ws.root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if quiet {
        cmd.arg("--quiet");
    }
    // Unset unless asked: a value the user's own builds do not see would rebuild the apps.
    if models_only {
        cmd.env(HOST_BUILD_ENV, "1");
    } else {
        cmd.env_remove(HOST_BUILD_ENV);
    }
    let mut child = cmd.spawn().map_err(|source| DriverError::CargoSpawn {
        cargo: cargo.to_string_lossy().into_owned(),
        source,
    })?;
    let mut exe = None;
    if let Some(stdout) = child.stdout.take() {
        for message in Message::parse_stream(std::io::BufReader::new(stdout)).flatten() {
            match message {
                Message::CompilerArtifact(artifact) if artifact.target.name == host.package => {
                    if let Some(path) = artifact.executable {
                        exe = Some(path.into_std_path_buf());
                    }
                }
                // The compiler's warnings and errors, as cargo would print them: now, or
                // held for the caller (a build that may be retried).
                Message::CompilerMessage(msg) => {
                    if let Some(text) = msg.message.rendered {
                        match held.as_deref_mut() {
                            Some(held) => held.push(text),
                            None => eprint!("{text}"),
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let status = child.wait().map_err(|source| DriverError::CargoSpawn {
        cargo: cargo.to_string_lossy().into_owned(),
        source,
    })?;
    if !status.success() {
        return Err(DriverError::BuildFailed {
            manifest: host.manifest_path(),
        });
    }
    exe.ok_or_else(|| DriverError::NoExecutable {
        manifest: host.manifest_path(),
    })
}

/// Runs the host with `args` (the command line without the program name) and the workspace
/// context; returns its exit code (2 when it died from a signal).
pub fn run_host(exe: &Path, args: &[OsString], ctx: &Context) -> Result<i32, DriverError> {
    let status = Command::new(exe)
        .args(args)
        .envs(ctx.to_env())
        .status()
        .map_err(|source| DriverError::HostSpawn {
            exe: exe.to_path_buf(),
            source,
        })?;
    Ok(status.code().unwrap_or(2))
}

/// The `--database` URL of the command in `args` (the command line without the program
/// name), read with the host's own clap grammar through [`Command::database`](crate::Command::database),
/// so every command that takes `--database` is covered. `None` when the command takes none,
/// was given none, or does not parse (the host reports that).
pub fn explicit_database(args: &[OsString]) -> Option<String> {
    use clap::Parser as _;
    let argv = std::iter::once(OsString::from("migrator")).chain(args.iter().cloned());
    let cli = crate::Cli::try_parse_from(argv).ok()?;
    cli.command.database()?.url().map(str::to_owned)
}

/// The server features the host needs: the ones this binary was built with, plus the backend
/// of the database the command names (`--database`, else `DATABASE_URL`, else
/// `migrator.toml`; SQLite needs none). An unreadable URL adds nothing — the host reports it.
pub fn host_features(args: &[OsString], root: &Path) -> Vec<&'static str> {
    let mut features = Vec::new();
    if cfg!(feature = "postgres") {
        features.push("postgres");
    }
    if cfg!(feature = "mysql") {
        features.push("mysql");
    }
    // The database the command uses, and the backends makemigrations checks new migrations
    // against (`[project] backends`): the host needs each one's editor. Errors are the host's
    // to report.
    let explicit = explicit_database(args);
    let mut backends: Vec<_> = migrator_core::database::resolve(explicit.as_deref(), root)
        .map(|db| db.url.backend())
        .into_iter()
        .collect();
    backends.extend(migrator_core::database::project_backends(root).unwrap_or_default());
    for f in backends.iter().filter_map(|b| b.features().cargo_feature) {
        if !features.contains(&f) {
            features.push(f);
        }
    }
    features.sort_unstable();
    features
}

/// The variable the host build sets for the apps' build scripts (`migrator_build`).
pub const HOST_BUILD_ENV: &str = migrator_core::build::HOST_BUILD_ENV;

/// The whole driver: discover, write the host (with [`host_features`]), build it, run it
/// with `args`. When the build fails and an app keeps a diesel schema, the models may have
/// changed under diesel derives that still name the old schema: the build is retried with
/// `cfg(migrator)` set (see [`build_host`]), so `makemigrations` can write the new schema.
pub fn drive(
    manifest_path: Option<&Path>,
    args: &[OsString],
    verbosity: u8,
) -> Result<i32, DriverError> {
    if let Some(fresh) = fresh::lookup(manifest_path, args) {
        if verbosity >= 3 {
            eprintln!(
                "migrator: nothing cargo would look at changed since {} was built; running it \
                 without cargo",
                fresh.exe.display()
            );
        }
        return run_host(&fresh.exe, args, &fresh.context);
    }
    let quiet = verbosity == 0;
    let started = std::time::SystemTime::now();
    let ws = Workspace::discover(manifest_path)?;
    let features = host_features(args, &ws.root);
    let host = HostCrate::for_workspace_with_features(&ws, &features)?;
    let lock_refreshed = host.write(&ws.root)?;
    // With a diesel schema in the workspace, the compiler's messages are held until it is
    // known whether the build is retried: the retry's are the ones that matter.
    let retry = ws.keeps_diesel_schema;
    let mut held = Vec::new();
    let first = build_host(
        &ws,
        &host,
        quiet,
        lock_refreshed,
        false,
        retry.then_some(&mut held),
    );
    let exe = match first {
        Err(DriverError::BuildFailed { .. }) if retry => {
            eprintln!(
                "migrator: the models did not build as they are (a diesel derive may name a \
                 schema that makemigrations has not rewritten yet); building them again with \
                 `cfg(migrator)` set, which leaves out diesel derives written \
                 `#[cfg_attr(not(migrator), derive(…))]` (docs/diesel.md)"
            );
            // Built with `cfg(migrator)`: the next command must go through cargo again.
            fresh::forget(manifest_path, &ws.target_dir);
            build_host(&ws, &host, quiet, false, true, None)?
        }
        first => {
            for text in &held {
                eprint!("{text}");
            }
            let exe = first.inspect_err(|_| fresh::forget(manifest_path, &ws.target_dir))?;
            let recorded = fresh::record(
                manifest_path,
                &ws.target_dir,
                &ws.context(),
                &features,
                &exe,
                started,
            );
            if verbosity >= 3 {
                eprintln!(
                    "migrator: {}",
                    if recorded {
                        "recorded what this build read; the next command skips cargo while none of it changes"
                    } else {
                        "a file changed during the build (or its file list is incomplete); the next command goes through cargo again"
                    }
                );
            }
            exe
        }
    };
    run_host(&exe, args, &ws.context())
}

pub mod fresh;

#[cfg(test)]
mod tests;
