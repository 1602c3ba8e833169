//! The shop application: it applies both apps' embedded migrations at start-up, then works on
//! their tables through the diesel schemas `migrator makemigrations` writes
//! (`catalog::schema`, `orders::schema`) with the model structs as diesel's structs: insert,
//! filter, a join across the two apps, a many-to-many relation queried through its join
//! table, update and delete. No hand-written `table!`.
//!
//! ```text
//! cargo run -p shop-app
//! ```
//!
//! The database is the one the `migrator` CLI uses: `DATABASE_URL`, else `migrator.toml`, else
//! `db.sqlite3` in the current directory. The run removes what it creates, so it can be
//! repeated.

use std::process::ExitCode;

use catalog::schema::{catalog_categories, catalog_products, catalog_products_tags, catalog_tags};
use catalog::{Category, NewCategory, NewProduct, Product, Tag};
use diesel::prelude::*;
use migrator_core::connection::DbConnection;
use migrator_core::database::{connect, resolve};
use migrator_core::executor::apply_embedded;
use orders::schema::{orders_lines, orders_orders};
use orders::{NewOrder, NewOrderLine, Order, OrderLine};
use rust_decimal::Decimal;

type Error = Box<dyn std::error::Error>;

fn run() -> Result<(), Error> {
    let db = resolve(None, &std::env::current_dir()?)?;
    let mut conn = connect(&db.url)?;
    for key in apply_embedded(&mut conn)? {
        println!("applied {key}");
    }
    let category = create_catalog(&mut conn)?;
    tag_products(&mut conn)?;
    let order = place_order(&mut conn, &category)?;
    report(&mut conn, &order)?;
    clean_up(&mut conn, order, category)
}

/// A category and two products in it.
fn create_catalog(conn: &mut DbConnection) -> Result<Category, Error> {
    diesel::insert_into(catalog_categories::table)
        .values(&NewCategory {
            name: "Science fiction",
            parent_id: None,
        })
        .execute(conn)?;
    let category: Category = catalog_categories::table
        .filter(catalog_categories::name.eq("Science fiction"))
        .select(Category::as_select())
        .first(conn)?;
    let products = [
        ("Dune", "SF-DUNE", "9.99"),
        ("Hyperion", "SF-HYPERION", "12.50"),
    ];
    for (name, sku, price) in products {
        diesel::insert_into(catalog_products::table)
            .values(&NewProduct {
                name,
                sku,
                category_id: category.id,
                price: price.parse()?,
                active: true,
            })
            .execute(conn)?;
    }
    Ok(category)
}

/// Two tags, linked to the products through `Product`'s many-to-many relation `tags`: its
/// join table `catalog_products_tags` (one row per link) is in the schema like any table,
/// with a `joinable!` to each side, so one query walks product → link → tag.
fn tag_products(conn: &mut DbConnection) -> Result<(), Error> {
    for name in ["classic", "bestseller"] {
        diesel::insert_into(catalog_tags::table)
            .values(catalog_tags::name.eq(name))
            .execute(conn)?;
    }
    let links = [
        ("SF-DUNE", "classic"),
        ("SF-DUNE", "bestseller"),
        ("SF-HYPERION", "classic"),
    ];
    for (sku, tag) in links {
        let product: i64 = catalog_products::table
            .filter(catalog_products::sku.eq(sku))
            .select(catalog_products::id)
            .first(conn)?;
        let tag: Tag = catalog_tags::table
            .filter(catalog_tags::name.eq(tag))
            .select(Tag::as_select())
            .first(conn)?;
        diesel::insert_into(catalog_products_tags::table)
            .values((
                catalog_products_tags::product_id.eq(product),
                catalog_products_tags::tag_id.eq(tag.id),
            ))
            .execute(conn)?;
    }
    let tagged: Vec<(String, String)> = catalog_products::table
        .inner_join(catalog_products_tags::table.inner_join(catalog_tags::table))
        .order((catalog_products::name, catalog_tags::name))
        .select((catalog_products::name, catalog_tags::name))
        .load(conn)?;
    for (product, tag) in &tagged {
        println!("{product} is tagged {tag}");
    }
    let classics: i64 = catalog_tags::table
        .inner_join(catalog_products_tags::table)
        .filter(catalog_tags::name.eq("classic"))
        .count()
        .get_result(conn)?;
    println!("{classics} products are tagged classic");
    Ok(())
}

