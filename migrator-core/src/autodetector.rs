//! Compares the state rebuilt from migrations with the current models and produces the
//! operations that turn one into the other, per app ([`detect`]), like Django's
//! `MigrationAutodetector`.
//!
//! It owns change detection (models created, deleted, renamed; tables and comments; fields
//! added, removed, altered, renamed; indexes and constraints), the questions that go with it
//! (through a [`Questioner`]), the order of operations (foreign keys always point at tables
//! that exist) and the cross-app dependencies. It does not name or write migrations (the
//! writer does) and never touches a database.
//!
//! How it works: a working copy of the old state is changed by every operation as it is
//! emitted (with [`Operation::state_forwards`]), phase by phase — renames of models, then per
//! kept model the field renames, index/constraint removals, field removals, field renames;
//! deleted models whose table is taken by another model; table and comment changes; created
//! models in foreign-key order; added and altered fields; the other deleted models (referencing
//! ones first); and finally added indexes and constraints. An operation that renames, deletes,
//! re-tables or re-keys a model that other apps' foreign keys point at makes its migration
//! depend on those apps' latest existing migrations, so a replay never creates such a foreign
//! key after the model it names is gone; [`add_history_dependencies`] does the same for apps
//! whose older migrations pointed at the model (given the migration graph). Every step is a lookup by
//! name, so the cost is linear in models × fields. At the end the working copy must equal the
//! current models (field order aside, as in Django); otherwise detection fails loudly instead of
//! writing a wrong migration. Each app's list then goes through the optimizer.

use std::collections::{BTreeMap, BTreeSet};

use thiserror::Error;

use crate::operations::{
    AddConstraint, AddField, AddIndex, AlterField, AlterModelComment, AlterModelTable, CreateModel,
    DeleteModel, Operation, RemoveConstraint, RemoveField, RemoveIndex, RenameField, RenameModel,
    StateError,
};
use crate::optimizer::optimize;
use crate::questioner::{QuestionError, Questioner};
use crate::registry::{CurrentModels, ModelHints};
use crate::state::{
    ConstraintKind, ConstraintState, FieldState, ForeignKey, IndexState, ModelKey, ModelState,
    ProjectState,
};

/// The changes of one app: its operations (optimized, in apply order) and the other apps whose
/// latest migrations the new migration must depend on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppChanges {
    /// The operations, in the order they must run.
    pub operations: Vec<Operation>,
    /// Other apps this app's new migration depends on: the new migration of that app when
    /// it has one in this run (it creates or renames a model this app's foreign keys point at,
    /// or removes references to a model this app deletes), else that app's latest existing
    /// migration (a foreign-key target that already exists there, or an app whose foreign keys
    /// point at a model this app renames, deletes, moves to another table or whose primary key
    /// it changes — those keys must be replayed before the model changes).
    pub depends_on_apps: BTreeSet<String>,
    /// Other apps that also get a new migration in this run, whose *existing* latest migration
    /// (before this run) this app's new migration needs: a foreign key points at a model that
    /// already existed there, or that app's existing foreign keys point at a model this app
    /// renames, deletes, moves or re-keys. Depending on that app's new migration instead would
    /// be correct too, but could form a cycle between the two new migrations.
    pub depends_on_previous: BTreeSet<String>,
}

/// Detection failed; nothing should be written.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DetectError {
    /// A question could not be answered (`--noinput` and a NOT NULL field, or the user quit).
    #[error(transparent)]
    Question(#[from] QuestionError),
    /// The operations the autodetector built do not reproduce the current models. This is a
    /// bug in migrator; the message says where.
    #[error("internal error in the autodetector: {0}. No migration was written; please report this together with the models involved")]
    Internal(String),
    /// The new migrations of two or more apps would each need the other first (foreign keys
    /// between models created in the same run, across apps).
    #[error("the new migrations of apps {} would depend on each other (foreign keys between models that are created or renamed in the same run, across apps). Make the migrations in two steps: leave out one of the foreign keys (or make it a plain column), run makemigrations, then add it back and run makemigrations again", apps.join(", "))]
    CrossAppCycle {
        /// The apps in the cycle.
        apps: Vec<String>,
    },
    /// Two fields of one model would hold the same column at some point (columns swapped
    /// between fields, or a column name moved to another field in the same run).
    #[error("column `{column}` of `{app}.{model}` would belong to two fields at once (it is still used by field `{other}`): columns cannot be swapped or handed from one field to another in one migration. Make it in two steps: first give one field a temporary column name and run makemigrations, then finish the change and run makemigrations again")]
    ColumnClash {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// The column.
        column: String,
        /// The field still holding it.
        other: String,
    },
}

impl From<StateError> for DetectError {
    fn from(e: StateError) -> Self {
        match e {
            StateError::ColumnExists {
                app,
                model,
                column,
                other,
            } => Self::ColumnClash {
                app,
                model,
                column,
                other,
            },
            e => Self::Internal(format!("an operation it generated does not apply: {e}")),
        }
    }
}

