//! PostgreSQL and MySQL/MariaDB schema-editor checks that only make sense on the servers:
//! the SQL of one multi-operation migration snapshotted per backend (what `sqlmigrate`
//! prints), irreversible operations and missing foreign-key targets refused with clear
//! errors, editor output independent of unrelated models, and random alteration histories on a
//! table with rows (proptest), applied and undone through the executor with the schema
//! (plus comments and foreign-key names) and rows checked after every step. The scenario
//! list that runs on every backend, SQLite included, is `tests/conformance.rs`; this file
//! shares its harness (`conformance_support`: one database per case, dropped afterwards).
//!
//! Servers: `MIGRATOR_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! and `MIGRATOR_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/mysql`). An
//! unreachable server fails the test with a message saying how to start it.
#![cfg(all(feature = "postgres", feature = "mysql"))]

mod conformance_support;
mod pair_history_support;

use std::fmt::Write as _;

use conformance_support::*;
use migrator_core::backend::{Backend, SchemaError};
use migrator_core::operations::{
    AddConstraint, AddIndex, RemoveConstraint, RemoveField, RemoveIndex, RenameField, RunSql,
};
use migrator_core::{
    ColumnType, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, ModelState,
    OnDelete, Operation, ProjectState,
};

/// The forwards and backwards SQL of every operation of [`history`] on `backend`, as
/// `sqlmigrate` would print it (no server needed).
fn history_sql(backend: Backend) -> String {
    let editor = backend.editor().unwrap();
    let mut state = ProjectState::new();
    let mut text = String::new();
    for op in history() {
        let before = state.clone();
        op.state_forwards(APP, &mut state).unwrap();
        let fwd = op
            .database_forwards(APP, &*editor, &before, &state)
            .unwrap();
        let bwd = op
            .database_backwards(APP, &*editor, &before, &state)
            .unwrap();
        let _ = writeln!(text, "-- {}\n-- forwards", op.describe());
        for s in &fwd {
            let _ = writeln!(text, "{s};");
        }
        let _ = writeln!(text, "-- backwards");
        for s in &bwd {
            let _ = writeln!(text, "{s};");
        }
        text.push('\n');
    }
    text
}

/// `sqlmigrate` output of one multi-operation migration, pinned per backend.
#[test]
fn migration_sql_per_backend() {
    let pg = history_sql(Backend::Postgres);
    let my = history_sql(Backend::Mysql);
    assert_ne!(pg, my);
    insta::assert_snapshot!("postgres_migration_sql", pg);
    insta::assert_snapshot!("mysql_migration_sql", my);
}

#[test]
fn irreversible_operations_name_themselves_on_servers() {
    let op = Operation::RunSql(RunSql::new(vec!["UPDATE t SET x = 1".into()], None));
    let state = ProjectState::new();
    for backend in [Backend::Postgres, Backend::Mysql] {
        let err = op
            .database_backwards(APP, &*backend.editor().unwrap(), &state, &state)
            .unwrap_err();
        assert!(matches!(err, SchemaError::Irreversible(_)), "{backend}");
        assert!(err.to_string().contains("UPDATE t SET x = 1"), "{err}");
    }
}

#[test]
fn missing_foreign_key_target_is_a_clear_error_on_servers() {
    let mut m = ModelState::new(APP, "Loan", "loans");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("book", ColumnType::BigInt).foreign_key(ForeignKey::new(
            "shop",
            "Book",
            OnDelete::Cascade,
        )),
    ];
    let mut state = ProjectState::new();
    state.insert(m.clone());
    for backend in [Backend::Postgres, Backend::Mysql] {
        let err = backend
            .editor()
            .unwrap()
            .create_model_sql(&m, &state)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("shop.Book") && err.contains("add the dependency"),
            "{backend}: {err}"
        );
    }
    // A target with a composite key cannot be referenced.
    let mut pair = ModelState::new("shop", "Book", "shop_books");
    pair.fields = vec![
        FieldState::new("a", ColumnType::BigInt).primary_key(),
        FieldState::new("b", ColumnType::BigInt).primary_key(),
    ];
    state.insert(pair);
    let op = create(&m);
    let mut before = state.clone();
    before.models.remove(&m.key());
    for backend in [Backend::Postgres, Backend::Mysql] {
        let err = op
            .database_forwards(APP, &*backend.editor().unwrap(), &before, &state)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no single-column primary key"),
            "{backend}: {err}"
        );
    }
}

