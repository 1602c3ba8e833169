//! Field-level phases of a kept model: renames (by `renamed_from` hint, then by asking about
//! removed/added fields with the same definition), removals, additions (asking for a one-off
//! default when existing rows need one) and alterations (likewise for NULL → NOT NULL).

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

    /// RemoveField for fields that are gone (and not renamed).
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

    /// AddField for new fields of a kept model, asking for a one-off default when existing rows
    /// need one.
    pub(super) fn add_fields(&mut self, key: &ModelKey) -> Result<(), DetectError> {
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
    pub(super) fn alter_fields(&mut self, key: &ModelKey) -> Result<(), DetectError> {
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
}
