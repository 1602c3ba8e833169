//! The driver's fast path (issue 18.5): run the host binary without asking cargo when nothing
//! cargo would look at has changed since the host was built.
//!
//! A command normally costs `cargo metadata` plus a no-op `cargo build` of the host before the
//! host itself runs (~0.3 s on a small project, almost all of it cargo's). After a build, the
//! driver writes a *stamp* beside the host crate: the host executable, what the host is told
//! (workspace root and apps), the host's cargo features, and the identity (size, mtime, and on
//! Unix inode and ctime) of every file the build read. That list is cargo's own: the
//! executable's dep-info file (`<exe>.d`) names every source file of every path package and
//! every path a build script watches (`rerun-if-changed`, so a migrations folder gaining a
//! file is seen). To it the stamp adds what the dep-info leaves out: the manifest of every
//! package those files belong to, the workspace's `Cargo.lock`, the folders that `members`
//! globs read, cargo's configuration files and the toolchain files from the root upwards.
//! It also keeps a digest of the environment (without the shell's own bookkeeping variables)
//! and of `rustc -vV`, and the identity of the `migrator` binary itself.
//!
//! The next command looks for the stamp of its starting point (`--manifest-path`, else the
//! current directory) in the target directory cargo would use (`CARGO_TARGET_DIR`, else the
//! `target` folder of an enclosing package), and runs the host directly only when every one of
//! those agrees. Each feature set (each database backend) has its own host and so its own
//! stamp beside the last one: the last stamp names the workspace root, from which the command's
//! features follow, and a command needing other features than the last build reads the stamp
//! of the last build with those. Anything else — a missing stamp, a file edited, added or
//! removed, another environment or toolchain — takes the normal path, which writes a new
//! stamp. A stamp is never written when a file the build read changed while it ran, nor after
//! a build retried with `cfg(migrator)`. `MIGRATOR_ALWAYS_BUILD=1` turns the fast path off.

use std::ffi::OsString;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::context::Context;

/// Set (to anything but `0`) to always go through cargo.
pub const ALWAYS_BUILD_ENV: &str = "MIGRATOR_ALWAYS_BUILD";

const HEADER: &str = "migrator-host-stamp 1";

/// Environment variables the shell changes between commands without changing any build.
const VOLATILE_ENV: &[&str] = &["_", "OLDPWD", "PWD", "SHLVL", "COLUMNS", "LINES"];

/// The host a stamp says is current, and what to tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fresh {
    /// The host executable.
    pub exe: PathBuf,
    /// The context it runs with.
    pub context: Context,
}

/// What identifies one version of a file (or its absence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    size: u64,
    mtime_ns: i128,
    ino: u64,
    ctime_ns: i128,
}

impl FileId {
    fn of(path: &Path) -> Option<Self> {
        let meta = std::fs::metadata(path).ok()?;
        let mtime_ns = meta
            .modified()
            .ok()
            .map(|t| match t.duration_since(SystemTime::UNIX_EPOCH) {
                Ok(d) => d.as_nanos() as i128,
                Err(e) => -(e.duration().as_nanos() as i128),
            })
            .unwrap_or(0);
        #[cfg(unix)]
        let (ino, ctime_ns) = {
            use std::os::unix::fs::MetadataExt as _;
            (
                meta.ino(),
                i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
            )
        };
        #[cfg(not(unix))]
        let (ino, ctime_ns) = (0, 0);
        Some(Self {
            size: if meta.is_dir() { 0 } else { meta.len() },
            mtime_ns,
            ino,
            ctime_ns,
        })
    }

    fn render(id: Option<Self>) -> String {
        match id {
            Some(f) => format!("{} {} {} {}", f.size, f.mtime_ns, f.ino, f.ctime_ns),
            None => "absent".to_string(),
        }
    }
}

/// `MIGRATOR_ALWAYS_BUILD` is set (and not `0`): no stamp is read or written.
fn always_build() -> bool {
    std::env::var_os(ALWAYS_BUILD_ENV).is_some_and(|v| v != "0")
}

/// Where a command starts: the `--manifest-path` given, else the current directory.
fn start(manifest_path: Option<&Path>) -> Option<PathBuf> {
    match manifest_path {
        Some(p) => std::fs::canonicalize(p).ok(),
        None => std::env::current_dir()
            .ok()
            .and_then(|d| std::fs::canonicalize(d).ok()),
    }
}

/// FNV-1a over bytes: stable across Rust versions and builds.
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

fn digest(value: impl Hash) -> u64 {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    value.hash(&mut h);
    h.finish()
}

