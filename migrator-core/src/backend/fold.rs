//! Folding a migration's operations into fewer statements where a backend can do the same
//! work at once ([`Backend::fold`](super::Backend::fold)): on SQLite, consecutive operations
//! on one table that rebuild it become one rebuild (`sqlite/fold.rs`). The executor hands
//! every operation of an atomic migration over as a [`Planned`] and applies the [`Folded`]
//! runs it gets back. A leaf beside `costs.rs` and `record.rs`.

use super::costs::Change;
use crate::state::ProjectState;

/// One operation of a migration as the fold sees it, in run order (backwards, the last
/// operation first).
#[derive(Clone, Copy, Debug)]
pub struct Planned<'a> {
    /// The primitive changes it asks the schema editor for — `None` when its database
    /// changes are not what its state change says (`SeparateDatabaseAndState`, raw SQL, a
    /// Rust step, an operation run outside a transaction): such an operation is never folded.
    pub changes: Option<&'a [Change]>,
    /// The schema state its statements start from (before it; backwards, after it).
    pub from: &'a ProjectState,
    /// The schema state its statements produce.
    pub to: &'a ProjectState,
    /// Its statements as the editor wrote them for it alone.
    pub statements: &'a [String],
}

/// Operations `first..=last` (positions in the slice given to the fold) are done by
/// `statements`, which replace theirs: `last` runs them, the others run nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folded {
    /// The first operation of the run.
    pub first: usize,
    /// The last operation of the run, which carries the statements.
    pub last: usize,
    /// What the whole run does.
    pub statements: Vec<String>,
}
