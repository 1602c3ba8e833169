//! Field-level phases of a kept model: renames (by `renamed_from` hint, then by asking about
//! removed/added fields with the same definition), removals, additions (asking for a one-off
//! default when existing rows need one) and alterations (likewise for NULL → NOT NULL).
//!
//! A changed primary key (another field, more or fewer fields: a composite key) keeps the
//! rows: the old key stops auto-incrementing first (in the removal phase), the fields that
//! join the key join it before any field leaves it (a superset of a unique key is unique, so
//! no step can fail on rows the final key accepts), the fields that leave it go next, and
//! removed key fields are removed only then; a new auto-increment key comes last, when it is
//! the only key left. The optimizer keeps that order (`optimizer/reduce.rs`: field changes
//! that touch one model's primary key never trade places).

use std::collections::{BTreeMap, BTreeSet};

use crate::operations::{AddField, AlterField, RemoveField};
use crate::state::{FieldState, ModelKey};

use super::detector::Detector;
use super::result::DetectError;

/// True when a field needs no value for existing rows: nullable, defaulted, auto-increment,
/// or generated (the database computes it).
fn fills_itself(f: &FieldState) -> bool {
    f.nullable
        || f.default.is_some()
        || (f.primary_key && f.auto_increment)
        || f.generated.is_some()
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

impl Detector<'_> {
    /// Field renames of a kept model: `renamed_from` hints first, then questions about removed
    /// and added fields with the same definition.
    pub(super) fn find_field_renames(
        &mut self,
        key: &ModelKey,
    ) -> Result<Vec<(String, String)>, DetectError> {
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

    /// Whether the primary key of kept model `key` changes (its fields, by their names once
    /// `renames` — old name → new name — are applied).
    fn key_changes(&self, key: &ModelKey, renames: Option<&Vec<(String, String)>>) -> bool {
        let renamed = |name: &str| {
            renames
                .into_iter()
                .flatten()
                .find(|(o, _)| o == name)
                .map_or_else(|| name.to_owned(), |(_, n)| n.clone())
        };
        let old: BTreeSet<String> = self.work.models[key]
            .primary_key()
            .map(|f| renamed(&f.name))
            .collect();
        let new: BTreeSet<String> = self.to.models[key]
            .primary_key()
            .map(|f| f.name.clone())
            .collect();
        old != new
    }

    /// RemoveField for fields that are gone (and not renamed). When the primary key changes,
    /// the old key first stops auto-incrementing, and removed key fields wait for
    /// [`Self::alter_fields`] (see the module documentation).
    pub(super) fn remove_fields(
        &mut self,
        key: &ModelKey,
        renames: Option<&Vec<(String, String)>>,
    ) -> Result<(), DetectError> {
        let renamed: BTreeSet<&str> = renames
            .into_iter()
            .flatten()
            .map(|(o, _)| o.as_str())
            .collect();
        let key_changes = self.key_changes(key, renames);
        if key_changes {
            // An auto-increment key that stays one (the table keeps it numbering) is left be.
            let stays_auto = |name: &str| {
                let name = renames
                    .into_iter()
                    .flatten()
                    .find(|(o, _)| o == name)
                    .map_or(name, |(_, n)| n.as_str());
                self.to.models[key]
                    .field(name)
                    .is_some_and(|f| f.primary_key && f.auto_increment)
            };
            let auto: Vec<FieldState> = self.work.models[key]
                .primary_key()
                .filter(|f| f.auto_increment && !stays_auto(&f.name))
                .cloned()
                .collect();
            for mut f in auto {
                f.auto_increment = false;
                self.emit(&key.app, AlterField::new(&key.name, f).into())?;
            }
        }
        let new = &self.to.models[key];
        let new_names: BTreeSet<&str> = new.fields.iter().map(|f| f.name.as_str()).collect();
        let gone: Vec<String> = self.work.models[key]
            .fields
            .iter()
            .filter(|f| !new_names.contains(f.name.as_str()) && !renamed.contains(f.name.as_str()))
            .filter(|f| !(key_changes && f.primary_key))
            .map(|f| f.name.clone())
            .collect();
        for name in gone {
            self.emit(&key.app, RemoveField::new(&key.name, name).into())?;
        }
        Ok(())
    }

    /// AddField for new fields of a kept model, asking for a one-off default when existing rows
    /// need one. A new auto-increment key replacing another key waits for
    /// [`Self::alter_fields`].
    pub(super) fn add_fields(&mut self, key: &ModelKey) -> Result<(), DetectError> {
        let key_changes = self.key_changes(key, None);
        let new = &self.to.models[key];
        let old = &self.work.models[key];
        let old_names: BTreeSet<&str> = old.fields.iter().map(|f| f.name.as_str()).collect();
        let old_key: Vec<String> = old.primary_key().map(|f| f.name.clone()).collect();
        let new_auto_key = new
            .fields
            .iter()
            .find(|f| f.primary_key && f.auto_increment && !old_names.contains(f.name.as_str()));
        if let (true, Some(f)) = (key_changes && old_key.len() > 1, new_auto_key) {
            return Err(DetectError::CompositeKeyToNewAutoKey {
                app: key.app.clone(),
                model: key.name.clone(),
                old: old_key,
                field: f.name.clone(),
            });
        }
        let added: Vec<&FieldState> = new
            .fields
            .iter()
            .filter(|f| !old_names.contains(f.name.as_str()))
            .filter(|f| !(key_changes && f.primary_key && f.auto_increment))
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
    /// nullable field becomes NOT NULL without one. When the primary key changes, the fields
    /// joining it go first, then the rest; then the removed key fields go and a new
    /// auto-increment key comes (see the module documentation).
    pub(super) fn alter_fields(&mut self, key: &ModelKey) -> Result<(), DetectError> {
        let key_changes = self.key_changes(key, None);
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
        if !key_changes {
            for op in ops {
                self.emit(&key.app, op.into())?;
            }
            return Ok(());
        }
        // Joining the key first (without `auto`, which only a lone key can have), then the rest.
        let joins =
            |op: &AlterField| op.field.primary_key && !old_by_name[op.name.as_str()].primary_key;
        let (joining, rest): (Vec<AlterField>, Vec<AlterField>) = ops.into_iter().partition(joins);
        let mut last = Vec::new();
        for mut op in joining {
            if op.field.auto_increment {
                last.push(op.clone());
                op.field.auto_increment = false;
            }
            self.emit(&key.app, op.into())?;
        }
        for op in rest {
            self.emit(&key.app, op.into())?;
        }
        let new_names: BTreeSet<&str> = new.fields.iter().map(|f| f.name.as_str()).collect();
        let gone: Vec<String> = self.work.models[key]
            .fields
            .iter()
            .filter(|f| !new_names.contains(f.name.as_str()))
            .map(|f| f.name.clone())
            .collect();
        for name in gone {
            self.emit(&key.app, RemoveField::new(&key.name, name).into())?;
        }
        let have: BTreeSet<String> = self.work.models[key]
            .fields
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let added: Vec<FieldState> = new
            .fields
            .iter()
            .filter(|f| !have.contains(&f.name))
            .cloned()
            .collect();
        for f in added {
            self.emit(&key.app, AddField::new(&key.name, f).into())?;
        }
        for op in last {
            self.emit(&key.app, op.into())?;
        }
        Ok(())
    }
}
