//! What each backend is, as facts core code asks (Django's `connection.features`): the
//! [`Backend`] tag and its [`Features`] — transactional DDL, the deferred foreign-key check,
//! how the migration lock is taken, identifier limits, quoting and literal spelling, and the
//! spelling of the recorder's bookkeeping SQL. Each backend's values live in its own folder
//! (`sqlite/mod.rs`, `postgres/mod.rs`, `mysql/mod.rs`); `backend/mod.rs` maps a [`Backend`]
//! to them. This file names no vendor's behaviour in code: it is the vocabulary only.

use std::fmt::Write as _;

/// The database families migrator speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Backend {
    /// SQLite (always available).
    Sqlite,
    /// PostgreSQL (cargo feature `postgres`).
    Postgres,
    /// MySQL or MariaDB (cargo feature `mysql`).
    Mysql,
}

/// How a backend serialises concurrent `migrate` runs (see `lock.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockKind {
    /// A write transaction taken up front (`BEGIN IMMEDIATE`): the database itself is the lock.
    WriteTransaction,
    /// A transaction-scoped advisory lock, polled until free.
    AdvisoryLock,
    /// A session-scoped named lock (`GET_LOCK`), released explicitly: it can outlive a
    /// transaction, so a run may keep it from its plan to its end.
    NamedLock,
}

/// The facts about one backend that code outside its folder may depend on.
#[derive(Debug)]
pub struct Features {
    /// The backend these facts describe.
    pub backend: Backend,
    /// The name users know it by, for messages.
    pub display_name: &'static str,
    /// URL schemes that select it (`postgres://…`).
    pub url_schemes: &'static [&'static str],
    /// The cargo feature of migrator-core that compiles it in (`None`: always built).
    pub cargo_feature: Option<&'static str>,
    /// DDL runs inside a transaction and rolls back with it. When false, every DDL statement
    /// commits implicitly, so the executor records progress before each operation.
    pub can_rollback_ddl: bool,
    /// Foreign keys are switched off while a migration runs (table rebuilds need it) and
    /// checked with `PRAGMA foreign_key_check` before its transaction commits.
    pub deferred_foreign_key_check: bool,
    /// How the migration lock is taken.
    pub lock: LockKind,
    /// The longest identifier the backend keeps (`None`: no practical limit).
    pub max_identifier_length: Option<usize>,
    /// The identifier quote character (doubled inside an identifier).
    pub identifier_quote: char,
    /// Function names the database respells in the expressions it keeps (a generated
    /// column's), each as (its spelling, the usual one), lower case: read as the usual one
    /// when expressions are compared (`sql_text::expression_key`).
    pub function_synonyms: &'static [(&'static str, &'static str)],
    /// Backslashes escape inside string literals (and must be doubled).
    pub backslash_escapes: bool,
    /// Where whether backslashes escape depends on the session (MySQL's
    /// `NO_BACKSLASH_ESCAPES`): a statement that makes them escape, saving the session's
    /// mode, and one that restores it. The executor puts them around generated statements
    /// whose literals have a backslash where no mode-independent spelling exists (a
    /// `COMMENT`); `sqlmigrate` prints them. `None` where literals never depend on the
    /// session.
    pub backslash_session: Option<(&'static str, &'static str)>,
    /// How `true` and `false` are written as literals.
    pub bool_literals: (&'static str, &'static str),
    /// The bookkeeping tables' SQL spelling.
    pub recorder: RecorderSql,
}

/// How the recorder's bookkeeping SQL is spelled on a backend.
#[derive(Debug)]
pub struct RecorderSql {
    /// The type of the bookkeeping tables' text columns.
    pub text_type: &'static str,
    /// The definition of an auto-numbered primary-key column (after its name).
    pub auto_id: &'static str,
    /// An expression for "now, in UTC, as ISO-8601 text".
    pub now_utc_text: &'static str,
    /// The integer type of `CAST(x AS …)`.
    pub cast_integer: &'static str,
    /// A query returning one row with column `n` counting the columns named by the second
    /// literal in the table named by the first.
    pub count_columns: fn(table: &str, column: &str) -> String,
    /// A query returning one row with column `n` counting the indexes named by the second
    /// literal on the table named by the first.
    pub count_indexes: fn(table: &str, index: &str) -> String,
    /// A query returning one row with column `n` counting the tables named by the given string
    /// literal (already quoted) in the current database/schema.
    pub count_tables: fn(literal: &str) -> String,
    /// Where the backend can compute it: a row's key hash as `recorder::RecordDigest` sums
    /// it (the first 60 bits of SHA-256 of `app.name`, as a 64-bit integer), given the
    /// recorder table's quoted `app` and `name` columns.
    pub key_hash: Option<fn(app: &str, name: &str) -> String>,
    /// With `key_hash`: a cheap boolean expression, true when a table named by the given
    /// string literal (already quoted) exists in the current database/schema.
    pub table_exists: Option<fn(literal: &str) -> String>,
}

impl Features {
    /// Quotes an identifier. Identifiers are always quoted, so reserved words and mixed case
    /// are safe: `"name"` or `` `name` ``, with the quote character doubled inside.
    pub fn quote(&self, ident: &str) -> String {
        let q = self.identifier_quote;
        let mut s = String::with_capacity(ident.len() + 2);
        s.push(q);
        for c in ident.chars() {
            if c == q {
                s.push(q);
            }
            s.push(c);
        }
        s.push(q);
        s
    }

    /// A string literal: single quotes, inner quotes doubled (and backslashes doubled where
    /// they escape).
    pub fn string_literal(&self, value: &str) -> String {
        let mut s = String::with_capacity(value.len() + 2);
        s.push('\'');
        for c in value.chars() {
            match c {
                '\'' => s.push_str("''"),
                '\\' if self.backslash_escapes => s.push_str("\\\\"),
                c => s.push(c),
            }
        }
        s.push('\'');
        s
    }

    /// A string value where the SQL grammar takes an expression (a column default, a value
    /// inserted or compared), spelled so it means the same whatever the session's escaping
    /// mode: on a backend where backslashes may escape (MySQL, unless the session has
    /// `NO_BACKSLASH_ESCAPES`), a value with a backslash is written as a hex string `X'…'`,
    /// which has no escapes in either mode; anything else as [`Features::string_literal`].
    pub fn string_value(&self, value: &str) -> String {
        if !(self.backslash_escapes && value.contains('\\')) {
            return self.string_literal(value);
        }
        let mut s = String::with_capacity(value.len() * 2 + 3);
        s.push_str("X'");
        for byte in value.bytes() {
            let _ = write!(s, "{byte:02X}");
        }
        s.push('\'');
        s
    }

    /// A boolean literal.
    pub fn bool_literal(&self, value: bool) -> &'static str {
        if value {
            self.bool_literals.0
        } else {
            self.bool_literals.1
        }
    }
}
