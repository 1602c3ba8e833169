//! The model registry: every `#[derive(Model)]` submits a [`ModelRegistration`] through
//! `inventory` (DESIGN decision 1), and [`current_models`] collects them into a sorted, checked
//! [`CurrentModels`]: no two models share a key or a table, every foreign key has the
//! column type of its target's single-column primary key, and no two database objects of the
//! models (indexes, constraints, foreign keys, tables, … of any model) would get names a
//! database refuses to share (`ProjectState::name_clashes`; issue 20). These are checked here,
//! at run time, because the derive sees one struct at a time. Each many-to-many relation
//! without `through` adds its join model here (`many_to_many.rs`), and a `through` model is
//! checked to hold one foreign key to each side.
//!
//! Linking fact: a binary only sees the models of crates it names (`use my_app as _;`). An empty
//! registry is therefore reported by callers with [`EMPTY_REGISTRY_HINT`], never as "no changes".

use std::collections::BTreeMap;

use crate::error::RegistryError;
use crate::many_to_many::{self, ManyToMany, Relations};
use crate::model::{build_definition, Model, ModelDefinition, ModelDescriptor};
use crate::state::{ConstraintKind, FieldState, ModelKey, ProjectState};

/// The record `#[derive(Model)]` submits for each model. Only generated code builds these.
#[derive(Debug)]
pub struct ModelRegistration {
    /// App label.
    pub app: &'static str,
    /// Model name.
    pub name: &'static str,
    /// Table name.
    pub table: &'static str,
    /// `module_path!()` of the struct, for error messages.
    pub module_path: &'static str,
    /// `CARGO_MANIFEST_DIR` of the defining crate (where its `migrations/` folder goes).
    pub manifest_dir: &'static str,
    /// What the derive recorded; [`ModelRegistration::definition`] decodes it.
    #[doc(hidden)]
    pub descriptor: &'static ModelDescriptor,
}

impl ModelRegistration {
    /// The registration of model `M`, defined in module `module_path` of the crate at
    /// `manifest_dir`. Generated code only.
    #[doc(hidden)]
    pub const fn of<M: Model>(module_path: &'static str, manifest_dir: &'static str) -> Self {
        Self {
            app: M::APP,
            name: M::NAME,
            table: M::TABLE,
            module_path,
            manifest_dir,
            descriptor: M::DESCRIPTOR,
        }
    }

    /// The model's state and rename hints (what `Model::definition` returns).
    pub fn definition(&self) -> ModelDefinition {
        build_definition(self.descriptor)
    }
}

inventory::collect!(ModelRegistration);

/// What a binary says when it links no model at all.
pub const EMPTY_REGISTRY_HINT: &str =
    "no models are registered in this binary. A binary only sees the models of crates it names: \
add `use my_app as _;` (or `extern crate my_app;`) for each app crate, or run through the \
`migrator` CLI, which names every workspace crate that depends on migrator-core";

/// The current models with their rename hints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CurrentModels {
    /// The schema the code declares.
    pub state: ProjectState,
    /// Rename hints by model key.
    pub hints: BTreeMap<ModelKey, ModelHints>,
    /// Per model, field name → the diesel SQL type its Rust type names
    /// ([`crate::Column::DIESEL_SQL_TYPE`]); models with none are absent. Only the generated
    /// diesel schema reads it: it does not change the database.
    pub diesel_sql_types: BTreeMap<ModelKey, BTreeMap<String, String>>,
    /// Per model, its many-to-many relations (`many_to_many(...)`); models with none are
    /// absent. The join model of each relation without `through` is in `state` already; the
    /// autodetector reads this to tell a join model's change of target or a switch to or
    /// from a `through` model.
    pub many_to_many: Relations,
}

/// The rename hints one model carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModelHints {
    /// The model's previous name.
    pub renamed_from: Option<String>,
    /// New field name → previous field name.
    pub field_renames: BTreeMap<String, String>,
}

/// All registrations linked into this binary, sorted by `(app, name)`.
pub fn registrations() -> Vec<&'static ModelRegistration> {
    let mut regs: Vec<&'static ModelRegistration> =
        inventory::iter::<ModelRegistration>.into_iter().collect();
    regs.sort_by(|a, b| (a.app, a.name, a.module_path).cmp(&(b.app, b.name, b.module_path)));
    regs
}

/// The current models of every app linked into this binary.
///
/// Fails with every duplicate model name and every duplicate table name listed at once, then
/// with every foreign key whose column type differs from its target's primary key (or whose
/// target has no single-column primary key), listed at once, then with every pair of database
/// objects whose names clash on some backend, listed at once.
/// An empty result is not an error here; callers show [`EMPTY_REGISTRY_HINT`].
pub fn current_models() -> Result<CurrentModels, RegistryError> {
    collect(
        registrations()
            .into_iter()
            .map(|r| (r.module_path, r.definition())),
    )
}

