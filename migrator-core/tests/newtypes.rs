//! `migrator_core::types` (`Uuid`, `Decimal`, `UtcDateTime`) in real diesel queries, on tables
//! migrator itself created (a `CreateModel` applied by the executor): `Insertable` rows with
//! NULL and non-NULL `Option` fields, loading (`Queryable`/`Selectable`), `.eq` filters,
//! `AsChangeset` updates and deletes, through `DbConnection` on every backend and through
//! each backend's own connection (where `Uuid` and `UtcDateTime` columns cannot be loaded on
//! SQLite and MySQL, see the `types` module docs: those rows are read back through
//! `DbConnection`). Also: a model field of a newtype is the same column as the type it wraps.
//!
//! SQLite always runs; PostgreSQL and MariaDB with the `postgres` / `mysql` features
//! (`cargo test -p migrator-core --features postgres,mysql --test newtypes`), each test in its
//! own database dropped afterwards (the `conformance_support` harness).
#![cfg(all(feature = "uuid", feature = "decimal", feature = "chrono"))]

mod conformance_support;

use chrono::NaiveDate;
use conformance_support::{create, Ctx};
use diesel::prelude::*;
use migrator_core::backend::Backend;
use migrator_core::connection::DbConnection;
use migrator_core::types::{Decimal, UtcDateTime, Uuid};
use migrator_core::{ColumnType, FieldState, Model, ModelState};

/// The table as `makemigrations` would write it into `schema.rs`.
mod schema {
    // diesel's table! generates undocumented public items.
    #![allow(missing_docs)]

    diesel::table! {
        use diesel::sql_types::*;
        use migrator_core::sql_types::{Decimal, TimestampTz, Uuid};

        priced (id) {
            id -> BigInt,
            code -> Uuid,
            maybe_code -> Nullable<Uuid>,
            price -> Decimal,
            maybe_price -> Nullable<Decimal>,
            at -> TimestampTz,
            maybe_at -> Nullable<TimestampTz>,
        }
    }
}
use schema::priced;

/// One row of `priced`, as an application declares it.
#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq)]
#[diesel(table_name = priced)]
#[diesel(check_for_backend(migrator_core::connection::MultiBackend))]
struct Row {
    id: i64,
    code: Uuid,
    maybe_code: Option<Uuid>,
    price: Decimal,
    maybe_price: Option<Decimal>,
    at: UtcDateTime,
    maybe_at: Option<UtcDateTime>,
}

/// The model behind `priced`.
fn model() -> ModelState {
    let decimal = ColumnType::Decimal {
        precision: 28,
        scale: 10,
    };
    let mut m = ModelState::new("library", "Priced", "priced");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt).primary_key(),
        FieldState::new("code", ColumnType::Uuid),
        FieldState::new("maybe_code", ColumnType::Uuid).nullable(),
        FieldState::new("price", decimal.clone()),
        FieldState::new("maybe_price", decimal).nullable(),
        FieldState::new("at", ColumnType::TimestampTz),
        FieldState::new("maybe_at", ColumnType::TimestampTz).nullable(),
    ];
    m
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micro: u32) -> UtcDateTime {
    NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_micro_opt(h, mi, s, micro)
        .unwrap()
        .and_utc()
        .into()
}

/// Two rows: edge values with every `Option` set, and one with every `Option` NULL.
fn rows() -> Vec<Row> {
    vec![
        Row {
            id: 1,
            code: uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210).into(),
            maybe_code: Some(uuid::Uuid::max().into()),
            price: dec("-123456789012345678.0123456789"),
            maybe_price: Some(dec("0.0000000001")),
            at: utc(9999, 12, 31, 23, 59, 59, 999_999),
            maybe_at: Some(utc(1000, 1, 1, 0, 0, 0, 0)),
        },
        Row {
            id: 2,
            code: Uuid::default(),
            maybe_code: None,
            price: dec("12.34"),
            maybe_price: None,
            at: utc(2024, 2, 29, 12, 34, 56, 123_456),
            maybe_at: None,
        },
    ]
}

