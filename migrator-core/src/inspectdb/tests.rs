//! Unit tests of `inspectdb`, without a database: live schemas built by hand the way each
//! backend's reader reports them (normalized types and defaults in [`DbSchema`], declared
//! spellings and raw SQL in the details), then the generated source compared as text and the
//! flags as sentences. The PostgreSQL and MySQL cases are in `server_tests.rs` (they need
//! their cargo features: the trial runs their schema editors).

use std::collections::BTreeMap;

use super::*;
use crate::db_schema::{
    field_index_name, ColumnDetails, ColumnSchema, ForeignKeyDetails, ForeignKeySchema, IndexDef,
    NamedConstraint, OtherObject, TableDetails, TableSchema,
};

/// A table as a reader reports it.
pub(super) struct Table {
    pub(super) schema: TableSchema,
    pub(super) details: TableDetails,
}

impl Table {
    pub(super) fn new(name: &str) -> Self {
        Self {
            schema: TableSchema {
                name: name.into(),
                ..TableSchema::default()
            },
            details: TableDetails::default(),
        }
    }

    /// A NOT NULL column: its normalized type (`DbSchema`) and declared spelling.
    pub(super) fn col(self, name: &str, type_name: &str, declared: &str) -> Self {
        self.col_with(name, type_name, declared, |_, _| {})
    }

    pub(super) fn col_with(
        mut self,
        name: &str,
        type_name: &str,
        declared: &str,
        f: impl FnOnce(&mut ColumnSchema, &mut ColumnDetails),
    ) -> Self {
        let mut c = ColumnSchema {
            name: name.into(),
            type_name: type_name.into(),
            nullable: false,
            default: None,
            primary_key: false,
            auto_increment: false,
            generated: None,
            generated_sql: None,
        };
        let mut d = ColumnDetails {
            name: name.into(),
            declared_type: declared.into(),
            ..ColumnDetails::default()
        };
        f(&mut c, &mut d);
        self.schema.columns.push(c);
        self.schema.columns.sort_by(|a, b| a.name.cmp(&b.name));
        self.details.columns.push(d);
        self
    }

    pub(super) fn pk(mut self, columns: &[&str]) -> Self {
        self.schema.primary_key = columns.iter().map(|c| c.to_string()).collect();
        for c in &mut self.schema.columns {
            c.primary_key = columns.contains(&c.name.as_str());
        }
        self
    }

    pub(super) fn index(mut self, name: &str, columns: &[&str], unique: bool) -> Self {
        self.schema.indexes.push(IndexDef {
            name: name.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            expressions: Vec::new(),
            unique,
            condition: None,
            nulls_distinct: true,
            method: None,
            include: Vec::new(),
        });
        self.schema.indexes.sort();
        self
    }

    pub(super) fn unusual(mut self, index: &str, why: &str, definition: &str) -> Self {
        self.details
            .unusual_indexes
            .insert(index.into(), why.into());
        self.details
            .index_definitions
            .insert(index.into(), definition.into());
        self
    }

    pub(super) fn unique(mut self, name: Option<&str>, columns: &[&str]) -> Self {
        self.schema.unique_constraints.push(NamedConstraint {
            name: name.map(Into::into),
            body: columns.iter().map(|c| c.to_string()).collect(),
        });
        self
    }

    /// A check: as the reader compares it (`body`) and as the database prints it (`raw`).
    pub(super) fn check(mut self, name: Option<&str>, body: &str, raw: &str) -> Self {
        self.schema.checks.push(NamedConstraint {
            name: name.map(Into::into),
            body: vec![body.into()],
        });
        self.schema.checks.sort();
        if let Some(n) = name {
            self.details.checks.insert(n.into(), raw.into());
        }
        self
    }

    pub(super) fn fk(
        mut self,
        column: &str,
        table: &str,
        to: &str,
        on_delete: &str,
        name: Option<&str>,
    ) -> Self {
        self.schema.foreign_keys.push(ForeignKeySchema {
            column: column.into(),
            table: table.into(),
            to_column: to.into(),
            on_delete: on_delete.into(),
        });
        self.schema.foreign_keys.sort();
        self.details.foreign_keys.push(ForeignKeyDetails {
            name: name.map(Into::into),
            columns: vec![column.into()],
            table: table.into(),
            to_columns: vec![to.into()],
            on_update: "NO ACTION".into(),
            deferrable: false,
        });
        self
    }

