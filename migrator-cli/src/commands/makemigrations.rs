//! `makemigrations`: compare the current models (the registry) with the state the embedded
//! migrations rebuild, and write one new migration per changed app.
//!
//! Steps, as in Django's `makemigrations.py`: current models (an empty registry is an error,
//! never "No changes"), embedded migrations and their graph, the apps asked for, conflicts
//! (refused, or `--merge`d through [`autodetector::merge_migrations`]); then one call to
//! [`autodetector::changes`], which detects, asks (see [`Questions`]: the terminal
//! questioner only when stdin is a terminal or `--interactive` says so; never under `--check`
//! or `--noinput`), names and wires the new migrations and judges their risks; then rendering
//! and writing every file (or showing them for `--dry-run`/`--check`), with warnings about
//! data loss (dropped tables and columns, narrowed columns) and, when nobody answered
//! (`--noinput`, no terminal), fields made NOT NULL without a default. Printing goes through [`Output`]; nothing here touches a
//! database or decides a migration's name or dependencies.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use migrator_core::autodetector::{self, Changes, MergeMigration, Options};
use migrator_core::diesel_schema::{self, SchemaFile};
use migrator_core::loader::{self, LoadedMigrations};
use migrator_core::questioner::{CheckQuestioner, NonInteractiveQuestioner};
use migrator_core::registry;
use migrator_core::safety;
use migrator_core::{build, writer, Migration, MigrationKey, Operation};

use crate::cli::MakeMigrationsArgs;
use crate::output::{json, OperationLine};
use crate::prompt::{InteractiveQuestioner, UnattendedQuestioner};
use crate::{CliError, Context, Output, Status};

/// Who answers makemigrations' questions in this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Questions {
    /// A person, at the terminal (stdin is one, or `--interactive`).
    Asked,
    /// Nobody, because `--noinput` says so.
    NoInput,
    /// Nobody, because stdin is not a terminal: answered as `--noinput` would, and each
    /// question is reported as not asked.
    NoTerminal,
    /// Nobody: `--check` only reports whether a migration is due (see [`CheckQuestioner`]).
    Check,
}

impl Questions {
    /// The mode for these arguments, given whether stdin is a terminal.
    pub fn choose(args: &MakeMigrationsArgs, stdin_is_terminal: bool) -> Self {
        if args.check {
            Self::Check
        } else if args.no_input {
            Self::NoInput
        } else if args.interactive || stdin_is_terminal {
            Self::Asked
        } else {
            Self::NoTerminal
        }
    }
}

/// A migration makemigrations decided to write.
#[derive(Clone, Debug)]
pub struct PlannedMigration {
    /// The migration.
    pub migration: Migration,
    /// Where its file goes.
    pub path: PathBuf,
    /// The file's source.
    pub source: String,
}

fn lines(operations: &[Operation]) -> Vec<OperationLine> {
    operations
        .iter()
        .map(|op| (op.symbol(), op.describe()))
        .collect()
}

/// `makemigrations [APP…]`: writes the migrations the model changes need.
///
/// Returns [`Status::Pending`] for `--check` when changes exist (nothing is written then).
/// With `--format json` the run ends with one `makemigrations` document.
pub fn makemigrations(
    args: &MakeMigrationsArgs,
    ctx: &Context,
    out: &mut Output,
) -> Result<Status, CliError> {
    let mode = if args.check {
        "check"
    } else if args.dry_run {
        "dry_run"
    } else {
        "write"
    };
    let mut doc = json::MakeMigrations {
        mode,
        ..json::MakeMigrations::default()
    };
    let status = plan_and_write(args, ctx, out, &mut doc)?;
    if out.is_json() {
        doc.written = mode == "write"
            && !(doc.migrations.is_empty()
                && doc.merges.is_empty()
                && doc.diesel_schemas.is_empty());
        out.emit(&doc);
    }
    Ok(status)
}

