//! Names and column types: long generated names shortened stably, defaults quoted safely,
//! indexes on unbounded text, comments, and JSON, UUID, time and binary columns.

use crate::conformance_support::*;
use migrator_core::backend::{Backend, SchemaError};
use migrator_core::operations::{AddIndex, AlterModelComment, RenameField};
use migrator_core::{
    ColumnType, DefaultValue, FieldState, ForeignKey, IndexState, ModelState, OnDelete, Operation,
    ProjectState,
};

pub(super) fn long_names_are_shortened_stably(backend: Backend) {
    let mut cx = Ctx::new(backend);
    let table = "publishing_house_catalogue_entries_with_long_names";
    let mut parent = ModelState::new(APP, "Publisher", "publishing_houses_of_the_world_table");
    parent.fields = vec![FieldState::new("id", ColumnType::BigInt)
        .primary_key()
        .auto_increment()];
    let mut m = ModelState::new(APP, "Entry", table);
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new(
            "a_rather_long_column_name_for_the_publisher",
            ColumnType::BigInt,
        )
        .foreign_key(ForeignKey::new(APP, "Publisher", OnDelete::Cascade))
        .index(),
        FieldState::new(
            "another_long_column_name_that_is_unique",
            ColumnType::Varchar(50),
        )
        .unique(),
    ];
    cx.forwards(&create(&parent));
    cx.forwards(&create(&m));
    cx.exec("INSERT INTO publishing_houses_of_the_world_table (id) VALUES (1), (2)");
    cx.exec(&format!(
        "INSERT INTO {table} (a_rather_long_column_name_for_the_publisher, another_long_column_name_that_is_unique) VALUES (1, 'a'), (2, 'b')"
    ));
    cx.exec("DELETE FROM publishing_houses_of_the_world_table WHERE id = 1");
    assert_eq!(
        cx.rows(table, &["another_long_column_name_that_is_unique"], "id"),
        ["b"]
    );
    // Servers: generated names are cut to the identifier limit, keeping a long prefix.
    if let Some((names, max)) = generated_names(backend, &cx.state, table) {
        assert_eq!(names.len(), 3, "{names:?}");
        for n in &names {
            assert!(n.len() <= max, "{n} is {} bytes", n.len());
            assert!(n.len() > 50, "{n} should keep a long prefix");
        }
    }
    // A declared name too long for the server is refused with a clear error; SQLite has
    // no limit and creates it.
    let op = Operation::AddIndex(AddIndex::new(
        "Entry",
        IndexState::new(
            "x".repeat(70),
            ["another_long_column_name_that_is_unique"],
            false,
        ),
    ));
    if backend == Backend::Sqlite {
        cx.forwards(&op);
        return;
    }
    let before = cx.state.clone();
    let mut after = before.clone();
    op.state_forwards(APP, &mut after).unwrap();
    let err = op
        .database_forwards(APP, &*cx.editor(), &before, &after)
        .unwrap_err()
        .to_string();
    assert!(err.contains("choose a shorter name"), "{err}");
}

/// The index and foreign-key names a server generates for `table`, and its identifier
/// limit (None on SQLite, which neither generates foreign-key names nor limits them).
fn generated_names(
    backend: Backend,
    state: &ProjectState,
    table: &str,
) -> Option<(Vec<String>, usize)> {
    let names = |schema: &migrator_core::introspect::DbSchema, fks: Vec<String>| -> Vec<String> {
        schema.tables[table]
            .indexes
            .iter()
            .map(|i| i.name.clone())
            .chain(fks)
            .collect()
    };
    match backend {
        #[cfg(feature = "postgres")]
        Backend::Postgres => {
            use migrator_core::backend::postgres;
            let (s, d) = postgres::expected_schema(state).unwrap();
            let fks = d.foreign_key_names.values().cloned().collect();
            Some((names(&s, fks), postgres::MAX_IDENTIFIER))
        }
        #[cfg(feature = "mysql")]
        Backend::Mysql => {
            use migrator_core::backend::mysql;
            let (s, d) = mysql::expected_schema(state).unwrap();
            let fks = d.foreign_key_names.values().cloned().collect();
            Some((names(&s, fks), mysql::MAX_IDENTIFIER))
        }
        _ => {
            let _ = (names, state);
            None
        }
    }
}

pub(super) fn defaults_are_quoted_safely(backend: Backend) {
    let mut cx = seed(backend);
    if backend == Backend::Mysql {
        // A session where backslashes do not escape: the defaults must mean the same.
        cx.exec("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')");
    }
    let evil = "x'); DROP TABLE authors; -- \\ \"q\"";
    cx.forwards(&add(
        "Author",
        FieldState::new("motto", ColumnType::Text).default(DefaultValue::Text(evil.into())),
    ));
    cx.forwards(&add(
        "Author",
        FieldState::new("tagline", ColumnType::Varchar(100))
            .default(DefaultValue::Text(evil.into())),
    ));
    cx.forwards(&add(
        "Author",
        FieldState::new("active", ColumnType::Boolean).default(DefaultValue::Bool(true)),
    ));
    cx.exec("INSERT INTO authors (id, name) VALUES (10, 'New')");
    assert_eq!(
        cx.rows("authors", &["motto", "tagline"], "id DESC")[0],
        format!("{evil}|{evil}")
    );
}