    /// A foreign key over several columns (`to` empty: `REFERENCES table` without columns,
    /// as SQLite reports it).
    pub(super) fn multi_fk(
        mut self,
        columns: &[&str],
        table: &str,
        to: &[&str],
        on_delete: &str,
        name: Option<&str>,
    ) -> Self {
        let list = |c: &[&str]| c.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        self.schema
            .multi_foreign_keys
            .push(crate::db_schema::MultiForeignKeySchema {
                columns: list(columns),
                name: name.map(Into::into),
                table: table.into(),
                to_columns: list(to),
                on_delete: on_delete.into(),
            });
        self.schema.multi_foreign_keys.sort();
        self.details.foreign_keys.push(ForeignKeyDetails {
            name: name.map(Into::into),
            columns: list(columns),
            table: table.into(),
            to_columns: list(to),
            on_update: "NO ACTION".into(),
            deferrable: false,
        });
        self.details.foreign_keys.sort();
        self
    }

    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
    pub(super) fn comment(mut self, comment: &str) -> Self {
        self.details.comment = Some(comment.into());
        self
    }
}

pub(super) fn live(tables: Vec<Table>) -> LiveSchema {
    let mut out = LiveSchema::default();
    for t in tables {
        out.details.insert(t.schema.name.clone(), t.details);
        out.schema.tables.insert(t.schema.name.clone(), t.schema);
    }
    out
}

pub(super) fn run(live: &LiveSchema, backend: Backend) -> Inspection {
    generate(live, backend, &Options::default()).expect("inspectdb runs")
}

/// The flags as `table.column: message` lines.
pub(super) fn flags(i: &Inspection) -> Vec<String> {
    i.flags.iter().map(ToString::to_string).collect()
}

/// The source after its header (which has no blank line).
pub(super) fn body(i: &Inspection) -> &str {
    let at = i.source.find("\n\n").map_or(0, |i| i + 2);
    &i.source[at..]
}

/// The SQLite library: authors and the books they wrote.
fn sqlite_library() -> LiveSchema {
    let authors = Table::new("authors")
        .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
        .col("name", "VARCHAR(100)", "VARCHAR(100)")
        .col_with("born", "DATE", "DATE", |c, _| c.nullable = true)
        .pk(&["id"]);
    let books = Table::new("books")
        .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
        .col("author_id", "INTEGER", "INTEGER")
        .col("title", "VARCHAR(200)", "VARCHAR(200)")
        .col_with("price", "DECIMAL(8, 2)", "DECIMAL(8, 2)", |c, d| {
            c.default = Some("9.99".into());
            d.default = c.default.clone();
        })
        .col_with("status", "VARCHAR(20)", "VARCHAR(20)", |c, d| {
            c.default = Some("'draft'".into());
            d.default = c.default.clone();
        })
        .col_with("active", "BOOLEAN", "BOOLEAN", |c, d| {
            c.default = Some("1".into());
            d.default = c.default.clone();
        })
        .col_with("added", "TIMESTAMP", "TIMESTAMP", |c, d| {
            c.default = Some("CURRENT_TIMESTAMP".into());
            d.default = c.default.clone();
        })
        .col_with("type", "TEXT", "TEXT", |c, _| c.nullable = true)
        .col_with("pageCount", "INTEGER", "INTEGER", |c, _| c.nullable = true)
        .pk(&["id"])
        .index("books_author_id_idx", &["author_id"], false)
        .index("books_author_title_uniq", &["author_id", "title"], true)
        .index("books_status_added", &["status", "added"], false)
        .check(Some("books_price_positive"), "price >= 0", "price >= 0")
        .fk("author_id", "authors", "id", "CASCADE", None);
    live(vec![authors, books])
}

