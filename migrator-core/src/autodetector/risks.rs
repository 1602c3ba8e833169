//! What a new migration risks on tables that already hold rows, so makemigrations can warn
//! before anyone runs it: operations that lose data (deleted models and fields, narrowing
//! alterations), fields made NOT NULL without a default to fill the existing NULLs, and what a
//! rollback of a removed NOT NULL field refills the column with (or that it cannot).
//! Judging only; the wording of the warnings is the front end's.

use crate::backend::{Backend, SchemaError};
use crate::migration::Migration;
use crate::operations::{rollback_fill, Operation};
use crate::safety::OperationHazards;
use crate::state::{DefaultValue, ProjectState};

/// An operation one of the project's backends cannot run, found while the model can still be
/// changed (rather than when `migrate` reaches that database).
#[derive(Clone, Debug, PartialEq)]
pub struct BackendProblem {
    /// The backend that cannot run it.
    pub backend: Backend,
    /// The operation's description (`Add index … to …`).
    pub operation: String,
    /// What the backend's schema editor said, naming the fix.
    pub message: String,
}

/// What a migration's operations risk on a table with rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Risks {
    /// Operations that lose data: deleted models and fields, narrowing alterations.
    pub destructive: Vec<Operation>,
    /// `(model, field)` made NOT NULL without a default to fill existing NULLs.
    pub not_null: Vec<(String, String)>,
    /// `(model, field, value)`: a removed NOT NULL field without a default that rolling the
    /// migration back re-adds, filling existing rows with `value` (its type's empty value).
    pub rollback_refills: Vec<(String, String, DefaultValue)>,
    /// `(model, field)`: a removed NOT NULL field without a default and without a known empty
    /// value (a key or a custom type): rolling back works only while the table has no rows.
    pub rollback_needs_empty_table: Vec<(String, String)>,
    /// Operations a backend the project targets cannot run ([`backend_problems`]).
    pub backend_problems: Vec<BackendProblem>,
    /// Every operation's safety classification on the project's backends
    /// (`safety::classify_migration`).
    pub hazards: Vec<OperationHazards>,
    /// The digest a data-loss acknowledgement of this migration must carry
    /// (`safety::data_loss_digest`); `None` when nothing in it loses data.
    pub data_loss_digest: Option<String>,
}

impl Risks {
    /// Nothing to warn about.
    pub fn is_empty(&self) -> bool {
        self.destructive.is_empty()
            && self.not_null.is_empty()
            && self.rollback_refills.is_empty()
            && self.rollback_needs_empty_table.is_empty()
            && self.backend_problems.is_empty()
    }
}

/// Walks `migration`'s operations from `before` (the state its ancestors build), judging each
/// against the state just before it.
pub fn risks(migration: &Migration, before: &ProjectState) -> Risks {
    let app = migration.app.as_str();
    let mut state = before.clone();
    let mut risks = Risks::default();
    for (i, op) in migration.operations.iter().enumerate() {
        if op.is_destructive_in(app, &state) {
            risks.destructive.push(op.clone());
        }
        if let Operation::RemoveField(remove) = op {
            let removed = state
                .model(app, &remove.model)
                .and_then(|m| m.field(&remove.name));
            if let Some(f) =
                removed.filter(|f| !f.nullable && f.default.is_none() && f.generated.is_none())
            {
                let at = (remove.model.clone(), remove.name.clone());
                match rollback_fill(f) {
                    Some(value) => risks.rollback_refills.push((at.0, at.1, value)),
                    None if !f.auto_increment => risks.rollback_needs_empty_table.push(at),
                    None => {}
                }
            }
        }
        if let Operation::AlterField(alter) = op {
            let was_nullable = state
                .model(app, &alter.model)
                .and_then(|m| m.field(&alter.name))
                .is_some_and(|f| f.nullable);
            let f = &alter.field;
            if was_nullable
                && !f.nullable
                && f.default.is_none()
                && f.generated.is_none()
                && !(f.primary_key && f.auto_increment)
            {
                risks
                    .not_null
                    .push((alter.model.clone(), alter.name.clone()));
            }
        }
        if op.state_forwards(app, &mut state).is_err() {
            // Cannot happen for detected operations; judge the rest by kind alone.
            risks.destructive.extend(
                migration.operations[i + 1..]
                    .iter()
                    .filter(|o| o.is_destructive())
                    .cloned(),
            );
            break;
        }
    }
    risks
}

