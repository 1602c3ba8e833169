//! Many-to-many relations (Django's `ManyToManyField`; issue 17.1): what
//! `#[model(many_to_many(name = "tags", to = Tag))]` declares ([`ManyToMany`]), and the
//! join model migrator creates for a relation without `through` ([`join_model`]).
//!
//! A relation is not a column, so it never appears in the owner's [`ModelState`]. Without
//! `through`, the registry adds an ordinary model to the current state — Django's
//! auto-created through model, named `{Owner}_{name}` — whose table is
//! `{owner table}_{name}` (or the relation's `db_table`, Django's `ManyToManyField.db_table`;
//! changing it later renames the table, rows kept, like any model's table), with an `id` key, one foreign key to each side (`ON DELETE
//! CASCADE`) and a unique index on the pair (uniqueness is a unique index everywhere in
//! migrator, as the derive's `index(..., unique)`, so `inspectdb` reads it back exactly). From there on it is a model like any other:
//! `CreateModel` and `DeleteModel` in migrations, SQL, introspection, the drift check, the
//! safety classification, the optimizer and the diesel schema need nothing of their own. With
//! `through`, the user's model is the join table and must hold exactly one foreign key to
//! each side ([`through_problem`]); nothing is added.
//!
//! What only the current code knows — which models are join models, which relations go
//! through a model of the user's — travels in [`crate::CurrentModels::many_to_many`], where
//! the autodetector reads it to refuse a change of target or a switch between an
//! auto-created join model and a `through` model (`autodetector/many_to_many.rs`).
//! Plain data and pure functions; no SQL here.

use std::collections::BTreeMap;

use migrator_descriptor::names;

use crate::field_type::ColumnType;
use crate::state::{FieldState, ForeignKey, IndexState, ModelKey, ModelState, OnDelete};

/// One `many_to_many(...)` on a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManyToMany {
    /// The relation's name (`tags`): the join model's name and table end with it.
    pub name: String,
    /// The model at the other end.
    pub to: ModelKey,
    /// The user's model that is the join table (`through = ProductTag`); `None` when
    /// migrator creates the join model.
    pub through: Option<ModelKey>,
    /// The relation's previous name (`renamed_from = "labels"`): the join model is renamed,
    /// keeping its rows, instead of dropped and created.
    pub renamed_from: Option<String>,
    /// The join table's name (`db_table = "product_tags"`, Django's `ManyToManyField.db_table`)
    /// instead of `{owner table}_{name}`; only without `through`.
    pub db_table: Option<String>,
}

impl ManyToMany {
    /// A relation named `name` to `to`, without `through`.
    pub fn new(name: impl Into<String>, to: ModelKey) -> Self {
        Self {
            name: name.into(),
            to,
            through: None,
            renamed_from: None,
            db_table: None,
        }
    }

    /// This relation through the user's model `through`.
    pub fn through(mut self, through: ModelKey) -> Self {
        self.through = Some(through);
        self
    }

    /// This relation with the join table `table` instead of `{owner table}_{name}`.
    pub fn db_table(mut self, table: impl Into<String>) -> Self {
        self.db_table = Some(table.into());
        self
    }

    /// This relation, previously named `old`.
    pub fn renamed_from(mut self, old: impl Into<String>) -> Self {
        self.renamed_from = Some(old.into());
        self
    }
}

/// The name of the join model of relation `relation` of model `owner` (in `owner`'s app):
/// `{Owner}_{relation}`, as Django names the auto-created through model.
pub fn join_model_name(owner: &str, relation: &str) -> String {
    format!("{owner}_{relation}")
}

/// The join table of relation `relation` of a model whose table is `owner_table`:
/// `{owner_table}_{relation}`, as Django's `{db_table}_{field name}`.
pub fn join_table(owner_table: &str, relation: &str) -> String {
    format!("{owner_table}_{relation}")
}

/// The join table's two key columns (also the join model's field names): `{owner}_id` and
/// `{to}_id`, each model's name in lower case (Django's `model_name`); when both names are
/// the same (a relation of a model to itself), `from_{owner}_id` and `to_{to}_id`.
pub fn join_columns(owner: &str, to: &str) -> (String, String) {
    let (owner, to) = (owner.to_lowercase(), to.to_lowercase());
    if owner == to {
        (format!("from_{owner}_id"), format!("to_{to}_id"))
    } else {
        (format!("{owner}_id"), format!("{to}_id"))
    }
}

