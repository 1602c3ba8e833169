//! Folds operation lists the way Django's optimizer does (CreateModel+AddField, AddField+RemoveField, AlterField chains, ...).
//!
//! (Being written; see ARCHITECTURE.md.)