/// The stamp file of the last build for a command starting at `start`, in `target_dir`.
fn stamp_path(target_dir: &Path, start: &Path) -> PathBuf {
    target_dir
        .join("migrator-host")
        .join("stamps")
        .join(format!("{:016x}", digest(start.as_os_str())))
}

/// The stamp file of the last build with `features` (each feature set has its own host), so
/// that going back to a database used before finds its host current too.
fn feature_stamp_path(target_dir: &Path, start: &Path, features: &[String]) -> PathBuf {
    let mut path = stamp_path(target_dir, start).into_os_string();
    path.push(format!("-features-{}", features.join("-")));
    PathBuf::from(path)
}

/// The target directories cargo may use for a command starting at `start`, most likely first:
/// `CARGO_TARGET_DIR`, else the `target` folder of each enclosing package. (A `target-dir`
/// set in cargo's configuration is not read here: such a workspace simply never finds a
/// stamp and always goes through cargo.)
fn target_candidates(start: &Path) -> Vec<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return vec![if dir.is_absolute() {
            dir
        } else {
            std::env::current_dir().unwrap_or_default().join(dir)
        }];
    }
    let dir = if start.is_file() {
        start.parent().unwrap_or(start)
    } else {
        start
    };
    dir.ancestors()
        .filter(|d| d.join("Cargo.toml").is_file())
        .map(|d| d.join("target"))
        .collect()
}

/// A digest of the environment a build sees (values are never stored).
fn env_digest() -> u64 {
    let mut vars: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(k, _)| !VOLATILE_ENV.iter().any(|v| k == v))
        .collect();
    vars.sort();
    digest(&vars)
}

/// A digest of the toolchain cargo uses in `root` (`rustc -vV` there, so a
/// `rust-toolchain.toml` or a `rustup override` is honoured). `None` when rustc does not run.
fn toolchain_digest(root: &Path) -> Option<u64> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = std::process::Command::new(rustc)
        .arg("-vV")
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status.success().then(|| digest(&out.stdout))
}

/// The identity of the running `migrator` binary: a new driver may write another host.
fn driver_id() -> String {
    let exe = std::env::current_exe().ok();
    let id = exe.as_deref().and_then(FileId::of);
    format!(
        "{} {}",
        env!("CARGO_PKG_VERSION"),
        FileId::render(id).replace(' ', "/")
    )
}

/// The paths a dep-info file (`target: dep dep…`, spaces in paths escaped as `\ `) lists.
fn dep_info_paths(text: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((_, deps)) = split_target(line) else {
            continue;
        };
        let mut current = String::new();
        let mut chars = deps.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if matches!(chars.peek(), Some(' ' | '\\' | '#' | ':')) => {
                    current.push(chars.next().expect("peeked"));
                }
                ' ' | '\t' => {
                    if !current.is_empty() {
                        out.push(PathBuf::from(std::mem::take(&mut current)));
                    }
                }
                c => current.push(c),
            }
        }
        if !current.is_empty() {
            out.push(PathBuf::from(current));
        }
    }
    out
}

/// Splits a dep-info line at the `: ` that ends its target (a path may hold `:`).
fn split_target(line: &str) -> Option<(&str, &str)> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b':' if i + 1 == bytes.len() || bytes[i + 1] == b' ' => {
                return Some((&line[..i], &line[i + 1..]));
            }
            _ => i += 1,
        }
    }
    None
}

/// The files a host build read, beyond what cargo's dep-info says (see the module docs).
/// `None` when the list cannot be trusted (a relative path in the dep-info file).
fn watched_files(root: &Path, exe: &Path) -> Option<Vec<PathBuf>> {
    let dep_info = std::fs::read_to_string(exe.with_extension("d")).ok()?;
    let mut files: std::collections::BTreeSet<PathBuf> = std::collections::BTreeSet::new();
    let mut manifest_dirs: std::collections::BTreeSet<PathBuf> = Default::default();
    for path in dep_info_paths(&dep_info) {
        if !path.is_absolute() {
            return None;
        }
        // The manifest of the package the file belongs to: the nearest Cargo.toml upwards.
        if let Some(dir) = path.parent() {
            if let Some(pkg) = dir.ancestors().find(|d| d.join("Cargo.toml").is_file()) {
                manifest_dirs.insert(pkg.to_path_buf());
            }
        }
        files.insert(path);
    }
    for dir in manifest_dirs {
        files.insert(dir.join("Cargo.toml"));
    }
    files.insert(root.join("Cargo.toml"));
    files.insert(root.join("Cargo.lock"));
    files.extend(member_glob_dirs(root));
    // cargo's configuration and the toolchain files, from the root upwards (an absent file
    // is recorded too: creating one is a change).
    for dir in root.ancestors() {
        for name in [".cargo/config.toml", ".cargo/config"] {
            files.insert(dir.join(name));
        }
        for name in ["rust-toolchain.toml", "rust-toolchain"] {
            files.insert(dir.join(name));
        }
    }
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        let home = PathBuf::from(home);
        files.insert(home.join("config.toml"));
        files.insert(home.join("config"));
    }
    Some(files.into_iter().collect())
}

