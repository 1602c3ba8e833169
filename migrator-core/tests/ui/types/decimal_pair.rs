use migrator_core::field_type::DecimalColumn;
use migrator_core::{Column, ColumnType, Model, TypeSpec};

/// A decimal type of the user's own.
struct Money;

impl Column for Money {
    fn column_type(spec: &TypeSpec) -> ColumnType {
        ColumnType::Decimal {
            precision: spec.precision.unwrap_or(20),
            scale: spec.scale.unwrap_or(2),
        }
    }
}
impl DecimalColumn for Money {}

#[derive(Model)]
struct Book {
    id: i64,
    #[model(precision = 10)]
    price: Money,
    #[model(scale = 2)]
    tax: Money,
    #[model(precision = 4, scale = 6)]
    rate: Money,
}

fn main() {}
