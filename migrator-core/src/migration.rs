//! [`Migration`]: a named, ordered list of operations with its dependencies, and the
//! [`prelude`] that migration files `use`.
//!
//! Migration files (written by `writer.rs`, compiled into the app crate through the `build.rs`
//! embed) build one of these with the builder methods here and the constructors in
//! [`prelude`]. The app label and the name come from where the file is (its crate and its file
//! stem), not from the file's contents, so a file can be renamed. This module holds data and
//! constructors only: ordering migrations is `graph.rs`, finding them is `loader.rs`, writing
//! them is `writer.rs`.

use std::fmt;

use crate::operations::Operation;

/// Identifies a migration: `(app, name)`, e.g. `library.0001_initial`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MigrationKey {
    /// App label.
    pub app: String,
    /// Migration name (file stem).
    pub name: String,
}

impl MigrationKey {
    /// A key from app and name.
    pub fn new(app: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            app: app.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for MigrationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.app, self.name)
    }
}

/// One migration.
#[derive(Clone, Debug, PartialEq)]
pub struct Migration {
    /// App label.
    pub app: String,
    /// Migration name.
    pub name: String,
    /// Migrations that must be applied first (same app or others).
    pub dependencies: Vec<MigrationKey>,
    /// The operations, applied in order.
    pub operations: Vec<Operation>,
    /// The app's first migration (enables `--fake-initial`).
    pub initial: bool,
    /// Run in one transaction where the backend allows it.
    pub atomic: bool,
    /// Migrations this one squashes.
    pub replaces: Vec<MigrationKey>,
    /// Migrations (usually of other apps) that must run after this one (Django's
    /// `run_before`): the graph makes each of them depend on this migration, without editing
    /// their files.
    pub run_before: Vec<MigrationKey>,
    /// The checksum of its file's code besides `migration()` — its data steps — set by the
    /// loader from the build script's index (`None` for migrations built in code). Recorded
    /// for migrations with a `RunRust` step, so an edited data step is caught.
    pub code_checksum: Option<String>,
    /// The explicit acknowledgement that this migration loses data on purpose
    /// ([`Migration::acknowledge_data_loss`]), which `makemigrations` writes once the user
    /// confirmed; `migrator lint` fails on data loss without one. The checksum covers it.
    pub data_loss_ack: Option<DataLossAck>,
}

/// An acknowledgement that a migration's data loss is intended: the digest of its
/// destructive operations (`safety::data_loss_digest`, over their canonical text, so
/// reformatting the file keeps it valid and changing what is destroyed does not) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataLossAck {
    /// Hex digest of the destructive operations it acknowledges.
    pub digest: String,
    /// Why the data loss is acceptable, in the author's words.
    pub reason: String,
}

impl Default for Migration {
    /// An unnamed, empty, atomic, non-initial migration: what a migration file starts from
    /// (the loader fills in the app and the name).
    fn default() -> Self {
        Self::new("", "")
    }
}

