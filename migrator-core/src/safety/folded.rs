//! What a backend that folds a migration's operations (`Backend::fold`: on SQLite, the
//! operations on one table become one rebuild) really runs, in the classification: each
//! operation judged alone says "rebuilds table t", but `migrate` rebuilds t once for the
//! whole run. [`apply_folds`] asks the backend for the runs exactly as the executor does
//! (`executor/sql.rs`) and rewrites the findings: the run's operations lose that backend's
//! rewrite/lock findings (their statements are replaced by the run's), and the operation
//! that carries the run gets one finding naming the table and every operation folded into it.

use crate::backend::fold::Planned;
use crate::backend::record::ChangeRecorder;
use crate::backend::{Backend, ALL};
use crate::operations::Operation;
use crate::state::ProjectState;

use super::hazard::{Hazard, HazardKind, OperationHazards};

/// One operation of a migration in run order (backwards, the last operation first).
struct RunStep<'a> {
    /// Its position in the findings being rewritten.
    pub position: usize,
    /// The operation.
    pub op: &'a Operation,
    /// The state before it (in file order).
    pub before: &'a ProjectState,
    /// The state after it (in file order).
    pub after: &'a ProjectState,
}

/// Rewrites the rewrite/lock findings of `found` (one entry per operation, in file order) for
/// each backend of `backends` that folds, when the migration is `atomic` (the executor folds
/// only those) and has two operations or more. `states` holds the states before and after
/// each of `operations` (in file order; it may stop early, where replay failed); `backwards`
/// runs them last to first, and they fold in that order.
pub(super) fn apply_folds(
    app: &str,
    atomic: bool,
    (states, operations): (&[(ProjectState, ProjectState)], &[Operation]),
    backwards: bool,
    backends: &[Backend],
    found: &mut [OperationHazards],
) {
    if !atomic {
        return;
    }
    let mut steps: Vec<RunStep<'_>> = states
        .iter()
        .zip(operations)
        .enumerate()
        .map(|(position, ((before, after), op))| RunStep {
            position,
            op,
            before,
            after,
        })
        .collect();
    if backwards {
        steps.reverse();
    }
    if steps.len() < 2 {
        return;
    }
    for &backend in backends.iter().filter(|b| b.folds()) {
        if let Some(runs) = runs(app, &steps, backwards, backend) {
            for (table, members) in runs {
                rewrite(backend, &table, &members, found);
            }
        }
    }
}

/// The folded runs of `steps` on `backend`: each run's table and its members' positions in
/// run order. `None` when an operation's SQL cannot be computed (the classification reports
/// nothing about folding then; `migrate` would stop at that operation anyway).
fn runs(
    app: &str,
    steps: &[RunStep<'_>],
    backwards: bool,
    backend: Backend,
) -> Option<Vec<(String, Vec<usize>)>> {
    let editor = backend.editor().ok()?;
    let mut changes = Vec::with_capacity(steps.len());
    let mut statements = Vec::with_capacity(steps.len());
    for s in steps {
        let kind = s.op.kind();
        // The operations the executor lets take part (`executor/sql.rs::fold`).
        let plain = kind.atomic()
            && !kind.verbatim_sql()
            && !kind.separates_state()
            && kind.rust_step(backwards).is_none();
        let (sql, recorded) = if backwards {
            let recorder = ChangeRecorder::default();
            let recorded = plain
                .then(|| s.op.database_backwards(app, &recorder, s.before, s.after))
                .transpose()
                .ok()?;
            (
                s.op.database_backwards(app, &*editor, s.before, s.after),
                recorded.map(|_| recorder.into_changes()),
            )
        } else {
            let recorder = ChangeRecorder::default();
            let recorded = plain
                .then(|| s.op.database_forwards(app, &recorder, s.before, s.after))
                .transpose()
                .ok()?;
            (
                s.op.database_forwards(app, &*editor, s.before, s.after),
                recorded.map(|_| recorder.into_changes()),
            )
        };
        statements.push(sql.ok()?);
        changes.push(recorded);
    }
    let planned: Vec<Planned<'_>> = steps
        .iter()
        .zip(&changes)
        .zip(&statements)
        .map(|((s, changes), statements)| {
            let (from, to) = if backwards {
                (s.after, s.before)
            } else {
                (s.before, s.after)
            };
            Planned {
                changes: changes.as_deref(),
                from,
                to,
                statements,
            }
        })
        .collect();
    let folded = backend.fold(app, &planned).ok()?;
    Some(
        folded
            .into_iter()
            .filter_map(|run| {
                let first = *run.ops.first()?;
                let change = changes[first].as_ref()?.first()?;
                let table = planned[first]
                    .from
                    .model(app, change.model())?
                    .table
                    .clone();
                let members = run.ops.iter().map(|&i| steps[i].position).collect();
                Some((table, members))
            })
            .collect(),
    )
}

/// `backend`'s rewrite/lock findings leave the run's operations; the last of them (the one
/// that runs the rebuild) gets the run's finding.
fn rewrite(backend: Backend, table: &str, members: &[usize], found: &mut [OperationHazards]) {
    let mut numbered: Vec<usize> = members.to_vec();
    numbered.sort_unstable();
    let operations: Vec<String> = numbered
        .iter()
        .filter_map(|&p| found.get(p))
        .map(|o| format!("{} ({})", o.index + 1, o.description))
        .collect();
    let Some(message) = backend.folded_cost(table, &operations.join(", ")) else {
        return;
    };
    for &p in members {
        let Some(op) = found.get_mut(p) else { continue };
        op.hazards.retain_mut(|h| {
            if h.kind != HazardKind::RewriteLock {
                return true;
            }
            if h.backends.is_empty() {
                h.backends = ALL.iter().copied().filter(|b| *b != backend).collect();
                return true;
            }
            let had = h.backends.len();
            h.backends.retain(|b| *b != backend);
            h.backends.len() == had || !h.backends.is_empty()
        });
    }
    if let Some(carrier) = members.last().and_then(|&p| found.get_mut(p)) {
        carrier.hazards.push(Hazard {
            kind: HazardKind::RewriteLock,
            backends: vec![backend],
            message,
        });
        carrier.hazards.sort_by_key(|h| h.kind);
    }
}
