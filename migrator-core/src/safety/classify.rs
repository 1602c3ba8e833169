//! Classifying one operation: which primitive schema changes it makes ([`Change`]s, recorded
//! by running its `database_forwards`/`database_backwards` against an editor that writes
//! nothing — so the classification follows the operation's own choice of primitives, in
//! either direction, and needs no backend), what each change risks on every backend (data
//! loss, rows that make it fail, the running release it breaks), and what each backend adds
//! (`Backend::costs`: rewrites, rebuilds, locks).

use crate::backend::costs::{old_field, Change};
use crate::backend::editor::Step;
use crate::backend::record::ChangeRecorder;
use crate::backend::Backend;
use crate::migration::Migration;
use crate::operations::{narrows, Operation};
use crate::state::{ConstraintKind, ProjectState};

use super::folded::apply_folds;
use super::hazard::{Hazard, HazardKind, OperationHazards};

/// What `change` risks on every backend.
fn generic(step: &Step<'_>, change: &Change) -> Vec<Hazard> {
    use HazardKind as K;
    let mut out = Vec::new();
    let mut add = |kind, message: String| out.push(Hazard::everywhere(kind, message));
    let table = change.model_before(step).map(|m| m.table.clone());
    let Some(t) = table else {
        return out; // a new table: no rows, no running code that uses it
    };
    let first = "deploy code that no longer uses it before this migration runs";
    match change {
        Change::DeleteModel { .. } => {
            add(K::DataLoss, format!("drops table {t} and every row in it"));
            add(
                K::Incompatible,
                format!("the running release may still read or write table {t}; {first}"),
            );
        }
        Change::RemoveField { name, .. } => {
            let column = old_field(step, change, name).map_or(name.as_str(), |f| &f.column);
            add(
                K::DataLoss,
                format!("drops column {t}.{column} and every value in it"),
            );
            add(
                K::Incompatible,
                format!("the running release may still read or write {t}.{column}; {first}"),
            );
        }
        Change::AlterField {
            name,
            field,
            one_off_default,
            ..
        } => {
            let Some(old) = old_field(step, change, name) else {
                return out;
            };
            let c = &field.column;
            if narrows(&old.column_type, &field.column_type) {
                add(
                    K::DataLoss,
                    format!(
                        "narrows {t}.{c} from {} to {}: values that do not fit are cut or make \
                         the migration fail",
                        old.column_type, field.column_type
                    ),
                );
            }
            let lasting_default = if *one_off_default {
                None
            } else {
                field.default.as_ref()
            };
            if let (Some(d), None) = (&old.default, lasting_default) {
                add(
                    K::DataLoss,
                    format!(
                        "removes the default of {t}.{c} ({d}): rows inserted without a value \
                         no longer get it"
                    ),
                );
            }
            if old.nullable && !field.nullable && field.default.is_none() && !field.auto_increment {
                add(
                    K::MayFail,
                    format!(
                        "makes {t}.{c} NOT NULL without a default: rows where it is NULL make \
                         the migration fail"
                    ),
                );
            }
            if old.nullable && !field.nullable && lasting_default.is_none() && !field.auto_increment
            {
                add(
                    K::Incompatible,
                    format!("makes {t}.{c} NOT NULL: the running release may still write NULL"),
                );
            }
            if field.unique && !old.unique {
                add(
                    K::MayFail,
                    format!("makes {t}.{c} unique: duplicate values make the migration fail"),
                );
            }
            // A field joining a key keeps it unique; one leaving it leaves the rest, which
            // must be unique on its own.
            let rest: Vec<&str> = change
                .model_after(step)
                .map(|m| m.primary_key().map(|f| f.column.as_str()).collect())
                .unwrap_or_default();
            if old.primary_key && !field.primary_key && !rest.is_empty() {
                add(
                    K::MayFail,
                    format!(
                        "takes {t}.{c} out of the primary key, which becomes ({}): rows that \
                         repeat those values make the migration fail",
                        rest.join(", ")
                    ),
                );
            }
            if field.foreign_key.is_some() && field.foreign_key != old.foreign_key {
                add(
                    K::MayFail,
                    format!(
                        "adds a foreign key on {t}.{c}: values without a matching row make the \
                         migration fail"
                    ),
                );
            }
            if old.generated.is_none() && field.generated.is_some() {
                add(
                    K::DataLoss,
                    format!(
                        "makes {t}.{c} a generated column: it is dropped and added again, and \
                         its stored values are replaced by computed ones"
                    ),
                );
                add(
                    K::Incompatible,
                    format!(
                        "makes {t}.{c} generated: the running release may still write it, \
                         which the database refuses"
                    ),
                );
            }
            if old.column != field.column {
                add(
                    K::Incompatible,
                    format!(
                        "renames column {t}.{} to {c}: the running release still uses {}",
                        old.column, old.column
                    ),
                );
            }
        }
        Change::AddField {
            field,
            one_off_default,
            ..
        } => {
            let c = &field.column;
            // A generated column is computed by the database: it needs no value.
            let needs_value = !field.nullable && !field.auto_increment && field.generated.is_none();
            if needs_value && field.default.is_none() {
                add(
                    K::MayFail,
                    format!(
                        "adds NOT NULL column {t}.{c} without a default: the migration fails \
                         when {t} has rows"
                    ),
                );
            }
            if needs_value && (field.default.is_none() || *one_off_default) {
                add(
                    K::Incompatible,
                    format!(
                        "adds NOT NULL column {t}.{c} without a lasting default: inserts from \
                         the running release, which does not know it, fail"
                    ),
                );
            }
            if field.unique && needs_value && field.default.is_some() {
                add(
                    K::MayFail,
                    format!(
                        "adds unique column {t}.{c} with a default: existing rows all get the \
                         same value, so the migration fails when {t} has two or more rows"
                    ),
                );
            }
        }
        Change::RenameField { old, new, .. } => {
            let before = old_field(step, change, old).map(|f| f.column.clone());
            let after = change
                .model_after(step)
                .and_then(|m| m.field(new))
                .map(|f| f.column.clone());
            if let (Some(a), Some(b)) = (before, after) {
                if a != b {
                    add(
                        K::Incompatible,
                        format!(
                            "renames column {t}.{a} to {b}: the running release still uses {a}"
                        ),
                    );
                }
            }
        }
        Change::RenameModel { .. } | Change::AlterModelTable { .. } => {
            if let Some(after) = change.model_after(step) {
                if after.table != t {
                    add(
                        K::Incompatible,
                        format!(
                            "renames table {t} to {}: the running release still uses {t}",
                            after.table
                        ),
                    );
                }
            }
        }
        Change::AddConstraint { name, .. } => {
            let kind = change
                .model_after(step)
                .and_then(|m| m.constraints.iter().find(|c| &c.name == name))
                .map(|c| c.kind.clone());
            match kind {
                Some(ConstraintKind::Unique(fields)) => add(
                    K::MayFail,
                    format!(
                        "adds unique constraint {name} on {t} ({}): duplicates make the \
                         migration fail",
                        fields.join(", ")
                    ),
                ),
                Some(ConstraintKind::Check(sql)) => add(
                    K::MayFail,
                    format!("adds CHECK {name} ({sql}) on {t}: rows that break it make the migration fail"),
                ),
                Some(ConstraintKind::ForeignKey { fields, to }) => add(
                    K::MayFail,
                    format!(
                        "adds foreign key {name} on {t} ({}) to {}.{}: values without a \
                         matching row make the migration fail",
                        fields.join(", "),
                        to.app,
                        to.model
                    ),
                ),
                None => {}
            }
        }
        Change::AddIndex { name, .. } => {
            let unique = change
                .model_after(step)
                .and_then(|m| m.indexes.iter().find(|i| &i.name == name))
                .is_some_and(|i| i.unique);
            if unique {
                add(
                    K::MayFail,
                    format!("adds unique index {name} on {t}: duplicates make the migration fail"),
                );
            }
        }
        _ => {}
    }
    out
}

