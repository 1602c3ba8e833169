//! PostgreSQL: its [`FEATURES`] (always built, so messages can name it), and behind the cargo
//! feature `postgres` its statement spelling for the shared server editor (`schema.rs`) and
//! its introspection (`introspect.rs`: `information_schema` and `pg_catalog`).

#[cfg(feature = "postgres")]
pub(crate) mod introspect;
#[cfg(feature = "postgres")]
mod schema;

#[cfg(feature = "postgres")]
pub use introspect::introspect_details;
#[cfg(feature = "postgres")]
pub use schema::{
    column_type_sql, expected_schema, normalize_type, PostgresEditor, MAX_IDENTIFIER,
};
pub(crate) mod costs;
mod features;

pub use features::FEATURES;
