//! Comparing two [`DbSchema`]s — what a live database holds against what a migration state
//! says it should hold — object by object: [`DbSchema::differences`] names each difference as
//! a [`SchemaDifference`] (its [`DifferenceKind`], the table, the column or object, both
//! sides) whose `Display` is a sentence a person acts on; [`DbSchema::diff`] is the same as
//! lines (the test oracle). Objects are paired by name (indexes, named constraints) or by
//! column (foreign keys), so a changed object is one difference, not a missing and an extra
//! one. Plain data: nothing here reads a database.

use std::fmt;

use super::{
    ColumnSchema, DbSchema, ForeignKeySchema, IndexDef, MultiForeignKeySchema, NamedConstraint,
    TableSchema,
};

/// What kind of difference a [`SchemaDifference`] is. [`DifferenceKind::code`] is its stable
/// name (the JSON output's `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DifferenceKind {
    /// A table the migrations create is not in the database.
    MissingTable,
    /// A table no applied migration creates is in the database.
    ExtraTable,
    /// A column the migrations add is not in the table.
    MissingColumn,
    /// A column no applied migration adds is in the table.
    ExtraColumn,
    /// A column's type differs.
    ColumnType,
    /// A column allows NULL where the migrations say NOT NULL, or the reverse.
    ColumnNullability,
    /// A column's default differs (or one side has none).
    ColumnDefault,
    /// A column is auto-increment on one side only.
    AutoIncrement,
    /// The primary key's columns differ.
    PrimaryKey,
    /// An index the migrations create is not in the database.
    MissingIndex,
    /// An index no applied migration creates is in the database.
    ExtraIndex,
    /// An index of the same name has other columns or uniqueness.
    IndexChanged,
    /// A unique constraint the migrations add is not in the database.
    MissingUnique,
    /// A unique constraint no applied migration adds is in the database.
    ExtraUnique,
    /// A check constraint the migrations add is not in the database.
    MissingCheck,
    /// A check constraint no applied migration adds is in the database.
    ExtraCheck,
    /// A check constraint of the same name has another condition.
    CheckChanged,
    /// A foreign key the migrations add is not in the database.
    MissingForeignKey,
    /// A foreign key no applied migration adds is in the database.
    ExtraForeignKey,
    /// The foreign key of a column points elsewhere or has another `ON DELETE`.
    ForeignKeyChanged,
    /// A column is generated in one and not the other, stored in one and virtual in the
    /// other, or computed from another expression (compared by its key, see
    /// [`ColumnSchema::generated_sql`]).
    ColumnGenerated,
}

impl DifferenceKind {
    /// The stable snake_case name (`extra_column`, `column_type`, …).
    pub fn code(self) -> &'static str {
        match self {
            Self::MissingTable => "missing_table",
            Self::ExtraTable => "extra_table",
            Self::MissingColumn => "missing_column",
            Self::ExtraColumn => "extra_column",
            Self::ColumnType => "column_type",
            Self::ColumnNullability => "column_nullability",
            Self::ColumnDefault => "column_default",
            Self::AutoIncrement => "auto_increment",
            Self::PrimaryKey => "primary_key",
            Self::MissingIndex => "missing_index",
            Self::ExtraIndex => "extra_index",
            Self::IndexChanged => "index_changed",
            Self::MissingUnique => "missing_unique_constraint",
            Self::ExtraUnique => "extra_unique_constraint",
            Self::MissingCheck => "missing_check_constraint",
            Self::ExtraCheck => "extra_check_constraint",
            Self::CheckChanged => "check_constraint_changed",
            Self::MissingForeignKey => "missing_foreign_key",
            Self::ExtraForeignKey => "extra_foreign_key",
            Self::ForeignKeyChanged => "foreign_key_changed",
            Self::ColumnGenerated => "column_generated",
        }
    }
}

/// One difference between the database (`actual`) and the schema the migrations describe
/// (`expected`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaDifference {
    /// What differs.
    pub kind: DifferenceKind,
    /// The table.
    pub table: String,
    /// The column, for column differences and foreign keys.
    pub column: Option<String>,
    /// The index or constraint name, when it has one.
    pub object: Option<String>,
    /// What the database has, as text (`TEXT`, `NULL`, `(title, author_id)`), if anything.
    pub actual: Option<String>,
    /// What the migrations say, as text, if anything.
    pub expected: Option<String>,
}

