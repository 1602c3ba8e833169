//! The library models: the seed `Book` and its `Author`, plus [`Genre`], a user type stored
//! as text.
//!
//! Kept deliberately small: the walk-through in the docs evolves these structs step by step
//! (adding `published_date`, a `genre: Option<Genre>`, renaming a field, …) and runs
//! `makemigrations` after each step.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use migrator_core::field_type::TextDefault;
use migrator_core::{Column, ColumnType, Model, TypeSpec};

// The structs that declare the tables are also diesel's structs for them: diesel checks each
// field against `crate::schema` (which `migrator makemigrations` writes from these models).
// The derives sit in `cfg_attr(not(migrator), …)` so that a model change, which leaves the
// schema stale until makemigrations runs, never stops makemigrations from building the models
// (docs/diesel.md).

/// A person who writes books.
#[derive(Debug, Clone, PartialEq, Model)]
#[cfg_attr(
    not(migrator),
    derive(
        diesel::prelude::Queryable,
        diesel::prelude::Selectable,
        diesel::prelude::Identifiable
    )
)]
#[cfg_attr(not(migrator), diesel(table_name = crate::schema::authors))]
#[cfg_attr(
    not(migrator),
    diesel(check_for_backend(migrator_core::connection::MultiBackend))
)]
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
#[cfg_attr(
    not(migrator),
    derive(
        diesel::prelude::Queryable,
        diesel::prelude::Selectable,
        diesel::prelude::Identifiable,
        diesel::prelude::AsChangeset
    )
)]
#[cfg_attr(
    not(migrator),
    diesel(table_name = crate::schema::books, treat_none_as_null = true)
)]
#[cfg_attr(
    not(migrator),
    diesel(check_for_backend(migrator_core::connection::MultiBackend))
)]
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

/// A book to put on the shelf: a [`Book`] without its `id`, which the database assigns.
#[cfg(not(migrator))]
#[derive(Debug, Clone, diesel::prelude::Insertable)]
#[diesel(table_name = crate::schema::books)]
pub struct NewBook<'a> {
    /// The book's title.
    pub title: &'a str,
    /// The author's name, as printed on the cover.
    pub author: &'a str,
    /// When the book was published, if known.
    pub published_date: Option<chrono::NaiveDate>,
}

/// A book's genre: a user type stored as text by implementing [`Column`]. Add it to a model as
/// `genre: Genre` (or `Option<Genre>` for NULL) and the column is `VARCHAR(20)`; diesel reads
/// and writes it as `Text` on every backend through the impls below.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = Text)]
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
    // The default for a `Varchar` column; spelled out because the impls below are for `Text`.
    const DIESEL_SQL_TYPE: Option<&'static str> = Some("diesel::sql_types::Text");
}

impl<DB: Backend> ToSql<Text, DB> for Genre
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.as_str().to_sql(out)
    }
}

impl<DB: Backend> FromSql<Text, DB> for Genre
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        match String::from_sql(bytes)?.as_str() {
            "fiction" => Ok(Self::Fiction),
            "non_fiction" => Ok(Self::NonFiction),
            other => Err(format!("`{other}` is not a genre").into()),
        }
    }
}

/// The column holds text, so a `Genre` field takes a string default, as in
/// `#[model(default = "fiction")] genre: Genre`. Without this impl that default is a compile
/// error at the literal.
impl TextDefault for Genre {}
