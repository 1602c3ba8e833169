//! Property tests of the optimizer (issue 15): random operation lists — every operation
//! kind, built step by step against the state so each applies, with the patterns the
//! reductions look for (an index dropped and made again, a table renamed and renamed back,
//! rename chains, alterations undone) — are split into a prefix that is applied as it is
//! and a rest that is optimized with `optimize_from` given the state after the prefix.
//!
//! - State: replaying the optimized rest gives exactly the state the rest gives (column
//!   order included), never more operations, and optimizing again changes nothing.
//! - Database: the prefix then the rest, and the prefix then the optimized rest, each
//!   migrated through the executor on a fresh database, introspect equal (and equal to the
//!   state). SQLite always; PostgreSQL and MariaDB with the `postgres` / `mysql` features.
//!
//! Cases: proptest's default (256) for the state, a quarter of that on SQLite, 16 per
//! server; `PROPTEST_CASES` overrides all three.

mod conformance_support;

use conformance_support::{Ctx, APP};
use migrator_core::backend::Backend;
use migrator_core::operations::{
    AddConstraint, AddField, AddIndex, AlterField, AlterModelComment, AlterModelTable, CreateModel,
    DeleteModel, RemoveConstraint, RemoveField, RemoveIndex, RenameField, RenameIndex, RenameModel,
    RunSql,
};
use migrator_core::optimizer::{optimize, optimize_from};
use migrator_core::{
    ColumnType, ConstraintKind, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState,
    ModelState, OnDelete, Operation, ProjectState,
};
use proptest::prelude::*;

/// One choice: what kind of operation, and three selectors among what exists.
type Choice = (u8, u16, u16, u16);

/// Builds valid operations from choices, keeping the state they lead to.
struct Builder {
    /// A field a check constraint names may be renamed (the check is rewritten). Off for the
    /// database tests: SQLite rewrites such a check as `"new"` when the column is renamed,
    /// which its introspection does not read back as the state's text (a gap outside the
    /// optimizer; the unoptimized history fails the same way).
    column_checks: bool,
    state: ProjectState,
    ops: Vec<Operation>,
    counter: u32,
}

fn pick<T: Clone>(items: &[T], sel: u16) -> Option<T> {
    (!items.is_empty()).then(|| items[sel as usize % items.len()].clone())
}

fn column_type(sel: u16) -> ColumnType {
    match sel % 5 {
        0 => ColumnType::Integer,
        1 => ColumnType::BigInt,
        2 => ColumnType::Varchar(50),
        3 => ColumnType::Varchar(100),
        _ => ColumnType::Boolean,
    }
}

fn default_for(t: &ColumnType) -> DefaultValue {
    match t {
        ColumnType::Varchar(_) => DefaultValue::Text("x".into()),
        ColumnType::Boolean => DefaultValue::Bool(true),
        _ => DefaultValue::Int(1),
    }
}

impl Builder {
    fn new(column_checks: bool) -> Self {
        Self {
            column_checks,
            state: ProjectState::new(),
            ops: Vec::new(),
            counter: 0,
        }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{}", self.counter)
    }

    fn push(&mut self, op: Operation) {
        op.state_forwards(APP, &mut self.state)
            .unwrap_or_else(|e| panic!("the generator made `{}`, which fails: {e}", op.describe()));
        self.ops.push(op);
    }

    fn models(&self) -> Vec<ModelState> {
        self.state.models.values().cloned().collect()
    }

    fn model(&self, sel: u16) -> Option<ModelState> {
        pick(&self.models(), sel)
    }

    /// Non-key fields of `m`.
    fn plain_fields(m: &ModelState) -> Vec<FieldState> {
        m.fields
            .iter()
            .filter(|f| !f.primary_key)
            .cloned()
            .collect()
    }

    /// Non-key fields of `m` no index or unique constraint names (they may be removed).
    fn free_fields(m: &ModelState) -> Vec<FieldState> {
        Self::plain_fields(m)
            .into_iter()
            .filter(|f| {
                !m.indexes.iter().any(|i| i.fields.contains(&f.name))
                    && !m.constraints.iter().any(|c| match &c.kind {
                        ConstraintKind::Unique(fs)
                        | ConstraintKind::ForeignKey { fields: fs, .. } => fs.contains(&f.name),
                        ConstraintKind::Check(sql) => sql.contains(&f.column),
                    })
            })
            .collect()
    }

