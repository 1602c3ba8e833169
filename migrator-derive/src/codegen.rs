//! Code generation for a checked [`Container`]: the `impl Model` and the inventory
//! registration, wrapped in `const _: () = { … };` and naming only absolute
//! `::migrator_core::…` paths (through one `use` alias inside that block).
//!
//! The model is emitted as data, as little of it as possible, because every token the derive
//! emits is parsed, resolved and type-checked in the user's crate (issue 7: the derive's share
//! of a models crate's build). The impl's hidden `DESCRIPTOR` constant, a
//! `__private::ModelDescriptor`, holds
//!
//! - everything the derive knows by itself (names, columns, flags, type settings, defaults,
//!   `on_delete` rules, comments, rename hints, indexes and checks) encoded into **one string
//!   literal** by `migrator_descriptor::Writer` (the format, its version and every tag are
//!   defined and documented in the migrator-descriptor crate; `migrator_core::model::
//!   build_definition` reads it with the same crate's `Reader`);
//! - one constant per column the type system must answer: `<T as Column>::COLUMN` (the
//!   column-type function and nullability of the field's Rust type);
//! - one constant per foreign key: `<Target as Model>::KEY` (the target's app and name).
//!
//! `Model::definition()` is the trait's provided method and the inventory record carries the
//! descriptor, so no function is generated per model. On the large benchmark crate (50 models ×
//! 20 fields) this cut the derive's output from about 24 KB to 4 KB per model (BENCHMARKS.md,
//! finding 6).
//!
//! Codegen never reports errors itself; it runs only after `check.rs` found none. The rules
//! that need the type system are emitted as calls to the `const fn`s
//! `::migrator_core::__private::assert_*`, all of a model's at the start of the descriptor's
//! initializer (evaluated at compile time, never compiled to machine code), with the field's
//! type re-spanned at the attribute that needs it (for `default = <literal>`, at the literal,
//! checked against the literal's kind), so rustc's `#[diagnostic::on_unimplemented]` message
//! lands on that attribute.

use migrator_descriptor::{self as tag, Writer};
use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::ast::{Container, Field, PrimaryKey};
use crate::attr::{DefaultLit, FieldAttrs, OnDelete};

/// The `impl Model` and registration for `cont`, whose app label is `app`.
pub(crate) fn expand(cont: &Container<'_>, app: &str) -> TokenStream {
    let ident = cont.ident;
    let name = &cont.name;
    let (table, _) = cont.table();
    let pk = cont.primary_key();

    let mut out = Output::default();
    out.meta.text_opt(tag::model::COMMENT, cont.doc.as_deref());
    out.meta.text_opt(
        tag::model::RENAMED_FROM,
        cont.attrs
            .renamed_from
            .as_ref()
            .map(|l| l.value())
            .as_deref(),
    );
    for (i, field) in cont.columns() {
        let kind = match pk {
            PrimaryKey::Composite if cont.is_key_field(i) => PkKind::Composite,
            _ => pk_kind(pk, i),
        };
        out.field(cont, field, kind);
    }
    indexes(cont, &mut out.meta);
    for check in &cont.attrs.checks {
        let name = check.name.as_ref().map(|n| n.value()).unwrap_or_default();
        let sql = check.sql.as_ref().map(|n| n.value()).unwrap_or_default();
        out.meta.text(tag::check::NAME, &name);
        out.meta.text(tag::check::SQL, &sql);
    }
    crate::relations::encode(
        cont,
        &mut out.meta,
        &mut out.keys,
        &mut out.const_asserts,
        |t| replace_self(t, cont.ident),
    );
    let mut nullable = Vec::new();
    crate::check::foreign_key::encode(
        cont,
        &mut out.meta,
        &mut out.keys,
        &mut out.const_asserts,
        &mut nullable,
        |t| replace_self(t, cont.ident),
    );
    for (ty, span) in nullable {
        out.asserts.push(assert_at("assert_nullable", &ty, span));
    }
    let Output {
        meta,
        columns,
        keys,
        asserts,
        const_asserts,
    } = out;
    let meta = meta.finish();
    let key_columns = (pk == PrimaryKey::Composite).then(|| {
        let n = cont.composite_key().len();
        quote!(const PRIMARY_KEY_COLUMNS: usize = #n;)
    });

    quote! {
        const _: () = {
            use ::migrator_core::__private as __migrator;

            #(#const_asserts)*

            #[automatically_derived]
            impl ::migrator_core::Model for #ident {
                const APP: &'static str = #app;
                const NAME: &'static str = #name;
                const TABLE: &'static str = #table;
                #key_columns
                const DESCRIPTOR: &'static __migrator::ModelDescriptor = {
                    #(#asserts)*
                    &__migrator::ModelDescriptor(#app, #name, #table, #meta, &[#(#columns),*], &[#(#keys),*])
                };
            }

            __migrator::inventory::submit! {
                __migrator::ModelRegistration::of::<#ident>(
                    ::core::module_path!(),
                    ::core::env!("CARGO_MANIFEST_DIR"),
                )
            }
        };
    }
}

