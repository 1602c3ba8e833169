use migrator_core::Model;

// Names the user writes must differ from the model's other names (the last check is fine: a check and a field's index live in different namespaces everywhere).
#[derive(Model)]
#[model(
    table = "books",
    index(fields = ["title", "pages"], name = "books_isbn_uniq"),
    index(fields = ["pages"], name = "books"),
    index(fields = ["pages", "title"], name = "BOOKS_PKEY"),
    index(fields = ["pages", "isbn"], name = "books_id_seq"),
    index(fields = ["isbn", "pages"], unique, name = "same"),
    check(name = "same", sql = "pages > 0"),
    check(name = "books_pkey", sql = "pages < 10000"),
    check(name = "books_title_idx", sql = "title <> ''")
)]
struct Book {
    id: i64,
    #[model(index)]
    title: String,
    #[model(unique)]
    isbn: String,
    pages: i32,
}

fn main() {}
