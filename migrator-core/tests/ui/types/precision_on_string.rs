use migrator_core::Model;

#[derive(Model)]
struct Book {
    id: i64,
    #[model(precision = 10, scale = 2)]
    price: String,
}

fn main() {}
