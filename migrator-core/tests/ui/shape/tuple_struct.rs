use migrator_core::Model;

#[derive(Model)]
struct Book(i64, String);

fn main() {}
