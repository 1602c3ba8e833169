//! The rules operations check on a model's state and the rewrites a rename makes: canonical
//! text of indexes and constraints, unique and free names, fields that exist, verbatim SQL
//! that is one expression or type, and renaming a field or column inside indexes,
//! constraints and check expressions. Shared by the family files; a leaf of `operations/`.

use super::base::{quote, StateError};
use crate::sql_text::rename_column_in_sql;

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
