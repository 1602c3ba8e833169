//! `rust_decimal::Decimal` in migrator's `ColumnType::Decimal` columns over `MultiBackend`:
//! PostgreSQL's `NUMERIC` and MySQL's `DECIMAL` through rust_decimal's
//! own diesel conversions (exact), SQLite's `DECIMAL` written as text and read from whichever
//! storage class SQLite's NUMERIC affinity chose.

use std::str::FromStr as _;

use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sqlite::{Sqlite, SqliteType, SqliteValue};

/// A `ColumnType::Decimal` column as migrator creates it on each backend.
#[derive(Debug, Clone, Copy, diesel::sql_types::SqlType)]
#[diesel(postgres_type(oid = 1700, array_oid = 1231))]
#[diesel(sqlite_type(name = "Text"))]
#[diesel(mysql_type(name = "Numeric"))]
pub(crate) struct DecimalColumn;

// diesel's `MultiConnection` derive writes `HasSqlType<Numeric>` itself (cargo feature
// `decimal` turns on diesel's `numeric` for that, so the impl is there in every build).
multi_backend_impls!(conversions diesel::sql_types::Numeric, DecimalColumn, rust_decimal::Decimal);

/// A decimal from number text: plain (`-12.50`) or, as SQLite may spell a REAL, scientific
/// (`1.0e-10`).
fn parse(text: &str) -> deserialize::Result<rust_decimal::Decimal> {
    let text = text.trim();
    rust_decimal::Decimal::from_str(text)
        .or_else(|_| rust_decimal::Decimal::from_scientific(text))
        .map_err(|e| format!("`{text}` in a decimal column is not a decimal: {e}").into())
}

impl FromSql<DecimalColumn, Sqlite> for rust_decimal::Decimal {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        match value.value_type() {
            Some(SqliteType::Long) => Ok(Self::from(value.read_long())),
            // SQLite kept the number as a REAL: the shortest text that reads back as the same
            // double is the decimal that was written (SQLite keeps 15 significant digits).
            Some(SqliteType::Double) => {
                let double = value.read_double();
                if !double.is_finite() {
                    return Err(format!("{double} in a decimal column is not a decimal").into());
                }
                parse(&double.to_string())
            }
            Some(SqliteType::Binary) => {
                Err("a BLOB in a decimal column is not a decimal (write decimals as text)".into())
            }
            _ => parse(value.read_text()),
        }
    }
}

impl ToSql<DecimalColumn, Sqlite> for rust_decimal::Decimal {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.to_string());
        Ok(IsNull::No)
    }
}

#[cfg(feature = "postgres")]
impl FromSql<DecimalColumn, diesel::pg::Pg> for rust_decimal::Decimal {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <Self as FromSql<diesel::sql_types::Numeric, diesel::pg::Pg>>::from_sql(value)
    }
}

#[cfg(feature = "postgres")]
impl ToSql<DecimalColumn, diesel::pg::Pg> for rust_decimal::Decimal {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::pg::Pg>) -> serialize::Result {
        <Self as ToSql<diesel::sql_types::Numeric, diesel::pg::Pg>>::to_sql(self, out)
    }
}

#[cfg(feature = "mysql")]
impl FromSql<DecimalColumn, diesel::mysql::Mysql> for rust_decimal::Decimal {
    fn from_sql(value: diesel::mysql::MysqlValue<'_>) -> deserialize::Result<Self> {
        <Self as FromSql<diesel::sql_types::Numeric, diesel::mysql::Mysql>>::from_sql(value)
    }
}

#[cfg(feature = "mysql")]
impl ToSql<DecimalColumn, diesel::mysql::Mysql> for rust_decimal::Decimal {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::mysql::Mysql>) -> serialize::Result {
        <Self as ToSql<diesel::sql_types::Numeric, diesel::mysql::Mysql>>::to_sql(self, out)
    }
}
