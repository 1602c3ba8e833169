//! The catalog models. Prices are exact decimals; a category may sit under a parent
//! category (deleting the parent leaves its children at the top level).

use migrator_core::Model;
use rust_decimal::Decimal;

/// A shelf of the shop, possibly inside another one.
#[derive(Debug, Clone, PartialEq, Model)]
#[model(table = "catalog_categories")]
pub struct Category {
    /// Primary key.
    pub id: i64,
    /// The category's name, unique across the shop.
    #[model(max_length = 100, unique)]
    pub name: String,
    /// The enclosing category; NULL at the top level and when the parent is deleted.
    #[model(foreign_key = Category, on_delete = "set_null")]
    pub parent_id: Option<i64>,
}

/// Something the shop sells.
#[derive(Debug, Clone, PartialEq, Model)]
#[model(
    table = "catalog_products",
    check(name = "catalog_products_price_not_negative", sql = "price >= 0")
)]
pub struct Product {
    /// Primary key.
    pub id: i64,
    /// The product's display name.
    #[model(max_length = 200)]
    pub name: String,
    /// Stock-keeping unit, unique.
    #[model(max_length = 40, unique)]
    pub sku: String,
    /// Where the product is listed; a category with products cannot be deleted.
    #[model(foreign_key = Category, on_delete = "restrict")]
    pub category_id: i64,
    /// The list price.
    #[model(precision = 10, scale = 2)]
    pub price: Decimal,
    /// Whether the product is for sale.
    #[model(default = true)]
    pub active: bool,
}
