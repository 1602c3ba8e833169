//! The database-object schema every backend shares: what a live database holds
//! ([`DbSchema`] → [`TableSchema`] → columns, indexes, constraints, foreign keys), the index
//! definition both the editors and introspection derive ([`IndexDef`]), the names migrator
//! gives the objects it derives ([`field_index_name`]) and the names of migrator's own
//! bookkeeping tables. Plain data: no backend, no connection, no SQL is run here.
//!
//! Introspection (`backend/*/introspect.rs`, dispatched by `introspect.rs`) fills these from a
//! live database; `introspect::expected_schema` derives them from a migration state; the
//! comparison ([`DbSchema::diff`]) is the test oracle and the base of a drift check.
//! [`LiveSchema`] adds what only a database's catalog tells (declared types, raw defaults and
//! checks, comments, index and foreign-key details, views and triggers): what `inspectdb`
//! reads to write models, never compared.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::backend::features::Backend;

pub mod diff;

/// The recorder table: one row per applied migration.
pub const RECORDER_TABLE: &str = "migrator_migrations";
/// The progress table: the operation a MySQL/MariaDB migration is running (its DDL commits
/// implicitly), so an interrupted run can be reported and resumed.
pub const PROGRESS_TABLE: &str = "migrator_migrations_progress";

/// The name of the index behind a field's `unique` or `index` flag: `{table}_{column}_uniq` or
/// `{table}_{column}_idx`. Shared by every backend and by introspection so names agree.
pub fn field_index_name(table: &str, column: &str, unique: bool) -> String {
    format!("{table}_{column}_{}", if unique { "uniq" } else { "idx" })
}

/// The index methods a model may name (Django's `BTreeIndex`, `HashIndex`, `GinIndex`,
/// `GistIndex`).
pub const INDEX_METHODS: &[&str] = &["btree", "hash", "gin", "gist"];

/// The method an index is built with, for comparison: `None` for the default B-tree.
pub fn index_method(method: Option<&str>) -> Option<String> {
    method.map(str::to_ascii_lowercase).filter(|m| m != "btree")
}

/// An index as it exists in the database: name, columns in order, uniqueness. Both the editors
/// and `introspect::expected_schema` derive these from a model.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IndexDef {
    /// Index name.
    pub name: String,
    /// Column names, in order (empty for an expression index).
    pub columns: Vec<String>,
    /// The key of an expression index, in order (empty for an index over columns). An index
    /// whose key mixes columns and expressions (inspected from a database) has every part
    /// here, a column as its name.
    pub expressions: Vec<SqlCondition>,
    /// A unique index.
    pub unique: bool,
    /// A partial index's condition (`WHERE …`).
    pub condition: Option<SqlCondition>,
    /// `false`: a unique index that treats NULLs as equal (`NULLS NOT DISTINCT`).
    pub nulls_distinct: bool,
    /// A method other than the default B-tree (`hash`, `gin`, `gist`; PostgreSQL).
    pub method: Option<String>,
    /// Non-key columns stored in the index (`INCLUDE`; PostgreSQL).
    pub include: Vec<String>,
}

/// A piece of SQL a database keeps in its own spelling — a partial index's condition, an
/// index's key expression — as written (migrations) or as a database gives it back
/// (introspection). Each backend returns it in its own normal form — PostgreSQL deparses it
/// (`(deleted_at IS NULL)`, `((status)::text = 'active'::text)`), SQLite keeps the text of
/// the `CREATE INDEX` — so two conditions are equal when their [`SqlCondition::normal_form`]s
/// are: lowercase outside string literals, without whitespace, parentheses, identifier
/// quotes and `::type` casts. That is a comparison of spelling, not of meaning: two
/// conditions that differ only in parentheses that matter (`a or b and c` vs `(a or b) and
/// c`) compare equal, and equivalent conditions spelled differently (`x <> 0` vs `not x =
/// 0`) compare different.
#[derive(Clone, Debug)]
pub struct SqlCondition(pub String);

