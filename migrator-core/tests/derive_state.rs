//! Behaviour of `#[derive(Model)]`: every attribute compiles, registers, and shows up in the
//! model's state exactly. Compile errors are covered by `ui.rs`; the registry by `registry.rs`.

// The models below exist for their `definition()`; their fields are never read.
#![allow(dead_code)]

use std::collections::BTreeMap;

use migrator_core::field_type::{IntegerDefault, TextDefault};
use migrator_core::{
    Column, ColumnType, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState, Model,
    ModelState, OnDelete, TypeSpec,
};

#[path = "derive_state/composite_foreign_keys.rs"]
mod composite_foreign_keys;
#[path = "derive_state/indexes.rs"]
mod indexes;

/// The app label of models defined in this package (`migrator-core` → `migrator_core`).
const APP: &str = "migrator_core";

/// Books on the shelf.
#[derive(Model)]
#[model(table = "books")]
struct Book {
    id: i64,
    #[model(max_length = 200)]
    title: String,
    #[model(max_length = 100, index)]
    author: String,
}

#[test]
fn seed_book_state() {
    let def = Book::definition();
    let mut expected = ModelState::new(APP, "Book", "books");
    expected.comment = Some("Books on the shelf.".into());
    expected.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("title", ColumnType::Varchar(200)),
        FieldState::new("author", ColumnType::Varchar(100)).index(),
    ];
    assert_eq!(def.state, expected);
    assert_eq!(def.renamed_from, None);
    assert!(def.field_renames.is_empty());
    assert_eq!(Book::APP, APP);
    assert_eq!(Book::NAME, "Book");
    assert_eq!(Book::TABLE, "books");
}

// No doc comment, no `table`: the table is the struct name in snake_case.
#[derive(Model)]
struct PublishingHouse {
    id: i32,
}

#[test]
fn table_defaults_to_snake_case_and_comment_to_none() {
    let state = PublishingHouse::definition().state;
    assert_eq!(state.table, "publishing_house");
    assert_eq!(PublishingHouse::TABLE, "publishing_house");
    assert_eq!(state.comment, None);
    assert_eq!(
        state.fields,
        vec![FieldState::new("id", ColumnType::Integer)
            .primary_key()
            .auto_increment()]
    );
}

/// First line of the comment.
///
///   Second paragraph, indented.
#[derive(Model)]
struct Documented {
    /// The key.
    id: i64,
    /// Two
    /// lines.
    note: Option<String>,
    undocumented: bool,
}

#[test]
fn doc_comments_become_comments() {
    let state = Documented::definition().state;
    assert_eq!(
        state.comment.as_deref(),
        Some("First line of the comment.\n\nSecond paragraph, indented.")
    );
    assert_eq!(state.fields[0].comment.as_deref(), Some("The key."));
    assert_eq!(state.fields[1].comment.as_deref(), Some("Two\nlines."));
    assert_eq!(state.fields[2].comment, None);
    assert!(state.fields[1].nullable);
    assert_eq!(state.fields[1].column_type, ColumnType::Text);
}

// Every built-in column mapping.
#[derive(Model)]
struct AllTypes {
    id: i64,
    small: i16,
    int: i32,
    big: i64,
    real: f32,
    double: f64,
    flag: bool,
    text: String,
    bytes: Vec<u8>,
    maybe_int: Option<i32>,
    #[model(max_length = 20)]
    maybe_short: Option<String>,
    date: chrono::NaiveDate,
    time: chrono::NaiveTime,
    stamp: chrono::NaiveDateTime,
    stamp_tz: chrono::DateTime<chrono::Utc>,
    uuid: uuid::Uuid,
    doc: serde_json::Value,
    amount: rust_decimal::Decimal,
    #[model(precision = 10, scale = 2)]
    price: Option<rust_decimal::Decimal>,
}

