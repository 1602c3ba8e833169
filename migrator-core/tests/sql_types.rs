//! `migrator_core::sql_types` in real diesel queries (issue 14): a `diesel::table!` over the
//! four column types diesel has no portable SQL type for (`Uuid`, `Json`, `Decimal`,
//! `TimestampTz`), NULL and not, on tables migrator itself created (a `CreateModel` applied by
//! the executor, so the columns are exactly migrator's). Edge values — long, negative and
//! max-scale decimals, nil/max UUIDs, nested JSON with unicode, timestamps with microseconds
//! at the ends of MySQL's range — are bound, read back, filtered on with `.eq(value)` (which
//! proves binds are typed right: PostgreSQL refuses `jsonb = json` or `uuid = text`) and
//! updated with `AsChangeset`, through `DbConnection` on every backend; through each
//! backend's own connection for the pairs diesel itself converts there (PostgreSQL: all four;
//! MySQL: JSON and decimals; SQLite: JSON), crossing with `DbConnection` both ways. Values
//! written by plain SQL (number literals in a SQLite decimal column, SQLite's timestamp
//! spellings, uppercase UUIDs) read back too.
//!
//! Rows are written with bound `sql_query`s: `insert_into(..).values(..)` through
//! `DbConnection` compiles only for `Json` (see the `sql_types` module docs: diesel's
//! `MultiConnection` renders insert values with each backend's own conversions, and diesel
//! has no SQLite conversion for `uuid::Uuid`, `rust_decimal::Decimal` or
//! `DateTime<Utc>` that anyone but diesel may add), which `json_insertable_*` covers.
//!
//! SQLite always runs; PostgreSQL and MariaDB with the `postgres` / `mysql` features
//! (`cargo test -p migrator-core --features postgres,mysql --test sql_types`), each test in
//! its own database dropped afterwards (the `conformance_support` harness). Servers:
//! `MIGRATOR_TEST_POSTGRES_URL` / `MIGRATOR_TEST_MYSQL_URL`; an unreachable one fails the test.
#![cfg(all(
    feature = "uuid",
    feature = "json",
    feature = "decimal",
    feature = "chrono"
))]

mod conformance_support;

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use conformance_support::{create, Ctx};
use diesel::prelude::*;
use migrator_core::backend::Backend;
use migrator_core::connection::DbConnection;
use migrator_core::{ColumnType, FieldState, ModelState};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

/// The tables as `makemigrations` would write them into `schema.rs`.
mod schema {
    // diesel's table! generates undocumented public items.
    #![allow(missing_docs)]

    diesel::table! {
        use diesel::sql_types::*;
        use migrator_core::sql_types::{Decimal, Json, TimestampTz, Uuid};

        typed (id) {
            id -> BigInt,
            uid -> Uuid,
            maybe_uid -> Nullable<Uuid>,
            doc -> Json,
            maybe_doc -> Nullable<Json>,
            price -> Decimal,
            maybe_price -> Nullable<Decimal>,
            fraction -> Decimal,
            at -> TimestampTz,
            maybe_at -> Nullable<TimestampTz>,
        }
    }

    diesel::table! {
        use diesel::sql_types::*;
        use migrator_core::sql_types::Json;

        docs (id) {
            id -> BigInt,
            doc -> Json,
            maybe_doc -> Nullable<Json>,
        }
    }
}
use schema::{docs, typed};

/// One row of `typed`, as an application would declare it (`Insertable` is used on
/// `PgConnection` only; see the file's docs).
#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq)]
#[diesel(table_name = typed)]
#[diesel(check_for_backend(migrator_core::connection::MultiBackend))]
struct Row {
    id: i64,
    uid: Uuid,
    maybe_uid: Option<Uuid>,
    doc: Value,
    maybe_doc: Option<Value>,
    price: Decimal,
    maybe_price: Option<Decimal>,
    fraction: Decimal,
    at: DateTime<Utc>,
    maybe_at: Option<DateTime<Utc>>,
}

