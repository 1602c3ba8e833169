//! Issue 20.1: no two database objects ever get the same name. An unnamed
//! `index(fields = ["author"])` on a foreign key got its key's index name and `migrate`
//! failed; two models' generated names can meet too (PostgreSQL and SQLite keep index names
//! per schema). Here: the registry refuses every clash across models (naming both), replay of
//! a migration history refuses an index or constraint named like another object, the spellings
//! core uses to list names agree with the backends', and a property test: random models with
//! any mix of `index`, `unique`, foreign keys and composite indexes, named the way the derive
//! names them, never give two objects one name on any backend (SQLite always; PostgreSQL and
//! MySQL/MariaDB with `--features postgres,mysql`, computed without a connection). The derive's
//! own compile-time refusals are UI cases (`tests/ui/indexes/`).

use std::collections::BTreeMap;

use migrator_core::backend::Backend;
use migrator_core::db_schema::field_index_name;
use migrator_core::introspect::{expected_schema, DbSchema};
use migrator_core::model::ModelDefinition;
use migrator_core::operations::{AddConstraint, AddIndex, CreateModel, StateError};
use migrator_core::registry::collect;
use migrator_core::state::{DbObjectKind, NameClash};
use migrator_core::{
    ColumnType, ConstraintState, FieldState, ForeignKey, IndexState, ModelState, OnDelete,
    Operation, ProjectState, RegistryError,
};
use migrator_descriptor::names;
use proptest::prelude::*;

const APP: &str = "shop";

fn model(name: &str, table: &str, fields: Vec<FieldState>) -> ModelState {
    let mut m = ModelState::new(APP, name, table);
    m.fields = vec![FieldState::new("id", ColumnType::BigInt)
        .primary_key()
        .auto_increment()];
    m.fields.extend(fields);
    m
}

fn int(name: &str) -> FieldState {
    FieldState::new(name, ColumnType::Integer)
}

fn fk(name: &str, target: &str) -> FieldState {
    FieldState::new(name, ColumnType::BigInt).foreign_key(ForeignKey::new(
        APP,
        target,
        OnDelete::Cascade,
    ))
}

/// The registry's answer for these models.
fn registry(models: &[ModelState]) -> Result<(), Vec<String>> {
    let defs = models
        .iter()
        .map(|m| ("shop::models", ModelDefinition::new(m.clone())));
    match collect(defs) {
        Ok(_) => Ok(()),
        Err(RegistryError::Duplicates(problems)) => Err(problems),
        Err(other) => panic!("unexpected registry error: {other}"),
    }
}

fn one_problem(models: &[ModelState]) -> String {
    let problems = registry(models).expect_err("the registry accepted a clash");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    problems.into_iter().next().unwrap()
}

#[test]
fn the_registry_refuses_two_models_whose_field_indexes_share_a_name() {
    // `a_b`.`c` and `a`.`b_c` both index as `a_b_c_idx`.
    let problem = one_problem(&[
        model("Ab", "a_b", vec![int("c").index()]),
        model("A", "a", vec![int("b_c").index()]),
    ]);
    assert!(
        problem.contains("the index of field `b_c` of `shop.A` is named `a_b_c_idx`")
            && problem.contains("the index of field `c` of `shop.Ab`")
            && problem.contains("PostgreSQL keeps the names of tables, indexes and sequences")
            && problem.contains("rename a table or column"),
        "{problem}"
    );
}

