//! [`Migration`]: a named, ordered list of operations with its dependencies.
//!
//! Migration files (written by `writer.rs`, compiled into the app crate through the `build.rs`
//! embed) build one of these. The app label and the name come from where the file is (its crate
//! and its file stem), not from the file's contents.

use std::fmt;

use crate::operations::Operation;

/// Identifies a migration: `(app, name)`, e.g. `library.0001_initial`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MigrationKey {
    /// App label.
    pub app: String,
    /// Migration name (file stem).
    pub name: String,
}

impl MigrationKey {
    /// A key from app and name.
    pub fn new(app: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            app: app.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for MigrationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.app, self.name)
    }
}

/// One migration.
#[derive(Clone, Debug, PartialEq)]
pub struct Migration {
    /// App label.
    pub app: String,
    /// Migration name.
    pub name: String,
    /// Migrations that must be applied first (same app or others).
    pub dependencies: Vec<MigrationKey>,
    /// The operations, applied in order.
    pub operations: Vec<Operation>,
    /// The app's first migration (enables `--fake-initial`).
    pub initial: bool,
    /// Run in one transaction where the backend allows it.
    pub atomic: bool,
    /// Migrations this one squashes.
    pub replaces: Vec<MigrationKey>,
}

impl Migration {
    /// An empty, atomic, non-initial migration.
    pub fn new(app: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            app: app.into(),
            name: name.into(),
            dependencies: Vec::new(),
            operations: Vec::new(),
            initial: false,
            atomic: true,
            replaces: Vec::new(),
        }
    }

    /// This migration's key.
    pub fn key(&self) -> MigrationKey {
        MigrationKey::new(self.app.clone(), self.name.clone())
    }
}