#[test]
fn builtin_types_map_to_column_types_and_nullability() {
    let state = AllTypes::definition().state;
    let got: Vec<(&str, ColumnType, bool)> = state
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.column_type.clone(), f.nullable))
        .collect();
    let decimal = |precision, scale| ColumnType::Decimal { precision, scale };
    assert_eq!(
        got,
        vec![
            ("id", ColumnType::BigInt, false),
            ("small", ColumnType::SmallInt, false),
            ("int", ColumnType::Integer, false),
            ("big", ColumnType::BigInt, false),
            ("real", ColumnType::Float, false),
            ("double", ColumnType::Double, false),
            ("flag", ColumnType::Boolean, false),
            ("text", ColumnType::Text, false),
            ("bytes", ColumnType::Blob, false),
            ("maybe_int", ColumnType::Integer, true),
            ("maybe_short", ColumnType::Varchar(20), true),
            ("date", ColumnType::Date, false),
            ("time", ColumnType::Time, false),
            ("stamp", ColumnType::Timestamp, false),
            ("stamp_tz", ColumnType::TimestampTz, false),
            ("uuid", ColumnType::Uuid, false),
            ("doc", ColumnType::Json, false),
            (
                "amount",
                decimal(
                    migrator_core::field_type::DEFAULT_DECIMAL_PRECISION,
                    migrator_core::field_type::DEFAULT_DECIMAL_SCALE
                ),
                false
            ),
            ("price", decimal(10, 2), true),
        ]
    );
    // Only the implicit `id` is a key or auto-increment.
    assert!(state.fields[1..]
        .iter()
        .all(|f| !f.primary_key && !f.auto_increment));
}

/// A user type stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Draft,
    Published,
}

impl Column for Status {
    fn column_type(_spec: &TypeSpec) -> ColumnType {
        ColumnType::Varchar(16)
    }
}

/// Its column holds text, so `default = "draft"` is allowed.
impl TextDefault for Status {}

/// A user type stored as a small integer.
struct Rating(i16);

impl Column for Rating {
    fn column_type(_spec: &TypeSpec) -> ColumnType {
        ColumnType::SmallInt
    }
}

/// Its column holds an integer, so `default = 3` is allowed.
impl IntegerDefault for Rating {}

#[derive(Model)]
struct Post {
    id: i64,
    #[model(default = "draft")]
    status: Status,
    previous_status: Option<Status>,
    #[model(default = 3)]
    rating: Rating,
}

#[test]
fn user_types_implementing_column() {
    let state = Post::definition().state;
    assert_eq!(
        state.fields[1],
        FieldState::new("status", ColumnType::Varchar(16))
            .default(DefaultValue::Text("draft".into()))
    );
    assert_eq!(
        state.fields[2],
        FieldState::new("previous_status", ColumnType::Varchar(16)).nullable()
    );
    assert_eq!(
        state.fields[3],
        FieldState::new("rating", ColumnType::SmallInt).default(DefaultValue::Int(3))
    );
}

/// Every literal kind on every built-in type that takes it (the compile-time check passes);
/// the mismatches are compile errors in `tests/ui/types/default_*.rs`.
#[derive(Model)]
struct Defaults {
    id: i64,
    #[model(default = -2)]
    small: i16,
    #[model(default = 2)]
    float_from_int: f32,
    #[model(default = 0.5)]
    double: Option<f64>,
    #[model(default = 7, precision = 6, scale = 2)]
    decimal_from_int: rust_decimal::Decimal,
    #[model(default = 1.25, precision = 6, scale = 2)]
    decimal: rust_decimal::Decimal,
    #[model(default = "2024-01-31")]
    date: chrono::NaiveDate,
    #[model(default = "12:30:00")]
    time: Option<chrono::NaiveTime>,
    #[model(default = "2024-01-31 12:30:00")]
    timestamp: chrono::NaiveDateTime,
    #[model(default = "2024-01-31T12:30:00Z")]
    timestamp_tz: chrono::DateTime<chrono::Utc>,
    #[model(default = "00000000-0000-0000-0000-000000000000")]
    uuid: uuid::Uuid,
    #[model(default = "{}")]
    json: serde_json::Value,
    #[model(default = false)]
    flag: Option<bool>,
    /// `db_type` spells the column by hand, so its default is not checked against the type.
    #[model(db_type = "INTERVAL", default = "1 day")]
    duration: std::time::Duration,
}

