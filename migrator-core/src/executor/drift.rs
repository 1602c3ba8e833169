//! The drift check (`migrator check`): does the live database still hold what the migrations
//! recorded as applied there describe? [`drift`] reads the record and reports every record
//! problem at once (an applied migration whose file is missing from disk, edited since it was
//! applied, renamed, or left interrupted; an inconsistent history), replays the applied
//! migrations that are on disk, and compares the introspected schema with that state through
//! [`check_drift`] — the comparison the conformance suite makes after every step, so a fresh
//! `migrate` is clean on every backend. Reads only: no lock, nothing created.

use std::collections::BTreeSet;
use std::fmt;

use crate::backend::{Backend, DbConnection};
use crate::db_schema::diff::SchemaDifference;
use crate::graph::MigrationGraph;
use crate::migration::MigrationKey;
use crate::recorder;
use crate::state::ProjectState;

use super::error::ExecutorError;
use super::history::{effective_applied, for_recorded, interrupted_error, record_problems};
use super::target::check_consistent_history;

/// What is wrong with the record of one applied migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordDifferenceKind {
    /// Recorded as applied, but its file is missing from disk.
    MissingFromDisk,
    /// Its operations were edited after it was applied (checksum).
    Edited,
    /// The code of its data steps was edited after it was applied.
    DataStepEdited,
    /// The record or the file was renamed by hand.
    Renamed,
    /// A run stopped inside it (MySQL/MariaDB, or a non-atomic migration).
    Interrupted,
    /// It is applied, but a migration it depends on is not.
    InconsistentHistory,
}

impl RecordDifferenceKind {
    /// The stable snake_case name (`applied_missing_from_disk`, …).
    pub fn code(self) -> &'static str {
        match self {
            Self::MissingFromDisk => "applied_missing_from_disk",
            Self::Edited => "applied_migration_edited",
            Self::DataStepEdited => "applied_data_step_edited",
            Self::Renamed => "record_renamed",
            Self::Interrupted => "interrupted_migration",
            Self::InconsistentHistory => "inconsistent_history",
        }
    }
}

/// A problem with the record of applied migrations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordDifference {
    /// What is wrong.
    pub kind: RecordDifferenceKind,
    /// The migration it is about.
    pub migration: MigrationKey,
    /// What to do about it, in words.
    pub message: String,
}

impl fmt::Display for RecordDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl RecordDifference {
    fn from_error(e: ExecutorError) -> Self {
        use RecordDifferenceKind as K;
        let (kind, migration, message) = match e {
            ExecutorError::MissingMigrationFile { migration, .. } => {
                let message = format!(
                    "migration {migration} is applied in the database but missing from disk: \
                     restore its file, or drop the record with `migrator migrate --forget {} {}` \
                     once its changes are undone",
                    migration.app, migration.name
                );
                (K::MissingFromDisk, migration, message)
            }
            ExecutorError::ChecksumMismatch { migration, .. } => {
                let message = format!(
                    "migration {migration} was edited after it was applied: its operations \
                     differ from the recorded ones (restore the file, or accept the edit with \
                     `migrator migrate --restamp {} {}` if the database matches it)",
                    migration.app, migration.name
                );
                (K::Edited, migration, message)
            }
            ExecutorError::DataStepChanged { migration, .. } => {
                let message = format!(
                    "the data steps of migration {migration} were edited after it was applied \
                     (restore the file, or `migrator migrate --restamp {} {}`)",
                    migration.app, migration.name
                );
                (K::DataStepEdited, migration, message)
            }
            ExecutorError::RenamedRecord { ref recorded, .. } => {
                (K::Renamed, recorded.clone(), e.to_string())
            }
            ExecutorError::Interrupted { ref migration, .. }
            | ExecutorError::InterruptedUnapply { ref migration, .. } => {
                (K::Interrupted, migration.clone(), e.to_string())
            }
            ExecutorError::InconsistentHistory { ref migration, .. } => {
                (K::InconsistentHistory, migration.clone(), e.to_string())
            }
            other => {
                // `record_problems` returns only the kinds above.
                let message = other.to_string();
                (K::Edited, MigrationKey::new("", ""), message)
            }
        };
        Self {
            kind,
            migration,
            message,
        }
    }
}

/// The result of [`drift`]: the record's problems and the schema's differences; clean when
/// both are empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drift {
    /// The database's backend.
    pub backend: Backend,
    /// The applied migrations the expected schema was built from, in apply order.
    pub applied: Vec<MigrationKey>,
    /// Migrations on disk that are not applied (not drift: `migrate --check` gates on them).
    pub pending: Vec<MigrationKey>,
    /// How many tables the applied migrations describe.
    pub tables: usize,
    /// Problems with the record of applied migrations.
    pub record: Vec<RecordDifference>,
    /// How the live schema differs from the applied migrations' state.
    pub schema: Vec<SchemaDifference>,
}

impl Drift {
    /// No record problem and no schema difference.
    pub fn is_clean(&self) -> bool {
        self.record.is_empty() && self.schema.is_empty()
    }

    /// Every difference as a sentence: the record's first, then the schema's.
    pub fn lines(&self) -> Vec<String> {
        self.record
            .iter()
            .map(ToString::to_string)
            .chain(self.schema.iter().map(ToString::to_string))
            .collect()
    }
}

/// How the live schema behind `conn` differs from the one `state` describes on its backend
/// (empty when it matches): the introspected schema against `introspect::expected_schema`,
/// both normalised per backend so that the schema a fresh `migrate` leaves compares equal.
pub fn check_drift(
    conn: &mut DbConnection,
    state: &ProjectState,
) -> Result<Vec<SchemaDifference>, ExecutorError> {
    let expected = crate::introspect::expected_schema(state, conn.backend())
        .map_err(|e| ExecutorError::Backend(Box::new(e)))?;
    let actual =
        crate::introspect::introspect(conn).map_err(|e| ExecutorError::Introspect(Box::new(e)))?;
    Ok(actual.differences(&expected))
}

/// The drift check: every problem with the record of applied migrations (all of them, where
/// `migrate` stops at the first) and every difference between the live schema and the state
/// of the applied migrations that are on disk. Reads only.
pub fn drift(conn: &mut DbConnection, graph: &MigrationGraph) -> Result<Drift, ExecutorError> {
    let mut record: Vec<RecordDifference> = recorder::interrupted(conn)?
        .into_iter()
        .map(|i| RecordDifference::from_error(interrupted_error(i)))
        .collect();
    let rows = recorder::applied(conn)?;
    let recorded: BTreeSet<MigrationKey> = rows.keys().cloned().collect();
    // The migrations this database uses: the originals while it is part-way through a squash.
    let resolved = for_recorded(graph, &recorded)?;
    let graph: &MigrationGraph = &resolved;
    record.extend(
        record_problems(graph, &rows)
            .into_iter()
            .map(RecordDifference::from_error),
    );
    let applied = effective_applied(graph, &recorded)?;
    if let Err(e) = check_consistent_history(graph, &applied) {
        record.push(RecordDifference::from_error(e));
    }
    let full_plan = graph.full_plan();
    let (applied, pending): (Vec<MigrationKey>, Vec<MigrationKey>) =
        full_plan.into_iter().partition(|k| applied.contains(k));
    let state = graph.make_state(&applied)?;
    let schema = check_drift(conn, &state)?;
    Ok(Drift {
        backend: conn.backend(),
        applied,
        pending,
        tables: state.models.len(),
        record,
        schema,
    })
}
