use migrator_core::Model;

#[derive(Model)]
#[model(
    index(fields = ["title"], name = "books_title"),
    index(fields = ["author"], name = "books_title"),
    index(fields = ["author"], name = "books-author"),
    check(name = "positive", sql = "id > 0"),
    check(name = "positive", sql = "id < 100")
)]
struct Book {
    id: i64,
    title: String,
    #[model(column = "title")]
    author: String,
}

fn main() {}