#[test]
fn defaults_of_every_kind_on_the_types_that_take_them() {
    let defaults: Vec<(String, Option<DefaultValue>)> = Defaults::definition()
        .state
        .fields
        .into_iter()
        .skip(1)
        .map(|f| (f.name, f.default))
        .collect();
    let text = |t: &str| Some(DefaultValue::Text(t.into()));
    let float = |t: &str| Some(DefaultValue::Float(t.into()));
    let expected: Vec<(String, Option<DefaultValue>)> = [
        ("small", Some(DefaultValue::Int(-2))),
        ("float_from_int", Some(DefaultValue::Int(2))),
        ("double", float("0.5")),
        ("decimal_from_int", Some(DefaultValue::Int(7))),
        ("decimal", float("1.25")),
        ("date", text("2024-01-31")),
        ("time", text("12:30:00")),
        ("timestamp", text("2024-01-31 12:30:00")),
        ("timestamp_tz", text("2024-01-31T12:30:00Z")),
        ("uuid", text("00000000-0000-0000-0000-000000000000")),
        ("json", text("{}")),
        ("flag", Some(DefaultValue::Bool(false))),
        ("duration", text("1 day")),
    ]
    .into_iter()
    .map(|(n, d)| (n.to_owned(), d))
    .collect();
    assert_eq!(defaults, expected);
}

// Every field attribute on one model.
#[derive(Model)]
#[model(table = "everything")]
struct Everything {
    #[model(primary_key, column = "code_id", max_length = 12)]
    code: String,
    /// Not the key: another field says `primary_key`.
    id: i64,
    #[model(unique)]
    email: String,
    #[model(index, column = "user_name")]
    username: String,
    #[model(default = "n/a")]
    text_default: String,
    #[model(default = 42)]
    int_default: i64,
    #[model(default = -7)]
    negative_default: i32,
    #[model(default = 1.5)]
    float_default: f64,
    #[model(default = -0.25)]
    negative_float_default: f64,
    #[model(default = true)]
    bool_default: bool,
    #[model(default_sql = "CURRENT_TIMESTAMP")]
    created_at: chrono::NaiveDateTime,
    #[model(foreign_key = Book, on_delete = "cascade")]
    book: i64,
    #[model(foreign_key = crate::Book, on_delete = "set_null")]
    maybe_book: Option<i64>,
    #[model(foreign_key = Book, on_delete = "restrict")]
    restricted_book: i64,
    #[model(foreign_key = Book, on_delete = "set_default", default = 1)]
    default_book: i64,
    #[model(foreign_key = Book, on_delete = "no_action")]
    no_action_book: i64,
    #[model(renamed_from = "old_name")]
    new_name: String,
    #[model(skip)]
    cache: std::cell::Cell<Vec<std::rc::Rc<()>>>,
    #[model(db_type = "CITEXT")]
    nickname: String,
    #[model(db_type = "INTERVAL")]
    duration: Option<std::time::Duration>,
    #[model(precision = 12, scale = 4)]
    balance: rust_decimal::Decimal,
}

