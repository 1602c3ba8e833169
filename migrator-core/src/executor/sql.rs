//! The SQL of migrations: [`sql_for_migration`] (what `sqlmigrate` prints, from the
//! migration's ancestors) and `plan_sql` (every step of a `migrate` plan, from the state the
//! database is in at that step), both through one function that advances a schema state
//! through a migration and asks the backend's schema editor for each operation's statements,
//! given only the neighbourhood of the models the operation touches. Nothing here talks to
//! the database: `apply` runs what this computes.

use std::collections::{BTreeMap, BTreeSet};

use crate::backend::fold::Planned;
use crate::backend::record::ChangeRecorder;
use crate::backend::Backend;
use crate::graph::{GraphError, MigrationGraph};
use crate::migration::MigrationKey;
use crate::operations::Operation;
use crate::state::{ModelKey, ProjectState};

use super::error::ExecutorError;
use super::types::{OpSql, PlanStep};

/// The SQL of every operation of `key`, forwards or backwards (in run order: backwards
/// lists the last operation first), for `backend`, computed from the state of the
/// migration's ancestors — what `sqlmigrate` prints (Django's choice too).
///
/// [`migrate`] runs the same function ([`sql_for_migration_from`]) from the state the
/// database is actually in at that point of its plan; for a linear history the two are the
/// same statements. They differ only where two branches of a merged history touch the same
/// table, and there `migrate` is the one that keeps the other branch's columns.
///
/// [`migrate`]: super::migrate
pub fn sql_for_migration(
    graph: &MigrationGraph,
    key: &MigrationKey,
    backwards: bool,
    backend: Backend,
) -> Result<Vec<OpSql>, ExecutorError> {
    let base = graph.make_state(&graph.dependencies_of(key))?;
    sql_for_migration_from(graph, key, base, backwards, backend)
}

/// The SQL of every operation of `key` (as [`sql_for_migration`]) starting from `base`: the
/// schema state without this migration — before applying it, or after unapplying it.
pub fn sql_for_migration_from(
    graph: &MigrationGraph,
    key: &MigrationKey,
    base: ProjectState,
    backwards: bool,
    backend: Backend,
) -> Result<Vec<OpSql>, ExecutorError> {
    let mut state = base;
    sql_advancing(graph, key, &mut state, backwards, backend)
}

/// The models an operation reads or changes, by key, in the state it applies to (`before`)
/// or produces (`after`).
fn touched_models(app: &str, op: &Operation, after: bool) -> Vec<ModelKey> {
    let name = if after {
        op.model_name_after()
    } else {
        op.model_name()
    };
    name.map(|n| ModelKey::new(app, n)).into_iter().collect()
}

/// The part of `state` an operation on `keys` can need: those models, the models pointing
/// at them, and every model either of those points at. Schema editors look no further (a
/// rebuild touches the table and the tables referencing it), so cloning this neighbourhood
/// instead of the whole project keeps computing a plan's SQL linear in its size.
fn neighbourhood(state: &ProjectState, keys: &[ModelKey]) -> ProjectState {
    let mut wanted: BTreeSet<ModelKey> = keys
        .iter()
        .filter(|k| state.models.contains_key(*k))
        .cloned()
        .collect();
    if !keys.is_empty() {
        for model in state.models.values() {
            let points_at_key = keys.iter().any(|k| model.references(k));
            if points_at_key {
                wanted.insert(model.key());
            }
        }
    }
    let targets: Vec<ModelKey> = wanted
        .iter()
        .filter_map(|k| state.models.get(k))
        .flat_map(|m| m.foreign_key_targets())
        .map(|fk| fk.target())
        .filter(|k| state.models.contains_key(k))
        .collect();
    wanted.extend(targets);
    let mut part = ProjectState::new();
    for key in wanted {
        if let Some(model) = state.models.get(&key) {
            part.models.insert(key, model.clone());
        }
    }
    part
}

