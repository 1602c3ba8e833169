//! The house rules of the workspace's layout, checked on its own source (DESIGN decision 12):
//! in every crate the module import graph is a tree — no module imports one that, directly or through
//! others, imports it back — and no source file of the workspace's crates is over 900 lines.
//!
//! The import graph is read from the text: every `use` tree and every `crate::…`, `super::…`
//! or `self::…` path outside `#[cfg(test)]` modules, resolved to the file of the deepest
//! module it names (a re-export counts as an import of the module it comes from). An edge
//! from a module to a file that is one of its own submodules is an import like any other, so
//! a parent `mod.rs` that dispatches to a child which imports the parent is a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Files under `dir` (recursively) ending in `.rs`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/a/b.rs` → `["a", "b"]`; `src/a/mod.rs` → `["a"]`; `src/lib.rs` → `[]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    match last.as_str() {
        "lib.rs" | "mod.rs" => {}
        name => parts.push(name.trim_end_matches(".rs").to_owned()),
    }
    parts
}

/// The code of a file: without comment lines (doc links are not imports) and without its
/// `#[cfg(test)]` module (it sits at the end of a file here).
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path a `use` tree names, flattened: `a::{b, c::{d}}` → `a::b`, `a::c::d`.
fn flatten_use(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let Some(close) = tree.rfind('}').filter(|c| *c > open) else {
            return; // not a use tree (prose or a closure that happens to follow `use `)
        };
        let inner = &tree[open + 1..close];
        let base = join(prefix, head);
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    flatten_use(&inner[start..i], &base, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        flatten_use(&inner[start..], &base, out);
    } else if !tree.is_empty() {
        let path = tree.split(" as ").next().unwrap().trim();
        out.push(join(prefix, path));
    }
}

fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix}::{path}"),
    }
}

/// Every path the file names: flattened `use` trees and inline `crate::`/`super::` paths.
fn paths_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        let after = &rest[i + 4..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let Some(end) = after.find(';') else { break };
        let tree = &after[..end];
        if tree.contains('\n') && !tree.contains('{') {
            continue; // prose, not a `use` item
        }
        flatten_use(&tree.replace('\n', " "), "", &mut out);
    }
    for anchor in ["crate::", "super::", "self::"] {
        let mut rest = text;
        while let Some(i) = rest.find(anchor) {
            let before = rest[..i].chars().last();
            let tail = &rest[i..];
            rest = &rest[i + anchor.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let end = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            out.push(tail[..end].trim_end_matches(':').to_owned());
        }
    }
    out
}

/// The file of the deepest known module `path` names, seen from module `here`.
fn resolve(
    here: &[String],
    is_mod_rs: bool,
    path: &str,
    modules: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<PathBuf> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let (mut base, rest): (Vec<String>, &[&str]) = match segs.first().copied() {
        Some("crate") => (Vec::new(), &segs[1..]),
        Some("self") => (here.to_vec(), &segs[1..]),
        Some("super") => {
            // `super` from `a/b.rs` or `a/b/mod.rs` (module a::b) is module `a`.
            let mut m = here.to_vec();
            let mut i = 0;
            while segs.get(i) == Some(&"super") {
                m.pop();
                i += 1;
            }
            let _ = is_mod_rs;
            (m, &segs[i..])
        }
        Some(first) => {
            // A path relative to the current module (its child modules).
            let mut child = here.to_vec();
            child.push(first.to_owned());
            if !modules.contains_key(&child) {
                return None;
            }
            (here.to_vec(), &segs[..])
        }
        None => return None,
    };
    let mut found = modules.get(&base).cloned();
    for seg in rest {
        base.push((*seg).to_owned());
        match modules.get(&base) {
            Some(f) => found = Some(f.clone()),
            None => break,
        }
    }
    found
}

#[test]
fn the_module_import_graph_of_every_crate_is_a_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    for krate in [
        "migrator-core",
        "migrator-derive",
        "migrator-cli",
        "migrator-descriptor",
    ] {
        import_graph_is_a_tree(&root.join(krate).join("src"), krate);
    }
}

