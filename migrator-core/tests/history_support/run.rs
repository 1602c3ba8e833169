//! Running a random history: each step's edits applied to the developer's models, detected
//! into one migration per app (wired to the migrations it needs, as `makemigrations` does),
//! then checked: the migrations replayed from empty rebuild the models, and a second
//! detection finds nothing.

use std::collections::{BTreeMap, BTreeSet};

use migrator_core::autodetector::detect;
use migrator_core::{
    ConstraintState, FieldState, ForeignKey, Migration, ModelKey, Operation, ProjectState,
};
use proptest::prelude::*;

use super::{Edit, IntentQuestioner, World};

/// Replays every migration from empty, in the order they were made.
pub fn replay(history: &[Migration]) -> ProjectState {
    let mut state = ProjectState::new();
    for m in history {
        for op in &m.operations {
            op.state_forwards(&m.app, &mut state).unwrap_or_else(|e| {
                panic!(
                    "replaying {}.{} failed at `{}`: {e}\nall operations: {:#?}",
                    m.app,
                    m.name,
                    op.describe(),
                    history
                )
            });
        }
    }
    state
}

pub fn run_history(
    apps: &'static [&'static str],
    sqlite: bool,
    steps: Vec<Vec<Edit>>,
) -> Result<Vec<Migration>, TestCaseError> {
    run_history_with_models(apps, sqlite, steps).map(|(history, _)| history)
}

/// The other apps a migration of `app` with `ops` needs applied first (what
/// `makemigrations` wires from the history): those its foreign keys point into, and those
/// whose models point, or once pointed, at a model it changes (a rename or delete must
/// follow them).
fn needed_apps(
    app: &str,
    ops: &[Operation],
    before: &ProjectState,
    history: &[Migration],
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut touched: Vec<&str> = Vec::new();
    for op in ops {
        let fks: Vec<&ForeignKey> = match op {
            Operation::CreateModel(c) => c
                .fields
                .iter()
                .filter_map(|f| f.foreign_key.as_ref())
                .chain(c.constraints.iter().filter_map(|c| c.kind.foreign_key()))
                .collect(),
            Operation::AddField(a) => a.field.foreign_key.iter().collect(),
            Operation::AlterField(a) => a.field.foreign_key.iter().collect(),
            Operation::AddConstraint(a) => a.constraint.kind.foreign_key().into_iter().collect(),
            _ => Vec::new(),
        };
        out.extend(fks.into_iter().map(|fk| fk.app.clone()));
        if let Operation::RenameModel(r) = op {
            touched.push(&r.new_name);
        }
        touched.extend(op.model_name());
    }
    let into = |fk: &ForeignKey| fk.app == app && touched.contains(&fk.model.as_str());
    for m in before.models.values().filter(|m| m.app != app) {
        if m.foreign_key_targets().any(into) {
            out.insert(m.app.clone());
        }
    }
    let fk_into = |f: &FieldState| f.foreign_key.as_ref().is_some_and(into);
    let constraint_into = |c: &ConstraintState| c.kind.foreign_key().is_some_and(into);
    for m in history.iter().filter(|m| m.app != app) {
        let pointed = m.operations.iter().any(|op| match op {
            Operation::CreateModel(c) => {
                c.fields.iter().any(fk_into) || c.constraints.iter().any(constraint_into)
            }
            Operation::AddField(a) => fk_into(&a.field),
            Operation::AlterField(a) => fk_into(&a.field),
            Operation::AddConstraint(a) => constraint_into(&a.constraint),
            _ => false,
        });
        if pointed {
            out.insert(m.app.clone());
        }
    }
    out
}