/// The current models of the given apps only (all apps when `apps` is empty).
pub fn current_models_of(apps: &[&str]) -> Result<CurrentModels, RegistryError> {
    let mut all = current_models()?;
    if !apps.is_empty() {
        all.state
            .models
            .retain(|k, _| apps.contains(&k.app.as_str()));
        all.hints.retain(|k, _| apps.contains(&k.app.as_str()));
        all.diesel_sql_types
            .retain(|k, _| apps.contains(&k.app.as_str()));
        all.many_to_many
            .retain(|k, _| apps.contains(&k.app.as_str()));
    }
    Ok(all)
}

/// Builds [`CurrentModels`] from definitions (with the Rust path each came from), checking
/// for duplicates, then for foreign keys that cannot work, then for clashing object names (see
/// [`current_models`]).
/// Exposed for tests and for hosts that assemble definitions themselves.
pub fn collect<'a>(
    defs: impl IntoIterator<Item = (&'a str, ModelDefinition)>,
) -> Result<CurrentModels, RegistryError> {
    let mut by_key: BTreeMap<ModelKey, Vec<(String, ModelDefinition)>> = BTreeMap::new();
    for (path, def) in defs {
        by_key
            .entry(def.state.key())
            .or_default()
            .push((path.to_string(), def));
    }
    let mut problems = Vec::new();
    let mut by_table: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, defs) in &by_key {
        if defs.len() > 1 {
            let paths: Vec<String> = defs
                .iter()
                .map(|(p, d)| format!("{p}::{}", d.state.name))
                .collect();
            problems.push(format!(
                "model `{key}` is defined {} times: {}",
                defs.len(),
                paths.join(", ")
            ));
        }
        for (path, def) in defs {
            by_table
                .entry(def.state.table.clone())
                .or_default()
                .push(format!("{key} ({path})"));
        }
    }
    for (table, users) in &by_table {
        if users.len() > 1 {
            problems.push(format!(
                "table `{table}` is used by {} models: {}",
                users.len(),
                users.join(", ")
            ));
        }
    }
    if !problems.is_empty() {
        return Err(RegistryError::Duplicates(problems));
    }
    let mut out = CurrentModels::default();
    for (key, mut defs) in by_key {
        let (_, def) = defs.pop().expect("non-empty group");
        if !def.diesel_sql_types.is_empty() {
            out.diesel_sql_types
                .insert(key.clone(), def.diesel_sql_types);
        }
        if def.renamed_from.is_some() || !def.field_renames.is_empty() {
            out.hints.insert(
                key.clone(),
                ModelHints {
                    renamed_from: def.renamed_from,
                    field_renames: def.field_renames,
                },
            );
        }
        if !def.many_to_many.is_empty() {
            out.many_to_many.insert(key, def.many_to_many);
        }
        out.state.insert(def.state);
    }
    let problems = add_join_models(&mut out);
    if !problems.is_empty() {
        return Err(RegistryError::ManyToMany(problems));
    }
    let problems = foreign_key_problems(&out.state);
    if !problems.is_empty() {
        return Err(RegistryError::ForeignKeys(problems));
    }
    let clashes: Vec<String> = out
        .state
        .name_clashes()
        .iter()
        .map(ToString::to_string)
        .collect();
    if !clashes.is_empty() {
        return Err(RegistryError::Duplicates(clashes));
    }
    Ok(out)
}

/// Every foreign key of `state` that cannot be created as declared: its column type must be
/// the column type of the target's primary key (a database compares the two columns, and
/// PostgreSQL and MySQL refuse a mismatch), and the target needs exactly one primary-key
/// field (and a multi-column foreign key's each column its key column's type). A target
/// that is not registered here is left to the migration state, which knows
/// models this registry may not.
fn foreign_key_problems(state: &ProjectState) -> Vec<String> {
    let mut problems = Vec::new();
    for model in state.models.values() {
        for c in &model.constraints {
            let ConstraintKind::ForeignKey { fields, to } = &c.kind else {
                continue;
            };
            let Some(target) = state.model(&to.app, &to.model) else {
                continue;
            };
            let key: Vec<&FieldState> = target.primary_key().collect();
            for (name, k) in fields.iter().zip(&key) {
                let Some(f) = model.field(name) else { continue };
                if f.column_type != k.column_type {
                    problems.push(format!(
                        "foreign key `{}` of `{}.{}` matches field `{name}` ({}) with key field \
                         `{}.{}.{}` ({}); give `{name}` the Rust type of `{}.{}` so both \
                         columns are {}",
                        c.name,
                        model.app,
                        model.name,
                        f.column_type,
                        target.app,
                        target.name,
                        k.name,
                        k.column_type,
                        target.name,
                        k.name,
                        k.column_type,
                    ));
                }
            }
        }
        for field in &model.fields {
            let Some(fk) = &field.foreign_key else {
                continue;
            };
            let Some(target) = state.model(&fk.app, &fk.model) else {
                continue;
            };
            let source = format!("{}.{}.{}", model.app, model.name, field.name);
            let pk: Vec<&FieldState> = target.primary_key().collect();
            match pk.as_slice() {
                [pk] if pk.column_type == field.column_type => {}
                [pk] => problems.push(format!(
                    "foreign key `{source}` is {} but its target's primary key `{}.{}.{}` is {}; \
                     give `{}` the Rust type of `{}.{}` so both columns are {}",
                    field.column_type,
                    target.app,
                    target.name,
                    pk.name,
                    pk.column_type,
                    field.name,
                    target.name,
                    pk.name,
                    pk.column_type,
                )),
                _ => problems.push(format!(
                    "foreign key `{source}` points at `{}.{}`, which has {} primary-key fields; \
                     a foreign key needs a target with exactly one primary-key field: give \
                     `{}` one, or remove `foreign_key` from `{}`",
                    target.app,
                    target.name,
                    pk.len(),
                    target.name,
                    field.name,
                )),
            }
        }
    }
    problems
}

