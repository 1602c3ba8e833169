//! Property test of the makemigrations fixpoint: random histories of model edits (fields,
//! models, foreign keys across two apps, indexes, constraints, renames with and without hints)
//! are detected step by step; after every step the migrations replayed from empty must rebuild
//! exactly the current models, and a second detection must find nothing.
//!
//! Cases: proptest's default (256), raised with `PROPTEST_CASES`.

mod history_support;
mod sqlite_support;

use history_support::{edit, replay, run_history, seed_rows, APPS};
use migrator_core::backend::Backend;
use migrator_core::executor;
use migrator_core::graph::MigrationGraph;
use migrator_core::optimizer::optimize;
use migrator_core::{Migration, Operation, ProjectState};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn makemigrations_reaches_a_fixpoint(
        steps in proptest::collection::vec(proptest::collection::vec(edit(), 1..4), 1..10)
    ) {
        run_history(&APPS, false, steps)?;
    }

    /// Squashing: one app's whole history optimized as one list replays to the same state.
    #[test]
    fn optimizer_preserves_the_replayed_state(
        steps in proptest::collection::vec(proptest::collection::vec(edit(), 1..4), 1..10)
    ) {
        let history = run_history(&["shop"], false, steps)?;
        let all: Vec<Operation> = history.iter().flat_map(|m| m.operations.clone()).collect();
        let expected = replay(&history);
        let optimized = optimize("shop", all.clone());
        prop_assert!(optimized.len() <= all.len());
        let mut squashed = Migration::new("shop", "0001_squashed");
        squashed.operations = optimized;
        let got = replay(std::slice::from_ref(&squashed));
        prop_assert_eq!(
            &got,
            &expected,
            "optimized:\n{:#?}\nfrom:\n{:#?}",
            squashed.operations,
            all
        );
        // A fixpoint: optimizing again changes nothing.
        prop_assert_eq!(optimize("shop", squashed.operations.clone()), squashed.operations);
    }
}

proptest! {
    // A real database per case: a quarter of the cases (64 by default).
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        cases: ProptestConfig::default().cases.div_ceil(4),
        ..ProptestConfig::default()
    })]

    /// Every detected migration also applies to a real SQLite database holding a row in every
    /// table, with the SQL `migrate` runs (the executor's, from the state the database is in:
    /// consecutive operations on one table folded into one rebuild): the SQL runs, foreign
    /// keys stay valid, rows survive, and the introspected schema matches the replayed state.
    #[test]
    fn detected_migrations_apply_to_sqlite(
        steps in proptest::collection::vec(proptest::collection::vec(edit(), 1..4), 1..8)
    ) {
        let history = run_history(&APPS, true, steps)?;
        let graph = MigrationGraph::new(history.clone())
            .map_err(|e| TestCaseError::fail(format!("graph: {e}")))?;
        let (_dir, mut conn) = sqlite_support::temp_db();
        let mut state = ProjectState::new();
        for m in &history {
            let before_migration = state.clone();
            let ops = executor::sql_for_migration_from(&graph, &m.key(), state.clone(), false, Backend::Sqlite)
                .map_err(|e| TestCaseError::fail(format!("{}.{}: {e}", m.app, m.name)))?;
            for op in &m.operations {
                op.state_forwards(&m.app, &mut state).expect("replays");
            }
            let sql: Vec<String> = ops.into_iter().flat_map(|op| op.statements).collect();
            sqlite_support::run(&mut conn, &sql);
            sqlite_support::assert_schema(&mut conn, &state);
            for (key, model) in &state.models {
                if before_migration.models.contains_key(key) {
                    let key: Vec<String> =
                        model.primary_key().map(|f| format!("\"{}\"", f.column)).collect();
                    let key = key.join(", ");
                    let rows = sqlite_support::rows(&mut conn, &model.table, &key, &key);
                    prop_assert_eq!(rows.len(), 1, "the row of `{}` survives {}.{}", key, m.app, m.name);
                }
            }
            seed_rows(&mut conn, &state);
        }
    }
}
