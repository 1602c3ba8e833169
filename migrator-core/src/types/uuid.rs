//! [`Uuid`]: `uuid::Uuid` as a value diesel inserts over every connection, in a
//! `ColumnType::Uuid` column (`UUID` on PostgreSQL, hyphenated lowercase `CHAR(36)` text on
//! SQLite and MySQL/MariaDB, written by `sql_types`' conversions).

use diesel::sql_types::Uuid as SqlUuid;

use crate::connection::MultiBackend;
use crate::field_type::TextDefault;
use crate::sql_types::UuidColumn;

newtype! {
    /// A `uuid::Uuid` that diesel inserts, loads, filters on and updates through
    /// [`DbConnection`](crate::connection::DbConnection) on every backend, in a column of SQL type
    /// [`sql_types::Uuid`](crate::sql_types::Uuid). As a model field it is the same column as
    /// `uuid::Uuid`; see [the module](super).
    pub struct Uuid(pub ::uuid::Uuid);
}

impl TextDefault for Uuid {}

bind_impls!(Uuid, SqlUuid, sqlite: UuidColumn, mysql: UuidColumn);
delegate_sql!(Uuid, ::uuid::Uuid, SqlUuid => SqlUuid, MultiBackend);
#[cfg(feature = "postgres")]
delegate_sql!(Uuid, ::uuid::Uuid, SqlUuid => SqlUuid, diesel::pg::Pg);
