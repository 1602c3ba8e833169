//! The `build.rs` helper that embeds an app's migrations (DESIGN decision 5), in a crate of its
//! own so that a build script never compiles migrator-core, diesel and the bundled SQLite a
//! second time (build scripts are built with their own profile, so a build-dependency on
//! migrator-core doubled a cold build's heaviest work). `migrator_core::build` re-exports it.
//!
//! An app crate lists `migrator-build` under `[build-dependencies]`, and its build script is
//! one line:
//!
//! ```text
//! fn main() {
//!     migrator_build::embed_migrations();
//! }
//! ```
//!
//! It lists `migrations/*.rs` next to `Cargo.toml`, writes an index module into `OUT_DIR` that
//! declares each file with an absolute `#[path]` and lists them in order, and tells cargo when
//! to run again. The crate root then calls `migrator_core::embed_migrations!` once, which includes the
//! index and registers the app's migrations (see `loader.rs`). No tool ever edits the user's
//! `lib.rs`.
//!
//! Files whose stem does not start with a digit (`mod.rs`, `helpers.rs`) and files that are not
//! `.rs` are ignored; a `.rs` file that starts with a digit but is not a valid migration name
//! (`NNNN_snake_case`) fails the build, naming the file.
//!
//! Rebuilds: when `migrations/` exists, cargo watches it (cargo scans a watched directory
//! recursively, so new, edited and deleted files all count). When it does not exist yet, a
//! missing watched path would make cargo rerun the script — and recompile the crate — on every
//! build, so instead the script watches the package directory when the target directory is
//! elsewhere (a workspace member: only source files live there), and otherwise (a standalone
//! crate whose `target/` is inside the package) watches `build.rs`, which
//! [`mark_migrations_changed`] touches when a tool creates the folder.
//!
//! The index also carries each file's *code checksum* ([`code_checksum`]): the SHA-256 of the
//! file's Rust tokens other than its `migration()` function — the data-step functions
//! (`RunRust`) and whatever else the file defines — so that editing the body of an applied
//! data step is caught (the operations' checksum only sees a step's name). Tokens, not
//! bytes: whitespace, line ends, comments and doc comments, trailing commas, a match arm's
//! braces around a single expression and the order of `use` items do not count, so
//! `rustfmt` never changes it.
//!
//! This crate only generates the index; loading it at run time is migrator-core's `loader.rs`.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::ToTokens;
use sha2::{Digest, Sha256};
use syn::visit_mut::VisitMut;
use thiserror::Error;

/// The file name of the generated index inside `OUT_DIR`.
pub const INDEX_FILE: &str = "migrator_migrations.rs";

/// The migrations folder name, next to the app's `Cargo.toml`.
pub const MIGRATIONS_DIR: &str = "migrations";

/// Why embedding failed.
#[derive(Debug, Error)]
pub enum BuildError {
    /// A file looks like a migration but its name is not usable.
    #[error("{}: not a valid migration file name; migration files are named `NNNN_snake_case.rs` (four or more digits, `_`, then lowercase letters, digits and `_`), e.g. `0002_book_published_date.rs`. Rename the file", .0.display())]
    InvalidName(PathBuf),
    /// A path is not valid UTF-8 (it must be written into Rust source).
    #[error("{}: the path is not valid UTF-8; move the crate to a UTF-8 path", .0.display())]
    NonUtf8Path(PathBuf),
    /// A cargo environment variable is missing: not running inside a build script.
    #[error("environment variable {0} is not set; `embed_migrations()` must be called from a build script (build.rs)")]
    MissingEnv(&'static str),
    /// Reading the folder or writing the index failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
}

/// What [`generate`] produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// The app label (package name, `-` replaced by `_`).
    pub app: String,
    /// The absolute migrations folder (it may not exist yet).
    pub migrations_dir: PathBuf,
    /// The migration names, sorted.
    pub names: Vec<String>,
    /// The written index file.
    pub index_file: PathBuf,
    /// The lines to print for cargo (`cargo::rerun-if-changed=…`).
    pub directives: Vec<String>,
}

