#[migrator_core::test]
fn sqlite_connection(conn: &mut diesel::SqliteConnection) {
    let _ = conn;
}

fn main() {}
