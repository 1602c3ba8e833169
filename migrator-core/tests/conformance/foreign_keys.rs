//! Foreign keys: added over rows, across two apps, following a renamed referenced table,
//! a widened referenced key, self references, and their index and on-delete rule changing.

use crate::conformance_support::*;
use migrator_core::backend::Backend;
use migrator_core::executor::Target;
use migrator_core::graph::MigrationGraph;
use migrator_core::introspect::expected_schema;
use migrator_core::operations::{AddField, AlterModelTable, RemoveField, RenameModel};
use migrator_core::{
    ColumnType, FieldState, ForeignKey, Migration, MigrationKey, ModelState, OnDelete, Operation,
    ProjectState,
};

pub(super) fn foreign_key_added_keeps_rows_and_is_enforced(backend: Backend) {
    let mut cx = seed(backend);
    let before = cx.rows("books", &BOOK_COLS, "id");
    let sql = cx.forwards(&alter(
        "Book",
        FieldState::new("co_author", ColumnType::BigInt)
            .nullable()
            .foreign_key(ForeignKey::new(APP, "Author", OnDelete::SetNull)),
    ));
    if backend == Backend::Sqlite {
        // A rebuild: SQLite cannot add a constraint to an existing column.
        assert!(
            sql[0].contains(
                "\"co_author\" BIGINT REFERENCES \"authors\" (\"id\") ON DELETE SET NULL"
            ),
            "{sql:#?}"
        );
    }
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), before);
    cx.exec("DELETE FROM authors WHERE id = 3");
    // Author 3's book cascades away; co_author 3 becomes NULL.
    assert_eq!(
        cx.rows("books", &["id", "co_author"], "id"),
        ["1|NULL", "2|NULL", "4|2", "5|NULL"]
    );
    let orphan =
        cx.try_exec("INSERT INTO books (id, title, author_id, co_author) VALUES (9, 'x', 1, 42)");
    assert!(orphan.is_err(), "the new foreign key is not enforced");
    // Removing the foreign key again (the column stays).
    cx.forwards(&alter(
        "Book",
        FieldState::new("co_author", ColumnType::BigInt).nullable(),
    ));
    cx.exec("INSERT INTO books (id, title, author_id, co_author) VALUES (9, 'x', 1, 42)");
}

fn people_author() -> ModelState {
    let mut m = ModelState::new("people", "Author", "people_authors");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("name", ColumnType::Varchar(100)),
    ];
    m
}

fn shop_book() -> ModelState {
    let mut m = ModelState::new("shop", "Book", "shop_books");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("author", ColumnType::BigInt)
            .column("author_id")
            .foreign_key(ForeignKey::new("people", "Author", OnDelete::Cascade))
            .index(),
    ];
    m
}

