use migrator_core::Model;

#[derive(Model)]
struct Tag {
    id: i64,
}

#[derive(Model)]
#[model(table = "product_tags")]
struct ProductTag {
    id: i64,
    #[model(foreign_key = Product, on_delete = "cascade")]
    product_id: i64,
    #[model(foreign_key = Tag, on_delete = "cascade")]
    tag_id: i64,
}

// `db_table` names the join table migrator creates: not empty, a table name, not the
// struct's own table, not with `through` (the through model has its table), and one join
// table per relation (a default `{table}_{name}` included).
#[derive(Model)]
#[model(
    table = "products",
    many_to_many(name = "a", to = Tag, db_table = ""),
    many_to_many(name = "b", to = Tag, db_table = "my links"),
    many_to_many(name = "c", to = Tag, db_table = "products"),
    many_to_many(name = "d", to = Tag, through = ProductTag, db_table = "links"),
    many_to_many(name = "e", to = Tag, db_table = "links"),
    many_to_many(name = "f", to = Tag, db_table = "links"),
    many_to_many(name = "g", to = Tag, db_table = "products_h"),
    many_to_many(name = "h", to = Tag),
    many_to_many(name = "i", to = Tag, db_table = 3)
)]
struct Product {
    id: i64,
}

fn main() {}
