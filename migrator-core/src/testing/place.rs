//! Where test databases live and how each backend makes, copies and drops them: SQLite files
//! (the template copied with a file copy), PostgreSQL databases (`CREATE DATABASE … TEMPLATE`),
//! MySQL/MariaDB schemas (the template's tables recreated from `SHOW CREATE TABLE` and filled
//! with `INSERT … SELECT`). Building a template (once per template name, under a server lock
//! or an atomic rename) is here too; deciding *when* to use one is `mod.rs`'s.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::backend::{Backend, DbConnection};
use crate::database::{connect, DatabaseUrl};

use super::error::TestingError;

/// The prefix of every per-test database (and SQLite file).
pub const TEST_PREFIX: &str = "migrator_test_";
/// The prefix of every template database (and SQLite file).
pub const TEMPLATE_PREFIX: &str = "migrator_tpl_";

/// Where this run's test databases are made.
#[derive(Clone, Debug)]
pub(crate) enum Place {
    /// SQLite files: per-test files in `tests`, templates in `templates`.
    SqliteFiles { tests: PathBuf, templates: PathBuf },
    /// In-memory SQLite (`sqlite::memory:` configured): no template can be copied.
    SqliteMemory,
    /// A server: databases are created through `admin`; `base` gives user, host and options.
    Server {
        backend: Backend,
        base: DatabaseUrl,
        admin: DatabaseUrl,
    },
}

/// One created database: its connection URL and how to name it to a person.
#[derive(Clone, Debug)]
pub(crate) struct Created {
    pub url: DatabaseUrl,
    /// The server database name or the SQLite file.
    pub name: String,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

impl Place {
    /// The backend test databases are made on.
    pub fn backend(&self) -> Backend {
        match self {
            Self::SqliteFiles { .. } | Self::SqliteMemory => Backend::Sqlite,
            Self::Server { backend, .. } => *backend,
        }
    }

    /// A server's admin connection.
    fn admin(&self) -> Result<(DbConnection, Backend, String), TestingError> {
        let Self::Server { backend, admin, .. } = self else {
            unreachable!("only servers have an admin connection")
        };
        Ok((connect(admin)?, *backend, admin.to_string()))
    }

    /// Creates an empty database `name`.
    pub fn create_empty(&self, name: &str) -> Result<Created, TestingError> {
        match self {
            Self::SqliteFiles { tests, .. } => {
                let path = tests.join(format!("{name}.sqlite3"));
                sqlite_created(&path)
            }
            Self::SqliteMemory => Ok(Created {
                url: DatabaseUrl::parse("sqlite::memory:", Path::new("/"))?,
                name: "sqlite::memory:".to_owned(),
            }),
            Self::Server { base, .. } => {
                let (mut admin, backend, shown) = self.admin()?;
                let q = backend.quote(name);
                let sql = match backend {
                    Backend::Mysql => format!("CREATE DATABASE {q} CHARACTER SET utf8mb4"),
                    _ => format!("CREATE DATABASE {q}"),
                };
                admin
                    .batch_execute(&sql)
                    .map_err(|e| TestingError::sql(&shown, sql.clone(), e))?;
                Ok(Created {
                    url: base.with_database(name).expect("a server URL"),
                    name: name.to_owned(),
                })
            }
        }
    }

    /// Creates database `name` as a copy of the ready template `template`.
    pub fn create_from_template(
        &self,
        name: &str,
        template: &str,
        info: &TemplateInfo,
    ) -> Result<Created, TestingError> {
        match self {
            Self::SqliteFiles { tests, templates } => {
                let from = templates.join(format!("{template}.sqlite3"));
                let path = tests.join(format!("{name}.sqlite3"));
                std::fs::copy(&from, &path).map_err(|e| {
                    TestingError::io(&path, format!("copying the template {}", from.display()), e)
                })?;
                sqlite_created(&path)
            }
            Self::SqliteMemory => unreachable!("no templates in memory"),
            Self::Server { backend, base, .. } => {
                let created = Created {
                    url: base.with_database(name).expect("a server URL"),
                    name: name.to_owned(),
                };
                if *backend == Backend::Postgres {
                    let (mut admin, backend, shown) = self.admin()?;
                    let sql = format!(
                        "CREATE DATABASE {} TEMPLATE {}",
                        backend.quote(name),
                        backend.quote(template)
                    );
                    admin
                        .batch_execute(&sql)
                        .map_err(|e| TestingError::sql(&shown, sql.clone(), e))?;
                    return Ok(created);
                }
                self.create_empty(name)?;
                let shown = created.url.to_string();
                let mut conn = connect(&created.url)?;
                conn.batch_execute(&info.mysql_copy).map_err(|e| {
                    TestingError::sql(
                        &shown,
                        format!("copying the tables of the template `{template}`"),
                        e,
                    )
                })?;
                Ok(created)
            }
        }
    }

