use migrator_core::Model;

// A field the struct does not have, one listed twice, and the list out of field order.
#[derive(Model)]
#[model(primary_key(fields = ["order_id", "line", "order_id"]))]
struct OrderLine {
    order_id: i64,
    line_no: i32,
}

#[derive(Model)]
#[model(primary_key(fields = ["line_no", "order_id"]))]
struct Swapped {
    order_id: i64,
    line_no: i32,
}

// An empty list, a list of one, and no list at all.
#[derive(Model)]
#[model(primary_key(fields = []))]
struct Empty {
    id: i64,
}

#[derive(Model)]
#[model(primary_key(fields = ["code"]))]
struct One {
    code: String,
}

#[derive(Model)]
#[model(primary_key)]
struct Bare {
    code: String,
}

// A skipped field, and a composite key plus a field-level `primary_key`.
#[derive(Model)]
#[model(primary_key(fields = ["a", "b"]))]
struct Mixed {
    #[model(primary_key)]
    a: i64,
    #[model(skip)]
    b: i64,
}

fn main() {}
