//! Issue 14: the model structs are diesel's structs, queried through the schema
//! `makemigrations` generates from them (`diesel_models/schema.rs`, checked here to be exactly
//! what `diesel_schema::render` writes for these models), on every column type migrator maps —
//! integers, floats, bool, text, bytes, dates, times, timestamps, UTC timestamps, UUID, JSON,
//! decimals, each also nullable — with insert (`Insertable` structs without `id`), load
//! (`Selectable`), filters, a three-table join through the generated `joinable!`s, update
//! (`AsChangeset`, NULLs included) and delete (cascading), through migrator's `DbConnection`
//! on SQLite, and on PostgreSQL and MariaDB under the `postgres`/`mysql` features. The tables
//! are created by migrator from the same models. `composite.rs`: the two-column join of a
//! foreign key to a composite key that docs/diesel.md shows.
//!
//! Regenerate the schema file after changing the models: `MIGRATOR_BLESS=1 cargo test -p
//! migrator-core --test diesel_models`.

mod conformance_support;

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use conformance_support::{create, Ctx};
use diesel::prelude::*;
use migrator_core::backend::Backend;
use migrator_core::connection::{DbConnection, MultiBackend};
use migrator_core::types::{Decimal, UtcDateTime, Uuid};
use migrator_core::{diesel_schema, registry, Model};
use serde_json::{json, Value};

#[path = "diesel_models/composite.rs"]
mod composite;
#[path = "diesel_models/schema.rs"]
mod schema;
use schema::{dm_items, dm_payloads, dm_tags};

/// A tag items are filed under.
#[derive(Model, Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = dm_tags, check_for_backend(MultiBackend))]
#[model(table = "dm_tags")]
pub struct Tag {
    /// Primary key.
    pub id: i64,
    /// The tag's name.
    #[model(max_length = 40, unique)]
    pub name: String,
}

/// The plain column types.
#[derive(
    Model, Queryable, Selectable, Identifiable, Associations, AsChangeset, Debug, Clone, PartialEq,
)]
#[diesel(table_name = dm_items, belongs_to(Tag), treat_none_as_null = true)]
#[diesel(check_for_backend(MultiBackend))]
#[model(table = "dm_items")]
pub struct Item {
    /// Primary key.
    pub id: i64,
    /// The item's tag.
    #[model(foreign_key = Tag, on_delete = "cascade")]
    pub tag_id: i64,
    /// SMALLINT.
    pub small: i16,
    /// INTEGER.
    pub int: i32,
    /// BIGINT.
    pub big: i64,
    /// REAL.
    pub real: f32,
    /// DOUBLE PRECISION.
    pub double: f64,
    /// BOOLEAN.
    pub flag: bool,
    /// TEXT.
    pub text: String,
    /// VARCHAR(20).
    #[model(max_length = 20)]
    pub short: String,
    /// Bytes.
    pub bytes: Vec<u8>,
    /// DATE.
    pub day: NaiveDate,
    /// TIME.
    pub clock: NaiveTime,
    /// TIMESTAMP.
    pub stamp: NaiveDateTime,
    /// Nullable INTEGER.
    pub maybe_int: Option<i32>,
    /// Nullable TEXT.
    pub maybe_text: Option<String>,
}

/// The column types migrator's `sql_types` carry.
#[derive(
    Model, Queryable, Selectable, Identifiable, Associations, AsChangeset, Debug, Clone, PartialEq,
)]
#[diesel(table_name = dm_payloads, belongs_to(Item), treat_none_as_null = true)]
#[diesel(check_for_backend(MultiBackend))]
#[model(table = "dm_payloads")]
pub struct Payload {
    /// Primary key.
    pub id: i64,
    /// The item this belongs to.
    #[model(foreign_key = Item, on_delete = "cascade")]
    pub item_id: i64,
    /// TIMESTAMPTZ.
    pub utc: UtcDateTime,
    /// UUID.
    pub uid: Uuid,
    /// JSON.
    pub doc: Value,
    /// DECIMAL(12, 4).
    #[model(precision = 12, scale = 4)]
    pub price: Decimal,
    /// Nullable DATE.
    pub maybe_day: Option<NaiveDate>,
    /// Nullable TIMESTAMPTZ.
    pub maybe_utc: Option<UtcDateTime>,
    /// Nullable UUID.
    pub maybe_uid: Option<Uuid>,
    /// Nullable JSON.
    pub maybe_doc: Option<Value>,
    /// Nullable DECIMAL(12, 4).
    #[model(precision = 12, scale = 4)]
    pub maybe_price: Option<Decimal>,
}

#[derive(Insertable)]
#[diesel(table_name = dm_tags)]
struct NewTag<'a> {
    name: &'a str,
}

