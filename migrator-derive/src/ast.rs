//! The typed model of the struct under `#[derive(Model)]` (serde's `internals/ast.rs` habit).
//!
//! [`Container::from_ast`] rejects shapes that cannot be a model (enums, unions, tuple and unit
//! structs, generic structs) and parses every attribute through `attr.rs`, keeping references to
//! the original syn nodes so every later error points at the user's code. It also answers the
//! derived questions (table name, column names, which field is the primary key) in one place,
//! so `check.rs` and `codegen.rs` agree. Validating those answers is `check.rs`'s job.

use heck::ToSnakeCase;
use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Expr, ExprLit, Fields, GenericParam, Ident, Lit, Type};

use crate::attr::{self, FieldAttrs, StructAttrs};
use crate::ctxt::Ctxt;

/// The struct being derived.
pub(crate) struct Container<'a> {
    /// The struct's identifier.
    pub ident: &'a Ident,
    /// The struct's name without any `r#` prefix: the model name.
    pub name: String,
    /// Parsed `#[model(...)]` settings of the struct.
    pub attrs: StructAttrs,
    /// The struct's doc comment (the table comment).
    pub doc: Option<String>,
    /// The named fields, in declaration order.
    pub fields: Vec<Field<'a>>,
}

/// One named field.
pub(crate) struct Field<'a> {
    /// The field's identifier.
    pub ident: &'a Ident,
    /// The field's name without any `r#` prefix.
    pub name: String,
    /// The field's type as written.
    pub ty: &'a Type,
    /// Parsed `#[model(...)]` settings of the field.
    pub attrs: FieldAttrs,
    /// The field's doc comment (the column comment).
    pub doc: Option<String>,
}

/// Which field is the primary key, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PrimaryKey {
    /// The field at this position says `#[model(primary_key)]`.
    Explicit(usize),
    /// No field says `primary_key`; the field named `id` at this position is the key.
    ImplicitId(usize),
    /// The struct says `primary_key(fields = [...])`: a composite key (its fields are
    /// [`Container::composite_key`]).
    Composite,
    /// No primary key at all (an error `check.rs` reports).
    Missing,
}

impl<'a> Container<'a> {
    /// Builds the typed model, recording every shape and attribute error in `cx`. Returns
    /// `None` when the input is not a struct with named fields.
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        check_generics(cx, input);
        let attrs = attr::parse_struct_attrs(cx, &input.attrs);
        let name = input.ident.unraw().to_string();
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named
                    .named
                    .iter()
                    .map(|f| {
                        let ident = f.ident.as_ref().expect("named fields have identifiers");
                        Field {
                            ident,
                            name: ident.unraw().to_string(),
                            ty: &f.ty,
                            attrs: attr::parse_field_attrs(cx, &f.attrs),
                            doc: doc_comment(&f.attrs),
                        }
                    })
                    .collect(),
                Fields::Unnamed(unnamed) => {
                    cx.error(
                        unnamed.paren_token.span.join(),
                        format!(
                            "`#[derive(Model)]` needs named fields, and `{name}` is a tuple \
                             struct: write `struct {name} {{ id: i64, … }}` so every column has \
                             a name"
                        ),
                    );
                    return None;
                }
                Fields::Unit => {
                    cx.error(
                        input.ident.span(),
                        format!(
                            "`#[derive(Model)]` needs named fields, and `{name}` is a unit \
                             struct: add the columns, as in `struct {name} {{ id: i64 }}`"
                        ),
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                cx.error(
                    data.enum_token.span,
                    format!(
                        "`#[derive(Model)]` works on structs only, and `{name}` is an enum; to \
                         store an enum in a column, use `#[derive(migrator_core::ModelEnum)]` \
                         (text, its values checked) or implement `migrator_core::Column` for \
                         it, and use it as a field type"
                    ),
                );
                return None;
            }
            Data::Union(data) => {
                cx.error(
                    data.union_token.span,
                    format!(
                        "`#[derive(Model)]` works on structs only, and `{name}` is a union; \
                         write a struct with named fields"
                    ),
                );
                return None;
            }
        };
        Some(Self {
            ident: &input.ident,
            name,
            attrs,
            doc: doc_comment(&input.attrs),
            fields,
        })
    }

    /// The table name and where an error about it should point: the `table = "…"` literal,
    /// or the struct name it was derived from (snake_case).
    pub(crate) fn table(&self) -> (String, Span) {
        match &self.attrs.table {
            Some(lit) => (lit.value(), lit.span()),
            None => (self.name.to_snake_case(), self.ident.span()),
        }
    }

    /// The fields that are columns (not `skip`), with their positions.
    pub(crate) fn columns(&self) -> impl Iterator<Item = (usize, &Field<'a>)> {
        self.fields
            .iter()
            .enumerate()
            .filter(|(_, f)| f.attrs.skip.is_none())
    }

    /// The column field named `name` (Rust name).
    pub(crate) fn column_field(&self, name: &str) -> Option<&Field<'a>> {
        self.columns().map(|(_, f)| f).find(|f| f.name == name)
    }

    /// The error for `name`, named by a struct-level list as its `role` (`index field`,
    /// `primary-key field`), when it is not a column: a `skip` field (`skipped_fix` says what to
    /// do instead) or no field at all (the columns are listed).
    pub(crate) fn not_a_column(&self, role: &str, name: &str, skipped_fix: &str) -> String {
        if self.fields.iter().any(|f| f.name == name) {
            return format!("{role} `{name}` is marked `skip` and is not a column; {skipped_fix}");
        }
        let known: Vec<String> = self
            .columns()
            .map(|(_, f)| format!("`{}`", f.name))
            .collect();
        format!(
            "{role} `{name}` is not a field of `{}`; its fields are: {}",
            self.name,
            known.join(", ")
        )
    }

    /// The primary key: the struct's `primary_key(fields = [...])`, else the first field
    /// marked `primary_key`, else a column named `id`.
    pub(crate) fn primary_key(&self) -> PrimaryKey {
        if self.attrs.primary_key.is_some() {
            return PrimaryKey::Composite;
        }
        if let Some((i, _)) = self.columns().find(|(_, f)| f.attrs.primary_key.is_some()) {
            return PrimaryKey::Explicit(i);
        }
        match self.columns().find(|(_, f)| f.name == "id") {
            Some((i, _)) => PrimaryKey::ImplicitId(i),
            None => PrimaryKey::Missing,
        }
    }
}

