//! `makemigrations`: compare the current models (the registry) with the state the embedded
//! migrations rebuild, and write one new migration per changed app.
//!
//! Steps, as in Django's `makemigrations.py`: current models (an empty registry is an error,
//! never "No changes"), embedded migrations and their graph, conflicts (`--merge`), state
//! replay, change detection with a questioner, cross-app dependencies (from the state and from
//! the history), naming, rendering, then writing every file (or showing them for
//! `--dry-run`/`--check`), with warnings about data loss (dropped tables and columns, narrowed
//! columns) and, under `--noinput`, fields made NOT NULL without a default. Printing goes
//! through [`Output`]; nothing here touches a database.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use migrator_core::autodetector::{self, AppChanges};
use migrator_core::graph::MigrationGraph;
use migrator_core::loader::{self, LoadedMigrations};
use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::registry::{self, CurrentModels};
use migrator_core::{build, writer, Migration, MigrationKey, Operation, ProjectState};

use crate::cli::MakeMigrationsArgs;
use crate::output::OperationLine;
use crate::prompt::InteractiveQuestioner;
use crate::{CliError, Context, Output, Status};

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
pub fn makemigrations(
    args: &MakeMigrationsArgs,
    ctx: &Context,
    out: &mut Output,
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
    if args.merge {
        return merge(&conflicts, &loaded, args, ctx, out);
    }
    if !conflicts.is_empty() {
        return Err(CliError::Conflicts(conflicts));
    }

    if args.empty {
        let planned = args
            .apps
            .iter()
            .map(|app| plan_empty(app, &loaded, args))
            .collect::<Result<Vec<_>, _>>()?;
        return finish(planned, None, args, ctx, out);
    }

    let from = loaded.graph.project_state()?;
    let mut changes = if args.no_input {
        autodetector::detect(&from, &current, &mut NonInteractiveQuestioner)?
    } else {
        let stdin = std::io::stdin();
        let mut questioner = InteractiveQuestioner::new(stdin.lock(), out);
        autodetector::detect(&from, &current, &mut questioner)?
    };
    autodetector::add_history_dependencies(&mut changes, &loaded.graph);
    let changes = trim_to_apps(changes, &args.apps);
    if changes.is_empty() {
        out.no_changes(&args.apps);
        return Ok(Status::Done);
    }
    // Apps pulled in as dependencies of the requested ones must embed their migrations too.
    let changed: Vec<String> = changes.keys().cloned().collect();
    check_embedded(&changed, &loaded)?;
    let planned = plan(&changes, &loaded, &current, args)?;
    finish(planned, Some(&from), args, ctx, out)
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
            return Err(CliError::UnknownApp {
                app: app.clone(),
                known: known.iter().cloned().collect(),
            });
        }
    }
    Ok(())
}

