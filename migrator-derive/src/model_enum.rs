//! `#[derive(ModelEnum)]`: a fieldless enum stored as text, its column checked to hold only
//! the enum's values. Parse (the enum, `#[model_enum(...)]` on it and its variants; every
//! error collected in [`Ctxt`]) → check (values distinct, within `max_length`) → generate
//! (`ModelEnum`, `Column` with `CHOICES`, the text-default marker, `Display`, `FromStr`, and
//! diesel's `ToSql`/`FromSql`/`AsExpression`/`Queryable` for `Text`, through
//! `::migrator_core::__private`).

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitInt, LitStr};

use crate::ctxt::Ctxt;

/// The keys `#[model_enum(...)]` takes on the enum.
const ENUM_KEYS: &[&str] = &["rename_all", "max_length"];
/// The keys `#[model_enum(...)]` takes on a variant.
const VARIANT_KEYS: &[&str] = &["rename"];
/// The spellings `rename_all` accepts.
const RENAME_RULES: &[&str] = &[
    "snake_case",
    "lowercase",
    "UPPERCASE",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "PascalCase",
];

/// Expands `#[derive(ModelEnum)]` on `input`: the generated impls, or the errors.
pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    let cx = Ctxt::new();
    let parsed = parse(&cx, &input);
    match cx.finish() {
        Ok(()) => expand(&input, &parsed),
        Err(errors) => errors.to_compile_error(),
    }
}

/// What the enum says: each variant with its stored value, and the column length.
struct Parsed {
    /// `(variant ident, stored value)` in declaration order.
    variants: Vec<(syn::Ident, String)>,
    /// The `VARCHAR` length.
    max_length: u32,
}

/// Reads the enum and its attributes, recording every mistake.
fn parse(cx: &Ctxt, input: &DeriveInput) -> Parsed {
    let mut rule: Option<(String, Span)> = None;
    let mut max_length: Option<(u32, Span)> = None;
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("model_enum"))
    {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string);
            match key.as_deref() {
                Some("rename_all") => {
                    let lit: LitStr = meta.value()?.parse()?;
                    if RENAME_RULES.contains(&lit.value().as_str()) {
                        rule = Some((lit.value(), lit.span()));
                    } else {
                        cx.error(
                            lit.span(),
                            format!(
                                "unknown `rename_all` rule `{}`; expected one of: {}",
                                lit.value(),
                                RENAME_RULES.join(", ")
                            ),
                        );
                    }
                }
                Some("max_length") => {
                    let lit: LitInt = meta.value()?.parse()?;
                    match lit.base10_parse::<u32>() {
                        Ok(n) if n > 0 => max_length = Some((n, lit.span())),
                        _ => cx.error(
                            lit.span(),
                            "`max_length` must be a positive integer, as in `max_length = 32`",
                        ),
                    }
                }
                _ => {
                    cx.error(
                        meta.path.span(),
                        format!(
                            "unknown `model_enum` key on the enum; valid keys: {}",
                            ENUM_KEYS.join(", ")
                        ),
                    );
                    if meta.input.peek(syn::Token![=]) {
                        let _: syn::Expr = meta.value()?.parse()?;
                    }
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    let Data::Enum(data) = &input.data else {
        cx.error(
            input.ident.span(),
            "`#[derive(ModelEnum)]` needs an enum of unit variants (`enum Status { Draft, Published }`)",
        );
        return Parsed {
            variants: Vec::new(),
            max_length: 1,
        };
    };
    if !input.generics.params.is_empty() {
        cx.error(
            input.generics.span(),
            "`#[derive(ModelEnum)]` takes no generic parameters: a column holds one enum's values",
        );
    }
    if data.variants.is_empty() {
        cx.error(
            input.ident.span(),
            "`#[derive(ModelEnum)]` needs at least one variant: its column could hold no value",
        );
    }
    let rule = rule.map_or_else(|| "snake_case".to_owned(), |(r, _)| r);
    let mut variants: Vec<(syn::Ident, String)> = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error(
                variant.fields.span(),
                format!(
                    "variant `{}` has fields; `#[derive(ModelEnum)]` stores unit variants only \
                     (store data in other columns)",
                    variant.ident
                ),
            );
        }
        let mut value = rename(&variant.ident.to_string(), &rule);
        let mut span = variant.ident.span();
        for attr in variant
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("model_enum"))
        {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: LitStr = meta.value()?.parse()?;
                    if lit.value().is_empty() {
                        cx.error(lit.span(), "`rename` must not be empty");
                    }
                    value = lit.value();
                    span = lit.span();
                } else {
                    cx.error(
                        meta.path.span(),
                        format!(
                            "unknown `model_enum` key on a variant; valid keys: {}",
                            VARIANT_KEYS.join(", ")
                        ),
                    );
                    if meta.input.peek(syn::Token![=]) {
                        let _: syn::Expr = meta.value()?.parse()?;
                    }
                }
                Ok(())
            });
            if let Err(e) = result {
                cx.syn_error(e);
            }
        }
        if let Some((other, _)) = variants.iter().find(|(_, v)| *v == value) {
            cx.error(
                span,
                format!(
                    "variant `{}` is stored as `{value}`, like `{other}`; give one of them \
                     `#[model_enum(rename = \"…\")]`",
                    variant.ident
                ),
            );
        }
        variants.push((variant.ident.clone(), value));
        spans.push(span);
    }
    let longest = variants
        .iter()
        .map(|(_, v)| v.chars().count())
        .max()
        .unwrap_or(1);
    let longest = u32::try_from(longest).unwrap_or(u32::MAX);
    let max_length = match max_length {
        Some((n, span)) => {
            for ((ident, value), _) in variants.iter().zip(&spans) {
                if value.chars().count() > n as usize {
                    cx.error(
                        span,
                        format!(
                            "`max_length = {n}` is shorter than `{value}` (variant `{ident}`, {} \
                             characters); raise it or rename the variant",
                            value.chars().count()
                        ),
                    );
                }
            }
            n
        }
        None => longest.max(1),
    };
    Parsed {
        variants,
        max_length,
    }
}

