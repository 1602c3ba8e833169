//! The recorder: which migrations are applied, in the table `migrator_migrations`
//! (id, app, name, applied_at as UTC text, checksum, code_checksum; UNIQUE (app, name)),
//! created on first write — and a table an older migrator created (without the unique index
//! or `code_checksum`) is upgraded on the first write, under the migration lock, idempotently:
//! the column is added, duplicate rows are dropped (the oldest of each (app, name) is kept)
//! and the index created. On MySQL (which commits DDL as it runs) and for non-atomic
//! migrations, the operation a migration is running is kept in the table
//! `migrator_migrations_progress` (app, name, operation, total, description, started_at), so a
//! run that dies half-way is detected and reported by the next one (DESIGN decision 8). The
//! progress table is created when a run first needs it and dropped at the end of the run when
//! no row is left (not per migration: on MySQL each `CREATE`/`DROP TABLE` is a committed DDL
//! statement), so schema tools never see it after a clean run; one a run killed between two
//! migrations leaves empty means nothing and goes with the next run (introspection and
//! `inspectdb` skip it anyway).
//!
//! The executor reads what of these tables exists in one query ([`tables`]) before the
//! record ([`applied_with`]) at the first migration of a run, and after that with the record
//! in the same query ([`applied_again_with`]: nothing removes the recorder table, so only
//! the progress table's existence is asked again); it hands it to the `*_with` writes, which
//! then send no catalog query of their own, and finishes each migration with one batch
//! ([`finish_with`]: the row and the progress row's `DELETE`). The plain functions read it
//! first.
//!
//! The checksum ([`checksum`]) is the hex SHA-256 of the migration's canonical text — its
//! key, each operation's `canonical_text()` and, when it has one, its data-loss
//! acknowledgement (not its dependencies, which squashing rewrites) — not the file's bytes, so reformatting a migration file changes nothing while
//! editing an operation is caught before any DDL runs (DESIGN decision 9). A data step's
//! canonical text is only its name, so a migration with a `RunRust` step also records its
//! file's *code checksum* (`Migration::code_checksum`, from the build script: the file's
//! Rust tokens besides `migration()`), in its own column so the operations' checksums of
//! every migration recorded before it stay valid; rows without one (recorded by an older
//! migrator) get it from the next `migrate` that applies anything. The recorder only reads
//! and writes its own tables; transactions and locking are the executor's.

use std::collections::{BTreeMap, BTreeSet};

use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};
use thiserror::Error;

use crate::backend::features::RecorderSql;
use crate::backend::DbConnection;
use crate::migration::{Migration, MigrationKey};

pub use crate::db_schema::{PROGRESS_TABLE, RECORDER_TABLE};

mod check;
mod checksum;
pub use check::RecordCheck;
pub use checksum::{canonical_text, checksum, checksum_as, code_checksum};

/// A migration a previous run started but did not finish (its progress row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interrupted {
    /// The migration.
    pub key: MigrationKey,
    /// 1-based number of the operation that was running; the ones before it (in run order)
    /// completed.
    pub operation: usize,
    /// The migration was being unapplied (its operations run last to first).
    pub backwards: bool,
    /// How many operations the migration has.
    pub total: usize,
    /// `describe()` of that operation.
    pub description: String,
    /// When that operation started (UTC).
    pub started_at: String,
}

/// One recorded migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedMigration {
    /// Which migration.
    pub key: MigrationKey,
    /// When it was applied, UTC, `YYYY-MM-DDTHH:MM:SS.fffZ`.
    pub applied_at: String,
    /// Its checksum when applied.
    pub checksum: String,
    /// The code checksum of its file when applied (migrations with a `RunRust` step; `None`
    /// for the others and for rows an older migrator wrote).
    pub code_checksum: Option<String>,
}

/// The unique index on (app, name) of the recorder table.
pub const RECORDER_UNIQUE_INDEX: &str = "migrator_migrations_app_name_uniq";

