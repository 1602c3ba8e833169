//! Which database to talk to, and opening it.
//!
//! [`resolve`] picks the URL in Django-like precedence: an explicit `--database URL`, then the
//! `DATABASE_URL` environment variable, then `[database] url = "…"` in `migrator.toml` at the
//! workspace root, then the default `sqlite://db.sqlite3` at the workspace root. Relative
//! SQLite paths resolve against the workspace root, never the current directory. Nothing is
//! skipped silently: an empty URL from any source, a `DATABASE_URL` that is not UTF-8, and a
//! key of `migrator.toml` migrator does not read are errors naming the source.
//! [`DatabaseUrl`] never shows a password: `Display`, `Debug` and every error here print
//! `postgres://user:***@host/db` (the password is taken to end at the *last* `@`, so an
//! unencoded `/`, `?` or `#` in it is hidden too, and `password=`-style parameters are
//! hidden as well). [`connect`] opens a [`DbConnection`] (SQLite with `PRAGMA foreign_keys =
//! ON` and a busy timeout), creating a missing SQLite file; [`connect_existing`] is for
//! commands that only read, and never creates one. Migrations, locking and the recorder live
//! elsewhere.

use std::fmt;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use thiserror::Error;

use crate::backend::{Backend, DbConnection};

mod redact;

use redact::{is_secret_parameter, password_span, percent_decode, redact_parameters};

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

