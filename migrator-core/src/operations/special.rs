//! Behaviour of the special operations `RunSql` and `RunRust`: they never change the state;
//! here they describe themselves and give their canonical text. Running them is the executor's
//! job, not this module's.

use super::{quote, RunRust, RunSql};

fn quote_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

impl RunSql {
    /// Raw SQL run forwards, with `reverse_sql` run backwards (`None`: irreversible).
    pub fn new(sql: Vec<String>, reverse_sql: Option<Vec<String>>) -> Self {
        Self { sql, reverse_sql }
    }

    pub(super) fn describe(&self) -> String {
        "Raw SQL operation".to_string()
    }

    pub(super) fn canonical_text(&self) -> String {
        format!(
            "RunSql sql={} reverse_sql={}",
            quote_list(&self.sql),
            self.reverse_sql
                .as_deref()
                .map_or_else(|| "None".to_string(), quote_list)
        )
    }
}

impl RunRust {
    pub(super) fn describe(&self) -> String {
        format!("Rust operation {}", self.name)
    }

    pub(super) fn canonical_text(&self) -> String {
        format!(
            "RunRust name={} reversible={}",
            self.name,
            self.backward.is_some()
        )
    }
}