/// The model behind `typed`, as `#[derive(Model)]` would describe `Row`.
fn model() -> ModelState {
    let decimal = |scale| ColumnType::Decimal {
        precision: 28,
        scale,
    };
    let mut m = ModelState::new("library", "Typed", "typed");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt).primary_key(),
        FieldState::new("uid", ColumnType::Uuid),
        FieldState::new("maybe_uid", ColumnType::Uuid).nullable(),
        FieldState::new("doc", ColumnType::Json),
        FieldState::new("maybe_doc", ColumnType::Json).nullable(),
        FieldState::new("price", decimal(10)),
        FieldState::new("maybe_price", decimal(10)).nullable(),
        FieldState::new("fraction", decimal(28)),
        FieldState::new("at", ColumnType::TimestampTz),
        FieldState::new("maybe_at", ColumnType::TimestampTz).nullable(),
    ];
    m
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micro: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, mo, d)
        .unwrap()
        .and_hms_micro_opt(h, mi, s, micro)
        .unwrap()
        .and_utc()
}

/// Three rows: edge values everywhere; NULLs and zero-ish values; ordinary values (with JSON
/// `null` in a nullable column, which is not SQL NULL). No two rows share a value in a column.
fn rows() -> Vec<Row> {
    vec![
        Row {
            id: 1,
            uid: Uuid::from_u128(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210),
            maybe_uid: Some(Uuid::max()),
            doc: json!({
                "name": "Zoë 🦀 東京 \"quoted\" \\ back\nslash",
                "nested": {"list": [1, -2.5, null, true, "ünï", [[]], {}], "deeper": {"a": {"b": {"c": "ç"}}}},
                "big": 12345678901234567890u64,
            }),
            maybe_doc: Some(json!(["x", {"é": 1}])),
            price: dec("-123456789012345678.0123456789"),
            maybe_price: Some(dec("-0.0000000001")),
            fraction: dec("-0.1234567890123456789012345678"),
            at: utc(9999, 12, 31, 23, 59, 59, 999_999),
            maybe_at: Some(utc(1000, 1, 1, 0, 0, 0, 0)),
        },
        Row {
            id: 2,
            uid: Uuid::nil(),
            maybe_uid: None,
            doc: json!({}),
            maybe_doc: None,
            price: dec("0"),
            maybe_price: None,
            fraction: dec("0.0000000000000000000000000001"),
            at: utc(1970, 1, 1, 0, 0, 0, 0),
            maybe_at: None,
        },
        Row {
            id: 3,
            uid: Uuid::from_u128(0xf0e1_d2c3_b4a5_9687_7869_5a4b_3c2d_1e0f),
            maybe_uid: Some(Uuid::from_u128(42)),
            doc: json!([1, 2, 3]),
            maybe_doc: Some(Value::Null),
            price: dec("12.34"),
            maybe_price: Some(dec("99999999999999999.9999999999")),
            fraction: dec("0.5"),
            at: utc(2024, 2, 29, 12, 34, 56, 123_456),
            maybe_at: Some(utc(1969, 7, 20, 20, 17, 40, 500_000)),
        },
    ]
}

fn as_stored(backend: Backend, value: Decimal) -> Decimal {
    conformance_support::decimal_as_stored(backend, value)
}

/// What reading `row` back gives on `backend`.
fn stored(backend: Backend, row: &Row) -> Row {
    Row {
        price: as_stored(backend, row.price),
        maybe_price: row.maybe_price.map(|d| as_stored(backend, d)),
        fraction: as_stored(backend, row.fraction),
        ..row.clone()
    }
}

/// A fresh database on `backend` with `typed` created by migrator's executor.
fn typed_table(backend: Backend) -> Ctx {
    let mut cx = Ctx::new(backend);
    cx.migrate_ops(vec![create(&model())]);
    cx
}

/// Inserts `rows` with one bound `INSERT` each, every value bound with its `sql_types` SQL
/// type (`Nullable` for the nullable columns) through `DbConnection`.
fn insert(conn: &mut DbConnection, rows: &[Row]) {
    use diesel::sql_types::{BigInt, Nullable};
    use migrator_core::sql_types as st;
    let placeholders: Vec<String> = (1..=10)
        .map(|i| match conn.backend() {
            Backend::Postgres => format!("${i}"),
            _ => "?".to_owned(),
        })
        .collect();
    let sql = format!(
        "INSERT INTO typed (id, uid, maybe_uid, doc, maybe_doc, price, maybe_price, fraction, at, maybe_at) VALUES ({})",
        placeholders.join(", ")
    );
    for row in rows {
        diesel::sql_query(&sql)
            .bind::<BigInt, _>(row.id)
            .bind::<st::Uuid, _>(row.uid)
            .bind::<Nullable<st::Uuid>, _>(row.maybe_uid)
            .bind::<st::Json, _>(&row.doc)
            .bind::<Nullable<st::Json>, _>(&row.maybe_doc)
            .bind::<st::Decimal, _>(row.price)
            .bind::<Nullable<st::Decimal>, _>(row.maybe_price)
            .bind::<st::Decimal, _>(row.fraction)
            .bind::<st::TimestampTz, _>(row.at)
            .bind::<Nullable<st::TimestampTz>, _>(row.maybe_at)
            .execute(conn)
            .unwrap_or_else(|e| panic!("insert {}: {e}", row.id));
    }
}

