//! Many-to-many relations (issue 17.1) through the registry and the autodetector: adding a
//! relation creates its join model, removing it deletes it, renaming the relation (by hint
//! or by answered question) or its owner renames the join model, its table and its columns
//! without dropping it; a new target and a switch to or from a `through` model are refused
//! with the manual path.

use migrator_core::autodetector::{detect, DetectError};
use migrator_core::many_to_many::ManyToMany;
use migrator_core::questioner::{Answer, NonInteractiveQuestioner};
use migrator_core::registry::{self, CurrentModels};
use migrator_core::{ModelDefinition, ModelKey, ModelState, ProjectState};

use super::*;

const APP: &str = "shop";

fn product() -> ModelState {
    model(
        APP,
        "Product",
        vec![FieldState::new("name", ColumnType::Text)],
    )
}

fn tag() -> ModelState {
    model(APP, "Tag", vec![FieldState::new("label", ColumnType::Text)])
}

fn label() -> ModelState {
    model(
        APP,
        "Label",
        vec![FieldState::new("text", ColumnType::Text)],
    )
}

/// `ProductTag`: one foreign key to each side and a column of its own.
fn product_tag(table: &str) -> ModelState {
    let mut m = model(
        APP,
        "ProductTag",
        vec![
            fk("product_id", APP, "Product"),
            fk("tag_id", APP, "Tag"),
            FieldState::new("weight", ColumnType::Integer).nullable(),
        ],
    );
    m.table = table.into();
    m
}

/// The current models of `defs` as the registry builds them (join models added).
fn registered(defs: Vec<ModelDefinition>) -> CurrentModels {
    registry::collect(defs.into_iter().map(|d| ("shop::models", d))).expect("registers")
}

/// `model` without relations.
fn plain(model: ModelState) -> ModelDefinition {
    ModelDefinition::new(model)
}

/// `owner` with relations.
fn with(owner: ModelState, relations: Vec<ManyToMany>) -> ModelDefinition {
    let mut def = ModelDefinition::new(owner);
    def.many_to_many = relations;
    def
}

fn tags() -> ManyToMany {
    ManyToMany::new("tags", ModelKey::new(APP, "Tag"))
}

/// The state after `from` with the current models applied: what makemigrations would leave.
fn migrated(from: &ProjectState, to: &CurrentModels) -> ProjectState {
    let (changes, _) = run(from, to, vec![]);
    replay(from, &changes)
}

fn refusal(from: &ProjectState, to: &CurrentModels) -> String {
    match detect(from, to, &mut NonInteractiveQuestioner) {
        Err(e @ DetectError::ManyToMany(_)) => e.to_string(),
        other => panic!("expected a many-to-many refusal, got {other:?}"),
    }
}

#[test]
fn adding_a_relation_creates_its_join_model_and_removing_it_deletes_it() {
    let from = project([product(), tag()]);
    let to = registered(vec![with(product(), vec![tags()]), plain(tag())]);
    let (changes, asked) = run(&from, &to, vec![]);
    assert!(asked.is_empty(), "{asked:?}");
    let ops = ops_of(&changes, APP);
    assert_eq!(descriptions(&ops), ["Create model Product_tags"]);
    let Operation::CreateModel(create) = &ops[0] else {
        panic!("{ops:?}")
    };
    assert_eq!(create.table, "products_tags");
    let columns: Vec<&str> = create.fields.iter().map(|f| f.column.as_str()).collect();
    assert_eq!(columns, ["id", "product_id", "tag_id"]);
    assert_fixpoint(&from, &to, &changes);

    // Removed again: the join model goes, the two models stay.
    let with_tags = replay(&from, &changes);
    let back = registered(vec![plain(product()), plain(tag())]);
    let (changes, _) = run(&with_tags, &back, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, APP)),
        ["Delete model Product_tags"]
    );
    assert_fixpoint(&with_tags, &back, &changes);
}

