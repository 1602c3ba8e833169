//! A foreign key over two columns to a composite primary key (issue 17.2), queried through
//! the generated schema: diesel's `joinable!` takes one column, so the schema has none for
//! it, and docs/diesel.md shows the two-column `.on(…)` join instead. This is that join, run
//! on every backend, and the page is checked to show this very expression, so the two
//! cannot drift apart.

use diesel::prelude::*;
use migrator_core::connection::MultiBackend;
use migrator_core::{registry, Model};

use super::conformance_support::{create, Ctx, APP};
use super::schema::{line_notes, order_lines};
use migrator_core::backend::Backend;

/// One line of an order, keyed by the order and the line's number.
#[derive(Model, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = order_lines, check_for_backend(MultiBackend))]
#[model(table = "order_lines", primary_key(fields = ["order_id", "line_no"]))]
pub struct OrderLine {
    /// The order.
    pub order_id: i64,
    /// The line's number within the order.
    pub line_no: i32,
    /// What the line orders.
    #[model(max_length = 40)]
    pub product: String,
}

/// A note on one order line: a foreign key over (`order_id`, `line_no`).
#[derive(Model, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = line_notes, check_for_backend(MultiBackend))]
#[model(
    table = "line_notes",
    foreign_key(fields = ["order_id", "line_no"], to = OrderLine, on_delete = "cascade")
)]
pub struct LineNote {
    /// Primary key.
    pub id: i64,
    /// The order of the line.
    pub order_id: i64,
    /// The line's number.
    pub line_no: i32,
    /// The note.
    #[model(max_length = 100)]
    pub text: String,
}

/// The expression, and its text as written here.
macro_rules! with_text {
    ($e:expr) => {
        (stringify!($e), $e)
    };
}

/// `text` appears in docs/diesel.md (whitespace and trailing commas aside, which rustfmt
/// places by line width).
fn assert_the_guide_shows(text: &str) {
    let page = include_str!("../../../docs/diesel.md");
    let squeeze = |s: &str| s.split_whitespace().collect::<String>().replace(",)", ")");
    assert!(
        squeeze(page).contains(&squeeze(text)),
        "docs/diesel.md no longer shows the join this test runs:\n{text}"
    );
}

pub fn two_column_join(backend: Backend) {
    let mut cx = Ctx::new(backend);
    let current = registry::current_models().unwrap();
    // The harness applies its migrations as app `library`: the foreign key follows.
    let model = |name: &str| {
        let mut m = current
            .state
            .models
            .values()
            .find(|m| m.name == name)
            .unwrap()
            .clone();
        m.app = APP.to_owned();
        for c in &mut m.constraints {
            if let migrator_core::ConstraintKind::ForeignKey { to, .. } = &mut c.kind {
                to.app = APP.to_owned();
            }
        }
        m
    };
    cx.migrate_ops(vec![
        create(&model("OrderLine")),
        create(&model("LineNote")),
    ]);
    let conn = cx.db.conn();
    for (order, line, product) in [(7, 1, "tea"), (7, 2, "cups"), (8, 1, "plates")] {
        diesel::insert_into(order_lines::table)
            .values((
                order_lines::order_id.eq(order),
                order_lines::line_no.eq(line),
                order_lines::product.eq(product),
            ))
            .execute(conn)
            .unwrap();
    }
    for (id, order, line, text) in [(1, 7, 2, "fragile"), (2, 8, 1, "gift"), (3, 7, 1, "green")] {
        diesel::insert_into(line_notes::table)
            .values((
                line_notes::id.eq(id),
                line_notes::order_id.eq(order),
                line_notes::line_no.eq(line),
                line_notes::text.eq(text),
            ))
            .execute(conn)
            .unwrap();
    }

    let (text, join) = with_text!(line_notes::table.inner_join(
        order_lines::table.on(order_lines::order_id
            .eq(line_notes::order_id)
            .and(order_lines::line_no.eq(line_notes::line_no)))
    ));
    assert_the_guide_shows(text);
    // What the page says about the schema: no `joinable!` for a foreign key over two columns.
    assert!(!include_str!("schema.rs").contains("joinable!(line_notes"));
    let rows: Vec<(LineNote, OrderLine)> = join
        .order(line_notes::id)
        .select((LineNote::as_select(), OrderLine::as_select()))
        .load(conn)
        .unwrap();
    let pairs: Vec<(&str, &str)> = rows
        .iter()
        .map(|(n, l)| (n.text.as_str(), l.product.as_str()))
        .collect();
    // Each note meets its own line: (7, 1) is not (7, 2), nor (8, 1).
    assert_eq!(
        pairs,
        [("fragile", "cups"), ("gift", "plates"), ("green", "tea")],
        "{backend}"
    );

    // Deleting a line deletes its notes (on_delete = "cascade"), and only those.
    diesel::delete(
        order_lines::table
            .filter(order_lines::order_id.eq(7))
            .filter(order_lines::line_no.eq(2)),
    )
    .execute(conn)
    .unwrap();
    let left: Vec<String> = line_notes::table
        .order(line_notes::id)
        .select(line_notes::text)
        .load(conn)
        .unwrap();
    assert_eq!(left, ["gift", "green"], "{backend}");
}
