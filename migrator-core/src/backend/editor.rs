//! The schema editor interface (Django's `BaseDatabaseSchemaEditor`): the primitive schema
//! changes — create/delete/rename a model's table, add/remove/alter/rename a field, add/remove
//! an index or a constraint — each turned into SQL text given the project states around it
//! ([`Step`]). Operations (`operations/`) decide which primitives they need, forwards and
//! backwards; each backend (`sqlite/`, and `server/` for PostgreSQL and MySQL/MariaDB)
//! implements the primitives. Editors never run SQL and never see an operation.

use migrator_descriptor::sql::{self, Fragment};
use thiserror::Error;

use super::features::{Backend, Features};
use crate::state::{DefaultValue, FieldState, ModelState, ProjectState};

/// Why SQL for an operation could not be produced.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SchemaError {
    /// The operation cannot run backwards.
    #[error("operation `{0}` is irreversible: it has no backward step. Give it one (`.reverse([...])` or `.reverse_noop()` on a `run_sql(...)` step, `.backward(function)` on a `run_rust(...)` step), or migrate to a target after this migration")]
    Irreversible(String),
    /// A model the operation names is not in the state.
    #[error("model `{app}.{model}` is not in the migration state (needed by `{op}`); check the migration's operations and dependencies")]
    MissingModel {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// The operation that needed it.
        op: String,
    },
    /// A field the operation names is not in the state.
    #[error(
        "field `{field}` of model `{app}.{model}` is not in the migration state (needed by `{op}`)"
    )]
    MissingField {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Field name.
        field: String,
        /// The operation that needed it.
        op: String,
    },
    /// A foreign key points at a model that is not in the state, or that has no single-column
    /// primary key.
    #[error("foreign key `{model}.{field}` points at `{target}`, which {reason}; add the dependency on the migration that creates it, or fix the foreign key")]
    BadForeignKey {
        /// `app.Model` holding the key.
        model: String,
        /// The field.
        field: String,
        /// `app.Model` referenced.
        target: String,
        /// What is wrong with the target.
        reason: String,
    },
    /// A default value cannot be written as SQL.
    #[error("default value `{value}` cannot be written as SQL: {reason}")]
    BadDefault {
        /// The value as written.
        value: String,
        /// Why.
        reason: String,
    },
    /// An operation names something the backend cannot express.
    #[error("{0}")]
    Unsupported(String),
    /// The backend has no schema editor in this build.
    #[error("the {0} schema editor is not available yet in this build")]
    UnsupportedBackend(Backend),
}

/// The project states around one schema change, in the direction its SQL runs: the database
/// holds `from` before the statements and `to` after them. Backwards, an operation's `after`
/// state is `from`.
#[derive(Clone, Copy, Debug)]
pub struct Step<'a> {
    /// The app of the migration (and of the models the change names).
    pub app: &'a str,
    /// The state the SQL starts from.
    pub from: &'a ProjectState,
    /// The state the SQL produces.
    pub to: &'a ProjectState,
    /// What is being done, for error messages (the operation's description).
    pub label: &'a str,
}

impl Step<'_> {
    /// The model `name` of the app in `state`, or [`SchemaError::MissingModel`].
    pub fn model_in<'s>(
        &self,
        state: &'s ProjectState,
        name: &str,
    ) -> Result<&'s ModelState, SchemaError> {
        state
            .model(self.app, name)
            .ok_or_else(|| SchemaError::MissingModel {
                app: self.app.to_owned(),
                model: name.to_owned(),
                op: self.label.to_owned(),
            })
    }

    /// Field `field` of model `model` of the app in `state`, or the error naming what is missing.
    pub fn field_in<'s>(
        &self,
        state: &'s ProjectState,
        model: &str,
        field: &str,
    ) -> Result<&'s FieldState, SchemaError> {
        self.model_in(state, model)?
            .field(field)
            .ok_or_else(|| SchemaError::MissingField {
                app: self.app.to_owned(),
                model: model.to_owned(),
                field: field.to_owned(),
                op: self.label.to_owned(),
            })
    }
}

