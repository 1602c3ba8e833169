//! Behaviour of the model-level operations: `CreateModel`, `DeleteModel`, `RenameModel`,
//! `AlterModelTable`, `AlterModelComment` — how each changes the state, describes itself and
//! names a migration. SQL lives in the backend schema editors, not here.

use std::fmt::Write as _;

use super::base::{model_mut, quote, quote_opt, OperationKind, StateError};
use super::model_rules;
use crate::backend::editor::{SchemaEditor, SchemaError, Step};
use crate::state::{ConstraintState, FieldState, IndexState, ModelKey, ModelState, ProjectState};

/// Create a table for a new model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateModel {
    /// Model name.
    pub name: String,
    /// Table name.
    pub table: String,
    /// Table comment.
    pub comment: Option<String>,
    /// Fields in column order.
    pub fields: Vec<FieldState>,
    /// Indexes created with the table.
    pub indexes: Vec<IndexState>,
    /// Constraints created with the table.
    pub constraints: Vec<ConstraintState>,
}

/// Drop a model's table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteModel {
    /// Model name.
    pub name: String,
}

/// Rename a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameModel {
    /// The current name.
    pub old_name: String,
    /// The new name.
    pub new_name: String,
}

/// Change a model's table name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlterModelTable {
    /// Model name.
    pub name: String,
    /// The new table name.
    pub table: String,
}

/// Change a model's table comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlterModelComment {
    /// Model name.
    pub name: String,
    /// The new comment.
    pub comment: Option<String>,
}

impl CreateModel {
    /// A `CreateModel` that creates `model` as it is (name, table, comment, fields, indexes and
    /// constraints; the model's app is the migration's).
    pub fn from_state(model: &ModelState) -> Self {
        Self {
            name: model.name.clone(),
            table: model.table.clone(),
            comment: model.comment.clone(),
            fields: model.fields.clone(),
            indexes: model.indexes.clone(),
            constraints: model.constraints.clone(),
        }
    }

    /// The (normalized) model state this operation creates in `app`.
    pub fn to_state(&self, app: &str) -> ModelState {
        let mut m = ModelState::new(app, self.name.clone(), self.table.clone());
        m.comment = self.comment.clone();
        m.fields = self.fields.clone();
        m.indexes = self.indexes.clone();
        m.constraints = self.constraints.clone();
        m.normalize();
        m
    }
}

impl OperationKind for CreateModel {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        if state.model(app, &self.name).is_some() {
            return Err(StateError::ModelExists {
                app: app.to_string(),
                model: self.name.clone(),
            });
        }
        let model = self.to_state(app);
        for (i, f) in model.fields.iter().enumerate() {
            model_rules::check_key_field_flags(&model, f)?;
            for earlier in &model.fields[..i] {
                if earlier.name == f.name {
                    return Err(StateError::field_exists(app, &self.name, &f.name));
                }
                if earlier.column == f.column {
                    return Err(StateError::ColumnExists {
                        app: app.to_string(),
                        model: self.name.clone(),
                        column: f.column.clone(),
                        other: earlier.name.clone(),
                    });
                }
            }
        }
        model_rules::check_index_names_unique(&model)?;
        for idx in &model.indexes {
            model_rules::check_fields_exist(&model, &idx.fields)?;
        }
        for c in &model.constraints {
            if let crate::state::ConstraintKind::Unique(fields) = &c.kind {
                model_rules::check_fields_exist(&model, fields)?;
            }
            model_rules::check_foreign_key_constraint(&model, c, state)?;
        }
        state.insert(model);
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Create model {}", self.name)
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some(self.name.to_lowercase())
    }

    fn canonical_text(&self) -> String {
        let mut s = format!(
            "CreateModel name={} table={} comment={}",
            self.name,
            self.table,
            quote_opt(self.comment.as_deref())
        );
        for f in &self.fields {
            let _ = write!(s, "\n  field {}", f.canonical_text());
        }
        for i in &self.indexes {
            let _ = write!(s, "\n  {}", model_rules::index_text(i));
        }
        for c in &self.constraints {
            let _ = write!(s, "\n  {}", model_rules::constraint_text(c));
        }
        s
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.create_model(step, &self.name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.delete_model(step, &self.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.name)
    }

    fn symbol(&self) -> char {
        '+'
    }
}

