//! Indexes the derive must tell apart: over the same fields with other options (condition,
//! method, include), and beside a field's own index.

use migrator_core::Model;

use super::APP;

/// Indexes over the same fields that differ in their options are different indexes: two
/// partial indexes with different conditions, a hash index beside the field's own B-tree
/// index, a covering index, a partial index beside the field's own index (which the
/// duplicate check once took for repeats, comparing only fields and `unique`).
#[derive(Model)]
#[model(
    table = "tickets",
    index(fields = ["owner", "state"], name = "tickets_open", condition = "state = 'open'"),
    index(fields = ["owner", "state"], name = "tickets_closed", condition = "state = 'closed'"),
    index(fields = ["owner"], method = "hash"),
    index(fields = ["state"], include = ["owner"], name = "tickets_state_cover"),
    index(fields = ["state"], condition = "owner > 0")
)]
struct Ticket {
    id: i64,
    #[model(index)]
    owner: i64,
    #[model(index, max_length = 10)]
    state: String,
}

#[test]
fn indexes_over_the_same_fields_with_other_options_are_distinct() {
    let state = Ticket::definition().state;
    let described: Vec<String> = state
        .indexes
        .iter()
        .map(|i| {
            format!(
                "{} {:?} condition={:?} method={:?} include={:?}",
                i.name, i.fields, i.condition, i.method, i.include
            )
        })
        .collect();
    assert_eq!(state.indexes.len(), 5, "{described:#?}");
    let names: std::collections::BTreeSet<&str> =
        state.indexes.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names.len(),
        5,
        "every index has its own name: {described:#?}"
    );
    assert!(names.contains("tickets_open") && names.contains("tickets_closed"));
    assert!(state.field("owner").unwrap().index && state.field("state").unwrap().index);
    // The state takes the model as it is (no name clash, no repeated index).
    let mut project = migrator_core::ProjectState::new();
    migrator_core::Operation::from(migrator_core::operations::CreateModel::from_state(&state))
        .state_forwards(APP, &mut project)
        .unwrap();
}
