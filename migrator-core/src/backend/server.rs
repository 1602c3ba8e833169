//! The engine shared by the server schema editors (PostgreSQL in `postgres.rs`, MySQL/MariaDB
//! in `mysql.rs`): it derives every database object a model has on a server backend
//! ([`TableDef`]: columns, primary key, indexes, unique and check constraints, foreign keys,
//! comments — with their names) and turns an operation into SQL by diffing the objects of the
//! states before and after it, knowing which table, model and field the operation renamed.
//!
//! Objects that keep their identity but change their name (a field index after a table
//! rename, a foreign key after its column or target table is renamed) are renamed, never
//! dropped and recreated, where the backend can (PostgreSQL everywhere, MySQL for indexes);
//! everything else is dropped before and created after the column changes, in this order:
//! foreign keys dropped → indexes and constraints dropped → primary key dropped → table
//! renamed, columns dropped, altered, added → primary key added → indexes and constraints
//! renamed or created, comments → foreign keys added or renamed. The spelling of each
//! statement belongs to the backend's [`Dialect`]. This file never runs SQL; which statements
//! run in which transaction is the executor's concern.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::sqlite::IndexDef;
use super::{field_index_name, op_label, Backend, SchemaEditor, SchemaError};
use crate::introspect::{ColumnSchema, DbSchema, ForeignKeySchema, NamedConstraint, TableSchema};
use crate::operations::Operation;
use crate::state::{
    ConstraintKind, DefaultValue, FieldState, ModelKey, ModelState, OnDelete, ProjectState,
};

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
}

impl ColumnDef {
    /// Everything but the field name (what the database sees).
    #[allow(clippy::type_complexity)]
    fn shape(
        &self,
    ) -> (
        &str,
        &str,
        bool,
        &Option<String>,
        bool,
        &Option<String>,
        &Option<String>,
    ) {
        (
            &self.name,
            &self.sql_type,
            self.nullable,
            &self.default,
            self.auto,
            &self.sequence,
            &self.comment,
        )
    }
}

/// An index (or, on MySQL, a unique constraint, which is a unique index there).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Idx {
    pub name: String,
    pub fields: Vec<String>,
    pub columns: Vec<String>,
    pub unique: bool,
    /// Declared as a named `UNIQUE` constraint (MySQL keeps those as unique indexes).
    pub constraint: bool,
}

/// A named table-level `UNIQUE` constraint (PostgreSQL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UniqueDef {
    pub name: String,
    pub fields: Vec<String>,
    pub columns: Vec<String>,
}

