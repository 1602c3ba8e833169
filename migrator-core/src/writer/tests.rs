//! Unit tests of the writer's private helpers (string starts, rustfmt-like layout).

use super::{lines_starting_in_string, render};
use crate::migration::prelude::*;
use proc_macro2::TokenStream;

/// The string literal values of a rendered file.
fn literals(source: &str) -> Vec<String> {
    fn walk(tokens: TokenStream, out: &mut Vec<String>) {
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

#[test]
fn a_one_off_default_reads_as_rustfmt_lays_it_out() {
    let m = Migration::default().operation(
        add_field(
            "Book",
            field("pages", ColumnType::Integer).default(DefaultValue::Int(0)),
        )
        .preserve_default(false),
    );
    let source = render(&m);
    let body = source.split_once("Migration::default()\n").unwrap().1;
    assert_eq!(
        body,
        "        .operation(
            add_field(
                \"Book\",
                field(\"pages\", ColumnType::Integer).default(DefaultValue::Int(0)),
            )
            .preserve_default(false),
        )
}
"
    );
}

#[test]
fn nested_chains_and_multi_line_strings_inside_them_are_kept_exact() {
    let comment = "first line\n        indented eight\n    indented four\n)\n.not_code(";
    let m = Migration::default().operation(
        alter_field(
            "Book",
            field(
                "price",
                ColumnType::Decimal {
                    precision: 10,
                    scale: 2,
                },
            )
            .default(DefaultValue::Sql("CURRENT_TIMESTAMP".into()))
            .comment(comment),
        )
        .field_name("cost")
        .preserve_default(false),
    );
    let source = render(&m);
    assert!(literals(&source).contains(&comment.to_owned()), "{source}");
    // No line of code is indented two levels past the line it continues.
    let in_string = lines_starting_in_string(&source);
    let lines: Vec<&str> = source.split('\n').collect();
    for k in 1..lines.len() {
        if in_string[k] || in_string[k - 1] {
            continue;
        }
        let indent = |l: &str| l.len() - l.trim_start().len();
        assert!(
            indent(lines[k]) <= indent(lines[k - 1]) + 4,
            "{:?} → {:?}\n{source}",
            lines[k - 1],
            lines[k]
        );
    }
    assert!(
            source.contains("\n            )\n            .field_name(\"cost\")\n            .preserve_default(false),\n"),
            "{source}"
        );
    // Rendering is still deterministic and the result still parses to the same chain.
    assert_eq!(render(&m), source);
}

#[test]
fn string_starts_are_found_across_escapes_and_raw_strings() {
    let text = "a(\"x\\\"\ny\")\nr#\"q\"\n\"#\nb\n\"\\\\\"\nc";
    assert_eq!(
        lines_starting_in_string(text),
        [false, true, false, true, false, false, false]
    );
}