impl SchemaDifference {
    fn new(kind: DifferenceKind, table: &str) -> Self {
        Self {
            kind,
            table: table.to_owned(),
            column: None,
            object: None,
            actual: None,
            expected: None,
        }
    }

    fn column(mut self, column: &str) -> Self {
        self.column = Some(column.to_owned());
        self
    }

    fn object(mut self, object: Option<&str>) -> Self {
        self.object = object.map(str::to_owned);
        self
    }

    fn sides(mut self, actual: Option<String>, expected: Option<String>) -> Self {
        self.actual = actual;
        self.expected = expected;
        self
    }
}

impl fmt::Display for SchemaDifference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DifferenceKind as K;
        let t = &self.table;
        let col = format!("{t}.{}", self.column.as_deref().unwrap_or_default());
        let a = self.actual.as_deref().unwrap_or("nothing");
        let e = self.expected.as_deref().unwrap_or("nothing");
        let named = |what: &str| match &self.object {
            Some(name) => format!("{what} {name} on {t}"),
            None => format!("{what} on {t}"),
        };
        let here = "is in the database, but no applied migration creates it";
        let gone = "is missing from the database: the applied migrations create it";
        match self.kind {
            K::MissingTable => write!(f, "table {t} {gone}"),
            K::ExtraTable => write!(f, "table {t} {here}"),
            K::MissingColumn => write!(
                f,
                "column {col} ({e}) is missing from the database: the applied migrations add it"
            ),
            K::ExtraColumn => write!(
                f,
                "column {col} ({a}) is in the database, but no applied migration adds it"
            ),
            K::ColumnType => write!(
                f,
                "column {col} is {a} in the database, but the migrations make it {e}"
            ),
            K::ColumnNullability => write!(
                f,
                "column {col} is {a} in the database, but the migrations make it {e}"
            ),
            K::ColumnDefault => write!(
                f,
                "column {col} has {} in the database, but the migrations give it {}",
                self.actual
                    .as_deref()
                    .map_or("no default".to_owned(), |d| format!("default {d}")),
                self.expected
                    .as_deref()
                    .map_or("no default".to_owned(), |d| format!("default {d}")),
            ),
            K::AutoIncrement | K::ColumnGenerated => write!(
                f,
                "column {col} is {a} in the database, but the migrations make it {e}"
            ),
            K::PrimaryKey => write!(
                f,
                "table {t} has primary key {a} in the database, but the migrations make it {e}"
            ),
            K::MissingIndex => write!(f, "{} {e} {gone}", named("index")),
            K::ExtraIndex => write!(f, "{} {a} {here}", named("index")),
            K::IndexChanged => write!(
                f,
                "{} is {a} in the database, but the migrations make it {e}",
                named("index")
            ),
            K::MissingUnique => write!(f, "{} {e} {gone}", named("unique constraint")),
            K::ExtraUnique => write!(f, "{} {a} {here}", named("unique constraint")),
            K::MissingCheck => write!(f, "{} CHECK ({e}) {gone}", named("check constraint")),
            K::ExtraCheck => write!(f, "{} CHECK ({a}) {here}", named("check constraint")),
            K::CheckChanged => write!(
                f,
                "{} is CHECK ({a}) in the database, but the migrations make it CHECK ({e})",
                named("check constraint")
            ),
            K::MissingForeignKey => write!(
                f,
                "foreign key {col} → {e} is missing from the database: the applied migrations \
                 create it"
            ),
            K::ExtraForeignKey => write!(
                f,
                "foreign key {col} → {a} is in the database, but no applied migration creates it"
            ),
            K::ForeignKeyChanged => write!(
                f,
                "foreign key {col} is → {a} in the database, but the migrations make it → {e}"
            ),
        }
    }
}

fn list(columns: &[String]) -> String {
    format!("({})", columns.join(", "))
}

