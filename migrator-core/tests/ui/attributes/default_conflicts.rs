use migrator_core::Model;

#[derive(Model)]
struct Book {
    #[model(primary_key, auto, default = 1)]
    id: i64,
    #[model(default = 0, default_sql = "0")]
    pages: i32,
    #[model(default = [1, 2])]
    tags: String,
}

fn main() {}
