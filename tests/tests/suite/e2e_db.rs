//! Support for the end-to-end `migrate` tests (`migrate_e2e`, `migrate_commands`,
//! `migrate_safety`, `multi_app`, `multi_app_renames`, `multi_app_rows`): a handle on the
//! SQLite file a `migrator` subprocess wrote ([`Db`]: introspected schema, rows, recorder
//! rows), and the oracle the schema is compared with — the committed example migrations,
//! embedded in this test binary through the `library`, `catalog` and `orders` crates, replayed
//! up to the migrations applied so far and turned into an expected schema.
//!
//! The temporary workspaces regenerate those migrations with the real CLI; the tests assert
//! that the regenerated files are byte-identical to the committed ones, which is what makes
//! this binary's embedded graph a valid oracle for them. No assertion about behaviour lives
//! here beyond [`Db::assert_schema`].

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use migrator_core::database::{self, DatabaseUrl};
use migrator_core::graph::MigrationGraph;
use migrator_core::introspect::{self, DbSchema};
use migrator_core::{MigrationKey, ProjectState};
use migrator_tests::TempWorkspace;

// Linking the example crates registers their models and embedded migrations in this binary.
use catalog as _;
use library as _;
use orders as _;

/// The SQLite database file `name` in a temporary workspace.
pub struct Db {
    path: PathBuf,
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

impl Db {
    /// The file `name` in the root of `ws` (not created until a command opens it).
    pub fn new(ws: &TempWorkspace, name: &str) -> Self {
        Self {
            path: ws.path(name),
        }
    }

    /// The `sqlite://` URL for `--database`.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    fn conn(&self) -> SqliteConnection {
        let mut conn = SqliteConnection::establish(self.path.to_str().expect("utf-8 path"))
            .unwrap_or_else(|e| panic!("open {}: {e}", self.path.display()));
        conn.batch_execute("PRAGMA foreign_keys = ON;")
            .expect("enable foreign keys");
        conn
    }

    /// The live schema, read by migrator-core's introspection (the recorder table excluded).
    pub fn schema(&self) -> DbSchema {
        let url = DatabaseUrl::parse(&self.url(), self.path.parent().expect("parent"))
            .expect("sqlite url parses");
        let mut conn = database::connect(&url).expect("connect for introspection");
        introspect::introspect(&mut conn).expect("introspect")
    }

    /// Runs SQL statements (separated by `;`), with foreign keys enforced.
    pub fn exec(&self, sql: &str) -> Result<(), diesel::result::Error> {
        self.conn().batch_execute(sql)
    }

    /// Runs SQL that must succeed.
    #[track_caller]
    pub fn exec_ok(&self, sql: &str) {
        if let Err(e) = self.exec(sql) {
            panic!("`{sql}` failed: {e}");
        }
    }

    /// The first column of every row of `select` (aliased `v`), as text (`NULL` → `None`).
    #[track_caller]
    pub fn column(&self, select: &str) -> Vec<Option<String>> {
        let sql = format!("SELECT CAST(v AS TEXT) AS v FROM ({select})");
        diesel::sql_query(&sql)
            .load::<TextRow>(&mut self.conn())
            .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"))
            .into_iter()
            .map(|r| r.v)
            .collect()
    }

    /// Like [`Db::column`], for rows without NULLs.
    #[track_caller]
    pub fn texts(&self, select: &str) -> Vec<String> {
        self.column(select)
            .into_iter()
            .map(|v| v.expect("no NULL expected"))
            .collect()
    }

    /// `SELECT COUNT(*) FROM table`.
    #[track_caller]
    pub fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) AS n FROM \"{table}\"");
        diesel::sql_query(&sql)
            .get_result::<CountRow>(&mut self.conn())
            .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"))
            .n
    }

    /// Every table in the file, the recorder's included (SQLite's own excluded), sorted.
    pub fn tables(&self) -> Vec<String> {
        self.texts(
            "SELECT name AS v FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )
    }

    /// The migrations the recorder holds as applied, `app.name`, sorted.
    pub fn recorded(&self) -> Vec<String> {
        if !self.tables().iter().any(|t| t == "migrator_migrations") {
            return Vec::new();
        }
        self.texts("SELECT app || '.' || name AS v FROM migrator_migrations ORDER BY app, name")
    }

    /// Asserts that the live schema is exactly what `state` produces on SQLite, printing
    /// every difference (and `step`) otherwise. Returns the live schema.
    #[track_caller]
    pub fn assert_schema(&self, state: &ProjectState, step: &str) -> DbSchema {
        let expected = introspect::expected_schema(state, migrator_core::backend::Backend::Sqlite)
            .expect("expected schema");
        let actual = self.schema();
        let diff = actual.diff(&expected);
        assert!(
            diff.is_empty(),
            "after {step}: the database differs from the expected schema:\n  {}\n\
             recorded: {:?}",
            diff.join("\n  "),
            self.recorded()
        );
        assert_eq!(
            actual, expected,
            "after {step}: diff empty but schemas differ"
        );
        actual
    }
}

/// The graph of the committed example migrations (library, catalog, orders) embedded in
/// this test binary.
pub fn committed_graph() -> MigrationGraph {
    migrator_core::loader::load_embedded()
        .expect("the committed example migrations load")
        .graph
}

/// The state after the migrations `applied` (`"app.name"`) and their ancestors.
pub fn state_after(graph: &MigrationGraph, applied: &[&str]) -> ProjectState {
    let keys: Vec<MigrationKey> = applied.iter().map(|k| key(k)).collect();
    graph
        .make_state(&keys)
        .unwrap_or_else(|e| panic!("replaying {applied:?}: {e}"))
}

/// `"app.name"` as a key.
pub fn key(text: &str) -> MigrationKey {
    let (app, name) = text.split_once('.').expect("app.name");
    MigrationKey::new(app, name)
}

/// Asserts that the migration file `rel` of `ws` is byte-identical to the committed file
/// `committed` (relative to the repository root): the oracle is only valid when it is.
#[track_caller]
pub fn assert_same_as_committed(ws: &TempWorkspace, rel: &str, committed: &str) {
    let ours = ws.read(rel);
    let theirs = std::fs::read_to_string(migrator_tests::repo_root().join(committed))
        .unwrap_or_else(|e| panic!("read {committed}: {e}"));
    assert_eq!(
        ours, theirs,
        "{rel} (made in the temporary workspace) differs from the committed {committed}"
    );
}

/// The progress lines of `migrate`'s output without their timings, in order:
/// `Applying library.0001_initial... OK`, `Unapplying …`, `… FAKED`.
pub fn progress(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("Applying ") || l.starts_with("Unapplying "))
        .map(|l| match l.rfind(" (") {
            Some(i) if l.ends_with(" ms)") => l[..i].to_owned(),
            _ => l.to_owned(),
        })
        .collect()
}
