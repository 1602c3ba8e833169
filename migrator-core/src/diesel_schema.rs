//! The diesel schema the models imply (issue 14): for each app that asks for one, a
//! `schema.rs` of `diesel::table!` blocks, `joinable!` lines for its foreign keys (across apps
//! too) and `allow_tables_to_appear_in_same_query!`, which `makemigrations` keeps current and
//! `makemigrations --check` reports when stale. It needs no database: it is rendered from the
//! current models, like the migrations are.
//!
//! An app asks for a schema in its crate's `Cargo.toml`:
//!
//! ```toml
//! [package.metadata.migrator]
//! diesel-schema = "src/schema.rs"
//! ```
//!
//! and declares the module (`pub mod schema;` in `lib.rs`). The file is one schema for every
//! backend: column types diesel supports everywhere use `diesel::sql_types`, the four it does
//! not (UUID, JSON, decimal, UTC timestamps) use [`crate::sql_types`], and a field whose Rust
//! type sets [`crate::Column::DIESEL_SQL_TYPE`] uses that path.
//!
//! Why a file and not code from the derive: a file is what diesel users already have
//! (`diesel print-schema` keeps `src/schema.rs`), it shows up in review, and it can see every
//! model at once — `joinable!` across apps and `allow_tables_to_appear_in_same_query!` need the
//! whole project, which a derive, seeing one struct, cannot.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::field_type::ColumnType;
use crate::registry::{registrations, CurrentModels};
use crate::state::{FieldState, ModelKey, ModelState};

/// The `[package.metadata.migrator]` key that names an app's schema file.
pub const SETTING: &str = "diesel-schema";

/// `allow_tables_to_appear_in_same_query!` over `tables`, on one line when it fits rustfmt's
/// 100 columns and one table per line otherwise, as rustfmt lays it out, so `cargo fmt` never
/// makes the file differ from what `makemigrations` writes.
fn same_query(tables: &[String]) -> String {
    let line = format!(
        "diesel::allow_tables_to_appear_in_same_query!({});",
        tables.join(", ")
    );
    if line.len() <= 100 {
        return line;
    }
    format!(
        "diesel::allow_tables_to_appear_in_same_query!(\n    {}\n);",
        tables.join(",\n    ")
    )
}

/// Tables one `allow_tables_to_appear_in_same_query!` call takes; larger apps get one call per
/// pair, because the macro recurses once per table and rustc's default recursion limit is 128.
const ONE_CALL_LIMIT: usize = 32;

/// Where one app's diesel schema goes and how other apps name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaTarget {
    /// The app label.
    pub app: String,
    /// The file, absolute.
    pub file: PathBuf,
    /// The Rust path of the module the file is (`catalog::schema`).
    pub module: String,
}

/// One app's schema file as it should be, and whether the file on disk differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaFile {
    /// Where it goes.
    pub target: SchemaTarget,
    /// The file's text.
    pub source: String,
    /// The file on disk is missing or differs.
    pub stale: bool,
}

/// Why a diesel schema cannot be rendered or its setting read.
#[derive(Debug, thiserror::Error)]
pub enum DieselSchemaError {
    /// The app crate's `Cargo.toml` could not be read or parsed.
    #[error("cannot read the `{SETTING}` setting of app `{app}` from {}: {reason}", manifest.display())]
    Manifest {
        /// The app.
        app: String,
        /// Its `Cargo.toml`.
        manifest: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The setting is not a relative `.rs` path under `src/` naming a module file.
    #[error(
        "`{SETTING} = {value:?}` in {} is not a module file under `src/`: write a relative path \
         such as `{SETTING} = \"src/schema.rs\"` (not `src/lib.rs` or `src/main.rs`) and declare \
         the module in `src/lib.rs` (`pub mod schema;`)",
        manifest.display()
    )]
    BadPath {
        /// Its `Cargo.toml`.
        manifest: PathBuf,
        /// The value found.
        value: String,
    },
    /// The app's models live in several crates that set different schema files.
    #[error(
        "app `{app}` has models in several crates whose `{SETTING}` settings differ ({}): set it \
         in one of them only",
        files.join(", ")
    )]
    Ambiguous {
        /// The app.
        app: String,
        /// The files named.
        files: Vec<String>,
    },
    /// Fields whose column has no diesel SQL type.
    #[error("{}", problems.join("\n"))]
    Unmapped {
        /// One line per field.
        problems: Vec<String>,
    },
    /// Writing the file failed.
    #[error("cannot write the diesel schema {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The schema targets of every app linked into this binary whose crate sets
