//! The [`Model`] trait that `#[derive(Model)]` implements, and [`ModelDefinition`]: a model's
//! state plus the rename hints that only the current code (never a migration) carries.
//!
//! Registration lives in `registry.rs`; this module only says what a model is.
//!
//! The last section holds the static descriptor `#[derive(Model)]` emits ([`ModelDescriptor`]:
//! names, one encoded string and two short arrays of constants) and [`build_definition`], the
//! one non-generic function that decodes a descriptor into a [`ModelDefinition`]. The derive
//! writes as little code as it can and this module does the work once, so a crate with many
//! models stays cheap to compile. They are reached through `migrator_core::__private` and are
//! not a public API.

use std::collections::BTreeMap;

use migrator_descriptor::{self as tag, ReadError, Reader};

use crate::field_type::{ColumnInfo, ColumnType, TypeSpec};
use crate::many_to_many::ManyToMany;
use crate::state::{
    ConstraintState, DefaultValue, FieldState, ForeignKey, Generated, IndexState, ModelState,
    OnDelete,
};

/// A struct that maps to a table. Implemented by `#[derive(Model)]`; not meant to be
/// implemented by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "`foreign_key` must name a struct with `#[derive(Model)]`",
    note = "add `#[derive(migrator_core::Model)]` to `{Self}`, or point `foreign_key` at a model"
)]
pub trait Model {
    /// The app label: the defining crate's package name, `-` replaced by `_`.
    const APP: &'static str;
    /// The model name (the struct's name).
    const NAME: &'static str;
    /// The table name.
    const TABLE: &'static str;
    /// What `#[derive(Model)]` recorded about the model (see [`build_definition`]).
    #[doc(hidden)]
    const DESCRIPTOR: &'static ModelDescriptor;

    /// The model's state and rename hints.
    fn definition() -> ModelDefinition {
        build_definition(Self::DESCRIPTOR)
    }

    /// How many columns the primary key has: more than one for a composite
    /// `#[model(primary_key(fields = [...]))]`, which the derive sets. A foreign key field
    /// checks its target has one at compile time. Not meant to be overridden.
    #[doc(hidden)]
    const PRIMARY_KEY_COLUMNS: usize = 1;

    /// The model's app label and name in one constant: how a foreign key in generated code
    /// names its target. Not meant to be overridden.
    #[doc(hidden)]
    const KEY: ModelRef = ModelRef {
        app: Self::APP,
        name: Self::NAME,
        table: Self::TABLE,
    };
}

/// The target of `many_to_many(to = …)`: every model. Only its diagnostic differs from
/// [`Model`]'s, so a path that is not a model is reported as such at `to`. Generated code only.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "`many_to_many(to = …)` must name a struct with `#[derive(Model)]`",
    note = "add `#[derive(migrator_core::Model)]` to `{Self}`, or point `to` at a model"
)]
pub trait ManyToManyTarget {
    /// The model's app label and name.
    const KEY: ModelRef;
    /// How many columns the model's primary key has (a relation without `through` needs 1).
    const PRIMARY_KEY_COLUMNS: usize;
}

impl<T: Model> ManyToManyTarget for T {
    const KEY: ModelRef = T::KEY;
    const PRIMARY_KEY_COLUMNS: usize = T::PRIMARY_KEY_COLUMNS;
}

/// The join model of `many_to_many(through = …)`: every model (whether it holds one foreign
/// key to each side is checked at start-up, where every model is known). Generated code only.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "`many_to_many(through = …)` must name a struct with `#[derive(Model)]`",
    note = "the through model is an ordinary model with one foreign key to each side: add \
            `#[derive(migrator_core::Model)]` to `{Self}`"
)]
pub trait ThroughModel {
    /// The model's app label and name.
    const KEY: ModelRef;
}

impl<T: Model> ThroughModel for T {
    const KEY: ModelRef = T::KEY;
}