/// The whole command; `doc` collects what `--format json` reports.
fn plan_and_write(
    args: &MakeMigrationsArgs,
    ctx: &Context,
    out: &mut Output,
    doc: &mut json::MakeMigrations,
) -> Result<Status, CliError> {
    if let Some(name) = &args.name {
        writer::check_suffix(name)?;
    }
    if args.empty && args.apps.is_empty() {
        return Err(CliError::EmptyNeedsApp);
    }
    let current = registry::current_models()?;
    if current.state.models.is_empty() {
        return Err(CliError::EmptyRegistry);
    }
    let loaded = loader::load_embedded()?;
    let model_apps: BTreeSet<String> = current.state.models.keys().map(|k| k.app.clone()).collect();
    check_apps(&args.apps, &model_apps, &loaded)?;
    check_embedded(&args.apps, &loaded)?;
    loaded.check_files_on_disk()?;

    // Two leaves in one app: refuse, or merge them.
    let conflicts: BTreeMap<String, Vec<MigrationKey>> = loaded
        .graph
        .conflicts()
        .into_iter()
        .filter(|(app, _)| args.apps.is_empty() || args.apps.contains(app))
        .collect();
    // The diesel schemas the models imply, rendered (and refused) before anything is written.
    let schemas: Vec<SchemaFile> =
        diesel_schema::schema_files(&current, &diesel_schema::schema_targets()?, &args.apps)?
            .into_iter()
            .filter(|f| f.stale)
            .collect();
    doc.diesel_schemas = schemas
        .iter()
        .map(|f| json::DieselSchema {
            app: f.target.app.clone(),
            path: ctx.display_path(&f.target.file),
        })
        .collect();
    if args.merge {
        let merges =
            autodetector::merge_migrations(&loaded.graph, &conflicts, args.name.as_deref());
        doc.merges = merges
            .iter()
            .map(|m| json::MergeJson {
                migration: m.migration.key().to_string(),
                path: ctx.display_path(&migration_path(
                    &loaded,
                    &m.migration.app,
                    &m.migration.name,
                )),
                branches: m
                    .branches
                    .iter()
                    .map(|b| (b.leaf.clone(), json::OperationJson::list(&b.operations)))
                    .collect(),
                source: writer::render(&m.migration),
            })
            .collect();
        let status = merge(merges, &loaded, args, ctx, out)?;
        return update_schemas(&schemas, args, ctx, out, status);
    }
    if !conflicts.is_empty() {
        return Err(CliError::Conflicts(conflicts));
    }

    let options = Options {
        apps: args.apps.clone(),
        name: args.name.clone(),
        empty: args.empty,
        backends: migrator_core::database::project_backends(&ctx.workspace_root)?,
    };
    let questions = Questions::choose(args, std::io::stdin().is_terminal());
    if out.is_json() && questions == Questions::Asked {
        return Err(CliError::JsonCannotAsk);
    }
    let mut check = CheckQuestioner::default();
    let changes = match questions {
        Questions::Asked => {
            let stdin = std::io::stdin();
            let mut questioner = InteractiveQuestioner::new(stdin.lock(), out);
            autodetector::changes(&loaded.graph, &current, &mut questioner, &options)?
        }
        Questions::NoInput => autodetector::changes(
            &loaded.graph,
            &current,
            &mut NonInteractiveQuestioner,
            &options,
        )?,
        Questions::NoTerminal => {
            let mut questioner = UnattendedQuestioner::new(out);
            autodetector::changes(&loaded.graph, &current, &mut questioner, &options)?
        }
        Questions::Check => autodetector::changes(&loaded.graph, &current, &mut check, &options)?,
    };
    if changes.is_empty() {
        out.no_changes(&args.apps);
        return update_schemas(&schemas, args, ctx, out, Status::Done);
    }
    // Apps pulled in as dependencies of the requested ones must embed their migrations too.
    check_embedded(&changes.apps(), &loaded)?;
    // `--update`: merged into the latest migrations (refused when one is applied).
    let (mut changes, previous) = if args.update {
        super::update::merge_into_latest(changes, &loaded, args, ctx, &options.backends)?
    } else {
        (changes, Vec::new())
    };
    acknowledge_data_loss(&mut changes, args, questions, out)?;
    if out.is_json() {
        let unattended = matches!(questions, Questions::NoInput | Questions::NoTerminal);
        doc.migrations = json_migrations(&changes, &loaded, args, unattended, ctx);
        for (m, p) in doc.migrations.iter_mut().zip(&previous) {
            m.updates = Some(p.to_string());
        }
        doc.questions = check.asked.iter().map(ToString::to_string).collect();
    }
    let status = finish(&changes, &previous, &loaded, args, questions, ctx, out)?;
    let status = update_schemas(&schemas, args, ctx, out, status)?;
    if !check.asked.is_empty() {
        let asked: Vec<String> = check.asked.iter().map(ToString::to_string).collect();
        out.check_questions(&asked);
    }
    Ok(status)
}

