//! The rules operations check on a model's state and the rewrites a rename makes: canonical
//! text of indexes and constraints, unique and free names, fields that exist, verbatim SQL
//! that is one expression or type, and renaming a field or column inside indexes,
//! constraints and check expressions. Shared by the family files; a leaf of `operations/`.

use super::base::{quote, StateError};

use migrator_descriptor::sql::{self, Fragment};

use crate::field_type::ColumnType;
use crate::state::{
    replay_name_clash, ConstraintKind, ConstraintState, DbObject, DbObjectKind, DefaultValue,
    IndexState, ModelState, ProjectState,
};

/// Canonical text of an index: `index name (a, b)` or `unique_index name (a)` — `index name
/// expressions ("lower(email)")` for an expression index — with ` where "sql"` for a partial
/// index and the other options only when set (so older checksums stay valid).
pub(crate) fn index_text(i: &IndexState) -> String {
    let kind = if i.unique { "unique_index" } else { "index" };
    let mut text = if i.expressions.is_empty() {
        format!("{kind} {} ({})", i.name, i.fields.join(", "))
    } else {
        let exprs: Vec<String> = i.expressions.iter().map(|e| quote(e)).collect();
        format!("{kind} {} expressions ({})", i.name, exprs.join(", "))
    };
    if !i.nulls_distinct {
        text.push_str(" nulls_not_distinct");
    }
    if !i.include.is_empty() {
        text.push_str(&format!(" include ({})", i.include.join(", ")));
    }
    if let Some(method) = &i.method {
        text.push_str(&format!(" using {method}"));
    }
    if let Some(condition) = &i.condition {
        text.push_str(&format!(" where {}", quote(condition)));
    }
    text
}

/// Canonical text of a constraint: `check name "sql"` or `unique name (a, b)`.
pub(crate) fn constraint_text(c: &ConstraintState) -> String {
    match &c.kind {
        ConstraintKind::Check(sql) => format!("check {} {}", c.name, quote(sql)),
        ConstraintKind::Unique(fields) => format!("unique {} ({})", c.name, fields.join(", ")),
        ConstraintKind::ForeignKey { fields, to } => format!(
            "foreign_key {} ({}) -> {}.{} on_delete={}",
            c.name,
            fields.join(", "),
            to.app,
            to.model,
            to.on_delete.sql()
        ),
    }
}