    /// True when a check constraint of `m` names `f`'s column.
    fn in_check(m: &ModelState, f: &FieldState) -> bool {
        m.constraints
            .iter()
            .any(|c| matches!(&c.kind, ConstraintKind::Check(sql) if sql.contains(&f.column)))
    }

    fn referenced(&self, name: &str) -> bool {
        self.state.models.values().any(|m| {
            m.name != name
                && m.fields
                    .iter()
                    .any(|f| f.foreign_key.as_ref().is_some_and(|fk| fk.model == name))
        })
    }

    fn new_field(&mut self, sel: u16, target: Option<String>) -> (FieldState, bool) {
        let name = self.fresh("f");
        let mut f = match target {
            Some(t) => FieldState::new(&name, ColumnType::BigInt)
                .nullable()
                .foreign_key(ForeignKey::new(APP, t, OnDelete::SetNull)),
            None => {
                let t = column_type(sel);
                let f = FieldState::new(&name, t.clone());
                if sel.is_multiple_of(3) {
                    f.nullable()
                } else {
                    f.default(default_for(&t))
                }
            }
        };
        if sel.is_multiple_of(7) {
            f = f.column(self.fresh("c"));
        }
        (f, sel % 4 != 1)
    }

    fn apply(&mut self, (kind, a, b, c): Choice) {
        match kind % 17 {
            0 | 1 => {
                let name = self.fresh("M");
                let table = self.fresh("t");
                let mut m = ModelState::new(APP, &name, table);
                m.fields.push(
                    FieldState::new("id", ColumnType::BigInt)
                        .primary_key()
                        .auto_increment(),
                );
                for i in 0..(a % 3) {
                    let (f, _) = self.new_field(b.wrapping_add(i), None);
                    m.fields.push(f);
                }
                if c.is_multiple_of(3) {
                    if let Some(t) = self.model(c / 3) {
                        let (f, _) = self.new_field(0, Some(t.name));
                        m.fields.push(f);
                    }
                }
                self.push(CreateModel::from_state(&m).into());
            }
            2 => {
                let Some(m) = self.model(a) else { return };
                if !self.referenced(&m.name) {
                    self.push(DeleteModel { name: m.name }.into());
                }
            }
            3 => {
                let Some(m) = self.model(a) else { return };
                let new_name = self.fresh("M");
                self.push(
                    RenameModel {
                        old_name: m.name.clone(),
                        new_name: new_name.clone(),
                    }
                    .into(),
                );
                if b.is_multiple_of(3) {
                    // …and back again.
                    self.push(
                        RenameModel {
                            old_name: new_name,
                            new_name: m.name,
                        }
                        .into(),
                    );
                }
            }
            4 => {
                let Some(m) = self.model(a) else { return };
                let table = self.fresh("t");
                self.push(
                    AlterModelTable {
                        name: m.name.clone(),
                        table,
                    }
                    .into(),
                );
                if b.is_multiple_of(2) {
                    self.push(
                        AlterModelTable {
                            name: m.name,
                            table: m.table,
                        }
                        .into(),
                    );
                }
            }
            5 => {
                let Some(m) = self.model(a) else { return };
                let comment = match m.comment {
                    Some(_) => None,
                    None => Some(self.fresh("about ")),
                };
                self.push(
                    AlterModelComment {
                        name: m.name,
                        comment,
                    }
                    .into(),
                );
            }
            6 | 7 => {
                let Some(m) = self.model(a) else { return };
                let target = (c.is_multiple_of(4)).then(|| self.model(c / 4)).flatten();
                let (f, preserve) = self.new_field(b, target.map(|t| t.name));
                let mut op = AddField::new(&m.name, f);
                op.preserve_default = preserve || op.field.default.is_none();
                self.push(op.into());
            }
            8 => {
                let Some(m) = self.model(a) else { return };
                let Some(f) = pick(&Self::free_fields(&m), b) else {
                    return;
                };
                self.push(RemoveField::new(&m.name, &f.name).into());
            }
            9 | 10 => {
                let Some(m) = self.model(a) else { return };
                let Some(old) = pick(&Self::plain_fields(&m), b) else {
                    return;
                };
                let mut f = old.clone();
                let mut preserve = true;
                match c % 7 {
                    0 if f.foreign_key.is_none() => {
                        f.column_type = column_type(c / 7);
                        f.default = f.default.map(|_| default_for(&f.column_type));
                    }
                    // A foreign key that sets NULL stays nullable.
                    1 if f.foreign_key.is_none() => {
                        f.nullable = !f.nullable;
                        if !f.nullable && f.default.is_none() && f.foreign_key.is_none() {
                            // A one-off value for the rows that hold NULL.
                            f.default = Some(default_for(&f.column_type));
                            preserve = false;
                        }
                    }
                    2 if f.foreign_key.is_none() => {
                        f.default = match f.default {
                            Some(_) if f.nullable => None,
                            Some(_) => Some(default_for(&f.column_type)),
                            None => Some(default_for(&f.column_type)),
                        }
                    }
                    3 if !Self::free_fields(&m).contains(&old) || f.unique => f.unique = !f.unique,
                    4 => f.index = !f.index,
                    5 => f.comment = f.comment.is_none().then(|| "note".to_string()),
                    6 if Self::free_fields(&m).contains(&old) => {
                        f.column = if f.column == f.name {
                            self.fresh("c")
                        } else {
                            f.name.clone()
                        };
                    }
                    _ => f.nullable = !f.nullable || f.foreign_key.is_some(),
                }
                if !f.nullable && f.default.is_none() && f.foreign_key.is_none() {
                    f.default = Some(default_for(&f.column_type));
                }
                let mut op = AlterField::new(&m.name, f);
                op.preserve_default = preserve;
                self.push(op.into());
                if c.is_multiple_of(5) {
                    // …and back again.
                    self.push(AlterField::new(&m.name, old).into());
                }
            }
            11 => {
                let Some(m) = self.model(a) else { return };
                let renamable: Vec<FieldState> = Self::plain_fields(&m)
                    .into_iter()
                    .filter(|f| self.column_checks || !Self::in_check(&m, f))
                    .collect();
                let Some(f) = pick(&renamable, b) else {
                    return;
                };
                let new_name = self.fresh("f");
                let mut op = RenameField::new(&m.name, &f.name, &new_name);
                if c.is_multiple_of(4) {
                    op = op.keeping_column();
                }
                self.push(op.into());
                if c.is_multiple_of(3) {
                    let next = if c.is_multiple_of(2) {
                        f.name
                    } else {
                        self.fresh("f")
                    };
                    self.push(RenameField::new(&m.name, new_name, next).into());
                }
            }
            12 => {
                let Some(m) = self.model(a) else { return };
                let fields = Self::plain_fields(&m);
                let Some(x) = pick(&fields, b) else { return };
                let mut names = vec![x.name];
                if let Some(y) = pick(&fields, c).filter(|y| !names.contains(&y.name)) {
                    names.push(y.name);
                }
                let name = self.fresh("ix");
                self.push(
                    AddIndex::new(&m.name, IndexState::new(name, names, c.is_multiple_of(2)))
                        .into(),
                );
            }
            13 => {
                let Some(m) = self.model(a) else { return };
                let Some(i) = pick(&m.indexes, b) else { return };
                self.push(RemoveIndex::new(&m.name, &i.name).into());
                if c.is_multiple_of(2) {
                    // …and made again.
                    self.push(AddIndex::new(&m.name, i).into());
                }
            }
            14 => {
                let Some(m) = self.model(a) else { return };
                let Some(i) = pick(&m.indexes, b) else { return };
                let new_name = self.fresh("ix");
                self.push(RenameIndex::new(&m.name, &i.name, &new_name).into());
            }
            15 => {
                let Some(m) = self.model(a) else { return };
                let name = self.fresh("ck");
                let constraint = match pick(&Self::plain_fields(&m), b) {
                    Some(f) if c.is_multiple_of(3) => ConstraintState::unique(name, [f.name]),
                    // A `#[derive(ModelEnum)]` field's check (`col = 'a' OR col = 'b'`, which
                    // PostgreSQL re-prints with casts), kept true for whatever rows hold.
                    Some(f)
                        if c % 3 == 1
                            && f.foreign_key.is_none()
                            && matches!(
                                f.column_type,
                                ColumnType::Varchar(_) | ColumnType::Text
                            ) =>
                    {
                        let c = &f.column;
                        ConstraintState::check(
                            name,
                            format!("{c} = 'draft' OR {c} = 'it''s' OR {c} IS NULL OR 1 = 1"),
                        )
                    }
                    // MariaDB refuses a check on a column whose foreign key sets NULL.
                    Some(f) if c % 3 != 0 && f.foreign_key.is_none() => {
                        ConstraintState::check(name, format!("{} IS NULL OR 1 = 1", f.column))
                    }
                    // MariaDB refuses a check on an AUTO_INCREMENT column.
                    _ if self.column_checks => ConstraintState::check(name, "id > 0"),
                    _ => return,
                };
                let twin = m.constraints.iter().any(|x| x.kind == constraint.kind)
                    || matches!(&constraint.kind, ConstraintKind::Unique(fs)
                        if m.field(&fs[0]).is_some_and(|f| f.unique));
                if !twin {
                    self.push(AddConstraint::new(&m.name, constraint).into());
                }
            }
            _ => {
                if a.is_multiple_of(4) {
                    self.push(RunSql::new(vec!["SELECT 1".into()], Some(vec![])).into());
                    return;
                }
                let Some(m) = self.model(a) else { return };
                let Some(x) = pick(&m.constraints, b) else {
                    return;
                };
                self.push(RemoveConstraint::new(&m.name, &x.name).into());
                if c.is_multiple_of(2) {
                    self.push(AddConstraint::new(&m.name, x).into());
                }
            }
        }
    }
}

