//! The backend-neutral harness of the conformance suite (`conformance.rs`) and of the
//! server-only editor tests (`server_schema.rs`): a fresh database per scenario (a SQLite
//! file in a temporary folder, or a uniquely named database on the PostgreSQL or
//! MySQL/MariaDB server, dropped by a guard even when the scenario panics), operations
//! applied through the real executor (`executor::migrate` on a `MigrationGraph` of one
//! migration per step, so transactions, the lock and the recorder are exercised), the
//! introspected schema compared with the state after every step (and the drift check,
//! `executor::check_drift`, required to be clean) (on servers also comments
//! and foreign-key names), and rows written and read with SQL that works on all three
//! backends. It owns no scenarios.
//!
//! Servers: `MIGRATOR_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! and `MIGRATOR_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/mysql`). An
//! unreachable server panics with a message naming it and saying how to start it.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};
use migrator_core::backend::{Backend, DbConnection, SchemaEditor};
use migrator_core::database::{connect, DatabaseUrl};
use migrator_core::executor::{
    check_drift, migrate, ExecutorError, MigrateOptions, MigrateReport, Target,
};
use migrator_core::graph::MigrationGraph;
use migrator_core::introspect::{expected_schema, introspect, DbSchema};
use migrator_core::operations::{
    AddConstraint, AddField, AddIndex, AlterField, AlterModelComment, AlterModelTable, CreateModel,
    DeleteModel, RemoveConstraint, RemoveField, RemoveIndex, RenameField, RenameIndex, RenameModel,
    RunSql,
};
use migrator_core::recorder;
use migrator_core::{
    ColumnType, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, Migration,
    MigrationKey, ModelState, OnDelete, Operation, ProjectState,
};
use tempfile::TempDir;

/// The app the single-app scenarios' models live in.
pub const APP: &str = "library";

// ---------------------------------------------------------------------------------------
// Databases
// ---------------------------------------------------------------------------------------

/// The server URL tests connect to for `backend` (SQLite has none).
pub fn admin_url(backend: Backend) -> String {
    match backend {
        Backend::Postgres => std::env::var("MIGRATOR_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned()),
        Backend::Mysql => std::env::var("MIGRATOR_TEST_MYSQL_URL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".to_owned()),
        Backend::Sqlite => unreachable!("SQLite needs no server"),
    }
}

fn how_to_start(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "start it with `service postgresql start` (or `pg_ctlcluster 15 main start`), user `postgres` with trust auth on 127.0.0.1:5432, or point MIGRATOR_TEST_POSTGRES_URL at another server",
        _ => "start it with `service mariadb start` (or `mysqld_safe &`), user `root` with an empty password on 127.0.0.1:3306, or point MIGRATOR_TEST_MYSQL_URL at another server",
    }
}

/// Connects to `url`; an unreachable server panics naming it and how to start it.
pub fn open(backend: Backend, url: &str) -> DbConnection {
    let parsed = DatabaseUrl::parse(url, Path::new("/")).unwrap();
    connect(&parsed).unwrap_or_else(|e| {
        panic!(
            "the {backend} server at {url} is unreachable ({e}); {}",
            how_to_start(backend)
        )
    })
}

