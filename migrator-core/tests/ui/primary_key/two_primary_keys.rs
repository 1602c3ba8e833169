use migrator_core::Model;

#[derive(Model)]
struct Book {
    #[model(primary_key)]
    isbn: String,
    #[model(primary_key)]
    code: String,
}

fn main() {}
