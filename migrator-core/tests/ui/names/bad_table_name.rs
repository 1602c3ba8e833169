use migrator_core::Model;

#[derive(Model)]
#[model(table = "my-books")]
struct Book {
    id: i64,
}

#[derive(Model)]
#[model(table = "1st_books")]
struct FirstBook {
    id: i64,
}

#[derive(Model)]
#[model(table = "books; DROP TABLE users")]
struct Evil {
    id: i64,
}

#[derive(Model)]
struct Café {
    id: i64,
}

fn main() {}
