//! Code generation for a checked [`Container`]: the `impl Model` and the inventory
//! registration, wrapped in `const _: () = { … };` and naming only absolute
//! `::migrator_core::…` paths.
//!
//! Codegen never reports errors itself; it runs only after `check.rs` found none. The rules
//! that need the type system are emitted here as calls to `::migrator_core::__private::assert_*`
//! with the field's type re-spanned at the attribute that needs it (for `default = <literal>`,
//! at the literal, checked against the literal's kind), so rustc's
//! `#[diagnostic::on_unimplemented]` message lands on that attribute.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::ast::{Container, Field, PrimaryKey};
use crate::attr::{DefaultLit, FieldAttrs, OnDelete};
use crate::check::MAX_IDENTIFIER_BYTES;

/// The `impl Model` and registration for `cont`, whose app label is `app`.
pub(crate) fn expand(cont: &Container<'_>, app: &str) -> TokenStream {
    let ident = cont.ident;
    let name = &cont.name;
    let (table, _) = cont.table();
    let pk = cont.primary_key();

    let mut asserts = Vec::new();
    let fields: Vec<TokenStream> = cont
        .columns()
        .map(|(i, f)| field_expr(f, pk_kind(pk, i), &mut asserts))
        .collect();
    let indexes = indexes(cont, &table);
    let checks = cont.attrs.checks.iter().map(|c| {
        let name = c.name.as_ref().map(|n| n.value()).unwrap_or_default();
        let sql = c.sql.as_ref().map(|n| n.value()).unwrap_or_default();
        quote!(::migrator_core::ConstraintState::check(#name, #sql))
    });
    let comment = opt_string(cont.doc.as_deref());
    let renamed_from = opt_string(
        cont.attrs
            .renamed_from
            .as_ref()
            .map(|l| l.value())
            .as_deref(),
    );
    let field_renames = cont.columns().filter_map(|(_, f)| {
        let old = f.attrs.renamed_from.as_ref()?.value();
        let new = &f.name;
        Some(quote! {
            definition.field_renames.insert(
                ::std::string::String::from(#new),
                ::std::string::String::from(#old),
            );
        })
    });

    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::migrator_core::Model for #ident {
                const APP: &'static str = #app;
                const NAME: &'static str = #name;
                const TABLE: &'static str = #table;

                fn definition() -> ::migrator_core::ModelDefinition {
                    #(#asserts)*
                    let mut state =
                        ::migrator_core::ModelState::new(Self::APP, Self::NAME, Self::TABLE);
                    state.comment = #comment;
                    state.fields = ::std::vec::Vec::from([#(#fields),*]);
                    state.indexes = ::std::vec::Vec::from([#(#indexes),*]);
                    state.constraints = ::std::vec::Vec::from([#(#checks),*]);
                    state.normalize();
                    let mut definition = ::migrator_core::ModelDefinition::new(state);
                    definition.renamed_from = #renamed_from;
                    #(#field_renames)*
                    definition
                }
            }

            ::migrator_core::__private::inventory::submit! {
                ::migrator_core::__private::ModelRegistration {
                    app: <#ident as ::migrator_core::Model>::APP,
                    name: <#ident as ::migrator_core::Model>::NAME,
                    table: <#ident as ::migrator_core::Model>::TABLE,
                    module_path: ::core::module_path!(),
                    manifest_dir: ::core::env!("CARGO_MANIFEST_DIR"),
                    definition: <#ident as ::migrator_core::Model>::definition,
                }
            }
        };
    }
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
}

/// The [`PkKind`] of the field at position `i`.
fn pk_kind(pk: PrimaryKey, i: usize) -> PkKind {
    match pk {
        PrimaryKey::Explicit(p) if p == i => PkKind::Explicit,
        PrimaryKey::ImplicitId(p) if p == i => PkKind::ImplicitId,
        _ => PkKind::None,
    }
}

/// The expression building one `FieldState`; pushes the field's trait assertions.
fn field_expr(field: &Field<'_>, pk: PkKind, asserts: &mut Vec<TokenStream>) -> TokenStream {
    let a = &field.attrs;
    let ty = field.ty;
    let name = &field.name;
    let (column, _) = field.column();

    let (column_type, nullable) = match &a.db_type {
        Some(db) => {
            let text = db.value.value();
            let nullable = field.is_syntactic_option();
            (
                quote!(::migrator_core::ColumnType::Custom(::std::string::String::from(#text))),
                quote!(#nullable),
            )
        }
        None => {
            let spec = type_spec(a);
            let span = ty.span();
            (
                quote_spanned!(span=> <#ty as ::migrator_core::Column>::column_type(&#spec)),
                quote_spanned!(span=> <#ty as ::migrator_core::Column>::NULLABLE),
            )
        }
    };

    if let Some(ml) = &a.max_length {
        asserts.push(assert_at("assert_max_length", ty, ml.key));
    }
    if let Some(p) = &a.precision {
        asserts.push(assert_at("assert_decimal", ty, p.key));
    }
    if let Some(span) = a.auto {
        asserts.push(assert_at("assert_auto", ty, span));
    }
    if pk != PkKind::None && a.db_type.is_none() {
        // Decided by the `Column` impl (`NULLABLE`), not by the spelling of the type.
        let message = format!(
            "the primary key `{name}` cannot be NULL: remove the `Option<…>` around its type"
        );
        let span = ty.span();
        asserts.push(quote_spanned! {span=>
            const _: () = ::core::assert!(
                !<#ty as ::migrator_core::Column>::NULLABLE,
                #message,
            );
        });
    }

    let mut sets = Vec::new();
    if column != *name {
        sets.push(quote!(field.column = ::std::string::String::from(#column);));
    }
    if pk != PkKind::None {
        sets.push(quote!(field.primary_key = true;));
    }
    if a.auto.is_some() {
        sets.push(quote!(field.auto_increment = true;));
    } else if pk == PkKind::ImplicitId {
        sets.push(quote!(field.auto_increment = field.column_type.is_integer();));
    }
    if a.unique.is_some() {
        sets.push(quote!(field.unique = true;));
    }
    if field_indexed(a, pk) {
        sets.push(quote!(field.index = true;));
    }
    if let Some(default) = &a.default {
        let (lit, lit_span) = &default.value;
        if a.db_type.is_none() {
            let check = match lit {
                DefaultLit::Text(_) => "assert_text_default",
                DefaultLit::Int(_) => "assert_integer_default",
                DefaultLit::Float(_) => "assert_float_default",
                DefaultLit::Bool(_) => "assert_bool_default",
            };
            asserts.push(assert_at(check, ty, *lit_span));
        }
        let value = match lit {
            DefaultLit::Text(s) => {
                quote!(::migrator_core::DefaultValue::Text(::std::string::String::from(#s)))
            }
            DefaultLit::Int(i) => quote!(::migrator_core::DefaultValue::Int(#i)),
            DefaultLit::Float(f) => {
                quote!(::migrator_core::DefaultValue::Float(::std::string::String::from(#f)))
            }
            DefaultLit::Bool(b) => quote!(::migrator_core::DefaultValue::Bool(#b)),
        };
        sets.push(quote!(field.default = ::core::option::Option::Some(#value);));
    }
    if let Some(sql) = &a.default_sql {
        let text = sql.value.value();
        sets.push(quote! {
            field.default = ::core::option::Option::Some(
                ::migrator_core::DefaultValue::Sql(::std::string::String::from(#text)),
            );
        });
    }
    if let (Some(fk), Some(od)) = (&a.foreign_key, &a.on_delete) {
        let path = &fk.value;
        let (rule, lit) = &od.value;
        let variant = match rule {
            OnDelete::Cascade => quote!(Cascade),
            OnDelete::Restrict => quote!(Restrict),
            OnDelete::SetNull => quote!(SetNull),
            OnDelete::SetDefault => quote!(SetDefault),
            OnDelete::NoAction => quote!(NoAction),
        };
        if *rule == OnDelete::SetNull {
            asserts.push(assert_at("assert_nullable", ty, lit.span()));
        }
        let span = path.span();
        let app = quote_spanned!(span=> <#path as ::migrator_core::Model>::APP);
        let model = quote_spanned!(span=> <#path as ::migrator_core::Model>::NAME);
        sets.push(quote! {
            field.foreign_key = ::core::option::Option::Some(::migrator_core::ForeignKey::new(
                #app,
                #model,
                ::migrator_core::OnDelete::#variant,
            ));
        });
    }
    if let Some(doc) = &field.doc {
        let doc = quote!(::core::option::Option::Some(::std::string::String::from(#doc)));
        sets.push(quote!(field.comment = #doc;));
    }

    quote! {
        {
            let mut field = ::migrator_core::FieldState::new(#name, #column_type);
            field.nullable = #nullable;
            #(#sets)*
            field
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
fn assert_at(func: &str, ty: &syn::Type, span: Span) -> TokenStream {
    let func = syn::Ident::new(func, span);
    let ty = respan(ty.to_token_stream(), span);
    quote_spanned!(span=> ::migrator_core::__private::#func::<#ty>();)
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

/// The `IndexState` expressions of the struct's `index(...)` settings.
fn indexes(cont: &Container<'_>, table: &str) -> Vec<TokenStream> {
    cont.attrs
        .indexes
        .iter()
        .map(|index| {
            let fields: Vec<String> = index
                .fields
                .as_ref()
                .map(|f| f.iter().map(|l| l.value()).collect())
                .unwrap_or_default();
            let unique = index.unique.is_some();
            let name = match &index.name {
                Some(n) => n.value(),
                None => {
                    let columns: Vec<String> = fields
                        .iter()
                        .filter_map(|f| cont.column_field(f))
                        .map(|f| f.column().0)
                        .collect();
                    default_index_name(table, &columns, unique)
                }
            };
            quote!(::migrator_core::IndexState::new(#name, [#(#fields),*], #unique))
        })
        .collect()
}

/// The default index name: `{table}_{col1}_{col2}_idx` (or `_uniq`). Names longer than 63
/// bytes are cut and given a stable 8-hex-digit hash of the full name, so two long names that
/// share a prefix still differ.
pub(crate) fn default_index_name(table: &str, columns: &[String], unique: bool) -> String {
    let suffix = if unique { "uniq" } else { "idx" };
    let base = format!("{table}_{}", columns.join("_"));
    let full = format!("{base}_{suffix}");
    if full.len() <= MAX_IDENTIFIER_BYTES {
        return full;
    }
    let keep = MAX_IDENTIFIER_BYTES - (1 + 8) - (1 + suffix.len());
    // Names are ASCII (checked identifiers), so byte slicing is on a char boundary.
    format!("{}_{:08x}_{suffix}", &base[..keep], fnv1a(full.as_bytes()))
}

/// 32-bit FNV-1a: a tiny hash that is stable across platforms and releases.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// `Some(String::from(s))` or `None`.
fn opt_string(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(::std::string::String::from(#s))),
        None => quote!(::core::option::Option::None),
    }
}

/// The `TypeSpec` literal of a field: only the settings it has, the rest defaulted.
fn type_spec(a: &FieldAttrs) -> TokenStream {
    let settings: Vec<TokenStream> = [
        ("max_length", a.max_length.as_ref()),
        ("precision", a.precision.as_ref()),
        ("scale", a.scale.as_ref()),
    ]
    .into_iter()
    .filter_map(|(key, value)| {
        let key = syn::Ident::new(key, Span::call_site());
        let n = value?.value;
        Some(quote!(#key: ::core::option::Option::Some(#n)))
    })
    .collect();
    match settings.len() {
        0 => quote!(<::migrator_core::TypeSpec as ::core::default::Default>::default()),
        3 => quote!(::migrator_core::TypeSpec { #(#settings),* }),
        _ => quote! {
            ::migrator_core::TypeSpec {
                #(#settings,)*
                ..<::migrator_core::TypeSpec as ::core::default::Default>::default()
            }
        },
    }
}
