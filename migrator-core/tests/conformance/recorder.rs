//! The recorder table itself: UNIQUE (app, name), and the upgrade of a table an older
//! migrator created (no unique index, no code checksums, a row recorded twice) — done once,
//! under the migration lock, by whichever of several concurrent runs gets there first.

use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{QueryableByName, RunQueryDsl};
use migrator_core::backend::{Backend, DbConnection};
use migrator_core::executor::{migrate, MigrateOptions, Target};
use migrator_core::recorder::{self, RECORDER_TABLE};
use migrator_core::{ColumnType, FieldState};

use crate::conformance_support::*;

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn rows_in_recorder(conn: &mut DbConnection) -> i64 {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM {}",
        conn.backend().quote(RECORDER_TABLE)
    );
    diesel::sql_query(sql).load::<N>(conn).unwrap()[0].n
}

/// Rebuilds the recorder table as migrator 0.x created it — five columns, no unique index —
/// with the same rows, the first of them twice.
fn downgrade_recorder(conn: &mut DbConnection) {
    let backend = conn.backend();
    let f = backend.features();
    let q = |s: &str| backend.quote(s);
    let rows = recorder::applied(conn).unwrap();
    let mut sql = format!(
        "DROP TABLE {t}; CREATE TABLE {t} ({id} {auto}, {app} {text} NOT NULL, {name} {text} NOT NULL, {at} {text} NOT NULL, {sum} {text} NOT NULL);",
        t = q(RECORDER_TABLE),
        id = q("id"),
        auto = f.recorder.auto_id,
        app = q("app"),
        name = q("name"),
        at = q("applied_at"),
        sum = q("checksum"),
        text = f.recorder.text_type,
    );
    let first = rows.values().next().unwrap().clone();
    for row in rows.values().chain([&first]) {
        sql.push_str(&format!(
            " INSERT INTO {t} ({app}, {name}, {at}, {sum}) VALUES ({a}, {n}, {d}, {c});",
            t = q(RECORDER_TABLE),
            app = q("app"),
            name = q("name"),
            at = q("applied_at"),
            sum = q("checksum"),
            a = backend.string_literal(&row.key.app),
            n = backend.string_literal(&row.key.name),
            d = backend.string_literal(&row.applied_at),
            c = backend.string_literal(&row.checksum),
        ));
    }
    conn.batch_execute(&sql).unwrap();
}

/// Four runs migrate at once against a recorder table an older migrator wrote: all succeed,
/// the table is upgraded once (duplicate dropped, unique index and code-checksum column
/// added), and from then on a migration can never be recorded twice.
pub(super) fn an_older_recorder_table_is_upgraded_once_by_concurrent_runs(backend: Backend) {
    let mut cx = seed(backend);
    let recorded = applied(cx.db.conn());
    downgrade_recorder(cx.db.conn());
    assert_eq!(rows_in_recorder(cx.db.conn()), recorded.len() as i64 + 1);
    assert!(!recorder::has_unique_index(cx.db.conn()).unwrap());
    // Reading an old table works and writes nothing.
    assert_eq!(applied(cx.db.conn()), recorded);
    assert!(!recorder::has_unique_index(cx.db.conn()).unwrap());

    let (after, _) = cx.push_step(vec![add(
        "Author",
        FieldState::new("nickname", ColumnType::Varchar(30)).nullable(),
    )]);
    let graph = cx.graph();
    let mut conns: Vec<DbConnection> = (0..4).map(|_| cx.db.connect_again()).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = conns
            .iter_mut()
            .map(|conn| {
                let graph = &graph;
                s.spawn(move || {
                    migrate(
                        conn,
                        graph,
                        &Target::Latest,
                        &MigrateOptions::default(),
                        &mut |_| {},
                    )
                })
            })
            .collect();
        for h in handles {
            h.join()
                .unwrap()
                .unwrap_or_else(|e| panic!("{backend}: a concurrent run failed: {e}"));
        }
    });
    cx.state = after;
    cx.states.push(cx.state.clone());
    cx.assert_schema();
    assert!(
        recorder::has_unique_index(cx.db.conn()).unwrap(),
        "{backend}"
    );
    assert_eq!(
        rows_in_recorder(cx.db.conn()),
        recorded.len() as i64 + 1,
        "{backend}: the duplicate is gone and the new migration recorded once"
    );
    // UNIQUE (app, name): recording an applied migration again is refused by the database.
    let again = recorder::record(cx.db.conn(), &cx.migrations[0]);
    assert!(again.is_err(), "{backend}: recorded twice");
    // Idempotent.
    recorder::ensure_table(cx.db.conn()).unwrap();
    assert_eq!(applied(cx.db.conn()).len(), recorded.len() + 1);
}

fn fill(_conn: &mut DbConnection) -> Result<(), migrator_core::BoxError> {
    Ok(())
}

/// What the record says is checked the same way on every backend: an edited data step (its
/// file's code checksum, recorded in its own column) is refused and `--restamp` accepts it;
/// a hand-renamed record is reported as renamed, naming the migration whose operations it
/// carries.
pub(super) fn edited_data_steps_and_renamed_records_are_caught(backend: Backend) {
    use migrator_core::executor::{check_recorded, restamp, ExecutorError};
    use migrator_core::operations::RunRust;
    use migrator_core::Operation;
    let mut cx = seed(backend);
    cx.push_step(vec![Operation::RunRust(RunRust {
        name: "fill",
        forward: fill,
        backward: None,
        elidable: false,
    })]);
    cx.migrations.last_mut().unwrap().code_checksum = Some("aaaa".into());
    cx.try_apply(cx.state.clone()).unwrap();
    let key = cx.migrations.last().unwrap().key();
    let graph = cx.graph();
    check_recorded(cx.db.conn(), &graph).unwrap();
    cx.migrations.last_mut().unwrap().code_checksum = Some("bbbb".into());
    let graph = cx.graph();
    let err = check_recorded(cx.db.conn(), &graph).unwrap_err();
    assert!(
        matches!(err, ExecutorError::DataStepChanged { .. }),
        "{backend}: {err}"
    );
    assert!(restamp(cx.db.conn(), &graph, &key, None).unwrap());
    check_recorded(cx.db.conn(), &graph).unwrap();

    // Step 2's record renamed by hand to a name no migration has.
    let q = |s: &str| backend.quote(s);
    cx.exec(&format!(
        "UPDATE {t} SET {n} = 'renamed' WHERE {n} = '0002_step'",
        t = q(RECORDER_TABLE),
        n = q("name"),
    ));
    let err = check_recorded(cx.db.conn(), &graph).unwrap_err();
    assert!(
        matches!(
            &err,
            ExecutorError::RenamedRecord { recorded, file, .. }
                if recorded.name == "renamed" && file.name == "0002_step"
        ),
        "{backend}: {err}"
    );
}