/// Gives every new migration that loses data its acknowledgement before anything is rendered
/// — with `--allow-data-loss`, or once a person at the terminal confirmed it (and said why) —
/// or refuses the run: a run nobody can confirm (`--noinput`, no terminal) writes no
/// destructive migration, and a declined one writes nothing. `--check` and a `--dry-run`
/// without `--allow-data-loss` write nothing and so need no acknowledgement.
fn acknowledge_data_loss(
    changes: &mut Changes,
    args: &MakeMigrationsArgs,
    questions: Questions,
    out: &mut Output,
) -> Result<(), CliError> {
    if args.check || (args.dry_run && !args.allow_data_loss) {
        return Ok(());
    }
    let mut unconfirmed = Vec::new();
    for new in &mut changes.migrations {
        let Some(digest) = new.risks.data_loss_digest.clone() else {
            continue;
        };
        let key = new.migration.key().to_string();
        let reason = if args.allow_data_loss {
            args.data_loss_reason
                .clone()
                .unwrap_or_else(|| "written by makemigrations --allow-data-loss".to_owned())
        } else if questions == Questions::Asked {
            out.migration_hazards(&key, &new.risks.hazards);
            let stdin = std::io::stdin();
            let mut ask = InteractiveQuestioner::new(stdin.lock(), out);
            if !ask.ask_yes_no(&format!(
                "{key} loses data (see above). Write it, acknowledging the data loss?"
            )) {
                return Err(CliError::DataLossDeclined { migration: key });
            }
            match &args.data_loss_reason {
                Some(reason) => reason.clone(),
                None => ask
                    .ask_text("Why can the data go (kept in the migration; Enter to skip)?")
                    .unwrap_or_else(|| "confirmed at the terminal by makemigrations".to_owned()),
            }
        } else {
            unconfirmed.push(key);
            continue;
        };
        new.migration.data_loss_ack =
            Some(migrator_core::migration::DataLossAck { digest, reason });
    }
    if unconfirmed.is_empty() {
        Ok(())
    } else {
        for new in &changes.migrations {
            out.migration_hazards(&new.migration.key().to_string(), &new.risks.hazards);
        }
        Err(CliError::DataLossNotAcknowledged {
            migrations: unconfirmed,
        })
    }
}

/// The new migrations as `--format json` reports them.
fn json_migrations(
    changes: &Changes,
    loaded: &LoadedMigrations,
    args: &MakeMigrationsArgs,
    unattended: bool,
    ctx: &Context,
) -> Vec<json::NewMigration> {
    changes
        .migrations
        .iter()
        .map(|new| {
            let m = &new.migration;
            let mut operations = json::OperationJson::list(&m.operations);
            // The descriptions worded knowing the state before each operation.
            for (op, text) in operations.iter_mut().zip(&new.descriptions) {
                op.description.clone_from(text);
            }
            json::NewMigration {
                migration: m.key().to_string(),
                app: m.app.clone(),
                name: m.name.clone(),
                path: ctx.display_path(&migration_path(loaded, &m.app, &m.name)),
                dependencies: m.dependencies.iter().map(ToString::to_string).collect(),
                operations: operations
                    .into_iter()
                    .enumerate()
                    .map(|(i, mut op)| {
                        let found = new.risks.hazards.iter().find(|h| h.index == i);
                        op.hazards = Some(
                            found
                                .map(|h| h.hazards.iter().map(json::HazardJson::from).collect())
                                .unwrap_or_default(),
                        );
                        op
                    })
                    .collect(),
                risks: json::RisksJson::new(&new.risks, unattended),
                data_loss: json::DataLossJson::new(
                    &safety::ack_status(m, &new.risks.hazards),
                    new.risks.data_loss_digest.clone(),
                ),
                source: if args.empty {
                    writer::render_empty(m)
                } else {
                    writer::render(m)
                },
                updates: None,
            }
        })
        .collect()
}

