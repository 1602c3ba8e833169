//! Issue 12.6: verbatim SQL in a migration file — a check's condition, an SQL default, a
//! custom column type — must be one expression or one type (the rule is
//! `migrator_descriptor::sql`, which the derive applies to the attributes at compile time).
//! Here: replay refuses such text with an error naming the app, model and text; `sqlmigrate`
//! (which replays the same way) prints nothing for it; every backend's default spelling
//! refuses it; raw `RunSql` is exempt. `conformance` (`verbatim_sql_is_refused_before_anything_runs`)
//! shows on SQLite, PostgreSQL and MariaDB that `migrate` refuses it before anything runs.

use migrator_core::backend::{Backend, SchemaError};
use migrator_core::executor::sql_for_migration;
use migrator_core::graph::MigrationGraph;
use migrator_core::operations::{
    AddConstraint, AddField, AlterField, CreateModel, RunSql, StateError,
};
use migrator_core::{
    ColumnType, ConstraintState, DefaultValue, FieldState, Migration, MigrationKey, ModelState,
    Operation, ProjectState,
};

const APP: &str = "library";

/// The text: it closes the `CHECK (` migrator writes, then drops a table.
const INJECTION: &str = "1=1)); DROP TABLE authors; SELECT ((1";

fn books(fields: Vec<FieldState>, constraints: Vec<ConstraintState>) -> ModelState {
    let mut m = ModelState::new(APP, "Book", "books");
    m.fields = vec![FieldState::new("id", ColumnType::BigInt)
        .primary_key()
        .auto_increment()];
    m.fields.extend(fields);
    m.constraints = constraints;
    m
}

fn replay(ops: Vec<Operation>) -> Result<ProjectState, StateError> {
    let mut state = ProjectState::new();
    for op in ops {
        op.state_forwards(APP, &mut state)?;
    }
    Ok(state)
}

#[test]
fn replay_refuses_each_kind_of_verbatim_sql_naming_it() {
    let check = books(vec![], vec![ConstraintState::check("c", INJECTION)]);
    let err = replay(vec![CreateModel::from_state(&check).into()]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "check constraint `c` of `library.Book` must be one SQL expression, but the `)` at \
         character 4 closes a parenthesis the text did not open (near `)); DROP TABLE a…`); \
         fix the migration that writes it (statements of their own belong in a \
         `run_sql([...])` step; if it is applied already, `migrate library <migration> \
         --restamp` then accepts the edit)"
    );

    let default = books(
        vec![
            FieldState::new("added", ColumnType::Text).default(DefaultValue::Sql(
                "CURRENT_TIMESTAMP; DELETE FROM authors".into(),
            )),
        ],
        vec![],
    );
    let err = replay(vec![CreateModel::from_state(&default).into()]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the SQL default of field `added` of `library.Book` must be one SQL expression, but the `;`"),
        "{err}"
    );

    let custom = books(
        vec![FieldState::new(
            "tags",
            ColumnType::Custom("TEXT, evil TEXT".into()),
        )],
        vec![],
    );
    let err = replay(vec![CreateModel::from_state(&custom).into()]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the column type of field `tags` of `library.Book` must be one column type, but the `,`"),
        "{err}"
    );

    // A custom type brought in by `add_field` or `alter_field` is checked too.
    let evil = FieldState::new(
        "tags",
        ColumnType::Custom("TEXT); DROP TABLE authors; --".into()),
    )
    .nullable();
    for op in [
        Operation::AddField(AddField::new("Book", evil.clone())),
        Operation::AlterField(AlterField::new("Book", evil.clone())),
    ] {
        let mut base = vec![CreateModel::from_state(&books(vec![], vec![])).into()];
        if matches!(op, Operation::AlterField(_)) {
            base.push(
                AddField::new("Book", FieldState::new("tags", ColumnType::Text).nullable()).into(),
            );
        }
        base.push(op);
        let err = replay(base).unwrap_err();
        assert!(matches!(err, StateError::UnsafeSql { .. }), "{err:?}");
    }

    let added = AddConstraint::new("Book", ConstraintState::check("d", "pages > 0 -- rest"));
    let err = replay(vec![
        CreateModel::from_state(&books(vec![], vec![])).into(),
        added.into(),
    ])
    .unwrap_err();
    assert!(matches!(err, StateError::UnsafeSql { .. }), "{err:?}");
    assert!(err.to_string().contains("`--`"), "{err}");

    // One expression, quotes and parentheses balanced, separators inside literals: fine.
    let fine = books(
        vec![
            FieldState::new("note", ColumnType::Custom("VARCHAR(20)".into()))
                .default(DefaultValue::Sql("lower('A;B')".into())),
        ],
        vec![ConstraintState::check(
            "e",
            "note <> 'x; -- y' AND (note IS NULL OR length(note) > 0)",
        )],
    );
    replay(vec![CreateModel::from_state(&fine).into()]).unwrap();
}

#[test]
fn sqlmigrate_prints_nothing_for_such_a_migration() {
    let mut m = Migration::new(APP, "0001_initial");
    m.operations =
        vec![
            CreateModel::from_state(&books(vec![], vec![ConstraintState::check("c", INJECTION)]))
                .into(),
        ];
    let graph = MigrationGraph::new(vec![m]).unwrap();
    let built = migrator_core::backend::ALL
        .into_iter()
        .filter(|b| b.is_built());
    for backend in built {
        let err = sql_for_migration(
            &graph,
            &MigrationKey::new(APP, "0001_initial"),
            false,
            backend,
        )
        .map(|_| ())
        .unwrap_err();
        assert!(
            err.to_string().contains("must be one SQL expression"),
            "{backend}: {err}"
        );
    }
}

#[test]
fn every_backend_refuses_an_sql_default_that_is_not_one_expression() {
    for backend in migrator_core::backend::ALL {
        for bad in [
            "0); DROP TABLE authors; SELECT (0",
            "0 /* x */",
            "(0",
            "   ",
        ] {
            let err = backend
                .default_literal(&DefaultValue::Sql(bad.into()))
                .unwrap_err();
            assert!(
                matches!(&err, SchemaError::BadDefault { value, .. } if value == bad),
                "{backend}: {err:?}"
            );
            assert!(
                err.to_string()
                    .contains("an SQL default must be one SQL expression"),
                "{err}"
            );
        }
        assert_eq!(
            backend
                .default_literal(&DefaultValue::Sql("CURRENT_TIMESTAMP".into()))
                .unwrap(),
            "(CURRENT_TIMESTAMP)"
        );
    }
}

#[test]
fn raw_sql_steps_are_statements_on_purpose() {
    let raw = RunSql::new(
        vec!["UPDATE books SET title = trim(title); -- several statements are fine".into()],
        Some(vec!["SELECT 1 /* nothing to undo */".into()]),
    );
    let mut state = replay(vec![CreateModel::from_state(&books(vec![], vec![])).into()]).unwrap();
    let before = state.clone();
    let op = Operation::from(raw);
    op.state_forwards(APP, &mut state).unwrap();
    let editor = Backend::Sqlite.editor().unwrap();
    let sql = op
        .database_forwards(APP, &*editor, &before, &state)
        .unwrap();
    assert_eq!(
        sql,
        ["UPDATE books SET title = trim(title); -- several statements are fine"]
    );
}
