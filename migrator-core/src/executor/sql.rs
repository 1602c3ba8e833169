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
use crate::operations::{Operation, StateError};
use crate::state::{ModelKey, ModelState, ProjectState};

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
    sql_advancing(graph, key, &mut state, &mut None, backwards, backend)
}

/// The models an operation reads or changes, by key, in the state it applies to and the one
/// it produces (one key when the operation does not rename its model).
fn touched_models(app: &str, op: &Operation) -> Vec<ModelKey> {
    let mut keys: Vec<ModelKey> = op
        .model_name()
        .into_iter()
        .chain(op.model_name_after())
        .map(|n| ModelKey::new(app, n))
        .collect();
    keys.dedup();
    keys
}

/// Which models point at which in a schema state (a field's or a multi-column constraint's
/// foreign key, a model pointing at itself included), kept current while the state advances
/// through a plan: finding the models that point at an operation's model is then a lookup,
/// not a scan of every model of the project per operation (on a large history that scan was
/// most of the CPU a plan's SQL took).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Referrers {
    /// Target → the models with a foreign key to it.
    by_target: BTreeMap<ModelKey, BTreeSet<ModelKey>>,
    /// Model → the targets of its foreign keys, as last read (to undo on a refresh).
    targets: BTreeMap<ModelKey, BTreeSet<ModelKey>>,
}

impl Referrers {
    /// The references of every model of `state`.
    pub(super) fn of(state: &ProjectState) -> Self {
        let mut referrers = Self::default();
        for key in state.models.keys() {
            referrers.refresh_model(state, key);
        }
        referrers
    }

    /// Reads again the references of `key` (gone when `state` has no such model).
    fn refresh_model(&mut self, state: &ProjectState, key: &ModelKey) {
        for target in self.targets.remove(key).unwrap_or_default() {
            if let Some(set) = self.by_target.get_mut(&target) {
                set.remove(key);
                if set.is_empty() {
                    self.by_target.remove(&target);
                }
            }
        }
        let Some(model) = state.models.get(key) else {
            return;
        };
        let targets: BTreeSet<ModelKey> =
            model.foreign_key_targets().map(|fk| fk.target()).collect();
        for target in &targets {
            self.by_target
                .entry(target.clone())
                .or_default()
                .insert(key.clone());
        }
        if !targets.is_empty() {
            self.targets.insert(key.clone(), targets);
        }
    }

    /// The models with a foreign key to `key`.
    fn of_target<'a>(&'a self, key: &ModelKey) -> impl Iterator<Item = &'a ModelKey> + 'a {
        self.by_target.get(key).into_iter().flatten()
    }
}

/// The part of `state` an operation on `keys` can need: those models, the models pointing
/// at them, and every model either of those points at. Schema editors look no further (a
/// rebuild touches the table and the tables referencing it), so cloning this neighbourhood
/// instead of the whole project keeps computing a plan's SQL linear in its size.
/// `referrers` describes `state`.
fn neighbourhood(state: &ProjectState, keys: &[ModelKey], referrers: &Referrers) -> ProjectState {
    let model = |k: &ModelKey| state.models.get_key_value(k);
    let wanted: BTreeMap<&ModelKey, &ModelState> = keys
        .iter()
        .flat_map(|k| {
            model(k)
                .into_iter()
                .chain(referrers.of_target(k).filter_map(model))
        })
        .collect();
    let mut part = ProjectState::new();
    for m in wanted.values() {
        for fk in m.foreign_key_targets() {
            match model(&fk.target()) {
                Some((k, target)) if !wanted.contains_key(k) && !part.models.contains_key(k) => {
                    part.models.insert(k.clone(), target.clone());
                }
                _ => {}
            }
        }
    }
    for (k, m) in wanted {
        part.models.insert(k.clone(), m.clone());
    }
    part
}

/// Applies `op` of `app` to `state`, returning the part of the state the operation's SQL
/// needs before and after it (its neighbourhood, or the whole state for an operation that
/// asks for it). `referrers` describes `state` (read from it when `None`) and is kept current
/// with it.
fn around(
    app: &str,
    op: &Operation,
    state: &mut ProjectState,
    referrers: &mut Option<Referrers>,
) -> Result<(ProjectState, ProjectState), StateError> {
    let keys = touched_models(app, op);
    let whole = op.kind().needs_whole_state();
    let index = referrers.get_or_insert_with(|| Referrers::of(state));
    let before = if whole {
        state.clone()
    } else {
        neighbourhood(state, &keys, index)
    };
    // What the operation can change: its model and the models pointing at it (a rename
    // rewrites their keys). An operation naming no model, or one that needs the whole state,
    // may change anything: the references are read again after it.
    let changeable: Option<BTreeSet<ModelKey>> = (!whole && !keys.is_empty()).then(|| {
        keys.iter()
            .flat_map(|k| index.of_target(k).cloned().chain([k.clone()]))
            .collect()
    });
    op.state_forwards(app, state)?;
    let index = match changeable {
        Some(models) => {
            for model in &models {
                index.refresh_model(state, model);
            }
            index
        }
        None => referrers.insert(Referrers::of(state)),
    };
    let after = if whole {
        state.clone()
    } else {
        neighbourhood(state, &keys, index)
    };
    Ok((before, after))
}

