//! Behaviour of the index and constraint operations: `AddIndex`, `RemoveIndex`, `RenameIndex`,
//! `AddConstraint`, `RemoveConstraint`. The rules they check live in `model_rules.rs`; SQL
//! lives in the backend schema editors, not here.

use super::base::{model_mut, OperationKind, StateError};
use super::model_rules::*;
use crate::backend::editor::{SchemaEditor, SchemaError, Step};

use migrator_descriptor::sql::Fragment;

use crate::state::{
    ConstraintKind, ConstraintState, DbObject, DbObjectKind, IndexState, ProjectState,
};

/// Add an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddIndex {
    /// Model name.
    pub model: String,
    /// The index.
    pub index: IndexState,
    /// Build it without blocking writes to the table (PostgreSQL `CREATE INDEX
    /// CONCURRENTLY`, MySQL `ALGORITHM=INPLACE, LOCK=NONE`; SQLite has one writer and builds
    /// it as usual). It cannot run inside a transaction, so the migration must be
    /// non-atomic. How the index is built, not what it is: the checksum leaves it out.
    pub concurrently: bool,
}

/// Remove an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoveIndex {
    /// Model name.
    pub model: String,
    /// Index name.
    pub name: String,
    /// Drop it without blocking the table (PostgreSQL `DROP INDEX CONCURRENTLY`; see
    /// [`AddIndex::concurrently`]); the migration must be non-atomic.
    pub concurrently: bool,
}

/// Rename an index in place (Django's `RenameIndex`, 4.1): same fields and options, new name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameIndex {
    /// Model name.
    pub model: String,
    /// The current index name.
    pub old_name: String,
    /// The new index name.
    pub new_name: String,
}

/// Add a named constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddConstraint {
    /// Model name.
    pub model: String,
    /// The constraint.
    pub constraint: ConstraintState,
}

/// Remove a named constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoveConstraint {
    /// Model name.
    pub model: String,
    /// Constraint name.
    pub name: String,
}

impl AddIndex {
    /// Adds `index` to `model`.
    pub fn new(model: impl Into<String>, index: IndexState) -> Self {
        Self {
            model: model.into(),
            index,
            concurrently: false,
        }
    }

    /// The same, built concurrently ([`AddIndex::concurrently`]).
    pub fn concurrently(mut self) -> Self {
        self.concurrently = true;
        self
    }
}

impl OperationKind for AddIndex {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        if name_taken(model, &self.index.name) {
            return Err(StateError::IndexExists {
                app: app.to_string(),
                model: self.model.clone(),
                name: self.index.name.clone(),
            });
        }
        check_fields_exist(model, &self.index.fields)?;
        check_index_sql(model, &self.index)?;
        let mut after = model.clone();
        after.indexes.push(self.index.clone());
        after.normalize();
        let added = |o: &DbObject| o.kind == DbObjectKind::Index && o.name == self.index.name;
        check_names_free(&after, Some(state), added)?;
        state.insert(after);
        Ok(())
    }

    fn describe(&self) -> String {
        let key = if self.index.expressions.is_empty() {
            format!("field(s) {}", self.index.fields.join(", "))
        } else {
            format!("expression(s) {}", self.index.expressions.join(", "))
        };
        format!(
            "{}reate index {} on {key} of model {}",
            if self.concurrently {
                "Concurrently c"
            } else {
                "C"
            },
            self.index.name,
            self.model.to_lowercase()
        )
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some({
            format!(
                "{}_{}",
                self.model.to_lowercase(),
                self.index.name.to_lowercase()
            )
        })
    }

    fn canonical_text(&self) -> String {
        format!("AddIndex model={} {}", self.model, index_text(&self.index))
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        if self.concurrently {
            return editor.add_index_concurrently(step, &self.model, &self.index.name);
        }
        editor.add_index(step, &self.model, &self.index.name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        if self.concurrently {
            return editor.remove_index_concurrently(step, &self.model, &self.index.name);
        }
        editor.remove_index(step, &self.model, &self.index.name)
    }

    fn atomic(&self) -> bool {
        !self.concurrently
    }

    fn requires_non_atomic(&self) -> bool {
        self.concurrently
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn symbol(&self) -> char {
        '+'
    }
}

impl RemoveIndex {
    /// Removes index `name` from `model`.
    pub fn new(model: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            name: name.into(),
            concurrently: false,
        }
    }

    /// The same, dropped concurrently ([`RemoveIndex::concurrently`]).
    pub fn concurrently(mut self) -> Self {
        self.concurrently = true;
        self
    }
}

impl OperationKind for RemoveIndex {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
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

