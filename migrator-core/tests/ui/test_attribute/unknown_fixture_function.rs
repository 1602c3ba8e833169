#[migrator_core::test(fixture = no_such_function)]
fn unknown_function(conn: &mut migrator_core::connection::DbConnection) {
    let _ = conn;
}

fn main() {}