/// The variable the `migrator` CLI sets (to `1`) when it builds the models again for a
/// command after a failed build (see `docs/diesel.md`): [`embed_migrations`] then sets
/// `cfg(migrator)` on the app crate, which leaves out code written
/// `#[cfg_attr(not(migrator), …)]` — the diesel derives that name a schema `makemigrations`
/// is about to rewrite.
pub const HOST_BUILD_ENV: &str = "MIGRATOR_HOST_BUILD";

/// The cargo directives for `cfg(migrator)`: declared always (so `#[cfg_attr(not(migrator),
/// …)]` raises no `unexpected_cfgs` warning), set when [`HOST_BUILD_ENV`] is `1`.
fn cfg_directives(host_build: Option<&str>) -> Vec<String> {
    let mut out = vec![
        "cargo::rustc-check-cfg=cfg(migrator)".to_owned(),
        format!("cargo::rerun-if-env-changed={HOST_BUILD_ENV}"),
    ];
    if host_build == Some("1") {
        out.push("cargo::rustc-cfg=migrator".to_owned());
    }
    out
}

/// The one-line build script: embeds `migrations/*.rs` of the package being built. On error the
/// build fails with a message naming the file and the fix.
///
/// This function's job is talking to cargo, so it prints cargo directives on stdout (the only
/// place in migrator-core that prints).
pub fn embed_migrations() {
    match embed_from_env() {
        Ok(generated) => {
            let host_build = std::env::var(HOST_BUILD_ENV).ok();
            for line in generated
                .directives
                .into_iter()
                .chain(cfg_directives(host_build.as_deref()))
            {
                println!("{line}");
            }
        }
        Err(e) => {
            println!("cargo::error=migrator: {e}");
        }
    }
}

fn embed_from_env() -> Result<Generated, BuildError> {
    let var = |name: &'static str| std::env::var_os(name).ok_or(BuildError::MissingEnv(name));
    let manifest_dir = PathBuf::from(var("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(var("OUT_DIR")?);
    let package = var("CARGO_PKG_NAME")?;
    let package = package.to_string_lossy();
    generate(&manifest_dir, &package, &out_dir)
}

/// Generates the index for the package in `manifest_dir` named `package`, writing
/// [`INDEX_FILE`] into `out_dir` (only when its contents change, so cargo sees no change when
/// there is none).
pub fn generate(
    manifest_dir: &Path,
    package: &str,
    out_dir: &Path,
) -> Result<Generated, BuildError> {
    let manifest_dir = absolute(manifest_dir)?;
    let out_dir = absolute(out_dir)?;
    let migrations_dir = manifest_dir.join(MIGRATIONS_DIR);
    let names = list_migrations(&migrations_dir)?;
    let app = package.replace('-', "_");
    let source = index_source(&app, &migrations_dir, &names)?;
    let index_file = out_dir.join(INDEX_FILE);
    if fs::read_to_string(&index_file).ok().as_deref() != Some(source.as_str()) {
        fs::write(&index_file, &source).map_err(|source| BuildError::Io {
            path: index_file.clone(),
            source,
        })?;
    }
    let mut directives = Vec::new();
    let watch = |p: &Path| format!("cargo::rerun-if-changed={}", p.display());
    if migrations_dir.is_dir() {
        directives.push(watch(&migrations_dir));
    } else if !out_dir.starts_with(&manifest_dir) {
        directives.push(watch(&manifest_dir));
    } else {
        directives.push(watch(&manifest_dir.join("build.rs")));
    }
    Ok(Generated {
        app,
        migrations_dir,
        names,
        index_file,
        directives,
    })
}

fn absolute(p: &Path) -> Result<PathBuf, BuildError> {
    std::path::absolute(p).map_err(|source| BuildError::Io {
        path: p.to_path_buf(),
        source,
    })
}

/// The migration names in `dir` (file stems of `NNNN_snake.rs`), sorted. A missing folder has
/// none. Files not starting with a digit and non-`.rs` files are ignored; an `.rs` file that
/// starts with a digit but is not a valid name is an error naming it.
pub fn list_migrations(dir: &Path) -> Result<Vec<String>, BuildError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(BuildError::Io {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| BuildError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") || !path.is_file() {
            continue;
        }
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            return Err(BuildError::NonUtf8Path(path));
        };
        if !stem.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        if !is_valid_name(stem) {
            return Err(BuildError::InvalidName(path));
        }
        names.push(stem.to_string());
    }
    names.sort();
    Ok(names)
}

