//! The [`Model`] trait that `#[derive(Model)]` implements, and [`ModelDefinition`]: a model's
//! state plus the rename hints that only the current code (never a migration) carries.
//!
//! Registration lives in `registry.rs`; this module only says what a model is.
//!
//! The last section holds the static descriptors `#[derive(Model)]` emits
//! ([`ModelDescriptor`] and its parts) and [`build_definition`], the one non-generic function
//! that turns a descriptor into a [`ModelDefinition`]. The derive writes plain data and this
//! module does the work once, so a crate with many models stays cheap to compile. They are
//! reached through `migrator_core::__private` and are not a public API.

use std::collections::BTreeMap;

use crate::field_type::{ColumnType, TypeSpec};
use crate::state::{
    ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, ModelState, OnDelete,
};

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

// ---------------------------------------------------------------------------------------------
// Static descriptors emitted by `#[derive(Model)]` (generated code only).
// ---------------------------------------------------------------------------------------------

/// One model as `#[derive(Model)]` describes it: plain `'static` data, turned into a
/// [`ModelDefinition`] by [`build_definition`].
#[doc(hidden)]
#[derive(Debug)]
pub struct ModelDescriptor {
    /// App label.
    pub app: &'static str,
    /// Model name.
    pub name: &'static str,
    /// Table name.
    pub table: &'static str,
    /// The struct's doc comment.
    pub comment: Option<&'static str>,
    /// `#[model(renamed_from = "Old")]` on the struct.
    pub renamed_from: Option<&'static str>,
    /// The columns, in declaration order (`skip` fields left out).
    pub fields: &'static [FieldDescriptor],
    /// The struct's `index(...)` settings.
    pub indexes: &'static [IndexDescriptor],
    /// The struct's `check(...)` settings.
    pub checks: &'static [CheckDescriptor],
}

/// One column of a [`ModelDescriptor`]. Kept small (the rare settings behind
/// [`FieldDescriptor::extra`], the switches in [`FieldDescriptor::flags`]): a model's crate
/// type-checks one of these per field, and fewer fields measurably compile faster.
#[doc(hidden)]
#[derive(Debug)]
pub struct FieldDescriptor {
    /// The Rust field name.
    pub name: &'static str,
    /// The column name.
    pub column: &'static str,
    /// Where the column type comes from.
    pub column_type: ColumnTypeDescriptor,
    /// NULL allowed: `<T as Column>::NULLABLE`, or for `db_type`, whether the type is
    /// written `Option<…>`.
    pub nullable: bool,
    /// [`PRIMARY_KEY`], [`AUTO`], [`AUTO_IF_INTEGER`], [`UNIQUE`] and [`INDEX`], or-ed.
    pub flags: u8,
    /// The default, foreign key, comment and rename hint, when the field has any.
    pub extra: Option<&'static FieldExtra>,
}

/// [`FieldDescriptor::flags`]: the primary key.
#[doc(hidden)]
pub const PRIMARY_KEY: u8 = 1;
/// [`FieldDescriptor::flags`]: auto-increment (`#[model(auto)]`).
#[doc(hidden)]
pub const AUTO: u8 = 1 << 1;
/// [`FieldDescriptor::flags`]: auto-increment when the column type is an integer (the
/// implicit `id` primary key).
#[doc(hidden)]
pub const AUTO_IF_INTEGER: u8 = 1 << 2;
/// [`FieldDescriptor::flags`]: a single-column unique constraint.
#[doc(hidden)]
pub const UNIQUE: u8 = 1 << 3;
/// [`FieldDescriptor::flags`]: a single-column index (already decided: explicit `index`, or
/// a foreign key's default).
#[doc(hidden)]
pub const INDEX: u8 = 1 << 4;

/// The settings few fields have.
#[doc(hidden)]
#[derive(Debug)]
pub struct FieldExtra {
    /// The column default.
    pub default: Option<DefaultDescriptor>,
    /// The foreign key.
    pub foreign_key: Option<ForeignKeyDescriptor>,
    /// The field's doc comment.
    pub comment: Option<&'static str>,
    /// `#[model(renamed_from = "old")]` on the field.
    pub renamed_from: Option<&'static str>,
}

