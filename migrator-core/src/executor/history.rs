//! The record of applied migrations as the executor reads and repairs it: checksums against
//! the migrations as they are now, applied migrations whose file is gone, squashes
//! ([`effective_applied`]), migrations a MySQL run left interrupted, the consistency of the
//! history; the read-only queries built on that ([`check_recorded`], [`applied_migrations`],
//! [`plan`]); and the deliberate repairs [`restamp`] and [`forget`]. The recorder table
//! itself is `recorder`'s; applying migrations is `apply`'s.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::backend::DbConnection;
use crate::graph::{GraphError, MigrationGraph};
use crate::lock::DEFAULT_LOCK_TIMEOUT;
use crate::migration::MigrationKey;
use crate::recorder;

use super::error::ExecutorError;
use super::locking::locked;
use super::target::{check_consistent_history, migration_plan};
use super::types::{PlanStep, Target};

/// Checks recorded checksums against the migrations as they are now: the first problem
/// [`record_problems`] finds is the error.
fn check_checksums(
    graph: &MigrationGraph,
    rows: &BTreeMap<MigrationKey, recorder::AppliedMigration>,
) -> Result<(), ExecutorError> {
    match record_problems(graph, rows).into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Every recorded migration whose record disagrees with the migrations as they are now, one
/// error each: its file is gone ([`ExecutorError::MissingMigrationFile`]) or was renamed
/// ([`ExecutorError::RenamedRecord`]), its operations were edited
/// ([`ExecutorError::ChecksumMismatch`]) or its data step's code
/// ([`ExecutorError::DataStepChanged`]). `migrate` stops at the first; the drift check
/// (`drift.rs`) reports them all.
pub(super) fn record_problems(
    graph: &MigrationGraph,
    rows: &BTreeMap<MigrationKey, recorder::AppliedMigration>,
) -> Vec<ExecutorError> {
    let mut out = Vec::new();
    let apps: BTreeSet<String> = graph.apps().into_iter().collect();
    let replaced: BTreeSet<&MigrationKey> =
        graph.squashes().flat_map(|m| m.replaces.iter()).collect();
    // Squashes recorded by a newer history (their replaced migrations' rows point at them):
    // a history that still has the originals legitimately lacks them.
    let recorded_squashes: BTreeSet<&str> = rows
        .values()
        .filter_map(|r| r.checksum.strip_prefix(recorder::REPLACED_BY))
        .collect();
    // The history's migrations by name, for the rows a squash took over (one lookup per
    // row, not a walk of the history per row); built only when such rows exist.
    let known: BTreeSet<String> = if recorded_squashes.is_empty() {
        BTreeSet::new()
    } else {
        graph.migrations().map(|m| m.key().to_string()).collect()
    };
    for (key, row) in rows {
        // A recorded migration of a known app that the history no longer has (and that no
        // squash replaced): its file was deleted or renamed.
        // A row a squash took over (`replaced-by:`) stays valid after the squash became an
        // ordinary migration and the replaced files were deleted, while that squash exists.
        let taken_over = row
            .checksum
            .strip_prefix(recorder::REPLACED_BY)
            .is_some_and(|squash| known.contains(squash));
        if apps.contains(&key.app)
            && !graph.contains(key)
            && !replaced.contains(key)
            && !taken_over
            && !recorded_squashes.contains(key.to_string().as_str())
        {
            out.push(renamed(graph, rows, row).err().unwrap_or_else(|| {
                ExecutorError::MissingMigrationFile {
                    migration: key.clone(),
                    file: None,
                }
            }));
            continue;
        }
        if row.checksum.starts_with(recorder::REPLACED_BY) {
            continue;
        }
        if let Some(m) = graph.migration(key) {
            let current = recorder::checksum(m);
            if current != row.checksum {
                out.push(renamed(graph, rows, row).err().unwrap_or_else(|| {
                    ExecutorError::ChecksumMismatch {
                        migration: key.clone(),
                        recorded: row.checksum.clone(),
                        current,
                        file: None,
                    }
                }));
                continue;
            }
            if let (Some(recorded), Some(current)) =
                (&row.code_checksum, recorder::code_checksum(m))
            {
                if recorded != current {
                    out.push(ExecutorError::DataStepChanged {
                        migration: key.clone(),
                        recorded: recorded.clone(),
                        current: current.to_owned(),
                        file: None,
                    });
                }
            }
        }
    }
    out
}

/// A record whose name has no migration with its operations is a renamed record when an
/// unrecorded migration of the same app has them: under the recorded name (its file was
/// renamed) or under its own (the record was renamed to another name).
fn renamed(
    graph: &MigrationGraph,
    rows: &BTreeMap<MigrationKey, recorder::AppliedMigration>,
    row: &recorder::AppliedMigration,
) -> Result<(), ExecutorError> {
    let found = graph.migrations().find(|m| {
        m.app == row.key.app
            && m.key() != row.key
            && !rows.contains_key(&m.key())
            && (recorder::checksum_as(m, &row.key) == row.checksum
                || recorder::checksum(m) == row.checksum)
    });
    match found {
        Some(m) => Err(ExecutorError::RenamedRecord {
            recorded: row.key.clone(),
            file: m.key(),
            recorded_has_file: graph.contains(&row.key),
        }),
        None => Ok(()),
    }
}

/// The applied migrations with a data step whose record has no code checksum yet (rows an
/// older migrator wrote), with the checksum their files have now.
pub(super) fn missing_code_checksums(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
) -> Result<Vec<(MigrationKey, String)>, ExecutorError> {
    Ok(recorder::applied(conn)?
        .into_values()
        .filter(|row| row.code_checksum.is_none())
        .filter_map(|row| {
            let m = graph.migration(&row.key)?;
            let code = recorder::code_checksum(m)?;
            Some((row.key, code.to_owned()))
        })
        .collect())
}

/// The applied set as the graph sees it: the recorded migrations that are in the graph, plus
/// each squash in the graph whose replaced migrations are all recorded. A squash with only
/// some of its replaced migrations recorded is an error (its originals are gone, so the rest
/// cannot be applied).
pub fn effective_applied(
    graph: &MigrationGraph,
    recorded: &BTreeSet<MigrationKey>,
) -> Result<BTreeSet<MigrationKey>, ExecutorError> {
    let mut applied: BTreeSet<MigrationKey> = recorded
        .iter()
        .filter(|k| graph.contains(k))
        .cloned()
        .collect();
    for m in graph.migrations() {
        if m.replaces.is_empty() || recorded.contains(&m.key()) {
            continue;
        }
        let (done, missing): (Vec<&MigrationKey>, Vec<&MigrationKey>) =
            m.replaces.iter().partition(|r| recorded.contains(*r));
        if missing.is_empty() {
            applied.insert(m.key());
        } else if !done.is_empty() {
            return Err(ExecutorError::PartialSquash {
                squash: m.key(),
                applied: done.into_iter().cloned().collect(),
                missing: missing.into_iter().cloned().collect(),
            });
        }
    }
    Ok(applied)
}

pub(super) fn interrupted_error(i: recorder::Interrupted) -> ExecutorError {
    if i.backwards {
        return ExecutorError::InterruptedUnapply {
            migration: i.key,
            operation: i.operation,
            total: i.total,
            description: i.description.into(),
            started_at: i.started_at.into(),
        };
    }
    ExecutorError::Interrupted {
        migration: i.key,
        operation: i.operation,
        total: i.total,
        description: i.description.into(),
        started_at: i.started_at.into(),
    }
}

/// The recorded migrations, checked as `migrate` checks them before anything runs (what
/// `showmigrations` uses): an edited applied migration, an applied migration whose file is
/// gone, or a migration a killed MySQL run left half-applied is an error naming the migration
/// and the way out. Reads only; creates nothing.
pub fn check_recorded(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
) -> Result<BTreeMap<MigrationKey, recorder::AppliedMigration>, ExecutorError> {
    if let Some(i) = recorder::interrupted(conn)?.into_iter().next() {
        return Err(interrupted_error(i));
    }
    let rows = recorder::applied(conn)?;
    check_checksums(graph, &rows)?;
    Ok(rows)
}

pub(super) fn read_applied_allowing_interrupted<'g>(
    conn: &mut DbConnection,
    graph: &'g MigrationGraph,
) -> Result<(Cow<'g, MigrationGraph>, BTreeSet<MigrationKey>), ExecutorError> {
    let rows = recorder::applied(conn)?;
    let recorded: BTreeSet<MigrationKey> = rows.keys().cloned().collect();
    let graph = for_recorded(graph, &recorded)?;
    check_checksums(&graph, &rows)?;
    let applied = effective_applied(&graph, &recorded)?;
    check_consistent_history(&graph, &applied)?;
    Ok((graph, applied))
}

