//! What a new migration risks on tables that already hold rows, so makemigrations can warn
//! before anyone runs it: operations that lose data (deleted models and fields, narrowing
//! alterations) and fields made NOT NULL without a default to fill the existing NULLs.
//! Judging only; the wording of the warnings is the front end's.

use crate::migration::Migration;
use crate::operations::Operation;
use crate::state::ProjectState;

/// What a migration's operations risk on a table with rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Risks {
    /// Operations that lose data: deleted models and fields, narrowing alterations.
    pub destructive: Vec<Operation>,
    /// `(model, field)` made NOT NULL without a default to fill existing NULLs.
    pub not_null: Vec<(String, String)>,
}

impl Risks {
    /// Nothing to warn about.
    pub fn is_empty(&self) -> bool {
        self.destructive.is_empty() && self.not_null.is_empty()
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
        if let Operation::AlterField(alter) = op {
            let was_nullable = state
                .model(app, &alter.model)
                .and_then(|m| m.field(&alter.name))
                .is_some_and(|f| f.nullable);
            let f = &alter.field;
            if was_nullable
                && !f.nullable
                && f.default.is_none()
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
}
