//! Cross-app dependencies: on new and changed models of other apps, foreign keys both ways
//! between new models of two apps, and changes to a model other apps point (or once pointed)
//! at waiting for those apps' migrations.

use std::collections::BTreeMap;

use migrator_core::autodetector::{detect, AppChanges, DetectError};
use migrator_core::operations::{CreateModel, RemoveField};
use migrator_core::questioner::NonInteractiveQuestioner;
use migrator_core::registry::{CurrentModels, ModelHints};
use migrator_core::{ColumnType, FieldState, ForeignKey, ModelState, OnDelete, ProjectState};

use super::{
    assert_fixpoint, book, current, descriptions, fk, model, ops_of, project, run, with_hints,
};

#[test]
fn cross_app_dependencies() {
    let review = model("reviews", "Review", vec![fk("book", "library", "Book")]);
    // Target created in the same run: depends on library's new migration.
    let to = current([book(), review.clone()]);
    let (changes, _) = run(&ProjectState::new(), &to, vec![]);
    assert_eq!(
        changes["reviews"]
            .depends_on_apps
            .iter()
            .collect::<Vec<_>>(),
        ["library"]
    );
    assert!(changes["library"].depends_on_apps.is_empty());

    // Target exists and library has no changes: library's latest migration.
    let from = project([book()]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(changes.len(), 1);
    assert!(changes["reviews"].depends_on_apps.contains("library"));

    // Target exists and library changes too: its previous migration, no cycle.
    let mut b = book();
    b.fields
        .push(FieldState::new("pages", ColumnType::Integer).nullable());
    let to = current([b, review]);
    let (changes, _) = run(&from, &to, vec![]);
    assert!(changes["reviews"].depends_on_apps.is_empty());
    assert!(changes["reviews"].depends_on_previous.contains("library"));
}

#[test]
fn foreign_keys_both_ways_between_new_models_of_two_apps_are_reported() {
    let a = model("shop", "Order", vec![fk("post", "blog", "Post")]);
    let b = model("blog", "Post", vec![fk("order", "shop", "Order")]);
    let err = detect(
        &ProjectState::new(),
        &current([a, b]),
        &mut NonInteractiveQuestioner,
    )
    .unwrap_err();
    assert_eq!(
        err,
        DetectError::CrossAppCycle {
            apps: vec!["blog".into(), "shop".into()]
        }
    );
    assert!(err.to_string().contains("two steps"), "{err}");
}

// --- Changes to a model other apps point at wait for those apps' existing migrations. ---

fn product() -> ModelState {
    model(
        "catalog",
        "Product",
        vec![FieldState::new("name", ColumnType::Varchar(200))],
    )
}

fn order_line() -> ModelState {
    model(
        "orders",
        "OrderLine",
        vec![fk("product", "catalog", "Product")],
    )
}

fn renamed_product() -> CurrentModels {
    let mut item = product();
    item.name = "Item".into();
    item.table = "items".into();
    let mut line = order_line();
    line.fields[1].foreign_key = Some(ForeignKey::new("catalog", "Item", OnDelete::Cascade));
    with_hints(
        current([item, line]),
        ("catalog", "Item"),
        ModelHints {
            renamed_from: Some("Product".into()),
            ..ModelHints::default()
        },
    )
}

/// catalog.0001 creates Product, orders.0001 creates OrderLine pointing at it.
fn shop_history() -> Vec<migrator_core::Migration> {
    use migrator_core::Migration;
    vec![
        Migration::new("catalog", "0001_initial").operation(CreateModel::from_state(&product())),
        Migration::new("orders", "0001_initial")
            .dependency("catalog", "0001_initial")
            .operation(CreateModel::from_state(&order_line())),
    ]
}

/// Replays `history` plus the new migrations in the graph's full plan (ties broken by key, as
/// `migrate` and `makemigrations` do) and detects again: nothing may be left.
fn assert_graph_fixpoint(
    history: Vec<migrator_core::Migration>,
    changes: &BTreeMap<String, AppChanges>,
    to: &CurrentModels,
) {
    use migrator_core::autodetector::arrange;
    use migrator_core::graph::MigrationGraph;
    let graph = MigrationGraph::new(history.clone()).expect("history graph");
    // Named and wired as `makemigrations` does.
    let new = arrange(changes, &graph, &to.state, None).expect("arranged");
    let all: Vec<_> = history.into_iter().chain(new).collect();
    let graph = MigrationGraph::new(all).expect("no cycle, no missing dependency");
    let replayed = graph.project_state().expect("the full plan replays");
    let again = detect(&replayed, to, &mut NonInteractiveQuestioner).expect("second detect");
    assert!(
        again.is_empty(),
        "plan {:?}, second detect: {again:#?}",
        graph.full_plan()
    );
}

#[test]
fn renaming_a_model_another_app_points_at_waits_for_that_apps_migrations() {
    let from = project([product(), order_line()]);
    let to = renamed_product();
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "catalog")),
        [
            "Rename model Product to Item",
            "Rename table of item to items"
        ]
    );
    assert!(
        !changes.contains_key("orders"),
        "the rename carries orders' key along"
    );
    assert_eq!(
        changes["catalog"]
            .depends_on_apps
            .iter()
            .collect::<Vec<_>>(),
        ["orders"],
        "the rename comes after orders' latest migration"
    );
    assert_graph_fixpoint(shop_history(), &changes, &to);
}

