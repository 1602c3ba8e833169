//! The diesel SQL types of the four column types diesel has no portable SQL type for, so that
//! one `schema.rs` of `diesel::table!` blocks (what `makemigrations` writes from the models)
//! works on SQLite, PostgreSQL and MySQL/MariaDB through
//! [`DbConnection`](crate::connection::DbConnection). The other column types use
//! `diesel::sql_types::*` directly (`BigInt`, `Text`, `Timestamp`, …). This module owns these
//! SQL types and their conversions over [`MultiBackend`](crate::connection::MultiBackend), the
//! backend of `DbConnection`; it does not own how migrator spells the columns (each backend's
//! `schema.rs` does) nor the `table!` generator.
//!
//! | migrator `ColumnType` | SQL type here | SQLite column | PostgreSQL column | MySQL/MariaDB column | Rust type | cargo feature |
//! |---|---|---|---|---|---|---|
//! | `Uuid` | [`Uuid`] (diesel's `Uuid`) | `CHAR(36)`, hyphenated lowercase text | `UUID` | `CHAR(36)`, hyphenated lowercase text | `uuid::Uuid` | `uuid` |
//! | `Json` | [`Json`] (diesel's `Json`) | `TEXT` | `JSONB` | `JSON` (MariaDB: `LONGTEXT` with a `JSON_VALID` check) | `serde_json::Value` | `json` |
//! | `Decimal { precision, scale }` | [`Decimal`] (diesel's `Numeric`) | `DECIMAL(p, s)` (NUMERIC affinity) | `NUMERIC(p, s)` | `DECIMAL(p, s)` | `rust_decimal::Decimal` | `decimal` |
//! | `TimestampTz` | [`TimestampTz`] (diesel's `Timestamptz`) | `TIMESTAMPTZ`, UTC text `YYYY-MM-DD HH:MM:SS[.f]` | `TIMESTAMPTZ` | `DATETIME(6)`, the UTC value | `chrono::DateTime<chrono::Utc>` | `chrono` |
//!
//! A nullable column is `Nullable<…>` of these, read and written as `Option<T>`. Each type
//! exists with the cargo feature that brings its Rust type; over `DbConnection` each value is
//! converted by the backend the connection talks to, as the table says.
//!
//! **Why diesel's own SQL types.** `Insertable`, `AsChangeset` and `.eq(value)` need
//! `uuid::Uuid: AsExpression<SqlType>`, and Rust's coherence rules let only diesel (or the
//! value's own crate) write that impl for another crate's type. So the SQL type has to be one
//! those crates already pair with the Rust type — `Uuid`, `Json`, `Numeric` (rust_decimal's
//! diesel support) and `Timestamptz` — and migrator adds the conversions they lack on
//! `MultiBackend`, which is migrator's type. A conversion for such a pair on a backend diesel
//! owns (`SqliteConnection`'s backend, say) only diesel can add. What that means:
//!
//! | through | works | does not |
//! |---|---|---|
//! | `DbConnection` | all four on every backend: loading (`Queryable`, `Selectable`, `select`), filters (`eq`, `ne`, `lt`, `between`, `is_null`, …), `update(..).set(..)` and `AsChangeset`, bound `sql_query`; `Json` also in `insert_into(..).values(..)` | `Uuid`, `Decimal`, `TimestampTz` in `insert_into(..).values(..)` (`Insertable`) and `eq_any` do not compile: diesel's `MultiConnection` renders those with each backend's own conversions. `Json` in `eq_any` fails on PostgreSQL at run time (`jsonb = json`) |
//! | `PgConnection` | `Uuid`, `Decimal`, `TimestampTz` entirely (PostgreSQL's own types); `Json` in inserts | reading or comparing a `Json` column fails at run time: diesel's `Json` is PostgreSQL's `json`, migrator's column is `JSONB` |
//! | `MysqlConnection` | `Json`, `Decimal` | `Uuid`, `TimestampTz` do not compile |
//! | `SqliteConnection` | `Json` | `Uuid`, `Decimal`, `TimestampTz` do not compile |
//!
//! So query through `DbConnection`, check models with
//! `#[diesel(check_for_backend(migrator_core::connection::MultiBackend))]`, and insert rows
//! with UUID, decimal or UTC-timestamp columns either through fields of
//! [`types`](crate::types)' `Uuid`, `Decimal` and `UtcDateTime` (migrator's own newtypes,
//! which `Insertable` takes on every connection) or with a bound `diesel::sql_query`:
//!
//! ```
//! # #[cfg(all(feature = "uuid", feature = "decimal"))] {
//! use diesel::prelude::*;
//! use diesel::sql_types::{BigInt, Nullable};
//! use migrator_core::connection::DbConnection;
//! use migrator_core::sql_types as st;
//!
//! diesel::table! {
//!     use diesel::sql_types::*;
//!     use migrator_core::sql_types::{Decimal, Uuid};
//!
//!     products (id) {
//!         id -> BigInt,
//!         code -> Uuid,
//!         price -> Nullable<Decimal>,
//!     }
//! }
//!
//! /// One row, as the application reads and changes it.
//! #[derive(Queryable, Selectable, AsChangeset, Debug, PartialEq)]
//! #[diesel(table_name = products)]
//! #[diesel(check_for_backend(migrator_core::connection::MultiBackend))]
//! struct Product {
//!     id: i64,
//!     code: uuid::Uuid,
//!     price: Option<rust_decimal::Decimal>,
//! }
//!
//! let mut conn = DbConnection::Sqlite(diesel::SqliteConnection::establish(":memory:")?);
//! diesel::sql_query(
//!     "CREATE TABLE products (id BIGINT PRIMARY KEY, code CHAR(36) NOT NULL, price DECIMAL(10, 2))",
//! )
//! .execute(&mut conn)?;
//! let mut row = Product { id: 1, code: uuid::Uuid::from_u128(7), price: None };
//! // `?` on SQLite and MySQL, `$1, $2, $3` on PostgreSQL.
//! diesel::sql_query("INSERT INTO products (id, code, price) VALUES (?, ?, ?)")
//!     .bind::<BigInt, _>(row.id)
//!     .bind::<st::Uuid, _>(row.code)
//!     .bind::<Nullable<st::Decimal>, _>(row.price)
//!     .execute(&mut conn)?;
//! row.price = Some("12.50".parse()?);
//! diesel::update(products::table.find(1)).set(&row).execute(&mut conn)?;
//! let found: Product = products::table
//!     .filter(products::code.eq(uuid::Uuid::from_u128(7)))
//!     .select(Product::as_select())
//!     .first(&mut conn)?;
//! assert_eq!(found, row);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Things to know about the values:
//!
//! - **SQLite decimals keep what a double keeps** (15 significant digits for certain). A
//!   `DECIMAL(p, s)` column has NUMERIC affinity: SQLite stores a value as INTEGER or REAL
//!   whenever the text looks like a number, whatever the bind, so
//!   `-123456789012345678.0123456789` comes back as `-123456789012345680`. Decimals are
//!   written as text (never through `f64` on migrator's side) and read back from whichever
//!   storage class SQLite chose (INTEGER; REAL as the shortest decimal that is the same
//!   double; TEXT), so a default such as `0` or `9.99` reads back as written. A filter binds
//!   the value as text too, which SQLite compares as a number. PostgreSQL and MySQL/MariaDB
//!   keep every digit of `p`.
//! - **Timestamps** are written in UTC: on SQLite as `YYYY-MM-DD HH:MM:SS` with the fraction
//!   when there is one and no offset, the spelling of SQLite's own `CURRENT_TIMESTAMP` and of
//!   migrator's refill value, so stored text compares and sorts like the instants; text with
//!   an offset or a `T` is read too. PostgreSQL and MySQL keep microseconds (finer digits are
//!   cut); MySQL's `DATETIME` holds the years 1000 to 9999.

