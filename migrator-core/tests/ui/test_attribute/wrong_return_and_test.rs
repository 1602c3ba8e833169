#[migrator_core::test]
fn returns_a_number(conn: &mut migrator_core::connection::DbConnection) -> i32 {
    let _ = conn;
    1
}

#[migrator_core::test]
#[test]
fn twice_a_test(conn: &mut migrator_core::connection::DbConnection) {
    let _ = conn;
}

fn main() {}
