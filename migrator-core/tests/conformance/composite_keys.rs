//! Composite primary keys (Django 5.2's `CompositePrimaryKey`): a table created with one,
//! enforced, kept through a SQLite rebuild, down and up again; and a primary key changed
//! between one auto-increment column and two columns in the order the autodetector writes,
//! on a table with rows, forwards and back, every row kept and the key enforced after each
//! step. (A composite key replaced by a *new* auto-increment field is refused by the
//! autodetector, `tests/autodetector/composite_keys.rs`.)

use std::collections::BTreeMap;

use crate::conformance_support::*;
use migrator_core::autodetector::detect;
use migrator_core::backend::Backend;
use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::registry::CurrentModels;
use migrator_core::{
    ColumnType, DefaultValue, FieldState, ForeignKey, ModelState, OnDelete, Operation, ProjectState,
};

fn order() -> ModelState {
    let mut m = ModelState::new(APP, "Order", "orders");
    m.fields = vec![FieldState::new("id", ColumnType::BigInt)
        .primary_key()
        .auto_increment()];
    m
}

/// `order_lines`, keyed by (`order_id`, `line_no`); `order_id` points at `orders`.
fn line(fields: Vec<FieldState>) -> ModelState {
    let mut m = ModelState::new(APP, "OrderLine", "order_lines");
    m.fields = fields;
    m
}

fn order_id() -> FieldState {
    FieldState::new("order_id", ColumnType::BigInt).foreign_key(ForeignKey::new(
        APP,
        "Order",
        OnDelete::Cascade,
    ))
}

fn line_no() -> FieldState {
    FieldState::new("line_no", ColumnType::Integer)
}

fn qty() -> FieldState {
    FieldState::new("qty", ColumnType::Integer)
}

/// The operations `makemigrations` writes to turn the migrated state into `models`.
fn detected(state: &ProjectState, models: Vec<ModelState>) -> Vec<Operation> {
    let mut to = state.clone();
    for m in models {
        to.insert(m);
    }
    let current = CurrentModels {
        state: to,
        hints: BTreeMap::new(),
        ..CurrentModels::default()
    };
    let changes = detect(state, &current, &mut NonInteractiveQuestioner).expect("detect");
    changes[APP].operations.clone()
}

pub(super) fn composite_primary_key_round_trip(backend: Backend) {
    let mut cx = Ctx::new(backend);
    cx.forwards(&create(&order()));
    let composite = line(vec![
        order_id().primary_key(),
        line_no().primary_key(),
        qty(),
    ]);
    let sql = cx.forwards(&create(&composite));
    let key = match backend {
        Backend::Mysql => "PRIMARY KEY (`order_id`, `line_no`)",
        _ => "PRIMARY KEY (\"order_id\", \"line_no\")",
    };
    assert!(sql[0].contains(key), "{sql:#?}");
    assert_eq!(
        cx.introspect().tables["order_lines"].primary_key,
        ["order_id", "line_no"]
    );
    cx.exec("INSERT INTO orders (id) VALUES (1), (2)");
    cx.exec(
        "INSERT INTO order_lines (order_id, line_no, qty) VALUES (1, 1, 5), (1, 2, 1), (2, 1, 7)",
    );
    let dup = cx.try_exec("INSERT INTO order_lines (order_id, line_no, qty) VALUES (1, 2, 9)");
    assert!(dup.is_err(), "the composite key is not enforced");
    let no_order = cx.try_exec("INSERT INTO order_lines (order_id, line_no, qty) VALUES (3, 1, 1)");
    assert!(
        no_order.is_err(),
        "the foreign key in the key is not enforced"
    );
    // A change SQLite rebuilds the table for keeps the key and the rows.
    cx.forwards(&alter("OrderLine", qty().default(DefaultValue::Int(1))));
    let cols = ["order_id", "line_no", "qty"];
    let rows = ["1|1|5", "1|2|1", "2|1|7"];
    assert_eq!(cx.rows("order_lines", &cols, "order_id, line_no"), rows);
    assert!(cx
        .try_exec("INSERT INTO order_lines (order_id, line_no) VALUES (2, 1)")
        .is_err());
    // Down and up again: the schema equals the state after each step.
    cx.back_to(1);
    cx.up_again();
    cx.exec("INSERT INTO order_lines (order_id, line_no) VALUES (1, 1), (1, 2)");
    assert_eq!(cx.rows("order_lines", &["qty"], "line_no"), ["1", "1"]);
}

pub(super) fn primary_key_change_to_and_from_a_composite_key_keeps_rows(backend: Backend) {
    let mut cx = Ctx::new(backend);
    cx.forwards(&create(&order()));
    let auto_id = || {
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment()
    };
    let numbered = line(vec![auto_id(), order_id(), line_no(), qty()]);
    cx.forwards(&create(&numbered));
    cx.exec("INSERT INTO orders (id) VALUES (1), (2)");
    cx.exec(
        "INSERT INTO order_lines (order_id, line_no, qty) VALUES (1, 1, 5), (1, 2, 1), (2, 1, 7)",
    );
    let cols = ["id", "order_id", "line_no", "qty"];
    let before = cx.rows("order_lines", &cols, "id");
    // One auto-increment `id` → (`order_id`, `line_no`), `id` kept as a plain column.
    let ops = detected(
        &cx.state,
        vec![line(vec![
            FieldState::new("id", ColumnType::BigInt),
            order_id().primary_key(),
            line_no().primary_key(),
            qty(),
        ])],
    );
    cx.migrate_ops(ops);
    assert_eq!(
        cx.introspect().tables["order_lines"].primary_key,
        ["order_id", "line_no"]
    );
    assert_eq!(cx.rows("order_lines", &cols, "id"), before);
    let dup = "INSERT INTO order_lines (id, order_id, line_no, qty) VALUES (9, 2, 1, 1)";
    assert!(cx.try_exec(dup).is_err(), "the new key is not enforced");
    // Back: `id` numbers the rows again, from where it was.
    cx.back_to(2);
    assert_eq!(cx.rows("order_lines", &cols, "id"), before);
    cx.exec("INSERT INTO order_lines (order_id, line_no, qty) VALUES (2, 1, 3)");
    assert_eq!(cx.rows("order_lines", &["id"], "id DESC")[0], "4");
    cx.exec("DELETE FROM order_lines WHERE id = 4");
    cx.up_again();
    assert_eq!(cx.rows("order_lines", &cols, "id"), before);
    // And from the composite key back to `id` as the one auto-increment key, as
    // `makemigrations` writes it: `id` joins the key, the others leave, then `id` numbers.
    let ops = detected(&cx.state, vec![numbered.clone()]);
    cx.migrate_ops(ops);
    assert_eq!(cx.introspect().tables["order_lines"].primary_key, ["id"]);
    assert_eq!(cx.rows("order_lines", &cols, "id"), before);
    cx.exec("INSERT INTO order_lines (order_id, line_no, qty) VALUES (2, 1, 3)");
    assert_eq!(cx.rows("order_lines", &["id"], "id DESC")[0], "4");
    cx.exec("DELETE FROM order_lines WHERE id = 4");
    // Back to the composite key, the rows kept.
    cx.back_to(3);
    assert_eq!(cx.rows("order_lines", &cols, "id"), before);
    assert_eq!(
        cx.introspect().tables["order_lines"].primary_key,
        ["order_id", "line_no"]
    );
}
