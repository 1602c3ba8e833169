//! The model descriptor round trip: descriptors written with migrator-descriptor's `Writer`
//! (what `#[derive(Model)]` uses) decode, through `model::build_definition`, into exactly the
//! settings written, for every tag of the format; and a descriptor the decoder cannot read
//! panics naming the model and the fix. The derive's side (attributes → tags) is pinned by the
//! expansion snapshots in migrator-derive and checked end to end by `derive_state.rs`.

use std::collections::{BTreeMap, BTreeSet};

use migrator_core::__private::{build_definition, ColumnInfo, ModelDescriptor, ModelRef};
use migrator_core::many_to_many::ManyToMany;
use migrator_core::ModelKey;
use migrator_core::{
    Column, ColumnType, ConstraintState, DefaultValue, FieldState, ForeignKey, IndexState,
    ModelDefinition, ModelState, OnDelete, TypeSpec,
};
use migrator_descriptor::{self as tag, Writer};

/// A [`Writer`] that remembers which tags and rules it wrote, so the test can prove it covered
/// the whole alphabet.
struct Recorder {
    /// The descriptor being written.
    writer: Writer,
    /// Tags of the stream namespace written so far.
    tags: BTreeSet<u8>,
    /// `on_delete` rules written so far.
    rules: BTreeSet<u8>,
}

impl Recorder {
    fn new() -> Self {
        Self {
            writer: Writer::new(),
            tags: BTreeSet::new(),
            rules: BTreeSet::new(),
        }
    }

    fn flag(&mut self, t: u8) {
        self.tags.insert(t);
        self.writer.flag(t);
    }

    fn text(&mut self, t: u8, value: &str) {
        self.tags.insert(t);
        self.writer.text(t, value);
    }

    fn number(&mut self, t: u8, value: impl Into<i64>) {
        self.tags.insert(t);
        self.writer.number(t, value);
    }

    fn rule(&mut self, t: u8, rule: u8) {
        self.tags.insert(t);
        self.rules.insert(rule);
        self.writer.rule(t, rule);
    }
}

/// A user type whose column type spells the [`TypeSpec`] it was given, so the test sees
/// exactly which `max_length`, `precision` and `scale` reached it.
struct SpecProbe;

impl Column for SpecProbe {
    fn column_type(spec: &TypeSpec) -> ColumnType {
        ColumnType::Custom(format!(
            "probe({:?}, {:?}, {:?})",
            spec.max_length, spec.precision, spec.scale
        ))
    }
}

/// Decodes `meta` as the descriptor of `app.Thing` (table `things`).
fn decode(meta: String, columns: &[ColumnInfo], keys: &[ModelRef]) -> ModelDefinition {
    let descriptor = ModelDescriptor(
        "app",
        "Thing",
        "things",
        meta.leak(),
        columns.to_vec().leak(),
        keys.to_vec().leak(),
    );
    build_definition(&descriptor)
}

/// The target of every foreign key below.
const ORDER: ModelRef = ModelRef {
    app: "shop",
    name: "Order",
    table: "orders",
};

