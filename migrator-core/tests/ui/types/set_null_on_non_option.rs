use migrator_core::Model;

#[derive(Model)]
struct Author {
    id: i64,
}

#[derive(Model)]
struct Book {
    id: i64,
    #[model(foreign_key = Author, on_delete = "set_null")]
    author: i64,
}

fn main() {}
