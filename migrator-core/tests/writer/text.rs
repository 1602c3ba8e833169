//! Text in rendered files: any string comes back exactly (a property test over quotes,
//! escapes, control and bidirectional characters), and `run_rust` steps refer to functions
//! named after them.

use migrator_core::migration::prelude::*;
use migrator_core::writer::render;

/// Every string literal value in a rendered file (SQL, names, comments, defaults).
fn string_literals(source: &str) -> Vec<String> {
    fn walk(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
        for t in tokens {
            match t {
                proc_macro2::TokenTree::Group(g) => walk(g.stream(), out),
                proc_macro2::TokenTree::Literal(l) => {
                    if let Ok(s) = syn::parse_str::<syn::LitStr>(&l.to_string()) {
                        out.push(s.value());
                    }
                }
                _ => {}
            }
        }
    }
    let file: syn::File = syn::parse_str(source).expect("rendered files parse");
    let mut out = Vec::new();
    walk(quote::ToTokens::to_token_stream(&file), &mut out);
    out
}

proptest::proptest! {
    /// Any text (quotes, hashes, backslashes, line breaks, control, invisible and
    /// bidirectional characters) comes back exactly from the rendered file, and raw strings
    /// are only used for text that prints as itself.
    #[test]
    fn any_text_survives_rendering(
        sql in r##"[a-z '"#\\\n\t\r\x{7}\x{202e}\x{200b}é—]{0,40}"##,
        comment in r##"[a-z '"#\\\n\x{85}]{0,20}"##,
    ) {
        let m = Migration::default()
            .operation(run_sql([sql.clone()]).reverse([comment.clone()]))
            .operation(alter_model_comment("Book", Some(&comment)));
        let source = render(&m);
        let literals = string_literals(&source);
        proptest::prop_assert!(literals.contains(&sql), "{source}");
        proptest::prop_assert!(literals.contains(&comment), "{source}");
        for bad in ['\u{202e}', '\u{200b}', '\u{7}', '\r', '\u{85}'] {
            proptest::prop_assert!(!source.contains(bad), "{source}");
        }
    }
}

fn noop(_: &mut DbConnection) -> Result<(), BoxError> {
    Ok(())
}

/// A `RunRust` step is written as a reference to functions named after it, which must be
/// defined in the file; odd names still give valid Rust.
#[test]
fn run_rust_steps_refer_to_functions_named_after_them() {
    let m = Migration::default()
        .operation(run_rust("fill_titles", noop).backward(noop))
        .operation(run_rust("fn", noop))
        .operation(run_rust("2nd step::x", noop));
    let source = render(&m);
    assert!(
        source.contains(
            ".operation(run_rust(\"fill_titles\", fill_titles).backward(fill_titles_backward))"
        ),
        "{source}"
    );
    assert!(source.contains("run_rust(\"fn\", step_fn)"), "{source}");
    assert!(
        source.contains("run_rust(\"2nd step::x\", step_2nd_step__x)"),
        "{source}"
    );
}