/// What `op` (of a migration of `app`) risks, run forwards from `before` to `after` — or,
/// `backwards`, undone from `after` back to `before` — on `backends`: the findings that hold
/// everywhere, then each backend's costs (a sentence several backends share is one finding
/// naming them). Sorted by kind, data loss first.
pub fn classify_operation(
    app: &str,
    op: &Operation,
    before: &ProjectState,
    after: &ProjectState,
    backwards: bool,
    backends: &[Backend],
) -> Vec<Hazard> {
    let recorder = ChangeRecorder::default();
    let label = op.describe();
    let (from, to) = if backwards {
        (after, before)
    } else {
        (before, after)
    };
    let step = Step {
        app,
        from,
        to,
        label: &label,
    };
    let recorded = if backwards {
        op.kind().database_backwards(&recorder, &step)
    } else {
        op.kind().database_forwards(&recorder, &step)
    };
    let mut out: Vec<Hazard> = Vec::new();
    if op.kind().verbatim_sql() {
        out.push(Hazard::everywhere(
            HazardKind::Review,
            "runs SQL written by hand: migrator cannot tell what it changes; check it for data \
             loss and long locks",
        ));
    }
    if op.kind().separates_state() {
        out.push(Hazard::everywhere(
            HazardKind::Review,
            "changes the migration state and the database separately: nothing checks that its \
             database operations leave the schema its state operations describe; run \
             `migrator check` after applying it",
        ));
    }
    if op.kind().rust_step(backwards).is_some() {
        out.push(Hazard::everywhere(
            HazardKind::Review,
            "runs Rust code: migrator cannot tell what it changes; check it for data loss and \
             how long it runs on a big table",
        ));
    }
    if recorded.is_ok() {
        for change in &recorder.into_changes() {
            out.extend(generic(&step, change));
            for &backend in backends {
                for message in backend.costs(&step, change) {
                    match out
                        .iter_mut()
                        .find(|h| h.kind == HazardKind::RewriteLock && h.message == message)
                    {
                        Some(h) => h.backends.push(backend),
                        None => out.push(Hazard {
                            kind: HazardKind::RewriteLock,
                            backends: vec![backend],
                            message,
                        }),
                    }
                }
            }
        }
    }
    // A sentence every given backend shares holds everywhere.
    for h in &mut out {
        if h.kind == HazardKind::RewriteLock && h.backends.len() == crate::backend::ALL.len() {
            h.backends.clear();
        }
    }
    let mut seen = Vec::new();
    out.retain(|h| {
        let fresh = !seen.contains(h);
        seen.push(h.clone());
        fresh
    });
    out.sort_by_key(|h| h.kind);
    out
}

