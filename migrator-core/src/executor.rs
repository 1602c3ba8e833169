//! Plans and applies migrations forwards and backwards on a connection, one transaction per migration where the backend allows.
//!
//! (Being written; see ARCHITECTURE.md.)
