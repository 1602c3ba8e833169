//! The code a squash needs from the files it replaces: a `RunRust` step is a function in its
//! migration's file, which the squash's file must define itself once the replaced files are
//! deleted. Each replaced file with a kept step is parsed; its items other than
//! `migration()` and the prelude import (the step functions and whatever they use) are
//! copied, with a step function renamed to the name the writer gives it. The same item in
//! two files is copied once; two different items of one name are an error naming both files.
//! Comments inside copied items are not kept (doc comments are).

use std::collections::BTreeMap;
use std::path::Path;

use quote::ToTokens;
use syn::visit::Visit;

use super::{CopiedCode, SquashError};
use crate::migration::{Migration, MigrationKey};
use crate::operations::Operation;
use crate::writer;

/// What [`copy_step_code`] found.
pub(super) struct Copied {
    /// The items' source, to append to the squash's file (empty when there are none).
    pub source: String,
    /// Which items came from which file.
    pub copied: Vec<CopiedCode>,
}

/// The items the kept `RunRust` steps of `squash` need, from the files of `members`.
pub(super) fn copy_step_code(
    dir: Option<&Path>,
    members: &[&Migration],
    squash: &Migration,
) -> Result<Copied, SquashError> {
    let kept: Vec<&str> = squash
        .operations
        .iter()
        .filter_map(|op| match op {
            Operation::RunRust(r) => Some(r.name),
            _ => None,
        })
        .collect();
    let mut items: Vec<syn::Item> = Vec::new();
    // Item name → (its tokens, the migration it came from).
    let mut seen: BTreeMap<String, (String, MigrationKey)> = BTreeMap::new();
    let mut copied = Vec::new();
    for m in members {
        let steps: Vec<&str> = m
            .operations
            .iter()
            .filter_map(|op| match op {
                Operation::RunRust(r) if kept.contains(&r.name) => Some(r.name),
                _ => None,
            })
            .collect();
        if steps.is_empty() {
            continue;
        }
        let fail = |path: &Path, reason: String| SquashError::StepCode {
            migration: m.key(),
            path: path.to_path_buf(),
            reason,
        };
        let Some(dir) = dir else {
            return Err(fail(
                Path::new(&format!("{}.rs", m.name)),
                "the app's migrations folder is not known; run squashmigrations in the \
                 workspace that holds the app"
                    .to_owned(),
            ));
        };
        let path = dir.join(format!("{}.rs", m.name));
        let text = std::fs::read_to_string(&path).map_err(|e| fail(&path, e.to_string()))?;
        let file = syn::parse_file(&text).map_err(|e| {
            fail(
                &path,
                format!("it does not parse ({e}); fix the file, then squash again"),
            )
        })?;
        let mut calls = StepCalls::default();
        calls.visit_file(&file);
        // Original function name → the name the squash's file calls it.
        let mut renames: BTreeMap<String, String> = BTreeMap::new();
        for step in &steps {
            let Some((forward, backward)) = calls.steps.get(*step) else {
                return Err(fail(
                    &path,
                    format!("its `migration()` has no `run_rust(\"{step}\", …)` call to find the step's function by; write the call that way, then squash again"),
                ));
            };
            renames.insert(forward.clone(), writer::step_fn_name(step, false));
            if let Some(b) = backward {
                renames.insert(b.clone(), writer::step_fn_name(step, true));
            }
        }
        let mut names = Vec::new();
        for item in file.items {
            if is_migration_fn(&item) || is_prelude_use(&item) {
                continue;
            }
            let mut item = item;
            if let syn::Item::Fn(f) = &mut item {
                if let Some(new) = renames.get(&f.sig.ident.to_string()) {
                    f.sig.ident = syn::Ident::new(new, f.sig.ident.span());
                }
            }
            let name = item_name(&item);
            let tokens = item.to_token_stream().to_string();
            match seen.get(&name) {
                Some((t, _)) if *t == tokens => continue,
                Some((_, from)) => {
                    return Err(fail(
                        &path,
                        format!(
                            "`{name}` is defined differently here and in `{from}`'s file; \
                             rename one of them (and the `run_rust` call naming it), then \
                             squash again"
                        ),
                    ))
                }
                None => {}
            }
            seen.insert(name.clone(), (tokens, m.key()));
            names.push(name);
            items.push(item);
        }
        copied.push(CopiedCode {
            migration: m.key(),
            items: names,
        });
    }
    if items.is_empty() {
        return Ok(Copied {
            source: String::new(),
            copied,
        });
    }
    // One item at a time, with a blank line between them as rustfmt leaves hand-written code.
    let rendered: Vec<String> = items
        .into_iter()
        .map(|item| {
            let file = syn::File {
                shebang: None,
                attrs: Vec::new(),
                items: vec![item],
            };
            prettyplease::unparse(&file).trim_end().to_owned()
        })
        .collect();
    let mut source = String::from("// Data steps copied from the migrations this one replaces.\n");
    source.push_str(&rendered.join("\n\n"));
    source.push('\n');
    Ok(Copied { source, copied })
}

