//! Rust type → column type, through the [`Column`] trait (DESIGN decision 2).
//!
//! The derive never matches type names: for a field of type `T` it asks
//! `<T as Column>::column_type(&spec)` where `spec` carries the field's `max_length`,
//! `precision` and `scale`. Users implement [`Column`] for their own types (an enum stored as
//! text, say). The marker traits ([`MaxLengthColumn`], [`DecimalColumn`], [`NullableColumn`],
//! [`AutoIncrementColumn`]) let the derive turn attribute misuse into compile errors at the
//! offending field. This module owns the mapping only; SQL spelling per backend lives in
//! `backend/`.

use std::fmt;

/// A concrete, backend-neutral column type. Migration files freeze these values
/// (DESIGN decision 3), so a variant's meaning never changes once released.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ColumnType {
    /// 16-bit signed integer.
    SmallInt,
    /// 32-bit signed integer.
    Integer,
    /// 64-bit signed integer.
    BigInt,
    /// 32-bit float.
    Float,
    /// 64-bit float.
    Double,
    /// Boolean.
    Boolean,
    /// Unbounded text.
    Text,
    /// Text of at most this many characters.
    Varchar(u32),
    /// Binary data.
    Blob,
    /// Calendar date.
    Date,
    /// Time of day.
    Time,
    /// Date and time without a time zone.
    Timestamp,
    /// Date and time in UTC (with time zone where the backend has one).
    TimestampTz,
    /// A UUID.
    Uuid,
    /// A JSON document.
    Json,
    /// Exact decimal with `precision` digits, `scale` of them after the point.
    Decimal {
        /// Total number of digits.
        precision: u32,
        /// Digits after the decimal point.
        scale: u32,
    },
    /// A backend type spelled verbatim (`#[model(db_type = "…")]`).
    Custom(String),
}

impl ColumnType {
    /// True for the integer types that may carry auto-increment.
    pub fn is_integer(&self) -> bool {
        matches!(self, Self::SmallInt | Self::Integer | Self::BigInt)
    }
}

impl fmt::Display for ColumnType {
    /// The canonical, backend-neutral spelling, used in state text and descriptions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SmallInt => f.write_str("SMALLINT"),
            Self::Integer => f.write_str("INTEGER"),
            Self::BigInt => f.write_str("BIGINT"),
            Self::Float => f.write_str("REAL"),
            Self::Double => f.write_str("DOUBLE PRECISION"),
            Self::Boolean => f.write_str("BOOLEAN"),
            Self::Text => f.write_str("TEXT"),
            Self::Varchar(n) => write!(f, "VARCHAR({n})"),
            Self::Blob => f.write_str("BLOB"),
            Self::Date => f.write_str("DATE"),
            Self::Time => f.write_str("TIME"),
            Self::Timestamp => f.write_str("TIMESTAMP"),
            Self::TimestampTz => f.write_str("TIMESTAMPTZ"),
            Self::Uuid => f.write_str("UUID"),
            Self::Json => f.write_str("JSON"),
            Self::Decimal { precision, scale } => write!(f, "DECIMAL({precision}, {scale})"),
            Self::Custom(s) => f.write_str(s),
        }
    }
}

/// The field attributes that shape a column type, passed to [`Column::column_type`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TypeSpec {
    /// `#[model(max_length = N)]`.
    pub max_length: Option<u32>,
    /// `#[model(precision = N)]`.
    pub precision: Option<u32>,
    /// `#[model(scale = N)]`.
    pub scale: Option<u32>,
}

/// A Rust type that can be stored in one column.
///
/// Implement it for your own types; an enum stored as text:
///
/// ```
/// use migrator_core::{Column, ColumnType, TypeSpec};
///
/// enum Status { Draft, Published }
///
/// impl Column for Status {
///     fn column_type(_spec: &TypeSpec) -> ColumnType {
///         ColumnType::Varchar(16)
///     }
/// }
/// assert_eq!(Status::column_type(&TypeSpec::default()), ColumnType::Varchar(16));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a model column",
    label = "no column mapping for `{Self}`",
    note = "implement `migrator_core::Column` for `{Self}`, mark the field `#[model(skip)]`, or enable the migrator-core cargo feature that maps it (chrono, uuid, json, decimal)"
)]
pub trait Column {
    /// True when the column accepts NULL (only `Option<T>`).
    const NULLABLE: bool = false;
    /// The column type for this Rust type given the field's attributes.
    fn column_type(spec: &TypeSpec) -> ColumnType;
}

