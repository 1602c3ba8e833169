//! Migrator's own value types for the columns whose Rust type diesel cannot insert over
//! [`DbConnection`](crate::connection::DbConnection): [`Uuid`] (for `uuid::Uuid`),
//! [`Decimal`] (for `rust_decimal::Decimal`) and [`UtcDateTime`] (for
//! `chrono::DateTime<chrono::Utc>`). Each wraps the value (`.0`, `Deref`, `From` both ways)
//! and is, for migrator, the same column as the type it wraps (the same
//! [`Column`](crate::Column) impl, so the same `ColumnType`, migrations and `schema.rs`
//! line), and for diesel a value of the matching [`sql_types`](crate::sql_types) SQL type on every backend. This module owns the
//! newtypes and how they are bound and read; the SQL types and the per-backend conversions
//! they reuse are [`sql_types`](crate::sql_types)'.
//!
//! **Why.** `insert_into(..).values(..)` over `DbConnection` renders each value with the
//! conversion of every backend built in, including SQLite's, and diesel has no SQLite
//! conversion for `uuid::Uuid`, `rust_decimal::Decimal` or `DateTime<Utc>` that anyone but
//! diesel may add (neither the value types nor `Sqlite` are migrator's). These types are
//! migrator's, so they carry every conversion. Use them for model fields of rows you insert
//! through diesel; the plain types keep working for loading, filters and updates.
//!
//! | through | [`Decimal`] | [`Uuid`], [`UtcDateTime`] |
//! |---|---|---|
//! | `DbConnection` (every backend) | insert (`Insertable`; a `None` field is NULL unless the column has a default), load, filter, update, delete | the same |
//! | `PgConnection` | the same | the same |
//! | `SqliteConnection`, `MysqlConnection` | the same | insert, filter (`eq`, `lt`, …), update, delete; not loading: diesel's `Uuid` and `Timestamptz` SQL types exist only for PostgreSQL, and reading a column needs its SQL type on the backend (read those through `DbConnection`) |
//!
//! All three are bound through [`Bind`], not diesel's `Bound`, which asks the backend for the
//! SQL type (SQLite has no `Uuid` or `Timestamptz`, and its `Numeric` binds must be
//! doubles): `Bind` binds the value as migrator stores it on the backend in use, with
//! [`sql_types`](crate::sql_types)' conversions. Not covered: `eq_any` over `DbConnection`
//! (diesel's `MultiConnection` renders `IN` lists with each backend's own conversions), and
//! `.eq(None::<T>)` on `SqliteConnection` and `MysqlConnection` (use `DbConnection`).
//!
//! ```
//! # #[cfg(all(feature = "uuid", feature = "decimal", feature = "chrono"))] {
//! use diesel::prelude::*;
//! use migrator_core::connection::DbConnection;
//! use migrator_core::types::{Decimal, UtcDateTime, Uuid};
//!
//! diesel::table! {
//!     use diesel::sql_types::*;
//!     use migrator_core::sql_types::{Decimal, TimestampTz, Uuid};
//!
//!     products (id) {
//!         id -> BigInt,
//!         code -> Uuid,
//!         price -> Nullable<Decimal>,
//!         added -> TimestampTz,
//!     }
//! }
//!
//! /// One row, as the application inserts, reads and changes it.
//! #[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, PartialEq)]
//! #[diesel(table_name = products)]
//! #[diesel(check_for_backend(migrator_core::connection::MultiBackend))]
//! struct Product {
//!     id: i64,
//!     code: Uuid,
//!     price: Option<Decimal>,
//!     added: UtcDateTime,
//! }
//!
//! let mut conn = DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:")?);
//! diesel::sql_query(
//!     "CREATE TABLE products (id BIGINT PRIMARY KEY, code CHAR(36) NOT NULL, \
//!      price DECIMAL(10, 2), added TIMESTAMPTZ NOT NULL)",
//! )
//! .execute(&mut conn)?;
//! let row = Product {
//!     id: 1,
//!     code: uuid::Uuid::from_u128(7).into(),
//!     price: Some("12.50".parse()?),
//!     added: "2024-05-01T12:00:00Z".parse()?,
//! };
//! diesel::insert_into(products::table).values(&row).execute(&mut conn)?;
//! let found: Product = products::table
//!     .filter(products::code.eq(Uuid::from(uuid::Uuid::from_u128(7))))
//!     .select(Product::as_select())
//!     .first(&mut conn)?;
//! assert_eq!(found, row);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::marker::PhantomData;

use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, TypedExpressionType,
    ValidGrouping,
};
use diesel::query_builder::QueryId;
use diesel::sql_types::SqlType;

/// A newtype here: the struct, with the traits it has the way its inner type has them
/// (`Debug`, `Clone`, `Copy`, comparisons, `Hash`, `Default`, `Display`, `FromStr`), `Deref`,
/// `From` both ways, diesel's `FromSqlRow`, and [`Column`](crate::Column) (the inner type's
/// column).
macro_rules! newtype {
    ($(#[$attr:meta])* pub struct $name:ident(pub $inner:ty);) => {
        $(#[$attr])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            Default,
            diesel::deserialize::FromSqlRow,
        )]
        pub struct $name(pub $inner);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = <$inner as std::str::FromStr>::Err;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map(Self)
            }
        }

        impl std::ops::Deref for $name {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.0
            }
        }

        impl From<$inner> for $name {
            fn from(value: $inner) -> Self {
                Self(value)
            }
        }

        impl From<$name> for $inner {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl crate::field_type::Column for $name {
            const DIESEL_SQL_TYPE: Option<&'static str> =
                <$inner as crate::field_type::Column>::DIESEL_SQL_TYPE;
            fn column_type(spec: &crate::field_type::TypeSpec) -> crate::field_type::ColumnType {
                <$inner as crate::field_type::Column>::column_type(spec)
            }
        }
    };
}

