//! `inspectdb`: the models for the tables of an existing database, printed (Django's
//! `inspectdb`) or written to `--output`. The work is migrator-core's
//! (`migrator_core::inspectdb`); this command resolves the database, says which one it read,
//! lists every flag and note on stderr and writes or prints the source. It needs no models;
//! the ones this project already has only tell which tables are already adopted.
//!
//! Everything refusable is refused before anything is printed: an `--app` that is not an
//! app of the workspace, an `--output` that exists (without `--force`) or whose folder does
//! not exist, a missing SQLite file (never created: inspecting only reads), tables the
//! database does not have.

use std::collections::BTreeMap;
use std::path::Path;

use migrator_core::database;
use migrator_core::inspectdb::{self, Options};
use migrator_core::many_to_many;
use migrator_core::registry;

use super::database::source_text;
use crate::cli::InspectDbArgs;
use crate::{CliError, Context, Output, Status};

/// `inspectdb [TABLE…]`: prints (or, with `--output`, writes) `#[derive(Model)]` structs for
/// the tables of the database, and lists on stderr what they do not say exactly as the
/// database has it.
pub fn inspectdb(
    args: &InspectDbArgs,
    ctx: &Context,
    out: &mut Output,
) -> Result<Status, CliError> {
    if out.is_json() {
        return Err(CliError::JsonUnsupported {
            command: "inspectdb",
        });
    }
    if let Some(app) = &args.app {
        let labels: Vec<String> = ctx.apps.keys().map(|p| p.replace('-', "_")).collect();
        if !labels.is_empty() && !labels.contains(app) {
            return Err(CliError::unknown_app(app, &labels));
        }
    }
    if let Some(path) = &args.output {
        check_output(path, args.force)?;
    }
    let db = database::resolve(args.database.url(), &ctx.workspace_root)?;
    let mut conn = database::connect_existing(&db.url)?;
    let mut managed: BTreeMap<String, String> = BTreeMap::new();
    for r in registry::registrations() {
        let owner = format!("{}::{}", r.module_path, r.name);
        // The join table of each many-to-many relation without `through` is the relation's.
        for rel in r.definition().many_to_many {
            if rel.through.is_none() {
                managed.insert(
                    many_to_many::join_table(r.table, &rel.name),
                    format!("{owner} (many_to_many `{}`)", rel.name),
                );
            }
        }
        managed.insert(r.table.to_owned(), owner);
    }
    let options = Options {
        app: args.app.clone(),
        tables: args.tables.clone(),
        managed,
    };
    let inspection = inspectdb::inspect(&mut conn, &options)?;
    out.inspected(&db.url, &source_text(&db, ctx), &inspection);
    match &args.output {
        Some(path) => {
            inspectdb::write_source(path, &inspection.source, args.force).map_err(|source| {
                CliError::Write {
                    path: path.clone(),
                    source,
                }
            })?;
            out.inspectdb_written(&ctx.display_path(path), &inspection);
        }
        None => out.inspectdb_source(&inspection.source),
    }
    Ok(Status::Done)
}

/// `--output` must be a file in an existing folder, and new unless `--force`.
fn check_output(path: &Path, force: bool) -> Result<(), CliError> {
    if path.is_dir() {
        return Err(CliError::OutputIsFolder {
            path: path.to_path_buf(),
        });
    }
    if path.exists() && !force {
        return Err(CliError::OutputExists {
            path: path.to_path_buf(),
        });
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir.filter(|d| !d.is_dir()) {
        return Err(CliError::OutputFolderMissing {
            path: path.to_path_buf(),
            folder: dir.to_path_buf(),
        });
    }
    Ok(())
}
