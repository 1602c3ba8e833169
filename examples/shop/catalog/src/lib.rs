//! The catalog app of the shop example: [`Category`] (a tree through a self-referencing
//! foreign key), [`Product`] and [`Tag`] (products ↔ tags, a many-to-many relation). The
//! `orders` app points at [`Product`] from another crate,
//! so its migrations depend on this app's.
//!
//! This crate only declares models and embeds its migrations; it never talks to a database.

pub mod models;
/// The diesel schema of the models, written and kept current by `migrator makemigrations`.
pub mod schema;

pub use models::*;

migrator_core::embed_migrations!();
