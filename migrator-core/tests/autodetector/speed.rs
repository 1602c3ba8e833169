//! Speed: detection on a project of two thousand models.

use std::time::{Duration, Instant};

use migrator_core::autodetector::detect;
use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::{ColumnType, FieldState, IndexState, ModelState, ProjectState};

use super::{current, fk, model};

#[test]
fn detection_is_fast_on_two_thousand_models() {
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
    let start = Instant::now();
    let changes = detect(&to.state, &to, &mut NonInteractiveQuestioner).unwrap();
    let same = start.elapsed();
    assert!(changes.is_empty());
    let start = Instant::now();
    let changes = detect(&ProjectState::new(), &to, &mut NonInteractiveQuestioner).unwrap();
    let initial = start.elapsed();
    assert_eq!(changes["big"].operations.len(), 2000);
    let limit = Duration::from_secs(if cfg!(debug_assertions) { 10 } else { 1 });
    eprintln!("2,000 models: against themselves {same:?}, from empty {initial:?}");
    assert!(
        same < limit && initial < limit,
        "against itself {same:?}, initial {initial:?}"
    );
}
