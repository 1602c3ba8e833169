//! Behaviour of the index and constraint operations: `AddIndex`, `RemoveIndex`,
//! `AddConstraint`, `RemoveConstraint`, plus the helpers other operations use to keep index and
//! constraint field lists consistent (rename rewriting, existence checks). SQL lives in the
//! backend schema editors, not here.

use super::base::{model_mut, quote, OperationKind, StateError};
use crate::backend::editor::{SchemaEditor, SchemaError, Step};

use crate::state::{ConstraintKind, ConstraintState, IndexState, ModelState, ProjectState};

/// Add an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddIndex {
    /// Model name.
    pub model: String,
    /// The index.
    pub index: IndexState,
    /// Build it without blocking writes to the table (PostgreSQL `CREATE INDEX
    /// CONCURRENTLY`, MySQL `ALGORITHM=INPLACE, LOCK=NONE`; SQLite has one writer and builds
    /// it as usual). It cannot run inside a transaction, so the migration must be
    /// non-atomic. How the index is built, not what it is: the checksum leaves it out.
    pub concurrently: bool,
}

/// Remove an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoveIndex {
    /// Model name.
    pub model: String,
    /// Index name.
    pub name: String,
    /// Drop it without blocking the table (PostgreSQL `DROP INDEX CONCURRENTLY`; see
    /// [`AddIndex::concurrently`]); the migration must be non-atomic.
    pub concurrently: bool,
}

/// Add a named constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddConstraint {
    /// Model name.
    pub model: String,
    /// The constraint.
    pub constraint: ConstraintState,
}

/// Remove a named constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoveConstraint {
    /// Model name.
    pub model: String,
    /// Constraint name.
    pub name: String,
}

/// Canonical text of an index: `index name (a, b)` or `unique_index name (a)`.
pub(crate) fn index_text(i: &IndexState) -> String {
    format!(
        "{} {} ({})",
        if i.unique { "unique_index" } else { "index" },
        i.name,
        i.fields.join(", ")
    )
}

/// Canonical text of a constraint: `check name "sql"` or `unique name (a, b)`.
pub(crate) fn constraint_text(c: &ConstraintState) -> String {
    match &c.kind {
        ConstraintKind::Check(sql) => format!("check {} {}", c.name, quote(sql)),
        ConstraintKind::Unique(fields) => format!("unique {} ({})", c.name, fields.join(", ")),
    }
}

/// True when `model` has an index or constraint named `name`.
fn name_taken(model: &ModelState, name: &str) -> bool {
    model.indexes.iter().any(|i| i.name == name) || model.constraints.iter().any(|c| c.name == name)
}

/// Errors when two indexes/constraints of `model` share a name.
pub(crate) fn check_index_names_unique(model: &ModelState) -> Result<(), StateError> {
    let mut seen = std::collections::BTreeSet::new();
    let names = model
        .indexes
        .iter()
        .map(|i| &i.name)
        .chain(model.constraints.iter().map(|c| &c.name));
    for name in names {
        if !seen.insert(name) {
            return Err(StateError::IndexExists {
                app: model.app.clone(),
                model: model.name.clone(),
                name: name.clone(),
            });
        }
    }
    Ok(())
}

/// Errors when one of `fields` is not a field of `model`.
pub(crate) fn check_fields_exist(model: &ModelState, fields: &[String]) -> Result<(), StateError> {
    match fields.iter().find(|f| model.field(f).is_none()) {
        Some(missing) => Err(StateError::field_not_found(
            &model.app,
            &model.name,
            missing,
        )),
        None => Ok(()),
    }
}

/// Rewrites field `old` to `new` in the indexes and unique constraints of `model`.
pub(crate) fn rename_field_references(model: &mut ModelState, old: &str, new: &str) {
    let rename = |fields: &mut Vec<String>| {
        for f in fields.iter_mut() {
            if f == old {
                *f = new.to_string();
            }
        }
    };
    for i in &mut model.indexes {
        rename(&mut i.fields);
    }
    for c in &mut model.constraints {
        if let ConstraintKind::Unique(fields) = &mut c.kind {
            rename(fields);
        }
    }
}

