//! `inspectdb` end to end, on SQLite, PostgreSQL and MariaDB: a database made with SQL alone
//! (three tables: foreign keys with ON DELETE CASCADE and a nullable SET NULL, a composite
//! unique index, a composite index, a check, defaults of several kinds, lengths, a decimal,
//! nullable dates and timestamps, a boolean, text, comments where the backend keeps them,
//! and a row; and an `editions` table with every index kind the backend has — partial
//! unique, expression (plain, and unique with a condition), composite unique, `INCLUDE`,
//! `NULLS NOT DISTINCT`, hash and gin (PostgreSQL), indexes on generated columns — and a
//! stored and a virtual generated column (stored both on PostgreSQL, which keeps no virtual
//! ones); `editions_readers`, exactly the join table migrator makes for
//! `many_to_many(name = "readers", to = Reader)` on `Edition`, which comes back as that
//! relation; and `shelves`, keyed by two columns, with `placements` pointing at it by a
//! two-column foreign key, which comes back as the struct's `foreign_key(fields = [...])`)
//! is adopted the way the user guide says (`docs/coming-from-diesel.md`):
//! `inspectdb --output` into an app's `src/models.rs`, `makemigrations`,
//! `migrate --fake-initial`; then `makemigrations --check` finds nothing, the live schema is
//! exactly what it was, and the row is still there. And the models are exact: `migrate` on an
//! empty database creates the same schema.
//!
//! Each test has its own workspace with one app crate, `adopt_<backend>`. The probe that runs
//! SQL and prints the introspected schema ([`PROBE`]) is a binary of the reliability fixture
//! (`rel-inspect-probe`, built once per test process with both server features), so no test
//! compiles migrator-core once more for a probe of its own. Server databases are fresh per
//! test ([`TestDb`]); an unreachable server fails the test, naming it.

use std::process::{Command, Stdio};

use migrator_tests::{repo_root, TempWorkspace};

use crate::reliability::{Kind, TestDb};

/// The source of `rel-inspect-probe` (see the module docs).
pub(crate) const PROBE: &str = r#"//! Test probe: `exec URL SQL`, `schema URL [serial]`, `live URL`, `comments URL`,
//! `texts URL SELECT`.
use diesel::connection::SimpleConnection;
use diesel::RunQueryDsl;
use migrator_core::database::{connect, DatabaseUrl};

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = DatabaseUrl::parse(&args[1], std::path::Path::new("/"))?;
    let mut conn = connect(&url)?;
    match args[0].as_str() {
        "exec" => conn.batch_execute(&args[2])?,
        "schema" => {
            let mut schema = migrator_core::introspect::introspect(&mut conn)?;
            if args.get(2).map(String::as_str) == Some("serial") {
                // A SERIAL key reads as a sequence default; the model makes it an identity.
                for table in schema.tables.values_mut() {
                    for c in &mut table.columns {
                        if c.default.as_deref().is_some_and(|d| d.starts_with("nextval(")) {
                            c.default = None;
                            c.auto_increment = true;
                        }
                    }
                }
            }
            println!("{schema:#?}");
        }
        "live" => println!("{:#?}", migrator_core::introspect::inspect(&mut conn)?),
        "comments" => {
            for (table, d) in migrator_core::introspect::inspect(&mut conn)?.details {
                if let Some(c) = d.comment {
                    println!("{table}: {c}");
                }
                for column in d.columns {
                    if let Some(c) = column.comment {
                        println!("{table}.{}: {c}", column.name);
                    }
                }
            }
        }
        "texts" => {
            for row in diesel::sql_query(&args[2]).load::<Row>(&mut conn)? {
                println!("{}", row.v);
            }
        }
        other => return Err(format!("unknown probe command {other}").into()),
    }
    Ok(())
}
"#;

