//! Issue 17.2: the struct-level `foreign_key(fields = [...], to = …)` becomes a named
//! multi-column foreign-key constraint of the model's state.

use migrator_core::{ColumnType, ConstraintState, FieldState, ForeignKey, Model, OnDelete};

use super::{PurchaseLine, APP};

/// Issue 17.2: a foreign key to a composite key, declared on the struct over ordinary
/// columns (the struct stays a plain row): one named by the derive from the table, the
/// columns and the target's table, one given a name; `Self` as the target.
#[derive(Model)]
#[model(
    table = "line_notes",
    foreign_key(fields = ["purchase_id", "line"], to = PurchaseLine, on_delete = "cascade"),
    foreign_key(
        fields = ["purchase_id", "moved_from"],
        to = PurchaseLine,
        on_delete = "restrict",
        name = "line_notes_moved_fk"
    )
)]
struct LineNote {
    id: i64,
    purchase_id: i64,
    #[model(column = "line_no")]
    line: i32,
    moved_from: i32,
}

#[test]
fn a_struct_level_foreign_key_is_a_named_constraint_to_the_whole_key() {
    let state = LineNote::definition().state;
    assert_eq!(
        state.constraints,
        [
            ConstraintState::foreign_key(
                "line_notes_moved_fk",
                ["purchase_id", "moved_from"],
                ForeignKey::new(APP, "PurchaseLine", OnDelete::Restrict),
            ),
            ConstraintState::foreign_key(
                "line_notes_purchase_id_line_no_fk_purchase_line",
                ["purchase_id", "line"],
                ForeignKey::new(APP, "PurchaseLine", OnDelete::Cascade),
            ),
        ]
    );
    assert_eq!(
        state.fields[1],
        FieldState::new("purchase_id", ColumnType::BigInt)
    );
}
