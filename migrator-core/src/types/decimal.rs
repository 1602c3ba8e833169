//! [`Decimal`]: `rust_decimal::Decimal` as a value diesel inserts over every connection, in a
//! `ColumnType::Decimal` column (`NUMERIC(p, s)` on PostgreSQL, `DECIMAL(p, s)` on SQLite and
//! MySQL/MariaDB, converted by `sql_types`' and rust_decimal's conversions).

use diesel::sql_types::Numeric;

use crate::connection::MultiBackend;
use crate::field_type::{DecimalColumn, FloatDefault, IntegerDefault};
use crate::sql_types::DecimalColumn as SqliteDecimal;

newtype! {
    /// A `rust_decimal::Decimal` that diesel inserts, loads, filters on and updates through
    /// [`DbConnection`](crate::connection::DbConnection) and each backend's own connection,
    /// in a column of SQL type [`sql_types::Decimal`](crate::sql_types::Decimal). As a model
    /// field it is the same column as `rust_decimal::Decimal`, `#[model(precision, scale)]`
    /// included; on SQLite it keeps what a double keeps (see [`sql_types`](crate::sql_types)).
    pub struct Decimal(pub rust_decimal::Decimal);
}

impl DecimalColumn for Decimal {}
impl IntegerDefault for Decimal {}
impl FloatDefault for Decimal {}

bind_impls!(Decimal, Numeric, sqlite: SqliteDecimal, mysql: Numeric);
delegate_sql!(Decimal, rust_decimal::Decimal, Numeric => Numeric, MultiBackend);
// Reading only: diesel's SQLite `Numeric` is a double, so a value bound as `Numeric` must be
// one (`Bind` binds text, through `sql_types`' SQLite decimal column).
delegate_sql!(from Decimal, rust_decimal::Decimal, Numeric => SqliteDecimal, diesel::sqlite::Sqlite);
#[cfg(feature = "postgres")]
delegate_sql!(Decimal, rust_decimal::Decimal, Numeric => Numeric, diesel::pg::Pg);
#[cfg(feature = "mysql")]
delegate_sql!(Decimal, rust_decimal::Decimal, Numeric => Numeric, diesel::mysql::Mysql);