/// A recorder failure.
#[derive(Debug, Error)]
pub enum RecorderError {
    /// A query on the recorder table failed.
    #[error("the migration recorder (table `{RECORDER_TABLE}`) failed at `{sql}`: {source}")]
    Query {
        /// The statement.
        sql: String,
        /// The database's error.
        source: diesel::result::Error,
    },
}

fn q(conn: &DbConnection, ident: &str) -> String {
    conn.backend().quote(ident)
}

fn exec(conn: &mut DbConnection, sql: String) -> Result<(), RecorderError> {
    conn.batch_execute(&sql)
        .map_err(|source| RecorderError::Query { sql, source })
}

/// How the recorder's SQL is spelled on the connection's backend.
fn spelling(conn: &DbConnection) -> &'static RecorderSql {
    &conn.backend().features().recorder
}

/// Which of the recorder's tables, and which parts of the recorder table, exist: read in one
/// query by [`tables`]. Under the migration lock only this process changes them, so the
/// executor reads them once per migration (with the applied set) and the `*_with` writes
/// below skip the checks the plain ones make first; each write that creates something
/// marks it here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tables {
    /// The recorder table exists.
    pub recorder: bool,
    /// It has the `code_checksum` column (an older migrator's table may not).
    pub code_checksum: bool,
    /// It has its UNIQUE (app, name) index (an older migrator's table may not).
    pub unique_index: bool,
    /// The progress table exists.
    pub progress: bool,
}

#[derive(QueryableByName)]
struct TablesRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    recorder: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    code_checksum: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    unique_index: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    progress: i64,
}

/// Reads [`Tables`] in one query (one round trip to a server).
pub fn tables(conn: &mut DbConnection) -> Result<Tables, RecorderError> {
    let b = conn.backend();
    let s = spelling(conn);
    let recorder = b.string_literal(RECORDER_TABLE);
    let sql = format!(
        "SELECT ({}) AS recorder, ({}) AS code_checksum, ({}) AS unique_index, ({}) AS progress",
        (s.count_tables)(&recorder),
        (s.count_columns)(&recorder, &b.string_literal("code_checksum")),
        (s.count_indexes)(&recorder, &b.string_literal(RECORDER_UNIQUE_INDEX)),
        (s.count_tables)(&b.string_literal(PROGRESS_TABLE)),
    );
    let rows: Vec<TablesRow> = diesel::sql_query(&sql)
        .load(conn)
        .map_err(|source| RecorderError::Query { sql, source })?;
    Ok(rows.first().map_or_else(Tables::default, |r| Tables {
        recorder: r.recorder > 0,
        code_checksum: r.code_checksum > 0,
        unique_index: r.unique_index > 0,
        progress: r.progress > 0,
    }))
}

/// Creates the recorder table if it does not exist, and upgrades one an older migrator
/// created (see the module docs). Call it under the migration lock.
pub fn ensure_table(conn: &mut DbConnection) -> Result<(), RecorderError> {
    let mut known = tables(conn)?;
    ensure_table_with(conn, &mut known)
}

/// [`ensure_table`] given what exists (`known`, read under the same lock), which it updates.
/// Nothing is sent when the table is complete.
pub fn ensure_table_with(conn: &mut DbConnection, known: &mut Tables) -> Result<(), RecorderError> {
    let id = spelling(conn).auto_id;
    let text = spelling(conn).text_type;
    if !known.recorder {
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {t} ({id_col} {id}, {app} {text} NOT NULL, {name} {text} NOT NULL, {at} {text} NOT NULL, {sum} {text} NOT NULL, {code} {text} NULL)",
            t = q(conn, RECORDER_TABLE),
            id_col = q(conn, "id"),
            app = q(conn, "app"),
            name = q(conn, "name"),
            at = q(conn, "applied_at"),
            sum = q(conn, "checksum"),
            code = q(conn, "code_checksum"),
        );
        exec(conn, sql)?;
        // `IF NOT EXISTS`: a table made meanwhile without the lock may lack the rest; read
        // what exists again, in the same one query.
        *known = tables(conn)?;
    }
    if !known.code_checksum {
        let sql = format!(
            "ALTER TABLE {t} ADD COLUMN {code} {text} NULL",
            t = q(conn, RECORDER_TABLE),
            code = q(conn, "code_checksum"),
        );
        exec(conn, sql)?;
        known.code_checksum = true;
    }
    if !known.unique_index {
        // Rows recorded twice (an older migrator had no constraint): keep the first.
        let sql = format!(
            "DELETE FROM {t} WHERE {id} NOT IN (SELECT {id} FROM (SELECT MIN({id}) AS {id} FROM {t} GROUP BY {app}, {name}) AS {keep})",
            t = q(conn, RECORDER_TABLE),
            id = q(conn, "id"),
            app = q(conn, "app"),
            name = q(conn, "name"),
            keep = q(conn, "keep"),
        );
        exec(conn, sql)?;
        let sql = format!(
            "CREATE UNIQUE INDEX {i} ON {t} ({app}, {name})",
            i = q(conn, RECORDER_UNIQUE_INDEX),
            t = q(conn, RECORDER_TABLE),
            app = q(conn, "app"),
            name = q(conn, "name"),
        );
        exec(conn, sql)?;
        known.unique_index = true;
    }
    Ok(())
}

