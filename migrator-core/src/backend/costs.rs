//! What a schema change costs a table that holds rows, per backend: [`Change`] is one
//! primitive call an operation makes on a [`SchemaEditor`] (as data, so it can be recorded
//! and replayed), and each backend's `costs.rs` says what that change does beyond its result
//! on that backend — a table rebuilt or rewritten, writes blocked while an index builds, the
//! COPY algorithm — as sentences (`Backend::costs`). A leaf beside `editor.rs`: the safety
//! classification (`safety/`) records the changes, the backends judge them.

use super::editor::{SchemaEditor, SchemaError, Step};
use crate::state::{FieldState, ModelState};

/// One primitive schema change, as an operation asks the editor for it (the arguments of the
/// [`SchemaEditor`] method of the same name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// [`SchemaEditor::create_model`].
    CreateModel {
        /// The model (in `step.to`).
        model: String,
    },
    /// [`SchemaEditor::delete_model`].
    DeleteModel {
        /// The model (in `step.from`).
        model: String,
    },
    /// [`SchemaEditor::rename_model`].
    RenameModel {
        /// Its name before.
        old: String,
        /// Its name after.
        new: String,
    },
    /// [`SchemaEditor::alter_model_table`].
    AlterModelTable {
        /// The model.
        model: String,
    },
    /// [`SchemaEditor::alter_model_comment`].
    AlterModelComment {
        /// The model.
        model: String,
    },
    /// [`SchemaEditor::add_field`].
    AddField {
        /// The model.
        model: String,
        /// The new field.
        field: FieldState,
        /// Its default only fills the existing rows.
        one_off_default: bool,
    },
    /// [`SchemaEditor::remove_field`].
    RemoveField {
        /// The model.
        model: String,
        /// The field (in `step.from`).
        name: String,
    },
    /// [`SchemaEditor::alter_field`].
    AlterField {
        /// The model.
        model: String,
        /// The field's name before.
        name: String,
        /// The new definition.
        field: FieldState,
        /// Its default only fills existing NULLs.
        one_off_default: bool,
    },
    /// [`SchemaEditor::rename_field`].
    RenameField {
        /// The model.
        model: String,
        /// The name before.
        old: String,
        /// The name after.
        new: String,
    },
    /// [`SchemaEditor::add_index`] or, `concurrently`, [`SchemaEditor::add_index_concurrently`].
    AddIndex {
        /// The model.
        model: String,
        /// The index (in `step.to`).
        name: String,
        /// Built without blocking writes where the backend can.
        concurrently: bool,
    },
    /// [`SchemaEditor::remove_index`] or [`SchemaEditor::remove_index_concurrently`].
    RemoveIndex {
        /// The model.
        model: String,
        /// The index (in `step.from`).
        name: String,
        /// Dropped without blocking where the backend can.
        concurrently: bool,
    },
    /// [`SchemaEditor::rename_index`].
    RenameIndex {
        /// The model.
        model: String,
        /// The name before.
        old: String,
        /// The name after.
        new: String,
    },
    /// [`SchemaEditor::add_constraint`].
    AddConstraint {
        /// The model.
        model: String,
        /// The constraint (in `step.to`).
        name: String,
    },
    /// [`SchemaEditor::remove_constraint`].
    RemoveConstraint {
        /// The model.
        model: String,
        /// The constraint (in `step.from`).
        name: String,
    },
}

impl Change {
    /// The model the change is about, by its name in `step.to` (the new name of a renamed
    /// model).
    pub fn model(&self) -> &str {
        match self {
            Self::RenameModel { new, .. } => new,
            Self::CreateModel { model }
            | Self::DeleteModel { model }
            | Self::AlterModelTable { model }
            | Self::AlterModelComment { model }
            | Self::AddField { model, .. }
            | Self::RemoveField { model, .. }
            | Self::AlterField { model, .. }
            | Self::RenameField { model, .. }
            | Self::AddIndex { model, .. }
            | Self::RemoveIndex { model, .. }
            | Self::RenameIndex { model, .. }
            | Self::AddConstraint { model, .. }
            | Self::RemoveConstraint { model, .. } => model,
        }
    }

    /// The model the change is about as it is in `step.from` (`None` for a new one).
    pub fn model_before<'s>(&self, step: &Step<'s>) -> Option<&'s ModelState> {
        let name = match self {
            Self::CreateModel { .. } => return None,
            Self::RenameModel { old, .. } => old.as_str(),
            other => other.model(),
        };
        step.from.model(step.app, name)
    }

    /// The model the change is about as it is in `step.to` (`None` once dropped).
    pub fn model_after<'s>(&self, step: &Step<'s>) -> Option<&'s ModelState> {
        match self {
            Self::DeleteModel { .. } => None,
            other => step.to.model(step.app, other.model()),
        }
    }

    /// The statements `editor` writes for this change.
    pub fn apply(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        match self {
            Self::CreateModel { model } => editor.create_model(step, model),
            Self::DeleteModel { model } => editor.delete_model(step, model),
            Self::RenameModel { old, new } => editor.rename_model(step, old, new),
            Self::AlterModelTable { model } => editor.alter_model_table(step, model),
            Self::AlterModelComment { model } => editor.alter_model_comment(step, model),
            Self::AddField {
                model,
                field,
                one_off_default,
            } => editor.add_field(step, model, field, *one_off_default),
            Self::RemoveField { model, name } => editor.remove_field(step, model, name),
            Self::AlterField {
                model,
                name,
                field,
                one_off_default,
            } => editor.alter_field(step, model, name, field, *one_off_default),
            Self::RenameField { model, old, new } => editor.rename_field(step, model, old, new),
            Self::AddIndex {
                model,
                name,
                concurrently: false,
            } => editor.add_index(step, model, name),
            Self::AddIndex { model, name, .. } => editor.add_index_concurrently(step, model, name),
            Self::RemoveIndex {
                model,
                name,
                concurrently: false,
            } => editor.remove_index(step, model, name),
            Self::RemoveIndex { model, name, .. } => {
                editor.remove_index_concurrently(step, model, name)
            }
            Self::RenameIndex { model, old, new } => editor.rename_index(step, model, old, new),
            Self::AddConstraint { model, name } => editor.add_constraint(step, model, name),
            Self::RemoveConstraint { model, name } => editor.remove_constraint(step, model, name),
        }
    }
}

/// The field `name` of the change's model before it (for an `AlterField`, its old definition).
pub fn old_field<'s>(step: &Step<'s>, change: &Change, name: &str) -> Option<&'s FieldState> {
    change.model_before(step).and_then(|m| m.field(name))
}
