//! `makemigrations --update` (Django 4.2): the run's changes merged into each app's latest
//! migration by migrator-core ([`autodetector::update_latest`]: folded, checked, judged), after
//! the configured database says none of those migrations is applied there; then each file is
//! rewritten in place (or, renamed by `--name`, written anew and the old one removed).

use std::path::{Path, PathBuf};

use migrator_core::autodetector::{self, Changes};
use migrator_core::database::{self, DatabaseError};
use migrator_core::executor::ExecutorError;
use migrator_core::loader::LoadedMigrations;
use migrator_core::{recorder, writer, MigrationKey};

use crate::cli::MakeMigrationsArgs;
use crate::{CliError, Context};

/// `changes` merged into the latest migrations, and the key each replaces on disk. Refused
/// (before anything is printed) when one of those migrations is applied on the database.
pub(super) fn merge_into_latest(
    changes: Changes,
    loaded: &LoadedMigrations,
    args: &MakeMigrationsArgs,
    ctx: &Context,
    backends: &[migrator_core::backend::Backend],
) -> Result<(Changes, Vec<MigrationKey>), CliError> {
    let updated =
        autodetector::update_latest(&loaded.graph, &changes, args.name.as_deref(), backends)?;
    let db = database::resolve(args.database.url(), &ctx.workspace_root)?;
    match database::connect_existing(&db.url) {
        Ok(mut conn) => {
            let rows = recorder::applied(&mut conn).map_err(ExecutorError::from)?;
            if let Some(u) = updated.iter().find(|u| rows.contains_key(&u.previous)) {
                let previous = loaded
                    .graph
                    .dependencies_of(&u.previous)
                    .into_iter()
                    .filter(|d| d.app == u.previous.app)
                    .map(|d| d.name)
                    .next_back()
                    .unwrap_or_else(|| "zero".to_owned());
                return Err(CliError::RewriteRefused {
                    migration: u.previous.clone(),
                    reason: format!(
                        "it is applied on the database {}, and --update only changes a \
                         migration no database has applied. Unapply it first (`migrator \
                         migrate {} {previous}`), or run makemigrations without --update",
                        db.url, u.previous.app
                    ),
                });
            }
        }
        // An SQLite file that does not exist has applied nothing.
        Err(DatabaseError::Missing { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let previous = updated.iter().map(|u| u.previous.clone()).collect();
    let changes = Changes {
        migrations: updated.into_iter().map(|u| u.new).collect(),
    };
    Ok((changes, previous))
}

/// Writes each merged migration: in place of its previous file, or (renamed) as a new file
/// with the previous one removed afterwards. Each file is written atomically.
pub(super) fn write_updates(
    files: &[(PathBuf, &str, &MigrationKey)],
    loaded: &LoadedMigrations,
) -> Result<(), CliError> {
    for (path, source, previous) in files {
        let old = loaded
            .dir(&previous.app)
            .unwrap_or(Path::new("migrations"))
            .join(format!("{}.rs", previous.name));
        let write_err = |source| CliError::Write {
            path: path.clone(),
            source,
        };
        if *path == old {
            writer::write_file(path, source, true, "").map_err(write_err)?;
        } else {
            writer::write_file(
                path,
                source,
                false,
                "pick another name (--name) or delete the file first",
            )
            .map_err(write_err)?;
            std::fs::remove_file(&old).map_err(|source| CliError::Write {
                path: old.clone(),
                source,
            })?;
        }
    }
    Ok(())
}
