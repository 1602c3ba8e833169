//! The shared fixture of the reliability tests (`concurrency`, `crash`, `bad_input`):
//! a one-app workspace `rel` with twelve hand-written migrations (schema changes, RunSql
//! inserts and RunRust steps that sleep per backend), built once per test process with the
//! `postgres` and `mysql` features into this repository's target directory. It has two
//! binaries: `rel-manage` (`migrator_cli::main!(rel)`: the migrate command itself, started
//! directly so a test can start eight at once or SIGKILL the very process that migrates)
//! and `rel-probe` (creates/drops server databases, runs SQL, and prints the recorder rows, the row
//! counts and how the live schema differs from the recorded migrations' state).
//!
//! Server databases are fresh per round (`migrator_t_<pid>_<n>`) and dropped by [`TestDb`]'s
//! `Drop`. An unreachable server fails the test, naming it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use migrator_tests::{repo_root, target_dir};

/// The backends the reliability tests run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
    Mysql,
}

impl Kind {
    pub fn admin_url(self) -> String {
        match self {
            Kind::Postgres => std::env::var("MIGRATOR_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned()),
            Kind::Mysql => std::env::var("MIGRATOR_TEST_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".to_owned()),
            Kind::Sqlite => unreachable!("SQLite has no server"),
        }
    }
}

/// Every migration of the fixture, in apply order.
pub const MIGRATIONS: [&str; 12] = [
    "0001_initial",
    "0002_book",
    "0003_book_pages",
    "0004_slow_author_bio",
    "0005_tag",
    "0006_tag_label",
    "0007_seed_author",
    "0008_book_isbn",
    "0009_tag_weight",
    "0010_review",
    "0011_review_stars",
    "0012_slow_seed_tag",
];

const MODELS: &str = r#"//! The reliability fixture's models.

use migrator_core::Model;

#[derive(Debug, Model)]
#[model(table = "rel_authors")]
pub struct Author {
    pub id: i64,
    #[model(max_length = 100)]
    pub name: String,
    pub bio: Option<String>,
}

#[derive(Debug, Model)]
#[model(table = "rel_books")]
pub struct Book {
    pub id: i64,
    #[model(max_length = 200, index)]
    pub title: String,
    #[model(foreign_key = Author, on_delete = "cascade", index)]
    pub author_id: i64,
    pub pages: Option<i32>,
    #[model(max_length = 20)]
    pub isbn: Option<String>,
}

#[derive(Debug, Model)]
#[model(table = "rel_tags")]
pub struct Tag {
    pub id: i64,
    #[model(max_length = 50)]
    pub label: Option<String>,
    pub weight: Option<i32>,
}

#[derive(Debug, Model)]
#[model(table = "rel_reviews")]
pub struct Review {
    pub id: i64,
    #[model(foreign_key = Book, on_delete = "cascade", index)]
    pub book_id: i64,
    pub stars: Option<i32>,
}
"#;

const LIB: &str = r#"//! The reliability fixture: models, embedded migrations and the RunRust step they share.

pub mod models;

migrator_core::embed_migrations!();

/// A data step that takes a while: `REL_SLEEP_MS` (default 200) milliseconds, spent in the
/// database where it can sleep (PostgreSQL `pg_sleep`, MySQL `SLEEP`), in Rust on SQLite.
pub fn slow_step(conn: &mut migrator_core::backend::DbConnection) -> Result<(), migrator_core::BoxError> {
    use diesel::connection::SimpleConnection;
    use migrator_core::backend::Backend;
    let ms: u64 = std::env::var("REL_SLEEP_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let secs = ms as f64 / 1000.0;
    if std::env::var_os("REL_FAIL").is_some() {
        return Err("REL_FAIL is set: the slow step fails".into());
    }
    if std::env::var_os("REL_PANIC").is_some() {
        panic!("REL_PANIC is set: the slow step panics");
    }
    match conn.backend() {
        Backend::Postgres => conn.batch_execute(&format!("SELECT pg_sleep({secs})"))?,
        Backend::Mysql => conn.batch_execute(&format!("DO SLEEP({secs})"))?,
        Backend::Sqlite => std::thread::sleep(std::time::Duration::from_millis(ms)),
    }
    Ok(())
}

/// The backward of [`slow_step`]: nothing to undo.
pub fn noop_step(_conn: &mut migrator_core::backend::DbConnection) -> Result<(), migrator_core::BoxError> {
    Ok(())
}
"#;

const MANAGE: &str =
    "//! `migrate` and friends for the fixture, in-process.\nmigrator_cli::main!(rel);\n";

const PROBE: &str = r#"//! Test probe: `create-db ADMIN_URL NAME`, `drop-db ADMIN_URL NAME`, `state URL`, `exec URL SQL`.
use rel as _;

use diesel::connection::SimpleConnection;
use diesel::RunQueryDsl;
use migrator_core::database::{connect, DatabaseUrl};
use migrator_core::MigrationKey;

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Text)]
    app: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Tables and columns named like SQL keywords, through migrate forwards, a rename, and back
