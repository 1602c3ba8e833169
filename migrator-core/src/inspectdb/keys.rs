//! Foreign keys of the planned models: each one is declared — a field's `foreign_key = …`
//! for one column, the struct's `foreign_key(fields = [...], to = …)` for several columns
//! pointing at the target's whole composite primary key in the key's order — or flagged
//! with the reason (a target not inspected or left out, a column set that is not the
//! target's key or not in its order, a rule models do not know, SET NULL over a NOT NULL
//! column, a name the model cannot take). A key column and every column pointing at it get
//! one column type: their candidates are intersected across every table, and a foreign key
//! whose column cannot take the key's type is flagged instead.

use std::collections::BTreeMap;

use super::names::identifier_problem;
use super::plan::{details, MultiKey, Planner};
use crate::db_schema::ForeignKeyDetails;
use crate::field_type::ColumnType;
use crate::state::{ForeignKey, OnDelete};

/// The foreign key one type comparison is about: a field's (one column) or a struct's
/// (several), named by its table and columns.
type KeySource = (String, Vec<String>);

/// The rule an `ON DELETE` spelling names.
fn on_delete_rule(sql: &str) -> Option<OnDelete> {
    [
        OnDelete::Cascade,
        OnDelete::Restrict,
        OnDelete::SetNull,
        OnDelete::SetDefault,
        OnDelete::NoAction,
    ]
    .into_iter()
    .find(|r| r.sql().eq_ignore_ascii_case(sql.trim()))
}

