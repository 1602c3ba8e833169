//! In-process benchmarks of the core (issue 7), with divan: replaying a long history into a
//! `ProjectState`, autodetecting 2,000 models against themselves and from an empty state, computing `migrate` plans
//! and the SQL of one migration, and one schema-editor call beside 10 or 2,000 unrelated models.
//!
//! The projects are the synthetic ones of `migrator-tests`' `synth` module, built in memory
//! (no derive, no files): the huge size is 20 apps × 100 models × 20 fields with 100
//! follow-up migrations per app (2,020 migrations); `steps = 200` doubles the history.
//! Run with `cargo bench -p migrator-core --bench core`; the allocation profiler adds the
//! bytes allocated (and the peak live bytes) per iteration. The pass/fail targets are checked
//! by `scripts/bench`, not here. This file owns no behaviour of migrator-core.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use divan::{AllocProfiler, Bencher};
use migrator_core::autodetector;
use migrator_core::backend::Backend;
use migrator_core::executor::{self, Target};
use migrator_core::graph::MigrationGraph;
use migrator_core::operations::AddField;
use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::registry::CurrentModels;
use migrator_core::{
    ColumnType, FieldState, Migration, MigrationKey, ModelState, Operation, ProjectState,
};
use migrator_tests::synth::{self, History, Size};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

/// The huge history (100 follow-up steps per app) and its doubled variant (200).
static HUGE: LazyLock<History> = LazyLock::new(|| history(Size::HUGE));
static HUGE_DOUBLED: LazyLock<History> =
    LazyLock::new(|| history(Size::HUGE.with_steps(2 * Size::HUGE.steps)));
static HUGE_GRAPH: LazyLock<MigrationGraph> =
    LazyLock::new(|| MigrationGraph::new(HUGE.migrations.clone()).expect("synthetic graph"));

fn history(size: Size) -> History {
    synth::generate_history(size, |_| {}).expect("synthetic history")
}

fn huge(steps: usize) -> &'static History {
    if steps == Size::HUGE.steps {
        &HUGE
    } else {
        &HUGE_DOUBLED
    }
}

fn current(history: &History) -> CurrentModels {
    CurrentModels {
        state: history.models.clone(),
        hints: BTreeMap::new(),
        ..CurrentModels::default()
    }
}

/// What `makemigrations --check` does in process on the huge project: build the graph of every
/// migration, replay it into a `ProjectState`, and find no change against the models.
#[divan::bench(args = [100, 200], sample_count = 5, sample_size = 1)]
fn replay_and_detect_no_change(bencher: Bencher, steps: usize) {
    let history = huge(steps);
    let models = current(history);
    bencher
        .with_inputs(|| history.migrations.clone())
        .bench_local_values(|migrations: Vec<Migration>| {
            let graph = MigrationGraph::new(migrations).expect("graph");
            let state = graph.project_state().expect("replay");
            let changes = autodetector::detect(&state, &models, &mut NonInteractiveQuestioner)
                .expect("detect");
            assert!(changes.is_empty());
        });
}

/// Building the graph (dependencies, cycle check, order) and replaying the whole history.
#[divan::bench(args = [100, 200], sample_count = 5, sample_size = 1)]
fn replay_history(bencher: Bencher, steps: usize) {
    let history = huge(steps);
    bencher
        .with_inputs(|| history.migrations.clone())
        .bench_local_values(|migrations: Vec<Migration>| {
            MigrationGraph::new(migrations)
                .expect("graph")
                .project_state()
                .expect("replay")
        });
}

/// The autodetector on 2,000 models (40,000 fields) against themselves.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn detect_2000_models_unchanged(bencher: Bencher) {
    let models = current(&HUGE);
    bencher.bench_local(|| {
        autodetector::detect(&models.state, &models, &mut NonInteractiveQuestioner).expect("detect")
    });
}

/// The autodetector on 2,000 models from an empty state (the first `makemigrations`).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn detect_2000_models_from_empty(bencher: Bencher) {
    let models = current(&HUGE);
    bencher.bench_local(|| {
        autodetector::detect(&ProjectState::new(), &models, &mut NonInteractiveQuestioner)
            .expect("detect")
    });
}

/// The plan of `migrate` from an empty database to head (2,020 migrations).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn plan_empty_to_head(bencher: Bencher) {
    let graph = &*HUGE_GRAPH;
    let applied = BTreeSet::new();
    bencher
        .bench_local(|| executor::migration_plan(graph, &applied, &Target::Latest).expect("plan"));
}

/// The plan of `migrate app00 zero` with everything applied (app00 and every app after it).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn plan_app_zero(bencher: Bencher) {
    let graph = &*HUGE_GRAPH;
    let applied: BTreeSet<MigrationKey> = graph.full_plan().into_iter().collect();
    let target = Target::Zero(synth::app_label(0));
    bencher.bench_local(|| executor::migration_plan(graph, &applied, &target).expect("plan"));
}

/// `sqlmigrate` of the last migration of the last app: the state before it is replayed from
/// the whole history first.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn sql_of_last_migration(bencher: Bencher) {
    let graph = &*HUGE_GRAPH;
    let app = synth::app_label(Size::HUGE.apps - 1);
    let last = graph.leaf_nodes(&app).pop().expect("leaf");
    bencher.bench_local(|| {
        executor::sql_for_migration(graph, &last, false, Backend::Sqlite).expect("sql")
    });
}

/// The SQL of one `AddField` on a model that shares the state with `unrelated` other models,
/// on every backend this build includes (`--features postgres,mysql` for all three): the cost must not grow with models the operation does not touch
/// (compare the 10 and 2,000 rows).
#[divan::bench(args = [10, 2000], sample_count = 5, sample_size = 20)]
fn add_field_beside_unrelated_models(bencher: Bencher, unrelated: usize) {
    let mut before = ProjectState::new();
    for i in 0..=unrelated {
        let mut m = ModelState::new("app", format!("Model{i}"), format!("app_model{i}"));
        m.fields = vec![
            FieldState::new("id", ColumnType::BigInt)
                .primary_key()
                .auto_increment(),
            FieldState::new("name", ColumnType::Varchar(100)),
        ];
        before.insert(m);
    }
    let op = Operation::AddField(AddField::new(
        "Model0",
        FieldState::new("nickname", ColumnType::Varchar(30)).nullable(),
    ));
    let mut after = before.clone();
    op.state_forwards("app", &mut after).expect("state");
    let editors: Vec<_> = migrator_core::backend::ALL
        .iter()
        .filter(|b| b.is_built())
        .map(|b| b.editor().expect("editor"))
        .collect();
    bencher.bench_local(|| {
        for editor in &editors {
            op.database_forwards("app", &**editor, &before, &after)
                .expect("sql");
        }
    });
}