fn import_graph_is_a_tree(src: &Path, krate: &str) {
    let src = src.to_path_buf();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| (module_of(&src, f), f.clone()))
        .collect();
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for file in &files {
        let here = module_of(&src, file);
        let is_mod_rs = file.ends_with("mod.rs") || file.ends_with("lib.rs");
        let text = fs::read_to_string(file).unwrap();
        let targets = edges.entry(file.clone()).or_default();
        for path in paths_in(&code_of(&text)) {
            if let Some(target) = resolve(&here, is_mod_rs, &path, &modules) {
                if &target != file && !target.ends_with("lib.rs") {
                    targets.insert(target);
                }
            }
        }
    }
    if krate == "migrator-core" {
        assert!(
            edges.values().map(BTreeSet::len).sum::<usize>() > 50,
            "the import reader found almost no imports; it is broken, not the code"
        );
    }
    // Depth-first search for a back edge; report the whole circle.
    let mut state: BTreeMap<&PathBuf, u8> = BTreeMap::new(); // 1 on the stack, 2 done
    let mut stack: Vec<&PathBuf> = Vec::new();
    fn visit<'a>(
        f: &'a PathBuf,
        edges: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        state: &mut BTreeMap<&'a PathBuf, u8>,
        stack: &mut Vec<&'a PathBuf>,
        src: &Path,
    ) {
        state.insert(f, 1);
        stack.push(f);
        for t in &edges[f] {
            match state.get(t) {
                Some(1) => {
                    let at = stack.iter().position(|s| *s == t).unwrap();
                    let circle: Vec<String> = stack[at..]
                        .iter()
                        .chain(std::iter::once(&t))
                        .map(|p| p.strip_prefix(src).unwrap().display().to_string())
                        .collect();
                    panic!(
                        "import circle in {}: {}; move what both need to a module \
                         neither imports (DESIGN decision 12)",
                        src.display(),
                        circle.join(" -> ")
                    );
                }
                Some(_) => {}
                None => visit(t, edges, state, stack, src),
            }
        }
        stack.pop();
        state.insert(f, 2);
    }
    for f in edges.keys() {
        if !state.contains_key(f) {
            visit(f, &edges, &mut state, &mut stack, &src);
        }
    }
}

#[test]
fn the_import_reader_sees_a_circle() {
    // The check above must be able to fail: a parent that dispatches to a child importing it.
    let mut modules = BTreeMap::new();
    modules.insert(vec![], PathBuf::from("lib.rs"));
    modules.insert(vec!["b".to_owned()], PathBuf::from("b/mod.rs"));
    modules.insert(
        vec!["b".to_owned(), "c".to_owned()],
        PathBuf::from("b/c.rs"),
    );
    let parent = paths_in("use std::fmt;\npub use c::{Thing, other::X};\n");
    let child = paths_in("use super::{Tag, Other};\nfn f() { crate::b::c::g() }\n");
    let here_b = vec!["b".to_owned()];
    let here_c = vec!["b".to_owned(), "c".to_owned()];
    assert!(parent
        .iter()
        .any(|p| resolve(&here_b, true, p, &modules) == Some(PathBuf::from("b/c.rs"))));
    assert!(child
        .iter()
        .any(|p| resolve(&here_c, false, p, &modules) == Some(PathBuf::from("b/mod.rs"))));
}

#[test]
fn no_source_file_of_the_workspace_crates_is_over_900_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for dir in [
        "migrator-core/src",
        "migrator-core/tests",
        "migrator-derive/src",
        "migrator-descriptor/src",
        "migrator-cli/src",
        "tests/src",
        "tests/tests",
    ] {
        rust_files(&root.join(dir), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = fs::read_to_string(f).unwrap().lines().count();
            (n > 900).then(|| format!("{} ({n} lines)", f.strip_prefix(root).unwrap().display()))
        })
        .collect();
    assert!(files.len() > 50, "found only {} files", files.len());
    assert!(
        long.is_empty(),
        "split these by concern (one module per job): {long:?}"
    );
}
