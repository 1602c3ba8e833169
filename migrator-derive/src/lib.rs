//! `#[derive(Model)]` for migrator. Placeholder until the derive lands.
use proc_macro::TokenStream;

/// Derives `migrator_core::Model`.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
