//! The safety classification (`migrator_core::safety`), per operation kind and backend: each
//! case is one operation on a model whose table holds rows, and the kinds of hazard it must
//! (and must not) carry on SQLite, PostgreSQL and MySQL/MariaDB — data loss, rewrite/lock,
//! may fail on existing rows, backward-incompatible, review. Then the data-loss
//! acknowledgement: its digest covers the destructive operations only (not their order among
//! the others, not the file's formatting), an edit of what is destroyed makes it stale,
//! removing it makes the data loss unacknowledged, and the checksum covers it only when it is
//! there (older migrations keep their checksums). Pure: no database.

use std::collections::BTreeSet;

use migrator_core::backend::{Backend, ALL};
use migrator_core::migration::prelude::*;
use migrator_core::recorder;
use migrator_core::safety::{
    ack_status, classify_migration, classify_operation, data_loss_digest, AckStatus, HazardKind,
};
use migrator_core::{ModelState, ProjectState};

const APP: &str = "library";

fn before() -> ProjectState {
    let mut author = ModelState::new(APP, "Author", "authors");
    author.fields = vec![
        field("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        field("name", ColumnType::Varchar(100)),
    ];
    let mut book = ModelState::new(APP, "Book", "books");
    book.fields = vec![
        field("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        field("title", ColumnType::Varchar(200)).index(),
        field("code", ColumnType::Varchar(50)),
        field("pages", ColumnType::Integer),
        field("note", ColumnType::Text).nullable(),
        field("status", ColumnType::Varchar(20)).default(DefaultValue::Text("draft".into())),
        field("author_id", ColumnType::BigInt).nullable(),
    ];
    book.indexes = vec![index("books_pages_idx", ["pages"])];
    book.constraints = vec![check_constraint("books_pages_pos", "pages >= 0")];
    let mut state = ProjectState::new();
    state.insert(author);
    state.insert(book);
    state
}

/// The hazard codes `op` carries on `backend`, run forwards on [`before`].
fn kinds(op: &Operation, backend: Backend) -> BTreeSet<&'static str> {
    let before = before();
    let mut after = before.clone();
    op.state_forwards(APP, &mut after)
        .unwrap_or_else(|e| panic!("{}: {e}", op.describe()));
    classify_operation(APP, op, &before, &after, false, &ALL)
        .into_iter()
        .filter(|h| h.backends.is_empty() || h.backends.contains(&backend))
        .map(|h| h.kind.code())
        .collect()
}

/// `[sqlite, postgres, mysql]` expected codes per case.
struct Case {
    op: Operation,
    expected: [&'static [&'static str]; 3],
}

fn case(op: impl Into<Operation>, expected: [&'static [&'static str]; 3]) -> Case {
    Case {
        op: op.into(),
        expected,
    }
}

const LOSS: &str = "data_loss";
const LOCK: &str = "rewrite_lock";
const FAIL: &str = "may_fail";
const INCOMPAT: &str = "incompatible";
const REVIEW: &str = "review";

fn noop(_: &mut DbConnection) -> Result<(), BoxError> {
    Ok(())
}

