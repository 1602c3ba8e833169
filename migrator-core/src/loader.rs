//! Loads the migrations compiled into app crates (the build.rs embed) into a graph, and knows each app's migrations folder.
//!
//! (Being written; see ARCHITECTURE.md.)
