//! [`MigrationTest`]: testing one migration the way it runs in production
//! (django-test-migrations' `Migrator`): take the database to the state just before the
//! migration, put rows in, migrate forwards across it, look at the rows, migrate backwards,
//! look again. Migrating is the executor's; this module only picks the targets and checks that
//! each step really crossed the migration.

use std::sync::Arc;

use crate::backend::DbConnection;
use crate::executor::{self, MigrateOptions, MigrateReport, Target};
use crate::graph::MigrationGraph;
use crate::migration::MigrationKey;
use crate::state::ProjectState;

use super::error::TestingError;
use super::target::{embedded_graph, resolve_migration};

/// One migration under test, with the target just before it.
///
/// ```ignore
/// #[migrator_core::test(migrate_to = "orders.0003_order_item_count")]
/// fn fills_item_counts(conn: &mut DbConnection) {
///     let test = MigrationTest::new("orders.0004_fill_order_item_counts").unwrap();
///     test.migrate_before(conn).unwrap(); // already there: nothing runs
///     // insert rows as the schema before the migration has them …
///     test.migrate_forwards(conn).unwrap();
///     // assert on what the migration did …
///     test.migrate_backwards(conn).unwrap();
///     // assert on what undoing it did …
/// }
/// ```
#[derive(Clone, Debug)]
pub struct MigrationTest {
    graph: Arc<MigrationGraph>,
    migration: MigrationKey,
    before: Target,
}

impl MigrationTest {
    /// The migration `"app.name"` (or a unique prefix, `"app.0004"`) of the migrations
    /// embedded in this binary.
    pub fn new(migration: &str) -> Result<Self, TestingError> {
        Self::with_graph(embedded_graph()?, migration)
    }

    /// The migration `"app.name"` of `graph`.
    pub fn with_graph(graph: Arc<MigrationGraph>, migration: &str) -> Result<Self, TestingError> {
        let key = resolve_migration(&graph, migration)?;
        let parents: Vec<MigrationKey> = graph
            .dependencies_of(&key)
            .into_iter()
            .filter(|d| d.app == key.app)
            .collect();
        let before = match parents.as_slice() {
            [] => Target::Zero(key.app.clone()),
            [one] => Target::Migration(one.clone()),
            _ => {
                return Err(TestingError::BadTarget {
                    given: migration.to_owned(),
                    reason: format!(
                        "{key} merges {} migrations of its app ({}), so no single state comes \
                         before it; test one of the migrations it merges",
                        parents.len(),
                        parents
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })
            }
        };
        Ok(Self {
            graph,
            migration: key,
            before,
        })
    }

    /// The migration under test.
    pub fn migration(&self) -> &MigrationKey {
        &self.migration
    }

    /// Where [`MigrationTest::migrate_before`] and [`MigrationTest::migrate_backwards`] take
    /// the database: the migration's parent in its app, or the app's `zero`.
    pub fn before(&self) -> &Target {
        &self.before
    }

    /// The models as the migration sees them before it runs.
    pub fn state_before(&self) -> Result<ProjectState, TestingError> {
        let nodes = self.graph.forwards_plan(&self.migration);
        let before: Vec<MigrationKey> =
            nodes.into_iter().filter(|k| k != &self.migration).collect();
        self.graph
            .make_state(&before)
            .map_err(|e| self.bad(e.to_string()))
    }

    /// The models just after the migration.
    pub fn state_after(&self) -> Result<ProjectState, TestingError> {
        let nodes = self.graph.forwards_plan(&self.migration);
        self.graph
            .make_state(&nodes)
            .map_err(|e| self.bad(e.to_string()))
    }

    /// Takes the database to the state just before the migration (forwards from an older
    /// state, or backwards from a newer one; nothing runs if it is there already).
    pub fn migrate_before(&self, conn: &mut DbConnection) -> Result<MigrateReport, TestingError> {
        let report = self.run(conn, &self.before)?;
        if self.is_applied(conn)? {
            return Err(self.bad(format!(
                "migrating to just before it ({:?}) left it applied",
                self.before
            )));
        }
        Ok(report)
    }

    /// Applies the migration (and what it depends on); fails unless the migration itself ran.
    pub fn migrate_forwards(&self, conn: &mut DbConnection) -> Result<MigrateReport, TestingError> {
        let report = self.run(conn, &Target::Migration(self.migration.clone()))?;
        let ran = report
            .done
            .iter()
            .any(|(step, _)| step.key == self.migration && !step.backwards);
        if !ran {
            return Err(self.bad(
                "migrating forwards did not apply it: it was applied already (call \
                 `migrate_before` first, or start the test at the migration before it with \
                 `migrate_to`)"
                    .to_owned(),
            ));
        }
        Ok(report)
    }

    /// Unapplies the migration (and what depends on it), back to the state before it; fails
    /// unless the migration itself was unapplied.
    pub fn migrate_backwards(
        &self,
        conn: &mut DbConnection,
    ) -> Result<MigrateReport, TestingError> {
        let report = self.run(conn, &self.before)?;
        let undone = report
            .done
            .iter()
            .any(|(step, _)| step.key == self.migration && step.backwards);
        if !undone {
            return Err(self.bad(
                "migrating backwards did not unapply it: it was not applied (call \
                 `migrate_forwards` first)"
                    .to_owned(),
            ));
        }
        Ok(report)
    }

    fn run(&self, conn: &mut DbConnection, target: &Target) -> Result<MigrateReport, TestingError> {
        executor::migrate(
            conn,
            &self.graph,
            target,
            &MigrateOptions::default(),
            &mut |_| {},
        )
        .map_err(|e| TestingError::Migrate {
            database: format!("of the migration test of {}", self.migration),
            what: match target {
                Target::Migration(k) => format!("to {k}"),
                Target::Zero(app) => format!("to {app} zero"),
                _ => "to the latest".to_owned(),
            },
            source: Box::new(e),
        })
    }

    fn is_applied(&self, conn: &mut DbConnection) -> Result<bool, TestingError> {
        let applied = executor::applied_migrations(conn).map_err(|e| TestingError::Migrate {
            database: format!("of the migration test of {}", self.migration),
            what: "(reading the applied migrations)".to_owned(),
            source: Box::new(e),
        })?;
        Ok(applied.contains_key(&self.migration))
    }

    fn bad(&self, reason: String) -> TestingError {
        TestingError::BadTarget {
            given: self.migration.to_string(),
            reason,
        }
    }
}