/// What `migrate` plans `target` on: the graph as the database sees it ([`for_recorded`]) and
/// its applied set, with Django's two exceptions for squashes. A target that is a squash the
/// database does not use yet (it is part-way through) means the last migration it replaces;
/// a target that is a migration a squash replaces (a rollback into the middle of a squash)
/// plans on the originals ([`MigrationGraph::without_squashes`]).
pub(super) fn for_target<'g>(
    conn: &mut DbConnection,
    graph: &'g MigrationGraph,
    target: &Target,
) -> Result<(Cow<'g, MigrationGraph>, BTreeSet<MigrationKey>, Target), ExecutorError> {
    let (resolved, applied) = read_applied_allowing_interrupted(conn, graph)?;
    let Target::Migration(key) = target else {
        return Ok((resolved, applied, target.clone()));
    };
    if resolved.contains(key) {
        return Ok((resolved, applied, target.clone()));
    }
    if let Some(last) = graph
        .source_migration(key)
        .and_then(|squash| squash.replaces.last())
        .filter(|last| resolved.contains(last))
    {
        let last = Target::Migration(last.clone());
        return Ok((resolved, applied, last));
    }
    if graph.squashes().any(|s| s.replaces.contains(key)) {
        let originals = graph.without_squashes()?;
        if originals.contains(key) {
            let recorded: BTreeSet<MigrationKey> = recorder::applied(conn)?.into_keys().collect();
            let applied = effective_applied(&originals, &recorded)?;
            check_consistent_history(&originals, &applied)?;
            return Ok((Cow::Owned(originals), applied, target.clone()));
        }
    }
    Ok((resolved, applied, target.clone()))
}

