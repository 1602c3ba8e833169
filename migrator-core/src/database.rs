//! Which database to talk to, and opening it.
//!
//! [`resolve`] picks the URL in Django-like precedence: an explicit `--database URL`, then the
//! `DATABASE_URL` environment variable, then `[database] url = "…"` in `migrator.toml` at the
//! workspace root, then the default `sqlite://db.sqlite3` at the workspace root. Relative
//! SQLite paths resolve against the workspace root, never the current directory.
//! [`DatabaseUrl`] never shows a password: `Display`, `Debug` and every error here print
//! `postgres://user:***@host/db`. [`connect`] opens a [`DbConnection`] (SQLite with
//! `PRAGMA foreign_keys = ON` and a busy timeout). Migrations, locking and the recorder live
//! elsewhere.

use std::fmt;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use thiserror::Error;

use crate::backend::{Backend, DbConnection};

/// The environment variable consulted after `--database`.
pub const DATABASE_URL_ENV: &str = "DATABASE_URL";
/// The configuration file looked for at the workspace root.
pub const CONFIG_FILE: &str = "migrator.toml";
/// The URL used when nothing else names a database.
pub const DEFAULT_URL: &str = "sqlite://db.sqlite3";
/// How long an SQLite connection waits for another writer before failing, in milliseconds.
pub const SQLITE_BUSY_TIMEOUT_MS: u32 = 30_000;

const VALID_SCHEMES: &str =
    "sqlite://PATH, sqlite::memory:, postgres://…, postgresql://…, mysql://…, mariadb://…";

/// A parsed database URL. Its `Display` and `Debug` redact any password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    kind: UrlKind,
}

#[derive(Clone, PartialEq, Eq)]
enum UrlKind {
    SqliteFile(PathBuf),
    SqliteMemory,
    Server { backend: Backend, url: String },
}

impl DatabaseUrl {
    /// Parses `url`; a relative SQLite path is resolved against `base` (the workspace root).
    pub fn parse(url: &str, base: &Path) -> Result<Self, DatabaseError> {
        let url = url.trim();
        if url == "sqlite::memory:" || url == "sqlite://:memory:" {
            return Ok(Self {
                kind: UrlKind::SqliteMemory,
            });
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(DatabaseError::BadUrl {
                    url: url.to_owned(),
                    reason: "the SQLite URL names no file; write `sqlite://db.sqlite3` or `sqlite:///absolute/path.db`".into(),
                });
            }
            let path = Path::new(path);
            let path = if path.is_absolute() {
                path.to_path_buf()
            } else {
                base.join(path)
            };
            return Ok(Self {
                kind: UrlKind::SqliteFile(path),
            });
        }
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        let backend = match scheme.as_deref().and_then(Backend::from_scheme) {
            Some(b) if b != Backend::Sqlite => b,
            _ => {
                let shown = match scheme {
                    Some(s) => format!("`{s}://`"),
                    None => "no scheme".to_owned(),
                };
                return Err(DatabaseError::BadScheme { scheme: shown });
            }
        };
        Ok(Self {
            kind: UrlKind::Server {
                backend,
                url: url.to_owned(),
            },
        })
    }

    /// The backend the URL names.
    pub fn backend(&self) -> Backend {
        match &self.kind {
            UrlKind::SqliteFile(_) | UrlKind::SqliteMemory => Backend::Sqlite,
            UrlKind::Server { backend, .. } => *backend,
        }
    }

    /// The SQLite file, for file-backed SQLite URLs.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match &self.kind {
            UrlKind::SqliteFile(p) => Some(p),
            _ => None,
        }
    }

    /// The URL with its password in clear, for handing to a driver. Never print this.
    pub fn expose(&self) -> String {
        match &self.kind {
            UrlKind::SqliteFile(p) => format!("sqlite://{}", p.display()),
            UrlKind::SqliteMemory => "sqlite::memory:".to_owned(),
            UrlKind::Server { url, .. } => url.clone(),
        }
    }

    /// The password in the URL, if any (used to scrub driver error messages).
    fn password(&self) -> Option<&str> {
        match &self.kind {
            UrlKind::Server { url, .. } => password_span(url).map(|(a, b)| &url[a..b]),
            _ => None,
        }
    }

    /// Removes the password from a message (drivers sometimes echo the connection string).
    fn scrub(&self, message: &str) -> String {
        match self.password() {
            Some(p) if !p.is_empty() => message.replace(p, "***"),
            _ => message.to_owned(),
        }
    }
}

