//! Issue 17 part 6: Rust enums stored as text (`#[derive(ModelEnum)]`). The derived state
//! (a `VARCHAR` as long as the longest value, a check of the values per field), the diesel
//! schema `makemigrations` writes for it (`model_enums/schema.rs`, checked to be exactly
//! what `diesel_schema::render` writes), and on SQLite, PostgreSQL and MariaDB: the table
//! created from an older version of the enum, rows written and read through diesel with the
//! enum as a field, a value outside the enum refused by the database, a variant added — the
//! migration the autodetector makes for it applied, the new value accepted — then unapplied
//! and applied again with every row kept, the schema equal to the state and the drift check
//! clean at every step.
//!
//! Regenerate the schema file after changing the models: `MIGRATOR_BLESS=1 cargo test -p
//! migrator-core --test model_enums`.

mod conformance_support;

use std::collections::BTreeMap;

use conformance_support::{create, Ctx};
use diesel::prelude::*;
use migrator_core::autodetector::detect;
use migrator_core::backend::Backend;
use migrator_core::connection::MultiBackend;
use migrator_core::executor::check_drift;
use migrator_core::model_enum::choices_sql;
use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::{
    diesel_schema, registry, ColumnType, ConstraintKind, Model, ModelEnum, Operation, ProjectState,
};

#[path = "model_enums/schema.rs"]
mod schema;
use schema::me_orders;

/// Where an order is. `Cancelled` is the variant added after the first migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ModelEnum)]
pub enum Status {
    /// Not yet shipped.
    Pending,
    /// On its way.
    Shipped,
    /// Called off; stored under another name than the variant's.
    #[model_enum(rename = "cancelled")]
    Cancelled,
}

/// How an order is paid, stored in upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ModelEnum)]
#[model_enum(rename_all = "SCREAMING_SNAKE_CASE", max_length = 20)]
pub enum Payment {
    /// By card.
    CreditCard,
    /// On delivery.
    Cash,
    /// On credit, a value with a quote in it (quoted in the check, bound as it is).
    #[model_enum(rename = "IOU's")]
    Iou,
}

/// An order with an enum field and an optional one.
#[derive(Model, Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = me_orders, check_for_backend(MultiBackend))]
#[model(table = "me_orders")]
pub struct Order {
    /// Primary key.
    pub id: i64,
    /// Where the order is.
    #[model(default = "pending", index)]
    pub status: Status,
    /// How it is paid, when known.
    pub payment: Option<Payment>,
}

const SCHEMA_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/model_enums/schema.rs");

#[test]
fn the_derive_gives_values_a_column_and_a_check_per_field() {
    assert_eq!(Status::VALUES, ["pending", "shipped", "cancelled"]);
    assert_eq!(Payment::CreditCard.as_str(), "CREDIT_CARD");
    assert_eq!("CASH".parse::<Payment>(), Ok(Payment::Cash));
    let err = "cash".parse::<Payment>().unwrap_err().to_string();
    assert_eq!(
        err,
        "`cash` is not a value of `Payment` (expected one of: CREDIT_CARD, CASH, IOU's)"
    );
    assert_eq!(Status::Shipped.to_string(), "shipped");

    let state = Order::definition().state;
    let status = state.field("status").unwrap();
    assert_eq!(status.column_type, ColumnType::Varchar(9));
    assert!(!status.nullable);
    let payment = state.field("payment").unwrap();
    assert_eq!(payment.column_type, ColumnType::Varchar(20));
    assert!(payment.nullable);
    let checks: Vec<(&str, &ConstraintKind)> = state
        .constraints
        .iter()
        .map(|c| (c.name.as_str(), &c.kind))
        .collect();
    assert_eq!(
        checks,
        [
            (
                "me_orders_payment_choices",
                &ConstraintKind::Check(
                    "payment = 'CREDIT_CARD' OR payment = 'CASH' OR payment = 'IOU''s'".into()
                )
            ),
            (
                "me_orders_status_choices",
                &ConstraintKind::Check(
                    "status = 'pending' OR status = 'shipped' OR status = 'cancelled'".into()
                )
            ),
        ]
    );
}

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
    // diesel's `Varchar` is `Text`, which the derived conversions are for.
    assert!(text.contains("status -> Varchar,"), "{text}");
    assert!(text.contains("payment -> Nullable<Varchar>,"), "{text}");
}

/// The model as it was before `Cancelled` existed: a shorter column and a check of two
/// values, what the first migration of a real project would hold.
fn order_before_cancelled() -> migrator_core::ModelState {
    let mut model = Order::definition().state;
    model.field_mut("status").unwrap().column_type = ColumnType::Varchar(7);
    for c in &mut model.constraints {
        if c.name == "me_orders_status_choices" {
            c.kind = ConstraintKind::Check(choices_sql("status", &["pending", "shipped"]));
        }
    }
    model
}