/// The graph as a database that recorded `recorded` sees it: a squash the database is
/// part-way through gives way to the migrations it replaces
/// ([`MigrationGraph::for_recorded`]). Everything that plans against a database starts here.
pub fn for_recorded<'g>(
    graph: &'g MigrationGraph,
    recorded: &BTreeSet<MigrationKey>,
) -> Result<Cow<'g, MigrationGraph>, ExecutorError> {
    Ok(graph.for_recorded(recorded)?)
}

/// The graph as this database sees it (see [`for_recorded`]); reads the record only.
pub fn graph_for_database<'g>(
    conn: &mut DbConnection,
    graph: &'g MigrationGraph,
) -> Result<Cow<'g, MigrationGraph>, ExecutorError> {
    let recorded: BTreeSet<MigrationKey> = recorder::applied(conn)?.into_keys().collect();
    for_recorded(graph, &recorded)
}

/// The recorded migrations (for `showmigrations`), including ones no longer in the graph
/// and with their recorded checksums; nothing is validated or created.
pub fn applied_migrations(
    conn: &mut DbConnection,
) -> Result<BTreeMap<MigrationKey, recorder::AppliedMigration>, ExecutorError> {
    Ok(recorder::applied(conn)?)
}

/// The plan `migrate` would run for `target` now (read-only).
pub fn plan(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    target: &Target,
) -> Result<Vec<PlanStep>, ExecutorError> {
    if let Some(i) = recorder::interrupted(conn)?.into_iter().next() {
        return Err(interrupted_error(i));
    }
    let (graph, applied, target) = for_target(conn, graph, target)?;
    migration_plan(&graph, &applied, &target)
}

/// Stores the current checksums of the applied migration `key` (`migrate --restamp`):
/// accepts an edit of an applied migration whose operations the database already matches
/// (or of a data step that must not run again). Returns false when both were current.
pub fn restamp(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    key: &MigrationKey,
    lock_timeout: Option<Duration>,
) -> Result<bool, ExecutorError> {
    let migration = graph
        .migration(key)
        .ok_or_else(|| GraphError::UnknownMigration(key.clone()))?;
    restamp_migration(conn, migration, lock_timeout)
}

/// Stores the checksums `migration` has (as [`restamp`] does for a migration of the graph):
/// for a migration whose file is being rewritten to operations that end in the same state
/// (`optimizemigration`), before the binary knows the new file. Returns false when both
/// were current already.
pub fn restamp_migration(
    conn: &mut DbConnection,
    migration: &crate::migration::Migration,
    lock_timeout: Option<Duration>,
) -> Result<bool, ExecutorError> {
    let key = &migration.key();
    let timeout = lock_timeout.unwrap_or(DEFAULT_LOCK_TIMEOUT);
    crate::lock::check_writable(conn)?;
    locked(conn, timeout, &mut |_| {}, |conn, _| {
        let rows = recorder::applied(conn)?;
        let row = rows
            .get(key)
            .ok_or_else(|| ExecutorError::NotRecorded(key.clone(), "restamp"))?;
        let current = recorder::checksum(migration);
        let code = recorder::code_checksum(migration);
        if row.checksum == current && (code.is_none() || row.code_checksum.as_deref() == code) {
            return Ok(false);
        }
        recorder::set_checksum(conn, key, &current)?;
        recorder::set_code_checksum(conn, key, code)?;
        Ok(true)
    })
}

