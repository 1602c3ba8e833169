use migrator_core::Model;

#[derive(Model)]
#[model(primary_key(fields = ["order_id", "line_no"]))]
struct OrderLine {
    order_id: i64,
    line_no: i32,
}

#[derive(Model)]
struct Tag {
    id: i64,
}

// On a model keyed by two columns.
#[derive(Model)]
#[model(primary_key(fields = ["order_id", "line_no"]), many_to_many(name = "tags", to = Tag))]
struct Line {
    order_id: i64,
    line_no: i32,
}

// To a model keyed by two columns.
#[derive(Model)]
#[model(many_to_many(name = "lines", to = OrderLine))]
struct Shipment {
    id: i64,
}

// The manual path compiles: a `through` model with a foreign key over two fields.
#[derive(Model)]
#[model(many_to_many(name = "lines", to = OrderLine, through = ParcelLine))]
struct Parcel {
    id: i64,
}

#[derive(Model)]
#[model(foreign_key(fields = ["order_id", "line_no"], to = OrderLine, on_delete = "cascade"))]
struct ParcelLine {
    id: i64,
    #[model(foreign_key = Parcel, on_delete = "cascade")]
    parcel_id: i64,
    order_id: i64,
    line_no: i32,
}

fn main() {}
