//! The engine shared by the server schema editors (PostgreSQL in `postgres/schema.rs`,
//! MySQL/MariaDB in `mysql/schema.rs`): every server [`Dialect`] is a [`SchemaEditor`] through
//! the one blanket impl here, which turns each primitive schema change into a diff of the
//! database objects (`objects.rs`: [`TableDef`] — columns, primary key, indexes, unique and
//! check constraints, foreign keys, comments, with their names) of the states around it,
//! knowing which model or field the change renamed (`diff.rs`).
//!
//! Objects that keep their identity but change their name (a field index after a table
//! rename, a foreign key after its column or target table is renamed) are renamed, never
//! dropped and recreated, where the backend can (PostgreSQL everywhere, MySQL for indexes);
//! everything else is dropped before and created after the column changes, in this order:
//! foreign keys dropped → indexes and constraints dropped → primary key dropped → table
//! renamed, columns dropped, altered, added → primary key added → indexes and constraints
//! renamed or created, comments → foreign keys added or renamed. `normalize.rs` holds the
//! comparison keys for what servers re-print (defaults, checks) and the expected schema. The
//! spelling of each statement belongs to the backend's [`Dialect`]. Nothing here runs SQL;
//! which statements run in which transaction is the executor's concern.

mod defs;
mod dialect;
mod diff;
mod normalize;
mod objects;

#[cfg(feature = "mysql")]
pub(crate) use defs::mentions_identifier;
#[cfg(feature = "postgres")]
pub(crate) use defs::shorten_identifier;
pub(crate) use defs::{AlterSteps, ColumnDef, FkDef, Idx, TableDef};
pub(crate) use dialect::Dialect;
pub use normalize::SchemaDetails;
pub(crate) use normalize::{expected, normalize_check, normalize_default};

use crate::backend::editor::{SchemaEditor, SchemaError, Step};
use crate::backend::features::Backend;
use crate::state::{DefaultValue, FieldState, ModelKey, ModelState, ProjectState};
use diff::{diff, Renames};

/// Every server dialect is a schema editor: each primitive is translated here, once, into a
/// diff of the objects around it, in terms of the dialect's spellings.
impl<D: Dialect> SchemaEditor for D {
    fn backend(&self) -> Backend {
        Dialect::backend(self)
    }

    fn create_model(&self, step: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::created(model))
    }

    fn delete_model(&self, step: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn rename_model(
        &self,
        step: &Step<'_>,
        old: &str,
        new: &str,
    ) -> Result<Vec<String>, SchemaError> {
        let mut c = Change::on(old);
        c.renames = Renames::model(step.app, old, new);
        change(self, step, c)
    }

    fn alter_model_table(&self, step: &Step<'_>, model: &str) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn alter_model_comment(
        &self,
        step: &Step<'_>,
        model: &str,
    ) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn add_field(
        &self,
        step: &Step<'_>,
        model: &str,
        field: &FieldState,
        one_off_default: bool,
    ) -> Result<Vec<String>, SchemaError> {
        change(
            self,
            step,
            Change::on(model).filling(field, one_off_default),
        )
    }

    fn remove_field(
        &self,
        step: &Step<'_>,
        model: &str,
        _: &str,
    ) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn alter_field(
        &self,
        step: &Step<'_>,
        model: &str,
        _: &str,
        field: &FieldState,
        one_off_default: bool,
    ) -> Result<Vec<String>, SchemaError> {
        change(
            self,
            step,
            Change::on(model).filling(field, one_off_default),
        )
    }

    fn rename_field(
        &self,
        step: &Step<'_>,
        model: &str,
        old: &str,
        new: &str,
    ) -> Result<Vec<String>, SchemaError> {
        let mut c = Change::on(model);
        c.renames = Renames::field(step.app, model, old, new);
        change(self, step, c)
    }

    fn add_index(&self, step: &Step<'_>, model: &str, _: &str) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn remove_index(
        &self,
        step: &Step<'_>,
        model: &str,
        _: &str,
    ) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    /// The diff sees the same index under a new name and renames it in place.
    fn rename_index(
        &self,
        step: &Step<'_>,
        model: &str,
        _: &str,
        _: &str,
    ) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn add_index_concurrently(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError> {
        let def = objects::table_def(self, step.model_in(step.to, model)?, step.to, false)?;
        let idx = index_named(&def, name, step)?;
        let plain = self.create_index(&def.table, idx);
        let statements = change(self, step, Change::on(model))?;
        Ok(replacing(
            statements,
            &plain,
            self.create_index_concurrently(&def.table, idx),
        ))
    }

    fn remove_index_concurrently(
        &self,
        step: &Step<'_>,
        model: &str,
        name: &str,
    ) -> Result<Vec<String>, SchemaError> {
        let def = objects::table_def(self, step.model_in(step.from, model)?, step.from, false)?;
        let idx = index_named(&def, name, step)?;
        let plain = self.drop_index(&def.table, &idx.name);
        let statements = change(self, step, Change::on(model))?;
        Ok(replacing(
            statements,
            &plain,
            self.drop_index_concurrently(&def.table, &idx.name),
        ))
    }

    fn add_constraint(
        &self,
        step: &Step<'_>,
        model: &str,
        _: &str,
    ) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn remove_constraint(
        &self,
        step: &Step<'_>,
        model: &str,
        _: &str,
    ) -> Result<Vec<String>, SchemaError> {
        change(self, step, Change::on(model))
    }

    fn create_model_sql(
        &self,
        model: &ModelState,
        state: &ProjectState,
    ) -> Result<Vec<String>, SchemaError> {
        let def = objects::table_def(self, model, state, true)?;
        let mut out = self.create_table(&def);
        out.extend(def.indexes.iter().map(|i| self.create_index(&def.table, i)));
        out.extend(def.fks.iter().map(|fk| self.add_fk(&def.table, fk)));
        Ok(out)
    }
}

/// The declared index `name` of a table, or the error naming the operation.
/// `statements` with `plain` (the diff's spelling of an index change) replaced by `with`
/// (its concurrent spelling).
fn replacing(statements: Vec<String>, plain: &str, with: String) -> Vec<String> {
    statements
        .into_iter()
        .map(|s| if s == plain { with.clone() } else { s })
        .collect()
}

fn index_named<'d>(def: &'d TableDef, name: &str, step: &Step<'_>) -> Result<&'d Idx, SchemaError> {
    def.indexes.iter().find(|i| i.name == name).ok_or_else(|| {
        SchemaError::Unsupported(format!(
            "`{}`: table `{}` has no index `{name}` in the migration state",
            step.label, def.table
        ))
    })
}

/// What one primitive changes, as the diff needs it.
struct Change<'a> {
    /// The model it names: in `step.from`, or in `step.to` when `created`.
    model: &'a str,
    created: bool,
    renames: Renames,
    /// A one-off default that fills existing rows: the field and its value.
    fill: Option<(&'a FieldState, &'a DefaultValue)>,
}

