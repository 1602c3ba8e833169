//! Renders a `Migration` as a Rust module formatted with prettyplease, names migrations, and writes files atomically.
//!
//! (Being written; see ARCHITECTURE.md.)