#[test]
fn every_tag_round_trips() {
    let mut w = Recorder::new();
    let mut columns = Vec::new();
    let mut keys = Vec::new();
    // Texts carry the format's own punctuation, digits, multi-byte characters, or nothing.
    w.text(tag::model::COMMENT, "Thing: 1; é");
    w.text(tag::model::RENAMED_FROM, "OldThing");

    w.text(tag::field::NAME, "id");
    columns.push(<i64 as Column>::COLUMN);
    w.flag(tag::field::PRIMARY_KEY);
    w.flag(tag::field::AUTO_IF_INTEGER);

    w.text(tag::field::NAME, "title");
    columns.push(<String as Column>::COLUMN);
    w.text(tag::field::COLUMN, "the_title");
    w.number(tag::field::MAX_LENGTH, 80_u32);
    w.flag(tag::field::UNIQUE);
    w.flag(tag::field::INDEX);
    w.text(tag::field::DEFAULT_TEXT, "a;b:3");
    w.text(tag::field::COMMENT, "");
    w.text(tag::field::RENAMED_FROM, "name");

    w.text(tag::field::NAME, "probe");
    columns.push(<Option<SpecProbe> as Column>::COLUMN);
    w.number(tag::field::MAX_LENGTH, 7_u32);
    w.number(tag::field::PRECISION, 10_u32);
    w.number(tag::field::SCALE, 2_u32);
    w.text(tag::field::DEFAULT_FLOAT, "-2.5e3");

    w.text(tag::field::NAME, "rank");
    columns.push(<i32 as Column>::COLUMN);
    w.flag(tag::field::AUTO);
    w.number(tag::field::DEFAULT_INT, i64::MIN);

    w.text(tag::field::NAME, "hidden");
    columns.push(<bool as Column>::COLUMN);
    w.number(tag::field::DEFAULT_BOOL, 1_u8);

    w.text(tag::field::NAME, "created");
    columns.push(<String as Column>::COLUMN);
    w.text(tag::field::DEFAULT_SQL, "CURRENT_TIMESTAMP");

    w.text(tag::field::NAME, "nick");
    w.text(tag::field::DB_TYPE, "CITEXT");
    w.flag(tag::field::NULLABLE);

    w.text(tag::field::NAME, "total");
    columns.push(<i64 as Column>::COLUMN);
    w.text(tag::field::GENERATED_STORED, "rank * 2");

    w.text(tag::field::NAME, "shout");
    columns.push(<Option<String> as Column>::COLUMN);
    w.text(tag::field::GENERATED_VIRTUAL, "upper(the_title)");

    let rules = [
        (tag::on_delete::CASCADE, OnDelete::Cascade),
        (tag::on_delete::RESTRICT, OnDelete::Restrict),
        (tag::on_delete::SET_NULL, OnDelete::SetNull),
        (tag::on_delete::SET_DEFAULT, OnDelete::SetDefault),
        (tag::on_delete::NO_ACTION, OnDelete::NoAction),
    ];
    for (i, (rule, _)) in rules.iter().enumerate() {
        w.text(tag::field::NAME, &format!("fk{i}"));
        columns.push(<Option<i64> as Column>::COLUMN);
        w.rule(tag::field::FOREIGN_KEY, *rule);
        keys.push(ORDER);
    }

    w.text(tag::index::NAME, "things_rank_title_uniq");
    w.flag(tag::index::UNIQUE);
    w.flag(tag::index::NULLS_NOT_DISTINCT);
    w.text(tag::index::FIELD, "rank");
    w.text(tag::index::FIELD, "title");
    w.text(tag::index::NAME, "things_hidden_idx");
    w.text(tag::index::FIELD, "hidden");
    w.text(tag::index::METHOD, "hash");
    w.text(tag::index::INCLUDE, "rank");
    w.text(tag::index::INCLUDE, "title");
    w.text(tag::index::CONDITION, "hidden = 0 AND rank > 'a;b:'");
    w.text(tag::index::NAME, "things_lower_title_uniq");
    w.flag(tag::index::UNIQUE);
    w.text(tag::index::EXPRESSION, "lower(the_title)");
    w.text(tag::index::EXPRESSION, "rank % 10");

    w.text(tag::check::NAME, "positive");
    w.text(tag::check::SQL, "rank > 0; -- 1:");

    // Relations come last; each takes the next model constant, a through model the one after.
    const TAG: ModelRef = ModelRef {
        app: "shop",
        name: "Tag",
        table: "tags",
    };
    const THING_TAG: ModelRef = ModelRef {
        app: "app",
        name: "ThingTag",
        table: "thing_tags",
    };
    w.text(tag::many_to_many::NAME, "tags");
    keys.push(TAG);
    w.text(tag::many_to_many::RENAMED_FROM, "labels: 1;");
    w.text(tag::many_to_many::DB_TABLE, "thing_tags");
    w.text(tag::many_to_many::NAME, "marks");
    keys.push(TAG);
    w.flag(tag::many_to_many::THROUGH);
    keys.push(THING_TAG);

    // Multi-column foreign keys come after the relations, each taking the next model
    // constant; an empty name is derived from the table, the columns and the target's table.
    const LINE: ModelRef = ModelRef {
        app: "shop",
        name: "Line",
        table: "order_lines",
    };
    w.text(tag::foreign_key::NAME, "");
    w.text(tag::foreign_key::FIELD, "title");
    w.text(tag::foreign_key::FIELD, "rank");
    w.rule(tag::foreign_key::RULE, tag::on_delete::CASCADE);
    keys.push(LINE);
    w.text(tag::foreign_key::NAME, "things_line_fk");
    w.text(tag::foreign_key::FIELD, "rank");
    w.text(tag::foreign_key::FIELD, "title");
    w.rule(tag::foreign_key::RULE, tag::on_delete::SET_NULL);
    keys.push(LINE);

    // The test writes every tag and every rule of the format.
    let every_tag: BTreeSet<u8> = tag::STREAM.iter().flat_map(|s| s.iter().copied()).collect();
    assert_eq!(w.tags, every_tag, "a descriptor tag is not exercised here");
    let every_rule: BTreeSet<u8> = tag::on_delete::ALL.iter().copied().collect();
    assert_eq!(
        w.rules, every_rule,
        "an on_delete rule is not exercised here"
    );

    let def = decode(w.writer.finish(), &columns, &keys);

    let mut expected = ModelState::new("app", "Thing", "things");
    expected.comment = Some("Thing: 1; é".into());
    expected.fields = vec![
        FieldState::new("id", ColumnType::BigInt)
            .primary_key()
            .auto_increment(),
        FieldState::new("title", ColumnType::Varchar(80))
            .column("the_title")
            .unique()
            .index()
            .default(DefaultValue::Text("a;b:3".into()))
            .comment(""),
        FieldState::new(
            "probe",
            ColumnType::Custom("probe(Some(7), Some(10), Some(2))".into()),
        )
        .nullable()
        .default(DefaultValue::Float("-2.5e3".into())),
        FieldState::new("rank", ColumnType::Integer)
            .auto_increment()
            .default(DefaultValue::Int(i64::MIN)),
        FieldState::new("hidden", ColumnType::Boolean).default(DefaultValue::Bool(true)),
        FieldState::new("created", ColumnType::Text)
            .default(DefaultValue::Sql("CURRENT_TIMESTAMP".into())),
        FieldState::new("nick", ColumnType::Custom("CITEXT".into())).nullable(),
        FieldState::new("total", ColumnType::BigInt).generated_stored("rank * 2"),
        FieldState::new("shout", ColumnType::Text)
            .nullable()
            .generated_virtual("upper(the_title)"),
    ];
    for (i, (_, on_delete)) in rules.iter().enumerate() {
        expected.fields.push(
            FieldState::new(format!("fk{i}"), ColumnType::BigInt)
                .nullable()
                .foreign_key(ForeignKey::new("shop", "Order", *on_delete)),
        );
    }
    expected.indexes = vec![
        IndexState::new("things_hidden_idx", ["hidden"], false)
            .method("hash")
            .include(["rank", "title"])
            .condition("hidden = 0 AND rank > 'a;b:'"),
        IndexState::over_expressions(
            "things_lower_title_uniq",
            ["lower(the_title)", "rank % 10"],
            true,
        ),
        IndexState::new("things_rank_title_uniq", ["rank", "title"], true).nulls_distinct(false),
    ];
    expected.constraints = vec![
        ConstraintState::check("positive", "rank > 0; -- 1:"),
        ConstraintState::foreign_key(
            "things_line_fk",
            ["rank", "title"],
            ForeignKey::new("shop", "Line", OnDelete::SetNull),
        ),
        ConstraintState::foreign_key(
            "things_the_title_rank_fk_order_lines",
            ["title", "rank"],
            ForeignKey::new("shop", "Line", OnDelete::Cascade),
        ),
    ];
    assert_eq!(def.state, expected);
    assert_eq!(def.renamed_from.as_deref(), Some("OldThing"));
    assert_eq!(
        def.many_to_many,
        [
            ManyToMany::new("tags", ModelKey::new("shop", "Tag"))
                .renamed_from("labels: 1;")
                .db_table("thing_tags"),
            ManyToMany::new("marks", ModelKey::new("shop", "Tag"))
                .through(ModelKey::new("app", "ThingTag")),
        ]
    );
    assert_eq!(
        def.field_renames,
        BTreeMap::from([("title".to_string(), "name".to_string())])
    );
}

