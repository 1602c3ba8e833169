use migrator_core::Model;

#[derive(Model)]
#[model(
    check(name = "books_pages_positive"),
    check(sql = "pages < 10000"),
    check(name = "books_empty", sql = " "),
    check
)]
struct Book {
    id: i64,
    pages: i32,
}

fn main() {}