impl Planner<'_> {
    /// Decides every foreign key of every planned table: expressed (target, rule, and the
    /// column types shared with the target's key) or flagged.
    pub(crate) fn plan_foreign_keys(&mut self) {
        let tables: Vec<String> = self.models.keys().cloned().collect();
        // (target table, its key column) → [(the foreign key, its column)] pointing at it.
        let mut pointing: BTreeMap<(String, String), Vec<(KeySource, String)>> = BTreeMap::new();
        for table in &tables {
            let det = details(self.live, table);
            let live = &self.live.schema.tables[table];
            let mut keys = det.foreign_keys.clone();
            if keys.is_empty() {
                keys = live
                    .foreign_keys
                    .iter()
                    .map(|f| ForeignKeyDetails {
                        name: None,
                        columns: vec![f.column.clone()],
                        table: f.table.clone(),
                        to_columns: vec![f.to_column.clone()],
                        on_update: "NO ACTION".to_owned(),
                        deferrable: false,
                    })
                    .collect();
                keys.extend(live.multi_foreign_keys.iter().map(|f| ForeignKeyDetails {
                    name: f.name.clone(),
                    columns: f.columns.clone(),
                    table: f.table.clone(),
                    to_columns: f.to_columns.clone(),
                    on_update: "NO ACTION".to_owned(),
                    deferrable: false,
                }));
            }
            for fk in keys {
                let pairs = if fk.columns.len() == 1 {
                    self.plan_foreign_key(table, &fk)
                        .map(|(target, key)| vec![(target, key, fk.columns[0].clone())])
                } else {
                    self.plan_multi_foreign_key(table, &fk)
                };
                for (target, key, column) in pairs.unwrap_or_default() {
                    pointing
                        .entry((target, key))
                        .or_default()
                        .push(((table.clone(), fk.columns.clone()), column));
                }
            }
        }
        for ((target, key), sources) in pointing {
            self.settle_key_type(&target, &key, &sources);
        }
    }

    /// One foreign key of `table` over one column: `Some((target, key column))` when the
    /// model can declare it (its column type still to settle), `None` when it is flagged
    /// instead.
    fn plan_foreign_key(
        &mut self,
        table: &str,
        fk: &ForeignKeyDetails,
    ) -> Option<(String, String)> {
        let described = describe(fk);
        let column = fk.columns[0].clone();
        let on_delete_sql = self.live.schema.tables[table]
            .foreign_keys
            .iter()
            .find(|f| f.column == column)
            .map_or("NO ACTION".to_owned(), |f| f.on_delete.clone());
        let problem = self.target_problem(&fk.table, "foreign_key = Model, on_delete = \"…\"");
        let target_pk = self.live_primary_key(&fk.table);
        let to = fk
            .to_columns
            .first()
            .filter(|c| !c.is_empty())
            .cloned()
            .or_else(|| target_pk.first().cloned())
            .unwrap_or_default();
        let problem = problem.or_else(|| {
            (target_pk != [to.clone()]).then(|| {
                format!(
                    "points at `{}.{to}`, which is not the table's one primary-key column: a \
                     model's foreign key points at a primary key",
                    fk.table
                )
            })
        });
        let rule = on_delete_rule(&on_delete_sql);
        let field = self.field_mut(table, &column)?;
        let problem = problem.or_else(|| {
            field.state.generated.as_ref().map(|g| {
                format!(
                    "is on a generated column ({} `{}`), and a model's field cannot be both \
                     generated and a foreign key (the model keeps it generated; the database \
                     keeps the foreign key)",
                    g.kind(),
                    g.sql
                )
            })
        });
        let problem = problem.or_else(|| match rule {
            None => Some(format!("has the rule ON DELETE {on_delete_sql}, which models do not know")),
            Some(OnDelete::SetNull) if !field.state.nullable => Some(
                "is ON DELETE SET NULL on a NOT NULL column, which a model cannot declare (set_null needs an `Option` field)"
                    .to_owned(),
            ),
            _ => None,
        });
        if let Some(problem) = problem {
            field.flags.push(format!(
                "a foreign key {described} that is not declared: it {problem}"
            ));
            self.drop_live_fks(table, &[column]);
            return None;
        }
        let rule = rule.expect("checked above");
        let target_name = self.models[&fk.table].name.clone();
        let app = self.app.clone();
        let limit = self
            .backend
            .features()
            .max_identifier_length
            .unwrap_or(usize::MAX);
        let field = self.field_mut(table, &column)?;
        field.state.foreign_key = Some(ForeignKey::new(app, &target_name, rule));
        field.target = Some(target_name);
        field.flags.extend(rule_flags(fk));
        if let Some(name) = &fk.name {
            let ours = migrator_descriptor::names::foreign_key(table, &column, &fk.table);
            if *name != ours && ours.len() <= limit {
                field.flags.push(format!(
                    "the database names this foreign key `{name}`, migrator names it `{ours}`: \
                     a later migration that changes or removes it looks for `{ours}`, so \
                     rename the constraint first"
                ));
            }
        }
        if let Some(proj) = self.projection.tables.get_mut(table) {
            for f in &mut proj.foreign_keys {
                if f.column == column && f.to_column.is_empty() {
                    f.to_column = to.clone();
                }
            }
        }
        Some((fk.table.clone(), to))
    }

    /// The primary-key columns of live table `table` (none when it is not in the schema).
    fn live_primary_key(&self, table: &str) -> Vec<String> {
        self.live
            .schema
            .tables
            .get(table)
            .map(|t| t.primary_key.clone())
            .unwrap_or_default()
    }

    /// Why no model can point at `target` (not inspected, a model of the project, left
    /// out), if none can; `by_hand` is the setting to write by hand.
    fn target_problem(&self, target: &str, by_hand: &str) -> Option<String> {
        match self.models.get(target) {
            None => Some(match self.managed.get(target) {
                Some(path) => format!(
                    "points at `{target}`, the table of the model `{path}`: add `{}` by hand \
                     (a path to the model from this crate)",
                    by_hand.replace("Model", path)
                ),
                None => format!(
                    "points at the table `{target}`, which is not inspected: inspect it too \
                     (`migrator inspectdb … {target}`), or add `{by_hand}` by hand"
                ),
            }),
            Some(t) if t.disabled => Some(format!(
                "points at `{target}`, whose model is left out (see there)"
            )),
            Some(_) => None,
        }
    }

    /// One foreign key of `table` over several columns: declared on the struct when it points
    /// at the target's whole composite primary key in the key's order (the pairs of target,
    /// key column and column whose types are still to settle), flagged otherwise (`None`).
    fn plan_multi_foreign_key(
        &mut self,
        table: &str,
        fk: &ForeignKeyDetails,
    ) -> Option<Vec<(String, String, String)>> {
        let described = describe(fk);
        let on_delete_sql = self.live.schema.tables[table]
            .multi_foreign_keys
            .iter()
            .find(|f| f.columns == fk.columns)
            .map_or("NO ACTION".to_owned(), |f| f.on_delete.clone());
        let target_pk = self.live_primary_key(&fk.table);
        let to_columns = if fk.to_columns.len() == fk.columns.len() {
            fk.to_columns.clone()
        } else {
            target_pk.clone()
        };
        // (field name, nullable) of each referencing column.
        let fields: Vec<(String, bool)> = fk
            .columns
            .iter()
            .filter_map(|c| self.field(table, c))
            .map(|f| (f.state.name.clone(), f.state.nullable))
            .collect();
        let rule = on_delete_rule(&on_delete_sql);
        let problem = self
            .target_problem(
                &fk.table,
                "foreign_key(fields = [...], to = Model, on_delete = \"…\")",
            )
            .or_else(|| key_problem(&fk.table, &target_pk, &to_columns))
            .or_else(|| match rule {
                None => Some(format!(
                    "has the rule ON DELETE {on_delete_sql}, which models do not know"
                )),
                Some(OnDelete::SetNull) if fields.iter().any(|(_, nullable)| !nullable) => Some(
                    "is ON DELETE SET NULL over a NOT NULL column, which a model cannot \
                         declare (set_null needs every field an `Option`)"
                        .to_owned(),
                ),
                _ => None,
            });
        let field_names: Vec<String> = fields.into_iter().map(|(name, _)| name).collect();
        if let Some(problem) = problem {
            self.flag_table(
                table,
                format!("the foreign key {described} is not declared: it {problem}"),
            );
            self.drop_live_fks(table, &fk.columns);
            return None;
        }
        let rule = rule.expect("checked above");
        let ours = migrator_descriptor::names::composite_foreign_key(table, &fk.columns, &fk.table);
        let taken = |name: &str| {
            let t = &self.live.schema.tables[table];
            t.indexes.iter().any(|i| i.name == name)
                || t.unique_constraints
                    .iter()
                    .chain(&t.checks)
                    .any(|c| c.name.as_deref() == Some(name))
        };
        let mut flags = rule_flags(fk);
        let name = match &fk.name {
            Some(name) if *name != ours => {
                let why = identifier_problem(name).or_else(|| {
                    taken(name).then(|| {
                        "an index or constraint of the table has that name too (InnoDB names \
                         the index it makes for a foreign key after it)"
                            .to_owned()
                    })
                });
                match why {
                    None => Some(name.clone()),
                    Some(why) => {
                        flags.push(format!(
                            "the database names the foreign key {described} `{name}`, which \
                             the model cannot ({why}): it declares migrator's name `{ours}`, so \
                             rename the constraint to `{ours}` before a later migration \
                             changes or removes it"
                        ));
                        if let Some(t) = self.projection.tables.get_mut(table) {
                            for f in &mut t.multi_foreign_keys {
                                if f.columns == fk.columns {
                                    f.name = Some(ours.clone());
                                }
                            }
                        }
                        None
                    }
                }
            }
            _ => None,
        };
        if let Some(t) = self.projection.tables.get_mut(table) {
            for f in &mut t.multi_foreign_keys {
                if f.columns == fk.columns && f.to_columns.len() != f.columns.len() {
                    f.to_columns.clone_from(&to_columns);
                }
            }
        }
        for flag in flags {
            self.flag_table(table, flag);
        }
        let to = self.models[&fk.table].name.clone();
        let plan = self.models.get_mut(table).expect("planned");
        plan.multi_keys.push(MultiKey {
            explicit_name: name.is_some(),
            name: name.unwrap_or(ours),
            fields: field_names,
            columns: fk.columns.clone(),
            to,
            to_table: fk.table.clone(),
            on_delete: rule,
        });
        Some(
            to_columns
                .into_iter()
                .zip(&fk.columns)
                .map(|(key, column)| (fk.table.clone(), key, column.clone()))
                .collect(),
        )
    }

    /// Gives the primary-key column `target.key` and every foreign-key column pointing at it
    /// the same column type: the first of the key's candidates that every such column can
    /// take. A foreign key with a column that cannot take it is not declared (flagged: the
    /// types differ in the database).
    fn settle_key_type(&mut self, target: &str, key: &str, sources: &[(KeySource, String)]) {
        let Some(pk) = self.field(target, key) else {
            return;
        };
        let mut allowed = pk.candidates.clone();
        let pk_type = self.projected_type(target, key);
        let mut kept = Vec::new();
        for ((table, columns), column) in sources {
            let Some(f) = self.field(table, column) else {
                continue;
            };
            let same_custom = |a: &ColumnType, b: &ColumnType| match (a, b) {
                (ColumnType::Custom(_), ColumnType::Custom(_)) => true,
                _ => a == b,
            };
            let fits: Vec<ColumnType> = allowed
                .iter()
                .filter(|t| f.candidates.iter().any(|c| same_custom(c, t)))
                .cloned()
                .collect();
            let custom_differs = matches!(fits.first(), Some(ColumnType::Custom(_)))
                && self.projected_type(table, column) != pk_type;
            if fits.is_empty() || custom_differs {
                let theirs = self.projected_type(table, column);
                let why = format!(
                    "the column is {theirs} and `{target}.{key}` is {pk_type}, and a model's \
                     foreign key has its target's key type; make the two columns the same type"
                );
                if columns.len() == 1 {
                    let f = self.field_mut(table, column).expect("found above");
                    f.state.foreign_key = None;
                    let target_name = f.target.take().unwrap_or_default();
                    f.flags.push(format!(
                        "a foreign key to {target_name} that is not declared: {why}"
                    ));
                } else {
                    self.drop_multi_key(table, columns, &format!("`{column}` does not fit: {why}"));
                }
                self.drop_live_fks(table, columns);
            } else {
                allowed = fits;
                kept.push((table.clone(), column.clone()));
            }
        }
        let Some(chosen) = allowed.first().cloned() else {
            return;
        };
        if let Some(pk) = self.field_mut(target, key) {
            pk.candidates = vec![chosen.clone()];
        }
        for (table, column) in kept {
            if let Some(f) = self.field_mut(&table, &column) {
                f.candidates = vec![chosen.clone()];
            }
        }
    }

    /// Takes the struct's foreign key over `columns` of `table` back (it is not declared
    /// after all), flagging `why`.
    pub(crate) fn drop_multi_key(&mut self, table: &str, columns: &[String], why: &str) {
        let Some(plan) = self.models.get_mut(table) else {
            return;
        };
        let Some(at) = plan.multi_keys.iter().position(|k| k.columns == columns) else {
            return;
        };
        let key = plan.multi_keys.remove(at);
        plan.flags.push(format!(
            "the foreign key ({}) → {} is not declared: {why}",
            columns.join(", "),
            key.to_table
        ));
    }

    /// The projected type spelling of a column.
    pub(crate) fn projected_type(&mut self, table: &str, column: &str) -> String {
        self.projected(table, column)
            .map(|c| c.type_name.clone())
            .unwrap_or_default()
    }
}

