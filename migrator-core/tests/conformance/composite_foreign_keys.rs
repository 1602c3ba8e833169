//! Foreign keys to a composite primary key (a multi-column `ConstraintKind::ForeignKey`):
//! added by the autodetector to a table with rows, enforced, its `ON DELETE` observed, its
//! on-delete rule changed, the target model and a referencing field renamed under it, down
//! and up again with the rows kept, the database equal to the state after every step.

use std::collections::BTreeMap;

use crate::conformance_support::*;
use migrator_core::autodetector::detect;
use migrator_core::backend::Backend;
use migrator_core::operations::{RenameField, RenameModel};
use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::registry::CurrentModels;
use migrator_core::state::ConstraintState;
use migrator_core::{
    ColumnType, FieldState, ForeignKey, ModelState, OnDelete, Operation, ProjectState,
};

const FK: &str = "notes_order_id_line_no_fk_order_lines";

fn order() -> ModelState {
    let mut m = ModelState::new(APP, "Order", "orders");
    m.fields = vec![FieldState::new("id", ColumnType::BigInt)
        .primary_key()
        .auto_increment()];
    m
}

fn line() -> ModelState {
    let mut m = ModelState::new(APP, "OrderLine", "order_lines");
    m.fields = vec![
        FieldState::new("order_id", ColumnType::BigInt)
            .primary_key()
            .foreign_key(ForeignKey::new(APP, "Order", OnDelete::Cascade)),
        FieldState::new("line_no", ColumnType::Integer).primary_key(),
        FieldState::new("qty", ColumnType::Integer),
    ];
    m
}

/// `notes`, whose (`order_id`, `line_no`) point at `order_lines` when `on_delete` is given.
fn note(target: &str, line_field: &str, on_delete: Option<OnDelete>) -> ModelState {
    let mut m = ModelState::new(APP, "Note", "notes");
    m.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("order_id", ColumnType::BigInt),
        FieldState::new(line_field, ColumnType::Integer),
        FieldState::new("body", ColumnType::Text),
    ];
    if let Some(on_delete) = on_delete {
        m.constraints = vec![ConstraintState::foreign_key(
            FK,
            ["order_id", line_field],
            ForeignKey::new(APP, target, on_delete),
        )];
    }
    m
}

/// The operations `makemigrations` writes to turn the migrated state into `models`.
fn detected(state: &ProjectState, models: Vec<ModelState>) -> Vec<Operation> {
    let mut to = state.clone();
    for m in models {
        to.insert(m);
    }
    let current = CurrentModels {
        state: to,
        hints: BTreeMap::new(),
        ..CurrentModels::default()
    };
    let changes = detect(state, &current, &mut NonInteractiveQuestioner).expect("detect");
    changes[APP].operations.clone()
}

pub(super) fn composite_foreign_key_round_trip(backend: Backend) {
    let mut cx = Ctx::new(backend);
    cx.forwards(&create(&order()));
    cx.forwards(&create(&line()));
    cx.forwards(&create(&note("OrderLine", "line_no", None)));
    cx.exec("INSERT INTO orders (id) VALUES (1), (2)");
    cx.exec(
        "INSERT INTO order_lines (order_id, line_no, qty) VALUES (1, 1, 5), (1, 2, 1), (2, 1, 7)",
    );
    cx.exec(
        "INSERT INTO notes (id, order_id, line_no, body) VALUES (1, 1, 1, 'a'), (2, 1, 2, 'b'), \
         (3, 2, 1, 'c')",
    );
    let cols = ["id", "order_id", "line_no", "body"];
    let notes = |cx: &mut Ctx| cx.rows("notes", &cols, "id");

    // Step 4: the autodetector adds the foreign key to the table with rows.
    let ops = detected(
        &cx.state,
        vec![note("OrderLine", "line_no", Some(OnDelete::Cascade))],
    );
    assert!(
        matches!(ops.as_slice(), [Operation::AddConstraint(_)]),
        "{ops:#?}"
    );
    let sql = cx.migrate_ops(ops).join("\n");
    assert!(sql.contains("FOREIGN KEY"), "{sql}");
    let fks = &cx.introspect().tables["notes"].multi_foreign_keys;
    assert_eq!(fks.len(), 1, "{fks:#?}");
    assert_eq!(fks[0].columns, ["order_id", "line_no"]);
    assert_eq!(fks[0].to_columns, ["order_id", "line_no"]);
    assert_eq!(fks[0].table, "order_lines");
    assert_eq!(notes(&mut cx), ["1|1|1|a", "2|1|2|b", "3|2|1|c"]);
    let orphan = "INSERT INTO notes (id, order_id, line_no, body) VALUES (9, 2, 2, 'x')";
    assert!(
        cx.try_exec(orphan).is_err(),
        "the foreign key is not enforced"
    );
    // ON DELETE CASCADE on both columns.
    cx.exec("DELETE FROM order_lines WHERE order_id = 2 AND line_no = 1");
    assert_eq!(notes(&mut cx), ["1|1|1|a", "2|1|2|b"]);

    // Step 5: RESTRICT instead (the constraint is dropped and added back).
    let ops = detected(
        &cx.state,
        vec![note("OrderLine", "line_no", Some(OnDelete::Restrict))],
    );
    cx.migrate_ops(ops);
    assert_eq!(
        cx.introspect().tables["notes"].multi_foreign_keys[0].on_delete,
        "RESTRICT"
    );
    let delete = "DELETE FROM order_lines WHERE order_id = 1 AND line_no = 1";
    assert!(
        cx.try_exec(delete).is_err(),
        "ON DELETE RESTRICT is not kept"
    );

    // Step 6: the target model and a referencing field renamed under the key.
    cx.migrate_ops(vec![
        RenameModel {
            old_name: "OrderLine".into(),
            new_name: "Line".into(),
        }
        .into(),
        RenameField::new("Note", "line_no", "line").into(),
    ]);
    let model = &cx.state.models[&migrator_core::state::ModelKey::new(APP, "Note")];
    assert_eq!(
        model.constraints,
        [ConstraintState::foreign_key(
            FK,
            ["order_id", "line"],
            ForeignKey::new(APP, "Line", OnDelete::Restrict)
        )]
    );
    assert_eq!(
        cx.rows("notes", &["id", "order_id", "line", "body"], "id"),
        ["1|1|1|a", "2|1|2|b"]
    );
    assert!(
        cx.try_exec(delete).is_err(),
        "the key is lost in the renames"
    );
    let orphan = "INSERT INTO notes (id, order_id, line, body) VALUES (9, 2, 2, 'x')";
    assert!(cx.try_exec(orphan).is_err());

    // Down before the foreign key and up again: rows kept, the schema equal to each state.
    cx.back_to(3);
    assert_eq!(notes(&mut cx), ["1|1|1|a", "2|1|2|b"]);
    assert!(cx.introspect().tables["notes"]
        .multi_foreign_keys
        .is_empty());
    cx.up_again();
    assert_eq!(
        cx.rows("notes", &["id", "order_id", "line", "body"], "id"),
        ["1|1|1|a", "2|1|2|b"]
    );
    assert!(cx.try_exec(delete).is_err());

    // Removed by the autodetector: the rows stay, the key is gone.
    let ops = detected(&cx.state, vec![note("Line", "line", None)]);
    assert!(
        matches!(ops.as_slice(), [Operation::RemoveConstraint(_)]),
        "{ops:#?}"
    );
    cx.migrate_ops(ops);
    cx.exec("INSERT INTO notes (id, order_id, line, body) VALUES (9, 2, 2, 'x')");
}