/// An `Item` without its `id`.
#[derive(Insertable, Clone)]
#[diesel(table_name = dm_items)]
struct NewItem {
    tag_id: i64,
    small: i16,
    int: i32,
    big: i64,
    real: f32,
    double: f64,
    flag: bool,
    text: String,
    short: String,
    bytes: Vec<u8>,
    day: NaiveDate,
    clock: NaiveTime,
    stamp: NaiveDateTime,
    maybe_int: Option<i32>,
    maybe_text: Option<String>,
}

/// A `Payload` without its `id`.
#[derive(Insertable, Clone)]
#[diesel(table_name = dm_payloads)]
struct NewPayload {
    item_id: i64,
    utc: UtcDateTime,
    uid: Uuid,
    doc: Value,
    price: Decimal,
    maybe_day: Option<NaiveDate>,
    maybe_utc: Option<UtcDateTime>,
    maybe_uid: Option<Uuid>,
    maybe_doc: Option<Value>,
    maybe_price: Option<Decimal>,
}

const SCHEMA_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/diesel_models/schema.rs");

#[test]
fn the_schema_file_is_what_makemigrations_writes_for_these_models() {
    let current = registry::current_models().unwrap();
    let app = current.state.models.keys().next().unwrap().app.clone();
    let text = diesel_schema::render(&app, &current, &BTreeMap::new()).unwrap();
    if std::env::var_os("MIGRATOR_BLESS").is_some() {
        std::fs::write(SCHEMA_FILE, &text).unwrap();
    }
    let committed = std::fs::read_to_string(SCHEMA_FILE).unwrap();
    assert_eq!(
        committed, text,
        "the committed schema is stale: rerun with MIGRATOR_BLESS=1"
    );
    assert!(text.contains("diesel::joinable!(dm_items -> dm_tags (tag_id));"));
    assert!(text.contains("diesel::joinable!(dm_payloads -> dm_items (item_id));"));
}