/// A foreign key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FkDef {
    pub name: String,
    pub field: String,
    pub column: String,
    pub ref_model: ModelKey,
    pub ref_field: String,
    pub ref_table: String,
    pub ref_column: String,
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
    fn column_of_field(&self, field: &str) -> Option<&ColumnDef> {
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

/// How one server backend spells things. Implemented by the PostgreSQL and MySQL editors.
pub(crate) trait Dialect {
    /// The backend.
    fn backend(&self) -> Backend;
    /// The longest identifier the backend keeps.
    fn max_identifier(&self) -> usize;
    /// The column type of `field`.
    fn column_type(&self, field: &FieldState) -> String;
    /// A default value for `field` as SQL.
    fn default_sql(&self, field: &FieldState, value: &DefaultValue) -> Result<String, SchemaError>;
    /// Rejects an index over `field` the backend cannot build.
    fn check_indexable(&self, model: &ModelState, field: &FieldState) -> Result<(), SchemaError>;
    /// Rejects a foreign key the backend cannot enforce.
    fn check_foreign_key(&self, model: &ModelState, fk: &FkDef) -> Result<(), SchemaError>;
    /// MySQL: unique constraints are unique indexes, and a foreign-key column needs an index.
    fn mysql_like(&self) -> bool;
    /// The sequence name of an identity column `table.column`, where the backend names one.
    fn identity_sequence(&self, table: &str, column: &str) -> Option<String>;
    /// The primary-key constraint name of `table`, where the backend names it.
    fn pk_name(&self, table: &str) -> Option<String>;
    /// `CREATE TABLE` (and the statements that complete it, like comments).
    fn create_table(&self, def: &TableDef) -> Vec<String>;
    /// `DROP TABLE`.
    fn drop_table(&self, table: &str) -> String;
    /// Renames a table.
    fn rename_table(&self, old: &str, new: &str) -> String;
    /// Sets or removes a table comment.
    fn table_comment(&self, table: &str, comment: Option<&str>) -> String;
    /// Adds a column; `fill` is a one-off value for existing rows (dropped as default after).
    fn add_column(&self, table: &str, col: &ColumnDef, fill: Option<&str>) -> Vec<String>;
    /// Adds an auto-increment column together with the primary key it belongs to, where the
    /// backend needs both in one statement (MySQL: an `AUTO_INCREMENT` column must be a key
    /// the moment it exists). `None`: add the column, then the key, separately.
    fn add_auto_column_with_pk(
        &self,
        table: &str,
        col: &ColumnDef,
        pk_columns: &[String],
    ) -> Option<String>;
    /// Drops a column.
    fn drop_column(&self, table: &str, column: &str) -> String;
    /// Alters (and possibly renames) a column. `fill` replaces NULLs when it becomes NOT NULL.
    fn alter_column(
        &self,
        old_table: &str,
        table: &str,
        old: &ColumnDef,
        new: &ColumnDef,
        fill: Option<&str>,
    ) -> AlterSteps;
    /// Creates an index (or a MySQL unique constraint).
    fn create_index(&self, table: &str, idx: &Idx) -> String;
    /// Drops an index.
    fn drop_index(&self, table: &str, name: &str) -> String;
    /// Renames an index.
    fn rename_index(&self, table: &str, old: &str, new: &str) -> String;
    /// Adds a named unique constraint (PostgreSQL).
    fn add_unique(&self, table: &str, u: &UniqueDef) -> String {
        let q = |ident: &str| self.backend().quote(ident);
        let columns: Vec<String> = u.columns.iter().map(|c| q(c)).collect();
        format!(
            "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
            q(table),
            q(&u.name),
            columns.join(", ")
        )
    }
    /// Drops a named constraint (unique or check).
    fn drop_constraint(&self, table: &str, name: &str) -> String {
        let q = |ident: &str| self.backend().quote(ident);
        format!("ALTER TABLE {} DROP CONSTRAINT {}", q(table), q(name))
    }
    /// Adds a named check constraint.
    fn add_check(&self, table: &str, name: &str, sql: &str) -> String {
        let q = |ident: &str| self.backend().quote(ident);
        format!(
            "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({sql})",
            q(table),
            q(name)
        )
    }
    /// Drops the primary key.
    fn drop_pk(&self, table: &str, name: Option<&str>) -> String;
    /// Adds the primary key.
    fn add_pk(&self, table: &str, name: Option<&str>, columns: &[String]) -> String;
    /// Renames a constraint, where the backend can (`None`: drop and recreate instead).
    fn rename_constraint(&self, table: &str, old: &str, new: &str) -> Option<String>;
    /// Adds a foreign key.
    fn add_fk(&self, table: &str, fk: &FkDef) -> String;
    /// Drops a foreign key.
    fn drop_fk(&self, table: &str, name: &str) -> String;
}

/// Every server dialect is a schema editor: the operations are translated here, once, in
/// terms of the dialect's spellings.
impl<D: Dialect> SchemaEditor for D {
    fn backend(&self) -> Backend {
        Dialect::backend(self)
    }

    fn forwards_sql(
        &self,
        app: &str,
        op: &Operation,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, SchemaError> {
        operation_sql(self, app, op, before, after, false)
    }

    fn backwards_sql(
        &self,
        app: &str,
        op: &Operation,
        before: &ProjectState,
        after: &ProjectState,
    ) -> Result<Vec<String>, SchemaError> {
        operation_sql(self, app, op, before, after, true)
    }

    fn create_model_sql(
        &self,
        model: &ModelState,
        state: &ProjectState,
    ) -> Result<Vec<String>, SchemaError> {
        let def = table_def(self, model, state, true)?;
        let mut out = self.create_table(&def);
        out.extend(def.indexes.iter().map(|i| self.create_index(&def.table, i)));
        out.extend(def.fks.iter().map(|fk| self.add_fk(&def.table, fk)));
        Ok(out)
    }
}

fn missing_field(model: &ModelState, field: &str, what: &str) -> SchemaError {
    SchemaError::MissingField {
        app: model.app.clone(),
        model: model.name.clone(),
        field: field.to_owned(),
        op: what.to_owned(),
    }
}

fn check_declared_name(
    d: &dyn Dialect,
    model: &ModelState,
    kind: &str,
    name: &str,
) -> Result<(), SchemaError> {
    if name.len() > d.max_identifier() {
        return Err(SchemaError::Unsupported(format!(
            "{kind} name `{name}` on model `{}.{}` is {} bytes long; {} keeps at most {} — choose a shorter name",
            model.app,
            model.name,
            name.len(),
            d.backend(),
            d.max_identifier()
        )));
    }
    Ok(())
}

/// Derives every database object of `model` (resolved in `state`) on `d`'s backend.
///
/// A foreign key whose target exists but has no single-column primary key is an error when
/// `strict` (the model the operation changes); for other models it is left out until the key
/// is single again (the key is moving between columns across two operations).
pub(crate) fn table_def(
    d: &dyn Dialect,
    model: &ModelState,
    state: &ProjectState,
    strict: bool,
) -> Result<TableDef, SchemaError> {
    let max = d.max_identifier();
    check_declared_name(d, model, "table", &model.table)?;
    let mut columns = Vec::new();
    for f in &model.fields {
        check_declared_name(d, model, "column", &f.column)?;
        columns.push(ColumnDef {
            field: f.name.clone(),
            name: f.column.clone(),
            sql_type: d.column_type(f),
            nullable: f.nullable && !f.primary_key,
            default: f
                .default
                .as_ref()
                .map(|v| d.default_sql(f, v))
                .transpose()?,
            auto: f.auto_increment,
            sequence: if f.auto_increment {
                d.identity_sequence(&model.table, &f.column)
            } else {
                None
            },
            comment: f.comment.clone(),
        });
    }
    let pk: Vec<&FieldState> = model.primary_key().collect();
    let cols_of = |fields: &[String], what: &str| -> Result<Vec<String>, SchemaError> {
        fields
            .iter()
            .map(|n| {
                model
                    .field(n)
                    .map(|f| f.column.clone())
                    .ok_or_else(|| missing_field(model, n, what))
            })
            .collect()
    };
    let mut indexes = Vec::new();
    for f in &model.fields {
        if f.primary_key || !(f.unique || f.index) {
            continue;
        }
        d.check_indexable(model, f)?;
        indexes.push(Idx {
            name: shorten_identifier(&field_index_name(&model.table, &f.column, f.unique), max),
            fields: vec![f.name.clone()],
            columns: vec![f.column.clone()],
            unique: f.unique,
            constraint: false,
        });
    }
    for i in &model.indexes {
        check_declared_name(d, model, "index", &i.name)?;
        for n in &i.fields {
            if let Some(f) = model.field(n) {
                d.check_indexable(model, f)?;
            }
        }
        indexes.push(Idx {
            name: i.name.clone(),
            columns: cols_of(&i.fields, &format!("index {}", i.name))?,
            fields: i.fields.clone(),
            unique: i.unique,
            constraint: false,
        });
    }
    let mut uniques = Vec::new();
    let mut checks = Vec::new();
    for c in &model.constraints {
        check_declared_name(d, model, "constraint", &c.name)?;
        match &c.kind {
            ConstraintKind::Check(sql) => checks.push((c.name.clone(), sql.clone())),
            ConstraintKind::Unique(fields) => {
                let columns = cols_of(fields, &format!("constraint {}", c.name))?;
                for n in fields {
                    if let Some(f) = model.field(n) {
                        d.check_indexable(model, f)?;
                    }
                }
                if d.mysql_like() {
                    indexes.push(Idx {
                        name: c.name.clone(),
                        fields: fields.clone(),
                        columns,
                        unique: true,
                        constraint: true,
                    });
                } else {
                    uniques.push(UniqueDef {
                        name: c.name.clone(),
                        fields: fields.clone(),
                        columns,
                    });
                }
            }
        }
    }
    let mut fks = Vec::new();
    for f in &model.fields {
        let Some(fk) = &f.foreign_key else { continue };
        let target = if fk.app == model.app && fk.model == model.name {
            model
        } else {
            state
                .model(&fk.app, &fk.model)
                .ok_or_else(|| SchemaError::BadForeignKey {
                    model: format!("{}.{}", model.app, model.name),
                    field: f.name.clone(),
                    target: format!("{}.{}", fk.app, fk.model),
                    reason: "is not in the migration state".to_owned(),
                })?
        };
        let mut tpk = target.primary_key();
        let (Some(ref_pk), None) = (tpk.next(), tpk.next()) else {
            if strict {
                return Err(SchemaError::BadForeignKey {
                    model: format!("{}.{}", model.app, model.name),
                    field: f.name.clone(),
                    target: format!("{}.{}", fk.app, fk.model),
                    reason: "has no single-column primary key".to_owned(),
                });
            }
            continue;
        };
        let def = FkDef {
            name: shorten_identifier(
                &format!("{}_{}_fk_{}", model.table, f.column, target.table),
                max,
            ),
            field: f.name.clone(),
            column: f.column.clone(),
            ref_model: target.key(),
            ref_field: ref_pk.name.clone(),
            ref_table: target.table.clone(),
            ref_column: ref_pk.column.clone(),
            on_delete: fk.on_delete,
        };
        d.check_foreign_key(model, &def)?;
        fks.push(def);
    }
    if d.mysql_like() {
        // InnoDB needs an index whose first column is the foreign-key column; when no other
        // index (or the primary key) starts with it, the field index `{table}_{column}_idx`
        // is created explicitly, so its name is ours rather than InnoDB's.
        for fk in &fks {
            let covered = pk.first().is_some_and(|p| p.column == fk.column)
                || indexes
                    .iter()
                    .any(|i| i.columns.first() == Some(&fk.column));
            if !covered {
                indexes.push(Idx {
                    name: shorten_identifier(
                        &field_index_name(&model.table, &fk.column, false),
                        max,
                    ),
                    fields: vec![fk.field.clone()],
                    columns: vec![fk.column.clone()],
                    unique: false,
                    constraint: false,
                });
            }
        }
    }
    Ok(TableDef {
        key: model.key(),
        table: model.table.clone(),
        comment: model.comment.clone(),
        columns,
        pk_fields: pk.iter().map(|f| f.name.clone()).collect(),
        pk_columns: pk.iter().map(|f| f.column.clone()).collect(),
        pk_name: d.pk_name(&model.table),
        indexes,
        uniques,
        checks,
        fks,
    })
}

/// What an operation renamed (in the direction the SQL runs).
#[derive(Clone, Debug, Default)]
struct Renames {
    /// Old model key → new model key.
    model: Option<(ModelKey, ModelKey)>,
    /// In the model with this (new) key: old field name → new field name.
    field: Option<(ModelKey, String, String)>,
}

impl Renames {
    fn from_op(app: &str, op: &Operation) -> Self {
        match op {
            Operation::RenameModel(o) => Self {
                model: Some((
                    ModelKey::new(app, o.old_name.clone()),
                    ModelKey::new(app, o.new_name.clone()),
                )),
                field: None,
            },
            Operation::RenameField(o) => Self {
                model: None,
                field: Some((
                    ModelKey::new(app, o.model.clone()),
                    o.old_name.clone(),
                    o.new_name.clone(),
                )),
            },
            _ => Self::default(),
        }
    }

    fn inverted(self) -> Self {
        Self {
            model: self.model.map(|(a, b)| (b, a)),
            field: self.field.map(|(k, a, b)| (k, b, a)),
        }
    }

    /// The new key of the model that had `old` before.
    fn key(&self, old: &ModelKey) -> ModelKey {
        match &self.model {
            Some((from, to)) if from == old => to.clone(),
            _ => old.clone(),
        }
    }

    /// The old key of the model that has `new` after.
    fn key_back(&self, new: &ModelKey) -> ModelKey {
        match &self.model {
            Some((from, to)) if to == new => from.clone(),
            _ => new.clone(),
        }
    }

    /// The new name of field `old` of the model whose new key is `key`.
    fn field_fwd(&self, key: &ModelKey, old: &str) -> String {
        match &self.field {
            Some((k, from, to)) if k == key && from == old => to.clone(),
            _ => old.to_owned(),
        }
    }

    /// The old name of field `new` of the model whose new key is `key`.
    fn field_back(&self, key: &ModelKey, new: &str) -> String {
        match &self.field {
            Some((k, from, to)) if k == key && to == new => from.clone(),
            _ => new.to_owned(),
        }
    }
}

/// The statements of one diff, by phase (see the module docs).
#[derive(Default)]
struct Phases {
    drop_fks: Vec<String>,
    drop_indexes: Vec<String>,
    pre_pk: Vec<String>,
    drop_pk: Vec<String>,
    tables: Vec<String>,
    add_pk: Vec<String>,
    post_pk: Vec<String>,
    indexes: Vec<String>,
    add_fks: Vec<String>,
}

impl Phases {
    fn into_vec(self) -> Vec<String> {
        let mut out = self.drop_fks;
        out.extend(self.drop_indexes);
        out.extend(self.pre_pk);
        out.extend(self.drop_pk);
        out.extend(self.tables);
        out.extend(self.add_pk);
        out.extend(self.post_pk);
        out.extend(self.indexes);
        out.extend(self.add_fks);
        out
    }
}

/// SQL for `op` on a server backend, forwards or backwards.
pub(crate) fn operation_sql(
    d: &dyn Dialect,
    app: &str,
    op: &Operation,
    before: &ProjectState,
    after: &ProjectState,
    backwards: bool,
) -> Result<Vec<String>, SchemaError> {
    let label = op_label(op);
    match op {
        Operation::RunSql(o) => {
            return if !backwards {
                Ok(o.sql.clone())
            } else {
                o.reverse_sql
                    .clone()
                    .ok_or(SchemaError::Irreversible(label))
            };
        }
        Operation::RunRust(o) => {
            return if backwards && o.backward.is_none() {
                Err(SchemaError::Irreversible(label))
            } else {
                Ok(Vec::new())
            };
        }
        _ => {}
    }
    // The model the operation names must be in the state it starts from (`after` for
    // CreateModel).
    let named = op.model_name();
    if let Some(name) = named {
        let needed_in = if matches!(op, Operation::CreateModel(_)) {
            after
        } else {
            before
        };
        if needed_in.model(app, name).is_none() {
            return Err(SchemaError::MissingModel {
                app: app.to_owned(),
                model: name.to_owned(),
                op: label,
            });
        }
    }
    let renames = Renames::from_op(app, op);
    let (from, to, renames) = if backwards {
        (after, before, renames.inverted())
    } else {
        (before, after, renames)
    };
    // A one-off default (preserve_default = false) fills existing rows forwards only.
    let fill = if backwards {
        None
    } else {
        match op {
            Operation::AddField(o) if !o.preserve_default => {
                o.field.default.as_ref().map(|v| (&o.model, &o.field, v))
            }
            Operation::AlterField(o) if !o.preserve_default => {
                o.field.default.as_ref().map(|v| (&o.model, &o.field, v))
            }
            _ => None,
        }
    };
    let fill = match fill {
        Some((model, field, value)) => Some((
            ModelKey::new(app, model.clone()),
            field.name.clone(),
            d.default_sql(field, value)?,
        )),
        None => None,
    };
    let changed = named.map(|n| renames.key(&ModelKey::new(app, n)));
    diff(d, from, to, &renames, fill.as_ref(), changed.as_ref())
}

/// The SQL that turns the schema of `from` into the schema of `to`.
fn diff(
    d: &dyn Dialect,
    from: &ProjectState,
    to: &ProjectState,
    renames: &Renames,
    fill: Option<&(ModelKey, String, String)>,
    changed: Option<&ModelKey>,
) -> Result<Vec<String>, SchemaError> {
    // Only the changed model and the models whose foreign keys point at it can be affected;
    // the others are skipped so long histories stay fast.
    let refers_to = |m: &ModelState, target: &ModelKey| {
        m.key() == *target
            || m.fields.iter().any(|f| {
                f.foreign_key
                    .as_ref()
                    .is_some_and(|fk| fk.app == target.app && fk.model == target.name)
            })
    };
    let relevant: Option<BTreeSet<ModelKey>> = changed.map(|new_key| {
        let old_key = renames.key_back(new_key);
        let mut keys = BTreeSet::from([new_key.clone()]);
        keys.extend(
            from.models
                .values()
                .filter(|m| refers_to(m, &old_key))
                .map(|m| renames.key(&m.key())),
        );
        keys.extend(
            to.models
                .values()
                .filter(|m| refers_to(m, new_key))
                .map(ModelState::key),
        );
        keys
    });
    let wanted = |k: &ModelKey| relevant.as_ref().is_none_or(|r| r.contains(k));
    let mut olds: BTreeMap<ModelKey, TableDef> = BTreeMap::new();
    for m in from.models.values() {
        let key = renames.key(&m.key());
        if wanted(&key) {
            olds.insert(key, table_def(d, m, from, false)?);
        }
    }
    let mut news: BTreeMap<ModelKey, TableDef> = BTreeMap::new();
    for m in to.models.values() {
        if wanted(&m.key()) {
            news.insert(m.key(), table_def(d, m, to, Some(&m.key()) == changed)?);
        }
    }
    let mut p = Phases::default();
    for (key, old) in &olds {
        if !news.contains_key(key) {
            p.tables.push(d.drop_table(&old.table));
        }
    }
    for (key, new) in &news {
        match olds.get(key) {
            None => {
                p.tables.extend(d.create_table(new));
                for i in &new.indexes {
                    p.indexes.push(d.create_index(&new.table, i));
                }
                for fk in &new.fks {
                    p.add_fks.push(d.add_fk(&new.table, fk));
                }
            }
            Some(old) => {
                let fill = fill
                    .filter(|(k, _, _)| k == key)
                    .map(|(_, f, v)| (f.as_str(), v.as_str()));
                alter_table(d, old, new, &olds, &news, renames, fill, &mut p);
            }
        }
    }
    Ok(p.into_vec())
}

/// True when the primary key of the model whose new key is `key` moves to other fields
/// (type changes of its column are [`column_changed`]'s concern).
fn pk_changed(
    key: &ModelKey,
    olds: &BTreeMap<ModelKey, TableDef>,
    news: &BTreeMap<ModelKey, TableDef>,
    renames: &Renames,
) -> bool {
    let (Some(old), Some(new)) = (olds.get(key), news.get(key)) else {
        return false;
    };
    let mapped: Vec<String> = old
        .pk_fields
        .iter()
        .map(|f| renames.field_fwd(key, f))
        .collect();
    mapped != new.pk_fields
}

/// True when the column of field `field` (new name) of model `key` changes type (or, when
/// `with_null`, nullability).
fn column_changed(
    key: &ModelKey,
    field: &str,
    olds: &BTreeMap<ModelKey, TableDef>,
    news: &BTreeMap<ModelKey, TableDef>,
    renames: &Renames,
    with_null: bool,
) -> bool {
    let (Some(old), Some(new)) = (olds.get(key), news.get(key)) else {
        return false;
    };
    let (Some(oc), Some(nc)) = (
        old.column_of_field(&renames.field_back(key, field)),
        new.column_of_field(field),
    ) else {
        return false;
    };
    oc.sql_type != nc.sql_type || (with_null && oc.nullable != nc.nullable)
}

#[allow(clippy::too_many_arguments)]
fn alter_table(
    d: &dyn Dialect,
    old: &TableDef,
    new: &TableDef,
    olds: &BTreeMap<ModelKey, TableDef>,
    news: &BTreeMap<ModelKey, TableDef>,
    renames: &Renames,
    fill: Option<(&str, &str)>,
    p: &mut Phases,
) {
    let key = &new.key;
    let (t_old, t_new) = (old.table.as_str(), new.table.as_str());
    let fwd = |f: &str| renames.field_fwd(key, f);
    let mysql = d.mysql_like();

    // Indexes (MySQL: unique constraints and foreign-key cover indexes included).
    let mut kept_new = vec![false; new.indexes.len()];
    let mut dropped_first_columns: Vec<String> = Vec::new();
    let mut index_renames = Vec::new();
    for oi in &old.indexes {
        let fields: Vec<String> = oi.fields.iter().map(|f| fwd(f)).collect();
        let same_shape = |i: usize, ni: &Idx| {
            !kept_new[i]
                && ni.fields == fields
                && ni.unique == oi.unique
                && ni.constraint == oi.constraint
        };
        // The same index under the same name, else (a derived name that changed) renamed.
        let hit = new
            .indexes
            .iter()
            .enumerate()
            .find(|(i, ni)| same_shape(*i, ni) && ni.name == oi.name)
            .or_else(|| {
                new.indexes.iter().enumerate().find(|(i, ni)| {
                    same_shape(*i, ni)
                        && !oi.constraint
                        && !old.indexes.iter().any(|o| o.name == ni.name)
                })
            });
        match hit {
            Some((i, ni)) => {
                kept_new[i] = true;
                if ni.name != oi.name {
                    index_renames.push(d.rename_index(t_new, &oi.name, &ni.name));
                }
            }
            None => {
                p.drop_indexes.push(d.drop_index(t_old, &oi.name));
                if let Some(first) = oi.fields.first() {
                    dropped_first_columns.push(fwd(first));
                }
            }
        }
    }

    // Own foreign keys.
    let mut fk_kept = vec![false; new.fks.len()];
    let mut fk_renames = Vec::new();
    for ofk in &old.fks {
        let ref_key = renames.key(&ofk.ref_model);
        let field = fwd(&ofk.field);
        let ref_field = renames.field_fwd(&ref_key, &ofk.ref_field);
        let force = pk_changed(&ref_key, olds, news, renames)
            || (mysql
                && (column_changed(key, &field, olds, news, renames, true)
                    || column_changed(&ref_key, &ref_field, olds, news, renames, false)
                    || dropped_first_columns.contains(&field)));
        let hit = new.fks.iter().enumerate().find(|(i, nfk)| {
            !fk_kept[*i]
                && nfk.field == field
                && nfk.ref_model == ref_key
                && nfk.ref_field == ref_field
                && nfk.on_delete == ofk.on_delete
        });
        match hit {
            Some((i, nfk)) if !force => {
                if nfk.name != ofk.name {
                    match d.rename_constraint(t_new, &ofk.name, &nfk.name) {
                        Some(sql) => {
                            fk_kept[i] = true;
                            fk_renames.push(sql);
                        }
                        None => p.drop_fks.push(d.drop_fk(t_old, &ofk.name)),
                    }
                } else {
                    fk_kept[i] = true;
                }
            }
            _ => p.drop_fks.push(d.drop_fk(t_old, &ofk.name)),
        }
    }

    // Unique (PostgreSQL) and check constraints.
    let mut unique_kept = vec![false; new.uniques.len()];
    for ou in &old.uniques {
        let fields: Vec<String> = ou.fields.iter().map(|f| fwd(f)).collect();
        match new
            .uniques
            .iter()
            .position(|nu| nu.name == ou.name && nu.fields == fields)
        {
            Some(i) => unique_kept[i] = true,
            None => p.drop_indexes.push(d.drop_constraint(t_old, &ou.name)),
        }
    }
    let mut check_kept = vec![false; new.checks.len()];
    for oc in &old.checks {
        match new.checks.iter().position(|nc| nc == oc) {
            Some(i) => check_kept[i] = true,
            None => p.drop_indexes.push(d.drop_constraint(t_old, &oc.0)),
        }
    }

    // Primary key.
    let old_pk: Vec<String> = old.pk_fields.iter().map(|f| fwd(f)).collect();
    let pk_moves = old_pk != new.pk_fields;

    // Columns.
    if t_old != t_new {
        p.tables.push(d.rename_table(t_old, t_new));
    }
    for oc in &old.columns {
        if new.column_of_field(&fwd(&oc.field)).is_none() {
            if mysql && oc.auto && pk_moves {
                // MySQL refuses to drop a key while an AUTO_INCREMENT column needs it.
                let mut plain = oc.clone();
                plain.auto = false;
                p.pre_pk
                    .extend(d.alter_column(t_old, t_new, oc, &plain, None).pre_pk);
            }
            p.tables.push(d.drop_column(t_new, &oc.name));
        }
    }
    let mut adds = Vec::new();
    let mut pk_added_with_column = false;
    for nc in &new.columns {
        let one_off = fill.filter(|(f, _)| *f == nc.field).map(|(_, v)| v);
        match old.column_of_field(&renames.field_back(key, &nc.field)) {
            None if nc.auto && pk_moves && new.pk_fields.contains(&nc.field) => {
                match d.add_auto_column_with_pk(t_new, nc, &new.pk_columns) {
                    Some(sql) => {
                        pk_added_with_column = true;
                        adds.push(sql);
                    }
                    None => adds.extend(d.add_column(t_new, nc, one_off)),
                }
            }
            None => adds.extend(d.add_column(t_new, nc, one_off)),
            Some(oc) if oc.shape() != nc.shape() || (one_off.is_some() && oc.nullable) => {
                let steps = d.alter_column(t_old, t_new, oc, nc, one_off);
                p.pre_pk.extend(steps.pre_pk);
                p.tables.extend(steps.main);
                p.post_pk.extend(steps.post_pk);
            }
            Some(_) => {}
        }
    }
    p.tables.extend(adds);
    if pk_moves {
        if !old.pk_columns.is_empty() {
            p.drop_pk.push(d.drop_pk(t_old, old.pk_name.as_deref()));
        }
        if !new.pk_columns.is_empty() && !pk_added_with_column {
            p.add_pk
                .push(d.add_pk(t_new, new.pk_name.as_deref(), &new.pk_columns));
        }
    } else if let (Some(a), Some(b)) = (&old.pk_name, &new.pk_name) {
        if a != b && !old.pk_columns.is_empty() {
            if let Some(sql) = d.rename_constraint(t_new, a, b) {
                p.indexes.push(sql);
            }
        }
    }

    // Indexes and constraints renamed or created, comments.
    p.indexes.extend(index_renames);
    for (i, ni) in new.indexes.iter().enumerate() {
        if !kept_new[i] {
            p.indexes.push(d.create_index(t_new, ni));
        }
    }
    for (i, nu) in new.uniques.iter().enumerate() {
        if !unique_kept[i] {
            p.indexes.push(d.add_unique(t_new, nu));
        }
    }
    for (i, (name, sql)) in new.checks.iter().enumerate() {
        if !check_kept[i] {
            p.indexes.push(d.add_check(t_new, name, sql));
        }
    }
    if old.comment != new.comment {
        p.indexes
            .push(d.table_comment(t_new, new.comment.as_deref()));
    }

    // Foreign keys added or renamed.
    p.add_fks.extend(fk_renames);
    for (i, nfk) in new.fks.iter().enumerate() {
        if !fk_kept[i] {
            p.add_fks.push(d.add_fk(t_new, nfk));
        }
    }
}

/// Normalizes a default's SQL text so the spelling a server reports (`'draft'::character
/// varying`, `current_timestamp()`, `'-1'::integer`) and the spelling the editor writes
/// (`'draft'`, `(CURRENT_TIMESTAMP)`, `-1`) compare equal: outer parentheses and top-level
/// `::type` casts are removed, quoted numbers unquoted, and everything outside a string
/// literal lower-cased.
pub(crate) fn normalize_default(sql: &str) -> String {
    let mut s = sql.trim().to_owned();
    loop {
        if s.starts_with('(') && matching_paren_is_last(&s) {
            s = s[1..s.len() - 1].trim().to_owned();
        } else if let Some(pos) = top_level_cast(&s) {
            s = s[..pos].trim().to_owned();
        } else {
            break;
        }
    }
    if s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
        let inner = &s[1..s.len() - 1];
        if let Some(n) = canonical_number(inner) {
            return n;
        }
        return s;
    }
    if let Some(n) = canonical_number(&s) {
        return n;
    }
    let lower = s.to_lowercase();
    // Clock functions under their many names: `now()`, `current_timestamp(6)`, `curdate()`.
    let bare = lower
        .strip_suffix(')')
        .and_then(|l| l.rsplit_once('('))
        .filter(|(_, arg)| arg.chars().all(|c| c.is_ascii_digit()))
        .map_or(lower.as_str(), |(name, _)| name);
    match bare {
        "current_timestamp" | "now" | "localtimestamp" => "current_timestamp".to_owned(),
        "current_date" | "curdate" => "current_date".to_owned(),
        "current_time" | "curtime" => "current_time".to_owned(),
        _ => lower,
    }
}

/// `0.00`, `0` and `-0.0` → `0`; `12.50` → `12.5`: numbers compare by value (MySQL pads
/// decimal defaults to the column's scale). `None` for anything that is not a plain number.
fn canonical_number(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
    {
        return None;
    }
    let v: f64 = t.parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    Some(if v == 0.0 {
        "0".to_owned()
    } else {
        format!("{v}")
    })
}

fn matching_paren_is_last(s: &str) -> bool {
    let mut depth = 0i32;
    let mut quote = false;
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quote = !quote,
            '(' if !quote => depth += 1,
            ')' if !quote => {
                depth -= 1;
                if depth == 0 {
                    return i == s.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

fn top_level_cast(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote = false;
    let mut last = None;
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quote = !quote,
            '(' if !quote => depth += 1,
            ')' if !quote => depth -= 1,
            ':' if !quote
                && depth == 0
                && bytes.get(i + 1) == Some(&b':')
                && last.is_none_or(|l: usize| l + 1 != i) =>
            {
                last = Some(i);
            }
            _ => {}
        }
    }
    last
}

/// Whether the SQL expression `sql` names the identifier `ident` (case-insensitively, bare or
/// quoted with `"` or backticks; text inside `'…'` literals does not count). Used where a
/// backend must know which columns a check constraint reads.
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

/// Normalizes a check expression for comparison: lower-cased, without whitespace, quotes,
/// backticks or parentheses. Servers re-print checks in their own style
/// (`CHECK ((rating >= 0))`, `` `rating` >= 0 ``); this is a comparison key, not SQL.
pub(crate) fn normalize_check(sql: &str) -> String {
    let flat: String = sql
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '"' | '`' | '(' | ')'))
        .flat_map(char::to_lowercase)
        .collect();
    // PostgreSQL adds casts to what it prints (`(status)::text = 'x'::text`): drop them.
    let mut out = String::with_capacity(flat.len());
    let mut rest = flat.as_str();
    while let Some(pos) = rest.find("::") {
        out.push_str(&rest[..pos]);
        rest = rest[pos + 2..].trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
        rest = rest.strip_prefix("[]").unwrap_or(rest);
    }
    out.push_str(rest);
    out
}

