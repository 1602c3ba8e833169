use migrator_core::ModelEnum;

#[derive(ModelEnum)]
enum Shape {
    Circle { radius: f64 },
    Square(f64),
    Point,
}

#[derive(ModelEnum)]
enum Status {
    Draft,
    #[model_enum(rename = "draft")]
    Sketch,
    #[model_enum(rename = "")]
    Nothing,
    #[model_enum(renamed = "x")]
    Typo,
}

fn main() {}
