//! Targets and plans, from the migration graph and an applied set alone: resolving
//! `migrate [APP [NAME|zero]]` to a [`Target`] (unique name prefixes included), checking that
//! the applied set is a consistent history, the steps that reach a target
//! ([`migration_plan`], forwards or backwards, never both). It does not read the database
//! (`history` gives it the applied set) nor compute SQL (`sql`).

use std::collections::BTreeSet;

use crate::graph::{GraphError, MigrationGraph};
use crate::migration::MigrationKey;

use super::error::ExecutorError;
use super::types::{PlanStep, Target};

/// Resolves `migrate [APP [NAME|zero]]` against the graph. `NAME` may be a unique prefix
/// (`0002`).
pub fn resolve_target(
    graph: &MigrationGraph,
    app: Option<&str>,
    name: Option<&str>,
) -> Result<Target, ExecutorError> {
    let Some(app) = app else {
        return Ok(Target::Latest);
    };
    check_app(graph, app)?;
    match name {
        None => Ok(Target::AppLatest(app.to_owned())),
        Some("zero") => Ok(Target::Zero(app.to_owned())),
        Some(name) => resolve_name(graph, app, name).map(Target::Migration),
    }
}

fn check_app(graph: &MigrationGraph, app: &str) -> Result<(), ExecutorError> {
    let apps = graph.apps();
    if apps.iter().any(|a| a == app) {
        Ok(())
    } else {
        Err(ExecutorError::UnknownApp {
            app: app.to_owned(),
            known: apps,
        })
    }
}

/// The migration of `app` named `name`, or the only one whose name starts with `name`.
pub fn resolve_name(
    graph: &MigrationGraph,
    app: &str,
    name: &str,
) -> Result<MigrationKey, ExecutorError> {
    check_app(graph, app)?;
    let all = graph.app_migrations(app);
    if let Some(k) = all.iter().find(|k| k.name == name) {
        return Ok(k.clone());
    }
    let mut matches: Vec<&MigrationKey> = all.iter().filter(|k| k.name.starts_with(name)).collect();
    // A migration a squash replaces is a target too (a database part-way through the squash
    // uses it; `migrate` plans on the originals to reach it).
    let replaced: Vec<&MigrationKey> = graph
        .replaced()
        .keys()
        .filter(|k| k.app == app && k.name.starts_with(name))
        .collect();
    if let Some(exact) = replaced.iter().find(|k| k.name == name) {
        return Ok((*exact).clone());
    }
    matches.extend(replaced);
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(ExecutorError::UnknownMigration {
            app: app.to_owned(),
            name: name.to_owned(),
            candidates: all.iter().map(|k| k.name.clone()).collect(),
        }),
        many => Err(ExecutorError::AmbiguousMigration {
            app: app.to_owned(),
            name: name.to_owned(),
            candidates: many.iter().map(|k| k.name.clone()).collect(),
        }),
    }
}

fn single_leaf(graph: &MigrationGraph, app: &str) -> Result<Option<MigrationKey>, ExecutorError> {
    let mut leaves = graph.leaf_nodes(app);
    match leaves.len() {
        0 => Ok(None),
        1 => Ok(leaves.pop()),
        _ => Err(ExecutorError::Conflict {
            app: app.to_owned(),
            leaves: leaves.into_iter().map(|k| k.name).collect(),
        }),
    }
}

/// An applied migration (in the graph) whose in-graph dependency is not applied.
pub fn check_consistent_history(
    graph: &MigrationGraph,
    applied: &BTreeSet<MigrationKey>,
) -> Result<(), ExecutorError> {
    for key in applied {
        if graph.migration(key).is_none() {
            continue;
        }
        for dep in graph.dependencies_of(key) {
            if !applied.contains(&dep) {
                return Err(ExecutorError::InconsistentHistory {
                    migration: key.clone(),
                    dependency: dep,
                });
            }
        }
    }
    Ok(())
}

/// The steps that take the database from `applied` to `target`, in run order.
pub fn migration_plan(
    graph: &MigrationGraph,
    applied: &BTreeSet<MigrationKey>,
    target: &Target,
) -> Result<Vec<PlanStep>, ExecutorError> {
    let mut plan: Vec<PlanStep> = Vec::new();
    let push = |plan: &mut Vec<PlanStep>, key: MigrationKey, backwards: bool| {
        if !plan.iter().any(|s| s.key == key) {
            plan.push(PlanStep { key, backwards });
        }
    };
    match target {
        Target::Latest => {
            let mut leaves = Vec::new();
            for app in graph.apps() {
                leaves.extend(single_leaf(graph, &app)?);
            }
            for key in graph.forwards_plan_many(&leaves) {
                if !applied.contains(&key) {
                    push(&mut plan, key, false);
                }
            }
        }
        Target::AppLatest(app) => {
            check_app(graph, app)?;
            if let Some(leaf) = single_leaf(graph, app)? {
                for key in graph.forwards_plan(&leaf) {
                    if !applied.contains(&key) {
                        push(&mut plan, key, false);
                    }
                }
            }
        }
        Target::Migration(target) => {
            if graph.migration(target).is_none() {
                return Err(GraphError::UnknownMigration(target.clone()).into());
            }
            if applied.contains(target) {
                // Roll back to just after `target`: unapply its children in its own app and
                // everything that depends on them.
                for child in graph.dependents_of(target) {
                    if child.app != target.app {
                        continue;
                    }
                    for key in graph.backwards_plan(&child) {
                        if applied.contains(&key) {
                            push(&mut plan, key, true);
                        }
                    }
                }
            } else {
                for key in graph.forwards_plan(target) {
                    if !applied.contains(&key) {
                        push(&mut plan, key, false);
                    }
                }
            }
        }
        Target::Zero(app) => {
            check_app(graph, app)?;
            for root in graph.root_nodes(app) {
                for key in graph.backwards_plan(&root) {
                    if applied.contains(&key) {
                        push(&mut plan, key, true);
                    }
                }
            }
        }
    }
    check_plan_direction(&plan)?;
    // Several backwards plans may interleave; a dependent must always be unapplied first.
    if plan.iter().any(|s| s.backwards) {
        plan.sort_by_key(|s| std::cmp::Reverse(graph.position(&s.key)));
    }
    Ok(plan)
}

/// Refuses a plan that both applies and unapplies migrations (Django refuses them too: the
/// state between the two halves is not one any migration describes).
pub fn check_plan_direction(plan: &[PlanStep]) -> Result<(), ExecutorError> {
    let backwards = plan.iter().filter(|s| s.backwards).count();
    if backwards == 0 || backwards == plan.len() {
        return Ok(());
    }
    Err(ExecutorError::MixedPlan {
        steps: plan
            .iter()
            .map(|s| {
                if s.backwards {
                    format!("{} (unapply)", s.key)
                } else {
                    s.key.to_string()
                }
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &str, backwards: bool) -> PlanStep {
        PlanStep {
            key: MigrationKey::new("shop", name),
            backwards,
        }
    }

    #[test]
    fn mixed_plans_are_refused() {
        assert!(check_plan_direction(&[]).is_ok());
        assert!(check_plan_direction(&[step("0001", false), step("0002", false)]).is_ok());
        assert!(check_plan_direction(&[step("0002", true), step("0001", true)]).is_ok());
        let err = check_plan_direction(&[step("0003", true), step("0004", false)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("refuses mixed plans"), "{err}");
        assert!(err.contains("shop.0003 (unapply), shop.0004"), "{err}");
    }
}