/// What the current code says about one model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelDefinition {
    /// The model's schema.
    pub state: ModelState,
    /// `#[model(renamed_from = "Old")]` on the struct: the model's previous name.
    pub renamed_from: Option<String>,
    /// `#[model(renamed_from = "old")]` on fields: new field name → previous field name.
    pub field_renames: BTreeMap<String, String>,
    /// Field name → the diesel SQL type its Rust type names ([`crate::Column::DIESEL_SQL_TYPE`]),
    /// for the fields whose type sets one.
    pub diesel_sql_types: BTreeMap<String, String>,
    /// `many_to_many(...)` on the struct: the model's many-to-many relations, in order (not
    /// columns: the registry turns each one without `through` into a join model).
    pub many_to_many: Vec<ManyToMany>,
}

impl ModelDefinition {
    /// A definition with no rename hints.
    pub fn new(state: ModelState) -> Self {
        Self {
            state,
            renamed_from: None,
            field_renames: BTreeMap::new(),
            diesel_sql_types: BTreeMap::new(),
            many_to_many: Vec::new(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Static descriptors emitted by `#[derive(Model)]` (generated code only).
// ---------------------------------------------------------------------------------------------

/// A model's app label and name ([`Model::KEY`]): how a descriptor names a foreign key's
/// target.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct ModelRef {
    /// App label.
    pub app: &'static str,
    /// Model name.
    pub name: &'static str,
    /// Table name (what a multi-column foreign key's derived name is made of).
    pub table: &'static str,
}

impl ModelRef {
    /// The model's key.
    pub fn key(&self) -> crate::state::ModelKey {
        crate::state::ModelKey::new(self.app, self.name)
    }
}

/// One model as `#[derive(Model)]` describes it: app label, name, table, the encoded rest
/// (in the migrator-descriptor crate's format, read by [`build_definition`]), then the [`ColumnInfo`] of every field without
/// `db_type` and the [`ModelRef`] of every foreign key, both in field order, the latter
/// followed by the target (and through model) of every many-to-many relation, in order.
#[doc(hidden)]
#[derive(Debug)]
pub struct ModelDescriptor(
    pub &'static str,
    pub &'static str,
    pub &'static str,
    pub &'static str,
    pub &'static [ColumnInfo],
    pub &'static [ModelRef],
);

/// Builds a model's definition from its descriptor. Generated code only.
///
/// The descriptor string's format (its version, every tag and how values are written) is
/// defined once, in the migrator-descriptor crate, which migrator-derive writes it with. In
/// short: the model's settings, then a section per field (`field::NAME`; a field with
/// `db_type` takes no [`ColumnInfo`], a foreign key takes the next [`ModelRef`]), per index
/// and per check constraint. This function gives each tag its meaning.
///
/// # Panics
///
/// On a descriptor this version cannot read, which only a `migrator-derive` of another version
/// than this `migrator-core` writes (the two are released together and pin each other).
#[doc(hidden)]
pub fn build_definition(model: &ModelDescriptor) -> ModelDefinition {
    let ModelDescriptor(app, name, table, meta, columns, keys) = *model;
    let mut d = Decoder {
        model: name,
        reader: Reader::new(meta).unwrap_or_else(|e| d_corrupt(name, &e.to_string())),
    };
    let mut columns = columns.iter();
    let mut keys = keys.iter();
    let mut state = ModelState::new(app, name, table);
    let mut renamed_from = None;
    let mut field_renames = BTreeMap::new();
    let mut diesel_sql_types = BTreeMap::new();
    let mut many_to_many: Vec<ManyToMany> = Vec::new();
    // Multi-column foreign keys: name (empty: derived), fields, rule, target.
    let mut composite: Vec<(String, Vec<String>, OnDelete, &ModelRef)> = Vec::new();
    let mut field: Option<FieldSpec> = None;
    let mut end_field = |field: &mut Option<FieldSpec>, state: &mut ModelState| {
        if let Some(spec) = field.take() {
            let info = match spec.db_type {
                Some(_) => None,
                None => Some(
                    *columns
                        .next()
                        .unwrap_or_else(|| d_corrupt(name, "fewer column constants than fields")),
                ),
            };
            if let Some(path) = info.and_then(|i| i.diesel_sql_type) {
                diesel_sql_types.insert(spec.state.name.clone(), path.to_owned());
            }
            let field = spec.build(info);
            if let Some(values) = info.and_then(|i| i.choices) {
                state.constraints.push(ConstraintState::check(
                    migrator_descriptor::names::choices_check(&state.table, &field.column),
                    crate::model_enum::choices_sql(&field.column, values),
                ));
            }
            state.fields.push(field);
        }
    };
    while let Some(t) = d.reader.next_tag() {
        match t {
            tag::model::COMMENT => state.comment = Some(d.text().to_owned()),
            tag::model::RENAMED_FROM => renamed_from = Some(d.text().to_owned()),
            tag::field::NAME => {
                end_field(&mut field, &mut state);
                field = Some(FieldSpec::new(d.text()));
            }
            tag::index::NAME => {
                end_field(&mut field, &mut state);
                state
                    .indexes
                    .push(IndexState::new(d.text(), Vec::<String>::new(), false));
            }
            tag::index::UNIQUE => d.last(&mut state.indexes).unique = true,
            tag::index::NULLS_NOT_DISTINCT => d.last(&mut state.indexes).nulls_distinct = false,
            tag::index::INCLUDE => {
                let field = d.text().to_owned();
                d.last(&mut state.indexes).include.push(field);
            }
            tag::index::METHOD => {
                let method = d.text().to_owned();
                d.last(&mut state.indexes).method = Some(method);
            }
            tag::index::CONDITION => {
                let condition = d.text().to_owned();
                d.last(&mut state.indexes).condition = Some(condition);
            }
            tag::index::EXPRESSION => {
                let expression = d.text().to_owned();
                d.last(&mut state.indexes).expressions.push(expression);
            }
            tag::index::FIELD => {
                let column = d.text().to_owned();
                d.last(&mut state.indexes).fields.push(column);
            }
            tag::many_to_many::NAME => {
                end_field(&mut field, &mut state);
                let name = d.text();
                let to = keys
                    .next()
                    .unwrap_or_else(|| d.corrupt("fewer model constants than relations"));
                many_to_many.push(ManyToMany::new(name, to.key()));
            }
            tag::many_to_many::THROUGH => {
                let through = keys
                    .next()
                    .unwrap_or_else(|| d.corrupt("fewer model constants than through models"));
                d.last_relation(&mut many_to_many).through = Some(through.key());
            }
            tag::many_to_many::RENAMED_FROM => {
                let old = d.text().to_owned();
                d.last_relation(&mut many_to_many).renamed_from = Some(old);
            }
            tag::many_to_many::DB_TABLE => {
                let table = d.text().to_owned();
                d.last_relation(&mut many_to_many).db_table = Some(table);
            }
            tag::foreign_key::NAME => {
                end_field(&mut field, &mut state);
                let name = d.text().to_owned();
                let to = keys
                    .next()
                    .unwrap_or_else(|| d.corrupt("fewer model constants than foreign keys"));
                composite.push((name, Vec::new(), OnDelete::NoAction, to));
            }
            tag::foreign_key::FIELD => {
                let field = d.text().to_owned();
                match composite.last_mut() {
                    Some(fk) => fk.1.push(field),
                    None => d.corrupt("a foreign-key field outside a foreign key"),
                }
            }
            tag::foreign_key::RULE => {
                let rule = on_delete_rule(&mut d);
                match composite.last_mut() {
                    Some(fk) => fk.2 = rule,
                    None => d.corrupt("an on_delete rule outside a foreign key"),
                }
            }
            tag::check::NAME => {
                end_field(&mut field, &mut state);
                let check = d.text();
                if d.reader.next_tag() != Some(tag::check::SQL) {
                    d.corrupt("a check without SQL");
                }
                state
                    .constraints
                    .push(ConstraintState::check(check, d.text()));
            }
            _ => {
                let Some(spec) = field.as_mut() else {
                    d.corrupt("a field setting outside a field");
                };
                match t {
                    tag::field::COLUMN => spec.state.column = d.text().to_owned(),
                    tag::field::DB_TYPE => spec.db_type = Some(d.text()),
                    tag::field::NULLABLE => spec.state.nullable = true,
                    tag::field::MAX_LENGTH => spec.spec.max_length = Some(d.number()),
                    tag::field::PRECISION => spec.spec.precision = Some(d.number()),
                    tag::field::SCALE => spec.spec.scale = Some(d.number()),
                    tag::field::PRIMARY_KEY => spec.state.primary_key = true,
                    tag::field::AUTO => spec.state.auto_increment = true,
                    tag::field::AUTO_IF_INTEGER => spec.auto_if_integer = true,
                    tag::field::UNIQUE => spec.state.unique = true,
                    tag::field::INDEX => spec.state.index = true,
                    tag::field::DEFAULT_TEXT => {
                        spec.state.default = Some(DefaultValue::Text(d.text().to_owned()));
                    }
                    tag::field::DEFAULT_INT => {
                        spec.state.default = Some(DefaultValue::Int(d.number()));
                    }
                    tag::field::DEFAULT_FLOAT => {
                        spec.state.default = Some(DefaultValue::Float(d.text().to_owned()));
                    }
                    tag::field::DEFAULT_BOOL => {
                        spec.state.default = Some(DefaultValue::Bool(d.number::<u8>() != 0));
                    }
                    tag::field::DEFAULT_SQL => {
                        spec.state.default = Some(DefaultValue::Sql(d.text().to_owned()));
                    }
                    tag::field::FOREIGN_KEY => {
                        let on_delete = on_delete_rule(&mut d);
                        let target = keys.next().unwrap_or_else(|| {
                            d.corrupt("fewer model constants than foreign keys")
                        });
                        spec.state.foreign_key =
                            Some(ForeignKey::new(target.app, target.name, on_delete));
                    }
                    tag::field::COMMENT => spec.state.comment = Some(d.text().to_owned()),
                    tag::field::GENERATED_STORED => {
                        spec.state.generated = Some(Generated {
                            sql: d.text().to_owned(),
                            stored: true,
                        });
                    }
                    tag::field::GENERATED_VIRTUAL => {
                        spec.state.generated = Some(Generated {
                            sql: d.text().to_owned(),
                            stored: false,
                        });
                    }
                    tag::field::RENAMED_FROM => {
                        field_renames.insert(spec.state.name.clone(), d.text().to_owned());
                    }
                    _ => d.corrupt("an unknown tag"),
                }
            }
        }
    }
    end_field(&mut field, &mut state);
    for (name, fields, on_delete, to) in composite {
        // Unnamed: `{table}_{col1}_{col2}_fk_{target table}`, as a field's foreign key is
        // named after its column and its target's table.
        let name = if name.is_empty() {
            let columns: Vec<&str> = fields
                .iter()
                .map(|f| state.field(f).map_or(f.as_str(), |f| f.column.as_str()))
                .collect();
            migrator_descriptor::names::composite_foreign_key(&state.table, &columns, to.table)
        } else {
            name
        };
        state.constraints.push(ConstraintState::foreign_key(
            name,
            fields,
            ForeignKey::new(to.app, to.name, on_delete),
        ));
    }
    state.normalize();
    let mut definition = ModelDefinition::new(state);
    definition.renamed_from = renamed_from;
    definition.field_renames = field_renames;
    definition.diesel_sql_types = diesel_sql_types;
    definition.many_to_many = many_to_many;
    definition
}

/// The `on_delete` rule at the reader's position.
fn on_delete_rule(d: &mut Decoder) -> OnDelete {
    match d.rule() {
        tag::on_delete::CASCADE => OnDelete::Cascade,
        tag::on_delete::RESTRICT => OnDelete::Restrict,
        tag::on_delete::SET_NULL => OnDelete::SetNull,
        tag::on_delete::SET_DEFAULT => OnDelete::SetDefault,
        tag::on_delete::NO_ACTION => OnDelete::NoAction,
        _ => d.corrupt("an unknown on_delete rule"),
    }
}

/// A field being decoded: its state so far and what is applied when it ends.
struct FieldSpec {
    /// The state, its column type still a placeholder.
    state: FieldState,
    /// `max_length`, `precision`, `scale`.
    spec: TypeSpec,
    /// `db_type`, which replaces the column type.
    db_type: Option<&'static str>,
    /// The implicit `id` key: auto-increment when its column type is an integer.
    auto_if_integer: bool,
}

impl FieldSpec {
    /// A field named `name` with no settings yet.
    fn new(name: &str) -> Self {
        Self {
            state: FieldState::new(name, ColumnType::Text),
            spec: NO_TYPE_SPEC,
            db_type: None,
            auto_if_integer: false,
        }
    }

    /// The finished field: its column type from `db_type` or from `info` (the field type's
    /// [`ColumnInfo`], which also says whether it is nullable).
    fn build(self, info: Option<ColumnInfo>) -> FieldState {
        let mut state = self.state;
        match (self.db_type, info) {
            (Some(db_type), _) => state.column_type = ColumnType::Custom(db_type.to_owned()),
            (None, Some(info)) => {
                state.column_type = (info.column_type)(&self.spec);
                state.nullable = info.nullable;
            }
            (None, None) => unreachable!("a field without db_type takes a ColumnInfo"),
        }
        if self.auto_if_integer && state.column_type.is_integer() {
            state.auto_increment = true;
        }
        state
    }
}

/// Reads a descriptor string: the shared [`Reader`], with every error turned into the panic
/// that names the model.
struct Decoder {
    /// The model's name, for the panic message.
    model: &'static str,
    /// The descriptor's reader.
    reader: Reader<'static>,
}

impl Decoder {
    /// A text value.
    fn text(&mut self) -> &'static str {
        self.reader.text().unwrap_or_else(|e| self.read_error(e))
    }

    /// A number value.
    fn number<T: std::str::FromStr>(&mut self) -> T {
        self.reader.number().unwrap_or_else(|e| self.read_error(e))
    }

    /// A rule value (an `on_delete` rule).
    fn rule(&mut self) -> u8 {
        self.reader.rule().unwrap_or_else(|e| self.read_error(e))
    }

    /// The last index, which an index setting applies to.
    fn last<'a>(&self, indexes: &'a mut [IndexState]) -> &'a mut IndexState {
        match indexes.last_mut() {
            Some(index) => index,
            None => self.corrupt("an index setting outside an index"),
        }
    }