fn index_text(idx: &IndexDef) -> String {
    let unique = if idx.unique { "UNIQUE " } else { "" };
    let unique = match &idx.method {
        Some(m) => format!("{unique}USING {m} "),
        None => unique.to_owned(),
    };
    let unique = if idx.include.is_empty() {
        unique
    } else {
        format!("{unique}INCLUDE {} ", list(&idx.include))
    };
    let nulls = if idx.nulls_distinct {
        ""
    } else {
        " NULLS NOT DISTINCT"
    };
    let key = if idx.expressions.is_empty() {
        list(&idx.columns)
    } else {
        let parts: Vec<String> = idx.expressions.iter().map(|e| format!("({e})")).collect();
        format!("({})", parts.join(", "))
    };
    match &idx.condition {
        Some(c) => format!("{unique}{key}{nulls} WHERE {c}"),
        None => format!("{unique}{key}{nulls}"),
    }
}

fn fk_text(fk: &ForeignKeySchema) -> String {
    format!("{}.{} ON DELETE {}", fk.table, fk.to_column, fk.on_delete)
}

fn multi_fk_text(fk: &MultiForeignKeySchema) -> String {
    let named = fk
        .name
        .as_ref()
        .map_or_else(String::new, |n| format!(" (constraint {n})"));
    format!(
        "{} {} ON DELETE {}{named}",
        fk.table,
        list(&fk.to_columns),
        fk.on_delete
    )
}

fn null_text(nullable: bool) -> String {
    if nullable { "NULL" } else { "NOT NULL" }.to_owned()
}

fn auto_text(auto: bool) -> String {
    if auto {
        "auto-increment"
    } else {
        "not auto-increment"
    }
    .to_owned()
}

impl DbSchema {
    /// Every difference between this (actual) schema and `expected`, table by table (missing
    /// tables first, then each table of this schema in name order); empty when they are equal.
    pub fn differences(&self, expected: &DbSchema) -> Vec<SchemaDifference> {
        let mut out = Vec::new();
        for name in expected.tables.keys() {
            if !self.tables.contains_key(name) {
                out.push(SchemaDifference::new(DifferenceKind::MissingTable, name));
            }
        }
        for (name, actual) in &self.tables {
            match expected.tables.get(name) {
                None => out.push(SchemaDifference::new(DifferenceKind::ExtraTable, name)),
                Some(exp) => table_differences(name, actual, exp, &mut out),
            }
        }
        out
    }

