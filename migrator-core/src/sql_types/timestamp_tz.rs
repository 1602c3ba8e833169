//! `chrono::DateTime<chrono::Utc>` in migrator's `ColumnType::TimestampTz` columns over
//! `MultiBackend`: PostgreSQL's `TIMESTAMPTZ` through diesel's own
//! conversion, MySQL's `DATETIME(6)` holding the UTC value (diesel's `DATETIME` conversion of
//! the naive UTC time), SQLite's `TIMESTAMPTZ` as UTC text read by diesel's SQLite parser.

use chrono::{DateTime, Utc};
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sqlite::{Sqlite, SqliteValue};

/// A `ColumnType::TimestampTz` column as migrator creates it on each backend.
#[derive(Debug, Clone, Copy, diesel::sql_types::SqlType)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
#[diesel(mysql_type(name = "DateTime"))]
pub(crate) struct TimestampTzColumn;

multi_backend_impls!(
    diesel::sql_types::Timestamptz,
    TimestampTzColumn,
    DateTime<Utc>
);

/// How a UTC instant is written on SQLite: the spelling of SQLite's `CURRENT_TIMESTAMP`
/// (and of diesel's `Timestamp`), with the fraction when there is one, so stored text
/// compares and sorts like the instants it holds.
const SQLITE_FORMAT: &str = "%F %T%.f";

impl FromSql<TimestampTzColumn, Sqlite> for DateTime<Utc> {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        // Text with or without an offset (none means UTC), `T` or space, or a Julian day.
        <Self as FromSql<diesel::sql_types::TimestamptzSqlite, Sqlite>>::from_sql(value)
    }
}

impl ToSql<TimestampTzColumn, Sqlite> for DateTime<Utc> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.naive_utc().format(SQLITE_FORMAT).to_string());
        Ok(IsNull::No)
    }
}

#[cfg(feature = "postgres")]
impl FromSql<TimestampTzColumn, diesel::pg::Pg> for DateTime<Utc> {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <Self as FromSql<diesel::sql_types::Timestamptz, diesel::pg::Pg>>::from_sql(value)
    }
}

#[cfg(feature = "postgres")]
impl ToSql<TimestampTzColumn, diesel::pg::Pg> for DateTime<Utc> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::pg::Pg>) -> serialize::Result {
        <Self as ToSql<diesel::sql_types::Timestamptz, diesel::pg::Pg>>::to_sql(self, out)
    }
}

#[cfg(feature = "mysql")]
impl FromSql<TimestampTzColumn, diesel::mysql::Mysql> for DateTime<Utc> {
    fn from_sql(value: diesel::mysql::MysqlValue<'_>) -> deserialize::Result<Self> {
        <chrono::NaiveDateTime as FromSql<diesel::sql_types::Datetime, diesel::mysql::Mysql>>::from_sql(value)
            .map(|naive| naive.and_utc())
    }
}

#[cfg(feature = "mysql")]
impl ToSql<TimestampTzColumn, diesel::mysql::Mysql> for DateTime<Utc> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::mysql::Mysql>) -> serialize::Result {
        let naive = self.naive_utc();
        <chrono::NaiveDateTime as ToSql<diesel::sql_types::Datetime, diesel::mysql::Mysql>>::to_sql(
            &naive,
            &mut out.reborrow(),
        )
    }
}
