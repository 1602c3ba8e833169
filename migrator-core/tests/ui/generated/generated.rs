use migrator_core::Model;

// The expression must be one SQL expression over the row: no statement, no subquery, not empty.
#[derive(Model)]
#[model(table = "lines")]
pub struct Line {
    pub id: i64,
    pub qty: i32,
    #[model(generated(sql = "qty * 2; DROP TABLE lines", stored))]
    pub doubled: i64,
    #[model(generated(sql = "(SELECT max(qty) FROM lines)", stored))]
    pub most: i64,
    #[model(generated(sql = "", virtual))]
    pub empty: i64,
}

// `stored` or `virtual` is required, and only one of them; the expression is required.
#[derive(Model)]
#[model(table = "lines2")]
pub struct Line2 {
    pub id: i64,
    pub qty: i32,
    #[model(generated(sql = "qty * 2"))]
    pub no_kind: i64,
    #[model(generated(sql = "qty * 3", stored, virtual))]
    pub both: i64,
    #[model(generated(stored))]
    pub no_sql: i64,
    #[model(generated = "qty * 4")]
    pub not_a_list: i64,
    #[model(generated(sql = "qty", persisted))]
    pub unknown_key: i64,
}

// The database computes the column: no default, key, auto, foreign key or db_type.
#[derive(Model)]
#[model(table = "lines3")]
pub struct Line3 {
    pub id: i64,
    pub qty: i32,
    #[model(generated(sql = "qty * 2", stored), default = 3)]
    pub with_default: i64,
    #[model(generated(sql = "qty * 2", stored), db_type = "BIGINT")]
    pub with_db_type: i64,
}

fn main() {}