fn load_all(conn: &mut DbConnection) -> Vec<Row> {
    typed::table
        .order(typed::id)
        .select(Row::as_select())
        .load(conn)
        .unwrap()
}

/// The ids of the rows a filter finds.
macro_rules! ids {
    ($conn:expr, $filter:expr) => {
        typed::table
            .filter($filter)
            .order(typed::id)
            .select(typed::id)
            .load::<i64>($conn)
            .unwrap_or_else(|e| panic!("{}: {e}", stringify!($filter)))
    };
}

/// Every row found by `.eq(value)` on every column (with the value the application holds,
/// also where SQLite keeps fewer digits: it compares the bound text as a number too), NULL
/// ones by `.is_null()`.
fn assert_filters(backend: Backend, conn: &mut DbConnection, rows: &[Row]) {
    for row in rows {
        let one = vec![row.id];
        assert_eq!(
            ids!(&mut *conn, typed::uid.eq(row.uid)),
            one,
            "{backend}: uid"
        );
        assert_eq!(
            ids!(&mut *conn, typed::doc.eq(&row.doc)),
            one,
            "{backend}: doc"
        );
        assert_eq!(
            ids!(&mut *conn, typed::price.eq(row.price)),
            one,
            "{backend}: price"
        );
        assert_eq!(
            ids!(&mut *conn, typed::fraction.eq(row.fraction)),
            one,
            "{backend}: fraction"
        );
        assert_eq!(ids!(&mut *conn, typed::at.eq(row.at)), one, "{backend}: at");
        match row.maybe_uid {
            // A bare value and `Some(value)` both bind to a nullable column.
            Some(k) => {
                assert_eq!(ids!(&mut *conn, typed::maybe_uid.eq(k)), one, "{backend}");
                assert_eq!(
                    ids!(&mut *conn, typed::maybe_uid.eq(Some(k))),
                    one,
                    "{backend}"
                );
            }
            None => assert_eq!(
                ids!(&mut *conn, typed::maybe_uid.is_null()),
                one,
                "{backend}"
            ),
        }
        match &row.maybe_doc {
            Some(d) => assert_eq!(ids!(&mut *conn, typed::maybe_doc.eq(d)), one, "{backend}"),
            None => assert_eq!(
                ids!(&mut *conn, typed::maybe_doc.is_null()),
                one,
                "{backend}"
            ),
        }
        match row.maybe_price {
            Some(p) => assert_eq!(ids!(&mut *conn, typed::maybe_price.eq(p)), one, "{backend}"),
            None => assert_eq!(
                ids!(&mut *conn, typed::maybe_price.is_null()),
                one,
                "{backend}"
            ),
        }
        match row.maybe_at {
            Some(t) => assert_eq!(ids!(&mut *conn, typed::maybe_at.eq(t)), one, "{backend}"),
            None => assert_eq!(
                ids!(&mut *conn, typed::maybe_at.is_null()),
                one,
                "{backend}"
            ),
        }
    }
    // Ordering and ranges compare like the values (on SQLite, the UTC text and the numbers).
    assert_eq!(
        ids!(&mut *conn, typed::at.gt(utc(1970, 1, 1, 0, 0, 0, 1))),
        [1, 3],
        "{backend}: at >"
    );
    assert_eq!(
        ids!(&mut *conn, typed::price.lt(dec("12.3400000001"))),
        [1, 2, 3],
        "{backend}: price <"
    );
}