/// Foreign keys across two apps: `shop.Book` references `people.Author`; `people` then
/// renames the referenced table and model, and `shop` adds a second reference. Applied app
/// by app through the executor with the schema checked at each point; `people` back to
/// zero takes `shop` with it; up again gives the identical schema.
pub(super) fn foreign_keys_across_apps(backend: Backend) {
    let mut db = TestDb::create(backend);
    let key = MigrationKey::new;
    let mut people1 = Migration::new("people", "0001_initial");
    people1.initial = true;
    people1.operations = vec![create(&people_author())];
    let mut shop1 = Migration::new("shop", "0001_initial");
    shop1.initial = true;
    shop1.dependencies = vec![key("people", "0001_initial")];
    shop1.operations = vec![create(&shop_book())];
    let mut people2 = Migration::new("people", "0002_rename");
    people2.dependencies = vec![key("people", "0001_initial"), key("shop", "0001_initial")];
    people2.operations = vec![
        Operation::AlterModelTable(AlterModelTable {
            name: "Author".into(),
            table: "people_writers".into(),
        }),
        Operation::RenameModel(RenameModel {
            old_name: "Author".into(),
            new_name: "Writer".into(),
        }),
    ];
    let mut shop2 = Migration::new("shop", "0002_book_editor");
    shop2.dependencies = vec![key("shop", "0001_initial"), key("people", "0002_rename")];
    shop2.operations = vec![Operation::AddField(AddField::new(
        "Book",
        FieldState::new("editor", ColumnType::BigInt)
            .column("editor_id")
            .nullable()
            .foreign_key(ForeignKey::new("people", "Writer", OnDelete::SetNull)),
    ))];
    let graph = MigrationGraph::new(vec![people1, shop1, people2, shop2]).unwrap();
    let state_at = |keys: &[MigrationKey]| graph.make_state(keys).unwrap();

    let shop_initial = key("shop", "0001_initial");
    run_migrate(db.conn(), &graph, &Target::Migration(shop_initial.clone()))
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
    assert_eq!(applied(db.conn()).len(), 2);
    assert_schema(db.conn(), &state_at(&[shop_initial]));
    let cx_rows = |db: &mut TestDb, sql: &str| {
        use diesel::connection::SimpleConnection;
        db.conn()
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{backend}: {sql}: {e}"));
    };
    cx_rows(
        &mut db,
        "INSERT INTO people_authors (id, name) VALUES (1, 'Le Guin'), (2, 'Lem')",
    );
    cx_rows(
        &mut db,
        "INSERT INTO shop_books (id, author_id) VALUES (1, 1), (2, 2), (3, 1)",
    );
    {
        use diesel::connection::SimpleConnection;
        assert!(
            db.conn()
                .batch_execute("INSERT INTO shop_books (id, author_id) VALUES (4, 42)")
                .is_err(),
            "{backend}: the cross-app foreign key is not enforced"
        );
    }

    run_migrate(db.conn(), &graph, &Target::Latest).unwrap_or_else(|e| panic!("{backend}: {e}"));
    assert_schema(db.conn(), &graph.project_state().unwrap());
    cx_rows(&mut db, "UPDATE shop_books SET editor_id = 2");
    cx_rows(&mut db, "DELETE FROM people_writers WHERE id = 2");
    let schema = migrator_core::introspect::introspect(db.conn()).unwrap();
    #[derive(diesel::QueryableByName)]
    struct Left {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let left: Vec<Left> = diesel::RunQueryDsl::load(
        diesel::sql_query(
            "SELECT COUNT(*) AS n FROM shop_books WHERE editor_id IS NULL AND author_id = 1",
        ),
        db.conn(),
    )
    .unwrap();
    assert_eq!(left[0].n, 2, "{backend}: cascade / set null across apps");

    run_migrate(db.conn(), &graph, &Target::Zero("people".into()))
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
    assert!(
        applied(db.conn()).is_empty(),
        "{backend}: shop stays applied"
    );
    assert_schema(db.conn(), &ProjectState::new());
    run_migrate(db.conn(), &graph, &Target::Latest).unwrap_or_else(|e| panic!("{backend}: {e}"));
    assert_eq!(
        migrator_core::introspect::introspect(db.conn()).unwrap(),
        schema,
        "{backend}: up/down/up differs"
    );
    let expected = expected_schema(&graph.project_state().unwrap(), backend).unwrap();
    assert_eq!(schema, expected);
}

pub(super) fn renaming_a_referenced_table_keeps_foreign_keys(backend: Backend) {
    let mut cx = seed(backend);
    cx.forwards(&alter(
        "Book",
        FieldState::new("co_author", ColumnType::BigInt)
            .nullable()
            .foreign_key(ForeignKey::new(APP, "Author", OnDelete::SetNull)),
    ));
    // Both foreign keys of books are named after `authors`; `assert_schema` checks that
    // they follow the rename.
    let sql = cx.forwards(&Operation::AlterModelTable(AlterModelTable {
        name: "Author".into(),
        table: "people".into(),
    }));
    if backend == Backend::Sqlite {
        assert_eq!(sql[0], "ALTER TABLE \"authors\" RENAME TO \"people\"");
    }
    cx.forwards(&Operation::RenameModel(RenameModel {
        old_name: "Author".into(),
        new_name: "Person".into(),
    }));
    cx.exec("DELETE FROM people WHERE id = 1");
    assert_eq!(cx.rows("books", &["id"], "id"), ["2", "3", "5"]);
    let orphan = cx.try_exec("INSERT INTO books (id, title, author_id) VALUES (9, 'x', 42)");
    assert!(orphan.is_err(), "the renamed reference is not enforced");
    // The identity / AUTO_INCREMENT of the renamed table still works.
    cx.exec("INSERT INTO people (name) VALUES ('Zed')");
    assert_eq!(cx.rows("people", &["name"], "name").len(), 3);
    // And back.
    cx.forwards(&Operation::AlterModelTable(AlterModelTable {
        name: "Person".into(),
        table: "authors".into(),
    }));
}

pub(super) fn referenced_key_widened_keeps_rows_and_references(backend: Backend) {
    let mut cx = Ctx::new(backend);
    let mut tag = ModelState::new(APP, "Tag", "tags");
    tag.fields = vec![
        FieldState::new("code", ColumnType::Varchar(20)).primary_key(),
        FieldState::new("label", ColumnType::Varchar(50)),
    ];
    let mut item = ModelState::new(APP, "Item", "items");
    item.fields = vec![
        FieldState::new("id", ColumnType::BigInt).primary_key(),
        FieldState::new("tag", ColumnType::Varchar(20))
            .column("tag_code")
            .foreign_key(ForeignKey::new(APP, "Tag", OnDelete::Cascade)),
    ];
    cx.forwards(&create(&tag));
    cx.forwards(&create(&item));
    cx.exec(
        "INSERT INTO tags (code, label) VALUES ('sf', 'Science fiction'), ('poetry', 'Poetry')",
    );
    cx.exec("INSERT INTO items (id, tag_code) VALUES (1, 'sf'), (2, 'poetry'), (3, 'sf')");
    // MySQL refuses to change a referenced column: the editor drops and re-adds the key.
    let sql = cx.forwards(&alter(
        "Tag",
        FieldState::new("code", ColumnType::Varchar(40)).primary_key(),
    ));
    if backend == Backend::Mysql {
        assert!(sql[0].contains("DROP FOREIGN KEY"), "{sql:#?}");
    }
    cx.forwards(&alter(
        "Item",
        FieldState::new("tag", ColumnType::Varchar(40))
            .column("tag_code")
            .foreign_key(ForeignKey::new(APP, "Tag", OnDelete::Cascade)),
    ));
    assert_eq!(
        cx.rows("items", &["id", "tag_code"], "id"),
        ["1|sf", "2|poetry", "3|sf"]
    );
    // The referenced key column is renamed: the reference follows it.
    cx.forwards(&alter(
        "Tag",
        FieldState::new("code", ColumnType::Varchar(40))
            .column("tag_code")
            .primary_key(),
    ));
    cx.exec("DELETE FROM tags WHERE tag_code = 'sf'");
    assert_eq!(cx.rows("items", &["id"], "id"), ["2"]);
}

pub(super) fn self_reference_and_added_foreign_keys(backend: Backend) {
    let mut cx = seed(backend);
    let mut category = ModelState::new(APP, "Category", "categories");
    category.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("parent", ColumnType::BigInt)
            .column("parent_id")
            .nullable()
            .foreign_key(ForeignKey::new(APP, "Category", OnDelete::Cascade)),
    ];
    cx.forwards(&create(&category));
    cx.exec("INSERT INTO categories (id, parent_id) VALUES (1, NULL), (2, 1), (3, 2)");
    cx.exec("DELETE FROM categories WHERE id = 2");
    assert_eq!(cx.rows("categories", &["id"], "id"), ["1"]);
    // A new foreign-key column on a table with rows.
    cx.forwards(&add(
        "Book",
        FieldState::new("category", ColumnType::BigInt)
            .column("category_id")
            .nullable()
            .foreign_key(ForeignKey::new(APP, "Category", OnDelete::SetNull)),
    ));
    cx.exec("UPDATE books SET category_id = 1 WHERE id < 3");
    cx.exec("DELETE FROM categories WHERE id = 1");
    assert_eq!(
        cx.rows("books", &["id", "category_id"], "id"),
        ["1|NULL", "2|NULL", "3|NULL", "4|NULL", "5|NULL"]
    );
    // The foreign-key column's own index changes: plain → unique → none, and its
    // on-delete rule changes.
    for (unique, index, on_delete) in [
        (false, false, OnDelete::Cascade),
        (true, false, OnDelete::Cascade),
        (false, false, OnDelete::Restrict),
        (false, true, OnDelete::NoAction),
    ] {
        let mut f = FieldState::new("author", ColumnType::BigInt)
            .column("author_id")
            .foreign_key(ForeignKey::new(APP, "Author", on_delete));
        f.unique = unique;
        f.index = index;
        if unique {
            cx.exec("DELETE FROM books WHERE id IN (4, 5)");
        }
        cx.forwards(&alter("Book", f));
    }
    // Renaming a self-referencing table renames its key in both roles.
    cx.exec("INSERT INTO categories (id, parent_id) VALUES (5, NULL), (6, 5)");
    cx.forwards(&Operation::AlterModelTable(AlterModelTable {
        name: "Category".into(),
        table: "groups_of_things".into(),
    }));
    cx.exec("DELETE FROM groups_of_things WHERE id = 5");
    assert!(cx.rows("groups_of_things", &["id"], "id").is_empty());
    // Removing a foreign-key column drops its key and index first.
    cx.forwards(&Operation::RemoveField(RemoveField::new(
        "Book", "category",
    )));
    cx.forwards(&Operation::RemoveField(RemoveField::new("Book", "author")));
    assert_eq!(cx.rows("books", &["id", "title"], "id").len(), 3);
}