fn cases() -> Vec<Case> {
    vec![
        // Models.
        case(
            create_model("Tag", "tags").field(field("id", ColumnType::BigInt).primary_key()),
            [&[], &[], &[]],
        ),
        case(
            delete_model("Author"),
            [&[LOSS, INCOMPAT], &[LOSS, INCOMPAT], &[LOSS, INCOMPAT]],
        ),
        case(rename_model("Author", "Writer"), [&[], &[], &[]]),
        case(
            alter_model_table("Author", "writers"),
            [&[INCOMPAT], &[INCOMPAT], &[INCOMPAT]],
        ),
        case(
            alter_model_comment("Author", Some("People.")),
            [&[], &[], &[]],
        ),
        // Generated columns: computed, so no value is needed; a stored one rewrites the
        // table on PostgreSQL and copies it on MySQL, and SQLite rebuilds to add it. A
        // virtual one is added in place (SQLite, MySQL).
        case(
            add_field(
                "Book",
                field("pages2", ColumnType::Integer).generated_stored("pages * 2"),
            ),
            [&[LOCK], &[LOCK], &[LOCK]],
        ),
        case(
            add_field(
                "Book",
                field("pages3", ColumnType::Integer).generated_virtual("pages * 3"),
            ),
            [&[], &[LOCK], &[]],
        ),
        // A new expression: dropped and added again.
        case(
            alter_field(
                "Book",
                field("pages", ColumnType::Integer).generated_stored("length(code)"),
            ),
            [
                &[LOSS, LOCK, INCOMPAT],
                &[LOSS, LOCK, INCOMPAT],
                &[LOSS, LOCK, INCOMPAT],
            ],
        ),
        // Fields: adding.
        case(
            add_field("Book", field("isbn", ColumnType::Varchar(13)).nullable()),
            [&[], &[], &[]],
        ),
        case(
            add_field("Book", field("isbn", ColumnType::Varchar(13))),
            // SQLite cannot add a NOT NULL column without a default in place: it rebuilds.
            [
                &[FAIL, LOCK, INCOMPAT],
                &[FAIL, INCOMPAT],
                &[FAIL, INCOMPAT],
            ],
        ),
        case(
            add_field(
                "Book",
                field("isbn", ColumnType::Varchar(13)).default(DefaultValue::Text("?".into())),
            )
            .preserve_default(false),
            [&[LOCK, INCOMPAT], &[INCOMPAT], &[INCOMPAT]],
        ),
        case(
            add_field(
                "Book",
                field("rank", ColumnType::Integer)
                    .default(DefaultValue::Int(0))
                    .unique(),
            ),
            // SQLite adds the column, then builds its unique index.
            [&[FAIL, LOCK], &[FAIL, LOCK], &[FAIL]],
        ),
        case(
            add_field(
                "Book",
                field("editor_id", ColumnType::BigInt)
                    .nullable()
                    .foreign_key(ForeignKey::new(APP, "Author", OnDelete::SetNull)),
            ),
            [&[], &[], &[LOCK]],
        ),
        // Fields: removing (SQLite drops an indexed column's index first, then the column).
        case(
            remove_field("Book", "note"),
            [&[LOSS, INCOMPAT], &[LOSS, INCOMPAT], &[LOSS, INCOMPAT]],
        ),
        case(
            remove_field("Book", "title"),
            [&[LOSS, INCOMPAT], &[LOSS, INCOMPAT], &[LOSS, INCOMPAT]],
        ),
        // Fields: altering.
        case(
            alter_field("Book", field("code", ColumnType::Varchar(20))),
            [&[LOSS, LOCK], &[LOSS, LOCK], &[LOSS, LOCK]],
        ),
        case(
            alter_field("Book", field("code", ColumnType::Varchar(60))),
            [&[LOCK], &[], &[]],
        ),
        case(
            alter_field("Book", field("code", ColumnType::Varchar(100))),
            // 50 → 100 characters crosses MySQL's one-byte length prefix: COPY.
            [&[LOCK], &[], &[LOCK]],
        ),
        case(
            alter_field("Book", field("pages", ColumnType::BigInt)),
            [&[LOCK], &[LOCK], &[LOCK]],
        ),
        case(
            alter_field("Book", field("pages", ColumnType::SmallInt)),
            [&[LOSS, LOCK], &[LOSS, LOCK], &[LOSS, LOCK]],
        ),
        case(
            alter_field("Book", field("status", ColumnType::Varchar(20))),
            [&[LOSS, LOCK], &[LOSS], &[LOSS]],
        ),
        case(
            alter_field("Book", field("note", ColumnType::Text)),
            [
                &[LOCK, FAIL, INCOMPAT],
                &[LOCK, FAIL, INCOMPAT],
                &[LOCK, FAIL, INCOMPAT],
            ],
        ),
        case(
            alter_field(
                "Book",
                field("note", ColumnType::Text).default(DefaultValue::Text(String::new())),
            ),
            [&[LOCK], &[LOCK], &[LOCK]],
        ),
        case(
            alter_field("Book", field("code", ColumnType::Varchar(50)).unique()),
            [&[LOCK, FAIL], &[LOCK, FAIL], &[FAIL]],
        ),
        case(
            alter_field(
                "Book",
                field("author_id", ColumnType::BigInt)
                    .nullable()
                    .foreign_key(ForeignKey::new(APP, "Author", OnDelete::Cascade)),
            ),
            [&[LOCK, FAIL], &[LOCK, FAIL], &[LOCK, FAIL]],
        ),
        case(
            rename_field("Book", "code", "sku"),
            [&[INCOMPAT], &[INCOMPAT], &[INCOMPAT]],
        ),
        case(
            rename_field_keep_column("Book", "code", "sku"),
            [&[], &[], &[]],
        ),
        // Indexes and constraints.
        case(
            add_index("Book", index("books_code_idx", ["code"])),
            [&[LOCK], &[LOCK], &[]],
        ),
        case(
            add_index("Book", index("books_code_idx", ["code"])).concurrently(),
            [&[LOCK], &[], &[]],
        ),
        case(
            add_index("Book", unique_index("books_code_uniq", ["code"])),
            [&[LOCK, FAIL], &[LOCK, FAIL], &[FAIL]],
        ),
        case(remove_index("Book", "books_pages_idx"), [&[], &[], &[]]),
        case(
            rename_index("Book", "books_pages_idx", "books_pages_ix"),
            // SQLite has no ALTER INDEX … RENAME: it drops the index and builds it again.
            [&[LOCK], &[], &[]],
        ),
        case(
            add_constraint(
                "Book",
                check_constraint("books_code_len", "length(code) > 0"),
            ),
            [&[LOCK, FAIL], &[LOCK, FAIL], &[LOCK, FAIL]],
        ),
        case(
            add_constraint(
                "Book",
                unique_constraint("books_code_title_uniq", ["code", "title"]),
            ),
            [&[LOCK, FAIL], &[LOCK, FAIL], &[FAIL]],
        ),
        case(
            remove_constraint("Book", "books_pages_pos"),
            [&[LOCK], &[], &[]],
        ),
        // Code written by hand.
        case(
            run_sql(["UPDATE books SET note = NULL"]).reverse_noop(),
            [&[REVIEW], &[REVIEW], &[REVIEW]],
        ),
        case(
            run_rust("noop", noop).backward(noop),
            [&[REVIEW], &[REVIEW], &[REVIEW]],
        ),
        // SeparateDatabaseAndState: always a review; its database half is classified like
        // the operations it holds (dropping a column loses data), its state half runs nothing.
        case(
            separate_database_and_state().state_operation(remove_field("Book", "note")),
            [&[REVIEW], &[REVIEW], &[REVIEW]],
        ),
        case(
            separate_database_and_state().database_operation(remove_field("Book", "note")),
            [
                &[REVIEW, LOSS, INCOMPAT],
                &[REVIEW, LOSS, INCOMPAT],
                &[REVIEW, LOSS, INCOMPAT],
            ],
        ),
    ]
}

