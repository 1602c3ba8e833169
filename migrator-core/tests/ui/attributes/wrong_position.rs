use migrator_core::Model;

#[derive(Model)]
#[model(max_length = 200)]
struct Book {
    id: i64,
    #[model(table = "titles")]
    title: String,
}

fn main() {}
