//! What every operation kind shares (Django's `operations/base.py`): the [`OperationKind`]
//! trait with its defaults, [`StateError`], the Rust data-step function type, and the small
//! helpers the family files use. A leaf: the family files and `mod.rs` import it, it imports
//! none of them.

use thiserror::Error;

use crate::backend::editor::{SchemaEditor, SchemaError, Step};
use crate::state::{ModelState, ProjectState};

/// An operation does not fit the state it is applied to: the migration history names a model,
/// field, index or constraint that is not there (or is there already). Every message names the
/// app, model and item so the offending migration can be found.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StateError {
    /// The model does not exist.
    #[error("model `{app}.{model}` does not exist in the migration state; check that an earlier migration of `{app}` creates it (or that this migration depends on the one that does)")]
    ModelNotFound {
        /// App label.
        app: String,
        /// Model name.
        model: String,
    },
    /// The model exists already.
    #[error("model `{app}.{model}` already exists in the migration state; two migrations create it, or a rename targets an existing name")]
    ModelExists {
        /// App label.
        app: String,
        /// Model name.
        model: String,
    },
    /// The field does not exist.
    #[error("field `{app}.{model}.{field}` does not exist in the migration state; check the earlier migrations of `{app}`")]
    FieldNotFound {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Field name.
        field: String,
    },
    /// The field exists already.
    #[error("field `{app}.{model}.{field}` already exists in the migration state; remove or rename it first")]
    FieldExists {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Field name.
        field: String,
    },
    /// Another field already uses the column.
    #[error("column `{column}` of `{app}.{model}` is already used by field `{other}`; give the field another column name")]
    ColumnExists {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// The clashing column.
        column: String,
        /// The field that already has it.
        other: String,
    },
    /// A field cannot be removed while an index, a unique or check constraint, or a
    /// generated column names it (Django's autodetector removes them first the same way).
    #[error("field `{app}.{model}.{field}` is still used by {what} `{index}`; remove `{index}` (or change it so it no longer names the field) before removing the field, in an earlier operation of the migration")]
    FieldInUse {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Field name.
        field: String,
        /// What names it: `index`, `unique constraint`, `check constraint`, `the generated
        /// field`.
        what: &'static str,
        /// The index, constraint or generated field naming it.
        index: String,
    },
    /// A primary-key field also says `unique` or `index`: the key is unique and indexed
    /// already, so no backend would make anything of the flag (Django's `primary_key` implies
    /// `unique` the same way); a flag the database never shows is refused, not kept.
    #[error("field `{app}.{model}.{field}` is (part of) the primary key, which is unique and indexed already, so its `{flag}` would create nothing; remove `.{flag}()` from the field in the migration that writes it (to keep the column {flag_effect} once the key moves off it, say `.{flag}()` in the AlterField that takes `.primary_key()` away; if the migration is applied already, `migrate {app} <migration> --restamp` then accepts the edit)")]
    KeyFieldFlag {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Field name.
        field: String,
        /// `unique` or `index`.
        flag: &'static str,
        /// What the flag would give a column that is not the key: `unique` or `indexed`.
        flag_effect: &'static str,
    },
    /// The index or constraint does not exist.
    #[error("{kind} `{name}` does not exist on model `{app}.{model}` in the migration state")]
    IndexNotFound {
        /// `index` or `constraint`.
        kind: &'static str,
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Index or constraint name.
        name: String,
    },
    /// Verbatim SQL (a check's condition, an SQL default, a custom column type) is not one
    /// expression or one type (issue 12.6: such text ran as statements of its own).
    #[error("{what} of `{app}.{model}` must be {noun}, but {problem}; fix the migration that writes it (statements of their own belong in a `run_sql([...])` step; if it is applied already, `migrate {app} <migration> --restamp` then accepts the edit)")]
    UnsafeSql {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Which text: `check constraint \`c\``, `the SQL default of field \`f\``, ….
        what: String,
        /// `one SQL expression` or `one column type`.
        noun: &'static str,
        /// What is wrong with it, and where.
        problem: String,
    },
    /// An index or constraint would get a name the database already gives another object.
    #[error("{what} `{name}` of `{app}.{model}` would have the name of {other}; give it another name in the migration that adds it")]
    NameClash {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// The clashing name.
        name: String,
        /// What it names: `index`, `unique constraint`, `check constraint`.
        what: &'static str,
        /// The object that has the name and the namespace both are in (`the unique index of
        /// field \`isbn\` (\`books_isbn_uniq\`): PostgreSQL keeps …`).
        other: String,
    },
    /// A `SeparateDatabaseAndState` holds a Rust data step, which it cannot run.
    #[error("a separate_database_and_state(...) step of app `{app}` holds the Rust data step `{step}`; a data step is an operation of its own: move `run_rust(\"{step}\", ...)` out of it, before or after it in the migration")]
    RustStepInSeparate {
        /// App label.
        app: String,
        /// The data step's name.
        step: String,
    },
    /// An index's key is neither fields nor expressions, or both (Django: "Index.fields and
    /// expressions are mutually exclusive").
    #[error("index `{name}` of `{app}.{model}` {problem}; give it either `fields` or `expressions` in the migration that writes it")]
    IndexKey {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Index name.
        name: String,
        /// `has both fields and expressions`, `has neither fields nor expressions`.
        problem: &'static str,
    },
    /// A multi-column foreign key does not fit its model or its target.
    #[error("foreign key `{name}` of `{app}.{model}` {problem}")]
    BadForeignKey {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// The constraint's name.
        name: String,
        /// What is wrong and what to do, as a sentence tail.
        problem: String,
    },
    /// A model cannot be deleted while a multi-column foreign key of another model points at
    /// it.
    #[error("model `{app}.{model}` is still referenced by foreign key `{name}` of `{by}`; remove that foreign key (`remove_constraint(\"{by_model}\", \"{name}\")`) before deleting the model")]
    ModelReferenced {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// The referencing model, `app.Model`.
        by: String,
        /// The referencing model's name.
        by_model: String,
        /// The constraint's name.
        name: String,
    },
    /// A model cannot be deleted while a field of another model is a foreign key to it.
    #[error("model `{model}` is still referenced by field `{field}` of `{by}`, a foreign key to it; remove that field (`remove_field(\"{by_model}\", \"{field}\")`) or alter it to point elsewhere or to be a plain column, or delete `{by}`, before deleting the model")]
    ModelReferencedByField {
        /// The model, `app.Model`.
        model: String,
        /// The referencing model, `app.Model`.
        by: String,
        /// The referencing model's name.
        by_model: String,
        /// The referencing field.
        field: String,
    },
    /// An index or constraint with this name exists already on the model.
    #[error("an index or constraint named `{name}` already exists on model `{app}.{model}`; choose another name")]
    IndexExists {
        /// App label.
        app: String,
        /// Model name.
        model: String,
        /// Index or constraint name.
        name: String,
    },
}

