//! Reads a live database's schema into [`DbSchema`] (`db_schema.rs`), and derives the
//! [`DbSchema`] a [`ProjectState`] should produce ([`expected_schema`]), so tests (and a drift
//! check) can compare them table by table:
//! `assert_eq!(introspect(conn)?, expected_schema(&state, …)?)`.
//!
//! Each backend reads its own catalog in its folder (`backend/sqlite/introspect.rs`,
//! `backend/postgres/introspect.rs`, `backend/mysql/introspect.rs`); this module only picks
//! the one for the connection. [`inspect`] reads more of the catalog, for `inspectdb`.
//! Nothing here changes a database.

use crate::backend::{sqlite, Backend, DbConnection, SchemaError};
use crate::state::ProjectState;

pub use crate::db_schema::{
    ColumnCheck, ColumnDetails, ColumnSchema, DbSchema, ForeignKeyDetails, ForeignKeySchema,
    IndexDef, IntrospectError, LiveSchema, NamedConstraint, OtherObject, TableDetails, TableSchema,
};

/// Reads the schema of the database behind `conn`.
pub fn introspect(conn: &mut DbConnection) -> Result<DbSchema, IntrospectError> {
    match conn {
        DbConnection::Sqlite(c) => sqlite::introspect::introspect(c),
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(c) => crate::backend::postgres::introspect::introspect(c),
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => crate::backend::mysql::introspect::introspect(c),
    }
}

/// Reads the schema of the database behind `conn` with everything `inspectdb` needs beyond
/// [`introspect`]: declared types, raw defaults and checks, comments, index and foreign-key
/// details, table options, and the views and triggers.
pub fn inspect(conn: &mut DbConnection) -> Result<LiveSchema, IntrospectError> {
    match conn {
        DbConnection::Sqlite(c) => sqlite::introspect::inspect(c),
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(c) => crate::backend::postgres::introspect::inspect(c),
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => crate::backend::mysql::introspect::inspect(c),
    }
}

/// The schema `state` produces on `backend`: what [`introspect`] must return after the
/// migrations that build `state` have been applied.
pub fn expected_schema(state: &ProjectState, backend: Backend) -> Result<DbSchema, SchemaError> {
    match backend {
        Backend::Sqlite => sqlite::introspect::expected_schema(state),
        #[cfg(feature = "postgres")]
        Backend::Postgres => crate::backend::postgres::expected_schema(state).map(|(s, _)| s),
        #[cfg(feature = "mysql")]
        Backend::Mysql => crate::backend::mysql::expected_schema(state).map(|(s, _)| s),
        #[allow(unreachable_patterns)]
        other => Err(SchemaError::UnsupportedBackend(other)),
    }
}
