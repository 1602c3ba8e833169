//! The state rules of a multi-column foreign key (`ConstraintKind::ForeignKey`): what
//! `AddConstraint` and `CreateModel` refuse (too few fields, a missing or repeated field, another
//! arity or column type than the target's key, `SET NULL` on NOT NULL fields), what stays
//! blocked while it exists (removing a field it names, deleting its target, changing the
//! target's key), and what renames rewrite (the target model, a field it names).

use migrator_core::operations::{
    AddConstraint, AddField, AlterField, DeleteModel, RemoveField, RenameField, RenameModel,
    StateError,
};
use migrator_core::{
    ColumnType, ConstraintKind, ConstraintState, FieldState, ForeignKey, ModelState, OnDelete,
    Operation, ProjectState,
};

fn state() -> ProjectState {
    let mut line = ModelState::new("shop", "OrderLine", "order_lines");
    line.fields = vec![
        FieldState::new("order_id", ColumnType::BigInt).primary_key(),
        FieldState::new("line_no", ColumnType::Integer).primary_key(),
    ];
    let mut note = ModelState::new("shop", "Note", "notes");
    note.fields = vec![
        FieldState::new("id", ColumnType::BigInt).primary_key(),
        FieldState::new("order_id", ColumnType::BigInt),
        FieldState::new("line_no", ColumnType::Integer),
        FieldState::new("label", ColumnType::Text),
    ];
    let mut s = ProjectState::new();
    s.insert(line);
    s.insert(note);
    s
}

fn fk(fields: &[&str], on_delete: OnDelete) -> ConstraintState {
    ConstraintState::foreign_key(
        "notes_fk",
        fields.iter().copied(),
        ForeignKey::new("shop", "OrderLine", on_delete),
    )
}

fn apply(s: &mut ProjectState, op: impl Into<Operation>) -> Result<(), StateError> {
    op.into().state_forwards("shop", s)
}

fn problem(fields: &[&str], on_delete: OnDelete) -> String {
    let mut s = state();
    let err = apply(&mut s, AddConstraint::new("Note", fk(fields, on_delete))).unwrap_err();
    err.to_string()
}

#[test]
fn add_constraint_refuses_what_does_not_fit_the_target_key() {
    let mut s = state();
    apply(
        &mut s,
        AddConstraint::new("Note", fk(&["order_id", "line_no"], OnDelete::Cascade)),
    )
    .unwrap();
    let one = problem(&["order_id"], OnDelete::Cascade);
    assert!(one.contains("that field's own `foreign_key`"), "{one}");
    let arity = problem(&["order_id", "line_no", "id"], OnDelete::Cascade);
    assert!(
        arity.contains(
            "has 3 fields, but the primary key of `shop.OrderLine` has 2 (order_id, line_no)"
        ),
        "{arity}"
    );
    let types = problem(&["order_id", "label"], OnDelete::Cascade);
    assert!(
        types.contains("matches field `label` (TEXT) with key field `shop.OrderLine.line_no`"),
        "{types}"
    );
    let twice = problem(&["order_id", "order_id"], OnDelete::Cascade);
    assert!(twice.contains("names field `order_id` twice"), "{twice}");
    let missing = problem(&["order_id", "nope"], OnDelete::Cascade);
    assert!(missing.contains("nope"), "{missing}");
    let null = problem(&["order_id", "line_no"], OnDelete::SetNull);
    assert!(null.contains("is NOT NULL"), "{null}");
}

#[test]
fn the_target_the_fields_and_the_key_are_held_while_it_exists() {
    let mut s = state();
    apply(
        &mut s,
        AddConstraint::new("Note", fk(&["order_id", "line_no"], OnDelete::Cascade)),
    )
    .unwrap();
    let deleted = apply(
        &mut s.clone(),
        DeleteModel {
            name: "OrderLine".into(),
        },
    )
    .unwrap_err();
    assert!(
        matches!(&deleted, StateError::ModelReferenced { name, by, .. } if name == "notes_fk" && by == "shop.Note"),
        "{deleted}"
    );
    assert!(deleted
        .to_string()
        .contains("remove_constraint(\"Note\", \"notes_fk\")"));
    let removed = apply(&mut s.clone(), RemoveField::new("Note", "line_no")).unwrap_err();
    assert!(
        matches!(removed, StateError::FieldInUse { .. }),
        "{removed}"
    );
    // The target's key cannot change under it: a third key field, or one leaving the key.
    let grown = apply(
        &mut s.clone(),
        AddField::new(
            "OrderLine",
            FieldState::new("seq", ColumnType::Integer).primary_key(),
        ),
    )
    .unwrap_err();
    assert!(
        grown.to_string().contains("has 3 (order_id, line_no, seq)"),
        "{grown}"
    );
    let shrunk = apply(
        &mut s.clone(),
        AlterField::new("OrderLine", FieldState::new("line_no", ColumnType::Integer)),
    )
    .unwrap_err();
    assert!(shrunk.to_string().contains("has 1 (order_id)"), "{shrunk}");
    // Nor can a referencing field's type drift from its key field's.
    let retyped = apply(
        &mut s.clone(),
        AlterField::new("Note", FieldState::new("line_no", ColumnType::BigInt)),
    )
    .unwrap_err();
    assert!(
        retyped
            .to_string()
            .contains("matches field `line_no` (BIGINT)"),
        "{retyped}"
    );
}

#[test]
fn renames_of_the_target_and_of_a_field_are_followed() {
    let mut s = state();
    apply(
        &mut s,
        AddConstraint::new("Note", fk(&["order_id", "line_no"], OnDelete::Cascade)),
    )
    .unwrap();
    apply(
        &mut s,
        RenameModel {
            old_name: "OrderLine".into(),
            new_name: "Line".into(),
        },
    )
    .unwrap();
    apply(&mut s, RenameField::new("Note", "line_no", "line")).unwrap();
    // A key field of the target renamed: nothing to rewrite, the key is read at each step.
    apply(&mut s, RenameField::new("Line", "line_no", "number")).unwrap();
    let note = s.model("shop", "Note").unwrap();
    assert_eq!(
        note.constraints[0].kind,
        ConstraintKind::ForeignKey {
            fields: vec!["order_id".into(), "line".into()],
            to: ForeignKey::new("shop", "Line", OnDelete::Cascade),
        }
    );
    assert!(s
        .canonical_text()
        .contains("foreign_key notes_fk (order_id, line) -> shop.Line on_delete=CASCADE"));
}