/// An app with models must embed its migrations, or makemigrations has nowhere to write and
/// nothing to compare with.
fn check_embedded(requested: &[String], loaded: &LoadedMigrations) -> Result<(), CliError> {
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

/// Keeps the requested apps' changes plus the changes of every app they depend on (so the new
/// dependencies point at migrations that exist), like Django's `trim_to_apps`.
fn trim_to_apps(
    mut changes: BTreeMap<String, AppChanges>,
    apps: &[String],
) -> BTreeMap<String, AppChanges> {
    changes.retain(|_, c| !c.operations.is_empty());
    if apps.is_empty() {
        return changes;
    }
    let mut keep: BTreeSet<String> = apps.iter().cloned().collect();
    loop {
        let more: BTreeSet<String> = keep
            .iter()
            .filter_map(|app| changes.get(app))
            .flat_map(|c| c.depends_on_apps.iter().cloned())
            .filter(|dep| !keep.contains(dep))
            .collect();
        if more.is_empty() {
            break;
        }
        keep.extend(more);
    }
    changes.retain(|app, _| keep.contains(app));
    changes
}

/// The app's single leaf (conflicts were handled before), if it has migrations.
fn leaf(graph: &MigrationGraph, app: &str) -> Option<MigrationKey> {
    graph.leaf_nodes(app).into_iter().next()
}

fn migration_path(loaded: &LoadedMigrations, app: &str, name: &str) -> PathBuf {
    loaded
        .dirs
        .get(app)
        .cloned()
        .unwrap_or_else(|| PathBuf::from("migrations"))
        .join(format!("{name}.rs"))
}

/// Names every changed app's migration, then wires dependencies: the app's own leaf; for each
/// app in `depends_on_previous`, that app's leaf before this run; for each other app in
/// `depends_on_apps`, that app's migration from this run, or else its leaf.
fn plan(
    changes: &BTreeMap<String, AppChanges>,
    loaded: &LoadedMigrations,
    current: &CurrentModels,
    args: &MakeMigrationsArgs,
) -> Result<Vec<PlannedMigration>, CliError> {
    let graph = &loaded.graph;
    let mut names = BTreeMap::new();
    for (app, change) in changes {
        let existing = graph.app_migrations(app);
        let initial = existing.is_empty();
        let name = writer::next_name(&existing, &change.operations, args.name.as_deref(), initial);
        names.insert(app.clone(), (name, initial));
    }
    let mut planned = Vec::new();
    for (app, change) in changes {
        let (name, initial) = names[app].clone();
        let mut migration = Migration::new(app.clone(), name.clone());
        migration.initial = initial;
        migration.operations = change.operations.clone();
        migration.dependencies.extend(leaf(graph, app));
        // Apps whose existing leaf is needed even though they get a new migration too.
        for dep in &change.depends_on_previous {
            if dep != app {
                migration.dependencies.extend(leaf(graph, dep));
            }
        }
        for dep in change
            .depends_on_apps
            .difference(&change.depends_on_previous)
        {
            if dep == app {
                continue;
            }
            let key = match names.get(dep) {
                Some((dep_name, _)) => Some(MigrationKey::new(dep.clone(), dep_name.clone())),
                None => leaf(graph, dep),
            };
            match key {
                Some(key) => migration.dependencies.push(key),
                None => {
                    return Err(CliError::DependencyWithoutMigrations {
                        app: app.clone(),
                        dependency: dep.clone(),
                        known: current.state.models.keys().any(|k| &k.app == dep),
                    })
                }
            }
        }
        let mut seen = BTreeSet::new();
        migration.dependencies.retain(|k| seen.insert(k.clone()));
        let source = writer::render(&migration);
        planned.push(PlannedMigration {
            path: migration_path(loaded, app, &name),
            migration,
            source,
        });
    }
    Ok(planned)
}

/// `--empty`: a migration with no operations after the app's leaf.
fn plan_empty(
    app: &str,
    loaded: &LoadedMigrations,
    args: &MakeMigrationsArgs,
) -> Result<PlannedMigration, CliError> {
    let existing = loaded.graph.app_migrations(app);
    let initial = existing.is_empty();
    let explicit = args
        .name
        .as_deref()
        .or(if initial { None } else { Some("custom") });
    let name = writer::next_name(&existing, &[], explicit, initial);
    let mut migration = Migration::new(app, name.clone());
    migration.initial = initial;
    migration.dependencies.extend(leaf(&loaded.graph, app));
    let source = writer::render_empty(&migration);
    Ok(PlannedMigration {
        path: migration_path(loaded, app, &name),
        migration,
        source,
    })
}

/// What a migration's operations risk on a table with rows.
#[derive(Debug, Default, PartialEq)]
struct Risks {
    /// Operations that lose data: deleted models and fields, narrowing alterations.
    destructive: Vec<Operation>,
    /// `(model, field)` made NOT NULL without a default to fill existing NULLs.
    not_null: Vec<(String, String)>,
}

/// Walks `migration`'s operations from `before` (the state its ancestors build), judging each
/// against the state just before it.
fn risks(migration: &Migration, before: &ProjectState) -> Risks {
    let app = migration.app.as_str();
    let mut state = before.clone();
    let mut risks = Risks::default();
    for (i, op) in migration.operations.iter().enumerate() {
        if op.is_destructive_in(app, &state) {
            risks.destructive.push(op.clone());
        }
        if let Operation::AlterField(alter) = op {
            let was_nullable = state
                .model(app, &alter.model)
                .and_then(|m| m.field(&alter.name))
                .is_some_and(|f| f.nullable);
            let f = &alter.field;
            if was_nullable
                && !f.nullable
                && f.default.is_none()
                && !(f.primary_key && f.auto_increment)
            {
                risks
                    .not_null
                    .push((alter.model.clone(), alter.name.clone()));
            }
        }
        if op.state_forwards(app, &mut state).is_err() {
            // Cannot happen for detected operations; judge the rest by kind alone.
            risks.destructive.extend(
                migration.operations[i + 1..]
                    .iter()
                    .filter(|o| o.is_destructive())
                    .cloned(),
            );
            break;
        }
    }
    risks
}

/// Shows the plan, warns about data loss and NULLs that will not fit, and writes (unless
/// `--dry-run`/`--check`). `before` is the state the existing migrations build (`None` for
/// `--empty`, which has no operations).
fn finish(
    planned: Vec<PlannedMigration>,
    before: Option<&ProjectState>,
    args: &MakeMigrationsArgs,
    ctx: &Context,
    out: &mut Output,
) -> Result<Status, CliError> {
    for p in &planned {
        let m = &p.migration;
        out.migration_summary(&m.app, &ctx.display_path(&p.path), &lines(&m.operations));
        if args.dry_run || args.check {
            out.migration_source(&format!("{}.rs", m.name), &p.source);
        }
        let risks = risks(m, before.unwrap_or(&ProjectState::new()));
        if !risks.destructive.is_empty() {
            out.data_loss_warning(&m.app, &m.name, &lines(&risks.destructive));
        }
        // Interactive runs asked about these and were told; --noinput answered nothing.
        if args.no_input && !risks.not_null.is_empty() {
            out.not_null_alteration_warning(&m.app, &m.name, &risks.not_null);
        }
    }
    if args.check {
        return Ok(Status::Pending);
    }
    if args.dry_run {
        return Ok(Status::Done);
    }
    write_all(&planned)?;
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

/// `--merge`: one merge migration per conflicted app, depending on every leaf.
fn merge(
    conflicts: &BTreeMap<String, Vec<MigrationKey>>,
    loaded: &LoadedMigrations,
    args: &MakeMigrationsArgs,
    ctx: &Context,
    out: &mut Output,
) -> Result<Status, CliError> {
    if conflicts.is_empty() {
        out.line("No conflicts detected to merge.");
        return Ok(Status::Done);
    }
    let graph = &loaded.graph;
    let mut planned = Vec::new();
    for (app, leaves) in conflicts {
        // Each branch: the leaf's ancestors in this app that not every leaf shares.
        let ancestry: Vec<BTreeSet<MigrationKey>> = leaves
            .iter()
            .map(|leaf| {
                graph
                    .forwards_plan(leaf)
                    .into_iter()
                    .filter(|k| &k.app == app)
                    .collect()
            })
            .collect();
        let common: BTreeSet<MigrationKey> = ancestry
            .iter()
            .skip(1)
            .fold(ancestry[0].clone(), |acc, set| {
                acc.intersection(set).cloned().collect()
            });
        let branches: Vec<(String, Vec<OperationLine>)> = leaves
            .iter()
            .map(|leaf| {
                let ops: Vec<OperationLine> = graph
                    .forwards_plan(leaf)
                    .into_iter()
                    .filter(|k| &k.app == app && !common.contains(k))
                    .filter_map(|k| graph.migration(&k))
                    .flat_map(|m| lines(&m.operations))
                    .collect();
                (leaf.name.clone(), ops)
            })
            .collect();
        out.merging(app, &branches);
        let existing = graph.app_migrations(app);
        let mut migration = writer::merge_migration(app, &existing, leaves);
        if let Some(name) = &args.name {
            migration.name = writer::next_name(&existing, &[], Some(name), false);
        }
        let source = writer::render(&migration);
        planned.push(PlannedMigration {
            path: migration_path(loaded, app, &migration.name),
            migration,
            source,
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

#[cfg(test)]
mod tests {
    use super::*;
    use migrator_core::operations::DeleteModel;

    fn change(deps: &[&str]) -> AppChanges {
        AppChanges {
            operations: vec![Operation::DeleteModel(DeleteModel { name: "X".into() })],
            depends_on_apps: deps.iter().map(|d| d.to_string()).collect(),
            ..AppChanges::default()
        }
    }

    fn before() -> ProjectState {
        use migrator_core::{ColumnType, FieldState, ModelState};
        let mut book = ModelState::new("library", "Book", "books");
        book.fields = vec![
            FieldState::new("id", ColumnType::BigInt)
                .primary_key()
                .auto_increment(),
            FieldState::new("title", ColumnType::Varchar(200)),
            FieldState::new("pages", ColumnType::Integer),
            FieldState::new("isbn", ColumnType::Varchar(13)).nullable(),
            FieldState::new("note", ColumnType::Text).nullable(),
        ];
        let mut s = ProjectState::new();
        s.insert(book);
        s
    }

    #[test]
    fn risks_judge_each_operation_against_the_state_just_before_it() {
        use migrator_core::operations::{AlterField, RemoveField, RenameField};
        use migrator_core::{ColumnType, DefaultValue, FieldState};
        let mut m = Migration::new("library", "0002_x");
        m.operations = vec![
            // Narrowing, widening, a type change.
            AlterField::new("Book", FieldState::new("title", ColumnType::Varchar(50))).into(),
            AlterField::new("Book", FieldState::new("pages", ColumnType::BigInt)).into(),
            RenameField::new("Book", "pages", "count").into(),
            AlterField::new("Book", FieldState::new("count", ColumnType::SmallInt)).into(),
            // NULL → NOT NULL: without a default, and with one.
            AlterField::new("Book", FieldState::new("isbn", ColumnType::Varchar(13))).into(),
            AlterField::new(
                "Book",
                FieldState::new("note", ColumnType::Text).default(DefaultValue::Text("-".into())),
            )
            .into(),
            RemoveField::new("Book", "note").into(),
        ];
        let r = risks(&m, &before());
        assert_eq!(
            r.destructive
                .iter()
                .map(Operation::describe)
                .collect::<Vec<_>>(),
            [
                "Alter field title on book",
                "Alter field count on book",
                "Remove field note from book"
            ]
        );
        assert_eq!(r.not_null, [("Book".to_string(), "isbn".to_string())]);
        assert_eq!(
            risks(&Migration::new("library", "0003_empty"), &before()),
            Risks::default()
        );
    }

    #[test]
    fn trimming_keeps_the_apps_asked_for_and_what_they_depend_on() {
        let mut changes = BTreeMap::new();
        changes.insert("books".to_string(), change(&["authors"]));
        changes.insert("authors".to_string(), change(&["people"]));
        changes.insert("people".to_string(), change(&[]));
        changes.insert("shop".to_string(), change(&[]));
        changes.insert("empty".to_string(), AppChanges::default());

        let all = trim_to_apps(changes.clone(), &[]);
        assert_eq!(
            all.keys().collect::<Vec<_>>(),
            ["authors", "books", "people", "shop"],
            "no app filter: every app with operations"
        );
        let books = trim_to_apps(changes.clone(), &["books".into()]);
        assert_eq!(
            books.keys().collect::<Vec<_>>(),
            ["authors", "books", "people"]
        );
        let shop = trim_to_apps(changes, &["shop".into()]);
        assert_eq!(shop.keys().collect::<Vec<_>>(), ["shop"]);
    }
}
