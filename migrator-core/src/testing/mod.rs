//! Test databases built by the project's migrations (the `testing` feature): what
//! `#[migrator_core::test]` runs on, and [`MigrationTest`] for testing a data migration the way
//! it runs in production.
//!
//! Each test gets its own database on the configured backend — the URL `migrate` would use
//! (`DATABASE_URL`, then `migrator.toml` at the workspace root) names the *server*; the
//! database itself is always a new one named `migrator_test_<test>_<unique>`. With nothing
//! configured (or an SQLite URL) it is a temporary SQLite file; with `sqlite::memory:` an
//! in-memory database. The database is migrated with the migrations embedded in the test
//! binary (to the latest, or to `migrate_to`), fixtures are applied, the test runs, and the
//! database is dropped — after success and after a panic alike; `keep_on_failure` keeps a
//! failing test's database and prints where it is.
//!
//! **Templates.** Replaying the whole history for every test is slow, so the first test of a
//! binary that needs a given backend and target builds a *template* once — a database
//! `migrator_tpl_<hash>` migrated to that target, the hash covering every migration in the
//! plan (operations, data-step code checksum, dependencies) and the target — and every test
//! copies it: a file copy on SQLite (templates in `target/tmp/migrator-templates/` for
//! integration tests), `CREATE DATABASE … TEMPLATE` on PostgreSQL, and on MySQL/MariaDB the
//! template's tables recreated (`SHOW CREATE TABLE`) and filled (`INSERT … SELECT`) in the
//! test's schema. Templates are named by content, so they outlive the run and are reused by the
//! next one while the migrations are unchanged; other test binaries building the same template
//! at the same time wait for each other (server locks) or race harmlessly (SQLite's atomic
//! rename). `MIGRATOR_TEST_TEMPLATES=0` migrates every test database from scratch.
//!
//! Not here: the attribute's parsing (`migrator-derive`'s `test_attr.rs`), migrating
//! (the executor), and URL resolution (`database`).

mod error;
mod migration_test;
mod place;
mod target;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::backend::{Backend, DbConnection};
use crate::database::{self, connect, DatabaseUrl};
use crate::executor::{self, MigrateOptions, Target};
use crate::graph::MigrationGraph;

pub use error::TestingError;
pub use migration_test::MigrationTest;
pub use place::{TEMPLATE_PREFIX, TEST_PREFIX};

use place::{Created, Place, TemplateInfo};
use target::{embedded_graph, resolve_migration};

/// The environment variable that turns templates off (`0`, `false`, `no`) or on (`1`, `true`,
/// `yes`, or unset).
pub const TEMPLATES_ENV: &str = "MIGRATOR_TEST_TEMPLATES";

/// How to make one test database. `#[migrator_core::test]` fills this from its options; use it
/// directly for a database outside the attribute (a benchmark, a custom harness).
#[derive(Clone, Debug, Default)]
pub struct TestOptions {
    name: String,
    graph: Option<Arc<MigrationGraph>>,
    migrate_to: Option<String>,
    url: Option<String>,
    workspace_root: Option<PathBuf>,
    template_dir: Option<PathBuf>,
    templates: Option<bool>,
}

impl TestOptions {
    /// Options for a test called `name` (part of the database's name, to find a kept one).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Migrate with `graph` instead of the migrations embedded in this binary.
    pub fn graph(mut self, graph: Arc<MigrationGraph>) -> Self {
        self.graph = Some(graph);
        self
    }

    /// Migrate only to `migration` (`"app.0002_name"`, or a unique prefix such as
    /// `"app.0002"`), not to the latest.
    pub fn migrate_to(mut self, migration: impl Into<String>) -> Self {
        self.migrate_to = Some(migration.into());
        self
    }

    /// Make the database on this server (or SQLite) instead of resolving `DATABASE_URL` and
    /// `migrator.toml`; only its backend, user, host, port and options are used.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The workspace root `migrator.toml` is read from (default: the nearest folder above
    /// `CARGO_MANIFEST_DIR` whose `Cargo.toml` has a `[workspace]`).
    pub fn workspace_root(mut self, root: impl Into<PathBuf>) -> Self {
        self.workspace_root = Some(root.into());
        self
    }