/// Computes the SQL of `migration`'s operations (from `before`) on each of `backends`, as
/// `migrate` would, and lists what a backend refuses — an index on an unbounded text column on
/// MySQL/MariaDB, an identifier too long, a foreign key it cannot express. A backend this
/// build of migrator-core does not include is itself a problem, naming the cargo feature.
pub fn backend_problems(
    migration: &Migration,
    before: &ProjectState,
    backends: &[Backend],
) -> Vec<BackendProblem> {
    let app = migration.app.as_str();
    let mut out = Vec::new();
    let mut editors = Vec::new();
    for &backend in backends {
        match backend.editor() {
            Ok(editor) => editors.push((backend, editor)),
            Err(e) => out.push(BackendProblem {
                backend,
                operation: String::new(),
                message: match e {
                    SchemaError::UnsupportedBackend(_) => format!(
                        "{e}: cannot check this migration for it; build migrator with the `{}` feature",
                        backend.features().cargo_feature.unwrap_or("sqlite")
                    ),
                    e => e.to_string(),
                },
            }),
        }
    }
    // Each state is replayed once and every backend's SQL computed from it.
    let mut state = before.clone();
    for op in &migration.operations {
        let mut after = state.clone();
        if op.state_forwards(app, &mut after).is_err() {
            break; // detected operations always apply; nothing more to judge
        }
        for (backend, editor) in &editors {
            if let Err(e) = op.database_forwards(app, &**editor, &state, &after) {
                out.push(BackendProblem {
                    backend: *backend,
                    operation: op.describe(),
                    message: e.to_string(),
                });
            }
        }
        state = after;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::{AlterField, RemoveField, RenameField};
    use crate::{ColumnType, DefaultValue, FieldState, ModelState};

    fn before() -> ProjectState {
        let mut book = ModelState::new("library", "Book", "books");
        book.fields = vec![
            FieldState::new("id", ColumnType::BigInt)
                .primary_key()
                .auto_increment(),
            FieldState::new("title", ColumnType::Varchar(200)),
            FieldState::new("pages", ColumnType::Integer),
            FieldState::new("isbn", ColumnType::Varchar(13)).nullable(),
            FieldState::new("note", ColumnType::Text).nullable(),
        ];
        let mut s = ProjectState::new();
        s.insert(book);
        s
    }

    #[test]
    fn risks_judge_each_operation_against_the_state_just_before_it() {
        let mut m = Migration::new("library", "0002_x");
        m.operations = vec![
            // Narrowing, widening, a type change.
            AlterField::new("Book", FieldState::new("title", ColumnType::Varchar(50))).into(),
            AlterField::new("Book", FieldState::new("pages", ColumnType::BigInt)).into(),
            RenameField::new("Book", "pages", "count").into(),
            AlterField::new("Book", FieldState::new("count", ColumnType::SmallInt)).into(),
            // NULL → NOT NULL: without a default, and with one.
            AlterField::new("Book", FieldState::new("isbn", ColumnType::Varchar(13))).into(),
            AlterField::new(
                "Book",
                FieldState::new("note", ColumnType::Text).default(DefaultValue::Text("-".into())),
            )
            .into(),
            RemoveField::new("Book", "note").into(),
        ];
        let r = risks(&m, &before());
        assert_eq!(
            r.destructive
                .iter()
                .map(Operation::describe)
                .collect::<Vec<_>>(),
            [
                "Alter field title on book",
                "Alter field count on book",
                "Remove field note from book"
            ]
        );
        assert_eq!(r.not_null, [("Book".to_string(), "isbn".to_string())]);
        let none = risks(&Migration::new("library", "0003_empty"), &before());
        assert_eq!(none, Risks::default());
        assert!(none.is_empty());
    }

    #[test]
    fn a_removed_not_null_field_says_what_a_rollback_refills() {
        let mut m = ModelState::new("blog", "Post", "post");
        m.fields = vec![
            FieldState::new("id", ColumnType::BigInt)
                .primary_key()
                .auto_increment(),
            FieldState::new("body", ColumnType::Text),
            FieldState::new("note", ColumnType::Text).nullable(),
            FieldState::new("kind", ColumnType::Custom("citext".into())),
        ];
        let mut before = ProjectState::new();
        before.insert(m);
        let mut migration = Migration::new("blog", "0002_remove");
        for name in ["body", "note", "kind"] {
            migration
                .operations
                .push(Operation::RemoveField(RemoveField::new("Post", name)));
        }
        let r = risks(&migration, &before);
        assert_eq!(
            r.rollback_refills,
            vec![(
                "Post".to_owned(),
                "body".to_owned(),
                DefaultValue::Text(String::new())
            )]
        );
        assert_eq!(
            r.rollback_needs_empty_table,
            vec![("Post".to_owned(), "kind".to_owned())]
        );
    }

    #[test]
    fn an_operation_a_target_backend_refuses_is_reported_before_migrate() {
        let mut m = ModelState::new("blog", "Post", "post");
        m.fields = vec![
            FieldState::new("id", ColumnType::BigInt)
                .primary_key()
                .auto_increment(),
            FieldState::new("body", ColumnType::Text),
        ];
        let mut before = ProjectState::new();
        before.insert(m);
        let mut migration = Migration::new("blog", "0002_index");
        migration
            .operations
            .push(Operation::AddIndex(crate::operations::AddIndex::new(
                "Post",
                crate::IndexState::new("post_body_idx", ["body"], false),
            )));
        assert!(backend_problems(&migration, &before, &[Backend::Sqlite]).is_empty());
        let mysql = backend_problems(&migration, &before, &[Backend::Mysql]);
        assert_eq!(mysql.len(), 1, "{mysql:?}");
        assert_eq!(mysql[0].backend, Backend::Mysql);
        if cfg!(feature = "mysql") {
            assert!(mysql[0].message.contains("body"), "{mysql:?}");
        } else {
            assert!(mysql[0].message.contains("`mysql` feature"), "{mysql:?}");
        }
    }
}