fn as_stored(backend: Backend, value: Decimal) -> Decimal {
    Decimal(conformance_support::decimal_as_stored(backend, value.0))
}

/// What reading `row` back gives on `backend`.
fn stored(backend: Backend, row: &Row) -> Row {
    Row {
        price: as_stored(backend, row.price),
        maybe_price: row.maybe_price.map(|d| as_stored(backend, d)),
        ..row.clone()
    }
}

/// A fresh database on `backend` with `priced` created by migrator's executor.
fn priced_table(backend: Backend) -> Ctx {
    let mut cx = Ctx::new(backend);
    cx.migrate_ops(vec![create(&model())]);
    cx
}

fn load_all(conn: &mut DbConnection) -> Vec<Row> {
    priced::table
        .order(priced::id)
        .select(Row::as_select())
        .load(conn)
        .unwrap()
}

/// The ids of the rows a filter finds, through any connection.
macro_rules! ids {
    ($conn:expr, $filter:expr) => {
        priced::table
            .filter($filter)
            .order(priced::id)
            .select(priced::id)
            .load::<i64>($conn)
            .unwrap_or_else(|e| panic!("{}: {e}", stringify!($filter)))
    };
}

/// Every row found by `.eq(value)` on every column, NULL ones by `.is_null()`.
macro_rules! assert_filters {
    ($conn:expr, $rows:expr) => {
        for row in $rows {
            let one = vec![row.id];
            assert_eq!(ids!(&mut *$conn, priced::code.eq(row.code)), one);
            assert_eq!(ids!(&mut *$conn, priced::code.eq(&row.code)), one);
            assert_eq!(ids!(&mut *$conn, priced::price.eq(row.price)), one);
            assert_eq!(ids!(&mut *$conn, priced::at.eq(row.at)), one);
            match row.maybe_code {
                Some(c) => assert_eq!(ids!(&mut *$conn, priced::maybe_code.eq(c)), one),
                None => assert_eq!(ids!(&mut *$conn, priced::maybe_code.is_null()), one),
            }
            match row.maybe_price {
                Some(p) => assert_eq!(ids!(&mut *$conn, priced::maybe_price.eq(p)), one),
                None => assert_eq!(ids!(&mut *$conn, priced::maybe_price.is_null()), one),
            }
            match row.maybe_at {
                Some(t) => assert_eq!(ids!(&mut *$conn, priced::maybe_at.eq(t)), one),
                None => assert_eq!(ids!(&mut *$conn, priced::maybe_at.is_null()), one),
            }
        }
        // Ordering compares like the values (on SQLite, the UTC text and the numbers).
        assert_eq!(
            ids!(&mut *$conn, priced::at.lt(utc(9999, 1, 1, 0, 0, 0, 0))),
            [2]
        );
        assert_eq!(ids!(&mut *$conn, priced::price.gt(dec("0"))), [2]);
    };
}

/// Row 2 with its NULLs set (what the `AsChangeset` tests write).
fn changed() -> Row {
    Row {
        code: uuid::Uuid::from_u128(7).into(),
        maybe_code: Some(uuid::Uuid::from_u128(8).into()),
        price: dec("-7.5"),
        maybe_price: Some(dec("99999999999999999.9999999999")),
        at: utc(2000, 1, 1, 0, 0, 0, 1),
        maybe_at: Some(utc(1969, 7, 20, 20, 17, 40, 500_000)),
        ..rows()[1].clone()
    }
}

