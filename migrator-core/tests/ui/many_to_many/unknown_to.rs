use migrator_core::Model;

struct Tag {
    id: i64,
}

#[derive(Model)]
#[model(many_to_many(name = "tags", to = Tag))]
struct Product {
    id: i64,
}

fn main() {}
