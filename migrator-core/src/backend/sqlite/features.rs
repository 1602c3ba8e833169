//! The facts about this backend that code outside its folder asks (see `backend/features.rs`).

use crate::backend::features::{Backend, Features, LockKind, RecorderSql};

/// The facts about SQLite that core code asks.
pub const FEATURES: Features = Features {
    backend: Backend::Sqlite,
    display_name: "SQLite",
    url_schemes: &["sqlite"],
    cargo_feature: None,
    can_rollback_ddl: true,
    deferred_foreign_key_check: true,
    lock: LockKind::WriteTransaction,
    max_identifier_length: None,
    identifier_quote: '"',
    function_synonyms: &[],
    backslash_escapes: false,
    backslash_session: None,
    bool_literals: ("1", "0"),
    recorder: RecorderSql {
        text_type: "TEXT",
        auto_id: "INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT",
        now_utc_text: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        cast_integer: "BIGINT",
        count_columns: |table, column| {
            format!("SELECT COUNT(*) AS n FROM pragma_table_info({table}) WHERE name = {column}")
        },
        count_indexes: |table, index| {
            format!(
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = {table} AND name = {index}"
            )
        },
        count_tables: |lit| {
            format!("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = {lit}")
        },
        key_hash: None,
        table_exists: None,
    },
};
