//! Property: cross-app histories replayed in the graph's plan never dangle.

use super::*;
use migrator_core::autodetector::{self, DetectError};
use migrator_core::graph::MigrationGraph;
use migrator_core::operations::{AddField, AlterField};
use migrator_core::{Migration, MigrationKey};
use proptest::prelude::*;

const APPS: [&str; 3] = ["a", "b", "c"];

#[derive(Clone, Debug)]
enum Edit {
    AddModel { app: u8, target: Option<u16> },
    Rename(u16),
    Delete(u16),
    AlterTable(u16),
    AddFk { model: u16, target: u16 },
    RemoveFk { model: u16, field: u16 },
    RekeyColumn(u16),
}

fn edit() -> impl Strategy<Value = Edit> {
    let n = any::<u16>;
    prop_oneof![
        3 => (any::<u8>(), proptest::option::of(n())).prop_map(|(app, target)| Edit::AddModel { app, target }),
        2 => n().prop_map(Edit::Rename),
        1 => n().prop_map(Edit::Delete),
        1 => n().prop_map(Edit::AlterTable),
        2 => (n(), n()).prop_map(|(model, target)| Edit::AddFk { model, target }),
        1 => (n(), n()).prop_map(|(model, field)| Edit::RemoveFk { model, field }),
        1 => n().prop_map(Edit::RekeyColumn),
    ]
}

#[derive(Default)]
struct World {
    current: CurrentModels,
    counter: u32,
    renamed_this_step: bool,
}

