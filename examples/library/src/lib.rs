//! The library example: books and their authors.

pub mod models;
/// The diesel schema of the models, written and kept current by `migrator makemigrations`.
pub mod schema;

pub use models::*;

migrator_core::embed_migrations!();