/// [`run_history`], also returning the models as the developer left them.
pub fn run_history_with_models(
    apps: &'static [&'static str],
    sqlite: bool,
    steps: Vec<Vec<Edit>>,
) -> Result<(Vec<Migration>, World), TestCaseError> {
    let mut world = World {
        apps,
        sqlite,
        ..World::default()
    };
    let mut history: Vec<Migration> = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        world.at_step_start = world.current.state.models.keys().cloned().collect();
        world.model_renames.clear();
        world.hints_at_step_start = world.current.hints.clone();
        world.field_renames.clear();
        world.removed_from_app = None;
        // A renamed model takes a step of its own: a rename in one app combined with a changed
        // foreign key to it from another app, and the reverse, is a cross-app cycle that
        // makemigrations reports (Django would split the migrations).
        let step: &[Edit] = match step.iter().find(|e| matches!(e, Edit::RenameModel { .. })) {
            Some(rename) => std::slice::from_ref(rename),
            None => step,
        };
        for e in step {
            world.apply(e);
        }
        let before = replay(&history);
        // Renaming and also changing a field is only recognisable through a hint (as in
        // Django, which only asks when the definitions match): the developer adds one.
        let intents: Vec<_> = world.field_renames.iter().cloned().collect();
        for (app, model, old, new) in intents {
            let key = ModelKey::new(&app, &model);
            let same = match (
                before.model(&app, &model),
                world.current.state.models.get(&key),
            ) {
                (Some(b), Some(c)) => match (b.field(&old), c.field(&new)) {
                    (Some(x), Some(y)) => {
                        let (mut x, mut y) = (x.clone(), y.clone());
                        x.name.clear();
                        x.column.clear();
                        y.name.clear();
                        y.column.clear();
                        x == y
                    }
                    _ => true,
                },
                _ => true,
            };
            if !same {
                world
                    .field_renames
                    .remove(&(app, model, old.clone(), new.clone()));
                world
                    .current
                    .hints
                    .entry(key)
                    .or_default()
                    .field_renames
                    .insert(new, old);
            }
        }
        let mut q = IntentQuestioner::new(&world);
        let changes = detect(&before, &world.current, &mut q)
            .map_err(|e| TestCaseError::fail(format!("step {n}: detect failed: {e}")))?;
        // Apply apps in dependency order (dependencies within this step first).
        let mut pending: BTreeMap<String, _> = changes.into_iter().collect();
        while !pending.is_empty() {
            let ready = pending
                .iter()
                .find(|(_, ch)| ch.depends_on_apps.iter().all(|d| !pending.contains_key(d)))
                .map(|(a, _)| a.clone());
            let Some(app) = ready else {
                return Err(TestCaseError::fail(format!(
                    "step {n}: cyclic app dependencies {:?}",
                    pending.keys().collect::<Vec<_>>()
                )));
            };
            let ch = pending.remove(&app).expect("present");
            let mut m = Migration::new(&app, format!("{:04}", history.len() + 1));
            // The app's previous migration and the latest of every app it needs.
            let mut needs = needed_apps(&app, &ch.operations, &replay(&history), &history);
            needs.extend(ch.depends_on_apps.iter().cloned());
            needs.remove(&app);
            for dep_app in std::iter::once(&app).chain(needs.iter()) {
                if let Some(last) = history.iter().rev().find(|h| &h.app == dep_app) {
                    m.dependencies.push(last.key());
                }
            }
            m.initial = !history.iter().any(|h| h.app == app);
            m.operations = ch.operations;
            history.push(m);
        }
        let replayed = replay(&history);
        prop_assert_eq!(
            &replayed,
            &world.current.state,
            "step {}: replayed state differs from the models after edits {:?}\nreplayed:\n{}\ncurrent:\n{}",
            n,
            step,
            replayed.canonical_text(),
            world.current.state.canonical_text()
        );
        let again = detect(
            &replayed,
            &world.current,
            &mut IntentQuestioner::new(&world),
        )
        .map_err(|e| TestCaseError::fail(format!("step {n}: second detect failed: {e}")))?;
        prop_assert!(
            again.is_empty(),
            "step {}: second detect is not empty: {:#?}",
            n,
            again
        );
    }
    Ok((history, world))
}