/// The SQL of every operation of `key`, computed while `state` (the schema without the
/// migration) advances through its operations: on return `state` includes the migration.
/// Each operation's SQL comes from the neighbourhood of its models before and after it.
fn sql_advancing(
    graph: &MigrationGraph,
    key: &MigrationKey,
    state: &mut ProjectState,
    backwards: bool,
    backend: Backend,
) -> Result<Vec<OpSql>, ExecutorError> {
    let editor = backend
        .editor()
        .map_err(|e| ExecutorError::Backend(Box::new(e)))?;
    let migration = graph
        .migration(key)
        .ok_or_else(|| GraphError::UnknownMigration(key.clone()))?;
    let app = &migration.app;
    let mut steps: Vec<(usize, &Operation, ProjectState, ProjectState)> = Vec::new();
    for (index, op) in migration.operations.iter().enumerate() {
        // Refused before any SQL is computed, on every backend: the same migration file
        // must mean the same thing wherever it runs.
        if migration.atomic && op.kind().requires_non_atomic() {
            return Err(ExecutorError::NeedsNonAtomic {
                migration: key.clone(),
                number: index + 1,
                description: op.describe(),
            });
        }
        let mut keys = touched_models(app, op, false);
        keys.extend(touched_models(app, op, true));
        let whole = op.kind().needs_whole_state();
        let part = |state: &ProjectState| {
            if whole {
                state.clone()
            } else {
                neighbourhood(state, &keys)
            }
        };
        let before = part(state);
        op.state_forwards(app, state)
            .map_err(|source| ExecutorError::State {
                migration: key.clone(),
                number: index + 1,
                description: op.describe(),
                source: Box::new(source),
            })?;
        steps.push((index, op, before, part(state)));
    }
    if backwards {
        steps.reverse();
    }
    let mut ops: Vec<OpSql> = steps
        .iter()
        .map(|(index, op, before, after)| {
            let statements = if backwards {
                op.database_backwards(app, &*editor, before, after)
            } else {
                op.database_forwards(app, &*editor, before, after)
            }
            .map_err(|source| schema_error(key, *index, op, source))?;
            let rust = op.kind().rust_step(backwards);
            // A literal with a backslash where the grammar takes no expression (a comment)
            // is only right when backslashes escape: make the session agree for it.
            let (statements, session_wrapped) = match backend.features().backslash_session {
                Some((on, restore))
                    if !op.kind().verbatim_sql() && statements.iter().any(|s| s.contains('\\')) =>
                {
                    let mut wrapped = Vec::with_capacity(statements.len() + 2);
                    wrapped.push(on.to_owned());
                    wrapped.extend(statements);
                    wrapped.push(restore.to_owned());
                    (wrapped, true)
                }
                _ => (statements, false),
            };
            Ok(OpSql {
                index: *index,
                description: op.describe(),
                statements,
                rust,
                atomic: op.kind().atomic(),
                session_wrapped,
                folded_into: None,
            })
        })
        .collect::<Result<_, ExecutorError>>()?;
    // A run folds two operations or more: a one-operation migration skips the recording.
    if migration.atomic && backend.folds() && steps.len() > 1 {
        fold(app, key, &steps, &mut ops, backwards, backend)?;
    }
    Ok(ops)
}

fn schema_error(
    key: &MigrationKey,
    index: usize,
    op: &Operation,
    source: crate::backend::SchemaError,
) -> ExecutorError {
    ExecutorError::Schema {
        migration: key.clone(),
        number: index + 1,
        description: op.describe(),
        source: Box::new(source),
    }
}

/// Lets the backend do runs of operations with fewer statements ([`Backend::fold`]): the
/// last operation of a run carries the run's statements, the others run none and name it in
/// `folded_into`. Only operations whose database change is their
/// state change take part (no raw SQL or Rust step, no `SeparateDatabaseAndState`).
fn fold(
    app: &str,
    key: &MigrationKey,
    steps: &[(usize, &Operation, ProjectState, ProjectState)],
    ops: &mut [OpSql],
    backwards: bool,
    backend: Backend,
) -> Result<(), ExecutorError> {
    let mut changes = Vec::with_capacity(steps.len());
    for (index, op, before, after) in steps {
        let kind = op.kind();
        let plain = kind.atomic()
            && !kind.verbatim_sql()
            && !kind.separates_state()
            && kind.rust_step(backwards).is_none();
        changes.push(if plain {
            let recorder = ChangeRecorder::default();
            if backwards {
                op.database_backwards(app, &recorder, before, after)
            } else {
                op.database_forwards(app, &recorder, before, after)
            }
            .map_err(|source| schema_error(key, *index, op, source))?;
            Some(recorder.into_changes())
        } else {
            None
        });
    }
    let planned: Vec<Planned<'_>> = steps
        .iter()
        .zip(&changes)
        .zip(ops.iter())
        .map(|(((_, _, before, after), changes), sql)| {
            let (from, to) = if backwards {
                (after, before)
            } else {
                (before, after)
            };
            Planned {
                changes: changes.as_deref(),
                from,
                to,
                statements: &sql.statements,
            }
        })
        .collect();
    let folded = backend.fold(app, &planned).map_err(|source| {
        let (index, op, ..) = &steps[0];
        schema_error(key, *index, op, source)
    })?;
    for run in folded {
        let Some((&last, others)) = run.ops.split_last() else {
            continue;
        };
        let carrier = ops[last].index;
        for &i in others {
            ops[i].statements.clear();
            ops[i].folded_into = Some(carrier);
        }
        ops[last].statements = run.statements;
    }
    Ok(())
}

