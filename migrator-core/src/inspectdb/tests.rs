//! Unit tests of `inspectdb`.
