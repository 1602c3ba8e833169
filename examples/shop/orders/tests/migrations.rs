//! The orders app's own tests, each on its own database built by the shop's migrations
//! (`#[migrator_core::test]`, docs/testing.md): the models through diesel on the latest
//! schema, and the data migration `0004_fill_order_item_counts` tested the way it runs in
//! production — rows written at `0003`, migrated forwards across it, checked, migrated back,
//! checked again (`MigrationTest`).
//!
//! SQLite by default; `DATABASE_URL=postgres://…` or `mysql://…` (with the cargo features
//! `migrator-core/postgres` / `migrator-core/mysql`) runs them on a server, in databases
//! created and dropped by the tests.

// Link both apps, so their embedded migrations are in this test binary.
use catalog as _;
use orders as _;

use catalog::schema::catalog_products;
use catalog::Product;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};
use migrator_core::connection::DbConnection;
use migrator_core::testing::MigrationTest;
use orders::schema::{orders_lines, orders_orders};
use orders::{NewOrder, NewOrderLine, Order};

/// One order for `email` with a line per product of the catalog fixture (`lines` of them).
fn place_order(conn: &mut DbConnection, email: &str, lines: usize) -> Order {
    diesel::insert_into(orders_orders::table)
        .values(&NewOrder {
            customer_email: email,
            status: "pending",
        })
        .execute(conn)
        .unwrap();
    let order: Order = orders_orders::table
        .filter(orders_orders::customer_email.eq(email))
        .select(Order::as_select())
        .first(conn)
        .unwrap();
    let products: Vec<Product> = catalog_products::table
        .order(catalog_products::name)
        .limit(lines as i64)
        .select(Product::as_select())
        .load(conn)
        .unwrap();
    for product in &products {
        diesel::insert_into(orders_lines::table)
            .values(&NewOrderLine {
                order_id: order.id,
                product_id: product.id,
                quantity: 1,
                unit_price: product.price,
            })
            .execute(conn)
            .unwrap();
    }
    order
}

#[migrator_core::test(fixtures("fixtures/catalog.sql"))]
fn a_new_order_starts_with_an_item_count_of_zero(conn: &mut DbConnection) {
    let order = place_order(conn, "ada@example.com", 2);
    assert_eq!(order.item_count, 0, "the column's default");
    assert_eq!(order.status, "pending");
    let lines: i64 = orders_lines::table
        .filter(orders_lines::order_id.eq(order.id))
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(lines, 2);
}

#[migrator_core::test(fixtures("fixtures/catalog.sql"))]
fn deleting_an_order_deletes_its_lines(conn: &mut DbConnection) {
    let order = place_order(conn, "ada@example.com", 2);
    diesel::delete(&order).execute(conn).unwrap();
    let lines: i64 = orders_lines::table.count().get_result(conn).unwrap();
    assert_eq!(lines, 0, "on_delete = \"cascade\"");
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Count {
    #[diesel(sql_type = Text)]
    customer_email: String,
    #[diesel(sql_type = Integer)]
    item_count: i32,
    #[diesel(sql_type = BigInt)]
    line_count: i64,
}

/// Every order with its `item_count` and its real number of lines, by email. Plain SQL: the
/// schema at `0003` and `0004` is not the application's current one in general.
fn counts(conn: &mut DbConnection) -> Vec<Count> {
    diesel::sql_query(
        "SELECT o.customer_email, o.item_count, \
         (SELECT COUNT(*) FROM orders_lines l WHERE l.order_id = o.id) AS line_count \
         FROM orders_orders o ORDER BY o.customer_email",
    )
    .load(conn)
    .unwrap()
}

fn count(email: &str, item_count: i32, lines: i64) -> Count {
    Count {
        customer_email: email.to_owned(),
        item_count,
        line_count: lines,
    }
}

/// The data migration on rows written before it: forwards it fills every order's count,
/// backwards it puts the 0s `0003` left back.
#[migrator_core::test(
    migrate_to = "orders.0003_order_item_count",
    fixtures("fixtures/catalog.sql")
)]
fn fill_order_item_counts_forwards_and_backwards(conn: &mut DbConnection) {
    let test = MigrationTest::new("orders.0004_fill_order_item_counts").unwrap();
    test.migrate_before(conn).unwrap();
    // Rows as the application wrote them before 0004: every count is 0.
    diesel::sql_query(
        "INSERT INTO orders_orders (customer_email, status) VALUES \
         ('ada@example.com', 'paid'), ('bob@example.com', 'pending'), ('cy@example.com', 'paid')",
    )
    .execute(conn)
    .unwrap();
    diesel::sql_query(
        "INSERT INTO orders_lines (order_id, product_id, quantity, unit_price) \
         SELECT o.id, p.id, 1, p.price FROM orders_orders o, catalog_products p \
         WHERE o.customer_email = 'ada@example.com' \
         OR (o.customer_email = 'cy@example.com' AND p.sku = 'SF-DUNE')",
    )
    .execute(conn)
    .unwrap();
    assert_eq!(
        counts(conn),
        [
            count("ada@example.com", 0, 2),
            count("bob@example.com", 0, 0),
            count("cy@example.com", 0, 1),
        ]
    );

    test.migrate_forwards(conn).unwrap();
    assert_eq!(
        counts(conn),
        [
            count("ada@example.com", 2, 2),
            count("bob@example.com", 0, 0),
            count("cy@example.com", 1, 1),
        ]
    );

    test.migrate_backwards(conn).unwrap();
    assert_eq!(
        counts(conn),
        [
            count("ada@example.com", 0, 2),
            count("bob@example.com", 0, 0),
            count("cy@example.com", 0, 1),
        ],
        "unapplying 0004 puts back the 0s 0003 left"
    );
}

/// At the latest migration the app's own models see the filled column.
#[migrator_core::test(fixtures("fixtures/catalog.sql"))]
fn the_models_read_the_migrated_column(conn: &mut DbConnection) {
    let order = place_order(conn, "ada@example.com", 1);
    diesel::update(&order)
        .set(orders_orders::item_count.eq(1))
        .execute(conn)
        .unwrap();
    let again: Order = orders_orders::table
        .find(order.id)
        .select(Order::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(again.item_count, 1);
}
