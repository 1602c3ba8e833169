//! `#[migrator_core::test]`: a test that runs on its own freshly migrated database.
//!
//! Parse first (the function's signature and the closed option set, every error collected in
//! [`Ctxt`] with its span), generate second: the test becomes a plain `#[test]` function that
//! hands the body, as an inner function with the user's own signature, to
//! `::migrator_core::testing::__private::run` with the options as data. Creating, migrating
//! (from a per-binary template), applying fixtures and dropping the database is runtime work
//! in `migrator_core::testing`; this module never talks to a database.
//!
//! Options: `migrate_to = "app.0002_name"` (a migration name or a unique prefix of one),
//! `fixtures("path.sql", …)` (SQL files read at compile time, relative to the test's source
//! file, as `include_str!` reads them), `fixture = path::to_fn` (a Rust function that gets the
//! connection after the SQL fixtures), `keep_on_failure` (a failing test's database is kept
//! and its location printed).

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, LitStr, Type};

use crate::ctxt::Ctxt;

/// Every option the attribute accepts, in the order error messages list them.
const KEYS: &[&str] = &["migrate_to", "fixtures", "fixture", "keep_on_failure"];

/// The parsed options.
#[derive(Default)]
struct Options {
    migrate_to: Option<LitStr>,
    fixtures: Vec<LitStr>,
    fixtures_seen: Option<Span>,
    fixture: Option<syn::Path>,
    keep_on_failure: Option<Span>,
}

/// Expands `#[migrator_core::test(args)] item`: the test, or the errors plus a plain test
/// stub so only the real errors show.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let options = parse_options(&cx, args);
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            cx.error(
                Span::call_site(),
                "`#[migrator_core::test]` goes on a function: `fn name(conn: &mut DbConnection) { … }`",
            );
            return cx.finish().unwrap_err().to_compile_error();
        }
    };
    let conn_ty = check_signature(&cx, &func);
    match (cx.finish(), conn_ty) {
        (Ok(()), Some(conn_ty)) => generate(&func, &options, conn_ty),
        (Err(errors), _) => stub(&func, errors),
        (Ok(()), None) => unreachable!("a missing connection type always records an error"),
    }
}

/// Parses the attribute's arguments; every problem is recorded and parsing goes on.
fn parse_options(cx: &Ctxt, args: TokenStream) -> Options {
    let mut options = Options::default();
    let parser = syn::meta::parser(|meta| {
        parse_one(cx, &mut options, &meta);
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        cx.syn_error(e);
    }
    options
}

fn parse_one(cx: &Ctxt, options: &mut Options, meta: &ParseNestedMeta<'_>) {
    let key = meta
        .path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| {
            let path = &meta.path;
            quote!(#path).to_string().replace(' ', "")
        });
    let span = meta.path.span();
    let duplicate = |seen: bool| {
        if seen {
            cx.error(
                span,
                format!("`{key}` is given twice in `#[migrator_core::test]`; keep one"),
            );
        }
    };
    let result = match key.as_str() {
        "migrate_to" => meta.value().and_then(|v| v.parse::<LitStr>()).map(|lit| {
            duplicate(options.migrate_to.is_some());
            check_migrate_to(cx, &lit);
            options.migrate_to = Some(lit);
        }),
        "fixtures" => {
            duplicate(options.fixtures_seen.is_some());
            options.fixtures_seen = Some(span);
            parse_fixtures(meta).map(|lits| {
                if lits.is_empty() {
                    cx.error(
                        span,
                        "`fixtures()` names no file; write `fixtures(\"fixtures/orders.sql\")` \
                         (paths relative to this source file) or leave it out",
                    );
                }
                options.fixtures.extend(lits);
            })
        }
        "fixture" => meta
            .value()
            .and_then(|v| v.parse::<syn::Path>())
            .map(|path| {
                duplicate(options.fixture.is_some());
                options.fixture = Some(path);
            }),
        "keep_on_failure" => {
            duplicate(options.keep_on_failure.is_some());
            options.keep_on_failure = Some(span);
            if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                Err(meta.error("`keep_on_failure` takes no value: write `keep_on_failure`"))
            } else {
                Ok(())
            }
        }
        _ => {
            let hint = closest(&key)
                .map(|k| format!(" (did you mean `{k}`?)"))
                .unwrap_or_default();
            let list = KEYS
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            cx.error(
                span,
                format!(
                    "unknown `#[migrator_core::test]` option `{key}`{hint}; expected one of: {list}"
                ),
            );
            skip_value(meta);
            Ok(())
        }
    };
    if let Err(e) = result {
        cx.syn_error(e);
        skip_value(meta);
    }
}

