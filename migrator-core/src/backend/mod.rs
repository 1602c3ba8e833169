//! Database backends: the connection type over the three backends ([`DbConnection`]), the
//! [`Backend`] tag with its identifier quoting and literal spelling, and the [`SchemaEditor`]
//! trait that turns one [`Operation`] plus the states around it into SQL text.
//!
//! Each backend's editor lives in its own file (`sqlite.rs` now; `postgres.rs` and `mysql.rs`
//! later). Editors only produce SQL: running it, transactions, locking and the recorder belong
//! to `executor.rs`, `lock.rs` and `recorder.rs`. SQLite is always built (bundled); PostgreSQL
//! and MySQL/MariaDB are the cargo features `postgres` and `mysql`.
//!
//! A backend is: a `SchemaEditor` in its own file returned by [`Backend::editor`], an arm in
//! `lock.rs` (SQLite `BEGIN IMMEDIATE`, PostgreSQL advisory lock, MySQL `GET_LOCK`) and one in
//! `introspect.rs`; the recorder spells its SQL for all three, and the executor is
//! backend-neutral except for SQLite's `PRAGMA foreign_key_check` after each migration and
//! MySQL's implicit commits.

#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod server;
pub mod sqlite;

use std::fmt;

use thiserror::Error;

use crate::operations::Operation;
use crate::state::{DefaultValue, ModelState, ProjectState};

pub use connection::DbConnection;

mod connection {
    // diesel's MultiConnection derive generates undocumented public items.
    #![allow(missing_docs)]

    /// One connection type over every enabled backend (DESIGN decision 7).
    #[derive(diesel::MultiConnection)]
    pub enum DbConnection {
        /// An embedded SQLite database.
        Sqlite(diesel::SqliteConnection),
        /// A PostgreSQL server.
        #[cfg(feature = "postgres")]
        Postgres(diesel::PgConnection),
        /// A MySQL or MariaDB server.
        #[cfg(feature = "mysql")]
        Mysql(diesel::MysqlConnection),
    }
}

impl DbConnection {
    /// Which backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => Backend::Postgres,
            #[cfg(feature = "mysql")]
            Self::Mysql(_) => Backend::Mysql,
        }
    }
}

/// The database families migrator speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Backend {
    /// SQLite (always available).
    Sqlite,
    /// PostgreSQL (cargo feature `postgres`).
    Postgres,
    /// MySQL or MariaDB (cargo feature `mysql`).
    Mysql,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
            Self::Mysql => "MySQL",
        })
    }
}

impl Backend {
    /// Quotes an identifier. Identifiers are always quoted, so reserved words and mixed case
    /// are safe: `"name"` on SQLite and PostgreSQL, `` `name` `` on MySQL, with the quote
    /// character doubled inside.
    pub fn quote(self, ident: &str) -> String {
        let q = match self {
            Self::Sqlite | Self::Postgres => '"',
            Self::Mysql => '`',
        };
        let mut s = String::with_capacity(ident.len() + 2);
        s.push(q);
        for c in ident.chars() {
            if c == q {
                s.push(q);
            }
            s.push(c);
        }
        s.push(q);
        s
    }

    /// A string literal: single quotes, inner quotes doubled (and backslashes doubled on
    /// MySQL, where they escape by default).
    pub fn string_literal(self, value: &str) -> String {
        let mut s = String::with_capacity(value.len() + 2);
        s.push('\'');
        for c in value.chars() {
            match c {
                '\'' => s.push_str("''"),
                '\\' if self == Self::Mysql => s.push_str("\\\\"),
                c => s.push(c),
            }
        }
        s.push('\'');
        s
    }

    /// A default value as an SQL literal, safely quoted. `Float` must be a number and
    /// `Sql` is emitted verbatim inside parentheses (it is an expression the migration author
    /// wrote on purpose).
    pub fn default_literal(self, value: &DefaultValue) -> Result<String, SchemaError> {
        Ok(match value {
            DefaultValue::Bool(b) => match self {
                Self::Postgres => if *b { "TRUE" } else { "FALSE" }.to_owned(),
                Self::Sqlite | Self::Mysql => if *b { "1" } else { "0" }.to_owned(),
            },
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
            DefaultValue::Text(t) => self.string_literal(t),
            DefaultValue::Sql(expr) => format!("({expr})"),
        })
    }

    /// The schema editor of this backend.
    pub fn editor(self) -> Result<Box<dyn SchemaEditor>, SchemaError> {
        match self {
            Self::Sqlite => Ok(Box::new(sqlite::SqliteEditor)),
            #[cfg(feature = "postgres")]
            Self::Postgres => Ok(Box::new(postgres::PostgresEditor)),
            #[cfg(feature = "mysql")]
            Self::Mysql => Ok(Box::new(mysql::MysqlEditor)),
            #[allow(unreachable_patterns)]
            other => Err(SchemaError::UnsupportedBackend(other)),
        }
    }
}