/// The folders whose listing decides the workspace's members: for each `members` entry with
/// a glob, the folder before its first glob character.
fn member_glob_dirs(root: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(root.join("Cargo.toml")) else {
        return Vec::new();
    };
    let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
        return Vec::new();
    };
    let Some(members) = doc
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array())
    else {
        return Vec::new();
    };
    members
        .iter()
        .filter_map(|m| m.as_str())
        .filter_map(|m| {
            let glob = m.find(['*', '?', '['])?;
            let prefix = &m[..glob];
            let dir = match prefix.rfind('/') {
                Some(slash) => root.join(&prefix[..slash]),
                None => root.to_path_buf(),
            };
            Some(dir)
        })
        .collect()
}

/// The stamp's text.
struct Stamp {
    exe: PathBuf,
    context: Context,
    lines: Vec<String>,
}

impl Stamp {
    /// The lines that must match today's for the stamp to hold (everything but the files).
    fn header(driver: &str, env: u64, toolchain: u64, features: &[String]) -> Vec<String> {
        vec![
            HEADER.to_string(),
            format!("driver {driver}"),
            format!("env {env:016x}"),
            format!("toolchain {toolchain:016x}"),
            format!("features {}", features.join(",")),
        ]
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(&format!("exe\t{}\n", self.exe.display()));
        out.push_str(&format!(
            "root\t{}\n",
            self.context.workspace_root.display()
        ));
        for (name, dir) in &self.context.apps {
            out.push_str(&format!("app\t{name}\t{}\n", dir.display()));
        }
        out
    }
}

/// The host to run directly for a command starting at `manifest_path` (or the current
/// directory) with `args`, when its stamp says nothing changed since it was built.
pub fn lookup(manifest_path: Option<&Path>, args: &[OsString]) -> Option<Fresh> {
    if always_build() {
        return None;
    }
    let start = start(manifest_path)?;
    let (target_dir, last) = target_candidates(&start).into_iter().find_map(|t| {
        let text = std::fs::read_to_string(stamp_path(&t, &start)).ok()?;
        Some((t, text))
    })?;
    // The last stamp names the workspace root, which says which features this command needs;
    // when the last build had others, the stamp of the last build with these is the one.
    let root = last
        .lines()
        .find_map(|l| l.strip_prefix("root\t"))
        .map(PathBuf::from)?;
    let features: Vec<String> = super::host_features(args, &root)
        .into_iter()
        .map(String::from)
        .collect();
    let wanted = format!("features {}", features.join(","));
    let text = if last.lines().any(|l| l == wanted) {
        last
    } else {
        std::fs::read_to_string(feature_stamp_path(&target_dir, &start, &features)).ok()?
    };
    check(&text, &features)
}

/// The host `text` (a stamp) names, when everything it records still holds for a command
/// needing `features`.
fn check(text: &str, features: &[String]) -> Option<Fresh> {
    let mut exe = None;
    let mut root = None;
    let mut apps = std::collections::BTreeMap::new();
    let mut header = Vec::new();
    let mut files = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("exe\t") {
            exe = Some(PathBuf::from(rest));
        } else if let Some(rest) = line.strip_prefix("root\t") {
            root = Some(PathBuf::from(rest));
        } else if let Some(rest) = line.strip_prefix("app\t") {
            let (name, dir) = rest.split_once('\t')?;
            apps.insert(name.to_string(), PathBuf::from(dir));
        } else if let Some(rest) = line.strip_prefix("file\t") {
            let (id, path) = rest.split_once('\t')?;
            files.push((id.to_string(), PathBuf::from(path)));
        } else if let Some(rest) = line.strip_prefix("exe-id\t") {
            header.push(format!("exe-id\t{rest}"));
        } else {
            header.push(line.to_string());
        }
    }
    let (exe, root) = (exe?, root?);
    // Cheap checks first: the files, then the environment and features, then rustc.
    if files
        .iter()
        .any(|(id, path)| FileId::render(FileId::of(path)) != *id)
    {
        return None;
    }
    if header.iter().find_map(|l| l.strip_prefix("exe-id\t"))
        != Some(FileId::render(FileId::of(&exe)).as_str())
    {
        return None;
    }
    let expected = Stamp::header(
        &driver_id(),
        env_digest(),
        toolchain_digest(&root)?,
        features,
    );
    let recorded: Vec<&String> = header
        .iter()
        .filter(|l| !l.starts_with("exe-id\t"))
        .collect();
    if recorded.len() != expected.len() || recorded.iter().zip(&expected).any(|(a, b)| *a != b) {
        return None;
    }
    Some(Fresh {
        exe,
        context: Context {
            workspace_root: root,
            apps,
        },
    })
}