/// The index module source: one `#[path = "…"] mod m_<name>;` per migration, and the consts
/// `APP`, `MIGRATIONS_DIR` and `MIGRATIONS` that `migrator_core::embed_migrations!` registers.
pub fn index_source(
    app: &str,
    migrations_dir: &Path,
    names: &[String],
) -> Result<String, BuildError> {
    let dir = migrations_dir
        .to_str()
        .ok_or_else(|| BuildError::NonUtf8Path(migrations_dir.to_path_buf()))?;
    let mut s = String::from(
        "// Generated by migrator_build::embed_migrations() from the migrations folder.\n\n",
    );
    for name in names {
        let file = migrations_dir.join(format!("{name}.rs"));
        let file = file
            .to_str()
            .ok_or_else(|| BuildError::NonUtf8Path(file.clone()))?;
        let _ = writeln!(s, "#[path = {file:?}]\nmod m_{name};");
    }
    let _ = writeln!(s, "\n/// The app label.\npub const APP: &str = {app:?};");
    let _ = writeln!(
        s,
        "/// The absolute migrations folder.\npub const MIGRATIONS_DIR: &str = {dir:?};"
    );
    s.push_str("/// The migrations, sorted by name.\npub const MIGRATIONS: &[(&str, ::migrator_core::loader::MigrationFn)] = &[\n");
    for name in names {
        let _ = writeln!(s, "    ({name:?}, m_{name}::migration),");
    }
    s.push_str("];\n");
    s.push_str("/// The code checksum of each migration file that parses.\npub const CODE_CHECKSUMS: &[(&str, &str)] = &[\n");
    for name in names {
        let file = migrations_dir.join(format!("{name}.rs"));
        // A file that cannot be read or parsed gets none: compiling it reports the problem.
        if let Some(sum) = fs::read_to_string(&file)
            .ok()
            .and_then(|source| code_checksum(&source))
        {
            let _ = writeln!(s, "    ({name:?}, {sum:?}),");
        }
    }
    s.push_str("];\n");
    Ok(s)
}

/// The code checksum of a migration file's source: the hex SHA-256 of its tokens except
/// the `migration()` function (the operations' checksum covers that), normalized so that
/// formatting never counts (see the module docs). `None` when the source does not parse.
pub fn code_checksum(source: &str) -> Option<String> {
    let mut file = syn::parse_file(source).ok()?;
    file.items
        .retain(|item| !matches!(item, syn::Item::Fn(f) if f.sig.ident == "migration"));
    Normalize.visit_file_mut(&mut file);
    let mut tokens = String::new();
    write_tokens(&mut tokens, file.into_token_stream());
    let digest = Sha256::digest(tokens.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        let _ = write!(hex, "{byte:02x}");
    }
    Some(hex)
}

/// The syntax-level part of the normalization: what `rustfmt` may rewrite.
struct Normalize;

impl VisitMut for Normalize {
    fn visit_file_mut(&mut self, file: &mut syn::File) {
        syn::visit_mut::visit_file_mut(self, file);
        sort_use_runs(&mut file.items);
    }

    fn visit_item_mod_mut(&mut self, module: &mut syn::ItemMod) {
        syn::visit_mut::visit_item_mod_mut(self, module);
        if let Some((_, items)) = &mut module.content {
            sort_use_runs(items);
        }
    }