    /// Drops a database made by [`Place::create_empty`] or [`Place::create_from_template`].
    pub fn drop_database(&self, created: &Created) -> Result<(), TestingError> {
        match self {
            Self::SqliteFiles { .. } => remove_sqlite(Path::new(&created.name)),
            Self::SqliteMemory => Ok(()),
            Self::Server { .. } => {
                let (mut admin, backend, shown) = self.admin()?;
                drop_server_database(&mut admin, backend, &created.name).map_err(|e| {
                    TestingError::sql(&shown, format!("dropping `{}`", created.name), e)
                })
            }
        }
    }

    /// Drops template `template` if it exists.
    pub fn drop_template(&self, template: &str) -> Result<(), TestingError> {
        match self {
            Self::SqliteFiles { templates, .. } => {
                remove_sqlite(&templates.join(format!("{template}.sqlite3")))
            }
            Self::SqliteMemory => Ok(()),
            Self::Server { .. } => {
                let (mut admin, backend, shown) = self.admin()?;
                drop_server_database(&mut admin, backend, template)
                    .map_err(|e| TestingError::sql(&shown, format!("dropping `{template}`"), e))
            }
        }
    }

    /// Makes sure template `template` exists and is complete, building it with `build` (which
    /// migrates the connection it is given) when it does not. Safe against other processes
    /// building the same template: SQLite builds into a temporary file renamed into place;
    /// the servers build under a lock (PostgreSQL advisory lock, MySQL `GET_LOCK`) into a
    /// temporary database that is renamed (PostgreSQL) or whose tables are moved (MySQL) in
    /// one statement, so a template under its final name is always complete.
    pub fn ensure_template(
        &self,
        template: &str,
        build: &dyn Fn(&mut DbConnection, &str) -> Result<(), TestingError>,
    ) -> Result<TemplateInfo, TestingError> {
        match self {
            Self::SqliteFiles { templates, .. } => {
                let path = templates.join(format!("{template}.sqlite3"));
                if !path.is_file() {
                    std::fs::create_dir_all(templates).map_err(|e| {
                        TestingError::io(templates, "creating the templates folder", e)
                    })?;
                    let tmp = templates.join(format!("{template}.{}.tmp", unique_suffix()));
                    let result = (|| {
                        let created = sqlite_created(&tmp)?;
                        let mut conn = connect(&created.url)?;
                        build(&mut conn, &created.name)?;
                        drop(conn);
                        std::fs::rename(&tmp, &path)
                            .map_err(|e| TestingError::io(&path, "publishing the template", e))
                    })();
                    if result.is_err() {
                        let _ = remove_sqlite(&tmp);
                    }
                    result?;
                    // The lock file a non-atomic migration may leave beside the build file.
                    let _ = remove_sqlite(&tmp);
                }
                Ok(TemplateInfo::default())
            }
            Self::SqliteMemory => unreachable!("no templates in memory"),
            Self::Server { backend, base, .. } => {
                let (mut admin, backend, shown) = (self.admin()?.0, *backend, base.to_string());
                let key = lock_key(template);
                // Another process building the same template: wait for it (an hour at most;
                // the lock goes with its connection if it dies).
                let locked = match backend {
                    Backend::Postgres => admin
                        .batch_execute(&format!("SELECT pg_advisory_lock({key})"))
                        .map(|()| 1),
                    _ => count(
                        &mut admin,
                        &format!("SELECT CAST(GET_LOCK('{template}', 3600) AS SIGNED) AS n"),
                    ),
                }
                .map_err(|e| TestingError::sql(&shown, "taking the template lock", e))?;
                if locked != 1 {
                    return Err(TestingError::sql(
                        &shown,
                        format!("taking the template lock `{template}`"),
                        "another process held it for an hour",
                    ));
                }
                let result = self.ensure_server_template(&mut admin, backend, template, build);
                let _ = match backend {
                    Backend::Postgres => {
                        admin.batch_execute(&format!("SELECT pg_advisory_unlock({key})"))
                    }
                    _ => admin.batch_execute(&format!("SELECT RELEASE_LOCK('{template}')")),
                };
                result
            }
        }
    }

