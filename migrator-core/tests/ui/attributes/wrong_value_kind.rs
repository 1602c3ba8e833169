use migrator_core::Model;

#[derive(Model)]
#[model(table = books)]
struct Book {
    id: i64,
    #[model(max_length = "200")]
    title: String,
    #[model(column = 5, default = some_function())]
    author: String,
    #[model(max_length = 0)]
    isbn: String,
    #[model(unique = true)]
    slug: String,
    #[model(column)]
    code: String,
}

fn main() {}