/// Writes the stale diesel schemas after the migrations (or reports them under `--check`, which
/// then exits 1, or shows them under `--dry-run`).
fn update_schemas(
    schemas: &[SchemaFile],
    args: &MakeMigrationsArgs,
    ctx: &Context,
    out: &mut Output,
    status: Status,
) -> Result<Status, CliError> {
    for file in schemas {
        let path = ctx.display_path(&file.target.file);
        out.diesel_schema(&file.target.app, &path, args.dry_run, args.check);
        if args.dry_run {
            out.migration_source(&path, &file.source);
        } else if !args.check {
            diesel_schema::write(file)?;
        }
    }
    if args.check && !schemas.is_empty() {
        return Ok(Status::Pending);
    }
    Ok(status)
}

/// Every app named on the command line must exist.
fn check_apps(
    apps: &[String],
    model_apps: &BTreeSet<String>,
    loaded: &LoadedMigrations,
) -> Result<(), CliError> {
    let known: BTreeSet<String> = model_apps
        .iter()
        .cloned()
        .chain(loaded.dirs.keys().cloned())
        .collect();
    for app in apps {
        if !known.contains(app) {
            return Err(CliError::unknown_app(app, &known));
        }
    }
    Ok(())
}

/// An app with models must embed its migrations, or makemigrations has nowhere to write and
/// nothing to compare with, and the database commands cannot know its history (they would
/// report "no migrations" for an app the database has rows for). Every command checks it;
/// `requested` empty means every app.
pub(crate) fn check_embedded(
    requested: &[String],
    loaded: &LoadedMigrations,
) -> Result<(), CliError> {
    let missing = loaded
        .apps_without_embed
        .iter()
        .find(|app| requested.is_empty() || requested.contains(app));
    match missing {
        None => Ok(()),
        Some(app) => Err(CliError::NotEmbedded {
            app: app.clone(),
            manifest_dir: loaded
                .dir(app)
                .and_then(Path::parent)
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        }),
    }
}

fn migration_path(loaded: &LoadedMigrations, app: &str, name: &str) -> PathBuf {
    loaded
        .dirs
        .get(app)
        .cloned()
        .unwrap_or_else(|| PathBuf::from("migrations"))
        .join(format!("{name}.rs"))
}