#[test]
fn the_registry_refuses_what_django_and_mysql_refuse_across_models() {
    // Two models' declared index names (Django's models.E030).
    let mut a = model("A", "a", vec![int("x")]);
    a.indexes = vec![IndexState::new("by_x", ["x"], false)];
    let mut b = model("B", "b", vec![int("x")]);
    b.indexes = vec![IndexState::new("BY_X", ["x"], false)];
    let problem = one_problem(&[a.clone(), b.clone()]);
    assert!(
        problem.contains("`by_x`") && problem.contains("`BY_X`"),
        "{problem}"
    );

    // Two models' check names (Django's models.E032; MySQL keeps them per database).
    a.indexes.clear();
    b.indexes.clear();
    a.constraints = vec![ConstraintState::check("positive", "x > 0")];
    b.constraints = vec![ConstraintState::check("positive", "x > 0")];
    let problem = one_problem(&[a.clone(), b.clone()]);
    assert!(
        problem.contains("MySQL keeps check-constraint names"),
        "{problem}"
    );

    // Two foreign keys whose derived names meet (MySQL keeps them per database).
    let target = model("T", "t", vec![]);
    let problem = one_problem(&[
        model("Ab", "a_b", vec![fk("c", "T").index()]),
        model("A", "a", vec![fk("b_c", "T")]),
        target,
    ]);
    assert!(
        problem.contains("`a_b_c_fk_t`") && problem.contains("foreign-key names"),
        "{problem}"
    );

    // Tables whose names differ only in case (MySQL/MariaDB on case-insensitive systems).
    let problem = one_problem(&[model("A", "Books", vec![]), model("B", "books", vec![])]);
    assert!(
        problem.contains("the table of `shop.A` is named `Books`")
            && problem.contains("Rename one of the tables"),
        "{problem}"
    );
}

#[test]
fn the_registry_accepts_distinct_names_and_a_check_named_like_a_field_index() {
    let mut a = model("A", "a", vec![int("x").index(), int("y").unique()]);
    a.indexes = vec![IndexState::new(
        names::index("a", &["x", "y"], false),
        ["x", "y"],
        false,
    )];
    // A check and an index live in different namespaces on every backend.
    a.constraints = vec![ConstraintState::check("a_x_idx", "x > 0")];
    let b = model("B", "b", vec![fk("a", "A"), int("x").index()]);
    registry(&[a, b]).unwrap();
}

fn replay(ops: Vec<Operation>) -> Result<ProjectState, StateError> {
    let mut state = ProjectState::new();
    for op in ops {
        op.state_forwards(APP, &mut state)?;
    }
    Ok(state)
}

#[test]
fn replay_refuses_an_index_named_like_a_field_index_on_create_and_on_alter() {
    // The case: an unnamed composite-style index on a foreign key.
    let author = model("Author", "author", vec![]);
    let mut book = model("Book", "book", vec![fk("author", "Author").index()]);
    book.indexes = vec![IndexState::new("book_author_idx", ["author"], false)];
    let err = replay(vec![
        CreateModel::from_state(&author).into(),
        CreateModel::from_state(&book).into(),
    ])
    .unwrap_err();
    assert!(
        matches!(&err, StateError::NameClash { name, .. } if name == "book_author_idx"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "index `book_author_idx` of `shop.Book` would have the name of the index of field \
         `author` (`book_author_idx`): PostgreSQL keeps the names of tables, indexes and \
         sequences in one namespace per schema, and SQLite those of tables and indexes per \
         database; give it another name in the migration that adds it"
    );

    // `unique` + a unique index of the same name, added later.
    let shelf = model("Shelf", "shelf", vec![int("name").unique()]);
    let err = replay(vec![
        CreateModel::from_state(&shelf).into(),
        AddIndex::new("Shelf", IndexState::new("shelf_name_uniq", ["name"], true)).into(),
    ])
    .unwrap_err();
    assert!(
        err.to_string().contains("the unique index of field `name`"),
        "{err}"
    );
    let err = replay(vec![
        CreateModel::from_state(&shelf).into(),
        AddConstraint::new(
            "Shelf",
            ConstraintState::unique("shelf_name_uniq", ["name"]),
        )
        .into(),
    ])
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("unique constraint `shelf_name_uniq`"),
        "{err}"
    );
}

