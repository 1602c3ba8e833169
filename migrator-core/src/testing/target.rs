//! The migrations a test database is built from and the names tests give them: the graph
//! embedded in the test binary (loaded once per process) and `"app.name"` resolved against a
//! graph. A leaf of `testing/`, shared by the database builder and `MigrationTest`.

use std::sync::{Arc, OnceLock};

use crate::executor;
use crate::graph::MigrationGraph;
use crate::migration::MigrationKey;

use super::error::TestingError;

/// Resolves `"app.name"` (or `"app.prefix"`) against the graph.
pub(super) fn resolve_migration(
    graph: &MigrationGraph,
    given: &str,
) -> Result<MigrationKey, TestingError> {
    let bad = |reason: String| TestingError::BadTarget {
        given: given.to_owned(),
        reason,
    };
    let (app, name) = given
        .split_once('.')
        .ok_or_else(|| bad("write `app.migration`, e.g. `orders.0002_order_note`".to_owned()))?;
    executor::resolve_name(graph, app, name).map_err(|e| bad(e.to_string()))
}

/// The migrations embedded in this binary, loaded once per process.
pub(super) fn embedded_graph() -> Result<Arc<MigrationGraph>, TestingError> {
    static GRAPH: OnceLock<Result<Arc<MigrationGraph>, String>> = OnceLock::new();
    let loaded = GRAPH.get_or_init(|| {
        crate::loader::load_embedded()
            .map(|l| Arc::new(l.graph))
            .map_err(|e| e.to_string())
    });
    match loaded {
        Ok(g) if g.is_empty() => Err(TestingError::NoMigrations),
        Ok(g) => Ok(Arc::clone(g)),
        Err(message) => Err(TestingError::BadTarget {
            given: "the embedded migrations".to_owned(),
            reason: message.clone(),
        }),
    }
}
