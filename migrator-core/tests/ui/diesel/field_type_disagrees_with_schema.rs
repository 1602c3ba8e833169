//! A model struct used as diesel's struct (docs/diesel.md): its `pages` field is an `i64`,
//! but the schema `makemigrations` wrote says the column is `Nullable<Integer>` — diesel's
//! `check_for_backend` rejects the struct at compile time.
use diesel::prelude::*;
use migrator_core::Model;

mod schema {
    diesel::table! {
        books (id) {
            id -> BigInt,
            #[max_length = 200]
            title -> Varchar,
            pages -> Nullable<Integer>,
        }
    }
}

#[derive(Model, Queryable, Selectable)]
#[diesel(table_name = schema::books, check_for_backend(diesel::sqlite::Sqlite))]
#[model(table = "books")]
pub struct Book {
    pub id: i64,
    #[model(max_length = 200)]
    pub title: String,
    pub pages: i64,
}

fn main() {}