/// Adds the join model of every many-to-many relation without `through` to `models` (with
/// the rename hints a renamed relation, owner or target gives it), and checks every `through`
/// model. Returns every problem: a relation named like one of the owner's fields or like
/// another relation, a target or through model not registered here, a through model without
/// one foreign key to each side, a side without a single-column primary key, a join model or
/// table that another model already has.
fn add_join_models(models: &mut CurrentModels) -> Vec<String> {
    let mut problems = Vec::new();
    let mut joins = Vec::new();
    for (owner_key, relations) in &models.many_to_many {
        let owner = &models.state.models[owner_key];
        for (i, rel) in relations.iter().enumerate() {
            let what = format!("many-to-many `{owner_key}.{}`", rel.name);
            if owner.field(&rel.name).is_some() {
                problems.push(format!(
                    "{what} has the name of a field of `{owner_key}`; rename one of them"
                ));
            }
            if relations[..i].iter().any(|r| r.name == rel.name) {
                problems.push(format!("{what} is declared twice; rename one of them"));
                continue;
            }
            let Some(target) = models.state.models.get(&rel.to) else {
                problems.push(format!(
                    "{what} points at `{}`, which is not a model of this binary; name the \
                     target's crate (`use its_crate as _;`)",
                    rel.to
                ));
                continue;
            };
            match &rel.through {
                Some(through) => match models.state.models.get(through) {
                    Some(t) => {
                        problems.extend(many_to_many::through_problem(owner, rel, target, t))
                    }
                    None => problems.push(format!(
                        "{what} goes through `{through}`, which is not a model of this binary"
                    )),
                },
                None => match many_to_many::join_model(owner, rel, target) {
                    Ok(join) => joins.push((join, join_hints(models, owner_key, rel))),
                    Err(problem) => problems.push(problem),
                },
            }
        }
    }
    for (join, hints) in joins {
        let key = join.key();
        if models.state.models.contains_key(&key) {
            problems.push(format!(
                "the join model `{key}` of a many-to-many relation has the name of a model; \
                 rename the model or the relation"
            ));
        } else if let Some(other) = models.state.model_by_table(&join.table) {
            problems.push(format!(
                "the join table `{}` of many-to-many `{key}` is the table of model `{}`; \
                 rename that table (`#[model(table = \"…\")]`), the relation, or give the \
                 relation a join table of its own (`db_table = \"…\"` in `many_to_many(...)`)",
                join.table,
                other.key()
            ));
        } else {
            if let Some(hints) = hints {
                models.hints.insert(key, hints);
            }
            models.state.insert(join);
        }
    }
    problems
}

/// The rename hints of the join model of `rel` (owned by `owner`): its previous name when
/// the relation or its owner was renamed, and its key columns' previous names when the owner
/// or the target was (each a `renamed_from` the code carries), so the autodetector renames
/// the join table and its columns, keeping the rows, instead of replacing it.
fn join_hints(models: &CurrentModels, owner: &ModelKey, rel: &ManyToMany) -> Option<ModelHints> {
    let previous = |key: &ModelKey| {
        models
            .hints
            .get(key)
            .and_then(|h| h.renamed_from.clone())
            .unwrap_or_else(|| key.name.clone())
    };
    let (old_owner, old_to) = (previous(owner), previous(&rel.to));
    let old_name = rel.renamed_from.as_deref().unwrap_or(&rel.name);
    let mut hints = ModelHints::default();
    let (old_join, new_join) = (
        many_to_many::join_model_name(&old_owner, old_name),
        many_to_many::join_model_name(&owner.name, &rel.name),
    );
    if old_join != new_join {
        hints.renamed_from = Some(old_join);
    }
    let (old_from, old_to) = many_to_many::join_columns(&old_owner, &old_to);
    let (new_from, new_to) = many_to_many::join_columns(&owner.name, &rel.to.name);
    for (new, old) in [(new_from, old_from), (new_to, old_to)] {
        if new != old {
            hints.field_renames.insert(new, old);
        }
    }
    (hints != ModelHints::default()).then_some(hints)
}
