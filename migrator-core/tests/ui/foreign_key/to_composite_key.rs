use migrator_core::Model;

#[derive(Model)]
#[model(primary_key(fields = ["order_id", "line_no"]))]
struct OrderLine {
    order_id: i64,
    line_no: i32,
}

#[derive(Model)]
struct Shipment {
    id: i64,
    #[model(foreign_key = OrderLine, on_delete = "cascade")]
    line: i64,
}

fn main() {}