/// A variant's stored value under a `rename_all` rule.
fn rename(ident: &str, rule: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for (i, c) in ident.char_indices() {
        let starts = c.is_uppercase() || words.is_empty() || ident[..i].ends_with('_');
        if c == '_' {
            continue;
        }
        if starts {
            words.push(String::new());
        }
        if let Some(w) = words.last_mut() {
            w.push(c);
        }
    }
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    match rule {
        "lowercase" => lower.concat(),
        "UPPERCASE" => lower.concat().to_uppercase(),
        "SCREAMING_SNAKE_CASE" => lower.join("_").to_uppercase(),
        "kebab-case" => lower.join("-"),
        "PascalCase" => ident.to_owned(),
        _ => lower.join("_"),
    }
}

/// The generated impls.
fn expand(input: &DeriveInput, parsed: &Parsed) -> TokenStream {
    let ident = &input.ident;
    let name = ident.to_string();
    let idents: Vec<_> = parsed.variants.iter().map(|(i, _)| i).collect();
    let values: Vec<_> = parsed.variants.iter().map(|(_, v)| v).collect();
    let max_length = parsed.max_length;
    quote! {
        const _: () = {
            use ::migrator_core::__private::diesel as __diesel;

            #[automatically_derived]
            impl ::migrator_core::ModelEnum for #ident {
                const VALUES: &'static [&'static str] = &[#(#values),*];
                fn as_str(&self) -> &'static str {
                    match self {
                        #(Self::#idents => #values,)*
                    }
                }
                fn from_db_str(text: &str) -> ::core::option::Option<Self> {
                    match text {
                        #(#values => ::core::option::Option::Some(Self::#idents),)*
                        _ => ::core::option::Option::None,
                    }
                }
            }

            #[automatically_derived]
            impl ::migrator_core::Column for #ident {
                const CHOICES: ::core::option::Option<&'static [&'static str]> =
                    ::core::option::Option::Some(
                        <#ident as ::migrator_core::ModelEnum>::VALUES,
                    );
                fn column_type(_spec: &::migrator_core::TypeSpec) -> ::migrator_core::ColumnType {
                    ::migrator_core::ColumnType::Varchar(#max_length)
                }
            }

            #[automatically_derived]
            impl ::migrator_core::__private::TextDefault for #ident {}

            #[automatically_derived]
            impl ::core::fmt::Display for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.write_str(::migrator_core::ModelEnum::as_str(self))
                }
            }

            #[automatically_derived]
            impl ::core::str::FromStr for #ident {
                type Err = ::migrator_core::model_enum::UnknownValue;
                fn from_str(text: &str) -> ::core::result::Result<Self, Self::Err> {
                    <Self as ::migrator_core::ModelEnum>::from_db_str(text).ok_or_else(|| {
                        ::migrator_core::model_enum::UnknownValue {
                            enum_name: #name,
                            value: text.into(),
                            expected: <Self as ::migrator_core::ModelEnum>::VALUES,
                        }
                    })
                }
            }

            #[automatically_derived]
            impl<__DB> __diesel::serialize::ToSql<__diesel::sql_types::Text, __DB> for #ident
            where
                __DB: __diesel::backend::Backend,
                str: __diesel::serialize::ToSql<__diesel::sql_types::Text, __DB>,
            {
                fn to_sql<'__b>(
                    &'__b self,
                    out: &mut __diesel::serialize::Output<'__b, '_, __DB>,
                ) -> __diesel::serialize::Result {
                    <str as __diesel::serialize::ToSql<__diesel::sql_types::Text, __DB>>::to_sql(
                        ::migrator_core::ModelEnum::as_str(self),
                        out,
                    )
                }
            }

            #[automatically_derived]
            impl<__DB> __diesel::deserialize::FromSql<__diesel::sql_types::Text, __DB> for #ident
            where
                __DB: __diesel::backend::Backend,
                ::std::string::String: __diesel::deserialize::FromSql<__diesel::sql_types::Text, __DB>,
            {
                fn from_sql(
                    bytes: <__DB as __diesel::backend::Backend>::RawValue<'_>,
                ) -> __diesel::deserialize::Result<Self> {
                    let text = <::std::string::String as __diesel::deserialize::FromSql<
                        __diesel::sql_types::Text,
                        __DB,
                    >>::from_sql(bytes)?;
                    ::core::result::Result::Ok(text.parse::<Self>()?)
                }
            }

            #[automatically_derived]
            impl<__DB, __ST> __diesel::deserialize::Queryable<__ST, __DB> for #ident
            where
                __DB: __diesel::backend::Backend,
                __ST: __diesel::sql_types::SingleValue,
                Self: __diesel::deserialize::FromSql<__ST, __DB>,
            {
                type Row = Self;
                fn build(row: Self) -> __diesel::deserialize::Result<Self> {
                    ::core::result::Result::Ok(row)
                }
            }

            #[automatically_derived]
            impl __diesel::expression::AsExpression<__diesel::sql_types::Text> for #ident {
                type Expression = ::migrator_core::__private::EnumBind<__diesel::sql_types::Text>;
                fn as_expression(self) -> Self::Expression {
                    ::migrator_core::__private::EnumBind::new(::migrator_core::ModelEnum::as_str(&self))
                }
            }

            #[automatically_derived]
            impl<'__a> __diesel::expression::AsExpression<__diesel::sql_types::Text> for &'__a #ident {
                type Expression = ::migrator_core::__private::EnumBind<__diesel::sql_types::Text>;
                fn as_expression(self) -> Self::Expression {
                    ::migrator_core::__private::EnumBind::new(::migrator_core::ModelEnum::as_str(self))
                }
            }

            #[automatically_derived]
            impl __diesel::expression::AsExpression<
                __diesel::sql_types::Nullable<__diesel::sql_types::Text>,
            > for #ident {
                type Expression = ::migrator_core::__private::EnumBind<
                    __diesel::sql_types::Nullable<__diesel::sql_types::Text>,
                >;
                fn as_expression(self) -> Self::Expression {
                    ::migrator_core::__private::EnumBind::new(::migrator_core::ModelEnum::as_str(&self))
                }
            }

            #[automatically_derived]
            impl<'__a> __diesel::expression::AsExpression<
                __diesel::sql_types::Nullable<__diesel::sql_types::Text>,
            > for &'__a #ident {
                type Expression = ::migrator_core::__private::EnumBind<
                    __diesel::sql_types::Nullable<__diesel::sql_types::Text>,
                >;
                fn as_expression(self) -> Self::Expression {
                    ::migrator_core::__private::EnumBind::new(::migrator_core::ModelEnum::as_str(self))
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::rename;

    #[test]
    fn rename_rules_split_words_at_capitals_and_underscores() {
        assert_eq!(rename("NonFiction", "snake_case"), "non_fiction");
        assert_eq!(rename("NonFiction", "kebab-case"), "non-fiction");
        assert_eq!(rename("NonFiction", "lowercase"), "nonfiction");
        assert_eq!(rename("NonFiction", "UPPERCASE"), "NONFICTION");
        assert_eq!(rename("NonFiction", "SCREAMING_SNAKE_CASE"), "NON_FICTION");
        assert_eq!(rename("NonFiction", "PascalCase"), "NonFiction");
        assert_eq!(rename("Draft", "snake_case"), "draft");
        assert_eq!(rename("Html5Page", "snake_case"), "html5_page");
    }
}