/// Compares `from` (the state the migrations build) with `to` (the current models and their
/// rename hints) and returns, per app with changes, the operations to write. Asks `questioner`
/// about possible renames and one-off defaults.
pub fn detect(
    from: &ProjectState,
    to: &CurrentModels,
    questioner: &mut dyn Questioner,
) -> Result<BTreeMap<String, AppChanges>, DetectError> {
    let mut d = Detector {
        original: from,
        to: &to.state,
        hints: &to.hints,
        q: questioner,
        work: from.clone(),
        changes: BTreeMap::new(),
        deferred: Vec::new(),
        needs_new: BTreeMap::new(),
        needs_existing: BTreeMap::new(),
        soft: BTreeMap::new(),
    };
    d.run()?;
    d.check_result()?;
    let mut out: BTreeMap<String, AppChanges> = BTreeMap::new();
    for (app, ops) in std::mem::take(&mut d.changes) {
        let operations = optimize(&app, ops);
        if !operations.is_empty() {
            out.insert(
                app,
                AppChanges {
                    operations,
                    ..AppChanges::default()
                },
            );
        }
    }
    wire_dependencies(&mut out, &d.needs_new, &d.needs_existing, &d.soft)?;
    Ok(out)
}

/// Adds the dependencies that the migration *history* asks for beyond what [`detect`] sees in
/// the current state: when an app's new migration renames, deletes or re-tables a model, it
/// must also come after every existing migration of another app that ever pointed a foreign
/// key at that model, even if a later migration of that app dropped the key. Otherwise the
/// full plan may replay (and, on a fresh database, run) that old migration after the model is
/// gone. Such an app goes into `depends_on_previous` when it gets a new migration in this run
/// (its leaf before this run; no cycle can form), else into `depends_on_apps` (its leaf).
pub fn add_history_dependencies(
    changes: &mut BTreeMap<String, AppChanges>,
    graph: &crate::graph::MigrationGraph,
) {
    let changed: BTreeSet<String> = changes.keys().cloned().collect();
    for (app, ch) in changes.iter_mut() {
        let moved: BTreeSet<&str> = ch
            .operations
            .iter()
            .filter_map(|op| match op {
                Operation::RenameModel(o) => Some(o.old_name.as_str()),
                Operation::DeleteModel(o) => Some(o.name.as_str()),
                Operation::AlterModelTable(o) => Some(o.name.as_str()),
                _ => None,
            })
            .collect();
        if moved.is_empty() {
            continue;
        }
        let points_at_moved = |f: &FieldState| {
            f.foreign_key
                .as_ref()
                .is_some_and(|fk| fk.app == *app && moved.contains(fk.model.as_str()))
        };
        let referencing: BTreeSet<String> = graph
            .migrations()
            .filter(|m| m.app != *app)
            .filter(|m| {
                m.operations.iter().any(|op| match op {
                    Operation::CreateModel(c) => c.fields.iter().any(points_at_moved),
                    Operation::AddField(AddField { field, .. })
                    | Operation::AlterField(AlterField { field, .. }) => points_at_moved(field),
                    _ => false,
                })
            })
            .map(|m| m.app.clone())
            .collect();
        for other in referencing {
            if ch.depends_on_apps.contains(&other) {
                continue;
            }
            if changed.contains(&other) {
                ch.depends_on_previous.insert(other);
            } else {
                ch.depends_on_apps.insert(other);
            }
        }
    }
}

type AppGraph = BTreeMap<String, BTreeSet<String>>;

/// True when `to` can be reached from `from` following `deps`.
fn reaches(deps: &AppGraph, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(a) = stack.pop() {
        if a == to {
            return true;
        }
        if seen.insert(a.clone()) {
            stack.extend(deps.get(&a).into_iter().flatten().cloned());
        }
    }
    false
}

/// Fills `depends_on_apps` / `depends_on_previous`: hard needs of new migrations (a cycle is an
/// error), existing foreign-key targets, and the delete-after-unreference ordering where it
/// does not close a cycle.
fn wire_dependencies(
    out: &mut BTreeMap<String, AppChanges>,
    needs_new: &AppGraph,
    needs_existing: &AppGraph,
    soft: &AppGraph,
) -> Result<(), DetectError> {
    let changed: BTreeSet<String> = out.keys().cloned().collect();
    let mut graph: AppGraph = BTreeMap::new();
    for (app, deps) in needs_new {
        if !changed.contains(app) {
            continue;
        }
        for d in deps.iter().filter(|d| *d != app && changed.contains(*d)) {
            graph.entry(app.clone()).or_default().insert(d.clone());
        }
    }
    for app in &changed {
        if let Some(deps) = graph.get(app) {
            for d in deps {
                if reaches(&graph, d, app) {
                    let mut apps: Vec<String> = changed
                        .iter()
                        .filter(|a| reaches(&graph, a, app) && reaches(&graph, app, a))
                        .cloned()
                        .collect();
                    apps.sort();
                    return Err(DetectError::CrossAppCycle { apps });
                }
            }
        }
    }
    for (app, deps) in soft {
        if !changed.contains(app) {
            continue;
        }
        for d in deps.iter().filter(|d| *d != app && changed.contains(*d)) {
            if !reaches(&graph, d, app) {
                graph.entry(app.clone()).or_default().insert(d.clone());
            }
        }
    }
    for (app, ch) in out.iter_mut() {
        ch.depends_on_apps = graph.get(app).cloned().unwrap_or_default();
        for d in needs_existing.get(app).into_iter().flatten() {
            if d == app || ch.depends_on_apps.contains(d) {
                continue;
            }
            if changed.contains(d) {
                ch.depends_on_previous.insert(d.clone());
            } else {
                ch.depends_on_apps.insert(d.clone());
            }
        }
    }
    Ok(())
}