impl OperationKind for DeleteModel {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let key = ModelKey::new(app, self.name.clone());
        // Another model's foreign keys to it must go first: a field's, and one over several
        // fields (a constraint). The model's own, to itself, go with it.
        for m in state.models.values().filter(|m| m.key() != key) {
            let field = m.fields.iter().find(|f| {
                f.foreign_key
                    .as_ref()
                    .is_some_and(|fk| fk.app == app && fk.model == self.name)
            });
            if let Some(f) = field {
                return Err(StateError::ModelReferencedByField {
                    model: key.to_string(),
                    by: m.key().to_string(),
                    by_model: m.name.clone(),
                    field: f.name.clone(),
                });
            }
            for c in &m.constraints {
                if c.kind
                    .foreign_key()
                    .is_some_and(|fk| fk.app == app && fk.model == self.name)
                {
                    return Err(StateError::ModelReferenced {
                        app: app.to_string(),
                        model: self.name.clone(),
                        by: m.key().to_string(),
                        by_model: m.name.clone(),
                        name: c.name.clone(),
                    });
                }
            }
        }
        state
            .models
            .remove(&key)
            .map(|_| ())
            .ok_or_else(|| StateError::model_not_found(app, &self.name))
    }

    fn describe(&self) -> String {
        format!("Delete model {}", self.name)
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some(format!("delete_{}", self.name.to_lowercase()))
    }

    fn canonical_text(&self) -> String {
        format!("DeleteModel name={}", self.name)
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.delete_model(step, &self.name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.create_model(step, &self.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.name)
    }

    fn symbol(&self) -> char {
        '-'
    }

    fn is_destructive(&self) -> bool {
        true
    }
}

impl OperationKind for RenameModel {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        if self.old_name != self.new_name && state.model(app, &self.new_name).is_some() {
            return Err(StateError::ModelExists {
                app: app.to_string(),
                model: self.new_name.clone(),
            });
        }
        let mut model = state
            .models
            .remove(&ModelKey::new(app, self.old_name.clone()))
            .ok_or_else(|| StateError::model_not_found(app, &self.old_name))?;
        model.name = self.new_name.clone();
        state.insert(model);
        for m in state.models.values_mut() {
            for f in &mut m.fields {
                if let Some(fk) = &mut f.foreign_key {
                    if fk.app == app && fk.model == self.old_name {
                        fk.model = self.new_name.clone();
                    }
                }
            }
            for c in &mut m.constraints {
                if let crate::state::ConstraintKind::ForeignKey { to, .. } = &mut c.kind {
                    if to.app == app && to.model == self.old_name {
                        to.model = self.new_name.clone();
                    }
                }
            }
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Rename model {} to {}", self.old_name, self.new_name)
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some({
            format!(
                "rename_{}_{}",
                self.old_name.to_lowercase(),
                self.new_name.to_lowercase()
            )
        })
    }

    fn canonical_text(&self) -> String {
        format!(
            "RenameModel old_name={} new_name={}",
            self.old_name, self.new_name
        )
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.rename_model(step, &self.old_name, &self.new_name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.rename_model(step, &self.new_name, &self.old_name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.old_name)
    }

    fn model_name_after(&self) -> Option<&str> {
        Some(&self.new_name)
    }
}

impl OperationKind for AlterModelTable {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        model_mut(state, app, &self.name)?.table = self.table.clone();
        Ok(())
    }

    fn describe(&self) -> String {
        format!(
            "Rename table of {} to {}",
            self.name.to_lowercase(),
            self.table
        )
    }

    fn describe_in(&self, app: &str, before: &ProjectState) -> String {
        match before.model(app, &self.name) {
            Some(m) if m.table != self.table => format!(
                "Rename table of {} from {} to {}",
                self.name.to_lowercase(),
                m.table,
                self.table
            ),
            _ => self.describe(),
        }
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some(format!("alter_{}_table", self.name.to_lowercase()))
    }

    fn canonical_text(&self) -> String {
        format!(
            "AlterModelTable name={} table={}",
            self.name,
            quote(&self.table)
        )
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.alter_model_table(step, &self.name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.alter_model_table(step, &self.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.name)
    }
}

impl OperationKind for AlterModelComment {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        model_mut(state, app, &self.name)?.comment = self.comment.clone();
        Ok(())
    }

    fn describe(&self) -> String {
        format!("Alter comment on {}", self.name.to_lowercase())
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some(format!("alter_{}_comment", self.name.to_lowercase()))
    }

    fn canonical_text(&self) -> String {
        format!(
            "AlterModelComment name={} comment={}",
            self.name,
            quote_opt(self.comment.as_deref())
        )
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.alter_model_comment(step, &self.name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.alter_model_comment(step, &self.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.name)
    }
}
