//! The detector's working state and its spine: [`Detector::run`] calls the phases in order
//! (model renames; per kept model field renames, index/constraint and field removals; early
//! deletes; table and comment changes; creates; added and altered fields; late deletes; added
//! indexes and constraints), [`Detector::emit`] applies every operation to the working copy
//! and records the cross-app dependencies it implies, and [`Detector::check_result`] makes
//! sure the working copy ends equal to the current models.
//!
//! The phases themselves live by family in `models.rs`, `fields.rs` and `indexes.rs`; turning
//! the recorded app dependencies into `depends_on_*` is `dependencies.rs`'s job.

use std::collections::{BTreeMap, BTreeSet};

use crate::many_to_many::Relations;
use crate::operations::{AddConstraint, AddField, AddIndex, AlterField, Operation, RenameField};
use crate::questioner::Questioner;
use crate::registry::{CurrentModels, ModelHints};
use crate::state::{
    ConstraintState, FieldState, ForeignKey, IndexState, ModelKey, ModelState, ProjectState,
};

use super::dependencies::AppGraph;
use super::result::DetectError;

/// What a created model could not get at creation (foreign keys in a cycle), added afterwards.
pub(super) struct Deferred {
    pub(super) key: ModelKey,
    pub(super) fields: Vec<FieldState>,
    pub(super) indexes: Vec<IndexState>,
    pub(super) constraints: Vec<ConstraintState>,
}

/// One detection run: the states compared, the questioner, and what has been emitted so far.
pub(super) struct Detector<'a> {
    /// The state the migrations build, untouched.
    pub(super) original: &'a ProjectState,
    pub(super) to: &'a ProjectState,
    /// The code's rename hints, plus those a confirmed rename implies (the join models of
    /// an owner renamed by an answered question: `many_to_many.rs`).
    pub(super) hints: BTreeMap<ModelKey, ModelHints>,
    /// The current code's many-to-many relations, by owner.
    pub(super) relations: &'a Relations,
    pub(super) q: &'a mut dyn Questioner,
    /// The old state with every emitted operation applied.
    pub(super) work: ProjectState,
    pub(super) changes: BTreeMap<String, Vec<Operation>>,
    pub(super) deferred: Vec<Deferred>,
    /// app → apps whose new migration it needs (foreign keys to models created or renamed).
    pub(super) needs_new: AppGraph,
    /// app → apps whose existing migrations it needs: foreign keys to models that exist, and
    /// the apps whose foreign keys point at a model this app renames, deletes, moves to another
    /// table or whose primary key it changes (see [`Detector::moves_model`]).
    pub(super) needs_existing: AppGraph,
    /// app → apps that should go first when possible (they drop references to a model this app
    /// deletes).
    pub(super) soft: AppGraph,
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

impl<'a> Detector<'a> {
    /// A run that turns `from` into `to`, asking `q`.
    pub(super) fn new(
        from: &'a ProjectState,
        to: &'a CurrentModels,
        q: &'a mut dyn Questioner,
    ) -> Self {
        Self {
            original: from,
            to: &to.state,
            hints: to.hints.clone(),
            relations: &to.many_to_many,
            q,
            work: from.clone(),
            changes: BTreeMap::new(),
            deferred: Vec::new(),
            needs_new: BTreeMap::new(),
            needs_existing: BTreeMap::new(),
            soft: BTreeMap::new(),
        }
    }
}

impl Detector<'_> {
    /// Applies `op` to the working state and appends it to `app`'s list, recording cross-app
    /// foreign-key dependencies.
    pub(super) fn emit(&mut self, app: &str, op: Operation) -> Result<(), DetectError> {
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
                .chain(c.constraints.iter().filter_map(|c| c.kind.foreign_key()))
                .map(ForeignKey::target)
                .collect(),
            Operation::AddConstraint(a) => a
                .constraint
                .kind
                .foreign_key()
                .map(ForeignKey::target)
                .into_iter()
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
            .filter(|m| m.references(target))
            .map(|m| m.app.clone())
            .collect()
    }

    /// Every phase, in the order the module doc gives.
    pub(super) fn run(&mut self) -> Result<(), DetectError> {
        self.rename_models()?;
        self.check_many_to_many()?;
        let kept: Vec<ModelKey> = self
            .to
            .models
            .keys()
            .filter(|k| self.work.models.contains_key(*k))
            .filter(|k| {
                !same_model(&self.work.models[*k], &self.to.models[*k])
                    || self.work.models[*k]
                        .constraints
                        .iter()
                        .any(|c| self.key_moves_under(c))
            })
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
            for fk in m.foreign_key_targets() {
                let t = fk.target();
                if deleted_set.contains(&t) && t.app != m.app {
                    referrers.entry(t).or_default().insert(m.app.clone());
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
                let mut op = RenameField::new(&key.name, old, new);
                // The column followed the old name but the new field pins it: it stays, and
                // no AlterField renames it back.
                let column = |s: &ProjectState, name: &str| {
                    s.models
                        .get(key)
                        .and_then(|m| m.field(name))
                        .map(|f| f.column.clone())
                };
                let old_column = column(&self.work, old);
                op.keep_column = old_column.as_deref() == Some(old.as_str())
                    && column(self.to, new) == old_column;
                self.emit(&key.app, op.into())?;
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
                    self.work.models[*k]
                        .foreign_key_targets()
                        .any(|fk| early.contains(&fk.target()))
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
        self.release_deleted_targets(&early, &kept)?;
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

    /// The working state must now equal the current models (field order aside).
    pub(super) fn check_result(&self) -> Result<(), DetectError> {
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
