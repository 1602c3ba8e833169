use migrator_core::Model;

#[derive(Model)]
struct Book {
    id: i64,
    #[model(db_type = "CITEXT", max_length = 10)]
    title: String,
    #[model(db_type = "")]
    subtitle: String,
}

fn main() {}
