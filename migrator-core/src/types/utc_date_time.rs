//! [`UtcDateTime`]: `chrono::DateTime<chrono::Utc>` as a value diesel inserts over every
//! connection, in a `ColumnType::TimestampTz` column (`TIMESTAMPTZ` on PostgreSQL, UTC text
//! on SQLite, `DATETIME(6)` holding the UTC value on MySQL/MariaDB, written by `sql_types`'
//! conversions).

use chrono::{DateTime, Utc};
use diesel::sql_types::Timestamptz;

use crate::connection::MultiBackend;
use crate::field_type::TextDefault;
use crate::sql_types::TimestampTzColumn;

newtype! {
    /// A `chrono::DateTime<chrono::Utc>` that diesel inserts, loads, filters on and updates
    /// through [`DbConnection`](crate::connection::DbConnection) on every backend, in a column of
    /// SQL type [`sql_types::TimestampTz`](crate::sql_types::TimestampTz). As a model field it is
    /// the same column as `DateTime<Utc>`; see [the module](super).
    pub struct UtcDateTime(pub DateTime<Utc>);
}

impl TextDefault for UtcDateTime {}

bind_impls!(UtcDateTime, Timestamptz, sqlite: TimestampTzColumn, mysql: TimestampTzColumn);
delegate_sql!(UtcDateTime, DateTime<Utc>, Timestamptz => Timestamptz, MultiBackend);
#[cfg(feature = "postgres")]
delegate_sql!(UtcDateTime, DateTime<Utc>, Timestamptz => Timestamptz, diesel::pg::Pg);