fn utc(text: &str) -> UtcDateTime {
    UtcDateTime::from(
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
            .unwrap()
            .and_utc(),
    )
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

fn new_item(tag_id: i64) -> NewItem {
    NewItem {
        tag_id,
        small: -7,
        int: 2_000_000_000,
        big: -9_000_000_000_000,
        real: 1.5,
        double: -2.25,
        flag: true,
        text: "naïve — ünïcode ✓".into(),
        short: "twenty characters!!!".into(),
        bytes: vec![0, 1, 2, 254, 255],
        day: NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
        clock: NaiveTime::from_hms_micro_opt(13, 14, 15, 250_000).unwrap(),
        stamp: NaiveDate::from_ymd_opt(1999, 12, 31)
            .unwrap()
            .and_hms_micro_opt(23, 59, 59, 123_456)
            .unwrap(),
        maybe_int: Some(42),
        maybe_text: None,
    }
}

fn new_payload(item_id: i64) -> NewPayload {
    NewPayload {
        item_id,
        utc: utc("2030-06-01 08:00:00.000001"),
        uid: Uuid::from(uuid::Uuid::from_u128(
            0x0123_4567_89ab_cdef_fedc_ba98_7654_3210,
        )),
        doc: json!({"tags": ["a", "ü"], "n": 1, "nested": {"ok": true}}),
        // Exact in binary too: SQLite keeps DECIMAL columns as doubles.
        price: dec("1234.5"),
        maybe_day: None,
        maybe_utc: Some(utc("1970-01-01 00:00:00")),
        maybe_uid: None,
        maybe_doc: Some(json!([1, "two", null])),
        maybe_price: Some(dec("-0.25")),
    }
}

fn crud(backend: Backend) {
    let mut cx = Ctx::new(backend);
    let current = registry::current_models().unwrap();
    // The harness applies its migrations as app `library`: the foreign keys follow.
    let model = |name: &str| {
        let mut m = current
            .state
            .models
            .values()
            .find(|m| m.name == name)
            .unwrap()
            .clone();
        for f in &mut m.fields {
            if let Some(fk) = &mut f.foreign_key {
                fk.app = conformance_support::APP.to_owned();
            }
        }
        m
    };
    cx.migrate_ops(vec![
        create(&model("Tag")),
        create(&model("Item")),
        create(&model("Payload")),
    ]);
    let conn: &mut DbConnection = cx.db.conn();

    // Insert.
    diesel::insert_into(dm_tags::table)
        .values(&NewTag { name: "kitchen" })
        .execute(conn)
        .unwrap();
    let tag: Tag = dm_tags::table
        .filter(dm_tags::name.eq("kitchen"))
        .select(Tag::as_select())
        .first(conn)
        .unwrap();
    let item_row = new_item(tag.id);
    diesel::insert_into(dm_items::table)
        .values(&item_row)
        .execute(conn)
        .unwrap();
    let item: Item = Item::belonging_to(&tag)
        .select(Item::as_select())
        .first(conn)
        .unwrap();
    let payload_row = new_payload(item.id);
    diesel::insert_into(dm_payloads::table)
        .values(&payload_row)
        .execute(conn)
        .unwrap();

    // Load: every value comes back as written.
    let expected_item = {
        let n = item_row.clone();
        Item {
            id: item.id,
            tag_id: n.tag_id,
            small: n.small,
            int: n.int,
            big: n.big,
            real: n.real,
            double: n.double,
            flag: n.flag,
            text: n.text,
            short: n.short,
            bytes: n.bytes,
            day: n.day,
            clock: n.clock,
            stamp: n.stamp,
            maybe_int: n.maybe_int,
            maybe_text: n.maybe_text,
        }
    };
    assert_eq!(item, expected_item, "{backend}");
    let payload: Payload = Payload::belonging_to(&item)
        .select(Payload::as_select())
        .first(conn)
        .unwrap();
    let p = payload_row.clone();
    let mut expected = Payload {
        id: payload.id,
        item_id: p.item_id,
        utc: p.utc,
        uid: p.uid,
        doc: p.doc,
        price: p.price,
        maybe_day: p.maybe_day,
        maybe_utc: p.maybe_utc,
        maybe_uid: p.maybe_uid,
        maybe_doc: p.maybe_doc,
        maybe_price: p.maybe_price,
    };
    assert_eq!(payload, expected, "{backend}");

    // Filters with a bound value of each kind find the row.
    let by = |conn: &mut DbConnection, q: dm_payloads::BoxedQuery<'static, MultiBackend>| {
        q.select(dm_payloads::id).load::<i64>(conn).unwrap()
    };
    let one = vec![payload.id];
    assert_eq!(
        by(
            conn,
            dm_payloads::table
                .filter(dm_payloads::uid.eq(p.uid))
                .into_boxed()
        ),
        one
    );
    assert_eq!(
        by(
            conn,
            dm_payloads::table
                .filter(dm_payloads::utc.eq(p.utc))
                .into_boxed()
        ),
        one
    );
    assert_eq!(
        by(
            conn,
            dm_payloads::table
                .filter(dm_payloads::price.eq(p.price))
                .into_boxed()
        ),
        one
    );
    assert_eq!(
        by(
            conn,
            dm_payloads::table
                .filter(dm_payloads::maybe_uid.is_null())
                .into_boxed()
        ),
        one
    );
    let items: Vec<i64> = dm_items::table
        .filter(dm_items::stamp.eq(item_row.stamp))
        .filter(dm_items::day.eq(item_row.day))
        .filter(dm_items::flag.eq(true))
        .select(dm_items::id)
        .load(conn)
        .unwrap();
    assert_eq!(items, vec![item.id], "{backend}");

    // A join over the generated `joinable!`s: payload -> item -> tag.
    let joined: Vec<(String, i16, Decimal)> = dm_payloads::table
        .inner_join(dm_items::table.inner_join(dm_tags::table))
        .select((dm_tags::name, dm_items::small, dm_payloads::price))
        .load(conn)
        .unwrap();
    assert_eq!(
        joined,
        vec![("kitchen".to_owned(), -7, p.price)],
        "{backend}"
    );

    // Update through AsChangeset, NULLs included.
    expected.maybe_price = None;
    expected.maybe_uid = Some(Uuid::from(uuid::Uuid::max()));
    expected.maybe_day = NaiveDate::from_ymd_opt(2000, 1, 1);
    expected.doc = json!("just a string");
    expected.price = dec("-99.75");
    diesel::update(&expected)
        .set(&expected)
        .execute(conn)
        .unwrap();
    let updated: Payload = dm_payloads::table
        .find(payload.id)
        .select(Payload::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(updated, expected, "{backend}");

    // Delete the tag: its item and the item's payload go with it (on_delete = "cascade").
    diesel::delete(&tag).execute(conn).unwrap();
    let left: (i64, i64) = (
        dm_items::table.count().get_result(conn).unwrap(),
        dm_payloads::table.count().get_result(conn).unwrap(),
    );
    assert_eq!(left, (0, 0), "{backend}");
}

#[test]
fn crud_on_sqlite() {
    crud(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn crud_on_postgres() {
    crud(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn crud_on_mysql() {
    crud(Backend::Mysql);
}

#[test]
fn a_two_column_foreign_key_joins_with_on_on_sqlite() {
    composite::two_column_join(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn a_two_column_foreign_key_joins_with_on_on_postgres() {
    composite::two_column_join(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn a_two_column_foreign_key_joins_with_on_on_mysql() {
    composite::two_column_join(Backend::Mysql);
}
