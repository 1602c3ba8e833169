//! Join tables back into relations (issue 17.4): a table that is exactly the join table
//! migrator creates for `many_to_many(name, to[, db_table])` — an `id` key, one `ON DELETE
//! CASCADE` foreign key to each side's one-column key, the unique index on the pair, nothing
//! else, and no comment but migrator's own (or none: a new database's join table gets
//! migrator's) — is written as that relation on its owner, not
//! as a struct of its own. "Exactly" is decided the way `verify.rs` decides a model: the
//! join model `many_to_many::join_model` builds for the relation must be the state the
//! table's own (flag-free) plan declares, so the relation recreates the very table.
//!
//! The join model's column names come from the model names (`{owner}_id`, `{to}_id`, lower
//! case), so a side whose struct name does not give its column is renamed when the column
//! says how (`product_id` → `Product`; the `Products` a table `products` would get), as long
//! as no other struct has that name. The relation is named by the table's end when the table
//! is `{owner table}_{name}`; otherwise it keeps the table with `db_table` and is named as
//! migrator's comment on the table says, else after the target's table (its app prefix
//! dropped), else after the table itself — the first name the owner has free. Anything else
//! stays a struct (a `through` model is not written: the table stays a model of its own,
//! which is what `through` would point at).

use super::names::field_name;
use super::plan::{ModelPlan, Planner, Relation};
use super::verify::model_state;
use crate::many_to_many::{join_columns, join_model, join_table, ManyToMany};
use crate::state::{ModelKey, OnDelete};
use migrator_descriptor::names::identifier_problem;

/// A table found to be a join table: its owner's table, the relation, and the structs to
/// rename (table → struct name) so the join columns are the ones the relation makes.
struct JoinTable {
    owner: String,
    relation: Relation,
    renames: Vec<(String, String)>,
}

/// The relation's name in migrator's comment on a join table ("The links of many-to-many
/// `app.Owner.name` to …"), if the comment is one.
fn commented_name(comment: &str) -> Option<String> {
    let path = comment
        .strip_prefix("The links of many-to-many `")?
        .split('`')
        .next()?;
    path.rsplit('.').next().map(str::to_owned)
}

/// The struct name a side must have for its join column to be `column` (`product_id` →
/// `Product`), keeping `current` when it already gives that column.
fn side_name(current: &str, column_prefix: &str) -> Option<String> {
    if current.to_lowercase() == column_prefix {
        return Some(current.to_owned());
    }
    // `Products` for `product_id`: the table's plural dropped.
    if let Some(singular) = current.strip_suffix('s') {
        if singular.to_lowercase() == column_prefix && !singular.is_empty() {
            return Some(singular.to_owned());
        }
    }
    None
}