#[test]
fn a_rename_and_a_change_in_the_referencing_app_do_not_form_a_cycle() {
    // orders also gets a new migration, and it needs catalog's new one (a new key to the
    // renamed model): catalog's rename then depends on orders' *previous* migration.
    let from = project([product(), order_line()]);
    let mut to = renamed_product();
    to.state
        .model_mut("orders", "OrderLine")
        .unwrap()
        .fields
        .push(fk("replacement", "catalog", "Item").nullable());
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "orders")),
        ["Add field replacement to orderline"]
    );
    assert!(changes["orders"].depends_on_apps.contains("catalog"));
    assert!(changes["catalog"].depends_on_apps.is_empty());
    assert_eq!(
        changes["catalog"]
            .depends_on_previous
            .iter()
            .collect::<Vec<_>>(),
        ["orders"]
    );
    assert_graph_fixpoint(shop_history(), &changes, &to);
}

#[test]
fn a_table_or_primary_key_change_of_a_referenced_model_waits_for_the_referencing_apps() {
    let from = project([product(), order_line()]);

    let mut moved = product();
    moved.table = "products_v2".into();
    let to = current([moved, order_line()]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "catalog")),
        ["Rename table of product to products_v2"]
    );
    assert!(changes["catalog"].depends_on_apps.contains("orders"));
    assert_graph_fixpoint(shop_history(), &changes, &to);

    let mut rekeyed = product();
    rekeyed.fields[0].column_type = ColumnType::Integer;
    let to = current([rekeyed, order_line()]);
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "catalog")),
        ["Alter field id on product"]
    );
    assert!(changes["catalog"].depends_on_apps.contains("orders"));

    let mut renamed_key = product();
    renamed_key.fields[0].name = "code".into();
    renamed_key.fields[0].column = "code".into();
    let mut hints = ModelHints::default();
    hints.field_renames.insert("code".into(), "id".into());
    let to = with_hints(
        current([renamed_key, order_line()]),
        ("catalog", "Product"),
        hints,
    );
    let (changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "catalog")),
        ["Rename field id on product to code"]
    );
    assert!(changes["catalog"].depends_on_apps.contains("orders"));
    assert_graph_fixpoint(shop_history(), &changes, &to);

    // Other changes to the referenced model need nothing from orders.
    let mut wider = product();
    wider.fields[1].column_type = ColumnType::Varchar(250);
    let (changes, _) = run(&from, &current([wider, order_line()]), vec![]);
    assert!(changes["catalog"].depends_on_apps.is_empty());
    assert!(changes["catalog"].depends_on_previous.is_empty());
}