/// What a created model could not get at creation (foreign keys in a cycle), added afterwards.
struct Deferred {
    key: ModelKey,
    fields: Vec<FieldState>,
    indexes: Vec<IndexState>,
    constraints: Vec<ConstraintState>,
}

struct Detector<'a> {
    /// The state the migrations build, untouched.
    original: &'a ProjectState,
    to: &'a ProjectState,
    hints: &'a BTreeMap<ModelKey, ModelHints>,
    q: &'a mut dyn Questioner,
    /// The old state with every emitted operation applied.
    work: ProjectState,
    changes: BTreeMap<String, Vec<Operation>>,
    deferred: Vec<Deferred>,
    /// app → apps whose new migration it needs (foreign keys to models created or renamed).
    needs_new: AppGraph,
    /// app → apps whose existing migrations it needs: foreign keys to models that exist, and
    /// the apps whose foreign keys point at a model this app renames, deletes, moves to another
    /// table or whose primary key it changes (see [`Detector::moves_model`]).
    needs_existing: AppGraph,
    /// app → apps that should go first when possible (they drop references to a model this app
    /// deletes).
    soft: AppGraph,
}

/// True when a field needs no value for existing rows: nullable, defaulted, or auto-increment.
fn fills_itself(f: &FieldState) -> bool {
    f.nullable || f.default.is_some() || (f.primary_key && f.auto_increment)
}

/// Two fields are the same apart from their name and column.
fn same_definition(a: &FieldState, b: &FieldState) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    a.name.clear();
    a.column.clear();
    b.name.clear();
    b.column.clear();
    a == b
}

/// Two models have the same fields (ignoring order).
fn same_fields(a: &ModelState, b: &ModelState) -> bool {
    if a.fields.len() != b.fields.len() {
        return false;
    }
    let mut fa: Vec<&FieldState> = a.fields.iter().collect();
    let mut fb: Vec<&FieldState> = b.fields.iter().collect();
    fa.sort_by(|x, y| x.name.cmp(&y.name));
    fb.sort_by(|x, y| x.name.cmp(&y.name));
    fa == fb
}

/// Two models could be one renamed: the same fields (ignoring order), foreign-key targets aside
/// (Django's "relation-agnostic" comparison: a self-reference or a reference to another model
/// renamed in the same run names a different model on each side).
fn rename_candidates(a: &ModelState, b: &ModelState) -> bool {
    if a.fields.len() != b.fields.len() {
        return false;
    }
    let agnostic = |m: &ModelState| {
        let mut fields: Vec<FieldState> = m
            .fields
            .iter()
            .map(|f| {
                let mut f = f.clone();
                if let Some(fk) = &mut f.foreign_key {
                    fk.app.clear();
                    fk.model.clear();
                }
                f
            })
            .collect();
        fields.sort_by(|x, y| x.name.cmp(&y.name));
        fields
    };
    agnostic(a) == agnostic(b)
}

/// Two models are equal apart from the order of their fields.
fn same_model(a: &ModelState, b: &ModelState) -> bool {
    a == b
        || (a.app == b.app
            && a.name == b.name
            && a.table == b.table
            && a.comment == b.comment
            && a.indexes == b.indexes
            && a.constraints == b.constraints
            && same_fields(a, b))
}

/// The field names an index or unique constraint mentions.
fn constraint_fields(c: &ConstraintState) -> &[String] {
    match &c.kind {
        ConstraintKind::Unique(f) => f,
        ConstraintKind::Check(_) => &[],
    }
}

fn rename_in(fields: &[String], renames: &BTreeMap<&str, &str>) -> Vec<String> {
    fields
        .iter()
        .map(|f| {
            renames
                .get(f.as_str())
                .map_or_else(|| f.clone(), |n| n.to_string())
        })
        .collect()
}

