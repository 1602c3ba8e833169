//! Introspection of SQLite schemas written by hand (not by migrator's editor), so the test
//! oracle used by every other database test is checked independently: columns, types,
//! nullability, defaults, keys, auto-increment, indexes, unique and check constraints,
//! foreign keys, and the tables that are skipped.

mod sqlite_support;

use migrator_core::backend::Backend;
use migrator_core::db_schema::IndexDef;
use migrator_core::introspect::{
    expected_schema, introspect, ColumnSchema, ForeignKeySchema, NamedConstraint,
};
use migrator_core::{
    ColumnType, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, ModelState,
    OnDelete, ProjectState,
};
use sqlite_support::{exec, temp_db};

fn col(name: &str, ty: &str, nullable: bool, default: Option<&str>) -> ColumnSchema {
    ColumnSchema {
        name: name.into(),
        type_name: ty.into(),
        nullable,
        default: default.map(Into::into),
        primary_key: false,
        auto_increment: false,
        generated: None,
        generated_sql: None,
    }
}

#[test]
fn reads_every_part_of_a_hand_written_schema() {
    let (_dir, mut conn) = temp_db();
    exec(
        &mut conn,
        r#"
        CREATE TABLE people (
            id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
            name varchar( 50 ) NOT NULL DEFAULT 'anon',
            score real DEFAULT -1.5,
            created timestamp NOT NULL DEFAULT (CURRENT_TIMESTAMP),
            CONSTRAINT "score_ok" CHECK (score >= -1.5),
            CHECK (length(name) > 0),
            UNIQUE (name, score)
        );
        CREATE TABLE "pets" (
            "owner" BIGINT REFERENCES people (id) ON DELETE SET NULL,
            "kind" TEXT NOT NULL,
            "tag" INTEGER NOT NULL,
            "vet" BIGINT REFERENCES people (id),
            PRIMARY KEY ("kind", "tag"),
            CONSTRAINT "pets_owner_kind" UNIQUE ("owner", "kind")
        );
        CREATE INDEX "pets_vet_idx" ON "pets" ("vet");
        CREATE UNIQUE INDEX pets_owner_tag ON pets (owner, tag);
        CREATE TABLE migrator_migrations (id INTEGER PRIMARY KEY);
        INSERT INTO people (name) VALUES ('x');
        "#,
    );
    let schema = introspect(&mut conn).unwrap();
    assert_eq!(
        schema.tables.keys().collect::<Vec<_>>(),
        ["people", "pets"],
        "sqlite_sequence and migrator_migrations are skipped"
    );

    let people = &schema.tables["people"];
    assert_eq!(
        people.columns,
        [
            col("created", "TIMESTAMP", false, Some("CURRENT_TIMESTAMP")),
            ColumnSchema {
                primary_key: true,
                auto_increment: true,
                ..col("id", "INTEGER", false, None)
            },
            col("name", "VARCHAR(50)", false, Some("'anon'")),
            col("score", "REAL", true, Some("-1.5")),
        ]
    );
    assert_eq!(people.primary_key, ["id"]);
    assert_eq!(
        people.checks,
        [
            NamedConstraint {
                name: None,
                body: vec!["length(name) > 0".into()]
            },
            NamedConstraint {
                name: Some("score_ok".into()),
                body: vec!["score >= -1.5".into()]
            },
        ]
    );
    assert_eq!(
        people.unique_constraints,
        [NamedConstraint {
            name: None,
            body: vec!["name".into(), "score".into()]
        }]
    );
    assert!(people.indexes.is_empty());

    let pets = &schema.tables["pets"];
    assert_eq!(pets.primary_key, ["kind", "tag"]);
    assert!(pets.columns.iter().all(|c| !c.auto_increment));
    assert_eq!(
        pets.indexes,
        [
            IndexDef {
                name: "pets_owner_tag".into(),
                columns: vec!["owner".into(), "tag".into()],
                expressions: Vec::new(),
                unique: true,
                condition: None,
                nulls_distinct: true,
                method: None,
                include: Vec::new(),
            },
            IndexDef {
                name: "pets_vet_idx".into(),
                columns: vec!["vet".into()],
                expressions: Vec::new(),
                unique: false,
                condition: None,
                nulls_distinct: true,
                method: None,
                include: Vec::new(),
            },
        ]
    );
    assert_eq!(
        pets.unique_constraints,
        [NamedConstraint {
            name: Some("pets_owner_kind".into()),
            body: vec!["owner".into(), "kind".into()]
        }]
    );
    assert_eq!(
        pets.foreign_keys,
        [
            ForeignKeySchema {
                column: "owner".into(),
                table: "people".into(),
                to_column: "id".into(),
                on_delete: "SET NULL".into()
            },
            ForeignKeySchema {
                column: "vet".into(),
                table: "people".into(),
                to_column: "id".into(),
                on_delete: "NO ACTION".into()
            },
        ]
    );
}

/// The expected schema of a state equals the introspection of DDL written by hand for it.
#[test]
fn expected_schema_matches_hand_written_ddl() {
    let (_dir, mut conn) = temp_db();
    exec(
        &mut conn,
        r#"
        CREATE TABLE "authors" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(100) NOT NULL);
        CREATE UNIQUE INDEX "authors_name_uniq" ON "authors" ("name");
        CREATE TABLE "books" (
            "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
            "title" TEXT NOT NULL DEFAULT 'untitled',
            "author_id" BIGINT NULL REFERENCES "authors" ("id") ON DELETE CASCADE,
            "in_print" BOOLEAN NOT NULL DEFAULT 1,
            "added" TIMESTAMP NOT NULL DEFAULT (datetime('now', 'localtime')),
            CONSTRAINT "books_title_nonempty" CHECK (title <> '')
        );
        CREATE INDEX "books_author_id_idx" ON "books" ("author_id");
        CREATE INDEX "books_title_print" ON "books" ("title", "in_print");
        "#,
    );
    let mut author = ModelState::new("library", "Author", "authors");
    author.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("name", ColumnType::Varchar(100)).unique(),
    ];
    let mut book = ModelState::new("library", "Book", "books");
    book.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("title", ColumnType::Text).default(DefaultValue::Text("untitled".into())),
        FieldState::new("author", ColumnType::BigInt)
            .column("author_id")
            .nullable()
            .index()
            .foreign_key(ForeignKey::new("library", "Author", OnDelete::Cascade)),
        FieldState::new("in_print", ColumnType::Boolean).default(DefaultValue::Bool(true)),
        FieldState::new("added", ColumnType::Timestamp)
            .default(DefaultValue::Sql("datetime('now', 'localtime')".into())),
    ];
    book.indexes = vec![IndexState::new(
        "books_title_print",
        ["title", "in_print"],
        false,
    )];
    book.constraints = vec![ConstraintState::check(
        "books_title_nonempty",
        "title <> ''",
    )];
    let mut state = ProjectState::new();
    state.insert(author);
    state.insert(book.clone());
    assert_eq!(
        introspect(&mut conn).unwrap(),
        expected_schema(&state, Backend::Sqlite).unwrap()
    );

    // And a difference is seen: the state says NOT NULL where the table allows NULL.
    book.fields[2].nullable = false;
    state.insert(book);
    assert_ne!(
        introspect(&mut conn).unwrap(),
        expected_schema(&state, Backend::Sqlite).unwrap()
    );
}
