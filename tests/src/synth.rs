//! Synthetic projects for benchmarks (issue 7): `N` apps × `M` models × `F` fields of mixed
//! types, and a history of `K` follow-up migrations per app that add, alter, rename and remove
//! fields.
//!
//! Everything here is in memory and deterministic: [`initial_models`] builds the first models,
//! [`edit_models`] makes step `k`'s edit in every app (with `renamed_from` hints, as a user
//! would write them), and [`generate_history`] turns each step into migrations the way
//! `makemigrations --noinput` does — the autodetector compares the replayed history with the
//! edited models, and the new migrations are named and wired like the CLI's. [`model_source`]
//! prints an app's models as `#[derive(Model)]` structs, so the `synth` binary can write the
//! same project to disk. The in-process benches of migrator-core use this module directly.
//!
//! Not here: timing, files, or running the CLI (the `synth` binary and `scripts/bench`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use migrator_core::autodetector::{self, DetectError};
use migrator_core::graph::{self, GraphError};
use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::registry::{CurrentModels, ModelHints};
use migrator_core::{
    writer, ColumnType, DefaultValue, FieldState, ForeignKey, Migration, MigrationKey, ModelKey,
    ModelState, OnDelete, ProjectState,
};

/// The shape of a synthetic project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    /// Number of apps (crates).
    pub apps: usize,
    /// Models per app.
    pub models: usize,
    /// Fields per model, the `id` primary key included.
    pub fields: usize,
    /// Follow-up migrations per app after `0001_initial`.
    pub steps: usize,
}

impl Size {
    /// 2 apps × 10 models × 10 fields, 10 follow-up migrations per app.
    pub const SMALL: Size = Size {
        apps: 2,
        models: 10,
        fields: 10,
        steps: 10,
    };
    /// 10 apps × 50 models × 20 fields, 20 follow-up migrations per app.
    pub const LARGE: Size = Size {
        apps: 10,
        models: 50,
        fields: 20,
        steps: 20,
    };
    /// 20 apps × 100 models × 20 fields, 100 follow-up migrations per app.
    pub const HUGE: Size = Size {
        apps: 20,
        models: 100,
        fields: 20,
        steps: 100,
    };

    /// `small`, `large` or `huge`.
    pub fn named(name: &str) -> Option<Size> {
        match name {
            "small" => Some(Self::SMALL),
            "large" => Some(Self::LARGE),
            "huge" => Some(Self::HUGE),
            _ => None,
        }
    }

    /// The same project with `steps` follow-up migrations per app.
    pub fn with_steps(self, steps: usize) -> Size {
        Size { steps, ..self }
    }

    /// Total number of models.
    pub fn total_models(&self) -> usize {
        self.apps * self.models
    }
}

/// The label (and crate name) of app `a`: `app00`, `app01`, …
pub fn app_label(a: usize) -> String {
    format!("app{a:02}")
}

/// The name of model `m`: `Model000`, `Model001`, …
pub fn model_name(m: usize) -> String {
    format!("Model{m:03}")
}

/// The table of model `m` of app `a`: `app00_model000`.
pub fn table_name(a: usize, m: usize) -> String {
    format!("app{a:02}_model{m:03}")
}