    /// [`Place::ensure_template`] on a server, with the lock held.
    fn ensure_server_template(
        &self,
        admin: &mut DbConnection,
        backend: Backend,
        template: &str,
        build: &dyn Fn(&mut DbConnection, &str) -> Result<(), TestingError>,
    ) -> Result<TemplateInfo, TestingError> {
        let Self::Server { base, .. } = self else {
            unreachable!()
        };
        let shown = base.to_string();
        let exists = match backend {
            Backend::Postgres => count(
                admin,
                &format!("SELECT COUNT(*) AS n FROM pg_database WHERE datname = '{template}'"),
            ),
            // Complete once the recorder table was moved in (with every other table).
            _ => count(
                admin,
                &format!(
                    "SELECT COUNT(*) AS n FROM information_schema.TABLES \
                     WHERE TABLE_SCHEMA = '{template}' AND TABLE_NAME = 'migrator_migrations'"
                ),
            ),
        }
        .map_err(|e| TestingError::sql(&shown, "looking for the template", e))?;
        if exists == 0 {
            // A half-published MySQL template (its schema without tables): start again.
            drop_server_database(admin, backend, template)
                .map_err(|e| TestingError::sql(&shown, format!("dropping `{template}`"), e))?;
            let tmp = format!("{template}_b{}", &unique_suffix()[..8]);
            let created = self.create_empty(&tmp)?;
            let result = (|| {
                let mut conn = connect(&created.url)?;
                build(&mut conn, &created.url.to_string())?;
                drop(conn);
                publish(admin, backend, &tmp, template).map_err(|e| {
                    TestingError::sql(&shown, format!("publishing the template `{template}`"), e)
                })
            })();
            let _ = drop_server_database(admin, backend, &tmp);
            result?;
        }
        if backend == Backend::Postgres {
            return Ok(TemplateInfo::default());
        }
        mysql_template_info(admin, template).map_err(|e| {
            TestingError::sql(&shown, format!("reading the template `{template}`"), e)
        })?
    }
}

/// What copying a template needs beyond its name (MySQL: the statements that recreate and
/// fill its tables, read once per test binary).
#[derive(Clone, Debug, Default)]
pub(crate) struct TemplateInfo {
    mysql_copy: String,
}

fn sqlite_created(path: &Path) -> Result<Created, TestingError> {
    let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display()), Path::new("/"))?;
    Ok(Created {
        url,
        name: path.display().to_string(),
    })
}

/// Removes an SQLite file and the files SQLite and migrator keep beside it.
fn remove_sqlite(path: &Path) -> Result<(), TestingError> {
    for suffix in ["-journal", "-wal", "-shm", "-migrator-lock"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(TestingError::io(path, "removing the test database", e)),
    }
}

fn drop_server_database(
    admin: &mut DbConnection,
    backend: Backend,
    name: &str,
) -> Result<(), diesel::result::Error> {
    let q = backend.quote(name);
    match backend {
        Backend::Postgres => {
            admin.batch_execute(&format!("DROP DATABASE IF EXISTS {q} WITH (FORCE)"))
        }
        _ => admin.batch_execute(&format!("DROP DATABASE IF EXISTS {q}")),
    }
}

fn count(conn: &mut DbConnection, sql: &str) -> Result<i64, diesel::result::Error> {
    Ok(diesel::sql_query(sql).get_result::<Count>(conn)?.n)
}

fn names(conn: &mut DbConnection, sql: &str) -> Result<Vec<String>, diesel::result::Error> {
    Ok(diesel::sql_query(sql)
        .load::<Name>(conn)?
        .into_iter()
        .map(|n| n.name)
        .collect())
}

