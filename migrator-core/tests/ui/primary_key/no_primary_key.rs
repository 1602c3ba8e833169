use migrator_core::Model;

#[derive(Model)]
struct Book {
    isbn: String,
    title: String,
}

// A skipped `id` is not a column, so it is no primary key either.
#[derive(Model)]
struct Shelf {
    #[model(skip)]
    id: i64,
    label: String,
}

fn main() {}
