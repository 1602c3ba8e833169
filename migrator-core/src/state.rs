//! The schema state as plain data: [`ProjectState`] → [`ModelState`] → [`FieldState`].
//!
//! Current models produce a state (through the registry); migrations produce one by replaying
//! operations from empty. The autodetector compares two states. Everything here is ordered
//! deterministically (models in a `BTreeMap`, fields in declaration order, indexes and
//! constraints sorted by name) and [`ProjectState::canonical_text`] gives a stable text form for
//! checksums and snapshots. No SQL and no database access here.
//!
//! The last section lists the database objects a state makes and their names
//! ([`ModelState::db_objects`]), and finds two objects a database would refuse to give the
//! same name ([`ProjectState::name_clashes`]).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use migrator_descriptor::names;

use crate::field_type::ColumnType;

mod index;
pub use index::IndexState;

/// Identifies a model: its app label and its model (struct) name, e.g. `library.Book`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelKey {
    /// App label (the crate's package name with `-` replaced by `_`).
    pub app: String,
    /// Model name, as the struct is named (`Book`).
    pub name: String,
}

impl ModelKey {
    /// A key from an app label and a model name.
    pub fn new(app: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            app: app.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for ModelKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.app, self.name)
    }
}

/// What happens to referencing rows when the referenced row is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OnDelete {
    /// Delete the referencing rows too.
    Cascade,
    /// Refuse the delete.
    Restrict,
    /// Set the referencing column to NULL (the field must be nullable).
    SetNull,
    /// Set the referencing column to its default.
    SetDefault,
    /// No action (checked at the end of the statement or transaction).
    NoAction,
}

impl OnDelete {
    /// The SQL spelling: `CASCADE`, `RESTRICT`, `SET NULL`, `SET DEFAULT`, `NO ACTION`.
    pub fn sql(self) -> &'static str {
        match self {
            Self::Cascade => "CASCADE",
            Self::Restrict => "RESTRICT",
            Self::SetNull => "SET NULL",
            Self::SetDefault => "SET DEFAULT",
            Self::NoAction => "NO ACTION",
        }
    }
}

/// A foreign key from a field to another model's primary key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ForeignKey {
    /// The referenced model's app.
    pub app: String,
    /// The referenced model's name.
    pub model: String,
    /// The on-delete rule.
    pub on_delete: OnDelete,
}

impl ForeignKey {
    /// A foreign key to `app.model`.
    pub fn new(app: impl Into<String>, model: impl Into<String>, on_delete: OnDelete) -> Self {
        Self {
            app: app.into(),
            model: model.into(),
            on_delete,
        }
    }

    /// The referenced model's key.
    pub fn target(&self) -> ModelKey {
        ModelKey::new(self.app.clone(), self.model.clone())
    }
}

/// A column default.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DefaultValue {
    /// `default = true`.
    Bool(bool),
    /// `default = 42`.
    Int(i64),
    /// `default = 1.5`, kept as its literal text so states stay comparable.
    Float(String),
    /// `default = "text"`.
    Text(String),
    /// `default_sql = "CURRENT_TIMESTAMP"`: an SQL expression, emitted verbatim.
    Sql(String),
}

impl fmt::Display for DefaultValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(b) => write!(f, "{b}"),
            Self::Int(i) => write!(f, "{i}"),
            Self::Float(s) => f.write_str(s),
            Self::Text(s) => write!(f, "{s:?}"),
            Self::Sql(s) => write!(f, "sql({s})"),
        }
    }
}

/// A generated column's definition (Django's `GeneratedField`): the database computes the
/// column from `sql`, one SQL expression over the row's other columns, and nobody writes it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Generated {
    /// The expression, verbatim (one SQL expression, checked like `check(sql)`).
    pub sql: String,
    /// Stored (computed on write and kept: `STORED`, MariaDB's `PERSISTENT`) rather than
    /// virtual (computed on read). PostgreSQL keeps only stored ones.
    pub stored: bool,
}

impl Generated {
    /// `stored` or `virtual`, as the canonical text and messages say it.
    pub fn kind(&self) -> &'static str {
        if self.stored {
            "stored"
        } else {
            "virtual"
        }
    }
}

