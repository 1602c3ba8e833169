//! Composite primary keys: a model created with one, and a primary key that changes between
//! one column and several, in an order that keeps the rows (fields join the key before any
//! leaves it; an auto-increment key stops numbering first and comes back last), which the
//! optimizer keeps and SQLite applies.

use migrator_core::autodetector::{detect, DetectError};
use migrator_core::operations::CreateModel;
use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::{ColumnType, FieldState, ModelState, Operation};

use super::{apply_to_sqlite, assert_fixpoint, current, descriptions, ops_of, project, run};

fn line(fields: Vec<FieldState>) -> ModelState {
    let mut m = ModelState::new("library", "OrderLine", "order_lines");
    m.fields = fields;
    m
}

fn order_id() -> FieldState {
    FieldState::new("order_id", ColumnType::BigInt)
}

fn line_no() -> FieldState {
    FieldState::new("line_no", ColumnType::Integer)
}

fn qty() -> FieldState {
    FieldState::new("qty", ColumnType::Integer)
}

fn auto_id() -> FieldState {
    FieldState::new("id", ColumnType::BigInt)
        .primary_key()
        .auto_increment()
}

fn create_ops(m: &ModelState) -> Vec<Operation> {
    vec![CreateModel::from_state(m).into()]
}

#[test]
fn a_model_with_a_composite_key_is_created_with_it() {
    let to = current([line(vec![
        order_id().primary_key(),
        line_no().primary_key(),
        qty(),
    ])]);
    let from = project([]);
    let (changes, _) = run(&from, &to, vec![]);
    let ops = ops_of(&changes, "library");
    let Operation::CreateModel(c) = &ops[0] else {
        panic!("{ops:#?}")
    };
    let key: Vec<&str> = c
        .fields
        .iter()
        .filter(|f| f.primary_key)
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(key, ["order_id", "line_no"]);
    assert_fixpoint(&from, &to, &changes);
    apply_to_sqlite(&[], &changes);
}

#[test]
fn an_auto_id_key_becomes_a_composite_key_without_a_step_that_could_fail_on_rows() {
    let old = line(vec![auto_id(), order_id(), line_no(), qty()]);
    let from = project([old.clone()]);
    let to = current([line(vec![
        order_id().primary_key(),
        line_no().primary_key(),
        qty(),
    ])]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Alter field id on orderline",
            "Alter field order_id on orderline",
            "Alter field line_no on orderline",
            "Remove field id from orderline",
        ]
    );
    let ops = ops_of(&changes, "library");
    let Operation::AlterField(first) = &ops[0] else {
        panic!("{ops:#?}")
    };
    assert!(first.field.primary_key && !first.field.auto_increment);
    assert_fixpoint(&from, &to, &changes);
    apply_to_sqlite(&create_ops(&old), &changes);
}

#[test]
fn a_composite_key_replaced_by_a_new_auto_key_is_refused_with_the_way_to_do_it() {
    let old = line(vec![
        order_id().primary_key(),
        line_no().primary_key(),
        qty(),
    ]);
    let to = current([line(vec![auto_id(), order_id(), line_no(), qty()])]);
    let err = detect(&project([old]), &to, &mut NonInteractiveQuestioner).unwrap_err();
    assert!(
        matches!(&err, DetectError::CompositeKeyToNewAutoKey { field, .. } if field == "id"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("from (order_id, line_no) to the new auto-increment field `id`"));
    assert!(text.contains("Make it in three steps"), "{text}");
}

#[test]
fn a_composite_key_becomes_an_existing_field_that_numbers_last() {
    let old = line(vec![
        FieldState::new("id", ColumnType::BigInt),
        order_id().primary_key(),
        line_no().primary_key(),
        qty(),
    ]);
    let from = project([old.clone()]);
    let to = current([line(vec![auto_id(), order_id(), line_no(), qty()])]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Alter field id on orderline",
            "Alter field order_id on orderline",
            "Alter field line_no on orderline",
            "Alter field id on orderline",
        ]
    );
    assert_fixpoint(&from, &to, &changes);
    apply_to_sqlite(&create_ops(&old), &changes);
}

#[test]
fn a_field_joins_the_key_before_another_leaves_it() {
    let old = line(vec![
        order_id().primary_key(),
        line_no().primary_key(),
        qty(),
    ]);
    let from = project([old.clone()]);
    let to = current([line(vec![
        order_id().primary_key(),
        line_no(),
        qty().primary_key(),
    ])]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Alter field qty on orderline",
            "Alter field line_no on orderline",
        ]
    );
    assert_fixpoint(&from, &to, &changes);
    apply_to_sqlite(&create_ops(&old), &changes);
}

#[test]
fn a_one_column_key_moves_to_an_existing_auto_field_last() {
    // `code` is the key; `id` becomes an auto-increment key: `id` joins without numbering,
    // `code` leaves, then `id` numbers.
    let old = line(vec![
        FieldState::new("code", ColumnType::Varchar(10)).primary_key(),
        FieldState::new("id", ColumnType::BigInt),
    ]);
    let from = project([old.clone()]);
    let to = current([line(vec![
        FieldState::new("code", ColumnType::Varchar(10)),
        auto_id(),
    ])]);
    let (changes, _) = run(&from, &to, vec![]);
    let ops = ops_of(&changes, "library");
    assert_eq!(
        descriptions(&ops),
        [
            "Alter field id on orderline",
            "Alter field code on orderline",
            "Alter field id on orderline",
        ]
    );
    let Operation::AlterField(joins) = &ops[0] else {
        panic!("{ops:#?}")
    };
    assert!(joins.field.primary_key && !joins.field.auto_increment);
    assert_fixpoint(&from, &to, &changes);
    apply_to_sqlite(&create_ops(&old), &changes);
}