#[test]
fn sqlite_source_is_exact() {
    let i = run(&sqlite_library(), Backend::Sqlite);
    assert_eq!(flags(&i), Vec::<String>::new());
    assert_eq!(
        i.source,
        r#"// Models for the tables of a SQLite database, written by `migrator inspectdb`.
//
// Each `// inspectdb:` comment marks what the models do not say exactly as the
// database has it: read them first. Then `migrator makemigrations` writes the initial
// migration, and `migrator migrate --fake-initial` records it as applied without
// touching the tables (see docs/coming-from-diesel.md in migrator's repository).
// The field types need these crates in the app's [dependencies]:
// chrono, rust_decimal.

use migrator_core::Model;

#[derive(Model)]
#[model(table = "authors")]
pub struct Authors {
    pub id: i32,
    #[model(max_length = 100)]
    pub name: String,
    pub born: Option<chrono::NaiveDate>,
}

#[derive(Model)]
#[model(
    table = "books",
    index(name = "books_author_title_uniq", fields = ["author_id", "title"], unique),
    index(name = "books_status_added", fields = ["status", "added"]),
    check(name = "books_price_positive", sql = "price >= 0")
)]
pub struct Books {
    pub id: i64,
    #[model(foreign_key = Authors, on_delete = "cascade")]
    pub author_id: i32,
    #[model(max_length = 200)]
    pub title: String,
    #[model(precision = 8, scale = 2, default = 9.99)]
    pub price: rust_decimal::Decimal,
    #[model(max_length = 20, default = "draft")]
    pub status: String,
    #[model(default = true)]
    pub active: bool,
    #[model(default_sql = "CURRENT_TIMESTAMP")]
    pub added: chrono::NaiveDateTime,
    pub r#type: Option<String>,
    #[model(column = "pageCount")]
    pub page_count: Option<i32>,
}
"#
    );
    assert_eq!(i.crates, ["chrono", "rust_decimal"]);
    let models: Vec<(&str, &str, bool)> = i
        .models
        .iter()
        .map(|m| (m.table.as_str(), m.name.as_str(), m.written))
        .collect();
    assert_eq!(
        models,
        [("authors", "Authors", true), ("books", "Books", true)]
    );
}

#[test]
fn output_is_deterministic() {
    let a = run(&sqlite_library(), Backend::Sqlite);
    let b = run(&sqlite_library(), Backend::Sqlite);
    assert_eq!(a, b);
}

#[test]
fn a_table_without_a_primary_key_is_written_commented_out_and_flagged() {
    let log = Table::new("log")
        .col_with("message", "TEXT", "TEXT", |c, _| c.nullable = true)
        .col("at", "TIMESTAMP", "TIMESTAMP");
    let i = run(&live(vec![log]), Backend::Sqlite);
    assert_eq!(
        flags(&i),
        ["log: the table has no primary key, and a model needs one: \
          add one (e.g. `ALTER TABLE … ADD COLUMN id … PRIMARY KEY`) and inspect it again"]
    );
    assert_eq!(
        body(&i),
        "// inspectdb: the table has no primary key, and a model needs one: add one (e.g. `ALTER TABLE …
//   ADD COLUMN id … PRIMARY KEY`) and inspect it again
// #[derive(Model)]
// #[model(table = \"log\")]
// pub struct Log {
//     pub message: Option<String>,
//     pub at: chrono::NaiveDateTime,
// }
"
    );
    assert!(
        !i.source.contains("use migrator_core::Model;"),
        "nothing uses it"
    );
    assert!(!i.models[0].written);
}

#[test]
fn a_composite_primary_key_is_declared_on_the_struct_and_a_foreign_key_to_it_is_flagged() {
    // The key is (b, a) but the table says a before b: the struct lists b first.
    let pairs = Table::new("pairs")
        .col("a", "INTEGER", "INTEGER")
        .col("b", "INTEGER", "INTEGER")
        .col("note", "TEXT", "TEXT")
        .pk(&["b", "a"])
        .index(&field_index_name("pairs", "a", false), &["a"], false);
    let notes = Table::new("notes")
        .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
        .col("pair_a", "INTEGER", "INTEGER")
        .pk(&["id"])
        .fk("pair_a", "pairs", "a", "NO ACTION", None);
    let i = run(&live(vec![notes, pairs]), Backend::Sqlite);
    assert_eq!(
        flags(&i),
        [
            "notes.pair_a: a foreign key pair_a → pairs(a) that is not declared: it points at \
             `pairs.a`, which is not the table's one primary-key column: a model's foreign key \
             points at a primary key",
            "pairs: the primary key's columns (b, a) are not in the table's column order; the \
             struct declares its key fields in the key's order (a model's key follows its \
             fields' order), which changes only the column order of a table migrator creates",
        ]
    );
    assert!(
        body(&i).contains(
            "#[derive(Model)]\n#[model(\n    table = \"pairs\",\n    primary_key(fields = \
             [\"b\", \"a\"]),\n    index(name = \"pairs_a_idx\", fields = [\"a\"])\n)]\n\
             pub struct Pairs {\n    pub b: i32,\n    pub a: i32,\n    pub note: String,\n}\n"
        ),
        "{}",
        i.source
    );
    assert!(i.source.contains("    pub pair_a: i32,\n"), "{}", i.source);
}