#[test]
fn every_field_attribute() {
    let def = Everything::definition();
    let state = &def.state;
    let on = |on_delete| Some(ForeignKey::new(APP, "Book", on_delete));
    let expected = vec![
        FieldState::new("code", ColumnType::Varchar(12))
            .column("code_id")
            .primary_key(),
        FieldState::new("id", ColumnType::BigInt)
            .comment("Not the key: another field says `primary_key`."),
        FieldState::new("email", ColumnType::Text).unique(),
        FieldState::new("username", ColumnType::Text)
            .column("user_name")
            .index(),
        FieldState::new("text_default", ColumnType::Text).default(DefaultValue::Text("n/a".into())),
        FieldState::new("int_default", ColumnType::BigInt).default(DefaultValue::Int(42)),
        FieldState::new("negative_default", ColumnType::Integer).default(DefaultValue::Int(-7)),
        FieldState::new("float_default", ColumnType::Double)
            .default(DefaultValue::Float("1.5".into())),
        FieldState::new("negative_float_default", ColumnType::Double)
            .default(DefaultValue::Float("-0.25".into())),
        FieldState::new("bool_default", ColumnType::Boolean).default(DefaultValue::Bool(true)),
        FieldState::new("created_at", ColumnType::Timestamp)
            .default(DefaultValue::Sql("CURRENT_TIMESTAMP".into())),
        // Foreign keys are indexed by default.
        FieldState::new("book", ColumnType::BigInt)
            .index()
            .foreign_key(on(OnDelete::Cascade).unwrap()),
        FieldState::new("maybe_book", ColumnType::BigInt)
            .nullable()
            .index()
            .foreign_key(on(OnDelete::SetNull).unwrap()),
        FieldState::new("restricted_book", ColumnType::BigInt)
            .index()
            .foreign_key(on(OnDelete::Restrict).unwrap()),
        FieldState::new("default_book", ColumnType::BigInt)
            .index()
            .default(DefaultValue::Int(1))
            .foreign_key(on(OnDelete::SetDefault).unwrap()),
        FieldState::new("no_action_book", ColumnType::BigInt)
            .index()
            .foreign_key(on(OnDelete::NoAction).unwrap()),
        FieldState::new("new_name", ColumnType::Text),
        FieldState::new("nickname", ColumnType::Custom("CITEXT".into())),
        FieldState::new("duration", ColumnType::Custom("INTERVAL".into())).nullable(),
        FieldState::new(
            "balance",
            ColumnType::Decimal {
                precision: 12,
                scale: 4,
            },
        ),
    ];
    assert_eq!(state.fields, expected);
    assert_eq!(
        def.field_renames,
        BTreeMap::from([("new_name".to_string(), "old_name".to_string())])
    );
    assert_eq!(
        state
            .primary_key()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["code"]
    );
}

#[derive(Model)]
struct ExplicitAuto {
    #[model(primary_key, auto)]
    number: i32,
    #[model(skip)]
    ignored: (),
}

#[test]
fn explicit_auto_primary_key() {
    let state = ExplicitAuto::definition().state;
    assert_eq!(
        state.fields,
        vec![FieldState::new("number", ColumnType::Integer)
            .primary_key()
            .auto_increment()]
    );
}

// An explicit `primary_key` is not auto-increment unless it says `auto` (Django's
// `IntegerField(primary_key=True)`), even when it is named `id`.
#[derive(Model)]
struct ManualKey {
    #[model(primary_key)]
    id: i64,
}

// An implicit `id` that is not an integer is the key but not auto-increment.
#[derive(Model)]
struct UuidKey {
    id: uuid::Uuid,
}

#[derive(Model)]
struct TextKey {
    #[model(max_length = 32)]
    id: String,
}

#[test]
fn auto_increment_follows_the_column_type() {
    assert_eq!(
        ManualKey::definition().state.fields,
        vec![FieldState::new("id", ColumnType::BigInt).primary_key()]
    );
    assert_eq!(
        UuidKey::definition().state.fields,
        vec![FieldState::new("id", ColumnType::Uuid).primary_key()]
    );
    assert_eq!(
        TextKey::definition().state.fields,
        vec![FieldState::new("id", ColumnType::Varchar(32)).primary_key()]
    );
}

/// Indexes, checks and a model rename.
#[derive(Model)]
#[model(
    table = "loans",
    index(fields = ["book", "borrower"]),
    index(fields = ["borrower"], unique),
    index(fields = ["book", "due"], name = "loans_due", unique),
    check(name = "loans_due_after_start", sql = "due > started"),
    check(name = "loans_book_positive", sql = "book > 0"),
    renamed_from = "Lending"
)]
struct Loan {
    id: i64,
    #[model(foreign_key = Book, on_delete = "cascade", column = "book_id")]
    book: i64,
    #[model(max_length = 100)]
    borrower: String,
    started: chrono::NaiveDate,
    due: chrono::NaiveDate,
}

