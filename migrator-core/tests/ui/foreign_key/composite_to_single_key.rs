use migrator_core::Model;

#[derive(Model)]
struct Order {
    id: i64,
}

// A target with a one-column key: the error points at `to` and names the field spelling.
#[derive(Model)]
#[model(foreign_key(fields = ["order_id", "extra"], to = Order, on_delete = "set_null"))]
struct Note {
    id: i64,
    order_id: Option<i64>,
    extra: i64,
}

fn main() {}
