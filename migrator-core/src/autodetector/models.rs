//! Model-level phases: renames (by `renamed_from` hint, then by asking about removed/added
//! pairs with the same fields — a confirmed owner taking its join models along), table and comment changes, creates in foreign-key order
//! (cycles broken by adding keys afterwards), and deletes with referencing models first
//! (cycles broken by removing keys first).

use std::collections::{BTreeMap, BTreeSet};

use crate::operations::{
    AlterField, AlterModelComment, AlterModelTable, CreateModel, DeleteModel, Operation,
    RemoveConstraint, RemoveField, RemoveIndex, RenameModel,
};
use crate::state::{ConstraintState, FieldState, IndexState, ModelKey, ModelState};

use super::detector::{Deferred, Detector};
use super::result::DetectError;

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

/// The field names a unique constraint or a multi-column foreign key mentions.
fn constraint_fields(c: &ConstraintState) -> &[String] {
    c.kind.fields()
}

/// The model a multi-column foreign key points at, when it is in `app` and one of `among`.
fn constraint_target<'a>(
    c: &'a ConstraintState,
    app: &str,
    among: impl Fn(&str) -> bool,
) -> Option<&'a str> {
    c.kind
        .foreign_key()
        .filter(|fk| fk.app == app && among(&fk.model))
        .map(|fk| fk.model.as_str())
}

impl Detector<'_> {
    /// Renames by `renamed_from` hints, then by asking about removed/added pairs with the same
    /// fields in the same app.
    pub(super) fn rename_models(&mut self) -> Result<(), DetectError> {
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
            if self.work.models.contains_key(&key) {
                continue; // a join model renamed with its owner, below
            }
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
                    self.emit_rename_model(old_key.clone(), key.clone())?;
                    // What a `renamed_from` hint would have told the registry: the owner's
                    // join models follow it (a join model sorts after its owner).
                    self.rename_join_models(&old_key, &key, &mut removed)?;
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

    /// AlterModelTable / AlterModelComment.
    pub(super) fn alter_model_options(&mut self, key: &ModelKey) -> Result<(), DetectError> {
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
    pub(super) fn create_models(&mut self, created: &[ModelKey]) -> Result<(), DetectError> {
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
                for fk in m.foreign_key_targets() {
                    if fk.app == app && fk.model != m.name && names.contains(fk.model.as_str()) {
                        d.insert(fk.model.as_str());
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
                                && constraint_target(c, app, |t| t != name && remaining.contains(t))
                                    .is_none()
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

    /// Before `deleted` go (early, for a table another model takes), the foreign keys of the
    /// `kept` models that point at them let go: a field's becomes a plain column (its values
    /// kept; `alter_fields` points it at its new target once that exists), a constraint's is
    /// removed (added back with the other constraints). Deleting a model a foreign key still
    /// points at is a state error.
    pub(super) fn release_deleted_targets(
        &mut self,
        deleted: &BTreeSet<ModelKey>,
        kept: &[ModelKey],
    ) -> Result<(), DetectError> {
        for key in kept {
            let model = &self.work.models[key];
            let points = |fk: &crate::state::ForeignKey| deleted.contains(&fk.target());
            let mut ops: Vec<Operation> = Vec::new();
            for c in &model.constraints {
                if c.kind.foreign_key().is_some_and(points) {
                    ops.push(RemoveConstraint::new(&key.name, &c.name).into());
                }
            }
            for f in &model.fields {
                if f.foreign_key.as_ref().is_some_and(points) {
                    let mut plain = f.clone();
                    plain.foreign_key = None;
                    ops.push(AlterField::new(&key.name, plain).into());
                }
            }
            for op in ops {
                self.emit(&key.app, op)?;
            }
        }
        Ok(())
    }

    /// DeleteModel for `keys`, referencing models before the models they reference — also
    /// across apps, since the working state (like every replay) refuses to delete a model a
    /// foreign key still points at; in a cycle the smallest remaining model first loses its
    /// foreign keys to the others.
    pub(super) fn delete_models(
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
                .foreign_key_targets()
                .map(|fk| fk.target())
                .filter(|t| t != k && keys.contains(t))
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
                        let to_remaining = c.kind.foreign_key().is_some_and(|fk| {
                            let t = fk.target();
                            t != first && remaining.contains(&t)
                        });
                        if to_remaining
                            || constraint_fields(c).iter().any(|f| fk_fields.contains(f))
                        {
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
}
