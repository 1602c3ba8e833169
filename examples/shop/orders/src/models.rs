//! The order models: an order placed by a customer and its lines, one per product, each
//! with a positive quantity and the unit price at the time of the order.

use migrator_core::Model;
use rust_decimal::Decimal;

/// An order placed by a customer.
#[derive(Debug, Clone, PartialEq, Model)]
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
}

/// One product on an order. An order holds each product at most once; deleting an order
/// deletes its lines, and a product on an order cannot be deleted.
#[derive(Debug, Clone, PartialEq, Model)]
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