/// Writes the stamp of a host just built for a command starting at `manifest_path` (see the
/// module docs). Returns whether it wrote one: not when the file list cannot be trusted or a
/// file changed after `started` (the build may have read the older content).
pub fn record(
    manifest_path: Option<&Path>,
    target_dir: &Path,
    context: &Context,
    features: &[&str],
    exe: &Path,
    started: SystemTime,
) -> bool {
    if always_build() {
        return false;
    }
    let (Some(start), Some(toolchain)) = (
        start(manifest_path),
        toolchain_digest(&context.workspace_root),
    ) else {
        return false;
    };
    let Some(files) = watched_files(&context.workspace_root, exe) else {
        return false;
    };
    let started_ns = match started.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(_) => return false,
    };
    let features: Vec<String> = features.iter().map(|f| f.to_string()).collect();
    let mut lines = Stamp::header(&driver_id(), env_digest(), toolchain, &features);
    lines.push(format!("exe-id\t{}", FileId::render(FileId::of(exe))));
    for path in &files {
        let id = FileId::of(path);
        // Files the build itself writes (build-script output) live in the target directory.
        if id.is_some_and(|id| id.mtime_ns >= started_ns) && !path.starts_with(target_dir) {
            return false;
        }
        lines.push(format!("file\t{}\t{}", FileId::render(id), path.display()));
    }
    let stamp = Stamp {
        exe: exe.to_path_buf(),
        context: context.clone(),
        lines,
    };
    let text = stamp.render();
    // The feature set's own stamp first: a reader that finds the new last stamp finds it too.
    [
        feature_stamp_path(target_dir, &start, &features),
        stamp_path(target_dir, &start),
    ]
    .iter()
    .all(|path| write_atomically(path, &text))
}

/// Writes `text` to `path` aside and renames it into place, so a concurrent command reads a
/// whole stamp or none.
fn write_atomically(path: &Path, text: &str) -> bool {
    let Some(dir) = path.parent() else {
        return false;
    };
    if std::fs::create_dir_all(dir).is_err() {
        return false;
    }
    let tmp = dir.join(format!(
        ".{}.{}",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, path).is_ok()
}

/// Removes the stamp of a command starting at `manifest_path`, so the next command goes
/// through cargo (after a failed or retried build).
pub fn forget(manifest_path: Option<&Path>, target_dir: &Path) {
    let Some(start) = start(manifest_path) else {
        return;
    };
    let last = stamp_path(target_dir, &start);
    let _ = std::fs::remove_file(&last);
    // And the stamps of every feature set: the build may have failed on a shared file.
    let (Some(dir), Some(name)) = (last.parent(), last.file_name()) else {
        return;
    };
    let prefix = format!("{}-features-", name.to_string_lossy());
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_info_paths_unescape_spaces_and_skip_the_target() {
        let text = "/t/debug/host: /a/src/lib.rs /b\\ c/x.rs /m/migrations\n\n/t/x.d: /y.rs\n";
        assert_eq!(
            dep_info_paths(text),
            ["/a/src/lib.rs", "/b c/x.rs", "/m/migrations", "/y.rs"]
                .map(PathBuf::from)
                .to_vec()
        );
    }

    #[test]
    fn member_globs_watch_the_folder_before_the_glob() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\"app\", \"examples/*\", \"x*\", \"crates/a/[bc]\"]\n",
        )
        .unwrap();
        assert_eq!(
            member_glob_dirs(dir.path()),
            vec![
                dir.path().join("examples"),
                dir.path().to_path_buf(),
                dir.path().join("crates/a"),
            ]
        );
    }

    #[test]
    fn a_file_id_changes_with_content_and_presence() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("m.rs");
        assert_eq!(FileId::of(&f), None);
        std::fs::write(&f, "a").unwrap();
        let first = FileId::of(&f);
        assert!(first.is_some());
        // Same size, new content: an atomic replace (what editors and migrator's writer do)
        // gives a new inode even when the clock has not moved.
        let tmp = dir.path().join("m.tmp");
        std::fs::write(&tmp, "b").unwrap();
        std::fs::rename(&tmp, &f).unwrap();
        assert_ne!(FileId::of(&f), first);
    }
}