    /// [`DbSchema::differences`] as sentences, one per difference.
    pub fn diff(&self, expected: &DbSchema) -> Vec<String> {
        self.differences(expected)
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}

fn table_differences(
    t: &str,
    actual: &TableSchema,
    exp: &TableSchema,
    out: &mut Vec<SchemaDifference>,
) {
    use DifferenceKind as K;
    let d = |kind| SchemaDifference::new(kind, t);
    for c in &exp.columns {
        if !actual.columns.iter().any(|a| a.name == c.name) {
            out.push(
                d(K::MissingColumn)
                    .column(&c.name)
                    .sides(None, Some(c.type_name.clone())),
            );
        }
    }
    for a in &actual.columns {
        let Some(e) = exp.columns.iter().find(|e| e.name == a.name) else {
            out.push(
                d(K::ExtraColumn)
                    .column(&a.name)
                    .sides(Some(a.type_name.clone()), None),
            );
            continue;
        };
        if a.type_name != e.type_name {
            out.push(
                d(K::ColumnType)
                    .column(&a.name)
                    .sides(Some(a.type_name.clone()), Some(e.type_name.clone())),
            );
        }
        if a.nullable != e.nullable {
            out.push(
                d(K::ColumnNullability)
                    .column(&a.name)
                    .sides(Some(null_text(a.nullable)), Some(null_text(e.nullable))),
            );
        }
        if a.default != e.default {
            out.push(
                d(K::ColumnDefault)
                    .column(&a.name)
                    .sides(a.default.clone(), e.default.clone()),
            );
        }
        if a.auto_increment != e.auto_increment {
            out.push(d(K::AutoIncrement).column(&a.name).sides(
                Some(auto_text(a.auto_increment)),
                Some(auto_text(e.auto_increment)),
            ));
        }
        // The expression is compared by its key where both sides have one.
        let expressions_differ = a.generated_sql.is_some()
            && e.generated_sql.is_some()
            && a.generated_sql != e.generated_sql;
        if a.generated != e.generated || expressions_differ {
            let text = |c: &ColumnSchema| match (&c.generated, &c.generated_sql) {
                (Some(kind), Some(sql)) if expressions_differ => {
                    format!("generated {kind}, expression key `{sql}`")
                }
                (Some(kind), _) => format!("generated {kind}"),
                (None, _) => "not generated".to_owned(),
            };
            out.push(
                d(K::ColumnGenerated)
                    .column(&a.name)
                    .sides(Some(text(a)), Some(text(e))),
            );
        }
    }
    if actual.primary_key != exp.primary_key {
        out.push(d(K::PrimaryKey).sides(
            Some(list(&actual.primary_key)),
            Some(list(&exp.primary_key)),
        ));
    }
    // Indexes, paired by name.
    for e in &exp.indexes {
        match actual.indexes.iter().find(|a| a.name == e.name) {
            None => out.push(
                d(K::MissingIndex)
                    .object(Some(&e.name))
                    .sides(None, Some(index_text(e))),
            ),
            Some(a) if a != e => out.push(
                d(K::IndexChanged)
                    .object(Some(&e.name))
                    .sides(Some(index_text(a)), Some(index_text(e))),
            ),
            Some(_) => {}
        }
    }
    for a in &actual.indexes {
        if !exp.indexes.iter().any(|e| e.name == a.name) {
            out.push(
                d(K::ExtraIndex)
                    .object(Some(&a.name))
                    .sides(Some(index_text(a)), None),
            );
        }
    }
    constraints(
        t,
        &actual.unique_constraints,
        &exp.unique_constraints,
        false,
        out,
    );
    constraints(t, &actual.checks, &exp.checks, true, out);
    // Foreign keys, paired by column.
    for e in &exp.foreign_keys {
        match actual.foreign_keys.iter().find(|a| a.column == e.column) {
            None => out.push(
                d(K::MissingForeignKey)
                    .column(&e.column)
                    .sides(None, Some(fk_text(e))),
            ),
            Some(a) if a != e => out.push(
                d(K::ForeignKeyChanged)
                    .column(&e.column)
                    .sides(Some(fk_text(a)), Some(fk_text(e))),
            ),
            Some(_) => {}
        }
    }
    for a in &actual.foreign_keys {
        if !exp.foreign_keys.iter().any(|e| e.column == a.column) {
            out.push(
                d(K::ExtraForeignKey)
                    .column(&a.column)
                    .sides(Some(fk_text(a)), None),
            );
        }
    }
    // Multi-column foreign keys, paired by their columns; names compared where both sides
    // have one.
    for e in &exp.multi_foreign_keys {
        let columns = e.columns.join(", ");
        match actual
            .multi_foreign_keys
            .iter()
            .find(|a| a.columns == e.columns)
        {
            None => out.push(
                d(K::MissingForeignKey)
                    .column(&columns)
                    .object(e.name.as_deref())
                    .sides(None, Some(multi_fk_text(e))),
            ),
            Some(a)
                if (&a.table, &a.to_columns, &a.on_delete)
                    != (&e.table, &e.to_columns, &e.on_delete)
                    || (a.name.is_some() && e.name.is_some() && a.name != e.name) =>
            {
                out.push(
                    d(K::ForeignKeyChanged)
                        .column(&columns)
                        .object(e.name.as_deref())
                        .sides(Some(multi_fk_text(a)), Some(multi_fk_text(e))),
                )
            }
            Some(_) => {}
        }
    }
    for a in &actual.multi_foreign_keys {
        if !exp
            .multi_foreign_keys
            .iter()
            .any(|e| e.columns == a.columns)
        {
            out.push(
                d(K::ExtraForeignKey)
                    .column(&a.columns.join(", "))
                    .object(a.name.as_deref())
                    .sides(Some(multi_fk_text(a)), None),
            );
        }
    }
}

/// Unique constraints (`checks` false: bodies are column lists) or checks (bodies are one
/// condition), paired by name when both sides have one, else by body.
fn constraints(
    t: &str,
    actual: &[NamedConstraint],
    expected: &[NamedConstraint],
    checks: bool,
    out: &mut Vec<SchemaDifference>,
) {
    use DifferenceKind as K;
    let text = |c: &NamedConstraint| {
        if checks {
            c.body.join(" ")
        } else {
            list(&c.body)
        }
    };
    let (missing, extra) = if checks {
        (K::MissingCheck, K::ExtraCheck)
    } else {
        (K::MissingUnique, K::ExtraUnique)
    };
    let same_name = |a: &NamedConstraint, e: &NamedConstraint| a.name.is_some() && a.name == e.name;
    for e in expected {
        if actual.contains(e) {
            continue;
        }
        match actual.iter().find(|a| same_name(a, e)) {
            // A unique constraint's columns changing under the same name is rare enough to
            // show as a changed check only; for unique constraints it reads as missing/extra.
            Some(a) if checks => out.push(
                SchemaDifference::new(K::CheckChanged, t)
                    .object(e.name.as_deref())
                    .sides(Some(text(a)), Some(text(e))),
            ),
            _ => out.push(
                SchemaDifference::new(missing, t)
                    .object(e.name.as_deref())
                    .sides(None, Some(text(e))),
            ),
        }
    }
    for a in actual {
        if expected.contains(a) || (checks && expected.iter().any(|e| same_name(a, e))) {
            continue;
        }
        out.push(
            SchemaDifference::new(extra, t)
                .object(a.name.as_deref())
                .sides(Some(text(a)), None),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ColumnSchema, SqlCondition};
    use super::*;

    /// PostgreSQL's deparsed conditions equal the text a migration wrote; other text does
    /// not, and string literals keep their case and spaces.
    #[test]
    fn partial_index_conditions_compare_in_normal_form() {
        let c = |s: &str| SqlCondition(s.to_owned());
        assert_eq!(c("deleted_at IS NULL"), c("(deleted_at IS NULL)"));
        assert_eq!(
            c("status = 'active' AND price > 10"),
            c("(((status)::text = 'active'::text) AND (price > 10))")
        );
        assert_eq!(
            c("\"kind\" <> 'x'"),
            c("((kind)::character varying <> 'x'::text)")
        );
        assert_ne!(c("status = 'Active'"), c("status = 'active'"));
        assert_ne!(c("status = 'a b'"), c("status = 'ab'"));
        assert_ne!(c("price > 10"), c("price >= 10"));
        let idx = |cond: Option<&str>| IndexDef {
            name: "i".into(),
            columns: vec!["a".into()],
            expressions: Vec::new(),
            unique: true,
            condition: cond.map(c),
            nulls_distinct: true,
            method: None,
            include: Vec::new(),
        };
        assert_eq!(index_text(&idx(Some("a > 0"))), "UNIQUE (a) WHERE a > 0");
        assert_ne!(idx(Some("a > 0")), idx(None));
    }

    #[test]
    fn index_expressions_compare_in_normal_form() {
        let c = |s: &str| SqlCondition(s.to_owned());
        let idx = |exprs: &[&str]| IndexDef {
            name: "i".into(),
            columns: Vec::new(),
            expressions: exprs.iter().map(|e| c(e)).collect(),
            unique: true,
            condition: None,
            nulls_distinct: true,
            method: None,
            include: Vec::new(),
        };
        // PostgreSQL's deparsed key, SQLite's text after a rename, as written.
        assert_eq!(idx(&["lower(email)"]), idx(&["lower((email)::text)"]));
        assert_eq!(idx(&["lower(email)"]), idx(&["lower(\"email\")"]));
        assert_ne!(idx(&["lower(email)"]), idx(&["upper(email)"]));
        assert_ne!(idx(&["lower(email)", "a"]), idx(&["a", "lower(email)"]));
        assert_eq!(
            index_text(&idx(&["lower(email)", "a"])),
            "UNIQUE ((lower(email)), (a))"
        );
    }

    fn col(name: &str, ty: &str) -> ColumnSchema {
        ColumnSchema {
            name: name.into(),
            type_name: ty.into(),
            nullable: false,
            default: None,
            primary_key: false,
            auto_increment: false,
            generated: None,
            generated_sql: None,
        }
    }

    #[test]
    fn diff_names_each_difference() {
        let table = |cols: Vec<ColumnSchema>| TableSchema {
            name: "books".into(),
            columns: cols,
            ..TableSchema::default()
        };
        let mut actual = DbSchema::default();
        actual.tables.insert(
            "books".into(),
            table(vec![col("title", "TEXT"), col("extra", "INTEGER")]),
        );
        actual.tables.insert("stray".into(), TableSchema::default());
        let mut expected = DbSchema::default();
        expected.tables.insert(
            "books".into(),
            table(vec![col("title", "VARCHAR(200)"), col("isbn", "TEXT")]),
        );
        expected
            .tables
            .insert("authors".into(), TableSchema::default());
        assert_eq!(
            actual.diff(&expected),
            [
                "table authors is missing from the database: the applied migrations create it",
                "column books.isbn (TEXT) is missing from the database: the applied migrations add it",
                "column books.title is TEXT in the database, but the migrations make it VARCHAR(200)",
                "column books.extra (INTEGER) is in the database, but no applied migration adds it",
                "table stray is in the database, but no applied migration creates it",
            ]
        );
        assert!(expected.diff(&expected).is_empty());
    }

    #[test]
    fn objects_are_paired_so_a_changed_one_is_one_difference() {
        let mut a = TableSchema {
            name: "t".into(),
            columns: vec![col("a", "INTEGER")],
            ..TableSchema::default()
        };
        let mut e = a.clone();
        a.columns[0].nullable = true;
        a.columns[0].default = Some("0".into());
        a.indexes = vec![IndexDef {
            name: "t_a_idx".into(),
            columns: vec!["a".into()],
            expressions: Vec::new(),
            unique: true,
            condition: None,
            nulls_distinct: true,
            method: None,
            include: Vec::new(),
        }];
        e.indexes = vec![IndexDef {
            name: "t_a_idx".into(),
            columns: vec!["a".into()],
            expressions: Vec::new(),
            unique: false,
            condition: None,
            nulls_distinct: true,
            method: None,
            include: Vec::new(),
        }];
        a.checks = vec![NamedConstraint {
            name: Some("t_a_pos".into()),
            body: vec!["a >= 0".into()],
        }];
        e.checks = vec![NamedConstraint {
            name: Some("t_a_pos".into()),
            body: vec!["a > 0".into()],
        }];
        let fk = |on_delete: &str| ForeignKeySchema {
            column: "a".into(),
            table: "u".into(),
            to_column: "id".into(),
            on_delete: on_delete.into(),
        };
        a.foreign_keys = vec![fk("CASCADE")];
        e.foreign_keys = vec![fk("RESTRICT")];
        e.unique_constraints = vec![NamedConstraint {
            name: Some("t_a_uniq".into()),
            body: vec!["a".into()],
        }];
        let (mut actual, mut expected) = (DbSchema::default(), DbSchema::default());
        actual.tables.insert("t".into(), a);
        expected.tables.insert("t".into(), e);
        let kinds: Vec<&str> = actual
            .differences(&expected)
            .iter()
            .map(|d| d.kind.code())
            .collect();
        assert_eq!(
            kinds,
            [
                "column_nullability",
                "column_default",
                "index_changed",
                "missing_unique_constraint",
                "check_constraint_changed",
                "foreign_key_changed"
            ]
        );
        assert_eq!(
            actual.diff(&expected),
            [
                "column t.a is NULL in the database, but the migrations make it NOT NULL",
                "column t.a has default 0 in the database, but the migrations give it no default",
                "index t_a_idx on t is UNIQUE (a) in the database, but the migrations make it (a)",
                "unique constraint t_a_uniq on t (a) is missing from the database: the applied migrations create it",
                "check constraint t_a_pos on t is CHECK (a >= 0) in the database, but the migrations make it CHECK (a > 0)",
                "foreign key t.a is → u.id ON DELETE CASCADE in the database, but the migrations make it → u.id ON DELETE RESTRICT",
            ]
        );
    }
}
