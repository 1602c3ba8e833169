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

/// A many-to-many relation to a model keyed by two columns goes through a join model the
/// user writes (the derive refuses one without `through`); its struct-level foreign key is
/// its one foreign key to that side.
#[derive(Model)]
#[model(
    table = "line_tags",
    many_to_many(name = "lines", to = PurchaseLine, through = LineTagging)
)]
struct LineTag {
    id: i64,
}

#[derive(Model)]
#[model(
    table = "line_taggings",
    foreign_key(fields = ["purchase", "line_no"], to = PurchaseLine, on_delete = "cascade")
)]
struct LineTagging {
    id: i64,
    #[model(foreign_key = LineTag, on_delete = "cascade")]
    tag_id: i64,
    purchase: i64,
    line_no: i32,
}

#[test]
fn a_many_to_many_to_a_composite_key_goes_through_a_model_with_a_struct_level_foreign_key() {
    use migrator_core::registry;

    let definitions = |tag: migrator_core::ModelDefinition| {
        [
            tag,
            LineTagging::definition(),
            PurchaseLine::definition(),
            super::Purchase::definition(),
        ]
        .into_iter()
        .map(|d| ("derive_state", d))
    };
    let current = registry::collect(definitions(LineTag::definition())).unwrap();
    let names: Vec<&str> = current
        .state
        .models
        .keys()
        .map(|k| k.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["LineTag", "LineTagging", "Purchase", "PurchaseLine"]
    );

    // Without `through` (a definition the derive never writes), collecting refuses it too.
    let mut tag = LineTag::definition();
    tag.many_to_many[0].through = None;
    let e = registry::collect(definitions(tag)).unwrap_err().to_string();
    assert!(
        e.contains(
            "`migrator_core.LineTag.lines` needs `migrator_core.PurchaseLine` to have exactly one"
        ) && e.contains("foreign_key(fields = [...], to = PurchaseLine)")
            && e.contains("`through = …`"),
        "{e}"
    );
}
