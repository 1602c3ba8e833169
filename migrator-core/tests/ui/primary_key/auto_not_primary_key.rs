use migrator_core::Model;

#[derive(Model)]
struct Book {
    id: i64,
    #[model(auto)]
    position: i32,
}

fn main() {}
