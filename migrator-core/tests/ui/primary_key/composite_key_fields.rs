use migrator_core::Model;

// What a field of a composite key cannot have: `auto`, its own `unique` or `index`, a
// generated value, NULL.
#[derive(Model)]
#[model(primary_key(fields = ["order_id", "line_no", "total"]))]
struct OrderLine {
    #[model(auto, unique)]
    order_id: i64,
    #[model(index)]
    line_no: i32,
    #[model(generated(sql = "order_id * 2", stored))]
    total: i64,
}

#[derive(Model)]
#[model(primary_key(fields = ["order_id", "note"]))]
struct Note {
    order_id: i64,
    note: Option<String>,
}

fn main() {}