/// Field `j` (≥ 1) of model `m` of app `a`. The mix cycles through twelve kinds: strings
/// with and without `max_length`, integers, booleans, dates and times, decimals, nullable and
/// defaulted fields, unique and indexed fields, and foreign keys to an earlier model of the
/// same app or, every other model, of the previous app.
fn initial_field(a: usize, m: usize, j: usize) -> FieldState {
    let n = |prefix: &str| format!("{prefix}_{j:02}");
    match j % 12 {
        1 => FieldState::new(n("name"), ColumnType::Varchar(100 + 20 * (m % 5) as u32)),
        // Foreign-key columns are indexed, as the derive does by default.
        2 if a > 0 && m.is_multiple_of(2) => FieldState::new(n("ref"), ColumnType::BigInt)
            .nullable()
            .index()
            .foreign_key(ForeignKey::new(
                app_label(a - 1),
                model_name(m / 2),
                OnDelete::SetNull,
            )),
        2 if m > 0 => FieldState::new(n("ref"), ColumnType::BigInt)
            .index()
            .foreign_key(ForeignKey::new(
                app_label(a),
                model_name(m - 1),
                OnDelete::Cascade,
            )),
        2 => FieldState::new(n("score"), ColumnType::Double).nullable(),
        3 => FieldState::new(n("count"), ColumnType::Integer),
        4 => FieldState::new(n("code"), ColumnType::Varchar(64)).unique(),
        5 => FieldState::new(n("active"), ColumnType::Boolean).default(DefaultValue::Bool(true)),
        6 => FieldState::new(n("day"), ColumnType::Date).nullable(),
        7 => FieldState::new(n("rank"), ColumnType::Integer).index(),
        8 => FieldState::new(
            n("price"),
            ColumnType::Decimal {
                precision: 12,
                scale: 2,
            },
        ),
        9 => FieldState::new(n("at"), ColumnType::Timestamp),
        10 => FieldState::new(n("body"), ColumnType::Text).nullable(),
        11 => FieldState::new(n("total"), ColumnType::BigInt).default(DefaultValue::Int(0)),
        _ => FieldState::new(n("starts"), ColumnType::Time).nullable(),
    }
}

/// The first models of a project of `size`.
pub fn initial_models(size: Size) -> ProjectState {
    let mut state = ProjectState::new();
    for a in 0..size.apps {
        for m in 0..size.models {
            let mut model = ModelState::new(app_label(a), model_name(m), table_name(a, m));
            model.fields.push(
                FieldState::new("id", ColumnType::BigInt)
                    .primary_key()
                    .auto_increment(),
            );
            for j in 1..size.fields {
                model.fields.push(initial_field(a, m, j));
            }
            state.insert(model);
        }
    }
    state
}

/// A field step `k` may rename, alter or remove: not part of the key, not a foreign key, not
/// unique, not indexed.
fn plain(f: &FieldState) -> bool {
    !f.primary_key && f.foreign_key.is_none() && !f.unique && !f.index
}

/// The field step `k` adds: nullable or defaulted (a NOT NULL field without a default would
/// need an answer `--noinput` cannot give).
fn added_field(k: usize) -> FieldState {
    let name = format!("added_{k:03}");
    match k % 4 {
        0 => FieldState::new(name, ColumnType::Varchar(40)).nullable(),
        1 => FieldState::new(name, ColumnType::Integer).default(DefaultValue::Int(0)),
        2 => FieldState::new(name, ColumnType::Boolean).default(DefaultValue::Bool(false)),
        _ => FieldState::new(name, ColumnType::Date).nullable(),
    }
}

/// The model app `a` edits at step `k`.
fn edited_model(size: Size, a: usize, k: usize) -> usize {
    (k * 7 + a * 13) % size.models
}

