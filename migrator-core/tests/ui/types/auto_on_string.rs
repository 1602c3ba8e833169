use migrator_core::Model;

#[derive(Model)]
struct Book {
    #[model(primary_key, auto)]
    code: String,
}

fn main() {}
