//! The library models: the seed `Book` and its `Author`.
//!
//! Kept deliberately small: the walk-through in the docs evolves these structs step by step
//! (adding `published_date`, renaming a field, …) and runs `makemigrations` after each step.

use migrator_core::Model;

/// A person who writes books.
#[derive(Debug, Clone, PartialEq, Model)]
#[model(table = "authors")]
pub struct Author {
    /// Primary key.
    pub id: i64,
    /// The author's full name.
    #[model(max_length = 100)]
    pub name: String,
}

/// A book on the shelf.
#[derive(Debug, Clone, PartialEq, Model)]
#[model(table = "books")]
pub struct Book {
    /// Primary key.
    pub id: i64,
    /// The book's title.
    #[model(max_length = 200)]
    pub title: String,
    /// The author's name, as printed on the cover.
    #[model(max_length = 100, index)]
    pub author: String,
}
