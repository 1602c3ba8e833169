//! Model rules operations check on the state: a model cannot be deleted while another
//! model's field points at it (its own foreign keys to itself go with it), and two indexes of
//! a model cannot share a name, whatever their options.

use migrator_core::operations::{
    AddField, AddIndex, CreateModel, DeleteModel, RemoveField, StateError,
};
use migrator_core::{
    ColumnType, FieldState, ForeignKey, IndexState, ModelState, OnDelete, Operation, ProjectState,
};

use super::{apply, book, fk_to, state};

#[test]
fn delete_model_is_refused_while_a_field_of_another_model_points_at_it() {
    let mut s = state();
    apply(&mut s, AddField::new("Book", fk_to("library", "Writer"))).unwrap();
    let err = apply(
        &mut s.clone(),
        DeleteModel {
            name: "Writer".into(),
        },
    )
    .unwrap_err();
    assert!(
        matches!(&err, StateError::ModelReferencedByField { by, field, .. } if by == "library.Book" && field == "writer"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("`library.Writer` is still referenced by field `writer` of `library.Book`")
            && text.contains("remove_field(\"Book\", \"writer\")")
            && text.contains("before deleting the model"),
        "{text}"
    );
    // Nothing half-applied: the model is still there.
    assert!(s.model("library", "Writer").is_some());
    // Once the field is gone, or when the referencing model goes first, it can go.
    let mut without_field = s.clone();
    apply(&mut without_field, RemoveField::new("Book", "writer")).unwrap();
    apply(
        &mut without_field,
        DeleteModel {
            name: "Writer".into(),
        },
    )
    .unwrap();
    let mut both = s.clone();
    apply(
        &mut both,
        DeleteModel {
            name: "Book".into(),
        },
    )
    .unwrap();
    apply(
        &mut both,
        DeleteModel {
            name: "Writer".into(),
        },
    )
    .unwrap();
    // A foreign key of a model to itself goes with it.
    let mut own = ProjectState::new();
    let mut node = ModelState::new("library", "Node", "nodes");
    node.fields = vec![
        FieldState::new("id", ColumnType::BigInt).primary_key(),
        FieldState::new("parent", ColumnType::BigInt)
            .nullable()
            .foreign_key(ForeignKey::new("library", "Node", OnDelete::Cascade)),
    ];
    apply(&mut own, CreateModel::from_state(&node)).unwrap();
    apply(
        &mut own,
        DeleteModel {
            name: "Node".into(),
        },
    )
    .unwrap();
    // Another app's field counts too.
    let mut other = state();
    let mut review = ModelState::new("reviews", "Review", "reviews");
    review.fields = vec![
        FieldState::new("id", ColumnType::BigInt).primary_key(),
        fk_to("library", "Writer"),
    ];
    Operation::from(CreateModel::from_state(&review))
        .state_forwards("reviews", &mut other)
        .unwrap();
    let err = apply(
        &mut other,
        DeleteModel {
            name: "Writer".into(),
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("of `reviews.Review`"), "{err}");
}

/// A hand-written migration that gives two indexes one name — as migrator's generated names
/// would for two unnamed indexes over the same fields that differ in their options only (the
/// derive refuses that at compile time) — is refused before any SQL, whatever the options.
#[test]
fn two_indexes_with_one_name_are_refused_whatever_their_options() {
    let name = "books_title_0123abcd_idx";
    let open = IndexState::new(name, ["title"], false).condition("isbn IS NULL");
    let closed = IndexState::new(name, ["title"], false).condition("isbn IS NOT NULL");
    let mut m = book();
    m.indexes.extend([open.clone(), closed.clone()]);
    let err = apply(&mut ProjectState::new(), CreateModel::from_state(&m)).unwrap_err();
    assert!(
        matches!(&err, StateError::IndexExists { name: n, .. } if n == name),
        "{err:?}"
    );
    assert!(err.to_string().contains("choose another name"), "{err}");

    let mut s = state();
    apply(&mut s, AddIndex::new("Book", open)).unwrap();
    let err = apply(&mut s, AddIndex::new("Book", closed.method("hash"))).unwrap_err();
    assert!(
        matches!(&err, StateError::IndexExists { name: n, .. } if n == name),
        "{err:?}"
    );
}