fn is_migration_fn(item: &syn::Item) -> bool {
    matches!(item, syn::Item::Fn(f) if f.sig.ident == "migration")
}

fn is_prelude_use(item: &syn::Item) -> bool {
    matches!(item, syn::Item::Use(u) if u.to_token_stream().to_string().replace(' ', "")
        == "usemigrator_core::migration::prelude::*;")
}

/// The name an item is known by in the file (a `use` by its text).
fn item_name(item: &syn::Item) -> String {
    match item {
        syn::Item::Fn(f) => f.sig.ident.to_string(),
        syn::Item::Const(c) => c.ident.to_string(),
        syn::Item::Static(s) => s.ident.to_string(),
        syn::Item::Struct(s) => s.ident.to_string(),
        syn::Item::Enum(e) => e.ident.to_string(),
        syn::Item::Type(t) => t.ident.to_string(),
        syn::Item::Mod(m) => m.ident.to_string(),
        syn::Item::Trait(t) => t.ident.to_string(),
        other => other.to_token_stream().to_string(),
    }
}

/// The `run_rust("name", forward)` calls of a file, with `.backward(f)` chained on them.
#[derive(Default)]
struct StepCalls {
    /// Step name → (forward function, backward function).
    steps: BTreeMap<String, (String, Option<String>)>,
}

impl<'ast> Visit<'ast> for StepCalls {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.method == "backward" {
            if let (Some(step), Some(syn::Expr::Path(f))) =
                (run_rust_call(&call.receiver), call.args.first())
            {
                if let Some(ident) = f.path.get_ident() {
                    self.steps
                        .entry(step.0)
                        .or_insert((step.1, None))
                        .1
                        .replace(ident.to_string());
                }
            }
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Some((name, forward)) = run_rust_call(&syn::Expr::Call(call.clone())) {
            self.steps.entry(name).or_insert((forward, None));
        }
        syn::visit::visit_expr_call(self, call);
    }
}

/// `run_rust("name", forward)` (possibly under other chained calls) → (name, forward).
fn run_rust_call(expr: &syn::Expr) -> Option<(String, String)> {
    match expr {
        syn::Expr::MethodCall(m) => run_rust_call(&m.receiver),
        syn::Expr::Call(c) => {
            let syn::Expr::Path(f) = &*c.func else {
                return None;
            };
            if f.path.segments.last().is_none_or(|s| s.ident != "run_rust") {
                return None;
            }
            let mut args = c.args.iter();
            let (Some(syn::Expr::Lit(name)), Some(syn::Expr::Path(forward))) =
                (args.next(), args.next())
            else {
                return None;
            };
            let syn::Lit::Str(name) = &name.lit else {
                return None;
            };
            Some((name.value(), forward.path.get_ident()?.to_string()))
        }
        _ => None,
    }
}