#[test]
fn a_relation_created_with_its_models_comes_after_both() {
    let to = registered(vec![with(product(), vec![tags()]), plain(tag())]);
    let (changes, _) = run(&ProjectState::new(), &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, APP)),
        [
            "Create model Product",
            "Create model Tag",
            "Create model Product_tags"
        ]
    );
    assert_fixpoint(&ProjectState::new(), &to, &changes);
}

#[test]
fn renaming_a_relation_renames_its_join_model_and_table() {
    let before = registered(vec![with(product(), vec![tags()]), plain(tag())]);
    let from = migrated(&ProjectState::new(), &before);

    // By hint: `renamed_from = "tags"`.
    let to = registered(vec![
        with(
            product(),
            vec![ManyToMany::new("labels", ModelKey::new(APP, "Tag")).renamed_from("tags")],
        ),
        plain(tag()),
    ]);
    let (changes, asked) = run(&from, &to, vec![]);
    assert!(asked.is_empty(), "{asked:?}");
    let described = descriptions(&ops_of(&changes, APP));
    assert_eq!(described[0], "Rename model Product_tags to Product_labels");
    assert!(
        described
            .iter()
            .any(|d| d.contains("products_labels") && d.contains("table")),
        "{described:?}"
    );
    assert!(
        !described
            .iter()
            .any(|d| d.starts_with("Delete model") || d.starts_with("Create model")),
        "{described:?}"
    );
    assert_fixpoint(&from, &to, &changes);

    // Without a hint, the question a field rename would get.
    let unhinted = registered(vec![
        with(
            product(),
            vec![ManyToMany::new("labels", ModelKey::new(APP, "Tag"))],
        ),
        plain(tag()),
    ]);
    let (changes, asked) = run(&from, &unhinted, vec![Answer::Rename(true)]);
    assert_eq!(
        asked[0].prompt(),
        "Did you rename the shop.Product_tags model to Product_labels?"
    );
    assert_eq!(
        descriptions(&ops_of(&changes, APP))[0],
        "Rename model Product_tags to Product_labels"
    );
    assert_fixpoint(&from, &unhinted, &changes);
}