impl SqlCondition {
    /// The text compared (see the type's docs).
    pub fn normal_form(&self) -> String {
        let mut out = String::new();
        let mut chars = self.0.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' => {
                    // A string literal, kept as written.
                    out.push(c);
                    crate::sql_text::push_literal_rest(&mut chars, &mut out);
                }
                ':' if chars.peek() == Some(&':') => {
                    // A cast: `::type`, `::character varying`, `::text[]` — the type name
                    // only, not the words after it (`::text IS NULL` keeps `IS NULL`).
                    chars.next();
                    let rest: String = chars.clone().collect();
                    let skipped = rest.len() - crate::sql_text::skip_cast_type(&rest).len();
                    let skipped = rest[..skipped].chars().count();
                    for _ in 0..skipped {
                        chars.next();
                    }
                }
                '"' | '`' | '(' | ')' => {}
                c if c.is_whitespace() => {}
                c => out.extend(c.to_lowercase()),
            }
        }
        out
    }
}

impl std::fmt::Display for SqlCondition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq for SqlCondition {
    fn eq(&self, other: &Self) -> bool {
        self.normal_form() == other.normal_form()
    }
}

impl Eq for SqlCondition {}

impl PartialOrd for SqlCondition {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SqlCondition {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.normal_form().cmp(&other.normal_form())
    }
}

impl std::hash::Hash for SqlCondition {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.normal_form().hash(state);
    }
}

/// A database schema: tables by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbSchema {
    /// Tables by name.
    pub tables: BTreeMap<String, TableSchema>,
}

/// One table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableSchema {
    /// Table name.
    pub name: String,
    /// Columns sorted by name. Column order is not compared: SQLite appends added columns,
    /// so a column removed and added back (a backwards `RemoveField`) ends up last.
    pub columns: Vec<ColumnSchema>,
    /// Primary-key columns in key order.
    pub primary_key: Vec<String>,
    /// Indexes created with `CREATE INDEX`, sorted by name (not the ones behind `UNIQUE`
    /// constraints or the primary key).
    pub indexes: Vec<IndexDef>,
    /// Table-level unique constraints, sorted.
    pub unique_constraints: Vec<NamedConstraint>,
    /// Check constraints, sorted.
    pub checks: Vec<NamedConstraint>,
    /// Foreign keys, sorted by column.
    pub foreign_keys: Vec<ForeignKeySchema>,
    /// Foreign keys over several columns, sorted.
    pub multi_foreign_keys: Vec<MultiForeignKeySchema>,
}

/// One column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnSchema {
    /// Column name.
    pub name: String,
    /// Declared type, upper-cased (`VARCHAR(200)`).
    pub type_name: String,
    /// NULL allowed.
    pub nullable: bool,
    /// The default's SQL text as stored (`'draft'`, `0`).
    pub default: Option<String>,
    /// Part of the primary key.
    pub primary_key: bool,
    /// Auto-increment (`INTEGER PRIMARY KEY AUTOINCREMENT` on SQLite).
    pub auto_increment: bool,
    /// A generated column: `stored` or `virtual`.
    pub generated: Option<String>,
    /// A generated column's expression as a comparison key (`sql_text::expression_key`, with
    /// the backend's `Features::function_synonyms`), since every backend keeps it in its own
    /// rewriting (`a * 2`, `` `a` * 2 ``, `(a * 2)`): what the reader gives back and what the
    /// state writes compare equal when only the spelling differs.
    pub generated_sql: Option<String>,
}

/// A table constraint: its name (when it has one) and what it holds — column names for
/// `UNIQUE`, the SQL expression for `CHECK`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NamedConstraint {
    /// `CONSTRAINT "name"`, if given.
    pub name: Option<String>,
    /// Columns (`UNIQUE`) or a single SQL expression (`CHECK`).
    pub body: Vec<String>,
}

