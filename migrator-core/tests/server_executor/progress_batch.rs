//! MySQL's progress row travels with the operation's first statement, and a migration's
//! record with its last statement, in one round trip: a batch that fails stops at its first
//! failing statement without saying which, so the executor reads back what the batch left.
//! Each part failing on its own is named as itself, with what stays committed.

use diesel::connection::SimpleConnection;
use migrator_core::backend::{Backend, DbConnection};
use migrator_core::executor::{ExecutorError, Target};
use migrator_core::introspect::introspect;
use migrator_core::operations::{AddField, RunRust};
use migrator_core::recorder::{self, PROGRESS_TABLE, RECORDER_TABLE};
use migrator_core::{ColumnType, FieldState, Migration, Operation};

use crate::executor_support::{applied, graph, key};
use crate::{base, broken, insert_author, run, TestDb};

/// `0004_bio`: one operation of one statement, so its row, its statement and its record
/// all go in one batch.
fn bio() -> Migration {
    let mut m = Migration::new("library", "0004_bio");
    m.dependencies = vec![key("library", "0003_book_status")];
    m.operations = vec![Operation::AddField(AddField::new(
        "Author",
        FieldState::new("bio", ColumnType::Text).nullable(),
    ))];
    m
}

fn has_bio(conn: &mut DbConnection) -> bool {
    introspect(conn).unwrap().tables["authors"]
        .columns
        .iter()
        .any(|c| c.name == "bio")
}

/// A database migrated to `0003_book_status`, with `pending` (`0004_bio` or a variant).
fn at_0003(pending: Migration) -> (TestDb, DbConnection, migrator_core::graph::MigrationGraph) {
    let db = TestDb::create(Backend::Mysql);
    let mut conn = db.connect();
    let mut migrations = base();
    migrations.push(pending);
    let g = graph(migrations);
    run(
        &mut conn,
        &g,
        &Target::Migration(key("library", "0003_book_status")),
    )
    .unwrap();
    (db, conn, g)
}

/// Makes every later write of the record fail.
fn refuse_record(conn: &mut DbConnection) {
    conn.batch_execute(&format!(
        "CREATE TRIGGER refuse_record BEFORE INSERT ON `{RECORDER_TABLE}` FOR EACH ROW \
         SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'record refused by the test'"
    ))
    .unwrap();
}

/// The interrupted migrations and the operation each progress row names.
fn interrupted_at(conn: &mut DbConnection) -> Vec<(String, usize)> {
    recorder::interrupted(conn)
        .unwrap()
        .iter()
        .map(|r| (r.key.to_string(), r.operation))
        .collect()
}

/// The operation's statement fails after its progress row committed: the error names the
/// operation and its statement alone (not the batch), and the row stays, naming it.
#[test]
fn a_failing_statement_sent_with_its_progress_row_is_named_as_the_operations() {
    let db = TestDb::create(Backend::Mysql);
    let mut conn = db.connect();
    let mut migrations = base();
    migrations.push(broken());
    let g = graph(migrations);
    run(&mut conn, &g, &Target::Latest).unwrap_err();
    let err = run(&mut conn, &g, &Target::Latest).unwrap_err();
    // The second run reports the first one's interruption at operation 2.
    assert!(matches!(err, ExecutorError::Interrupted { .. }), "{err}");
    assert_eq!(
        interrupted_at(&mut conn),
        [("library.0004_broken".to_owned(), 2)]
    );

    let db = TestDb::create(Backend::Mysql);
    let mut conn = db.connect();
    let err = run(&mut conn, &g, &Target::Latest).unwrap_err();
    let ExecutorError::Sql {
        number,
        description,
        sql,
        committed,
        ..
    } = &err
    else {
        panic!("{err}");
    };
    assert_eq!(*number, 2, "{err}");
    assert_eq!(description, "Raw SQL operation", "{err}");
    assert_eq!(&**sql, "INSERT INTO no_such_table VALUES (1)", "{err}");
    assert_eq!(&*committed.operations, [1], "{err}");
}

