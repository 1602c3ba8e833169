//! Compares the state rebuilt from migrations with the current models and produces operations per app.
//!
//! (Being written; see ARCHITECTURE.md.)
