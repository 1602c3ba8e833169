//! The autodetector: every kind of change → the expected operations, renames by hint and by
//! answered question, questions for NOT NULL fields, operation order (foreign keys, indexes,
//! deletes), cross-app dependencies (including a property test that replays cross-app histories
//! in the graph's full plan), many-to-many relations, and speed on a large project.

mod sqlite_support;

#[path = "autodetector/composite_foreign_keys.rs"]
mod composite_foreign_keys;
#[path = "autodetector/composite_keys.rs"]
mod composite_keys;
#[path = "autodetector/cross_app.rs"]
mod cross_app;
#[path = "autodetector/cross_app_plan.rs"]
mod cross_app_plan;
#[path = "autodetector/fields.rs"]
mod fields;
#[path = "autodetector/many_to_many.rs"]
mod many_to_many;
#[path = "autodetector/models.rs"]
mod models;
#[path = "autodetector/order.rs"]
mod order;
#[path = "autodetector/speed.rs"]
mod speed;

use std::collections::BTreeMap;

use migrator_core::autodetector::{detect, AppChanges};
use migrator_core::questioner::{Answer, NonInteractiveQuestioner, Question, ScriptedQuestioner};
use migrator_core::registry::{CurrentModels, ModelHints};
use migrator_core::{
    ColumnType, FieldState, ForeignKey, ModelKey, ModelState, OnDelete, Operation, ProjectState,
};

fn id() -> FieldState {
    FieldState::new("id", ColumnType::BigInt)
        .primary_key()
        .auto_increment()
}

fn model(app: &str, name: &str, fields: Vec<FieldState>) -> ModelState {
    let mut m = ModelState::new(app, name, name.to_lowercase() + "s");
    m.fields = std::iter::once(id()).chain(fields).collect();
    m
}

fn book() -> ModelState {
    model(
        "library",
        "Book",
        vec![
            FieldState::new("title", ColumnType::Varchar(200)),
            FieldState::new("isbn", ColumnType::Varchar(13)).nullable(),
        ],
    )
}

fn fk(name: &str, app: &str, target: &str) -> FieldState {
    FieldState::new(name, ColumnType::BigInt).foreign_key(ForeignKey::new(
        app,
        target,
        OnDelete::Cascade,
    ))
}

fn project(models: impl IntoIterator<Item = ModelState>) -> ProjectState {
    let mut s = ProjectState::new();
    for m in models {
        s.insert(m);
    }
    s
}

fn current(models: impl IntoIterator<Item = ModelState>) -> CurrentModels {
    CurrentModels {
        state: project(models),
        hints: BTreeMap::new(),
        ..CurrentModels::default()
    }
}

fn with_hints(mut c: CurrentModels, key: (&str, &str), hints: ModelHints) -> CurrentModels {
    c.hints.insert(ModelKey::new(key.0, key.1), hints);
    c
}

fn run(
    from: &ProjectState,
    to: &CurrentModels,
    answers: Vec<Answer>,
) -> (BTreeMap<String, AppChanges>, Vec<Question>) {
    let mut q = ScriptedQuestioner::new(answers);
    let changes = detect(from, to, &mut q).expect("detect");
    (changes, q.asked)
}

fn ops_of(changes: &BTreeMap<String, AppChanges>, app: &str) -> Vec<Operation> {
    changes
        .get(app)
        .map(|c| c.operations.clone())
        .unwrap_or_default()
}

fn descriptions(ops: &[Operation]) -> Vec<String> {
    ops.iter().map(Operation::describe).collect()
}

/// Replays each app's operations (dependencies first) onto `from`.
fn replay(from: &ProjectState, changes: &BTreeMap<String, AppChanges>) -> ProjectState {
    let mut s = from.clone();
    let mut done: Vec<&str> = Vec::new();
    while done.len() < changes.len() {
        let (app, ch) = changes
            .iter()
            .find(|(a, ch)| {
                !done.contains(&a.as_str())
                    && ch
                        .depends_on_apps
                        .iter()
                        .all(|d| done.contains(&d.as_str()) || !changes.contains_key(d))
            })
            .expect("no dependency cycle");
        for op in &ch.operations {
            op.state_forwards(app, &mut s).expect("replays");
        }
        done.push(app);
    }
    s
}

fn assert_fixpoint(
    from: &ProjectState,
    to: &CurrentModels,
    changes: &BTreeMap<String, AppChanges>,
) {
    let replayed = replay(from, changes);
    let again = detect(&replayed, to, &mut NonInteractiveQuestioner).expect("second detect");
    assert!(again.is_empty(), "second detect: {again:#?}");
}

/// Applies `changes` (one app, `library`) to a fresh SQLite database created from `from`'s
/// operations, checking the introspected schema afterwards.
fn apply_to_sqlite(from_ops: &[Operation], changes: &BTreeMap<String, AppChanges>) {
    use migrator_core::backend::sqlite::SqliteEditor;

    let (_dir, mut conn) = sqlite_support::temp_db();
    let mut state = ProjectState::new();
    let ops: Vec<&Operation> = from_ops
        .iter()
        .chain(changes.values().flat_map(|c| c.operations.iter()))
        .collect();
    for op in ops {
        let before = state.clone();
        op.state_forwards("library", &mut state).unwrap();
        let sql = op
            .database_forwards("library", &SqliteEditor, &before, &state)
            .unwrap();
        sqlite_support::run(&mut conn, &sql);
    }
    sqlite_support::assert_schema(&mut conn, &state);
}