/// `HasSqlType<$st>` (unless diesel's `MultiConnection` derive writes it), `FromSql<$st, _>`
/// and `ToSql<$st, _>` for `$rust` over [`MultiBackend`](crate::connection::MultiBackend):
/// each value goes through `$via`, a private SQL type with a conversion per backend (the
/// derive dispatches to the backend of the connection in use). `$via` is needed because the
/// pair (`$st`, `$rust`) has no conversion on some backends and migrator cannot add one there
/// (neither the types nor the backend are migrator's).
#[cfg(any(
    feature = "uuid",
    feature = "json",
    feature = "decimal",
    feature = "chrono"
))]
macro_rules! multi_backend_impls {
    ($st:ty, $via:ident, $rust:ty) => {
        impl diesel::sql_types::HasSqlType<$st> for $crate::connection::MultiBackend {
            fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
                $crate::connection::MultiBackend::lookup_sql_type::<$via>(lookup)
            }
        }

        multi_backend_impls!(conversions $st, $via, $rust);
    };
    (conversions $st:ty, $via:ident, $rust:ty) => {
        impl diesel::deserialize::FromSql<$st, $crate::connection::MultiBackend> for $rust {
            fn from_sql(
                bytes: <$crate::connection::MultiBackend as diesel::backend::Backend>::RawValue<
                    '_,
                >,
            ) -> diesel::deserialize::Result<Self> {
                bytes.from_sql::<Self, $via>()
            }
        }

        impl diesel::serialize::ToSql<$st, $crate::connection::MultiBackend> for $rust {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, $crate::connection::MultiBackend>,
            ) -> diesel::serialize::Result {
                out.set_value(($via, self));
                Ok(diesel::serialize::IsNull::No)
            }
        }
    };
}

