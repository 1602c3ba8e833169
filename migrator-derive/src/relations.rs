//! The struct's many-to-many relations (`many_to_many(...)`, parsed by
//! `attr/many_to_many.rs`): the rules across their keys and the struct's fields
//! ([`check`]), and their descriptor sections and model constants ([`encode`]).
//!
//! What needs the other models — whether `to` and `through` are models (a trait bound on
//! their model constant, spanned at the path, says so at compile time), whether a `through`
//! model holds one foreign key to each side — is checked by the type system and by the
//! registry at start-up, which sees every model.

use std::collections::BTreeSet;

use migrator_descriptor::{self as tag, Writer};
use proc_macro2::TokenStream;
use quote::{quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::ast::{Container, PrimaryKey};
use crate::ctxt::Ctxt;
use crate::ident::identifier_problem;

/// Rejects a relation without `name` or `to`, a name that is not an identifier (or whose
/// join table `{table}_{name}` is too long), two relations with one name, a relation named
/// like a field, a `renamed_from` that is not an identifier or is the relation's name, a
/// `db_table` that is not an identifier, is given with `through`, or is the struct's own
/// table or another relation's join table, and a relation without `through` on a struct
/// whose primary key has several columns (the target's key is checked by a `const`
/// assertion, see [`encode`]).
pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    let (table, _) = cont.table();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut join_tables: BTreeSet<String> = BTreeSet::new();
    for rel in &cont.attrs.many_to_many {
        if rel.through.is_none() && cont.primary_key() == PrimaryKey::Composite {
            let name = rel.name.as_ref().map_or("tags".to_owned(), |n| n.value());
            cx.error(rel.key, composite_key_message(&cont.name, &name, true));
        }
        if let Some(lit) = &rel.db_table {
            check_db_table(cx, rel, lit, &table, &mut join_tables);
        }
        for (key, missing) in [("name", rel.name.is_none()), ("to", rel.to.is_none())] {
            if missing && !rel.given.contains(key) {
                cx.error(
                    rel.key,
                    format!(
                        "`many_to_many(...)` needs `{key}`, as in `many_to_many(name = \
                         \"tags\", to = Tag)`"
                    ),
                );
            }
        }
        let Some(lit) = &rel.name else { continue };
        let name = lit.value();
        if let Some(problem) = identifier_problem(&name) {
            cx.error(
                lit.span(),
                format!(
                    "many-to-many name `{name}` is not a valid identifier: {problem}; use a \
                     field-like name such as `tags`"
                ),
            );
            continue;
        }
        let join = format!("{table}_{name}");
        if rel.db_table.is_none() && !seen.contains(&name) && !join_tables.insert(join.clone()) {
            cx.error(
                lit.span(),
                format!(
                    "the join table of many-to-many `{name}` would be `{join}`, which another \
                     relation's `db_table` takes; give this one a `db_table` of its own"
                ),
            );
        }
        if let Some(problem) = identifier_problem(&join).filter(|_| rel.db_table.is_none()) {
            cx.error(
                lit.span(),
                format!(
                    "the join table of many-to-many `{name}` would be `{join}`: {problem}; \
                     choose a shorter relation name or table name"
                ),
            );
        }
        if !seen.insert(name.clone()) {
            cx.error(
                lit.span(),
                format!(
                    "many-to-many `{name}` is declared twice on `{}`; rename one",
                    cont.name
                ),
            );
        }
        if cont.fields.iter().any(|f| f.name == name) {
            cx.error(
                lit.span(),
                format!(
                    "many-to-many `{name}` has the name of a field of `{}`; rename the field \
                     or the relation",
                    cont.name
                ),
            );
        }
        if let Some(old) = &rel.renamed_from {
            let value = old.value();
            if let Some(problem) = identifier_problem(&value) {
                cx.error(
                    old.span(),
                    format!("`renamed_from = \"{value}\"` does not name a relation: {problem}"),
                );
            } else if value == name {
                cx.error(
                    old.span(),
                    format!(
                        "`renamed_from = \"{value}\"` is this relation's own name; give the \
                         previous name, or remove `renamed_from` once the rename is migrated"
                    ),
                );
            }
        }
    }
}

