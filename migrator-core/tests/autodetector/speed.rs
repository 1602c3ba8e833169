//! Scale: detection on a project of two thousand models gives the right answer. How fast it
//! is lives in the benchmarks (`cargo bench -p migrator-core --bench core`:
//! `detect_2000_models_unchanged`, `detect_2000_models_from_empty`), not in a timed test.

use migrator_core::autodetector::detect;
use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::{ColumnType, FieldState, IndexState, ModelState, ProjectState};

use super::{current, fk, model};

#[test]
fn detection_is_right_on_two_thousand_models() {
    let models: Vec<ModelState> = (0..2000)
        .map(|i| {
            let mut fields: Vec<FieldState> = (0..10)
                .map(|j| FieldState::new(format!("f{j}"), ColumnType::Integer))
                .collect();
            if i > 0 {
                fields.push(fk("parent", "big", &format!("M{}", i - 1)));
            }
            let mut m = model("big", &format!("M{i}"), fields);
            m.indexes = vec![IndexState::new(format!("m{i}_f1"), ["f1"], false)];
            m
        })
        .collect();
    let to = current(models);
    let changes = detect(&to.state, &to, &mut NonInteractiveQuestioner).unwrap();
    assert!(changes.is_empty());
    let changes = detect(&ProjectState::new(), &to, &mut NonInteractiveQuestioner).unwrap();
    assert_eq!(changes["big"].operations.len(), 2000);
}