/// One column of a model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldState {
    /// The Rust field name (`published_date`).
    pub name: String,
    /// The column name (defaults to the field name).
    pub column: String,
    /// The frozen column type.
    pub column_type: ColumnType,
    /// NULL allowed.
    pub nullable: bool,
    /// Part of the primary key.
    pub primary_key: bool,
    /// Auto-increment (identity / serial / AUTO_INCREMENT).
    pub auto_increment: bool,
    /// A single-column unique constraint.
    pub unique: bool,
    /// A single-column index.
    pub index: bool,
    /// The column default.
    pub default: Option<DefaultValue>,
    /// The foreign key, if any.
    pub foreign_key: Option<ForeignKey>,
    /// The column comment (the field's doc comment).
    pub comment: Option<String>,
    /// The column is generated from an expression (no default, never written by inserts).
    pub generated: Option<Generated>,
}

impl FieldState {
    /// A NOT NULL column named like the field, with no other property.
    pub fn new(name: impl Into<String>, column_type: ColumnType) -> Self {
        let name = name.into();
        Self {
            column: name.clone(),
            name,
            column_type,
            nullable: false,
            primary_key: false,
            auto_increment: false,
            unique: false,
            index: false,
            default: None,
            foreign_key: None,
            comment: None,
            generated: None,
        }
    }

    /// Sets the column name.
    pub fn column(mut self, column: impl Into<String>) -> Self {
        self.column = column.into();
        self
    }

    /// Allows NULL.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// Marks the field as (part of) the primary key.
    pub fn primary_key(mut self) -> Self {
        self.primary_key = true;
        self
    }

    /// Marks the field auto-increment.
    pub fn auto_increment(mut self) -> Self {
        self.auto_increment = true;
        self
    }

    /// Adds a unique constraint on the column.
    pub fn unique(mut self) -> Self {
        self.unique = true;
        self
    }

    /// Adds an index on the column.
    pub fn index(mut self) -> Self {
        self.index = true;
        self
    }

    /// Sets the default.
    pub fn default(mut self, default: DefaultValue) -> Self {
        self.default = Some(default);
        self
    }

    /// Sets the foreign key.
    pub fn foreign_key(mut self, fk: ForeignKey) -> Self {
        self.foreign_key = Some(fk);
        self
    }

    /// Sets the column comment.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Makes the column a stored generated column computed from `sql`.
    pub fn generated_stored(mut self, sql: impl Into<String>) -> Self {
        self.generated = Some(Generated {
            sql: sql.into(),
            stored: true,
        });
        self
    }

    /// Makes the column a virtual generated column computed from `sql` on read.
    pub fn generated_virtual(mut self, sql: impl Into<String>) -> Self {
        self.generated = Some(Generated {
            sql: sql.into(),
            stored: false,
        });
        self
    }

    /// A one-line canonical description: `title VARCHAR(200) NOT NULL unique`.
    pub fn canonical_text(&self) -> String {
        let mut s = self.name.clone();
        if self.column != self.name {
            let _ = write!(s, " column={}", self.column);
        }
        let _ = write!(s, " {}", self.column_type);
        s.push_str(if self.nullable { " NULL" } else { " NOT NULL" });
        if self.primary_key {
            s.push_str(" primary_key");
        }
        if self.auto_increment {
            s.push_str(" auto");
        }
        if self.unique {
            s.push_str(" unique");
        }
        if self.index {
            s.push_str(" index");
        }
        if let Some(d) = &self.default {
            let _ = write!(s, " default={d}");
        }
        if let Some(fk) = &self.foreign_key {
            let _ = write!(
                s,
                " fk={}.{} on_delete={}",
                fk.app,
                fk.model,
                fk.on_delete.sql()
            );
        }
        if let Some(c) = &self.comment {
            let _ = write!(s, " comment={c:?}");
        }
        if let Some(g) = &self.generated {
            let _ = write!(s, " generated_{}={:?}", g.kind(), g.sql);
        }
        s
    }
}

/// What a named constraint enforces.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConstraintKind {
    /// `CHECK (sql)`.
    Check(String),
    /// `UNIQUE (fields…)`.
    Unique(Vec<String>),
    /// `FOREIGN KEY (fields…) REFERENCES` the target's primary key: a foreign key over several
    /// columns (Django's `ForeignObject`), to a model with a composite primary key. The fields
    /// are matched in order to the target's key fields, which the SQL reads from the state at
    /// each step (so renaming a key field or the target needs no rewrite of the key fields).
    ForeignKey {
        /// The referencing fields, in the order of the target's key fields.
        fields: Vec<String>,
        /// The target model and the on-delete rule.
        to: ForeignKey,
    },
}