#[test]
fn deleting_a_referenced_model_when_the_referencing_app_needs_the_deleting_one_is_refused() {
    // reviews drops its key to library.Writer but adds one to the new library.Author: reviews'
    // new migration needs library's, and library's delete of Writer must follow reviews' (a
    // model cannot be deleted while a foreign key points at it): no order works, so
    // makemigrations says how to make it in two steps instead of writing migrations that do
    // not replay.
    let writer = model("library", "Writer", vec![]);
    let review = model("reviews", "Review", vec![fk("writer", "library", "Writer")]);
    let from = project([writer, review]);
    let author = model("library", "Author", vec![]);
    let to = current([
        author,
        model(
            "reviews",
            "Review",
            vec![fk("author", "library", "Author").nullable()],
        ),
    ]);
    let err = detect(&from, &to, &mut NonInteractiveQuestioner).unwrap_err();
    assert!(
        matches!(&err, DetectError::DeleteCycle { app, waits_for } if app == "library" && waits_for == "reviews"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("first remove (or re-point) the foreign keys of 'reviews'"),
        "{text}"
    );
    // The first step alone (reviews lets go of Writer) works, and so does the second.
    let step1 = current([
        model("library", "Writer", vec![]),
        model("reviews", "Review", vec![]),
    ]);
    let (changes, _) = run(&from, &step1, vec![]);
    let middle = super::replay(&from, &changes);
    let (changes, _) = run(&middle, &to, vec![]);
    assert_fixpoint(&middle, &to, &changes);
}

#[test]
fn an_app_that_once_pointed_at_a_renamed_or_deleted_model_is_waited_for_too() {
    use migrator_core::autodetector::add_history_dependencies;
    use migrator_core::graph::MigrationGraph;
    use migrator_core::Migration;
    // orders.0002 dropped its key to Product: the current state has no reference, but
    // replaying orders.0001 after Product is gone would break it.
    let mut history = shop_history();
    history.push(
        Migration::new("orders", "0002_remove_orderline_product")
            .dependency("orders", "0001_initial")
            .operation(RemoveField::new("OrderLine", "product")),
    );
    let graph = MigrationGraph::new(history.clone()).unwrap();
    let from = graph.project_state().unwrap();
    let mut item = product();
    item.name = "Item".into();
    let line = model("orders", "OrderLine", vec![]);
    let to = with_hints(
        current([item, line.clone()]),
        ("catalog", "Item"),
        ModelHints {
            renamed_from: Some("Product".into()),
            ..ModelHints::default()
        },
    );
    let (mut changes, _) = run(&from, &to, vec![]);
    assert!(
        changes["catalog"].depends_on_apps.is_empty(),
        "nothing in the state"
    );
    add_history_dependencies(&mut changes, &graph);
    assert_eq!(
        changes["catalog"]
            .depends_on_apps
            .iter()
            .collect::<Vec<_>>(),
        ["orders"]
    );
    assert_graph_fixpoint(history.clone(), &changes, &to);

    // catalog deletes Product while orders changes in the same run: orders' previous
    // migration, not its new one.
    let mut line = line;
    line.fields
        .push(FieldState::new("note", ColumnType::Text).nullable());
    let to = current([line]);
    let (mut changes, _) = run(&from, &to, vec![]);
    assert_eq!(
        descriptions(&ops_of(&changes, "catalog")),
        ["Delete model Product"]
    );
    add_history_dependencies(&mut changes, &graph);
    assert!(changes["catalog"].depends_on_apps.is_empty());
    assert_eq!(
        changes["catalog"]
            .depends_on_previous
            .iter()
            .collect::<Vec<_>>(),
        ["orders"]
    );
    assert_graph_fixpoint(history, &changes, &to);

    // A rename of a model nobody ever pointed at adds nothing.
    let graph =
        MigrationGraph::new(vec![Migration::new("catalog", "0001_initial")
            .operation(CreateModel::from_state(&product()))])
        .unwrap();
    let mut item = product();
    item.name = "Item".into();
    let to = with_hints(
        current([item]),
        ("catalog", "Item"),
        ModelHints {
            renamed_from: Some("Product".into()),
            ..ModelHints::default()
        },
    );
    let (mut changes, _) = run(&graph.project_state().unwrap(), &to, vec![]);
    add_history_dependencies(&mut changes, &graph);
    assert!(changes["catalog"].depends_on_apps.is_empty());
    assert!(changes["catalog"].depends_on_previous.is_empty());
}

/// Issue 20.4: `makemigrations reviews --noinput` is not stopped by a NOT NULL field added
/// without a default in `library`, an app nobody asked for; nothing is asked about it. When a
/// requested app needs the other app's new migration, the other app's question is asked after
/// all (and only once).
#[test]
fn questions_about_apps_not_asked_for_are_not_asked() {
    use migrator_core::autodetector::{changes, Options};
    use migrator_core::graph::MigrationGraph;
    use migrator_core::migration::Migration;
    use migrator_core::questioner::{Answer, Question, ScriptedQuestioner};
    use migrator_core::DefaultValue;

    let review = model("reviews", "Review", vec![]);
    let graph = MigrationGraph::new(vec![
        Migration::new("library", "0001_initial").operation(CreateModel::from_state(&book())),
        Migration::new("reviews", "0001_initial").operation(CreateModel::from_state(&review)),
    ])
    .unwrap();
    let mut book_now = book();
    book_now
        .fields
        .push(FieldState::new("pages", ColumnType::Integer));
    let mut review_now = review.clone();
    review_now
        .fields
        .push(FieldState::new("stars", ColumnType::Integer).nullable());
    let to = current([book_now.clone(), review_now]);
    let reviews_only = Options {
        apps: vec!["reviews".into()],
        ..Options::default()
    };

    let planned = changes(&graph, &to, &mut NonInteractiveQuestioner, &reviews_only)
        .expect("library's pending NOT NULL field does not stop reviews");
    assert_eq!(planned.apps(), ["reviews"]);
    let mut q = ScriptedQuestioner::new([]);
    changes(&graph, &to, &mut q, &reviews_only).unwrap();
    assert!(q.asked.is_empty(), "{:?}", q.asked);
    // Every app: the question is asked, and --noinput refuses.
    assert!(changes(
        &graph,
        &to,
        &mut NonInteractiveQuestioner,
        &Options::default()
    )
    .is_err());

    // reviews now points at a new model of library: library's new migration is needed, so
    // its question is asked — once, though detection runs twice.
    let mut review_fk = review.clone();
    review_fk
        .fields
        .push(fk("shelf", "library", "Shelf").nullable());
    let shelf = model("library", "Shelf", vec![]);
    let to = current([book_now, shelf, review_fk]);
    let mut q = ScriptedQuestioner::new([Answer::Default(DefaultValue::Int(0))]);
    let planned = changes(&graph, &to, &mut q, &reviews_only).unwrap();
    assert_eq!(planned.apps(), ["library", "reviews"]);
    assert_eq!(q.asked.len(), 1, "{:?}", q.asked);
    assert!(matches!(q.asked[0], Question::NotNullAddition { .. }));
    assert!(
        !format!("{:?}", planned.migrations[0].migration.operations).contains("one-off default"),
        "the placeholder never reaches a migration"
    );
}
