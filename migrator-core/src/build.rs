//! The build.rs helper: `embed_migrations()` writes the migrations index into OUT_DIR.
//!
//! (Being written; see ARCHITECTURE.md.)
