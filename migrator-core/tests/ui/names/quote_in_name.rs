use migrator_core::Model;

// Quote characters could end a quoted identifier early; the derive refuses them outright.
#[derive(Model)]
#[model(table = "books\"; DROP TABLE users; --")]
struct Book {
    id: i64,
    #[model(column = "title`")]
    title: String,
    #[model(column = "it's")]
    note: String,
}

fn main() {}