/// Byte range of the password in `scheme://user:password@host…`.
fn password_span(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let at = authority.rfind('@')?;
    let colon = authority[..at].find(':')?;
    Some((start + colon + 1, start + at))
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            UrlKind::Server { url, .. } => match password_span(url) {
                Some((a, b)) => write!(f, "{}***{}", &url[..a], &url[b..]),
                None => f.write_str(url),
            },
            _ => f.write_str(&self.expose()),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Where the URL came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlSource {
    /// `--database URL`.
    Explicit,
    /// The `DATABASE_URL` environment variable.
    Environment,
    /// `migrator.toml` at this path.
    ConfigFile(PathBuf),
    /// Nothing named a database; the default SQLite file.
    Default,
}

impl fmt::Display for UrlSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Explicit => f.write_str("--database"),
            Self::Environment => f.write_str(DATABASE_URL_ENV),
            Self::ConfigFile(p) => write!(f, "{}", p.display()),
            Self::Default => f.write_str("the default"),
        }
    }
}

/// A resolved database: the URL and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedDatabase {
    /// The URL.
    pub url: DatabaseUrl,
    /// Its source.
    pub source: UrlSource,
}

/// Why a database could not be named or opened. No variant ever holds a password.
#[derive(Debug, Error)]
pub enum DatabaseError {
    /// The URL's scheme is not one migrator knows.
    #[error("unsupported database URL scheme {scheme}; use one of: {VALID_SCHEMES}")]
    BadScheme {
        /// The scheme as given (never the rest of the URL).
        scheme: String,
    },
    /// The URL is malformed.
    #[error("bad database URL `{url}`: {reason}")]
    BadUrl {
        /// The URL (SQLite only, which has no password).
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// The backend exists but this build does not include it.
    #[error("`{url}` needs the {backend} backend, which this build leaves out; enable the `{feature}` cargo feature of migrator-core (`features = [\"{feature}\"]` on its dependency)")]
    FeatureDisabled {
        /// The URL, redacted.
        url: String,
        /// The backend.
        backend: Backend,
        /// The cargo feature to enable.
        feature: &'static str,
    },
    /// `migrator.toml` is unreadable or malformed.
    #[error(
        "cannot read {path}: {reason}; expected `[database]` with `url = \"sqlite://db.sqlite3\"`"
    )]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The database refused the connection.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// The URL, redacted.
        url: String,
        /// The driver's message, with any password scrubbed.
        message: String,
    },
}

/// Picks the database URL: `explicit` (`--database`), then `DATABASE_URL`, then
/// `migrator.toml` in `workspace_root`, then `sqlite://db.sqlite3` in `workspace_root`.
pub fn resolve(
    explicit: Option<&str>,
    workspace_root: &Path,
) -> Result<ResolvedDatabase, DatabaseError> {
    let env = std::env::var(DATABASE_URL_ENV).ok();
    resolve_from(explicit, env.as_deref(), workspace_root)
}

/// [`resolve`] with the environment variable's value passed in (for tests and embedders).
pub fn resolve_from(
    explicit: Option<&str>,
    env: Option<&str>,
    workspace_root: &Path,
) -> Result<ResolvedDatabase, DatabaseError> {
    let non_empty = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (url, source) = if let Some(u) = non_empty(explicit) {
        (u, UrlSource::Explicit)
    } else if let Some(u) = non_empty(env) {
        (u, UrlSource::Environment)
    } else if let Some((u, path)) = read_config(workspace_root)? {
        (u, UrlSource::ConfigFile(path))
    } else {
        (DEFAULT_URL.to_owned(), UrlSource::Default)
    };
    Ok(ResolvedDatabase {
        url: DatabaseUrl::parse(&url, workspace_root)?,
        source,
    })
}

/// `[database] url` from `migrator.toml`, if the file exists and sets it.
fn read_config(workspace_root: &Path) -> Result<Option<(String, PathBuf)>, DatabaseError> {
    let path = workspace_root.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(DatabaseError::Config {
                path,
                reason: e.to_string(),
            })
        }
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| DatabaseError::Config {
            path: path.clone(),
            reason: e.message().to_owned(),
        })?;
    let Some(db) = table.get("database") else {
        return Ok(None);
    };
    let bad = |reason: &str| DatabaseError::Config {
        path: path.clone(),
        reason: reason.to_owned(),
    };
    let db = db
        .as_table()
        .ok_or_else(|| bad("`database` is not a table"))?;
    match db.get("url") {
        None => Ok(None),
        Some(v) => {
            let url = v
                .as_str()
                .ok_or_else(|| bad("`database.url` is not a string"))?;
            Ok(Some((url.to_owned(), path)))
        }
    }
}