fn count(conn: &mut DbConnection, sql: String) -> Result<i64, RecorderError> {
    let rows: Vec<CountRow> = diesel::sql_query(&sql)
        .load(conn)
        .map_err(|source| RecorderError::Query { sql, source })?;
    Ok(rows.first().map_or(0, |r| r.n))
}

/// True when the recorder table has its UNIQUE (app, name) index.
pub fn has_unique_index(conn: &mut DbConnection) -> Result<bool, RecorderError> {
    let b = conn.backend();
    let sql = (spelling(conn).count_indexes)(
        &b.string_literal(RECORDER_TABLE),
        &b.string_literal(RECORDER_UNIQUE_INDEX),
    );
    Ok(count(conn, sql)? > 0)
}

#[derive(QueryableByName)]
struct RecordRow {
    #[diesel(sql_type = Text)]
    app: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    applied_at: String,
    #[diesel(sql_type = Text)]
    checksum: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    code_checksum: Option<String>,
}

#[derive(QueryableByName)]
struct KeyWithProgress {
    #[diesel(sql_type = Text)]
    app: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    progress: i64,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// True when the recorder table exists.
pub fn has_table(conn: &mut DbConnection) -> Result<bool, RecorderError> {
    table_exists(conn, RECORDER_TABLE)
}

fn table_exists(conn: &mut DbConnection, table: &str) -> Result<bool, RecorderError> {
    let lit = conn.backend().string_literal(table);
    let sql = (spelling(conn).count_tables)(&lit);
    Ok(count(conn, sql)? > 0)
}

/// Every recorded migration (an empty map when the table does not exist yet; nothing is
/// created by reading).
pub fn applied(
    conn: &mut DbConnection,
) -> Result<BTreeMap<MigrationKey, AppliedMigration>, RecorderError> {
    let known = tables(conn)?;
    applied_with(conn, &known)
}

/// [`applied`] given what exists (`known`): one query, none without the table.
pub fn applied_with(
    conn: &mut DbConnection,
    known: &Tables,
) -> Result<BTreeMap<MigrationKey, AppliedMigration>, RecorderError> {
    if !known.recorder {
        return Ok(BTreeMap::new());
    }
    let sql = select_record_sql(conn, known);
    let rows: Vec<RecordRow> = diesel::sql_query(&sql)
        .load(conn)
        .map_err(|source| RecorderError::Query { sql, source })?;
    Ok(record_of(rows, known.code_checksum))
}

/// The recorded migrations (their keys: what a later step of a run compares with what it
/// expects) and what of the recorder's tables exists, read again under a later lock of the
/// same run, given what the previous read found (`known`). Nothing removes the recorder
/// table, its `code_checksum` column or its index, so when `known` found them all, one query
/// reads the keys together with whether the progress table exists now (another process may
/// have created or dropped it since); otherwise — or when the record is empty, so no row
/// carries the answer — [`tables`] and [`applied_with`], as [`applied`] does. Only the keys
/// are read: a run reads the record once per migration, so reading whole rows made a long
/// run's bookkeeping quadratic in bytes and parsing.
pub fn applied_again_with(
    conn: &mut DbConnection,
    known: &Tables,
) -> Result<(Tables, BTreeSet<MigrationKey>), RecorderError> {
    if known.recorder && known.code_checksum && known.unique_index {
        let b = conn.backend();
        let sql = format!(
            "SELECT {app}, {name}, ({count}) AS {progress} FROM {t}",
            app = q(conn, "app"),
            name = q(conn, "name"),
            count = (spelling(conn).count_tables)(&b.string_literal(PROGRESS_TABLE)),
            progress = q(conn, "progress"),
            t = q(conn, RECORDER_TABLE),
        );
        let rows: Vec<KeyWithProgress> = diesel::sql_query(&sql)
            .load(conn)
            .map_err(|source| RecorderError::Query { sql, source })?;
        if let Some(first) = rows.first() {
            let tables = Tables {
                progress: first.progress > 0,
                ..*known
            };
            let keys = rows
                .into_iter()
                .map(|r| MigrationKey::new(r.app, r.name))
                .collect();
            return Ok((tables, keys));
        }
    }
    let tables = tables(conn)?;
    let record = applied_with(conn, &tables)?;
    Ok((tables, record.into_keys().collect()))
}

/// The [`RecordCheck`] after a read of the record that found `keys`, given what of the
/// recorder's tables exists: where the backend can evaluate the check (PostgreSQL), one query
/// for the highest row id; elsewhere none (the check is never sent there).
pub fn check_after_read(
    conn: &mut DbConnection,
    known: &Tables,
    keys: &BTreeSet<MigrationKey>,
) -> Result<RecordCheck, RecorderError> {
    if spelling(conn).key_hash.is_none() || !known.recorder {
        return Ok(RecordCheck::after_read(0, keys.len()));
    }
    let sql = format!(
        "SELECT COALESCE(MAX({id}), 0) AS n FROM {t}",
        id = q(conn, "id"),
        t = q(conn, RECORDER_TABLE),
    );
    let rows: Vec<CountRow> = diesel::sql_query(&sql)
        .load(conn)
        .map_err(|source| RecorderError::Query { sql, source })?;
    Ok(RecordCheck::after_read(
        rows.first().map_or(0, |r| r.n),
        keys.len(),
    ))
}

/// An SQL condition that holds when the record is what `check` says — the rows up to its
/// `top` id as many as it counts, the rows above exactly the keys it added — and the
/// progress table exists exactly when `progress` says: for
/// [`crate::lock::WriteLock::try_checked`]. `None` where the backend cannot compute the
/// keys' hashes (`RecorderSql::key_hash` and `table_exists`: PostgreSQL only).
pub fn record_check_sql(
    conn: &DbConnection,
    check: &RecordCheck,
    progress: bool,
) -> Option<String> {
    let spelling = spelling(conn);
    let key_hash = spelling.key_hash?;
    let table_exists = spelling.table_exists?;
    let id = q(conn, "id");
    let top = check.top;
    // Without rows added since the read (a rollback) there is nothing to hash: the server
    // spends more setting the hash expression up than counting.
    let hashed = if check.above.count == 0 {
        String::new()
    } else {
        format!(
            " AND COALESCE(SUM({hash}) FILTER (WHERE {id} > {top}), 0) = {sum}",
            hash = key_hash(&q(conn, "app"), &q(conn, "name")),
            sum = check.above.sum,
        )
    };
    Some(format!(
        "(SELECT COUNT(*) FILTER (WHERE {id} <= {top}) = {below} \
         AND COUNT(*) FILTER (WHERE {id} > {top}) = {above}{hashed} FROM {t}) \
         AND ({exists}) = {progress}",
        below = check.below,
        above = check.above.count,
        t = q(conn, RECORDER_TABLE),
        exists = table_exists(&conn.backend().string_literal(PROGRESS_TABLE)),
    ))
}

/// The `SELECT` of every recorded row in order.
fn select_record_sql(conn: &DbConnection, known: &Tables) -> String {
    // A table an older migrator wrote has no code checksums yet (reading upgrades nothing).
    let has_code = known.code_checksum;
    format!(
        "SELECT {app}, {name}, {at}, {sum}, {code} AS {code_as} FROM {t} ORDER BY {id}",
        t = q(conn, RECORDER_TABLE),
        app = q(conn, "app"),
        name = q(conn, "name"),
        at = q(conn, "applied_at"),
        sum = q(conn, "checksum"),
        code = q(
            conn,
            if has_code {
                "code_checksum"
            } else {
                "checksum"
            }
        ),
        code_as = q(conn, "code_checksum"),
        id = q(conn, "id"),
    )
}

fn record_of(rows: Vec<RecordRow>, has_code: bool) -> BTreeMap<MigrationKey, AppliedMigration> {
    rows.into_iter()
        .map(|r| {
            let key = MigrationKey::new(r.app, r.name);
            (
                key.clone(),
                AppliedMigration {
                    key,
                    applied_at: r.applied_at,
                    checksum: r.checksum,
                    code_checksum: r.code_checksum.filter(|_| has_code),
                },
            )
        })
        .collect()
}

/// Records `migration` as applied (creating or upgrading the table if needed).
pub fn record(conn: &mut DbConnection, migration: &Migration) -> Result<(), RecorderError> {
    let mut known = tables(conn)?;
    record_with(conn, &mut known, migration)
}

/// [`record`] given what exists (`known`, read under the same lock): one statement when the
/// table is complete.
pub fn record_with(
    conn: &mut DbConnection,
    known: &mut Tables,
    migration: &Migration,
) -> Result<(), RecorderError> {
    insert(
        conn,
        known,
        &migration.key(),
        &checksum(migration),
        code_checksum(migration),
    )
}

fn insert(
    conn: &mut DbConnection,
    known: &mut Tables,
    key: &MigrationKey,
    checksum: &str,
    code: Option<&str>,
) -> Result<(), RecorderError> {
    ensure_table_with(conn, known)?;
    let sql = insert_sql(conn, key, checksum, code);
    exec(conn, sql)
}

/// The statement recording `key` with its checksums.
fn insert_sql(
    conn: &DbConnection,
    key: &MigrationKey,
    checksum: &str,
    code: Option<&str>,
) -> String {
    let b = conn.backend().features();
    format!(
        "INSERT INTO {t} ({app}, {name}, {at}, {sum}, {code_c}) VALUES ({a}, {n}, {now}, {c}, {code})",
        t = q(conn, RECORDER_TABLE),
        app = q(conn, "app"),
        name = q(conn, "name"),
        at = q(conn, "applied_at"),
        sum = q(conn, "checksum"),
        code_c = q(conn, "code_checksum"),
        a = b.string_value(&key.app),
        n = b.string_value(&key.name),
        now = b.recorder.now_utc_text,
        c = b.string_value(checksum),
        code = code.map_or_else(|| "NULL".to_owned(), |c| b.string_value(c)),
    )
}

/// The checksum prefix of rows recorded for migrations a squash replaced
/// (`replaced-by:app.name`): they have no checksum of their own.
pub const REPLACED_BY: &str = "replaced-by:";

/// Records `key`, a migration replaced by the squash `by`, as applied (when the squash is
/// applied, so history tools that still have the originals agree).
pub fn record_replaced(
    conn: &mut DbConnection,
    key: &MigrationKey,
    by: &MigrationKey,
) -> Result<(), RecorderError> {
    let mut known = tables(conn)?;
    record_replaced_with(conn, &mut known, key, by)
}

/// [`record_replaced`] given what exists (`known`).
pub fn record_replaced_with(
    conn: &mut DbConnection,
    known: &mut Tables,
    key: &MigrationKey,
    by: &MigrationKey,
) -> Result<(), RecorderError> {
    insert(conn, known, key, &format!("{REPLACED_BY}{by}"), None)
}

/// Replaces the recorded checksum of `key` (`migrate --restamp`).
pub fn set_checksum(
    conn: &mut DbConnection,
    key: &MigrationKey,
    checksum: &str,
) -> Result<(), RecorderError> {
    set_column(conn, key, "checksum", Some(checksum))
}

/// Replaces the recorded code checksum of `key` (`migrate --restamp`, or filling in a row
/// an older migrator wrote).
pub fn set_code_checksum(
    conn: &mut DbConnection,
    key: &MigrationKey,
    code_checksum: Option<&str>,
) -> Result<(), RecorderError> {
    set_column(conn, key, "code_checksum", code_checksum)
}

fn set_column(
    conn: &mut DbConnection,
    key: &MigrationKey,
    column: &str,
    value: Option<&str>,
) -> Result<(), RecorderError> {
    ensure_table(conn)?;
    let b = conn.backend().features();
    let sql = format!(
        "UPDATE {t} SET {col} = {v} WHERE {app} = {a} AND {name} = {n}",
        t = q(conn, RECORDER_TABLE),
        col = q(conn, column),
        app = q(conn, "app"),
        name = q(conn, "name"),
        v = value.map_or_else(|| "NULL".to_owned(), |v| b.string_value(v)),
        a = b.string_value(&key.app),
        n = b.string_value(&key.name),
    );
    exec(conn, sql)
}

/// Creates the progress table unless `known` says it exists (on MySQL a `CREATE TABLE`, even
/// one that does nothing, commits the open transaction).
fn ensure_progress_table(conn: &mut DbConnection, known: &mut Tables) -> Result<(), RecorderError> {
    if known.progress {
        return Ok(());
    }
    let text = spelling(conn).text_type;
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS {t} ({app} {text} NOT NULL, {name} {text} NOT NULL, {op} INTEGER NOT NULL, {total} INTEGER NOT NULL, {desc} {text} NOT NULL, {at} {text} NOT NULL)",
        t = q(conn, PROGRESS_TABLE),
        app = q(conn, "app"),
        name = q(conn, "name"),
        op = q(conn, "operation"),
        total = q(conn, "total"),
        desc = q(conn, "description"),
        at = q(conn, "started_at"),
    );
    exec(conn, sql)?;
    known.progress = true;
    Ok(())
}

