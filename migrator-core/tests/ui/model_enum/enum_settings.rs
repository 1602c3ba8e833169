use migrator_core::ModelEnum;

#[derive(ModelEnum)]
#[model_enum(rename_all = "camel", max_length = 0)]
enum Mood {
    Happy,
}

#[derive(ModelEnum)]
#[model_enum(max_length = 5, table = "moods")]
enum Weather {
    Sunny,
    Overcast,
}

fn main() {}