/// Every operation of `migration` classified forwards from `before` (the state its
/// ancestors build), each against the state just before it; where a backend folds the
/// migration's operations on one table into one rebuild, as `migrate` does, the findings say
/// so once, at the operation that runs it (`folded.rs`). An operation that does not fit
/// the state (which `migrate` refuses anyway) ends the classification.
pub fn classify_migration(
    migration: &Migration,
    before: &ProjectState,
    backends: &[Backend],
) -> Vec<OperationHazards> {
    let app = migration.app.as_str();
    let mut state = before.clone();
    let mut out = Vec::new();
    // The states around each operation, kept only where a backend may fold the migration.
    let folding = migration.atomic && backends.iter().any(|b| b.folds());
    let mut states: Vec<(ProjectState, ProjectState)> = Vec::new();
    for (index, op) in migration.operations.iter().enumerate() {
        let mut after = state.clone();
        if op.state_forwards(app, &mut after).is_err() {
            break;
        }
        out.push(OperationHazards {
            index,
            description: op.describe_in(app, &state),
            symbol: op.symbol(),
            hazards: classify_operation(app, op, &state, &after, false, backends),
        });
        if folding {
            states.push((state, after.clone()));
        }
        state = after;
    }
    apply_folds(
        app,
        migration.atomic,
        (&states, &migration.operations),
        false,
        backends,
        &mut out,
    );
    out
}