#[test]
fn indexes_checks_and_model_rename() {
    let def = Loan::definition();
    assert_eq!(def.renamed_from.as_deref(), Some("Lending"));
    // Sorted by name; default names use the columns (`book_id`), fields keep field names.
    assert_eq!(
        def.state.indexes,
        vec![
            IndexState::new("loans_book_id_borrower_idx", ["book", "borrower"], false),
            IndexState::new("loans_borrower_uniq", ["borrower"], true),
            IndexState::new("loans_due", ["book", "due"], true),
        ]
    );
    assert_eq!(
        def.state.constraints,
        vec![
            ConstraintState::check("loans_book_positive", "book > 0"),
            ConstraintState::check("loans_due_after_start", "due > started"),
        ]
    );
}

#[derive(Model)]
#[model(
    table = "a_rather_long_table_name_for_testing",
    index(fields = ["first_quite_long_column", "second_quite_long_column"]),
    index(fields = ["first_quite_long_column", "third_quite_long_column"])
)]
struct LongNames {
    id: i64,
    first_quite_long_column: i32,
    second_quite_long_column: i32,
    third_quite_long_column: i32,
}

#[test]
fn long_default_index_names_are_cut_with_a_stable_hash() {
    let names: Vec<String> = LongNames::definition()
        .state
        .indexes
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names.len(), 2);
    for name in &names {
        assert_eq!(name.len(), 63, "{name}");
        assert!(
            name.starts_with("a_rather_long_table_name_for_testing_first_qui"),
            "{name}"
        );
        assert!(name.ends_with("_idx"), "{name}");
    }
    assert_ne!(names[0], names[1], "same prefix, different hash");
    // Stable across releases (the name is frozen into migrations); sorted by name. The hashes
    // are FNV-1a of the full name, checked independently.
    assert_eq!(
        names,
        [
            "a_rather_long_table_name_for_testing_first_quite_l_1be7cd35_idx",
            "a_rather_long_table_name_for_testing_first_quite_l_369c7c3e_idx",
        ]
    );
}

mod staff {
    use migrator_core::Model;

    /// A self-referencing model in another module.
    #[derive(Model)]
    #[model(table = "employees")]
    pub struct Employee {
        pub id: i64,
        #[model(foreign_key = Self, on_delete = "set_null")]
        pub manager: Option<i64>,
        #[model(foreign_key = super::Book, on_delete = "cascade")]
        pub favourite_book: i64,
    }
}

/// Which foreign keys get their own index: all of them by default, as Django's
/// `ForeignKey(db_index=True)`, except where `index = false` opts out or the column is
/// indexed already (`unique`, the primary key).
#[derive(Model)]
struct FkIndexes {
    #[model(primary_key, foreign_key = Book, on_delete = "cascade")]
    book: i64,
    #[model(foreign_key = Book, on_delete = "cascade")]
    default_indexed: i64,
    #[model(foreign_key = Book, on_delete = "cascade", index = false)]
    opted_out: i64,
    #[model(foreign_key = Book, on_delete = "cascade", index = true)]
    spelled_out: i64,
    #[model(foreign_key = Book, on_delete = "cascade", index)]
    flag: i64,
    #[model(foreign_key = Book, on_delete = "cascade", unique)]
    one_to_one: i64,
    #[model(index = false)]
    plain_opted_out: i64,
    #[model(index = true)]
    plain_indexed: i64,
}

#[test]
fn foreign_keys_are_indexed_unless_opted_out_or_already_indexed() {
    let state = FkIndexes::definition().state;
    let indexed: Vec<(&str, bool)> = state
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.index))
        .collect();
    assert_eq!(
        indexed,
        [
            ("book", false),
            ("default_indexed", true),
            ("opted_out", false),
            ("spelled_out", true),
            ("flag", true),
            ("one_to_one", false),
            ("plain_opted_out", false),
            ("plain_indexed", true),
        ]
    );
    assert!(state.fields[0].primary_key && state.fields[5].unique);
}