#[cfg(feature = "decimal")]
mod decimal;
#[cfg(feature = "json")]
mod json;
#[cfg(feature = "chrono")]
mod timestamp_tz;
#[cfg(feature = "uuid")]
mod uuid;

// The per-backend column conversions, for `crate::types` to bind its newtypes with.
#[cfg(feature = "decimal")]
pub(crate) use decimal::DecimalColumn;
#[cfg(feature = "chrono")]
pub(crate) use timestamp_tz::TimestampTzColumn;
#[cfg(feature = "uuid")]
pub(crate) use uuid::UuidColumn;

/// The SQL type of a migrator `ColumnType::Uuid` column (`uuid::Uuid`): `UUID` on PostgreSQL,
/// `CHAR(36)` text on SQLite and MySQL/MariaDB. It is diesel's `Uuid`; see [the module](self).
#[cfg(feature = "uuid")]
pub use diesel::sql_types::Uuid;

/// The SQL type of a migrator `ColumnType::Json` column (`serde_json::Value`): `JSONB` on
/// PostgreSQL, `JSON` on MySQL/MariaDB, `TEXT` on SQLite. It is diesel's `Json`; see
/// [the module](self).
#[cfg(feature = "json")]
pub use diesel::sql_types::Json;

/// The SQL type of a migrator `ColumnType::Decimal { precision, scale }` column
/// (`rust_decimal::Decimal`): `NUMERIC(p, s)` on PostgreSQL, `DECIMAL(p, s)` on SQLite (15
/// significant digits kept) and MySQL/MariaDB. It is diesel's `Numeric`; see
/// [the module](self).
#[cfg(feature = "decimal")]
pub use diesel::sql_types::Numeric as Decimal;

/// The SQL type of a migrator `ColumnType::TimestampTz` column
/// (`chrono::DateTime<chrono::Utc>`): `TIMESTAMPTZ` on PostgreSQL and SQLite (UTC text),
/// `DATETIME(6)` holding the UTC value on MySQL/MariaDB. It is diesel's `Timestamptz`; see
/// [the module](self).
#[cfg(feature = "chrono")]
pub use diesel::sql_types::Timestamptz as TimestampTz;