impl Migration {
    /// An empty, atomic, non-initial migration.
    pub fn new(app: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            app: app.into(),
            name: name.into(),
            dependencies: Vec::new(),
            operations: Vec::new(),
            initial: false,
            atomic: true,
            replaces: Vec::new(),
            run_before: Vec::new(),
            code_checksum: None,
            data_loss_ack: None,
        }
    }

    /// This migration's key.
    pub fn key(&self) -> MigrationKey {
        MigrationKey::new(self.app.clone(), self.name.clone())
    }

    /// Sets whether this is the app's first migration.
    pub fn initial(mut self, initial: bool) -> Self {
        self.initial = initial;
        self
    }

    /// Sets whether the migration runs in one transaction where the backend allows it.
    /// `false` (Django's `atomic = False`): its operations commit one at a time — schema
    /// operations each in their own transaction where DDL is transactional, RunSql, RunRust
    /// and concurrent index changes outside any — with a progress record, so a run that
    /// fails or dies half-way is reported and `migrate --resume` continues it.
    pub fn atomic(mut self, atomic: bool) -> Self {
        self.atomic = atomic;
        self
    }

    /// Adds a dependency on migration `name` of `app`.
    pub fn dependency(mut self, app: impl Into<String>, name: impl Into<String>) -> Self {
        self.dependencies.push(MigrationKey::new(app, name));
        self
    }

    /// Orders this migration before migration `name` of `app` (Django's `run_before`): the
    /// graph adds the dependency `app.name → this migration`, which is how a migration of
    /// your app slots in before a migration of an app whose files you cannot edit. The named
    /// migration must exist; a cycle it closes is reported with the `run_before` named.
    pub fn run_before(mut self, app: impl Into<String>, name: impl Into<String>) -> Self {
        self.run_before.push(MigrationKey::new(app, name));
        self
    }

    /// Records that this migration squashes migration `name` of `app`.
    pub fn replaces(mut self, app: impl Into<String>, name: impl Into<String>) -> Self {
        self.replaces.push(MigrationKey::new(app, name));
        self
    }

    /// Acknowledges that this migration loses data on purpose: `digest` names the destructive
    /// operations (as `makemigrations` and `migrator lint` print it; a digest that no longer
    /// matches them is reported, so the acknowledgement cannot outlive an edit of what is
    /// destroyed) and `reason` says why. `makemigrations` writes this after the user
    /// confirmed (or with `--allow-data-loss`); the migration's checksum covers it, so adding
    /// or removing it after the migration was applied is caught like any edit.
    pub fn acknowledge_data_loss(
        mut self,
        digest: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        self.data_loss_ack = Some(DataLossAck {
            digest: digest.into(),
            reason: reason.into(),
        });
        self
    }

    /// Appends an operation (an [`Operation`], an operation struct or a [`prelude`] builder).
    pub fn operation(mut self, operation: impl Into<Operation>) -> Self {
        self.operations.push(operation.into());
        self
    }

    /// True when the migration has a data step written in Rust (`RunRust`), whose code only
    /// the code checksum covers.
    pub fn has_rust_steps(&self) -> bool {
        self.operations
            .iter()
            .any(|op| op.kind().rust_step(false).is_some())
    }

    /// Sets the app label and the name (the loader does this from the crate and file stem).
    pub fn named(mut self, app: impl Into<String>, name: impl Into<String>) -> Self {
        self.app = app.into();
        self.name = name.into();
        self
    }
}

/// What a migration file needs, in one `use migrator_core::migration::prelude::*;`.
///
/// Constructors read like the operation they build:
///
/// ```
/// use migrator_core::migration::prelude::*;
///
/// let m = Migration::default()
///     .initial(true)
///     .operation(
///         create_model("Book", "books")
///             .field(field("id", ColumnType::BigInt).primary_key().auto_increment())
///             .field(field("title", ColumnType::Varchar(200)))
///             .index(index("books_title_idx", ["title"])),
///     )
///     .operation(add_field("Book", field("isbn", ColumnType::Varchar(13)).nullable()))
///     .operation(run_sql(["UPDATE books SET title = trim(title)"]).reverse_noop());
/// assert_eq!(m.operations.len(), 3);
/// ```
pub mod prelude {
    pub use super::builders::{
        add_constraint, add_field, add_index, alter_field, alter_model_comment, alter_model_table,
        check_constraint, create_model, delete_model, expression_index, field,
        foreign_key_constraint, index, remove_constraint, remove_field, remove_index, rename_field,
        rename_field_keep_column, rename_index, rename_model, run_rust, run_sql,
        separate_database_and_state, unique_constraint, unique_expression_index, unique_index,
        AddFieldBuilder, AddIndexBuilder, AlterFieldBuilder, CreateModelBuilder,
        RemoveIndexBuilder, RunRustBuilder, RunSqlBuilder, SeparateDatabaseAndStateBuilder,
    };
    pub use super::{DataLossAck, Migration, MigrationKey};
    pub use crate::backend::DbConnection;
    pub use crate::error::BoxError;
    pub use crate::field_type::ColumnType;
    pub use crate::operations::{Operation, RustMigrationFn};
    pub use crate::state::{
        ConstraintKind, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, OnDelete,
    };
    /// diesel, for data steps (`RunRust`) that query through the migration's connection.
    pub use diesel;
}

