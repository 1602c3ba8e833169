//! The classification of migrations where they run: [`lint`] (every migration not applied
//! yet, each from the state the ones before it leave — what `migrator lint` reports, with
//! each migration's acknowledgement checked) and [`classify_plan`] (the steps of a `migrate`
//! plan, forwards from the applied state or backwards from each migration's ancestors —
//! what `migrate --plan` shows).

use std::collections::BTreeSet;

use crate::backend::Backend;
use crate::graph::{replay, GraphError, MigrationGraph};
use crate::migration::MigrationKey;
use crate::state::ProjectState;

use super::ack::{ack_status, AckStatus};
use super::classify::{classify_migration, classify_operation};
use super::folded::apply_folds;
use super::hazard::OperationHazards;

/// One unapplied migration as `migrator lint` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintedMigration {
    /// The migration.
    pub key: MigrationKey,
    /// Each operation and what it risks.
    pub operations: Vec<OperationHazards>,
    /// Whether its data loss is acknowledged.
    pub ack: AckStatus,
}

impl LintedMigration {
    /// Data loss without a valid acknowledgement.
    pub fn fails(&self) -> bool {
        self.ack.fails()
    }
}

/// Every migration of the graph not in `applied`, in apply order, classified on `backends`
/// from the state the migrations before it leave (the applied ones, then the unapplied ones
/// before it), with its acknowledgement checked. `apps` (empty: all) only filters what is
/// returned; states advance through every app.
pub fn lint(
    graph: &MigrationGraph,
    applied: &BTreeSet<MigrationKey>,
    apps: &[String],
    backends: &[Backend],
) -> Result<Vec<LintedMigration>, GraphError> {
    let plan = graph.full_plan();
    let done: Vec<MigrationKey> = plan
        .iter()
        .filter(|k| applied.contains(*k))
        .cloned()
        .collect();
    let mut state = graph.make_state(&done)?;
    let mut out = Vec::new();
    for key in plan.into_iter().filter(|k| !applied.contains(k)) {
        let Some(migration) = graph.migration(&key) else {
            continue;
        };
        if apps.is_empty() || apps.contains(&key.app) {
            let operations = classify_migration(migration, &state, backends);
            out.push(LintedMigration {
                ack: ack_status(migration, &operations),
                key,
                operations,
            });
        }
        replay(&mut state, migration)?;
    }
    Ok(out)
}

/// The operations of each step of a `migrate` plan, classified on `backend` in the
/// direction the step runs (listed in file order either way). Forward steps start from the state of `applied`; a backward step from its
/// migration's ancestors, as `sqlmigrate --backwards` does.
pub fn classify_plan(
    graph: &MigrationGraph,
    applied: &BTreeSet<MigrationKey>,
    steps: &[(MigrationKey, bool)],
    backend: Backend,
) -> Result<Vec<Vec<OperationHazards>>, GraphError> {
    let plan = graph.full_plan();
    let done: Vec<MigrationKey> = plan
        .iter()
        .filter(|k| applied.contains(*k))
        .cloned()
        .collect();
    let mut running: Option<ProjectState> = None;
    let mut out = Vec::with_capacity(steps.len());
    for (key, backwards) in steps {
        let migration = graph
            .migration(key)
            .ok_or_else(|| GraphError::UnknownMigration(key.clone()))?;
        if !backwards {
            let state = match running.take() {
                Some(s) => s,
                None => graph.make_state(&done)?,
            };
            out.push(classify_migration(migration, &state, &[backend]));
            let mut next = state;
            replay(&mut next, migration)?;
            running = Some(next);
            continue;
        }
        let app = migration.app.as_str();
        let mut state = graph.make_state(&graph.dependencies_of(key))?;
        let mut ops = Vec::new();
        let mut states: Vec<(ProjectState, ProjectState)> = Vec::new();
        for (index, op) in migration.operations.iter().enumerate() {
            let mut after = state.clone();
            if op.state_forwards(app, &mut after).is_err() {
                break;
            }
            ops.push(OperationHazards {
                index,
                description: op.describe_in(app, &state),
                symbol: op.symbol(),
                hazards: classify_operation(app, op, &state, &after, true, &[backend]),
            });
            if backend.folds() {
                states.push((state, after.clone()));
            }
            state = after;
        }
        // Backwards, the operations run last to first, and fold in that order.
        apply_folds(
            app,
            migration.atomic,
            (&states, &migration.operations),
            true,
            &[backend],
            &mut ops,
        );
        out.push(ops);
    }
    Ok(out)
}