/// Makes step `k`'s edit (k ≥ 1) in every app of `models`, as a user edits structs: steps
/// cycle through adding a field, altering one (a longer `max_length`, or `i32` → `i64`),
/// renaming one (with a `renamed_from` hint) and removing one. Returns the hints the edited
/// structs carry; the hints of earlier steps are gone, as a user would delete them.
pub fn edit_models(
    size: Size,
    models: &mut ProjectState,
    k: usize,
) -> BTreeMap<ModelKey, ModelHints> {
    let mut hints = BTreeMap::new();
    for a in 0..size.apps {
        let key = ModelKey::new(app_label(a), model_name(edited_model(size, a, k)));
        let model = models.models.get_mut(&key).expect("synthetic model exists");
        match (k - 1) % 4 {
            0 => model.fields.push(added_field(k)),
            1 => {
                let field = model.fields.iter_mut().filter(|f| plain(f)).find(|f| {
                    matches!(f.column_type, ColumnType::Varchar(_) | ColumnType::Integer)
                });
                match field {
                    Some(f) => {
                        f.column_type = match f.column_type {
                            ColumnType::Varchar(n) => ColumnType::Varchar(n + 10),
                            _ => ColumnType::BigInt,
                        }
                    }
                    // Nothing left to widen: add a field instead.
                    None => model.fields.push(added_field(k)),
                }
            }
            2 => {
                let candidates: Vec<usize> = (0..model.fields.len())
                    .filter(|&i| plain(&model.fields[i]))
                    .collect();
                if candidates.is_empty() {
                    model.fields.push(added_field(k));
                } else {
                    let f = &mut model.fields[candidates[k % candidates.len()]];
                    let base = f.name.split("_v").next().unwrap_or(&f.name).to_string();
                    let old = std::mem::replace(&mut f.name, format!("{base}_v{k:03}"));
                    f.column = f.name.clone();
                    let hint: &mut ModelHints = hints.entry(key.clone()).or_default();
                    hint.field_renames.insert(f.name.clone(), old);
                }
            }
            _ => {
                // The newest added field, else the last plain one; models keep at least `id`
                // and one more field.
                let victim = model
                    .fields
                    .iter()
                    .rposition(|f| f.name.starts_with("added_"))
                    .or_else(|| model.fields.iter().rposition(plain));
                match victim {
                    Some(i) if model.fields.len() > 2 => {
                        model.fields.remove(i);
                    }
                    _ => model.fields.push(added_field(k)),
                }
            }
        }
    }
    hints
}

/// Building a synthetic history failed: a bug in the generator or in migrator-core.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The autodetector refused a step.
    #[error("step {step}: the autodetector failed: {source}")]
    Detect {
        /// The step.
        step: usize,
        /// Why.
        source: DetectError,
    },
    /// A generated migration does not replay.
    #[error("step {step}: a generated migration does not replay: {source}")]
    Replay {
        /// The step.
        step: usize,
        /// Why.
        source: GraphError,
    },
    /// A step produced no migration for some app (every step edits every app).
    #[error("step {step}: no migration for app {app}; the edit was not detected")]
    Missing {
        /// The step.
        step: usize,
        /// The app.
        app: String,
    },
}

/// One step of [`generate_history`], as the callback sees it.
pub struct Step<'a> {
    /// 0 for the initial migrations, then 1..=steps.
    pub index: usize,
    /// The models after this step's edit, with the `renamed_from` hints of this step.
    pub models: &'a CurrentModels,
    /// The migrations `makemigrations` writes for this step (one per app).
    pub migrations: &'a [Migration],
}

/// A generated history: every migration in the order it was made, and the final models.
pub struct History {
    /// Every migration, step by step (apps in label order within a step).
    pub migrations: Vec<Migration>,
    /// The models after the last step (no hints).
    pub models: ProjectState,
}

