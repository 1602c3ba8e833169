use migrator_core::Model;

#[derive(Model)]
#[model(table = "authors")]
struct Author {
    id: i64,
}

// Issue 20.1: the foreign key `author` is indexed by default (`book_author_idx`); the
// unnamed `index(fields = ["author"])` got the same name and `migrate` failed.
#[derive(Model)]
#[model(table = "book", index(fields = ["author"]))]
struct Book {
    id: i64,
    #[model(foreign_key = Author, on_delete = "cascade")]
    author: i64,
}

// Named, it is still the same index twice.
#[derive(Model)]
#[model(table = "loan", index(fields = ["author"], name = "loan_by_author"))]
struct Loan {
    id: i64,
    #[model(foreign_key = Author, on_delete = "cascade")]
    author: i64,
}

// Fine: `index = false` leaves only the declared index; a unique index is another index.
#[derive(Model)]
#[model(
    table = "review",
    index(fields = ["author"], name = "review_by_author"),
    index(fields = ["book"], unique)
)]
struct Review {
    id: i64,
    #[model(foreign_key = Author, on_delete = "cascade", index = false)]
    author: i64,
    #[model(foreign_key = Book, on_delete = "cascade")]
    book: i64,
}

fn main() {}
