//! Cross-app dependencies of the new migrations: [`wire_dependencies`] turns what the
//! detector recorded (hard needs of new migrations, existing foreign-key targets, the soft
//! "delete after they stop pointing at it" order) into each app's `depends_on_apps` /
//! `depends_on_previous`, refusing cycles; [`add_history_dependencies`] adds what only the
//! migration history knows.

use std::collections::{BTreeMap, BTreeSet};

use crate::graph::MigrationGraph;
use crate::operations::{AddField, AlterField, Operation};
use crate::state::{ConstraintState, FieldState};

use super::result::{AppChanges, DetectError};

/// Adds the dependencies that the migration *history* asks for beyond what [`detect`](super::detect) sees in
/// the current state: when an app's new migration renames, deletes or re-tables a model, it
/// must also come after every existing migration of another app that ever pointed a foreign
/// key at that model (under any name the app's history gave it), even if a later migration of
/// that app dropped the key. Otherwise the
/// full plan may replay (and, on a fresh database, run) that old migration after the model is
/// gone. Such an app goes into `depends_on_previous` when it gets a new migration in this run
/// (its leaf before this run; no cycle can form), else into `depends_on_apps` (its leaf).
pub fn add_history_dependencies(
    changes: &mut BTreeMap<String, AppChanges>,
    graph: &MigrationGraph,
) {
    let changed: BTreeSet<String> = changes.keys().cloned().collect();
    for (app, ch) in changes.iter_mut() {
        let mut moved: BTreeSet<&str> = ch
            .operations
            .iter()
            .filter_map(|op| match op {
                Operation::RenameModel(o) => Some(o.old_name.as_str()),
                Operation::DeleteModel(o) => Some(o.name.as_str()),
                Operation::AlterModelTable(o) => Some(o.name.as_str()),
                _ => None,
            })
            .collect();
        if moved.is_empty() {
            continue;
        }
        // A key made to the model before an earlier rename names it as it was then: every
        // name the app's history gave it counts (a reused name only adds an order).
        let renames: Vec<(&str, &str)> = graph
            .migrations()
            .filter(|m| m.app == *app)
            .flat_map(|m| &m.operations)
            .filter_map(|op| match op {
                Operation::RenameModel(o) => Some((o.old_name.as_str(), o.new_name.as_str())),
                _ => None,
            })
            .collect();
        loop {
            let before = moved.len();
            for (old, new) in &renames {
                if moved.contains(new) {
                    moved.insert(old);
                }
            }
            if moved.len() == before {
                break;
            }
        }
        let points_at_moved = |f: &FieldState| {
            f.foreign_key
                .as_ref()
                .is_some_and(|fk| fk.app == *app && moved.contains(fk.model.as_str()))
        };
        let constraint_points_at_moved = |c: &ConstraintState| {
            c.kind
                .foreign_key()
                .is_some_and(|fk| fk.app == *app && moved.contains(fk.model.as_str()))
        };
        let referencing: BTreeSet<String> = graph
            .migrations()
            .filter(|m| m.app != *app)
            .filter(|m| {
                m.operations.iter().any(|op| match op {
                    Operation::CreateModel(c) => {
                        c.fields.iter().any(points_at_moved)
                            || c.constraints.iter().any(constraint_points_at_moved)
                    }
                    Operation::AddConstraint(a) => constraint_points_at_moved(&a.constraint),
                    Operation::AddField(AddField { field, .. })
                    | Operation::AlterField(AlterField { field, .. }) => points_at_moved(field),
                    _ => false,
                })
            })
            .map(|m| m.app.clone())
            .collect();
        for other in referencing {
            if ch.depends_on_apps.contains(&other) {
                continue;
            }
            if changed.contains(&other) {
                ch.depends_on_previous.insert(other);
            } else {
                ch.depends_on_apps.insert(other);
            }
        }
    }
}

/// app → the apps it needs.
pub(super) type AppGraph = BTreeMap<String, BTreeSet<String>>;

/// True when `to` can be reached from `from` following `deps`.
fn reaches(deps: &AppGraph, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(a) = stack.pop() {
        if a == to {
            return true;
        }
        if seen.insert(a.clone()) {
            stack.extend(deps.get(&a).into_iter().flatten().cloned());
        }
    }
    false
}

/// Fills `depends_on_apps` / `depends_on_previous`: hard needs of new migrations (a cycle is an
/// error), existing foreign-key targets, and the delete-after-unreference ordering (an error
/// too where it closes a cycle).
pub(super) fn wire_dependencies(
    out: &mut BTreeMap<String, AppChanges>,
    needs_new: &AppGraph,
    needs_existing: &AppGraph,
    soft: &AppGraph,
) -> Result<(), DetectError> {
    let changed: BTreeSet<String> = out.keys().cloned().collect();
    let mut graph: AppGraph = BTreeMap::new();
    for (app, deps) in needs_new {
        if !changed.contains(app) {
            continue;
        }
        for d in deps.iter().filter(|d| *d != app && changed.contains(*d)) {
            graph.entry(app.clone()).or_default().insert(d.clone());
        }
    }
    for app in &changed {
        if let Some(deps) = graph.get(app) {
            for d in deps {
                if reaches(&graph, d, app) {
                    let mut apps: Vec<String> = changed
                        .iter()
                        .filter(|a| reaches(&graph, a, app) && reaches(&graph, app, a))
                        .cloned()
                        .collect();
                    apps.sort();
                    return Err(DetectError::CrossAppCycle { apps });
                }
            }
        }
    }
    for (app, deps) in soft {
        if !changed.contains(app) {
            continue;
        }
        for d in deps.iter().filter(|d| *d != app && changed.contains(*d)) {
            // A deleted model cannot go before the foreign keys to it (a state error on
            // replay), so an order that closes a cycle is refused, not skipped.
            if reaches(&graph, d, app) {
                return Err(DetectError::DeleteCycle {
                    app: app.clone(),
                    waits_for: d.clone(),
                });
            }
            graph.entry(app.clone()).or_default().insert(d.clone());
        }
    }
    for (app, ch) in out.iter_mut() {
        ch.depends_on_apps = graph.get(app).cloned().unwrap_or_default();
        for d in needs_existing.get(app).into_iter().flatten() {
            if d == app || ch.depends_on_apps.contains(d) {
                continue;
            }
            if changed.contains(d) {
                ch.depends_on_previous.insert(d.clone());
            } else {
                ch.depends_on_apps.insert(d.clone());
            }
        }
    }
    Ok(())
}