/// `fixtures("a.sql", "b.sql")`: string literals only.
fn parse_fixtures(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<LitStr>> {
    if !meta.input.peek(syn::token::Paren) {
        return Err(
            meta.error("write `fixtures(\"path.sql\", …)`: SQL files relative to this source file")
        );
    }
    let content;
    syn::parenthesized!(content in meta.input);
    // Take every token first, so a bad one is reported once (by us, not also by syn).
    let tokens: TokenStream = content.parse()?;
    let lits = syn::parse::Parser::parse2(
        syn::punctuated::Punctuated::<LitStr, syn::Token![,]>::parse_terminated,
        tokens,
    )
    .map_err(|e| {
        syn::Error::new(
            e.span(),
            "`fixtures(…)` takes string literals: the SQL files' paths relative to this \
                     source file, e.g. `fixtures(\"fixtures/orders.sql\")`",
        )
    })?;
    Ok(lits.into_iter().collect())
}

/// `migrate_to` names one migration: `app.name`, both SQL-identifier-like (`name` may be a
/// unique prefix such as `0002`, resolved at run time against the embedded migrations).
fn check_migrate_to(cx: &Ctxt, lit: &LitStr) {
    let value = lit.value();
    let ok = value.split_once('.').is_some_and(|(app, name)| {
        let ident =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        ident(app) && ident(name) && !app.starts_with(|c: char| c.is_ascii_digit())
    });
    if !ok {
        cx.error(
            lit.span(),
            format!(
                "`migrate_to = \"{value}\"` does not name a migration; write `\"app.migration\"`, \
                 e.g. `migrate_to = \"orders.0002_order_note\"` (a unique prefix such as \
                 `\"orders.0002\"` works too)"
            ),
        );
    }
}

/// Skips whatever follows a key whose error is recorded, up to the next `,`.
fn skip_value(meta: &ParseNestedMeta<'_>) {
    let _ = meta.input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if let proc_macro2::TokenTree::Punct(p) = &tt {
                if p.as_char() == ',' {
                    return Ok(((), rest));
                }
            }
            rest = next;
        }
        Ok(((), rest))
    });
}

/// The valid key closest to a typo, when close enough to be a likely intent.
fn closest(key: &str) -> Option<&'static str> {
    KEYS.iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The function must be `fn name(conn: &mut Connection) [-> R]`: not async, not generic, no