    /// Where SQLite templates are kept (default: `migrator-templates` in the system's
    /// temporary folder; the attribute passes `CARGO_TARGET_TMPDIR` for integration tests).
    pub fn template_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.template_dir = Some(dir.into());
        self
    }

    /// Copy from a template (`true`) or migrate from scratch (`false`), whatever
    /// [`TEMPLATES_ENV`] says.
    pub fn templates(mut self, on: bool) -> Self {
        self.templates = Some(on);
        self
    }

    /// Creates, migrates and connects to the test database.
    pub fn create(&self) -> Result<TestDatabase, TestingError> {
        let graph = self.graph_or_embedded()?;
        let target = self.target(&graph)?;
        let place = self.place()?;
        let templates = match self.templates {
            Some(on) => on,
            None => templates_from_env()?,
        } && !matches!(place, Place::SqliteMemory);
        let name = format!(
            "{TEST_PREFIX}{}_{}",
            short_name(&self.name),
            place::unique_suffix()
        );
        let created = if templates {
            let template = template_name(&graph, &target, place.backend())?;
            let info = ensure_template(&place, &template, &graph, &target)?;
            place.create_from_template(&name, &template, &info)?
        } else {
            let created = place.create_empty(&name)?;
            let mut db = TestDatabase::new(place.clone(), created.clone(), None);
            let conn = db.open()?;
            migrate(conn, &graph, &target, &created.url.to_string())?;
            return Ok(db);
        };
        let mut db = TestDatabase::new(place, created, None);
        db.open()?;
        Ok(db)
    }

    /// The template these options copy from (`migrator_tpl_<hash>`), whether or not it exists.
    pub fn template_name(&self) -> Result<String, TestingError> {
        let graph = self.graph_or_embedded()?;
        let target = self.target(&graph)?;
        template_name(&graph, &target, self.place()?.backend())
    }

    /// Drops the template these options copy from, if it exists (the next test that needs it
    /// builds it again). Templates are never dropped otherwise: they are named by content, so
    /// an old one is only unused, never wrong.
    pub fn drop_template(&self) -> Result<(), TestingError> {
        let name = self.template_name()?;
        let place = self.place()?;
        ready_templates()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&format!("{place:?} {name}"));
        place.drop_template(&name)
    }

    fn graph_or_embedded(&self) -> Result<Arc<MigrationGraph>, TestingError> {
        match &self.graph {
            Some(g) => Ok(Arc::clone(g)),
            None => embedded_graph(),
        }
    }

    fn target(&self, graph: &MigrationGraph) -> Result<Target, TestingError> {
        match &self.migrate_to {
            None => Ok(Target::Latest),
            Some(given) => resolve_migration(graph, given).map(Target::Migration),
        }
    }

    /// Where this test's database goes: the configured backend, with its own database.
    fn place(&self) -> Result<Place, TestingError> {
        let url = match &self.url {
            Some(u) => DatabaseUrl::parse(u, Path::new("/"))?,
            None => {
                let root = match &self.workspace_root {
                    Some(r) => r.clone(),
                    None => workspace_root(),
                };
                database::resolve(None, &root)?.url
            }
        };
        Ok(match url.backend() {
            Backend::Sqlite if url.sqlite_path().is_none() => Place::SqliteMemory,
            Backend::Sqlite => Place::SqliteFiles {
                tests: std::env::temp_dir(),
                templates: self
                    .template_dir
                    .clone()
                    .unwrap_or_else(std::env::temp_dir)
                    .join("migrator-templates"),
            },
            backend => {
                let maintenance = match backend {
                    Backend::Postgres => "postgres",
                    _ => "mysql",
                };
                Place::Server {
                    backend,
                    admin: url.with_database(maintenance).expect("a server URL"),
                    base: url,
                }
            }
        })
    }
}

fn templates_from_env() -> Result<bool, TestingError> {
    match std::env::var(TEMPLATES_ENV) {
        Err(_) => Ok(true),
        Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
            "" | "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(TestingError::sql(
                TEMPLATES_ENV,
                format!("reading {TEMPLATES_ENV}={v}"),
                "expected 0 (migrate every test database from scratch) or 1 (copy a template)",
            )),
        },
    }
}

