//! Many-to-many relations (issue 17 part 1): the join models the registry adds for a
//! relation without `through` (`migrator_core::many_to_many::join_model`) — a relation to
//! another model and one of a model to itself — created beside tables with rows, their pair
//! unique and their links cascading with either side; the relation renamed (join model and
//! table renamed, the links kept); the join table given a name of its own (`db_table`: the
//! table and its pair's index renamed as makemigrations writes it, the links kept); down to
//! before the relations and up again with the other tables' rows kept; dropped.

use crate::conformance_support::*;
use migrator_core::backend::Backend;
use migrator_core::many_to_many::{join_model, ManyToMany};
use migrator_core::operations::{
    AddIndex, AlterModelComment, AlterModelTable, DeleteModel, RemoveIndex, RenameIndex,
    RenameModel,
};
use migrator_core::state::ModelKey;
use migrator_core::{ColumnType, FieldState, ModelState, Operation};

/// `library.Tag` (`tags`).
fn tag_model() -> ModelState {
    let mut m = ModelState::new(APP, "Tag", "tags");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("label", ColumnType::Varchar(50)).unique(),
    ];
    m
}

pub(super) fn join_tables_round_trip(backend: Backend) {
    let mut cx = seed(backend);
    let books = cx.rows("books", &BOOK_COLS, "id");
    let tag = tag_model();
    cx.forwards(&create(&tag));
    cx.exec("INSERT INTO tags (id, label) VALUES (1, 'sf'), (2, 'fantasy'), (3, 'short')");
    let seeded = cx.migrations.len();

    // Book.tags → Tag, and Author.influences → Author (a relation of a model to itself).
    let book = cx.state.model(APP, "Book").unwrap().clone();
    let author = cx.state.model(APP, "Author").unwrap().clone();
    let tags = join_model(
        &book,
        &ManyToMany::new("tags", ModelKey::new(APP, "Tag")),
        &tag,
    )
    .unwrap();
    let influences = join_model(
        &author,
        &ManyToMany::new("influences", ModelKey::new(APP, "Author")),
        &author,
    )
    .unwrap();
    assert_eq!(
        (tags.name.as_str(), tags.table.as_str()),
        ("Book_tags", "books_tags")
    );
    let columns: Vec<&str> = influences
        .fields
        .iter()
        .map(|f| f.column.as_str())
        .collect();
    assert_eq!(columns, ["id", "from_author_id", "to_author_id"]);
    cx.migrate_ops(vec![create(&tags), create(&influences)]);
    let with_relations = cx.migrations.len();

    cx.exec(
        "INSERT INTO books_tags (book_id, tag_id) VALUES (1, 1), (3, 1), (4, 2), (2, 3), (5, 3)",
    );
    cx.exec("INSERT INTO authors_influences (from_author_id, to_author_id) VALUES (2, 1), (3, 1)");
    // The pair is unique; a link needs both rows.
    assert!(
        cx.try_exec("INSERT INTO books_tags (book_id, tag_id) VALUES (1, 1)")
            .is_err(),
        "{backend}: a link was stored twice"
    );
    assert!(
        cx.try_exec("INSERT INTO books_tags (book_id, tag_id) VALUES (1, 99)")
            .is_err(),
        "{backend}: a link to a missing tag was stored"
    );
    // Deleting either side deletes its links (ON DELETE CASCADE).
    cx.exec("INSERT INTO tags (id, label) VALUES (4, 'gone')");
    cx.exec("INSERT INTO books_tags (book_id, tag_id) VALUES (1, 4), (2, 4)");
    cx.exec("DELETE FROM tags WHERE id = 4");
    let links = ["1|1", "2|3", "3|1", "4|2", "5|3"];
    assert_eq!(
        cx.rows("books_tags", &["book_id", "tag_id"], "book_id"),
        links
    );

    // The relation renamed: the join model and its table are renamed, the pair's index
    // follows the table's name (as makemigrations writes it), and the links stay.
    let mut labels = join_model(
        &book,
        &ManyToMany::new("labels", ModelKey::new(APP, "Tag")),
        &tag,
    )
    .unwrap();
    labels.comment.clone_from(&tags.comment);
    let old_unique = tags.indexes[0].name.clone();
    cx.migrate_ops(vec![
        Operation::RenameModel(RenameModel {
            old_name: "Book_tags".into(),
            new_name: "Book_labels".into(),
        }),
        Operation::RemoveIndex(RemoveIndex::new("Book_labels", &old_unique)),
        Operation::AlterModelTable(AlterModelTable {
            name: "Book_labels".into(),
            table: "books_labels".into(),
        }),
        Operation::AddIndex(AddIndex::new("Book_labels", labels.indexes[0].clone())),
        Operation::AlterModelComment(AlterModelComment {
            name: "Book_labels".into(),
            comment: labels.comment.clone(),
        }),
    ]);
    assert_eq!(cx.state.model(APP, "Book_labels"), Some(&labels));
    assert_eq!(
        cx.rows("books_labels", &["book_id", "tag_id"], "book_id"),
        links
    );
    assert!(
        cx.try_exec("INSERT INTO books_labels (book_id, tag_id) VALUES (1, 1)")
            .is_err(),
        "{backend}: the renamed join table lost its unique pair"
    );

    // `db_table = "book_label_links"` given later: the table and the pair's index (named
    // after the table) are renamed, as makemigrations writes it; the links stay.
    let mut linked = join_model(
        &book,
        &ManyToMany::new("labels", ModelKey::new(APP, "Tag")).db_table("book_label_links"),
        &tag,
    )
    .unwrap();
    linked.comment.clone_from(&labels.comment);
    cx.migrate_ops(vec![
        Operation::RenameIndex(RenameIndex::new(
            "Book_labels",
            &labels.indexes[0].name,
            &linked.indexes[0].name,
        )),
        Operation::AlterModelTable(AlterModelTable {
            name: "Book_labels".into(),
            table: "book_label_links".into(),
        }),
    ]);
    assert_eq!(cx.state.model(APP, "Book_labels"), Some(&linked));
    assert_eq!(
        cx.rows("book_label_links", &["book_id", "tag_id"], "book_id"),
        links
    );
    assert!(
        cx.try_exec("INSERT INTO book_label_links (book_id, tag_id) VALUES (1, 1)")
            .is_err(),
        "{backend}: the join table lost its unique pair when it got its own name"
    );

    // Down to before the relations: the other tables keep their rows; up again.
    cx.back_to(seeded);
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), books);
    assert_eq!(cx.rows("tags", &["id"], "id"), ["1", "2", "3"]);
    cx.up_again();
    cx.back_to(with_relations);
    cx.up_again();
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), books);

    // Dropped: the relations go, the models they linked stay.
    cx.migrate_ops(vec![
        Operation::DeleteModel(DeleteModel {
            name: "Book_labels".into(),
        }),
        Operation::DeleteModel(DeleteModel {
            name: "Author_influences".into(),
        }),
    ]);
    assert!(cx.try_exec("SELECT 1 FROM book_label_links").is_err());
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), books);
    assert_eq!(cx.rows("tags", &["id"], "id"), ["1", "2", "3"]);
}
