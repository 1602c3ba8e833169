#[migrator_core::test(migrate_too = "shelf.0001_initial", keep_on_failure, fixtures_dir = "x")]
fn typo(conn: &mut migrator_core::connection::DbConnection) {
    let _ = conn;
}

fn main() {}