    /// The last relation, which a relation setting applies to.
    fn last_relation<'a>(&self, relations: &'a mut [ManyToMany]) -> &'a mut ManyToMany {
        match relations.last_mut() {
            Some(relation) => relation,
            None => self.corrupt("a relation setting outside a relation"),
        }
    }

    /// Stops on a value the reader refused.
    fn read_error(&self, error: ReadError) -> ! {
        self.corrupt(&error.to_string())
    }

    /// Stops on a descriptor this version cannot read.
    fn corrupt(&self, what: &str) -> ! {
        d_corrupt(
            self.model,
            &format!("{what} at byte {}", self.reader.position()),
        )
    }
}

/// The panic of [`build_definition`] on a descriptor it cannot read.
fn d_corrupt(model: &str, what: &str) -> ! {
    panic!(
        "the `#[derive(Model)]` descriptor of `{model}` cannot be read ({what}): \
         migrator-derive and migrator-core must be the same version; run `cargo update -p migrator-core`"
    )
}

/// No `max_length`, `precision` or `scale`.
const NO_TYPE_SPEC: TypeSpec = TypeSpec {
    max_length: None,
    precision: None,
    scale: None,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Column;

    /// A descriptor of model `app.Thing` (table `things`) with `meta` and the given constants.
    fn decode(meta: &'static str, columns: &'static [ColumnInfo]) -> ModelDefinition {
        static KEYS: [ModelRef; 1] = [ModelRef {
            app: "shop",
            name: "Order",
            table: "orders",
        }];
        build_definition(&ModelDescriptor(
            "app", "Thing", "things", meta, columns, &KEYS,
        ))
    }

    /// Version-1 bytes spelled out, as derives already compiled into users' crates wrote them:
    /// the decoder must keep reading them. (`tests/descriptor.rs` checks that every tag of
    /// migrator-descriptor's `Writer` round-trips; the derive's snapshots pin what it writes.)
    #[test]
    fn version_1_bytes_decode_into_the_state() {
        static COLUMNS: [ColumnInfo; 5] = [
            <i64 as Column>::COLUMN,
            <String as Column>::COLUMN,
            <Option<i64> as Column>::COLUMN,
            <i32 as Column>::COLUMN,
            <String as Column>::COLUMN,
        ];
        // Texts with the format's own punctuation, digits and multi-byte characters inside.
        let def = decode(
            "1c9:Thing: 1;r5:ThingF2:idpAF5:titlek9:the_titleL80;ui\
             h14:A title: 2;é.o4:nameF5:ordernRn;F4:rankI-3;F4:blobT5:BYTEAnF3:tagt4:a;b:\
             X13:things_rank_xUx4:rankx5:titleK8:positiveq8:rank > 0",
            &COLUMNS,
        );
        let s = &def.state;
        assert_eq!(s.comment.as_deref(), Some("Thing: 1;"));
        assert_eq!(def.renamed_from.as_deref(), Some("Thing"));
        assert_eq!(
            def.field_renames,
            BTreeMap::from([("title".to_string(), "name".to_string())])
        );
        let names: Vec<&str> = s.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["id", "title", "order", "rank", "blob", "tag"]);
        let id = &s.fields[0];
        assert!(id.primary_key && id.auto_increment && !id.nullable);
        assert_eq!(id.column_type, ColumnType::BigInt);
        let title = &s.fields[1];
        assert_eq!(title.column, "the_title");
        assert_eq!(title.column_type, ColumnType::Varchar(80));
        assert!(title.unique && title.index && !title.primary_key);
        assert_eq!(title.comment.as_deref(), Some("A title: 2;é."));
        let order = &s.fields[2];
        assert!(order.nullable);
        assert_eq!(
            order.foreign_key,
            Some(ForeignKey::new("shop", "Order", OnDelete::SetNull))
        );
        assert_eq!(s.fields[3].default, Some(DefaultValue::Int(-3)));
        assert_eq!(s.fields[3].column_type, ColumnType::Integer);
        let blob = &s.fields[4];
        assert_eq!(blob.column_type, ColumnType::Custom("BYTEA".into()));
        assert!(blob.nullable);
        assert_eq!(s.fields[5].default, Some(DefaultValue::Text("a;b:".into())));
        assert_eq!(s.fields[5].column_type, ColumnType::Text);
        assert_eq!(
            s.indexes,
            [IndexState::new("things_rank_x", ["rank", "title"], true)]
        );
        assert_eq!(
            s.constraints,
            [ConstraintState::check("positive", "rank > 0")]
        );
    }

    #[test]
    fn the_implicit_id_auto_increments_only_when_it_is_an_integer() {
        static INT: [ColumnInfo; 1] = [<i32 as Column>::COLUMN];
        static TEXT: [ColumnInfo; 1] = [<String as Column>::COLUMN];
        assert!(decode("1F2:idpA", &INT).state.fields[0].auto_increment);
        assert!(!decode("1F2:idpA", &TEXT).state.fields[0].auto_increment);
    }

    #[test]
    #[should_panic(expected = "migrator-derive and migrator-core must be the same version")]
    fn another_format_version_is_refused() {
        decode("2F2:id", &[]);
    }

    #[test]
    #[should_panic(expected = "a text longer than the descriptor")]
    fn a_truncated_text_is_refused() {
        decode("1F20:id", &[]);
    }

    #[test]
    #[should_panic(expected = "fewer column constants than fields")]
    fn a_missing_column_constant_is_refused() {
        decode("1F2:id", &[]);
    }

    #[test]
    #[should_panic(expected = "an unknown tag")]
    fn an_unknown_tag_is_refused() {
        static INT: [ColumnInfo; 1] = [<i32 as Column>::COLUMN];
        decode("1F2:idZ", &INT);
    }
}
