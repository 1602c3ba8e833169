use migrator_core::Model;

// Issue 12.6: a check's `sql` is spliced into `CHECK (…)`; text that ends the statement ran
// as statements of its own (this one dropped `authors`).
#[derive(Model)]
#[model(
    table = "books",
    check(name = "c", sql = "1=1)); DROP TABLE authors; SELECT ((1"),
    check(name = "balanced", sql = "(1=1) OR (1=1); DROP TABLE authors"),
    check(name = "commented", sql = "pages > 0 -- and the rest"),
    check(name = "hidden", sql = "pages > 0 /* ) */"),
    check(name = "open_quote", sql = "title <> 'x"),
    check(name = "mysql_reads_it_differently", sql = "title <> '\\'' OR 1=1; DROP TABLE t; SELECT '\\''"),
    check(name = "dollar", sql = "$$ ' $$; DROP TABLE t; $$ ' $$"),
    check(name = "fine", sql = "title <> 'a; -- not a comment' AND pages > 0")
)]
struct Book {
    id: i64,
    title: String,
    pages: i32,
}

fn main() {}