/// The one primary-key field of `model`, or why a relation cannot point at it.
fn single_key<'a>(model: &'a ModelState, relation: &str) -> Result<&'a FieldState, String> {
    let keys: Vec<&FieldState> = model.primary_key().collect();
    match keys.as_slice() {
        [key] => Ok(key),
        _ => Err(format!(
            "many-to-many `{relation}` needs `{}.{}` to have exactly one primary-key field \
             (it has {}): the join table's foreign keys point at one column; write the join \
             model yourself, with a foreign key over several fields to `{}` \
             (`foreign_key(fields = [...], to = {})` on the struct), and name it with \
             `through = …`",
            model.app,
            model.name,
            keys.len(),
            model.name,
            model.name
        )),
    }
}

/// The join model of relation `rel` (without `through`) of `owner`, whose target model is
/// `target`: `{Owner}_{name}` in the owner's app, table `{owner table}_{name}` (or the
/// relation's `db_table`), fields `id`
/// (`BIGINT`, auto-increment), the owner's key column and the target's key column (each a
/// foreign key `ON DELETE CASCADE` with the type of the key it points at; the second one
/// indexed), and a unique index on the pair, which also serves lookups by the owner. Fails when either side has no single-column primary key.
pub fn join_model(
    owner: &ModelState,
    rel: &ManyToMany,
    target: &ModelState,
) -> Result<ModelState, String> {
    let what = format!("{}.{}.{}", owner.app, owner.name, rel.name);
    let owner_key = single_key(owner, &what)?;
    let target_key = single_key(target, &what)?;
    let table = rel
        .db_table
        .clone()
        .unwrap_or_else(|| join_table(&owner.table, &rel.name));
    let (from, to) = join_columns(&owner.name, &target.name);
    let mut model = ModelState::new(
        owner.app.clone(),
        join_model_name(&owner.name, &rel.name),
        table.clone(),
    );
    model.comment = Some(format!(
        "The links of many-to-many `{}.{}.{}` to `{}.{}` (created by migrator).",
        owner.app, owner.name, rel.name, target.app, target.name
    ));
    model.fields =
        vec![
            FieldState::new("id", ColumnType::BigInt)
                .primary_key()
                .auto_increment(),
            FieldState::new(from.clone(), owner_key.column_type.clone()).foreign_key(
                ForeignKey::new(owner.app.clone(), owner.name.clone(), OnDelete::Cascade),
            ),
            FieldState::new(to.clone(), target_key.column_type.clone())
                .foreign_key(ForeignKey::new(
                    target.app.clone(),
                    target.name.clone(),
                    OnDelete::Cascade,
                ))
                .index(),
        ];
    model.indexes = vec![IndexState::new(
        names::index(&table, &[&from, &to], true),
        [from, to],
        true,
    )];
    model.normalize();
    Ok(model)
}

/// Why `through` cannot be the join table of relation `rel` of `owner`, if it cannot: it
/// needs exactly one foreign key to `owner` and exactly one to `target` (two to `owner` for a
/// relation of a model to itself), so each row links one owner to one target. A foreign key
/// over several fields (to a side whose primary key has several columns) counts as one, and
/// the fix suggested for a missing one is that spelling when the side's key has several.
pub fn through_problem(
    owner: &ModelState,
    rel: &ManyToMany,
    target: &ModelState,
    through: &ModelState,
) -> Option<String> {
    let owner_key = owner.key();
    // A field's foreign key, or one over several fields to a key of several columns.
    let count = |key: &ModelKey| {
        through
            .foreign_key_targets()
            .filter(|fk| fk.target() == *key)
            .count()
    };
    let what = format!(
        "the through model `{}` of many-to-many `{owner_key}.{}`",
        through.key(),
        rel.name
    );
    let (from, to) = join_columns(&owner.name, &rel.to.name);
    if owner_key == rel.to {
        let n = count(&owner_key);
        return (n != 2).then(|| {
            format!(
                "{what} needs exactly two foreign keys to `{owner_key}` (a relation of a model \
                 to itself), and it has {n}: give it {} and {}",
                foreign_key_fix(owner, &from),
                foreign_key_fix(owner, &to)
            )
        });
    }
    let (n_owner, n_to) = (count(&owner_key), count(&rel.to));
    if n_owner == 1 && n_to == 1 {
        return None;
    }
    let mut fixes = Vec::new();
    for (n, side, column) in [(n_owner, owner, &from), (n_to, target, &to)] {
        if n == 0 {
            fixes.push(format!("add {}", foreign_key_fix(side, column)));
        } else if n > 1 {
            fixes.push(format!(
                "keep one of its {n} foreign keys to `{}`",
                side.key()
            ));
        }
    }
    Some(format!(
        "{what} needs exactly one foreign key to `{owner_key}` (it has {n_owner}) and exactly \
         one to `{}` (it has {n_to}): {}",
        rel.to,
        fixes.join("; ")
    ))
}