impl Detector<'_> {
    /// Applies `op` to the working state and appends it to `app`'s list, recording cross-app
    /// foreign-key dependencies.
    fn emit(&mut self, app: &str, op: Operation) -> Result<(), DetectError> {
        if let Some(target) = self.moves_model(app, &op) {
            let referencing = self.apps_referencing(&target);
            if !referencing.is_empty() {
                self.needs_existing
                    .entry(app.to_string())
                    .or_default()
                    .extend(referencing);
            }
        }
        op.state_forwards(app, &mut self.work)?;
        let fks: Vec<ModelKey> = match &op {
            Operation::CreateModel(c) => c
                .fields
                .iter()
                .filter_map(|f| f.foreign_key.as_ref())
                .map(ForeignKey::target)
                .collect(),
            Operation::AddField(AddField { field, .. })
            | Operation::AlterField(AlterField { field, .. }) => {
                field.foreign_key.iter().map(ForeignKey::target).collect()
            }
            _ => Vec::new(),
        };
        for t in fks {
            if t.app != app {
                let graph = if self.original.models.contains_key(&t) {
                    &mut self.needs_existing
                } else {
                    &mut self.needs_new
                };
                graph.entry(app.to_string()).or_default().insert(t.app);
            }
        }
        self.changes.entry(app.to_string()).or_default().push(op);
        Ok(())
    }

    /// The model whose identity `op` changes for foreign keys pointing at it from other apps:
    /// it is renamed, deleted, moved to another table, or its primary key is altered, renamed
    /// or removed. Such an operation must run after every existing migration of those apps
    /// (their replayed foreign keys name the model as it was), so its app depends on their
    /// latest migrations.
    fn moves_model(&self, app: &str, op: &Operation) -> Option<ModelKey> {
        let is_pk = |model: &str, field: &str| {
            self.work
                .model(app, model)
                .and_then(|m| m.field(field))
                .is_some_and(|f| f.primary_key)
        };
        let model = match op {
            Operation::RenameModel(o) => &o.old_name,
            Operation::DeleteModel(o) => &o.name,
            Operation::AlterModelTable(o) => &o.name,
            Operation::AlterField(o) if o.field.primary_key || is_pk(&o.model, &o.name) => &o.model,
            Operation::RenameField(o) if is_pk(&o.model, &o.old_name) => &o.model,
            Operation::RemoveField(o) if is_pk(&o.model, &o.name) => &o.model,
            _ => return None,
        };
        Some(ModelKey::new(app, model.clone()))
    }

    /// The other apps with a model whose foreign key points at `target` in the working state.
    fn apps_referencing(&self, target: &ModelKey) -> BTreeSet<String> {
        self.work
            .models
            .values()
            .filter(|m| m.app != target.app)
            .filter(|m| {
                m.fields.iter().any(|f| {
                    f.foreign_key
                        .as_ref()
                        .is_some_and(|fk| fk.app == target.app && fk.model == target.name)
                })
            })
            .map(|m| m.app.clone())
            .collect()
    }

    fn run(&mut self) -> Result<(), DetectError> {
        self.rename_models()?;
        let kept: Vec<ModelKey> = self
            .to
            .models
            .keys()
            .filter(|k| self.work.models.contains_key(*k))
            .filter(|k| !same_model(&self.work.models[*k], &self.to.models[*k]))
            .cloned()
            .collect();
        let created: Vec<ModelKey> = self
            .to
            .models
            .keys()
            .filter(|k| !self.work.models.contains_key(*k))
            .cloned()
            .collect();
        let deleted: Vec<ModelKey> = self
            .work
            .models
            .keys()
            .filter(|k| !self.to.models.contains_key(*k))
            .cloned()
            .collect();
        // Who references each deleted model (for cross-app dependencies), before any change.
        let deleted_set: BTreeSet<&ModelKey> = deleted.iter().collect();
        let mut referrers: BTreeMap<ModelKey, BTreeSet<String>> = BTreeMap::new();
        for m in self.work.models.values() {
            for f in &m.fields {
                if let Some(fk) = &f.foreign_key {
                    let t = fk.target();
                    if deleted_set.contains(&t) && t.app != m.app {
                        referrers.entry(t).or_default().insert(m.app.clone());
                    }
                }
            }
        }

        let mut field_renames: BTreeMap<ModelKey, Vec<(String, String)>> = BTreeMap::new();
        for key in &kept {
            let renames = self.find_field_renames(key)?;
            if !renames.is_empty() {
                field_renames.insert(key.clone(), renames);
            }
        }
        for key in &kept {
            self.remove_indexes(key, field_renames.get(key))?;
        }
        for key in &kept {
            self.remove_fields(key, field_renames.get(key))?;
        }
        for (key, renames) in &field_renames {
            for (old, new) in renames {
                self.emit(&key.app, RenameField::new(&key.name, old, new).into())?;
            }
        }

        // Deleted models whose table another model of the same app takes (a new model, or a
        // kept one whose table changes) go before the tables change, with the deleted models
        // that point at them.
        let taken_tables: BTreeSet<(&str, &str)> = self
            .to
            .models
            .iter()
            .filter(|(k, m)| {
                self.work
                    .models
                    .get(*k)
                    .is_none_or(|old| old.table != m.table)
            })
            .map(|(k, m)| (k.app.as_str(), m.table.as_str()))
            .collect();
        let mut early: BTreeSet<ModelKey> = deleted
            .iter()
            .filter(|k| {
                taken_tables.contains(&(k.app.as_str(), self.work.models[*k].table.as_str()))
            })
            .cloned()
            .collect();
        loop {
            let more: Vec<ModelKey> = deleted
                .iter()
                .filter(|k| !early.contains(*k))
                .filter(|k| {
                    self.work.models[*k].fields.iter().any(|f| {
                        f.foreign_key
                            .as_ref()
                            .is_some_and(|fk| early.contains(&fk.target()))
                    })
                })
                .cloned()
                .collect();
            if more.is_empty() {
                break;
            }
            early.extend(more);
        }
        let late: BTreeSet<ModelKey> = deleted
            .iter()
            .filter(|k| !early.contains(*k))
            .cloned()
            .collect();
        self.delete_models(&early, &referrers)?;
        for key in &kept {
            self.alter_model_options(key)?;
        }
        self.create_models(&created)?;
        for key in &kept {
            self.add_fields(key)?;
        }
        for d in std::mem::take(&mut self.deferred) {
            for f in &d.fields {
                self.emit(&d.key.app, AddField::new(&d.key.name, f.clone()).into())?;
            }
            self.deferred.push(d);
        }
        for key in &kept {
            self.alter_fields(key)?;
        }
        self.delete_models(&late, &referrers)?;
        for key in &kept {
            self.add_indexes(key)?;
        }
        for d in std::mem::take(&mut self.deferred) {
            for i in d.indexes {
                self.emit(&d.key.app, AddIndex::new(&d.key.name, i).into())?;
            }
            for c in d.constraints {
                self.emit(&d.key.app, AddConstraint::new(&d.key.name, c).into())?;
            }
        }
        Ok(())
    }

    /// Renames by `renamed_from` hints, then by asking about removed/added pairs with the same
    /// fields in the same app.
    fn rename_models(&mut self) -> Result<(), DetectError> {
        let added: Vec<ModelKey> = self
            .to
            .models
            .keys()
            .filter(|k| !self.work.models.contains_key(*k))
            .cloned()
            .collect();
        let mut removed: BTreeSet<ModelKey> = self
            .work
            .models
            .keys()
            .filter(|k| !self.to.models.contains_key(*k))
            .cloned()
            .collect();
        if added.is_empty() || removed.is_empty() {
            return Ok(());
        }
        // Renames are applied as they are found, so the foreign keys of models compared later
        // already name the new models.
        let mut unmatched = Vec::new();
        for key in added {
            let hinted = self
                .hints
                .get(&key)
                .and_then(|h| h.renamed_from.as_ref())
                .map(|old| ModelKey::new(key.app.clone(), old.clone()))
                .filter(|old| removed.contains(old));
            match hinted {
                Some(old) => {
                    removed.remove(&old);
                    self.emit_rename_model(old, key)?;
                }
                None => unmatched.push(key),
            }
        }
        for key in unmatched {
            let new = &self.to.models[&key];
            let candidates: Vec<ModelKey> = removed
                .range(ModelKey::new(key.app.clone(), String::new())..)
                .take_while(|k| k.app == key.app)
                .cloned()
                .collect();
            for old_key in candidates {
                let old = &self.work.models[&old_key];
                if rename_candidates(old, new) && self.q.ask_rename_model(old, new) {
                    removed.remove(&old_key);
                    self.emit_rename_model(old_key, key)?;
                    break;
                }
            }
        }
        Ok(())
    }

    fn emit_rename_model(&mut self, old: ModelKey, new: ModelKey) -> Result<(), DetectError> {
        self.emit(
            &new.app,
            RenameModel {
                old_name: old.name,
                new_name: new.name,
            }
            .into(),
        )
    }

    /// Field renames of a kept model: `renamed_from` hints first, then questions about removed
    /// and added fields with the same definition.
    fn find_field_renames(&mut self, key: &ModelKey) -> Result<Vec<(String, String)>, DetectError> {
        let old = &self.work.models[key];
        let new = &self.to.models[key];
        let old_names: BTreeSet<&str> = old.fields.iter().map(|f| f.name.as_str()).collect();
        let new_names: BTreeSet<&str> = new.fields.iter().map(|f| f.name.as_str()).collect();
        let mut removed: Vec<&FieldState> = old
            .fields
            .iter()
            .filter(|f| !new_names.contains(f.name.as_str()))
            .collect();
        let added: Vec<&FieldState> = new
            .fields
            .iter()
            .filter(|f| !old_names.contains(f.name.as_str()))
            .collect();
        let mut renames = Vec::new();
        if removed.is_empty() || added.is_empty() {
            return Ok(renames);
        }
        let mut unmatched = Vec::new();
        let hints = self.hints.get(key);
        for f in added {
            let hinted = hints
                .and_then(|h| h.field_renames.get(&f.name))
                .and_then(|old_name| removed.iter().position(|r| &r.name == old_name));
            match hinted {
                Some(pos) => {
                    let r = removed.remove(pos);
                    renames.push((r.name.clone(), f.name.clone()));
                }
                None => unmatched.push(f),
            }
        }
        for f in unmatched {
            let mut chosen = None;
            for (pos, r) in removed.iter().enumerate() {
                if same_definition(r, f) && self.q.ask_rename_field(new, r, f) {
                    chosen = Some(pos);
                    break;
                }
            }
            if let Some(pos) = chosen {
                let r = removed.remove(pos);
                renames.push((r.name.clone(), f.name.clone()));
            }
        }
        Ok(renames)
    }

    /// RemoveIndex / RemoveConstraint for indexes and constraints that disappear or change.
    fn remove_indexes(
        &mut self,
        key: &ModelKey,
        renames: Option<&Vec<(String, String)>>,
    ) -> Result<(), DetectError> {
        let map: BTreeMap<&str, &str> = renames
            .into_iter()
            .flatten()
            .map(|(o, n)| (o.as_str(), n.as_str()))
            .collect();
        let old = &self.work.models[key];
        let new = &self.to.models[key];
        let mut ops: Vec<Operation> = Vec::new();
        for idx in &old.indexes {
            let mapped = IndexState {
                fields: rename_in(&idx.fields, &map),
                ..idx.clone()
            };
            if !new.indexes.contains(&mapped) {
                ops.push(RemoveIndex::new(&key.name, &idx.name).into());
            }
        }
        // Columns that change name (a renamed field whose column follows, or a new column
        // name): the field operations rewrite them in the state's check constraints, so a
        // check naming one is dropped first and added back as the code declares it.
        let moved_columns: Vec<(&str, &str)> = old
            .fields
            .iter()
            .filter_map(|f| {
                let name = map.get(f.name.as_str()).copied().unwrap_or(&f.name);
                new.field(name)
                    .filter(|n| n.column != f.column)
                    .map(|n| (f.column.as_str(), n.column.as_str()))
            })
            .collect();
        for c in &old.constraints {
            let mapped = match &c.kind {
                ConstraintKind::Unique(f) => ConstraintState {
                    name: c.name.clone(),
                    kind: ConstraintKind::Unique(rename_in(f, &map)),
                },
                ConstraintKind::Check(_) => c.clone(),
            };
            let names_moved_column = match &c.kind {
                ConstraintKind::Check(sql) => moved_columns
                    .iter()
                    .any(|(o, n)| crate::operations::rename_column_in_sql(sql, o, n) != *sql),
                ConstraintKind::Unique(_) => false,
            };
            if names_moved_column || !new.constraints.contains(&mapped) {
                ops.push(RemoveConstraint::new(&key.name, &c.name).into());
            }
        }
        for op in ops {
            self.emit(&key.app, op)?;
        }
        Ok(())
    }

    /// RemoveField for fields that are gone (and not renamed).
    fn remove_fields(
        &mut self,
        key: &ModelKey,
        renames: Option<&Vec<(String, String)>>,
    ) -> Result<(), DetectError> {
        let renamed: BTreeSet<&str> = renames
            .into_iter()
            .flatten()
            .map(|(o, _)| o.as_str())
            .collect();
        let new = &self.to.models[key];
        let new_names: BTreeSet<&str> = new.fields.iter().map(|f| f.name.as_str()).collect();
        let gone: Vec<String> = self.work.models[key]
            .fields
            .iter()
            .filter(|f| !new_names.contains(f.name.as_str()) && !renamed.contains(f.name.as_str()))
            .map(|f| f.name.clone())
            .collect();
        for name in gone {
            self.emit(&key.app, RemoveField::new(&key.name, name).into())?;
        }
        Ok(())
    }

    /// AlterModelTable / AlterModelComment.
    fn alter_model_options(&mut self, key: &ModelKey) -> Result<(), DetectError> {
        let old = &self.work.models[key];
        let new = &self.to.models[key];
        let mut ops: Vec<Operation> = Vec::new();
        if old.table != new.table {
            ops.push(
                AlterModelTable {
                    name: key.name.clone(),
                    table: new.table.clone(),
                }
                .into(),
            );
        }
        if old.comment != new.comment {
            ops.push(
                AlterModelComment {
                    name: key.name.clone(),
                    comment: new.comment.clone(),
                }
                .into(),
            );
        }
        for op in ops {
            self.emit(&key.app, op)?;
        }
        Ok(())
    }

    /// CreateModel for every new model, per app in foreign-key order (targets first, names
    /// breaking ties). In a cycle, the smallest remaining model is created without its foreign
    /// keys to models not created yet; they are added afterwards (Django's way).
    fn create_models(&mut self, created: &[ModelKey]) -> Result<(), DetectError> {
        let mut by_app: BTreeMap<&str, Vec<&ModelKey>> = BTreeMap::new();
        for k in created {
            by_app.entry(k.app.as_str()).or_default().push(k);
        }
        for (app, keys) in by_app {
            let names: BTreeSet<&str> = keys.iter().map(|k| k.name.as_str()).collect();
            // deps[x] = same-app new models x points at; dependents[y] = models pointing at y.
            let mut deps: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            let mut dependents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for k in &keys {
                let m = &self.to.models[*k];
                let mut d = BTreeSet::new();
                for f in &m.fields {
                    if let Some(fk) = &f.foreign_key {
                        if fk.app == app && fk.model != m.name && names.contains(fk.model.as_str())
                        {
                            d.insert(fk.model.as_str());
                        }
                    }
                }
                for t in &d {
                    dependents.entry(*t).or_default().push(k.name.as_str());
                }
                deps.insert(k.name.as_str(), d);
            }
            let mut missing: BTreeMap<&str, usize> =
                deps.iter().map(|(n, d)| (*n, d.len())).collect();
            let mut ready: BTreeSet<&str> = missing
                .iter()
                .filter(|(_, c)| **c == 0)
                .map(|(n, _)| *n)
                .collect();
            let mut remaining: BTreeSet<&str> = names.clone();
            while let Some(&first) = remaining.iter().next() {
                let (name, cyclic) = match ready.iter().next() {
                    Some(&n) => (n, false),
                    None => (first, true),
                };
                ready.remove(name);
                remaining.remove(name);
                let model = &self.to.models[&ModelKey::new(app, name)];
                let mut op = CreateModel::from_state(model);
                if cyclic {
                    let (now, later): (Vec<FieldState>, Vec<FieldState>) =
                        op.fields.into_iter().partition(|f| {
                            !f.foreign_key.as_ref().is_some_and(|fk| {
                                fk.app == app
                                    && fk.model != name
                                    && remaining.contains(fk.model.as_str())
                            })
                        });
                    op.fields = now;
                    let later_names: BTreeSet<&str> =
                        later.iter().map(|f| f.name.as_str()).collect();
                    let (idx_now, idx_later): (Vec<IndexState>, Vec<IndexState>) = op
                        .indexes
                        .into_iter()
                        .partition(|i| !i.fields.iter().any(|f| later_names.contains(f.as_str())));
                    let (c_now, c_later): (Vec<ConstraintState>, Vec<ConstraintState>) =
                        op.constraints.into_iter().partition(|c| {
                            !constraint_fields(c)
                                .iter()
                                .any(|f| later_names.contains(f.as_str()))
                        });
                    op.indexes = idx_now;
                    op.constraints = c_now;
                    self.deferred.push(Deferred {
                        key: ModelKey::new(app, name),
                        fields: later,
                        indexes: idx_later,
                        constraints: c_later,
                    });
                }
                self.emit(app, op.into())?;
                for dep in dependents.get(name).into_iter().flatten() {
                    if let Some(c) = missing.get_mut(dep) {
                        *c = c.saturating_sub(1);
                        if *c == 0 && remaining.contains(dep) {
                            ready.insert(dep);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// AddField for new fields of a kept model, asking for a one-off default when existing rows
    /// need one.
    fn add_fields(&mut self, key: &ModelKey) -> Result<(), DetectError> {
        let new = &self.to.models[key];
        let old = &self.work.models[key];
        let old_names: BTreeSet<&str> = old.fields.iter().map(|f| f.name.as_str()).collect();
        let added: Vec<&FieldState> = new
            .fields
            .iter()
            .filter(|f| !old_names.contains(f.name.as_str()))
            .collect();
        let mut ops = Vec::new();
        for f in added {
            let mut op = AddField::new(&key.name, f.clone());
            if !fills_itself(f) {
                let d = self.q.ask_not_null_addition(new, f)?;
                op.field.default = Some(d);
                op.preserve_default = false;
            }
            ops.push(op);
        }
        for op in ops {
            self.emit(&key.app, op.into())?;
        }
        Ok(())
    }

    /// AlterField for fields whose definition changed, asking for a one-off default when a
    /// nullable field becomes NOT NULL without one.
    fn alter_fields(&mut self, key: &ModelKey) -> Result<(), DetectError> {
        let new = &self.to.models[key];
        let old = &self.work.models[key];
        let old_by_name: BTreeMap<&str, &FieldState> =
            old.fields.iter().map(|f| (f.name.as_str(), f)).collect();
        let mut ops = Vec::new();
        for f in &new.fields {
            let Some(o) = old_by_name.get(f.name.as_str()) else {
                continue;
            };
            if *o == f {
                continue;
            }
            let mut op = AlterField::new(&key.name, f.clone());
            if o.nullable && !fills_itself(f) {
                if let Some(d) = self.q.ask_not_null_alteration(new, f)? {
                    op.field.default = Some(d);
                    op.preserve_default = false;
                }
            }
            ops.push(op);
        }
        for op in ops {
            self.emit(&key.app, op.into())?;
        }
        Ok(())
    }

    /// AddIndex / AddConstraint for indexes and constraints that are new or changed.
    fn add_indexes(&mut self, key: &ModelKey) -> Result<(), DetectError> {
        let new = &self.to.models[key];
        let old = &self.work.models[key];
        let mut ops: Vec<Operation> = Vec::new();
        for i in &new.indexes {
            if !old.indexes.contains(i) {
                ops.push(AddIndex::new(&key.name, i.clone()).into());
            }
        }
        for c in &new.constraints {
            if !old.constraints.contains(c) {
                ops.push(AddConstraint::new(&key.name, c.clone()).into());
            }
        }
        for op in ops {
            self.emit(&key.app, op)?;
        }
        Ok(())
    }

    /// DeleteModel for `keys`, per app, referencing models before the models they reference;
    /// in a cycle the smallest remaining model first loses its foreign keys to the others.
    fn delete_models(
        &mut self,
        keys: &BTreeSet<ModelKey>,
        referrers: &BTreeMap<ModelKey, BTreeSet<String>>,
    ) -> Result<(), DetectError> {
        let mut remaining: BTreeSet<ModelKey> = keys.clone();
        // refs[y] = how many other remaining models point at y.
        let mut refs: BTreeMap<ModelKey, usize> = keys.iter().map(|k| (k.clone(), 0)).collect();
        let mut points_at: BTreeMap<ModelKey, BTreeSet<ModelKey>> = BTreeMap::new();
        for k in keys {
            let targets: BTreeSet<ModelKey> = self.work.models[k]
                .fields
                .iter()
                .filter_map(|f| f.foreign_key.as_ref().map(|fk| fk.target()))
                .filter(|t| t != k && keys.contains(t) && t.app == k.app)
                .collect();
            for t in &targets {
                *refs.get_mut(t).expect("target is a key") += 1;
            }
            points_at.insert(k.clone(), targets);
        }
        let mut ready: BTreeSet<ModelKey> = refs
            .iter()
            .filter(|(_, c)| **c == 0)
            .map(|(k, _)| k.clone())
            .collect();
        while let Some(first) = remaining.iter().next().cloned() {
            let key = match ready.iter().next().cloned() {
                Some(k) => k,
                None => {
                    // A cycle: drop `first`'s foreign keys to other remaining models.
                    let model = &self.work.models[&first];
                    let fk_fields: BTreeSet<String> = model
                        .fields
                        .iter()
                        .filter(|f| {
                            f.foreign_key.as_ref().is_some_and(|fk| {
                                let t = fk.target();
                                t != first && remaining.contains(&t)
                            })
                        })
                        .map(|f| f.name.clone())
                        .collect();
                    let mut ops: Vec<Operation> = Vec::new();
                    for i in &model.indexes {
                        if i.fields.iter().any(|f| fk_fields.contains(f)) {
                            ops.push(RemoveIndex::new(&first.name, &i.name).into());
                        }
                    }
                    for c in &model.constraints {
                        if constraint_fields(c).iter().any(|f| fk_fields.contains(f)) {
                            ops.push(RemoveConstraint::new(&first.name, &c.name).into());
                        }
                    }
                    for f in &fk_fields {
                        ops.push(RemoveField::new(&first.name, f).into());
                    }
                    for op in ops {
                        self.emit(&first.app, op)?;
                    }
                    for t in points_at.remove(&first).unwrap_or_default() {
                        if let Some(c) = refs.get_mut(&t) {
                            *c = c.saturating_sub(1);
                            if *c == 0 && remaining.contains(&t) {
                                ready.insert(t);
                            }
                        }
                    }
                    continue;
                }
            };
            ready.remove(&key);
            remaining.remove(&key);
            self.emit(
                &key.app,
                DeleteModel {
                    name: key.name.clone(),
                }
                .into(),
            )?;
            if let Some(apps) = referrers.get(&key) {
                self.soft
                    .entry(key.app.clone())
                    .or_default()
                    .extend(apps.iter().cloned());
                // Whatever the soft order gives, never before those apps' existing migrations.
                self.needs_existing
                    .entry(key.app.clone())
                    .or_default()
                    .extend(apps.iter().cloned());
            }
            for t in points_at.remove(&key).unwrap_or_default() {
                if let Some(c) = refs.get_mut(&t) {
                    *c = c.saturating_sub(1);
                    if *c == 0 && remaining.contains(&t) {
                        ready.insert(t);
                    }
                }
            }
        }
        Ok(())
    }

    /// The working state must now equal the current models (field order aside).
    fn check_result(&self) -> Result<(), DetectError> {
        if self.work.models.len() != self.to.models.len() {
            let extra: Vec<String> = self
                .work
                .models
                .keys()
                .filter(|k| !self.to.models.contains_key(*k))
                .map(ToString::to_string)
                .collect();
            let missing: Vec<String> = self
                .to
                .models
                .keys()
                .filter(|k| !self.work.models.contains_key(*k))
                .map(ToString::to_string)
                .collect();
            return Err(DetectError::Internal(format!(
                "after the generated operations the models differ: left over {extra:?}, missing {missing:?}"
            )));
        }
        for (k, m) in &self.to.models {
            match self.work.models.get(k) {
                Some(w) if same_model(w, m) => {}
                Some(w) => {
                    return Err(DetectError::Internal(format!(
                    "after the generated operations model `{k}` is\n{}but the code declares\n{}",
                    w.canonical_text(),
                    m.canonical_text()
                )))
                }
                None => {
                    return Err(DetectError::Internal(format!(
                        "after the generated operations model `{k}` is missing"
                    )))
                }
            }
        }
        Ok(())
    }
}
