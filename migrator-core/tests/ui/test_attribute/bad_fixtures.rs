#[migrator_core::test(fixtures("does/not/exist.sql"))]
fn missing_file(conn: &mut migrator_core::connection::DbConnection) {
    let _ = conn;
}

#[migrator_core::test(fixtures(books))]
fn not_a_literal(conn: &mut migrator_core::connection::DbConnection) {
    let _ = conn;
}

fn main() {}
