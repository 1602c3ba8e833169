//! The operation events `migrate` reports (what `--format json` and `-v 2` print): each
//! operation that runs is started and finished in run order — forwards and backwards, in an
//! atomic migration and in a non-atomic one (its own code path) — with a measured time; a
//! failing operation is started and never finished; `--fake` runs, and reports, none.

use std::time::Duration;

use migrator_core::backend::DbConnection;
use migrator_core::executor::{migrate, MigrateEvent, MigrateOptions, Target};
use migrator_core::graph::MigrationGraph;
use migrator_core::operations::RunSql;
use migrator_core::Operation;

use crate::executor_support::{graph, key, library_0002, library_initial};
use crate::sqlite_support::temp_db;

/// The events of one run, as lines (`start op …` / `ran op …`); operation times are summed
/// into `ran`.
fn events(
    conn: &mut DbConnection,
    g: &MigrationGraph,
    target: &Target,
    options: &MigrateOptions,
    ran: &mut Duration,
) -> (Vec<String>, Result<(), String>) {
    let mut lines = Vec::new();
    let result = migrate(conn, g, target, options, &mut |e| match e {
        MigrateEvent::Started(step) => lines.push(format!("start {}", step.key)),
        MigrateEvent::OperationStarted {
            step,
            index,
            total,
            operation,
        } => lines.push(format!(
            "  op {}/{total} {}: {} {}",
            index + 1,
            step.key.name,
            operation.symbol(),
            operation.describe()
        )),
        MigrateEvent::OperationFinished {
            step,
            index,
            elapsed,
            ..
        } => {
            *ran += elapsed;
            lines.push(format!("  ran {} {}", index + 1, step.key.name));
        }
        MigrateEvent::Finished { step, .. } => lines.push(format!("done {}", step.key)),
        MigrateEvent::Planned(_) | MigrateEvent::WaitingForLock(_) => {}
    });
    (lines, result.map(|_| ()).map_err(|e| e.to_string()))
}

#[test]
fn each_operation_is_reported_in_run_order_both_ways() {
    let (_dir, mut conn) = temp_db();
    let g = graph(vec![library_initial(), library_0002()]);
    let mut ran = Duration::ZERO;
    let options = MigrateOptions::default();
    let (lines, result) = events(&mut conn, &g, &Target::Latest, &options, &mut ran);
    result.unwrap();
    assert_eq!(
        lines,
        [
            "start library.0001_initial",
            "  op 1/2 0001_initial: + Create model Author",
            "  ran 1 0001_initial",
            "  op 2/2 0001_initial: + Create model Book",
            "  ran 2 0001_initial",
            "done library.0001_initial",
            "start library.0002_book_published_date",
            "  op 1/2 0002_book_published_date: + Add field published_date to book",
            "  ran 1 0002_book_published_date",
            "  op 2/2 0002_book_published_date: ~ Raw SQL operation",
            "  ran 2 0002_book_published_date",
            "done library.0002_book_published_date",
        ]
    );
    assert!(ran > Duration::ZERO, "no operation time was measured");

    // Unapplying runs the operations last to first, and says so.
    let target = Target::Migration(key("library", "0001_initial"));
    let (lines, result) = events(&mut conn, &g, &target, &options, &mut ran);
    result.unwrap();
    assert_eq!(
        lines,
        [
            "start library.0002_book_published_date",
            "  op 2/2 0002_book_published_date: ~ Raw SQL operation",
            "  ran 2 0002_book_published_date",
            "  op 1/2 0002_book_published_date: + Add field published_date to book",
            "  ran 1 0002_book_published_date",
            "done library.0002_book_published_date",
        ]
    );
}

#[test]
fn a_non_atomic_migration_reports_each_operation_and_a_failure_leaves_it_unfinished() {
    let (_dir, mut conn) = temp_db();
    let mut second = library_0002();
    second.atomic = false;
    second.operations.push(Operation::RunSql(RunSql::new(
        vec!["INSERT INTO no_such_table VALUES (1)".into()],
        None,
    )));
    let g = graph(vec![library_initial(), second]);
    let mut ran = Duration::ZERO;
    let options = MigrateOptions::default();
    let (lines, result) = events(&mut conn, &g, &Target::Latest, &options, &mut ran);
    let err = result.unwrap_err();
    assert!(err.contains("no_such_table"), "{err}");
    assert_eq!(
        lines[lines.len() - 6..],
        [
            "start library.0002_book_published_date",
            "  op 1/3 0002_book_published_date: + Add field published_date to book",
            "  ran 1 0002_book_published_date",
            "  op 2/3 0002_book_published_date: ~ Raw SQL operation",
            "  ran 2 0002_book_published_date",
            "  op 3/3 0002_book_published_date: ~ Raw SQL operation",
        ]
    );
}

#[test]
fn faked_migrations_report_no_operation() {
    let (_dir, mut conn) = temp_db();
    let g = graph(vec![library_initial(), library_0002()]);
    let options = MigrateOptions {
        fake: true,
        ..MigrateOptions::default()
    };
    let mut ran = Duration::ZERO;
    let (lines, result) = events(&mut conn, &g, &Target::Latest, &options, &mut ran);
    result.unwrap();
    assert_eq!(
        lines,
        [
            "start library.0001_initial",
            "done library.0001_initial",
            "start library.0002_book_published_date",
            "done library.0002_book_published_date",
        ]
    );
}
