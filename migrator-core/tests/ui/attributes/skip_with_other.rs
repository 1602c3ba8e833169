use migrator_core::Model;

#[derive(Model)]
struct Book {
    id: i64,
    #[model(skip, max_length = 10, index)]
    cache: String,
}

fn main() {}
