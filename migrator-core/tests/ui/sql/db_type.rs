use migrator_core::Model;

// Issue 12.6: `db_type` is written as is after the column name.
#[derive(Model)]
struct Book {
    id: i64,
    #[model(db_type = "INTEGER; DROP TABLE authors")]
    pages: i32,
    #[model(db_type = "INTEGER, evil TEXT")]
    copies: i32,
    #[model(db_type = "VARCHAR(10")]
    title: String,
    #[model(db_type = "TEXT -- comment")]
    subtitle: String,
    #[model(db_type = "NUMERIC(10, 2)")]
    price: f64,
}

fn main() {}