/// Notes that operation `operation` (1-based) of `total` of `key` starts now, applying or
/// (`backwards`) unapplying, replacing the migration's previous progress row. The caller
/// commits it. (An unapply is stored as a negative operation number.)
pub fn progress_start(
    conn: &mut DbConnection,
    key: &MigrationKey,
    operation: usize,
    total: usize,
    description: &str,
    backwards: bool,
) -> Result<(), RecorderError> {
    let mut known = tables(conn)?;
    progress_start_with(
        conn,
        &mut known,
        key,
        (operation, total),
        description,
        backwards,
    )
}

/// [`progress_start`] given what exists (`known`, read under the same lock), for operation
/// `number.0` of `number.1`: the old row's `DELETE` and the new row's `INSERT` go to the
/// server as one batch (one round trip), after creating the table if `known` lacks it.
pub fn progress_start_with(
    conn: &mut DbConnection,
    known: &mut Tables,
    key: &MigrationKey,
    (operation, total): (usize, usize),
    description: &str,
    backwards: bool,
) -> Result<(), RecorderError> {
    let sql =
        progress_start_sql_with(conn, known, key, (operation, total), description, backwards)?;
    exec(conn, sql)
}

/// [`progress_start_with`]'s batch, for a caller that sends it together with more in the
/// same round trip (the executor adds the commit): the table is created first if `known`
/// lacks it, the row's `DELETE` and `INSERT` are returned, not sent.
pub fn progress_start_sql_with(
    conn: &mut DbConnection,
    known: &mut Tables,
    key: &MigrationKey,
    (operation, total): (usize, usize),
    description: &str,
    backwards: bool,
) -> Result<String, RecorderError> {
    ensure_progress_table(conn, known)?;
    let row = progress_row(conn, key, (operation, total), description, backwards);
    let (columns, values): (Vec<_>, Vec<_>) = row.into_iter().unzip();
    Ok(format!(
        "{delete}; INSERT INTO {t} ({columns}) VALUES ({values})",
        delete = delete_key_sql(conn, PROGRESS_TABLE, key),
        t = q(conn, PROGRESS_TABLE),
        columns = columns.join(", "),
        values = values.join(", "),
    ))
}