/// Opens a connection. SQLite files are created when missing; foreign keys are enforced and
/// a busy timeout of [`SQLITE_BUSY_TIMEOUT_MS`] is set.
pub fn connect(url: &DatabaseUrl) -> Result<DbConnection, DatabaseError> {
    let fail = |message: String| DatabaseError::Connect {
        url: url.to_string(),
        message: url.scrub(&message),
    };
    match &url.kind {
        UrlKind::SqliteFile(_) | UrlKind::SqliteMemory => {
            let target = match &url.kind {
                UrlKind::SqliteFile(p) => {
                    if let Some(parent) = p.parent().filter(|p| !p.as_os_str().is_empty()) {
                        if !parent.is_dir() {
                            return Err(fail(format!(
                                "the folder {} does not exist; create it or choose another path",
                                parent.display()
                            )));
                        }
                    }
                    p.to_str()
                        .ok_or_else(|| fail("the path is not valid UTF-8".into()))?
                        .to_owned()
                }
                _ => ":memory:".to_owned(),
            };
            let mut conn =
                diesel::SqliteConnection::establish(&target).map_err(|e| fail(e.to_string()))?;
            conn.batch_execute(&format!(
                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};"
            ))
            .map_err(|e| fail(e.to_string()))?;
            Ok(DbConnection::Sqlite(conn))
        }
        UrlKind::Server { backend, url: raw } => connect_server(*backend, raw, url, fail),
    }
}

