//! The value readers every `#[model(...)]` position shares: key lookup with "did you mean",
//! duplicate detection, flags, strings, integers, default literals, paths and `on_delete`.
//! Each records its own error in the [`Ctxt`] and returns `None`, so parsing goes on.

use proc_macro2::{Group, Span};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Lit, LitInt, LitStr, Token, UnOp};

use super::keys::{DefaultLit, OnDelete, Sp, FIELD_KEYS, ON_DELETE_VALUES, STRUCT_KEYS};
use crate::ctxt::Ctxt;

/// The key of one nested setting if it is one of `valid`; otherwise records an "unknown key"
/// error naming the valid keys, skips the setting's value and returns `None`.
pub(super) fn key_of(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    valid: &[&'static str],
    position: &str,
) -> syn::Result<Option<&'static str>> {
    let key = meta
        .path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_else(|| {
            let segments: Vec<String> = meta
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            segments.join("::")
        });
    if meta.path.get_ident().is_some() {
        if let Some(k) = valid.iter().find(|k| **k == key) {
            return Ok(Some(k));
        }
    }
    let list = valid
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let belongs_elsewhere = if position == "a field" && STRUCT_KEYS.contains(&key.as_str()) {
        Some("on the struct")
    } else if position == "the struct" && FIELD_KEYS.contains(&key.as_str()) {
        Some("on a field")
    } else {
        None
    };
    let hint = match (belongs_elsewhere, closest(&key, valid)) {
        (Some(place), _) => format!(" (`{key}` goes {place})"),
        (None, Some(k)) => format!(" (did you mean `{k}`?)"),
        (None, None) => String::new(),
    };
    cx.error(
        meta.path.span(),
        format!("unknown `model` attribute `{key}` on {position}{hint}; expected one of: {list}"),
    );
    skip_value(meta)?;
    Ok(None)
}

/// The valid key closest to a typo, when it is close enough to be a likely intent.
pub(super) fn closest<'a>(key: &str, valid: &[&'a str]) -> Option<&'a str> {
    valid
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .filter(|(d, k)| {
            *d <= 2.max(k.len() / 4)
                || (key.len() >= 3 && (k.starts_with(key) || key.starts_with(k)))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Skips `= value`, `(…)`, or any stray tokens up to the next `,` after a key whose error has
/// already been recorded, so parsing resumes at the next setting.
pub(super) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<Group>()?;
    }
    while !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        meta.input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

/// Stores `value` in `slot`, or records a duplicate-key error at `span`.
pub(super) fn set<T>(cx: &Ctxt, slot: &mut Option<T>, name: &str, span: Span, value: T) {
    if slot.is_some() {
        cx.error(
            span,
            format!("duplicate `{name}` attribute; remove one of the two"),
        );
    } else {
        *slot = Some(value);
    }
}

/// Stores a parsed value, if there is one (a rejected value has its error already).
pub(super) fn set_opt<T>(
    cx: &Ctxt,
    slot: &mut Option<T>,
    name: &str,
    span: Span,
    value: Option<T>,
) {
    if let Some(value) = value {
        set(cx, slot, name, span, value);
    }
}

/// Stores a parsed value with the span of its key, if there is one.
pub(super) fn set_sp<T>(
    cx: &Ctxt,
    slot: &mut Option<Sp<T>>,
    name: &str,
    span: Span,
    value: Option<T>,
) {
    set_opt(
        cx,
        slot,
        name,
        span,
        value.map(|value| Sp { key: span, value }),
    );
}

/// A flag key (`unique`): takes no value.
pub(super) fn flag(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    slot: &mut Option<Span>,
    name: &str,
) -> syn::Result<()> {
    let span = meta.path.span();
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        cx.error(
            span,
            format!("`{name}` is a flag and takes no value; write just `{name}`"),
        );
        return skip_value(meta);
    }
    set(cx, slot, name, span, span);
    Ok(())
}

/// A key that is a flag or takes a bool: `index` means `index = true`; `index = false` is
/// written out to opt out of a default (a foreign key's index).
pub(super) fn flag_or_bool(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    name: &str,
) -> syn::Result<Option<bool>> {
    if meta.input.peek(syn::token::Paren) {
        let extra = if name == "index" {
            " (a multi-column index goes on the struct: \
             `#[model(index(fields = [\"a\", \"b\"]))]`)"
        } else {
            ""
        };
        cx.error(
            meta.path.span(),
            format!("`{name}` takes no list; write `{name}` or `{name} = false`{extra}"),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    if !meta.input.peek(Token![=]) {
        return Ok(Some(true));
    }
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(Some(b.value)),
        other => {
            cx.error(
                other.span(),
                format!("`{name}` expects `true` or `false`, as in `{name} = false`"),
            );
            Ok(None)
        }
    }
}

/// The expression after `key =`, or an error at the key when there is none.
pub(super) fn expr_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    name: &str,
    example: &str,
) -> syn::Result<Option<Expr>> {
    if !meta.input.peek(Token![=]) {
        cx.error(
            meta.path.span(),
            format!("`{name}` needs a value, as in `{example}`"),
        );
        skip_value(meta)?;
        return Ok(None);
    }
    Ok(Some(meta.value()?.parse::<Expr>()?))
}