/// Shows the plan, warns about data loss and NULLs that will not fit, and writes (unless
/// `--dry-run`/`--check`).
fn finish(
    changes: &Changes,
    previous: &[MigrationKey],
    loaded: &LoadedMigrations,
    args: &MakeMigrationsArgs,
    questions: Questions,
    ctx: &Context,
    out: &mut Output,
) -> Result<Status, CliError> {
    let mut planned = Vec::with_capacity(changes.migrations.len());
    let mut problems: Vec<String> = Vec::new();
    for new in &changes.migrations {
        let m = &new.migration;
        let p = PlannedMigration {
            path: migration_path(loaded, &m.app, &m.name),
            source: if args.empty {
                writer::render_empty(m)
            } else {
                writer::render(m)
            },
            migration: m.clone(),
        };
        let summary: Vec<OperationLine> = m
            .operations
            .iter()
            .zip(&new.descriptions)
            .map(|(op, text)| (op.symbol(), text.clone()))
            .collect();
        out.migration_summary(&m.app, &ctx.display_path(&p.path), &summary);
        if let Some(old) = previous.get(planned.len()) {
            let renamed = (old.name != m.name).then_some(old.name.as_str());
            out.updated_migration(&m.key().to_string(), &ctx.display_path(&p.path), renamed);
        }
        out.migration_hazards(&m.key().to_string(), &new.risks.hazards);
        if args.dry_run || args.check {
            out.migration_source(&format!("{}.rs", m.name), &p.source);
        }
        if !new.risks.destructive.is_empty() {
            out.data_loss_warning(&m.app, &m.name, &lines(&new.risks.destructive));
        }
        // Interactive runs asked about these and were told; unattended runs answered nothing.
        let unattended = matches!(questions, Questions::NoInput | Questions::NoTerminal);
        if unattended && !new.risks.not_null.is_empty() {
            out.not_null_alteration_warning(&m.app, &m.name, &new.risks.not_null);
        }
        if !new.risks.rollback_refills.is_empty()
            || !new.risks.rollback_needs_empty_table.is_empty()
        {
            out.rollback_refill_note(
                &m.app,
                &m.name,
                &new.risks.rollback_refills,
                &new.risks.rollback_needs_empty_table,
            );
        }
        problems.extend(new.risks.backend_problems.iter().map(|p| {
            let what = if p.operation.is_empty() {
                String::new()
            } else {
                format!("{}: ", p.operation)
            };
            format!("{}.{}: {}: {what}{}", m.app, m.name, p.backend, p.message)
        }));
        planned.push(p);
    }
    if !problems.is_empty() {
        return Err(CliError::BackendRefuses { problems });
    }
    if args.check {
        return Ok(Status::Pending);
    }
    if args.dry_run {
        return Ok(Status::Done);
    }
    if previous.is_empty() {
        write_all(&planned)?;
    } else {
        let files: Vec<_> = planned
            .iter()
            .zip(previous)
            .map(|(p, old)| (p.path.clone(), p.source.as_str(), old))
            .collect();
        super::update::write_updates(&files, loaded)?;
    }
    Ok(Status::Done)
}

/// Writes every file; when one fails, the files already written in this run are removed, so a
/// run writes all of its migrations or none.
fn write_all(planned: &[PlannedMigration]) -> Result<(), CliError> {
    let mut written: Vec<PathBuf> = Vec::new();
    for p in planned {
        let dir = p.path.parent().unwrap_or(Path::new("."));
        let new_dir = !dir.is_dir();
        match writer::write_atomic(dir, &p.migration.name, &p.source) {
            Ok(path) => {
                written.push(path);
                if new_dir {
                    // A new `migrations/` folder: make sure the app's build script reruns.
                    if let Some(manifest_dir) = dir.parent() {
                        let _ = build::mark_migrations_changed(manifest_dir);
                    }
                }
            }
            Err(source) => {
                for path in &written {
                    let _ = std::fs::remove_file(path);
                }
                return Err(CliError::Write {
                    path: p.path.clone(),
                    source,
                });
            }
        }
    }
    Ok(())
}

/// `--merge`: shows what each conflicted app's branches do, then writes (or shows) one merge
/// migration per app.
fn merge(
    merges: Vec<MergeMigration>,
    loaded: &LoadedMigrations,
    args: &MakeMigrationsArgs,
    ctx: &Context,
    out: &mut Output,
) -> Result<Status, CliError> {
    if merges.is_empty() {
        out.line("No conflicts detected to merge.");
        return Ok(Status::Done);
    }
    let mut planned = Vec::with_capacity(merges.len());
    for merge in merges {
        let app = &merge.migration.app;
        let branches: Vec<(String, Vec<OperationLine>)> = merge
            .branches
            .iter()
            .map(|b| (b.leaf.clone(), lines(&b.operations)))
            .collect();
        out.merging(app, &branches);
        planned.push(PlannedMigration {
            path: migration_path(loaded, app, &merge.migration.name),
            source: writer::render(&merge.migration),
            migration: merge.migration,
        });
    }
    if args.check {
        return Ok(Status::Pending);
    }
    if !args.dry_run {
        write_all(&planned)?;
    }
    for p in &planned {
        out.merge_written(&ctx.display_path(&p.path), args.dry_run);
        if args.dry_run {
            out.migration_source(&format!("{}.rs", p.migration.name), &p.source);
        }
    }
    Ok(Status::Done)
}
