use migrator_core::Model;

#[derive(Model)]
#[model(renamed_from = "Book")]
struct Book {
    id: i64,
    #[model(renamed_from = "old title")]
    title: String,
    #[model(renamed_from = "author")]
    author: String,
}

fn main() {}
