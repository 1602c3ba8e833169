//! Alterations of tables with rows: type changes, NULL → NOT NULL with a default, field
//! renames, unique added, primary-key changes, NOT NULL fields added with a one-off default,
//! and auto-increment keys added — the rows keep their values.

use crate::conformance_support::*;
use migrator_core::backend::Backend;
use migrator_core::operations::{
    AddConstraint, AddField, AddIndex, AlterField, RemoveField, RenameField,
};
use migrator_core::{
    ColumnType, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, ModelState,
    OnDelete, Operation,
};

pub(super) fn type_change_keeps_rows(backend: Backend) {
    let mut cx = seed(backend);
    cx.forwards(&add(
        "Book",
        FieldState::new("code", ColumnType::Varchar(10)).nullable(),
    ));
    cx.exec("UPDATE books SET code = CAST(id * 11 AS CHAR(10))");
    let others = ["id", "title", "author_id", "price", "co_author"];
    let before = cx.rows("books", &others, "id");
    let sql = cx.forwards(&alter(
        "Book",
        FieldState::new("rating", ColumnType::Double).nullable(),
    ));
    if backend == Backend::Sqlite {
        // SQLite rebuilds: a new table, the rows copied with a cast.
        assert!(
            sql[0].starts_with("CREATE TABLE \"new__books\""),
            "{sql:#?}"
        );
        assert!(
            sql.iter()
                .any(|s| s.starts_with("INSERT") && s.contains("CAST(\"rating\" AS DOUBLE)")),
            "{sql:#?}"
        );
    }
    if backend == Backend::Postgres {
        assert!(
            sql.iter()
                .any(|s| s.ends_with("ALTER COLUMN \"rating\" TYPE DOUBLE PRECISION")),
            "numbers convert without USING: {sql:#?}"
        );
    } else if backend == Backend::Mysql {
        assert!(
            sql.iter()
                .any(|s| s.contains("MODIFY COLUMN `rating` DOUBLE NULL")),
            "{sql:#?}"
        );
    }
    // Text that holds numbers becomes an integer (PostgreSQL needs the USING cast).
    let sql = cx.forwards(&alter(
        "Book",
        FieldState::new("code", ColumnType::Integer).nullable(),
    ));
    if backend == Backend::Postgres {
        assert!(
            sql.iter()
                .any(|s| s.ends_with("TYPE INTEGER USING \"code\"::INTEGER")),
            "{sql:#?}"
        );
    }
    // Integers and booleans both ways (PostgreSQL casts through INTEGER).
    cx.forwards(&add(
        "Book",
        FieldState::new("flag", ColumnType::BigInt).nullable(),
    ));
    cx.exec("UPDATE books SET flag = id % 2");
    cx.forwards(&alter(
        "Book",
        FieldState::new("flag", ColumnType::Boolean).nullable(),
    ));
    cx.forwards(&alter(
        "Book",
        FieldState::new("flag", ColumnType::BigInt).nullable(),
    ));
    assert_eq!(cx.rows("books", &["flag"], "id"), ["1", "0", "1", "0", "1"]);
    // Widening and narrowing text.
    cx.forwards(&alter("Book", FieldState::new("title", ColumnType::Text)));
    cx.forwards(&alter(
        "Author",
        FieldState::new("bio", ColumnType::Varchar(500)).nullable(),
    ));
    assert_eq!(cx.rows("books", &others, "id"), before);
    // SQLite prints a REAL 5 as `5.0`; the servers print a DOUBLE 5 as `5`.
    let expected = match backend {
        Backend::Sqlite => ["1|5.0|11", "2|NULL|22", "3|4.0|33", "4|NULL|44", "5|2.0|55"],
        _ => ["1|5|11", "2|NULL|22", "3|4|33", "4|NULL|44", "5|2|55"],
    };
    assert_eq!(cx.rows("books", &["id", "rating", "code"], "id"), expected);
    assert_eq!(
        cx.rows("authors", &["id", "bio"], "id"),
        ["1|NULL", "2|Argentine", "3|NULL"]
    );
}