#[test]
fn a_bool_default_of_zero_is_false_and_the_implicit_id_needs_an_integer() {
    let mut w = Writer::new();
    w.text(tag::field::NAME, "id");
    w.flag(tag::field::PRIMARY_KEY);
    w.flag(tag::field::AUTO_IF_INTEGER);
    w.number(tag::field::DEFAULT_BOOL, 0_u8);
    let def = decode(w.finish(), &[<String as Column>::COLUMN], &[]);
    let id = &def.state.fields[0];
    assert!(id.primary_key && !id.auto_increment);
    assert_eq!(id.default, Some(DefaultValue::Bool(false)));
}

/// The panic message of decoding `meta` with one text column and one foreign-key target.
fn panic_of(meta: String) -> String {
    let result = std::panic::catch_unwind(|| {
        decode(meta, &[<String as Column>::COLUMN], &[ORDER]);
    });
    let payload = result.expect_err("the descriptor decoded");
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => (*payload.downcast::<&str>().unwrap()).to_owned(),
    }
}

#[test]
fn an_unreadable_descriptor_panics_naming_the_model_and_the_fix() {
    let cases = [
        (String::from("2"), "unknown format version"),
        (
            {
                let mut w = Writer::new();
                w.text(tag::field::NAME, "f");
                w.rule(tag::field::FOREIGN_KEY, b'z');
                w.finish()
            },
            "an unknown on_delete rule",
        ),
        (
            {
                let mut w = Writer::new();
                w.flag(tag::field::UNIQUE);
                w.finish()
            },
            "a field setting outside a field",
        ),
        (
            {
                let mut w = Writer::new();
                w.flag(tag::index::UNIQUE);
                w.finish()
            },
            "an index setting outside an index",
        ),
        (
            {
                let mut w = Writer::new();
                w.text(tag::check::NAME, "c");
                w.finish()
            },
            "a check without SQL",
        ),
        (
            {
                let mut w = Writer::new();
                w.text(tag::field::NAME, "f");
                w.flag(b'Z');
                w.finish()
            },
            "an unknown tag",
        ),
        (
            {
                let mut w = Writer::new();
                w.text(tag::field::NAME, "f");
                w.text(tag::field::NAME, "g");
                w.finish()
            },
            "fewer column constants than fields",
        ),
        (String::from("1F2:idL8"), "an unterminated value"),
        (String::from("1F2:idL-8;"), "a malformed number"),
    ];
    for (meta, what) in cases {
        let message = panic_of(meta.clone());
        assert!(message.contains(what), "{meta:?}: {message}");
        assert!(message.contains("`Thing`"), "{meta:?}: {message}");
        assert!(
            message.contains("migrator-derive and migrator-core must be the same version")
                && message.contains("cargo update"),
            "{meta:?}: {message}"
        );
    }
}
