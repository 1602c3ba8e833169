use migrator_core::Model;

#[derive(Model)]
struct Book {
    id: i64,
    #[model(default = "x")]
    pages: i64,
}

fn main() {}