/// Insert (bound `sql_query`), read back, filter on every column, update and read back, all through
/// `DbConnection`.
fn round_trip_through_db_connection(backend: Backend) {
    let mut cx = typed_table(backend);
    let conn = cx.db.conn();
    let rows = rows();
    insert(conn, &rows);
    let expected: Vec<Row> = rows.iter().map(|r| stored(backend, r)).collect();
    assert_eq!(load_all(conn), expected, "{backend}: rows read back");
    assert_filters(backend, conn, &rows);

    // AsChangeset: row 2's NULLs become values and row 1's values become NULL.
    let mut changed = rows[1].clone();
    changed.maybe_uid = Some(Uuid::from_u128(7));
    changed.maybe_doc = Some(json!({"now": "set"}));
    changed.maybe_price = Some(dec("-7.5"));
    changed.maybe_at = Some(utc(2000, 1, 1, 0, 0, 0, 1));
    diesel::update(typed::table.find(2))
        .set(&changed)
        .execute(conn)
        .unwrap();
    diesel::update(typed::table.find(1))
        .set((
            typed::maybe_uid.eq(None::<Uuid>),
            typed::maybe_doc.eq(None::<Value>),
            typed::maybe_price.eq(None::<Decimal>),
            typed::maybe_at.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .unwrap();
    let after = load_all(conn);
    assert_eq!(
        after[1],
        stored(backend, &changed),
        "{backend}: updated row"
    );
    assert_eq!(
        (
            after[0].maybe_uid,
            &after[0].maybe_doc,
            after[0].maybe_price,
            after[0].maybe_at
        ),
        (None, &None, None, None),
        "{backend}: nulled row"
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

/// Values written by plain SQL, as migrator's defaults, data migrations or other tools write
/// them, read back through `DbConnection`: uppercase UUID text, number literals in decimal
/// columns (on SQLite stored as INTEGER and REAL), timestamps in the database's own spelling.
fn reads_values_written_by_sql(backend: Backend) {
    let mut cx = typed_table(backend);
    let (late, early) = match backend {
        Backend::Postgres => ("'2024-01-02 03:04:05+00'", "'1999-12-31 23:59:59.25+00'"),
        Backend::Sqlite => ("'2024-01-02 03:04:05'", "'1999-12-31T23:59:59.25+00:00'"),
        Backend::Mysql => ("'2024-01-02 03:04:05'", "'1999-12-31 23:59:59.25'"),
    };
    cx.exec(&format!(
        "INSERT INTO typed (id, uid, doc, price, fraction, at, maybe_at) VALUES \
         (1, 'F0E1D2C3-B4A5-9687-7869-5A4B3C2D1E0F', '{{\"a\": [1, \"ü\"]}}', 9.99, 0.75, {late}, {early}), \
         (2, '00000000-0000-0000-0000-000000000001', 'null', -3, 0.25, {early}, NULL)"
    ));
    let got = load_all(cx.db.conn());
    assert_eq!(
        got[0].uid,
        Uuid::from_u128(0xf0e1_d2c3_b4a5_9687_7869_5a4b_3c2d_1e0f),
        "{backend}"
    );
    assert_eq!(got[0].doc, json!({"a": [1, "ü"]}), "{backend}");
    assert_eq!(got[1].doc, Value::Null, "{backend}");
    assert_eq!(
        (got[0].price, got[0].fraction, got[1].price, got[1].fraction),
        (dec("9.99"), dec("0.75"), dec("-3"), dec("0.25")),
        "{backend}"
    );
    assert_eq!(got[0].at, utc(2024, 1, 2, 3, 4, 5, 0), "{backend}");
    assert_eq!(
        got[0].maybe_at,
        Some(utc(1999, 12, 31, 23, 59, 59, 250_000))
    );
    assert_eq!(
        got[1].at,
        utc(1999, 12, 31, 23, 59, 59, 250_000),
        "{backend}"
    );
    // What `DbConnection` binds finds what SQL wrote.
    let conn = cx.db.conn();
    assert_eq!(ids!(&mut *conn, typed::price.eq(dec("9.99"))), [1]);
    assert_eq!(ids!(&mut *conn, typed::fraction.eq(dec("0.2500"))), [2]);
    assert_eq!(
        ids!(&mut *conn, typed::uid.eq(Uuid::from_u128(1))),
        [2],
        "{backend}"
    );
    assert_eq!(
        ids!(&mut *conn, typed::at.eq(utc(2024, 1, 2, 3, 4, 5, 0))),
        [1],
        "{backend}"
    );
}

#[test]
fn sqlite_reads_values_written_by_sql() {
    reads_values_written_by_sql(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_reads_values_written_by_sql() {
    reads_values_written_by_sql(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_reads_values_written_by_sql() {
    reads_values_written_by_sql(Backend::Mysql);
}

/// One row of `docs`: JSON alone, which `Insertable` writes through every connection.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = docs)]
#[diesel(check_for_backend(migrator_core::connection::MultiBackend))]
struct Doc {
    id: i64,
    doc: Value,
    maybe_doc: Option<Value>,
}

/// The JSON columns of [`rows`], as `docs` rows.
fn docs() -> Vec<Doc> {
    rows()
        .into_iter()
        .map(|r| Doc {
            id: r.id,
            doc: r.doc,
            maybe_doc: r.maybe_doc,
        })
        .collect()
}

/// Through the backend's own connection: write `$doc`, read every row, and find each by
/// `.eq(doc)`.
macro_rules! own_connection_docs {
    ($conn:expr, $doc:expr, $expected:expr) => {{
        let conn = $conn;
        diesel::insert_into(docs::table)
            .values($doc)
            .execute(conn)
            .unwrap();
        let read: Vec<Doc> = docs::table
            .order(docs::id)
            .select(Doc::as_select())
            .load(conn)
            .unwrap();
        assert_eq!(&read, $expected);
        for d in $expected {
            let found: Vec<i64> = docs::table
                .filter(docs::doc.eq(&d.doc))
                .select(docs::id)
                .load(conn)
                .unwrap();
            assert_eq!(found, [d.id]);
        }
    }};
}

/// `Insertable` JSON rows through `DbConnection` and through the backend's own connection,
/// each read back by the other and found by `.eq`.
fn json_insertable(backend: Backend) {
    let mut cx = Ctx::new(backend);
    let mut m = ModelState::new("library", "Doc", "docs");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt).primary_key(),
        FieldState::new("doc", ColumnType::Json),
        FieldState::new("maybe_doc", ColumnType::Json).nullable(),
    ];
    cx.migrate_ops(vec![create(&m)]);
    let docs = docs();
    for d in &docs[..2] {
        diesel::insert_into(docs::table)
            .values(d)
            .execute(cx.db.conn())
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
    }
    match cx.db.conn() {
        DbConnection::Sqlite(c) => own_connection_docs!(c, &docs[2], &docs),
        // `PgConnection` writes JSON into `JSONB` but reads (and compares) only `json`.
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(c) => {
            diesel::insert_into(docs::table)
                .values(&docs[2])
                .execute(c)
                .unwrap();
        }
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => own_connection_docs!(c, &docs[2], &docs),
    }
    let conn = cx.db.conn();
    let read: Vec<Doc> = docs::table
        .order(docs::id)
        .select(Doc::as_select())
        .load(conn)
        .unwrap();
    assert_eq!(read, docs, "{backend}");
    for d in &docs {
        let found: Vec<i64> = docs::table
            .filter(docs::doc.eq(&d.doc))
            .select(docs::id)
            .load(conn)
            .unwrap();
        assert_eq!(found, [d.id], "{backend}");
    }
}

#[test]
fn sqlite_json_insertable() {
    json_insertable(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_json_insertable() {
    json_insertable(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_json_insertable() {
    json_insertable(Backend::Mysql);
}

/// `PgConnection` converts UUIDs, decimals and timestamps with PostgreSQL's own types
/// (diesel's and rust_decimal's conversions); rows written by one connection read back
/// identically through the other. Its JSON is diesel's `json`: an insert into `JSONB` works
/// (PostgreSQL casts on assignment), but reading `JSONB` and `=` on it fail, as the module
/// docs say (which is why applications query through `DbConnection`).
#[cfg(feature = "postgres")]
#[test]
fn postgres_connection_agrees_with_db_connection() {
    type Columns = (
        i64,
        Uuid,
        Option<Uuid>,
        Decimal,
        Option<Decimal>,
        Decimal,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
    );
    fn columns(r: &Row) -> Columns {
        let r = r.clone();
        let (id, uid, maybe_uid, price, maybe_price) =
            (r.id, r.uid, r.maybe_uid, r.price, r.maybe_price);
        (
            id,
            uid,
            maybe_uid,
            price,
            maybe_price,
            r.fraction,
            r.at,
            r.maybe_at,
        )
    }
    fn read(pg: &mut diesel::PgConnection) -> Vec<Columns> {
        typed::table
            .order(typed::id)
            .select((
                typed::id,
                typed::uid,
                typed::maybe_uid,
                typed::price,
                typed::maybe_price,
                typed::fraction,
                typed::at,
                typed::maybe_at,
            ))
            .load(pg)
            .unwrap()
    }
    let mut cx = typed_table(Backend::Postgres);
    let rows = rows();
    let DbConnection::Postgres(pg) = cx.db.conn() else {
        unreachable!()
    };
    diesel::insert_into(typed::table)
        .values(&rows[..2])
        .execute(pg)
        .unwrap();
    assert_eq!(read(pg), rows[..2].iter().map(columns).collect::<Vec<_>>());
    for row in &rows[..2] {
        let found: Vec<i64> = typed::table
            .filter(typed::uid.eq(row.uid))
            .filter(typed::price.eq(row.price))
            .filter(typed::fraction.eq(row.fraction))
            .filter(typed::at.eq(row.at))
            .select(typed::id)
            .load(pg)
            .unwrap();
        assert_eq!(found, [row.id]);
    }
    let err = typed::table
        .select(typed::doc)
        .load::<Value>(pg)
        .unwrap_err();
    let err = format!("{err:?}");
    assert!(err.contains("Invalid Json"), "{err}");
    let err = typed::table
        .filter(typed::doc.eq(&rows[0].doc))
        .select(typed::id)
        .load::<i64>(pg)
        .unwrap_err()
        .to_string();
    assert!(err.contains("jsonb = json"), "{err}");
    // Written by `PgConnection` (JSON included), read by `DbConnection`, and the other way.
    assert_eq!(load_all(cx.db.conn()), rows[..2]);
    insert(cx.db.conn(), &rows[2..]);
    let DbConnection::Postgres(pg) = cx.db.conn() else {
        unreachable!()
    };
    assert_eq!(read(pg), rows.iter().map(columns).collect::<Vec<_>>());
}

/// `MysqlConnection` converts JSON (diesel) and decimals (rust_decimal); rows `DbConnection`
/// wrote read back identically through it, filters find them, and its updates read back
/// through `DbConnection`.
#[cfg(feature = "mysql")]
#[test]
fn mysql_connection_json_and_decimal_agree_with_db_connection() {
    let mut cx = typed_table(Backend::Mysql);
    let rows = rows();
    insert(cx.db.conn(), &rows);
    let DbConnection::Mysql(my) = cx.db.conn() else {
        unreachable!()
    };
    type Columns = (i64, Value, Option<Value>, Decimal, Option<Decimal>, Decimal);
    let got: Vec<Columns> = typed::table
        .order(typed::id)
        .select((
            typed::id,
            typed::doc,
            typed::maybe_doc,
            typed::price,
            typed::maybe_price,
            typed::fraction,
        ))
        .load(my)
        .unwrap();
    let expected: Vec<Columns> = rows
        .iter()
        .map(|r| {
            let r = r.clone();
            (r.id, r.doc, r.maybe_doc, r.price, r.maybe_price, r.fraction)
        })
        .collect();
    assert_eq!(got, expected);
    for row in &rows {
        let found: Vec<i64> = typed::table
            .filter(typed::doc.eq(&row.doc))
            .filter(typed::price.eq(row.price))
            .filter(typed::fraction.eq(row.fraction))
            .select(typed::id)
            .load(my)
            .unwrap();
        assert_eq!(found, [row.id]);
    }
    diesel::update(typed::table.find(2))
        .set((
            typed::maybe_doc.eq(json!({"by": "MysqlConnection"})),
            typed::maybe_price.eq(dec("-9999999999999999.9999999999")),
        ))
        .execute(my)
        .unwrap();
    let after = &load_all(cx.db.conn())[1];
    assert_eq!(
        (&after.maybe_doc, after.maybe_price),
        (
            &Some(json!({"by": "MysqlConnection"})),
            Some(dec("-9999999999999999.9999999999"))
        )
    );
}
