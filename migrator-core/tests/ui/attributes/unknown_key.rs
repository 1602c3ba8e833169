use migrator_core::Model;

#[derive(Model)]
#[model(tabel = "books")]
struct Book {
    id: i64,
    #[model(max_lenght = 200)]
    title: String,
    #[model(nullable)]
    subtitle: Option<String>,
}

fn main() {}
