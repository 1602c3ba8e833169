//! Models: no change, created and deleted, renamed by hint and by question (also two that
//! point at each other, and a self-referencing one), a table freed by a deleted model and
//! taken by another, and table and comment changes.

use migrator_core::operations::{
    AlterModelComment, AlterModelTable, CreateModel, DeleteModel, RenameModel,
};
use migrator_core::questioner::{Answer, Question};
use migrator_core::registry::ModelHints;
use migrator_core::{ColumnType, FieldState, Operation, ProjectState};

use super::{
    assert_fixpoint, book, current, descriptions, fk, model, ops_of, project, run, with_hints,
};

#[test]
fn no_change_gives_no_app() {
    let s = project([book()]);
    let (changes, asked) = run(&s, &current([book()]), vec![]);
    assert!(changes.is_empty());
    assert!(asked.is_empty());
}

#[test]
fn created_and_deleted_models() {
    let (changes, _) = run(&ProjectState::new(), &current([book()]), vec![]);
    assert_eq!(changes.len(), 1, "only apps with changes appear");
    assert_eq!(
        ops_of(&changes, "library"),
        vec![Operation::from(CreateModel::from_state(&book()))]
    );

    let from = project([book()]);
    let (changes, _) = run(&from, &current([]), vec![]);
    assert_eq!(
        ops_of(&changes, "library"),
        vec![Operation::from(DeleteModel {
            name: "Book".into()
        })]
    );
}

#[test]
fn model_rename_by_hint_asks_nothing() {
    let from = project([book()]);
    let mut novel = book();
    novel.name = "Novel".into();
    novel
        .fields
        .push(FieldState::new("pages", ColumnType::Integer).nullable());
    let to = with_hints(
        current([novel]),
        ("library", "Novel"),
        ModelHints {
            renamed_from: Some("Book".into()),
            ..ModelHints::default()
        },
    );
    let (changes, asked) = run(&from, &to, vec![]);
    assert!(asked.is_empty(), "{asked:?}");
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Rename model Book to Novel", "Add field pages to novel"]
    );
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn model_rename_by_question() {
    let from = project([book()]);
    let mut novel = book();
    novel.name = "Novel".into();
    let to = current([novel.clone()]);

    let (changes, asked) = run(&from, &to, vec![Answer::Rename(true)]);
    assert_eq!(
        asked,
        [Question::RenameModel {
            app: "library".into(),
            old: "Book".into(),
            new: "Novel".into()
        }]
    );
    assert_eq!(
        asked[0].prompt(),
        "Did you rename the library.Book model to Novel?"
    );
    assert_eq!(
        ops_of(&changes, "library"),
        vec![Operation::from(RenameModel {
            old_name: "Book".into(),
            new_name: "Novel".into()
        })]
    );

    // "No": a new model and a deleted one. The table is reused, so the delete goes first.
    let (changes, asked) = run(&from, &to, vec![Answer::Rename(false)]);
    assert_eq!(asked.len(), 1);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Delete model Book", "Create model Novel"]
    );
    assert_fixpoint(&from, &to, &changes);

    // Different fields: no question at all.
    let mut other = novel;
    other.fields.pop();
    let (_, asked) = run(&from, &current([other]), vec![]);
    assert!(asked.is_empty());
}

#[test]
fn table_and_comment_changes() {
    let from = project([book()]);
    let mut b = book();
    b.table = "library_books".into();
    b.comment = Some("Books.".into());
    let (changes, _) = run(&from, &current([b]), vec![]);
    assert_eq!(
        ops_of(&changes, "library"),
        vec![
            Operation::from(AlterModelTable {
                name: "Book".into(),
                table: "library_books".into()
            }),
            AlterModelComment {
                name: "Book".into(),
                comment: Some("Books.".into())
            }
            .into()
        ]
    );
}

#[test]
fn renamed_models_pointing_at_each_other_are_both_recognised() {
    let writer = model("library", "Writer", vec![]);
    let b = model("library", "Book", vec![fk("writer", "library", "Writer")]);
    let from = project([writer, b]);
    let author = model("library", "Author", vec![]);
    let novel = model("library", "Novel", vec![fk("writer", "library", "Author")]);
    let to = current([author, novel]);
    let (changes, asked) = run(&from, &to, vec![Answer::Rename(true), Answer::Rename(true)]);
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Rename model Writer to Author",
            "Rename model Book to Novel",
            "Rename table of author to authors",
            "Rename table of novel to novels"
        ]
    );
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn a_table_freed_by_a_deleted_model_is_free_before_it_is_taken() {
    let old = model("library", "Old", vec![]);
    let b = book();
    let from = project([old.clone(), b.clone()]);
    let mut moved = b;
    moved.table = old.table.clone();
    let to = current([moved]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Delete model Old", "Rename table of book to olds"]
    );
}