/// The statement moving `key`'s progress row, which this process wrote under the same lock
/// ([`progress_start_sql_with`]), on to operation `operation` (1-based) of `total`: one
/// `UPDATE` where a new row takes a `DELETE` and an `INSERT`.
pub fn progress_move_sql(
    conn: &DbConnection,
    key: &MigrationKey,
    (operation, total): (usize, usize),
    description: &str,
    backwards: bool,
) -> String {
    let row = progress_row(conn, key, (operation, total), description, backwards);
    let [app, name, changed @ ..] = row;
    let set: Vec<String> = changed.iter().map(|(c, v)| format!("{c} = {v}")).collect();
    format!(
        "UPDATE {t} SET {set} WHERE {} = {} AND {} = {}",
        app.0,
        app.1,
        name.0,
        name.1,
        t = q(conn, PROGRESS_TABLE),
        set = set.join(", "),
    )
}

/// The progress row's columns and values: app, name, the operation (negative when
/// unapplying), the total, the description (at most 250 characters) and the time now.
fn progress_row(
    conn: &DbConnection,
    key: &MigrationKey,
    (operation, total): (usize, usize),
    description: &str,
    backwards: bool,
) -> [(String, String); 6] {
    let operation = i64::try_from(operation).unwrap_or(i64::MAX);
    let operation = if backwards { -operation } else { operation };
    let b = conn.backend().features();
    let description: String = description.chars().take(250).collect();
    [
        (q(conn, "app"), b.string_value(&key.app)),
        (q(conn, "name"), b.string_value(&key.name)),
        (q(conn, "operation"), operation.to_string()),
        (q(conn, "total"), total.to_string()),
        (q(conn, "description"), b.string_value(&description)),
        (q(conn, "started_at"), b.recorder.now_utc_text.to_owned()),
    ]
}