/// Errors when the multi-column foreign key `c` of `model` does not fit: fewer than two
/// fields (one field's foreign key is the field's own), a field that is not there or named
/// twice, a target (in `state`, or `model` itself) whose primary key
/// has another number of fields, a field whose column type is not its key field's, or
/// `SET NULL` on a field that is NOT NULL. Checks nothing for other constraints.
pub(crate) fn check_foreign_key_constraint(
    model: &ModelState,
    c: &ConstraintState,
    state: &ProjectState,
) -> Result<(), StateError> {
    let ConstraintKind::ForeignKey { fields, to } = &c.kind else {
        return Ok(());
    };
    let bad = |problem: String| StateError::BadForeignKey {
        app: model.app.clone(),
        model: model.name.clone(),
        name: c.name.clone(),
        problem,
    };
    if fields.len() < 2 {
        return Err(bad(format!(
            "has {} field(s); a foreign key over one field is that field's own `foreign_key`",
            fields.len()
        )));
    }
    check_fields_exist(model, fields)?;
    if let Some((i, f)) = fields
        .iter()
        .enumerate()
        .find(|(i, f)| fields[..*i].contains(f))
    {
        return Err(bad(format!("names field `{f}` twice (position {})", i + 1)));
    }
    // A target not in the state yet (another app's, created later in the same run) is
    // checked where the SQL is written, as a field's foreign key is.
    let target = if to.app == model.app && to.model == model.name {
        model
    } else {
        match state.model(&to.app, &to.model) {
            Some(target) => target,
            None => return Ok(()),
        }
    };
    let key: Vec<_> = target.primary_key().collect();
    if key.len() != fields.len() {
        return Err(bad(format!(
            "has {} fields, but the primary key of `{}.{}` has {} ({}); name one field per key \
             field, in the key's order",
            fields.len(),
            to.app,
            to.model,
            key.len(),
            key.iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    for (name, k) in fields.iter().zip(&key) {
        let f = model.field(name).expect("checked above");
        if f.column_type != k.column_type {
            return Err(bad(format!(
                "matches field `{name}` ({}) with key field `{}.{}.{}` ({}); a foreign-key \
                 column has its key column's type",
                f.column_type, to.app, to.model, k.name, k.column_type
            )));
        }
        if to.on_delete == crate::state::OnDelete::SetNull && !f.nullable {
            return Err(bad(format!(
                "sets NULL on delete, but field `{name}` is NOT NULL; make the fields \
                 nullable or choose another `on_delete`"
            )));
        }
    }
    Ok(())
}

/// Errors when a multi-column foreign key no longer fits after a field of `app.model`
/// changed: one of the model's own that names `field`, and — when `key_changed` (the field is
/// or was part of the primary key) — every one pointing at the model. A primary key does not
/// change under a foreign key (`makemigrations` removes the foreign key first and adds it
/// back after).
pub(crate) fn check_foreign_keys_around(
    state: &ProjectState,
    app: &str,
    model: &str,
    field: &str,
    key_changed: bool,
) -> Result<(), StateError> {
    let Some(own) = state.model(app, model) else {
        return Ok(());
    };
    for c in &own.constraints {
        if c.kind.foreign_key().is_some() && c.kind.fields().iter().any(|f| f == field) {
            check_foreign_key_constraint(own, c, state)?;
        }
    }
    if !key_changed {
        return Ok(());
    }
    let key = own.key();
    for m in state.models.values() {
        for c in &m.constraints {
            if c.kind.foreign_key().is_some_and(|fk| fk.target() == key) {
                check_foreign_key_constraint(m, c, state)?;
            }
        }
    }
    Ok(())
}

/// True when `model` has an index or constraint named `name`.
pub(super) fn name_taken(model: &ModelState, name: &str) -> bool {
    model.indexes.iter().any(|i| i.name == name) || model.constraints.iter().any(|c| c.name == name)
}

/// Errors when two indexes/constraints of `model` share a name, when one of them has the name
/// of another of the model's objects (the index behind a field's `unique` or `index`, the
/// table, …: [`check_names_free`]), or when its verbatim SQL is not one expression or type
/// each ([`check_verbatim_sql`]). Everything `CreateModel` checks about the model's own data
/// beyond its fields.
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
    check_verbatim_sql(model)?;
    let added = |o: &DbObject| {
        matches!(
            o.kind,
            DbObjectKind::Index
                | DbObjectKind::UniqueConstraint
                | DbObjectKind::Check
                | DbObjectKind::ForeignKeyConstraint
        )
    };
    check_names_free(model, None, added)
}

/// Errors when verbatim SQL of `model` — a check constraint's condition, a field's SQL
/// default, a custom column type — is not one SQL expression or one column type
/// (`migrator_descriptor::sql`; issue 12.6). A migration file is replayed before any of its
/// SQL is written, so a hand-edited one with such text is refused before anything runs. The
/// derive applies the same rule to the model's attributes at compile time. `RunSql` is raw
/// SQL on purpose and is not checked.
pub(crate) fn check_verbatim_sql(model: &ModelState) -> Result<(), StateError> {
    let refuse = |what, fragment, text: &str| check_sql_text(model, what, fragment, text);
    for c in &model.constraints {
        if let ConstraintKind::Check(text) = &c.kind {
            refuse(
                format!("check constraint `{}`", c.name),
                Fragment::Expression,
                text,
            )?;
        }
    }
    for i in &model.indexes {
        check_index_sql(model, i)?;
    }
    for f in &model.fields {
        check_field_sql(model, f)?;
    }
    Ok(())
}

/// Errors when the key of `index` (of `model`) is not either fields or expressions, or when
/// one of its expressions or its condition is not one SQL expression.
pub(crate) fn check_index_sql(model: &ModelState, index: &IndexState) -> Result<(), StateError> {
    let problem = match (index.fields.is_empty(), index.expressions.is_empty()) {
        (false, false) => Some("has both fields and expressions"),
        (true, true) => Some("has neither fields nor expressions"),
        _ => None,
    };
    if let Some(problem) = problem {
        return Err(StateError::IndexKey {
            app: model.app.clone(),
            model: model.name.clone(),
            name: index.name.clone(),
            problem,
        });
    }
    for (n, text) in index.expressions.iter().enumerate() {
        check_sql_text(
            model,
            format!("expression {} of index `{}`", n + 1, index.name),
            Fragment::Expression,
            text,
        )?;
    }
    match &index.condition {
        Some(text) => check_sql_text(
            model,
            format!("the condition of index `{}`", index.name),
            Fragment::Expression,
            text,
        ),
        None => Ok(()),
    }
}

/// Errors when the verbatim SQL of `field` (of `model`) — its SQL default, its custom column
/// type — is not one expression or type. Adding and altering a field check the new field.
pub(crate) fn check_field_sql(
    model: &ModelState,
    f: &crate::state::FieldState,
) -> Result<(), StateError> {
    let refuse = |what, fragment, text: &str| check_sql_text(model, what, fragment, text);
    if let Some(DefaultValue::Sql(text)) = &f.default {
        refuse(
            format!("the SQL default of field `{}`", f.name),
            Fragment::Expression,
            text,
        )?;
    }
    if let Some(g) = &f.generated {
        let unsafe_sql = |noun, problem: String| StateError::UnsafeSql {
            app: model.app.clone(),
            model: model.name.clone(),
            what: format!("the generated expression of field `{}`", f.name),
            noun,
            problem,
        };
        sql::check_generated(&g.sql)
            .map_err(|p| unsafe_sql("one SQL expression over the row's columns", p))?;
        let excluded = [
            (f.default.is_some(), "a default"),
            (f.primary_key, "a primary key"),
            (f.auto_increment, "auto-increment"),
            (f.foreign_key.is_some(), "a foreign key"),
        ];
        if let Some((_, what)) = excluded.iter().find(|(has, _)| *has) {
            let problem = format!("the field also has {what}, which a generated column cannot");
            return Err(unsafe_sql("the only source of the column's value", problem));
        }
    }
    if let ColumnType::Custom(text) = &f.column_type {
        refuse(
            format!("the column type of field `{}`", f.name),
            Fragment::Type,
            text,
        )?;
    }
    Ok(())
}

/// Errors when `f`, a field of `model`, is (part of) the primary key and also says `unique`
/// or `index` ([`StateError::KeyFieldFlag`]). Creating a model, adding and altering a field
/// check each new field: the flag would make no index on any backend, so the state would say
/// what neither the database nor introspection ever shows.
pub(crate) fn check_key_field_flags(
    model: &ModelState,
    f: &crate::state::FieldState,
) -> Result<(), StateError> {
    if !f.primary_key {
        return Ok(());
    }
    let flag = [
        (f.unique, "unique", "unique"),
        (f.index, "index", "indexed"),
    ]
    .into_iter()
    .find(|(set, _, _)| *set);
    match flag {
        Some((_, flag, flag_effect)) => Err(StateError::KeyFieldFlag {
            app: model.app.clone(),
            model: model.name.clone(),
            field: f.name.clone(),
            flag,
            flag_effect,
        }),
        None => Ok(()),
    }
}

/// Errors when `text` (`what` of `model`) is not one `fragment` (`migrator_descriptor::sql`).
pub(super) fn check_sql_text(
    model: &ModelState,
    what: String,
    fragment: Fragment,
    text: &str,
) -> Result<(), StateError> {
    sql::check(text, fragment).map_err(|problem| StateError::UnsafeSql {
        app: model.app.clone(),
        model: model.name.clone(),
        what,
        noun: fragment.noun(),
        problem: problem.to_string(),
    })
}

/// Errors when an object of `model` that `added` selects (the index or constraint an
/// operation adds) has a name a database refuses to give it too ([`replay_name_clash`]): the
/// name of the index behind a field's `unique` or `index` (issue 20: `index(fields =
/// ["author"])` on a foreign key got its index's name and `migrate` failed), of the table or,
/// with `state`, of another model's table or index (PostgreSQL and SQLite keep index names
/// per schema).
pub(crate) fn check_names_free(
    model: &ModelState,
    state: Option<&ProjectState>,
    added: impl Fn(&DbObject) -> bool,
) -> Result<(), StateError> {
    let empty = ProjectState::new();
    let mine = model.db_objects(state.unwrap_or(&empty));
    let key = model.key();
    let others: Vec<DbObject> = state
        .map(|s| {
            s.models
                .values()
                .filter(|m| m.key() != key)
                .flat_map(|m| m.db_objects(s))
                .collect()
        })
        .unwrap_or_default();
    for new in mine.iter().filter(|o| added(o)) {
        for other in mine.iter().chain(&others) {
            let Some(why) = replay_name_clash(new, other) else {
                continue;
            };
            let owner = if other.model == key {
                String::new()
            } else {
                format!(" of `{}`", other.model)
            };
            return Err(StateError::NameClash {
                app: model.app.clone(),
                model: model.name.clone(),
                name: new.name.clone(),
                what: match new.kind {
                    DbObjectKind::Index => "index",
                    DbObjectKind::UniqueConstraint => "unique constraint",
                    DbObjectKind::ForeignKeyConstraint => "foreign key",
                    _ => "check constraint",
                },
                other: format!("{}{owner} (`{}`): {why}", other.what, other.name),
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

/// Rewrites field `old` to `new` in the indexes (keys and included fields), unique
/// constraints and multi-column foreign keys of `model`.
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
        rename(&mut i.include);
    }
    for c in &mut model.constraints {
        if let ConstraintKind::Unique(fields) | ConstraintKind::ForeignKey { fields, .. } =
            &mut c.kind
        {
            rename(fields);
        }
    }
}

/// Rewrites column `old` to `new` in the verbatim SQL of `model` that names columns — its
/// check constraints, its indexes' key expressions and conditions, its generated columns'
/// expressions (see
/// [`rename_column_in_sql`]): a column renamed in the database is renamed there too (SQLite
/// and PostgreSQL rewrite them), so the state must say the same, or a later table rebuild
/// recreates the object with a column that no longer exists.
pub(crate) fn rename_column_in_sql_objects(model: &mut ModelState, old: &str, new: &str) {
    if old == new {
        return;
    }
    for c in &mut model.constraints {
        if let ConstraintKind::Check(sql) = &mut c.kind {
            *sql = rename_column_in_sql(sql, old, new);
        }
    }
    for i in &mut model.indexes {
        for sql in i.expressions.iter_mut().chain(i.condition.as_mut()) {
            *sql = rename_column_in_sql(sql, old, new);
        }
    }
    for g in model.fields.iter_mut().filter_map(|f| f.generated.as_mut()) {
        g.sql = rename_column_in_sql(&g.sql, old, new);
    }
}

/// True when the SQL expression `sql` names column `column` (an identifier token as
/// [`rename_column_in_sql`] finds them).
pub fn sql_names_column(sql: &str, column: &str) -> bool {
    rename_column_in_sql(sql, column, &format!("{column}_")) != sql
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
