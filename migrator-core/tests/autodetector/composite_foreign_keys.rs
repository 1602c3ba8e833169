//! Foreign keys to a composite primary key (`ConstraintKind::ForeignKey`): created after
//! their target, in the same run and across apps (with the dependency), added, changed and
//! removed as constraints, dropped and added back around a change of the target's key, and
//! a target deleted only after the foreign keys pointing at it are gone.

use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::state::ConstraintState;
use migrator_core::{
    ColumnType, DefaultValue, FieldState, ForeignKey, ModelState, OnDelete, Operation,
};

use super::{apply_to_sqlite, assert_fixpoint, current, descriptions, ops_of, project, run};

fn line(app: &str) -> ModelState {
    let mut m = ModelState::new(app, "OrderLine", "order_lines");
    m.fields = vec![
        FieldState::new("order_id", ColumnType::BigInt).primary_key(),
        FieldState::new("line_no", ColumnType::Integer).primary_key(),
        FieldState::new("qty", ColumnType::Integer),
    ];
    m
}

fn note(app: &str, target_app: &str, on_delete: Option<OnDelete>) -> ModelState {
    let mut m = ModelState::new(app, "Note", "notes");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("order_id", ColumnType::BigInt),
        FieldState::new("line_no", ColumnType::Integer),
    ];
    if let Some(on_delete) = on_delete {
        m.constraints = vec![ConstraintState::foreign_key(
            "notes_fk",
            ["order_id", "line_no"],
            ForeignKey::new(target_app, "OrderLine", on_delete),
        )];
    }
    m
}

#[test]
fn a_referencing_model_is_created_after_its_target() {
    // `Note` sorts before `OrderLine`: only the foreign key puts the target first.
    let from = project([]);
    let to = current([
        note("library", "library", Some(OnDelete::Cascade)),
        line("library"),
    ]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Create model OrderLine", "Create model Note"]
    );
    assert_fixpoint(&from, &to, &changes);
    apply_to_sqlite(&[], &changes);
}

#[test]
fn a_foreign_key_to_another_apps_model_depends_on_that_app() {
    let from = project([]);
    let to = current([
        note("notes", "orders", Some(OnDelete::Cascade)),
        line("orders"),
    ]);
    let (changes, _) = run(&from, &to, vec![]);
    assert!(
        changes["notes"].depends_on_apps.contains("orders"),
        "{changes:#?}"
    );
    assert!(changes["orders"].depends_on_apps.is_empty());
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn added_changed_and_removed_as_a_constraint() {
    let from = project([line("library"), note("library", "library", None)]);
    let to = current([
        line("library"),
        note("library", "library", Some(OnDelete::Cascade)),
    ]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Create constraint notes_fk on model note"]
    );
    assert_fixpoint(&from, &to, &changes);

    let from = to.state.clone();
    let to = current([
        line("library"),
        note("library", "library", Some(OnDelete::Restrict)),
    ]);
    let (changes, _) = run(&from, &to, vec![]);
    let ops = ops_of(&changes, "library");
    assert!(
        matches!(
            ops.as_slice(),
            [Operation::RemoveConstraint(_), Operation::AddConstraint(_)]
        ),
        "{ops:#?}"
    );
    assert_fixpoint(&from, &to, &changes);

    let from = to.state.clone();
    let to = current([line("library"), note("library", "library", None)]);
    let (changes, _) = run(&from, &to, vec![]);
    assert!(
        matches!(
            ops_of(&changes, "library").as_slice(),
            [Operation::RemoveConstraint(_)]
        ),
        "{changes:#?}"
    );
}

#[test]
fn a_change_of_the_targets_key_drops_the_foreign_key_and_adds_it_back() {
    let from = project([
        line("library"),
        note("library", "library", Some(OnDelete::Cascade)),
    ]);
    // The key becomes (order_id, seq): another field, the same arity and types.
    let mut new_line = line("library");
    new_line.fields[1].primary_key = false;
    new_line.fields.push(
        FieldState::new("seq", ColumnType::Integer)
            .primary_key()
            .default(DefaultValue::Int(0)),
    );
    let to = current([
        new_line,
        note("library", "library", Some(OnDelete::Cascade)),
    ]);
    let (changes, _) = run(&from, &to, vec![]);
    let ops = ops_of(&changes, "library");
    assert!(
        matches!(ops.first(), Some(Operation::RemoveConstraint(_)))
            && matches!(ops.last(), Some(Operation::AddConstraint(_))),
        "{:#?}",
        descriptions(&ops)
    );
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn a_target_is_deleted_after_the_foreign_keys_to_it() {
    let from = project([
        line("library"),
        note("library", "library", Some(OnDelete::Cascade)),
    ]);
    let to = current([note("library", "library", None)]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Remove constraint notes_fk from model note",
            "Delete model OrderLine"
        ]
    );
    // Both deleted: the referencing model goes first.
    let to = current([]);
    let changes =
        migrator_core::autodetector::detect(&from, &to, &mut NonInteractiveQuestioner).unwrap();
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Delete model Note", "Delete model OrderLine"]
    );
}