/// Turns the primitive schema changes into SQL for one backend. Every method gets the states
/// around the change ([`Step`]) and names the model (in `step.app`) it changes; models and
/// fields are read from the states, never from the caller.
pub trait SchemaEditor {
    /// Which backend this editor writes for.
    fn backend(&self) -> Backend;

    /// Creates `model`'s table (the model is in `step.to`).
    fn create_model(&self, step: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError>;

    /// Drops `model`'s table (the model is in `step.from`).
    fn delete_model(&self, step: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError>;

    /// Model `old` (in `step.from`) is model `new` (in `step.to`): foreign keys follow it.
    fn rename_model(
        &self,
        step: &Step<'_>,
        old: &str,
        new: &str,
    ) -> Result<Vec<String>, SchemaError>;

    /// `model`'s table name changed between the states.
    fn alter_model_table(&self, step: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError>;

    /// `model`'s table comment changed between the states.
    fn alter_model_comment(&self, step: &Step<'_>, model: &str)
        -> Result<Vec<String>, SchemaError>;

    /// Adds `field` to `model`. With `one_off_default`, `field.default` only fills the rows
    /// that exist (the state after the change keeps no default).
    fn add_field(
        &self,
        step: &Step<'_>,
        model: &str,
        field: &FieldState,
        one_off_default: bool,
    ) -> Result<Vec<String>, SchemaError>;

    /// Removes field `name` (in `step.from`) from `model`.
    fn remove_field(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError>;

    /// Field `name` of `model` (as in `step.from`) becomes `field`. With `one_off_default`,
    /// `field.default` only fills existing NULLs.
    fn alter_field(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
        field: &FieldState,
        one_off_default: bool,
    ) -> Result<Vec<String>, SchemaError>;

    /// Field `old` of `model` is now called `new` (its column may follow).
    fn rename_field(
        &self,
        step: &Step<'_>,
        model: &str,
        old: &str,
        new: &str,
    ) -> Result<Vec<String>, SchemaError>;

    /// Creates index `name` of `model` (as declared in `step.to`).
    fn add_index(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError>;

    /// Drops index `name` of `model` (as declared in `step.from`).
    fn remove_index(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError>;

    /// Renames index `old` of `model` (in `step.from`) to `new` (in `step.to`): in place where
    /// the backend can (PostgreSQL `ALTER INDEX … RENAME TO`, MySQL `ALTER TABLE … RENAME
    /// INDEX`); SQLite, which cannot, drops and recreates it (as Django does).
    fn rename_index(
        &self,
        step: &Step<'_>,
        model: &str,
        old: &str,
        new: &str,
    ) -> Result<Vec<String>, SchemaError>;

    /// Creates index `name` of `model` (as declared in `step.to`) without blocking writes to
    /// the table where the backend can (`AddIndex::concurrently`). The statements cannot run
    /// inside a transaction on every backend; the executor runs them outside any.
    fn add_index_concurrently(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError>;

    /// Drops index `name` of `model` (as declared in `step.from`) without blocking the table
    /// where the backend can.
    fn remove_index_concurrently(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError>;

    /// Adds constraint `name` to `model` (as declared in `step.to`).
    fn add_constraint(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError>;

    /// Drops constraint `name` of `model` (as declared in `step.from`).
    fn remove_constraint(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError>;

    /// The statements that create `model`'s table and its indexes in `state`, as
    /// [`SchemaEditor::create_model`] would.
    fn create_model_sql(
        &self,
        model: &ModelState,
        state: &ProjectState,
    ) -> Result<Vec<String>, SchemaError>;
}

/// A default value as an SQL literal on the backend described by `features`, safely quoted.
/// `Float` must be a finite decimal number and `Sql` is emitted verbatim inside parentheses
/// (it is an expression the migration author wrote on purpose), once it passes
/// `migrator_descriptor::sql`'s rule for one expression: every backend writes defaults
/// through here, so an `AddField` or `AlterField` in a hand-edited migration file cannot
/// splice a statement into the DDL (issue 12.6).
pub fn default_literal(features: &Features, value: &DefaultValue) -> Result<String, SchemaError> {
    Ok(match value {
        DefaultValue::Bool(b) => features.bool_literal(*b).to_owned(),
        DefaultValue::Int(i) => i.to_string(),
        DefaultValue::Float(text) => {
            let trimmed = text.trim();
            if trimmed.parse::<f64>().map(f64::is_finite) != Ok(true)
                || trimmed.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
            {
                return Err(SchemaError::BadDefault {
                    value: text.clone(),
                    reason: "a float default must be a finite decimal number like `1.5`".into(),
                });
            }
            trimmed.to_owned()
        }
        DefaultValue::Text(t) => features.string_value(t),
        DefaultValue::Sql(expr) => {
            sql::check(expr, Fragment::Expression).map_err(|problem| SchemaError::BadDefault {
                value: expr.clone(),
                reason: format!(
                    "an SQL default must be {}, but {problem}",
                    Fragment::Expression.noun()
                ),
            })?;
            format!("({expr})")
        }
    })
}

/// A multi-column foreign key resolved in a state: the referencing fields and columns, and the
/// target's key fields and columns, matched in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CompositeFk {
    /// The constraint's name.
    pub name: String,
    /// The referencing fields.
    pub fields: Vec<String>,
    /// Their columns.
    pub columns: Vec<String>,
    /// The target model.
    pub target: crate::state::ModelKey,
    /// The target's table.
    pub table: String,
    /// The target's primary-key fields, in key order.
    pub to_fields: Vec<String>,
    /// Their columns.
    pub to_columns: Vec<String>,
    /// The on-delete rule.
    pub on_delete: crate::state::OnDelete,
}

/// Resolves the multi-column foreign key `c` of `model` in `state` (a self-reference against
/// `model` itself); `None` for other constraints. A target that is not there, or whose primary
/// key no longer has one field per referencing field (its key changed under the foreign key),
/// is an error naming the way out.
pub(crate) fn composite_fk(
    model: &ModelState,
    c: &crate::state::ConstraintState,
    state: &ProjectState,
) -> Result<Option<CompositeFk>, SchemaError> {
    let crate::state::ConstraintKind::ForeignKey { fields, to } = &c.kind else {
        return Ok(None);
    };
    let bad = |reason: String| SchemaError::BadForeignKey {
        model: format!("{}.{}", model.app, model.name),
        field: c.name.clone(),
        target: format!("{}.{}", to.app, to.model),
        reason,
    };
    let target = if to.app == model.app && to.model == model.name {
        model
    } else {
        state
            .model(&to.app, &to.model)
            .ok_or_else(|| bad("is not in the migration state".to_owned()))?
    };
    let key: Vec<&FieldState> = target.primary_key().collect();
    if key.len() != fields.len() {
        return Err(bad(format!(
            "has a primary key of {} field(s) ({}) where the foreign key names {} ({}); a \
             primary key cannot change under a foreign key: remove the foreign key \
             (`remove_constraint`), change the key, then add the foreign key back",
            key.len(),
            key.iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            fields.len(),
            fields.join(", ")
        )));
    }
    let columns = fields
        .iter()
        .map(|n| {
            model
                .field(n)
                .map(|f| f.column.clone())
                .ok_or_else(|| SchemaError::MissingField {
                    app: model.app.clone(),
                    model: model.name.clone(),
                    field: n.clone(),
                    op: format!("foreign key {}", c.name),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(CompositeFk {
        name: c.name.clone(),
        fields: fields.clone(),
        columns,
        target: target.key(),
        table: target.table.clone(),
        to_fields: key.iter().map(|f| f.name.clone()).collect(),
        to_columns: key.iter().map(|f| f.column.clone()).collect(),
        on_delete: to.on_delete,
    }))
}
