use migrator_core::Model;

#[derive(Model)]
#[model(primary_key(fields = ["order_id", "line_no", "part"]))]
struct OrderPart {
    order_id: i64,
    line_no: i32,
    part: i32,
}

// Two fields against a key of three: the error points at `to`.
#[derive(Model)]
#[model(foreign_key(fields = ["order_id", "line_no"], to = OrderPart, on_delete = "cascade"))]
struct Note {
    id: i64,
    order_id: i64,
    line_no: i32,
}

fn main() {}