#[test]
fn foreign_keys_by_path_and_to_self() {
    let state = staff::Employee::definition().state;
    assert_eq!(
        state.fields[1].foreign_key,
        Some(ForeignKey::new(APP, "Employee", OnDelete::SetNull))
    );
    assert_eq!(
        state.fields[2].foreign_key,
        Some(ForeignKey::new(APP, "Book", OnDelete::Cascade))
    );
}

#[derive(Model)]
struct r#Match {
    id: i64,
    r#type: String,
}

#[test]
fn raw_identifiers_lose_their_prefix() {
    let state = Match::definition().state;
    assert_eq!(state.name, "Match");
    assert_eq!(state.table, "match");
    assert_eq!(state.fields[1].name, "type");
    assert_eq!(state.fields[1].column, "type");
}

#[test]
fn derived_models_are_registered() {
    let regs = migrator_core::registry::registrations();
    let book = regs
        .iter()
        .find(|r| r.app == APP && r.name == "Book")
        .expect("Book is registered");
    assert_eq!(book.table, "books");
    assert_eq!(book.module_path, "derive_state");
    assert_eq!(book.manifest_dir, env!("CARGO_MANIFEST_DIR"));
    assert_eq!(book.definition(), Book::definition());
    let employee = regs
        .iter()
        .find(|r| r.name == "Employee")
        .expect("Employee is registered");
    assert_eq!(employee.module_path, "derive_state::staff");
}

/// Issue 17.4: `condition` makes a partial index (with `unique`, Django's conditional
/// `UniqueConstraint`); the text reaches the state as written.
#[derive(Model)]
#[model(
    table = "memberships",
    index(fields = ["user_id"], unique, name = "memberships_one_active", condition = "ended_at IS NULL"),
    index(fields = ["ended_at"], unique, name = "memberships_one_open", nulls_distinct = false, include = ["user_id"]),
    index(fields = ["ended_at"], condition = "ended_at > '2000-01-01'", method = "hash")
)]
struct Membership {
    id: i64,
    user_id: i64,
    ended_at: Option<i64>,
}

#[test]
fn index_condition_becomes_a_partial_index() {
    let state = Membership::definition().state;
    assert_eq!(
        state.indexes,
        vec![
            IndexState::new("memberships_ended_at_idx", ["ended_at"], false)
                .condition("ended_at > '2000-01-01'")
                .method("hash"),
            IndexState::new("memberships_one_active", ["user_id"], true)
                .condition("ended_at IS NULL"),
            IndexState::new("memberships_one_open", ["ended_at"], true)
                .nulls_distinct(false)
                .include(["user_id"]),
        ]
    );
}

#[derive(Model)]
struct Purchase {
    id: i64,
}

/// A composite key: every listed field is a primary-key column, none auto-increments, a
/// field named `id` is a plain column, and a foreign key in the key gets no index of its
/// own (the key starts with it).
#[derive(Model)]
#[model(primary_key(fields = ["purchase", "line_no"]))]
pub(crate) struct PurchaseLine {
    #[model(foreign_key = Purchase, on_delete = "cascade")]
    purchase: i64,
    line_no: i32,
    id: i64,
}

#[test]
fn a_composite_primary_key_marks_each_listed_field() {
    let state = PurchaseLine::definition().state;
    assert_eq!(
        state.fields,
        [
            FieldState::new("purchase", ColumnType::BigInt)
                .primary_key()
                .foreign_key(ForeignKey::new(APP, "Purchase", OnDelete::Cascade)),
            FieldState::new("line_no", ColumnType::Integer).primary_key(),
            FieldState::new("id", ColumnType::BigInt),
        ]
    );
    assert_eq!(PurchaseLine::PRIMARY_KEY_COLUMNS, 2);
    assert_eq!(Purchase::PRIMARY_KEY_COLUMNS, 1);
}

/// Issue 17.4: `expressions` makes an expression index (Django's `Index(Lower("email"))`,
/// with `unique` its `UniqueConstraint(Lower("email"))`); each text reaches the state as
/// written, in order, with the other options.
#[derive(Model)]
#[model(
    table = "subscribers",
    index(expressions = ["lower(email)"], unique, name = "subscribers_email_ci_uniq"),
    index(expressions = ["coalesce(nick, email)", "id % 16"], name = "subscribers_nick_idx", condition = "nick IS NOT NULL")
)]
struct Subscriber {
    id: i64,
    email: String,
    nick: Option<String>,
}

