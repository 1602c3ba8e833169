use migrator_core::Model;

#[derive(Model)]
#[model(table = "books")]
#[model(table = "volumes")]
struct Book {
    id: i64,
    #[model(max_length = 200, max_length = 100)]
    title: String,
    #[model(index, index)]
    author: String,
}

fn main() {}
