//! The migration graph: dependencies within and across apps, cycles, leaves, conflicts, plans, and state replay.
//!
//! (Being written; see ARCHITECTURE.md.)