/// Insert (`Insertable`, one row at a time), load, filter, update (`AsChangeset`, then
/// NULLs with `.eq(None)`) and delete, all through `DbConnection`.
fn round_trip_through_db_connection(backend: Backend) {
    let mut cx = priced_table(backend);
    let conn = cx.db.conn();
    let rows = rows();
    for row in &rows {
        diesel::insert_into(priced::table)
            .values(row)
            .execute(conn)
            .unwrap_or_else(|e| panic!("{backend}: insert {}: {e}", row.id));
    }
    let expected: Vec<Row> = rows.iter().map(|r| stored(backend, r)).collect();
    assert_eq!(load_all(conn), expected, "{backend}: rows read back");
    assert_filters!(conn, &rows);

    let changed = changed();
    diesel::update(priced::table.find(2))
        .set(&changed)
        .execute(conn)
        .unwrap();
    diesel::update(priced::table.find(1))
        .set((
            priced::maybe_code.eq(None::<Uuid>),
            priced::maybe_price.eq(None::<Decimal>),
            priced::maybe_at.eq(None::<UtcDateTime>),
        ))
        .execute(conn)
        .unwrap();
    let after = load_all(conn);
    assert_eq!(after[1], stored(backend, &changed), "{backend}: updated");
    assert_eq!(
        (after[0].maybe_code, after[0].maybe_price, after[0].maybe_at),
        (None, None, None),
        "{backend}: nulled"
    );

    let deleted = diesel::delete(priced::table.filter(priced::code.eq(changed.code)))
        .execute(conn)
        .unwrap();
    assert_eq!(deleted, 1, "{backend}");
    assert_eq!(
        ids!(&mut *conn, priced::price.eq(rows[0].price)),
        [1],
        "{backend}"
    );
}

