//! What a migration file may not hold, refused before any of its SQL runs: verbatim SQL that
//! is more than one expression or type (issue 12.6: a check's text dropped a table on SQLite
//! and PostgreSQL), and index names the database already gives another object (issue 20.1:
//! `migrate` failed halfway).

use crate::conformance_support::*;
use migrator_core::backend::Backend;
use migrator_core::executor::Target;
use migrator_core::operations::{AddConstraint, AddIndex, RunSql};
use migrator_core::{
    ColumnType, ConstraintState, DefaultValue, FieldState, IndexState, Migration, ModelState,
    Operation,
};

/// Adds `ops` as the next step and migrates; the migration must be refused with an error
/// containing each of `expected`, leaving schema and recorder as they were. The step is then
/// dropped again.
fn refused(cx: &mut Ctx, label: &str, ops: Vec<Operation>, expected: &[&str]) {
    let backend = cx.backend;
    let schema = cx.introspect();
    let recorded = applied(cx.db.conn());
    let n = cx.migrations.len() + 1;
    let mut m = Migration::new(APP, Ctx::step_key(n).name);
    m.dependencies = vec![Ctx::step_key(n - 1)];
    m.operations = ops;
    cx.migrations.push(m);
    let graph = cx.graph();
    let err = run_migrate(cx.db.conn(), &graph, &Target::Latest)
        .map(|_| ())
        .expect_err(&format!("{backend}: {label} was applied"));
    let msg = err.to_string();
    for e in expected {
        assert!(msg.contains(e), "{backend}: {label}: `{e}` not in: {msg}");
    }
    assert_eq!(
        cx.introspect(),
        schema,
        "{backend}: {label} changed the schema"
    );
    assert_eq!(applied(cx.db.conn()), recorded, "{backend}: {label}");
    cx.migrations.pop();
}

/// A model `Shelf` (`shelves`) with an auto key and the given fields.
fn shelf(fields: Vec<FieldState>) -> ModelState {
    let mut m = ModelState::new(APP, "Shelf", "shelves");
    m.fields = vec![FieldState::new("id", ColumnType::BigInt)
        .primary_key()
        .auto_increment()];
    m.fields.extend(fields);
    m
}

/// Issue 12.6: a check's condition, an SQL default and a custom column type from a migration
/// file must each be one expression or type. Such text that would end the statement (here:
/// and drop `authors`) is refused while the SQL is computed, before anything runs; raw SQL
/// steps are statements on purpose and run as written.
pub(super) fn verbatim_sql_is_refused_before_anything_runs(backend: Backend) {
    let mut cx = seed(backend);
    let mut checked = shelf(vec![FieldState::new("pages", ColumnType::Integer)]);
    checked.constraints = vec![ConstraintState::check(
        "c",
        "1=1)); DROP TABLE authors; SELECT ((1",
    )];
    refused(
        &mut cx,
        "a check in CreateModel",
        vec![create(&checked)],
        &[
            "check constraint `c` of `library.Shelf` must be one SQL expression",
            "closes a parenthesis",
        ],
    );
    refused(
        &mut cx,
        "an added check",
        vec![Operation::AddConstraint(AddConstraint::new(
            "Book",
            ConstraintState::check("positive", "(rating > 0); DROP TABLE authors"),
        ))],
        &["check constraint `positive` of `library.Book`", "`;`"],
    );
    refused(
        &mut cx,
        "an SQL default in AddField",
        vec![add(
            "Book",
            FieldState::new("copies", ColumnType::Integer).default(DefaultValue::Sql(
                "0); DROP TABLE authors; SELECT (0".into(),
            )),
        )],
        // Refused on replay, before any SQL is computed.
        &[
            "the SQL default of field `copies` of `library.Book` must be one SQL expression",
            "closes a parenthesis",
        ],
    );
    refused(
        &mut cx,
        "an SQL default in CreateModel",
        vec![create(&shelf(vec![FieldState::new(
            "made",
            ColumnType::Integer,
        )
        .default(DefaultValue::Sql("0 -- the rest".into()))]))],
        &["the SQL default of field `made`", "comment"],
    );
    refused(
        &mut cx,
        "a custom column type",
        vec![create(&shelf(vec![FieldState::new(
            "label",
            ColumnType::Custom("TEXT, evil TEXT".into()),
        )]))],
        &["the column type of field `label`", "one column type"],
    );
    let rows = cx.rows("authors", &["id", "bio"], "id");
    cx.migrate_ops(vec![Operation::RunSql(RunSql::new(
        vec!["UPDATE authors SET bio = 'a; -- b' WHERE id = 1 -- raw SQL may say anything".into()],
        Some(vec!["UPDATE authors SET bio = NULL WHERE id = 1".into()]),
    ))]);
    assert_ne!(cx.rows("authors", &["id", "bio"], "id"), rows, "{backend}");
}

/// Issue 20.1: an index named like the index behind a field (the foreign key's own index,
/// `unique`), on alter and on create, or like another model's index, is refused before
/// anything runs, naming both. The derive's disambiguated name for `index(fields = ["a",
/// "b"])` next to a field `a_b` with its own index creates both indexes on every backend.
pub(super) fn clashing_index_names_are_refused_before_anything_runs(backend: Backend) {
    let mut cx = seed(backend);
    refused(
        &mut cx,
        "an index named like the foreign key's",
        vec![Operation::AddIndex(AddIndex::new(
            "Book",
            IndexState::new("books_author_id_idx", ["author"], false),
        ))],
        &["index `books_author_id_idx`", "the index of field `author`"],
    );
    refused(
        &mut cx,
        "a unique index named like a unique field's",
        vec![Operation::AddIndex(AddIndex::new(
            "Author",
            IndexState::new("authors_name_uniq", ["name"], true),
        ))],
        &[
            "index `authors_name_uniq`",
            "the unique index of field `name`",
        ],
    );
    let mut with_index = shelf(vec![
        FieldState::new("code", ColumnType::Varchar(20)).unique()
    ]);
    with_index.indexes = vec![IndexState::new("shelves_code_uniq", ["code"], true)];
    refused(
        &mut cx,
        "a created model's index named like its unique field's",
        vec![create(&with_index)],
        &["index `shelves_code_uniq` of `library.Shelf`"],
    );
    refused(
        &mut cx,
        "an index named like another model's",
        vec![Operation::AddIndex(AddIndex::new(
            "Author",
            IndexState::new("books_author_id_idx", ["name"], false),
        ))],
        &["`library.Book`", "one namespace per schema"],
    );

    let disambiguated =
        migrator_descriptor::names::index_disambiguated("shelves", &["a", "b"], false);
    let mut pair = shelf(vec![
        FieldState::new("a", ColumnType::Integer),
        FieldState::new("b", ColumnType::Integer),
        FieldState::new("a_b", ColumnType::Integer).index(),
    ]);
    pair.indexes = vec![IndexState::new(disambiguated.clone(), ["a", "b"], false)];
    cx.migrate_ops(vec![create(&pair)]);
    let table = &cx.introspect().tables["shelves"];
    let names: Vec<&str> = table.indexes.iter().map(|i| i.name.as_str()).collect();
    assert!(
        names.contains(&"shelves_a_b_idx") && names.contains(&disambiguated.as_str()),
        "{backend}: {names:?}"
    );
}
