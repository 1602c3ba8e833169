//! The fixpoint loop (Django's `MigrationOptimizer.optimize_inner`, run until nothing
//! changes): each operation is compared with every later one; when a pair folds
//! ([`reduce`]) and the operations in between let the two meet — the later one moves back
//! across them (preferred: a field folded into an earlier `AddField` or `CreateModel` keeps
//! its column position) or the earlier one moves forward across them — the pair is replaced.
//!
//! Given the state before the list, the loop keeps the state before each operation as it
//! goes, hands it to the reductions that need it, and checks every rewrite before taking
//! it: the rewritten stretch must apply and end in exactly the state the original stretch
//! ends in (column order, defaults, constraint texts and all). A rewrite that fails the
//! check is not made. So `optimize_from` preserves the state by construction, whatever the
//! rules say.

use crate::operations::Operation;
use crate::state::ProjectState;

use super::reduce::{commutes, reduce, through, Reduce};

/// Folds `ops` (of `app`) to a fixpoint; `start` is the state before them, when known.
pub(super) fn fixpoint(
    app: &str,
    mut ops: Vec<Operation>,
    start: Option<&ProjectState>,
) -> Vec<Operation> {
    loop {
        let mut changed = false;
        let mut state = start.cloned();
        let mut i = 0;
        while i < ops.len() {
            if let Some((end, replacement)) = fold_at(app, &ops, i, state.as_ref()) {
                ops.splice(i..=end, replacement);
                changed = true;
                // The operation now at `i` may fold again; the state before it is unchanged.
                continue;
            }
            if let Some(s) = &mut state {
                if ops[i].state_forwards(app, s).is_err() {
                    // The list does not apply to the given state: go on without it.
                    state = None;
                }
            }
            i += 1;
        }
        if !changed {
            return ops;
        }
    }
}

/// The first fold of `ops[i]` with a later operation: the index of that operation and what
/// `ops[i..=end]` becomes. `before` is the state before `ops[i]`, when known.
fn fold_at(
    app: &str,
    ops: &[Operation],
    i: usize,
    before: Option<&ProjectState>,
) -> Option<(usize, Vec<Operation>)> {
    let op = &ops[i];
    if let Some(before) = before {
        if is_noop(app, op, before) {
            return Some((i, Vec::new()));
        }
    }
    let mut right = true;
    for (j, other) in ops.iter().enumerate().skip(i + 1) {
        match reduce(app, op, other, before) {
            Reduce::Replace(result) => {
                let between = &ops[i + 1..j];
                let window = &ops[i..=j];
                // Left: `other` moves back across `between`, the result takes `op`'s place.
                // With the state, Django's one-way rule (nothing in between is referenced by
                // `other`) is enough: the rewrite is verified against the state below. A
                // field change then folds into its `CreateModel` across the creation of
                // models whose foreign keys point at it — what squashing a long history
                // needs. Without the state, both ways are asked.
                let crosses = |b: &Operation| match before {
                    Some(_) => through(app, b, other),
                    None => commutes(app, b, other),
                };
                if between.iter().all(crosses) {
                    let candidate: Vec<Operation> = result.iter().chain(between).cloned().collect();
                    if verified(app, before, window, &candidate) {
                        return Some((j, candidate));
                    }
                }
                // Right: `op` moves forward across `between`, the result takes `other`'s place.
                if right {
                    let candidate: Vec<Operation> =
                        between.iter().chain(&result).cloned().collect();
                    if verified(app, before, window, &candidate) {
                        return Some((j, candidate));
                    }
                }
                if !right {
                    // Django's rule: nothing further can meet `op` either.
                    return None;
                }
                // The pair folds but not here: they depend on each other.
                right = false;
            }
            Reduce::Through => {
                if !commutes(app, op, other) {
                    right = false;
                }
            }
            Reduce::Block => right = false,
        }
    }
    None
}

/// True when `candidate` may replace `window`: without a state, always (the rules alone
/// decide); with one, when both apply to it and end in the same state.
fn verified(
    app: &str,
    before: Option<&ProjectState>,
    window: &[Operation],
    candidate: &[Operation],
) -> bool {
    let Some(before) = before else {
        return true;
    };
    let replay = |ops: &[Operation]| {
        let mut state = before.clone();
        ops.iter()
            .try_for_each(|op| op.state_forwards(app, &mut state))
            .ok()
            .map(|()| state)
    };
    match (replay(window), replay(candidate)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// True when `op` changes nothing in `before` (an alteration to what is already there, a
/// rename to the same name). Only decided with the state.
fn is_noop(app: &str, op: &Operation, before: &ProjectState) -> bool {
    use Operation as O;
    let same = match op {
        O::AlterField(a) => before
            .model(app, &a.model)
            .and_then(|m| m.field(&a.name))
            .is_some_and(|f| {
                *f == a.state_field() && (a.preserve_default || a.field.default.is_none())
            }),
        O::AlterModelTable(t) => before
            .model(app, &t.name)
            .is_some_and(|m| m.table == t.table),
        O::AlterModelComment(c) => before
            .model(app, &c.name)
            .is_some_and(|m| m.comment == c.comment),
        O::RenameField(r) => r.old_name == r.new_name,
        O::RenameModel(r) => r.old_name == r.new_name,
        O::RenameIndex(r) => r.old_name == r.new_name,
        _ => false,
    };
    if !same {
        return false;
    }
    let mut after = before.clone();
    op.state_forwards(app, &mut after).is_ok() && after == *before
}