/// Rewrites column `old` to `new` in the check constraints of `model` (see
/// [`rename_column_in_sql`]): a column renamed in the database is renamed in its checks too
/// (SQLite and PostgreSQL rewrite them), so the state must say the same, or a later table
/// rebuild recreates the check with a column that no longer exists.
pub(crate) fn rename_column_in_checks(model: &mut ModelState, old: &str, new: &str) {
    if old == new {
        return;
    }
    for c in &mut model.constraints {
        if let ConstraintKind::Check(sql) = &mut c.kind {
            *sql = rename_column_in_sql(sql, old, new);
        }
    }
}

/// True for a character that may continue a bare SQL identifier.
fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// True when `name` can be written as a bare identifier (a letter or `_`, then letters,
/// digits, `_`).
fn bare_ok(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Rewrites every identifier token of the SQL expression `sql` that names column `old` to
/// `new`: bare identifiers (compared ASCII case-insensitively, as SQL does; not when followed
/// by `(`, which makes it a function name) and identifiers quoted with `"…"`, `` `…` `` or
/// `[…]` (compared exactly, written back with the same quotes). String literals (`'…'`),
/// numbers and comments are copied unchanged. A bare token whose new name needs quoting is
/// written as `"new"`.
pub fn rename_column_in_sql(sql: &str, old: &str, new: &str) -> String {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    // Copies chars[i..end] to `out` and moves on.
    let copy = |out: &mut String, from: usize, to: usize| out.extend(&chars[from..to]);
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' => {
                // A string literal; '' is an escaped quote.
                let mut j = i + 1;
                while j < chars.len() {
                    if chars[j] == '\'' {
                        if chars.get(j + 1) == Some(&'\'') {
                            j += 2;
                            continue;
                        }
                        j += 1;
                        break;
                    }
                    j += 1;
                }
                let end = j.min(chars.len());
                copy(&mut out, i, end);
                i = end;
            }
            '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                let mut name = String::new();
                let mut j = i + 1;
                let mut closed = false;
                while j < chars.len() {
                    if chars[j] == close {
                        if close != ']' && chars.get(j + 1) == Some(&close) {
                            name.push(close);
                            j += 2;
                            continue;
                        }
                        closed = true;
                        j += 1;
                        break;
                    }
                    name.push(chars[j]);
                    j += 1;
                }
                if closed && name == old {
                    out.push(c);
                    if close == ']' {
                        out.push_str(new);
                    } else {
                        out.push_str(&new.replace(close, &format!("{close}{close}")));
                    }
                    out.push(close);
                } else {
                    copy(&mut out, i, j);
                }
                i = j;
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                let end = chars[i..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(chars.len(), |p| i + p);
                copy(&mut out, i, end);
                i = end;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                let end = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == '*' && chars[j + 1] == '/')
                    .map_or(chars.len(), |j| j + 2);
                copy(&mut out, i, end);
                i = end;
            }
            c if c.is_ascii_digit() => {
                // A number, with any letters glued to it (1e5, 0x1F): never an identifier.
                let mut j = i + 1;
                while j < chars.len() && (ident_char(chars[j]) || chars[j] == '.') {
                    j += 1;
                }
                copy(&mut out, i, j);
                i = j;
            }
            c if ident_char(c) => {
                let mut j = i + 1;
                while j < chars.len() && ident_char(chars[j]) {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                let next = chars[j..].iter().find(|c| !c.is_whitespace());
                if word.eq_ignore_ascii_case(old) && next != Some(&'(') {
                    if bare_ok(new) {
                        out.push_str(new);
                    } else {
                        out.push('"');
                        out.push_str(&new.replace('"', "\"\""));
                        out.push('"');
                    }
                } else {
                    out.push_str(&word);
                }
                i = j;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

impl AddIndex {
    /// Adds `index` to `model`.
    pub fn new(model: impl Into<String>, index: IndexState) -> Self {
        Self {
            model: model.into(),
            index,
            concurrently: false,
        }
    }

    /// The same, built concurrently ([`AddIndex::concurrently`]).
    pub fn concurrently(mut self) -> Self {
        self.concurrently = true;
        self
    }
}

impl OperationKind for AddIndex {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        if name_taken(model, &self.index.name) {
            return Err(StateError::IndexExists {
                app: app.to_string(),
                model: self.model.clone(),
                name: self.index.name.clone(),
            });
        }
        check_fields_exist(model, &self.index.fields)?;
        model.indexes.push(self.index.clone());
        model.normalize();
        Ok(())
    }

    fn describe(&self) -> String {
        format!(
            "{}reate index {} on field(s) {} of model {}",
            if self.concurrently {
                "Concurrently c"
            } else {
                "C"
            },
            self.index.name,
            self.index.fields.join(", "),
            self.model.to_lowercase()
        )
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some({
            format!(
                "{}_{}",
                self.model.to_lowercase(),
                self.index.name.to_lowercase()
            )
        })
    }

    fn canonical_text(&self) -> String {
        format!("AddIndex model={} {}", self.model, index_text(&self.index))
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        if self.concurrently {
            return editor.add_index_concurrently(step, &self.model, &self.index.name);
        }
        editor.add_index(step, &self.model, &self.index.name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        if self.concurrently {
            return editor.remove_index_concurrently(step, &self.model, &self.index.name);
        }
        editor.remove_index(step, &self.model, &self.index.name)
    }

    fn atomic(&self) -> bool {
        !self.concurrently
    }

    fn requires_non_atomic(&self) -> bool {
        self.concurrently
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn symbol(&self) -> char {
        '+'
    }
}

impl RemoveIndex {
    /// Removes index `name` from `model`.
    pub fn new(model: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            name: name.into(),
            concurrently: false,
        }
    }

    /// The same, dropped concurrently ([`RemoveIndex::concurrently`]).
    pub fn concurrently(mut self) -> Self {
        self.concurrently = true;
        self
    }
}

impl OperationKind for RemoveIndex {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        let pos = model
            .indexes
            .iter()
            .position(|i| i.name == self.name)
            .ok_or_else(|| StateError::IndexNotFound {
                kind: "index",
                app: app.to_string(),
                model: self.model.clone(),
                name: self.name.clone(),
            })?;
        model.indexes.remove(pos);
        Ok(())
    }

    fn describe(&self) -> String {
        format!(
            "{}emove index {} from {}",
            if self.concurrently {
                "Concurrently r"
            } else {
                "R"
            },
            self.name,
            self.model.to_lowercase()
        )
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some({
            format!(
                "remove_{}_{}",
                self.model.to_lowercase(),
                self.name.to_lowercase()
            )
        })
    }

    fn canonical_text(&self) -> String {
        format!("RemoveIndex model={} name={}", self.model, self.name)
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        if self.concurrently {
            return editor.remove_index_concurrently(step, &self.model, &self.name);
        }
        editor.remove_index(step, &self.model, &self.name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        if self.concurrently {
            return editor.add_index_concurrently(step, &self.model, &self.name);
        }
        editor.add_index(step, &self.model, &self.name)
    }

    fn atomic(&self) -> bool {
        !self.concurrently
    }

    fn requires_non_atomic(&self) -> bool {
        self.concurrently
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn symbol(&self) -> char {
        '-'
    }
}

impl AddConstraint {
    /// Adds `constraint` to `model`.
    pub fn new(model: impl Into<String>, constraint: ConstraintState) -> Self {
        Self {
            model: model.into(),
            constraint,
        }
    }
}

impl OperationKind for AddConstraint {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        if name_taken(model, &self.constraint.name) {
            return Err(StateError::IndexExists {
                app: app.to_string(),
                model: self.model.clone(),
                name: self.constraint.name.clone(),
            });
        }
        if let ConstraintKind::Unique(fields) = &self.constraint.kind {
            check_fields_exist(model, fields)?;
        }
        model.constraints.push(self.constraint.clone());
        model.normalize();
        Ok(())
    }

    fn describe(&self) -> String {
        format!(
            "Create constraint {} on model {}",
            self.constraint.name,
            self.model.to_lowercase()
        )
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some({
            format!(
                "{}_{}",
                self.model.to_lowercase(),
                self.constraint.name.to_lowercase()
            )
        })
    }

    fn canonical_text(&self) -> String {
        format!(
            "AddConstraint model={} {}",
            self.model,
            constraint_text(&self.constraint)
        )
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.add_constraint(step, &self.model, &self.constraint.name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.remove_constraint(step, &self.model, &self.constraint.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn symbol(&self) -> char {
        '+'
    }
}

impl RemoveConstraint {
    /// Removes constraint `name` from `model`.
    pub fn new(model: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            name: name.into(),
        }
    }
}

impl OperationKind for RemoveConstraint {
    fn state_forwards(&self, app: &str, state: &mut ProjectState) -> Result<(), StateError> {
        let model = model_mut(state, app, &self.model)?;
        let pos = model
            .constraints
            .iter()
            .position(|c| c.name == self.name)
            .ok_or_else(|| StateError::IndexNotFound {
                kind: "constraint",
                app: app.to_string(),
                model: self.model.clone(),
                name: self.name.clone(),
            })?;
        model.constraints.remove(pos);
        Ok(())
    }

    fn describe(&self) -> String {
        format!(
            "Remove constraint {} from model {}",
            self.name,
            self.model.to_lowercase()
        )
    }

    fn migration_name_fragment(&self) -> Option<String> {
        Some({
            format!(
                "remove_{}_{}",
                self.model.to_lowercase(),
                self.name.to_lowercase()
            )
        })
    }

    fn canonical_text(&self) -> String {
        format!("RemoveConstraint model={} name={}", self.model, self.name)
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.remove_constraint(step, &self.model, &self.name)
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        editor.add_constraint(step, &self.model, &self.name)
    }

    fn model_name(&self) -> Option<&str> {
        Some(&self.model)
    }

    fn symbol(&self) -> char {
        '-'
    }
}

#[cfg(test)]
mod tests {
    use super::rename_column_in_sql as r;

    #[test]
    fn renames_bare_and_quoted_identifiers_but_not_strings() {
        assert_eq!(
            r("price > 0 AND \"price\" < 'price'", "price", "cost"),
            "cost > 0 AND \"cost\" < 'price'"
        );
        assert_eq!(r("`price` >= [price]", "price", "cost"), "`cost` >= [cost]");
        assert_eq!(
            r("PRICE > 0", "price", "cost"),
            "cost > 0",
            "bare names fold case"
        );
        assert_eq!(
            r("\"PRICE\" > 0", "price", "cost"),
            "\"PRICE\" > 0",
            "quoted do not"
        );
    }

    #[test]
    fn leaves_other_tokens_alone() {
        // Longer names, prefixes, function names, numbers, escaped quotes, comments.
        assert_eq!(
            r(
                "price_max > price AND length(length) > 1e5",
                "length",
                "size"
            ),
            "price_max > price AND length(size) > 1e5"
        );
        assert_eq!(r("price1 > 2price", "price", "cost"), "price1 > 2price");
        assert_eq!(
            r("note <> 'it''s price' AND note <> ''", "note", "memo"),
            "memo <> 'it''s price' AND memo <> ''"
        );
        assert_eq!(
            r("a > 0 -- a\n/* a */ AND a < 9", "a", "b"),
            "b > 0 -- a\n/* a */ AND b < 9"
        );
        assert_eq!(
            r("\"we\"\"ird\" > 0", "we\"ird", "odd"),
            "\"odd\" > 0",
            "escaped quotes inside a quoted name"
        );
    }

    #[test]
    fn quotes_a_new_name_that_needs_it_and_survives_unterminated_input() {
        assert_eq!(r("a > 0", "a", "new col"), "\"new col\" > 0");
        assert_eq!(r("\"a\" > 0", "a", "x\"y"), "\"x\"\"y\" > 0");
        assert_eq!(r("a = 'open", "a", "b"), "b = 'open");
        assert_eq!(r("\"a", "a", "b"), "\"a");
        assert_eq!(r("x.a > 0", "a", "b"), "x.b > 0");
    }
}
