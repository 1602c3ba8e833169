//! `makemigrations --update` (Django 4.2): the new migrations of a run merged into each
//! app's latest existing migration instead of being written beside it. The latest
//! migration takes the new operations after its own, folded by the optimizer given the
//! state its ancestors build (and checked to end where the two migrations end), and the
//! new migration's dependencies; it keeps its name unless a new suffix is given (then
//! `NNNN_<suffix>`, its number kept). Refused when an app has no migration yet, when the
//! latest one is a squash, has a Rust data step, or other migrations depend on it; whether
//! it is applied on a database is the caller's to check.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::graph::{GraphError, MigrationGraph};
use crate::migration::{Migration, MigrationKey};
use crate::optimizer::{self, OptimizeError};
use crate::state::ProjectState;
use crate::writer;

/// Why the changes cannot be merged into the latest migration.
#[derive(Debug, Error)]
pub enum UpdateError {
    /// The app has no migration to update.
    #[error(
        "app `{app}` has no migration yet, so there is no latest one to update; run \
         makemigrations without --update"
    )]
    NoMigration {
        /// The app.
        app: String,
    },
    /// The latest migration is a squash.
    #[error(
        "the latest migration of `{}` is `{migration}`, a squash (it replaces other \
         migrations); squashes are not updated. Run makemigrations without --update",
        .migration.app
    )]
    Squash {
        /// The squash.
        migration: MigrationKey,
    },
    /// Other migrations depend on the latest one.
    #[error(
        "{} depend(s) on `{migration}`, which would change under them; run makemigrations \
         without --update to write a new migration instead",
        .dependents.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
    )]
    Dependents {
        /// The latest migration.
        migration: MigrationKey,
        /// The migrations that depend on it.
        dependents: Vec<MigrationKey>,
    },
    /// The merged operations cannot be optimized (a data step, a history that does not
    /// replay…).
    #[error(transparent)]
    Optimize(#[from] OptimizeError),
    /// The merged migrations do not make a valid history (a dependency cycle between apps
    /// whose latest migrations now depend on each other…).
    #[error(
        "merging the changes into the latest migrations makes an invalid history ({0}); run \
         makemigrations without --update"
    )]
    Graph(Box<GraphError>),
    /// The merged history does not end in the state the new migrations would (never
    /// expected: a guard).
    #[error(
        "merging the changes into the latest migrations would end in another state than \
         writing them apart; run makemigrations without --update (and please report this)"
    )]
    StateDiffers,
}

/// One latest migration with a run's changes merged in.
#[derive(Clone, Debug, PartialEq)]
pub struct Merged {
    /// The merged migration (possibly under a new name).
    pub migration: Migration,
    /// The migration it replaces on disk (its old name).
    pub previous: MigrationKey,
    /// The state its ancestors build.
    pub before: ProjectState,
}

/// Merges each of `new` (one new migration per app, wired into `graph`) into its app's
/// latest migration of `graph`; `suffix` renames them (`NNNN_<suffix>`).
pub fn merge_latest(
    graph: &MigrationGraph,
    new: &[Migration],
    suffix: Option<&str>,
) -> Result<Vec<Merged>, UpdateError> {
    // Each new migration's key → the key of the migration it is merged into.
    let mut renamed: BTreeMap<MigrationKey, MigrationKey> = BTreeMap::new();
    let mut latest: Vec<&Migration> = Vec::with_capacity(new.len());
    for n in new {
        let leaf = graph
            .leaf_nodes(&n.app)
            .into_iter()
            .next()
            .ok_or_else(|| UpdateError::NoMigration { app: n.app.clone() })?;
        let m = graph
            .migration(&leaf)
            .ok_or_else(|| UpdateError::NoMigration { app: n.app.clone() })?;
        if !m.replaces.is_empty() {
            return Err(UpdateError::Squash { migration: leaf });
        }
        let dependents = graph.dependents_of(&leaf);
        if !dependents.is_empty() {
            return Err(UpdateError::Dependents {
                migration: leaf,
                dependents,
            });
        }
        let name = match suffix {
            Some(suffix) => match writer::name_number(&m.name) {
                Some(n) => format!("{n:04}_{suffix}"),
                None => m.name.clone(),
            },
            None => m.name.clone(),
        };
        renamed.insert(n.key(), MigrationKey::new(&m.app, name));
        latest.push(m);
    }
    let mut merged = Vec::with_capacity(new.len());
    for (n, m) in new.iter().zip(latest) {
        let previous = m.key();
        let before = optimizer::state_before(graph, &previous)?;
        let mut target = m.clone();
        target.name = renamed[&n.key()].name.clone();
        for dep in &n.dependencies {
            let dep = renamed.get(dep).cloned().unwrap_or_else(|| dep.clone());
            if dep != previous && dep != target.key() && !target.dependencies.contains(&dep) {
                target.dependencies.push(dep);
            }
        }
        // The acknowledgement of data loss covers the operations it was given for; the
        // merged migration is judged (and acknowledged) anew.
        target.data_loss_ack = None;
        let operations = m.operations.iter().chain(&n.operations).cloned().collect();
        let migration = optimizer::fold_migration(&target, operations, &before)?;
        merged.push(Merged {
            migration,
            previous,
            before,
        });
    }
    check_history(graph, new, &merged)?;
    Ok(merged)
}

/// The history with the merged migrations in place of the latest ones is valid and ends in
/// the state the history with the new migrations beside them ends in.
fn check_history(
    graph: &MigrationGraph,
    new: &[Migration],
    merged: &[Merged],
) -> Result<(), UpdateError> {
    let graph_err = |e: GraphError| UpdateError::Graph(Box::new(e));
    let existing: Vec<Migration> = graph.migrations().cloned().collect();
    let apart =
        MigrationGraph::new(existing.iter().chain(new).cloned().collect()).map_err(graph_err)?;
    let together: Vec<Migration> = existing
        .into_iter()
        .filter(|m| !merged.iter().any(|u| u.previous == m.key()))
        .chain(merged.iter().map(|u| u.migration.clone()))
        .collect();
    let together = MigrationGraph::new(together).map_err(graph_err)?;
    if apart.project_state().map_err(graph_err)? != together.project_state().map_err(graph_err)? {
        return Err(UpdateError::StateDiffers);
    }
    Ok(())
}