/// A prefix (applied as it is) and a rest (optimized), from choices; `split` is the share of
/// the choices that make the prefix.
fn build(
    choices: &[Choice],
    split: u8,
    column_checks: bool,
) -> (Vec<Operation>, ProjectState, Vec<Operation>) {
    let mut b = Builder::new(column_checks);
    let k = choices.len() * usize::from(split % 4) / 4;
    for c in &choices[..k] {
        b.apply(*c);
    }
    let prefix = std::mem::take(&mut b.ops);
    let start = b.state.clone();
    for c in &choices[k..] {
        b.apply(*c);
    }
    (prefix, start, b.ops)
}

fn replay(start: &ProjectState, ops: &[Operation]) -> Result<ProjectState, String> {
    let mut state = start.clone();
    for op in ops {
        op.state_forwards(APP, &mut state)
            .map_err(|e| format!("`{}`: {e}", op.describe()))?;
    }
    Ok(state)
}

fn choices() -> impl Strategy<Value = Vec<Choice>> {
    proptest::collection::vec(any::<Choice>(), 1..40)
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The property on the state; returns the optimized rest.
fn check_state(start: &ProjectState, rest: &[Operation]) -> Result<Vec<Operation>, TestCaseError> {
    let expected = replay(start, rest).map_err(TestCaseError::fail)?;
    let optimized = optimize_from(APP, rest.to_vec(), start);
    prop_assert!(optimized.len() <= rest.len());
    let got = replay(start, &optimized).map_err(|e| {
        TestCaseError::fail(format!("{e}\noptimized: {optimized:#?}\nfrom: {rest:#?}"))
    })?;
    prop_assert_eq!(
        &got,
        &expected,
        "optimized:\n{:#?}\nfrom:\n{:#?}",
        optimized,
        rest
    );
    prop_assert_eq!(
        optimize_from(APP, optimized.clone(), start),
        optimized.clone(),
        "optimizing again changes it"
    );
    Ok(optimized)
}

/// The prefix then `rest` through the executor on a fresh `backend` database; its schema.
fn migrated(
    backend: Backend,
    prefix: &[Operation],
    rest: &[Operation],
) -> migrator_core::introspect::DbSchema {
    let mut ctx = Ctx::new(backend);
    if !prefix.is_empty() {
        ctx.migrate_ops(prefix.to_vec());
    }
    ctx.migrate_ops(rest.to_vec());
    ctx.introspect()
}

fn check_database(backend: Backend, choices: &[Choice], split: u8) -> Result<(), TestCaseError> {
    let (prefix, start, rest) = build(choices, split, false);
    let optimized = check_state(&start, &rest)?;
    let plain = migrated(backend, &prefix, &rest);
    let folded = migrated(backend, &prefix, &optimized);
    let diff = plain.diff(&folded);
    prop_assert!(
        diff.is_empty(),
        "{}: the optimized operations make another schema:\n  {}\noptimized: {:#?}\nfrom: {:#?}",
        backend,
        diff.join("\n  "),
        optimized,
        rest
    );
    prop_assert_eq!(plain, folded);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// `optimize_from` preserves the state, never lengthens, and is a fixpoint.
    #[test]
    fn optimized_operations_reach_the_same_state(choices in choices(), split in any::<u8>()) {
        let (_, start, rest) = build(&choices, split, true);
        check_state(&start, &rest)?;
    }

    /// `optimize` (the rules alone, no state) preserves the state too, from any start.
    #[test]
    fn rules_alone_reach_the_same_state(choices in choices(), split in any::<u8>()) {
        let (_, start, rest) = build(&choices, split, true);
        let expected = replay(&start, &rest).map_err(TestCaseError::fail)?;
        let optimized = optimize(APP, rest.clone());
        let got = replay(&start, &optimized)
            .map_err(|e| TestCaseError::fail(format!("{e}\noptimized: {optimized:#?}\nfrom: {rest:#?}")))?;
        prop_assert_eq!(&got, &expected, "optimized:\n{:#?}\nfrom:\n{:#?}", optimized, rest);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        cases: cases(ProptestConfig::default().cases.div_ceil(4)),
        ..ProptestConfig::default()
    })]

    /// On SQLite the optimized operations build the schema the originals build.
    #[test]
    fn optimized_operations_build_the_same_sqlite_schema(choices in choices(), split in any::<u8>()) {
        check_database(Backend::Sqlite, &choices, split)?;
    }
}

