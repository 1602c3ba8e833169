//! Error types of migrator-core. Each message names the thing that is wrong and what to do
//! about it; library code never prints and never exits.

use thiserror::Error;

/// The registry of current models is inconsistent.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RegistryError {
    /// Two or more models share a key or a table; every clash is listed.
    #[error("the registered models clash:\n  - {}\nrename one of each pair (`#[model(table = \"…\")]` sets the table name)", .0.join("\n  - "))]
    Duplicates(Vec<String>),
    /// Foreign keys that cannot be created as declared (a column type that differs from the
    /// target's primary key, a target without a single-column primary key); every one is listed.
    #[error("the registered models have foreign keys that cannot work:\n  - {}", .0.join("\n  - "))]
    ForeignKeys(Vec<String>),
    /// Many-to-many relations that cannot work (a bad `through` model, a name taken, a side
    /// without a single-column primary key); every one is listed.
    #[error("the registered models have many-to-many relations that cannot work:\n  - {}", .0.join("\n  - "))]
    ManyToMany(Vec<String>),
}

/// The error type data steps (`RunRust`) return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
