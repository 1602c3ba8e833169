//! The classification of migrations where they run: [`lint`] (every migration not applied
//! yet, each from the state the ones before it leave — what `migrator lint` reports, with
//! each migration's acknowledgement checked) and [`classify_plan`] (the steps of a `migrate`
//! plan, forwards from the applied state or backwards from each migration's ancestors —
//! what `migrate --plan` shows).

use std::collections::{BTreeMap, BTreeSet};

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
/// direction the step runs (listed in file order either way). Forward steps start from the
/// state of `applied`; a backward step from its migration's ancestors, as `sqlmigrate
/// --backwards` does.
///
/// A backward step whose migration has one dependency, itself unapplied later in the plan,
/// starts from the state that dependency's own classification ended with (its ancestors and
/// it: the same state, without replaying the history again); so a rollback of a long chain
/// replays it once, not once per migration.
pub fn classify_plan(
    graph: &MigrationGraph,
    applied: &BTreeSet<MigrationKey>,
    steps: &[(MigrationKey, bool)],
    backend: Backend,
) -> Result<Vec<Vec<OperationHazards>>, GraphError> {
    let mut backward = classify_backward_steps(graph, steps, backend)?;
    let plan = graph.full_plan();
    let done: Vec<MigrationKey> = plan
        .iter()
        .filter(|k| applied.contains(*k))
        .cloned()
        .collect();
    let mut running: Option<ProjectState> = None;
    let mut out = Vec::with_capacity(steps.len());
    for (i, (key, backwards)) in steps.iter().enumerate() {
        if *backwards {
            out.push(backward.remove(&i).unwrap_or_default());
            continue;
        }
        let migration = graph
            .migration(key)
            .ok_or_else(|| GraphError::UnknownMigration(key.clone()))?;
        let state = match running.take() {
            Some(s) => s,
            None => graph.make_state(&done)?,
        };
        out.push(classify_migration(migration, &state, &[backend]));
        let mut next = state;
        replay(&mut next, migration)?;
        running = Some(next);
    }
    Ok(out)
}

/// The backward steps of `steps` classified (by their index in `steps`), last of the plan
/// first, each from its migration's ancestors (see [`classify_plan`]).
fn classify_backward_steps(
    graph: &MigrationGraph,
    steps: &[(MigrationKey, bool)],
    backend: Backend,
) -> Result<BTreeMap<usize, Vec<OperationHazards>>, GraphError> {
    // How many backward steps start from each migration's end state.
    let mut wanted: BTreeMap<MigrationKey, usize> = BTreeMap::new();
    for (key, _) in steps.iter().filter(|(_, backwards)| *backwards) {
        if let [parent] = graph.dependencies_of(key).as_slice() {
            *wanted.entry(parent.clone()).or_default() += 1;
        }
    }
    // End states kept until the last step starting from them takes them.
    let mut ends: BTreeMap<MigrationKey, (ProjectState, usize)> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for (i, (key, _)) in steps.iter().enumerate().rev().filter(|(_, s)| s.1) {
        let migration = graph
            .migration(key)
            .ok_or_else(|| GraphError::UnknownMigration(key.clone()))?;
        let app = migration.app.as_str();
        let dependencies = graph.dependencies_of(key);
        let from_end = match dependencies.as_slice() {
            [parent] => match ends.remove(parent) {
                Some((state, 1)) => Some(state),
                Some((state, left)) => {
                    let copy = state.clone();
                    ends.insert(parent.clone(), (state, left - 1));
                    Some(copy)
                }
                None => None,
            },
            _ => None,
        };
        let mut state = match from_end {
            Some(state) => state,
            None => graph.make_state(&dependencies)?,
        };
        let mut ops = Vec::new();
        let mut states: Vec<(ProjectState, ProjectState)> = Vec::new();
        let mut complete = true;
        for (index, op) in migration.operations.iter().enumerate() {
            let mut after = state.clone();
            if op.state_forwards(app, &mut after).is_err() {
                complete = false;
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
        out.insert(i, ops);
        // The state after every operation is this migration's end state, as replaying its
        // ancestors and it would leave it.
        if let (true, Some(&users)) = (complete, wanted.get(key)) {
            ends.insert(key.clone(), (state, users));
        }
    }
    Ok(out)
}
