use migrator_core::Model;

struct Isbn(String);

#[derive(Model)]
struct Book {
    id: i64,
    isbn: Isbn,
    tags: Vec<String>,
}

fn main() {}
