//! Reads a live database's schema into a form comparable with `ProjectState`.
//!
//! (Being written; see ARCHITECTURE.md.)