impl Container<'_> {
    /// The positions of the columns a composite `primary_key(fields = [...])` lists, in the
    /// list's order (names that are not columns are left out: `check.rs` reports them).
    pub(crate) fn composite_key(&self) -> Vec<usize> {
        let listed = self
            .attrs
            .primary_key
            .iter()
            .flat_map(|pk| pk.fields.iter().flatten());
        listed
            .filter_map(|lit| {
                let name = lit.value();
                self.columns().find(|(_, f)| f.name == name).map(|(i, _)| i)
            })
            .collect()
    }

    /// Whether the column at position `i` is (part of) the primary key.
    pub(crate) fn is_key_field(&self, i: usize) -> bool {
        match self.primary_key() {
            PrimaryKey::Explicit(p) | PrimaryKey::ImplicitId(p) => p == i,
            PrimaryKey::Composite => self.composite_key().contains(&i),
            PrimaryKey::Missing => false,
        }
    }
}

impl Field<'_> {
    /// The column name and where an error about it should point: the `column = "…"`
    /// literal, or the field name it defaults to.
    pub(crate) fn column(&self) -> (String, Span) {
        match &self.attrs.column {
            Some(lit) => (lit.value(), lit.span()),
            None => (self.name.clone(), self.ident.span()),
        }
    }

    /// True when the type is written `Option<…>` (last path segment `Option`). Used only for
    /// the nullability of `db_type` fields, which bypass the `Column` trait.
    pub(crate) fn is_syntactic_option(&self) -> bool {
        let mut ty = self.ty;
        while let Type::Group(g) = ty {
            ty = &g.elem;
        }
        match ty {
            Type::Path(p) if p.qself.is_none() => {
                p.path.segments.last().is_some_and(|s| s.ident == "Option")
            }
            _ => false,
        }
    }
}

/// Generic parameters: a model maps to one fixed table, so type, lifetime and const
/// parameters are all rejected, each at its own token.
fn check_generics(cx: &Ctxt, input: &DeriveInput) {
    let name = input.ident.unraw();
    for param in &input.generics.params {
        match param {
            GenericParam::Lifetime(l) => cx.error(
                l.span(),
                format!(
                    "a model cannot borrow: remove the lifetime `{}` from `{name}` and use owned \
                     field types (`String` instead of `&str`)",
                    l.lifetime
                ),
            ),
            GenericParam::Type(t) => cx.error(
                t.ident.span(),
                format!(
                    "a model cannot be generic: `{name}` maps to one table with fixed column \
                     types; remove the type parameter `{}` and name concrete types",
                    t.ident
                ),
            ),
            GenericParam::Const(c) => cx.error(
                c.ident.span(),
                format!(
                    "a model cannot be generic: remove the const parameter `{}` from `{name}`",
                    c.ident
                ),
            ),
        }
    }
    if let Some(w) = &input.generics.where_clause {
        if input.generics.params.is_empty() && !w.predicates.is_empty() {
            cx.error(
                w.where_token.span,
                format!("a model cannot have a `where` clause: remove it from `{name}`"),
            );
        }
    }
}

/// The doc comment of an item: every `#[doc = "…"]` line trimmed, leading and trailing blank
/// lines dropped, joined with `\n`; `None` when there is no text.
pub(crate) fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                let mut own: Vec<String> = s
                    .value()
                    .split('\n')
                    .map(|l| l.trim().to_string())
                    .collect();
                // A `/** … */` comment whose continuation lines carry a ` * ` margin: drop the
                // stars, as rustdoc does. (`///` lines are one attribute each, never touched.)
                let margin = own.len() > 1
                    && own[1..]
                        .iter()
                        .filter(|l| !l.is_empty())
                        .all(|l| l.starts_with('*'));
                if margin {
                    for line in &mut own[1..] {
                        if let Some(rest) = line.strip_prefix('*') {
                            *line = rest.trim_start().to_string();
                        }
                    }
                }
                lines.extend(own);
            }
        }
    }
    while lines.first().is_some_and(String::is_empty) {
        lines.remove(0);
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}
