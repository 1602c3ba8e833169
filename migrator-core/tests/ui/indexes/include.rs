use migrator_core::Model;

// `include` names columns that are not in the index's key.
#[derive(Model)]
#[model(
    table = "accounts",
    index(fields = ["email"], unique, include = ["nickname"]),
    index(fields = ["email"], include = ["email"], name = "accounts_email_twice"),
    index(fields = ["phone"], unique, include = ["email"])
)]
struct Account {
    id: i64,
    email: String,
    phone: String,
}

fn main() {}