/// The SQL of every operation of `key`, computed while `state` (the schema without the
/// migration) advances through its operations: on return `state` includes the migration.
/// Each operation's SQL comes from the neighbourhood of its models before and after it.
/// `referrers` describes `state` (read from it when `None`) and is kept current with it.
fn sql_advancing(
    graph: &MigrationGraph,
    key: &MigrationKey,
    state: &mut ProjectState,
    referrers: &mut Option<Referrers>,
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
        let (before, after) =
            around(app, op, state, referrers).map_err(|source| ExecutorError::State {
                migration: key.clone(),
                number: index + 1,
                description: op.describe(),
                source: Box::new(source),
            })?;
        steps.push((index, op, before, after));
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
        let mut referrers = None;
        return plan
            .iter()
            .map(|step| {
                sql_advancing(
                    graph,
                    &step.key,
                    &mut running,
                    &mut referrers,
                    false,
                    backend,
                )
            })
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
    // Kept by the steps the replay serves; a migration replayed without its SQL drops it.
    let mut referrers = None;
    let mut in_order: Vec<&MigrationKey> = applied.iter().collect();
    in_order.sort_by_key(|k| position(k));
    for key in in_order {
        if from_replay.contains(key) {
            served.insert(
                key.clone(),
                sql_advancing(graph, key, &mut running, &mut referrers, true, backend)?,
            );
        } else {
            let migration = graph
                .migration(key)
                .ok_or_else(|| GraphError::UnknownMigration(key.clone()))?;
            crate::graph::replay(&mut running, migration)?;
            referrers = None;
        }
    }
    plan.iter()
        .zip(remaining_after)
        .map(|(step, rest)| match served.remove(&step.key) {
            Some(sql) => Ok(sql),
            None => {
                let mut base = graph.make_state(&rest)?;
                sql_advancing(graph, &step.key, &mut base, &mut None, true, backend)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field_type::ColumnType;
    use crate::migration::prelude::*;
    use crate::state::{ForeignKey, OnDelete};

    /// The neighbourhood as it was found before [`Referrers`]: every model of the state asked
    /// whether it points at one of `keys`.
    fn neighbourhood_by_scan(state: &ProjectState, keys: &[ModelKey]) -> ProjectState {
        let mut wanted: BTreeSet<ModelKey> = keys
            .iter()
            .filter(|k| state.models.contains_key(*k))
            .cloned()
            .collect();
        for model in state.models.values() {
            if keys.iter().any(|k| model.references(k)) {
                wanted.insert(model.key());
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
            part.models.insert(key.clone(), state.models[&key].clone());
        }
        part
    }

    fn id() -> crate::state::FieldState {
        field("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment()
    }

    fn fk(name: &str, to: &str) -> crate::state::FieldState {
        field(name, ColumnType::BigInt)
            .column(format!("{name}_id"))
            .foreign_key(ForeignKey::new("shop", to, OnDelete::Cascade))
    }

    #[test]
    fn referrers_kept_while_advancing_equal_those_read_anew_and_give_the_scanned_neighbourhood() {
        let ops: Vec<Operation> = vec![
            create_model("Author", "authors").field(id()).into(),
            create_model("Book", "books")
                .field(id())
                .field(fk("author", "Author"))
                .into(),
            create_model("Shelf", "shelves")
                .field(id())
                .field(fk("book", "Book"))
                .field(fk("parent", "Shelf"))
                .into(),
            // A rename rewrites the keys pointing at the model, in other models.
            rename_model("Author", "Writer"),
            add_field("Writer", fk("mentor", "Writer")).into(),
            add_field("Writer", fk("favourite", "Book")).into(),
            rename_field("Book", "author", "writer"),
            alter_field(
                "Book",
                field("writer", ColumnType::BigInt).column("author_id"),
            )
            .into(),
            remove_field("Shelf", "book"),
            remove_field("Writer", "favourite"),
            // Naming no model: the references are read again.
            run_sql(["SELECT 1"]).into(),
            rename_model("Shelf", "Rack"),
            delete_model("Rack"),
            delete_model("Book"),
        ];
        let mut state = ProjectState::new();
        let mut referrers = None;
        for op in &ops {
            let keys = touched_models("shop", op);
            let scanned_before = neighbourhood_by_scan(&state, &keys);
            let (before, after) = around("shop", op, &mut state, &mut referrers)
                .unwrap_or_else(|e| panic!("{}: {e}", op.describe()));
            assert_eq!(before, scanned_before, "before {}", op.describe());
            assert_eq!(
                after,
                neighbourhood_by_scan(&state, &keys),
                "after {}",
                op.describe()
            );
            assert_eq!(
                referrers.as_ref(),
                Some(&Referrers::of(&state)),
                "after {}",
                op.describe()
            );
        }
        let writer = ModelKey::new("shop", "Writer");
        assert!(state.models.contains_key(&writer));
        assert_eq!(state.models.len(), 1);
        // Writer points at itself (mentor), and nothing else is left to point at it.
        let index = referrers.unwrap();
        assert_eq!(index.of_target(&writer).collect::<Vec<_>>(), vec![&writer]);
    }
}
