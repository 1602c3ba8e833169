//! Rust type → column type, through the [`Column`] trait (DESIGN decision 2).
//!
//! The derive never matches type names: for a field of type `T` it records
//! `<T as Column>::COLUMN` (a [`ColumnInfo`]: the type's `column_type` function and
//! nullability), and the model's definition calls that function with a [`TypeSpec`] carrying
//! the field's `max_length`, `precision` and `scale`. Users implement [`Column`] for their
//! own types (an enum stored as text, say). The marker traits ([`MaxLengthColumn`],
//! [`DecimalColumn`], [`NullableColumn`], [`AutoIncrementColumn`]) let the derive turn
//! attribute misuse into compile errors at the offending field; the default markers
//! ([`TextDefault`], [`IntegerDefault`], [`FloatDefault`], [`BoolDefault`]) do the same for a
//! `default = <literal>` of the wrong kind. This module owns the mapping only; SQL spelling
//! per backend lives in `backend/`.
//!
//! # Which literal kinds a type's `default` accepts
//!
//! | field type | string | integer | float | bool |
//! |---|---|---|---|---|
//! | `String` | ✓ | | | |
//! | `i16`, `i32`, `i64` | | ✓ | | |
//! | `f32`, `f64`, `rust_decimal::Decimal` | | ✓ | ✓ | |
//! | `bool` | | | | ✓ |
//! | chrono dates and times, `uuid::Uuid`, `serde_json::Value` | ✓ | | | |
//! | `Vec<u8>` | | | | |
//! | `Option<T>` | as `T` | as `T` | as `T` | as `T` |
//!
//! Dates, times, UUIDs and JSON take a string because every backend accepts their text form
//! as a column default (`default = "2024-01-01"`, `default = "00000000-0000-0000-0000-000000000000"`,
//! `default = "{}"`); the text itself is not parsed here, so write it in the ISO 8601 / hyphenated
//! UUID / JSON form the database expects. A binary column takes no literal default (use
//! `default_sql`). A user type opts in by implementing the marker for the literal its column
//! stores (an enum stored as text implements [`TextDefault`]). Fields with `db_type` are not
//! checked: the type is spelled by hand, so is its default.

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
    note = "implement `migrator_core::Column` for `{Self}` (`#[derive(migrator_core::ModelEnum)]` does it for a fieldless enum stored as text), mark the field `#[model(skip)]`, or enable the migrator-core cargo feature that maps it (chrono, uuid, json, decimal)"
)]
pub trait Column {
    /// True when the column accepts NULL (only `Option<T>`).
    const NULLABLE: bool = false;
    /// The column type for this Rust type given the field's attributes.
    fn column_type(spec: &TypeSpec) -> ColumnType;

    /// The diesel SQL type `makemigrations` writes for this type's column in an app's
    /// generated diesel schema (see the `diesel_schema` module), as a Rust path such as
    /// `"crate::schema::sql_types::Mood"` or `"diesel::sql_types::Text"`. `None` (the default)
    /// derives it from [`Column::column_type`]; set it when your type's `FromSql`/`ToSql` impls
    /// are for another SQL type, or when the column type is [`ColumnType::Custom`], which has
    /// no diesel type of its own. Do not wrap it in `Nullable`: `Option<T>` does that.
    const DIESEL_SQL_TYPE: Option<&'static str> = None;

    /// The only values the column may hold, as stored, when the type is an enum stored as text
    /// (`#[derive(ModelEnum)]` sets it to the enum's values). A model field of such a type gets
    /// a check constraint `{table}_{column}_choices` allowing exactly these values, so adding a
    /// variant is a migration that changes the check. `None` (the default): no check.
    const CHOICES: Option<&'static [&'static str]> = None;

    /// [`Column::column_type`] and [`Column::NULLABLE`] in one constant: what
    /// `#[derive(Model)]` records for each field. Not meant to be overridden.
    #[doc(hidden)]
    const COLUMN: ColumnInfo = ColumnInfo {
        column_type: Self::column_type,
        nullable: Self::NULLABLE,
        diesel_sql_type: Self::DIESEL_SQL_TYPE,
        choices: Self::CHOICES,
    };
}

/// What the type system says about a field's Rust type ([`Column::COLUMN`]): what
/// `#[derive(Model)]` records for each field without `db_type`. Generated code only.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct ColumnInfo {
    /// The column type for the field's settings.
    pub column_type: fn(&TypeSpec) -> ColumnType,
    /// Whether the column accepts NULL.
    pub nullable: bool,
    /// [`Column::DIESEL_SQL_TYPE`].
    pub diesel_sql_type: Option<&'static str>,
    /// [`Column::CHOICES`].
    pub choices: Option<&'static [&'static str]>,
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