/// Builds the history of a project of `size` the way `makemigrations --noinput` makes it, one
/// step at a time: edit the models, detect the changes against the replayed history, name the
/// migrations and wire their dependencies like the CLI. `on_step` sees every step (the `synth`
/// binary writes model sources there).
pub fn generate_history(
    size: Size,
    mut on_step: impl FnMut(&Step<'_>),
) -> Result<History, SynthError> {
    let mut migrations: Vec<Migration> = Vec::new();
    let mut leaves: BTreeMap<String, Vec<MigrationKey>> = BTreeMap::new();
    let mut replayed = ProjectState::new();
    let mut current = CurrentModels {
        state: initial_models(size),
        hints: BTreeMap::new(),
        ..CurrentModels::default()
    };
    for step in 0..=size.steps {
        if step > 0 {
            current.hints = edit_models(size, &mut current.state, step);
        }
        let changes = autodetector::detect(&replayed, &current, &mut NonInteractiveQuestioner)
            .map_err(|source| SynthError::Detect { step, source })?;
        for a in 0..size.apps {
            if !changes.contains_key(&app_label(a)) {
                return Err(SynthError::Missing {
                    step,
                    app: app_label(a),
                });
            }
        }
        let names: BTreeMap<&String, String> = changes
            .iter()
            .map(|(app, change)| {
                let existing = leaves.get(app).map(Vec::as_slice).unwrap_or_default();
                let name =
                    writer::next_name(existing, &change.operations, None, existing.is_empty());
                (app, name)
            })
            .collect();
        let leaf = |app: &str| leaves.get(app).and_then(|l| l.last().cloned());
        let mut new = Vec::with_capacity(changes.len());
        for (app, change) in &changes {
            let mut migration = Migration::new(app.clone(), names[app].clone());
            migration.initial = !leaves.contains_key(app);
            migration.operations = change.operations.clone();
            migration.dependencies.extend(leaf(app));
            for dep in &change.depends_on_previous {
                if dep != app {
                    migration.dependencies.extend(leaf(dep));
                }
            }
            for dep in change
                .depends_on_apps
                .difference(&change.depends_on_previous)
            {
                if dep != app {
                    let key = names
                        .get(dep)
                        .map(|n| MigrationKey::new(dep.clone(), n.clone()))
                        .or_else(|| leaf(dep));
                    migration.dependencies.extend(key);
                }
            }
            let mut seen = BTreeSet::new();
            migration.dependencies.retain(|k| seen.insert(k.clone()));
            new.push(migration);
        }
        for migration in &new {
            graph::replay(&mut replayed, migration)
                .map_err(|source| SynthError::Replay { step, source })?;
            leaves
                .entry(migration.app.clone())
                .or_default()
                .push(migration.key());
        }
        on_step(&Step {
            index: step,
            models: &current,
            migrations: &new,
        });
        migrations.extend(new);
    }
    Ok(History {
        migrations,
        models: current.state,
    })
}

/// The Rust type of a field: `i64`, `Option<String>`, `chrono::NaiveDate`, …
fn rust_type(field: &FieldState) -> String {
    let base = match &field.column_type {
        ColumnType::SmallInt => "i16",
        ColumnType::Integer => "i32",
        ColumnType::BigInt => "i64",
        ColumnType::Float => "f32",
        ColumnType::Double => "f64",
        ColumnType::Boolean => "bool",
        ColumnType::Text | ColumnType::Varchar(_) => "String",
        ColumnType::Blob => "Vec<u8>",
        ColumnType::Date => "chrono::NaiveDate",
        ColumnType::Time => "chrono::NaiveTime",
        ColumnType::Timestamp => "chrono::NaiveDateTime",
        ColumnType::TimestampTz => "chrono::DateTime<chrono::Utc>",
        ColumnType::Decimal { .. } => "rust_decimal::Decimal",
        other => panic!("the synthetic models never use {other}"),
    };
    if field.nullable {
        format!("Option<{base}>")
    } else {
        base.to_string()
    }
}

/// The `#[model(...)]` attribute items of a field (empty when it needs none).
fn field_attributes(app: &str, field: &FieldState, renamed_from: Option<&String>) -> Vec<String> {
    let mut items = Vec::new();
    match field.column_type {
        ColumnType::Varchar(n) => items.push(format!("max_length = {n}")),
        ColumnType::Decimal { precision, scale } => {
            items.push(format!("precision = {precision}, scale = {scale}"));
        }
        _ => {}
    }
    if field.unique {
        items.push("unique".into());
    }
    // The derive indexes foreign-key columns unless told otherwise.
    let default_index = field.foreign_key.is_some() && !field.unique && !field.primary_key;
    if field.index && !default_index {
        items.push("index".into());
    } else if !field.index && default_index {
        items.push("index = false".into());
    }
    match &field.default {
        Some(DefaultValue::Int(i)) => items.push(format!("default = {i}")),
        Some(DefaultValue::Bool(b)) => items.push(format!("default = {b}")),
        Some(DefaultValue::Text(s)) => items.push(format!("default = {s:?}")),
        Some(other) => panic!("the synthetic models never use default {other}"),
        None => {}
    }
    if let Some(fk) = &field.foreign_key {
        let path = if fk.app == app {
            format!("crate::models::{}", fk.model)
        } else {
            format!("{}::{}", fk.app, fk.model)
        };
        let rule = match fk.on_delete {
            OnDelete::Cascade => "cascade",
            OnDelete::Restrict => "restrict",
            OnDelete::SetNull => "set_null",
            OnDelete::SetDefault => "set_default",
            OnDelete::NoAction => "no_action",
        };
        items.push(format!("foreign_key = {path}, on_delete = \"{rule}\""));
    }
    if let Some(old) = renamed_from {
        items.push(format!("renamed_from = {old:?}"));
    }
    items
}

/// The source of `src/models.rs` for `app`: one struct per model, with `#[derive(Model)]` and
/// its attributes, or (`derive = false`) the same plain structs without them — the baseline of
/// the compile-time benchmark.
pub fn model_source(models: &CurrentModels, app: &str, derive: bool) -> String {
    let mut s = format!(
        "//! Synthetic models of `{app}`, written by `migrator-tests`' synth generator.\n\n"
    );
    if derive {
        s.push_str("use migrator_core::Model;\n\n");
    }
    for model in models.state.app_models(app) {
        let hints = models.hints.get(&model.key());
        if derive {
            let _ = writeln!(
                s,
                "#[derive(Debug, Model)]\n#[model(table = {:?})]",
                model.table
            );
        } else {
            s.push_str("#[derive(Debug)]\n");
        }
        let _ = writeln!(s, "pub struct {} {{", model.name);
        for field in &model.fields {
            if derive {
                let renamed = hints.and_then(|h| h.field_renames.get(&field.name));
                let items = field_attributes(app, field, renamed);
                if !items.is_empty() {
                    let _ = writeln!(s, "    #[model({})]", items.join(", "));
                }
            }
            let _ = writeln!(s, "    pub {}: {},", field.name, rust_type(field));
        }
        s.push_str("}\n\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_history_has_one_migration_per_app_per_step_and_replays_to_the_models() {
        let size = Size::SMALL.with_steps(8);
        let mut steps = 0;
        let history = generate_history(size, |_| steps += 1).unwrap();
        assert_eq!(steps, 9);
        assert_eq!(history.migrations.len(), size.apps * 9);
        let graph = migrator_core::graph::MigrationGraph::new(history.migrations.clone()).unwrap();
        let replayed = graph.project_state().unwrap();
        let current = CurrentModels {
            state: history.models.clone(),
            hints: BTreeMap::new(),
            ..CurrentModels::default()
        };
        let changes =
            autodetector::detect(&replayed, &current, &mut NonInteractiveQuestioner).unwrap();
        assert!(changes.is_empty(), "{changes:?}");
        // Every kind of edit shows up.
        let kinds: BTreeSet<String> = history
            .migrations
            .iter()
            .flat_map(|m| &m.operations)
            .map(|op| {
                op.describe()
                    .split(' ')
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        for kind in [
            "Create model",
            "Add field",
            "Alter field",
            "Rename field",
            "Remove field",
        ] {
            assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
        }
    }

    #[test]
    fn model_source_spells_every_attribute() {
        let mut state = initial_models(Size::SMALL);
        let hints = edit_models(Size::SMALL, &mut state, 3);
        let models = CurrentModels {
            state,
            hints,
            ..CurrentModels::default()
        };
        let src = model_source(&models, "app01", true);
        for needle in [
            "#[model(table = \"app01_model000\")]",
            "#[model(max_length = 100)]",
            "#[model(precision = 12, scale = 2)]",
            "#[model(max_length = 64, unique)]",
            "pub ref_02: Option<i64>,",
            "#[model(index)]",
            "#[model(default = true)]",
            "foreign_key = app00::Model000, on_delete = \"set_null\"",
            "foreign_key = crate::models::Model000, on_delete = \"cascade\"",
            "renamed_from = ",
            "pub day_06: Option<chrono::NaiveDate>,",
        ] {
            assert!(src.contains(needle), "{needle} not in\n{src}");
        }
        let plain = model_source(&models, "app01", false);
        assert!(!plain.contains("#[model"));
    }
}
