//! Non-atomic migrations (`atomic(false)`) and what runs outside a transaction: each
//! operation commits on its own with a progress record, a failure leaves exactly the earlier
//! operations and is resumed; concurrent index changes are refused in an atomic migration and
//! spelled per backend in a non-atomic one; a panicking data step is reported like any
//! failing operation, atomic or not.

use diesel::connection::SimpleConnection;
use diesel::Connection;
use migrator_core::backend::{Backend, DbConnection};
use migrator_core::executor::{migrate, sql_for_migration, ExecutorError, MigrateOptions, Target};
use migrator_core::introspect::expected_schema;
use migrator_core::operations::{AddIndex, RemoveIndex, RunRust, RunSql};
use migrator_core::recorder;
use migrator_core::{ColumnType, FieldState, IndexState, Operation, ProjectState};

use crate::conformance_support::*;

fn resume(cx: &mut Ctx) -> Result<(), ExecutorError> {
    let graph = cx.graph();
    let options = MigrateOptions {
        resume: true,
        ..MigrateOptions::default()
    };
    migrate(cx.db.conn(), &graph, &Target::Latest, &options, &mut |_| {}).map(|_| ())
}

fn interrupted(cx: &mut Ctx) -> Vec<String> {
    recorder::interrupted(cx.db.conn())
        .unwrap()
        .into_iter()
        .map(|i| format!("{} {} {}", i.key, i.operation, i.total))
        .collect()
}

fn nickname_index() -> IndexState {
    IndexState::new("authors_nickname_idx", ["nickname"], false)
}

/// The state after `ops`, from the current one.
fn after(cx: &Ctx, ops: &[Operation]) -> ProjectState {
    let mut s = cx.state.clone();
    for op in ops {
        op.state_forwards(APP, &mut s).unwrap();
    }
    s
}

/// A non-atomic migration whose second operation fails keeps its first operation (it
/// committed on its own, on every backend) and a progress record; `migrate` refuses until
/// `--resume`, which runs the rest once the cause is fixed; unapplying runs one operation at
/// a time too.
pub(super) fn non_atomic_migration_commits_each_operation_and_resumes(backend: Backend) {
    let mut cx = seed(backend);
    let recorded = applied(cx.db.conn());
    let ops = vec![
        add(
            "Author",
            FieldState::new("nickname", ColumnType::Varchar(30)).nullable(),
        ),
        Operation::RunSql(RunSql::new(
            vec!["INSERT INTO authors (id, name) VALUES (50, 'fifty')".into()],
            Some(vec!["DELETE FROM authors WHERE id = 50".into()]),
        )),
        Operation::AddIndex(AddIndex::new("Author", nickname_index()).concurrently()),
    ];
    // Operation 2 fails until this row is gone.
    cx.exec("INSERT INTO authors (id, name) VALUES (50, 'blocker')");
    let after_first = after(&cx, &ops[..1]);
    let after_all = after(&cx, &ops);
    cx.push_step(ops);
    cx.migrations.last_mut().unwrap().atomic = false;
    let key = cx.migrations.last().unwrap().key();

    let err = cx.try_apply(after_all.clone()).unwrap_err();
    let msg = err.to_string();
    let ExecutorError::Sql {
        number, committed, ..
    } = &err
    else {
        panic!("{backend}: not a statement failure: {msg}");
    };
    assert_eq!(*number, 2, "{msg}");
    assert_eq!(&committed[..], [1], "{backend}: {msg}");
    for needle in [
        "This migration is non-atomic (`atomic(false)`)",
        "operation(s) 1 of this migration stay applied",
        "`migrator migrate --resume`",
    ] {
        assert!(msg.contains(needle), "{backend}: `{needle}` missing: {msg}");
    }
    // The database holds operation 1 only.
    assert_eq!(applied(cx.db.conn()), recorded, "{backend}: not recorded");
    assert_eq!(
        cx.introspect(),
        expected_schema(&after_first, backend).unwrap(),
        "{backend}: operation 1 is committed, nothing else"
    );
    assert_eq!(interrupted(&mut cx), [format!("{key} 2 3")], "{backend}");

    // Refused until recovered, naming the way out.
    let refused = cx.try_apply(after_all.clone()).unwrap_err().to_string();
    assert!(
        refused.contains("was interrupted") && refused.contains("operation 1 is committed"),
        "{backend}: {refused}"
    );
    // Resuming while the cause persists fails again and says what stays committed.
    let again = resume(&mut cx).unwrap_err().to_string();
    assert!(
        again.contains("operation(s) 1 of this migration stay applied (operation(s) 1 by the earlier, interrupted run)"),
        "{backend}: {again}"
    );
    assert_eq!(interrupted(&mut cx), [format!("{key} 2 3")], "{backend}");
    // Fixed: `--resume` runs operations 2 and 3 only.
    cx.exec("DELETE FROM authors WHERE id = 50");
    resume(&mut cx).unwrap_or_else(|e| panic!("{backend}: --resume: {e}"));
    assert_eq!(cx.rows("authors", &["name"], "id").last().unwrap(), "fifty");
    cx.state = after_all;
    cx.states.push(cx.state.clone());
    cx.assert_schema();
    assert_eq!(applied(cx.db.conn()).len(), recorded.len() + 1);
    assert!(interrupted(&mut cx).is_empty(), "{backend}");

    // Unapplying (index dropped concurrently, the field removed) and applying again.
    let n = cx.migrations.len();
    cx.back_to(n - 1);
    assert!(interrupted(&mut cx).is_empty(), "{backend}");
    cx.up_again();
}

