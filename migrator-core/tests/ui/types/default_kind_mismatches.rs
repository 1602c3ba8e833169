use migrator_core::Model;

// Every literal kind on a field that does not take it: one error each, at the literal.
#[derive(Model)]
struct Book {
    id: i64,
    #[model(default = 2.5)]
    pages: i32,
    #[model(default = true, max_length = 10)]
    title: String,
    #[model(default = 1)]
    hidden: bool,
    #[model(default = -1)]
    cover: Option<Vec<u8>>,
    #[model(default = 20240101)]
    published: Option<chrono::NaiveDate>,
}

fn main() {}
