use migrator_core::Model;

#[derive(Model)]
#[model(
    index(fields = ["title", "autor"]),
    index(fields = ["cache"]),
    index(fields = ["title", "title"]),
    index(fields = []),
    index(name = "books_nothing_idx"),
    index(fields = ["title"], sorted)
)]
struct Book {
    id: i64,
    title: String,
    author: String,
    #[model(skip)]
    cache: String,
}

fn main() {}
