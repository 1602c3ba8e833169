//! Behaviour of the special operations `RunSql` and `RunRust`: they never change the state;
//! here they describe themselves and give their canonical text. Running them is the executor's
//! job, not this module's.

use std::fmt;

use super::base::{quote, OperationKind, RustMigrationFn};
use crate::backend::editor::{SchemaEditor, SchemaError, Step};

/// Raw SQL. The only way raw SQL enters a migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSql {
    /// Statements run forwards, in order.
    pub sql: Vec<String>,
    /// Statements run backwards; `None` makes the operation irreversible, an empty list makes
    /// the backward step a no-op.
    pub reverse_sql: Option<Vec<String>>,
    /// Django's `elidable`: the step only matters to databases that already hold data, so
    /// `squashmigrations` drops it. Not part of the checksum (it changes nothing a database
    /// runs).
    pub elidable: bool,
}

/// A Rust data step.
#[derive(Clone, Copy)]
pub struct RunRust {
    /// A stable name for the step (the function's name), used in descriptions and checksums.
    pub name: &'static str,
    /// Runs forwards.
    pub forward: RustMigrationFn,
    /// Runs backwards; `None` makes the operation irreversible.
    pub backward: Option<RustMigrationFn>,
    /// Django's `elidable`: the step only matters to databases that already hold data, so
    /// `squashmigrations` drops it. Not part of the checksum.
    pub elidable: bool,
}

impl fmt::Debug for RunRust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunRust")
            .field("name", &self.name)
            .field("reversible", &self.backward.is_some())
            .field("elidable", &self.elidable)
            .finish()
    }
}

impl PartialEq for RunRust {
    /// Two steps are equal when their names and reversibility agree; function addresses are
    /// not stable across builds, so they are not compared.
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.backward.is_some() == other.backward.is_some()
            && self.elidable == other.elidable
    }
}

fn quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

impl RunSql {
    /// Raw SQL run forwards, with `reverse_sql` run backwards (`None`: irreversible).
    pub fn new(sql: Vec<String>, reverse_sql: Option<Vec<String>>) -> Self {
        Self {
            sql,
            reverse_sql,
            elidable: false,
        }
    }
}

impl OperationKind for RunSql {
    fn describe(&self) -> String {
        "Raw SQL operation".to_string()
    }

    fn canonical_text(&self) -> String {
        format!(
            "RunSql sql={} reverse_sql={}",
            quote_list(&self.sql),
            self.reverse_sql
                .as_deref()
                .map_or_else(|| "None".to_string(), quote_list)
        )
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        let _ = editor;
        let _ = step;
        Ok(self.sql.clone())
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        let _ = editor;
        self.reverse_sql.clone().ok_or_else(|| {
            // Name the SQL: "Raw SQL operation" alone does not say which one.
            SchemaError::Irreversible(match self.sql.first() {
                Some(first) => format!("{} {first:?}", step.label),
                None => step.label.to_owned(),
            })
        })
    }

    fn reversible(&self) -> bool {
        self.reverse_sql.is_some()
    }

    fn atomic(&self) -> bool {
        false
    }

    fn verbatim_sql(&self) -> bool {
        true
    }
}

impl OperationKind for RunRust {
    fn describe(&self) -> String {
        format!("Rust operation {}", self.name)
    }

    fn canonical_text(&self) -> String {
        format!(
            "RunRust name={} reversible={}",
            self.name,
            self.backward.is_some()
        )
    }

    fn database_forwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        let _ = (editor, step);
        Ok(Vec::new())
    }

    fn database_backwards(
        &self,
        editor: &dyn SchemaEditor,
        step: &Step<'_>,
    ) -> Result<Vec<String>, SchemaError> {
        let _ = editor;
        match self.backward {
            Some(_) => Ok(Vec::new()),
            None => Err(SchemaError::Irreversible(step.label.to_owned())),
        }
    }

    fn rust_step(&self, backwards: bool) -> Option<RustMigrationFn> {
        if backwards {
            self.backward
        } else {
            Some(self.forward)
        }
    }

    fn reversible(&self) -> bool {
        self.backward.is_some()
    }

    fn atomic(&self) -> bool {
        false
    }
}
