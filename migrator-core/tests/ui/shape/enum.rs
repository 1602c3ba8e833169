use migrator_core::Model;

#[derive(Model)]
enum Status {
    Draft,
    Published,
}

fn main() {}