#[test]
fn renaming_the_owner_renames_the_join_model_and_its_column() {
    let before = registered(vec![with(product(), vec![tags()]), plain(tag())]);
    let from = migrated(&ProjectState::new(), &before);
    let mut item = product();
    item.name = "Item".into();
    let mut item = with(item, vec![tags()]);
    item.renamed_from = Some("Product".into());
    let to = registered(vec![item, plain(tag())]);
    let (changes, asked) = run(&from, &to, vec![]);
    assert!(asked.is_empty(), "{asked:?}");
    let described = descriptions(&ops_of(&changes, APP));
    for expected in [
        "Rename model Product to Item",
        "Rename model Product_tags to Item_tags",
        "Rename field product_id on item_tags to item_id",
    ] {
        assert!(
            described.iter().any(|d| d == expected),
            "{expected}: {described:?}"
        );
    }
    assert!(
        !described.iter().any(|d| d.starts_with("Delete model")),
        "{described:?}"
    );
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn renaming_the_owner_by_answered_question_renames_the_join_model_like_the_hint() {
    let before = registered(vec![with(product(), vec![tags()]), plain(tag())]);
    let from = migrated(&ProjectState::new(), &before);
    let mut item = product();
    item.name = "Item".into();
    // No `renamed_from`: the rename is the answer to the question.
    let to = registered(vec![with(item, vec![tags()]), plain(tag())]);
    let (changes, asked) = run(&from, &to, vec![Answer::Rename(true)]);
    let prompts: Vec<String> = asked.iter().map(|q| q.prompt()).collect();
    assert_eq!(
        prompts,
        ["Did you rename the shop.Product model to Item?"],
        "one question, for the owner only"
    );
    let described = descriptions(&ops_of(&changes, APP));
    for expected in [
        "Rename model Product to Item",
        "Rename model Product_tags to Item_tags",
        "Rename field product_id on item_tags to item_id",
    ] {
        assert!(
            described.iter().any(|d| d == expected),
            "{expected}: {described:?}"
        );
    }
    assert!(
        !described
            .iter()
            .any(|d| d.starts_with("Delete model") || d.starts_with("Create model")),
        "the join table is kept, not dropped and created empty: {described:?}"
    );
    assert!(
        !ops_of(&changes, APP).iter().any(Operation::is_destructive),
        "nothing loses data: {described:?}"
    );
    assert_fixpoint(&from, &to, &changes);
    // The answer "no" keeps Django's behaviour: a new model, and the old one deleted.
    let (changes, _) = run(&from, &to, vec![Answer::Rename(false)]);
    let described = descriptions(&ops_of(&changes, APP));
    assert!(
        described.iter().any(|d| d == "Delete model Product_tags")
            && described.iter().any(|d| d == "Create model Item_tags"),
        "{described:?}"
    );
}

#[test]
fn renaming_the_target_by_answered_question_renames_the_join_column_without_asking() {
    let before = registered(vec![with(product(), vec![tags()]), plain(tag())]);
    let from = migrated(&ProjectState::new(), &before);
    let mut kind = tag();
    kind.name = "Kind".into();
    let to = registered(vec![
        with(
            product(),
            vec![ManyToMany::new("tags", ModelKey::new(APP, "Kind"))],
        ),
        plain(kind),
    ]);
    let (changes, asked) = run(&from, &to, vec![Answer::Rename(true)]);
    let prompts: Vec<String> = asked.iter().map(|q| q.prompt()).collect();
    assert_eq!(prompts, ["Did you rename the shop.Tag model to Kind?"]);
    let described = descriptions(&ops_of(&changes, APP));
    for expected in [
        "Rename model Tag to Kind",
        "Rename field tag_id on product_tags to kind_id",
    ] {
        assert!(
            described.iter().any(|d| d == expected),
            "{expected}: {described:?}"
        );
    }
    assert!(
        !ops_of(&changes, APP).iter().any(Operation::is_destructive),
        "{described:?}"
    );
    assert_fixpoint(&from, &to, &changes);
}

#[test]
fn a_new_target_is_refused_with_the_manual_path() {
    let before = registered(vec![
        with(product(), vec![tags()]),
        plain(tag()),
        plain(label()),
    ]);
    let from = migrated(&ProjectState::new(), &before);
    let to = registered(vec![
        with(
            product(),
            vec![ManyToMany::new("tags", ModelKey::new(APP, "Label"))],
        ),
        plain(tag()),
        plain(label()),
    ]);
    let err = refusal(&from, &to);
    assert!(
        err.contains("many-to-many `shop.Product.tags` now points at `shop.Label`"),
        "{err}"
    );
    assert!(err.contains("`shop.Tag`"), "{err}");
    assert!(err.contains("data migration"), "{err}");
}

#[test]
fn switching_to_and_from_a_through_model_is_refused_unless_the_join_table_is_taken_over() {
    let auto = registered(vec![with(product(), vec![tags()]), plain(tag())]);
    let from = migrated(&ProjectState::new(), &auto);
    let through = ManyToMany::new("tags", ModelKey::new(APP, "Tag"))
        .through(ModelKey::new(APP, "ProductTag"));
    let to = registered(vec![
        with(product(), vec![through.clone()]),
        plain(tag()),
        plain(product_tag("product_tags")),
    ]);
    let err = refusal(&from, &to);
    assert!(err.contains("now goes through `shop.ProductTag`"), "{err}");
    assert!(err.contains("renamed_from = \"Product_tags\""), "{err}");

    // Taken over as the message says: the join model is renamed, keeping its rows.
    let mut takes_over = plain(product_tag("products_tags"));
    takes_over.renamed_from = Some("Product_tags".into());
    let to = registered(vec![
        with(product(), vec![through]),
        plain(tag()),
        takes_over,
    ]);
    let (changes, _) = run(&from, &to, vec![]);
    let described = descriptions(&ops_of(&changes, APP));
    assert_eq!(described[0], "Rename model Product_tags to ProductTag");
    assert!(
        !described.iter().any(|d| d.starts_with("Delete model")),
        "{described:?}"
    );
    assert_fixpoint(&from, &to, &changes);

    // From a through model back to an auto-created join model: refused too.
    let err = refusal(&replay(&from, &changes), &auto);
    assert!(
        err.contains("no longer goes through `shop.ProductTag`"),
        "{err}"
    );
}

#[test]
fn a_through_model_must_hold_one_foreign_key_to_each_side() {
    let mut bad = product_tag("product_tags");
    bad.fields.retain(|f| f.name != "tag_id");
    let err = registry::collect(
        [
            with(
                product(),
                vec![tags().through(ModelKey::new(APP, "ProductTag"))],
            ),
            plain(tag()),
            plain(bad),
        ]
        .into_iter()
        .map(|d| ("shop::models", d)),
    )
    .expect_err("a through model without a key to Tag")
    .to_string();
    assert!(
        err.contains(
            "the through model `shop.ProductTag` of many-to-many `shop.Product.tags` needs \
             exactly one foreign key to `shop.Product` (it has 1) and exactly one to \
             `shop.Tag` (it has 0)"
        ),
        "{err}"
    );
    assert!(err.contains("pub tag_id: i64"), "{err}");
}

/// `db_table` (Django's `ManyToManyField.db_table`): the join model takes that table;
/// changing or dropping it later is an `AlterModelTable` of the join model (its unique index,
/// named after the table, renamed), never a delete and create; a join table that is another
/// model's table is refused at collection, naming `db_table` as a way out.
#[test]
fn db_table_names_the_join_table_and_changing_it_renames_the_table() {
    let named = |t: &str| {
        registered(vec![
            with(product(), vec![tags().db_table(t)]),
            plain(tag()),
        ])
    };
    let to = named("product_tag_links");
    let (changes, _) = run(&ProjectState::new(), &to, vec![]);
    let ops = ops_of(&changes, APP);
    let create = ops
        .iter()
        .find_map(|op| match op {
            Operation::CreateModel(c) if c.name == "Product_tags" => Some(c),
            _ => None,
        })
        .expect("the join model is created");
    assert_eq!(create.table, "product_tag_links");
    assert_fixpoint(&ProjectState::new(), &to, &changes);
    let from = replay(&ProjectState::new(), &changes);
    assert_eq!(
        from.model(APP, "Product_tags").unwrap().indexes[0].name,
        "product_tag_links_product_id_tag_id_uniq"
    );

    for (to, table) in [
        (named("links"), "links"),
        (
            registered(vec![with(product(), vec![tags()]), plain(tag())]),
            "products_tags",
        ),
    ] {
        let (changes, asked) = run(&from, &to, vec![]);
        assert!(asked.is_empty(), "{asked:?}");
        let described = descriptions(&ops_of(&changes, APP));
        assert!(
            described
                .iter()
                .any(|d| d == &format!("Rename table of product_tags to {table}")),
            "{described:?}"
        );
        assert!(
            !described
                .iter()
                .any(|d| d.starts_with("Delete model") || d.starts_with("Create model")),
            "{described:?}"
        );
        assert_fixpoint(&from, &to, &changes);
    }

    // Another model's table: refused when the models are collected.
    let mut other = label();
    other.table = "links".into();
    let err = registry::collect(
        [
            with(product(), vec![tags().db_table("links")]),
            plain(tag()),
            plain(other),
        ]
        .into_iter()
        .map(|d| ("shop::models", d)),
    )
    .expect_err("a join table that is a model's table")
    .to_string();
    assert!(
        err.contains("the join table `links` of many-to-many `shop.Product_tags` is the table of model `shop.Label`")
            && err.contains("`db_table = \"…\"` in `many_to_many(...)`"),
        "{err}"
    );
}