/// The SQL of every step of `plan`, computed from the schema state the database is in at
/// that step, given that `applied` is applied when the plan starts (Django's `migrate` also
/// works from the applied state, not from each migration's ancestors).
///
/// Forwards: the applied set, plus the steps run so far — one running state, advanced
/// through the plan. Backwards: what is still applied minus the migration being unapplied —
/// so unapplying one branch of a merged history keeps what the other branch added. One
/// forward replay of the applied set serves every step whose migration is the last one still
/// applied (the usual case); any other step replays its own set.
pub(super) fn plan_sql(
    graph: &MigrationGraph,
    applied: &BTreeSet<MigrationKey>,
    plan: &[PlanStep],
    backend: Backend,
) -> Result<Vec<Vec<OpSql>>, ExecutorError> {
    let applied_nodes: Vec<MigrationKey> = applied.iter().cloned().collect();
    if plan.iter().all(|s| !s.backwards) {
        let mut running = graph.make_state(&applied_nodes)?;
        return plan
            .iter()
            .map(|step| sql_advancing(graph, &step.key, &mut running, false, backend))
            .collect();
    }
    // Backwards (mixed plans are refused before this point).
    let position = |k: &MigrationKey| graph.position(k).unwrap_or(usize::MAX);
    // Which steps the single replay can serve: nothing after the migration is still applied
    // when it is unapplied, and nothing before it was unapplied earlier.
    let mut remaining: BTreeSet<(usize, MigrationKey)> =
        applied.iter().map(|k| (position(k), k.clone())).collect();
    let mut lowest_removed = usize::MAX;
    let mut from_replay: BTreeSet<&MigrationKey> = BTreeSet::new();
    let mut remaining_after: Vec<Vec<MigrationKey>> = Vec::with_capacity(plan.len());
    for step in plan {
        let pos = position(&step.key);
        let is_last = remaining.last().is_some_and(|(p, _)| *p == pos);
        remaining.remove(&(pos, step.key.clone()));
        if is_last && lowest_removed > pos {
            from_replay.insert(&step.key);
            remaining_after.push(Vec::new());
        } else {
            remaining_after.push(remaining.iter().map(|(_, k)| k.clone()).collect());
        }
        lowest_removed = lowest_removed.min(pos);
    }
    let mut served: BTreeMap<MigrationKey, Vec<OpSql>> = BTreeMap::new();
    let mut running = ProjectState::new();
    let mut in_order: Vec<&MigrationKey> = applied.iter().collect();
    in_order.sort_by_key(|k| position(k));
    for key in in_order {
        if from_replay.contains(key) {
            served.insert(
                key.clone(),
                sql_advancing(graph, key, &mut running, true, backend)?,
            );
        } else {
            let migration = graph
                .migration(key)
                .ok_or_else(|| GraphError::UnknownMigration(key.clone()))?;
            crate::graph::replay(&mut running, migration)?;
        }
    }
    plan.iter()
        .zip(remaining_after)
        .map(|(step, rest)| match served.remove(&step.key) {
            Some(sql) => Ok(sql),
            None => {
                let mut base = graph.make_state(&rest)?;
                sql_advancing(graph, &step.key, &mut base, true, backend)
            }
        })
        .collect()
}
