#[migrator_core::test]
async fn runs_async(conn: &mut migrator_core::connection::DbConnection) {
    let _ = conn;
}

fn main() {}
