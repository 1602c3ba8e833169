//! Shared helpers of the SQLite integration tests (`sqlite_schema`, `sqlite_executor`,
//! `introspect`): real database files in temporary folders, running one operation's SQL the
//! way the executor does (foreign keys off, one immediate transaction, `foreign_key_check`),
//! reading rows back as JSON, and comparing the introspected schema with the state's.
#![allow(dead_code)]

use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};
use migrator_core::backend::sqlite::SqliteEditor;
use migrator_core::backend::{Backend, DbConnection};
use migrator_core::database::{connect, DatabaseUrl};
use migrator_core::introspect::{expected_schema, introspect};
use migrator_core::lock::WriteLock;
use migrator_core::{Operation, ProjectState};
use tempfile::TempDir;

/// The app every test model lives in.
pub const APP: &str = "library";

/// A fresh SQLite file database in a temporary folder.
pub fn temp_db() -> (TempDir, DbConnection) {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::parse("sqlite://test.db", dir.path()).unwrap();
    let conn = connect(&url).unwrap();
    (dir, conn)
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Text)]
    row: String,
}

#[derive(QueryableByName)]
struct FkRow {
    #[diesel(sql_type = Text)]
    table: String,
}

/// Runs statements as the executor does: FKs off, one write transaction, a foreign-key check,
/// commit. Panics with the failing statement.
pub fn run(conn: &mut DbConnection, sql: &[String]) {
    let lock = WriteLock::acquire(conn).unwrap();
    for s in sql {
        if let Err(e) = conn.batch_execute(s) {
            let _ = lock.rollback(conn);
            panic!("`{s}` failed: {e}\nall statements:\n{}", sql.join(";\n"));
        }
    }
    let bad: Vec<FkRow> = diesel::sql_query("PRAGMA foreign_key_check")
        .load(conn)
        .unwrap();
    let bad: Vec<String> = bad.into_iter().map(|r| r.table).collect();
    assert!(
        bad.is_empty(),
        "foreign keys broken in {bad:?} by:\n{}",
        sql.join(";\n")
    );
    lock.commit(conn).unwrap();
}

/// Applies `op` to `state` and returns `(before, forwards SQL)`.
pub fn step(state: &mut ProjectState, op: &Operation) -> (ProjectState, Vec<String>) {
    let before = state.clone();
    op.state_forwards(APP, state)
        .unwrap_or_else(|e| panic!("{}: {e}", op.describe()));
    let sql = op
        .database_forwards(APP, &SqliteEditor, &before, state)
        .unwrap_or_else(|e| panic!("{}: {e}", op.describe()));
    (before, sql)
}

/// Applies `op` to `state` and to the database; returns the SQL it ran.
pub fn forwards(conn: &mut DbConnection, state: &mut ProjectState, op: &Operation) -> Vec<String> {
    let (_, sql) = step(state, op);
    run(conn, &sql);
    assert_schema(conn, state);
    sql
}

/// The backwards SQL of `op` between `before` and `after`.
pub fn backwards_sql(op: &Operation, before: &ProjectState, after: &ProjectState) -> Vec<String> {
    op.database_backwards(APP, &SqliteEditor, before, after)
        .unwrap_or_else(|e| panic!("backwards {}: {e}", op.describe()))
}

/// The database's schema equals the one `state` describes (failures list each difference).
pub fn assert_schema(conn: &mut DbConnection, state: &ProjectState) {
    let actual = introspect(conn).unwrap();
    let expected = expected_schema(state, Backend::Sqlite).unwrap();
    let diff = actual.diff(&expected);
    assert!(
        diff.is_empty(),
        "the database differs from the state:\n  {}",
        diff.join("\n  ")
    );
    assert_eq!(actual, expected, "DbSchema::diff missed a difference");
}

/// Every row of `SELECT json_array(cols) FROM table ORDER BY order_by`, as JSON text.
pub fn rows(conn: &mut DbConnection, table: &str, cols: &str, order_by: &str) -> Vec<String> {
    let sql = format!("SELECT json_array({cols}) AS row FROM \"{table}\" ORDER BY {order_by}");
    let rows: Vec<JsonRow> = diesel::sql_query(&sql)
        .load(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter().map(|r| r.row).collect()
}

/// Runs one statement outside the migration machinery (test data).
pub fn exec(conn: &mut DbConnection, sql: &str) {
    conn.batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}
