use migrator_core::Model;

#[derive(Model)]
struct Tag {
    id: i64,
}

// Two relations with one name, a relation named like a field, a name that is no identifier,
// a rename to the same name.
#[derive(Model)]
#[model(
    many_to_many(name = "tags", to = Tag),
    many_to_many(name = "tags", to = Tag),
    many_to_many(name = "title", to = Tag),
    many_to_many(name = "my tags", to = Tag),
    many_to_many(name = "labels", to = Tag, renamed_from = "labels")
)]
struct Product {
    id: i64,
    title: String,
}

fn main() {}
