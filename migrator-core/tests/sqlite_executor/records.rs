//! What the record says about migrations changed after they were applied: a hand-renamed
//! record or a renamed file is reported as such (not as an edited migration, nor only as a
//! missing file), and the code of an applied data step (its file's code checksum) is
//! checked, accepted by `--restamp`, and filled in for rows an older migrator wrote.

use diesel::connection::SimpleConnection;
use migrator_core::backend::DbConnection;
use migrator_core::executor::{
    check_recorded, migrate, restamp, ExecutorError, MigrateOptions as MigrationOptions, Target,
};
use migrator_core::graph::MigrationGraph;
use migrator_core::operations::RunRust;
use migrator_core::recorder;
use migrator_core::{Migration, Operation};

use crate::executor_support::{graph, key, library_0002, library_0003, library_initial};
use crate::sqlite_support::temp_db;

fn up(conn: &mut DbConnection, g: &MigrationGraph) {
    migrate(
        conn,
        g,
        &Target::Latest,
        &MigrationOptions::default(),
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

fn rename_record(conn: &mut DbConnection, from: &str, to: &str) {
    conn.batch_execute(&format!(
        "UPDATE migrator_migrations SET name = '{to}' WHERE app = 'library' AND name = '{from}'"
    ))
    .unwrap();
}

#[test]
fn a_record_renamed_to_a_missing_name_is_reported_as_renamed() {
    let (_dir, mut conn) = temp_db();
    let g = graph(vec![library_initial(), library_0002(), library_0003()]);
    up(&mut conn, &g);
    rename_record(&mut conn, "0003_book_status", "0003_status");
    let err = check_recorded(&mut conn, &g).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            &err,
            ExecutorError::RenamedRecord { recorded, file, recorded_has_file: false }
                if recorded.name == "0003_status" && file.name == "0003_book_status"
        ),
        "{msg}"
    );
    for needle in [
        "migration `library.0003_status` is recorded as applied, but no migration of that name exists",
        "its recorded operations are those of `library.0003_book_status`, which is not recorded",
        "UPDATE migrator_migrations SET name = '0003_book_status' WHERE app = 'library' AND name = '0003_status'",
    ] {
        assert!(msg.contains(needle), "`{needle}` missing: {msg}");
    }
    // `migrate` refuses the same way, before anything runs.
    let refused = migrate(
        &mut conn,
        &g,
        &Target::Latest,
        &MigrationOptions::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(refused, ExecutorError::RenamedRecord { .. }),
        "{refused}"
    );
    // The way out the message gives works.
    conn.batch_execute("UPDATE migrator_migrations SET name = '0003_book_status' WHERE app = 'library' AND name = '0003_status'")
        .unwrap();
    check_recorded(&mut conn, &g).unwrap();
}

#[test]
fn a_record_renamed_to_another_migrations_name_is_not_reported_as_edited() {
    let (_dir, mut conn) = temp_db();
    let mut next = Migration::new("library", "0004_more");
    next.dependencies = vec![key("library", "0003_book_status")];
    next.operations = vec![Operation::RunSql(migrator_core::operations::RunSql::new(
        vec!["SELECT 1".into()],
        Some(vec![]),
    ))];
    let only_three = graph(vec![library_initial(), library_0002(), library_0003()]);
    up(&mut conn, &only_three);
    let g = graph(vec![
        library_initial(),
        library_0002(),
        library_0003(),
        next,
    ]);
    // 0003's record now names 0004, whose file exists with other operations.
    rename_record(&mut conn, "0003_book_status", "0004_more");
    let err = check_recorded(&mut conn, &g).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            &err,
            ExecutorError::RenamedRecord { recorded, file, recorded_has_file: true }
                if recorded.name == "0004_more" && file.name == "0003_book_status"
        ),
        "not reported as a renamed record: {msg}"
    );
    assert!(
        msg.contains("the migration of that name has other operations")
            && !msg.contains("was changed after it was applied"),
        "{msg}"
    );
}