/// [`SETTING`] in `[package.metadata.migrator]`.
pub fn schema_targets() -> Result<BTreeMap<String, SchemaTarget>, DieselSchemaError> {
    let mut crates: BTreeMap<String, BTreeSet<(&'static str, String)>> = BTreeMap::new();
    for reg in registrations() {
        let krate = reg
            .module_path
            .split("::")
            .next()
            .unwrap_or(reg.module_path);
        crates
            .entry(reg.app.to_owned())
            .or_default()
            .insert((reg.manifest_dir, krate.to_owned()));
    }
    let mut out = BTreeMap::new();
    for (app, crates) in crates {
        let mut found = Vec::new();
        for (dir, krate) in crates {
            if let Some(target) = read_target(&app, Path::new(dir), &krate)? {
                found.push(target);
            }
        }
        match found.len() {
            0 => {}
            1 => {
                out.insert(app, found.pop().expect("one"));
            }
            _ => {
                return Err(DieselSchemaError::Ambiguous {
                    app,
                    files: found.iter().map(|t| t.file.display().to_string()).collect(),
                })
            }
        }
    }
    Ok(out)
}

/// Reads one crate's setting: `None` when it sets none.
pub fn read_target(
    app: &str,
    manifest_dir: &Path,
    krate: &str,
) -> Result<Option<SchemaTarget>, DieselSchemaError> {
    let manifest = manifest_dir.join("Cargo.toml");
    let fail = |reason: String| DieselSchemaError::Manifest {
        app: app.to_owned(),
        manifest: manifest.clone(),
        reason,
    };
    let text = std::fs::read_to_string(&manifest).map_err(|e| fail(e.to_string()))?;
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| fail(e.to_string()))?;
    let value = doc
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("migrator"))
        .and_then(|m| m.get(SETTING));
    let Some(value) = value else {
        return Ok(None);
    };
    let Some(value) = value.as_str() else {
        return Err(fail(format!(
            "`{SETTING}` must be a string such as \"src/schema.rs\", found {value}"
        )));
    };
    let has_diesel = doc
        .get("dependencies")
        .and_then(|d| d.get("diesel"))
        .is_some();
    if !has_diesel {
        return Err(fail(format!(
            "`{SETTING}` is set but the crate does not depend on diesel, whose macros the schema \
             file calls: add `diesel = {{ version = \"2.3\", features = [\"sqlite\"] }}` (the \
             backends you query) under `[dependencies]`"
        )));
    }
    let module = module_path(value).ok_or_else(|| DieselSchemaError::BadPath {
        manifest: manifest.clone(),
        value: value.to_owned(),
    })?;
    Ok(Some(SchemaTarget {
        app: app.to_owned(),
        file: manifest_dir.join(value),
        module: format!("{}::{module}", krate.replace('-', "_")),
    }))
}

/// `src/schema.rs` → `schema`, `src/db/schema.rs` → `db::schema`, `src/db/mod.rs` → `db`.
fn module_path(file: &str) -> Option<String> {
    let path = Path::new(file);
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str()?.to_owned()),
            _ => return None,
        }
    }
    if parts.len() < 2 || parts[0] != "src" {
        return None;
    }
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?;
    let mut modules: Vec<String> = parts.into_iter().skip(1).collect();
    match stem {
        "lib" | "main" if modules.is_empty() => return None,
        "mod" if modules.is_empty() => return None,
        "mod" => {}
        s => modules.push(s.to_owned()),
    }
    modules
        .iter()
        .all(|m| is_ident(m))
        .then(|| modules.join("::"))
}

/// Renders the schema file of every app in `targets` (restricted to `apps` unless empty) and
/// compares each with the file on disk.
pub fn schema_files(
    current: &CurrentModels,
    targets: &BTreeMap<String, SchemaTarget>,
    apps: &[String],
) -> Result<Vec<SchemaFile>, DieselSchemaError> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (app, target) in targets {
        if !apps.is_empty() && !apps.contains(app) {
            continue;
        }
        match render(app, current, targets) {
            Ok(source) => {
                let stale = std::fs::read_to_string(&target.file).ok().as_deref() != Some(&source);
                out.push(SchemaFile {
                    target: target.clone(),
                    source,
                    stale,
                });
            }
            Err(DieselSchemaError::Unmapped { problems: p }) => problems.extend(p),
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(DieselSchemaError::Unmapped { problems });
    }
    Ok(out)
}

/// Writes one schema file atomically ([`crate::writer::write_file`]): a reader never sees
/// half a file.
pub fn write(file: &SchemaFile) -> Result<(), DieselSchemaError> {
    let path = &file.target.file;
    let fail = |source| DieselSchemaError::Write {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).map_err(fail)?;
    crate::writer::write_file(path, &file.source, true, "").map_err(fail)
}