pub(super) fn null_to_not_null_with_default_fills_nulls(backend: Backend) {
    let mut cx = seed(backend);
    let sql = cx.forwards(&alter(
        "Book",
        FieldState::new("rating", ColumnType::Integer).default(DefaultValue::Int(3)),
    ));
    if backend == Backend::Sqlite {
        assert!(
            sql.iter()
                .any(|s| s.starts_with("INSERT") && s.contains("COALESCE(\"rating\", 3)")),
            "{sql:#?}"
        );
    }
    assert_eq!(
        cx.rows("books", &["id", "rating"], "id"),
        ["1|5", "2|3", "3|4", "4|3", "5|2"]
    );
    // Only the default changes (servers: `ALTER COLUMN … SET/DROP DEFAULT`, no table copy;
    // SQLite rebuilds the table).
    let sql = cx.forwards(&alter(
        "Book",
        FieldState::new("rating", ColumnType::Integer).default(DefaultValue::Int(4)),
    ));
    if backend != Backend::Sqlite {
        assert_eq!(sql.len(), 1, "{sql:#?}");
        assert!(sql[0].ends_with("SET DEFAULT 4"), "{sql:#?}");
    }
    let sql = cx.forwards(&alter(
        "Book",
        FieldState::new("rating", ColumnType::Integer),
    ));
    if backend != Backend::Sqlite {
        assert!(sql[0].ends_with("DROP DEFAULT"), "{sql:#?}");
    }
    cx.exec("INSERT INTO books (id, title, author_id, rating) VALUES (6, 'Default-less', 1, 1)");
    assert_eq!(cx.rows("books", &["rating"], "id DESC")[0], "1");
    cx.exec("DELETE FROM books WHERE id = 6");
    // A one-off default fills NULLs but stays out of the schema (checked by `forwards`).
    let sql = cx.forwards(&Operation::AlterField(AlterField {
        model: "Book".into(),
        name: "co_author".into(),
        field: FieldState::new("co_author", ColumnType::BigInt).default(DefaultValue::Int(1)),
        preserve_default: false,
    }));
    if backend == Backend::Sqlite {
        assert!(
            sql.iter()
                .any(|s| s.starts_with("INSERT") && s.contains("COALESCE(\"co_author\", 1)")),
            "{sql:#?}"
        );
    }
    assert_eq!(
        cx.state
            .model(APP, "Book")
            .unwrap()
            .field("co_author")
            .unwrap()
            .default,
        None
    );
    assert_eq!(
        cx.rows("books", &["id", "co_author"], "id"),
        ["1|1", "2|3", "3|1", "4|2", "5|1"]
    );
    // And back: NULL allowed again, the rows keep their values.
    cx.forwards(&alter(
        "Book",
        FieldState::new("co_author", ColumnType::BigInt).nullable(),
    ));
    assert_eq!(
        cx.rows("books", &["id", "co_author"], "id"),
        ["1|1", "2|3", "3|1", "4|2", "5|1"]
    );
}

pub(super) fn renames_keep_rows_and_names(backend: Backend) {
    let mut cx = seed(backend);
    let before = cx.rows("books", &BOOK_COLS, "id");
    let sql = cx.forwards(&Operation::RenameField(RenameField::new(
        "Book", "title", "name",
    )));
    assert_eq!(sql.len(), 1, "{sql:#?}");
    assert!(sql[0].contains("RENAME COLUMN"), "{sql:#?}");
    if backend == Backend::Sqlite {
        assert_eq!(
            sql[0],
            "ALTER TABLE \"books\" RENAME COLUMN \"title\" TO \"name\""
        );
    }
    // The foreign-key column moves: its index and constraint names follow
    // (`assert_schema` compares both names with the state's).
    let sql = cx.forwards(&alter(
        "Book",
        FieldState::new("author", ColumnType::BigInt)
            .column("writer_id")
            .foreign_key(ForeignKey::new(APP, "Author", OnDelete::Cascade))
            .index(),
    ));
    if backend == Backend::Postgres {
        assert!(
            sql.iter().all(|s| !s.contains("DROP CONSTRAINT")),
            "PostgreSQL renames rather than recreates: {sql:#?}"
        );
    }
    assert_eq!(
        cx.rows(
            "books",
            &["id", "name", "writer_id", "price", "rating", "co_author"],
            "id"
        ),
        before
    );
    cx.exec("DELETE FROM authors WHERE id = 1");
    assert_eq!(cx.rows("books", &["id"], "id"), ["2", "3", "5"]);
}

pub(super) fn unique_added_keeps_rows_and_is_enforced(backend: Backend) {
    let mut cx = seed(backend);
    let before = cx.rows("books", &BOOK_COLS, "id");
    cx.forwards(&alter(
        "Book",
        FieldState::new("title", ColumnType::Varchar(200)).unique(),
    ));
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), before);
    let dup = cx.try_exec("INSERT INTO books (id, title, author_id) VALUES (9, 'Solaris', 3)");
    assert!(dup.is_err(), "unique title not enforced");
    // A composite unique constraint too.
    cx.forwards(&Operation::AddConstraint(AddConstraint::new(
        "Book",
        ConstraintState::unique("books_author_rating_uniq", ["author", "rating"]),
    )));
    let dup = cx.try_exec("INSERT INTO books (id, title, author_id, rating) VALUES (9, 'x', 1, 5)");
    assert!(dup.is_err(), "composite unique not enforced");
    // A field index over the same column as a declared index: both exist, nothing renamed.
    cx.forwards(&Operation::AddIndex(AddIndex::new(
        "Book",
        IndexState::new("books_rating_declared", ["rating"], false),
    )));
    let sql = cx.forwards(&alter(
        "Book",
        FieldState::new("rating", ColumnType::Integer)
            .nullable()
            .index(),
    ));
    assert_eq!(sql.len(), 1, "{sql:#?}");
    assert!(sql[0].starts_with("CREATE INDEX"), "{sql:#?}");
}