impl<'a> Change<'a> {
    fn on(model: &'a str) -> Self {
        Self {
            model,
            created: false,
            renames: Renames::default(),
            fill: None,
        }
    }

    fn created(model: &'a str) -> Self {
        Self {
            created: true,
            ..Self::on(model)
        }
    }

    fn filling(mut self, field: &'a FieldState, one_off_default: bool) -> Self {
        if one_off_default {
            self.fill = field.default.as_ref().map(|v| (field, v));
        }
        self
    }
}

/// The SQL of one primitive: the diff of the objects of the changed model (and the models
/// around it) from `step.from` to `step.to`.
fn change(d: &dyn Dialect, step: &Step<'_>, c: Change<'_>) -> Result<Vec<String>, SchemaError> {
    step.model_in(if c.created { step.to } else { step.from }, c.model)?;
    let key = ModelKey::new(step.app, c.model);
    let fill = match c.fill {
        Some((field, value)) => Some((
            key.clone(),
            field.name.clone(),
            d.default_sql(field, value)?,
        )),
        None => None,
    };
    let changed = c.renames.key(&key);
    diff(
        d,
        step.from,
        step.to,
        &c.renames,
        fill.as_ref(),
        Some(&changed),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_identifiers_get_a_stable_hash_suffix() {
        let long = "a".repeat(80);
        let short = defs::shorten_identifier(&long, 63);
        assert_eq!(short.len(), 63);
        assert_eq!(short, defs::shorten_identifier(&long, 63));
        assert_ne!(short, defs::shorten_identifier(&"a".repeat(81), 63));
        assert_eq!(
            defs::shorten_identifier("books_title_idx", 63),
            "books_title_idx"
        );
        // Never splits a multi-byte character.
        let wide = "é".repeat(40);
        assert!(defs::shorten_identifier(&wide, 63).len() <= 63);
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
    fn checks_normalize_across_spellings() {
        assert_eq!(
            normalize_check("((status)::text = 'x'::character varying)"),
            normalize_check("`status` = 'x'")
        );
        assert_eq!(
            normalize_check(
                "((((status)::text = 'a'::text) OR ((status)::text = 'b'::character varying)))"
            ),
            normalize_check("status = 'a' OR `status` = 'b'")
        );
        assert_eq!(
            normalize_check("CHECK ((rating >= 0))").trim_start_matches("check"),
            normalize_check("`rating` >= 0")
        );
    }
}
