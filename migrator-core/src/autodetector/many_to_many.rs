//! The many-to-many changes `makemigrations` refuses (issue 17.1), checked after the model
//! renames and before any other phase, so nothing is emitted for a refused run.
//!
//! A join model is an ordinary model once it exists (`many_to_many.rs`): adding a relation
//! creates it, removing one deletes it, and a renamed relation, owner or target renames it
//! through the hints the registry gave it — or, for an owner renamed by an answered question
//! (no hint), through the renames [`Detector::rename_join_models`] derives the same way. What would silently lose or corrupt its rows is
//! refused, each with the manual path: a relation that now points at another model (the old
//! links would name rows of the wrong table), and a switch between an auto-created join model
//! and a `through` model of the user's in either direction (one table dropped, an empty one
//! created).

use std::collections::BTreeSet;

use crate::many_to_many::{join_model_name, ManyToMany};
use crate::operations::RenameModel;
use crate::state::{ModelKey, ModelState};

use super::detector::Detector;
use super::result::DetectError;

/// The targets of a model's foreign keys, sorted (a multiset).
fn targets(model: &ModelState) -> Vec<ModelKey> {
    let mut out: Vec<ModelKey> = model
        .fields
        .iter()
        .filter_map(|f| f.foreign_key.as_ref().map(|fk| fk.target()))
        .collect();
    out.sort();
    out
}