const SQLITE: &str = r#"
CREATE TABLE authors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name VARCHAR(100) NOT NULL,
    email VARCHAR(200) NOT NULL,
    born DATE,
    active BOOLEAN NOT NULL DEFAULT 1,
    bio TEXT
);
CREATE UNIQUE INDEX authors_email_uniq ON authors (email);
CREATE TABLE books (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    editor_id INTEGER REFERENCES authors (id) ON DELETE SET NULL,
    title VARCHAR(200) NOT NULL,
    price DECIMAL(8, 2) NOT NULL DEFAULT 9.99,
    pages INTEGER NOT NULL DEFAULT 0,
    status VARCHAR(20) NOT NULL DEFAULT 'draft',
    published_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT books_pages_positive CHECK (pages >= 0)
);
CREATE UNIQUE INDEX books_author_title_uniq ON books (author_id, title);
CREATE INDEX books_status_published_idx ON books (status, published_at);
CREATE INDEX books_editor_id_idx ON books (editor_id);
CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    book_id INTEGER NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    label VARCHAR(30) NOT NULL
);
CREATE TABLE editions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    isbn VARCHAR(20) NOT NULL,
    format VARCHAR(20) NOT NULL,
    pages INTEGER NOT NULL,
    copies INTEGER NOT NULL DEFAULT 0,
    retired_at TIMESTAMP,
    total_pages INTEGER GENERATED ALWAYS AS (pages * copies) STORED,
    label VARCHAR(40) GENERATED ALWAYS AS (upper(format) || '/' || isbn) VIRTUAL
);
CREATE UNIQUE INDEX editions_isbn_live_uniq ON editions (isbn) WHERE retired_at IS NULL;
CREATE INDEX editions_format_lower_idx ON editions (lower(format));
CREATE UNIQUE INDEX editions_isbn_ci_uniq ON editions (lower(isbn), format) WHERE copies > 0;
CREATE UNIQUE INDEX editions_format_pages_uniq ON editions (format, pages);
CREATE INDEX editions_total_pages_idx ON editions (total_pages);
CREATE INDEX editions_label_idx ON editions (label);
CREATE TABLE readers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name VARCHAR(50) NOT NULL
);
CREATE TABLE editions_readers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    edition_id INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
    reader_id INTEGER NOT NULL REFERENCES readers (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX editions_readers_edition_id_reader_id_uniq ON editions_readers (edition_id, reader_id);
CREATE INDEX editions_readers_reader_id_idx ON editions_readers (reader_id);
CREATE TABLE shelves (
    room VARCHAR(10) NOT NULL,
    slot INTEGER NOT NULL,
    label VARCHAR(40) NOT NULL,
    PRIMARY KEY (room, slot)
);
CREATE TABLE placements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    shelf_room VARCHAR(10) NOT NULL,
    shelf_slot INTEGER NOT NULL,
    FOREIGN KEY (shelf_room, shelf_slot) REFERENCES shelves (room, slot) ON DELETE CASCADE
);
"#;