impl ConstraintKind {
    /// The fields the constraint names (none for a check, whose SQL names columns).
    pub fn fields(&self) -> &[String] {
        match self {
            Self::Check(_) => &[],
            Self::Unique(fields) | Self::ForeignKey { fields, .. } => fields,
        }
    }

    /// The target of a multi-column foreign key.
    pub fn foreign_key(&self) -> Option<&ForeignKey> {
        match self {
            Self::ForeignKey { to, .. } => Some(to),
            _ => None,
        }
    }
}

/// A named table constraint.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConstraintState {
    /// The constraint name.
    pub name: String,
    /// What it enforces.
    pub kind: ConstraintKind,
}

impl ConstraintState {
    /// A check constraint.
    pub fn check(name: impl Into<String>, sql: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind: ConstraintKind::Check(sql.into()),
        }
    }

    /// A multi-column foreign key from `fields` to the primary key of `to`'s model.
    pub fn foreign_key<S: Into<String>>(
        name: impl Into<String>,
        fields: impl IntoIterator<Item = S>,
        to: ForeignKey,
    ) -> Self {
        Self {
            name: name.into(),
            kind: ConstraintKind::ForeignKey {
                fields: fields.into_iter().map(Into::into).collect(),
                to,
            },
        }
    }

    /// A unique constraint over fields.
    pub fn unique<S: Into<String>>(
        name: impl Into<String>,
        fields: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            name: name.into(),
            kind: ConstraintKind::Unique(fields.into_iter().map(Into::into).collect()),
        }
    }
}

/// One model: a table with its columns, indexes and constraints.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelState {
    /// App label.
    pub app: String,
    /// Model name (`Book`).
    pub name: String,
    /// Table name (`books`).
    pub table: String,
    /// Table comment (the struct's doc comment).
    pub comment: Option<String>,
    /// Fields in declaration order (column order of `CREATE TABLE`).
    pub fields: Vec<FieldState>,
    /// Indexes, sorted by name.
    pub indexes: Vec<IndexState>,
    /// Constraints, sorted by name.
    pub constraints: Vec<ConstraintState>,
}

impl ModelState {
    /// An empty model.
    pub fn new(app: impl Into<String>, name: impl Into<String>, table: impl Into<String>) -> Self {
        Self {
            app: app.into(),
            name: name.into(),
            table: table.into(),
            comment: None,
            fields: Vec::new(),
            indexes: Vec::new(),
            constraints: Vec::new(),
        }
    }

    /// This model's key.
    pub fn key(&self) -> ModelKey {
        ModelKey::new(self.app.clone(), self.name.clone())
    }

    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&FieldState> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The field named `name`, mutably.
    pub fn field_mut(&mut self, name: &str) -> Option<&mut FieldState> {
        self.fields.iter_mut().find(|f| f.name == name)
    }

    /// The primary-key fields, in declaration order.
    pub fn primary_key(&self) -> impl Iterator<Item = &FieldState> {
        self.fields.iter().filter(|f| f.primary_key)
    }

    /// Every model a foreign key of this model points at — a field's or a multi-column
    /// constraint's — with repeats, in field then constraint order.
    pub fn foreign_key_targets(&self) -> impl Iterator<Item = &ForeignKey> {
        self.fields
            .iter()
            .filter_map(|f| f.foreign_key.as_ref())
            .chain(self.constraints.iter().filter_map(|c| c.kind.foreign_key()))
    }

    /// True when a foreign key of this model (a field's or a constraint's) points at `target`.
    pub fn references(&self, target: &ModelKey) -> bool {
        self.foreign_key_targets()
            .any(|fk| fk.app == target.app && fk.model == target.name)
    }

