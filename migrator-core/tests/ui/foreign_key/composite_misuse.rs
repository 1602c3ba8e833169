use migrator_core::Model;

#[derive(Model)]
#[model(primary_key(fields = ["order_id", "line_no"]))]
struct OrderLine {
    order_id: i64,
    line_no: i32,
}

// Every rule of the struct-level `foreign_key(...)` that the derive checks on its own: an
// unknown field, one field, a field named twice, a missing `on_delete`, two over the same
// fields, two with one name, and the field-level spelling on the struct.
#[derive(Model)]
#[model(
    foreign_key(fields = ["order_id", "line"], to = OrderLine, on_delete = "cascade"),
    foreign_key(fields = ["order_id"], to = OrderLine, on_delete = "cascade"),
    foreign_key(fields = ["order_id", "order_id"], to = OrderLine, on_delete = "cascade"),
    foreign_key(fields = ["order_id", "line_no"], to = OrderLine),
    foreign_key(fields = ["order_id", "line_no"], to = OrderLine, on_delete = "cascade", name = "n_fk"),
    foreign_key(fields = ["order_id", "line_no"], to = OrderLine, on_delete = "restrict", name = "n_fk"),
    foreign_key = OrderLine
)]
struct Note {
    id: i64,
    order_id: i64,
    line_no: i32,
}

fn main() {}