#[test]
fn a_self_referencing_model_can_be_renamed_by_question() {
    let from = project([model(
        "library",
        "Node",
        vec![fk("parent", "library", "Node").nullable()],
    )]);
    let to = current([model(
        "library",
        "Tree",
        vec![fk("parent", "library", "Tree").nullable()],
    )]);
    let (changes, asked) = run(&from, &to, vec![Answer::Rename(true)]);
    assert_eq!(asked.len(), 1);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Rename model Node to Tree", "Rename table of tree to trees"]
    );
    assert_fixpoint(&from, &to, &changes);
}

/// Issue 20.6: a model rename whose default table follows names both tables in what
/// makemigrations prints (`Rename table for writer to writer` lost the old one), and index and
/// constraint operations all say "model".
#[test]
fn a_followed_table_rename_names_the_old_and_new_tables() {
    use migrator_core::autodetector::{changes, Options};
    use migrator_core::graph::MigrationGraph;
    use migrator_core::migration::Migration;
    use migrator_core::operations::{RemoveConstraint, RemoveIndex};
    use migrator_core::questioner::NonInteractiveQuestioner;

    let mut author = model("library", "Author", vec![]);
    author.table = "author".into();
    let graph = MigrationGraph::new(vec![
        Migration::new("library", "0001_initial").operation(CreateModel::from_state(&author))
    ])
    .unwrap();
    let mut writer = model("library", "Writer", vec![]);
    writer.table = "writer".into();
    let to = with_hints(
        current([writer]),
        ("library", "Writer"),
        ModelHints {
            renamed_from: Some("Author".into()),
            ..ModelHints::default()
        },
    );
    let planned = changes(
        &graph,
        &to,
        &mut NonInteractiveQuestioner,
        &Options::default(),
    )
    .unwrap();
    assert_eq!(
        planned.migrations[0].descriptions,
        [
            "Rename model Author to Writer",
            "Rename table of writer from author to writer"
        ]
    );
    assert_eq!(
        Operation::from(AlterModelTable {
            name: "Writer".into(),
            table: "writer".into()
        })
        .describe(),
        "Rename table of writer to writer"
    );
    assert_eq!(
        Operation::from(RemoveIndex::new("Post", "post_title_idx")).describe(),
        "Remove index post_title_idx from model post"
    );
    assert_eq!(
        Operation::from(RemoveConstraint::new("Choice", "choice_ok")).describe(),
        "Remove constraint choice_ok from model choice"
    );
}

/// Deleting a model a field points at is a state error (issue 17): `makemigrations` orders a
/// legitimate change so the replay never meets it — both models deleted (the referencing
/// one first), and the foreign key removed with its target (the field first).
#[test]
fn a_referenced_model_is_deleted_after_what_points_at_it() {
    let author = model("library", "Author", vec![]);
    let book = model("library", "Book", vec![fk("author", "library", "Author")]);
    let from = project([author.clone(), book.clone()]);

    let (changes, _) = run(&from, &current([]), vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Delete model Book", "Delete model Author"]
    );
    assert_fixpoint(&from, &current([]), &changes);

    let plain = model("library", "Book", vec![]);
    let (changes, _) = run(&from, &current([plain.clone()]), vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        ["Remove field author from book", "Delete model Author"]
    );
    assert_fixpoint(&from, &current([plain]), &changes);

    // The same across apps: the app pointing at the model goes first.
    let review = model("reviews", "Review", vec![fk("author", "library", "Author")]);
    let from = project([author, review]);
    let bare = model("reviews", "Review", vec![]);
    let (changes, _) = run(&from, &current([bare.clone()]), vec![]);
    assert!(
        changes["library"].depends_on_apps.contains("reviews"),
        "{changes:#?}"
    );
    assert_fixpoint(&from, &current([bare]), &changes);
    let (changes, _) = run(&from, &current([]), vec![]);
    assert_fixpoint(&from, &current([]), &changes);
}

/// A model replaced by another one on its table (not a rename: the fields differ) while a
/// kept model points at it: the foreign key lets go before the delete (a plain column, its
/// values kept) and points at the new model after it is created.
#[test]
fn a_foreign_key_to_a_replaced_model_lets_go_before_the_delete() {
    let author = model("library", "Author", vec![]);
    let book = model("library", "Book", vec![fk("author", "library", "Author")]);
    let from = project([author, book]);
    let mut writer = model(
        "library",
        "Writer",
        vec![FieldState::new("name", ColumnType::Text)],
    );
    writer.table = "authors".into();
    let to = current([
        writer,
        model("library", "Book", vec![fk("author", "library", "Writer")]),
    ]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "library")),
        [
            "Alter field author on book",
            "Delete model Author",
            "Create model Writer",
            "Alter field author on book"
        ]
    );
    assert_fixpoint(&from, &to, &changes);
}