/// `a, b → t(x, y)`: a foreign key in a flag.
fn describe(fk: &ForeignKeyDetails) -> String {
    format!(
        "{} → {}({})",
        fk.columns.join(", "),
        fk.table,
        fk.to_columns.join(", ")
    )
}

/// The flags of what a foreign key has that migrator's do not: an `ON UPDATE` rule,
/// `DEFERRABLE`.
fn rule_flags(fk: &ForeignKeyDetails) -> Vec<String> {
    let mut out = Vec::new();
    let upd = fk.on_update.to_ascii_uppercase();
    if upd != "NO ACTION" && upd != "RESTRICT" && !upd.is_empty() {
        out.push(format!(
            "ON UPDATE {upd} is not declared: migrator's foreign keys have no ON UPDATE rule"
        ));
    }
    if fk.deferrable {
        out.push(
            "DEFERRABLE is not declared: migrator's foreign keys are checked at once".to_owned(),
        );
    }
    out
}

/// Why a foreign key over several columns pointing at `to_columns` of `target` (whose
/// primary key is `key`) is not one a model can declare, if it is not: a model's foreign key
/// over several fields points at its target's whole composite key, in the key's order.
fn key_problem(target: &str, key: &[String], to_columns: &[String]) -> Option<String> {
    let list = |c: &[String]| c.join(", ");
    if key == to_columns {
        return (key.len() < 2).then(|| {
            format!(
                "points at `{target}`, whose primary key is one column: a model's foreign key \
                 over several fields points at a composite primary key"
            )
        });
    }
    let mut sorted_key = key.to_vec();
    let mut sorted_to = to_columns.to_vec();
    sorted_key.sort();
    sorted_to.sort();
    Some(if sorted_key == sorted_to {
        format!(
            "points at the primary key of `{target}` in another order ({}) than the key's \
             ({}): a model's foreign key matches its fields to the key in the key's order",
            list(to_columns),
            list(key)
        )
    } else if key.is_empty() {
        format!("points at `{target}`, which has no primary key")
    } else {
        format!(
            "points at ({}) of `{target}`, which is not its primary key ({}): a model's \
             foreign key points at a primary key",
            list(to_columns),
            list(key)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{body, flags, live, run, Table};
    use crate::backend::Backend;

    /// Shelves keyed by (room, slot): the target of the foreign keys below.
    fn shelves() -> Table {
        Table::new("shelves")
            .col("room", "VARCHAR(10)", "VARCHAR(10)")
            .col("slot", "INTEGER", "INTEGER")
            .col("label", "TEXT", "TEXT")
            .pk(&["room", "slot"])
    }

    /// A table `name` with an `id` key and the columns `shelf_room`, `shelf_slot`.
    fn pointing(name: &str, room_type: &str) -> Table {
        Table::new(name)
            .col_with("id", "INTEGER", "INTEGER", |c, _| c.auto_increment = true)
            .col("shelf_room", room_type, room_type)
            .col("shelf_slot", "INTEGER", "INTEGER")
            .pk(&["id"])
    }

    /// The struct written for `name`, from its `#[derive(Model)]` to its closing brace.
    fn model<'a>(source: &'a str, name: &str) -> &'a str {
        let end = source
            .find(&format!("pub struct {name} {{"))
            .unwrap_or_else(|| panic!("no struct {name} in:\n{source}"));
        let start = source[..end].rfind("#[derive(Model)]").expect("derive");
        let close = end + source[end..].find("\n}\n").expect("closing brace");
        &source[start..close + 3]
    }

    /// Issue 17.2: a foreign key over the whole composite key of an inspected table, in the
    /// key's order, is the struct's `foreign_key(fields = [...], to = …, on_delete = …)`,
    /// with `name` only where the database's name is not migrator's, and its columns get
    /// the key columns' types. SQLite's `REFERENCES shelves` without columns is the key.
    #[test]
    fn a_foreign_key_to_a_composite_key_is_declared_on_the_struct() {
        let ours = migrator_descriptor::names::composite_foreign_key(
            "named_ours",
            &["shelf_room", "shelf_slot"],
            "shelves",
        );
        let tables = vec![
            shelves(),
            pointing("placements", "VARCHAR(10)").multi_fk(
                &["shelf_room", "shelf_slot"],
                "shelves",
                &["room", "slot"],
                "CASCADE",
                None,
            ),
            pointing("named", "VARCHAR(10)").multi_fk(
                &["shelf_room", "shelf_slot"],
                "shelves",
                &["room", "slot"],
                "SET NULL",
                Some("named_shelf_fkey"),
            ),
            pointing("named_ours", "VARCHAR(10)").multi_fk(
                &["shelf_room", "shelf_slot"],
                "shelves",
                &[],
                "NO ACTION",
                Some(&ours),
            ),
        ];
        // SET NULL needs nullable columns.
        let mut schema = live(tables);
        for c in &mut schema.schema.tables.get_mut("named").unwrap().columns {
            c.nullable = c.name != "id";
        }
        let i = run(&schema, Backend::Sqlite);
        assert_eq!(flags(&i), Vec::<String>::new());
        let src = body(&i);
        assert_eq!(
            model(src, "Placements"),
            "#[derive(Model)]\n#[model(\n    table = \"placements\",\n    foreign_key(fields = \
             [\"shelf_room\", \"shelf_slot\"], to = Shelves, on_delete = \"cascade\")\n)]\n\
             pub struct Placements {\n    pub id: i64,\n    #[model(max_length = 10)]\n    pub \
             shelf_room: String,\n    pub shelf_slot: i32,\n}\n"
        );
        assert!(
            model(src, "Named").contains(
                "    foreign_key(fields = [\"shelf_room\", \"shelf_slot\"], to = Shelves, \
                 on_delete = \"set_null\", name = \"named_shelf_fkey\")\n)]\n"
            ),
            "{src}"
        );
        assert!(
            model(src, "NamedOurs").contains(
                "foreign_key(fields = [\"shelf_room\", \"shelf_slot\"], to = Shelves, \
                 on_delete = \"no_action\")\n"
            ),
            "{src}"
        );
    }

    /// What a model's foreign key cannot be stays a plain column pair, flagged with the
    /// reason, and the comparison with the database reports nothing more: a column set that
    /// is not the key, the key in another order, a table not inspected, a column whose type
    /// is not its key column's, SET NULL over NOT NULL columns; a name an index of the table
    /// has too (InnoDB's own index for the key) is replaced by migrator's, flagged.
    #[test]
    fn a_foreign_key_over_several_columns_a_model_cannot_declare_is_flagged() {
        let fk = |t: Table, to: &str, columns: &[&str], rule: &str, name: Option<&str>| {
            t.multi_fk(&["shelf_room", "shelf_slot"], to, columns, rule, name)
        };
        let tables = vec![
            shelves(),
            fk(
                pointing("by_label", "VARCHAR(10)"),
                "shelves",
                &["room", "label"],
                "CASCADE",
                None,
            ),
            fk(
                pointing("reversed", "VARCHAR(10)"),
                "shelves",
                &["slot", "room"],
                "CASCADE",
                None,
            ),
            fk(
                pointing("elsewhere", "VARCHAR(10)"),
                "racks",
                &["room", "slot"],
                "CASCADE",
                None,
            ),
            fk(
                pointing("mistyped", "TEXT"),
                "shelves",
                &["room", "slot"],
                "CASCADE",
                None,
            ),
            fk(
                pointing("nulled", "VARCHAR(10)"),
                "shelves",
                &["room", "slot"],
                "SET NULL",
                None,
            ),
            fk(
                pointing("clash", "VARCHAR(10)"),
                "shelves",
                &["room", "slot"],
                "CASCADE",
                Some("clash_fk"),
            )
            .index("clash_fk", &["shelf_room", "shelf_slot"], false),
        ];
        let i = run(&live(tables), Backend::Sqlite);
        assert_eq!(
            flags(&i),
            [
                "by_label: the foreign key shelf_room, shelf_slot → shelves(room, label) is not \
                 declared: it points at (room, label) of `shelves`, which is not its primary \
                 key (room, slot): a model's foreign key points at a primary key",
                "clash: the database names the foreign key shelf_room, shelf_slot → \
                 shelves(room, slot) `clash_fk`, which the model cannot (an index or \
                 constraint of the table has that name too (InnoDB names the index it makes \
                 for a foreign key after it)): it declares migrator's name \
                 `clash_shelf_room_shelf_slot_fk_shelves`, so rename the constraint to \
                 `clash_shelf_room_shelf_slot_fk_shelves` before a later migration changes or \
                 removes it",
                "elsewhere: the foreign key shelf_room, shelf_slot → racks(room, slot) is not \
                 declared: it points at the table `racks`, which is not inspected: inspect it \
                 too (`migrator inspectdb … racks`), or add `foreign_key(fields = [...], to = \
                 Model, on_delete = \"…\")` by hand",
                "mistyped: the foreign key (shelf_room, shelf_slot) → shelves is not declared: \
                 `shelf_room` does not fit: the column is TEXT and `shelves.room` is \
                 VARCHAR(10), and a model's foreign key has its target's key type; make the \
                 two columns the same type",
                "nulled: the foreign key shelf_room, shelf_slot → shelves(room, slot) is not \
                 declared: it is ON DELETE SET NULL over a NOT NULL column, which a model \
                 cannot declare (set_null needs every field an `Option`)",
                "reversed: the foreign key shelf_room, shelf_slot → shelves(slot, room) is not \
                 declared: it points at the primary key of `shelves` in another order (slot, \
                 room) than the key's (room, slot): a model's foreign key matches its fields \
                 to the key in the key's order",
            ]
        );
        let src = body(&i);
        for name in ["ByLabel", "Reversed", "Elsewhere", "Mistyped", "Nulled"] {
            assert!(!model(src, name).contains("foreign_key"), "{name}:\n{src}");
        }
        assert!(
            model(src, "Clash").contains("to = Shelves, on_delete = \"cascade\")"),
            "{src}"
        );
    }
}