#[test]
fn expression_and_partial_indexes_are_flagged_not_declared() {
    let t = Table::new("books")
        .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
        .col("title", "TEXT", "TEXT")
        .pk(&["id"])
        .index("books_lower_title", &["<expression>"], false)
        .unusual(
            "books_lower_title",
            "an index on an expression",
            "CREATE INDEX books_lower_title ON books (lower(title))",
        )
        .index("books_recent", &["title"], false)
        .unusual(
            "books_recent",
            "a partial index (it has a WHERE clause)",
            "CREATE INDEX books_recent ON books (title) WHERE id > 100",
        );
    let i = run(&live(vec![t]), Backend::Sqlite);
    assert_eq!(
        flags(&i),
        [
            "books: the index `books_lower_title` (CREATE INDEX books_lower_title ON books \
             (lower(title))) is an index on an expression, which a model cannot declare: it \
             stays in the database, unknown to the models; to keep it on new databases, create \
             it in a `run_sql` migration",
            "books: the index `books_recent` (CREATE INDEX books_recent ON books (title) WHERE \
             id > 100) is a partial index (it has a WHERE clause), which a model cannot \
             declare: it stays in the database, unknown to the models; to keep it on new \
             databases, create it in a `run_sql` migration",
        ]
    );
    assert!(body(&i).contains("#[model(table = \"books\")]\npub struct Books {"));
    assert!(i
        .source
        .contains("// inspectdb: the index `books_lower_title`"));
}

#[test]
fn an_unknown_type_keeps_db_type_and_is_flagged() {
    let t = Table::new("events")
        .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
        .col_with("at", "DATETIME", "datetime", |c, d| {
            c.default = Some("CURRENT_TIMESTAMP".into());
            d.default = c.default.clone();
        })
        .col_with("misc", "", "", |c, _| c.nullable = true)
        .pk(&["id"]);
    let i = run(&live(vec![t]), Backend::Sqlite);
    assert_eq!(
        flags(&i),
        [
            "events.at: no column type of migrator's is spelled `datetime` on this database: the \
             field keeps the type with `db_type` (its Rust type is a guess for your own code)",
            "events.misc: the column has no declared type; the model says TEXT",
        ]
    );
    assert!(
        body(&i).contains(
            "    #[model(db_type = \"datetime\", default_sql = \"CURRENT_TIMESTAMP\")]\n    pub at: chrono::NaiveDateTime,\n"
        ),
        "{}",
        i.source
    );
    assert!(body(&i).contains("    pub misc: Option<String>,\n"));
    assert_eq!(i.crates, ["chrono"]);
}

#[test]
fn a_foreign_key_to_a_table_not_inspected_is_a_plain_flagged_column() {
    let mut managed = BTreeMap::new();
    managed.insert("users".to_owned(), "accounts::models::User".to_owned());
    let orders = Table::new("orders")
        .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
        .col("customer_id", "INTEGER", "INTEGER")
        .col("user_id", "BIGINT", "BIGINT")
        .pk(&["id"])
        .fk("customer_id", "customers", "id", "CASCADE", None)
        .fk("user_id", "users", "id", "CASCADE", None);
    let customers = Table::new("customers")
        .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
        .pk(&["id"]);
    let users = Table::new("users")
        .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
        .pk(&["id"]);
    let options = Options {
        tables: vec!["orders".into()],
        managed,
        ..Options::default()
    };
    let i = generate(
        &live(vec![orders, customers, users]),
        Backend::Sqlite,
        &options,
    )
    .unwrap();
    assert_eq!(
        flags(&i),
        [
            "orders.customer_id: a foreign key customer_id → customers(id) that is not declared: \
             it points at the table `customers`, which is not inspected: inspect it too \
             (`migrator inspectdb … customers`), or add `foreign_key = Model, on_delete = \"…\"` \
             by hand",
            "orders.user_id: a foreign key user_id → users(id) that is not declared: it points \
             at `users`, the table of the model `accounts::models::User`: add `foreign_key = \
             accounts::models::User, on_delete = \"…\"` by hand (a path to the model from this \
             crate)",
        ]
    );
    assert!(
        body(&i).contains("    pub customer_id: i32,\n"),
        "{}",
        i.source
    );
}

