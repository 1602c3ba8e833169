//! The names of the functions a rendered `RunRust` step calls (the writer's half; the
//! functions themselves are written by hand, or copied by `squash`).

use quote::format_ident;

/// The function name a rendered `RunRust` step named `name` refers to: forwards (`backward`
/// false) or backwards (`<name>_backward`).
pub fn step_fn_name(name: &str, backward: bool) -> String {
    step_ident(name, if backward { "_backward" } else { "" }).to_string()
}

/// The function name a `RunRust` step refers to: its name made into an identifier (characters
/// that cannot be in one become `_`; a name that still is not one gets a `step_` prefix).
pub(super) fn step_ident(name: &str, suffix: &str) -> proc_macro2::Ident {
    let mut text: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    text.push_str(suffix);
    if syn::parse_str::<syn::Ident>(&text).is_err() {
        text.insert_str(0, "step_");
    }
    format_ident!("{}", text)
}