/// The rules of `db_table = "…"` on `rel` (see [`check`]). `taken` collects the join
/// tables named so far.
fn check_db_table(
    cx: &Ctxt,
    rel: &crate::attr::ManyToManyAttr,
    lit: &syn::LitStr,
    table: &str,
    taken: &mut BTreeSet<String>,
) {
    let value = lit.value();
    let problem = if rel.through.is_some() {
        Some(
            "is given together with `through`: the through model's own table is the join \
             table; set `#[model(table = \"…\")]` on the through model, or remove `through`"
                .to_owned(),
        )
    } else if let Some(problem) = identifier_problem(&value) {
        Some(format!("is not a table name: {problem}"))
    } else if value == table {
        Some(format!(
            "is the table of the struct itself; the join table needs its own, such as \
             `{table}_{}`",
            rel.name.as_ref().map_or("tags".to_owned(), |n| n.value())
        ))
    } else if !taken.insert(value.clone()) {
        Some("is the join table of another relation of this struct; give each its own".to_owned())
    } else {
        None
    };
    if let Some(problem) = problem {
        cx.error(
            lit.span(),
            format!("`db_table = \"{value}\"` on `many_to_many(...)` {problem}"),
        );
    }
}

/// Why a relation without `through` cannot involve `model`, whose primary key has several
/// columns (`owner`: the struct declaring relation `name`, else its target), and the manual
/// path.
fn composite_key_message(model: &str, name: &str, owner: bool) -> String {
    let side = if owner {
        format!("`{model}` declares many-to-many `{name}`, but its")
    } else {
        format!("many-to-many `{name}` points at `{model}`, whose")
    };
    format!(
        "{side} primary key has several columns: the join table migrator makes holds one \
         single-column foreign key to each side, so both need a one-column primary key (as \
         in Django 5.2, where a `ManyToManyField` cannot involve a `CompositePrimaryKey`); \
         write the join model yourself and name it with `through = …`, pointing its fields \
         at `{model}`'s whole key with `#[model(foreign_key(fields = [\"…\", \"…\"], to = \
         {model}, on_delete = \"cascade\"))]` on that struct"
    )
}

/// Writes one section per relation (after every other section) and pushes the model
/// constants of its target and through model, each spanned at its path so a path that is not
/// a model is reported there, and, for a relation without `through`, the `const` assertion
/// (spanned at `many_to_many`) that the target's primary key has one column. Runs only on a
/// model [`check`] accepted.
pub(crate) fn encode(
    cont: &Container<'_>,
    meta: &mut Writer,
    keys: &mut Vec<TokenStream>,
    const_asserts: &mut Vec<TokenStream>,
    replace_self: impl Fn(TokenStream) -> TokenStream,
) {
    for rel in &cont.attrs.many_to_many {
        let (Some(name), Some(to)) = (&rel.name, &rel.to) else {
            continue;
        };
        meta.text(tag::many_to_many::NAME, &name.value());
        let constant = |path: &syn::Path, what: &str| {
            let span = path.span();
            let path = replace_self(path.to_token_stream());
            let trait_name = syn::Ident::new(what, span);
            quote_spanned!(span=> <#path as __migrator::#trait_name>::KEY)
        };
        keys.push(constant(to, "ManyToManyTarget"));
        if let Some(through) = &rel.through {
            meta.flag(tag::many_to_many::THROUGH);
            keys.push(constant(through, "ThroughModel"));
        } else if !to.is_ident("Self") {
            // (`to = Self` is the struct's own key, which `check` judged.)
            let span = rel.key;
            let path = replace_self(to.to_token_stream());
            let target = to.segments.last().map(|s| s.ident.to_string());
            let message = composite_key_message(
                target.as_deref().unwrap_or("its target"),
                &name.value(),
                false,
            );
            const_asserts.push(quote_spanned! {span=>
                const _: () = ::core::assert!(
                    <#path as __migrator::ManyToManyTarget>::PRIMARY_KEY_COLUMNS == 1,
                    #message,
                );
            });
        }
        meta.text_opt(
            tag::many_to_many::RENAMED_FROM,
            rel.renamed_from.as_ref().map(|l| l.value()).as_deref(),
        );
        meta.text_opt(
            tag::many_to_many::DB_TABLE,
            rel.db_table.as_ref().map(|l| l.value()).as_deref(),
        );
    }
}