/// An order with one line per product of `category`.
fn place_order(conn: &mut DbConnection, category: &Category) -> Result<Order, Error> {
    diesel::insert_into(orders_orders::table)
        .values(&NewOrder {
            customer_email: "ada@example.com",
            status: "pending",
        })
        .execute(conn)?;
    let order: Order = orders_orders::table
        .filter(orders_orders::customer_email.eq("ada@example.com"))
        .order(orders_orders::id.desc())
        .select(Order::as_select())
        .first(conn)?;
    let products: Vec<Product> = Product::belonging_to(category)
        .order(catalog_products::name)
        .select(Product::as_select())
        .load(conn)?;
    for (quantity, product) in (1..).zip(&products) {
        diesel::insert_into(orders_lines::table)
            .values(&NewOrderLine {
                order_id: order.id,
                product_id: product.id,
                quantity,
                unit_price: product.price,
            })
            .execute(conn)?;
    }
    // The order is paid: update two columns.
    diesel::update(&order)
        .set((
            orders_orders::status.eq("paid"),
            orders_orders::item_count.eq(i32::try_from(products.len())?),
        ))
        .execute(conn)?;
    Ok(orders_orders::table
        .find(order.id)
        .select(Order::as_select())
        .first(conn)?)
}

/// The order's lines joined to the catalog's products (two apps, one query), and a filter on
/// a decimal column.
fn report(conn: &mut DbConnection, order: &Order) -> Result<(), Error> {
    println!("order for {} is {}", order.customer_email, order.status);
    let lines: Vec<(OrderLine, Product)> = OrderLine::belonging_to(order)
        .inner_join(catalog_products::table)
        .order(catalog_products::name)
        .select((OrderLine::as_select(), Product::as_select()))
        .load(conn)?;
    let mut total = Decimal::ZERO;
    for (line, product) in &lines {
        println!(
            "  {} x {} at {}",
            line.quantity,
            product.name,
            cents(*line.unit_price)
        );
        total += *line.unit_price * Decimal::from(line.quantity);
    }
    println!("  total {}", cents(total));
    let dear: Vec<String> = catalog_products::table
        .filter(catalog_products::price.gt("10".parse::<migrator_core::types::Decimal>()?))
        .select(catalog_products::name)
        .load(conn)?;
    println!("products over 10: {}", dear.join(", "));
    Ok(())
}

/// `amount` with two decimals (SQLite keeps decimals as doubles, so `12.50` comes back as
/// `12.5`).
fn cents(mut amount: Decimal) -> Decimal {
    amount.rescale(2);
    amount
}

/// Deletes what the run created: the order (its lines go with it, `on_delete = "cascade"`),
/// then the products (their tag links go with them), the category and the tags.
fn clean_up(conn: &mut DbConnection, order: Order, category: Category) -> Result<(), Error> {
    diesel::delete(&order).execute(conn)?;
    let lines: i64 = orders_lines::table
        .filter(orders_lines::order_id.eq(order.id))
        .count()
        .get_result(conn)?;
    diesel::delete(Product::belonging_to(&category)).execute(conn)?;
    diesel::delete(&category).execute(conn)?;
    // The products' links went with them (`ON DELETE CASCADE` on the join table).
    let links: i64 = catalog_products_tags::table.count().get_result(conn)?;
    diesel::delete(
        catalog_tags::table.filter(catalog_tags::name.eq_any(["classic", "bestseller"])),
    )
    .execute(conn)?;
    println!(
        "deleted the order ({lines} lines left), its products ({links} tag links left), \
         their category and the tags"
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
