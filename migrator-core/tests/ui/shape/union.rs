use migrator_core::Model;

#[derive(Model)]
union Number {
    int: i64,
    real: f64,
}

fn main() {}
