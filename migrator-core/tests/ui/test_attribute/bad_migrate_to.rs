#[migrator_core::test(migrate_to = "0002_book_pages")]
fn no_app(conn: &mut migrator_core::connection::DbConnection) {
    let _ = conn;
}

#[migrator_core::test(migrate_to = 2)]
fn not_a_string(conn: &mut migrator_core::connection::DbConnection) {
    let _ = conn;
}

fn main() {}