#[test]
fn sqlite_round_trip_through_db_connection() {
    round_trip_through_db_connection(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_round_trip_through_db_connection() {
    round_trip_through_db_connection(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_round_trip_through_db_connection() {
    round_trip_through_db_connection(Backend::Mysql);
}

/// Through the backend's own connection `$conn`: insert the rows, filter, update, and
/// read the decimals back; what the caller reads through `DbConnection` afterwards is the
/// rest of the check.
macro_rules! own_connection_writes {
    ($backend:expr, $conn:expr) => {{
        let conn = $conn;
        let rows = rows();
        for row in &rows {
            diesel::insert_into(priced::table)
                .values(row)
                .execute(conn)
                .unwrap();
        }
        assert_filters!(conn, &rows);
        let prices: Vec<(i64, Decimal, Option<Decimal>)> = priced::table
            .order(priced::id)
            .select((priced::id, priced::price, priced::maybe_price))
            .load(conn)
            .unwrap();
        let stored: Vec<Row> = rows.iter().map(|r| stored($backend, r)).collect();
        assert_eq!(
            prices,
            stored
                .iter()
                .map(|r| (r.id, r.price, r.maybe_price))
                .collect::<Vec<_>>()
        );
        diesel::update(priced::table.find(2))
            .set(&changed())
            .execute(conn)
            .unwrap();
        diesel::insert_into(priced::table)
            .values(&Row {
                id: 3,
                code: uuid::Uuid::from_u128(3).into(),
                ..rows[1].clone()
            })
            .execute(conn)
            .unwrap();
        let deleted = diesel::delete(priced::table.filter(priced::at.eq(rows[1].at)))
            .execute(conn)
            .unwrap();
        assert_eq!(deleted, 1);
    }};
}

/// Rows written through the backend's own connection read back through `DbConnection`.
fn own_connection(backend: Backend) {
    let mut cx = priced_table(backend);
    match cx.db.conn() {
        DbConnection::Sqlite(c) => own_connection_writes!(backend, c),
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(c) => {
            own_connection_writes!(backend, &mut *c);
            // PostgreSQL's own types: the whole row loads through `PgConnection` too.
            let read: Vec<Row> = priced::table
                .order(priced::id)
                .select(Row::as_select())
                .load(c)
                .unwrap();
            assert_eq!(read, [rows()[0].clone(), changed()]);
        }
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => own_connection_writes!(backend, c),
    }
    let expected = [stored(backend, &rows()[0]), stored(backend, &changed())];
    assert_eq!(load_all(cx.db.conn()), expected, "{backend}");
}

#[test]
fn sqlite_own_connection() {
    own_connection(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_own_connection() {
    own_connection(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_own_connection() {
    own_connection(Backend::Mysql);
}

/// A value bound with its `sql_types` SQL type in a `sql_query` reads back as the newtype.
#[test]
fn sqlite_sql_query_binds_and_loads() {
    use migrator_core::sql_types as st;
    let mut cx = priced_table(Backend::Sqlite);
    let row = &rows()[1];
    diesel::sql_query("INSERT INTO priced (id, code, price, at) VALUES (?, ?, ?, ?)")
        .bind::<diesel::sql_types::BigInt, _>(row.id)
        .bind::<st::Uuid, _>(row.code)
        .bind::<st::Decimal, _>(row.price)
        .bind::<st::TimestampTz, _>(row.at)
        .execute(cx.db.conn())
        .unwrap();
    assert_eq!(load_all(cx.db.conn()), std::slice::from_ref(row));
}

/// Models that differ only in wrapping the field types.
mod models {
    #![allow(dead_code)]
    use migrator_core::Model;

    #[derive(Model)]
    #[model(table = "plain")]
    pub struct Plain {
        id: i64,
        #[model(default = "00000000-0000-0000-0000-000000000000")]
        code: uuid::Uuid,
        maybe_code: Option<uuid::Uuid>,
        #[model(precision = 10, scale = 2, default = 1.5)]
        price: rust_decimal::Decimal,
        #[model(precision = 12, scale = 4)]
        maybe_price: Option<rust_decimal::Decimal>,
        #[model(default = "2024-01-01 00:00:00")]
        at: chrono::DateTime<chrono::Utc>,
        maybe_at: Option<chrono::DateTime<chrono::Utc>>,
    }

    #[derive(Model)]
    #[model(table = "plain")]
    pub struct Wrapped {
        id: i64,
        #[model(default = "00000000-0000-0000-0000-000000000000")]
        code: migrator_core::types::Uuid,
        maybe_code: Option<migrator_core::types::Uuid>,
        #[model(precision = 10, scale = 2, default = 1.5)]
        price: migrator_core::types::Decimal,
        #[model(precision = 12, scale = 4)]
        maybe_price: Option<migrator_core::types::Decimal>,
        #[model(default = "2024-01-01 00:00:00")]
        at: migrator_core::types::UtcDateTime,
        maybe_at: Option<migrator_core::types::UtcDateTime>,
    }
}

#[test]
fn newtype_fields_are_the_columns_of_the_wrapped_types() {
    let plain = models::Plain::definition();
    let wrapped = models::Wrapped::definition();
    assert_eq!(wrapped.state.fields, plain.state.fields);
    assert_eq!(wrapped.diesel_sql_types, plain.diesel_sql_types);
    assert_eq!(
        wrapped.state.field("price").unwrap().column_type,
        ColumnType::Decimal {
            precision: 10,
            scale: 2
        }
    );
}

/// The ergonomic traits: parse, display, deref and convert like the wrapped values.
#[test]
fn newtypes_behave_like_the_wrapped_values() {
    let code: Uuid = "67E55044-10B1-426F-9247-BB680E5FE0C8".parse().unwrap();
    assert_eq!(code.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
    assert_eq!(code.get_version_num(), 4);
    let inner: uuid::Uuid = code.into();
    assert_eq!(Uuid::from(inner), code);
    let price = dec("12.50");
    assert_eq!((price.to_string(), price.scale()), ("12.50".to_owned(), 2));
    assert!(dec("1") < price && Decimal::default() < price);
    let at: UtcDateTime = "2024-05-01T12:00:00Z".parse().unwrap();
    assert_eq!(at, utc(2024, 5, 1, 12, 0, 0, 0));
    assert_eq!(at.to_string(), "2024-05-01 12:00:00 UTC");
    assert_eq!(at.timestamp(), 1_714_564_800);
}