#[allow(unused_variables)]
fn connect_server(
    backend: Backend,
    raw: &str,
    url: &DatabaseUrl,
    fail: impl Fn(String) -> DatabaseError,
) -> Result<DbConnection, DatabaseError> {
    match backend {
        #[cfg(feature = "postgres")]
        Backend::Postgres => diesel::PgConnection::establish(raw)
            .map(DbConnection::Postgres)
            .map_err(|e| fail(e.to_string())),
        #[cfg(feature = "mysql")]
        Backend::Mysql => diesel::MysqlConnection::establish(raw)
            .map(DbConnection::Mysql)
            .map_err(|e| fail(e.to_string())),
        other => Err(DatabaseError::FeatureDisabled {
            url: url.to_string(),
            backend: other,
            feature: other.features().cargo_feature.unwrap_or("sqlite"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "s3cr3t-pw";

    fn root() -> PathBuf {
        PathBuf::from("/work/space")
    }

    #[test]
    fn explicit_beats_env_beats_config_beats_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "[database]\nurl = \"sqlite://from_config.db\"\n",
        )
        .unwrap();
        let r = resolve_from(
            Some("sqlite://explicit.db"),
            Some("sqlite://env.db"),
            dir.path(),
        )
        .unwrap();
        assert_eq!(r.source, UrlSource::Explicit);
        assert_eq!(
            r.url.sqlite_path(),
            Some(dir.path().join("explicit.db").as_path())
        );

        let r = resolve_from(None, Some("sqlite://env.db"), dir.path()).unwrap();
        assert_eq!(r.source, UrlSource::Environment);
        assert_eq!(
            r.url.sqlite_path(),
            Some(dir.path().join("env.db").as_path())
        );

        let r = resolve_from(None, Some("  "), dir.path()).unwrap();
        assert_eq!(
            r.source,
            UrlSource::ConfigFile(dir.path().join(CONFIG_FILE))
        );
        assert_eq!(
            r.url.sqlite_path(),
            Some(dir.path().join("from_config.db").as_path())
        );

        std::fs::remove_file(dir.path().join(CONFIG_FILE)).unwrap();
        let r = resolve_from(None, None, dir.path()).unwrap();
        assert_eq!(r.source, UrlSource::Default);
        assert_eq!(
            r.url.sqlite_path(),
            Some(dir.path().join("db.sqlite3").as_path())
        );
    }

    #[test]
    fn config_without_url_falls_back_to_default_and_bad_config_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "[other]\nx = 1\n").unwrap();
        let r = resolve_from(None, None, dir.path()).unwrap();
        assert_eq!(r.source, UrlSource::Default);

        std::fs::write(dir.path().join(CONFIG_FILE), "[database\nurl = ").unwrap();
        let err = resolve_from(None, None, dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("migrator.toml"), "{err}");

        std::fs::write(dir.path().join(CONFIG_FILE), "[database]\nurl = 3\n").unwrap();
        let err = resolve_from(None, None, dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a string"), "{err}");
    }

    #[test]
    fn sqlite_urls() {
        let u = DatabaseUrl::parse("sqlite:///abs/x.db", &root()).unwrap();
        assert_eq!(u.sqlite_path(), Some(Path::new("/abs/x.db")));
        let u = DatabaseUrl::parse("sqlite://rel/x.db", &root()).unwrap();
        assert_eq!(u.sqlite_path(), Some(Path::new("/work/space/rel/x.db")));
        let u = DatabaseUrl::parse("sqlite::memory:", &root()).unwrap();
        assert_eq!(u.backend(), Backend::Sqlite);
        assert_eq!(u.sqlite_path(), None);
        assert_eq!(u.to_string(), "sqlite::memory:");
        assert!(DatabaseUrl::parse("sqlite://", &root()).is_err());
    }

    #[test]
    fn server_urls_pick_their_backend() {
        for (url, backend) in [
            ("postgres://u@h/db", Backend::Postgres),
            ("postgresql://u@h/db", Backend::Postgres),
            ("mysql://u@h/db", Backend::Mysql),
            ("mariadb://u@h/db", Backend::Mysql),
        ] {
            assert_eq!(
                DatabaseUrl::parse(url, &root()).unwrap().backend(),
                backend,
                "{url}"
            );
        }
    }

    #[test]
    fn passwords_never_show() {
        let raw = format!("postgres://alice:{SECRET}@db.example:5432/app?sslmode=require");
        let u = DatabaseUrl::parse(&raw, &root()).unwrap();
        assert_eq!(
            u.to_string(),
            "postgres://alice:***@db.example:5432/app?sslmode=require"
        );
        assert!(!format!("{u:?}").contains(SECRET));
        assert_eq!(u.expose(), raw);
        let resolved = resolve_from(Some(&raw), None, &root()).unwrap();
        assert!(!format!("{resolved:?}").contains(SECRET));

        // A password containing '@' and '/' is still fully hidden.
        let raw2 = format!("mysql://bob:{SECRET}@x@host/db");
        let u2 = DatabaseUrl::parse(&raw2, &root()).unwrap();
        assert_eq!(u2.to_string(), "mysql://bob:***@host/db");
    }

    #[cfg(not(feature = "postgres"))]
    #[test]
    fn disabled_backend_names_the_feature_without_the_password() {
        let raw = format!("postgresql://alice:{SECRET}@localhost/app");
        let u = DatabaseUrl::parse(&raw, &root()).unwrap();
        let err = connect(&u).err().expect("postgres is not built in");
        let msg = err.to_string();
        assert!(msg.contains("`postgres` cargo feature"), "{msg}");
        assert!(!msg.contains(SECRET), "{msg}");
        assert!(!format!("{err:?}").contains(SECRET));
    }

    #[test]
    fn driver_messages_are_scrubbed() {
        let raw = format!("postgres://alice:{SECRET}@localhost/app");
        let u = DatabaseUrl::parse(&raw, &root()).unwrap();
        assert_eq!(
            u.scrub(&format!("could not connect with {raw}")),
            "could not connect with postgres://alice:***@localhost/app"
        );
    }

    #[test]
    fn bad_scheme_lists_the_valid_ones_without_the_rest_of_the_url() {
        let raw = format!("mongodb://alice:{SECRET}@localhost/app");
        let msg = DatabaseUrl::parse(&raw, &root()).unwrap_err().to_string();
        assert!(msg.contains("`mongodb://`"), "{msg}");
        assert!(
            msg.contains("sqlite://PATH") && msg.contains("mariadb://"),
            "{msg}"
        );
        assert!(!msg.contains(SECRET), "{msg}");
        let msg = DatabaseUrl::parse("db.sqlite3", &root())
            .unwrap_err()
            .to_string();
        assert!(msg.contains("no scheme"), "{msg}");
    }

    #[test]
    fn connect_sqlite_enforces_foreign_keys() {
        use diesel::RunQueryDsl;
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse("sqlite://t.db", dir.path()).unwrap();
        let mut conn = connect(&url).unwrap();
        conn.batch_execute(
            "CREATE TABLE a (id INTEGER PRIMARY KEY); \
             CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));",
        )
        .unwrap();
        let res = diesel::sql_query("INSERT INTO b (id, a_id) VALUES (1, 99)").execute(&mut conn);
        assert!(res.is_err(), "foreign keys are not enforced");
        assert!(dir.path().join("t.db").exists());

        let missing = DatabaseUrl::parse("sqlite://nope/t.db", dir.path()).unwrap();
        let msg = connect(&missing).err().unwrap().to_string();
        assert!(msg.contains("does not exist"), "{msg}");
    }
}