/// Why SQL for an operation could not be produced.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum SchemaError {
    /// The operation cannot run backwards.
    #[error("operation `{0}` is irreversible: it has no backward step. Give it one (`reverse_sql` for RunSql, `backward` for RunRust), or migrate to a target after this migration")]
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

/// Turns one operation into SQL for one backend, given the project states before and after
/// the operation (both replayed by the caller: `before` → `Operation::state_forwards` →
/// `after`). Editors never run SQL.
pub trait SchemaEditor {
    /// Which backend this editor writes for.
    fn backend(&self) -> Backend;

    /// SQL for `op` run forwards: `before` is the state before it, `after` after it.
    fn forwards_sql(
        &self,
        app: &str,
        op: &Operation,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, SchemaError>;

    /// SQL for `op` run backwards (from `after` back to `before`).
    fn backwards_sql(
        &self,
        app: &str,
        op: &Operation,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, SchemaError>;

    /// The statements that create `model`'s table and its indexes, as `CreateModel` would.
    fn create_model_sql(
        &self,
        model: &ModelState,
        state: &ProjectState,
    ) -> Result<Vec<String>, SchemaError>;
}

/// The name of the index behind a field's `unique` or `index` flag: `{table}_{column}_uniq` or
/// `{table}_{column}_idx`. Shared by every backend and by introspection so names agree.
pub fn field_index_name(table: &str, column: &str, unique: bool) -> String {
    format!("{table}_{column}_{}", if unique { "uniq" } else { "idx" })
}

/// A short description of an operation for error messages, independent of the operations
/// module's own `describe()`.
pub(crate) fn op_label(op: &Operation) -> String {
    match op {
        Operation::CreateModel(o) => format!("CreateModel {}", o.name),
        Operation::DeleteModel(o) => format!("DeleteModel {}", o.name),
        Operation::RenameModel(o) => format!("RenameModel {} -> {}", o.old_name, o.new_name),
        Operation::AlterModelTable(o) => format!("AlterModelTable {} -> {}", o.name, o.table),
        Operation::AlterModelComment(o) => format!("AlterModelComment {}", o.name),
        Operation::AddField(o) => format!("AddField {}.{}", o.model, o.field.name),
        Operation::RemoveField(o) => format!("RemoveField {}.{}", o.model, o.name),
        Operation::AlterField(o) => format!("AlterField {}.{}", o.model, o.name),
        Operation::RenameField(o) => {
            format!("RenameField {}.{} -> {}", o.model, o.old_name, o.new_name)
        }
        Operation::AddIndex(o) => format!("AddIndex {} on {}", o.index.name, o.model),
        Operation::RemoveIndex(o) => format!("RemoveIndex {} on {}", o.name, o.model),
        Operation::AddConstraint(o) => {
            format!("AddConstraint {} on {}", o.constraint.name, o.model)
        }
        Operation::RemoveConstraint(o) => format!("RemoveConstraint {} on {}", o.name, o.model),
        Operation::RunSql(o) => match o.sql.first() {
            Some(first) => format!("RunSql {first:?}"),
            None => "RunSql (empty)".to_owned(),
        },
        Operation::RunRust(o) => format!("RunRust {}", o.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_the_quote_character() {
        assert_eq!(Backend::Sqlite.quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(Backend::Postgres.quote("order"), "\"order\"");
        assert_eq!(Backend::Mysql.quote("a`b"), "`a``b`");
    }

    #[test]
    fn literals_are_escaped() {
        assert_eq!(Backend::Sqlite.string_literal("it's"), "'it''s'");
        assert_eq!(Backend::Mysql.string_literal("a\\'"), "'a\\\\'''");
        let lit = Backend::Sqlite
            .default_literal(&DefaultValue::Text("x'); DROP TABLE t; --".into()))
            .unwrap();
        assert_eq!(lit, "'x''); DROP TABLE t; --'");
    }

    #[test]
    fn float_defaults_must_be_numbers() {
        let ok = Backend::Sqlite.default_literal(&DefaultValue::Float("1.5e3".into()));
        assert_eq!(ok.unwrap(), "1.5e3");
        for bad in ["1; DROP TABLE t", "inf", "NaN", ""] {
            let err = Backend::Sqlite.default_literal(&DefaultValue::Float(bad.into()));
            assert!(err.is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn bool_defaults_per_backend() {
        let t = DefaultValue::Bool(true);
        assert_eq!(Backend::Sqlite.default_literal(&t).unwrap(), "1");
        assert_eq!(Backend::Postgres.default_literal(&t).unwrap(), "TRUE");
    }
}