/// Constructors for every operation kind, used by migration files through [`prelude`].
pub mod builders {
    use crate::field_type::ColumnType;
    use crate::operations::{
        AddConstraint, AddField, AddIndex, AlterField, AlterModelComment, AlterModelTable,
        CreateModel, DeleteModel, Operation, RemoveConstraint, RemoveField, RemoveIndex,
        RenameField, RenameIndex, RenameModel, RunRust, RunSql, RustMigrationFn,
        SeparateDatabaseAndState,
    };
    use crate::state::{ConstraintState, FieldState, ForeignKey, IndexState};

    /// A NOT NULL field with no other property (chain [`FieldState`]'s methods for the rest).
    pub fn field(name: impl Into<String>, column_type: ColumnType) -> FieldState {
        FieldState::new(name, column_type)
    }

    /// A (non-unique) index over fields, in order.
    pub fn index<S: Into<String>>(
        name: impl Into<String>,
        fields: impl IntoIterator<Item = S>,
    ) -> IndexState {
        IndexState::new(name, fields, false)
    }

    /// A unique index over fields, in order.
    pub fn unique_index<S: Into<String>>(
        name: impl Into<String>,
        fields: impl IntoIterator<Item = S>,
    ) -> IndexState {
        IndexState::new(name, fields, true)
    }

    /// A (non-unique) index over SQL expressions (verbatim, one expression each), in order:
    /// Django's `Index(Lower("email"), name=…)`.
    pub fn expression_index<S: Into<String>>(
        name: impl Into<String>,
        expressions: impl IntoIterator<Item = S>,
    ) -> IndexState {
        IndexState::over_expressions(name, expressions, false)
    }

    /// A unique index over SQL expressions: Django's `UniqueConstraint(Lower("email"),
    /// name=…)`.
    pub fn unique_expression_index<S: Into<String>>(
        name: impl Into<String>,
        expressions: impl IntoIterator<Item = S>,
    ) -> IndexState {
        IndexState::over_expressions(name, expressions, true)
    }

    /// A named `CHECK (sql)` constraint.
    pub fn check_constraint(name: impl Into<String>, sql: impl Into<String>) -> ConstraintState {
        ConstraintState::check(name, sql)
    }

    /// A named `UNIQUE (fields…)` constraint.
    pub fn unique_constraint<S: Into<String>>(
        name: impl Into<String>,
        fields: impl IntoIterator<Item = S>,
    ) -> ConstraintState {
        ConstraintState::unique(name, fields)
    }

    /// A named multi-column foreign key: `fields` (in key order) reference the primary key of
    /// `to`'s model (`ForeignKey::new(app, model, OnDelete::…)`).
    pub fn foreign_key_constraint<S: Into<String>>(
        name: impl Into<String>,
        fields: impl IntoIterator<Item = S>,
        to: ForeignKey,
    ) -> ConstraintState {
        ConstraintState::foreign_key(name, fields, to)
    }

    /// `CreateModel`: chain `.comment(…)`, `.field(…)`, `.index(…)`, `.constraint(…)`.
    pub fn create_model(name: impl Into<String>, table: impl Into<String>) -> CreateModelBuilder {
        CreateModelBuilder(CreateModel {
            name: name.into(),
            table: table.into(),
            comment: None,
            fields: Vec::new(),
            indexes: Vec::new(),
            constraints: Vec::new(),
        })
    }

    /// Builds a `CreateModel` operation; see [`create_model`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct CreateModelBuilder(pub CreateModel);

    impl CreateModelBuilder {
        /// Sets the table comment.
        pub fn comment(mut self, comment: impl Into<String>) -> Self {
            self.0.comment = Some(comment.into());
            self
        }

        /// Appends a field (columns are created in this order).
        pub fn field(mut self, field: FieldState) -> Self {
            self.0.fields.push(field);
            self
        }

