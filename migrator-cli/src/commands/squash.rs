//! `squashmigrations APP [START] END`: asks `migrator_core::squash` for the squash of the
//! range, shows what it replaces, asks for confirmation at a terminal (not with `--noinput`,
//! without a terminal or under `--format json`), and writes the file atomically (never over
//! an existing one). It opens no database: which migrations a database then uses is decided
//! when `migrate` reads its record (docs/squashing.md).

use std::io::IsTerminal;

use migrator_core::loader;
use migrator_core::squash::{self, SquashRequest};
use migrator_core::writer;

use crate::cli::SquashMigrationsArgs;
use crate::output::json::OperationJson;
use crate::output::squash::{self as doc, SquashSummary};
use crate::prompt::InteractiveQuestioner;
use crate::{CliError, Context, Output, Status};

/// `squashmigrations APP [START] END [--squashed-name N] [--no-optimize] [--noinput]
/// [--dry-run]`.
pub fn squashmigrations(
    args: &SquashMigrationsArgs,
    ctx: &Context,
    out: &mut Output,
) -> Result<Status, CliError> {
    let loaded = loader::load_embedded()?;
    super::makemigrations::check_embedded(std::slice::from_ref(&args.app), &loaded)?;
    loaded.check_files_on_disk()?;
    let mut known: Vec<String> = loaded.graph.apps();
    known.extend(loaded.dirs.keys().cloned());
    known.sort();
    known.dedup();
    if !known.contains(&args.app) {
        return Err(CliError::unknown_app(&args.app, &known));
    }
    if loaded.graph.app_migrations(&args.app).is_empty() {
        return Err(CliError::NoMigrations {
            app: args.app.clone(),
        });
    }
    let (start, end) = args.start_end();
    let request = SquashRequest {
        app: args.app.clone(),
        start: start.map(str::to_owned),
        end: end.to_owned(),
        squashed_name: args.squashed_name.clone(),
        optimize: !args.no_optimize,
    };
    let dir = loaded.dir(&args.app);
    let result = squash::squash(&loaded.graph, dir, &request)?;
    let path = dir
        .map(|d| d.join(format!("{}.rs", result.migration.name)))
        .unwrap_or_else(|| format!("{}.rs", result.migration.name).into());
    let shown_path = ctx.display_path(&path);

    let replaced: Vec<String> = result.replaced.iter().map(|k| k.name.clone()).collect();
    out.squash_range(&args.app, &replaced);
    let ask = !args.no_input && !args.dry_run && !out.is_json() && std::io::stdin().is_terminal();
    if ask {
        let stdin = std::io::stdin();
        let mut questioner = InteractiveQuestioner::new(stdin.lock(), out);
        if !questioner.ask_yes_no("Do you wish to proceed?") {
            return Err(CliError::SquashCancelled);
        }
    }
    let summary = SquashSummary {
        app: &args.app,
        path: &shown_path,
        optimized: request.optimize,
        before: result.operations_before,
        after: result.migration.operations.len(),
        elided: result
            .elided
            .iter()
            .map(|e| format!("{}: {}", e.migration, e.description))
            .collect(),
        copied: result
            .copied_code
            .iter()
            .map(|c| format!("{} ({})", c.migration, c.items.join(", ")))
            .collect(),
        repointed: result
            .repointed
            .iter()
            .map(|(from, to)| format!("{from} → {to}"))
            .collect(),
        dry_run: args.dry_run,
    };
    out.squash_summary(&summary);
    if args.dry_run {
        out.migration_source(&format!("{}.rs", result.migration.name), &result.source);
    } else {
        let dir = path.parent().unwrap_or(std::path::Path::new("."));
        writer::write_atomic(dir, &result.migration.name, &result.source).map_err(|source| {
            CliError::Write {
                path: path.clone(),
                source,
            }
        })?;
        out.squash_next_steps(&args.app);
    }
    if out.is_json() {
        out.emit(&doc::SquashMigrations {
            app: args.app.clone(),
            migration: result.migration.key().to_string(),
            name: result.migration.name.clone(),
            path: shown_path,
            written: !args.dry_run,
            optimized: request.optimize,
            replaces: result.replaced.iter().map(ToString::to_string).collect(),
            dependencies: result
                .migration
                .dependencies
                .iter()
                .map(ToString::to_string)
                .collect(),
            operations_before: result.operations_before,
            operations: OperationJson::list(&result.migration.operations),
            elided: result
                .elided
                .iter()
                .map(|e| doc::Elided {
                    migration: e.migration.to_string(),
                    description: e.description.clone(),
                })
                .collect(),
            copied_code: result
                .copied_code
                .iter()
                .map(|c| doc::CopiedCode {
                    migration: c.migration.to_string(),
                    items: c.items.clone(),
                })
                .collect(),
            repointed: result
                .repointed
                .iter()
                .map(|(from, to)| doc::Repointed {
                    from: from.to_string(),
                    to: to.to_string(),
                })
                .collect(),
            source: result.source.clone(),
        });
    }
    Ok(Status::Done)
}