/// Removes the progress row of `key` (the migration finished, or was recovered), and the
/// progress table once it is empty.
pub fn progress_clear(conn: &mut DbConnection, key: &MigrationKey) -> Result<(), RecorderError> {
    let known = tables(conn)?;
    if !known.progress {
        return Ok(());
    }
    exec(conn, delete_key_sql(conn, PROGRESS_TABLE, key))?;
    drop_progress_table_if_empty(conn)
}

/// Removes the progress row of `key` given what exists (`known`), leaving the table (see
/// [`drop_progress_table_if_empty`]): nothing is sent when it does not exist.
pub fn progress_delete_with(
    conn: &mut DbConnection,
    known: &Tables,
    key: &MigrationKey,
) -> Result<(), RecorderError> {
    if !known.progress {
        return Ok(());
    }
    exec(conn, delete_key_sql(conn, PROGRESS_TABLE, key))
}

/// Drops the progress table when it exists and holds no row, so schema tools never see it
/// after a clean run. The executor calls it once at the end of a run (on MySQL a `CREATE` and
/// a `DROP TABLE` per migration would be two committed DDL statements each).
pub fn drop_progress_table_if_empty(conn: &mut DbConnection) -> Result<(), RecorderError> {
    if !table_exists(conn, PROGRESS_TABLE)? {
        return Ok(());
    }
    let sql = format!("SELECT COUNT(*) AS n FROM {}", q(conn, PROGRESS_TABLE));
    let rows: Vec<CountRow> = diesel::sql_query(&sql)
        .load(conn)
        .map_err(|source| RecorderError::Query { sql, source })?;
    if rows.first().is_some_and(|r| r.n == 0) {
        let sql = format!("DROP TABLE {}", q(conn, PROGRESS_TABLE));
        exec(conn, sql)?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct ProgressRow {
    #[diesel(sql_type = Text)]
    app: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    operation: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total: i64,
    #[diesel(sql_type = Text)]
    description: String,
    #[diesel(sql_type = Text)]
    started_at: String,
}

/// The migrations a previous run started and did not finish (empty when the progress table
/// does not exist; nothing is created by reading).
pub fn interrupted(conn: &mut DbConnection) -> Result<Vec<Interrupted>, RecorderError> {
    if !table_exists(conn, PROGRESS_TABLE)? {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {app}, {name}, CAST({op} AS {int}) AS {op}, CAST({total} AS {int}) AS {total}, {desc}, {at} FROM {t} ORDER BY {at}",
        t = q(conn, PROGRESS_TABLE),
        app = q(conn, "app"),
        name = q(conn, "name"),
        op = q(conn, "operation"),
        total = q(conn, "total"),
        desc = q(conn, "description"),
        at = q(conn, "started_at"),
        int = spelling(conn).cast_integer,
    );
    let rows: Vec<ProgressRow> = diesel::sql_query(&sql)
        .load(conn)
        .map_err(|source| RecorderError::Query { sql, source })?;
    Ok(rows
        .into_iter()
        .map(|r| Interrupted {
            key: MigrationKey::new(r.app, r.name),
            operation: usize::try_from(r.operation.unsigned_abs()).unwrap_or(0),
            backwards: r.operation < 0,
            total: usize::try_from(r.total).unwrap_or(0),
            description: r.description,
            started_at: r.started_at,
        })
        .collect())
}

/// Removes the record of `key` (a no-op when it is not recorded).
pub fn unrecord(conn: &mut DbConnection, key: &MigrationKey) -> Result<(), RecorderError> {
    let mut known = tables(conn)?;
    unrecord_with(conn, &mut known, key)
}

/// [`unrecord`] given what exists (`known`, read under the same lock).
pub fn unrecord_with(
    conn: &mut DbConnection,
    known: &mut Tables,
    key: &MigrationKey,
) -> Result<(), RecorderError> {
    ensure_table_with(conn, known)?;
    exec(conn, delete_key_sql(conn, RECORDER_TABLE, key))
}

/// Finishes a step of the executor given what exists (`known`, read under the same lock):
/// records `migration` (`backwards` false) or unrecords it, and deletes its progress row
/// where the progress table exists — one batch, so one round trip when the recorder table
/// is complete. With `begin`, the batch opens a transaction first: where DDL's implicit
/// commit ended the step's transaction (MySQL), the rows then commit together, one durable
/// commit where each would otherwise commit on its own.
pub fn finish_with(
    conn: &mut DbConnection,
    known: &mut Tables,
    migration: &Migration,
    (backwards, begin): (bool, bool),
) -> Result<(), RecorderError> {
    let sql = finish_sql_with(conn, known, migration, backwards)?;
    exec(conn, if begin { format!("BEGIN; {sql}") } else { sql })
}

/// [`finish_with`]'s batch (without `begin`), for a caller that sends it together with more
/// in the same round trip: the recorder table is completed first if `known` lacks a part of
/// it, the record's and progress row's statements are returned, not sent.
pub fn finish_sql_with(
    conn: &mut DbConnection,
    known: &mut Tables,
    migration: &Migration,
    backwards: bool,
) -> Result<String, RecorderError> {
    ensure_table_with(conn, known)?;
    let key = migration.key();
    let mut sql = if backwards {
        delete_key_sql(conn, RECORDER_TABLE, &key)
    } else {
        insert_sql(conn, &key, &checksum(migration), code_checksum(migration))
    };
    if known.progress {
        sql.push_str("; ");
        sql.push_str(&delete_key_sql(conn, PROGRESS_TABLE, &key));
    }
    Ok(sql)
}

/// The statement deleting `key`'s row from `table` (the recorder or the progress table).
fn delete_key_sql(conn: &DbConnection, table: &str, key: &MigrationKey) -> String {
    let b = conn.backend().features();
    format!(
        "DELETE FROM {t} WHERE {app} = {a} AND {name} = {n}",
        t = q(conn, table),
        app = q(conn, "app"),
        name = q(conn, "name"),
        a = b.string_value(&key.app),
        n = b.string_value(&key.name),
    )
}

#[cfg(test)]
mod tests;