impl Planner<'_> {
    /// Turns every table that is exactly a migrator join table into its owner's relation
    /// (see the module docs). Runs after `verify`, on flag-free plans only.
    pub(crate) fn plan_join_tables(&mut self) {
        let tables: Vec<String> = self.models.keys().cloned().collect();
        for table in tables {
            if let Some(found) = self.join_of(&table) {
                for (t, name) in found.renames {
                    self.rename_struct(&t, &name);
                }
                let plan = self.models.get_mut(&table).expect("planned");
                plan.join_of = Some(found.owner.clone());
                self.models
                    .get_mut(&found.owner)
                    .expect("planned")
                    .relations
                    .push(found.relation);
            }
        }
    }

    /// The relation `table` is exactly the join table of, if any.
    fn join_of(&self, table: &str) -> Option<JoinTable> {
        let plan = &self.models[table];
        let clean = |p: &ModelPlan| {
            !p.disabled && p.flags.is_empty() && p.fields.iter().all(|f| f.flags.is_empty())
        };
        if !clean(plan) || plan.fields.len() != 3 || plan.join_of.is_some() {
            return None;
        }
        let (from, to) = (&plan.fields[1].state, &plan.fields[2].state);
        let (from_fk, to_fk) = (from.foreign_key.as_ref()?, to.foreign_key.as_ref()?);
        if from_fk.on_delete != OnDelete::Cascade || to_fk.on_delete != OnDelete::Cascade {
            return None;
        }
        let by_name = |name: &str| {
            self.models
                .iter()
                .find(|(_, p)| p.name == name && p.join_of.is_none())
                .map(|(t, p)| (t.clone(), p))
        };
        let (owner_table, owner) = by_name(&from_fk.model)?;
        let (target_table, target) = by_name(&to_fk.model)?;
        // The sides need only be written: the join model depends on their key alone, which
        // the join table's own (flag-free) plan already matched.
        if owner.disabled || target.disabled || owner_table == table || target_table == table {
            return None;
        }
        // The struct names the join columns ask for.
        let prefix = |c: &str| c.strip_suffix("_id").map(str::to_owned);
        let (owner_name, target_name) = if owner_table == target_table {
            let from_prefix = prefix(from.column.strip_prefix("from_")?)?;
            let to_prefix = prefix(to.column.strip_prefix("to_")?)?;
            if from_prefix != to_prefix {
                return None;
            }
            let n = side_name(&owner.name, &from_prefix)?;
            (n.clone(), n)
        } else {
            (
                side_name(&owner.name, &prefix(&from.column)?)?,
                side_name(&target.name, &prefix(&to.column)?)?,
            )
        };
        let taken = |name: &str, own: &str| {
            self.models
                .iter()
                .any(|(t, p)| t != own && p.name == name && p.join_of.is_none())
        };
        if taken(&owner_name, &owner_table) || taken(&target_name, &target_table) {
            return None;
        }
        if join_columns(&owner_name, &target_name) != (from.column.clone(), to.column.clone()) {
            return None;
        }
        // The relation's name: the table's end when it is `{owner table}_{name}`; else, with
        // `db_table`, the name migrator's comment on the table gives, the target's table (its
        // app prefix dropped: `tags` for `Product` → `Tag`), or the table's own name — the
        // first the owner has free and whose join model is the table's.
        let default_name = table
            .strip_prefix(&format!("{}_", owner.table))
            .filter(|n| identifier_problem(n).is_none() && !n.is_empty())
            .filter(|n| join_table(&owner.table, n) == table);
        let candidates: Vec<(String, Option<String>)> = match default_name {
            Some(n) => vec![(n.to_owned(), None)],
            None => {
                let from_comment = plan.comment.as_deref().and_then(commented_name);
                let target_side = target
                    .table
                    .strip_prefix(&format!("{}_", self.app))
                    .unwrap_or(&target.table);
                [
                    from_comment,
                    Some(field_name(target_side)),
                    Some(table.to_owned()),
                ]
                .into_iter()
                .flatten()
                .map(|n| (n, Some(table.to_owned())))
                .collect()
            }
        };
        let relation = candidates.into_iter().find_map(|(name, db_table)| {
            if identifier_problem(&name).is_some()
                || owner.fields.iter().any(|f| f.state.name == name)
                || owner.relations.iter().any(|r| r.name == name)
            {
                return None;
            }
            // The join model the relation declares must be the table's model.
            let renamed = |p: &ModelPlan, n: &str| {
                let mut m = model_state(p, &self.app);
                m.name = n.to_owned();
                m
            };
            let owner_state = renamed(owner, &owner_name);
            let target_state = renamed(target, &target_name);
            let mut rel = ManyToMany::new(&name, ModelKey::new(&self.app, &target_name));
            if let Some(t) = &db_table {
                rel = rel.db_table(t);
            }
            let join = join_model(&owner_state, &rel, &target_state).ok()?;
            let mut live = model_state(plan, &self.app);
            live.name = join.name.clone();
            for f in &mut live.fields {
                if let Some(fk) = &mut f.foreign_key {
                    fk.model = if fk.model == owner.name {
                        owner_name.clone()
                    } else {
                        target_name.clone()
                    };
                }
            }
            let comment_ok = live.comment.is_none() || live.comment == join.comment;
            live.comment.clone_from(&join.comment);
            (live == join && comment_ok).then(|| Relation {
                name,
                to: target_name.clone(),
                db_table,
                table: table.to_owned(),
            })
        })?;
        let renames = [
            (owner_table.clone(), owner_name.clone()),
            (target_table.clone(), target_name.clone()),
        ]
        .into_iter()
        .filter(|(t, n)| self.models[t].name != *n)
        .collect();
        Some(JoinTable {
            owner: owner_table,
            relation,
            renames,
        })
    }

    /// Renames the struct of `table` to `name`, and every foreign key pointing at it.
    fn rename_struct(&mut self, table: &str, name: &str) {
        let old = std::mem::replace(
            &mut self.models.get_mut(table).expect("planned").name,
            name.to_owned(),
        );
        for plan in self.models.values_mut() {
            for f in &mut plan.fields {
                if f.target.as_deref() == Some(old.as_str()) {
                    f.target = Some(name.to_owned());
                }
                if let Some(fk) = &mut f.state.foreign_key {
                    if fk.model == old {
                        fk.model = name.to_owned();
                    }
                }
            }
            for k in &mut plan.multi_keys {
                if k.to == old {
                    k.to = name.to_owned();
                }
            }
            for r in &mut plan.relations {
                if r.to == old {
                    r.to = name.to_owned();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{body, flags, run};
    use crate::backend::Backend;
    use crate::db_schema::LiveSchema;
    use crate::many_to_many::{join_model, ManyToMany};
    use crate::state::{FieldState, ModelKey, ModelState, ProjectState};
    use crate::ColumnType;

    fn model(name: &str, table: &str) -> ModelState {
        let mut m = ModelState::new("inspected", name, table);
        m.fields = vec![
            FieldState::new("id", ColumnType::BigInt)
                .primary_key()
                .auto_increment(),
            FieldState::new("label", ColumnType::Text),
        ];
        m
    }

    /// The live schema of `models` as migrator creates them on SQLite (columns in the
    /// models' order, as the catalog gives them).
    fn live(models: Vec<ModelState>) -> LiveSchema {
        let mut state = ProjectState::new();
        let mut details = std::collections::BTreeMap::new();
        for m in models {
            let columns = m
                .fields
                .iter()
                .map(|f| crate::db_schema::ColumnDetails {
                    name: f.column.clone(),
                    ..Default::default()
                })
                .collect();
            details.insert(
                m.table.clone(),
                crate::db_schema::TableDetails {
                    columns,
                    ..Default::default()
                },
            );
            state.insert(m);
        }
        LiveSchema {
            schema: crate::introspect::expected_schema(&state, Backend::Sqlite).unwrap(),
            details,
            ..LiveSchema::default()
        }
    }

    /// Issue 17.4: migrator's own join tables (default name, `db_table`, a relation of a
    /// model to itself) come back as `many_to_many(...)` on the owner, whose struct takes the
    /// name the join columns ask for; a `db_table` relation keeps its table and is named as
    /// migrator's comment on the table says, else after its target's table (its name being
    /// nowhere else in the database); a join table with anything more stays a struct.
    #[test]
    fn a_join_table_is_written_as_its_relation() {
        let product = model("Product", "products");
        let tag = model("Tag", "tags");
        let rel = |name: &str, to: &str| ManyToMany::new(name, ModelKey::new("inspected", to));
        let tags = join_model(&product, &rel("tags", "Tag"), &tag).unwrap();
        let links = join_model(
            &product,
            &rel("related", "Product").db_table("product_links"),
            &product,
        )
        .unwrap();
        let features = join_model(
            &tag,
            &rel("featured_in", "Product").db_table("tag_features"),
            &product,
        )
        .unwrap();
        let features_comment = features.comment.clone().unwrap();
        let mut weighted = join_model(&tag, &rel("parents", "Product"), &product).unwrap();
        weighted
            .fields
            .push(FieldState::new("weight", ColumnType::Integer));
        let mut schema = live(vec![product, tag, tags, links, features, weighted]);
        schema.details.get_mut("tag_features").unwrap().comment = Some(features_comment);
        let i = run(&schema, Backend::Sqlite);
        assert_eq!(flags(&i), Vec::<String>::new());
        let src = body(&i);
        assert!(
            src.contains(
                "#[model(\n    table = \"products\",\n    many_to_many(name = \"products\", to = \
                 Product, db_table = \"product_links\"),\n    many_to_many(name = \"tags\", to = \
                 Tag)\n)]\npub struct Product {"
            ),
            "{src}"
        );
        assert!(
            src.contains(
                "#[model(\n    table = \"tags\",\n    many_to_many(name = \"featured_in\", to = \
                 Product, db_table = \"tag_features\")\n)]\npub struct Tag {"
            ),
            "{src}"
        );
        assert!(!src.contains("pub struct ProductsTags"), "{src}");
        assert!(!src.contains("pub struct ProductLinks"), "{src}");
        // With a column of its own, a join table is a model (a `through` one).
        assert!(src.contains("pub struct TagsParents {"), "{src}");
        let relations: Vec<(&str, Option<&str>)> = i
            .models
            .iter()
            .map(|m| (m.table.as_str(), m.relation.as_deref()))
            .collect();
        assert_eq!(
            relations,
            [
                ("product_links", Some("Product.products")),
                ("products", None),
                ("products_tags", Some("Product.tags")),
                ("tag_features", Some("Tag.featured_in")),
                ("tags", None),
                ("tags_parents", None),
            ]
        );
    }
}
