//! Operation order within a run: foreign-key targets created first, foreign-key cycles
//! broken, references removed before the models they point at are deleted, and detected
//! orders that apply to SQLite.

use migrator_core::operations::{AddField, CreateModel};
use migrator_core::{Operation, ProjectState};

use super::{
    apply_to_sqlite, assert_fixpoint, book, current, descriptions, fk, model, ops_of, project, run,
};

#[test]
fn foreign_key_targets_are_created_first_whatever_their_names() {
    let apple = model("library", "Apple", vec![fk("zebra", "library", "Zebra")]);
    let mango = model("library", "Mango", vec![fk("apple", "library", "Apple")]);
    let zebra = model(
        "library",
        "Zebra",
        vec![fk("me", "library", "Zebra").nullable()],
    );
    let to = current([apple, mango, zebra]);
    let (changes, _) = run(&ProjectState::new(), &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Create model Zebra",
            "Create model Apple",
            "Create model Mango"
        ]
    );
    assert_fixpoint(&ProjectState::new(), &to, &changes);
}

#[test]
fn foreign_key_cycle_adds_one_field_afterwards() {
    let a = model(
        "library",
        "Author",
        vec![fk("favourite", "library", "Book").nullable()],
    );
    let b = model("library", "Book", vec![fk("author", "library", "Author")]);
    let to = current([a, b]);
    let (changes, asked) = run(&ProjectState::new(), &to, vec![]);
    assert!(asked.is_empty(), "a new table needs no one-off default");
    let ops = ops_of(&changes, "library");
    assert_eq!(
        descriptions(&ops),
        [
            "Create model Author",
            "Create model Book",
            "Add field favourite to author"
        ]
    );
    let Operation::CreateModel(author) = &ops[0] else {
        panic!()
    };
    assert_eq!(author.fields.len(), 1, "created without the foreign key");
    assert_fixpoint(&ProjectState::new(), &to, &changes);
}

#[test]
fn deleting_a_referenced_model_removes_references_first() {
    let writer = model("library", "Writer", vec![]);
    let mut b = book();
    b.fields.push(fk("writer", "library", "Writer"));
    let review = model("reviews", "Review", vec![fk("writer", "library", "Writer")]);
    let from = project([writer, b, review]);
    let to = current([book(), model("reviews", "Review", vec![])]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Remove field writer from book", "Delete model Writer"]
    );
    assert_eq!(
        descriptions(&ops_of(&changes, "reviews")),
        ["Remove field writer from review"]
    );
    assert!(
        changes["library"].depends_on_apps.contains("reviews"),
        "the delete waits for the other app to drop its reference"
    );
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn deleted_models_go_referencing_first_and_cycles_are_broken() {
    let a = model("library", "A", vec![fk("b", "library", "B")]);
    let b = model("library", "B", vec![fk("c", "library", "C")]);
    let c = model("library", "C", vec![]);
    let from = project([c, a, b]);
    let (changes, _) = run(&from, &current([]), vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Delete model A", "Delete model B", "Delete model C"]
    );

    let x = model("library", "X", vec![fk("y", "library", "Y")]);
    let y = model("library", "Y", vec![fk("x", "library", "X")]);
    let from = project([x, y]);
    let (changes, _) = run(&from, &current([]), vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Remove field y from x", "Delete model Y", "Delete model X"]
    );
}

#[test]
fn detected_orders_apply_to_sqlite() {
    // A foreign-key cycle between new models.
    let a = model(
        "library",
        "Author",
        vec![fk("favourite", "library", "Book").nullable()],
    );
    let b = model("library", "Book", vec![fk("author", "library", "Author")]);
    let (changes, _) = run(&ProjectState::new(), &current([a, b]), vec![]);
    apply_to_sqlite(&[], &changes);

    // Deleting models that point at each other, and a model whose table is reused.
    let x = model("library", "X", vec![fk("y", "library", "Y")]);
    let mut y = model("library", "Y", vec![fk("x", "library", "X")]);
    y.table = "shared".into();
    let from_ops = vec![
        Operation::from(CreateModel::from_state(&model("library", "X", vec![]))),
        CreateModel::from_state(&y).into(),
        AddField::new("X", fk("y", "library", "Y")).into(),
    ];
    let from = project([x, y]);
    let mut z = model("library", "Z", vec![]);
    z.table = "shared".into();
    let (changes, _) = run(&from, &current([z]), vec![]);
    apply_to_sqlite(&from_ops, &changes);
}
