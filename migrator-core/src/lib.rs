//! migrator-core: Django-style, code-first schema migrations for Rust.
//!
//! Put `#[derive(Model)]` on plain structs; the registry collects them into a
//! [`ProjectState`]; migrations (operations as data) rebuild past states; the autodetector
//! compares the two and the writer emits new migration modules; the executor applies them
//! through diesel on SQLite, PostgreSQL or MySQL/MariaDB.
//!
//! ```
//! use migrator_core::Model;
//!
//! /// Books on the shelf.
//! #[derive(Model)]
//! #[model(table = "books")]
//! pub struct Book {
//!     pub id: i64,
//!     #[model(max_length = 200)]
//!     pub title: String,
//! }
//!
//! let def = Book::definition();
//! assert_eq!(def.state.table, "books");
//! assert_eq!(def.state.fields.len(), 2);
//! ```

pub mod autodetector;
pub mod backend;
pub mod build;
pub mod connection;
pub mod database;
pub mod db_schema;
pub mod diesel_schema;
pub mod error;
pub mod executor;
pub mod field_type;
pub mod graph;
pub mod inspectdb;
pub mod introspect;
pub mod loader;
pub mod lock;
pub mod many_to_many;
pub mod migration;
pub mod model;
pub mod model_enum;
pub mod operations;
pub mod optimizer;
pub mod questioner;
pub mod recorder;
pub mod registry;
pub mod safety;
mod sql_text;
pub mod sql_types;
pub mod squash;
pub mod state;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(any(feature = "uuid", feature = "decimal", feature = "chrono"))]
pub mod types;
pub mod writer;

pub use error::{BoxError, RegistryError};
pub use field_type::{Column, ColumnType, TypeSpec};
pub use migration::{Migration, MigrationKey};
pub use model::{Model, ModelDefinition};
pub use model_enum::ModelEnum;
pub use operations::Operation;
pub use registry::{current_models, CurrentModels};
pub use state::{
    ConstraintKind, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, ModelKey,
    ModelState, OnDelete, ProjectState,
};

/// `#[derive(Model)]`: see the crate docs and README for every attribute.
pub use migrator_derive::Model;

/// `#[derive(ModelEnum)]`: a fieldless enum stored as text with a check of its values; see
/// [`model_enum`] and docs/models.md.
pub use migrator_derive::ModelEnum;

/// `#[migrator_core::test]`: a test on its own database, migrated by the embedded migrations
/// and dropped afterwards (also when the test panics). See [`testing`] and docs/testing.md.
#[cfg(feature = "testing")]
pub use migrator_derive::test;

/// The user guide (`docs/`): each page with Rust code is included here so that
/// `cargo test --doc -p migrator-core` compiles and runs its code blocks.
#[cfg(doctest)]
pub mod guide {
    #[doc = include_str!("../../docs/getting-started.md")]
    pub struct GettingStarted;

    #[doc = include_str!("../../docs/models.md")]
    pub struct Models;

    #[doc = include_str!("../../docs/data-migrations.md")]
    pub struct DataMigrations;

    #[doc = include_str!("../../docs/recovery.md")]
    pub struct Recovery;

    #[doc = include_str!("../../docs/deploying.md")]
    pub struct Deploying;

    #[doc = include_str!("../../docs/diesel.md")]
    pub struct Diesel;

    #[doc = include_str!("../../docs/coming-from-diesel.md")]
    pub struct ComingFromDiesel;

    #[doc = include_str!("../../docs/squashing.md")]
    pub struct Squashing;

    /// Needs the `testing` feature (on in this crate's own tests through `migrator-tests`).
    #[cfg(feature = "testing")]
    #[doc = include_str!("../../docs/testing.md")]
    pub struct Testing;

    #[doc = include_str!("../../docs/safety.md")]
    pub struct Safety;
}

/// Items generated code refers to. Not a public API: names here may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::field_type::{
        AutoIncrementColumn, BoolDefault, Column, ColumnInfo, DecimalColumn, FloatDefault,
        IntegerDefault, MaxLengthColumn, NullableColumn, TextDefault,
    };
    pub use crate::model::{
        build_definition, ManyToManyTarget, ModelDescriptor, ModelRef, ThroughModel,
    };
    pub use crate::model_enum::EnumBind;
    pub use crate::registry::ModelRegistration;
    pub use diesel;
    pub use inventory;

    /// Compile-time check that `T` implements a marker trait; the derive calls these with the
    /// field's type spanned at the offending attribute so the error lands there.
    pub const fn assert_column<T: ?Sized + Column>() {}
    /// `max_length` needs a string column.
    pub const fn assert_max_length<T: ?Sized + MaxLengthColumn>() {}
    /// `precision`/`scale` need a decimal column.
    pub const fn assert_decimal<T: ?Sized + DecimalColumn>() {}
    /// `on_delete = "set_null"` needs a nullable column.
    pub const fn assert_nullable<T: ?Sized + NullableColumn>() {}
    /// `auto` needs an integer column.
    pub const fn assert_auto<T: ?Sized + AutoIncrementColumn>() {}
    /// `default = "…"` needs a column that takes a text literal.
    pub const fn assert_text_default<T: ?Sized + TextDefault>() {}
    /// `default = 1` needs a column that takes an integer literal.
    pub const fn assert_integer_default<T: ?Sized + IntegerDefault>() {}
    /// `default = 1.5` needs a column that takes a float literal.
    pub const fn assert_float_default<T: ?Sized + FloatDefault>() {}
    /// `default = true` needs a column that takes a bool literal.
    pub const fn assert_bool_default<T: ?Sized + BoolDefault>() {}
    /// `foreign_key` needs a model.
    pub const fn assert_model<T: ?Sized + crate::Model>() {}
}
