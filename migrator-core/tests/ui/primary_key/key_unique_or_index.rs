use migrator_core::Model;

// `unique` and `index` on a one-column key: the key is unique and indexed already.
#[derive(Model)]
struct Implicit {
    #[model(unique)]
    id: i64,
}

#[derive(Model)]
struct Explicit {
    #[model(primary_key, index, max_length = 20)]
    code: String,
}

#[derive(Model)]
struct Parent {
    id: i64,
}

// `index = false` says nothing and is accepted; `unique` is still refused.
#[derive(Model)]
struct Profile {
    #[model(primary_key, foreign_key = Parent, index = false, unique, on_delete = "cascade")]
    parent: i64,
}

fn main() {}