/// The nearest folder at or above `CARGO_MANIFEST_DIR` (else the current folder) whose
/// `Cargo.toml` has a `[workspace]` table: where the CLI reads `migrator.toml` from.
fn workspace_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    workspace_root_of(&start)
}

/// The test's name as a database-name part: lowercase letters, digits and `_`, the last
/// path segment, at most 20 characters.
fn short_name(name: &str) -> String {
    let last = name.rsplit("::").next().unwrap_or(name);
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(20)
        .collect();
    if cleaned.is_empty() {
        "t".to_owned()
    } else {
        cleaned
    }
}

/// `migrator_tpl_<hash>`: the hash covers this crate's version, the backend, the target and
/// every migration of the plan to it (key, dependencies, operation checksum, data-step code
/// checksum), so a changed history never reuses an old template.
fn template_name(
    graph: &MigrationGraph,
    target: &Target,
    backend: Backend,
) -> Result<String, TestingError> {
    use sha2::Digest as _;
    let plan = executor::migration_plan(graph, &Default::default(), target).map_err(|e| {
        TestingError::BadTarget {
            given: format!("{target:?}"),
            reason: e.to_string(),
        }
    })?;
    let mut hash = sha2::Sha256::new();
    hash.update(format!(
        "migrator-test-template 1 {} {backend} {target:?}\n",
        env!("CARGO_PKG_VERSION")
    ));
    for step in &plan {
        let m = graph
            .migration(&step.key)
            .expect("planned migrations exist");
        hash.update(format!(
            "{} {:?} {} {:?}\n",
            step.key,
            m.dependencies,
            crate::recorder::checksum(m),
            crate::recorder::code_checksum(m)
        ));
    }
    let digest = hash.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{TEMPLATE_PREFIX}{hex}"))
}

type Slot = Arc<Mutex<Option<TemplateInfo>>>;

/// The templates this process has made sure of, by place and name.
fn ready_templates() -> &'static Mutex<std::collections::BTreeMap<String, Slot>> {
    static READY: OnceLock<Mutex<std::collections::BTreeMap<String, Slot>>> = OnceLock::new();
    READY.get_or_init(Default::default)
}

/// Builds the template once per process (and, across processes, once per name).
fn ensure_template(
    place: &Place,
    template: &str,
    graph: &MigrationGraph,
    target: &Target,
) -> Result<TemplateInfo, TestingError> {
    let slot = Arc::clone(
        ready_templates()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(format!("{place:?} {template}"))
            .or_default(),
    );
    // Threads wanting the same template wait here while the first builds it.
    let mut ready = slot.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(info) = &*ready {
        return Ok(info.clone());
    }
    let info = place.ensure_template(template, &|conn, shown| {
        migrate(
            conn,
            graph,
            target,
            &format!("{shown} (template {template})"),
        )
    })?;
    *ready = Some(info.clone());
    Ok(info)
}

fn migrate(
    conn: &mut DbConnection,
    graph: &MigrationGraph,
    target: &Target,
    shown: &str,
) -> Result<(), TestingError> {
    executor::migrate(conn, graph, target, &MigrateOptions::default(), &mut |_| {})
        .map(drop)
        .map_err(|e| TestingError::Migrate {
            database: shown.to_owned(),
            what: match target {
                Target::Migration(key) => format!("to {key}"),
                _ => "to the latest migrations".to_owned(),
            },
            source: Box::new(e),
        })
}

/// One test's database and its connection. Dropping it drops the database (errors are
/// printed to stderr; call [`TestDatabase::close`] to get them), unless [`TestDatabase::keep`]
/// was called.
pub struct TestDatabase {
    place: Place,
    created: Created,
    conn: Option<DbConnection>,
    kept: bool,
    dropped: bool,
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase")
            .field("location", &self.location())
            .field("kept", &self.kept)
            .finish_non_exhaustive()
    }
}