    /// Sorts indexes and constraints by name (the canonical order).
    pub fn normalize(&mut self) {
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.constraints.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// The canonical multi-line text of this model.
    pub fn canonical_text(&self) -> String {
        let mut s = format!("model {}.{} table={}", self.app, self.name, self.table);
        if let Some(c) = &self.comment {
            let _ = write!(s, " comment={c:?}");
        }
        s.push('\n');
        for f in &self.fields {
            let _ = writeln!(s, "  field {}", f.canonical_text());
        }
        for i in &self.indexes {
            let key = if i.expressions.is_empty() {
                i.fields.join(", ")
            } else {
                i.expressions.join(", ")
            };
            let _ = writeln!(
                s,
                "  {} {} ({key})",
                if i.unique { "unique_index" } else { "index" },
                i.name,
            );
        }
        for c in &self.constraints {
            match &c.kind {
                ConstraintKind::Check(sql) => {
                    let _ = writeln!(s, "  check {} ({sql})", c.name);
                }
                ConstraintKind::Unique(fields) => {
                    let _ = writeln!(s, "  unique {} ({})", c.name, fields.join(", "));
                }
                ConstraintKind::ForeignKey { fields, to } => {
                    let _ = writeln!(
                        s,
                        "  foreign_key {} ({}) -> {}.{} on_delete={}",
                        c.name,
                        fields.join(", "),
                        to.app,
                        to.model,
                        to.on_delete.sql()
                    );
                }
            }
        }
        s
    }
}

/// The whole schema: every model of every app.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectState {
    /// Models by key, sorted by `(app, name)`.
    pub models: BTreeMap<ModelKey, ModelState>,
}

impl ProjectState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a model (indexes and constraints are normalized).
    pub fn insert(&mut self, mut model: ModelState) {
        model.normalize();
        self.models.insert(model.key(), model);
    }

    /// The model `app.name`.
    pub fn model(&self, app: &str, name: &str) -> Option<&ModelState> {
        self.models.get(&ModelKey::new(app, name))
    }

    /// The model `app.name`, mutably.
    pub fn model_mut(&mut self, app: &str, name: &str) -> Option<&mut ModelState> {
        self.models.get_mut(&ModelKey::new(app, name))
    }

    /// The models of one app, in name order.
    pub fn app_models<'a>(&'a self, app: &'a str) -> impl Iterator<Item = &'a ModelState> + 'a {
        self.models.values().filter(move |m| m.app == app)
    }

    /// The app labels present, sorted.
    pub fn apps(&self) -> Vec<&str> {
        let mut apps: Vec<&str> = self.models.keys().map(|k| k.app.as_str()).collect();
        apps.dedup();
        apps
    }

    /// The model whose table is `table`.
    pub fn model_by_table(&self, table: &str) -> Option<&ModelState> {
        self.models.values().find(|m| m.table == table)
    }

    /// The canonical text of the whole state: stable across runs and platforms, used for
    /// checksums and snapshots.
    pub fn canonical_text(&self) -> String {
        self.models
            .values()
            .map(ModelState::canonical_text)
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// The names of the database objects a state makes.
// ---------------------------------------------------------------------------------------------

/// What kind of named object a model makes in a database (spelled in
/// `migrator_descriptor::names`, where the derive reads it too).
pub use migrator_descriptor::names::ObjectKind as DbObjectKind;

/// One named object a model makes in a database, by its full name (a server backend shortens
/// a longer derived name to its limit with a hash of the full one, so distinct full names stay
/// distinct).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DbObject {
    /// The model that makes it.
    pub model: ModelKey,
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: DbObjectKind,
    /// What it is, for messages: `the index behind field \`author\``.
    pub what: String,
}

/// Why `a` and `b` cannot share a name, when they cannot: the namespace that holds both, on
/// any backend (`migrator_descriptor::names::NAMESPACES` lists them). Names are compared ignoring ASCII case (MySQL/MariaDB compare index and
/// constraint names, and on some systems table names, that way; SQLite compares all names
/// that way).
pub fn name_clash(a: &DbObject, b: &DbObject) -> Option<&'static str> {
    clash(a, b, false)
}

/// Like [`name_clash`], for the clashes a migration history must not hold: in the namespace
/// of tables, indexes and sequences both PostgreSQL and SQLite keep, and in migrator's own
/// namespace of a model's indexes and constraints.
pub fn replay_name_clash(a: &DbObject, b: &DbObject) -> Option<&'static str> {
    clash(a, b, true)
}

fn clash(a: &DbObject, b: &DbObject, replay_only: bool) -> Option<&'static str> {
    if !a.name.eq_ignore_ascii_case(&b.name) || a == b {
        return None;
    }
    names::clash(a.kind, b.kind, a.model == b.model, replay_only)
}

/// Two objects a database would refuse to give one name (see [`ProjectState::name_clashes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameClash {
    /// One of them (in model order).
    pub first: DbObject,
    /// The other.
    pub second: DbObject,
    /// The namespace both are in.
    pub why: &'static str,
}

