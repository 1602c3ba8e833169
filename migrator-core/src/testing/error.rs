//! [`TestingError`]: why a test database could not be made, migrated, filled or dropped. Every
//! message names the database (URLs redacted) and what to do. A leaf of `testing/`.

use std::path::PathBuf;

use thiserror::Error;

use crate::database::DatabaseError;
use crate::executor::ExecutorError;
use crate::loader::LoadError;

/// Why a test database could not be made, migrated, filled or dropped.
#[derive(Debug, Error)]
pub enum TestingError {
    /// The configured database (`DATABASE_URL`, `migrator.toml`) cannot be used.
    #[error("test database: {0}")]
    Database(#[from] DatabaseError),
    /// The embedded migrations could not be loaded.
    #[error("test database: loading the embedded migrations: {0}")]
    Load(#[from] LoadError),
    /// The test binary links no migrations at all.
    #[error(
        "test database: this test binary has no embedded migrations, so its database would be \
         empty; name your app crates in the test file (`use my_app as _;`) so their \
         `embed_migrations!()` is linked in, or pass a graph (`TestOptions::graph`)"
    )]
    NoMigrations,
    /// `migrate_to` (or a migration test) names something the migrations do not have.
    #[error("test database: `{given}` does not name a migration: {reason}")]
    BadTarget {
        /// What was given (`app.name`).
        given: String,
        /// Why it does not resolve.
        reason: String,
    },
    /// Migrating a test database (or a template) failed.
    #[error("test database {database}: migrating {what} failed: {source}")]
    Migrate {
        /// The database (redacted URL or path).
        database: String,
        /// What was being migrated (`to orders.0002_x`, `the template`, …).
        what: String,
        /// The executor's error.
        source: Box<ExecutorError>,
    },
    /// A statement run to create, copy, fill or drop a database failed.
    #[error("test database {database}: {action} failed: {message}")]
    Sql {
        /// The database (redacted URL or path).
        database: String,
        /// What was being done, with the statement where useful.
        action: String,
        /// The driver's message.
        message: String,
    },
    /// A file of an SQLite test database or template could not be written or copied.
    #[error("test database {}: {action} failed: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A fixture failed.
    #[error("test database {database}: fixture `{fixture}` failed: {message}")]
    Fixture {
        /// The database (redacted URL or path).
        database: String,
        /// The fixture (file name or function path).
        fixture: String,
        /// Its error.
        message: String,
    },
    /// A template holds something the backend's copy cannot reproduce.
    #[error(
        "test database template {template}: {what} cannot be copied into per-test databases on \
         this backend; set MIGRATOR_TEST_TEMPLATES=0 to migrate every test database from scratch"
    )]
    TemplateUnsupported {
        /// The template database.
        template: String,
        /// What cannot be copied (`the views a, b`).
        what: String,
    },
}

impl TestingError {
    pub(crate) fn sql(database: &str, action: impl Into<String>, e: impl ToString) -> Self {
        Self::Sql {
            database: database.to_owned(),
            action: action.into(),
            message: e.to_string(),
        }
    }

    pub(crate) fn io(
        path: impl Into<PathBuf>,
        action: impl Into<String>,
        e: std::io::Error,
    ) -> Self {
        Self::Io {
            path: path.into(),
            action: action.into(),
            source: e,
        }
    }
}