/// `key = "string"`.
pub(super) fn string_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    name: &str,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    let Some(expr) = expr_value(cx, meta, name, example)? else {
        return Ok(None);
    };
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(Some(s)),
        other => {
            cx.error(
                other.span(),
                format!("`{name}` expects a string literal, as in `{example}`"),
            );
            Ok(None)
        }
    }
}

/// `key = N` with `N >= min` that fits a `u32`.
pub(super) fn int_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    name: &str,
    min: u32,
) -> syn::Result<Option<u32>> {
    let example = format!("{name} = {}", if min == 0 { 2 } else { 100 });
    let Some(expr) = expr_value(cx, meta, name, &example)? else {
        return Ok(None);
    };
    let Expr::Lit(ExprLit {
        lit: Lit::Int(lit), ..
    }) = &expr
    else {
        cx.error(
            expr.span(),
            format!("`{name}` expects an integer literal, as in `{example}`"),
        );
        return Ok(None);
    };
    match lit.base10_parse::<u32>() {
        Ok(n) if n >= min => Ok(Some(n)),
        _ => {
            cx.error(
                lit.span(),
                format!("`{name}` must be an integer from {min} to {}", u32::MAX),
            );
            Ok(None)
        }
    }
}

/// `default = <literal>`: a string, an integer or float (optionally negative), or a bool;
/// returned with the span of the literal token (the `3` of `-3`).
pub(super) fn default_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<(DefaultLit, Span)>> {
    let Some(expr) = expr_value(cx, meta, "default", "default = 0")? else {
        return Ok(None);
    };
    Ok(default_literal(cx, &expr))
}

/// The [`DefaultLit`] of a `default` expression and the span of its literal token, or `None`
/// with its error recorded.
pub(super) fn default_literal(cx: &Ctxt, expr: &Expr) -> Option<(DefaultLit, Span)> {
    let (negative, lit) = match expr {
        Expr::Lit(ExprLit { lit, .. }) => (false, lit),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr: inner,
            ..
        }) => match &**inner {
            Expr::Lit(ExprLit {
                lit: lit @ (Lit::Int(_) | Lit::Float(_)),
                ..
            }) => (true, lit),
            _ => return bad_default(cx, expr),
        },
        _ => return bad_default(cx, expr),
    };
    let value = match lit {
        Lit::Str(s) => Some(DefaultLit::Text(s.value())),
        Lit::Bool(b) => Some(DefaultLit::Bool(b.value)),
        Lit::Int(i) => int_default(cx, i, negative),
        Lit::Float(f) => {
            let text = f.base10_digits();
            Some(DefaultLit::Float(if negative {
                format!("-{text}")
            } else {
                text.to_string()
            }))
        }
        _ => bad_default(cx, expr),
    };
    value.map(|v| (v, lit.span()))
}

/// An integer default that must fit an `i64`.
pub(super) fn int_default(cx: &Ctxt, lit: &LitInt, negative: bool) -> Option<DefaultLit> {
    let parsed = lit.base10_parse::<i128>().ok().and_then(|n| {
        let n = if negative { -n } else { n };
        i64::try_from(n).ok()
    });
    match parsed {
        Some(n) => Some(DefaultLit::Int(n)),
        None => {
            cx.error(lit.span(), "`default` integer does not fit in an i64");
            None
        }
    }
}

/// Records the "default must be a literal" error.
pub(super) fn bad_default<T>(cx: &Ctxt, expr: &Expr) -> Option<T> {
    cx.error(
        expr.span(),
        "`default` expects a literal: a string, integer, float or bool (as in `default = 0` or \
         `default = \"draft\"`); for an SQL expression use `default_sql = \"…\"`",
    );
    None
}

/// `name = path::To::Model` (`foreign_key`, `to`, `through`); a string is refused with the path
/// to write instead.
pub(super) fn model_path(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    name: &str,
    example: &str,
) -> syn::Result<Option<syn::Path>> {
    let Some(expr) = expr_value(cx, meta, name, &format!("{name} = {example}"))? else {
        return Ok(None);
    };
    match expr {
        Expr::Path(p) if p.qself.is_none() => Ok(Some(p.path)),
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => {
            cx.error(
                s.span(),
                format!(
                    "`{name}` expects a path to the model type, not a string: write `{name} = {}`",
                    s.value()
                ),
            );
            Ok(None)
        }
        other => {
            cx.error(
                other.span(),
                format!(
                    "`{name}` expects a path to a model type, as in `{name} = {example}` or \
                     `{name} = crate::models::{example}`"
                ),
            );
            Ok(None)
        }
    }
}

/// `on_delete = "cascade" | "restrict" | "set_null" | "set_default" | "no_action"`.
pub(super) fn on_delete_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<(OnDelete, LitStr)>> {
    let Some(lit) = string_value(cx, meta, "on_delete", "on_delete = \"cascade\"")? else {
        return Ok(None);
    };
    let value = match lit.value().as_str() {
        "cascade" => OnDelete::Cascade,
        "restrict" => OnDelete::Restrict,
        "set_null" => OnDelete::SetNull,
        "set_default" => OnDelete::SetDefault,
        "no_action" => OnDelete::NoAction,
        other => {
            let list = ON_DELETE_VALUES
                .iter()
                .map(|k| format!("\"{k}\""))
                .collect::<Vec<_>>()
                .join(", ");
            cx.error(
                lit.span(),
                format!("unknown `on_delete` value \"{other}\"; expected one of: {list}"),
            );
            return Ok(None);
        }
    };
    Ok(Some((value, lit)))
}