#[test]
fn index_expressions_become_an_expression_index() {
    let state = Subscriber::definition().state;
    assert_eq!(
        state.indexes,
        vec![
            IndexState::over_expressions("subscribers_email_ci_uniq", ["lower(email)"], true),
            IndexState::over_expressions(
                "subscribers_nick_idx",
                ["coalesce(nick, email)", "id % 16"],
                false
            )
            .condition("nick IS NOT NULL"),
        ]
    );
}

// Many-to-many relations (issue 17.1): struct-level, so the struct stays a plain row.

#[derive(Model)]
#[model(table = "m2m_tags")]
struct Tag {
    id: i64,
}

#[derive(Model)]
#[model(
    table = "m2m_products",
    many_to_many(name = "tags", to = Tag),
    many_to_many(name = "related", to = Self, renamed_from = "similar"),
    many_to_many(name = "labels", to = crate::Tag, through = ProductLabel)
)]
struct Product {
    id: i32,
}

#[derive(Model)]
#[model(table = "m2m_product_labels")]
struct ProductLabel {
    id: i64,
    #[model(foreign_key = Product, on_delete = "cascade")]
    product_id: i32,
    #[model(foreign_key = Tag, on_delete = "cascade")]
    tag_id: i64,
    note: Option<String>,
}

#[test]
fn many_to_many_relations_are_recorded_and_registered_as_join_models() {
    use migrator_core::many_to_many::ManyToMany;
    use migrator_core::{registry, ModelKey};

    let key = |name: &str| ModelKey::new(APP, name);
    let def = Product::definition();
    assert_eq!(def.state.fields.len(), 1, "a relation is not a column");
    assert_eq!(
        def.many_to_many,
        [
            ManyToMany::new("tags", key("Tag")),
            ManyToMany::new("related", key("Product")).renamed_from("similar"),
            ManyToMany::new("labels", key("Tag")).through(key("ProductLabel")),
        ]
    );

    let current = registry::collect(
        [
            Product::definition(),
            Tag::definition(),
            ProductLabel::definition(),
        ]
        .into_iter()
        .map(|d| ("derive_state", d)),
    )
    .unwrap();
    let names: Vec<&str> = current
        .state
        .models
        .keys()
        .map(|k| k.name.as_str())
        .collect();
    // No join model for the relation through `ProductLabel`.
    assert_eq!(
        names,
        [
            "Product",
            "ProductLabel",
            "Product_related",
            "Product_tags",
            "Tag"
        ]
    );
    let tags = current.state.model(APP, "Product_tags").unwrap();
    assert_eq!(tags.table, "m2m_products_tags");
    let fields: Vec<String> = tags.fields.iter().map(FieldState::canonical_text).collect();
    assert_eq!(
        fields,
        [
            "id BIGINT NOT NULL primary_key auto",
            // The key columns take the type of the key they point at.
            "product_id INTEGER NOT NULL fk=migrator_core.Product on_delete=CASCADE",
            "tag_id BIGINT NOT NULL index fk=migrator_core.Tag on_delete=CASCADE",
        ]
    );
    assert_eq!(
        tags.indexes,
        [IndexState::new(
            "m2m_products_tags_product_id_tag_id_uniq",
            ["product_id", "tag_id"],
            true
        )]
    );
    let related = current.state.model(APP, "Product_related").unwrap();
    let columns: Vec<&str> = related.fields.iter().map(|f| f.column.as_str()).collect();
    assert_eq!(columns, ["id", "from_product_id", "to_product_id"]);
    // The renamed relation's join model carries the hint that renames it.
    assert_eq!(
        current.hints[&key("Product_related")]
            .renamed_from
            .as_deref(),
        Some("Product_similar")
    );
    assert_eq!(current.many_to_many[&key("Product")].len(), 3);
}