/// Fails loudly (naming the server) when `backend`'s server cannot be reached.
pub fn require_server(backend: Backend) {
    if backend != Backend::Sqlite {
        drop(open(backend, &admin_url(backend)));
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database created for one scenario: a SQLite file in a temporary folder, or a database
/// `migrator_c_<pid>_<n>` on the server, dropped when this guard goes (also on panic).
pub struct TestDb {
    /// The backend.
    pub backend: Backend,
    /// Server database name (SQLite: the file's path).
    pub name: String,
    /// Its URL.
    pub url: String,
    dir: Option<TempDir>,
    conn: Option<DbConnection>,
}

impl TestDb {
    /// Creates the database and connects to it.
    pub fn create(backend: Backend) -> Self {
        if backend == Backend::Sqlite {
            let dir = tempfile::tempdir().unwrap();
            let url = "sqlite://test.db".to_owned();
            let parsed = DatabaseUrl::parse(&url, dir.path()).unwrap();
            let conn = connect(&parsed).unwrap();
            return Self {
                backend,
                name: dir.path().join("test.db").display().to_string(),
                url: format!("sqlite://{}", dir.path().join("test.db").display()),
                dir: Some(dir),
                conn: Some(conn),
            };
        }
        let admin = admin_url(backend);
        let name = format!(
            "migrator_c_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = open(backend, &admin);
        let q = backend.quote(&name);
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {q}"))
            .unwrap();
        let create = match backend {
            Backend::Mysql => format!("CREATE DATABASE {q} CHARACTER SET utf8mb4"),
            _ => format!("CREATE DATABASE {q}"),
        };
        conn.batch_execute(&create)
            .unwrap_or_else(|e| panic!("{create}: {e}"));
        let (base, _) = admin.rsplit_once('/').expect("server URL has a path");
        let url = format!("{base}/{name}");
        let conn = open(backend, &url);
        Self {
            backend,
            name,
            url,
            dir: None,
            conn: Some(conn),
        }
    }

    /// The scenario's connection.
    pub fn conn(&mut self) -> &mut DbConnection {
        self.conn.as_mut().unwrap()
    }

    /// A second connection to the same database.
    pub fn connect_again(&self) -> DbConnection {
        match &self.dir {
            Some(dir) => {
                connect(&DatabaseUrl::parse("sqlite://test.db", dir.path()).unwrap()).unwrap()
            }
            None => open(self.backend, &self.url),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        self.conn = None;
        if self.backend == Backend::Sqlite {
            return; // the TempDir goes with it
        }
        let mut admin = open(self.backend, &admin_url(self.backend));
        let q = self.backend.quote(&self.name);
        let drop = match self.backend {
            Backend::Postgres => format!("DROP DATABASE IF EXISTS {q} WITH (FORCE)"),
            _ => format!("DROP DATABASE IF EXISTS {q}"),
        };
        if let Err(e) = admin.batch_execute(&drop) {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Schema comparison
// ---------------------------------------------------------------------------------------

/// The database's schema equals the one `state` describes on its backend; on servers the
/// comments and foreign-key names too. Failures list every difference.
pub fn assert_schema(conn: &mut DbConnection, state: &ProjectState) {
    let backend = conn.backend();
    let actual = introspect(conn).unwrap_or_else(|e| panic!("{backend}: introspection: {e}"));
    let expected = expected_schema(state, backend).unwrap_or_else(|e| panic!("{backend}: {e}"));
    let differences = actual.diff(&expected);
    assert!(
        differences.is_empty(),
        "{backend}: the database differs from the state:\n  {}",
        differences.join("\n  ")
    );
    assert_eq!(
        actual, expected,
        "{backend}: DbSchema::diff missed a difference"
    );
    // The drift check (`migrator check`) sees the same: a fresh migrate is clean.
    let drift = check_drift(conn, state).unwrap_or_else(|e| panic!("{backend}: drift: {e}"));
    assert!(
        drift.is_empty(),
        "{backend}: the drift check reports differences after migrating:\n  {}",
        drift
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    );
    assert_details(conn, state);
}

/// Server-only part of [`assert_schema`]: comments and foreign-key names.
fn assert_details(conn: &mut DbConnection, state: &ProjectState) {
    let backend = conn.backend();
    let message =
        format!("{backend}: comments or foreign-key names differ (left: database, right: state)");
    match conn {
        DbConnection::Sqlite(_) => {
            let _ = (state, message); // SQLite stores neither
        }
        #[cfg(feature = "postgres")]
        DbConnection::Postgres(c) => {
            use migrator_core::backend::postgres;
            let expected = postgres::expected_schema(state).unwrap().1;
            assert_eq!(
                postgres::introspect_details(c).unwrap(),
                expected,
                "{message}"
            );
        }
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(c) => {
            use migrator_core::backend::mysql;
            let expected = mysql::expected_schema(state).unwrap().1;
            assert_eq!(mysql::introspect_details(c).unwrap(), expected, "{message}");
        }
    }
}

/// The migrations recorded as applied.
pub fn applied(conn: &mut DbConnection) -> BTreeSet<MigrationKey> {
    recorder::applied(conn).unwrap().into_keys().collect()
}

/// Runs the executor to `target` with default options.
pub fn run_migrate(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    target: &Target,
) -> Result<MigrateReport, ExecutorError> {
    migrate(conn, graph, target, &MigrateOptions::default(), &mut |_| {})
}

// ---------------------------------------------------------------------------------------
// One scenario's context
// ---------------------------------------------------------------------------------------

#[derive(QueryableByName)]
struct RowText {
    #[diesel(sql_type = Text)]
    r: String,
}

/// One scenario: its database, the state so far, and the migrations (one per step) that
/// built it through the executor.
pub struct Ctx {
    /// The backend.
    pub backend: Backend,
    /// The scenario's database.
    pub db: TestDb,
    /// The state after the applied steps.
    pub state: ProjectState,
    /// `states[i]`: the state after step `i` (`states[0]` is empty).
    pub states: Vec<ProjectState>,
    /// The step migrations (`library.0001_step`, …), each depending on the one before.
    pub migrations: Vec<Migration>,
}

impl Ctx {
    /// A fresh database on `backend`.
    pub fn new(backend: Backend) -> Self {
        Self {
            backend,
            db: TestDb::create(backend),
            state: ProjectState::new(),
            states: vec![ProjectState::new()],
            migrations: Vec::new(),
        }
    }

    /// The backend's schema editor.
    pub fn editor(&self) -> Box<dyn SchemaEditor> {
        self.backend.editor().unwrap()
    }

    /// The key of step `n` (1-based).
    pub fn step_key(n: usize) -> MigrationKey {
        MigrationKey::new(APP, format!("{n:04}_step"))
    }

    /// The graph of every step migration so far.
    pub fn graph(&self) -> MigrationGraph {
        MigrationGraph::new(self.migrations.clone()).unwrap()
    }

    /// Adds a migration of `ops` as the next step (not applied); returns the state after it
    /// and the forwards SQL of each operation, computed by the editor.
    pub fn push_step(&mut self, ops: Vec<Operation>) -> (ProjectState, Vec<String>) {
        let mut state = self.state.clone();
        let mut sql = Vec::new();
        let editor = self.editor();
        for op in &ops {
            let before = state.clone();
            op.state_forwards(APP, &mut state)
                .unwrap_or_else(|e| panic!("{}: {e}", op.describe()));
            sql.extend(
                op.database_forwards(APP, &*editor, &before, &state)
                    .unwrap_or_else(|e| panic!("{} on {}: {e}", op.describe(), self.backend)),
            );
        }
        let n = self.migrations.len() + 1;
        let key = Self::step_key(n);
        let mut m = Migration::new(APP, key.name.clone());
        if n > 1 {
            m.dependencies = vec![Self::step_key(n - 1)];
        }
        m.operations = ops;
        self.migrations.push(m);
        (state, sql)
    }

    /// Migrates to the latest step; on success the state and the list of states follow.
    pub fn try_apply(&mut self, after: ProjectState) -> Result<MigrateReport, ExecutorError> {
        let graph = self.graph();
        let report = run_migrate(self.db.conn(), &graph, &Target::Latest)?;
        self.state = after;
        self.states.push(self.state.clone());
        Ok(report)
    }

    /// Applies `ops` as one migration through the executor, checks the schema, and returns
    /// the SQL that ran.
    pub fn migrate_ops(&mut self, ops: Vec<Operation>) -> Vec<String> {
        let (after, sql) = self.push_step(ops);
        if let Err(e) = self.try_apply(after) {
            panic!(
                "{}: migrating failed: {e}\nstatements:\n{}",
                self.backend,
                sql.join(";\n")
            );
        }
        self.assert_schema();
        sql
    }

    /// Applies `op` as one migration through the executor, checks the schema, and returns
    /// its SQL.
    pub fn forwards(&mut self, op: &Operation) -> Vec<String> {
        self.migrate_ops(vec![op.clone()])
    }

    /// Unapplies steps back to just after step `n` (0: everything) through the executor
    /// and checks the schema of that state.
    pub fn back_to(&mut self, n: usize) {
        let graph = self.graph();
        let target = if n == 0 {
            Target::Zero(APP.into())
        } else {
            Target::Migration(Self::step_key(n))
        };
        run_migrate(self.db.conn(), &graph, &target)
            .unwrap_or_else(|e| panic!("{}: migrating back to step {n}: {e}", self.backend));
        self.state = self.states[n].clone();
        self.assert_schema();
    }

    /// Re-applies every step after the current one through the executor.
    pub fn up_again(&mut self) {
        let graph = self.graph();
        run_migrate(self.db.conn(), &graph, &Target::Latest)
            .unwrap_or_else(|e| panic!("{}: migrating forwards again: {e}", self.backend));
        self.state = self.states.last().unwrap().clone();
        self.assert_schema();
    }

    /// The schema, comments and foreign-key names equal what `state` says.
    pub fn assert_schema_of(&mut self, state: &ProjectState) {
        assert_schema(self.db.conn(), state);
    }

    /// The schema equals the current state's.
    pub fn assert_schema(&mut self) {
        let state = self.state.clone();
        self.assert_schema_of(&state);
    }

    /// The introspected schema.
    pub fn introspect(&mut self) -> DbSchema {
        introspect(self.db.conn()).unwrap()
    }

    /// Test data, outside the migration machinery.
    pub fn exec(&mut self, sql: &str) {
        let backend = self.backend;
        self.db
            .conn()
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{backend}: {sql}: {e}"));
    }

    /// Test data that may be refused.
    pub fn try_exec(&mut self, sql: &str) -> Result<(), String> {
        self.db.conn().batch_execute(sql).map_err(|e| e.to_string())
    }

    /// Every row of `table` as `a|b|c` text (`NULL` for NULL), ordered by `order_by`. The
    /// text of a value is the backend's own cast to text (a DECIMAL(10,2) 8 is `8.00` on the
    /// servers and `8` on SQLite), so compare rows of one backend with each other, or
    /// columns whose text is the same everywhere (integers, strings).
    pub fn rows(&mut self, table: &str, cols: &[&str], order_by: &str) -> Vec<String> {
        let backend = self.backend;
        let cast = match backend {
            Backend::Mysql => "CHAR",
            _ => "TEXT",
        };
        let parts: Vec<String> = cols
            .iter()
            .map(|c| format!("COALESCE(CAST({} AS {cast}), 'NULL')", backend.quote(c)))
            .collect();
        let joined = match backend {
            Backend::Sqlite => parts.join(" || '|' || "),
            _ => format!("CONCAT({})", parts.join(", '|', ")),
        };
        let sql = format!(
            "SELECT {joined} AS r FROM {} ORDER BY {order_by}",
            backend.quote(table)
        );
        let rows: Vec<RowText> = diesel::sql_query(&sql)
            .load(self.db.conn())
            .unwrap_or_else(|e| panic!("{backend}: {sql}: {e}"));
        rows.into_iter().map(|r| r.r).collect()
    }
}

// ---------------------------------------------------------------------------------------
// Models and operations
// ---------------------------------------------------------------------------------------

/// `library.Author` (`authors`): id, unique name with a comment, nullable bio.
pub fn author_model() -> ModelState {
    let mut m = ModelState::new(APP, "Author", "authors");
    m.comment = Some("People who write books.".into());
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("name", ColumnType::Varchar(100))
            .unique()
            .comment("Full name, as printed."),
        FieldState::new("bio", ColumnType::Text).nullable(),
    ];
    m
}

/// `library.Book` (`books`): a foreign key to Author, a decimal with a default, an index
/// over two columns and a check constraint.
pub fn book_model() -> ModelState {
    let mut m = ModelState::new(APP, "Book", "books");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("title", ColumnType::Varchar(200)),
        FieldState::new("author", ColumnType::BigInt)
            .column("author_id")
            .foreign_key(ForeignKey::new(APP, "Author", OnDelete::Cascade))
            .index(),
        FieldState::new(
            "price",
            ColumnType::Decimal {
                precision: 10,
                scale: 2,
            },
        )
        .default(DefaultValue::Float("9.99".into())),
        FieldState::new("rating", ColumnType::Integer).nullable(),
    ];
    m.indexes = vec![IndexState::new(
        "books_title_author_idx",
        ["title", "author"],
        false,
    )];
    m.constraints = vec![ConstraintState::check(
        "books_rating_range",
        "rating IS NULL OR rating >= 0",
    )];
    m
}

/// `CreateModel` of `m`.
pub fn create(m: &ModelState) -> Operation {
    Operation::CreateModel(CreateModel::from_state(m))
}

/// `AddField` of `field` to `model`.
pub fn add(model: &str, field: FieldState) -> Operation {
    Operation::AddField(AddField::new(model, field))
}

/// `AlterField` of `model` to `field`.
pub fn alter(model: &str, field: FieldState) -> Operation {
    Operation::AlterField(AlterField::new(model, field))
}

/// Authors and books with rows; books without the index and check of [`book_model`] and
/// with a plain nullable `co_author` column.
pub fn seed(backend: Backend) -> Ctx {
    let mut cx = Ctx::new(backend);
    cx.forwards(&create(&author_model()));
    let mut book = book_model();
    book.constraints.clear();
    book.indexes.clear();
    book.fields
        .push(FieldState::new("co_author", ColumnType::BigInt).nullable());
    cx.forwards(&create(&book));
    cx.exec(
        "INSERT INTO authors (id, name, bio) VALUES (1, 'Le Guin', NULL), (2, 'Borges', 'Argentine'), (3, 'Lem', NULL)",
    );
    cx.exec(
        "INSERT INTO books (id, title, author_id, price, rating, co_author) VALUES \
           (1, 'The Dispossessed', 1, 12.5, 5, NULL), \
           (2, 'Ficciones', 2, 8, NULL, 3), \
           (3, 'Solaris', 3, 10.25, 4, NULL), \
           (4, 'Earthsea', 1, 9.99, NULL, 2), \
           (5, 'Aleph', 2, 7, 2, NULL)",
    );
    cx
}

/// The columns of the seeded `books` table.
pub const BOOK_COLS: [&str; 6] = ["id", "title", "author_id", "price", "rating", "co_author"];

/// One operation of every kind (and the column changes that matter), in an order that is
/// valid on every backend.
pub fn history() -> Vec<Operation> {
    vec![
        create(&author_model()),
        create(&book_model()),
        add(
            "Book",
            FieldState::new("published_date", ColumnType::Date).nullable(),
        ),
        add(
            "Book",
            FieldState::new("status", ColumnType::Varchar(20))
                .default(DefaultValue::Text("draft".into())),
        ),
        Operation::AddField(AddField {
            model: "Book".into(),
            field: FieldState::new("pages", ColumnType::Integer).default(DefaultValue::Int(0)),
            preserve_default: false,
        }),
        add(
            "Book",
            FieldState::new("isbn", ColumnType::Varchar(13))
                .nullable()
                .unique(),
        ),
        add(
            "Book",
            FieldState::new("meta", ColumnType::Json)
                .nullable()
                .comment("Free-form metadata."),
        ),
        alter("Book", FieldState::new("title", ColumnType::Varchar(300))),
        alter(
            "Book",
            FieldState::new("rating", ColumnType::Integer).default(DefaultValue::Int(3)),
        ),
        alter(
            "Book",
            FieldState::new("status", ColumnType::Varchar(20))
                .default(DefaultValue::Text("draft".into()))
                .index()
                .comment("Workflow state."),
        ),
        alter(
            "Book",
            FieldState::new("published_date", ColumnType::Timestamp).nullable(),
        ),
        Operation::RenameField(RenameField::new("Book", "pages", "page_count")),
        Operation::RemoveField(RemoveField::new("Book", "published_date")),
        Operation::RemoveField(RemoveField::new("Book", "isbn")),
        Operation::AddIndex(AddIndex::new(
            "Book",
            IndexState::new("books_status_rating_idx", ["status", "rating"], false),
        )),
        Operation::RenameIndex(RenameIndex::new(
            "Book",
            "books_status_rating_idx",
            "books_status_rating_ix",
        )),
        Operation::RemoveIndex(RemoveIndex::new("Book", "books_title_author_idx")),
        Operation::AddConstraint(AddConstraint::new(
            "Book",
            ConstraintState::unique("books_title_author_uniq", ["title", "author"]),
        )),
        Operation::RemoveConstraint(RemoveConstraint::new("Book", "books_rating_range")),
        Operation::AddConstraint(AddConstraint::new(
            "Book",
            ConstraintState::check(
                "books_pages_positive",
                "page_count >= 0 AND status <> 'gone'",
            ),
        )),
        Operation::RenameModel(RenameModel {
            old_name: "Author".into(),
            new_name: "Writer".into(),
        }),
        Operation::AlterModelTable(AlterModelTable {
            name: "Writer".into(),
            table: "writers".into(),
        }),
        Operation::AlterModelComment(AlterModelComment {
            name: "Writer".into(),
            comment: Some("People who write.".into()),
        }),
        Operation::AlterModelComment(AlterModelComment {
            name: "Book".into(),
            comment: Some("Books on the shelf.".into()),
        }),
        alter(
            "Book",
            FieldState::new("author", ColumnType::BigInt)
                .column("writer_id")
                .foreign_key(ForeignKey::new(APP, "Writer", OnDelete::Restrict))
                .index(),
        ),
        Operation::RunSql(RunSql::new(
            vec!["INSERT INTO writers (name) VALUES ('Ursula')".into()],
            Some(vec!["DELETE FROM writers WHERE name = 'Ursula'".into()]),
        )),
        Operation::DeleteModel(DeleteModel {
            name: "Book".into(),
        }),
    ]
}

/// `value` as a `DECIMAL` column on `backend` keeps it: SQLite's NUMERIC affinity turns number
/// text into a REAL (an INTEGER when whole), a double's worth of digits; the servers are exact.
pub fn decimal_as_stored(backend: Backend, value: rust_decimal::Decimal) -> rust_decimal::Decimal {
    if backend != Backend::Sqlite {
        return value;
    }
    let double: f64 = value.to_string().parse().unwrap();
    double.to_string().parse().unwrap()
}
