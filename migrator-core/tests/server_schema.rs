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

mod random_histories {
    //! Random alteration sequences on a table with rows, on both servers: every step
    //! forwards and then every step backwards must run, keep every row, and leave the schema
    //! (and comments and foreign-key names) the state describes. Type changes stay within
    //! conversions the data allows (the servers, unlike SQLite, refuse lossy casts).

    use super::*;
    use proptest::prelude::*;

    /// One alteration; the numbers pick among the fields that exist.
    #[derive(Clone, Debug)]
    enum Change {
        Add { ty: u8, nullable: bool },
        Remove(u8),
        Retype(u8),
        ToggleNull(u8),
        Rename(u8),
        ToggleIndex(u8),
        ToggleUnique,
        ToggleForeignKey(u8),
        Comment(u8),
        AddCheck(u8),
        DropCheck,
        AddCompositeIndex,
        DropCompositeIndex,
    }

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            3 => (any::<u8>(), any::<bool>()).prop_map(|(ty, nullable)| Change::Add { ty, nullable }),
            1 => any::<u8>().prop_map(Change::Remove),
            2 => any::<u8>().prop_map(Change::Retype),
            2 => any::<u8>().prop_map(Change::ToggleNull),
            1 => any::<u8>().prop_map(Change::Rename),
            1 => any::<u8>().prop_map(Change::ToggleIndex),
            1 => Just(Change::ToggleUnique),
            2 => any::<u8>().prop_map(Change::ToggleForeignKey),
            1 => any::<u8>().prop_map(Change::Comment),
            1 => any::<u8>().prop_map(Change::AddCheck),
            1 => Just(Change::DropCheck),
            1 => Just(Change::AddCompositeIndex),
            1 => Just(Change::DropCompositeIndex),
        ]
    }

    fn column_type(n: u8) -> (ColumnType, DefaultValue) {
        match n % 6 {
            0 => (ColumnType::Integer, DefaultValue::Int(7)),
            1 => (ColumnType::BigInt, DefaultValue::Int(-3)),
            2 => (ColumnType::Text, DefaultValue::Text("it's".into())),
            3 => (ColumnType::Varchar(20), DefaultValue::Text("v".into())),
            4 => (ColumnType::Double, DefaultValue::Float("4.0".into())),
            _ => (ColumnType::Boolean, DefaultValue::Bool(true)),
        }
    }

    /// The type a column of type `t` may change to without losing or refusing data.
    fn retyped(t: &ColumnType) -> Option<(ColumnType, DefaultValue)> {
        Some(match t {
            ColumnType::Integer => (ColumnType::BigInt, DefaultValue::Int(-3)),
            ColumnType::BigInt => (ColumnType::Double, DefaultValue::Float("4.0".into())),
            ColumnType::Double => (ColumnType::Integer, DefaultValue::Int(7)),
            ColumnType::Text => (ColumnType::Varchar(20), DefaultValue::Text("v".into())),
            ColumnType::Varchar(_) => (ColumnType::Text, DefaultValue::Text("it's".into())),
            _ => return None,
        })
    }

    fn fk() -> ForeignKey {
        ForeignKey::new(APP, "Tag", OnDelete::SetNull)
    }

    /// The operation for `change` in `state` (None when it does not apply).
    fn operation(change: &Change, state: &ProjectState, counter: &mut u32) -> Option<Operation> {
        let model = state.model(APP, "Item")?;
        let fields: Vec<&FieldState> = model.fields.iter().filter(|f| !f.primary_key).collect();
        let pick = |n: u8| (!fields.is_empty()).then(|| fields[n as usize % fields.len()]);
        let in_index = |name: &str| {
            model
                .indexes
                .iter()
                .any(|i| i.fields.iter().any(|f| f == name))
        };
        *counter += 1;
        Some(match change {
            Change::Add { ty, nullable } => {
                let (t, d) = column_type(*ty);
                let f = FieldState::new(format!("f{counter}"), t);
                // NOT NULL columns always carry a default, so rows can be filled both ways.
                add(
                    "Item",
                    if *nullable {
                        f.nullable()
                    } else {
                        f.default(d)
                    },
                )
            }
            Change::Remove(n) => {
                let f = pick(*n)?;
                // Re-adding a unique column fills every row with one default: not undoable.
                // `label` (always the second field) stays: it is the one with distinct values.
                if in_index(&f.name)
                    || f.unique
                    || !model.constraints.is_empty()
                    || model.fields.get(1) == Some(f)
                {
                    return None;
                }
                Operation::RemoveField(RemoveField::new("Item", f.name.clone()))
            }
            Change::Retype(n) => {
                let f = pick(*n)?;
                if f.foreign_key.is_some() {
                    return None;
                }
                let (t, d) = retyped(&f.column_type)?;
                let mut new = f.clone();
                new.column_type = t;
                if new.default.is_some() {
                    new.default = Some(d);
                }
                alter("Item", new)
            }
            Change::ToggleNull(n) => {
                let f = pick(*n)?;
                if f.nullable && f.foreign_key.is_some() {
                    return None; // ON DELETE SET NULL needs a nullable column
                }
                let mut new = f.clone();
                new.nullable = !f.nullable;
                if !new.nullable && new.default.is_none() {
                    new.default = Some(match new.column_type {
                        ColumnType::Text | ColumnType::Varchar(_) => {
                            DefaultValue::Text("filled".into())
                        }
                        ColumnType::Boolean => DefaultValue::Bool(false),
                        _ => DefaultValue::Int(7),
                    });
                }
                alter("Item", new)
            }
            Change::Rename(n) => {
                let f = pick(*n)?;
                if !model.constraints.is_empty() {
                    return None; // check SQL names columns; renames would leave it stale
                }
                Operation::RenameField(RenameField::new(
                    "Item",
                    f.name.clone(),
                    format!("r{counter}"),
                ))
            }
            Change::ToggleIndex(n) => {
                let f = pick(*n)?;
                let mut new = f.clone();
                new.index = !f.index;
                alter("Item", new)
            }
            Change::ToggleUnique => {
                // Only `label` (renamed or not) holds distinct values in every row; columns
                // filled from a default hold the same value everywhere.
                let f = model.fields.get(1)?;
                let mut new = f.clone();
                new.unique = !f.unique;
                alter("Item", new)
            }
            Change::ToggleForeignKey(n) => {
                let f = pick(*n)?;
                if f.column_type != ColumnType::BigInt || !f.nullable {
                    return None;
                }
                let mut new = f.clone();
                new.foreign_key = if f.foreign_key.is_some() {
                    None
                } else {
                    Some(fk())
                };
                alter("Item", new)
            }
            Change::Comment(n) => {
                let f = pick(*n)?;
                let mut new = f.clone();
                new.comment = if f.comment.is_some() {
                    None
                } else {
                    Some(format!("note {counter}"))
                };
                alter("Item", new)
            }
            Change::AddCheck(n) => {
                let f = pick(*n)?;
                if !model.constraints.is_empty() {
                    return None;
                }
                Operation::AddConstraint(AddConstraint::new(
                    "Item",
                    ConstraintState::check(
                        format!("item_check_{counter}"),
                        format!("{c} IS NULL OR {c} = {c}", c = f.column),
                    ),
                ))
            }
            Change::DropCheck => {
                let c = model.constraints.first()?;
                Operation::RemoveConstraint(RemoveConstraint::new("Item", c.name.clone()))
            }
            Change::AddCompositeIndex => {
                if fields.len() < 2 || !model.indexes.is_empty() {
                    return None;
                }
                Operation::AddIndex(AddIndex::new(
                    "Item",
                    IndexState::new(
                        format!("item_idx_{counter}"),
                        [fields[0].name.clone(), fields[1].name.clone()],
                        false,
                    ),
                ))
            }
            Change::DropCompositeIndex => {
                let i = model.indexes.first()?;
                Operation::RemoveIndex(RemoveIndex::new("Item", i.name.clone()))
            }
        })
    }

    fn history(backend: Backend, changes: &[Change]) -> Result<(), TestCaseError> {
        let mut cx = Ctx::new(backend);
        let mut tag = ModelState::new(APP, "Tag", "tags");
        tag.fields = vec![FieldState::new("id", ColumnType::BigInt).primary_key()];
        let mut item = ModelState::new(APP, "Item", "items");
        item.fields = vec![
            FieldState::new("id", ColumnType::BigInt)
                .primary_key()
                .auto_increment(),
            FieldState::new("label", ColumnType::Varchar(40)).nullable(),
        ];
        cx.forwards(&create(&tag));
        cx.forwards(&create(&item));
        // Every BigInt value a column can hold (its defaults) is a tag.
        cx.exec("INSERT INTO tags (id) VALUES (7), (-3)");
        cx.exec("INSERT INTO items (id, label) VALUES (1, 'a'), (2, NULL), (3, 'c''s')");
        let ids = cx.rows("items", &["id"], "id");
        let mut counter = 0;
        for change in changes {
            let Some(op) = operation(change, &cx.state, &mut counter) else {
                continue;
            };
            let before = cx.state.clone();
            let mut after = before.clone();
            op.state_forwards(APP, &mut after).unwrap();
            // What the backend refuses up front (an index on MySQL LONGTEXT) is skipped.
            match op.database_forwards(APP, &*cx.editor(), &before, &after) {
                Err(SchemaError::Unsupported(_)) => continue,
                Err(e) => panic!("{}: {e}", op.describe()),
                Ok(_) => {}
            }
            let sql = cx.forwards(&op);
            prop_assert_eq!(
                &cx.rows("items", &["id"], "id"),
                &ids,
                "rows lost by {:?}",
                sql
            );
        }
        // Unapply one step at a time through the executor (`back_to` checks the schema).
        for n in (0..cx.migrations.len()).rev() {
            cx.back_to(n);
            if n >= 2 {
                prop_assert_eq!(
                    &cx.rows("items", &["id"], "id"),
                    &ids,
                    "rows lost undoing step {}",
                    n + 1
                );
            }
        }
        Ok(())
    }

    proptest! {
        // 50 cases per server by default (what CI runs); `PROPTEST_CASES` overrides it.
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(50),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn postgres_alterations_keep_rows_and_schema_both_ways(changes in proptest::collection::vec(change(), 1..14)) {
            history(Backend::Postgres, &changes)?;
        }

        #[test]
        fn mysql_alterations_keep_rows_and_schema_both_ways(changes in proptest::collection::vec(change(), 1..14)) {
            history(Backend::Mysql, &changes)?;
        }
    }
}
