//! The start-up API: what an application calls with the migrations embedded in its binary
//! ([`apply_embedded`], [`pending_embedded`]) and the drift check between the live schema
//! and the applied migrations ([`schema_drift`]). Thin wrappers: planning, reading the record
//! and applying are the other executor modules'.

use crate::backend::DbConnection;
use crate::graph::MigrationGraph;
use crate::migration::MigrationKey;

use super::apply::migrate;
use super::error::ExecutorError;
use super::history::plan;
use super::types::{MigrateOptions, Target};

/// Applies every migration embedded in this binary that is not applied yet — the one call an
/// application makes at start-up. Returns the migrations it applied, in order.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use migrator_core::database::{connect, resolve};
///
/// let db = resolve(None, std::path::Path::new("."))?;
/// let mut conn = connect(&db.url)?;
/// let applied = migrator_core::executor::apply_embedded(&mut conn)?;
/// # let _ = applied;
/// # Ok(())
/// # }
/// ```
pub fn apply_embedded(conn: &mut DbConnection) -> Result<Vec<MigrationKey>, ExecutorError> {
    let loaded = crate::loader::load_embedded().map_err(|e| ExecutorError::Load(Box::new(e)))?;
    let report = migrate(
        conn,
        &loaded.graph,
        &Target::Latest,
        &MigrateOptions::default(),
        &mut |_| {},
    )?;
    Ok(report.done.into_iter().map(|(step, _)| step.key).collect())
}

/// The embedded migrations not applied yet, in the order [`apply_embedded`] would apply them
/// (read-only; validates checksums and history like `migrate`).
pub fn pending_embedded(conn: &mut DbConnection) -> Result<Vec<MigrationKey>, ExecutorError> {
    let loaded = crate::loader::load_embedded().map_err(|e| ExecutorError::Load(Box::new(e)))?;
    Ok(plan(conn, &loaded.graph, &Target::Latest)?
        .into_iter()
        .map(|step| step.key)
        .collect())
}

/// How the live schema differs from what the applied migrations describe (empty when it
/// matches), one sentence per difference: [`super::drift`] as lines, record problems (an
/// applied migration missing from disk or edited) first. Tables no migration knows show as
/// "in the database, but no applied migration creates it".
pub fn schema_drift(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
) -> Result<Vec<String>, ExecutorError> {
    Ok(super::drift::drift(conn, graph)?.lines())
}