/// to zero; the live schema must equal the state after every step.
fn keywords(conn: &mut migrator_core::backend::DbConnection) -> Result<(), Box<dyn std::error::Error>> {
    use migrator_core::executor::{migrate, MigrateOptions, Target};
    use migrator_core::migration::prelude::*;
    let m1 = Migration::new("kw", "0001_initial")
        .initial(true)
        .operation(
            create_model("Table", "table")
                .field(field("id", ColumnType::BigInt).primary_key().auto_increment())
                .field(field("user", ColumnType::Varchar(30)).unique()),
        )
        .operation(
            create_model("Order", "order")
                .field(field("id", ColumnType::BigInt).primary_key().auto_increment())
                .field(field("select", ColumnType::Varchar(10)).index())
                .field(field("group", ColumnType::Integer).nullable())
                .field(field("desc", ColumnType::Text).nullable())
                .field(
                    field("table_id", ColumnType::BigInt)
                        .foreign_key(ForeignKey::new("kw", "Table", OnDelete::Cascade)),
                )
                .constraint(check_constraint("order_table_id_check", "table_id > 0")),
        );
    let m2 = Migration::new("kw", "0002_keywords")
        .dependency("kw", "0001_initial")
        .operation(rename_field("Order", "select", "from"))
        .operation(add_field("Order", field("where", ColumnType::Integer).nullable()))
        .operation(add_field("Table", field("key", ColumnType::Varchar(20)).nullable().index()));
    let graph = migrator_core::graph::MigrationGraph::new(vec![m1, m2])?;
    let check = |conn: &mut migrator_core::backend::DbConnection, applied: &[MigrationKey]| -> Result<(), Box<dyn std::error::Error>> {
        let state = graph.make_state(applied)?;
        let expected = migrator_core::introspect::expected_schema(&state, conn.backend())?;
        let actual = migrator_core::introspect::introspect(conn)?;
        for line in actual.diff(&expected) {
            println!("drift {line}");
        }
        Ok(())
    };
    let k1 = MigrationKey::new("kw", "0001_initial");
    let k2 = MigrationKey::new("kw", "0002_keywords");
    migrate(conn, &graph, &Target::Migration(k1.clone()), &MigrateOptions::default(), &mut |_| {})?;
    check(conn, &[k1.clone()])?;
    conn.batch_execute(&format!(
        "INSERT INTO {t} ({u}) VALUES ('it''s'); INSERT INTO {o} ({s}, {g}, {ti}) VALUES ('x', 1, 1)",
        t = conn.backend().quote("table"), u = conn.backend().quote("user"),
        o = conn.backend().quote("order"), s = conn.backend().quote("select"),
        g = conn.backend().quote("group"), ti = conn.backend().quote("table_id"),
    ))?;
    migrate(conn, &graph, &Target::Latest, &MigrateOptions::default(), &mut |_| {})?;
    check(conn, &[k1.clone(), k2])?;
    migrate(conn, &graph, &Target::Migration(k1.clone()), &MigrateOptions::default(), &mut |_| {})?;
    check(conn, &[k1])?;
    migrate(conn, &graph, &Target::Zero("kw".into()), &MigrateOptions::default(), &mut |_| {})?;
    check(conn, &[])?;
    println!("keywords ok");
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = DatabaseUrl::parse(&args[1], std::path::Path::new("/"))?;
    let mut conn = connect(&url)?;
    let backend = conn.backend();
    match args[0].as_str() {
        "create-db" => {
            let q = backend.quote(&args[2]);
            conn.batch_execute(&format!("DROP DATABASE IF EXISTS {q}"))?;
            conn.batch_execute(&format!("CREATE DATABASE {q}"))?;
        }
        "drop-db" => {
            let q = backend.quote(&args[2]);
            let force = if backend == migrator_core::backend::Backend::Postgres { " WITH (FORCE)" } else { "" };
            conn.batch_execute(&format!("DROP DATABASE IF EXISTS {q}{force}"))?;
        }
        "state" => {
            let loaded = migrator_core::loader::load_embedded()?;
            let mut keys = Vec::new();
            if migrator_core::recorder::has_table(&mut conn)? {
                let rows: Vec<Row> = diesel::sql_query(format!(
                    "SELECT {a} AS app, {n} AS name FROM {t} ORDER BY {i}",
                    a = backend.quote("app"), n = backend.quote("name"),
                    t = backend.quote("migrator_migrations"), i = backend.quote("id")
                )).load(&mut conn)?;
                for r in rows {
                    println!("applied {}.{}", r.app, r.name);
                    keys.push(MigrationKey::new(r.app, r.name));
                }
            }
            for i in migrator_core::recorder::interrupted(&mut conn)? {
                let dir = if i.backwards { " unapply" } else { "" };
                println!("interrupted {} {} {}{dir}", i.key, i.operation, i.total);
            }
            let state = loaded.graph.make_state(&keys)?;
            let expected = migrator_core::introspect::expected_schema(&state, backend)?;
            let actual = migrator_core::introspect::introspect(&mut conn)?;
            for line in actual.diff(&expected) {
                println!("drift {line}");
            }
            for table in ["rel_authors", "rel_tags"] {
                if actual.tables.contains_key(table) {
                    let n: Vec<Count> = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).load(&mut conn)?;
                    println!("count {table} {}", n[0].n);
                }
            }
        }
        "keywords" => keywords(&mut conn)?,
        "exec" => conn.batch_execute(&args[2])?,
        other => return Err(format!("unknown probe command {other}").into()),
    }
    Ok(())
}
"#;

