//! The facts about this backend that code outside its folder asks (see `backend/features.rs`).

use crate::backend::features::{Backend, Features, LockKind, RecorderSql};

/// The facts about MySQL/MariaDB that core code asks.
pub const FEATURES: Features = Features {
    backend: Backend::Mysql,
    display_name: "MySQL",
    url_schemes: &["mysql", "mariadb"],
    cargo_feature: Some("mysql"),
    can_rollback_ddl: false,
    deferred_foreign_key_check: false,
    lock: LockKind::NamedLock,
    max_identifier_length: Some(64),
    identifier_quote: '`',
    function_synonyms: &[
        ("ucase", "upper"),
        ("lcase", "lower"),
        ("octet_length", "length"),
        ("substr", "substring"),
        ("mid", "substring"),
        ("pow", "power"),
        ("ceiling", "ceil"),
        ("character_length", "char_length"),
    ],
    backslash_escapes: true,
    backslash_session: Some((
        "SET @migrator_sql_mode = @@SESSION.sql_mode, SESSION sql_mode = REPLACE(REPLACE(REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES,', ''), ',NO_BACKSLASH_ESCAPES', ''), 'NO_BACKSLASH_ESCAPES', '')",
        "SET SESSION sql_mode = @migrator_sql_mode",
    )),
    bool_literals: ("1", "0"),
    recorder: RecorderSql {
        text_type: "VARCHAR(255)",
        auto_id: "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        now_utc_text: "DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%fZ')",
        cast_integer: "SIGNED",
        count_columns: |table, column| {
            format!(
                "SELECT COUNT(*) AS n FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = {table} AND column_name = {column}"
            )
        },
        count_indexes: |table, index| {
            format!(
                "SELECT COUNT(*) AS n FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = {table} AND index_name = {index}"
            )
        },
        count_tables: |lit| {
            format!(
                "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = {lit}"
            )
        },
        key_hash: None,
        table_exists: None,
    },
};
