#[migrator_core::test]
fn no_connection() {}

#[migrator_core::test]
fn two_arguments(conn: &mut migrator_core::connection::DbConnection, extra: i32) {
    let _ = (conn, extra);
}

#[migrator_core::test]
fn by_value(conn: migrator_core::connection::DbConnection) {
    let _ = conn;
}

#[migrator_core::test]
fn shared_reference(conn: &migrator_core::connection::DbConnection) {
    let _ = conn;
}

fn main() {}
