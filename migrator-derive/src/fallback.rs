//! The stub `impl Model` emitted when the derive reports errors (thiserror's
//! `impl/src/fallback.rs`, clap's `dummies.rs` habit).
//!
//! With the stub in place, code that uses the model (`Book::definition()`, a foreign key to
//! `Book`) still type-checks, so the user sees only the real errors and no cascade of
//! "`Book` is not a model". The stub registers nothing and its `definition` panics; it never
//! runs, because the build fails on the errors emitted next to it.

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::DeriveInput;

/// The `errors` as `compile_error!`s plus a stub `impl Model` for `input`.
pub(crate) fn stub(input: &DeriveInput, app: &str, errors: &syn::Error) -> TokenStream {
    let errors = errors.to_compile_error();
    let ident = &input.ident;
    let name = ident.unraw().to_string();
    let table = name.to_snake_case();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    // An empty descriptor (the format version alone); `definition` never reads it.
    let descriptor = migrator_descriptor::Writer::new().finish();
    let message = format!(
        "`#[derive(Model)]` on `{name}` reported compile errors; this placeholder never runs"
    );
    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            impl #impl_generics ::migrator_core::Model for #ident #ty_generics #where_clause {
                const APP: &'static str = #app;
                const NAME: &'static str = #name;
                const TABLE: &'static str = #table;

                const DESCRIPTOR: &'static ::migrator_core::__private::ModelDescriptor =
                    &::migrator_core::__private::ModelDescriptor(#app, #name, #table, #descriptor, &[], &[]);

                fn definition() -> ::migrator_core::ModelDefinition {
                    ::core::panic!(#message)
                }
            }
        };
    }
}