pub(super) fn index_on_unbounded_text(backend: Backend) {
    let mut cx = seed(backend);
    let op = Operation::AddIndex(AddIndex::new(
        "Author",
        IndexState::new("authors_bio_idx", ["bio"], false),
    ));
    match backend {
        Backend::Postgres | Backend::Sqlite => {
            cx.forwards(&op);
        }
        Backend::Mysql => {
            let before = cx.state.clone();
            let mut after = before.clone();
            op.state_forwards(APP, &mut after).unwrap();
            let err = op
                .database_forwards(APP, &*cx.editor(), &before, &after)
                .unwrap_err();
            assert!(matches!(err, SchemaError::Unsupported(_)), "{err}");
            let msg = err.to_string();
            assert!(msg.contains("`bio`") && msg.contains("max_length"), "{msg}");
            // A VARCHAR too wide for an InnoDB key is refused up front as well.
            let op = add(
                "Author",
                FieldState::new("handle", ColumnType::Varchar(1000))
                    .nullable()
                    .unique(),
            );
            let before = cx.state.clone();
            let mut after = before.clone();
            op.state_forwards(APP, &mut after).unwrap();
            let msg = op
                .database_forwards(APP, &*cx.editor(), &before, &after)
                .unwrap_err()
                .to_string();
            assert!(msg.contains("at most 768"), "{msg}");
        }
    }
}

pub(super) fn comments_set_changed_and_removed(backend: Backend) {
    let mut cx = seed(backend);
    if backend == Backend::Mysql {
        // A session where backslashes do not escape: comments must still mean the same.
        cx.exec("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')");
    }
    for comment in [
        Some("Ünïcode 'quoted' comment"),
        None,
        Some("Back again, from C:\\books\\."),
    ] {
        cx.forwards(&Operation::AlterModelComment(AlterModelComment {
            name: "Book".into(),
            comment: comment.map(str::to_owned),
        }));
        let mut field = FieldState::new("rating", ColumnType::Integer).nullable();
        field.comment = comment.map(str::to_owned);
        cx.forwards(&alter("Book", field));
    }
    if backend == Backend::Mysql {
        // The session's own mode is back after the migrations.
        assert_eq!(
            cx.try_exec("SELECT 1 FROM authors WHERE name = 'x\\'"),
            Ok(()),
            "NO_BACKSLASH_ESCAPES is not restored: a backslash before the quote escaped it"
        );
    }
}

pub(super) fn json_uuid_time_and_binary_columns(backend: Backend) {
    let mut cx = Ctx::new(backend);
    let mut m = ModelState::new(APP, "Event", "events");
    m.fields = vec![
        FieldState::new("id", ColumnType::Uuid).primary_key(),
        FieldState::new("payload", ColumnType::Json).nullable(),
        FieldState::new("at", ColumnType::TimestampTz),
        FieldState::new("day", ColumnType::Date),
        FieldState::new("time", ColumnType::Time).nullable(),
        FieldState::new("raw", ColumnType::Blob).nullable(),
        FieldState::new("flag", ColumnType::Boolean).default(DefaultValue::Bool(false)),
        FieldState::new("ratio", ColumnType::Float).default(DefaultValue::Float("0.5".into())),
        FieldState::new("small", ColumnType::SmallInt).default(DefaultValue::Int(-1)),
    ];
    cx.forwards(&create(&m));
    cx.exec(
        "INSERT INTO events (id, payload, at, day) VALUES \
         ('3f2504e0-4f89-11d3-9a0c-0305e82c3301', '{\"a\": 1}', '2024-01-02 03:04:05', '2024-01-02')",
    );
    assert_eq!(
        cx.rows("events", &["id", "day", "flag", "small"], "id"),
        [match backend {
            Backend::Postgres => "3f2504e0-4f89-11d3-9a0c-0305e82c3301|2024-01-02|false|-1",
            _ => "3f2504e0-4f89-11d3-9a0c-0305e82c3301|2024-01-02|0|-1",
        }]
    );
    // Clock defaults, as SQL expressions.
    cx.forwards(&add(
        "Event",
        FieldState::new("created_at", ColumnType::TimestampTz)
            .default(DefaultValue::Sql("CURRENT_TIMESTAMP".into())),
    ));
    cx.forwards(&add(
        "Event",
        FieldState::new("created_on", ColumnType::Date)
            .default(DefaultValue::Sql("CURRENT_DATE".into())),
    ));
    cx.exec("INSERT INTO events (id, at, day) VALUES ('00000000-0000-0000-0000-000000000001', '2024-01-02 03:04:05', '2024-01-02')");
    assert_eq!(
        cx.rows("events", &["created_on"], "id DESC")[0].len(),
        "2024-01-02".len()
    );
    // Round trips of every alteration kind on these types.
    cx.forwards(&alter(
        "Event",
        FieldState::new("payload", ColumnType::Json)
            .nullable()
            .default(DefaultValue::Text("{}".into())),
    ));
    cx.forwards(&alter(
        "Event",
        FieldState::new("at", ColumnType::Timestamp).comment("When it happened."),
    ));
    cx.forwards(&Operation::RenameField(RenameField::new(
        "Event", "raw", "body",
    )));
}
