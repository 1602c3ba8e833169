use migrator_core::Model;

#[derive(Model)]
struct Book {
    id: i64,
    #[model(index = "yes")]
    title: String,
    #[model(index(fields = ["title"]))]
    author: String,
    #[model(index, index = false)]
    isbn: String,
}

fn main() {}
