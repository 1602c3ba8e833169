use migrator_core::Model;

// Issue 20.1: `unique` + `index(fields = ["name"], unique)` both made `shelf_name_uniq`.
#[derive(Model)]
#[model(
    table = "shelf",
    index(fields = ["name"], unique),
    index(fields = ["code"]),
    index(fields = ["room", "floor"]),
    index(fields = ["room", "floor"], name = "shelf_place"),
    index(fields = ["floor", "room"]),
    index(fields = ["room", "floor"], unique),
    // Options make another index over the same fields: none of these repeats one.
    index(fields = ["name"], unique, condition = "room > 0", name = "shelf_name_upstairs"),
    index(fields = ["room", "floor"], unique, condition = "floor > 0", name = "shelf_up"),
    index(fields = ["room", "floor"], unique, include = ["name"], name = "shelf_cover"),
    index(fields = ["code"], method = "hash", name = "shelf_code_hash")
)]
struct Shelf {
    id: i64,
    #[model(unique)]
    name: String,
    #[model(index)]
    code: String,
    room: i32,
    floor: i32,
}

fn main() {}
