//! MySQL and MariaDB: their [`FEATURES`] (always built, so messages can name them), and behind
//! the cargo feature `mysql` their statement spelling for the shared server editor
//! (`schema.rs`) and their introspection (`introspect.rs`: `information_schema`).

#[cfg(feature = "mysql")]
pub(crate) mod introspect;
#[cfg(feature = "mysql")]
mod schema;

#[cfg(feature = "mysql")]
pub use introspect::introspect_details;
#[cfg(feature = "mysql")]
pub use schema::{
    column_type_sql, expected_schema, normalize_type, MysqlEditor, MAX_IDENTIFIER, MAX_KEY_BYTES,
    TABLE_OPTIONS,
};
pub(crate) mod costs;
mod features;

pub use features::FEATURES;