#[test]
fn every_operation_kind_is_classified_per_backend() {
    let mut failures = Vec::new();
    let backends = [Backend::Sqlite, Backend::Postgres, Backend::Mysql];
    for c in cases() {
        for (backend, expected) in backends.iter().zip(c.expected) {
            let got = kinds(&c.op, *backend);
            let want: BTreeSet<&str> = expected.iter().copied().collect();
            if got != want {
                failures.push(format!(
                    "{} on {backend}: got {got:?}, expected {want:?}",
                    c.op.describe()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn findings_name_the_table_and_column_and_the_backends() {
    let before = before();
    let op: Operation = alter_field("Book", field("code", ColumnType::Varchar(20))).into();
    let mut after = before.clone();
    op.state_forwards(APP, &mut after).unwrap();
    let hazards = classify_operation(APP, &op, &before, &after, false, &ALL);
    let text: Vec<String> = hazards.iter().map(ToString::to_string).collect();
    assert_eq!(
        text[0],
        "data loss: narrows books.code from VARCHAR(50) to VARCHAR(20): values that do not fit \
         are cut or make the migration fail"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("rewrite/lock (SQLite): rebuilds table books")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|t| t.starts_with(
            "rewrite/lock (PostgreSQL): changing the type of books.code from VARCHAR(50) to \
             VARCHAR(20) rewrites the whole table"
        )),
        "{text:?}"
    );
    assert!(
        text.iter().any(
            |t| t.starts_with("rewrite/lock (MySQL): changing the type of books.code")
                && t.contains("ALGORITHM=COPY")
        ),
        "{text:?}"
    );
}

#[test]
fn backwards_is_classified_in_its_own_direction() {
    // Unapplying an AddField drops the column.
    let op: Operation = add_field("Book", field("isbn", ColumnType::Varchar(13)).nullable()).into();
    let before = before();
    let mut after = before.clone();
    op.state_forwards(APP, &mut after).unwrap();
    let back = classify_operation(APP, &op, &before, &after, true, &[Backend::Postgres]);
    assert_eq!(back[0].kind, HazardKind::DataLoss, "{back:?}");
    assert!(back[0].message.contains("drops column books.isbn"));
    assert!(classify_operation(APP, &op, &before, &after, false, &[Backend::Postgres]).is_empty());
}

fn destructive() -> Migration {
    Migration::new(APP, "0002_cleanup")
        .operation(add_field(
            "Book",
            field("isbn", ColumnType::Varchar(13)).nullable(),
        ))
        .operation(remove_field("Book", "note"))
        .operation(alter_field("Book", field("code", ColumnType::Varchar(20))))
}

#[test]
fn the_acknowledgement_covers_exactly_the_destructive_operations() {
    let before = before();
    let m = destructive();
    let classified = classify_migration(&m, &before, &ALL);
    let digest = data_loss_digest(&m, &classified).expect("it loses data");
    assert_eq!(digest.len(), 16);
    assert!(matches!(ack_status(&m, &classified), AckStatus::Missing { digest: d } if d == digest));

    let acked = m
        .clone()
        .acknowledge_data_loss(digest.clone(), "the column is unused");
    assert_eq!(
        ack_status(&acked, &classify_migration(&acked, &before, &ALL)),
        AckStatus::Acknowledged {
            reason: "the column is unused".into()
        }
    );
    assert!(!ack_status(&acked, &classified).fails());

    // A non-destructive operation added or moved does not change what is destroyed.
    let reordered = Migration::new(APP, "0002_cleanup")
        .operation(remove_field("Book", "note"))
        .operation(alter_field("Book", field("code", ColumnType::Varchar(20))))
        .operation(add_field(
            "Book",
            field("isbn", ColumnType::Varchar(13)).nullable(),
        ))
        .operation(add_field(
            "Book",
            field("blurb", ColumnType::Text).nullable(),
        ));
    let c = classify_migration(&reordered, &before, &ALL);
    assert_eq!(
        data_loss_digest(&reordered, &c).as_deref(),
        Some(digest.as_str())
    );

    // Destroying something else makes the acknowledgement stale.
    let edited = Migration::new(APP, "0002_cleanup")
        .operation(remove_field("Book", "author_id"))
        .operation(alter_field("Book", field("code", ColumnType::Varchar(20))))
        .acknowledge_data_loss(digest.clone(), "the column is unused");
    let status = ack_status(&edited, &classify_migration(&edited, &before, &ALL));
    assert!(matches!(&status, AckStatus::Stale { acknowledged, .. } if *acknowledged == digest));
    assert!(status.fails());

    // Nothing destructive left: the acknowledgement is reported, not failed.
    let harmless = Migration::new(APP, "0002_cleanup")
        .operation(add_field(
            "Book",
            field("isbn", ColumnType::Varchar(13)).nullable(),
        ))
        .acknowledge_data_loss(digest, "old");
    let status = ack_status(&harmless, &classify_migration(&harmless, &before, &ALL));
    assert_eq!(status.code(), "unneeded");
    assert!(!status.fails());
}

#[test]
fn the_checksum_covers_the_acknowledgement_only_when_present() {
    let m = destructive().named(APP, "0002_cleanup");
    let plain = recorder::checksum(&m);
    // Without an acknowledgement the canonical text is what it always was.
    assert!(!recorder::canonical_text(&m).contains("data_loss_ack"));
    let acked = m.clone().acknowledge_data_loss("0123456789abcdef", "why");
    let with = recorder::checksum(&acked);
    assert_ne!(plain, with, "adding an acknowledgement is an edit");
    let other_reason = m.acknowledge_data_loss("0123456789abcdef", "another reason");
    assert_ne!(with, recorder::checksum(&other_reason));
}

#[test]
fn the_writer_spells_the_acknowledgement() {
    let m = destructive().acknowledge_data_loss("0123456789abcdef", "the column is \"unused\"");
    let source = migrator_core::writer::render(&m);
    assert!(
        source.contains(
            ".acknowledge_data_loss(\"0123456789abcdef\", r#\"the column is \"unused\"\"#)"
        ),
        "{source}"
    );
}

/// A field joining a primary key cannot fail on rows (the key grows); one leaving it can,
/// when the rest of the key repeats: the autodetector lets fields join first.
#[test]
fn a_field_leaving_a_primary_key_may_fail_and_one_joining_it_does_not() {
    let mut line = ModelState::new(APP, "Line", "lines");
    line.fields = vec![
        field("order_id", ColumnType::BigInt).primary_key(),
        field("line_no", ColumnType::Integer).primary_key(),
        field("sku", ColumnType::Varchar(20)),
    ];
    let mut state = ProjectState::new();
    state.insert(line);
    let classify = |op: Operation, state: &mut ProjectState| {
        let before = state.clone();
        op.state_forwards(APP, state).unwrap();
        classify_operation(APP, &op, &before, state, false, &ALL)
    };
    let joins = alter_field("Line", field("sku", ColumnType::Varchar(20)).primary_key());
    let hazards = classify(joins.into(), &mut state);
    assert!(
        !hazards.iter().any(|h| h.kind == HazardKind::MayFail),
        "{hazards:#?}"
    );
    let leaves = alter_field("Line", field("line_no", ColumnType::Integer));
    let hazards = classify(leaves.into(), &mut state);
    assert!(
        hazards.iter().any(|h| h.kind == HazardKind::MayFail
            && h.message.contains(
                "takes lines.line_no out of the primary key, which becomes (order_id, sku)"
            )),
        "{hazards:#?}"
    );
}

/// A multi-column foreign key added to a table with rows is classified as a field's foreign
/// key is: rows without a matching key make it fail everywhere, and it costs a rebuild on
/// SQLite, a validating scan under locks on PostgreSQL and a table copy on MySQL/MariaDB.
#[test]
fn a_multi_column_foreign_key_may_fail_on_rows_like_a_fields() {
    let mut before = before();
    let mut line = ModelState::new(APP, "Line", "lines");
    line.fields = vec![
        field("book_id", ColumnType::BigInt).primary_key(),
        field("pages", ColumnType::Integer).primary_key(),
    ];
    before.insert(line);
    let op: Operation = add_constraint(
        "Book",
        foreign_key_constraint(
            "books_line_fk",
            ["id", "pages"],
            ForeignKey::new(APP, "Line", OnDelete::Cascade),
        ),
    );
    let mut after = before.clone();
    op.state_forwards(APP, &mut after).unwrap();
    let hazards = classify_operation(APP, &op, &before, &after, false, &ALL);
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::Mysql] {
        let got: BTreeSet<&str> = hazards
            .iter()
            .filter(|h| h.backends.is_empty() || h.backends.contains(&backend))
            .map(|h| h.kind.code())
            .collect();
        assert_eq!(got, BTreeSet::from([LOCK, FAIL]), "{backend}: {hazards:#?}");
    }
    let fail = hazards
        .iter()
        .find(|h| h.kind == HazardKind::MayFail)
        .unwrap();
    assert!(
        fail.message
            .contains("adds foreign key books_line_fk on books (id, pages) to library.Line"),
        "{}",
        fail.message
    );
}

/// What `op` of a classified migration says about SQLite's rebuilds.
fn rebuild_findings(found: &migrator_core::safety::OperationHazards) -> Vec<String> {
    found
        .hazards
        .iter()
        .filter(|h| h.kind == HazardKind::RewriteLock && h.backends.contains(&Backend::Sqlite))
        .map(|h| h.message.clone())
        .filter(|m| m.starts_with("rebuilds table"))
        .collect()
}

#[test]
fn a_folded_sqlite_migration_reports_one_rebuild_per_table_naming_its_operations() {
    // Two changes to books that each rebuild it alone, with a change to authors between
    // them: SQLite's fold (as `migrate` and `sqlmigrate` run it) rebuilds books once, at the
    // second change.
    let m = Migration::new(APP, "0002_changes")
        .operation(alter_field("Book", field("code", ColumnType::Varchar(20))))
        .operation(add_field(
            "Author",
            field("bio", ColumnType::Text).nullable(),
        ))
        .operation(alter_field("Book", field("pages", ColumnType::BigInt)));
    for backends in [&[Backend::Sqlite][..], &ALL[..]] {
        let found = classify_migration(&m, &before(), backends);
        assert_eq!(found.len(), 3);
        assert_eq!(
            rebuild_findings(&found[0]),
            Vec::<String>::new(),
            "{found:#?}"
        );
        assert_eq!(
            rebuild_findings(&found[1]),
            Vec::<String>::new(),
            "{found:#?}"
        );
        assert_eq!(
            rebuild_findings(&found[2]),
            [
                "rebuilds table books once for operations 1 (Alter field code on book), 3 (Alter \
              field pages on book) of this migration (folded into one rebuild): every row is \
              copied into a new table while the database is locked for writes"
            ],
            "{found:#?}"
        );
        // The first change keeps what the servers do for it.
        if backends.len() == ALL.len() {
            assert!(
                found[0]
                    .hazards
                    .iter()
                    .any(|h| h.kind == HazardKind::RewriteLock
                        && h.backends.contains(&Backend::Postgres)),
                "{found:#?}"
            );
        }
    }
    // A migration that does not run in one transaction is not folded: each change rebuilds.
    let one_by_one = m.clone().atomic(false);
    let found = classify_migration(&one_by_one, &before(), &[Backend::Sqlite]);
    for i in [0, 2] {
        let texts = rebuild_findings(&found[i]);
        assert!(
            texts.len() == 1 && texts[0].starts_with("rebuilds table books: every row"),
            "{found:#?}"
        );
    }
}

/// `migrate --plan` classifies each step of a rollback from its migration's ancestors. The
/// whole plan at once — which starts a migration from its single dependency's end state
/// instead of replaying the history again for each step — says exactly what each step says
/// alone, across apps, a migration with two dependencies and one whose parent has two
/// children.
#[test]
fn a_rollback_plan_classifies_each_step_as_it_would_alone() {
    use migrator_core::graph::MigrationGraph;
    use migrator_core::safety::classify_plan;
    let id = || {
        field("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment()
    };
    let author_fk = ForeignKey::new("a", "Author", OnDelete::Cascade);
    let migrations = vec![
        Migration::new("a", "0001_initial").operation(
            create_model("Author", "a_author")
                .field(id())
                .field(field("name", ColumnType::Varchar(100))),
        ),
        Migration::new("a", "0002_bio")
            .dependency("a", "0001_initial")
            .operation(add_field(
                "Author",
                field("bio", ColumnType::Text).nullable(),
            )),
        Migration::new("b", "0001_initial")
            .dependency("a", "0002_bio")
            .operation(
                create_model("Book", "b_book")
                    .field(id())
                    .field(field("author_id", ColumnType::BigInt).foreign_key(author_fk)),
            ),
        Migration::new("a", "0003_drop_bio")
            .dependency("a", "0002_bio")
            .operation(remove_field("Author", "bio")),
        Migration::new("b", "0002_note")
            .dependency("b", "0001_initial")
            .dependency("a", "0003_drop_bio")
            .operation(add_field(
                "Book",
                field("note", ColumnType::Text).nullable(),
            ))
            .operation(rename_field("Book", "note", "remark")),
        Migration::new("a", "0004_rename")
            .dependency("a", "0003_drop_bio")
            .operation(rename_field("Author", "name", "full_name")),
    ];
    let graph = MigrationGraph::new(migrations).unwrap();
    let applied: BTreeSet<MigrationKey> = graph.full_plan().into_iter().collect();
    let steps: Vec<(MigrationKey, bool)> = graph
        .full_plan()
        .into_iter()
        .rev()
        .map(|k| (k, true))
        .collect();
    for backend in ALL {
        let whole = classify_plan(&graph, &applied, &steps, backend).unwrap();
        let alone: Vec<_> = steps
            .iter()
            .map(|s| {
                classify_plan(&graph, &applied, std::slice::from_ref(s), backend)
                    .unwrap()
                    .remove(0)
            })
            .collect();
        assert_eq!(whole, alone, "{backend}");
        assert_eq!(whole.len(), 6);
        assert!(whole.iter().all(|ops| !ops.is_empty()), "{whole:?}");
    }
}