#[cfg(feature = "postgres")]
proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        cases: cases(16),
        ..ProptestConfig::default()
    })]

    /// On PostgreSQL the optimized operations build the schema the originals build.
    #[test]
    fn optimized_operations_build_the_same_postgres_schema(choices in choices(), split in any::<u8>()) {
        check_database(Backend::Postgres, &choices, split)?;
    }
}

#[cfg(feature = "mysql")]
proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        cases: cases(16),
        ..ProptestConfig::default()
    })]

    /// On MariaDB the optimized operations build the schema the originals build.
    #[test]
    fn optimized_operations_build_the_same_mysql_schema(choices in choices(), split in any::<u8>()) {
        check_database(Backend::Mysql, &choices, split)?;
    }
}

/// `optimize_migration`: one migration of a graph, folded given the state its ancestors
/// build; a migration with a Rust data step is refused (its functions live in its file).
#[test]
fn one_migration_of_a_history_is_optimized_given_its_ancestors() {
    use migrator_core::graph::MigrationGraph;
    use migrator_core::optimizer::{optimize_migration, OptimizeError};
    use migrator_core::{Migration, MigrationKey};

    let mut book = ModelState::new(APP, "Book", "books");
    book.fields
        .push(FieldState::new("id", ColumnType::BigInt).primary_key());
    let first = Migration::new(APP, "0001_initial").operation(CreateModel::from_state(&book));
    let second = Migration::new(APP, "0002_pages")
        .dependency(APP, "0001_initial")
        .operation(AddField::new(
            "Book",
            FieldState::new("pages", ColumnType::Integer).nullable(),
        ))
        .operation(AlterField::new(
            "Book",
            FieldState::new("pages", ColumnType::BigInt).nullable(),
        ))
        .operation(AlterModelTable {
            name: "Book".into(),
            table: "volumes".into(),
        })
        .operation(AlterModelTable {
            name: "Book".into(),
            table: "books".into(),
        });
    let graph = MigrationGraph::new(vec![first, second.clone()]).expect("graph");
    let key = MigrationKey::new(APP, "0002_pages");
    let result = optimize_migration(&graph, &key).expect("optimizes");
    assert!(result.changed());
    assert_eq!(result.original, second);
    assert_eq!(
        result.optimized.operations,
        vec![Operation::from(AddField::new(
            "Book",
            FieldState::new("pages", ColumnType::BigInt).nullable()
        ))],
        "the table renamed and renamed back is nothing, given the state before"
    );
    assert_eq!(result.optimized.dependencies, second.dependencies);
    let again = MigrationGraph::new(vec![
        graph
            .migration(&MigrationKey::new(APP, "0001_initial"))
            .unwrap()
            .clone(),
        result.optimized.clone(),
    ])
    .unwrap();
    assert!(!optimize_migration(&again, &key).unwrap().changed());

    fn step(_: &mut migrator_core::backend::DbConnection) -> Result<(), migrator_core::BoxError> {
        Ok(())
    }
    let with_data = Migration::new(APP, "0001_initial")
        .operation(CreateModel::from_state(&book))
        .operation(migrator_core::operations::RunRust {
            name: "fill",
            forward: step,
            backward: None,
            elidable: false,
        });
    let graph = MigrationGraph::new(vec![with_data]).unwrap();
    let err = optimize_migration(&graph, &MigrationKey::new(APP, "0001_initial")).unwrap_err();
    assert!(
        matches!(err, OptimizeError::DataStep { ref step, .. } if step == "fill"),
        "{err}"
    );
    assert!(err.to_string().contains("makemigrations --empty"), "{err}");
}

