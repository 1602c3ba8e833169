use migrator_core::Model;

// A partial index's `condition` is one SQL expression: empty text, a value that is not a
// string, and text that would run as a statement of its own are refused at the literal.
#[derive(Model)]
#[model(
    table = "books",
    index(fields = ["title"], condition = ""),
    index(fields = ["pages"], name = "books_pages_partial", condition = 3),
    index(fields = ["title", "pages"], unique, name = "books_live_uniq", condition = "pages > 0); DROP TABLE books; SELECT (1"),
    index(fields = ["pages"], unique, name = "books_fine", condition = "deleted IS NULL")
)]
struct Book {
    id: i64,
    title: String,
    pages: i32,
    deleted: Option<i64>,
}

fn main() {}