/// InnoDB refuses ON DELETE SET NULL on a column a check constraint reads, but only when the
/// statement runs, after earlier DDL of the migration has committed. The MySQL editor refuses
/// it while computing the SQL (before anything runs), in either order; PostgreSQL allows it.
/// (Found by `random_histories::mysql_alterations_keep_rows_and_schema_both_ways`.)
#[test]
fn set_null_on_a_column_a_check_reads_is_refused_up_front_on_mysql() {
    let mut tag = ModelState::new(APP, "Tag", "tags");
    tag.fields = vec![FieldState::new("id", ColumnType::BigInt).primary_key()];
    let mut item = ModelState::new(APP, "Item", "items");
    item.fields = vec![
        FieldState::new("id", ColumnType::BigInt).primary_key(),
        FieldState::new("tag", ColumnType::BigInt)
            .column("tag_id")
            .nullable(),
    ];
    let check = ConstraintState::check("item_tag_positive", "`tag_id` IS NULL OR tag_id > 0");
    let set_null = || {
        FieldState::new("tag", ColumnType::BigInt)
            .column("tag_id")
            .nullable()
            .foreign_key(ForeignKey::new(APP, "Tag", OnDelete::SetNull))
    };
    let state_with = |item: &ModelState| {
        let mut state = ProjectState::new();
        state.insert(tag.clone());
        state.insert(item.clone());
        state
    };

    // The check first, then the foreign key.
    let mut checked = item.clone();
    checked.constraints.push(check.clone());
    let add_fk = alter("Item", set_null());
    // The foreign key first, then the check.
    let mut keyed = item.clone();
    keyed.fields[1] = set_null();
    let add_check = Operation::AddConstraint(AddConstraint::new("Item", check.clone()));
    for (model, op) in [(&checked, &add_fk), (&keyed, &add_check)] {
        let before = state_with(model);
        let mut after = before.clone();
        op.state_forwards(APP, &mut after).unwrap();
        let mysql = op.database_forwards(APP, &*Backend::Mysql.editor().unwrap(), &before, &after);
        match mysql {
            Err(SchemaError::Unsupported(message)) => assert!(
                message.contains("Item.tag")
                    && message.contains("item_tag_positive")
                    && message.contains("restrict"),
                "{message}"
            ),
            other => panic!("{}: expected a refusal, got {other:?}", op.describe()),
        }
        let postgres =
            op.database_forwards(APP, &*Backend::Postgres.editor().unwrap(), &before, &after);
        assert!(postgres.is_ok(), "{}: {postgres:?}", op.describe());
    }

    // A check on other columns, or a rule that writes nothing, is fine.
    let mut other = item.clone();
    other
        .constraints
        .push(ConstraintState::check("item_id_positive", "id > 0"));
    let mut restrict = item.clone();
    restrict.constraints.push(check);
    let restrict_fk = alter(
        "Item",
        FieldState::new("tag", ColumnType::BigInt)
            .column("tag_id")
            .nullable()
            .foreign_key(ForeignKey::new(APP, "Tag", OnDelete::Restrict)),
    );
    for (model, op) in [(&other, &add_fk), (&restrict, &restrict_fk)] {
        let before = state_with(model);
        let mut after = before.clone();
        op.state_forwards(APP, &mut after).unwrap();
        let sql = op.database_forwards(APP, &*Backend::Mysql.editor().unwrap(), &before, &after);
        assert!(sql.is_ok(), "{}: {sql:?}", op.describe());
    }
}

/// The editors look only at the changed model and the models referencing it, so SQL for one
/// operation costs the same in a project of 2000 models as in one of two.
#[test]
fn editor_sql_does_not_depend_on_unrelated_models() {
    // The editor's cost on a large state is a benchmark (`cargo bench -p migrator-core --bench
    // core -- add_field_beside_unrelated_models`); here the output must be one statement and the
    // same whether 1 or 2,000 unrelated models share the state.
    let state_with = |n: usize| {
        let mut state = ProjectState::new();
        for i in 0..n {
            let mut m = author_model();
            m.name = format!("Author{i}");
            m.table = format!("authors_{i}");
            state.insert(m);
        }
        state
    };
    let op = add(
        "Author7",
        FieldState::new("nickname", ColumnType::Varchar(30)).nullable(),
    );
    for backend in [Backend::Postgres, Backend::Mysql] {
        let editor = backend.editor().unwrap();
        let sql_on = |before: ProjectState| {
            let mut after = before.clone();
            op.state_forwards(APP, &mut after).unwrap();
            op.database_forwards(APP, &*editor, &before, &after)
                .unwrap()
        };
        let small = sql_on(state_with(8));
        let large = sql_on(state_with(2000));
        assert_eq!(small.len(), 1, "{backend}: {small:?}");
        assert_eq!(small, large, "{backend}: unrelated models changed the SQL");
    }
}

#[path = "server_schema/random_histories.rs"]
mod random_histories;