/// The migration files: (name, body of `migration()` after `Migration::default()`).
fn migration_files() -> Vec<(&'static str, String)> {
    let id = r#".field(field("id", ColumnType::BigInt).primary_key().auto_increment())"#;
    let bodies: [&str; 12] = [
        // 0001
        r#".initial(true).operation(create_model("Author", "rel_authors") ID
            .field(field("name", ColumnType::Varchar(100))))"#,
        // 0002
        r#".dependency("rel", "0001_initial").operation(create_model("Book", "rel_books") ID
            .field(field("title", ColumnType::Varchar(200)).index())
            .field(field("author_id", ColumnType::BigInt).index().foreign_key(ForeignKey::new("rel", "Author", OnDelete::Cascade))))"#,
        // 0003
        r#".dependency("rel", "0002_book").operation(add_field("Book", field("pages", ColumnType::Integer).nullable()))"#,
        // 0004
        r#".dependency("rel", "0003_book_pages")
            .operation(run_rust("slow_step", crate::slow_step).backward(crate::slow_step))
            .operation(add_field("Author", field("bio", ColumnType::Text).nullable()))"#,
        // 0005
        r#".dependency("rel", "0004_slow_author_bio").operation(create_model("Tag", "rel_tags") ID)"#,
        // 0006
        r#".dependency("rel", "0005_tag").operation(add_field("Tag", field("label", ColumnType::Varchar(50)).nullable()))"#,
        // 0007
        r#".dependency("rel", "0006_tag_label").operation(run_sql(["INSERT INTO rel_authors (name) VALUES ('seed')"]).reverse(["DELETE FROM rel_authors WHERE name = 'seed'"]))"#,
        // 0008
        r#".dependency("rel", "0007_seed_author").operation(add_field("Book", field("isbn", ColumnType::Varchar(20)).nullable()))"#,
        // 0009
        r#".dependency("rel", "0008_book_isbn").operation(add_field("Tag", field("weight", ColumnType::Integer).nullable()))"#,
        // 0010
        r#".dependency("rel", "0009_tag_weight").operation(create_model("Review", "rel_reviews") ID
            .field(field("book_id", ColumnType::BigInt).index().foreign_key(ForeignKey::new("rel", "Book", OnDelete::Cascade))))"#,
        // 0011
        r#".dependency("rel", "0010_review").operation(add_field("Review", field("stars", ColumnType::Integer).nullable()))"#,
        // 0012
        r#".dependency("rel", "0011_review_stars")
            .operation(run_sql(["INSERT INTO rel_tags (label) VALUES ('t')"]).reverse(["DELETE FROM rel_tags WHERE label = 't'"]))
            .operation(run_rust("slow_step", crate::slow_step).backward(crate::noop_step))"#,
    ];
    MIGRATIONS
        .iter()
        .zip(bodies)
        .map(|(name, body)| {
            (
                *name,
                format!(
                    "// Reliability fixture migration.\n\nuse migrator_core::migration::prelude::*;\n\npub fn migration() -> Migration {{\n    Migration::default(){}\n}}\n",
                    body.replace("ID", id)
                ),
            )
        })
        .collect()
}

fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() == Some(contents) {
        return;
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// Writes the fixture workspace into `root` (files are only rewritten when they change).
pub fn write_workspace(root: &Path) {
    let repo = repo_root();
    let core = repo.join("migrator-core");
    let cli = repo.join("migrator-cli");
    let diesel_version = {
        let text = std::fs::read_to_string(repo.join("Cargo.toml")).unwrap();
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        doc["workspace"]["dependencies"]["diesel"]["version"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let profile = {
        let text = std::fs::read_to_string(repo.join("Cargo.toml")).unwrap();
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        let mut out = toml_edit::DocumentMut::new();
        if let Some(p) = doc.get("profile") {
            out.insert("profile", p.clone());
        }
        out.to_string()
    };
    write_if_changed(
        &root.join("Cargo.toml"),
        &format!("[workspace]\nresolver = \"2\"\nmembers = [\"rel\"]\n\n{profile}"),
    );
    write_if_changed(
        &root.join("rel/Cargo.toml"),
        &format!(
            r#"[package]
name = "rel"
version = "0.0.0"
edition = "2021"
publish = false

[features]
postgres = ["migrator-core/postgres", "migrator-cli/postgres"]
mysql = ["migrator-core/mysql", "migrator-cli/mysql"]

[dependencies]
migrator-core = {{ path = "{core}" }}
# Without the driver, as every `migrator` host links it: then migrator-core and diesel with
# both servers are the ones a host for both backends compiles, not a build of their own.
migrator-cli = {{ path = "{cli}", default-features = false }}
diesel = {{ version = "{diesel_version}", default-features = false }}

[build-dependencies]
migrator-build = {{ path = "{build}" }}

[[bin]]
name = "rel-manage"
path = "src/bin/manage.rs"

[[bin]]
name = "rel-probe"
path = "src/bin/probe.rs"

[[bin]]
name = "rel-inspect-probe"
path = "src/bin/inspect_probe.rs"
"#,
            core = core.display(),
            cli = cli.display(),
            build = core.with_file_name("migrator-build").display(),
        ),
    );
    write_if_changed(
        &root.join("rel/build.rs"),
        "fn main() {\n    migrator_build::embed_migrations();\n}\n",
    );
    write_if_changed(&root.join("rel/src/lib.rs"), LIB);
    write_if_changed(&root.join("rel/src/models.rs"), MODELS);
    write_if_changed(&root.join("rel/src/bin/manage.rs"), MANAGE);
    write_if_changed(&root.join("rel/src/bin/probe.rs"), PROBE);
    // inspectdb.rs's probe: built here, with both server features, instead of in each
    // inspectdb test's own workspace (which compiled migrator-core once more for it).
    write_if_changed(
        &root.join("rel/src/bin/inspect_probe.rs"),
        crate::inspectdb::PROBE,
    );
    for (name, text) in migration_files() {
        write_if_changed(&root.join(format!("rel/migrations/{name}.rs")), &text);
    }
    let lock = std::fs::read_to_string(repo.join("Cargo.lock")).unwrap();
    if !root.join("Cargo.lock").exists() {
        write_if_changed(&root.join("Cargo.lock"), &lock);
    }
}

/// The built fixture.
pub struct Fixture {
    /// The workspace root.
    pub root: PathBuf,
    /// `rel-manage`.
    pub manage: PathBuf,
    /// `rel-probe`.
    pub probe: PathBuf,
    /// `rel-inspect-probe` (inspectdb.rs's [`PROBE`](crate::inspectdb::PROBE)).
    pub inspect_probe: PathBuf,
}

/// The fixture, written and built once per test process (under the target directory, so it is
/// reused across runs and never piles up).
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = target_dir().join("migrator-reliability-fixture");
        write_workspace(&root);
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--quiet", "--bins", "--features", "postgres,mysql"])
            .arg("--manifest-path")
            .arg(root.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", target_dir())
            .stdin(Stdio::null())
            .output()
            .expect("run cargo build for the reliability fixture");
        assert!(
            out.status.success(),
            "building the reliability fixture failed (it needs libpq and libmysqlclient):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bin = |name: &str| target_dir().join("debug").join(name);
        Fixture {
            manage: bin("rel-manage"),
            probe: bin("rel-probe"),
            inspect_probe: bin("rel-inspect-probe"),
            root,
        }
    })
}

/// A database for one round: a fresh SQLite file or a fresh server database, dropped on
/// `Drop` (also when the test panics).
pub struct TestDb {
    pub kind: Kind,
    pub url: String,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    pub fn create(kind: Kind) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("migrator_t_{}_{n}", std::process::id());
        if kind == Kind::Sqlite {
            let dir = tempfile::tempdir().unwrap();
            let url = format!(
                "sqlite://{}",
                dir.path().join(format!("{name}.db")).display()
            );
            return Self {
                kind,
                url,
                name,
                _dir: Some(dir),
            };
        }
        let admin = kind.admin_url();
        let out = probe(&["create-db", &admin, &name]);
        assert!(
            out.status.success(),
            "the {kind:?} server at {} is unreachable or refused CREATE DATABASE; start it \
             (PostgreSQL 127.0.0.1:5432 user postgres trust, MariaDB 127.0.0.1:3306 root without \
             password) or set MIGRATOR_TEST_POSTGRES_URL / MIGRATOR_TEST_MYSQL_URL:\n{}",
            redact(&admin),
            String::from_utf8_lossy(&out.stderr)
        );
        let (base, _) = admin.rsplit_once('/').unwrap();
        Self {
            kind,
            url: format!("{base}/{name}"),
            name,
            _dir: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.kind != Kind::Sqlite {
            let out = probe(&["drop-db", &self.kind.admin_url(), &self.name]);
            if !out.status.success() {
                eprintln!(
                    "could not drop test database {}: {}",
                    self.name,
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(a), Some(b)) if b > a => format!("{}://…@{}", &url[..a], &url[b + 1..]),
        _ => url.to_owned(),
    }
}

/// Runs `rel-probe ARGS`.
pub fn probe(args: &[&str]) -> Output {
    Command::new(&fixture().probe)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run rel-probe")
}

/// What the probe saw in a database.
#[derive(Debug, Default)]
pub struct DbState {
    /// Recorder rows in insertion order (`rel.0001_initial`), duplicates kept.
    pub applied: Vec<String>,
    /// `interrupted KEY OP TOTAL` rows.
    pub interrupted: Vec<String>,
    /// Differences between the live schema and the recorded migrations' state.
    pub drift: Vec<String>,
    /// Row counts (`rel_authors`, `rel_tags`) of the tables that exist.
    pub counts: Vec<(String, i64)>,
}

impl DbState {
    pub fn count(&self, table: &str) -> Option<i64> {
        self.counts
            .iter()
            .find(|(t, _)| t == table)
            .map(|(_, n)| *n)
    }
}

/// Reads a database's state through the probe.
pub fn state(url: &str) -> DbState {
    let out = probe(&["state", url]);
    assert!(
        out.status.success(),
        "rel-probe state failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut st = DbState::default();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some(k) = line.strip_prefix("applied ") {
            st.applied.push(k.to_owned());
        } else if let Some(k) = line.strip_prefix("interrupted ") {
            st.interrupted.push(k.to_owned());
        } else if let Some(d) = line.strip_prefix("drift ") {
            st.drift.push(d.to_owned());
        } else if let Some(c) = line.strip_prefix("count ") {
            let (t, n) = c.split_once(' ').unwrap();
            st.counts.push((t.to_owned(), n.parse().unwrap()));
        }
    }
    st
}

/// `rel-manage ARGS --database URL`, not yet waited for (stdout and stderr piped).
pub fn spawn_manage(args: &[&str], url: &str, env: &[(&str, &str)]) -> Child {
    let f = fixture();
    Command::new(&f.manage)
        .args(args)
        .arg("--database")
        .arg(url)
        .env("MIGRATOR_WORKSPACE_ROOT", &f.root)
        .env_remove("DATABASE_URL")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rel-manage")
}

/// `rel-manage ARGS --database URL`, waited for.
pub fn manage(args: &[&str], url: &str) -> Output {
    spawn_manage(args, url, &[])
        .wait_with_output()
        .expect("wait for rel-manage")
}

/// Both streams of a run, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The expected recorder after the first `n` migrations.
pub fn first(n: usize) -> Vec<String> {
    MIGRATIONS[..n].iter().map(|m| format!("rel.{m}")).collect()
}

/// Rounds from the environment variable `var`, else `default`.
pub fn rounds(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn the_fixture_models_match_its_migrations() {
    let f = fixture();
    let out = Command::new(&f.manage)
        .args(["makemigrations", "--check", "--dry-run"])
        .env("MIGRATOR_WORKSPACE_ROOT", &f.root)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn keyword_table_and_column_names_are_quoted_on_every_backend() {
    for kind in [Kind::Sqlite, Kind::Postgres, Kind::Mysql] {
        let db = TestDb::create(kind);
        let out = probe(&["keywords", &db.url]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("keywords ok") && !stdout.contains("drift"),
            "{kind:?}: {}",
            text(&out)
        );
    }
}
