//! `#[derive(Model)]` for migrator: parse the struct into a typed model (`ast.rs`, with the
//! closed attribute set of `attr.rs`), check cross-field rules (`check.rs`) and the names of
//! the model's database objects (`names.rs`), then generate the
//! `impl migrator_core::Model` and its inventory registration (`codegen.rs`). On any error the
//! derive reports every error of the struct at once and emits a stub impl (`fallback.rs`).
//!
//! Use it through `migrator_core::Model`; generated code names only `::migrator_core::…`.
//! This crate never talks to a database and never writes files.
//!
//! # Attributes
//!
//! On the struct, `#[model(...)]` accepts:
//! - `table = "books"`: the table name (default: the struct name in snake_case);
//! - `index(fields = ["a", "b"], name = "…", unique)`: a (multi-column) index, repeatable;
//!   the default name is `{table}_{col1}_{col2}_idx` (`_uniq` when unique), cut to 63 bytes
//!   with a stable hash suffix when longer, and given a hash of its columns when another
//!   object of the model has that name (`names.rs`). An index repeating another (the same
//!   fields in order, the same uniqueness; a field's own index counts) is an error, and so is
//!   a `name` another object of the model has;
//! - `check(name = "…", sql = "…")`: a check constraint, repeatable; `sql` is one SQL
//!   expression (`migrator_descriptor::sql`: no `;`, comment, `$`, or unbalanced parenthesis
//!   or quote outside string literals);
//! - `renamed_from = "OldName"`: the model's previous name (a rename hint for makemigrations).
//!
//! On a field:
//! - `primary_key`; without it, a field named `id` is the primary key, auto-increment when its
//!   column type is an integer (an explicit `primary_key` is auto-increment only with `auto`).
//!   A primary key cannot be nullable (`Option<…>`);
//! - `auto`: auto-increment (needs the primary key and an integer type);
//! - `column = "…"`: the column name (default: the field name);
//! - `max_length = N` (strings), `precision = P, scale = S` (decimals; both required);
//! - `unique`; `index` (also `index = true`), `index = false`: a single-column index;
//! - `default = <literal>` (string, integer, float or bool), `default_sql = "…"` (one SQL
//!   expression, as a check's `sql`). The
//!   literal's kind is checked against the field type at compile time, with the error at the
//!   literal: strings for `String`, chrono dates and times, `Uuid` and JSON (their ISO 8601 /
//!   hyphenated / JSON text); integers for integers, floats and decimals; floats for floats
//!   and decimals; bools for `bool`; `Option<T>` as `T`. A user type opts in by implementing
//!   `migrator_core::field_type::{TextDefault, IntegerDefault, FloatDefault, BoolDefault}`.
//!   A `db_type` field is not checked;
//! - `foreign_key = path::To::Model, on_delete = "cascade" | "restrict" | "set_null" |
//!   "set_default" | "no_action"` (`on_delete` is required). A foreign-key column is indexed
//!   by default, as Django's `ForeignKey(db_index=True)`, unless it is `unique` or the primary
//!   key (indexed already); `index = false` opts out;
//! - `renamed_from = "old_name"`: a rename hint;
//! - `skip`: not a column (the type needs no trait);
//! - `db_type = "…"`: the column type spelled verbatim (one type: as a check's `sql`, and no
//!   `,` outside parentheses); the type then needs no `Column`
//!   implementation, and the column is nullable exactly when the type is written `Option<…>`.
//!
//! The app label is the crate's package name with `-` replaced by `_`. Table, column, index
//! and check names must be SQL identifiers (`[A-Za-z_][A-Za-z0-9_]*`, at most 63 bytes).

mod ast;
mod attr;
mod attr_items;
mod check;
mod codegen;
mod ctxt;
mod fallback;
mod ident;
mod model_enum;
mod names;
mod relations;
mod test_attr;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Derives `migrator_core::Model` for a struct with named fields and registers the model.
/// See the crate documentation for every `#[model(...)]` attribute.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    expand::derive_model_inner(input.into()).into()
}

/// Derives `migrator_core::ModelEnum` (and `Column`, `Display`, `FromStr`, diesel's text
/// conversions) for a fieldless enum stored as text; a model field of the enum gets a check
/// constraint allowing exactly its values. `#[model_enum(rename_all = "…", max_length = N)]` on
/// the enum, `#[model_enum(rename = "…")]` on a variant. See `migrator_core::model_enum`.
#[proc_macro_derive(ModelEnum, attributes(model_enum))]
pub fn derive_model_enum(input: TokenStream) -> TokenStream {
    model_enum::derive(input.into()).into()
}

/// `#[migrator_core::test]`: the function runs as a test on its own database, created on the
/// configured backend (`DATABASE_URL`, `migrator.toml`; a temporary SQLite file by default),
/// migrated with the migrations embedded in the test binary (copied from a template built once
/// per binary), and dropped afterwards — also when the test panics.
///
/// ```ignore
/// #[migrator_core::test(migrate_to = "orders.0003_order_item_count", fixtures("orders.sql"))]
/// fn counts_start_at_zero(conn: &mut DbConnection) { /* … */ }
/// ```
///
/// Options: `migrate_to = "app.migration"`, `fixtures("file.sql", …)` (relative to the source
/// file), `fixture = function` (`fn(&mut DbConnection)` returning `()` or a `Result`),
/// `keep_on_failure`. Use it through `migrator_core::test` (the `testing` feature); the
/// runtime is `migrator_core::testing` and docs/testing.md is the guide.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    test_attr::expand(args.into(), item.into()).into()
}

/// The token-level entry point, separate from the `proc_macro` API so unit tests (expansion
/// snapshots) can call it.
mod expand {
    use proc_macro2::{Span, TokenStream};

    use crate::{ast, check, codegen, ctxt::Ctxt, fallback};

    /// Expands `#[derive(Model)]` on `input`: the generated code, or the errors plus a stub.
    pub fn derive_model_inner(input: TokenStream) -> TokenStream {
        let input: syn::DeriveInput = match syn::parse2(input) {
            Ok(input) => input,
            Err(e) => return e.to_compile_error(),
        };
        let cx = Ctxt::new();
        let app = app_label(&cx);
        let container = ast::Container::from_ast(&cx, &input);
        if let Some(container) = &container {
            check::check(&cx, container);
        }
        match (container, cx.finish()) {
            (Some(container), Ok(())) => codegen::expand(&container, &app),
            (_, Err(errors)) => fallback::stub(&input, &app, &errors),
            (None, Ok(())) => unreachable!("a missing container always records an error"),
        }
    }

    /// The app label: `CARGO_PKG_NAME` of the crate being compiled, `-` replaced by `_`.
    fn app_label(cx: &Ctxt) -> String {
        match std::env::var("CARGO_PKG_NAME") {
            Ok(name) => name.replace('-', "_"),
            Err(_) => {
                cx.error(
                    Span::call_site(),
                    "`#[derive(Model)]` takes the app label from `CARGO_PKG_NAME`, which is not \
                     set: build this crate with cargo",
                );
                String::new()
            }
        }
    }
}

#[cfg(test)]
pub(crate) use expand::derive_model_inner;