pub(super) fn primary_key_change_keeps_rows(backend: Backend) {
    let mut cx = seed(backend);
    let before = cx.rows("books", &BOOK_COLS, "id");
    // `id` stops auto-incrementing, `title` joins the key, then `id` leaves it.
    cx.forwards(&alter(
        "Book",
        FieldState::new("id", ColumnType::BigInt).primary_key(),
    ));
    let sql = cx.forwards(&alter(
        "Book",
        FieldState::new("title", ColumnType::Varchar(200)).primary_key(),
    ));
    if backend == Backend::Sqlite {
        assert!(
            sql[0].contains("PRIMARY KEY (\"id\", \"title\")"),
            "{sql:#?}"
        );
    }
    cx.forwards(&alter("Book", FieldState::new("id", ColumnType::BigInt)));
    assert_eq!(cx.introspect().tables["books"].primary_key, ["title"]);
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), before);
    let dup = cx.try_exec("INSERT INTO books (id, title, author_id) VALUES (9, 'Solaris', 3)");
    assert!(dup.is_err(), "the new key is not enforced");
    // And back to an auto-incrementing `id` key.
    cx.forwards(&alter(
        "Book",
        FieldState::new("title", ColumnType::Varchar(200)),
    ));
    cx.forwards(&alter(
        "Book",
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
    ));
    cx.exec("INSERT INTO books (title, author_id) VALUES ('New', 1)");
    assert_eq!(cx.rows("books", &["id"], "id DESC")[0], "6");
}

pub(super) fn add_not_null_field_with_one_off_default_fills_rows(backend: Backend) {
    let mut cx = seed(backend);
    let sql = cx.forwards(&Operation::AddField(AddField {
        model: "Book".into(),
        field: FieldState::new("pages", ColumnType::Integer).default(DefaultValue::Int(100)),
        preserve_default: false,
    }));
    if backend == Backend::Sqlite {
        assert!(
            sql[0].starts_with("CREATE TABLE \"new__books\""),
            "{sql:#?}"
        );
    } else {
        assert!(sql.last().unwrap().contains("DROP DEFAULT"), "{sql:#?}");
    }
    assert_eq!(
        cx.state
            .model(APP, "Book")
            .unwrap()
            .field("pages")
            .unwrap()
            .default,
        None
    );
    assert_eq!(
        cx.rows("books", &["id", "pages"], "id"),
        ["1|100", "2|100", "3|100", "4|100", "5|100"]
    );
    // A kept default fills rows too and stays.
    cx.forwards(&add(
        "Book",
        FieldState::new("status", ColumnType::Varchar(20))
            .default(DefaultValue::Text("draft".into())),
    ));
    assert_eq!(cx.rows("books", &["status"], "id")[0], "draft");
}

pub(super) fn auto_increment_added_to_a_key_with_rows(backend: Backend) {
    let mut cx = Ctx::new(backend);
    let mut m = ModelState::new(APP, "Shelf", "shelves");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt).primary_key(),
        FieldState::new("label", ColumnType::Varchar(20)),
    ];
    cx.forwards(&create(&m));
    cx.exec("INSERT INTO shelves (id, label) VALUES (1, 'a'), (2, 'b'), (7, 'c')");
    cx.forwards(&alter(
        "Shelf",
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
    ));
    cx.exec("INSERT INTO shelves (label) VALUES ('d')");
    assert_eq!(
        cx.rows("shelves", &["id", "label"], "id"),
        ["1|a", "2|b", "7|c", "8|d"]
    );
    // And off again.
    cx.forwards(&alter(
        "Shelf",
        FieldState::new("id", ColumnType::BigInt).primary_key(),
    ));
    assert!(cx
        .try_exec("INSERT INTO shelves (label) VALUES ('e')")
        .is_err());
}

pub(super) fn auto_key_column_added_to_a_table_with_rows(backend: Backend) {
    let mut cx = Ctx::new(backend);
    let mut m = ModelState::new(APP, "Note", "notes");
    m.fields = vec![
        FieldState::new("body", ColumnType::Varchar(50)),
        FieldState::new(
            "amount",
            ColumnType::Decimal {
                precision: 8,
                scale: 2,
            },
        )
        .default(DefaultValue::Int(0)),
    ];
    cx.forwards(&create(&m));
    cx.exec("INSERT INTO notes (body) VALUES ('a'), ('b'), ('c')");
    cx.forwards(&add(
        "Note",
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
    ));
    assert_eq!(
        cx.rows("notes", &["id", "body"], "id"),
        ["1|a", "2|b", "3|c"]
    );
    cx.exec("INSERT INTO notes (body) VALUES ('d')");
    assert_eq!(cx.rows("notes", &["id"], "id DESC")[0], "4");
    // And removed again (backwards of the same AddField).
    cx.forwards(&Operation::RemoveField(RemoveField::new("Note", "id")));
    assert_eq!(cx.rows("notes", &["body"], "body").len(), 4);
}