        /// Adds an index created with the table.
        pub fn index(mut self, index: IndexState) -> Self {
            self.0.indexes.push(index);
            self
        }

        /// Adds a constraint created with the table.
        pub fn constraint(mut self, constraint: ConstraintState) -> Self {
            self.0.constraints.push(constraint);
            self
        }
    }

    impl From<CreateModelBuilder> for Operation {
        fn from(b: CreateModelBuilder) -> Self {
            Operation::CreateModel(b.0)
        }
    }

    /// `DeleteModel`.
    pub fn delete_model(name: impl Into<String>) -> Operation {
        Operation::DeleteModel(DeleteModel { name: name.into() })
    }

    /// `RenameModel` from `old_name` to `new_name`.
    pub fn rename_model(old_name: impl Into<String>, new_name: impl Into<String>) -> Operation {
        Operation::RenameModel(RenameModel {
            old_name: old_name.into(),
            new_name: new_name.into(),
        })
    }

    /// `AlterModelTable`: the model's table becomes `table`.
    pub fn alter_model_table(name: impl Into<String>, table: impl Into<String>) -> Operation {
        Operation::AlterModelTable(AlterModelTable {
            name: name.into(),
            table: table.into(),
        })
    }

    /// `AlterModelComment`: `Some("…")` sets the table comment, `None` removes it.
    pub fn alter_model_comment(name: impl Into<String>, comment: Option<&str>) -> Operation {
        Operation::AlterModelComment(AlterModelComment {
            name: name.into(),
            comment: comment.map(str::to_owned),
        })
    }

    /// `AddField`; chain `.preserve_default(false)` when the field's default only fills the
    /// existing rows (a one-off default).
    pub fn add_field(model: impl Into<String>, field: FieldState) -> AddFieldBuilder {
        AddFieldBuilder(AddField {
            model: model.into(),
            field,
            preserve_default: true,
        })
    }

    /// Builds an `AddField` operation; see [`add_field`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct AddFieldBuilder(pub AddField);

    impl AddFieldBuilder {
        /// `false`: the default only fills existing rows and is not kept on the column.
        pub fn preserve_default(mut self, preserve: bool) -> Self {
            self.0.preserve_default = preserve;
            self
        }
    }

    impl From<AddFieldBuilder> for Operation {
        fn from(b: AddFieldBuilder) -> Self {
            Operation::AddField(b.0)
        }
    }

    /// `RemoveField`.
    pub fn remove_field(model: impl Into<String>, name: impl Into<String>) -> Operation {
        Operation::RemoveField(RemoveField {
            model: model.into(),
            name: name.into(),
        })
    }

    /// `AlterField`: the field named like `field` gets this new definition; chain
    /// `.preserve_default(false)` for a one-off default that only fills NULLs.
    pub fn alter_field(model: impl Into<String>, field: FieldState) -> AlterFieldBuilder {
        AlterFieldBuilder(AlterField {
            model: model.into(),
            name: field.name.clone(),
            field,
            preserve_default: true,
        })
    }

    /// Builds an `AlterField` operation; see [`alter_field`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct AlterFieldBuilder(pub AlterField);

    impl AlterFieldBuilder {
        /// `false`: the default only fills NULLs and is not kept on the column.
        pub fn preserve_default(mut self, preserve: bool) -> Self {
            self.0.preserve_default = preserve;
            self
        }

        /// The name of the altered field, when it differs from the new definition's name.
        pub fn field_name(mut self, name: impl Into<String>) -> Self {
            self.0.name = name.into();
            self
        }
    }

    impl From<AlterFieldBuilder> for Operation {
        fn from(b: AlterFieldBuilder) -> Self {
            Operation::AlterField(b.0)
        }
    }

    /// `RenameField` on `model` from `old_name` to `new_name`.
    pub fn rename_field(
        model: impl Into<String>,
        old_name: impl Into<String>,
        new_name: impl Into<String>,
    ) -> Operation {
        Operation::RenameField(RenameField::new(model, old_name, new_name))
    }

