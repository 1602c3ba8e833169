//! The database lock that makes concurrent `migrate` runs safe.
//!
//! (Being written; see ARCHITECTURE.md.)
