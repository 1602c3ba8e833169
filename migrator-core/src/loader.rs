//! The loader (Django's `django/db/migrations/loader.py`): collects the migrations every linked
//! app crate embedded at build time and builds the [`MigrationGraph`].
//!
//! Each app crate embeds its `migrations/*.rs` through its build script
//! (`migrator_build::embed_migrations()`, see the `migrator-build` crate) and one
//! [`embed_migrations!`](crate::embed_migrations) call in its `lib.rs`, which submits an
//! [`EmbeddedApp`] through `inventory`. [`load_embedded`] turns those into [`Migration`]s
//! (the app label comes from the crate, the name from the file stem), builds the graph, and
//! says where each app's migrations folder is — also for apps that have models but no embedded
//! migrations yet, so `makemigrations` knows where to write their first file.
//!
//! Like models, embedded migrations are only visible in a binary that names the app crate
//! (`use my_app as _;`). This module does not apply anything (the executor does) and does not
//! read the database (the recorder does).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::build::{list_migrations, BuildError};
use crate::graph::{GraphError, MigrationGraph};
use crate::migration::Migration;
use crate::registry::{registrations, ModelRegistration};

/// Builds one migration: the `migration()` function of a migration file.
pub type MigrationFn = fn() -> Migration;

/// One app crate's embedded migrations, submitted by [`embed_migrations!`](crate::embed_migrations).
#[derive(Debug)]
pub struct EmbeddedApp {
    /// App label (the package name, `-` replaced by `_`).
    pub app: &'static str,
    /// The absolute migrations folder at build time.
    pub migrations_dir: &'static str,
    /// `(name, constructor)` for each migration file, sorted by name.
    pub migrations: &'static [(&'static str, MigrationFn)],
    /// `(name, code checksum)` for each migration file that parsed at build time (see
    /// [`crate::build::code_checksum`]).
    pub code_checksums: &'static [(&'static str, &'static str)],
}

inventory::collect!(EmbeddedApp);

/// Registers the calling crate's migrations. Call it once in the app crate's `lib.rs`, with a
/// build script that calls `migrator_build::embed_migrations()` (`migrator-build` under
/// `[build-dependencies]`):
///
/// ```ignore
/// migrator_core::embed_migrations!();
/// ```
///
/// It includes the index the build script wrote into `OUT_DIR` (each migration file becomes a
/// private module) and submits an [`EmbeddedApp`].
#[macro_export]
macro_rules! embed_migrations {
    () => {
        #[doc(hidden)]
        #[allow(missing_docs)]
        mod __migrator_embedded_migrations {
            include!(concat!(
                env!(
                    "OUT_DIR",
                    "migrator: `embed_migrations!()` needs a build script; add `build.rs` with `fn main() { migrator_build::embed_migrations(); }` and `migrator-build` under [build-dependencies]"
                ),
                "/migrator_migrations.rs"
            ));
        }
        $crate::__private::inventory::submit! {
            $crate::loader::EmbeddedApp {
                app: __migrator_embedded_migrations::APP,
                migrations_dir: __migrator_embedded_migrations::MIGRATIONS_DIR,
                migrations: __migrator_embedded_migrations::MIGRATIONS,
                code_checksums: __migrator_embedded_migrations::CODE_CHECKSUMS,
            }
        }
    };
}

