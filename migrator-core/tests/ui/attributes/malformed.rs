use migrator_core::Model;

#[derive(Model)]
#[model]
struct Book {
    #[model(primary_key = true)]
    isbn: String,
    #[model = "title"]
    title: String,
    #[model(max_length 200)]
    subtitle: String,
    #[model(index(name = "x"))]
    author: String,
    #[model(crate::unique)]
    slug: String,
}

fn main() {}