#[test]
fn replay_refuses_an_index_named_like_another_models_but_keeps_older_histories_loading() {
    let a = model("A", "a", vec![int("x").index()]);
    let b = model("B", "b", vec![int("y")]);
    let err = replay(vec![
        CreateModel::from_state(&a).into(),
        CreateModel::from_state(&b).into(),
        AddIndex::new("B", IndexState::new("a_x_idx", ["y"], false)).into(),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("of `shop.A` (`a_x_idx`)"), "{err}");
    let err = replay(vec![
        CreateModel::from_state(&a).into(),
        CreateModel::from_state(&b).into(),
        AddIndex::new("B", IndexState::new("a", ["y"], false)).into(),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("the table of `shop.A`"), "{err}");

    // Two tables' checks with one name work on PostgreSQL and SQLite: a history holding them
    // still loads (new models may not: the registry refuses them, for MySQL and Django).
    replay(vec![
        CreateModel::from_state(&a).into(),
        CreateModel::from_state(&b).into(),
        AddConstraint::new("A", ConstraintState::check("positive", "x > 0")).into(),
        AddConstraint::new("B", ConstraintState::check("positive", "y > 0")).into(),
    ])
    .unwrap();
}

#[test]
fn core_and_the_derive_spell_derived_names_alike() {
    assert_eq!(
        names::field_index("books", "author_id", false),
        field_index_name("books", "author_id", false)
    );
    assert_eq!(
        names::field_index("books", "isbn", true),
        field_index_name("books", "isbn", true)
    );
}

// ---------------------------------------------------------------------------------------------
// The property: names the derive would give never clash on any backend.
// ---------------------------------------------------------------------------------------------

/// Table and column names that meet when joined (`a` + `b_c` = `a_b` + `c`), words that are
/// the suffixes migrator adds, and long ones the servers shorten.
const WORDS: &[&str] = &[
    "a",
    "b",
    "c",
    "a_b",
    "b_c",
    "idx",
    "uniq",
    "fk",
    "publishing_house_catalogue_entries",
    "entries_with_rather_long_names",
];

/// Columns: mostly the short words, so a column `a_b` and columns `a`, `b` meet in one model.
fn column_words() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        8 => (0..5usize).prop_map(|w| vec![w]),
        1 => proptest::collection::vec(word(), 1..3),
    ]
}

#[derive(Clone, Debug)]
struct FieldSpec {
    column: String,
    unique: bool,
    /// `index`: unset, `index`, `index = false`.
    index: Option<bool>,
    /// A foreign key to the model at this position (modulo the number of models).
    fk: Option<usize>,
}

#[derive(Clone, Debug)]
struct IndexSpec {
    /// Positions into the model's fields (modulo their number).
    fields: Vec<usize>,
    /// Or: the fields on these columns, when the model has them all (`["a", "b"]` next to a
    /// field `a_b`: the usual names meet).
    columns: Option<&'static [&'static str]>,
    unique: bool,
    /// `name = "…"`: a word and a number (the derive refuses a declared name another object
    /// of the model has; such names end in a digit, so they never do here).
    name: Option<(usize, u8)>,
}

#[derive(Clone, Debug)]
struct ModelSpec {
    table: Vec<usize>,
    fields: Vec<FieldSpec>,
    indexes: Vec<IndexSpec>,
    checks: Vec<(usize, u8)>,
}

fn word() -> impl Strategy<Value = usize> {
    0..WORDS.len()
}

fn field_spec() -> impl Strategy<Value = FieldSpec> {
    (
        column_words(),
        proptest::bool::weighted(0.2),
        prop_oneof![Just(None), Just(Some(true)), Just(Some(false))],
        proptest::option::weighted(0.35, 0..4usize),
    )
        .prop_map(|(words, unique, index, fk)| FieldSpec {
            column: join(&words),
            unique,
            index,
            fk,
        })
}

/// Column lists whose usual index names meet another object's: `a` + `b` = field `a_b`,
/// `a_b` + `c` = `a` + `b_c`.
const MEETING: &[&[&str]] = &[&["a", "b"], &["a_b", "c"], &["a", "b_c"], &["b", "c"]];

fn index_spec() -> impl Strategy<Value = IndexSpec> {
    (
        proptest::collection::vec(0..8usize, 1..4),
        proptest::option::weighted(0.6, proptest::sample::select(MEETING)),
        proptest::bool::weighted(0.3),
        proptest::option::weighted(0.25, (word(), 0..3u8)),
    )
        .prop_map(|(fields, columns, unique, name)| IndexSpec {
            fields,
            columns,
            unique,
            name,
        })
}

