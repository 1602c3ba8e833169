//! The `pairs` part of the random alteration histories (`sqlite_schema.rs` and
//! `server_schema/random_histories.rs`): beside `items` is `pairs`, keyed by two columns;
//! `items` gains, re-rules and drops a two-column foreign key to it, and `pairs` is altered
//! under that foreign key. Each test draws these changes among its own and applies them with
//! its own harness. `APP` is the including test's.

use migrator_core::operations::{
    sql_names_column, AddConstraint, AddField, AlterField, RemoveConstraint, RemoveField,
};
use migrator_core::{
    ColumnType, ConstraintKind, ConstraintState, DefaultValue, FieldState, ForeignKey, ModelState,
    OnDelete, Operation, ProjectState,
};

use crate::APP;

/// A change that reaches `pairs`.
#[derive(Clone, Debug)]
pub enum PairChange {
    /// Two new nullable fields of `items` and a foreign key over them to `pairs` (`rule`
    /// picks its on-delete rule); `items`' first row then points at a pair.
    AddForeignKey { rule: u8 },
    /// The foreign key to `pairs` removed and added again with the next on-delete rule.
    ReRuleForeignKey,
    /// The foreign key to `pairs` removed, with its fields.
    DropForeignKey,
    /// A field of `pairs` added, or its nullability toggled (on SQLite a rebuild of a
    /// referenced table).
    Alter,
}

/// `pairs`: keyed by (`k1` BIGINT, `k2` INTEGER).
pub fn pair_model() -> ModelState {
    let mut m = ModelState::new(APP, "Pair", "pairs");
    m.fields = vec![
        FieldState::new("k1", ColumnType::BigInt).primary_key(),
        FieldState::new("k2", ColumnType::Integer).primary_key(),
    ];
    m
}

/// The on-delete rule of `item`'s foreign key to `pairs` when it names field `name` (the
/// only foreign key `items` keeps as a constraint).
pub fn pair_foreign_key_rule(item: &ModelState, name: &str) -> Option<OnDelete> {
    item.constraints.iter().find_map(|c| {
        c.kind
            .foreign_key()
            .filter(|_| c.kind.fields().iter().any(|f| f == name))
            .map(|to| to.on_delete)
    })
}

fn on_delete(rule: u8) -> OnDelete {
    match rule % 3 {
        0 => OnDelete::Cascade,
        1 => OnDelete::Restrict,
        _ => OnDelete::SetNull,
    }
}

fn add(model: &str, field: FieldState) -> Operation {
    Operation::AddField(AddField::new(model, field))
}

/// The operations of `change` (None for a change that does not reach `pairs`, or when it does
/// not apply). `counter` counts every change, whether it reaches `pairs` or not, once `items`
/// exists; `note` is the type of the field `Alter` adds to `pairs`.
pub fn pair_operations(
    change: Option<&PairChange>,
    state: &ProjectState,
    counter: &mut u32,
    note: ColumnType,
) -> Option<Vec<Operation>> {
    let item = state.model(APP, "Item")?;
    let fk = item
        .constraints
        .iter()
        .find(|c| c.kind.foreign_key().is_some());
    *counter += 1;
    Some(match change? {
        PairChange::AddForeignKey { rule } => {
            if fk.is_some() {
                return None;
            }
            let (a, b) = (format!("pa{counter}"), format!("pb{counter}"));
            let to = ForeignKey::new(APP, "Pair", on_delete(*rule));
            vec![
                add("Item", FieldState::new(&a, ColumnType::BigInt).nullable()),
                add("Item", FieldState::new(&b, ColumnType::Integer).nullable()),
                Operation::AddConstraint(AddConstraint::new(
                    "Item",
                    ConstraintState::foreign_key(format!("item_pair_{counter}"), [a, b], to),
                )),
            ]
        }
        PairChange::ReRuleForeignKey => {
            let fk = fk?;
            let ConstraintKind::ForeignKey { fields, to } = &fk.kind else {
                unreachable!("a foreign key")
            };
            let nullable = fields
                .iter()
                .all(|f| item.field(f).is_some_and(|f| f.nullable));
            let mut to = to.clone();
            to.on_delete = match to.on_delete {
                OnDelete::Cascade => OnDelete::Restrict,
                OnDelete::Restrict if nullable => OnDelete::SetNull,
                _ => OnDelete::Cascade,
            };
            vec![
                Operation::RemoveConstraint(RemoveConstraint::new("Item", fk.name.clone())),
                Operation::AddConstraint(AddConstraint::new(
                    "Item",
                    ConstraintState::foreign_key(fk.name.clone(), fields.clone(), to),
                )),
            ]
        }
        // Its fields go with it: they hold pairs' keys (undoing a removal refills them
        // with NULL or the default 1, which is pair (1, 1)), so no other change writes them.
        PairChange::DropForeignKey => {
            let fk = fk?;
            // Not while a check or an index names them (those would have to go first).
            let named = |f: &String| {
                let column = &item.field(f).expect("field").column;
                item.indexes.iter().any(|i| {
                    i.fields.contains(f)
                        || i.include.contains(f)
                        || i.expressions
                            .iter()
                            .chain(&i.condition)
                            .any(|sql| sql_names_column(sql, column))
                })
            };
            let checked = item
                .constraints
                .iter()
                .any(|c| matches!(c.kind, ConstraintKind::Check(_)));
            if checked || fk.kind.fields().iter().any(named) {
                return None;
            }
            let mut ops = vec![Operation::RemoveConstraint(RemoveConstraint::new(
                "Item",
                fk.name.clone(),
            ))];
            for f in fk.kind.fields() {
                ops.push(Operation::RemoveField(RemoveField::new("Item", f.clone())));
            }
            ops
        }
        PairChange::Alter => {
            let pair = state.model(APP, "Pair")?;
            match pair.fields.iter().find(|f| !f.primary_key) {
                None => vec![add("Pair", FieldState::new("note", note).nullable())],
                Some(f) => {
                    let mut new = f.clone();
                    new.nullable = !f.nullable;
                    new.default = (!new.nullable).then(|| DefaultValue::Text("n".into()));
                    vec![Operation::AlterField(AlterField::new("Pair", new))]
                }
            }
        }
    })
}