    fn describe(&self) -> String {
        format!(
            "{}emove index {} from model {}",
            if self.concurrently {
                "Concurrently r"
            } else {
                "R"
            },
            self.name,
            self.model.to_lowercase()
        )
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some({
            format!(
                "remove_{}_{}",
                self.model.to_lowercase(),
                self.name.to_lowercase()
            )
        })
    }

    fn canonical_text(&self) -> String {
        format!("RemoveIndex model={} name={}", self.model, self.name)
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        if self.concurrently {
            return editor.remove_index_concurrently(step, &self.model, &self.name);
        }
        editor.remove_index(step, &self.model, &self.name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        if self.concurrently {
            return editor.add_index_concurrently(step, &self.model, &self.name);
        }
        editor.add_index(step, &self.model, &self.name)
    }

    fn atomic(&self) -> bool {
        !self.concurrently
    }

    fn requires_non_atomic(&self) -> bool {
        self.concurrently
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn symbol(&self) -> char {
        '-'
    }
}

impl RenameIndex {
    /// Renames index `old_name` of `model` to `new_name`.
    pub fn new(
        model: impl Into<String>,
        old_name: impl Into<String>,
        new_name: impl Into<String>,
    ) -> Self {
        Self {
            model: model.into(),
            old_name: old_name.into(),
            new_name: new_name.into(),
        }
    }
}

impl OperationKind for RenameIndex {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        let pos = model
            .indexes
            .iter()
            .position(|i| i.name == self.old_name)
            .ok_or_else(|| StateError::IndexNotFound {
                kind: "index",
                app: app.to_string(),
                model: self.model.clone(),
                name: self.old_name.clone(),
            })?;
        if self.old_name == self.new_name {
            return Ok(());
        }
        if name_taken(model, &self.new_name) {
            return Err(StateError::IndexExists {
                app: app.to_string(),
                model: self.model.clone(),
                name: self.new_name.clone(),
            });
        }
        let mut after = model.clone();
        after.indexes[pos].name = self.new_name.clone();
        after.normalize();
        let renamed = |o: &DbObject| o.kind == DbObjectKind::Index && o.name == self.new_name;
        check_names_free(&after, Some(state), renamed)?;
        state.insert(after);
        Ok(())
    }

    fn describe(&self) -> String {
        format!(
            "Rename index {} on model {} to {}",
            self.old_name,
            self.model.to_lowercase(),
            self.new_name
        )
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some(format!(
            "rename_{}_{}",
            self.old_name.to_lowercase(),
            self.new_name.to_lowercase()
        ))
    }

    fn canonical_text(&self) -> String {
        format!(
            "RenameIndex model={} old_name={} new_name={}",
            self.model, self.old_name, self.new_name
        )
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.rename_index(step, &self.model, &self.old_name, &self.new_name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.rename_index(step, &self.model, &self.new_name, &self.old_name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
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
}

impl OperationKind for AddConstraint {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let model = &model_mut(state, app, &self.model)?.clone();
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
        check_foreign_key_constraint(model, &self.constraint, state)?;
        if let ConstraintKind::Check(text) = &self.constraint.kind {
            check_sql_text(
                model,
                format!("check constraint `{}`", self.constraint.name),
                Fragment::Expression,
                text,
            )?;
        }
        let mut after = model.clone();
        after.constraints.push(self.constraint.clone());
        after.normalize();
        let added = |o: &DbObject| {
            o.name == self.constraint.name
                && matches!(
                    o.kind,
                    DbObjectKind::UniqueConstraint
                        | DbObjectKind::Check
                        | DbObjectKind::ForeignKeyConstraint
                )
        };
        check_names_free(&after, Some(state), added)?;
        state.insert(after);
        Ok(())
    }

    fn describe(&self) -> String {
        format!(
            "Create constraint {} on model {}",
            self.constraint.name,
            self.model.to_lowercase()
        )
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some({
            format!(
                "{}_{}",
                self.model.to_lowercase(),
                self.constraint.name.to_lowercase()
            )
        })
    }

    fn canonical_text(&self) -> String {
        format!(
            "AddConstraint model={} {}",
            self.model,
            constraint_text(&self.constraint)
        )
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.add_constraint(step, &self.model, &self.constraint.name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.remove_constraint(step, &self.model, &self.constraint.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn symbol(&self) -> char {
        '+'
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
}

impl OperationKind for RemoveConstraint {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
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

    fn describe(&self) -> String {
        format!(
            "Remove constraint {} from model {}",
            self.name,
            self.model.to_lowercase()
        )
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some({
            format!(
                "remove_{}_{}",
                self.model.to_lowercase(),
                self.name.to_lowercase()
            )
        })
    }

    fn canonical_text(&self) -> String {
        format!("RemoveConstraint model={} name={}", self.model, self.name)
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.remove_constraint(step, &self.model, &self.name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.add_constraint(step, &self.model, &self.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn symbol(&self) -> char {
        '-'
    }
}
