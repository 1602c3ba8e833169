//! The [`Model`] trait that `#[derive(Model)]` implements, and [`ModelDefinition`]: a model's
//! state plus the rename hints that only the current code (never a migration) carries.
//!
//! Registration lives in `registry.rs`; this module only says what a model is.

use std::collections::BTreeMap;

use crate::state::ModelState;

/// A struct that maps to a table. Implemented by `#[derive(Model)]`; not meant to be
/// implemented by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "`foreign_key` must name a struct with `#[derive(Model)]`",
    note = "add `#[derive(migrator_core::Model)]` to `{Self}`, or point `foreign_key` at a model"
)]
pub trait Model {
    /// The app label: the defining crate's package name, `-` replaced by `_`.
    const APP: &'static str;
    /// The model name (the struct's name).
    const NAME: &'static str;
    /// The table name.
    const TABLE: &'static str;
    /// The model's state and rename hints.
    fn definition() -> ModelDefinition;
}

/// What the current code says about one model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelDefinition {
    /// The model's schema.
    pub state: ModelState,
    /// `#[model(renamed_from = "Old")]` on the struct: the model's previous name.
    pub renamed_from: Option<String>,
    /// `#[model(renamed_from = "old")]` on fields: new field name → previous field name.
    pub field_renames: BTreeMap<String, String>,
}

impl ModelDefinition {
    /// A definition with no rename hints.
    pub fn new(state: ModelState) -> Self {
        Self {
            state,
            renamed_from: None,
            field_renames: BTreeMap::new(),
        }
    }
}
