//! The library models: the seed `Book` and its `Author`, plus [`Genre`], a user type stored
//! as text.
//!
//! Kept deliberately small: the walk-through in the docs evolves these structs step by step
//! (adding `published_date`, a `genre: Option<Genre>`, renaming a field, …) and runs
//! `makemigrations` after each step.

use migrator_core::field_type::TextDefault;
use migrator_core::{Column, ColumnType, Model, TypeSpec};

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
    /// When the book was published, if known.
    pub published_date: Option<chrono::NaiveDate>,
}

/// A book's genre: a user type stored as text by implementing [`Column`]. Add it to a model as
/// `genre: Genre` (or `Option<Genre>` for NULL) and the column is `VARCHAR(20)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Genre {
    /// Made-up stories.
    Fiction,
    /// Everything else.
    NonFiction,
}

impl Genre {
    /// The text stored in the column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fiction => "fiction",
            Self::NonFiction => "non_fiction",
        }
    }
}

impl Column for Genre {
    fn column_type(_spec: &TypeSpec) -> ColumnType {
        ColumnType::Varchar(20)
    }
}

/// The column holds text, so a `Genre` field takes a string default, as in
/// `#[model(default = "fiction")] genre: Genre`. Without this impl that default is a compile
/// error at the literal.
impl TextDefault for Genre {}