/// The schema file of `app`: its models' tables, their foreign keys as `joinable!` (to this
/// app's tables and to other apps' tables, named through their schema modules in `targets`),
/// and which tables may appear in one query.
pub fn render(
    app: &str,
    current: &CurrentModels,
    targets: &BTreeMap<String, SchemaTarget>,
) -> Result<String, DieselSchemaError> {
    let mut sorted: Vec<&ModelState> = current
        .state
        .models
        .values()
        .filter(|m| m.app == app)
        .collect();
    sorted.sort_by(|a, b| a.table.cmp(&b.table));
    let mut problems = Vec::new();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// @generated by `migrator makemigrations` from the models of app `{app}`: do not edit.\n\
         // Change the models and run `migrator makemigrations` again; `migrator makemigrations\n\
         // --check` fails while this file is stale."
    );
    // Left out while the CLI builds the models again after a failed build (`cfg(migrator)`,
    // docs/diesel.md): a stale or broken schema never stops makemigrations from rewriting it.
    out.push_str("#![cfg(not(migrator))]\n#![allow(missing_docs)]\n");

    // Foreign keys: to this app's tables and to other apps' (imported by name).
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut joins: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for model in &sorted {
        let mut by_target: BTreeMap<ModelKey, Vec<&FieldState>> = BTreeMap::new();
        for f in &model.fields {
            if let Some(fk) = &f.foreign_key {
                by_target
                    .entry(ModelKey::new(&fk.app, &fk.model))
                    .or_default()
                    .push(f);
            }
        }
        for (target_key, fields) in by_target {
            let Some(target) = current.state.models.get(&target_key) else {
                continue; // the registry refuses a dangling foreign key before this runs
            };
            let parent = table_ident(&target.table);
            if target.app != app {
                match targets.get(&target.app) {
                    Some(t) => {
                        imports
                            .entry(t.module.clone())
                            .or_default()
                            .insert(parent.clone());
                    }
                    None => problems.push(format!(
                        "{app}.{}.{}: its foreign key points at {}.{} in app `{}`, which writes no \
                         diesel schema, so `joinable!` has no table to name: add `{SETTING} = \
                         \"src/schema.rs\"` under `[package.metadata.migrator]` in that app's \
                         Cargo.toml (and `pub mod schema;` in its lib.rs)",
                        model.name, fields[0].name, target.app, target.name, target.app
                    )),
                }
            }
            let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
            if target_key == model.key() {
                notes.push(format!(
                    "// {}.{} points at its own table: diesel joins a table to itself\n\
                     // through `alias!`, not `joinable!`.",
                    model.table,
                    names.join(", ")
                ));
            } else if fields.len() > 1 {
                notes.push(format!(
                    "// {} has {} foreign keys to {} ({}): diesel allows one\n\
                     // `joinable!` per pair of tables, so none is written; join with `.on(…)`.",
                    model.table,
                    fields.len(),
                    target.table,
                    names.join(", ")
                ));
            } else {
                joins.push(format!(
                    "diesel::joinable!({} -> {parent} ({}));",
                    table_ident(&model.table),
                    rust_ident(&fields[0].name)
                ));
            }
        }
    }
    for (module, tables) in &imports {
        let list: Vec<&str> = tables.iter().map(String::as_str).collect();
        if list.len() == 1 {
            let _ = writeln!(out, "\nuse {module}::{};", list[0]);
        } else {
            let _ = writeln!(out, "\nuse {module}::{{{}}};", list.join(", "));
        }
    }

    for model in &sorted {
        table_block(&mut out, model, current, &mut problems);
    }
    if !problems.is_empty() {
        return Err(DieselSchemaError::Unmapped { problems });
    }
    if !joins.is_empty() || !notes.is_empty() {
        out.push('\n');
        for line in joins.iter().chain(&notes) {
            let _ = writeln!(out, "{line}");
        }
    }

    // Which tables may share a query: this app's among themselves, and each of them with the
    // tables of the apps it imports from (pairs between two other apps are theirs to declare).
    let own: Vec<String> = sorted.iter().map(|m| table_ident(&m.table)).collect();
    let foreign: Vec<String> = imports.values().flatten().cloned().collect();
    let mut pairs: Vec<String> = Vec::new();
    if own.len() >= 2 && own.len() <= ONE_CALL_LIMIT {
        pairs.push(same_query(&own));
    } else if own.len() > ONE_CALL_LIMIT {
        for (i, a) in own.iter().enumerate() {
            for b in &own[i + 1..] {
                pairs.push(same_query(&[a.clone(), b.clone()]));
            }
        }
    }
    if !pairs.is_empty() {
        out.push('\n');
        for line in pairs {
            let _ = writeln!(out, "{line}");
        }
    }
    // Across crates the macro cannot be used: its PostgreSQL-only impls (`Only<…>`,
    // `Tablesample<…>`) name two foreign types, which the orphan rule refuses. The two impls
    // a join needs name a table of this crate, so they are written out.
    if !own.is_empty() && !foreign.is_empty() {
        out.push_str(
            "\n// Tables of other apps this app's tables may share a query with (what\n\
             // `allow_tables_to_appear_in_same_query!` does within one crate).\n",
        );
        for a in &own {
            for b in &foreign {
                let _ = writeln!(
                    out,
                    "impl diesel::query_source::TableNotEqual<{b}::table> for {a}::table {{}}\n\
                     impl diesel::query_source::TableNotEqual<{a}::table> for {b}::table {{}}"
                );
            }
        }
    }
    Ok(out)
}