/// `migrate --forget`: removes the record of an applied migration whose file is gone; and
/// drops the progress record a MySQL run left for a migration (interrupted while applying and
/// then undone by hand, or interrupted while unapplying and then re-applied by hand).
pub fn forget(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    key: &MigrationKey,
    lock_timeout: Option<Duration>,
) -> Result<(), ExecutorError> {
    let timeout = lock_timeout.unwrap_or(DEFAULT_LOCK_TIMEOUT);
    crate::lock::check_writable(conn)?;
    locked(conn, timeout, &mut |_| {}, |conn, _| {
        let interrupted = recorder::interrupted(conn)?
            .into_iter()
            .any(|i| i.key == *key);
        let recorded = recorder::applied(conn)?.contains_key(key);
        if interrupted {
            recorder::progress_clear(conn, key)?;
            if !recorded || graph.contains(key) {
                return Ok(());
            }
        }
        if !recorded {
            return Err(ExecutorError::NotRecorded(key.clone(), "forget"));
        }
        if graph.contains(key) {
            return Err(ExecutorError::ForgetExisting(key.clone()));
        }
        recorder::unrecord(conn, key)?;
        Ok(())
    })
}

/// What `migrate --prune` finds (and, applied, does): the records of migrations whose files
/// no longer exist, and the squashes that must be recorded themselves before those go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prune {
    /// Records of migrations of the apps in scope whose files are gone, sorted.
    pub stale: Vec<MigrationKey>,
    /// Squashes on disk that replace some of `stale` and that this database knows as
    /// applied only through the records of the migrations they replace: each is recorded
    /// itself first (as `migrate` records a squash it applies), or it would look unapplied.
    pub squashes: Vec<MigrationKey>,
}

/// `migrate --prune` (Django 4.2): finds the records of applied migrations of `app` (every
/// app of `graph` when `None`) that `on_disk` — the migrations whose files exist — no longer
/// has, and with `apply` deletes them under the migration lock, after recording each squash
/// that is applied only through them. A squash on disk that replaces some of them while only
/// part of what it replaces is recorded is refused ([`ExecutorError::PartialSquash`]):
/// deleting those records would lose the only trace of what is applied.
pub fn prune(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    on_disk: &BTreeSet<MigrationKey>,
    app: Option<&str>,
    apply: bool,
    lock_timeout: Option<Duration>,
) -> Result<Prune, ExecutorError> {
    let find = |conn: &mut DbConnection| -> Result<Prune, ExecutorError> {
        let rows = recorder::applied(conn)?;
        let apps: BTreeSet<String> = graph
            .apps()
            .into_iter()
            .chain(on_disk.iter().map(|k| k.app.clone()))
            .collect();
        let stale: Vec<MigrationKey> = rows
            .keys()
            .filter(|k| app.map_or(apps.contains(&k.app), |a| k.app == a))
            .filter(|k| !on_disk.contains(*k) && !graph.contains(k))
            .cloned()
            .collect();
        let mut squashes: Vec<MigrationKey> = Vec::new();
        for key in &stale {
            let Some(squash) = graph.replaced().get(key) else {
                continue;
            };
            if rows.contains_key(squash) || squashes.contains(squash) {
                continue;
            }
            let m = graph
                .migration(squash)
                .ok_or_else(|| GraphError::UnknownMigration(squash.clone()))?;
            let (done, missing): (Vec<&MigrationKey>, Vec<&MigrationKey>) =
                m.replaces.iter().partition(|r| rows.contains_key(*r));
            if !missing.is_empty() {
                return Err(ExecutorError::PartialSquash {
                    squash: squash.clone(),
                    applied: done.into_iter().cloned().collect(),
                    missing: missing.into_iter().cloned().collect(),
                });
            }
            squashes.push(squash.clone());
        }
        Ok(Prune { stale, squashes })
    };
    if !apply {
        return find(conn);
    }
    let timeout = lock_timeout.unwrap_or(DEFAULT_LOCK_TIMEOUT);
    crate::lock::check_writable(conn)?;
    locked(conn, timeout, &mut |_| {}, |conn, _| {
        let found = find(conn)?;
        for squash in &found.squashes {
            if let Some(m) = graph.migration(squash) {
                recorder::record(conn, m)?;
            }
        }
        for key in &found.stale {
            recorder::unrecord(conn, key)?;
        }
        Ok(found)
    })
}
