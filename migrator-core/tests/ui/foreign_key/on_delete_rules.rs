use migrator_core::Model;

#[derive(Model)]
struct Author {
    id: i64,
}

#[derive(Model)]
struct Book {
    id: i64,
    #[model(foreign_key = Author)]
    author: i64,
    #[model(on_delete = "cascade")]
    editor: i64,
    #[model(foreign_key = Author, on_delete = "delete")]
    translator: i64,
    #[model(foreign_key = Author, on_delete = "set_default")]
    illustrator: i64,
    #[model(foreign_key = "Author", on_delete = "cascade")]
    reviewer: i64,
}

fn main() {}
