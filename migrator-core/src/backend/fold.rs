//! Folding a migration's operations into fewer statements where a backend can do the same
//! work at once ([`Backend::fold`](super::Backend::fold)): on SQLite, the operations on one
//! table of a migration, one of which rebuilds it, become one rebuild (`sqlite/fold.rs`). The executor hands
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

/// The operations at positions `ops` (in the slice given to the fold, ascending) are done by
/// `statements`, which replace theirs: the last of them runs them, the others run nothing.
/// Operations on other tables may stand between them (they keep their own statements).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Folded {
    /// The operations of the run, in run order; the last carries the statements.
    pub ops: Vec<usize>,
    /// What the whole run does.
    pub statements: Vec<String>,
}