fn model_spec() -> impl Strategy<Value = ModelSpec> {
    (
        prop_oneof![
            6 => (0..5usize).prop_map(|w| vec![w]),
            1 => proptest::collection::vec(word(), 1..3),
        ],
        proptest::collection::vec(field_spec(), 2..8),
        proptest::collection::vec(index_spec(), 0..5),
        proptest::collection::vec((word(), 0..3u8), 0..3),
    )
        .prop_map(|(table, fields, indexes, checks)| ModelSpec {
            table,
            fields,
            indexes,
            checks,
        })
}

/// The words joined with `_`, cut to 63 bytes (the derive refuses longer names).
fn join(words: &[usize]) -> String {
    let mut name = words
        .iter()
        .map(|w| WORDS[*w])
        .collect::<Vec<_>>()
        .join("_");
    name.truncate(63);
    name
}

/// The models of `specs` as `#[derive(Model)]` would describe them: an `id` key, the fields'
/// flags (a foreign key indexed unless `unique` or `index = false`), repeated indexes left out
/// (the derive refuses them), and unnamed indexes named `names::index`, or
/// `names::index_disambiguated` when another object of the model has that name.
/// Also returns how many indexes got the disambiguated name.
fn models(specs: &[ModelSpec]) -> (Vec<ModelState>, usize) {
    let n = specs.len();
    let mut disambiguated = 0;
    let models = specs
        .iter()
        .enumerate()
        .map(|(k, spec)| {
            let table = join(&spec.table);
            let mut m = ModelState::new(APP, format!("M{k}"), table.clone());
            m.fields.push(
                FieldState::new("id", ColumnType::BigInt)
                    .primary_key()
                    .auto_increment(),
            );
            for (i, f) in spec.fields.iter().enumerate() {
                if m.fields.iter().any(|o| o.column == f.column) {
                    continue; // the derive refuses two fields on one column
                }
                let mut field =
                    FieldState::new(format!("f{i}"), ColumnType::Integer).column(f.column.clone());
                if let Some(target) = f.fk {
                    field = FieldState::new(format!("f{i}"), ColumnType::BigInt)
                        .column(f.column.clone())
                        .foreign_key(ForeignKey::new(
                            APP,
                            format!("M{}", target % n),
                            OnDelete::Cascade,
                        ));
                }
                field.unique = f.unique;
                field.index = match f.index {
                    Some(index) => index,
                    None => f.fk.is_some() && !f.unique,
                };
                m.fields.push(field);
            }
            let own = |m: &ModelState, field: &str| {
                m.field(field)
                    .filter(|f| !f.primary_key && (f.unique || f.index))
                    .map(|f| f.unique)
            };
            let mut kept: Vec<(Vec<String>, bool, Option<String>)> = Vec::new();
            for index in &spec.indexes {
                let mut fields: Vec<String> = Vec::new();
                for p in &index.fields {
                    let name = m.fields[p % m.fields.len()].name.clone();
                    if !fields.contains(&name) {
                        fields.push(name);
                    }
                }
                let on_columns: Option<Vec<String>> = index.columns.and_then(|cols| {
                    cols.iter()
                        .map(|c| {
                            m.fields
                                .iter()
                                .find(|f| f.column == *c)
                                .map(|f| f.name.clone())
                        })
                        .collect()
                });
                if let Some(on_columns) = on_columns {
                    fields = on_columns;
                }
                let repeats_own = fields.len() == 1 && own(&m, &fields[0]) == Some(index.unique);
                let repeats = kept
                    .iter()
                    .any(|(f, u, _)| *f == fields && *u == index.unique);
                if repeats_own || repeats {
                    continue;
                }
                let name = index.name.map(|(w, d)| format!("{}_{d}", WORDS[w]));
                if name.is_some() && kept.iter().any(|(_, _, n)| *n == name) {
                    continue; // the derive refuses a name used twice
                }
                kept.push((fields, index.unique, name));
            }
            for (w, d) in &spec.checks {
                let name = format!("{}_{d}", WORDS[*w]);
                let taken = kept.iter().any(|(_, _, n)| n.as_deref() == Some(&name))
                    || m.constraints.iter().any(|c| c.name == name);
                if !taken {
                    m.constraints.push(ConstraintState::check(name, "1 = 1"));
                }
            }
            // Names of the model's objects an unnamed index must not take (the derive's
            // `names::plan`): the fields' indexes, MySQL's foreign-key indexes, the names
            // written, and the other unnamed indexes' usual names.
            let columns = |m: &ModelState, fields: &[String]| -> Vec<String> {
                fields
                    .iter()
                    .map(|f| m.field(f).unwrap().column.clone())
                    .collect()
            };
            for (fields, unique, name) in &kept {
                if let Some(name) = name {
                    m.indexes
                        .push(IndexState::new(name.clone(), fields.clone(), *unique));
                }
            }
            let mut taken: Vec<String> = m
                .db_objects(&ProjectState::new())
                .into_iter()
                .filter(|o| {
                    matches!(
                        o.kind,
                        DbObjectKind::FieldIndex
                            | DbObjectKind::ForeignKeyIndex
                            | DbObjectKind::Index
                            | DbObjectKind::Check
                    )
                })
                .map(|o| o.name.to_ascii_lowercase())
                .collect();
            let usual: Vec<Option<String>> = kept
                .iter()
                .map(|(fields, unique, name)| {
                    name.is_none()
                        .then(|| names::index(&table, &columns(&m, fields), *unique))
                })
                .collect();
            for (i, (fields, unique, _)) in kept.iter().enumerate() {
                let Some(plain) = &usual[i] else { continue };
                let key = plain.to_ascii_lowercase();
                let clash = taken.contains(&key)
                    || usual.iter().enumerate().any(|(j, u)| {
                        j != i && u.as_ref().map(|u| u.to_ascii_lowercase()) == Some(key.clone())
                    });
                let name = if clash {
                    disambiguated += 1;
                    names::index_disambiguated(&table, &columns(&m, fields), *unique)
                } else {
                    plain.clone()
                };
                taken.push(name.to_ascii_lowercase());
                m.indexes
                    .push(IndexState::new(name, fields.clone(), *unique));
            }
            m.normalize();
            m
        })
        .collect();
    (models, disambiguated)
}

