use migrator_core::Model;

#[derive(Model)]
struct Book;

fn main() {}
