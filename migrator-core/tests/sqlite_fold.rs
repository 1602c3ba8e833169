//! SQL-minimal plans on SQLite (issue 18.2), asserted on the statements the executor runs
//! (`executor::sql_for_migration`, what `sqlmigrate` prints): native `ALTER TABLE` exactly
//! where it is equivalent to the rebuild, a rebuild where it is not, and at most one rebuild
//! per table per migration — a migration's operations on one table fold into one rebuild, and
//! a property test checks that the folded rebuild leaves exactly the rows and schema the
//! operations leave one by one, forwards and backwards.

mod sqlite_support;

use migrator_core::backend::sqlite::SqliteEditor;
use migrator_core::backend::Backend;
use migrator_core::executor::{self, OpSql};
use migrator_core::graph::MigrationGraph;
use migrator_core::operations::{
    AddConstraint, AddField, AddIndex, AlterField, CreateModel, RemoveField, RemoveIndex,
    RenameField, RunSql,
};
use migrator_core::{
    ColumnType, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, Migration,
    ModelState, OnDelete, Operation, ProjectState,
};
use sqlite_support::{assert_schema, exec, rows, run, temp_db, APP};

fn item() -> ModelState {
    let mut m = ModelState::new(APP, "Item", "items");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("label", ColumnType::Varchar(40)).nullable(),
        FieldState::new("n", ColumnType::Integer).nullable(),
        FieldState::new("t", ColumnType::Text).default(DefaultValue::Text("x".into())),
        FieldState::new("code", ColumnType::Varchar(10))
            .nullable()
            .unique(),
        FieldState::new("rank", ColumnType::Integer)
            .default(DefaultValue::Int(0))
            .index(),
    ];
    m
}

fn other() -> ModelState {
    let mut m = ModelState::new(APP, "Other", "others");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("item", ColumnType::BigInt)
            .nullable()
            .foreign_key(ForeignKey::new(APP, "Item", OnDelete::SetNull)),
        FieldState::new("w", ColumnType::Integer).nullable(),
    ];
    m
}

fn field(model: &ModelState, name: &str) -> FieldState {
    model.field(name).expect("field").clone()
}

/// The history `0001` (creating the models) + `0002` (`ops`), and the SQL of `0002`
/// forwards and backwards as the executor computes it.
fn plan(ops: Vec<Operation>) -> (Vec<OpSql>, Vec<OpSql>, MigrationGraph) {
    let mut first = Migration::new(APP, "0001_initial");
    first.operations = vec![
        Operation::CreateModel(CreateModel::from_state(&item())),
        Operation::CreateModel(CreateModel::from_state(&other())),
    ];
    let mut second = Migration::new(APP, "0002_change");
    second.dependencies = vec![first.key()];
    second.operations = ops;
    let key = second.key();
    let graph = MigrationGraph::new(vec![first, second]).expect("graph");
    let forwards = executor::sql_for_migration(&graph, &key, false, Backend::Sqlite).expect("sql");
    let backwards = executor::sql_for_migration(&graph, &key, true, Backend::Sqlite).expect("sql");
    (forwards, backwards, graph)
}

fn statements(ops: &[OpSql]) -> Vec<String> {
    ops.iter().flat_map(|o| o.statements.clone()).collect()
}

fn rebuilds(ops: &[OpSql]) -> usize {
    statements(ops)
        .iter()
        .filter(|s| s.starts_with("CREATE TABLE \"new__"))
        .count()
}

/// The statements of `0002` with `ops` when the migration is not atomic.
fn plan_non_atomic(ops: Vec<Operation>) -> Vec<OpSql> {
    let mut first = Migration::new(APP, "0001_initial");
    first.operations = vec![
        Operation::CreateModel(CreateModel::from_state(&item())),
        Operation::CreateModel(CreateModel::from_state(&other())),
    ];
    let mut second = Migration::new(APP, "0002_change");
    second.dependencies = vec![first.key()];
    second.operations = ops;
    second.atomic = false;
    let key = second.key();
    let graph = MigrationGraph::new(vec![first, second]).expect("graph");
    executor::sql_for_migration(&graph, &key, false, Backend::Sqlite).expect("sql")
}

/// The statements of a one-operation migration.
fn sql_of(op: Operation) -> Vec<String> {
    statements(&plan(vec![op]).0)
}