#[test]
fn a_renamed_migration_file_is_reported_as_renamed() {
    let (_dir, mut conn) = temp_db();
    let g = graph(vec![library_initial(), library_0002(), library_0003()]);
    up(&mut conn, &g);
    let renamed = library_0003().named("library", "0003_status");
    let g = graph(vec![library_initial(), library_0002(), renamed]);
    let err = check_recorded(&mut conn, &g).unwrap_err();
    assert!(
        matches!(
            &err,
            ExecutorError::RenamedRecord { recorded, file, recorded_has_file: false }
                if recorded.name == "0003_book_status" && file.name == "0003_status"
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("if the file was renamed, give it its old name back"),
        "{err}"
    );
}

fn fill(conn: &mut DbConnection) -> Result<(), migrator_core::BoxError> {
    conn.batch_execute("UPDATE books SET title = title")?;
    Ok(())
}

/// `library.0004_fill`: one data step, with the code checksum its file had.
fn data_migration(code: &str) -> Migration {
    let mut m = Migration::new("library", "0004_fill");
    m.dependencies = vec![key("library", "0003_book_status")];
    m.operations = vec![Operation::RunRust(RunRust {
        name: "fill",
        forward: fill,
        backward: None,
        elidable: false,
    })];
    m.code_checksum = Some(code.to_owned());
    m
}

fn with_fill(code: &str) -> MigrationGraph {
    graph(vec![
        library_initial(),
        library_0002(),
        library_0003(),
        data_migration(code),
    ])
}

#[test]
fn an_edited_data_step_is_refused_and_restamp_accepts_it() {
    let (_dir, mut conn) = temp_db();
    up(&mut conn, &with_fill("aaaa"));
    let rows = recorder::applied(&mut conn).unwrap();
    assert_eq!(
        rows[&key("library", "0004_fill")].code_checksum.as_deref(),
        Some("aaaa")
    );
    // Migrations without a data step record none, whatever their files hold.
    assert_eq!(
        rows[&key("library", "0003_book_status")].code_checksum,
        None
    );
    check_recorded(&mut conn, &with_fill("aaaa")).unwrap();

    let edited = with_fill("bbbb");
    let err = check_recorded(&mut conn, &edited).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, ExecutorError::DataStepChanged { .. }),
        "{msg}"
    );
    for needle in [
        "migration `library.0004_fill` was changed after it was applied: the code of its data steps",
        "code checksum aaaa, now bbbb",
        "`migrator migrate --restamp library 0004_fill`",
    ] {
        assert!(msg.contains(needle), "`{needle}` missing: {msg}");
    }
    let refused = migrate(
        &mut conn,
        &edited,
        &Target::Latest,
        &MigrationOptions::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(refused, ExecutorError::DataStepChanged { .. }),
        "{refused}"
    );
    assert!(restamp(&mut conn, &edited, &key("library", "0004_fill"), None).unwrap());
    check_recorded(&mut conn, &edited).unwrap();
    assert!(!restamp(&mut conn, &edited, &key("library", "0004_fill"), None).unwrap());
}

#[test]
fn rows_an_older_migrator_wrote_get_their_code_checksum_from_the_next_migrate() {
    let (_dir, mut conn) = temp_db();
    let g = with_fill("aaaa");
    migrate(
        &mut conn,
        &g,
        &Target::Migration(key("library", "0004_fill")),
        &MigrationOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    // What an older migrator left: no code checksum.
    recorder::set_code_checksum(&mut conn, &key("library", "0004_fill"), None).unwrap();
    // Not checked while unknown (reading commands never write)…
    check_recorded(&mut conn, &with_fill("bbbb")).unwrap();
    // …and filled in by the next `migrate` that applies something.
    let mut next = Migration::new("library", "0005_more");
    next.dependencies = vec![key("library", "0004_fill")];
    next.operations = vec![Operation::RunSql(migrator_core::operations::RunSql::new(
        vec!["SELECT 1".into()],
        Some(vec![]),
    ))];
    let g = graph(vec![
        library_initial(),
        library_0002(),
        library_0003(),
        data_migration("aaaa"),
        next,
    ]);
    up(&mut conn, &g);
    let rows = recorder::applied(&mut conn).unwrap();
    assert_eq!(
        rows[&key("library", "0004_fill")].code_checksum.as_deref(),
        Some("aaaa")
    );
    let err = check_recorded(&mut conn, &with_fill("bbbb")).unwrap_err();
    assert!(
        matches!(err, ExecutorError::DataStepChanged { .. }),
        "{err}"
    );
}
