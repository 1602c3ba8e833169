use migrator_core::Model;

// Two unnamed indexes over the same fields that differ only in their options: migrator's
// generated names cover the fields and uniqueness, so both would get one name.
#[derive(Model)]
#[model(
    index(fields = ["email"], unique),
    index(fields = ["email"], unique, condition = "active"),
    index(fields = ["city", "email"], method = "hash"),
    index(fields = ["city", "email"], include = ["active"]),
    index(fields = ["city", "email"], condition = "active", name = "users_city_email_active_idx")
)]
struct User {
    id: i64,
    #[model(max_length = 100)]
    email: String,
    #[model(max_length = 100)]
    city: String,
    active: bool,
}

fn main() {}
