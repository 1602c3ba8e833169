use migrator_core::{Column, ColumnType, Model, TypeSpec};

/// Stored as text, but it never said which literal its default takes.
enum Status {
    Draft,
}

impl Column for Status {
    fn column_type(_spec: &TypeSpec) -> ColumnType {
        ColumnType::Varchar(16)
    }
}

#[derive(Model)]
struct Post {
    id: i64,
    #[model(default = "draft")]
    status: Status,
}

fn main() {}