const POSTGRES: &str = r#"
CREATE TABLE authors (
    id SERIAL PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    email VARCHAR(200) NOT NULL,
    born DATE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    bio TEXT
);
COMMENT ON TABLE authors IS 'People who write books.';
CREATE UNIQUE INDEX authors_email_uniq ON authors (email);
CREATE TABLE books (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    editor_id INTEGER REFERENCES authors (id) ON DELETE SET NULL,
    title VARCHAR(200) NOT NULL,
    price NUMERIC(8, 2) NOT NULL DEFAULT 9.99,
    pages INTEGER NOT NULL DEFAULT 0,
    status VARCHAR(20) NOT NULL DEFAULT 'draft',
    published_at TIMESTAMP,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT books_pages_positive CHECK (pages >= 0)
);
COMMENT ON COLUMN books.title IS 'As printed on the cover.';
CREATE UNIQUE INDEX books_author_title_uniq ON books (author_id, title);
CREATE INDEX books_status_published_idx ON books (status, published_at);
CREATE INDEX books_editor_id_idx ON books (editor_id);
CREATE TABLE tags (
    id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    book_id BIGINT NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    label VARCHAR(30) NOT NULL
);
CREATE TABLE editions (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    isbn VARCHAR(20) NOT NULL,
    format VARCHAR(20) NOT NULL,
    pages INTEGER NOT NULL,
    copies INTEGER NOT NULL DEFAULT 0,
    retired_at TIMESTAMP,
    extra JSONB,
    total_pages INTEGER GENERATED ALWAYS AS (pages * copies) STORED,
    label VARCHAR(40) GENERATED ALWAYS AS (upper(format) || '/' || isbn) STORED
);
CREATE UNIQUE INDEX editions_isbn_live_uniq ON editions (isbn) WHERE retired_at IS NULL;
CREATE INDEX editions_format_lower_idx ON editions (lower(format));
CREATE UNIQUE INDEX editions_isbn_ci_uniq ON editions (lower(isbn), format) WHERE copies > 0;
CREATE UNIQUE INDEX editions_format_pages_uniq ON editions (format, pages);
CREATE UNIQUE INDEX editions_retired_one_null ON editions (retired_at) NULLS NOT DISTINCT;
CREATE UNIQUE INDEX editions_isbn_cover ON editions (isbn) INCLUDE (pages, format);
CREATE INDEX editions_format_hash ON editions USING hash (format);
CREATE INDEX editions_extra_gin ON editions USING gin (extra);
CREATE INDEX editions_total_pages_idx ON editions (total_pages);
CREATE INDEX editions_label_idx ON editions (label);
CREATE TABLE readers (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    name VARCHAR(50) NOT NULL
);
CREATE TABLE editions_readers (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    edition_id BIGINT NOT NULL
        CONSTRAINT editions_readers_edition_id_fk_editions REFERENCES editions (id) ON DELETE CASCADE,
    reader_id BIGINT NOT NULL
        CONSTRAINT editions_readers_reader_id_fk_readers REFERENCES readers (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX editions_readers_edition_id_reader_id_uniq ON editions_readers (edition_id, reader_id);
CREATE INDEX editions_readers_reader_id_idx ON editions_readers (reader_id);
COMMENT ON TABLE editions_readers IS
    'The links of many-to-many `adopt_postgres.Edition.readers` to `adopt_postgres.Reader` (created by migrator).';
CREATE TABLE shelves (
    room VARCHAR(10) NOT NULL,
    slot INTEGER NOT NULL,
    label VARCHAR(40) NOT NULL,
    PRIMARY KEY (room, slot)
);
CREATE TABLE placements (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    shelf_room VARCHAR(10) NOT NULL,
    shelf_slot INTEGER NOT NULL,
    FOREIGN KEY (shelf_room, shelf_slot) REFERENCES shelves (room, slot) ON DELETE CASCADE
);
"#;

const MARIADB: &str = r#"
CREATE TABLE authors (
    id INT AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    email VARCHAR(200) NOT NULL,
    born DATE NULL,
    active TINYINT(1) NOT NULL DEFAULT 1,
    bio LONGTEXT NULL,
    UNIQUE KEY authors_email_uniq (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='People who write books.';
CREATE TABLE books (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    author_id INT NOT NULL,
    editor_id INT NULL,
    title VARCHAR(200) NOT NULL COMMENT 'As printed on the cover.',
    price DECIMAL(8, 2) NOT NULL DEFAULT 9.99,
    pages INT NOT NULL DEFAULT 0,
    status VARCHAR(20) NOT NULL DEFAULT 'draft',
    published_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    CONSTRAINT books_pages_positive CHECK (pages >= 0),
    CONSTRAINT books_author_fk FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE,
    CONSTRAINT books_editor_fk FOREIGN KEY (editor_id) REFERENCES authors (id) ON DELETE SET NULL,
    UNIQUE KEY books_author_title_uniq (author_id, title),
    KEY books_status_published_idx (status, published_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE tags (
    id INT AUTO_INCREMENT PRIMARY KEY,
    book_id BIGINT NOT NULL,
    label VARCHAR(30) NOT NULL,
    FOREIGN KEY (book_id) REFERENCES books (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE editions (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    isbn VARCHAR(20) NOT NULL,
    format VARCHAR(20) NOT NULL,
    pages INT NOT NULL,
    copies INT NOT NULL DEFAULT 0,
    retired_at DATETIME(6) NULL,
    total_pages INT AS (pages * copies) STORED,
    label VARCHAR(40) AS (concat(upper(format), '/', isbn)) VIRTUAL,
    UNIQUE KEY editions_format_pages_uniq (format, pages),
    UNIQUE KEY editions_isbn_uniq (isbn),
    KEY editions_total_pages_idx (total_pages),
    KEY editions_label_idx (label)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE readers (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(50) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE editions_readers (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    edition_id BIGINT NOT NULL,
    reader_id BIGINT NOT NULL,
    UNIQUE KEY editions_readers_edition_id_reader_id_uniq (edition_id, reader_id),
    KEY editions_readers_reader_id_idx (reader_id),
    CONSTRAINT editions_readers_edition_id_fk_editions
        FOREIGN KEY (edition_id) REFERENCES editions (id) ON DELETE CASCADE,
    CONSTRAINT editions_readers_reader_id_fk_readers
        FOREIGN KEY (reader_id) REFERENCES readers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
  COMMENT='The links of many-to-many `adopt_mariadb.Edition.readers` to `adopt_mariadb.Reader` (created by migrator).';
CREATE TABLE shelves (
    room VARCHAR(10) NOT NULL,
    slot INT NOT NULL,
    label VARCHAR(40) NOT NULL,
    PRIMARY KEY (room, slot)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE placements (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    shelf_room VARCHAR(10) NOT NULL,
    shelf_slot INT NOT NULL,
    KEY placements_shelf_idx (shelf_room, shelf_slot),
    CONSTRAINT placements_shelf_fk FOREIGN KEY (shelf_room, shelf_slot)
        REFERENCES shelves (room, slot) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
"#;

const ROWS: &str =
    "INSERT INTO authors (name, email) VALUES ('Frank Herbert', 'frank@example.com'); \
     INSERT INTO books (author_id, title) VALUES (1, 'Dune'); \
     INSERT INTO editions (isbn, format, pages, copies) VALUES ('978-0441013593', 'paperback', 412, 2); \
     INSERT INTO readers (name) VALUES ('Ann'); \
     INSERT INTO editions_readers (edition_id, reader_id) VALUES (1, 1); \
     INSERT INTO shelves (room, slot, label) VALUES ('A', 1, 'Fiction'); \
     INSERT INTO placements (shelf_room, shelf_slot) VALUES ('A', 1)";

/// The schema SQL, the backend's name in crate names, and the flags `inspectdb` must raise
/// (everything it cannot say exactly: a SERIAL key, foreign keys named otherwise than
/// migrator names them).
fn fixture(kind: Kind) -> (&'static str, &'static str, Vec<&'static str>) {
    match kind {
        Kind::Sqlite => ("sqlite", SQLITE, Vec::new()),
        Kind::Postgres => (
            "postgres",
            POSTGRES,
            vec![
                "inspectdb: authors.id: numbered by a sequence default (nextval('authors_id_seq'::regclass))",
                "inspectdb: books.author_id: the database names this foreign key `books_author_id_fkey`, migrator names it `books_author_id_fk_authors`",
                "inspectdb: books.editor_id: the database names this foreign key `books_editor_id_fkey`",
                "inspectdb: tags.book_id: the database names this foreign key `tags_book_id_fkey`",
            ],
        ),
        Kind::Mysql => (
            "mariadb",
            MARIADB,
            vec![
                "inspectdb: books.author_id: the database names this foreign key `books_author_fk`, migrator names it `books_author_id_fk_authors`",
                "inspectdb: books.editor_id: the database names this foreign key `books_editor_fk`",
                "inspectdb: tags.book_id: the database names this foreign key `tags_ibfk_1`",
            ],
        ),
    }
}

/// What the source must say about `editions` on `kind`: its generated columns and indexes.
fn generated_and_indexes(kind: Kind) -> Vec<&'static str> {
    match kind {
        Kind::Sqlite => vec![
            "#[model(generated(sql = \"pages * copies\", stored), index)]\n    pub total_pages: Option<i32>,",
            "        generated(sql = \"upper(format) || '/' || isbn\", virtual),\n        index\n    )]\n    pub label: Option<String>,",
            r#"index(name = "editions_isbn_live_uniq", fields = ["isbn"], unique, condition = "retired_at IS NULL")"#,
            r#"index(name = "editions_format_lower_idx", expressions = ["lower(format)"])"#,
            r#"index(name = "editions_isbn_ci_uniq", expressions = ["lower(isbn)", "format"], unique, condition = "copies > 0")"#,
            r#"index(name = "editions_format_pages_uniq", fields = ["format", "pages"], unique)"#,
        ],
        Kind::Postgres => vec![
            "#[model(generated(sql = \"pages * copies\", stored), index)]\n    pub total_pages: Option<i32>,",
            "        generated(sql = \"(upper((format)::text) || '/'::text) || (isbn)::text\", stored),\n        index\n    )]\n    pub label: Option<String>,",
            r#"index(name = "editions_isbn_live_uniq", fields = ["isbn"], unique, condition = "#,
            r#"index(name = "editions_format_lower_idx", expressions = ["lower(format::text)"])"#,
            r#"index(name = "editions_isbn_ci_uniq", expressions = ["lower(isbn::text)", "format"], unique, condition = "#,
            r#"index(name = "editions_format_pages_uniq", fields = ["format", "pages"], unique)"#,
            r#"index(name = "editions_retired_one_null", fields = ["retired_at"], unique, nulls_distinct = false)"#,
            r#"index(name = "editions_isbn_cover", fields = ["isbn"], unique, include = ["pages", "format"])"#,
            r#"index(name = "editions_format_hash", fields = ["format"], method = "hash")"#,
            r#"index(name = "editions_extra_gin", fields = ["extra"], method = "gin")"#,
        ],
        Kind::Mysql => vec![
            "#[model(generated(sql = \"pages * copies\", stored), index)]\n    pub total_pages: Option<i32>,",
            "        generated(sql = \"concat(ucase(format),'/',isbn)\", virtual),\n        index\n    )]\n    pub label: Option<String>,",
            r#"index(name = "editions_format_pages_uniq", fields = ["format", "pages"], unique)"#,
            "#[model(max_length = 20, unique)]\n    pub isbn: String,",
        ],
    }
}

/// A workspace with the app crate `adopt_<name>` (no models yet).
fn workspace(name: &str) -> (TempWorkspace, String) {
    let app = format!("adopt_{name}");
    let ws = TempWorkspace::new(&[&app]);
    ws.write(
        &format!("{app}/Cargo.toml"),
        &format!(
            r#"[package]
name = "{app}"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
migrator-core.workspace = true
chrono.workspace = true
rust_decimal.workspace = true
serde_json.workspace = true
diesel.workspace = true

[build-dependencies]
migrator-build.workspace = true
"#
        ),
    );
    ws.write(
        &format!("{app}/build.rs"),
        "fn main() {\n    migrator_build::embed_migrations();\n}\n",
    );
    ws.write(
        &format!("{app}/src/lib.rs"),
        "//! An existing database, adopted.\n\nmigrator_core::embed_migrations!();\n",
    );
    (ws, app)
}

/// Runs the probe ([`PROBE`], built with the reliability fixture) for the test of `name`,
/// which must succeed; its stdout.
#[track_caller]
fn probe(name: &str, args: &[&str]) -> String {
    let out = Command::new(&crate::reliability::fixture().inspect_probe)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run the probe");
    assert!(
        out.status.success(),
        "probe {args:?} ({name}) failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn adopt(kind: Kind) {
    let (name, schema_sql, flags) = fixture(kind);
    let db = TestDb::create(kind);
    let (ws, app) = workspace(name);
    probe(name, &["exec", &db.url, schema_sql]);
    probe(name, &["exec", &db.url, ROWS]);
    let before = probe(name, &["live", &db.url]);
    let env = [("DATABASE_URL", db.url.as_str())];
    let models = format!("{app}/src/models.rs");

    let run = ws.migrator_env(&["inspectdb", "--app", &app, "--output", &models], &env);
    run.expect_code(0);
    assert!(
        run.stderr.contains(
            "Inspected 8 tables: authors → Authors, books → Books, editions → Edition, \
                       editions_readers → Edition.readers (many-to-many), placements → Placements, \
                       readers → Reader, shelves → Shelves, tags → Tags"
        ),
        "{}",
        run.stderr
    );
    for flag in &flags {
        assert!(
            run.stderr.contains(flag),
            "missing `{flag}` in:\n{}",
            run.stderr
        );
    }
    let flagged = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("inspectdb: "))
        .count();
    assert_eq!(flagged, flags.len(), "unexpected flags:\n{}", run.stderr);
    let source = ws.read(&models);
    for flag in &flags {
        let (_, message) = flag.split_once(": ").unwrap();
        let (_, message) = message.split_once(": ").unwrap();
        let words: Vec<&str> = message.split_whitespace().take(4).collect();
        assert!(
            source.contains(&words.join(" ")),
            "the source does not flag `{message}` at its spot:\n{source}"
        );
    }
    assert!(source.contains("pub struct Books {"), "{source}");
    // The join table is the relation on its owner, whose struct is named as its column says.
    assert!(
        source.contains(
            "    many_to_many(name = \"readers\", to = Reader)\n)]\npub struct Edition {"
        ) && !source.contains("pub struct EditionsReaders"),
        "{source}"
    );
    // The two-column foreign key to the composite key is the struct's, named as the database
    // names it where that is not migrator's name.
    let multi = "foreign_key(fields = [\"shelf_room\", \"shelf_slot\"], to = Shelves, \
                 on_delete = \"cascade\"";
    let multi = match kind {
        Kind::Sqlite => format!("{multi})"),
        Kind::Postgres => format!("{multi}, name = \"placements_shelf_room_shelf_slot_fkey\")"),
        Kind::Mysql => format!("{multi}, name = \"placements_shelf_fk\")"),
    };
    assert!(
        source.contains(&multi) && source.contains("primary_key(fields = [\"room\", \"slot\"])"),
        "missing `{multi}` in:\n{source}"
    );
    // The generated columns are declared as such, with the expression the database gives
    // back, and every index kind as an index.
    for expected in generated_and_indexes(kind) {
        assert!(
            source.contains(expected),
            "missing `{expected}` in:\n{source}"
        );
    }
    let fmt = Command::new("rustfmt")
        .args(["--check", "--edition", "2021"])
        .arg(ws.path(&models))
        .output()
        .expect("run rustfmt");
    assert!(
        fmt.status.success(),
        "the generated source is not as rustfmt lays it out:\n{}",
        String::from_utf8_lossy(&fmt.stdout)
    );

    // An existing output file is never replaced without --force.
    let again = ws.migrator_env(&["inspectdb", "--output", &models], &env);
    again.expect_code(2);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    assert_eq!(ws.read(&models), source);

    ws.edit(
        &format!("{app}/src/lib.rs"),
        "migrator_core::embed_migrations!();",
        "pub mod models;\n\nmigrator_core::embed_migrations!();",
    );
    ws.migrator_env(&["makemigrations"], &env).expect_code(0);
    assert_eq!(ws.files(&format!("{app}/migrations")), ["0001_initial.rs"]);
    let migrate = ws.migrator_env(&["migrate", "--fake-initial"], &env);
    migrate.expect_code(0);
    assert!(
        migrate
            .stdout
            .contains(&format!("Applying {app}.0001_initial... FAKED (initial")),
        "{}",
        migrate.stdout
    );
    ws.migrator_env(&["makemigrations", "--check"], &env)
        .expect_code(0);
    ws.migrator_env(&["migrate", "--check"], &env)
        .expect_code(0);
    // The drift check finds the adopted database as the models say, generated expressions
    // (in the database's own spelling) included; on PostgreSQL only the SERIAL key flagged
    // above differs (the model makes it an identity column).
    let check = ws.migrator_env(&["check"], &env);
    if matches!(kind, Kind::Postgres) {
        check.expect_code(1);
        assert!(
            check.stdout.contains("(2 differences)")
                && check
                    .stdout
                    .contains("column authors.id has default nextval("),
            "{}",
            check.stdout
        );
    } else {
        check.expect_code(0);
    }
    assert!(!check.stdout.contains("generated"), "{}", check.stdout);

    let after = probe(name, &["live", &db.url]);
    assert_eq!(before, after, "adopting the database changed its schema");
    assert_eq!(
        probe(
            name,
            &["texts", &db.url, "SELECT title AS v FROM books ORDER BY id"]
        ),
        "Dune\n"
    );
    assert_eq!(
        probe(
            name,
            &[
                "texts",
                &db.url,
                "SELECT label AS v FROM editions ORDER BY id"
            ]
        ),
        "PAPERBACK/978-0441013593\n"
    );
    assert_eq!(
        probe(
            name,
            &[
                "texts",
                &db.url,
                "SELECT name AS v FROM readers JOIN editions_readers ON reader_id = readers.id"
            ]
        ),
        "Ann\n"
    );
    assert_eq!(
        probe(
            name,
            &[
                "texts",
                &db.url,
                "SELECT label AS v FROM shelves \
                 JOIN placements ON shelf_room = room AND shelf_slot = slot"
            ]
        ),
        "Fiction\n"
    );
    probe(
        name,
        &[
            "exec",
            &db.url,
            "INSERT INTO books (author_id, title) VALUES (1, 'Dune Messiah')",
        ],
    );

    // The models are exact: migrating an empty database creates the same schema.
    let fresh = TestDb::create(kind);
    ws.migrator(&["migrate", "--database", &fresh.url])
        .expect_code(0);
    assert_eq!(
        probe(name, &["schema", &fresh.url]),
        probe(name, &["schema", &db.url, "serial"]),
        "the models do not recreate the inspected schema"
    );
    assert_eq!(
        probe(name, &["comments", &fresh.url]),
        probe(name, &["comments", &db.url])
    );
}

#[test]
fn inspectdb_adopts_an_existing_sqlite_database() {
    adopt(Kind::Sqlite);
}

#[test]
fn inspectdb_adopts_an_existing_postgres_database() {
    adopt(Kind::Postgres);
}

#[test]
fn inspectdb_adopts_an_existing_mariadb_database() {
    adopt(Kind::Mysql);
}

/// A database migrator made (the example apps, migrated) inspects without a single flag on
/// every backend: everything it has, a model can say exactly.
#[test]
fn a_database_migrator_made_inspects_without_flags_on_every_backend() {
    let ws = TempWorkspace::with_shop_example(true);
    for kind in [Kind::Sqlite, Kind::Postgres, Kind::Mysql] {
        let db = TestDb::create(kind);
        ws.migrator(&["migrate", "--database", &db.url])
            .expect_code(0);
        let run = ws.migrator(&["inspectdb", "--database", &db.url]);
        run.expect_code(0);
        assert!(
            run.stderr.contains(
                "note: left out `catalog_categories`, already the table of the model \
                 `catalog::models::Category` (name it to inspect it anyway)"
            ),
            "{kind:?}: {}",
            run.stderr
        );
        // `catalog_products_tags` is the join table of `Product`'s many-to-many `tags`.
        let tables = [
            "catalog_categories",
            "catalog_products",
            "catalog_products_tags",
            "catalog_tags",
            "orders_lines",
            "orders_orders",
        ];
        let mut args = vec!["inspectdb", "--database", &db.url];
        args.extend(tables);
        let run = ws.migrator(&args);
        run.expect_code(0);
        assert!(
            !run.stderr.contains("inspectdb: "),
            "{kind:?}: a database migrator made got flags:\n{}",
            run.stderr
        );
        assert!(
            run.stdout.contains("pub struct CatalogProducts {")
                && run
                    .stdout
                    .contains("#[model(max_length = 40, unique)]\n    pub sku: String,"),
            "{kind:?}:\n{}",
            run.stdout
        );
    }
}

/// Bad input is refused before anything is read or printed, naming the thing and the fix:
/// a missing SQLite file (never created), a table the database lacks, an app the workspace
/// lacks, an output folder that does not exist, `--force` without `--output`.
#[test]
fn inspectdb_refuses_bad_input_naming_it() {
    let ws = TempWorkspace::with_library_example();
    let missing = ws.sqlite_url("missing.sqlite3");
    let run = ws.migrator(&["inspectdb", "--database", &missing]);
    run.expect_code(2);
    assert!(run.stderr.contains("missing.sqlite3"), "{}", run.stderr);
    assert!(
        !ws.path("missing.sqlite3").exists(),
        "inspectdb created the file"
    );

    let url = ws.sqlite_url("db.sqlite3");
    ws.copy_migrations(&repo_root().join("examples/library"), "library");
    ws.migrator(&["migrate", "--database", &url]).expect_code(0);
    let cases: [(&[&str], &str); 4] = [
        (
            &["nosuch"],
            "error: the database has no table named `nosuch`; its tables are: authors, books",
        ),
        (
            &["--app", "librar"],
            "error: no app named `librar` (did you mean `library`?)",
        ),
        (
            &["--output", "nofolder/models.rs"],
            "error: cannot write nofolder/models.rs: the folder nofolder does not exist",
        ),
        (&["--force"], "--output"),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["inspectdb", "--database", &url];
        args.extend(extra);
        let run = ws.migrator(&args);
        run.expect_code(2);
        assert!(run.stderr.contains(expected), "{extra:?}:\n{}", run.stderr);
        assert!(run.stdout.is_empty(), "{extra:?} printed:\n{}", run.stdout);
    }

    // Every table is already a model's: nothing to write, and each is named.
    let run = ws.migrator(&["inspectdb", "--database", &url]);
    run.expect_code(0);
    assert!(run.stderr.contains("Inspected no table"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "note: left out `books`, already the table of the model `library::models::Book`"
        ),
        "{}",
        run.stderr
    );
}
