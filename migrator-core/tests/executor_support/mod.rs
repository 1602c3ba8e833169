//! Shared fixtures of the executor tests (`sqlite_executor`, `server_executor`): the library
//! history both run on every backend, and a connection instrumentation that records the SQL a
//! `migrate` executes (to compare it with what `sqlmigrate` prints).
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use migrator_core::backend::DbConnection;
use migrator_core::graph::MigrationGraph;
use migrator_core::operations::{AddField, AlterField, CreateModel, RunSql};
use migrator_core::recorder;
use migrator_core::{
    ColumnType, DefaultValue, FieldState, ForeignKey, Migration, MigrationKey, ModelState,
    OnDelete, Operation,
};

/// `app.name`.
pub fn key(app: &str, name: &str) -> MigrationKey {
    MigrationKey::new(app, name)
}

/// `library.0001_initial`: `Author` (unique name) and `Book` (foreign key to `Author`).
pub fn library_initial() -> Migration {
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
        FieldState::new("title", ColumnType::Varchar(200)),
        FieldState::new("author", ColumnType::BigInt)
            .column("author_id")
            .foreign_key(ForeignKey::new("library", "Author", OnDelete::Cascade))
            .index(),
    ];
    let mut m = Migration::new("library", "0001_initial");
    m.initial = true;
    m.operations = vec![
        Operation::CreateModel(CreateModel::from_state(&author)),
        Operation::CreateModel(CreateModel::from_state(&book)),
    ];
    m
}

/// `library.0002_book_published_date`: a nullable field and a reversible data step (one
/// author, written in SQL every backend reads alike).
pub fn library_0002() -> Migration {
    let mut m = Migration::new("library", "0002_book_published_date");
    m.dependencies = vec![key("library", "0001_initial")];
    m.operations = vec![
        Operation::AddField(AddField::new(
            "Book",
            FieldState::new("published_date", ColumnType::Date).nullable(),
        )),
        Operation::RunSql(RunSql::new(
            vec!["INSERT INTO authors (name) VALUES ('Le Guin')".into()],
            Some(vec!["DELETE FROM authors WHERE name = 'Le Guin'".into()]),
        )),
    ];
    m
}

/// `library.0003_book_status`: a field with a default, and a column type change.
pub fn library_0003() -> Migration {
    let mut m = Migration::new("library", "0003_book_status");
    m.dependencies = vec![key("library", "0002_book_published_date")];
    m.operations = vec![
        Operation::AddField(AddField::new(
            "Book",
            FieldState::new("status", ColumnType::Varchar(20))
                .default(DefaultValue::Text("draft".into())),
        )),
        Operation::AlterField(AlterField::new(
            "Book",
            FieldState::new("title", ColumnType::Text),
        )),
    ];
    m
}

/// The graph of `migrations`.
pub fn graph(migrations: Vec<Migration>) -> MigrationGraph {
    MigrationGraph::new(migrations).unwrap()
}

/// The migrations the recorder lists as applied.
pub fn applied(conn: &mut DbConnection) -> BTreeSet<MigrationKey> {
    recorder::applied(conn).unwrap().into_keys().collect()
}

/// Records the text of every query a connection starts.
#[derive(Clone, Default)]
pub struct Capture(pub Arc<Mutex<Vec<String>>>);

impl Instrumentation for Capture {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            self.0.lock().unwrap().push(query.to_string());
        }
    }
}

/// The migrations' own statements among what a connection was sent (`sent`, one entry per
/// round trip), in order: where DDL is transactional the executor sends an operation of
/// several statements as one batch in a savepoint (`SAVEPOINT migrator_op; …; RELEASE …`),
/// unfolded here into its statements; on MySQL an operation's first statement goes in the
/// round trip of its progress row (and a migration's record may follow it), taken out here;
/// the executor's bookkeeping is left out.
pub fn migration_statements(sent: &[String]) -> Vec<String> {
    const OPEN: &str = "SAVEPOINT migrator_op;\n";
    const CLOSE: &str = "\n;\nRELEASE SAVEPOINT migrator_op";
    let mut out = Vec::new();
    for s in sent {
        if let Some(statement) = with_progress_row(s) {
            out.push(statement.to_owned());
            continue;
        }
        match s.strip_prefix(OPEN).and_then(|b| b.strip_suffix(CLOSE)) {
            Some(body) => out.extend(body.split("\n;\n").map(str::to_owned)),
            None if !is_bookkeeping(s) => out.push(s.clone()),
            None => {}
        }
    }
    out
}

/// The operation's statement sent in the round trip of its MySQL progress row, if `sql` is
/// such a batch: the row, then the statement on a line of its own, then perhaps the record.
pub fn with_progress_row(sql: &str) -> Option<&str> {
    if !sql.contains("`migrator_migrations_progress`") {
        return None;
    }
    let (_, rest) = sql.split_once(";\n")?;
    let statement = match rest.split_once("\n;\nSET @migrator_record_batch = ") {
        Some((statement, _)) => statement,
        None => rest.strip_suffix('\n')?,
    };
    Some(statement)
}

/// Whether `sql` is one operation's statements sent as one batch (see
/// [`migration_statements`]).
pub fn is_operation_batch(sql: &str) -> bool {
    sql.starts_with("SAVEPOINT migrator_op;\n")
}

/// Whether `sql` is the executor's own business (transactions, reads, session settings, the
/// recorder) rather than a migration's statement.
pub fn is_bookkeeping(sql: &str) -> bool {
    let upper = sql.trim_start().to_ascii_uppercase();
    ([
        "PRAGMA",
        "SET ",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
        "SELECT",
    ]
    .iter()
    .any(|p| upper.starts_with(p))
        && !is_operation_batch(sql))
        || sql.contains("migrator_migrations")
}
