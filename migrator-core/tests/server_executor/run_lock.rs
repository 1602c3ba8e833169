//! How a run takes its locks on the servers: MySQL's named lock kept from the plan to the
//! end of the run and free after every run; PostgreSQL's record check under each later lock
//! catching a record another run changed.

use migrator_core::backend::{Backend, DbConnection};
use migrator_core::executor::{migrate, ExecutorError, MigrateOptions, Target};
use migrator_core::operations::AddField;
use migrator_core::{ColumnType, FieldState, Migration, Operation};

use crate::executor_support::{applied, graph, key};
use crate::{base, broken, run, TestDb, BACKENDS};

/// Whether another connection can take the migration lock right now.
fn lock_is_free(conn: &mut DbConnection) -> bool {
    use migrator_core::lock::{LockError, WriteLock};
    match WriteLock::acquire_with(conn, std::time::Duration::ZERO, &mut |_| {}) {
        Ok(lock) => {
            lock.rollback(conn).unwrap();
            true
        }
        Err(LockError::Timeout { .. }) => false,
        Err(e) => panic!("{e}"),
    }
}

/// A run keeps MySQL's named lock from its plan to its end, so no other `migrate` can change
/// the record between its migrations (and the run need not read it again); PostgreSQL's lock
/// ends with each migration's transaction. Either way no lock is left once `migrate`
/// returns, whether the run succeeded or failed.
#[test]
fn a_run_keeps_the_mysql_lock_between_migrations_and_frees_every_lock_when_it_ends() {
    use migrator_core::executor::MigrateEvent;
    for backend in BACKENDS {
        let db = TestDb::create(backend);
        let mut conn = db.connect();
        let mut other = db.connect();
        let mut free_between = Vec::new();
        migrate(
            &mut conn,
            &graph(base()),
            &Target::Latest,
            &MigrateOptions::default(),
            &mut |e| {
                if let MigrateEvent::Finished { .. } = e {
                    free_between.push(lock_is_free(&mut other));
                }
            },
        )
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert_eq!(
            free_between,
            vec![backend == Backend::Postgres; 3],
            "{backend}: whether another session could take the lock between migrations"
        );
        assert!(
            lock_is_free(&mut other),
            "{backend}: after a run that succeeded"
        );
        let mut failing = base();
        failing.push(broken());
        run(&mut conn, &graph(failing), &Target::Latest).unwrap_err();
        assert!(
            lock_is_free(&mut other),
            "{backend}: after a run that failed"
        );
        // A run with nothing to do ends with the lock free too.
        run(&mut conn, &graph(base()), &Target::Latest).unwrap();
        assert!(
            lock_is_free(&mut other),
            "{backend}: after a run with nothing to do"
        );
        // A non-atomic migration takes the lock for itself inside a run that keeps it (MySQL
        // counts the named lock's holds); it is free once the run ends. (A new database: on
        // MySQL the failed run above left its migration interrupted.)
        let db = TestDb::create(backend);
        let mut conn = db.connect();
        let mut other = db.connect();
        let mut non_atomic = Migration::new("library", "0004_non_atomic");
        non_atomic.dependencies = vec![key("library", "0003_book_status")];
        non_atomic.atomic = false;
        non_atomic.operations = vec![Operation::AddField(AddField::new(
            "Author",
            FieldState::new("nickname", ColumnType::Text).nullable(),
        ))];
        let mut with_non_atomic = base();
        with_non_atomic.push(non_atomic);
        run(&mut conn, &graph(with_non_atomic.clone()), &Target::Latest)
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(
            lock_is_free(&mut other),
            "{backend}: after a non-atomic migration"
        );
        run(
            &mut conn,
            &graph(with_non_atomic),
            &Target::Zero("library".into()),
        )
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
        assert!(lock_is_free(&mut other), "{backend}: after unapplying it");
    }
}

/// PostgreSQL's lock ends with each migration, so another run can change the record between
/// two migrations of this one; the round trip that takes the next lock checks the record's
/// digest and, when it differs, the step reads the record as before: a conflicting change
/// stops the run, steps the other run completed are skipped.
#[test]
fn a_record_changed_between_migrations_is_caught_when_the_next_lock_is_taken_on_postgres() {
    use migrator_core::executor::MigrateEvent;
    use migrator_core::recorder;
    let g = graph(base());
    // Between the first and the second migration, another process records a migration
    // of another app, outside this run's plan.
    let mut shop = Migration::new("shop", "0001_initial");
    shop.dependencies = vec![key("library", "0001_initial")];
    let mut with_shop = base();
    with_shop.push(shop.clone());
    let db = TestDb::create(Backend::Postgres);
    let mut conn = db.connect();
    let mut other = db.connect();
    let mut finished = 0;
    let result = migrate(
        &mut conn,
        &graph(with_shop),
        &Target::AppLatest("library".into()),
        &MigrateOptions::default(),
        &mut |e| {
            if let MigrateEvent::Finished { .. } = e {
                finished += 1;
                if finished == 1 {
                    recorder::record(&mut other, &Migration::new("shop", "0001_initial")).unwrap();
                }
            }
        },
    );
    let err = result.unwrap_err();
    assert!(
        matches!(err, ExecutorError::ConcurrentChange { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("library.0002_book_published_date"),
        "{err}"
    );
    // Between the first and the second migration, another run applies the other two: the
    // second step reads the record (its check fails) and skips; the third, whose check holds
    // (the record is as the second step read it), skips as well.
    let db = TestDb::create(Backend::Postgres);
    let mut conn = db.connect();
    let mut other = db.connect();
    let mut finished = 0;
    let report = migrate(
        &mut conn,
        &g,
        &Target::Latest,
        &MigrateOptions::default(),
        &mut |e| {
            if let MigrateEvent::Finished { .. } = e {
                finished += 1;
                if finished == 1 {
                    run(&mut other, &g, &Target::Latest).unwrap();
                }
            }
        },
    )
    .unwrap();
    let skipped: Vec<String> = report.skipped.iter().map(|s| s.key.to_string()).collect();
    assert_eq!(
        skipped,
        [
            "library.0002_book_published_date",
            "library.0003_book_status"
        ]
    );
    assert_eq!(report.done.len(), 1);
    assert_eq!(applied(&mut conn).len(), 3);
}