impl TestDatabase {
    fn new(place: Place, created: Created, conn: Option<DbConnection>) -> Self {
        Self {
            place,
            created,
            conn,
            kept: false,
            dropped: false,
        }
    }

    fn open(&mut self) -> Result<&mut DbConnection, TestingError> {
        if self.conn.is_none() {
            self.conn = Some(connect(&self.created.url)?);
        }
        Ok(self.conn.as_mut().expect("just opened"))
    }

    /// The connection to the test database.
    pub fn conn(&mut self) -> &mut DbConnection {
        self.conn
            .as_mut()
            .expect("a TestDatabase holds its connection until it is closed")
    }

    /// The backend the database is on.
    pub fn backend(&self) -> Backend {
        self.place.backend()
    }

    /// The server database's name, or the SQLite file's path.
    pub fn name(&self) -> &str {
        &self.created.name
    }

    /// The database's URL, password hidden (`Display` of [`DatabaseUrl`]).
    pub fn location(&self) -> String {
        self.created.url.to_string()
    }

    /// The database's URL, to open another connection to it.
    pub fn url(&self) -> &DatabaseUrl {
        &self.created.url
    }

    /// Keep the database when this value is dropped (for inspection).
    pub fn keep(&mut self) {
        self.kept = true;
    }

    /// Runs `sql` (one or more statements) on the database, as an SQL fixture named `name`.
    pub fn apply_sql(&mut self, name: &str, sql: &str) -> Result<(), TestingError> {
        use diesel::connection::SimpleConnection as _;
        let database = self.location();
        self.conn()
            .batch_execute(sql)
            .map_err(|e| TestingError::Fixture {
                database,
                fixture: name.to_owned(),
                message: e.to_string(),
            })
    }

    /// Closes the connection and drops the database now (unless kept), reporting errors.
    pub fn close(mut self) -> Result<(), TestingError> {
        self.drop_database()
    }

    fn drop_database(&mut self) -> Result<(), TestingError> {
        self.conn = None;
        if self.kept || self.dropped {
            return Ok(());
        }
        self.dropped = true;
        self.place.drop_database(&self.created)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Err(e) = self.drop_database() {
            eprintln!("migrator: {e}");
        }
    }
}

/// What the attribute's generated code calls. Not a public API: names here may change in
/// any release.
#[doc(hidden)]
pub mod __private {
    use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

    use super::TestOptions;
    use crate::backend::DbConnection;

    /// A Rust fixture as the attribute adapts it: `Err` with the fixture's error text.
    pub type FixtureFn = fn(&mut DbConnection) -> Result<(), String>;

    /// The options of one `#[migrator_core::test]`, as the attribute writes them.
    #[derive(Debug)]
    pub struct TestSpec {
        /// `module_path!()::name`.
        pub name: &'static str,
        /// The test crate's `CARGO_MANIFEST_DIR`.
        pub manifest_dir: &'static str,
        /// `CARGO_TARGET_TMPDIR` (integration tests only).
        pub target_tmpdir: Option<&'static str>,
        /// `migrate_to`.
        pub migrate_to: Option<&'static str>,
        /// `(path, contents)` of each SQL fixture, in order.
        pub fixtures: &'static [(&'static str, &'static str)],
        /// The Rust fixture: its path and an adapter calling it.
        pub fixture: Option<(&'static str, FixtureFn)>,
        /// `keep_on_failure`.
        pub keep_on_failure: bool,
    }