impl fmt::Display for NameClash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = (&self.first, &self.second);
        write!(f, "{} of `{}` is named `{}`, ", a.what, a.model, a.name)?;
        if a.model == b.model {
            write!(f, "and so is {}", b.what)?;
        } else {
            write!(f, "and so is {} of `{}`", b.what, b.model)?;
        }
        if b.name != a.name {
            write!(f, " (`{}`)", b.name)?;
        }
        write!(f, ": {}. ", self.why)?;
        let kinds = [a.kind, b.kind];
        let named = |k: &DbObjectKind| {
            matches!(
                k,
                DbObjectKind::Index
                    | DbObjectKind::UniqueConstraint
                    | DbObjectKind::Check
                    | DbObjectKind::ForeignKeyConstraint
            )
        };
        f.write_str(if kinds.contains(&DbObjectKind::Table) {
            "Rename one of the tables (`#[model(table = \"…\")]`)"
        } else if kinds.iter().any(named) {
            "Give the index or constraint another `name = \"…\"`"
        } else {
            "These names are made of table and column names: rename a table or column \
             (`#[model(table = \"…\")]`, `#[model(column = \"…\")]`), or replace a field's \
             `index`/`unique` with a named `index(fields = [\"…\"], name = \"…\")` on the \
             struct"
        })
    }
}

impl ModelState {
    /// Every named object this model makes on some backend, by full name. `state` is where
    /// foreign keys' targets are looked up (a foreign key whose target is not there is left
    /// out: its constraint's name needs the target's table).
    pub fn db_objects(&self, state: &ProjectState) -> Vec<DbObject> {
        let object = |kind, name: String, what: String| DbObject {
            model: self.key(),
            name,
            kind,
            what,
        };
        let mut out = vec![object(
            DbObjectKind::Table,
            self.table.clone(),
            "the table".to_owned(),
        )];
        let pk_first = self.primary_key().next().map(|f| f.column.as_str());
        if pk_first.is_some() {
            out.push(object(
                DbObjectKind::PrimaryKey,
                names::primary_key(&self.table),
                "the primary key (on PostgreSQL)".to_owned(),
            ));
        }
        let column_of = |field: &String| self.field(field).map(|f| f.column.as_str());
        for f in &self.fields {
            if f.auto_increment {
                out.push(object(
                    DbObjectKind::Sequence,
                    names::identity_sequence(&self.table, &f.column),
                    format!(
                        "the sequence of auto-increment field `{}` (on PostgreSQL)",
                        f.name
                    ),
                ));
            }
            let indexed = !f.primary_key && (f.unique || f.index);
            if indexed {
                out.push(object(
                    DbObjectKind::FieldIndex,
                    names::field_index(&self.table, &f.column, f.unique),
                    format!(
                        "the {}index of field `{}`",
                        if f.unique { "unique " } else { "" },
                        f.name
                    ),
                ));
            }
            let Some(fk) = &f.foreign_key else { continue };
            let target = if fk.app == self.app && fk.model == self.name {
                Some(self)
            } else {
                state.model(&fk.app, &fk.model)
            };
            if let Some(target) = target {
                out.push(object(
                    DbObjectKind::ForeignKey,
                    names::foreign_key(&self.table, &f.column, &target.table),
                    format!("the foreign key of field `{}`", f.name),
                ));
            }
            // MySQL/MariaDB need an index starting with the column; when none does, migrator
            // creates one (as `backend/server/objects.rs` decides).
            let starts = |fields: &[String]| fields.first().and_then(column_of) == Some(&f.column);
            let covered = indexed
                || pk_first == Some(f.column.as_str())
                || self
                    .fields
                    .iter()
                    .any(|o| !o.primary_key && (o.unique || o.index) && o.column == f.column)
                || self.indexes.iter().any(|i| starts(&i.fields))
                || self
                    .constraints
                    .iter()
                    .any(|c| matches!(&c.kind, ConstraintKind::Unique(fields) if starts(fields)));
            if !covered {
                out.push(object(
                    DbObjectKind::ForeignKeyIndex,
                    names::field_index(&self.table, &f.column, false),
                    format!(
                        "the index MySQL/MariaDB need for foreign key `{}` (no other index \
                         starts with its column)",
                        f.name
                    ),
                ));
            }
        }
        for i in &self.indexes {
            out.push(object(
                DbObjectKind::Index,
                i.name.clone(),
                format!(
                    "the {}index on {}",
                    if i.unique { "unique " } else { "" },
                    i.fields.join(", ")
                ),
            ));
        }
        for c in &self.constraints {
            let (kind, what) = match &c.kind {
                ConstraintKind::Check(_) => {
                    (DbObjectKind::Check, "the check constraint".to_owned())
                }
                ConstraintKind::Unique(fields) => (
                    DbObjectKind::UniqueConstraint,
                    format!("the unique constraint on {}", fields.join(", ")),
                ),
                ConstraintKind::ForeignKey { fields, .. } => {
                    // MySQL/MariaDB need an index whose columns start with the key's; when
                    // none does, migrator creates one (as `backend/server/objects.rs` decides).
                    let columns: Vec<&str> = fields.iter().filter_map(&column_of).collect();
                    if !self.covers(&columns) {
                        out.push(object(
                            DbObjectKind::ForeignKeyIndex,
                            names::index(&self.table, &columns, false),
                            format!(
                                "the index MySQL/MariaDB need for foreign key `{}` (no other \
                                 index starts with its columns)",
                                c.name
                            ),
                        ));
                    }
                    (
                        DbObjectKind::ForeignKeyConstraint,
                        format!("the foreign key on {}", fields.join(", ")),
                    )
                }
            };
            out.push(object(kind, c.name.clone(), what));
        }
        out
    }