/// Types whose column takes a string literal default (`default = "draft"`).
///
/// Implement it for your own type when its column stores text:
///
/// ```
/// use migrator_core::field_type::TextDefault;
/// use migrator_core::{Column, ColumnType, TypeSpec};
///
/// enum Status { Draft, Published }
///
/// impl Column for Status {
///     fn column_type(_spec: &TypeSpec) -> ColumnType {
///         ColumnType::Varchar(16)
///     }
/// }
/// impl TextDefault for Status {}
/// ```
#[diagnostic::on_unimplemented(
    message = "`default` is a string literal, but the field type `{Self}` takes no text default",
    label = "string literal on a field of type `{Self}`",
    note = "write a literal of the field's kind (`default = 0` for an integer, `default = 1.5` for a float, `default = true` for a bool), use `default_sql = \"…\"` for an SQL expression, or, for your own type stored as text, implement `migrator_core::field_type::TextDefault` for it"
)]
pub trait TextDefault: Column {}

/// Types whose column takes an integer literal default (`default = 0`, `default = -1`).
#[diagnostic::on_unimplemented(
    message = "`default` is an integer literal, but the field type `{Self}` takes no integer default",
    label = "integer literal on a field of type `{Self}`",
    note = "write a literal of the field's kind (`default = \"text\"` for a string, `default = true` for a bool), use `default_sql = \"…\"` for an SQL expression, or, for your own type stored as a number, implement `migrator_core::field_type::IntegerDefault` for it"
)]
pub trait IntegerDefault: Column {}

/// Types whose column takes a float literal default (`default = 1.5`).
#[diagnostic::on_unimplemented(
    message = "`default` is a float literal, but the field type `{Self}` takes no float default",
    label = "float literal on a field of type `{Self}`",
    note = "write a literal of the field's kind (an integer such as `default = 1` for an integer field, `default = \"text\"` for a string), use `default_sql = \"…\"` for an SQL expression, or, for your own type stored as a fractional number, implement `migrator_core::field_type::FloatDefault` for it"
)]
pub trait FloatDefault: Column {}

/// Types whose column takes a bool literal default (`default = false`).
#[diagnostic::on_unimplemented(
    message = "`default` is a bool literal, but the field type `{Self}` takes no bool default",
    label = "bool literal on a field of type `{Self}`",
    note = "write a literal of the field's kind (`default = 0` for an integer, `default = \"text\"` for a string), use `default_sql = \"…\"` for an SQL expression, or, for your own type stored as a boolean, implement `migrator_core::field_type::BoolDefault` for it"
)]
pub trait BoolDefault: Column {}

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

impl TextDefault for String {}
impl IntegerDefault for i16 {}
impl IntegerDefault for i32 {}
impl IntegerDefault for i64 {}
impl IntegerDefault for f32 {}
impl IntegerDefault for f64 {}
impl FloatDefault for f32 {}
impl FloatDefault for f64 {}
impl BoolDefault for bool {}

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
    const DIESEL_SQL_TYPE: Option<&'static str> = T::DIESEL_SQL_TYPE;
    const CHOICES: Option<&'static [&'static str]> = T::CHOICES;
    fn column_type(spec: &TypeSpec) -> ColumnType {
        T::column_type(spec)
    }
}
impl<T: MaxLengthColumn> MaxLengthColumn for Option<T> {}
impl<T: DecimalColumn> DecimalColumn for Option<T> {}
impl<T: Column> NullableColumn for Option<T> {}
impl<T: TextDefault> TextDefault for Option<T> {}
impl<T: IntegerDefault> IntegerDefault for Option<T> {}
impl<T: FloatDefault> FloatDefault for Option<T> {}
impl<T: BoolDefault> BoolDefault for Option<T> {}

#[cfg(feature = "chrono")]
fixed_columns! {
    chrono::NaiveDate => ColumnType::Date,
    chrono::NaiveTime => ColumnType::Time,
    chrono::NaiveDateTime => ColumnType::Timestamp,
    chrono::DateTime<chrono::Utc> => ColumnType::TimestampTz,
}

#[cfg(feature = "chrono")]
impl TextDefault for chrono::NaiveDate {}
#[cfg(feature = "chrono")]
impl TextDefault for chrono::NaiveTime {}
#[cfg(feature = "chrono")]
impl TextDefault for chrono::NaiveDateTime {}
#[cfg(feature = "chrono")]
impl TextDefault for chrono::DateTime<chrono::Utc> {}

#[cfg(feature = "uuid")]
fixed_columns! { uuid::Uuid => ColumnType::Uuid }
#[cfg(feature = "uuid")]
impl TextDefault for uuid::Uuid {}

#[cfg(feature = "json")]
fixed_columns! { serde_json::Value => ColumnType::Json }
#[cfg(feature = "json")]
impl TextDefault for serde_json::Value {}

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
#[cfg(feature = "decimal")]
impl IntegerDefault for rust_decimal::Decimal {}
#[cfg(feature = "decimal")]
impl FloatDefault for rust_decimal::Decimal {}
