//! Rust enums stored as text with a check of their values (`#[derive(ModelEnum)]`).
//!
//! ```
//! use migrator_core::{Model, ModelEnum};
//!
//! /// Where an order is.
//! #[derive(Debug, Clone, Copy, PartialEq, Eq, ModelEnum)]
//! pub enum Status {
//!     Pending,
//!     Shipped,
//!     #[model_enum(rename = "cancelled_by_customer")]
//!     Cancelled,
//! }
//!
//! #[derive(Model)]
//! #[model(table = "orders")]
//! pub struct Order {
//!     pub id: i64,
//!     #[model(default = "pending")]
//!     pub status: Status,
//! }
//!
//! assert_eq!(Status::Cancelled.as_str(), "cancelled_by_customer");
//! assert_eq!("shipped".parse::<Status>(), Ok(Status::Shipped));
//! let state = Order::definition().state;
//! let check = &state.constraints[0];
//! assert_eq!(check.name, "orders_status_choices");
//! assert_eq!(
//!     check.kind,
//!     migrator_core::ConstraintKind::Check(
//!         "status = 'pending' OR status = 'shipped' OR status = 'cancelled_by_customer'".into()
//!     )
//! );
//! ```
//!
//! The derive implements [`ModelEnum`] (the values, both conversions), [`crate::Column`] (a
//! `VARCHAR` as long as the longest value, or `#[model_enum(max_length = N)]`, with
//! [`crate::Column::CHOICES`] set to the values), the text-default marker (so
//! `#[model(default = "pending")]` works), `Display`, `FromStr`, and diesel's `ToSql`/`FromSql`
//! for `Text` on every backend, `AsExpression<Text>` (also `Nullable<Text>`, also for `&T`) and
//! `Queryable`, so the enum is a field of diesel's `Queryable`/`Insertable` structs as is. The
//! check is spelled `column = 'a' OR column = 'b'` because every backend re-prints that form
//! recognisably (PostgreSQL turns `IN (…)` into `= ANY (ARRAY[…])`), which keeps the drift
//! check exact.

use std::fmt;
use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, TypedExpressionType,
    ValidGrouping,
};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{HasSqlType, SqlType};

/// An enum stored as text: implemented by `#[derive(ModelEnum)]`, which also makes it a
/// [`crate::Column`] whose column only accepts [`ModelEnum::VALUES`].
pub trait ModelEnum: Sized + 'static {
    /// Every value the column may hold, in variant order.
    const VALUES: &'static [&'static str];
    /// The text stored for this variant.
    fn as_str(&self) -> &'static str;
    /// The variant stored as `text`, if any.
    fn from_db_str(text: &str) -> Option<Self>;
}

/// The error of parsing text that is none of an enum's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownValue {
    /// The enum's Rust name.
    pub enum_name: &'static str,
    /// The text that matched no value.
    pub value: String,
    /// The values it accepts.
    pub expected: &'static [&'static str],
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a value of `{}` (expected one of: {})",
            self.value,
            self.enum_name,
            self.expected.join(", ")
        )
    }
}

impl std::error::Error for UnknownValue {}

/// The check a field of a [`ModelEnum`] type gets: `column = 'a' OR column = 'b'`, each value
/// quoted as an SQL string literal (a `'` doubled). Column names are plain identifiers
/// (`[A-Za-z_][A-Za-z0-9_]*`, enforced by the derive), written unquoted like every check.
pub fn choices_sql(column: &str, values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("{column} = '{}'", v.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The bind parameter a [`ModelEnum`] becomes in a diesel query: its text, as SQL type `ST`
/// (`Text` or `Nullable<Text>`). Generated `AsExpression` impls only.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct EnumBind<ST> {
    value: &'static str,
    sql_type: PhantomData<ST>,
}

impl<ST> EnumBind<ST> {
    /// Binds `value`.
    pub fn new(value: &'static str) -> Self {
        Self {
            value,
            sql_type: PhantomData,
        }
    }
}

impl<ST: SqlType + TypedExpressionType> Expression for EnumBind<ST> {
    type SqlType = ST;
}

impl<ST, QS: ?Sized> AppearsOnTable<QS> for EnumBind<ST> where Self: Expression {}

impl<ST, QS: ?Sized> SelectableExpression<QS> for EnumBind<ST> where Self: AppearsOnTable<QS> {}

impl<ST, GB> ValidGrouping<GB> for EnumBind<ST> {
    type IsAggregate = is_aggregate::Never;
}

impl<ST: QueryId> QueryId for EnumBind<ST> {
    type QueryId = EnumBind<ST::QueryId>;
    const HAS_STATIC_QUERY_ID: bool = ST::HAS_STATIC_QUERY_ID;
}

impl<ST, DB> QueryFragment<DB> for EnumBind<ST>
where
    DB: Backend + HasSqlType<ST>,
    str: ToSql<ST, DB>,
{
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, DB>) -> diesel::QueryResult<()> {
        pass.push_bind_param::<ST, str>(self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_an_or_chain_with_quotes_doubled() {
        assert_eq!(
            choices_sql("mood", &["ok", "it's fine"]),
            "mood = 'ok' OR mood = 'it''s fine'"
        );
        assert_eq!(choices_sql("mood", &["ok"]), "mood = 'ok'");
    }
}
