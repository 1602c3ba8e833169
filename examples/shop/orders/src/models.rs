//! The order models: an order placed by a customer and its lines, one per product, each
//! with a positive quantity and the unit price at the time of the order.

use migrator_core::types::Decimal;
use migrator_core::Model;

// Each model is also diesel's struct for its table (`crate::schema`, written by `migrator
// makemigrations`); the derives sit in `cfg_attr(not(migrator), …)` so a model change never
// stops makemigrations from building the models (docs/diesel.md).

/// An order placed by a customer.
#[derive(Debug, Clone, PartialEq, Model)]
#[cfg_attr(
    not(migrator),
    derive(
        diesel::prelude::Queryable,
        diesel::prelude::Selectable,
        diesel::prelude::Identifiable,
        diesel::prelude::AsChangeset
    )
)]
#[cfg_attr(not(migrator), diesel(table_name = crate::schema::orders_orders))]
#[cfg_attr(
    not(migrator),
    diesel(check_for_backend(migrator_core::connection::MultiBackend))
)]
#[model(table = "orders_orders")]
pub struct Order {
    /// Primary key.
    pub id: i64,
    /// Who placed the order.
    #[model(max_length = 254, index)]
    pub customer_email: String,
    /// Where the order is in its life: `pending`, `paid`, `shipped`.
    #[model(max_length = 20, default = "pending")]
    pub status: String,
    /// When the order was placed (set by the database).
    #[model(default_sql = "CURRENT_TIMESTAMP")]
    pub created_at: chrono::NaiveDateTime,
    /// How many lines the order has, kept by the application (filled for existing orders by
    /// the data migration `0004_fill_order_item_counts`).
    #[model(default = 0)]
    pub item_count: i32,
}

/// One product on an order. An order holds each product at most once; deleting an order
/// deletes its lines, and a product on an order cannot be deleted.
#[derive(Debug, Clone, PartialEq, Model)]
#[cfg_attr(
    not(migrator),
    derive(
        diesel::prelude::Queryable,
        diesel::prelude::Selectable,
        diesel::prelude::Identifiable,
        diesel::prelude::Associations
    )
)]
#[cfg_attr(not(migrator), diesel(table_name = crate::schema::orders_lines))]
#[cfg_attr(not(migrator), diesel(belongs_to(Order), belongs_to(catalog::Product)))]
#[cfg_attr(
    not(migrator),
    diesel(check_for_backend(migrator_core::connection::MultiBackend))
)]
#[model(
    table = "orders_lines",
    index(
        name = "orders_lines_order_product_uniq",
        fields = ["order_id", "product_id"],
        unique
    ),
    check(name = "orders_lines_quantity_positive", sql = "quantity > 0")
)]
pub struct OrderLine {
    /// Primary key.
    pub id: i64,
    /// The order this line belongs to.
    #[model(foreign_key = Order, on_delete = "cascade")]
    pub order_id: i64,
    /// The product ordered.
    #[model(foreign_key = catalog::Product, on_delete = "restrict")]
    pub product_id: i64,
    /// How many units.
    #[model(default = 1)]
    pub quantity: i32,
    /// The price of one unit when the order was placed.
    #[model(precision = 10, scale = 2)]
    pub unit_price: Decimal,
}

/// An order to place: the database sets its `id` and `created_at`.
#[cfg(not(migrator))]
#[derive(Debug, Clone, diesel::prelude::Insertable)]
#[diesel(table_name = crate::schema::orders_orders)]
pub struct NewOrder<'a> {
    /// Who placed the order.
    pub customer_email: &'a str,
    /// Where the order is in its life.
    pub status: &'a str,
}

/// A line to add to an order.
#[cfg(not(migrator))]
#[derive(Debug, Clone, diesel::prelude::Insertable)]
#[diesel(table_name = crate::schema::orders_lines)]
pub struct NewOrderLine {
    /// The order this line belongs to.
    pub order_id: i64,
    /// The product ordered.
    pub product_id: i64,
    /// How many units.
    pub quantity: i32,
    /// The price of one unit when the order was placed.
    pub unit_price: Decimal,
}