impl StateError {
    pub(crate) fn model_not_found(app: &str, model: &str) -> Self {
        Self::ModelNotFound {
            app: app.to_string(),
            model: model.to_string(),
        }
    }

    pub(crate) fn field_not_found(app: &str, model: &str, field: &str) -> Self {
        Self::FieldNotFound {
            app: app.to_string(),
            model: model.to_string(),
            field: field.to_string(),
        }
    }

    pub(crate) fn field_exists(app: &str, model: &str, field: &str) -> Self {
        Self::FieldExists {
            app: app.to_string(),
            model: model.to_string(),
            field: field.to_string(),
        }
    }
}

/// The model `app.name` of `state`, mutably, or [`StateError::ModelNotFound`].
pub(crate) fn model_mut<'a>(
    state: &'a mut ProjectState,
    app: &str,
    name: &str,
) -> Result<&'a mut ModelState, StateError> {
    state
        .model_mut(app, name)
        .ok_or_else(|| StateError::model_not_found(app, name))
}

/// A data step written in Rust: gets the migration's own connection (inside its transaction on
/// backends that have transactional DDL).
pub type RustMigrationFn =
    fn(&mut crate::connection::DbConnection) -> Result<(), crate::error::BoxError>;

/// What every operation kind knows about itself (Django's `Operation` base class): how it
/// changes the state, which schema-editor primitives it runs forwards and backwards, how it
/// describes itself and names a migration, which model it is about, and its flags. Defaults
/// are here; each kind, in its family file, overrides what differs. `Operation` (in `mod.rs`)
/// reaches a kind through one match (`Operation::kind`).
pub trait OperationKind {
    /// Applies the operation to the state of `app` (the migration's app). The default changes
    /// nothing (data steps).
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let _ = (app, state);
        Ok(())
    }

    /// The SQL that applies the operation (`step.from` is the state before it).
    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError>;

    /// The SQL that undoes the operation (`step.from` is the state after it).
    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError>;

    /// The Rust function the executor calls, with the migration's connection, after this
    /// operation's SQL (forwards, or backwards when `backwards`). The default has none.
    fn rust_step(&self, backwards: bool) -> Option<RustMigrationFn> {
        let _ = backwards;
        None
    }

    /// A one-line human description in Django's wording.
    fn describe(&self) -> String;

    /// [`OperationKind::describe`] knowing the state `before` the operation in `app`, for
    /// what the operation's own data does not say (the table a model had before
    /// `AlterModelTable`).
    fn describe_in(&self, app: &str, before: &ProjectState) -> String {
        let _ = (app, before);
        self.describe()
    }

    /// The symbol shown before the description: `+` create/add, `-` delete/remove, `~` the rest.
    fn symbol(&self) -> char {
        '~'
    }

    /// The fragment used to name a migration made of this operation (Django's
    /// `migration_name_fragment`); `None` for data steps.
    fn migration_name_fragment(&self) -> Option<String> {
        None
    }

    /// A stable text of all of the operation's data, for checksums.
    fn canonical_text(&self) -> String;

    /// The model the operation is about, by its name before the operation.
    fn model_name(&self) -> Option<&str> {
        None
    }

    /// The model the operation is about, by its name after the operation.
    fn model_name_after(&self) -> Option<&str> {
        self.model_name()
    }

    /// False when the operation has no backward step.
    fn reversible(&self) -> bool {
        true
    }

    /// Whether the operation runs inside a transaction when its migration is non-atomic
    /// (Django's `Operation.atomic`): schema operations do, each in its own (on backends
    /// whose DDL is transactional); RunSql and RunRust run outside any, so they may manage
    /// their own transactions or run what a transaction forbids (`VACUUM`); a concurrent
    /// index change must. In an atomic migration everything shares its transaction.
    fn atomic(&self) -> bool {
        true
    }

    /// True when the operation's SQL is the migration author's, run verbatim (RunSql): the
    /// executor never changes the session around it.
    fn verbatim_sql(&self) -> bool {
        false
    }

    /// True when the operation cannot run inside a transaction at all (PostgreSQL's
    /// `CREATE INDEX CONCURRENTLY`): its migration must be non-atomic, which the executor
    /// checks before anything runs, on every backend.
    fn requires_non_atomic(&self) -> bool {
        false
    }

    /// True when the SQL for this operation needs the whole project state, not only the
    /// neighbourhood of [`OperationKind::model_name`] (an operation holding operations on
    /// several models: `SeparateDatabaseAndState`).
    fn needs_whole_state(&self) -> bool {
        false
    }

    /// True when the operation changes the state and the database separately
    /// (`SeparateDatabaseAndState`): the safety classification asks for a review, since
    /// nothing checks that the two halves agree until the drift check.
    fn separates_state(&self) -> bool {
        false
    }

    /// True when the operation loses data by its kind.
    fn is_destructive(&self) -> bool {
        false
    }

    /// True when the operation loses data given the state `before` it (an `AlterField` that
    /// narrows its column).
    fn is_destructive_in(&self, app: &str, before: &ProjectState) -> bool {
        let _ = (app, before);
        self.is_destructive()
    }
}

/// Quotes a string for canonical text (Rust debug escaping).
pub(crate) fn quote(s: &str) -> String {
    format!("{s:?}")
}

/// Quotes an optional string for canonical text.
pub(crate) fn quote_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "None".to_string(), quote)
}