#[test]
fn a_foreign_key_whose_type_differs_from_its_targets_key_is_flagged() {
    let authors = Table::new("authors")
        .col("id", "BIGINT", "BIGINT")
        .pk(&["id"]);
    let books = Table::new("books")
        .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
        .col("author_id", "INTEGER", "INTEGER")
        .pk(&["id"])
        .fk("author_id", "authors", "id", "CASCADE", None);
    let i = run(&live(vec![authors, books]), Backend::Sqlite);
    assert_eq!(
        flags(&i),
        ["books.author_id: a foreign key to Authors that is not declared: the column is INTEGER \
          and `authors.id` is BIGINT, and a model's foreign key has its target's key type; make \
          the two columns the same type"]
    );
    assert!(
        body(&i).contains("    #[model(primary_key)]\n    pub id: i64,\n"),
        "{}",
        i.source
    );
}

#[test]
fn unique_constraints_become_unique_indexes_and_checks_get_names() {
    let t = Table::new("users")
        .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
        .col("email", "VARCHAR(200)", "VARCHAR(200)")
        .col("first", "TEXT", "TEXT")
        .col("last", "TEXT", "TEXT")
        .pk(&["id"])
        .unique(None, &["email"])
        .unique(Some("users_name"), &["first", "last"])
        .check(None, "length(first) > 0", "length(first) > 0");
    let i = run(&live(vec![t]), Backend::Sqlite);
    assert_eq!(
        flags(&i),
        [
            "users: the UNIQUE constraint (email) is declared as the field's `unique`: migrator \
             keeps uniqueness as unique indexes, so a later migration that drops or renames it \
             fails on this database; to adopt it exactly, replace the constraint by a unique \
             index `users_email_uniq` on the same columns",
            "users: the UNIQUE constraint `users_name` (first, last) is declared as the unique \
             index `users_name`: migrator keeps uniqueness as unique indexes, so a later \
             migration that drops or renames it fails on this database; to adopt it exactly, \
             replace the constraint by a unique index `users_name` on the same columns",
            "users: the CHECK (length(first) > 0) has no name: the model names it `users_check`",
        ]
    );
    assert!(
        body(&i).contains(
            "#[model(
    table = \"users\",
    index(name = \"users_name\", fields = [\"first\", \"last\"], unique),
    check(name = \"users_check\", sql = \"length(first) > 0\")
)]"
        ),
        "{}",
        i.source
    );
    assert!(body(&i).contains("    #[model(max_length = 200, unique)]\n    pub email: String,\n"));
}

#[test]
fn a_key_named_id_that_is_not_auto_increment_says_primary_key() {
    let t = Table::new("codes")
        .col("id", "INTEGER", "INTEGER")
        .col("label", "TEXT", "TEXT")
        .pk(&["id"]);
    let i = run(&live(vec![t]), Backend::Sqlite);
    assert!(
        body(&i).contains("    #[model(primary_key)]\n    pub id: i32,\n"),
        "{}",
        i.source
    );
    let t = Table::new("codes")
        .col("code", "VARCHAR(10)", "VARCHAR(10)")
        .pk(&["code"]);
    let i = run(&live(vec![t]), Backend::Sqlite);
    assert!(
        body(&i).contains("    #[model(primary_key, max_length = 10)]\n    pub code: String,\n"),
        "{}",
        i.source
    );
}

