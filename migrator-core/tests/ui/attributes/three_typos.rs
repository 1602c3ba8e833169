use migrator_core::Model;

// Three mistakes in one struct: all three are reported in one build.
#[derive(Model)]
struct Book {
    id: i64,
    #[model(max_len = 200, uniqe)]
    title: String,
    #[model(colum = "author_name")]
    author: String,
}

fn main() {}
