use migrator_core::Model;

// An expression index (`expressions = [...]`) needs a name, takes no `fields` beside it, and
// each entry is one non-empty SQL expression that is more than a column (which `fields`
// indexes); an empty list and a non-string entry are refused at the value.
#[derive(Model)]
#[model(
    table = "users",
    index(expressions = ["lower(email)"], unique),
    index(fields = ["email"], expressions = ["lower(email)"], name = "users_both_idx"),
    index(expressions = [" "], name = "users_blank_idx"),
    index(expressions = [], name = "users_none_idx"),
    index(expressions = [3], name = "users_number_idx"),
    index(expressions = ["lower(email)); DROP TABLE users; SELECT (1"], name = "users_stmt_idx"),
    index(expressions = ["email", "\"name\""], name = "users_columns_idx"),
    index(expressions = ["lower(email)", "name"], unique, name = "users_fine_uniq")
)]
struct User {
    id: i64,
    email: String,
    name: String,
}

fn main() {}