#[test]
fn other_tools_tables_managed_tables_views_and_triggers_are_noted() {
    let table = |name: &str| {
        Table::new(name)
            .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
            .pk(&["id"])
    };
    let mut l = live(vec![
        table("__diesel_schema_migrations"),
        table("polls_question"),
        table("polls_choice"),
    ]);
    l.other_objects.push(OtherObject {
        kind: "view".into(),
        name: "open_polls".into(),
        table: None,
    });
    let mut managed = BTreeMap::new();
    managed.insert(
        "polls_choice".to_owned(),
        "polls::models::Choice".to_owned(),
    );
    let options = Options {
        app: Some("polls".into()),
        managed,
        ..Options::default()
    };
    let i = generate(&l, Backend::Sqlite, &options).unwrap();
    assert_eq!(
        i.notes,
        [
            "left out `__diesel_schema_migrations`, diesel_migrations' record of applied \
             migrations: drop it once the project has moved to migrator (name it to inspect it \
             anyway)",
            "left out `polls_choice`, already the table of the model `polls::models::Choice` \
             (name it to inspect it anyway)",
            "the view `open_polls` is not inspected: views are not models; recreate it with a \
             `run_sql` migration where a new database needs it",
        ]
    );
    assert!(i.source.contains("// They are for the app `polls`."));
    assert!(
        i.source.contains("pub struct Question {"),
        "the app prefix goes"
    );
    assert_eq!(i.models.len(), 1);
    let named = Options {
        tables: vec!["__diesel_schema_migrations".into()],
        ..Options::default()
    };
    let i = generate(&l, Backend::Sqlite, &named).unwrap();
    assert!(i.source.contains("pub struct DieselSchemaMigrations {"));
}

#[test]
fn bad_input_is_refused_naming_it() {
    let l = sqlite_library();
    let err = |options: Options| {
        generate(&l, Backend::Sqlite, &options)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(Options {
            tables: vec!["book".into(), "authors".into()],
            ..Options::default()
        }),
        "the database has no table named `book`; its tables are: authors, books"
    );
    assert_eq!(
        err(Options {
            tables: vec!["migrator_migrations".into()],
            ..Options::default()
        }),
        "`migrator_migrations` is migrator's own bookkeeping table, not an application table; \
         leave it out of the tables to inspect"
    );
    assert_eq!(
        err(Options {
            app: Some("My-App".into()),
            ..Options::default()
        }),
        "`My-App` cannot be an app label: it contains `M`; an app label is the crate's package \
         name with `-` replaced by `_` (`my_app`)"
    );
}

#[test]
fn write_source_is_atomic_and_never_replaces_without_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.rs");
    write_source(&path, "first\n", false).unwrap();
    let e = write_source(&path, "second\n", false).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
    assert!(e.to_string().contains("--force"), "{e}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "first\n");
    write_source(&path, "second\n", true).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "second\n");
    let e = write_source(&dir.path().join("nope/models.rs"), "x", false).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::NotFound);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary file is left: {leftovers:?}"
    );
}

#[test]
fn a_check_named_like_an_index_gets_its_own_name() {
    let t = Table::new("books")
        .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
        .col("pages", "INTEGER", "INTEGER")
        .col("title", "TEXT", "TEXT")
        .pk(&["id"])
        .index("books_pages", &["pages", "title"], false)
        .check(Some("books_pages"), "pages > 0", "pages > 0");
    let i = run(&live(vec![t]), Backend::Sqlite);
    assert_eq!(
        flags(&i),
        [
            "books: the CHECK `books_pages` (pages > 0) has the name of an index, and a model's \
          objects each have their own: the model names it `books_check`"
        ]
    );
    assert!(
        body(&i).contains("check(name = \"books_check\", sql = \"pages > 0\")"),
        "{}",
        i.source
    );
}