/// `makemigrations --update`'s merge: the new migration's operations folded into the app's
/// latest migration (renamed on request), and what it refuses.
#[test]
fn update_latest_merges_into_the_latest_migration_and_refuses_what_it_must() {
    use migrator_core::autodetector::{update_latest, Changes, NewMigration, UpdateError};
    use migrator_core::graph::MigrationGraph;
    use migrator_core::{Migration, MigrationKey};

    let mut book = ModelState::new(APP, "Book", "books");
    book.fields
        .push(FieldState::new("id", ColumnType::BigInt).primary_key());
    let initial = Migration::new(APP, "0001_initial")
        .initial(true)
        .operation(CreateModel::from_state(&book));
    let new = |ops: Vec<Operation>| {
        let mut m = Migration::new(APP, "0002_book_pages").dependency(APP, "0001_initial");
        m.operations = ops;
        Changes {
            migrations: vec![NewMigration {
                migration: m,
                risks: Default::default(),
                descriptions: Vec::new(),
            }],
        }
    };
    let pages = FieldState::new("pages", ColumnType::Integer).nullable();
    let graph = MigrationGraph::new(vec![initial.clone()]).unwrap();
    let changes = new(vec![AddField::new("Book", pages.clone()).into()]);
    let updated = update_latest(&graph, &changes, None, &[]).expect("merges");
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0].previous, MigrationKey::new(APP, "0001_initial"));
    let merged = &updated[0].new.migration;
    assert_eq!(merged.name, "0001_initial");
    assert!(merged.initial && merged.dependencies.is_empty());
    let mut with_pages = book.clone();
    with_pages.fields.push(pages.clone());
    assert_eq!(
        merged.operations,
        vec![Operation::from(CreateModel::from_state(&with_pages))],
        "folded into the CreateModel"
    );
    let renamed = update_latest(&graph, &changes, Some("books"), &[]).unwrap();
    assert_eq!(renamed[0].new.migration.name, "0001_books");

    // Another migration depends on the latest one: refused.
    let other = Migration::new("shop", "0001_initial").dependency(APP, "0001_initial");
    let graph = MigrationGraph::new(vec![initial.clone(), other]).unwrap();
    let err = update_latest(&graph, &changes, None, &[]).unwrap_err();
    assert!(matches!(err, UpdateError::Dependents { .. }), "{err}");
    assert!(err.to_string().contains("`shop.0001_initial`"), "{err}");

    // No migration yet.
    let graph = MigrationGraph::new(Vec::new()).unwrap();
    let err = update_latest(&graph, &changes, None, &[]).unwrap_err();
    assert!(matches!(err, UpdateError::NoMigration { .. }), "{err}");
}