    /// `RenameField` on `model` from `old_name` to `new_name` that leaves the column as it is
    /// (the field pins its column: nothing changes in the database).
    pub fn rename_field_keep_column(
        model: impl Into<String>,
        old_name: impl Into<String>,
        new_name: impl Into<String>,
    ) -> Operation {
        Operation::RenameField(RenameField::new(model, old_name, new_name).keeping_column())
    }

    /// `AddIndex`; chain `.concurrently()` to build it without blocking writes (the
    /// migration must then be `.atomic(false)`).
    pub fn add_index(model: impl Into<String>, index: IndexState) -> AddIndexBuilder {
        AddIndexBuilder(AddIndex::new(model, index))
    }

    /// Builds an `AddIndex` operation; see [`add_index`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct AddIndexBuilder(pub AddIndex);

    impl AddIndexBuilder {
        /// Build the index without blocking writes to the table: PostgreSQL `CREATE INDEX
        /// CONCURRENTLY`, MySQL/MariaDB online DDL (`ALGORITHM=INPLACE, LOCK=NONE`), SQLite as
        /// usual (it has one writer). It runs outside any transaction, so the migration must
        /// be non-atomic (`.atomic(false)`); an atomic one is refused before anything runs.
        pub fn concurrently(mut self) -> Self {
            self.0.concurrently = true;
            self
        }
    }

    impl From<AddIndexBuilder> for Operation {
        fn from(b: AddIndexBuilder) -> Self {
            Operation::AddIndex(b.0)
        }
    }

    /// `RemoveIndex` by name; chain `.concurrently()` to drop it without blocking the table
    /// (the migration must then be `.atomic(false)`).
    pub fn remove_index(model: impl Into<String>, name: impl Into<String>) -> RemoveIndexBuilder {
        RemoveIndexBuilder(RemoveIndex::new(model, name))
    }

    /// Builds a `RemoveIndex` operation; see [`remove_index`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct RemoveIndexBuilder(pub RemoveIndex);

    impl RemoveIndexBuilder {
        /// Drop the index without blocking the table (PostgreSQL `DROP INDEX CONCURRENTLY`,
        /// MySQL/MariaDB online DDL); the migration must be non-atomic.
        pub fn concurrently(mut self) -> Self {
            self.0.concurrently = true;
            self
        }
    }

    impl From<RemoveIndexBuilder> for Operation {
        fn from(b: RemoveIndexBuilder) -> Self {
            Operation::RemoveIndex(b.0)
        }
    }

    /// `RenameIndex`: index `old_name` of `model` becomes `new_name` (renamed in place).
    pub fn rename_index(
        model: impl Into<String>,
        old_name: impl Into<String>,
        new_name: impl Into<String>,
    ) -> Operation {
        Operation::RenameIndex(RenameIndex::new(model, old_name, new_name))
    }

    /// `AddConstraint`.
    pub fn add_constraint(model: impl Into<String>, constraint: ConstraintState) -> Operation {
        Operation::AddConstraint(AddConstraint {
            model: model.into(),
            constraint,
        })
    }

    /// `RemoveConstraint` by name.
    pub fn remove_constraint(model: impl Into<String>, name: impl Into<String>) -> Operation {
        Operation::RemoveConstraint(RemoveConstraint {
            model: model.into(),
            name: name.into(),
        })
    }

    /// `RunSql`: statements run forwards, in order. Irreversible until `.reverse([…])` or
    /// `.reverse_noop()` is chained.
    pub fn run_sql<S: Into<String>>(sql: impl IntoIterator<Item = S>) -> RunSqlBuilder {
        RunSqlBuilder(RunSql {
            sql: sql.into_iter().map(Into::into).collect(),
            reverse_sql: None,
            elidable: false,
        })
    }

    /// Builds a `RunSql` operation; see [`run_sql`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct RunSqlBuilder(pub RunSql);

