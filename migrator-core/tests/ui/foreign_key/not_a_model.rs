use migrator_core::Model;

struct Author {
    id: i64,
}

#[derive(Model)]
struct Book {
    id: i64,
    #[model(foreign_key = Author, on_delete = "cascade")]
    author: i64,
}

fn main() {}