#[test]
fn native_alter_table_where_it_is_exactly_the_rebuild() {
    let cases: Vec<(Operation, Vec<&str>)> = vec![
        (
            Operation::AddField(AddField::new(
                "Item",
                FieldState::new("memo", ColumnType::Text).nullable(),
            )),
            vec![r#"ALTER TABLE "items" ADD COLUMN "memo" TEXT"#],
        ),
        (
            Operation::AddField(AddField::new(
                "Item",
                FieldState::new("qty", ColumnType::Integer).default(DefaultValue::Int(3)),
            )),
            vec![r#"ALTER TABLE "items" ADD COLUMN "qty" INTEGER NOT NULL DEFAULT 3"#],
        ),
        (
            Operation::AddField(AddField::new(
                "Item",
                FieldState::new("sku", ColumnType::Varchar(8))
                    .nullable()
                    .unique(),
            )),
            vec![
                r#"ALTER TABLE "items" ADD COLUMN "sku" VARCHAR(8)"#,
                r#"CREATE UNIQUE INDEX "items_sku_uniq" ON "items" ("sku")"#,
            ],
        ),
        (
            // Foreign keys are not enforced while a migration runs (they are checked before
            // the commit), so a referencing column with a default is added in place too.
            Operation::AddField(AddField::new(
                "Other",
                FieldState::new("main", ColumnType::BigInt)
                    .default(DefaultValue::Int(1))
                    .foreign_key(ForeignKey::new(APP, "Item", OnDelete::Cascade)),
            )),
            vec![
                r#"ALTER TABLE "others" ADD COLUMN "main" BIGINT NOT NULL DEFAULT 1 REFERENCES "items" ("id") ON DELETE CASCADE"#,
            ],
        ),
        (
            Operation::RenameField(RenameField::new("Item", "label", "title")),
            vec![r#"ALTER TABLE "items" RENAME COLUMN "label" TO "title""#],
        ),
        (
            Operation::RemoveField(RemoveField::new("Item", "n")),
            vec![r#"ALTER TABLE "items" DROP COLUMN "n""#],
        ),
        (
            Operation::RemoveField(RemoveField::new("Item", "code")),
            vec![
                r#"DROP INDEX "items_code_uniq""#,
                r#"ALTER TABLE "items" DROP COLUMN "code""#,
            ],
        ),
        (
            Operation::AlterField(AlterField::new("Item", field(&item(), "n").index())),
            vec![r#"CREATE INDEX "items_n_idx" ON "items" ("n")"#],
        ),
    ];
    for (op, expected) in cases {
        let what = op.describe();
        assert_eq!(sql_of(op), expected, "{what}");
    }
}

#[test]
fn a_rebuild_where_alter_table_cannot_do_it_exactly() {
    let mut n_not_null = field(&item(), "n");
    n_not_null.nullable = false;
    n_not_null.default = Some(DefaultValue::Int(0));
    let mut n_bigint = field(&item(), "n");
    n_bigint.column_type = ColumnType::BigInt;
    let mut t_other_default = field(&item(), "t");
    t_other_default.default = Some(DefaultValue::Text("y".into()));
    let cases: Vec<(&str, Operation)> = vec![
        (
            "NOT NULL",
            Operation::AlterField(AlterField::new("Item", n_not_null)),
        ),
        (
            "type",
            Operation::AlterField(AlterField::new("Item", n_bigint)),
        ),
        (
            "default",
            Operation::AlterField(AlterField::new("Item", t_other_default)),
        ),
        (
            "a default that is not constant",
            Operation::AddField(AddField::new(
                "Item",
                FieldState::new("at", ColumnType::Timestamp)
                    .default(DefaultValue::Sql("CURRENT_TIMESTAMP".into())),
            )),
        ),
        (
            "a stored generated column",
            Operation::AddField(AddField::new(
                "Item",
                FieldState::new("twice", ColumnType::Integer)
                    .nullable()
                    .generated_stored("\"rank\" * 2"),
            )),
        ),
        (
            "a foreign-key column",
            Operation::RemoveField(RemoveField::new("Other", "item")),
        ),
        (
            "a constraint",
            Operation::AddConstraint(AddConstraint::new(
                "Item",
                ConstraintState::check("items_rank_ok", "\"rank\" >= 0"),
            )),
        ),
    ];
    for (what, op) in cases {
        let sql = sql_of(op);
        assert!(
            sql.iter().any(|s| s.starts_with("CREATE TABLE \"new__")),
            "{what}: expected a rebuild, got {sql:#?}"
        );
    }
}

#[test]
fn the_operations_on_one_table_rebuild_it_once() {
    let base = item();
    let mut n_bigint = field(&base, "n");
    n_bigint.column_type = ColumnType::BigInt;
    let mut label_not_null = field(&base, "label");
    label_not_null.nullable = false;
    label_not_null.default = Some(DefaultValue::Text("none".into()));
    let ops = vec![
        Operation::AlterField(AlterField::new("Item", n_bigint.clone())),
        Operation::AddField(AddField::new(
            "Item",
            FieldState::new("memo", ColumnType::Text).nullable(),
        )),
        Operation::AlterField(AlterField::new("Item", label_not_null.clone())),
        Operation::RenameField(RenameField::new("Item", "t", "kind")),
        Operation::AddIndex(AddIndex::new(
            "Item",
            IndexState::new("items_pair", ["n", "rank"], false),
        )),
    ];
    let (forwards, backwards, _) = plan(ops.clone());
    assert_eq!(rebuilds(&forwards), 1, "{:#?}", statements(&forwards));
    assert_eq!(rebuilds(&backwards), 1, "{:#?}", statements(&backwards));
    let folded: Vec<Option<usize>> = forwards.iter().map(|o| o.folded_into).collect();
    assert_eq!(folded, [Some(4), Some(4), Some(4), Some(4), None]);
    assert!(forwards[..4].iter().all(|o| o.statements.is_empty()));
    let sql = statements(&forwards);
    assert!(
        sql.iter().any(|s| s.contains(
            r#"SELECT "id", COALESCE("label", 'none'), CAST("n" AS BIGINT), "t", "code", "rank", NULL FROM "items""#
        )),
        "{sql:#?}"
    );

    // A plain change of another table in between stays where it is; the two on `items` fold
    // into one rebuild at the second.
    let mut w = field(&other(), "w");
    w.column_type = ColumnType::BigInt;
    let between = vec![
        Operation::AlterField(AlterField::new("Item", n_bigint.clone())),
        Operation::AlterField(AlterField::new("Other", w)),
        Operation::AlterField(AlterField::new("Item", label_not_null.clone())),
    ];
    let (between, back, _) = plan(between);
    assert_eq!(rebuilds(&between), 2, "{:#?}", statements(&between));
    assert_eq!(rebuilds(&back), 2, "{:#?}", statements(&back));
    let folded: Vec<Option<usize>> = between.iter().map(|o| o.folded_into).collect();
    assert_eq!(folded, [Some(2), None, None]);
    assert!(between[1].statements[0].starts_with("CREATE TABLE \"new__others\""));
    // Raw SQL in between ends the run: it may read the table.
    let raw = vec![
        Operation::AlterField(AlterField::new("Item", n_bigint.clone())),
        Operation::RunSql(RunSql::new(vec!["SELECT 1".into()], Some(vec![]))),
        Operation::AlterField(AlterField::new("Item", label_not_null.clone())),
    ];
    assert_eq!(rebuilds(&plan(raw).0), 2);
    // A non-atomic migration commits each operation on its own: nothing folds.
    let mut n_text = field(&base, "n");
    n_text.column_type = ColumnType::Text;
    let non_atomic = plan_non_atomic(vec![
        Operation::AlterField(AlterField::new("Item", n_text)),
        Operation::AlterField(AlterField::new("Item", label_not_null.clone())),
    ]);
    assert_eq!(rebuilds(&non_atomic), 2);
    assert!(non_atomic.iter().all(|o| o.folded_into.is_none()));
    // Operations that alter in place stay in place when nothing rebuilds the table.
    let native = vec![
        Operation::RenameField(RenameField::new("Item", "t", "kind")),
        Operation::RemoveField(RemoveField::new("Item", "n")),
    ];
    let (native, _, _) = plan(native);
    assert_eq!(rebuilds(&native), 0);
    assert!(native.iter().all(|o| o.folded_into.is_none()));
}

/// Runs `0001` and then `0002`'s statements `sql` on a new database holding varied rows,
/// returning every row of every table afterwards (all columns, as JSON).
fn apply(
    graph: &MigrationGraph,
    sql: &[String],
    seed: &[&str],
) -> (tempfile::TempDir, migrator_core::backend::DbConnection) {
    let (dir, mut conn) = temp_db();
    let first = graph
        .migrations()
        .find(|m| m.name == "0001_initial")
        .unwrap()
        .key();
    run(
        &mut conn,
        &statements(&executor::sql_for_migration(graph, &first, false, Backend::Sqlite).unwrap()),
    );
    for s in seed {
        exec(&mut conn, s);
    }
    run(&mut conn, sql);
    (dir, conn)
}

fn all_rows(conn: &mut migrator_core::backend::DbConnection, state: &ProjectState) -> Vec<String> {
    let mut out = Vec::new();
    for m in state.models.values() {
        let cols: Vec<String> = m
            .fields
            .iter()
            .map(|f| format!("\"{}\"", f.column))
            .collect();
        out.push(m.table.clone());
        out.extend(rows(conn, &m.table, &cols.join(", "), "1"));
    }
    out
}

mod property {
    use super::*;
    use proptest::prelude::*;

    const SEED: [&str; 2] = [
        "INSERT INTO items (label, n, t, code, rank) VALUES ('a', 1, 'p', 'c1', 5), (NULL, NULL, 'q''s', NULL, -2), ('7', 40000000000, '', 'c3', 0), ('x y', -3, '1.5', NULL, 9)",
        "INSERT INTO others (item, w) VALUES (1, 2), (NULL, NULL), (3, 4)",
    ];

    #[derive(Clone, Debug)]
    enum Edit {
        Add {
            ty: u8,
            nullable: bool,
            one_off: bool,
        },
        Remove(u8),
        Retype {
            field: u8,
            ty: u8,
        },
        ToggleNull(u8),
        Redefault(u8),
        Rename(u8),
        ToggleIndex(u8),
        AddCheck,
        AddIndex,
        DropIndex,
        Other,
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            3 => (any::<u8>(), any::<bool>(), any::<bool>())
                .prop_map(|(ty, nullable, one_off)| Edit::Add { ty, nullable, one_off }),
            1 => any::<u8>().prop_map(Edit::Remove),
            3 => (any::<u8>(), any::<u8>()).prop_map(|(field, ty)| Edit::Retype { field, ty }),
            2 => any::<u8>().prop_map(Edit::ToggleNull),
            1 => any::<u8>().prop_map(Edit::Redefault),
            2 => any::<u8>().prop_map(Edit::Rename),
            1 => any::<u8>().prop_map(Edit::ToggleIndex),
            1 => Just(Edit::AddCheck),
            1 => Just(Edit::AddIndex),
            1 => Just(Edit::DropIndex),
            1 => Just(Edit::Other),
        ]
    }

    fn column_type(n: u8) -> (ColumnType, DefaultValue) {
        match n % 7 {
            0 => (ColumnType::Integer, DefaultValue::Int(7)),
            1 => (ColumnType::BigInt, DefaultValue::Int(-3)),
            2 => (ColumnType::Text, DefaultValue::Text("it's".into())),
            3 => (ColumnType::Varchar(20), DefaultValue::Text("12".into())),
            4 => (ColumnType::Double, DefaultValue::Float("2.5".into())),
            5 => (
                ColumnType::Decimal {
                    precision: 8,
                    scale: 2,
                },
                DefaultValue::Int(4),
            ),
            _ => (ColumnType::Boolean, DefaultValue::Bool(true)),
        }
    }

    /// The operation for `edit` in `state`, or None when it does not apply.
    fn operation(edit: &Edit, state: &ProjectState, counter: &mut u32) -> Option<Operation> {
        let model = state.model(APP, "Item")?;
        let fields: Vec<&FieldState> = model
            .fields
            .iter()
            .filter(|f| !f.primary_key && !f.unique)
            .collect();
        let pick = |n: u8| (!fields.is_empty()).then(|| fields[n as usize % fields.len()]);
        let indexed = |name: &str| {
            model
                .indexes
                .iter()
                .any(|i| i.fields.iter().any(|f| f == name))
        };
        let checked = !model.constraints.is_empty();
        *counter += 1;
        Some(match edit {
            Edit::Add {
                ty,
                nullable,
                one_off,
            } => {
                let (t, d) = column_type(*ty);
                let f = FieldState::new(format!("f{counter}"), t);
                let f = if *nullable {
                    f.nullable()
                } else {
                    f.default(d)
                };
                let mut op = AddField::new("Item", f);
                op.preserve_default = !*one_off || *nullable;
                Operation::AddField(op)
            }
            Edit::Remove(n) => {
                let f = pick(*n)?;
                if indexed(&f.name) || checked {
                    return None;
                }
                Operation::RemoveField(RemoveField::new("Item", f.name.clone()))
            }
            Edit::Retype { field, ty } => {
                let f = pick(*field)?;
                let (t, d) = column_type(*ty);
                let mut new = f.clone();
                new.column_type = t;
                if new.default.is_some() {
                    new.default = Some(d);
                }
                Operation::AlterField(AlterField::new("Item", new))
            }
            Edit::ToggleNull(n) => {
                let f = pick(*n)?;
                let mut new = f.clone();
                new.nullable = !f.nullable;
                let op = if !new.nullable && new.default.is_none() {
                    new.default = Some(column_type(0).1);
                    let mut op = AlterField::new("Item", new);
                    op.preserve_default = *n % 2 == 0;
                    op
                } else {
                    AlterField::new("Item", new)
                };
                Operation::AlterField(op)
            }
            Edit::Redefault(n) => {
                let f = pick(*n)?;
                let mut new = f.clone();
                new.default = match &f.default {
                    Some(_) if f.nullable => None,
                    _ => Some(column_type(0).1),
                };
                if matches!(new.column_type, ColumnType::Text | ColumnType::Varchar(_))
                    && new.default.is_some()
                {
                    new.default = Some(DefaultValue::Text("d".into()));
                }
                Operation::AlterField(AlterField::new("Item", new))
            }
            Edit::Rename(n) => {
                // A check naming the column follows it (the state rewrites it as SQLite does).
                let f = pick(*n)?;
                Operation::RenameField(RenameField::new(
                    "Item",
                    f.name.clone(),
                    format!("r{counter}"),
                ))
            }
            Edit::ToggleIndex(n) => {
                let f = pick(*n)?;
                let mut new = f.clone();
                new.index = !f.index;
                Operation::AlterField(AlterField::new("Item", new))
            }
            Edit::AddCheck => {
                let f = pick(0)?;
                if checked {
                    return None;
                }
                Operation::AddConstraint(AddConstraint::new(
                    "Item",
                    ConstraintState::check(
                        format!("items_check_{counter}"),
                        format!("\"{}\" IS NULL OR length(\"{}\") >= 0", f.column, f.column),
                    ),
                ))
            }
            Edit::AddIndex => {
                if fields.len() < 2 || !model.indexes.is_empty() {
                    return None;
                }
                Operation::AddIndex(AddIndex::new(
                    "Item",
                    IndexState::new(
                        format!("items_idx_{counter}"),
                        [fields[0].name.clone(), fields[1].name.clone()],
                        false,
                    ),
                ))
            }
            Edit::DropIndex => {
                let i = model.indexes.first()?;
                Operation::RemoveIndex(RemoveIndex::new("Item", i.name.clone()))
            }
            Edit::Other => {
                let w = state.model(APP, "Other")?.field("w")?;
                let mut new = w.clone();
                new.column_type = if new.column_type == ColumnType::Integer {
                    ColumnType::BigInt
                } else {
                    ColumnType::Integer
                };
                Operation::AlterField(AlterField::new("Other", new))
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(96),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// One migration of random changes, folded by the executor, leaves the same rows
        /// (every column) and schema as its operations run one by one; and so does undoing it.
        #[test]
        fn a_folded_migration_is_its_operations_one_by_one(edits in proptest::collection::vec(edit(), 1..10)) {
            let mut state = ProjectState::new();
            for m in [item(), other()] {
                Operation::CreateModel(CreateModel::from_state(&m)).state_forwards(APP, &mut state).unwrap();
            }
            let start = state.clone();
            let mut ops = Vec::new();
            let mut counter = 0;
            for e in &edits {
                if let Some(op) = operation(e, &state, &mut counter) {
                    op.state_forwards(APP, &mut state).unwrap();
                    ops.push(op);
                }
            }
            prop_assume!(!ops.is_empty());
            let (forwards, backwards, graph) = plan(ops.clone());

            // One by one, straight from the editor.
            let mut one_by_one = Vec::new();
            let mut states = vec![start.clone()];
            for op in &ops {
                let mut next = states.last().unwrap().clone();
                op.state_forwards(APP, &mut next).unwrap();
                one_by_one.extend(op.database_forwards(APP, &SqliteEditor, states.last().unwrap(), &next).unwrap());
                states.push(next);
            }
            let (_a, mut folded_db) = apply(&graph, &statements(&forwards), &SEED);
            let (_b, mut plain_db) = apply(&graph, &one_by_one, &SEED);
            assert_schema(&mut folded_db, &state);
            prop_assert_eq!(all_rows(&mut folded_db, &state), all_rows(&mut plain_db, &state),
                "folded:\n{}\none by one:\n{}", statements(&forwards).join(";\n"), one_by_one.join(";\n"));

            let mut undo = Vec::new();
            for (i, op) in ops.iter().enumerate().rev() {
                undo.extend(op.database_backwards(APP, &SqliteEditor, &states[i], &states[i + 1]).unwrap());
            }
            run(&mut folded_db, &statements(&backwards));
            run(&mut plain_db, &undo);
            assert_schema(&mut folded_db, &start);
            prop_assert_eq!(all_rows(&mut folded_db, &start), all_rows(&mut plain_db, &start),
                "folded backwards:\n{}\none by one:\n{}", statements(&backwards).join(";\n"), undo.join(";\n"));
        }
    }
}
