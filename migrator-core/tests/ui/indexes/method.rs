use migrator_core::Model;

// `method` names one of btree, hash, gin, gist; a hash (gin, gist) index cannot be unique.
#[derive(Model)]
#[model(
    table = "accounts",
    index(fields = ["email"], method = "bitmap"),
    index(fields = ["phone"], unique, method = "hash"),
    index(fields = ["email", "phone"], method = "btree")
)]
struct Account {
    id: i64,
    email: String,
    phone: String,
}

fn main() {}
