use migrator_core::Model;

#[derive(Model)]
struct Book {
    id: i64,
    #[model(max_length = 10)]
    pages: i32,
}

fn main() {}
