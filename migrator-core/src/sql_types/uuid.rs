//! `uuid::Uuid` in migrator's `ColumnType::Uuid` columns over `MultiBackend`: PostgreSQL's
//! `UUID` through diesel's own binary conversion, SQLite's and MySQL's `CHAR(36)` as
//! hyphenated lowercase text (read in any form the `uuid` crate parses).

use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sqlite::{Sqlite, SqliteValue};

/// A `ColumnType::Uuid` column as migrator creates it on each backend.
#[derive(Debug, Clone, Copy, diesel::sql_types::SqlType)]
#[diesel(postgres_type(oid = 2950, array_oid = 2951))]
#[diesel(sqlite_type(name = "Text"))]
#[diesel(mysql_type(name = "String"))]
pub(crate) struct UuidColumn;

multi_backend_impls!(diesel::sql_types::Uuid, UuidColumn, ::uuid::Uuid);

/// A UUID from the text a `CHAR(36)` column holds.
fn parse(text: &[u8]) -> deserialize::Result<::uuid::Uuid> {
    ::uuid::Uuid::try_parse_ascii(text).map_err(|e| {
        format!(
            "`{}` in a UUID column is not a UUID: {e}",
            String::from_utf8_lossy(text)
        )
        .into()
    })
}

impl FromSql<UuidColumn, Sqlite> for ::uuid::Uuid {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        parse(value.read_text().as_bytes())
    }
}

impl ToSql<UuidColumn, Sqlite> for ::uuid::Uuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.hyphenated().to_string());
        Ok(IsNull::No)
    }
}

#[cfg(feature = "postgres")]
impl FromSql<UuidColumn, diesel::pg::Pg> for ::uuid::Uuid {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <Self as FromSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::from_sql(value)
    }
}

#[cfg(feature = "postgres")]
impl ToSql<UuidColumn, diesel::pg::Pg> for ::uuid::Uuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::pg::Pg>) -> serialize::Result {
        <Self as ToSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::to_sql(self, out)
    }
}

#[cfg(feature = "mysql")]
impl FromSql<UuidColumn, diesel::mysql::Mysql> for ::uuid::Uuid {
    fn from_sql(value: diesel::mysql::MysqlValue<'_>) -> deserialize::Result<Self> {
        parse(value.as_bytes())
    }
}

#[cfg(feature = "mysql")]
impl ToSql<UuidColumn, diesel::mysql::Mysql> for ::uuid::Uuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::mysql::Mysql>) -> serialize::Result {
        use std::io::Write as _;
        let mut buffer = ::uuid::Uuid::encode_buffer();
        out.write_all(self.hyphenated().encode_lower(&mut buffer).as_bytes())?;
        Ok(IsNull::No)
    }
}
