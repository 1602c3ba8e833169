//! The Rust source of the planned models, laid out as rustfmt would (attributes longer than
//! a line broken one setting per line), deterministic: the same plans give the same bytes.
//! Written by hand rather than through prettyplease because the `// inspectdb:` comments sit
//! between the items, where a token printer would drop them. A model no struct can declare
//! is written commented out, below its flags.

use proc_macro2::Literal;

use super::plan::{doc_text, FieldPlan, ModelPlan};
use crate::field_type::ColumnType;
use crate::state::{DefaultValue, OnDelete};

/// The widest line rustfmt leaves alone.
const WIDTH: usize = 100;

/// The widest argument list of an attribute rustfmt keeps on one line (its
/// `attr_fn_like_width`).
const ARGS_WIDTH: usize = 70;

/// The marker every flag comment starts with (`// inspectdb: …`).
pub const MARKER: &str = "inspectdb:";

/// A Rust string literal.
fn lit(s: &str) -> String {
    Literal::string(s).to_string()
}

/// `// inspectdb: …` lines for `flag` at `indent`, wrapped at [`WIDTH`].
fn flag_lines(out: &mut Vec<String>, indent: &str, flag: &str) {
    let first = format!("{indent}// {MARKER} ");
    let next = format!("{indent}//   ");
    let mut line = first.clone();
    let mut empty = true;
    for word in flag.split_whitespace() {
        if !empty && line.len() + 1 + word.len() > WIDTH {
            out.push(line);
            line = next.clone();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push(line);
}

/// `/// …` lines of a doc comment.
fn doc_lines(out: &mut Vec<String>, indent: &str, comment: &str) {
    for line in doc_text(comment).split('\n') {
        if line.is_empty() {
            out.push(format!("{indent}///"));
        } else {
            out.push(format!("{indent}/// {line}"));
        }
    }
}

/// `#[model(a, b)]` on one line, or one setting per line when that is too wide: the line
/// over [`WIDTH`], or several settings over [`ARGS_WIDTH`].
fn attribute(out: &mut Vec<String>, indent: &str, settings: &[String]) {
    if settings.is_empty() {
        return;
    }
    let args = settings.join(", ");
    let one = format!("{indent}#[model({args})]");
    if one.len() <= WIDTH && (settings.len() == 1 || args.len() <= ARGS_WIDTH) {
        out.push(one);
        return;
    }
    out.push(format!("{indent}#[model("));
    for (i, s) in settings.iter().enumerate() {
        let comma = if i + 1 < settings.len() { "," } else { "" };
        out.push(format!("{indent}    {s}{comma}"));
    }
    out.push(format!("{indent})]"));
}

/// The `on_delete` value of a rule.
fn on_delete_value(rule: OnDelete) -> &'static str {
    match rule {
        OnDelete::Cascade => "cascade",
        OnDelete::Restrict => "restrict",
        OnDelete::SetNull => "set_null",
        OnDelete::SetDefault => "set_default",
        OnDelete::NoAction => "no_action",
    }
}

/// The `#[model(...)]` settings of a field (`composite`: the field is part of a composite key,
/// which the struct declares).
fn field_settings(f: &FieldPlan, composite: bool) -> Vec<String> {
    let s = &f.state;
    let mut out = Vec::new();
    // A field named `id` is the primary key without saying so, auto-incremented exactly when
    // its type is an integer; any other key says `primary_key` (and `auto`).
    let implicit = s.name == "id" && s.auto_increment == s.column_type.is_integer();
    if s.primary_key && !implicit && !composite {
        out.push("primary_key".to_owned());
        if s.auto_increment {
            out.push("auto".to_owned());
        }
    }
    if s.column != s.name {
        out.push(format!("column = {}", lit(&s.column)));
    }
    match &s.column_type {
        ColumnType::Custom(t) => out.push(format!("db_type = {}", lit(t))),
        ColumnType::Varchar(n) => out.push(format!("max_length = {n}")),
        ColumnType::Decimal { precision, scale } => {
            out.push(format!("precision = {precision}"));
            out.push(format!("scale = {scale}"));
        }
        _ => {}
    }
    if let Some(g) = &s.generated {
        out.push(format!("generated(sql = {}, {})", lit(&g.sql), g.kind()));
    }
    if s.unique {
        out.push("unique".to_owned());
    }
    let indexed_by_default = s.foreign_key.is_some() && !s.primary_key && !s.unique;
    match (indexed_by_default, s.index) {
        (true, false) => out.push("index = false".to_owned()),
        (false, true) => out.push("index".to_owned()),
        _ => {}
    }
    match &s.default {
        Some(DefaultValue::Bool(b)) => out.push(format!("default = {b}")),
        Some(DefaultValue::Int(n)) => out.push(format!("default = {n}")),
        Some(DefaultValue::Float(x)) => out.push(format!("default = {x}")),
        Some(DefaultValue::Text(t)) => out.push(format!("default = {}", lit(t))),
        Some(DefaultValue::Sql(sql)) => out.push(format!("default_sql = {}", lit(sql))),
        None => {}
    }
    if let (Some(fk), Some(target)) = (&s.foreign_key, &f.target) {
        out.push(format!("foreign_key = {target}"));
        out.push(format!(
            "on_delete = {}",
            lit(on_delete_value(fk.on_delete))
        ));
    }
    out
}

/// The `#[model(...)]` settings of a struct.
fn struct_settings(m: &ModelPlan) -> Vec<String> {
    let mut out = vec![format!("table = {}", lit(&m.table))];
    if !m.composite_key.is_empty() {
        let fields: Vec<String> = m.composite_key.iter().map(|f| lit(f)).collect();
        out.push(format!("primary_key(fields = [{}])", fields.join(", ")));
    }
    for i in &m.indexes {
        let list = |items: &[String]| items.iter().map(|f| lit(f)).collect::<Vec<_>>().join(", ");
        let key = if i.expressions.is_empty() {
            format!("fields = [{}]", list(&i.fields))
        } else {
            format!("expressions = [{}]", list(&i.expressions))
        };
        let mut options = String::new();
        if i.unique {
            options.push_str(", unique");
        }
        if !i.nulls_distinct {
            options.push_str(", nulls_distinct = false");
        }
        if let Some(method) = &i.method {
            options.push_str(&format!(", method = {}", lit(method)));
        }
        if !i.include.is_empty() {
            options.push_str(&format!(", include = [{}]", list(&i.include)));
        }
        if let Some(condition) = &i.condition {
            options.push_str(&format!(", condition = {}", lit(condition)));
        }
        out.push(format!("index(name = {}, {key}{options})", lit(&i.name)));
    }
    for (name, sql) in &m.checks {
        out.push(format!("check(name = {}, sql = {})", lit(name), lit(sql)));
    }
    for k in &m.multi_keys {
        let fields: Vec<String> = k.fields.iter().map(|f| lit(f)).collect();
        let name = if k.explicit_name {
            format!(", name = {}", lit(&k.name))
        } else {
            String::new()
        };
        out.push(format!(
            "foreign_key(fields = [{}], to = {}, on_delete = {}{name})",
            fields.join(", "),
            k.to,
            lit(on_delete_value(k.on_delete))
        ));
    }
    for r in &m.relations {
        let db_table = r
            .db_table
            .as_ref()
            .map(|t| format!(", db_table = {}", lit(t)))
            .unwrap_or_default();
        out.push(format!(
            "many_to_many(name = {}, to = {}{db_table})",
            lit(&r.name),
            r.to
        ));
    }
    out
}

/// The lines of one model: its flags, then the struct (commented out when disabled).
fn model_lines(m: &ModelPlan) -> Vec<String> {
    let mut out = Vec::new();
    for flag in &m.flags {
        flag_lines(&mut out, "", flag);
    }
    let mut body = Vec::new();
    if let Some(c) = &m.comment {
        doc_lines(&mut body, "", c);
    }
    body.push("#[derive(Model)]".to_owned());
    attribute(&mut body, "", &struct_settings(m));
    body.push(format!("pub struct {} {{", m.name));
    for f in &m.fields {
        for flag in &f.flags {
            flag_lines(&mut body, "    ", flag);
        }
        if let Some(c) = &f.state.comment {
            doc_lines(&mut body, "    ", c);
        }
        let composite = m.composite_key.contains(&f.state.name);
        attribute(&mut body, "    ", &field_settings(f, composite));
        body.push(format!("    pub {}: {},", f.ident, f.rust_type));
    }
    body.push("}".to_owned());
    if m.disabled {
        out.extend(
            body.into_iter()
                .map(|l| format!("// {l}").trim_end().to_owned()),
        );
    } else {
        out.extend(body);
    }
    out
}

/// The whole file: a header (what it is, what to do next, the crates the field types need,
/// what was left out and why), `use migrator_core::Model;`, and the models.
pub(crate) fn render(
    database: &str,
    app: Option<&str>,
    models: &[&ModelPlan],
    crates: &[&str],
    notes: &[String],
) -> String {
    let mut out = Vec::new();
    out.push(format!(
        "// Models for the tables of a {database} database, written by `migrator inspectdb`."
    ));
    if let Some(app) = app {
        out.push(format!("// They are for the app `{app}`."));
    }
    out.push("//".to_owned());
    for line in [
        "// Each `// inspectdb:` comment marks what the models do not say exactly as the",
        "// database has it: read them first. Then `migrator makemigrations` writes the initial",
        "// migration, and `migrator migrate --fake-initial` records it as applied without",
        "// touching the tables (see docs/coming-from-diesel.md in migrator's repository).",
    ] {
        out.push(line.to_owned());
    }
    if !crates.is_empty() {
        out.push("// The field types need these crates in the app's [dependencies]:".to_owned());
        out.push(format!("// {}.", crates.join(", ")));
    }
    if !notes.is_empty() {
        out.push("//".to_owned());
        for note in notes {
            flag_lines(&mut out, "", note);
        }
    }
    if models.iter().any(|m| !m.disabled) {
        out.push(String::new());
        out.push("use migrator_core::Model;".to_owned());
    }
    for m in models.iter().filter(|m| m.join_of.is_none()) {
        out.push(String::new());
        out.extend(model_lines(m));
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}