/// What [`expand`] collects from the fields.
#[derive(Default)]
struct Output {
    /// The descriptor string (starts with the format version).
    meta: Writer,
    /// `<T as Column>::COLUMN` of every field without `db_type`, in field order.
    columns: Vec<TokenStream>,
    /// `<Target as Model>::KEY` of every foreign key, in field order, then the target's (and
    /// through model's) of every many-to-many relation.
    keys: Vec<TokenStream>,
    /// Trait assertions: statements of the descriptor's initializer.
    asserts: Vec<TokenStream>,
    /// Primary-key assertions: items of their own, so a failing one is reported next to any
    /// type error.
    const_asserts: Vec<TokenStream>,
}

/// How a field relates to the primary key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PkKind {
    /// Not the primary key.
    None,
    /// Marked `primary_key`.
    Explicit,
    /// The implicit `id` primary key (auto-increment when its column type is an integer).
    ImplicitId,
    /// One of the fields a composite `primary_key(fields = [...])` lists.
    Composite,
}

/// The [`PkKind`] of the field at position `i`.
fn pk_kind(pk: PrimaryKey, i: usize) -> PkKind {
    match pk {
        PrimaryKey::Explicit(p) if p == i => PkKind::Explicit,
        PrimaryKey::ImplicitId(p) if p == i => PkKind::ImplicitId,
        _ => PkKind::None,
    }
}