    /// `{ a, b }` in a `use` tree, in any order.
    fn visit_use_group_mut(&mut self, group: &mut syn::UseGroup) {
        syn::visit_mut::visit_use_group_mut(self, group);
        let mut trees: Vec<syn::UseTree> = std::mem::take(&mut group.items).into_iter().collect();
        trees.sort_by_cached_key(|t| t.to_token_stream().to_string());
        group.items = trees.into_iter().collect();
    }

    /// `A => { expr }` is `A => expr`, with or without a comma.
    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        syn::visit_mut::visit_arm_mut(self, arm);
        if let syn::Expr::Block(block) = &*arm.body {
            if block.attrs.is_empty() && block.label.is_none() {
                if let [syn::Stmt::Expr(expr, None)] = block.block.stmts.as_slice() {
                    *arm.body = expr.clone();
                }
            }
        }
        arm.comma = None;
    }
}

/// Sorts every run of consecutive `use` items (rustfmt reorders them).
fn sort_use_runs(items: &mut [syn::Item]) {
    let mut start = 0;
    while start < items.len() {
        let end = items[start..]
            .iter()
            .position(|i| !matches!(i, syn::Item::Use(_)))
            .map_or(items.len(), |p| start + p);
        items[start..end].sort_by_cached_key(|i| i.to_token_stream().to_string());
        start = end + 1;
    }
}

/// Writes `stream` as text, one space between tokens, without doc attributes and without
/// a comma right before a closing delimiter.
fn write_tokens(out: &mut String, stream: TokenStream) {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        // `#[doc = "…"]` / `#![doc = "…"]`: a doc comment.
        if let TokenTree::Punct(p) = &tokens[i] {
            if p.as_char() == '#' {
                let bang =
                    matches!(&tokens.get(i + 1), Some(TokenTree::Punct(b)) if b.as_char() == '!');
                let at = i + 1 + usize::from(bang);
                if let Some(TokenTree::Group(g)) = tokens.get(at) {
                    if g.delimiter() == Delimiter::Bracket && is_doc(g) {
                        i = at + 1;
                        continue;
                    }
                }
            }
            if p.as_char() == ',' && i + 1 == tokens.len() {
                i += 1;
                continue;
            }
        }
        match &tokens[i] {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                out.push(' ');
                write_tokens(out, g.stream());
                out.push_str(close);
            }
            other => out.push_str(&other.to_string()),
        }
        out.push(' ');
        i += 1;
    }
}

fn is_doc(g: &Group) -> bool {
    matches!(g.stream().into_iter().next(), Some(TokenTree::Ident(id)) if id == "doc")
}

/// Tells cargo that an app's migrations folder appeared: touches the package's `build.rs` (if
/// any) so its build script reruns even where the package directory is not watched (see the
/// module docs). Tools call this after creating `migrations/`.
pub fn mark_migrations_changed(manifest_dir: &Path) -> io::Result<()> {
    let build_rs = manifest_dir.join("build.rs");
    match fs::OpenOptions::new().append(true).open(&build_rs) {
        Ok(file) => file.set_modified(std::time::SystemTime::now()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// True for a usable migration file stem: four or more digits, `_`, then `[a-z0-9_]+`
/// (`0001_initial`, `0002_book_published_date`).
pub fn is_valid_name(name: &str) -> bool {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    digits >= 4
        && name.as_bytes().get(digits) == Some(&b'_')
        && name.len() > digits + 1
        && name[digits + 1..]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod cfg_tests {
    use super::*;

    #[test]
    fn cfg_migrator_is_declared_always_and_set_only_for_host_builds() {
        let plain = cfg_directives(None);
        assert!(plain.contains(&"cargo::rustc-check-cfg=cfg(migrator)".to_owned()));
        assert!(plain.contains(&format!("cargo::rerun-if-env-changed={HOST_BUILD_ENV}")));
        assert!(!plain.iter().any(|d| d == "cargo::rustc-cfg=migrator"));
        assert!(!cfg_directives(Some("0"))
            .iter()
            .any(|d| d == "cargo::rustc-cfg=migrator"));
        assert!(cfg_directives(Some("1"))
            .iter()
            .any(|d| d == "cargo::rustc-cfg=migrator"));
    }
}
