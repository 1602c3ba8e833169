//! One migration of a history, optimized (`optimizemigration`, `makemigrations --update`):
//! its operations folded with [`optimize_from`](super::optimize_from) given the state its
//! ancestors build, and the result checked to end in the same state. What it refuses, and
//! why, is [`OptimizeError`]. Nothing here writes a file or reads a database.

use thiserror::Error;

use crate::graph::{GraphError, MigrationGraph};
use crate::migration::{Migration, MigrationKey};
use crate::operations::{Operation, StateError};
use crate::state::ProjectState;

/// A migration and the same migration with its operations folded.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizedMigration {
    /// The migration as it is.
    pub original: Migration,
    /// The same migration (name, dependencies, flags) with the folded operations.
    pub optimized: Migration,
}

impl OptimizedMigration {
    /// True when folding changed the operations.
    pub fn changed(&self) -> bool {
        self.original.operations != self.optimized.operations
    }
}

/// Why a migration cannot be optimized.
#[derive(Debug, Error)]
pub enum OptimizeError {
    /// The migration is not in the history.
    #[error("migration `{0}` is not known; check the app label and the migration name")]
    Unknown(MigrationKey),
    /// A `RunRust` step's functions live in the migration's file, which a rewrite from the
    /// migration's data cannot carry.
    #[error(
        "migration `{migration}` has the Rust data step `{step}`, whose functions live in its \
         file; a rewritten file could not carry them, so it is left as it is. Move the data \
         step into a migration of its own (`makemigrations --empty`) and optimize the rest, \
         or fold the operations by hand"
    )]
    DataStep {
        /// The migration.
        migration: MigrationKey,
        /// The step's name.
        step: String,
    },
    /// The migrations before it do not replay.
    #[error("the history before `{migration}` does not replay: {source}")]
    History {
        /// The migration.
        migration: MigrationKey,
        /// What failed.
        source: Box<GraphError>,
    },
    /// Its own operations do not apply to the state its ancestors build.
    #[error(
        "migration `{migration}` does not apply to the state the migrations before it build \
         (`{operation}`: {source}); fix the migration first"
    )]
    DoesNotApply {
        /// The migration.
        migration: MigrationKey,
        /// The operation that fails.
        operation: String,
        /// Why.
        source: Box<StateError>,
    },
    /// The folded operations would end in another state (never expected: a guard).
    #[error(
        "the optimized operations of `{migration}` would end in another state than its own \
         ({difference}), so nothing was changed; please report this"
    )]
    NotEquivalent {
        /// The migration.
        migration: MigrationKey,
        /// The first difference, in words.
        difference: String,
    },
}

/// The state the ancestors of `key` build (everything it depends on, not itself).
pub fn state_before(
    graph: &MigrationGraph,
    key: &MigrationKey,
) -> Result<ProjectState, OptimizeError> {
    if !graph.contains(key) {
        return Err(OptimizeError::Unknown(key.clone()));
    }
    let ancestors: Vec<MigrationKey> = graph
        .forwards_plan(key)
        .into_iter()
        .filter(|k| k != key)
        .collect();
    graph
        .make_state(&ancestors)
        .map_err(|source| OptimizeError::History {
            migration: key.clone(),
            source: Box::new(source),
        })
}

/// `migration` with `operations` in place of its own, folded given `before` (the state its
/// ancestors build) and checked: the result must end where `operations` end.
pub fn fold_migration(
    migration: &Migration,
    operations: Vec<Operation>,
    before: &ProjectState,
) -> Result<Migration, OptimizeError> {
    let key = migration.key();
    if let Some(step) = operations.iter().find_map(|op| match op {
        Operation::RunRust(r) => Some(r.name),
        _ => None,
    }) {
        return Err(OptimizeError::DataStep {
            migration: key,
            step: step.to_owned(),
        });
    }
    let replay = |ops: &[Operation]| {
        let mut state = before.clone();
        for op in ops {
            op.state_forwards(&migration.app, &mut state)
                .map_err(|source| OptimizeError::DoesNotApply {
                    migration: key.clone(),
                    operation: op.describe(),
                    source: Box::new(source),
                })?;
        }
        Ok::<_, OptimizeError>(state)
    };
    let expected = replay(&operations)?;
    let folded = super::optimize_from(&migration.app, operations, before);
    let got = replay(&folded)?;
    if got != expected {
        let difference = first_difference(&expected, &got);
        return Err(OptimizeError::NotEquivalent {
            migration: key,
            difference,
        });
    }
    let mut optimized = migration.clone();
    optimized.operations = folded;
    Ok(optimized)
}

/// Migration `key` of `graph`, optimized (`optimizemigration`).
pub fn optimize_migration(
    graph: &MigrationGraph,
    key: &MigrationKey,
) -> Result<OptimizedMigration, OptimizeError> {
    let before = state_before(graph, key)?;
    let original = graph
        .migration(key)
        .ok_or_else(|| OptimizeError::Unknown(key.clone()))?
        .clone();
    let optimized = fold_migration(&original, original.operations.clone(), &before)?;
    Ok(OptimizedMigration {
        original,
        optimized,
    })
}

fn first_difference(expected: &ProjectState, got: &ProjectState) -> String {
    let a = expected.canonical_text();
    let b = got.canonical_text();
    let line = a.lines().zip(b.lines()).find(|(x, y)| x != y).map_or_else(
        || "one has more models or fields".to_owned(),
        |(x, y)| format!("`{x}` became `{y}`"),
    );
    line
}