impl Output {
    /// Encodes one field, and pushes its column constant, foreign-key constant and
    /// assertions.
    fn field(&mut self, cont: &Container<'_>, field: &Field<'_>, pk: PkKind) {
        let a = &field.attrs;
        // `Self` spelled as the struct: the primary-key assertions are items beside the impl,
        // where `Self` does not resolve (the descriptor, inside the impl, gets the same
        // spelling so the expansion names each type one way).
        let ty = &replace_self(field.ty.to_token_stream(), cont.ident);
        let span = field.ty.span();
        let name = &field.name;
        let (column, _) = field.column();
        let meta = &mut self.meta;

        meta.text(tag::field::NAME, name);
        if column != *name {
            meta.text(tag::field::COLUMN, &column);
        }
        match &a.db_type {
            Some(db) => {
                meta.text(tag::field::DB_TYPE, &db.value.value());
                if field.is_syntactic_option() {
                    meta.flag(tag::field::NULLABLE);
                }
            }
            None => self
                .columns
                .push(quote_spanned!(span=> <#ty as __migrator::Column>::COLUMN)),
        }
        if let Some(n) = &a.max_length {
            meta.number(tag::field::MAX_LENGTH, n.value);
        }
        if let Some(n) = &a.precision {
            meta.number(tag::field::PRECISION, n.value);
        }
        if let Some(n) = &a.scale {
            meta.number(tag::field::SCALE, n.value);
        }

        if pk != PkKind::None {
            meta.flag(tag::field::PRIMARY_KEY);
        }
        if a.auto.is_some() {
            meta.flag(tag::field::AUTO);
        } else if pk == PkKind::ImplicitId {
            meta.flag(tag::field::AUTO_IF_INTEGER);
        }
        if a.unique.is_some() {
            meta.flag(tag::field::UNIQUE);
        }
        if field_indexed(a, pk) {
            meta.flag(tag::field::INDEX);
        }

        if let Some(ml) = &a.max_length {
            self.asserts
                .push(assert_at("assert_max_length", ty, ml.key));
        }
        if let Some(p) = &a.precision {
            self.asserts.push(assert_at("assert_decimal", ty, p.key));
        }
        if let Some(span) = a.auto {
            self.asserts.push(assert_at("assert_auto", ty, span));
        }
        if let Some(d) = &a.default {
            let (lit, lit_span) = &d.value;
            if a.db_type.is_none() {
                let check = match lit {
                    DefaultLit::Text(_) => "assert_text_default",
                    DefaultLit::Int(_) => "assert_integer_default",
                    DefaultLit::Float(_) => "assert_float_default",
                    DefaultLit::Bool(_) => "assert_bool_default",
                };
                self.asserts.push(assert_at(check, ty, *lit_span));
            }
            match lit {
                DefaultLit::Text(s) => meta.text(tag::field::DEFAULT_TEXT, s),
                DefaultLit::Int(i) => meta.number(tag::field::DEFAULT_INT, *i),
                DefaultLit::Float(f) => meta.text(tag::field::DEFAULT_FLOAT, f),
                DefaultLit::Bool(b) => meta.number(tag::field::DEFAULT_BOOL, u8::from(*b)),
            }
        }
        if let Some(sql) = &a.default_sql {
            meta.text(tag::field::DEFAULT_SQL, &sql.value.value());
        }
        if let Some(g) = &a.generated {
            if let Some(sql) = &g.sql {
                let tag = if g.stored.is_some() {
                    tag::field::GENERATED_STORED
                } else {
                    tag::field::GENERATED_VIRTUAL
                };
                meta.text(tag, &sql.value());
            }
        }
        if let (Some(fk), Some(od)) = (&a.foreign_key, &a.on_delete) {
            let (rule, lit) = &od.value;
            let rule = match rule {
                OnDelete::Cascade => tag::on_delete::CASCADE,
                OnDelete::Restrict => tag::on_delete::RESTRICT,
                OnDelete::SetNull => tag::on_delete::SET_NULL,
                OnDelete::SetDefault => tag::on_delete::SET_DEFAULT,
                OnDelete::NoAction => tag::on_delete::NO_ACTION,
            };
            meta.rule(tag::field::FOREIGN_KEY, rule);
            if od.value.0 == OnDelete::SetNull {
                self.asserts
                    .push(assert_at("assert_nullable", ty, lit.span()));
            }
            let span = fk.value.span();
            let path = replace_self(fk.value.to_token_stream(), cont.ident);
            self.keys
                .push(quote_spanned!(span=> <#path as ::migrator_core::Model>::KEY));
            let target = fk.value.segments.last().map(|s| s.ident.to_string());
            let target = target.as_deref().unwrap_or("its target");
            let message = format!(
                "`{name}` cannot be a foreign key to `{target}`, whose primary key has several \
                 columns: a field's foreign key points at a one-column primary key; point \
                 several fields at the whole key with `foreign_key(fields = [\"{name}\", …], \
                 to = {target}, on_delete = \"…\")` on the struct (one field per key field, \
                 in the key's order), or remove `foreign_key` and keep `{name}` a plain column"
            );
            self.const_asserts.push(quote_spanned! {span=>
                const _: () = ::core::assert!(
                    <#path as ::migrator_core::Model>::PRIMARY_KEY_COLUMNS == 1,
                    #message,
                );
            });
        }
        meta.text_opt(tag::field::COMMENT, field.doc.as_deref());
        meta.text_opt(
            tag::field::RENAMED_FROM,
            a.renamed_from.as_ref().map(|l| l.value()).as_deref(),
        );

        if pk != PkKind::None && a.db_type.is_none() {
            // Decided by the `Column` impl (`NULLABLE`), not by the spelling of the type.
            let message = if pk == PkKind::Composite {
                format!(
                    "`{name}` is part of the primary key and cannot be NULL: remove the \
                     `Option<…>` around its type"
                )
            } else {
                format!(
                    "the primary key `{name}` cannot be NULL: remove the `Option<…>` around its \
                     type"
                )
            };
            self.const_asserts.push(quote_spanned! {span=>
                const _: () = ::core::assert!(
                    !<#ty as __migrator::Column>::NULLABLE,
                    #message,
                );
            });
        }
    }
}

/// Whether the field gets its own index: as written (`index`, `index = false`), else by
/// default when it is a foreign key that is neither `unique` nor the primary key (those are
/// indexed already), as Django's `ForeignKey(db_index=True)`.
fn field_indexed(a: &FieldAttrs, pk: PkKind) -> bool {
    match &a.index {
        Some(index) => index.value,
        None => a.foreign_key.is_some() && a.unique.is_none() && pk == PkKind::None,
    }
}

/// `::migrator_core::__private::<func>::<ty>();` with every token at `span`, so a missing
/// marker trait is reported at the attribute that needs it.
fn assert_at(func: &str, ty: &TokenStream, span: Span) -> TokenStream {
    let func = syn::Ident::new(func, span);
    let ty = respan(ty.clone(), span);
    quote_spanned!(span=> __migrator::#func::<#ty>();)
}

/// `tokens` with every span replaced by `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// `tokens` with every `Self` replaced by `ident` (keeping the span): the primary-key
/// assertions are items beside the impl, where `Self` does not resolve.
fn replace_self(tokens: TokenStream, ident: &Ident) -> TokenStream {
    tokens
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), replace_self(g.stream(), ident));
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            TokenTree::Ident(i) if i == "Self" => {
                let mut ident = ident.clone();
                ident.set_span(i.span());
                TokenTree::Ident(ident)
            }
            tt => tt,
        })
        .collect()
}

/// Encodes the struct's `index(...)` settings, with the names `names::plan` chose.
fn indexes(cont: &Container<'_>, meta: &mut Writer) {
    let plan = crate::names::plan(cont);
    for (index, name) in cont.attrs.indexes.iter().zip(plan.index_names) {
        let name = name.expect("codegen runs only on a model whose indexes all name columns");
        meta.text(tag::index::NAME, &name);
        if index.unique.is_some() {
            meta.flag(tag::index::UNIQUE);
        }
        if index.nulls_distinct.as_ref().is_some_and(|(_, v)| !v) {
            meta.flag(tag::index::NULLS_NOT_DISTINCT);
        }
        for field in index.include.iter().flatten() {
            meta.text(tag::index::INCLUDE, &field.value());
        }
        if let Some(method) = &index.method {
            meta.text(tag::index::METHOD, &method.value());
        }
        if let Some(condition) = &index.condition {
            meta.text(tag::index::CONDITION, &condition.value());
        }
        for field in index.fields.iter().flatten() {
            meta.text(tag::index::FIELD, &field.value());
        }
        for expression in index.expressions.iter().flatten() {
            meta.text(tag::index::EXPRESSION, &expression.value());
        }
    }
}