/// One foreign key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKeySchema {
    /// The referencing column.
    pub column: String,
    /// The referenced table.
    pub table: String,
    /// The referenced column.
    pub to_column: String,
    /// `CASCADE`, `RESTRICT`, `SET NULL`, `SET DEFAULT` or `NO ACTION`.
    pub on_delete: String,
}

/// A foreign key over several columns (to a composite primary key).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MultiForeignKeySchema {
    /// The referencing columns, in key order.
    pub columns: Vec<String>,
    /// The constraint name, where the backend reports one (not SQLite).
    pub name: Option<String>,
    /// The referenced table.
    pub table: String,
    /// The referenced columns, in key order.
    pub to_columns: Vec<String>,
    /// `CASCADE`, `RESTRICT`, `SET NULL`, `SET DEFAULT` or `NO ACTION`.
    pub on_delete: String,
}

/// One column of a foreign key as a server's catalog lists it: the constraint's name, the
/// column, the referenced table and column, the on-delete rule (`CASCADE`, …).
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) type ForeignKeyColumnRow = (String, String, String, String, String);

/// Groups the catalog rows of one table's foreign keys by constraint name (rows of one
/// constraint in key order): a constraint over one column becomes a [`ForeignKeySchema`], one
/// over several a named [`MultiForeignKeySchema`]. Both lists come back sorted.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn group_foreign_keys(
    rows: impl IntoIterator<Item = ForeignKeyColumnRow>,
) -> (Vec<ForeignKeySchema>, Vec<MultiForeignKeySchema>) {
    let mut by_name: BTreeMap<String, Vec<ForeignKeyColumnRow>> = BTreeMap::new();
    for row in rows {
        by_name.entry(row.0.clone()).or_default().push(row);
    }
    let mut single = Vec::new();
    let mut multi = Vec::new();
    for (name, mut rows) in by_name {
        if rows.len() == 1 {
            let (_, column, table, to_column, on_delete) = rows.remove(0);
            single.push(ForeignKeySchema {
                column,
                table,
                to_column,
                on_delete,
            });
        } else {
            multi.push(MultiForeignKeySchema {
                columns: rows.iter().map(|r| r.1.clone()).collect(),
                name: Some(name),
                table: rows[0].2.clone(),
                to_columns: rows.iter().map(|r| r.3.clone()).collect(),
                on_delete: rows[0].4.clone(),
            });
        }
    }
    single.sort();
    multi.sort();
    (single, multi)
}

/// A live schema as `inspectdb` reads it: the [`DbSchema`] every comparison uses, plus what
/// only the database's catalog tells — each column's declared spelling, raw default and
/// comment, each check's SQL as the database prints it, the index and foreign-key details
/// models cannot express — and the objects that are not tables. Each backend's reader
/// (`backend/*/introspect.rs`, `inspect`) fills it; what a backend cannot hold stays empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveSchema {
    /// The tables, as [`crate::introspect::introspect`] reads them.
    pub schema: DbSchema,
    /// What the catalog says beyond [`DbSchema`], by table name.
    pub details: BTreeMap<String, TableDetails>,
    /// Views, triggers, sequences, virtual tables and the like: database objects that are not
    /// tables a model can declare, sorted.
    pub other_objects: Vec<OtherObject>,
}

/// What the catalog says about one table beyond its [`TableSchema`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableDetails {
    /// The table comment.
    pub comment: Option<String>,
    /// Every column, in the table's column order.
    pub columns: Vec<ColumnDetails>,
    /// Check name → its condition as the database prints it (SQL, not a comparison key).
    pub checks: BTreeMap<String, String>,
    /// `CHECK`s written on one column (MariaDB keeps them apart; SQLite's catalog does not
    /// list them), which [`TableSchema::checks`] leaves out.
    pub column_checks: Vec<ColumnCheck>,
    /// Index name → what about it a model cannot express, for every index (those behind
    /// unique constraints included) that has something.
    pub unusual_indexes: BTreeMap<String, String>,
    /// Index name → its definition as the database prints it, where it keeps one.
    pub index_definitions: BTreeMap<String, String>,
    /// Every foreign key as declared, multi-column ones included, sorted by name.
    pub foreign_keys: Vec<ForeignKeyDetails>,
    /// What a model cannot express about the table as a whole, each a noun phrase saying what
    /// it means (`the table option WITHOUT ROWID (…)`, an exclusion constraint, a virtual
    /// table).
    pub options: Vec<String>,
}

