//! The orders app of the shop example: [`Order`] and its [`OrderLine`]s, whose lines point
//! at `catalog::Product` in the other app (so this app's migrations depend on the catalog's).
//!
//! This crate only declares models and embeds its migrations; it never talks to a database.

pub mod models;

pub use models::*;

migrator_core::embed_migrations!();
