//! The orders app of the shop example: [`Order`] and its [`OrderLine`]s, whose lines point
//! at `catalog::Product` in the other app (so this app's migrations depend on the catalog's).
//!
//! This crate only declares models and embeds its migrations; it never talks to a database.

pub mod models;
/// The diesel schema of the models, written and kept current by `migrator makemigrations`.
pub mod schema;

pub use models::*;

migrator_core::embed_migrations!();