/// The foreign key a through model could add to point at `side`, as the user would write it:
/// a field's `foreign_key` when `side` has one primary-key field, else the struct's
/// `foreign_key(fields = [...])` over one field per key field (`column` is the join column's
/// name, `book_id`, whose stem prefixes them: `book_k1`, `book_k2`).
fn foreign_key_fix(side: &ModelState, column: &str) -> String {
    let keys: Vec<&FieldState> = side.primary_key().collect();
    if keys.len() < 2 {
        return format!(
            "a field such as `#[model(foreign_key = {}, on_delete = \"cascade\")] pub {column}: \
             i64`",
            side.name
        );
    }
    let stem = column.strip_suffix("_id").unwrap_or(column);
    let fields: Vec<String> = keys
        .iter()
        .map(|k| format!("\"{stem}_{}\"", k.name))
        .collect();
    format!(
        "fields such as {} (the types of `{}`'s key {}) and \
         `#[model(foreign_key(fields = [{}], to = {}, on_delete = \"cascade\"))]` on the struct",
        fields
            .iter()
            .map(|f| format!("`{}`", f.trim_matches('"')))
            .collect::<Vec<_>>()
            .join(", "),
        side.name,
        keys.iter()
            .map(|k| format!("`{}`", k.name))
            .collect::<Vec<_>>()
            .join(", "),
        fields.join(", "),
        side.name
    )
}

/// What the current code declares about many-to-many relations, by owner model (see
/// [`crate::CurrentModels::many_to_many`]).
pub type Relations = BTreeMap<ModelKey, Vec<ManyToMany>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field_type::ColumnType;

    fn model(name: &str, keys: &[&str]) -> ModelState {
        let mut m = ModelState::new("shop", name, format!("shop_{}", name.to_lowercase()));
        m.fields = keys
            .iter()
            .map(|k| FieldState::new(*k, ColumnType::BigInt).primary_key())
            .collect();
        m
    }

    #[test]
    fn a_missing_foreign_key_to_a_composite_key_is_suggested_in_the_struct_spelling() {
        let line = model("Line", &["order", "number"]);
        let tag = model("Tag", &["id"]);
        let mut through = model("LineTag", &["id"]);
        through.fields.push(
            FieldState::new("tag_id", ColumnType::BigInt).foreign_key(ForeignKey::new(
                "shop",
                "Tag",
                OnDelete::Cascade,
            )),
        );
        let rel = ManyToMany::new("tags", tag.key()).through(through.key());
        let problem = through_problem(&line, &rel, &tag, &through).expect("a problem");
        assert!(
            problem.contains(
                "`#[model(foreign_key(fields = [\"line_order\", \"line_number\"], to = Line, \
                 on_delete = \"cascade\"))]` on the struct"
            ),
            "{problem}"
        );
        assert!(!problem.contains("foreign_key = Line"), "{problem}");

        // A side with one key field gets the field spelling.
        let rel = ManyToMany::new("lines", line.key()).through(through.key());
        let mut tag_side = through.clone();
        tag_side.fields.pop();
        let problem = through_problem(&tag, &rel, &line, &tag_side).expect("a problem");
        assert!(
            problem
                .contains("`#[model(foreign_key = Tag, on_delete = \"cascade\")] pub tag_id: i64`"),
            "{problem}"
        );
    }
}