/// Loading the embedded migrations failed.
#[derive(Debug, Error)]
pub enum LoadError {
    /// Two crates registered migrations for the same app label.
    #[error("app `{app}` embeds its migrations more than once (from {}); call `migrator_core::embed_migrations!()` once per app crate, and give app crates distinct package names", .dirs.join(", "))]
    DuplicateApp {
        /// The app label.
        app: String,
        /// The migrations folders of every registration.
        dirs: Vec<String>,
    },
    /// The migrations do not form a valid history.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// The files on disk and the compiled-in migrations differ: the binary is stale.
    #[error("the migrations of app `{app}` in {} differ from the ones compiled into this binary (on disk only: {}; compiled only: {}); rebuild the app crate (`cargo build`), and if that does not help, touch its build.rs", .dir.display(), list(.on_disk_only), list(.compiled_only))]
    StaleEmbed {
        /// The app label.
        app: String,
        /// The migrations folder.
        dir: PathBuf,
        /// Migration files present on disk but not compiled in.
        on_disk_only: Vec<String>,
        /// Migrations compiled in but missing on disk.
        compiled_only: Vec<String>,
    },
    /// The migrations folder could not be read.
    #[error(transparent)]
    Build(#[from] BuildError),
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// Every migration known to this binary, as a graph, with where each app's files live.
#[derive(Clone, Debug, Default)]
pub struct LoadedMigrations {
    /// The migration graph of every embedded app.
    pub graph: MigrationGraph,
    /// App label → migrations folder, for every app with embedded migrations or with models.
    pub dirs: BTreeMap<String, PathBuf>,
    /// Apps with models but without `embed_migrations!()`: their migration files (if any)
    /// are not compiled in. Tell the user to add a `build.rs` calling
    /// `migrator_build::embed_migrations()` and `migrator_core::embed_migrations!();` in
    /// the crate's `lib.rs`.
    pub apps_without_embed: BTreeSet<String>,
    /// App label → the migration names compiled in (sorted), for embedded apps.
    pub embedded: BTreeMap<String, Vec<String>>,
}

impl LoadedMigrations {
    /// Checks that each embedded app's migrations folder holds exactly the migrations compiled
    /// in. A folder that does not exist (a deployed binary) is not checked. Call it before
    /// writing new migrations, so numbering never starts from a stale list.
    pub fn check_files_on_disk(&self) -> Result<(), LoadError> {
        for (app, compiled) in &self.embedded {
            let Some(dir) = self.dirs.get(app) else {
                continue;
            };
            if !dir.is_dir() {
                continue;
            }
            let on_disk = list_migrations(dir)?;
            if &on_disk != compiled {
                return Err(LoadError::StaleEmbed {
                    app: app.clone(),
                    dir: dir.clone(),
                    on_disk_only: on_disk
                        .iter()
                        .filter(|n| !compiled.contains(n))
                        .cloned()
                        .collect(),
                    compiled_only: compiled
                        .iter()
                        .filter(|n| !on_disk.contains(n))
                        .cloned()
                        .collect(),
                });
            }
        }
        Ok(())
    }

    /// The migrations folder of `app`, if known.
    pub fn dir(&self, app: &str) -> Option<&Path> {
        self.dirs.get(app).map(PathBuf::as_path)
    }
}

/// Loads every migration embedded in this binary (see the module docs).
pub fn load_embedded() -> Result<LoadedMigrations, LoadError> {
    let apps: Vec<&EmbeddedApp> = inventory::iter::<EmbeddedApp>.into_iter().collect();
    load_from(&apps, &registrations())
}

/// Loads the given embedded apps, with the model registrations that name the other apps'
/// folders. [`load_embedded`] calls this with everything linked in; tests and hosts that
/// assemble apps themselves call it directly.
pub fn load_from(
    apps: &[&EmbeddedApp],
    models: &[&ModelRegistration],
) -> Result<LoadedMigrations, LoadError> {
    let mut by_app: BTreeMap<&str, Vec<&EmbeddedApp>> = BTreeMap::new();
    for app in apps {
        by_app.entry(app.app).or_default().push(app);
    }
    let mut loaded = LoadedMigrations::default();
    let mut migrations = Vec::new();
    for (label, regs) in by_app {
        if regs.len() > 1 {
            let mut dirs: Vec<String> = regs.iter().map(|r| r.migrations_dir.to_string()).collect();
            dirs.sort();
            return Err(LoadError::DuplicateApp {
                app: label.to_string(),
                dirs,
            });
        }
        let reg = regs[0];
        loaded
            .dirs
            .insert(label.to_string(), PathBuf::from(reg.migrations_dir));
        let mut names = Vec::with_capacity(reg.migrations.len());
        for (name, build) in reg.migrations {
            let mut migration = build().named(label, *name);
            migration.code_checksum = reg
                .code_checksums
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, sum)| (*sum).to_owned());
            migrations.push(migration);
            names.push((*name).to_string());
        }
        names.sort();
        loaded.embedded.insert(label.to_string(), names);
    }
    for model in models {
        if !loaded.embedded.contains_key(model.app) {
            loaded.apps_without_embed.insert(model.app.to_string());
            loaded.dirs.entry(model.app.to_string()).or_insert_with(|| {
                Path::new(model.manifest_dir).join(crate::build::MIGRATIONS_DIR)
            });
        }
    }
    loaded.graph = MigrationGraph::new(migrations)?;
    Ok(loaded)
}