/// One `diesel::table!` block.
fn table_block(
    out: &mut String,
    model: &ModelState,
    current: &CurrentModels,
    problems: &mut Vec<String>,
) {
    let hooks = current.diesel_sql_types.get(&model.key());
    out.push_str("\ndiesel::table! {\n");
    doc(out, "    ", model.comment.as_deref());
    let ident = table_ident(&model.table);
    if ident != model.table {
        let _ = writeln!(out, "    #[sql_name = {:?}]", model.table);
    }
    let pk: Vec<String> = model
        .fields
        .iter()
        .filter(|f| f.primary_key)
        .map(|f| rust_ident(&f.name))
        .collect();
    let _ = writeln!(out, "    {ident} ({}) {{", pk.join(", "));
    for f in &model.fields {
        doc(out, "        ", f.comment.as_deref());
        let hook = hooks.and_then(|h| h.get(&f.name)).map(String::as_str);
        let sql_type = match (hook, &f.column_type) {
            (Some(path), _) => path.to_owned(),
            (None, ColumnType::Custom(db_type)) => {
                problems.push(format!(
                    "{}.{}.{}: its column type `{db_type}` (`db_type`) has no diesel SQL type: \
                     give the field a Rust type whose `Column` impl sets `DIESEL_SQL_TYPE` (and \
                     spells the column type there instead of `db_type`)",
                    model.app, model.name, f.name
                ));
                continue;
            }
            (None, ColumnType::Varchar(n)) => {
                let _ = writeln!(out, "        #[max_length = {n}]");
                "Varchar".to_owned()
            }
            (None, t) => builtin(t).to_owned(),
        };
        if f.column != f.name {
            let _ = writeln!(out, "        #[sql_name = {:?}]", f.column);
        }
        let sql_type = if f.nullable {
            format!("Nullable<{sql_type}>")
        } else {
            sql_type
        };
        let _ = writeln!(out, "        {} -> {sql_type},", rust_ident(&f.name));
    }
    out.push_str("    }\n}\n");
}

/// The diesel SQL type of a column type that is not `Varchar` or `Custom`.
fn builtin(t: &ColumnType) -> &'static str {
    match t {
        ColumnType::SmallInt => "SmallInt",
        ColumnType::Integer => "Integer",
        ColumnType::BigInt => "BigInt",
        ColumnType::Float => "Float",
        ColumnType::Double => "Double",
        ColumnType::Boolean => "Bool",
        ColumnType::Text | ColumnType::Varchar(_) => "Text",
        ColumnType::Blob => "Binary",
        ColumnType::Date => "Date",
        ColumnType::Time => "Time",
        ColumnType::Timestamp => "Timestamp",
        ColumnType::TimestampTz => "migrator_core::sql_types::TimestampTz",
        ColumnType::Uuid => "migrator_core::sql_types::Uuid",
        ColumnType::Json => "migrator_core::sql_types::Json",
        ColumnType::Decimal { .. } => "migrator_core::sql_types::Decimal",
        ColumnType::Custom(_) => "Text",
    }
}

/// Doc comment lines, indented.
fn doc(out: &mut String, indent: &str, text: Option<&str>) {
    for line in text.into_iter().flat_map(str::lines) {
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

// Rust's keywords, which need `r#` (one list, shared with inspectdb).
use migrator_descriptor::names::RUST_KEYWORDS as KEYWORDS;

/// `name` as a Rust identifier: as is, or `r#name` for a keyword.
fn rust_ident(name: &str) -> String {
    if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    }
}

/// A table's module name in `table!`: the table name when it is an identifier, otherwise its
/// characters mapped to `_` (and `#[sql_name]` keeps the real name).
fn table_ident(table: &str) -> String {
    if is_ident(table) && !KEYWORDS.contains(&table) {
        return table.to_owned();
    }
    let mut s: String = table
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) || KEYWORDS.contains(&s.as_str())
    {
        s.insert(0, '_');
    }
    s
}

/// True for a plain ASCII identifier.
fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && s != "_"
}

#[cfg(test)]
mod tests;