/// receiver, exactly one `&mut` argument. Returns the connection type (checked to be
/// `DbConnection` by the type system, at that type's span).
fn check_signature<'a>(cx: &Ctxt, func: &'a ItemFn) -> Option<&'a Type> {
    let sig = &func.sig;
    if let Some(asyncness) = &sig.asyncness {
        cx.error(
            asyncness.span(),
            "`#[migrator_core::test]` functions cannot be `async`: diesel's connections (and \
             migrator's `DbConnection`) are synchronous; remove `async` and use the `&mut \
             DbConnection` directly (a test that needs a runtime can build one inside the body)",
        );
    }
    if let Some(constness) = &sig.constness {
        cx.error(
            constness.span(),
            "a `#[migrator_core::test]` function cannot be `const`",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        cx.error(
            unsafety.span(),
            "a `#[migrator_core::test]` function cannot be `unsafe`",
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error(
            sig.generics.span(),
            "a `#[migrator_core::test]` function cannot be generic",
        );
    }
    if let Some(attr) = func.attrs.iter().find(|a| a.path().is_ident("test")) {
        cx.error(
            attr.span(),
            "remove `#[test]`: `#[migrator_core::test]` already makes the function a test",
        );
    }
    let args: Vec<&FnArg> = sig.inputs.iter().collect();
    let wrong_arity = || {
        format!(
            "a `#[migrator_core::test]` function takes exactly one argument, the connection: \
             `fn {}(conn: &mut DbConnection)` (`migrator_core::connection::DbConnection`)",
            sig.ident
        )
    };
    match args.as_slice() {
        [] => {
            cx.error(sig.paren_token.span.join(), wrong_arity());
            None
        }
        [FnArg::Receiver(r)] => {
            cx.error(
                r.span(),
                "a `#[migrator_core::test]` function cannot take `self`; write a free function \
                 `fn name(conn: &mut DbConnection)`",
            );
            None
        }
        [FnArg::Typed(arg)] => match &*arg.ty {
            Type::Reference(r) if r.mutability.is_some() => Some(&*r.elem),
            other => {
                cx.error(
                    other.span(),
                    "the connection must be taken by mutable reference: `conn: &mut \
                     DbConnection`",
                );
                None
            }
        },
        [_, extra, ..] => {
            cx.error(extra.span(), wrong_arity());
            None
        }
    }
}

/// The test: `#[test] fn name() { fn body(conn: &mut C) -> R { … } run(options, body) }`.
fn generate(func: &ItemFn, options: &Options, conn_ty: &Type) -> TokenStream {
    let attrs = &func.attrs;
    let vis = &func.vis;
    let name = &func.sig.ident;
    let name_str = name.to_string();
    let mut inner_sig = func.sig.clone();
    inner_sig.ident = syn::Ident::new("__migrator_test_body", name.span());
    let block = &func.block;
    let migrate_to = match &options.migrate_to {
        Some(lit) => quote!(::core::option::Option::Some(#lit)),
        None => quote!(::core::option::Option::None),
    };
    let fixtures = options.fixtures.iter().map(|lit| {
        quote_spanned! {lit.span()=>
            (#lit, ::core::include_str!(#lit))
        }
    });
    let fixture = match &options.fixture {
        Some(path) => quote_spanned! {path.span()=>
            ::core::option::Option::Some(
                (
                    ::core::stringify!(#path),
                    (|conn: &mut ::migrator_core::connection::DbConnection| {
                        ::migrator_core::testing::__private::FixtureResult::into_fixture_result(#path(conn))
                    }) as fn(&mut ::migrator_core::connection::DbConnection) -> ::core::result::Result<(), ::std::string::String>,
                )
            )
        },
        None => quote!(::core::option::Option::None),
    };
    let keep = options.keep_on_failure.is_some();
    // Each type is checked at its own span, once: the connection by the `from_db` call
    // (spanned at the argument's type), the return type by `run`'s bound (spanned at it).
    let from_db = quote_spanned! {type_span(conn_ty)=>
        ::migrator_core::testing::__private::TestConnection::from_db(conn)
    };
    let spec = quote! {
        ::migrator_core::testing::__private::TestSpec {
            name: ::core::concat!(::core::module_path!(), "::", #name_str),
            manifest_dir: ::core::env!("CARGO_MANIFEST_DIR"),
            target_tmpdir: ::core::option_env!("CARGO_TARGET_TMPDIR"),
            migrate_to: #migrate_to,
            fixtures: &[#(#fixtures),*],
            fixture: #fixture,
            keep_on_failure: #keep,
        }
    };
    let output_span = match &func.sig.output {
        syn::ReturnType::Type(_, ty) => type_span(ty),
        syn::ReturnType::Default => Span::call_site(),
    };
    let run = quote_spanned! {output_span=>
        ::migrator_core::testing::__private::run(#spec, |conn| __migrator_test_body(#from_db))
    };
    // The work is in a hidden function outside the `#[test]` one, so it is type-checked in
    // every build (a `#[test]` function exists only under `cfg(test)`): a wrong connection
    // type or a missing fixture file is an error wherever the crate is compiled.
    let hidden = syn::Ident::new(&format!("__migrator_test_{name}"), name.span());
    quote! {
        #[::core::prelude::v1::test]
        #(#attrs)*
        #vis fn #name() {
            #hidden()
        }

        #[doc(hidden)]
        #[allow(dead_code, non_snake_case)]
        fn #hidden() {
            #[allow(clippy::needless_pass_by_ref_mut)]
            #inner_sig #block
            #run
        }
    }
}

/// Where an error about a type points: the type's name (its last path segment), since a
/// stable proc macro cannot join the spans of a whole path.
fn type_span(ty: &Type) -> Span {
    match ty {
        Type::Path(p) => p
            .path
            .segments
            .last()
            .map_or_else(|| ty.span(), |s| s.ident.span()),
        _ => ty.span(),
    }
}

/// On errors: the errors, and the function as a plain `#[test]` without its body, so the
/// user sees only the real problems (no "unused function" or type errors from the body).
fn stub(func: &ItemFn, errors: syn::Error) -> TokenStream {
    let name = &func.sig.ident;
    let vis = &func.vis;
    let errors = errors.to_compile_error();
    quote! {
        #errors
        #[::core::prelude::v1::test]
        #vis fn #name() {}
    }
}