    /// The connection type a `#[migrator_core::test]` function takes (only `DbConnection`).
    #[diagnostic::on_unimplemented(
        message = "a `#[migrator_core::test]` function takes `&mut migrator_core::connection::DbConnection`, not `&mut {Self}`",
        label = "write `conn: &mut DbConnection` here"
    )]
    pub trait TestConnection {
        /// The runtime's connection as this type.
        fn from_db(conn: &mut DbConnection) -> &mut Self;
    }
    impl TestConnection for DbConnection {
        fn from_db(conn: &mut DbConnection) -> &mut Self {
            conn
        }
    }

    /// What a `#[migrator_core::test]` function may return: `()` or `Result<(), E>` with
    /// `E: Debug` (as `#[test]`).
    #[diagnostic::on_unimplemented(
        message = "a `#[migrator_core::test]` function returns `()` or `Result<(), E>` (E: Debug), not `{Self}`",
        label = "return `()` or a `Result<(), E>` here"
    )]
    pub trait TestReturn {
        /// `Err` with the error's `Debug` text on failure.
        fn into_test_result(self) -> Result<(), String>;
    }
    impl TestReturn for () {
        fn into_test_result(self) -> Result<(), String> {
            Ok(())
        }
    }
    impl<E: std::fmt::Debug> TestReturn for Result<(), E> {
        fn into_test_result(self) -> Result<(), String> {
            self.map_err(|e| format!("{e:?}"))
        }
    }

    /// What a fixture function may return: `()` or `Result<(), E>` with `E: Display`.
    pub trait FixtureResult {
        /// `Err` with the error's text.
        fn into_fixture_result(self) -> Result<(), String>;
    }
    impl FixtureResult for () {
        fn into_fixture_result(self) -> Result<(), String> {
            Ok(())
        }
    }
    impl<E: std::fmt::Display> FixtureResult for Result<(), E> {
        fn into_fixture_result(self) -> Result<(), String> {
            self.map_err(|e| e.to_string())
        }
    }

    /// Runs one test: creates its database, applies the fixtures, calls `body`, drops the
    /// database (or keeps it on failure when asked, saying where), and fails the test with
    /// the body's panic or error.
    pub fn run<R: TestReturn>(spec: TestSpec, body: impl FnOnce(&mut DbConnection) -> R) {
        let options = TestOptions::new(spec.name).workspace_root(super::workspace_root_of(
            std::path::Path::new(spec.manifest_dir),
        ));
        run_with(options, spec, body);
    }

    /// [`run`] with options to start from (a server URL, a graph): what the tests of the
    /// runtime itself call.
    pub fn run_with<R: TestReturn>(
        mut options: TestOptions,
        spec: TestSpec,
        body: impl FnOnce(&mut DbConnection) -> R,
    ) {
        if let Some(dir) = spec.target_tmpdir {
            options = options.template_dir(dir);
        }
        if let Some(to) = spec.migrate_to {
            options = options.migrate_to(to);
        }
        let mut db = options
            .create()
            .unwrap_or_else(|e| panic!("{}: {e}", spec.name));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            for (path, sql) in spec.fixtures {
                if let Err(e) = db.apply_sql(path, sql) {
                    panic!("{e}");
                }
            }
            if let Some((path, fixture)) = spec.fixture {
                if let Err(message) = fixture(db.conn()) {
                    panic!(
                        "test database {}: fixture `{path}` failed: {message}",
                        db.location()
                    );
                }
            }
            body(db.conn()).into_test_result()
        }));
        let failed = !matches!(outcome, Ok(Ok(())));
        if failed && spec.keep_on_failure {
            db.keep();
            eprintln!(
                "migrator: kept the database of the failed test `{}` for inspection: {} \
                 (drop it when done{})",
                spec.name,
                db.location(),
                match db.backend() {
                    crate::backend::Backend::Sqlite => ": delete the file",
                    _ => ": DROP DATABASE",
                }
            );
        }
        let dropped = db.close();
        match outcome {
            Err(panic) => {
                if let Err(e) = dropped {
                    eprintln!("migrator: {e}");
                }
                resume_unwind(panic)
            }
            Ok(Err(error)) => {
                if let Err(e) = dropped {
                    eprintln!("migrator: {e}");
                }
                panic!("Error: {error}")
            }
            Ok(Ok(())) => {
                if let Err(e) = dropped {
                    panic!("{}: the test passed, but {e}", spec.name);
                }
            }
        }
    }
}

/// [`workspace_root`] from a given manifest folder.
fn workspace_root_of(manifest_dir: &Path) -> PathBuf {
    manifest_dir
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .ok()
                .and_then(|text| text.parse::<toml::Table>().ok())
                .is_some_and(|t| t.contains_key("workspace"))
        })
        .unwrap_or(manifest_dir)
        .to_path_buf()
}
