//! Failure injection: a foreign key over rows that point nowhere and a failing second
//! operation — rolled back on SQLite and PostgreSQL, committed and recovered on MySQL.

use crate::conformance_support::*;
use migrator_core::backend::Backend;
use migrator_core::executor::{migrate, ExecutorError, MigrateOptions, Target};
use migrator_core::introspect::expected_schema;
use migrator_core::operations::RunSql;
use migrator_core::{ColumnType, FieldState, ForeignKey, OnDelete, Operation, ProjectState};

/// Adding a foreign key over rows that point nowhere fails. SQLite and PostgreSQL roll the
/// migration back (schema and recorder unchanged) and, once the data is fixed, the same
/// migration applies; MySQL has committed the statements before the failing one, reports
/// the failure, and is finished by hand and recorded with `--fake`, as its message says.
pub(super) fn foreign_key_to_missing_rows_fails(backend: Backend) {
    let mut cx = seed(backend);
    cx.exec("UPDATE books SET co_author = 99 WHERE id = 1");
    let before = cx.state.clone();
    let recorded = applied(cx.db.conn());
    let (after, sql) = cx.push_step(vec![alter(
        "Book",
        FieldState::new("co_author", ColumnType::BigInt)
            .nullable()
            .foreign_key(ForeignKey::new(APP, "Author", OnDelete::Cascade)),
    )]);
    let err = cx.try_apply(after.clone()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.to_lowercase().contains("foreign key"),
        "{backend}: {msg}"
    );
    assert_eq!(applied(cx.db.conn()), recorded, "{backend}: {msg}");
    cx.exec("UPDATE books SET co_author = NULL WHERE id = 1");
    if backend == Backend::Mysql {
        // Exactly the statements before the failing one (the covering index) are in.
        let failed = sql
            .iter()
            .position(|s| s.contains("ADD CONSTRAINT"))
            .unwrap_or_else(|| panic!("{sql:#?}"));
        assert!(failed > 0, "{sql:#?}");
        assert!(msg.contains(&sql[failed]), "{msg}");
        for s in &sql[failed..] {
            cx.exec(s);
        }
        let graph = cx.graph();
        let options = MigrateOptions {
            fake: true,
            ..MigrateOptions::default()
        };
        migrate(cx.db.conn(), &graph, &Target::Latest, &options, &mut |_| {}).unwrap();
        cx.state = after;
        cx.states.push(cx.state.clone());
        cx.assert_schema();
    } else {
        assert!(msg.contains("rolled back"), "{backend}: {msg}");
        cx.assert_schema_of(&before);
        cx.try_apply(after)
            .unwrap_or_else(|e| panic!("{backend}: after fixing the data: {e}"));
        cx.assert_schema();
    }
    assert_eq!(applied(cx.db.conn()).len(), 3);
    let orphan =
        cx.try_exec("INSERT INTO books (id, title, author_id, co_author) VALUES (9, 'x', 1, 42)");
    assert!(
        orphan.is_err(),
        "{backend}: the new foreign key is not enforced"
    );
}

/// Failure injection: a migration whose second operation fails. SQLite and PostgreSQL leave
/// schema, rows and recorder exactly as before, and the fixed migration then applies. MySQL
/// keeps operation 1 (DDL commits as it runs), its error says so and how to recover, later
/// runs refuse until it is recovered, and `--resume` after fixing the cause finishes it.
pub(super) fn a_failing_second_operation(backend: Backend) {
    let mut cx = seed(backend);
    let schema = cx.introspect();
    let rows = cx.rows("books", &BOOK_COLS, "id");
    let recorded = applied(cx.db.conn());
    let nickname = add(
        "Author",
        FieldState::new("nickname", ColumnType::Varchar(30)).nullable(),
    );
    let (_, _) = cx.push_step(vec![
        nickname.clone(),
        Operation::RunSql(RunSql::new(
            vec!["INSERT INTO no_such_table (x) VALUES (1)".into()],
            Some(vec![]),
        )),
    ]);
    let after_first = {
        let mut s = cx.state.clone();
        nickname.state_forwards(APP, &mut s).unwrap();
        s
    };
    let err = cx.try_apply(ProjectState::new()).unwrap_err();
    let msg = err.to_string();
    let ExecutorError::Sql {
        number, committed, ..
    } = &err
    else {
        panic!("{backend}: not a statement failure: {msg}");
    };
    assert_eq!(*number, 2, "{msg}");
    assert!(msg.contains("no_such_table"), "{msg}");
    assert_eq!(applied(cx.db.conn()), recorded, "{backend}: {msg}");
    assert_eq!(cx.rows("books", &BOOK_COLS, "id"), rows);
    if backend == Backend::Mysql {
        assert_eq!(&committed[..], [1], "{msg}");
        assert!(
            msg.contains("operation(s) 1 of this migration stay applied") && msg.contains("--fake"),
            "{msg}"
        );
        // Operation 1 is in the schema; the progress row that marks the migration as
        // half-applied is bookkeeping, which introspection leaves out like the recorder.
        let actual = cx.introspect();
        assert!(!actual
            .tables
            .contains_key(migrator_core::recorder::PROGRESS_TABLE));
        assert_eq!(actual, expected_schema(&after_first, backend).unwrap());
        // Until it is recovered, `migrate` refuses to run anything else.
        let refused = cx.try_apply(after_first.clone()).unwrap_err().to_string();
        assert!(refused.contains("--resume"), "{refused}");
        // Fix the cause, then `--resume` runs the migration from operation 2.
        cx.exec("CREATE TABLE no_such_table (x INT)");
        let graph = cx.graph();
        let options = MigrateOptions {
            resume: true,
            ..MigrateOptions::default()
        };
        migrate(cx.db.conn(), &graph, &Target::Latest, &options, &mut |_| {})
            .unwrap_or_else(|e| panic!("--resume: {e}"));
        cx.exec("DROP TABLE no_such_table");
        cx.state = after_first;
        cx.states.push(cx.state.clone());
        cx.assert_schema();
        assert_eq!(applied(cx.db.conn()).len(), recorded.len() + 1);
        cx.forwards(&Operation::RunSql(RunSql::new(
            vec!["UPDATE authors SET nickname = 'U' WHERE id = 1".into()],
            Some(vec![]),
        )));
    } else {
        assert!(committed.is_empty(), "{msg}");
        assert!(msg.contains("rolled back"), "{msg}");
        assert_eq!(cx.introspect(), schema, "{backend}: {msg}");
        // The fixed migration applies.
        cx.migrations.pop();
        cx.migrate_ops(vec![
            nickname,
            Operation::RunSql(RunSql::new(
                vec!["UPDATE authors SET nickname = 'U' WHERE id = 1".into()],
                Some(vec![]),
            )),
        ]);
    }
    assert_eq!(
        cx.rows("authors", &["id", "nickname"], "id"),
        ["1|U", "2|NULL", "3|NULL"]
    );
}