/// A concurrent index change cannot run inside a transaction: in an atomic migration it is
/// refused before anything runs, by `migrate` and `sqlmigrate` alike, on every backend; in a
/// non-atomic one PostgreSQL builds it `CONCURRENTLY`, MySQL online (`ALGORITHM=INPLACE,
/// LOCK=NONE`) and SQLite as usual (one writer).
pub(super) fn concurrent_index_changes_need_a_non_atomic_migration(backend: Backend) {
    let mut cx = seed(backend);
    cx.forwards(&add(
        "Author",
        FieldState::new("nickname", ColumnType::Varchar(30)).nullable(),
    ));
    let schema = cx.introspect();
    let recorded = applied(cx.db.conn());
    let add_index = Operation::AddIndex(AddIndex::new("Author", nickname_index()).concurrently());
    let (after_add, _) = cx.push_step(vec![add_index]);
    let key = cx.migrations.last().unwrap().key();
    let err = cx.try_apply(after_add.clone()).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, ExecutorError::NeedsNonAtomic { number: 1, .. }),
        "{backend}: {msg}"
    );
    assert!(msg.contains(".atomic(false)"), "{msg}");
    assert_eq!(cx.introspect(), schema, "{backend}: something ran");
    assert_eq!(applied(cx.db.conn()), recorded);
    let sqlmigrate = sql_for_migration(&cx.graph(), &key, false, backend).unwrap_err();
    assert!(
        matches!(sqlmigrate, ExecutorError::NeedsNonAtomic { .. }),
        "{sqlmigrate}"
    );

    cx.migrations.last_mut().unwrap().atomic = false;
    let sql = sql_for_migration(&cx.graph(), &key, false, backend).unwrap();
    let create = &sql[0].statements;
    let expect = match backend {
        Backend::Postgres => "CREATE INDEX CONCURRENTLY \"authors_nickname_idx\" ON \"authors\"",
        Backend::Mysql => "ALGORITHM=INPLACE LOCK=NONE",
        Backend::Sqlite => "CREATE INDEX \"authors_nickname_idx\"",
    };
    assert!(
        create.len() == 1 && create[0].contains(expect),
        "{backend}: {create:?}"
    );
    assert!(sql[0].description.starts_with("Concurrently create index"));
    cx.try_apply(after_add)
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
    cx.assert_schema();

    // Dropping it concurrently, then both ways.
    let remove =
        Operation::RemoveIndex(RemoveIndex::new("Author", "authors_nickname_idx").concurrently());
    let (after_remove, _) = cx.push_step(vec![remove]);
    cx.migrations.last_mut().unwrap().atomic = false;
    let key = cx.migrations.last().unwrap().key();
    let drop = sql_for_migration(&cx.graph(), &key, false, backend).unwrap();
    if backend == Backend::Postgres {
        assert_eq!(
            drop[0].statements,
            ["DROP INDEX CONCURRENTLY \"authors_nickname_idx\""]
        );
    }
    cx.try_apply(after_remove)
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
    cx.assert_schema();
    let n = cx.migrations.len();
    cx.back_to(n - 2);
    cx.up_again();
}

fn panics_inside_its_transaction(conn: &mut DbConnection) -> Result<(), migrator_core::BoxError> {
    conn.transaction(|c| {
        c.batch_execute("INSERT INTO authors (id, name) VALUES (99, 'half-done')")?;
        if true {
            panic!("data step bug");
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(())
}

/// A data step that panics (here inside its own transaction) is reported like any failing
/// operation — the migration, the operation, the panic's message, what stays committed —
/// and the connection is usable afterwards: atomic migrations roll back (MySQL keeps its
/// committed DDL and says so); in a non-atomic one the earlier operation stays and the step's
/// own transaction is rolled back.
pub(super) fn a_panicking_data_step_is_reported_like_a_failing_operation(backend: Backend) {
    let mut cx = seed(backend);
    let schema = cx.introspect();
    let authors = cx.rows("authors", &["id", "name"], "id");
    let ops = vec![
        add(
            "Author",
            FieldState::new("nickname", ColumnType::Varchar(30)).nullable(),
        ),
        Operation::RunRust(RunRust {
            name: "panics_inside_its_transaction",
            forward: panics_inside_its_transaction,
            backward: None,
            elidable: false,
        }),
    ];
    let after_first = after(&cx, &ops[..1]);
    cx.push_step(ops.clone());
    let err = cx.try_apply(ProjectState::new()).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, ExecutorError::Rust { number: 2, .. }),
        "{backend}: {msg}"
    );
    for needle in [
        "failed at operation 2 (Rust operation panics_inside_its_transaction)",
        "the data step panicked: data step bug",
    ] {
        assert!(msg.contains(needle), "{backend}: `{needle}` missing: {msg}");
    }
    assert_eq!(cx.rows("authors", &["id", "name"], "id")[..], authors[..]);
    if backend == Backend::Mysql {
        assert!(
            msg.contains("MySQL commits schema changes as they run: operation(s) 1 of this migration stay applied"),
            "{msg}"
        );
        return;
    }
    assert!(msg.contains("The migration was rolled back"), "{msg}");
    assert_eq!(cx.introspect(), schema, "{backend}");
    assert!(interrupted(&mut cx).is_empty());

    // Non-atomic: operation 1 committed on its own; the step ran outside the migration's
    // transactions, so the record keeps it for `--resume` or `--forget`.
    cx.migrations.last_mut().unwrap().atomic = false;
    let err = cx.try_apply(ProjectState::new()).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("the data step panicked: data step bug")
            && msg.contains("operation(s) 1, 2 of this migration stay applied"),
        "{backend}: {msg}"
    );
    assert_eq!(cx.rows("authors", &["id", "name"], "id")[..], authors[..]);
    assert_eq!(
        cx.introspect(),
        expected_schema(&after_first, backend).unwrap()
    );
    assert_eq!(interrupted(&mut cx).len(), 1);
}
