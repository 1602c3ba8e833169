//! The catalog models. Prices are exact decimals; a category may sit under a parent
//! category (deleting the parent leaves its children at the top level); products carry any
//! number of tags, and a tag any number of products (a many-to-many relation, whose join
//! table `catalog_products_tags` migrator creates).

use migrator_core::types::Decimal;
use migrator_core::Model;

// Each model is also diesel's struct for its table (`crate::schema`, written by `migrator
// makemigrations`); the derives sit in `cfg_attr(not(migrator), …)` so a model change never
// stops makemigrations from building the models (docs/diesel.md).

/// A shelf of the shop, possibly inside another one.
#[derive(Debug, Clone, PartialEq, Model)]
#[cfg_attr(
    not(migrator),
    derive(
        diesel::prelude::Queryable,
        diesel::prelude::Selectable,
        diesel::prelude::Identifiable
    )
)]
#[cfg_attr(not(migrator), diesel(table_name = crate::schema::catalog_categories))]
#[cfg_attr(
    not(migrator),
    diesel(check_for_backend(migrator_core::connection::MultiBackend))
)]
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
#[cfg_attr(
    not(migrator),
    derive(
        diesel::prelude::Queryable,
        diesel::prelude::Selectable,
        diesel::prelude::Identifiable,
        diesel::prelude::Associations,
        diesel::prelude::AsChangeset
    )
)]
#[cfg_attr(not(migrator), diesel(table_name = crate::schema::catalog_products))]
#[cfg_attr(not(migrator), diesel(belongs_to(Category)))]
#[cfg_attr(
    not(migrator),
    diesel(check_for_backend(migrator_core::connection::MultiBackend))
)]
#[model(
    table = "catalog_products",
    check(name = "catalog_products_price_not_negative", sql = "price >= 0"),
    many_to_many(name = "tags", to = Tag)
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

/// A label products can carry, such as "bestseller" (a product's `tags`).
#[derive(Debug, Clone, PartialEq, Model)]
#[cfg_attr(
    not(migrator),
    derive(
        diesel::prelude::Queryable,
        diesel::prelude::Selectable,
        diesel::prelude::Identifiable
    )
)]
#[cfg_attr(not(migrator), diesel(table_name = crate::schema::catalog_tags))]
#[cfg_attr(
    not(migrator),
    diesel(check_for_backend(migrator_core::connection::MultiBackend))
)]
#[model(table = "catalog_tags")]
pub struct Tag {
    /// Primary key.
    pub id: i64,
    /// The tag's name, unique across the shop.
    #[model(max_length = 50, unique)]
    pub name: String,
}

/// A category to create: a [`Category`] without its `id`.
#[cfg(not(migrator))]
#[derive(Debug, Clone, diesel::prelude::Insertable)]
#[diesel(table_name = crate::schema::catalog_categories)]
pub struct NewCategory<'a> {
    /// The category's name, unique across the shop.
    pub name: &'a str,
    /// The enclosing category, if any.
    pub parent_id: Option<i64>,
}

/// A product to create: a [`Product`] without its `id`.
#[cfg(not(migrator))]
#[derive(Debug, Clone, diesel::prelude::Insertable)]
#[diesel(table_name = crate::schema::catalog_products)]
pub struct NewProduct<'a> {
    /// The product's display name.
    pub name: &'a str,
    /// Stock-keeping unit, unique.
    pub sku: &'a str,
    /// Where the product is listed.
    pub category_id: i64,
    /// The list price.
    pub price: Decimal,
    /// Whether the product is for sale.
    pub active: bool,
}
