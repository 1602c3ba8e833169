use migrator_core::Model;

#[derive(Model)]
struct Tag {
    id: i64,
}

struct ProductTag {
    id: i64,
}

#[derive(Model)]
#[model(many_to_many(name = "tags", to = Tag, through = ProductTag))]
struct Product {
    id: i64,
}

fn main() {}