/// Where a field's column type comes from.
#[doc(hidden)]
#[derive(Debug)]
pub enum ColumnTypeDescriptor {
    /// `<T as Column>::column_type`, called with the field's settings.
    Column(fn(&TypeSpec) -> ColumnType, TypeSpec),
    /// `#[model(db_type = "…")]`: the type spelled verbatim.
    DbType(&'static str),
}

/// A [`TypeSpec`] with no setting, for descriptors (`TypeSpec::default()` is not `const`).
#[doc(hidden)]
pub const NO_TYPE_SPEC: TypeSpec = TypeSpec {
    max_length: None,
    precision: None,
    scale: None,
};

/// A `default = <literal>` or `default_sql = "…"`.
#[doc(hidden)]
#[derive(Debug)]
pub enum DefaultDescriptor {
    /// `default = true`.
    Bool(bool),
    /// `default = 42`.
    Int(i64),
    /// `default = 1.5`, as written.
    Float(&'static str),
    /// `default = "text"`.
    Text(&'static str),
    /// `default_sql = "…"`.
    Sql(&'static str),
}

/// A foreign key: the target's `Model::APP` and `Model::NAME`, and the rule.
#[doc(hidden)]
#[derive(Debug)]
pub struct ForeignKeyDescriptor {
    /// The target model's app.
    pub app: &'static str,
    /// The target model's name.
    pub model: &'static str,
    /// The on-delete rule.
    pub on_delete: OnDelete,
}

/// An `index(fields = [...], name = "…", unique)` setting, its name already decided.
#[doc(hidden)]
#[derive(Debug)]
pub struct IndexDescriptor {
    /// The index name.
    pub name: &'static str,
    /// The indexed fields.
    pub fields: &'static [&'static str],
    /// A unique index.
    pub unique: bool,
}

/// A `check(name = "…", sql = "…")` setting.
#[doc(hidden)]
#[derive(Debug)]
pub struct CheckDescriptor {
    /// The constraint name.
    pub name: &'static str,
    /// The SQL condition.
    pub sql: &'static str,
}

/// The [`ModelDefinition`] a descriptor stands for: what `Model::definition` returns for a
/// derived model.
#[doc(hidden)]
pub fn build_definition(model: &ModelDescriptor) -> ModelDefinition {
    let mut state = ModelState::new(model.app, model.name, model.table);
    state.comment = model.comment.map(String::from);
    state.fields = model.fields.iter().map(build_field).collect();
    state.indexes = model
        .indexes
        .iter()
        .map(|i| IndexState::new(i.name, i.fields.iter().copied(), i.unique))
        .collect();
    state.constraints = model
        .checks
        .iter()
        .map(|c| ConstraintState::check(c.name, c.sql))
        .collect();
    state.normalize();
    let mut definition = ModelDefinition::new(state);
    definition.renamed_from = model.renamed_from.map(String::from);
    definition.field_renames = model
        .fields
        .iter()
        .filter_map(|f| Some((f.name.to_string(), f.extra?.renamed_from?.to_string())))
        .collect();
    definition
}

/// The [`FieldState`] of one field descriptor.
fn build_field(field: &FieldDescriptor) -> FieldState {
    let column_type = match &field.column_type {
        ColumnTypeDescriptor::Column(column_type, spec) => column_type(spec),
        ColumnTypeDescriptor::DbType(text) => ColumnType::Custom((*text).to_string()),
    };
    let mut state = FieldState::new(field.name, column_type).column(field.column);
    let flag = |f: u8| field.flags & f != 0;
    state.nullable = field.nullable;
    state.primary_key = flag(PRIMARY_KEY);
    state.auto_increment = flag(AUTO) || (flag(AUTO_IF_INTEGER) && state.column_type.is_integer());
    state.unique = flag(UNIQUE);
    state.index = flag(INDEX);
    let Some(extra) = field.extra else {
        return state;
    };
    state.default = extra.default.as_ref().map(|d| match *d {
        DefaultDescriptor::Bool(b) => DefaultValue::Bool(b),
        DefaultDescriptor::Int(i) => DefaultValue::Int(i),
        DefaultDescriptor::Float(f) => DefaultValue::Float(f.to_string()),
        DefaultDescriptor::Text(t) => DefaultValue::Text(t.to_string()),
        DefaultDescriptor::Sql(s) => DefaultValue::Sql(s.to_string()),
    });
    state.foreign_key = extra
        .foreign_key
        .as_ref()
        .map(|fk| ForeignKey::new(fk.app, fk.model, fk.on_delete));
    state.comment = extra.comment.map(String::from);
    state
}
