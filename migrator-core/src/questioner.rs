//! The questions makemigrations asks (renames, one-off defaults): the `Questioner` trait and its non-interactive implementations. Terminal I/O lives in migrator-cli.
//!
//! (Being written; see ARCHITECTURE.md.)
