//! The last pass: each planned model is turned into the [`ModelState`] its source declares,
//! the schema migrator would create for it on this backend is derived
//! (`introspect::expected_schema`, with the models its foreign keys point at), and compared
//! with the projection of the live table. The planning passes flag every difference they
//! make on purpose and apply it to the projection, so any difference found here is one
//! nobody foresaw: it is flagged too, never dropped. A model the backend refuses (an index
//! it cannot build, say) is flagged with the editor's reason.

use std::collections::BTreeMap;

use super::plan::{doc_text, ModelPlan, Planner};
use crate::db_schema::DbSchema;
use crate::state::{ConstraintState, ForeignKey, ModelState, ProjectState};

/// The state the source written for `plan` declares, in app `app`.
pub(crate) fn model_state(plan: &ModelPlan, app: &str) -> ModelState {
    let mut model = ModelState::new(app, &plan.name, &plan.table);
    model.comment = plan.comment.as_deref().map(doc_text);
    model.fields = plan
        .fields
        .iter()
        .map(|f| {
            let mut state = f.state.clone();
            state.comment = state.comment.as_deref().map(doc_text);
            state
        })
        .collect();
    model.indexes = plan.indexes.clone();
    model.constraints = plan
        .checks
        .iter()
        .map(|(name, sql)| ConstraintState::check(name, sql))
        .chain(plan.multi_keys.iter().map(|k| {
            ConstraintState::foreign_key(
                &k.name,
                k.fields.iter().cloned(),
                ForeignKey::new(app, &k.to, k.on_delete),
            )
        }))
        .collect();
    model.normalize();
    model
}

impl Planner<'_> {
    /// Compares every model that is written (not commented out) with its live table and flags
    /// each difference.
    pub(crate) fn verify(&mut self) {
        let states: BTreeMap<String, ModelState> = self
            .models
            .iter()
            .filter(|(_, p)| !p.disabled)
            .map(|(t, p)| (t.clone(), model_state(p, &self.app)))
            .collect();
        let by_name: BTreeMap<&str, &ModelState> =
            states.values().map(|m| (m.name.as_str(), m)).collect();
        let mut flags: Vec<(String, String)> = Vec::new();
        for (table, model) in &states {
            // The model and every model its foreign keys reach.
            let mut state = ProjectState::new();
            let mut todo = vec![model];
            while let Some(m) = todo.pop() {
                if state.model(&m.app, &m.name).is_some() {
                    continue;
                }
                state.insert(m.clone());
                let targets = m
                    .fields
                    .iter()
                    .filter_map(|f| f.foreign_key.as_ref())
                    .chain(m.constraints.iter().filter_map(|c| c.kind.foreign_key()));
                for fk in targets {
                    if let Some(target) = by_name.get(fk.model.as_str()) {
                        todo.push(target);
                    }
                }
            }
            let expected = match crate::introspect::expected_schema(&state, self.backend) {
                Ok(e) => e,
                Err(e) => {
                    flags.push((
                        table.clone(),
                        format!("migrator cannot create this model on {}: {e}", self.backend),
                    ));
                    continue;
                }
            };
            let Some(exp) = expected.tables.get(table).cloned() else {
                continue;
            };
            let mut actual = self
                .projection
                .tables
                .get(table)
                .cloned()
                .unwrap_or_default();
            for (t, name) in &self.accepted_checks {
                if t == table && !actual.checks.iter().any(|c| c.name.as_ref() == Some(name)) {
                    if let Some(c) = exp.checks.iter().find(|c| c.name.as_ref() == Some(name)) {
                        actual.checks.push(c.clone());
                    }
                }
            }
            actual.checks.sort();
            let one = |t| DbSchema {
                tables: [(table.clone(), t)].into_iter().collect(),
            };
            for line in one(actual).diff(&one(exp)) {
                flags.push((
                    table.clone(),
                    format!("the model and the database differ: {line}"),
                ));
            }
        }
        for (table, flag) in flags {
            self.flag_table(&table, flag);
        }
    }
}
