//! The library example: books and their authors.

pub mod models;

pub use models::*;

migrator_core::embed_migrations!();