/// One column as the catalog describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnDetails {
    /// Column name.
    pub name: String,
    /// The type as the catalog spells it (`character varying(200)`, `int(11) unsigned`).
    pub declared_type: String,
    /// The default's SQL as the catalog prints it (not normalized).
    pub default: Option<String>,
    /// The column comment.
    pub comment: Option<String>,
    /// Numbered by a sequence its default draws from (PostgreSQL `SERIAL`), not by an
    /// identity or auto-increment column.
    pub sequence_default: bool,
    /// A type the database itself defines (an enum, a domain, a composite type): it must
    /// exist before a table can use it.
    pub user_type: bool,
    /// The expression of a generated (computed) column.
    pub generated: Option<String>,
    /// A column clause a model cannot express (`ON UPDATE CURRENT_TIMESTAMP`,
    /// `GENERATED ALWAYS AS IDENTITY`, `COLLATE nocase`), as the database spells it.
    pub extra: Option<String>,
}

/// A `CHECK` written on one column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnCheck {
    /// Its name, if it has one.
    pub name: Option<String>,
    /// The column it is written on.
    pub column: String,
    /// The condition.
    pub sql: String,
}

/// A foreign key as declared.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKeyDetails {
    /// The constraint name, if the database keeps one.
    pub name: Option<String>,
    /// The referencing columns, in key order.
    pub columns: Vec<String>,
    /// The referenced table.
    pub table: String,
    /// The referenced columns (empty: the referenced table's primary key).
    pub to_columns: Vec<String>,
    /// The `ON UPDATE` rule (`NO ACTION` when none was given).
    pub on_update: String,
    /// Checked at commit (`DEFERRABLE`).
    pub deferrable: bool,
}

/// A database object that is not a table (a view, a trigger, a sequence of its own).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OtherObject {
    /// What it is: `view`, `materialized view`, `trigger`, `sequence`, `virtual table`,
    /// `shadow table`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The table it belongs to, for a trigger.
    pub table: Option<String>,
}

/// Why a schema could not be read.
#[derive(Debug, Error)]
pub enum IntrospectError {
    /// A catalog query failed.
    #[error("reading the schema failed at `{sql}`: {source}")]
    Query {
        /// The query.
        sql: String,
        /// The database's error.
        source: diesel::result::Error,
    },
    /// The backend has no introspection yet.
    #[error("schema introspection for {0} is not available yet")]
    Unsupported(Backend),
}

#[cfg(test)]
mod condition_tests {
    use super::SqlCondition;

    fn c(sql: &str) -> SqlCondition {
        SqlCondition(sql.to_string())
    }

    #[test]
    fn a_cast_drops_its_type_name_only() {
        // PostgreSQL's spelling equals the migration's.
        assert_eq!(
            c("((status)::text = 'active'::text)"),
            c("status = 'active'")
        );
        assert_eq!(
            c("(note)::character varying IS NULL"),
            c("note IS NULL"),
            "a multi-word type"
        );
        assert_eq!(c("(tags)::text[] IS NULL"), c("tags IS NULL"));
        // The words after a cast are compared: these used to be swallowed with the type.
        assert_ne!(c("((a)::text IS NULL)"), c("((a)::text IS NOT NULL)"));
        assert_ne!(c("(a)::text IS NULL OR b"), c("(a)::text IS NULL OR c"));
        assert_eq!(c("(at)::timestamp with time zone IS NULL"), c("at IS NULL"));
    }
}