    impl RunSqlBuilder {
        /// The statements that undo the forward SQL, run when migrating backwards.
        pub fn reverse<S: Into<String>>(mut self, sql: impl IntoIterator<Item = S>) -> Self {
            self.0.reverse_sql = Some(sql.into_iter().map(Into::into).collect());
            self
        }

        /// Migrating backwards runs nothing (Django's `RunSQL.noop`).
        pub fn reverse_noop(mut self) -> Self {
            self.0.reverse_sql = Some(Vec::new());
            self
        }

        /// Marks the step elidable (Django's `elidable=True`): it only matters to databases
        /// that already hold data, so `squashmigrations` leaves it out of the squash.
        pub fn elidable(mut self) -> Self {
            self.0.elidable = true;
            self
        }
    }

    impl From<RunSqlBuilder> for Operation {
        fn from(b: RunSqlBuilder) -> Self {
            Operation::RunSql(b.0)
        }
    }

    /// `SeparateDatabaseAndState` (Django's): operations that change only the migration state
    /// (`.state_operation(op)`, no SQL) and operations that run only on the database
    /// (`.database_operation(op)`, no state change), e.g. a model whose table a hand-written
    /// statement created:
    ///
    /// ```
    /// use migrator_core::migration::prelude::*;
    ///
    /// let op = separate_database_and_state()
    ///     .state_operation(
    ///         create_model("Tag", "tags")
    ///             .field(field("id", ColumnType::BigInt).primary_key().auto_increment()),
    ///     )
    ///     .database_operation(
    ///         run_sql(["CREATE TABLE tags (id INTEGER PRIMARY KEY AUTOINCREMENT)"])
    ///             .reverse(["DROP TABLE tags"]),
    ///     );
    /// let m = Migration::default().operation(op);
    /// assert_eq!(m.operations.len(), 1);
    /// ```
    pub fn separate_database_and_state() -> SeparateDatabaseAndStateBuilder {
        SeparateDatabaseAndStateBuilder(SeparateDatabaseAndState::default())
    }

    /// Builds a `SeparateDatabaseAndState` operation; see [`separate_database_and_state`].
    #[derive(Clone, Debug, Default, PartialEq)]
    pub struct SeparateDatabaseAndStateBuilder(pub SeparateDatabaseAndState);

    impl SeparateDatabaseAndStateBuilder {
        /// Appends an operation applied to the migration state only (it runs no SQL).
        pub fn state_operation(mut self, operation: impl Into<Operation>) -> Self {
            self.0.state_operations.push(operation.into());
            self
        }

        /// Appends an operation run on the database only (it leaves the state alone).
        pub fn database_operation(mut self, operation: impl Into<Operation>) -> Self {
            self.0.database_operations.push(operation.into());
            self
        }
    }

    impl From<SeparateDatabaseAndStateBuilder> for Operation {
        fn from(b: SeparateDatabaseAndStateBuilder) -> Self {
            Operation::SeparateDatabaseAndState(b.0)
        }
    }

    /// `RunRust`: a data step `forward(conn)` named `name` (its function name; the name is what
    /// the checksum of an applied migration sees). Irreversible until `.backward(f)`.
    pub fn run_rust(name: &'static str, forward: RustMigrationFn) -> RunRustBuilder {
        RunRustBuilder(RunRust {
            name,
            forward,
            backward: None,
            elidable: false,
        })
    }

    /// Builds a `RunRust` operation; see [`run_rust`].
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct RunRustBuilder(pub RunRust);

    impl RunRustBuilder {
        /// The function that undoes the forward step.
        pub fn backward(mut self, backward: RustMigrationFn) -> Self {
            self.0.backward = Some(backward);
            self
        }

        /// Marks the step elidable (Django's `elidable=True`): it only matters to databases
        /// that already hold data, so `squashmigrations` leaves it out of the squash.
        pub fn elidable(mut self) -> Self {
            self.0.elidable = true;
            self
        }
    }

    impl From<RunRustBuilder> for Operation {
        fn from(b: RunRustBuilder) -> Self {
            Operation::RunRust(b.0)
        }
    }
}