/// Gives the built database `tmp` the template's name in one step.
fn publish(
    admin: &mut DbConnection,
    backend: Backend,
    tmp: &str,
    template: &str,
) -> Result<(), diesel::result::Error> {
    if backend == Backend::Postgres {
        return admin.batch_execute(&format!(
            "ALTER DATABASE {} RENAME TO {}",
            backend.quote(tmp),
            backend.quote(template)
        ));
    }
    // MySQL cannot rename a database: move every table in one RENAME TABLE statement.
    let tables = names(
        admin,
        &format!(
            "SELECT TABLE_NAME AS name FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = '{tmp}' AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"
        ),
    )?;
    let q = |s: &str| backend.quote(s);
    admin.batch_execute(&format!(
        "CREATE DATABASE {} CHARACTER SET utf8mb4",
        q(template)
    ))?;
    let moves: Vec<String> = tables
        .iter()
        .map(|t| format!("{}.{} TO {}.{}", q(tmp), q(t), q(template), q(t)))
        .collect();
    admin.batch_execute(&format!("RENAME TABLE {}", moves.join(", ")))
}

/// The statements that recreate `template`'s tables (foreign keys included, checks off while
/// they are created) in the current database and copy the rows of the non-empty ones. Views
/// and triggers would need their definitions rewritten: a template with any is refused.
fn mysql_template_info(
    admin: &mut DbConnection,
    template: &str,
) -> Result<Result<TemplateInfo, TestingError>, diesel::result::Error> {
    let views = names(
        admin,
        &format!(
            "SELECT TABLE_NAME AS name FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = '{template}' AND TABLE_TYPE <> 'BASE TABLE' ORDER BY TABLE_NAME"
        ),
    )?;
    let triggers = names(
        admin,
        &format!(
            "SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS \
             WHERE TRIGGER_SCHEMA = '{template}' ORDER BY TRIGGER_NAME"
        ),
    )?;
    if !views.is_empty() || !triggers.is_empty() {
        let mut what = Vec::new();
        if !views.is_empty() {
            what.push(format!("the views {}", views.join(", ")));
        }
        if !triggers.is_empty() {
            what.push(format!("the triggers {}", triggers.join(", ")));
        }
        return Ok(Err(TestingError::TemplateUnsupported {
            template: template.to_owned(),
            what: what.join(" and "),
        }));
    }
    let tables = names(
        admin,
        &format!(
            "SELECT TABLE_NAME AS name FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = '{template}' AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME"
        ),
    )?;
    let q = |s: &str| Backend::Mysql.quote(s);
    let mut copy = String::from("SET FOREIGN_KEY_CHECKS = 0;\n");
    let mut fills = String::new();
    for table in &tables {
        #[derive(QueryableByName)]
        struct Create {
            #[diesel(sql_type = Text, column_name = "Create Table")]
            sql: String,
        }
        let create: Create =
            diesel::sql_query(format!("SHOW CREATE TABLE {}.{}", q(template), q(table)))
                .get_result(admin)?;
        copy.push_str(&create.sql);
        copy.push_str(";\n");
        let rows = count(
            admin,
            &format!(
                "SELECT COUNT(*) AS n FROM (SELECT 1 AS x FROM {}.{} LIMIT 1) AS t",
                q(template),
                q(table)
            ),
        )?;
        if rows > 0 {
            fills.push_str(&format!(
                "INSERT INTO {} SELECT * FROM {}.{};\n",
                q(table),
                q(template),
                q(table)
            ));
        }
    }
    copy.push_str(&fills);
    copy.push_str("SET FOREIGN_KEY_CHECKS = 1");
    Ok(Ok(TemplateInfo { mysql_copy: copy }))
}

/// A lock key for a template name (PostgreSQL advisory locks take a number).
fn lock_key(template: &str) -> i64 {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(template.as_bytes());
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// A suffix no other process or thread makes: the process id, a per-process counter and
/// random bits.
pub(crate) fn unique_suffix() -> String {
    use std::hash::{BuildHasher as _, RandomState};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let random = RandomState::new().hash_one((n, nanos, std::process::id()));
    format!("{:08x}{}_{n}", random as u32, std::process::id())
}