/// The sections of `migrator.toml` and the keys each may hold; anything else is an error
/// (a typo such as `urll` must not silently select the default database).
pub const CONFIG_KEYS: &[(&str, &[&str])] = &[("database", &["url"]), ("project", &["backends"])];

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
        // A bare file name (`db2.sqlite3`): the user meant an SQLite file. Only text that
        // cannot hold a password (no `@`, no `:`) is echoed back.
        if scheme.is_none() && !url.contains(['@', ':']) {
            return Err(DatabaseError::NoScheme {
                given: url.to_owned(),
            });
        }
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

    /// The same server with another database: the path of a server URL replaced by `name`
    /// (user, password, host, port and query parameters kept). `None` for SQLite URLs. The
    /// test-database support (`migrator_core::testing`) makes per-test databases with it.
    pub fn with_database(&self, name: &str) -> Option<Self> {
        let UrlKind::Server { backend, url } = &self.kind else {
            return None;
        };
        let (scheme, rest) = url.split_once("://")?;
        // The authority ends at the first `/` after the user part, which ends at the last
        // `@` (a password may hold an unencoded `/`, as `redact` assumes too).
        let query_at = rest.find('?').unwrap_or(rest.len());
        let host_from = rest[..query_at].rfind('@').map_or(0, |i| i + 1);
        let path_at = rest[host_from..query_at]
            .find('/')
            .map_or(query_at, |i| host_from + i);
        let url = format!(
            "{scheme}://{}/{name}{}",
            &rest[..path_at],
            &rest[query_at..]
        );
        Some(Self {
            kind: UrlKind::Server {
                backend: *backend,
                url,
            },
        })
    }

    /// The URL with its password in clear, for handing to a driver. Never print this.
    pub fn expose(&self) -> String {
        match &self.kind {
            UrlKind::SqliteFile(p) => format!("sqlite://{}", p.display()),
            UrlKind::SqliteMemory => "sqlite::memory:".to_owned(),
            UrlKind::Server { url, .. } => url.clone(),
        }
    }

    /// The secrets in the URL: the password of its user part, as written and percent-decoded,
    /// and the values of `password=`-style parameters (used to scrub driver error messages).
    fn secrets(&self) -> Vec<String> {
        let UrlKind::Server { url, .. } = &self.kind else {
            return Vec::new();
        };
        let mut secrets = Vec::new();
        if let Some((a, b)) = password_span(url) {
            secrets.push(url[a..b].to_owned());
            secrets.push(percent_decode(&url[a..b]));
        }
        for part in url.split(['?', '&', ';']) {
            if let Some((key, value)) = part.split_once('=') {
                if is_secret_parameter(key) {
                    secrets.push(value.to_owned());
                    secrets.push(percent_decode(value));
                }
            }
        }
        secrets.retain(|s| !s.is_empty());
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        secrets
    }

    /// Removes the secrets from a message (drivers sometimes echo the connection string).
    /// A password holding characters a URL must percent-encode makes the driver parse the
    /// URL differently from us and echo pieces of it we cannot predict: its message is
    /// withheld, and the likely cause named instead.
    fn scrub(&self, message: &str) -> String {
        if let UrlKind::Server { url, .. } = &self.kind {
            if let Some((a, b)) = password_span(url) {
                if url[a..b].contains(['/', '?', '#', '@', '[', ']']) {
                    return "the driver's message is not shown, as it may contain the password: \
                            the password holds `/`, `?`, `#`, `@`, `[` or `]`, which a URL must \
                            percent-encode (`/` as %2F, `?` as %3F, `#` as %23, `@` as %40)"
                        .to_owned();
                }
            }
        }
        let mut message = message.to_owned();
        for secret in self.secrets() {
            message = message.replace(&secret, "***");
        }
        redact_parameters(&message)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            UrlKind::Server { url, .. } => {
                let hidden = match password_span(url) {
                    Some((a, b)) => format!("{}***{}", &url[..a], &url[b..]),
                    None => url.clone(),
                };
                f.write_str(&redact_parameters(&hidden))
            }
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
    /// A bare path where a URL was expected (`db2.sqlite3`).
    #[error(
        "`{given}` is not a database URL (it has no scheme); for an SQLite file write \
         `sqlite://{given}` (a relative path is taken from the workspace root); the schemes \
         are: {VALID_SCHEMES}"
    )]
    NoScheme {
        /// What was given (only echoed when it holds no `@` or `:`, so never a password).
        given: String,
    },
    /// A source names a database but its value is empty.
    #[error("{}", empty_url_message(.from))]
    EmptyUrl {
        /// Which source was empty.
        from: UrlSource,
    },
    /// `DATABASE_URL` is set but is not valid UTF-8 (its value is never printed).
    #[error(
        "the {DATABASE_URL_ENV} environment variable is set but is not valid UTF-8, so \
         migrator cannot read the database URL in it; set it to a URL such as \
         sqlite://db.sqlite3 or postgres://user@host/db (percent-encode other characters), or \
         unset it to use {CONFIG_FILE} or the default db.sqlite3"
    )]
    EnvNotUnicode,
    /// `migrator.toml` has a key migrator does not read.
    #[error(
        "unknown key `{key}` in {path}; the keys migrator reads there are: {}. Nothing was \
         done: fix the key (or remove it) so the database you mean is used",
        known_config_keys()
    )]
    UnknownConfigKey {
        /// The file.
        path: PathBuf,
        /// The key as written, with its section (`database.urll`).
        key: String,
    },
    /// A command that only reads was pointed at an SQLite file that does not exist.
    #[error(
        "the SQLite database {} does not exist, so no migration is applied there yet; \
         `migrator migrate` creates it. Nothing was created. If you expected a database \
         there, check the path (--database, {DATABASE_URL_ENV}, {CONFIG_FILE})",
        .path.display()
    )]
    Missing {
        /// The file that is not there.
        path: PathBuf,
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

fn empty_url_message(source: &UrlSource) -> String {
    match source {
        UrlSource::Explicit => "`--database` is empty; give a database URL such as \
             sqlite://db.sqlite3 or postgres://user@host/db, or leave the option out"
            .to_owned(),
        UrlSource::Environment => format!(
            "the {DATABASE_URL_ENV} environment variable is set but empty; set it to a database \
             URL, or unset it (`unset {DATABASE_URL_ENV}`) to use {CONFIG_FILE} or the default \
             db.sqlite3"
        ),
        UrlSource::ConfigFile(path) => format!(
            "`url` in the [database] section of {} is empty; set it to a database URL, or \
             remove the line to use the default db.sqlite3",
            path.display()
        ),
        UrlSource::Default => "the database URL is empty".to_owned(),
    }
}

fn known_config_keys() -> String {
    CONFIG_KEYS
        .iter()
        .flat_map(|(section, keys)| keys.iter().map(move |k| format!("`{section}.{k}`")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Picks the database URL: `explicit` (`--database`), then `DATABASE_URL`, then
/// `migrator.toml` in `workspace_root`, then `sqlite://db.sqlite3` in `workspace_root`.
///
/// A source that is present is used or is an error, never skipped: an empty `--database`,
/// an empty or non-UTF-8 `DATABASE_URL`, an empty `url` or an unknown key in `migrator.toml`
/// stops here, so a typo can never select another database.
pub fn resolve(
    explicit: Option<&str>,
    workspace_root: &Path,
) -> Result<ResolvedDatabase, DatabaseError> {
    let env = match std::env::var(DATABASE_URL_ENV) {
        Ok(value) => Some(value),
        Err(std::env::VarError::NotPresent) => None,
        Err(std::env::VarError::NotUnicode(_)) => return Err(DatabaseError::EnvNotUnicode),
    };
    resolve_from(explicit, env.as_deref(), workspace_root)
}

/// [`resolve`] with the environment variable's value passed in (for tests and embedders).
pub fn resolve_from(
    explicit: Option<&str>,
    env: Option<&str>,
    workspace_root: &Path,
) -> Result<ResolvedDatabase, DatabaseError> {
    let given = |value: &str, source: UrlSource| {
        let value = value.trim();
        if value.is_empty() {
            Err(DatabaseError::EmptyUrl { from: source })
        } else {
            Ok((value.to_owned(), source))
        }
    };
    let (url, source) = if let Some(u) = explicit {
        given(u, UrlSource::Explicit)?
    } else if let Some(u) = env {
        given(u, UrlSource::Environment)?
    } else if let Some((u, path)) = read_config(workspace_root)? {
        given(&u, UrlSource::ConfigFile(path))?
    } else {
        (DEFAULT_URL.to_owned(), UrlSource::Default)
    };
    Ok(ResolvedDatabase {
        url: DatabaseUrl::parse(&url, workspace_root)?,
        source,
    })
}

/// `migrator.toml`, if it exists, with every key checked against [`CONFIG_KEYS`].
fn read_config_table(
    workspace_root: &Path,
) -> Result<Option<(toml::Table, PathBuf)>, DatabaseError> {
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
    // Every key is checked before any is used: a typo is an error, never a silent default.
    for (section, value) in &table {
        let Some((_, keys)) = CONFIG_KEYS.iter().find(|(s, _)| s == section) else {
            return Err(DatabaseError::UnknownConfigKey {
                path: path.clone(),
                key: section.clone(),
            });
        };
        let body = value.as_table().ok_or_else(|| DatabaseError::Config {
            path: path.clone(),
            reason: format!("`{section}` is not a table (write `[{section}]`)"),
        })?;
        if let Some(key) = body.keys().find(|k| !keys.contains(&k.as_str())) {
            return Err(DatabaseError::UnknownConfigKey {
                path: path.clone(),
                key: format!("{section}.{key}"),
            });
        }
    }
    Ok(Some((table, path)))
}

/// `[database] url` from `migrator.toml`, if the file exists and sets it.
fn read_config(workspace_root: &Path) -> Result<Option<(String, PathBuf)>, DatabaseError> {
    let Some((table, path)) = read_config_table(workspace_root)? else {
        return Ok(None);
    };
    let Some(db) = table.get("database").and_then(toml::Value::as_table) else {
        return Ok(None);
    };
    match db.get("url") {
        None => Ok(None),
        Some(v) => {
            let url = v.as_str().ok_or_else(|| DatabaseError::Config {
                path: path.clone(),
                reason: "`database.url` is not a string".to_owned(),
            })?;
            Ok(Some((url.to_owned(), path)))
        }
    }
}

/// The backends the project's migrations must run on: `[project] backends = ["sqlite",
/// "postgres", "mysql"]` in `migrator.toml` when set (names as in URL schemes), otherwise the
/// backend of the database [`resolve`] picks. `makemigrations` computes every new
/// migration's SQL on each and refuses what one of them cannot run.
pub fn project_backends(workspace_root: &Path) -> Result<Vec<Backend>, DatabaseError> {
    if let Some((table, path)) = read_config_table(workspace_root)? {
        if let Some(list) = table.get("project").and_then(|p| p.get("backends")) {
            let bad = |reason: String| DatabaseError::Config {
                path: path.clone(),
                reason,
            };
            let items = list.as_array().ok_or_else(|| {
                bad("`project.backends` is not a list (write `backends = [\"sqlite\", \"postgres\"]`)".into())
            })?;
            let mut out = Vec::new();
            for item in items {
                let name = item
                    .as_str()
                    .ok_or_else(|| bad(format!("`project.backends` holds {item}, not a name")))?;
                let backend = Backend::from_scheme(&name.to_ascii_lowercase()).ok_or_else(|| {
                    bad(format!(
                        "`project.backends` names `{name}`, which is not a backend; use sqlite, postgres or mysql"
                    ))
                })?;
                if !out.contains(&backend) {
                    out.push(backend);
                }
            }
            return Ok(out);
        }
    }
    Ok(vec![resolve(None, workspace_root)?.url.backend()])
}

/// Opens a connection like [`connect`], but never creates a database: a missing SQLite file
/// is [`DatabaseError::Missing`], naming it. For commands that only read (`showmigrations`,
/// `migrate --plan`, `migrate --check`) and repairs of an existing record.
pub fn connect_existing(url: &DatabaseUrl) -> Result<DbConnection, DatabaseError> {
    if let Some(path) = url.sqlite_path() {
        if !path.exists() {
            return Err(DatabaseError::Missing {
                path: path.to_path_buf(),
            });
        }
    }
    connect(url)
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
mod tests;