/// `FromSql<$st, $backend>` and (unless `from` only) `ToSql<$st, $backend>` for `$name` as
/// the inner value's conversion through `$via` (the SQL type or `sql_types`' private column
/// type) on that backend.
macro_rules! delegate_sql {
    (from $name:ident, $inner:ty, $st:ty => $via:ty, $backend:ty) => {
        impl diesel::deserialize::FromSql<$st, $backend> for $name {
            fn from_sql(
                value: <$backend as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                <$inner as diesel::deserialize::FromSql<$via, $backend>>::from_sql(value).map(Self)
            }
        }
    };
    ($name:ident, $inner:ty, $st:ty => $via:ty, $backend:ty) => {
        delegate_sql!(from $name, $inner, $st => $via, $backend);

        impl diesel::serialize::ToSql<$st, $backend> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, $backend>,
            ) -> diesel::serialize::Result {
                <$inner as diesel::serialize::ToSql<$via, $backend>>::to_sql(&self.0, out)
            }
        }
    };
}

/// `AsExpression` of `$name` (and `&$name`) as `$st` and `Nullable<$st>`, making a [`Bind`],
/// and the [`Bind`]'s bind parameter per backend: `$sqlite` on SQLite, `$mysql` on MySQL,
/// `$st` on PostgreSQL and over `MultiBackend`.
macro_rules! bind_impls {
    ($name:ident, $st:ty, sqlite: $sqlite:ty, mysql: $mysql:ty) => {
        bind_impls!(@as $name, $st);
        bind_impls!(@as $name, diesel::sql_types::Nullable<$st>);
        bind_impls!(@walk $name, $sqlite, diesel::sqlite::Sqlite);
        bind_impls!(@walk $name, $st, $crate::connection::MultiBackend);
        #[cfg(feature = "postgres")]
        bind_impls!(@walk $name, $st, diesel::pg::Pg);
        #[cfg(feature = "mysql")]
        bind_impls!(@walk $name, $mysql, diesel::mysql::Mysql);
    };
    (@as $name:ident, $st:ty) => {
        impl diesel::expression::AsExpression<$st> for $name {
            type Expression = $crate::types::Bind<$st, $name>;
            fn as_expression(self) -> Self::Expression {
                $crate::types::Bind::new(self)
            }
        }

        impl diesel::expression::AsExpression<$st> for &$name {
            type Expression = $crate::types::Bind<$st, $name>;
            fn as_expression(self) -> Self::Expression {
                $crate::types::Bind::new(*self)
            }
        }
    };
    (@walk $name:ident, $via:ty, $backend:ty) => {
        impl<ST> diesel::query_builder::QueryFragment<$backend> for $crate::types::Bind<ST, $name> {
            fn walk_ast<'b>(
                &'b self,
                mut pass: diesel::query_builder::AstPass<'_, 'b, $backend>,
            ) -> diesel::QueryResult<()> {
                pass.push_bind_param::<$via, _>(&self.value().0)
            }
        }
    };
}

#[cfg(feature = "decimal")]
mod decimal;
#[cfg(feature = "chrono")]
mod utc_date_time;
#[cfg(feature = "uuid")]
mod uuid;

#[cfg(feature = "decimal")]
pub use decimal::Decimal;
#[cfg(feature = "chrono")]
pub use utc_date_time::UtcDateTime;
#[cfg(feature = "uuid")]
pub use uuid::Uuid;

/// A [`Uuid`], [`Decimal`] or [`UtcDateTime`] in a query, of SQL type `ST` (the column's, `Nullable` or
/// not): what `.eq(value)`, `Insertable` and `AsChangeset` make of one. It binds the value
/// as migrator stores it on the backend in use, so it needs no SQL type the backend lacks
/// (see [the module](self)). You do not build one yourself.
#[derive(Debug, Clone, Copy)]
pub struct Bind<ST, T> {
    value: T,
    sql_type: PhantomData<ST>,
}

impl<ST, T> Bind<ST, T> {
    fn new(value: T) -> Self {
        Self {
            value,
            sql_type: PhantomData,
        }
    }

    /// The bound value.
    pub fn value(&self) -> &T {
        &self.value
    }
}

impl<ST: SqlType + TypedExpressionType, T> Expression for Bind<ST, T> {
    type SqlType = ST;
}

impl<ST, T, QS: ?Sized> AppearsOnTable<QS> for Bind<ST, T> where Self: Expression {}

impl<ST, T, QS: ?Sized> SelectableExpression<QS> for Bind<ST, T> where Self: AppearsOnTable<QS> {}

impl<ST, T, GB> ValidGrouping<GB> for Bind<ST, T> {
    type IsAggregate = is_aggregate::Never;
}

impl<ST: QueryId, T: 'static> QueryId for Bind<ST, T> {
    type QueryId = Bind<ST::QueryId, T>;
    const HAS_STATIC_QUERY_ID: bool = ST::HAS_STATIC_QUERY_ID;
}