/// Comments and foreign-key names: what [`DbSchema`] does not carry but a server keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchemaDetails {
    /// `(table, column)` → comment; the table's own comment has an empty column name.
    pub comments: BTreeMap<(String, String), String>,
    /// `(table, column)` → the name of the foreign-key constraint on that column.
    pub foreign_key_names: BTreeMap<(String, String), String>,
    /// `(table, column)` → the sequence behind an identity column (PostgreSQL only).
    pub identity_sequences: BTreeMap<(String, String), String>,
}

/// The [`DbSchema`] and [`SchemaDetails`] `state` produces on `d`'s backend, with types
/// spelled through `normalize_type` (the same function introspection uses).
pub(crate) fn expected(
    d: &dyn Dialect,
    state: &ProjectState,
    normalize_type: fn(&str) -> String,
) -> Result<(DbSchema, SchemaDetails), SchemaError> {
    let mut schema = DbSchema::default();
    let mut details = SchemaDetails::default();
    for model in state.models.values() {
        let def = table_def(d, model, state, false)?;
        let mut columns: Vec<ColumnSchema> = def
            .columns
            .iter()
            .map(|c| ColumnSchema {
                name: c.name.clone(),
                type_name: normalize_type(&c.sql_type),
                nullable: c.nullable,
                default: c.default.as_deref().map(normalize_default),
                primary_key: def.pk_columns.contains(&c.name),
                auto_increment: c.auto,
            })
            .collect();
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        let mut indexes: Vec<IndexDef> = def
            .indexes
            .iter()
            .map(|i| IndexDef {
                name: i.name.clone(),
                columns: i.columns.clone(),
                unique: i.unique,
            })
            .collect();
        indexes.sort();
        let mut unique_constraints: Vec<NamedConstraint> = def
            .uniques
            .iter()
            .map(|u| NamedConstraint {
                name: Some(u.name.clone()),
                body: u.columns.clone(),
            })
            .collect();
        unique_constraints.sort();
        let mut checks: Vec<NamedConstraint> = def
            .checks
            .iter()
            .map(|(n, sql)| NamedConstraint {
                name: Some(n.clone()),
                body: vec![normalize_check(sql)],
            })
            .collect();
        checks.sort();
        let mut foreign_keys: Vec<ForeignKeySchema> = def
            .fks
            .iter()
            .map(|fk| ForeignKeySchema {
                column: fk.column.clone(),
                table: fk.ref_table.clone(),
                to_column: fk.ref_column.clone(),
                on_delete: fk.on_delete.sql().to_owned(),
            })
            .collect();
        foreign_keys.sort();
        for fk in &def.fks {
            details
                .foreign_key_names
                .insert((def.table.clone(), fk.column.clone()), fk.name.clone());
        }
        if let Some(c) = &def.comment {
            details
                .comments
                .insert((def.table.clone(), String::new()), c.clone());
        }
        for c in &def.columns {
            if let Some(seq) = &c.sequence {
                details
                    .identity_sequences
                    .insert((def.table.clone(), c.name.clone()), seq.clone());
            }
            if let Some(comment) = &c.comment {
                details
                    .comments
                    .insert((def.table.clone(), c.name.clone()), comment.clone());
            }
        }
        schema.tables.insert(
            def.table.clone(),
            TableSchema {
                name: def.table.clone(),
                columns,
                primary_key: def.pk_columns.clone(),
                indexes,
                unique_constraints,
                checks,
                foreign_keys,
            },
        );
    }
    Ok((schema, details))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_identifiers_get_a_stable_hash_suffix() {
        let long = "a".repeat(80);
        let short = shorten_identifier(&long, 63);
        assert_eq!(short.len(), 63);
        assert_eq!(short, shorten_identifier(&long, 63));
        assert_ne!(short, shorten_identifier(&"a".repeat(81), 63));
        assert_eq!(shorten_identifier("books_title_idx", 63), "books_title_idx");
        // Never splits a multi-byte character.
        let wide = "é".repeat(40);
        assert!(shorten_identifier(&wide, 63).len() <= 63);
    }

    #[test]
    fn defaults_normalize_across_spellings() {
        assert_eq!(normalize_default("'draft'::character varying"), "'draft'");
        assert_eq!(normalize_default("('draft')"), "'draft'");
        assert_eq!(normalize_default("'-1'::integer"), "-1");
        assert_eq!(
            normalize_default("(CURRENT_TIMESTAMP)"),
            "current_timestamp"
        );
        assert_eq!(
            normalize_default("current_timestamp()"),
            "current_timestamp"
        );
        assert_eq!(normalize_default("TRUE"), "true");
        assert_eq!(normalize_default("0.00"), normalize_default("0"));
        assert_eq!(normalize_default("12.50"), normalize_default("12.5"));
        assert_eq!(normalize_default("'a::b'"), "'a::b'");
        assert_eq!(
            normalize_default("'{}'::jsonb"),
            "'{}'",
            "casts after a literal go"
        );
    }

    #[test]
    fn check_sql_mentions_only_real_identifiers() {
        assert!(mentions_identifier("f1 IS NULL OR f1 > 0", "f1"));
        assert!(mentions_identifier("`F1` > 0", "f1"));
        assert!(mentions_identifier("(\"rating\" >= 0)", "rating"));
        assert!(!mentions_identifier("f10 > 0 AND xf1 < 2", "f1"));
        assert!(!mentions_identifier("status <> 'f1 ''and'' f1'", "f1"));
        assert!(mentions_identifier("status <> 'it''s' AND f1 = 1", "f1"));
    }

    #[test]
    fn checks_normalize_across_spellings() {
        assert_eq!(
            normalize_check("((status)::text = 'x'::character varying)"),
            normalize_check("`status` = 'x'")
        );
        assert_eq!(
            normalize_check("CHECK ((rating >= 0))").trim_start_matches("check"),
            normalize_check("`rating` >= 0")
        );
    }
}
