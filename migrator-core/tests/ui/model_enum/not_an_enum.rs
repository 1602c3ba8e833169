use migrator_core::ModelEnum;

#[derive(ModelEnum)]
struct Status {
    code: String,
}

#[derive(ModelEnum)]
enum Empty {}

#[derive(ModelEnum)]
enum Generic<T> {
    One,
    Two(T),
}

fn main() {}
