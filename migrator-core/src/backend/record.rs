//! A schema editor that writes no SQL and records, as [`Change`]s, every primitive an
//! operation asks it for: so callers learn which primitives an operation chooses, in either
//! direction, without a backend. The safety classification (`safety/`) judges the recorded
//! changes; the executor hands them to [`Backend::fold`](super::Backend::fold). A leaf
//! beside `costs.rs`.

use std::cell::RefCell;

use super::costs::Change;
use super::editor::{SchemaEditor, SchemaError, Step};
use super::features::Backend;
use crate::state::{FieldState, ModelState, ProjectState};

/// A schema editor that writes no SQL and records every primitive it is asked for.
#[derive(Default)]
pub struct ChangeRecorder {
    changes: RefCell<Vec<Change>>,
}

impl ChangeRecorder {
    /// The changes recorded so far, in the order they were asked for.
    pub fn into_changes(self) -> Vec<Change> {
        self.changes.into_inner()
    }
}

impl ChangeRecorder {
    fn push(&self, change: Change) -> Result<Vec<String>, SchemaError> {
        self.changes.borrow_mut().push(change);
        Ok(Vec::new())
    }
}

fn s(text: &str) -> String {
    text.to_owned()
}

impl SchemaEditor for ChangeRecorder {
    fn backend(&self) -> Backend {
        Backend::Sqlite // never asked: operations choose primitives, not backends
    }
    fn create_model(&self, _: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError> {
        self.push(Change::CreateModel { model: s(model) })
    }
    fn delete_model(&self, _: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError> {
        self.push(Change::DeleteModel { model: s(model) })
    }
    fn rename_model(&self, _: &Step<'_>, old: &str, new: &str) -> Result<Vec<String>, SchemaError> {
        self.push(Change::RenameModel {
            old: s(old),
            new: s(new),
        })
    }
    fn alter_model_table(&self, _: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError> {
        self.push(Change::AlterModelTable { model: s(model) })
    }
    fn alter_model_comment(&self, _: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError> {
        self.push(Change::AlterModelComment { model: s(model) })
    }
    fn add_field(
        &self,
        _: &Step<'_>,
        model: &str,
        field: &FieldState,
        one_off_default: bool,
    ) -> Result<Vec<String>, SchemaError> {
        self.push(Change::AddField {
            model: s(model),
            field: field.clone(),
            one_off_default,
        })
    }
    fn remove_field(
        &self,
        _: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError> {
        self.push(Change::RemoveField {
            model: s(model),
            name: s(name),
        })
    }
    fn alter_field(
        &self,
        _: &Step<'_>,
        model: &str,
        name: &str,
        field: &FieldState,
        one_off_default: bool,
    ) -> Result<Vec<String>, SchemaError> {
        self.push(Change::AlterField {
            model: s(model),
            name: s(name),
            field: field.clone(),
            one_off_default,
        })
    }
    fn rename_field(
        &self,
        _: &Step<'_>,
        model: &str,
        old: &str,
        new: &str,
    ) -> Result<Vec<String>, SchemaError> {
        self.push(Change::RenameField {
            model: s(model),
            old: s(old),
            new: s(new),
        })
    }
    fn add_index(&self, _: &Step<'_>, model: &str, name: &str) -> Result<Vec<String>, SchemaError> {
        self.push(Change::AddIndex {
            model: s(model),
            name: s(name),
            concurrently: false,
        })
    }
    fn remove_index(
        &self,
        _: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError> {
        self.push(Change::RemoveIndex {
            model: s(model),
            name: s(name),
            concurrently: false,
        })
    }
    fn rename_index(
        &self,
        _: &Step<'_>,
        model: &str,
        old: &str,
        new: &str,
    ) -> Result<Vec<String>, SchemaError> {
        self.push(Change::RenameIndex {
            model: s(model),
            old: s(old),
            new: s(new),
        })
    }
    fn add_index_concurrently(
        &self,
        _: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError> {
        self.push(Change::AddIndex {
            model: s(model),
            name: s(name),
            concurrently: true,
        })
    }
    fn remove_index_concurrently(
        &self,
        _: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError> {
        self.push(Change::RemoveIndex {
            model: s(model),
            name: s(name),
            concurrently: true,
        })
    }
    fn add_constraint(
        &self,
        _: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError> {
        self.push(Change::AddConstraint {
            model: s(model),
            name: s(name),
        })
    }
    fn remove_constraint(
        &self,
        _: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError> {
        self.push(Change::RemoveConstraint {
            model: s(model),
            name: s(name),
        })
    }
    fn create_model_sql(
        &self,
        _: &ModelState,
        _: &ProjectState,
    ) -> Result<Vec<String>, SchemaError> {
        Ok(Vec::new())
    }
}
