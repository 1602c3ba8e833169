use migrator_core::Model;

// `Author` has an error; code that uses it as a model (a foreign key, `definition()`) still
// type-checks against the stub impl, so the one real error is all the user sees.
#[derive(Model)]
#[model(tabel = "authors")]
struct Author {
    id: i64,
}

#[derive(Model)]
struct Book {
    id: i64,
    #[model(foreign_key = Author, on_delete = "cascade")]
    author: i64,
}

fn main() {
    let _ = Author::definition();
    let _ = <Author as Model>::TABLE;
}
