//! Where the database is: --database URL, DATABASE_URL, migrator.toml, or the SQLite default; URLs with passwords redacted.
//!
//! (Being written; see ARCHITECTURE.md.)
