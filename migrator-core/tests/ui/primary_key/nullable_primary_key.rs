use migrator_core::Model;

#[derive(Model)]
struct Book {
    id: Option<i64>,
}

#[derive(Model)]
struct Author {
    #[model(primary_key, max_length = 20)]
    code: Option<String>,
}

#[derive(Model)]
struct Shelf {
    #[model(primary_key, db_type = "CITEXT")]
    label: Option<String>,
}

fn main() {}
