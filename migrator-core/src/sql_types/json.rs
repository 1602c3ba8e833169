//! `serde_json::Value` in migrator's `ColumnType::Json` columns over `MultiBackend`: every
//! conversion is diesel's own — PostgreSQL's `JSONB` (bound as `jsonb`, so `=` compares),
//! MySQL's `JSON` (MariaDB's `LONGTEXT` reads and writes the same text) and SQLite's JSON text.

use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sqlite::{Sqlite, SqliteValue};

/// A `ColumnType::Json` column as migrator creates it on each backend.
#[derive(Debug, Clone, Copy, diesel::sql_types::SqlType)]
#[diesel(postgres_type(oid = 3802, array_oid = 3807))]
#[diesel(sqlite_type(name = "Text"))]
#[diesel(mysql_type(name = "String"))]
struct JsonColumn;

multi_backend_impls!(diesel::sql_types::Json, JsonColumn, serde_json::Value);

impl FromSql<JsonColumn, Sqlite> for serde_json::Value {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        <Self as FromSql<diesel::sql_types::Json, Sqlite>>::from_sql(value)
    }
}

impl ToSql<JsonColumn, Sqlite> for serde_json::Value {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        <Self as ToSql<diesel::sql_types::Json, Sqlite>>::to_sql(self, out)
    }
}

#[cfg(feature = "postgres")]
impl FromSql<JsonColumn, diesel::pg::Pg> for serde_json::Value {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <Self as FromSql<diesel::sql_types::Jsonb, diesel::pg::Pg>>::from_sql(value)
    }
}

#[cfg(feature = "postgres")]
impl ToSql<JsonColumn, diesel::pg::Pg> for serde_json::Value {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::pg::Pg>) -> serialize::Result {
        <Self as ToSql<diesel::sql_types::Jsonb, diesel::pg::Pg>>::to_sql(self, out)
    }
}

#[cfg(feature = "mysql")]
impl FromSql<JsonColumn, diesel::mysql::Mysql> for serde_json::Value {
    fn from_sql(value: diesel::mysql::MysqlValue<'_>) -> deserialize::Result<Self> {
        <Self as FromSql<diesel::sql_types::Json, diesel::mysql::Mysql>>::from_sql(value)
    }
}

#[cfg(feature = "mysql")]
impl ToSql<JsonColumn, diesel::mysql::Mysql> for serde_json::Value {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::mysql::Mysql>) -> serialize::Result {
        <Self as ToSql<diesel::sql_types::Json, diesel::mysql::Mysql>>::to_sql(self, out)
    }
}