/// Issue 17.4: a partial unique index, an expression index (with a condition) and, on
/// PostgreSQL, a hash index, a covering index and a NULLS NOT DISTINCT unique index are
/// declared with their options — no flags — and the model's expected schema is the live one.
#[test]
fn index_options_and_expressions_are_declared() {
    use crate::db_schema::SqlCondition;
    let idx = |name: &str, cols: &[&str], exprs: &[&str], unique: bool| IndexDef {
        name: name.into(),
        columns: cols.iter().map(|c| c.to_string()).collect(),
        expressions: exprs.iter().map(|e| SqlCondition(e.to_string())).collect(),
        unique,
        condition: None,
        nulls_distinct: true,
        method: None,
        include: Vec::new(),
    };
    let users = |backend: Backend| {
        let (int, text) = match backend {
            Backend::Sqlite => ("INTEGER", "TEXT"),
            _ => ("BIGINT", "TEXT"),
        };
        let mut t = Table::new("users")
            .col(
                "id",
                if backend == Backend::Sqlite {
                    "INTEGER"
                } else {
                    "BIGINT"
                },
                int,
            )
            .col("email", "TEXT", text)
            .col_with("score", "INTEGER", "INTEGER", |c, _| c.nullable = true)
            .pk(&["id"]);
        let mut partial = idx("users_email_scored", &["email"], &[], true);
        partial.condition = Some(SqlCondition("score IS NOT NULL".into()));
        let mut lower = idx("users_email_ci", &[], &["lower(email)", "id"], false);
        lower.condition = Some(SqlCondition("score > 0".into()));
        t.schema.indexes.extend([partial, lower]);
        if backend == Backend::Postgres {
            let mut hash = idx("users_email_hash", &["email"], &[], false);
            hash.method = Some("hash".into());
            let mut covering = idx("users_id_cover", &["id"], &[], true);
            covering.include = vec!["email".into()];
            let mut one_null = idx("users_score_one_null", &["score"], &[], true);
            one_null.nulls_distinct = false;
            t.schema.indexes.extend([hash, covering, one_null]);
        }
        t.schema.indexes.sort();
        t
    };
    let mut backends = vec![Backend::Sqlite];
    if Backend::Postgres.is_built() {
        backends.push(Backend::Postgres);
    }
    for backend in backends {
        let i = run(&live(vec![users(backend)]), backend);
        assert_eq!(flags(&i), Vec::<String>::new(), "{backend}");
        let src = body(&i);
        assert!(
            src.contains(r#"index(name = "users_email_scored", fields = ["email"], unique, condition = "score IS NOT NULL")"#)
                && src.contains(r#"index(name = "users_email_ci", expressions = ["lower(email)", "id"], condition = "score > 0")"#),
            "{backend}:\n{src}"
        );
        if backend == Backend::Postgres {
            assert!(
                src.contains(r#"index(name = "users_email_hash", fields = ["email"], method = "hash")"#)
                    && src.contains(r#"index(name = "users_id_cover", fields = ["id"], unique, include = ["email"])"#)
                    && src.contains(r#"index(name = "users_score_one_null", fields = ["score"], unique, nulls_distinct = false)"#),
                "{backend}:\n{src}"
            );
        }
    }
}

/// Issue 17.3: generated columns are declared as `generated(sql = …, stored | virtual)` with
/// the expression as the database gives it back (outer parentheses dropped); one whose
/// expression the catalog does not give back stays a plain column, flagged.
#[test]
fn generated_columns_are_declared() {
    let generated = |sql: &str, kind: &str| {
        let (sql, kind) = (sql.to_owned(), kind.to_owned());
        move |c: &mut ColumnSchema, d: &mut ColumnDetails| {
            c.generated = Some(kind);
            d.generated = Some(sql);
        }
    };
    let lines = Table::new("lines")
        .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
        .col("qty", "INTEGER", "INTEGER")
        .col("unit_price", "INTEGER", "INTEGER")
        .col_with(
            "total",
            "INTEGER",
            "INTEGER",
            generated("(qty * unit_price)", "stored"),
        )
        .col_with("shouted", "TEXT", "TEXT", |c, d| {
            c.nullable = true;
            generated("upper(note)", "virtual")(c, d);
        })
        .col_with("note", "TEXT", "TEXT", |c, _| c.nullable = true)
        .col_with("hidden", "INTEGER", "INTEGER", generated("", "virtual"))
        .pk(&["id"])
        .index("lines_total_idx", &["total"], false);
    let i = run(&live(vec![lines]), Backend::Sqlite);
    assert_eq!(
        flags(&i),
        [
            "lines.hidden: a generated column (computed) that the model declares as a plain \
          column: the database does not give its expression back; values are written by the \
          database, not by inserts"
        ]
    );
    assert_eq!(
        body(&i),
        r#"use migrator_core::Model;

#[derive(Model)]
#[model(table = "lines")]
pub struct Lines {
    pub id: i64,
    pub qty: i32,
    pub unit_price: i32,
    #[model(generated(sql = "qty * unit_price", stored), index)]
    pub total: i32,
    #[model(generated(sql = "upper(note)", virtual))]
    pub shouted: Option<String>,
    pub note: Option<String>,
    // inspectdb: a generated column (computed) that the model declares as a plain column: the
    //   database does not give its expression back; values are written by the database, not by
    //   inserts
    pub hidden: i32,
}
"#
    );
}
