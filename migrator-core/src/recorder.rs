//! The `migrator_migrations` table: which migrations are applied, when, and with which checksum.
//!
//! (Being written; see ARCHITECTURE.md.)
