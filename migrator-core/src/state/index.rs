//! [`IndexState`]: one index of a model as plain data — over fields or over SQL
//! expressions, unique or not, with its optional condition, NULL handling, method and
//! included fields — and the builder methods migration files chain. A leaf of `state`.

/// A (possibly multi-column, possibly unique) index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IndexState {
    /// The index name, unique within the database.
    pub name: String,
    /// The indexed fields (field names, not columns), in order. Empty for an expression
    /// index.
    pub fields: Vec<String>,
    /// The key of an expression index (Django's `Index(Lower("email"), name=…)`), instead
    /// of `fields`: verbatim SQL, one expression each, over the table's columns, in order.
    /// Empty for an index over fields. SQLite and PostgreSQL only; MySQL/MariaDB refuse it
    /// before anything runs.
    pub expressions: Vec<String>,
    /// A unique index.
    pub unique: bool,
    /// A partial index (Django's `condition`): only rows where this SQL expression holds
    /// are indexed — with `unique`, a conditional unique constraint. SQLite and PostgreSQL
    /// only; MySQL/MariaDB refuse it before anything runs.
    pub condition: Option<String>,
    /// `false` (Django's `nulls_distinct=False`, PostgreSQL 15's `NULLS NOT DISTINCT`): a
    /// unique index treats NULLs as equal, so at most one row has NULL there. `true`, the
    /// default everywhere, lets any number of rows have NULL. SQLite and MySQL/MariaDB have
    /// only the default and refuse `false` before anything runs.
    pub nulls_distinct: bool,
    /// The index method (Django's `BTreeIndex`, `HashIndex`, `GinIndex`, `GistIndex`):
    /// `None` is the database's default (B-tree everywhere). PostgreSQL builds `hash`, `gin`
    /// and `gist` (`USING …`); SQLite and MySQL/MariaDB have only B-tree and refuse the
    /// others before anything runs.
    pub method: Option<String>,
    /// Fields stored in the index without being part of its key (Django's `include`,
    /// PostgreSQL's `INCLUDE (…)`): an index-only scan can return them. PostgreSQL only;
    /// SQLite and MySQL/MariaDB refuse them before anything runs.
    pub include: Vec<String>,
}

impl IndexState {
    /// This unique index with NULLs distinct (`true`, the default) or not (`false`:
    /// PostgreSQL's `NULLS NOT DISTINCT`, at most one row with NULL).
    pub fn nulls_distinct(mut self, distinct: bool) -> Self {
        self.nulls_distinct = distinct;
        self
    }

    /// This index with `fields` stored as non-key columns (`INCLUDE`).
    pub fn include<S: Into<String>>(mut self, fields: impl IntoIterator<Item = S>) -> Self {
        self.include = fields.into_iter().map(Into::into).collect();
        self
    }

    /// This index built with `method` (`btree`, `hash`, `gin` or `gist`).
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// An index named `name` over SQL `expressions` (verbatim, one expression each) instead
    /// of fields.
    pub fn over_expressions<S: Into<String>>(
        name: impl Into<String>,
        expressions: impl IntoIterator<Item = S>,
        unique: bool,
    ) -> Self {
        let mut index = Self::new(name, Vec::<String>::new(), unique);
        index.expressions = expressions.into_iter().map(Into::into).collect();
        index
    }

    /// True when the index holds verbatim SQL (key expressions or a condition), which may
    /// name any column of the table: only the fields of an index without it are known.
    pub fn has_sql(&self) -> bool {
        !self.expressions.is_empty() || self.condition.is_some()
    }

    /// The fields this index names (key and included), or `None` when it holds verbatim SQL
    /// that may name any field ([`IndexState::has_sql`]).
    pub fn named_fields(&self) -> Option<Vec<&str>> {
        (!self.has_sql()).then(|| {
            self.fields
                .iter()
                .chain(&self.include)
                .map(String::as_str)
                .collect()
        })
    }

    /// This index with `condition` (verbatim SQL, one expression): a partial index.
    pub fn condition(mut self, condition: impl Into<String>) -> Self {
        self.condition = Some(condition.into());
        self
    }

    /// An index named `name` over `fields`.
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        fields: impl IntoIterator<Item = S>,
        unique: bool,
    ) -> Self {
        Self {
            name: name.into(),
            fields: fields.into_iter().map(Into::into).collect(),
            expressions: Vec::new(),
            unique,
            condition: None,
            nulls_distinct: true,
            method: None,
            include: Vec::new(),
        }
    }
}