    /// True when the primary key or an index of this model (a field's, a declared one over
    /// fields, a unique constraint's) starts with `columns`, in order: the index MySQL/MariaDB
    /// need for a multi-column foreign key over them.
    pub fn covers(&self, columns: &[&str]) -> bool {
        let column_of = |field: &String| self.field(field).map(|f| f.column.as_str());
        let starts = |fields: &[String]| {
            fields.len() >= columns.len()
                && fields
                    .iter()
                    .zip(columns)
                    .all(|(f, c)| column_of(f) == Some(*c))
        };
        let pk: Vec<String> = self.primary_key().map(|f| f.name.clone()).collect();
        starts(&pk)
            || self.fields.iter().any(|f| {
                !f.primary_key && (f.unique || f.index) && starts(std::slice::from_ref(&f.name))
            })
            || self
                .indexes
                .iter()
                .any(|i| i.expressions.is_empty() && starts(&i.fields))
            || self
                .constraints
                .iter()
                .any(|c| matches!(&c.kind, ConstraintKind::Unique(f) if starts(f)))
    }
}

impl ProjectState {
    /// Every pair of objects of this state that a database would refuse to give one name, on
    /// any backend ([`name_clash`]): two models' indexes (PostgreSQL and SQLite keep index
    /// names per schema), an index and the index behind a field (`index(fields = ["a", "b"],
    /// name = "t_a_b_idx")` next to a field `a_b` with `index`), two foreign keys or two
    /// checks of different tables (MySQL keeps those per database), a check and a table's
    /// primary key on PostgreSQL, and so on. Each pair is listed once, in model order.
    pub fn name_clashes(&self) -> Vec<NameClash> {
        let mut by_name: BTreeMap<String, Vec<DbObject>> = BTreeMap::new();
        for model in self.models.values() {
            for object in model.db_objects(self) {
                by_name
                    .entry(object.name.to_ascii_lowercase())
                    .or_default()
                    .push(object);
            }
        }
        let tables: BTreeMap<&ModelKey, String> = self
            .models
            .iter()
            .map(|(k, m)| (k, m.table.to_ascii_lowercase()))
            .collect();
        // Two tables with one name give every name made of it twice: the tables' clash says
        // it all.
        let derived_from_one_table = |a: &DbObject, b: &DbObject| {
            let derived = |o: &DbObject| {
                !matches!(
                    o.kind,
                    DbObjectKind::Table
                        | DbObjectKind::Index
                        | DbObjectKind::UniqueConstraint
                        | DbObjectKind::Check
                        | DbObjectKind::ForeignKeyConstraint
                )
            };
            a.model != b.model && derived(a) && derived(b) && tables[&a.model] == tables[&b.model]
        };
        let mut out = Vec::new();
        for objects in by_name.values() {
            for (i, a) in objects.iter().enumerate() {
                for b in &objects[i + 1..] {
                    if derived_from_one_table(a, b) {
                        continue;
                    }
                    if let Some(why) = name_clash(a, b) {
                        out.push(NameClash {
                            first: a.clone(),
                            second: b.clone(),
                            why,
                        });
                    }
                }
            }
        }
        out
    }
}
