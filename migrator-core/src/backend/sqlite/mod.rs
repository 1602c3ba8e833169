//! SQLite, always built (diesel with the bundled library): its [`FEATURES`], its schema editor
//! (`schema.rs`: `ALTER TABLE` where SQLite can, a table rebuild otherwise) and its
//! introspection (`introspect.rs`: catalog pragmas plus the stored `CREATE TABLE` text, read
//! by `create_table.rs`); `costs.rs`: what a change costs a table with rows.

pub(crate) mod costs;
mod create_table;
mod ddl;
pub(crate) mod fold;
pub(crate) mod introspect;
mod rebuild;
mod schema;

pub use ddl::{column_type_sql, fk_target, model_indexes};
pub use schema::SqliteEditor;
mod features;

pub use features::FEATURES;