fn assert_drift_clean(cx: &mut Ctx) {
    let state = cx.state.clone();
    let drift = check_drift(cx.db.conn(), &state).unwrap();
    assert!(drift.is_empty(), "{}: drift: {drift:?}", cx.backend);
}

fn statuses(cx: &mut Ctx) -> Vec<(i64, Status, Option<Payment>)> {
    me_orders::table
        .select((me_orders::id, me_orders::status, me_orders::payment))
        .order_by(me_orders::id)
        .load(cx.db.conn())
        .unwrap()
}

fn lifecycle(backend: Backend) {
    let mut cx = Ctx::new(backend);
    cx.migrate_ops(vec![create(&order_before_cancelled())]);
    assert_drift_clean(&mut cx);

    // Rows through diesel, the enum as a field and as a filter.
    let rows = [
        Order {
            id: 1,
            status: Status::Pending,
            payment: Some(Payment::CreditCard),
        },
        Order {
            id: 2,
            status: Status::Shipped,
            payment: None,
        },
        Order {
            id: 5,
            status: Status::Shipped,
            payment: Some(Payment::Iou),
        },
    ];
    for row in &rows {
        diesel::insert_into(me_orders::table)
            .values(row)
            .execute(cx.db.conn())
            .unwrap();
    }
    let shipped: Vec<Order> = me_orders::table
        .filter(me_orders::status.eq(Status::Shipped))
        .order_by(me_orders::id)
        .select(Order::as_select())
        .load(cx.db.conn())
        .unwrap();
    assert_eq!(shipped, rows[1..], "{backend}");
    // The database refuses what the enum cannot hold: a value the old check lacks, and junk.
    // (Not a value differing in case only: MariaDB compares text under the column's
    // collation, case-insensitive by default, so it accepts `cash` for `CASH`.)
    for bad in [
        "INSERT INTO me_orders (id, status) VALUES (9, 'cancelled')",
        "INSERT INTO me_orders (id, status, payment) VALUES (9, 'pending', 'cheque')",
    ] {
        assert!(cx.try_exec(bad).is_err(), "{backend}: {bad} was accepted");
    }

    // Adding the variant: the autodetector's migration widens the column and swaps the check.
    let mut before = ProjectState::new();
    before.insert(order_before_cancelled());
    let current = registry::current_models().unwrap();
    let changes = detect(&before, &current, &mut NonInteractiveQuestioner).unwrap();
    let ops: Vec<Operation> = changes.into_values().flat_map(|c| c.operations).collect();
    let described: Vec<String> = ops.iter().map(Operation::describe).collect();
    assert_eq!(ops.len(), 3, "{described:?}");
    assert!(
        described
            .iter()
            .any(|d| d.contains("me_orders_status_choices")),
        "{described:?}"
    );
    cx.migrate_ops(ops);
    assert_drift_clean(&mut cx);
    let cancelled = Order {
        id: 3,
        status: Status::Cancelled,
        payment: Some(Payment::Cash),
    };
    diesel::insert_into(me_orders::table)
        .values(&cancelled)
        .execute(cx.db.conn())
        .unwrap();
    assert!(cx
        .try_exec("INSERT INTO me_orders (id, status) VALUES (9, 'lost')")
        .is_err());
    let all = statuses(&mut cx);
    assert_eq!(
        all,
        [
            (1, Status::Pending, Some(Payment::CreditCard)),
            (2, Status::Shipped, None),
            (3, Status::Cancelled, Some(Payment::Cash)),
            (5, Status::Shipped, Some(Payment::Iou)),
        ],
        "{backend}"
    );

    // Back to the older enum: the old check refuses rows holding the new value, so they go
    // first (as a data migration would); every other row stays, then forwards again.
    diesel::delete(me_orders::table.filter(me_orders::status.eq(Status::Cancelled)))
        .execute(cx.db.conn())
        .unwrap();
    cx.back_to(1);
    assert_drift_clean(&mut cx);
    assert!(cx
        .try_exec("INSERT INTO me_orders (id, status) VALUES (9, 'cancelled')")
        .is_err());
    cx.up_again();
    assert_drift_clean(&mut cx);
    let kept: Vec<_> = all
        .iter()
        .filter(|r| r.1 != Status::Cancelled)
        .cloned()
        .collect();
    assert_eq!(statuses(&mut cx), kept, "{backend}");
    // The default is the enum's text.
    cx.exec("INSERT INTO me_orders (id) VALUES (4)");
    assert_eq!(
        statuses(&mut cx)[2],
        (4, Status::Pending, None),
        "{backend}"
    );
}

#[test]
fn lifecycle_on_sqlite() {
    lifecycle(Backend::Sqlite);
}

#[cfg(feature = "postgres")]
#[test]
fn lifecycle_on_postgres() {
    lifecycle(Backend::Postgres);
}

#[cfg(feature = "mysql")]
#[test]
fn lifecycle_on_mysql() {
    lifecycle(Backend::Mysql);
}
