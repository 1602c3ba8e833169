//! Database backends. Each backend is a folder of its own — `features.rs` (the facts core
//! code asks: [`Features`]), `schema.rs` (its schema editor or, for the servers, its statement
//! spelling) and `introspect.rs` (reading a live schema) — and this file maps a [`Backend`] to
//! them. The shared pieces are leaves every backend imports: `features.rs` (the vocabulary of
//! facts and the [`Backend`] tag), `editor.rs` (the [`SchemaEditor`] primitives and
//! [`SchemaError`]), `costs.rs` (a primitive call as data, [`Change`], whose cost on a table
//! with rows each backend's `costs.rs` judges: [`Backend::costs`]) and `server/` (the object-diff engine PostgreSQL and MySQL/MariaDB share).
//!
//! Editors only produce SQL: running it, transactions, locking and the recorder belong to the
//! executor, `lock.rs` and `recorder.rs`, which ask [`Backend::features`] instead of naming a
//! vendor. SQLite is always built (bundled); PostgreSQL and MySQL/MariaDB are the cargo
//! features `postgres` and `mysql` (their [`Features`] are always built, so a URL for a
//! backend left out of the build gets a precise error).

pub mod costs;
pub mod editor;
pub mod features;
pub mod fold;
pub mod mysql;
pub mod postgres;
pub mod record;
#[cfg(any(feature = "postgres", feature = "mysql"))]
mod server;
pub mod sqlite;

use std::fmt;

use crate::state::DefaultValue;

pub use crate::connection::DbConnection;
pub use crate::db_schema::field_index_name;
pub use costs::Change;
pub use editor::{SchemaEditor, SchemaError, Step};
pub use features::{Backend, Features, LockKind};

/// Every backend migrator knows, in a fixed order (whether or not this build includes it).
pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mysql];

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.features().display_name)
    }
}

impl Backend {
    /// The facts about this backend that core code asks instead of comparing vendors.
    pub fn features(self) -> &'static Features {
        match self {
            Self::Sqlite => &sqlite::FEATURES,
            Self::Postgres => &postgres::FEATURES,
            Self::Mysql => &mysql::FEATURES,
        }
    }

    /// The backend a URL scheme selects (`postgres`, `mariadb`, …), if any.
    pub fn from_scheme(scheme: &str) -> Option<Self> {
        ALL.into_iter()
            .find(|b| b.features().url_schemes.contains(&scheme))
    }

    /// True when this build of migrator-core includes the backend (its cargo feature is on).
    pub fn is_built(self) -> bool {
        match self {
            Self::Sqlite => true,
            Self::Postgres => cfg!(feature = "postgres"),
            Self::Mysql => cfg!(feature = "mysql"),
        }
    }

    /// Quotes an identifier (see [`Features::quote`]).
    pub fn quote(self, ident: &str) -> String {
        self.features().quote(ident)
    }

    /// A string literal (see [`Features::string_literal`]).
    pub fn string_literal(self, value: &str) -> String {
        self.features().string_literal(value)
    }

    /// A default value as an SQL literal (see [`editor::default_literal`]).
    pub fn default_literal(self, value: &DefaultValue) -> Result<String, SchemaError> {
        editor::default_literal(self.features(), value)
    }

    /// What `change` costs a table with rows on this backend beyond its result — a rewrite,
    /// a rebuild, writes blocked while an index builds, the COPY algorithm — one sentence
    /// each (each backend's `costs.rs`; judged from the states, so every backend can be
    /// judged whether or not this build includes it).
    pub fn costs(self, step: &Step<'_>, change: &Change) -> Vec<String> {
        match self {
            Self::Sqlite => sqlite::costs::costs(step, change),
            Self::Postgres => postgres::costs::costs(step, change),
            Self::Mysql => mysql::costs::costs(step, change),
        }
    }

    /// Runs of operations of one atomic migration that this backend does with
    /// fewer statements together than one by one (see [`fold::Folded`]): on SQLite, the
    /// operations on one table of which at least one rebuilds it become one rebuild
    /// (`sqlite/fold.rs`); the servers alter in place and fold nothing. `ops` is every
    /// operation of the migration, in run order.
    pub fn fold(
        self,
        app: &str,
        ops: &[fold::Planned<'_>],
    ) -> Result<Vec<fold::Folded>, SchemaError> {
        match self {
            Self::Sqlite => sqlite::fold::fold(app, ops),
            Self::Postgres | Self::Mysql => Ok(Vec::new()),
        }
    }

    /// What one run [`Backend::fold`] folded costs on this backend, as a sentence naming
    /// `table` and the run's `operations` (numbered and described): on SQLite, one rebuild
    /// for all of them. `None` where nothing folds.
    pub fn folded_cost(self, table: &str, operations: &str) -> Option<String> {
        match self {
            Self::Sqlite => Some(sqlite::costs::folded_rebuild(table, operations)),
            Self::Postgres | Self::Mysql => None,
        }
    }

    /// Whether [`Backend::fold`] can fold anything on this backend (so callers record the
    /// operations' changes only where it can).
    pub fn folds(self) -> bool {
        matches!(self, Self::Sqlite)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_their_backend_from_its_features() {
        for b in ALL {
            assert_eq!(b.features().backend, b);
            for scheme in b.features().url_schemes {
                assert_eq!(Backend::from_scheme(scheme), Some(b));
            }
        }
        assert_eq!(Backend::from_scheme("oracle"), None);
    }

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