impl Detector<'_> {
    /// After `old` was renamed to `new` by an answered question (no `renamed_from`, so the
    /// registry gave the join models no hints): what the hints of a `renamed_from` model
    /// would have said (`registry::join_hints`), so the links are kept instead of a drop and
    /// an empty create. Each join model of `new`'s relations without `through` is renamed
    /// from the old owner's name (`removed` loses it), and the key columns of every join
    /// model whose owner or target `new` is get their renames as hints (`product_id` →
    /// `item_id`), so no second question is asked about them.
    pub(super) fn rename_join_models(
        &mut self,
        old: &ModelKey,
        new: &ModelKey,
        removed: &mut BTreeSet<ModelKey>,
    ) -> Result<(), DetectError> {
        let affected: Vec<(ModelKey, ManyToMany)> = self
            .relations
            .iter()
            .flat_map(|(owner, rels)| {
                rels.iter()
                    .filter(move |r| r.through.is_none() && (owner == new || r.to == *new))
                    .map(move |r| (owner.clone(), r.clone()))
            })
            .collect();
        for (owner, rel) in affected {
            let new_join =
                ModelKey::new(owner.app.clone(), join_model_name(&owner.name, &rel.name));
            if owner == *new {
                let old_relation = rel.renamed_from.as_deref().unwrap_or(&rel.name);
                let old_join =
                    ModelKey::new(old.app.clone(), join_model_name(&old.name, old_relation));
                if old_join != new_join
                    && removed.contains(&old_join)
                    && self.to.models.contains_key(&new_join)
                    && !self.work.models.contains_key(&new_join)
                {
                    removed.remove(&old_join);
                    self.emit(
                        &new.app,
                        RenameModel {
                            old_name: old_join.name.clone(),
                            new_name: new_join.name.clone(),
                        }
                        .into(),
                    )?;
                }
            }
            self.hint_join_columns(&new_join);
        }
        Ok(())
    }

    /// Hints the renames of join model `join`'s key columns: its foreign-key fields by
    /// position (the owner's, then the target's) in the working state and in the code, each
    /// pair whose names differ. Nothing while the join model is not in both (its owner's
    /// rename, later, hints it then).
    fn hint_join_columns(&mut self, join: &ModelKey) {
        let keys = |m: &ModelState| -> Vec<String> {
            m.fields
                .iter()
                .filter(|f| f.foreign_key.is_some())
                .map(|f| f.name.clone())
                .collect()
        };
        let (Some(before), Some(after)) = (self.work.models.get(join), self.to.models.get(join))
        else {
            return;
        };
        let (before, after) = (keys(before), keys(after));
        if before.len() != after.len() {
            return;
        }
        let hints = self.hints.entry(join.clone()).or_default();
        for (was, is) in before.into_iter().zip(after) {
            if was != is {
                hints.field_renames.entry(is).or_insert(was);
            }
        }
    }

    /// Refuses a relation whose target changed and a switch between a join model and a
    /// `through` model (see the module doc).
    pub(super) fn check_many_to_many(&self) -> Result<(), DetectError> {
        for (owner, relations) in self.relations {
            for rel in relations {
                let join =
                    ModelKey::new(owner.app.clone(), join_model_name(&owner.name, &rel.name));
                let old = self.work.models.get(&join);
                match (&rel.through, old, self.to.models.get(&join)) {
                    (None, Some(old), Some(new)) if targets(old) != targets(new) => {
                        return Err(self.target_changed(owner, rel, old));
                    }
                    (Some(through), Some(old), None) => {
                        return Err(DetectError::ManyToMany(format!(
                            "many-to-many `{owner}.{}` now goes through `{through}`, so its \
                             join model `{}` (table `{}`) would be dropped with every link \
                             it holds. To keep the links, make `{through}` take the join \
                             table over: give it `#[model(renamed_from = \"{}\", table = \
                             \"{}\")]` and the join table's fields (`{}`), run \
                             makemigrations, then change it as you need in a later run. Or \
                             make the switch by hand: add `{through}` beside the relation \
                             under another name, copy the links in a data migration \
                             (`makemigrations --empty`), then remove the old relation",
                            rel.name,
                            old.name,
                            old.table,
                            old.name,
                            old.table,
                            old.fields
                                .iter()
                                .map(|f| f.name.as_str())
                                .collect::<Vec<_>>()
                                .join("`, `"),
                        )));
                    }
                    (None, None, Some(new)) => {
                        if let Some(former) = self.former_through(&join, new) {
                            return Err(DetectError::ManyToMany(format!(
                                "many-to-many `{owner}.{}` no longer goes through `{former}`, \
                                 which is removed: its rows would be dropped and an empty \
                                 join table `{}` created. Make the switch by hand: add the \
                                 relation without `through` under another name, copy the \
                                 links in a data migration (`makemigrations --empty`), then \
                                 remove `{former}` and rename the relation back (its \
                                 `renamed_from` keeps the links); or keep `{former}` as the \
                                 `through` model",
                                rel.name, new.table,
                            )));
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The refusal of a relation whose join model `old` links other models than the
    /// relation now does.
    fn target_changed(&self, owner: &ModelKey, rel: &ManyToMany, old: &ModelState) -> DetectError {
        let before: Vec<String> = targets(old)
            .into_iter()
            .filter(|t| t != owner)
            .map(|t| format!("`{t}`"))
            .collect();
        DetectError::ManyToMany(format!(
            "many-to-many `{owner}.{}` now points at `{}`, but its join table `{}` links \
             `{owner}` to {}: migrator does not change a relation's target, because the \
             links it holds name rows of the old target. Make the change by hand: add a new \
             relation to `{}` under another name and run makemigrations, copy or rebuild the \
             links in a data migration (`makemigrations --empty`), then remove the old \
             relation and run makemigrations again (give the new one `renamed_from` in a \
             later run to take the old name back)",
            rel.name,
            rel.to,
            old.table,
            if before.is_empty() {
                "itself".to_owned()
            } else {
                before.join(" and ")
            },
            rel.to,
        ))
    }

    /// A model of the migrations that the current code no longer has and that links the same
    /// two models as the new join model `new` (one foreign key to each): the `through` model
    /// a relation used before it became auto-created.
    fn former_through(&self, join: &ModelKey, new: &ModelState) -> Option<ModelKey> {
        let wanted = targets(new);
        self.work
            .models
            .values()
            .filter(|m| m.key() != *join && !self.to.models.contains_key(&m.key()))
            .find(|m| targets(m) == wanted)
            .map(ModelState::key)
    }
}
