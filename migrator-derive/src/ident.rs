//! What an SQL identifier migrator writes may be: the one rule the cross-field checks
//! (`check.rs`) and the name planning (`names.rs`) both apply. A leaf.

// The rule lives in migrator-descriptor, shared with inspectdb.
pub(crate) use migrator_descriptor::names::{identifier_problem, MAX_IDENTIFIER_BYTES};