impl World {
    fn next(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    fn pick(&self, sel: u16) -> Option<ModelKey> {
        let keys: Vec<&ModelKey> = self.current.state.models.keys().collect();
        (!keys.is_empty()).then(|| keys[sel as usize % keys.len()].clone())
    }

    fn apply(&mut self, e: &Edit) {
        let n = self.next();
        match *e {
            Edit::AddModel { app, target } => {
                let app = APPS[app as usize % APPS.len()];
                let mut m = model(app, &format!("M{n}"), vec![]);
                m.table = format!("{app}_m{n}");
                if let Some(t) = target.and_then(|s| self.pick(s)) {
                    m.fields
                        .push(fk(&format!("fk{n}"), &t.app, &t.name).nullable());
                }
                self.current.state.insert(m);
            }
            Edit::Rename(sel) => {
                let Some(old) = self.pick(sel) else { return };
                if self.renamed_this_step {
                    return;
                }
                self.renamed_this_step = true;
                let mut m = self.current.state.models.remove(&old).unwrap();
                let new = format!("R{n}");
                m.name = new.clone();
                let key = m.key();
                self.current.state.insert(m);
                for other in self.current.state.models.values_mut() {
                    for f in &mut other.fields {
                        if let Some(fk) = &mut f.foreign_key {
                            if fk.app == old.app && fk.model == old.name {
                                fk.model = new.clone();
                            }
                        }
                    }
                }
                self.current.hints.insert(
                    key,
                    ModelHints {
                        renamed_from: Some(old.name),
                        ..ModelHints::default()
                    },
                );
            }
            Edit::Delete(sel) => {
                let Some(k) = self.pick(sel) else { return };
                self.current.state.models.remove(&k);
                for other in self.current.state.models.values_mut() {
                    other
                        .fields
                        .retain(|f| f.foreign_key.as_ref().is_none_or(|fk| fk.target() != k));
                }
            }
            Edit::AlterTable(sel) => {
                let Some(k) = self.pick(sel) else { return };
                self.current.state.models.get_mut(&k).unwrap().table = format!("t{n}");
            }
            Edit::AddFk { model, target } => {
                let (Some(k), Some(t)) = (self.pick(model), self.pick(target)) else {
                    return;
                };
                self.current
                    .state
                    .models
                    .get_mut(&k)
                    .unwrap()
                    .fields
                    .push(fk(&format!("fk{n}"), &t.app, &t.name).nullable());
            }
            Edit::RemoveFk { model, field } => {
                let Some(k) = self.pick(model) else { return };
                let m = self.current.state.models.get_mut(&k).unwrap();
                let fks: Vec<usize> = (0..m.fields.len())
                    .filter(|&i| m.fields[i].foreign_key.is_some())
                    .collect();
                if !fks.is_empty() {
                    m.fields.remove(fks[field as usize % fks.len()]);
                }
            }
            Edit::RekeyColumn(sel) => {
                let Some(k) = self.pick(sel) else { return };
                self.current.state.models.get_mut(&k).unwrap().fields[0].column = format!("id{n}");
            }
        }
    }
}

/// Every foreign key an operation creates or alters names a model that exists at that
/// point of the plan.
fn check_targets(op: &Operation, state: &ProjectState, at: &MigrationKey) -> Result<(), String> {
    let fields: Vec<&FieldState> = match op {
        Operation::CreateModel(c) => c.fields.iter().collect(),
        Operation::AddField(AddField { field, .. })
        | Operation::AlterField(AlterField { field, .. }) => vec![field],
        _ => Vec::new(),
    };
    for f in fields {
        if let Some(fk) = &f.foreign_key {
            let itself = matches!(op, Operation::CreateModel(c)
                if fk.app == at.app && fk.model == c.name);
            if !itself && !state.models.contains_key(&fk.target()) {
                return Err(format!(
                    "{at}: `{}` points at {} which does not exist at this point of the plan",
                    op.describe(),
                    fk.target()
                ));
            }
        }
    }
    Ok(())
}

fn run_history(steps: Vec<Vec<Edit>>) -> Result<(), TestCaseError> {
    let mut world = World::default();
    let mut history: Vec<Migration> = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        world.current.hints.clear();
        world.renamed_this_step = false;
        for e in step {
            world.apply(e);
        }
        let graph = MigrationGraph::new(history.clone()).expect("history graph");
        // Detected, named and wired exactly as `makemigrations --noinput` does.
        let changes = match autodetector::changes(
            &graph,
            &world.current,
            &mut NonInteractiveQuestioner,
            &autodetector::Options::default(),
        ) {
            Ok(c) => c,
            // Foreign keys both ways between models created in one step, or between models
            // deleted in one step: reported, fine.
            Err(DetectError::CrossAppCycle { .. } | DetectError::DeleteCycle { .. }) => {
                return Ok(())
            }
            Err(e) => return Err(TestCaseError::fail(format!("step {n}: {e}"))),
        };
        history.extend(changes.migrations.into_iter().map(|new| new.migration));
        let graph = MigrationGraph::new(history.clone())
            .map_err(|e| TestCaseError::fail(format!("step {n}: graph: {e}")))?;
        let mut state = ProjectState::new();
        for key in graph.full_plan() {
            let m = graph.migration(&key).unwrap();
            for op in &m.operations {
                check_targets(op, &state, &key).map_err(|e| {
                    TestCaseError::fail(format!("step {n}: {e}\nhistory: {history:#?}"))
                })?;
                op.state_forwards(&m.app, &mut state)
                    .map_err(|e| TestCaseError::fail(format!("step {n}: {key}: {e}")))?;
            }
        }
        let again = detect(&state, &world.current, &mut NonInteractiveQuestioner)
            .map_err(|e| TestCaseError::fail(format!("step {n}: second detect: {e}")))?;
        prop_assert!(
            again.is_empty(),
            "step {}: the full plan does not rebuild the models: {:#?}",
            n,
            again
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Histories of models across three apps with foreign keys between them, renamed,
    /// deleted, moved and re-keyed: the migrations, applied in the graph's full plan
    /// (not in the order they were made), never create a foreign key to a model that is
    /// not there, and rebuild the current models.
    #[test]
    fn the_full_plan_never_creates_a_foreign_key_to_a_missing_model(
        steps in proptest::collection::vec(proptest::collection::vec(edit(), 1..4), 1..10)
    ) {
        run_history(steps)?;
    }
}

/// Found by the property above: a foreign key made to a model under its old name, the model
/// renamed, the key removed, then the model deleted. The deletion must come after the
/// removal in the full plan, though the history names the model differently there.
#[test]
fn a_deleted_model_waits_for_keys_made_to_it_under_an_earlier_name() {
    let steps = vec![
        vec![
            Edit::AddModel {
                app: 28,
                target: None,
            },
            Edit::AddModel {
                app: 2,
                target: None,
            },
        ],
        vec![Edit::AlterTable(0)],
        vec![Edit::AddModel {
            app: 143,
            target: Some(26438),
        }],
        vec![
            Edit::AddModel {
                app: 9,
                target: None,
            },
            Edit::Rename(16377),
        ],
        vec![Edit::RemoveFk {
            model: 38575,
            field: 0,
        }],
        vec![Edit::Delete(8553)],
    ];
    run_history(steps).unwrap_or_else(|e| panic!("{e}"));
}
