//! The struct's multi-column foreign keys (`foreign_key(fields = [...], to = …, on_delete =
//! "…")`, parsed by `attr/foreign_key.rs`): the rules across their keys and the struct's
//! fields ([`check`]), and their descriptor sections, model constants and type-system
//! assertions ([`encode`]).
//!
//! What needs the target — that it is a model, that its primary key has as many fields (a
//! one-column key points at the field's own `foreign_key = …`) — is asserted with constants
//! spanned at `to`; that each column has its key column's type is checked when the models
//! are collected (`registry.rs`), as for a field's foreign key.

use std::collections::BTreeSet;

use migrator_descriptor::{self as tag, Writer};
use proc_macro2::TokenStream;
use quote::{quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::ast::Container;
use crate::attr::{foreign_key_example as EXAMPLE, OnDelete};
use crate::ctxt::Ctxt;
use crate::ident::identifier_problem;

/// Rejects a `foreign_key(...)` without `fields`, `to` or `on_delete`; with fewer than two
/// fields (one field's foreign key is written on the field); naming a field that is not a
/// column or one twice; the same fields as another `foreign_key(...)`; and a `name` that is
/// not an identifier or is another one's.
pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    let mut field_lists: Vec<Vec<String>> = Vec::new();
    let mut names: BTreeSet<String> = BTreeSet::new();
    for fk in &cont.attrs.foreign_keys {
        for (key, missing) in [
            ("fields", fk.fields.is_none()),
            ("to", fk.to.is_none()),
            ("on_delete", fk.on_delete.is_none()),
        ] {
            if missing && !fk.given.contains(key) {
                cx.error(
                    fk.key,
                    format!("`foreign_key(...)` needs `{key}`, as in `{EXAMPLE}`"),
                );
            }
        }
        if let Some(lit) = &fk.name {
            let name = lit.value();
            if let Some(problem) = identifier_problem(&name) {
                cx.error(
                    lit.span(),
                    format!("foreign-key name `{name}` is not a valid identifier: {problem}"),
                );
            } else if !names.insert(name.clone()) {
                cx.error(
                    lit.span(),
                    format!(
                        "two foreign keys of `{}` are named `{name}`; give one another `name`",
                        cont.name
                    ),
                );
            }
        }
        let Some(fields) = &fk.fields else { continue };
        if let [only] = fields.as_slice() {
            cx.error(
                only.span(),
                format!(
                    "a foreign key over one field is written on the field: put \
                     `#[model(foreign_key = Model, on_delete = \"…\")]` on `{}` and remove \
                     this `foreign_key(...)` from the struct",
                    only.value()
                ),
            );
            continue;
        }
        let mut seen: Vec<String> = Vec::new();
        let mut ok = true;
        for lit in fields {
            let name = lit.value();
            if cont.column_field(&name).is_none() {
                cx.error(
                    lit.span(),
                    cont.not_a_column(
                        "foreign-key field",
                        &name,
                        "a foreign key's fields must be columns",
                    ),
                );
                ok = false;
            } else if seen.contains(&name) {
                cx.error(
                    lit.span(),
                    format!("the foreign key names field `{name}` twice; list each field once"),
                );
                ok = false;
            }
            seen.push(name);
        }
        if ok && field_lists.contains(&seen) {
            cx.error(
                fk.key,
                format!(
                    "two foreign keys of `{}` are over ({}); remove one",
                    cont.name,
                    seen.join(", ")
                ),
            );
        }
        field_lists.push(seen);
    }
}

/// Writes each `foreign_key(...)` as a descriptor section (its name — empty when derived
/// from the target's table by migrator-core — its fields, its rule), pushes its target's
/// model constant after the relations', and asserts that the target's primary key has as
/// many fields, spanned at `to`; for `set_null`, pushes each field's type and the rule's span
/// to `nullable` (the caller asserts they are nullable there).
pub(crate) fn encode(
    cont: &Container<'_>,
    meta: &mut Writer,
    keys: &mut Vec<TokenStream>,
    const_asserts: &mut Vec<TokenStream>,
    nullable: &mut Vec<(TokenStream, proc_macro2::Span)>,
    replace_self: impl Fn(TokenStream) -> TokenStream,
) {
    for fk in &cont.attrs.foreign_keys {
        let (Some(fields), Some(to), Some((rule, lit))) = (&fk.fields, &fk.to, &fk.on_delete)
        else {
            continue;
        };
        let name = fk.name.as_ref().map(|n| n.value()).unwrap_or_default();
        meta.text(tag::foreign_key::NAME, &name);
        for f in fields {
            meta.text(tag::foreign_key::FIELD, &f.value());
        }
        let rule_tag = match rule {
            OnDelete::Cascade => tag::on_delete::CASCADE,
            OnDelete::Restrict => tag::on_delete::RESTRICT,
            OnDelete::SetNull => tag::on_delete::SET_NULL,
            OnDelete::SetDefault => tag::on_delete::SET_DEFAULT,
            OnDelete::NoAction => tag::on_delete::NO_ACTION,
        };
        meta.rule(tag::foreign_key::RULE, rule_tag);
        let span = to.span();
        let path = replace_self(to.to_token_stream());
        keys.push(quote_spanned!(span=> <#path as ::migrator_core::Model>::KEY));
        let target = to.segments.last().map(|s| s.ident.to_string());
        let target = target.as_deref().unwrap_or("its target");
        let list: Vec<String> = fields.iter().map(|f| f.value()).collect();
        let n = fields.len();
        let one = format!(
            "`{target}` has a one-column primary key: a foreign key to it is written on the \
             field, `#[model(foreign_key = {target}, on_delete = \"…\")]`, not as \
             `foreign_key(fields = [...])` on the struct"
        );
        let arity = format!(
            "the foreign key over ({}) names {n} fields, but the primary key of `{target}` has \
             another number of fields: name one field per key field, in the key's order",
            list.join(", ")
        );
        const_asserts.push(quote_spanned! {span=>
            const _: () = ::core::assert!(
                <#path as ::migrator_core::Model>::PRIMARY_KEY_COLUMNS != 1,
                #one,
            );
            const _: () = ::core::assert!(
                <#path as ::migrator_core::Model>::PRIMARY_KEY_COLUMNS == 1
                    || <#path as ::migrator_core::Model>::PRIMARY_KEY_COLUMNS == #n,
                #arity,
            );
        });
        if rule == &OnDelete::SetNull {
            for f in fields {
                if let Some(field) = cont.column_field(&f.value()) {
                    nullable.push((replace_self(field.ty.to_token_stream()), lit.span()));
                }
            }
        }
    }
}