/// The record fails after the migration's only statement ran: the migration is done but not
/// recorded, said as a failed commit with its operation committed, and the progress row
/// stays so later runs report it (a cleared row would let the next run apply it again).
#[test]
fn a_failing_record_sent_with_the_last_statement_is_a_failed_commit() {
    let (_db, mut conn, g) = at_0003(bio());
    refuse_record(&mut conn);
    let err = run(&mut conn, &g, &Target::Latest).unwrap_err();
    let msg = err.to_string();
    let ExecutorError::Commit {
        migration,
        committed,
        ..
    } = &err
    else {
        panic!("{msg}");
    };
    assert_eq!(migration.to_string(), "library.0004_bio");
    assert_eq!(&*committed.operations, [1], "{msg}");
    assert!(msg.contains("record refused by the test"), "{msg}");
    assert!(has_bio(&mut conn));
    assert_eq!(applied(&mut conn).len(), 3);
    assert_eq!(
        interrupted_at(&mut conn),
        [("library.0004_bio".to_owned(), 1)]
    );
}

/// The progress row fails: nothing of the operation ran, the error says the row failed, and
/// no row is left to report.
#[test]
fn a_failing_progress_row_stops_the_operation_before_it_runs() {
    let (_db, mut conn, g) = at_0003(bio());
    conn.batch_execute(&format!(
        "CREATE TABLE `{PROGRESS_TABLE}` (app VARCHAR(255) NOT NULL, name VARCHAR(255) NOT NULL, \
         operation INTEGER NOT NULL, total INTEGER NOT NULL, description VARCHAR(255) NOT NULL, \
         started_at VARCHAR(255) NOT NULL); \
         CREATE TRIGGER refuse_progress BEFORE INSERT ON `{PROGRESS_TABLE}` FOR EACH ROW \
         SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'progress refused by the test'"
    ))
    .unwrap();
    let err = run(&mut conn, &g, &Target::Latest).unwrap_err();
    let msg = err.to_string();
    let ExecutorError::Sql {
        number,
        description,
        committed,
        ..
    } = &err
    else {
        panic!("{msg}");
    };
    assert_eq!(
        (*number, description.as_str()),
        (1, "record progress"),
        "{msg}"
    );
    assert!(committed.operations.is_empty(), "{msg}");
    assert!(msg.contains("progress refused by the test"), "{msg}");
    assert!(
        !has_bio(&mut conn),
        "the operation ran after its row failed"
    );
    assert_eq!(applied(&mut conn).len(), 3);
    assert!(recorder::interrupted(&mut conn).unwrap().is_empty());
}

/// The same after a trailing data step, whose record is sent on its own (not with a
/// statement): still a failed commit, the schema operation committed, the data step's rows
/// rolled back with the record, and the progress row kept at the data step.
#[test]
fn a_failing_record_after_a_data_step_is_a_failed_commit_too() {
    let mut m = bio();
    m.operations.push(Operation::RunRust(RunRust {
        name: "insert_author",
        forward: insert_author,
        backward: None,
        elidable: false,
    }));
    let (_db, mut conn, g) = at_0003(m);
    let authors = crate::count(&mut conn, "authors");
    refuse_record(&mut conn);
    let err = run(&mut conn, &g, &Target::Latest).unwrap_err();
    let msg = err.to_string();
    let ExecutorError::Commit { committed, .. } = &err else {
        panic!("{msg}");
    };
    assert_eq!(&*committed.operations, [1], "{msg}");
    assert!(has_bio(&mut conn));
    assert_eq!(
        crate::count(&mut conn, "authors"),
        authors,
        "the data step's row was kept"
    );
    assert_eq!(
        interrupted_at(&mut conn),
        [("library.0004_bio".to_owned(), 2)]
    );
}
