use migrator_core::Model;

// Issue 12.6: `default_sql` is spliced into `DEFAULT (…)`.
#[derive(Model)]
struct Book {
    id: i64,
    #[model(default_sql = "0); DROP TABLE authors; SELECT (0")]
    pages: i32,
    #[model(default_sql = "0 # MySQL reads the rest of the line as a comment")]
    copies: i32,
    #[model(default_sql = "lower('A'")]
    title: String,
    #[model(default_sql = "  ")]
    subtitle: String,
    #[model(default_sql = "CURRENT_TIMESTAMP")]
    created_at: chrono::NaiveDateTime,
}

fn main() {}