/// Types that accept `#[model(max_length = N)]`.
#[diagnostic::on_unimplemented(
    message = "`max_length` does not apply to `{Self}`",
    label = "`max_length` needs a `String` field",
    note = "remove `max_length`, or make the field a `String` / `Option<String>`"
)]
pub trait MaxLengthColumn: Column {}

/// Types that accept `#[model(precision = N, scale = M)]`.
#[diagnostic::on_unimplemented(
    message = "`precision`/`scale` do not apply to `{Self}`",
    label = "`precision` and `scale` need a decimal field",
    note = "remove them, or make the field a `rust_decimal::Decimal` (cargo feature `decimal` of migrator-core)"
)]
pub trait DecimalColumn: Column {}

/// Types that accept NULL, required by `on_delete = "set_null"`.
#[diagnostic::on_unimplemented(
    message = "`on_delete = \"set_null\"` needs a nullable field, and `{Self}` is not",
    label = "make this `Option<…>`",
    note = "wrap the field type in `Option<…>`, or choose another `on_delete`"
)]
pub trait NullableColumn: Column {}

/// Integer types that can auto-increment (`#[model(auto)]`).
#[diagnostic::on_unimplemented(
    message = "`auto` needs an integer field, and `{Self}` is not one",
    label = "`auto` needs `i16`, `i32` or `i64`",
    note = "remove `auto`, or make the field an integer"
)]
pub trait AutoIncrementColumn: Column {}

macro_rules! fixed_columns {
    ($($ty:ty => $col:expr),* $(,)?) => {
        $(impl Column for $ty {
            fn column_type(_spec: &TypeSpec) -> ColumnType {
                $col
            }
        })*
    };
}

fixed_columns! {
    i16 => ColumnType::SmallInt,
    i32 => ColumnType::Integer,
    i64 => ColumnType::BigInt,
    f32 => ColumnType::Float,
    f64 => ColumnType::Double,
    bool => ColumnType::Boolean,
    Vec<u8> => ColumnType::Blob,
}

impl AutoIncrementColumn for i16 {}
impl AutoIncrementColumn for i32 {}
impl AutoIncrementColumn for i64 {}

impl Column for String {
    fn column_type(spec: &TypeSpec) -> ColumnType {
        match spec.max_length {
            Some(n) => ColumnType::Varchar(n),
            None => ColumnType::Text,
        }
    }
}
impl MaxLengthColumn for String {}

impl<T: Column> Column for Option<T> {
    const NULLABLE: bool = true;
    fn column_type(spec: &TypeSpec) -> ColumnType {
        T::column_type(spec)
    }
}
impl<T: MaxLengthColumn> MaxLengthColumn for Option<T> {}
impl<T: DecimalColumn> DecimalColumn for Option<T> {}
impl<T: Column> NullableColumn for Option<T> {}

#[cfg(feature = "chrono")]
fixed_columns! {
    chrono::NaiveDate => ColumnType::Date,
    chrono::NaiveTime => ColumnType::Time,
    chrono::NaiveDateTime => ColumnType::Timestamp,
    chrono::DateTime<chrono::Utc> => ColumnType::TimestampTz,
}

#[cfg(feature = "uuid")]
fixed_columns! { uuid::Uuid => ColumnType::Uuid }

#[cfg(feature = "json")]
fixed_columns! { serde_json::Value => ColumnType::Json }

/// Default decimal precision: `rust_decimal::Decimal` holds at most 28 significant digits.
pub const DEFAULT_DECIMAL_PRECISION: u32 = 28;
/// Default decimal scale when only the precision is given or neither is.
pub const DEFAULT_DECIMAL_SCALE: u32 = 10;

#[cfg(feature = "decimal")]
impl Column for rust_decimal::Decimal {
    fn column_type(spec: &TypeSpec) -> ColumnType {
        ColumnType::Decimal {
            precision: spec.precision.unwrap_or(DEFAULT_DECIMAL_PRECISION),
            scale: spec.scale.unwrap_or(DEFAULT_DECIMAL_SCALE),
        }
    }
}
#[cfg(feature = "decimal")]
impl DecimalColumn for rust_decimal::Decimal {}
