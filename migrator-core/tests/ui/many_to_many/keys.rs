use migrator_core::Model;

#[derive(Model)]
struct Tag {
    id: i64,
}

// Missing keys, an unknown key, a string for a path, and a bare `many_to_many`.
#[derive(Model)]
#[model(
    many_to_many(to = Tag),
    many_to_many(name = "tags"),
    many_to_many(name = "labels", to = Tag, on_delete = "cascade"),
    many_to_many(name = "marks", to = "Tag"),
    many_to_many
)]
struct Product {
    id: i64,
}

fn main() {}