/// Every name `backend` would create for `state`, as `(table, namespace, name)` (`table` is
/// empty for a namespace that spans the database; `relation` is PostgreSQL's and SQLite's
/// namespace of tables, indexes and sequences): what the backend's own `expected_schema`
/// derives, compared ignoring case.
fn backend_names(state: &ProjectState, backend: Backend) -> Vec<(String, String, &'static str)> {
    let mut out = Vec::new();
    let schema: DbSchema = expected_schema(state, backend).unwrap();
    for t in schema.tables.values() {
        let table = t.name.clone();
        let db = String::new;
        match backend {
            Backend::Sqlite => {
                out.push((db(), t.name.clone(), "relation"));
                for i in &t.indexes {
                    out.push((db(), i.name.clone(), "relation"));
                }
                for c in t.unique_constraints.iter().chain(&t.checks) {
                    out.push((table.clone(), c.name.clone().unwrap(), "constraint"));
                }
            }
            Backend::Postgres => {
                out.push((db(), t.name.clone(), "relation"));
                for i in &t.indexes {
                    out.push((db(), i.name.clone(), "relation"));
                }
                for c in &t.unique_constraints {
                    out.push((db(), c.name.clone().unwrap(), "relation"));
                    out.push((table.clone(), c.name.clone().unwrap(), "constraint"));
                }
                for c in &t.checks {
                    out.push((table.clone(), c.name.clone().unwrap(), "constraint"));
                }
            }
            Backend::Mysql => {
                for i in &t.indexes {
                    out.push((table.clone(), i.name.clone(), "index"));
                }
                for c in &t.checks {
                    out.push((db(), c.name.clone().unwrap(), "check"));
                }
            }
        }
    }
    #[cfg(feature = "postgres")]
    if backend == Backend::Postgres {
        let (_, details) = migrator_core::backend::postgres::expected_schema(state).unwrap();
        for ((table, _), name) in details.foreign_key_names {
            out.push((table, name, "constraint"));
        }
        for (_, name) in details.identity_sequences {
            out.push((String::new(), name, "relation"));
        }
    }
    #[cfg(feature = "mysql")]
    if backend == Backend::Mysql {
        let (_, details) = migrator_core::backend::mysql::expected_schema(state).unwrap();
        for (_, name) in details.foreign_key_names {
            out.push((String::new(), name, "foreign key"));
        }
    }
    out
}

