use migrator_core::Model;

// `nulls_distinct` is about unique indexes; a list or a non-bool value is refused too.
#[derive(Model)]
#[model(
    table = "accounts",
    index(fields = ["email"], nulls_distinct = false),
    index(fields = ["phone"], unique, nulls_distinct = "no"),
    index(fields = ["email", "phone"], unique, nulls_distinct = false)
)]
struct Account {
    id: i64,
    email: Option<String>,
    phone: Option<String>,
}

fn main() {}
