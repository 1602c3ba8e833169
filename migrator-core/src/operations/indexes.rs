//! Behaviour of the index and constraint operations: `AddIndex`, `RemoveIndex`,
//! `AddConstraint`, `RemoveConstraint`, plus the helpers other operations use to keep index and
//! constraint field lists consistent (rename rewriting, existence checks). SQL lives in the
//! backend schema editors, not here.

use super::{model_mut, quote, AddConstraint, AddIndex, RemoveConstraint, RemoveIndex, StateError};
use crate::state::{ConstraintKind, ConstraintState, IndexState, ModelState, ProjectState};

/// Canonical text of an index: `index name (a, b)` or `unique_index name (a)`.
pub(crate) fn index_text(i: &IndexState) -> String {
    format!(
        "{} {} ({})",
        if i.unique { "unique_index" } else { "index" },
        i.name,
        i.fields.join(", ")
    )
}

/// Canonical text of a constraint: `check name "sql"` or `unique name (a, b)`.
pub(crate) fn constraint_text(c: &ConstraintState) -> String {
    match &c.kind {
        ConstraintKind::Check(sql) => format!("check {} {}", c.name, quote(sql)),
        ConstraintKind::Unique(fields) => format!("unique {} ({})", c.name, fields.join(", ")),
    }
}

/// True when `model` has an index or constraint named `name`.
fn name_taken(model: &ModelState, name: &str) -> bool {
    model.indexes.iter().any(|i| i.name == name) || model.constraints.iter().any(|c| c.name == name)
}

/// Errors when two indexes/constraints of `model` share a name.
pub(crate) fn check_index_names_unique(model: &ModelState) -> Result<(), StateError> {
    let mut seen = std::collections::BTreeSet::new();
    let names = model
        .indexes
        .iter()
        .map(|i| &i.name)
        .chain(model.constraints.iter().map(|c| &c.name));
    for name in names {
        if !seen.insert(name) {
            return Err(StateError::IndexExists {
                app: model.app.clone(),
                model: model.name.clone(),
                name: name.clone(),
            });
        }
    }
    Ok(())
}

/// Errors when one of `fields` is not a field of `model`.
pub(crate) fn check_fields_exist(model: &ModelState, fields: &[String]) -> Result<(), StateError> {
    match fields.iter().find(|f| model.field(f).is_none()) {
        Some(missing) => Err(StateError::field_not_found(
            &model.app,
            &model.name,
            missing,
        )),
        None => Ok(()),
    }
}

/// Rewrites field `old` to `new` in the indexes and unique constraints of `model`.
pub(crate) fn rename_field_references(model: &mut ModelState, old: &str, new: &str) {
    let rename = |fields: &mut Vec<String>| {
        for f in fields.iter_mut() {
            if f == old {
                *f = new.to_string();
            }
        }
    };
    for i in &mut model.indexes {
        rename(&mut i.fields);
    }
    for c in &mut model.constraints {
        if let ConstraintKind::Unique(fields) = &mut c.kind {
            rename(fields);
        }
    }
}

impl AddIndex {
    /// Adds `index` to `model`.
    pub fn new(model: impl Into<String>, index: IndexState) -> Self {
        Self {
            model: model.into(),
            index,
        }
    }

    pub(super) fn state_forwards(
        &self,
        app: &str,
        state: &mut ProjectState,
    ) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        if name_taken(model, &self.index.name) {
            return Err(StateError::IndexExists {
                app: app.to_string(),
                model: self.model.clone(),
                name: self.index.name.clone(),
            });
        }
        check_fields_exist(model, &self.index.fields)?;
        model.indexes.push(self.index.clone());
        model.normalize();
        Ok(())
    }

    pub(super) fn describe(&self) -> String {
        format!(
            "Create index {} on field(s) {} of model {}",
            self.index.name,
            self.index.fields.join(", "),
            self.model.to_lowercase()
        )
    }

    pub(super) fn fragment(&self) -> String {
        format!(
            "{}_{}",
            self.model.to_lowercase(),
            self.index.name.to_lowercase()
        )
    }

    pub(super) fn canonical_text(&self) -> String {
        format!("AddIndex model={} {}", self.model, index_text(&self.index))
    }
}

impl RemoveIndex {
    /// Removes index `name` from `model`.
    pub fn new(model: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            name: name.into(),
        }
    }

    pub(super) fn state_forwards(
        &self,
        app: &str,
        state: &mut ProjectState,
    ) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        let pos = model
            .indexes
            .iter()
            .position(|i| i.name == self.name)
            .ok_or_else(|| StateError::IndexNotFound {
                kind: "index",
                app: app.to_string(),
                model: self.model.clone(),
                name: self.name.clone(),
            })?;
        model.indexes.remove(pos);
        Ok(())
    }

    pub(super) fn describe(&self) -> String {
        format!(
            "Remove index {} from {}",
            self.name,
            self.model.to_lowercase()
        )
    }

    pub(super) fn fragment(&self) -> String {
        format!(
            "remove_{}_{}",
            self.model.to_lowercase(),
            self.name.to_lowercase()
        )
    }

    pub(super) fn canonical_text(&self) -> String {
        format!("RemoveIndex model={} name={}", self.model, self.name)
    }
}

impl AddConstraint {
    /// Adds `constraint` to `model`.
    pub fn new(model: impl Into<String>, constraint: ConstraintState) -> Self {
        Self {
            model: model.into(),
            constraint,
        }
    }

    pub(super) fn state_forwards(
        &self,
        app: &str,
        state: &mut ProjectState,
    ) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        if name_taken(model, &self.constraint.name) {
            return Err(StateError::IndexExists {
                app: app.to_string(),
                model: self.model.clone(),
                name: self.constraint.name.clone(),
            });
        }
        if let ConstraintKind::Unique(fields) = &self.constraint.kind {
            check_fields_exist(model, fields)?;
        }
        model.constraints.push(self.constraint.clone());
        model.normalize();
        Ok(())
    }

    pub(super) fn describe(&self) -> String {
        format!(
            "Create constraint {} on model {}",
            self.constraint.name,
            self.model.to_lowercase()
        )
    }

    pub(super) fn fragment(&self) -> String {
        format!(
            "{}_{}",
            self.model.to_lowercase(),
            self.constraint.name.to_lowercase()
        )
    }

    pub(super) fn canonical_text(&self) -> String {
        format!(
            "AddConstraint model={} {}",
            self.model,
            constraint_text(&self.constraint)
        )
    }
}

impl RemoveConstraint {
    /// Removes constraint `name` from `model`.
    pub fn new(model: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            name: name.into(),
        }
    }

    pub(super) fn state_forwards(
        &self,
        app: &str,
        state: &mut ProjectState,
    ) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        let pos = model
            .constraints
            .iter()
            .position(|c| c.name == self.name)
            .ok_or_else(|| StateError::IndexNotFound {
                kind: "constraint",
                app: app.to_string(),
                model: self.model.clone(),
                name: self.name.clone(),
            })?;
        model.constraints.remove(pos);
        Ok(())
    }

    pub(super) fn describe(&self) -> String {
        format!(
            "Remove constraint {} from model {}",
            self.name,
            self.model.to_lowercase()
        )
    }

    pub(super) fn fragment(&self) -> String {
        format!(
            "remove_{}_{}",
            self.model.to_lowercase(),
            self.name.to_lowercase()
        )
    }

    pub(super) fn canonical_text(&self) -> String {
        format!("RemoveConstraint model={} name={}", self.model, self.name)
    }
}