/// True when `actual` (a name a backend creates) is `full` or its shortening to the
/// backend's limit (the first bytes, `_` and 8 hex digits).
fn is_spelling_of(actual: &str, full: &str, backend: Backend) -> bool {
    if actual.eq_ignore_ascii_case(full) {
        return true;
    }
    let Some(max) = backend.features().max_identifier_length else {
        return false;
    };
    full.len() > max
        && actual.len() == max
        && full.as_bytes()[..max - 9].eq_ignore_ascii_case(&actual.as_bytes()[..max - 9])
}

/// The backends whose names this build can compute.
fn built() -> Vec<Backend> {
    migrator_core::backend::ALL
        .into_iter()
        .filter(|b| b.is_built())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        cases: 512,
        ..ProptestConfig::default()
    })]

    #[test]
    fn names_the_derive_gives_never_clash_on_any_backend(
        specs in proptest::collection::vec(model_spec(), 1..4)
    ) {
        let (models, _) = models(&specs);
        let mut state = ProjectState::new();
        for m in &models {
            state.insert(m.clone());
        }
        // Inside one model the derive's naming never clashes: only two models can meet.
        let clashes: Vec<NameClash> = state.name_clashes();
        for c in &clashes {
            prop_assert_ne!(&c.first.model, &c.second.model, "{}", c);
        }
        // Every name a backend creates is one core lists (so the registry sees it).
        let listed: Vec<_> = state
            .models
            .values()
            .flat_map(|m| m.db_objects(&state))
            .collect();
        let unique_tables = {
            let mut t: Vec<String> = models.iter().map(|m| m.table.to_ascii_lowercase()).collect();
            t.sort();
            t.windows(2).all(|w| w[0] != w[1])
        };
        if !unique_tables {
            // The registry refuses these first; the backends' schemas map tables by name.
            prop_assert!(registry(&models).is_err());
            return Ok(());
        }
        for backend in built() {
            for (_, name, _) in backend_names(&state, backend) {
                prop_assert!(
                    listed.iter().any(|o| is_spelling_of(&name, &o.name, backend)),
                    "{backend} creates `{name}`, which core does not list"
                );
            }
        }
        // What the registry accepts, no backend refuses.
        if registry(&models).is_err() {
            prop_assert!(!clashes.is_empty());
            return Ok(());
        }
        prop_assert!(clashes.is_empty());
        for backend in built() {
            let mut seen: BTreeMap<(String, &str, String), String> = BTreeMap::new();
            for (table, name, space) in backend_names(&state, backend) {
                let key = (table.clone(), space, name.to_ascii_lowercase());
                if let Some(first) = seen.insert(key, name.clone()) {
                    prop_assert!(
                        false,
                        "{backend}: `{name}` and `{first}` in one namespace ({space} {table})"
                    );
                }
            }
        }
    }
}

/// The property above is not vacuous: its random projects often need the disambiguated name,
/// are often accepted, and are often refused for two models' names.
#[test]
fn the_random_projects_exercise_every_branch() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = proptest::collection::vec(model_spec(), 1..4);
    let (mut accepted, mut refused, mut disambiguated) = (0, 0, 0);
    for _ in 0..512 {
        let specs = strategy.new_tree(&mut runner).unwrap().current();
        let (models, d) = models(&specs);
        disambiguated += usize::from(d > 0);
        match registry(&models) {
            Ok(()) => accepted += 1,
            Err(_) => refused += 1,
        }
    }
    assert!(
        accepted > 100 && refused > 50 && disambiguated > 25,
        "accepted {accepted}, refused {refused}, with a disambiguated name {disambiguated}"
    );
}
