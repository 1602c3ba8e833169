//! The database objects a model has on a server backend, as plain data: columns
//! ([`ColumnDef`]), indexes, unique constraints, foreign keys, the whole table ([`TableDef`]),
//! the phases of one column alteration, and the stable shortening of derived names. A leaf of
//! `server/`: the dialect, the object derivation and the diff all read these.

use sha2::{Digest, Sha256};

use crate::state::{Generated, ModelKey, OnDelete};

/// Shortens a derived identifier to at most `max` bytes: longer names keep their first
/// `max - 9` bytes and get `_` plus 8 hex digits of the SHA-256 of the full name, so the
/// result is stable and distinct names stay distinct.
pub fn shorten_identifier(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let digest = Sha256::digest(name.as_bytes());
    let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let mut cut = max.saturating_sub(hash.len() + 1);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash}", &name[..cut])
}

/// One column as a server backend stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ColumnDef {
    /// The field it comes from (matching across renames).
    pub field: String,
    /// Column name.
    pub name: String,
    /// The backend's type spelling.
    pub sql_type: String,
    /// NULL allowed (never for primary-key columns).
    pub nullable: bool,
    /// The default as SQL.
    pub default: Option<String>,
    /// Identity / AUTO_INCREMENT.
    pub auto: bool,
    /// The name of the sequence behind an identity column, where the backend names one.
    pub sequence: Option<String>,
    /// Column comment.
    pub comment: Option<String>,
    /// The expression and kind of a generated column.
    pub generated: Option<Generated>,
}

impl ColumnDef {
    /// Everything but the field name (what the database sees).
    #[allow(clippy::type_complexity)]
    pub(super) fn shape(
        &self,
    ) -> (
        &str,
        &str,
        bool,
        &Option<String>,
        bool,
        &Option<String>,
        &Option<String>,
        &Option<Generated>,
    ) {
        (
            &self.name,
            &self.sql_type,
            self.nullable,
            &self.default,
            self.auto,
            &self.sequence,
            &self.comment,
            &self.generated,
        )
    }
}

/// An index (or, on MySQL, a unique constraint, which is a unique index there).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Idx {
    pub name: String,
    pub fields: Vec<String>,
    pub columns: Vec<String>,
    /// An expression index's key (verbatim SQL each; PostgreSQL, MySQL refuses it when
    /// deriving); `fields` and `columns` are empty then.
    pub expressions: Vec<String>,
    pub unique: bool,
    /// Declared as a named `UNIQUE` constraint (MySQL keeps those as unique indexes).
    pub constraint: bool,
    /// A partial index's condition (PostgreSQL; MySQL refuses it when deriving).
    pub condition: Option<String>,
    /// `false`: `NULLS NOT DISTINCT` (PostgreSQL; MySQL refuses it when deriving).
    pub nulls_distinct: bool,
    /// A method other than B-tree (PostgreSQL; MySQL refuses it when deriving).
    pub method: Option<String>,
    /// Non-key columns (`INCLUDE`; PostgreSQL, MySQL refuses them when deriving).
    pub include: Vec<String>,
}

impl Idx {
    /// A plain index (not a constraint, no options) named `name` over `fields` (`columns`).
    pub(crate) fn plain(
        name: String,
        fields: Vec<String>,
        columns: Vec<String>,
        unique: bool,
    ) -> Self {
        Self {
            name,
            fields,
            columns,
            expressions: Vec::new(),
            unique,
            constraint: false,
            condition: None,
            nulls_distinct: true,
            method: None,
            include: Vec::new(),
        }
    }

    /// True when the index holds verbatim SQL (key expressions or a condition).
    pub(crate) fn has_sql(&self) -> bool {
        !self.expressions.is_empty() || self.condition.is_some()
    }
}

/// A named table-level `UNIQUE` constraint (PostgreSQL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UniqueDef {
    pub name: String,
    pub fields: Vec<String>,
    pub columns: Vec<String>,
}

/// A foreign key: a field's (one column) or a multi-column constraint's, its columns matched
/// in order to the referenced key's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FkDef {
    pub name: String,
    pub fields: Vec<String>,
    pub columns: Vec<String>,
    pub ref_model: ModelKey,
    pub ref_fields: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: OnDelete,
}

/// Every object one model has in a server database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TableDef {
    pub key: ModelKey,
    pub table: String,
    pub comment: Option<String>,
    pub columns: Vec<ColumnDef>,
    /// Primary-key fields and columns, in key order.
    pub pk_fields: Vec<String>,
    pub pk_columns: Vec<String>,
    /// The primary-key constraint's name where the backend names it.
    pub pk_name: Option<String>,
    pub indexes: Vec<Idx>,
    pub uniques: Vec<UniqueDef>,
    /// `(name, sql)`.
    pub checks: Vec<(String, String)>,
    pub fks: Vec<FkDef>,
}

impl TableDef {
    pub(super) fn column_of_field(&self, field: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.field == field)
    }
}

/// Statements of one column alteration, by phase.
#[derive(Debug, Default)]
pub(crate) struct AlterSteps {
    /// Before the primary key is dropped (on the old table and column names).
    pub pre_pk: Vec<String>,
    /// With the other column changes (new table name, old column name until renamed here).
    pub main: Vec<String>,
    /// After the primary key is added (new names).
    pub post_pk: Vec<String>,
}

/// Whether the SQL expression `sql` names the identifier `ident` (case-insensitively, bare or
/// quoted with `"` or backticks; text inside `'…'` literals does not count). Used where a
/// backend must know which columns a check or a generated column reads.
pub(crate) fn mentions_identifier(sql: &str, ident: &str) -> bool {
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        let word: String = match c {
            '\'' => {
                // A string literal; `''` inside it is an escaped quote.
                while let Some(c) = chars.next() {
                    if c == '\'' && chars.next_if_eq(&'\'').is_none() {
                        break;
                    }
                }
                continue;
            }
            '"' | '`' => chars.by_ref().take_while(|&d| d != c).collect(),
            c if c.is_alphanumeric() || c == '_' || c == '$' => {
                let mut word = String::from(c);
                while let Some(d) = chars.next_if(|d| d.is_alphanumeric() || *d == '_' || *d == '$')
                {
                    word.push(d);
                }
                word
            }
            _ => continue,
        };
        if word.eq_ignore_ascii_case(ident) {
            return true;
        }
    }
    false
}
