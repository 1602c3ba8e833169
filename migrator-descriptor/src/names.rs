//! The names migrator gives the database objects nobody named, spelled once. The derive
//! freezes the names of unnamed `index(...)`es into the descriptor (and so into migration
//! files); migrator-core derives the other names from the state whenever it writes SQL. Both
//! sides, and the tests that check no two objects ever share a name, call these functions.
//!
//! A derived name is never changed once it can be in a migration file or a database: a new
//! spelling would make `makemigrations` drop and recreate every index of every user. So an
//! unnamed index whose usual name ([`index`]) is taken gets another one
//! ([`index_disambiguated`]), and every name that is free keeps the usual spelling.
//!
//! Which objects may not share a name is here too ([`clash`], over [`NAMESPACES`]): the
//! derive refuses a clash inside one model at compile time, migrator-core one across models.
//!
//! ```
//! use migrator_descriptor::names;
//!
//! assert_eq!(names::field_index("books", "author", false), "books_author_idx");
//! assert_eq!(names::index("books", &["author", "title"], false), "books_author_title_idx");
//! assert_eq!(names::index("books", &["isbn"], true), "books_isbn_uniq");
//! assert_eq!(names::index_disambiguated("books", &["isbn"], true), "books_isbn_9a4f477c_uniq");
//! ```

/// The longest name the derive writes: PostgreSQL keeps 63 bytes (MySQL/MariaDB 64).
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Rust keywords (strict and reserved, every edition): a field or module with one of these
/// names is written `r#name`.
pub const RUST_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Why `name` cannot be a table, column, index or constraint name of a model, if it cannot:
/// it must match `[A-Za-z_][A-Za-z0-9_]*` and be at most [`MAX_IDENTIFIER_BYTES`] bytes, so
/// nothing that would need quoting tricks ever reaches generated SQL. The derive refuses such
/// names; inspectdb flags them.
pub fn identifier_problem(name: &str) -> Option<String> {
    let Some(first) = name.chars().next() else {
        return Some("it is empty".into());
    };
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Some(format!("it starts with `{first}`"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Some(format!("it contains `{bad}`"));
    }
    if name.len() > MAX_IDENTIFIER_BYTES {
        return Some(format!(
            "it is {} bytes long and the limit is {MAX_IDENTIFIER_BYTES}",
            name.len()
        ));
    }
    None
}

/// The index behind a field's `unique` or `index` flag (and, on MySQL/MariaDB, the index a
/// foreign key needs when no other index starts with its column): `{table}_{column}_uniq` or
/// `{table}_{column}_idx`, as long as it is (a server backend shortens it to its limit when
/// it writes SQL). migrator-core's `db_schema::field_index_name` spells the same.
pub fn field_index(table: &str, column: &str, unique: bool) -> String {
    format!("{table}_{column}_{}", suffix(unique))
}

/// The usual name of an unnamed `index(fields = [...])`: `{table}_{col1}_{col2}_idx` (or
/// `_uniq`), and when that is longer than [`MAX_IDENTIFIER_BYTES`], its first bytes, `_`, 8
/// hex digits of its FNV-1a hash and the suffix, so two long names sharing a prefix differ.
pub fn index<S: AsRef<str>>(table: &str, columns: &[S], unique: bool) -> String {
    let base = base(table, columns);
    let full = format!("{base}_{}", suffix(unique));
    if full.len() <= MAX_IDENTIFIER_BYTES {
        return full;
    }
    cut_with_hash(&base, unique, fnv1a(full.as_bytes()))
}

/// The name of an unnamed index whose usual name ([`index`]) is taken — by the index behind a
/// field (`books_a_b_idx` for a field `a_b` and for `index(fields = ["a", "b"])`), or by
/// another unnamed index whose columns join to the same text (`["a_b", "c"]` and
/// `["a", "b_c"]`): `{table}_{col1}_{col2}_{hash}_idx` (or `_uniq`), where the hash (8 hex
/// digits of FNV-1a) covers the table, each column separately and the uniqueness, so two
/// different column lists get different names. Cut like [`index`] past
/// [`MAX_IDENTIFIER_BYTES`].
pub fn index_disambiguated<S: AsRef<str>>(table: &str, columns: &[S], unique: bool) -> String {
    let mut key = Vec::new();
    key.extend_from_slice(table.as_bytes());
    for c in columns {
        key.push(0);
        key.extend_from_slice(c.as_ref().as_bytes());
    }
    key.push(0);
    key.extend_from_slice(suffix(unique).as_bytes());
    let hash = fnv1a(&key);
    let base = base(table, columns);
    let full = format!("{base}_{hash:08x}_{}", suffix(unique));
    if full.len() <= MAX_IDENTIFIER_BYTES {
        return full;
    }
    cut_with_hash(&base, unique, hash)
}

/// A foreign-key constraint's name on PostgreSQL and MySQL/MariaDB:
/// `{table}_{column}_fk_{target_table}` (shortened by the backend past its limit). SQLite's
/// foreign keys have no name.
pub fn foreign_key(table: &str, column: &str, target_table: &str) -> String {
    format!("{table}_{column}_fk_{target_table}")
}

/// The usual name of a multi-column foreign key (`#[model(foreign_key(fields = [...], to =
/// …))]`), a named constraint of the model: `{table}_{col1}_{col2}_fk_{target_table}`, and past
/// [`MAX_IDENTIFIER_BYTES`] its first bytes, `_`, 8 hex digits of its FNV-1a hash and `_fk`,
/// so every backend keeps the name as it is.
pub fn composite_foreign_key<S: AsRef<str>>(
    table: &str,
    columns: &[S],
    target_table: &str,
) -> String {
    let base = base(table, columns);
    let full = format!("{base}_fk_{target_table}");
    if full.len() <= MAX_IDENTIFIER_BYTES {
        return full;
    }
    let hash = fnv1a(full.as_bytes());
    let mut keep = MAX_IDENTIFIER_BYTES - (1 + 8) - "_fk".len();
    while !full.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}_{hash:08x}_fk", &full[..keep])
}

/// The check constraint behind a field whose type is a `#[derive(ModelEnum)]` enum (its
/// values only): `{table}_{column}_choices`, and past [`MAX_IDENTIFIER_BYTES`] its first
/// bytes, `_`, 8 hex digits of its FNV-1a hash and `_choices`, as [`index`] cuts.
pub fn choices_check(table: &str, column: &str) -> String {
    let base = format!("{table}_{column}");
    let full = format!("{base}_choices");
    if full.len() <= MAX_IDENTIFIER_BYTES {
        return full;
    }
    let hash = fnv1a(full.as_bytes());
    let mut keep = MAX_IDENTIFIER_BYTES - (1 + 8) - "_choices".len();
    while !base.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}_{hash:08x}_choices", &base[..keep])
}

/// PostgreSQL's name for a table's primary-key constraint and the index behind it:
/// `{table}_pkey`.
pub fn primary_key(table: &str) -> String {
    format!("{table}_pkey")
}

/// PostgreSQL's name for the sequence behind an auto-increment (identity) column:
/// `{table}_{column}_seq`.
pub fn identity_sequence(table: &str, column: &str) -> String {
    format!("{table}_{column}_seq")
}

/// What kind of named object a model makes in a database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// The table.
    Table,
    /// The index behind a field's `unique` or `index` flag ([`field_index`]).
    FieldIndex,
    /// The index MySQL/MariaDB need for a foreign key whose column no other index starts with
    /// (named like a [`field_index`]; only there).
    ForeignKeyIndex,
    /// A declared index (`index(...)`, named by the user or by [`index`]).
    Index,
    /// A unique constraint (PostgreSQL keeps an index of the same name, MySQL/MariaDB a
    /// unique index).
    UniqueConstraint,
    /// A check constraint.
    Check,
    /// A foreign-key constraint ([`foreign_key`]; not on SQLite, where foreign keys have no
    /// name).
    ForeignKey,
    /// A multi-column foreign key: a named constraint of the model ([`composite_foreign_key`]
    /// or the name the user gives), removed by that name.
    ForeignKeyConstraint,
    /// The primary-key constraint and its index ([`primary_key`]; PostgreSQL only).
    PrimaryKey,
    /// The sequence behind an auto-increment column ([`identity_sequence`]; PostgreSQL only).
    Sequence,
}

/// A namespace a database keeps names unique in.
#[derive(Debug)]
pub struct Namespace {
    /// One namespace per database (schema), not per table.
    pub database: bool,
    /// The kinds of object it holds.
    pub kinds: &'static [ObjectKind],
    /// Replaying a migration history refuses a clash here too: the namespace both PostgreSQL
    /// and SQLite keep, and migrator's own. (A history that worked on MySQL may hold a clash
    /// in the others; new models may not.)
    pub replay: bool,
    /// Why two names clash there, for messages.
    pub why: &'static str,
}

/// Every namespace of every backend (and migrator's own: a model's indexes and constraints
/// are removed by name). The union matters because migration files are the same for every
/// backend.
pub const NAMESPACES: &[Namespace] = {
    use ObjectKind::*;
    &[
        Namespace {
            database: true,
            kinds: &[
                Table,
                FieldIndex,
                Index,
                UniqueConstraint,
                PrimaryKey,
                Sequence,
            ],
            replay: true,
            why: "PostgreSQL keeps the names of tables, indexes and sequences in one namespace \
                  per schema, and SQLite those of tables and indexes per database",
        },
        Namespace {
            database: false,
            kinds: &[Index, UniqueConstraint, Check, ForeignKeyConstraint],
            replay: true,
            why: "a model's indexes and constraints need distinct names",
        },
        Namespace {
            database: false,
            kinds: &[FieldIndex, ForeignKeyIndex, Index, UniqueConstraint],
            replay: false,
            why: "MySQL/MariaDB keep a table's index names in one namespace",
        },
        Namespace {
            database: false,
            kinds: &[
                PrimaryKey,
                UniqueConstraint,
                Check,
                ForeignKey,
                ForeignKeyConstraint,
            ],
            replay: false,
            why: "PostgreSQL keeps a table's constraint names in one namespace",
        },
        Namespace {
            database: true,
            kinds: &[ForeignKey, ForeignKeyConstraint],
            replay: false,
            why: "MySQL/MariaDB keep foreign-key names in one namespace per database",
        },
        Namespace {
            database: true,
            kinds: &[Check],
            replay: false,
            why: "MySQL keeps check-constraint names in one namespace per database (and Django \
                  asks the same of every constraint)",
        },
    ]
};

/// Why objects of kinds `a` and `b` cannot share a name (compared ignoring ASCII case:
/// MySQL/MariaDB compare index and constraint names that way, SQLite every name), when they
/// cannot: the first namespace that holds both, where `same_table` says whether both belong
/// to one table. With `replay_only`, only the namespaces a migration history is held to.
pub fn clash(
    a: ObjectKind,
    b: ObjectKind,
    same_table: bool,
    replay_only: bool,
) -> Option<&'static str> {
    NAMESPACES
        .iter()
        .find(|n| {
            (n.replay || !replay_only)
                && (n.database || same_table)
                && n.kinds.contains(&a)
                && n.kinds.contains(&b)
        })
        .map(|n| n.why)
}

/// `idx` or `uniq`.
fn suffix(unique: bool) -> &'static str {
    if unique {
        "uniq"
    } else {
        "idx"
    }
}

/// `{table}_{col1}_{col2}…`.
fn base<S: AsRef<str>>(table: &str, columns: &[S]) -> String {
    let mut base = table.to_owned();
    for c in columns {
        base.push('_');
        base.push_str(c.as_ref());
    }
    base
}

/// `{base cut}_{hash}_{suffix}`, exactly [`MAX_IDENTIFIER_BYTES`] long (cut on a character
/// boundary: derived names are ASCII identifiers, but a migration file may hold anything).
fn cut_with_hash(base: &str, unique: bool, hash: u32) -> String {
    let suffix = suffix(unique);
    let mut keep = MAX_IDENTIFIER_BYTES - (1 + 8) - (1 + suffix.len());
    while !base.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}_{hash:08x}_{suffix}", &base[..keep])
}

/// 32-bit FNV-1a: a tiny hash that is stable across platforms and releases.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spellings existing migration files and databases hold: they must never change.
    #[test]
    fn usual_names_are_frozen() {
        assert_eq!(
            index("books", &["author", "title"], false),
            "books_author_title_idx"
        );
        assert_eq!(index("books", &["isbn"], true), "books_isbn_uniq");
        let long = index(&"t".repeat(40), &["c".repeat(40)], true);
        assert_eq!(long.len(), 63);
        assert_eq!(
            long,
            format!(
                "{}_{:08x}_uniq",
                &format!("{}_{}", "t".repeat(40), "c".repeat(40))[..49],
                fnv1a(format!("{}_{}_uniq", "t".repeat(40), "c".repeat(40)).as_bytes())
            )
        );
        assert_eq!(field_index("books", "title", true), "books_title_uniq");
        assert_eq!(
            foreign_key("loans", "book_id", "books"),
            "loans_book_id_fk_books"
        );
        assert_eq!(
            composite_foreign_key("notes", &["order_id", "line_no"], "order_lines"),
            "notes_order_id_line_no_fk_order_lines"
        );
        let long = composite_foreign_key(&"t".repeat(40), &["a", "b"], &"u".repeat(30));
        assert_eq!(long.len(), MAX_IDENTIFIER_BYTES);
        assert!(long.ends_with("_fk"), "{long}");
        assert_eq!(primary_key("books"), "books_pkey");
        assert_eq!(identity_sequence("books", "id"), "books_id_seq");
    }

    #[test]
    fn choices_checks_are_named_by_table_and_column_and_cut_at_the_limit() {
        assert_eq!(choices_check("orders", "status"), "orders_status_choices");
        let long = choices_check(&"t".repeat(40), &"c".repeat(40));
        assert_eq!(long.len(), MAX_IDENTIFIER_BYTES);
        assert!(long.ends_with("_choices"), "{long}");
        assert_ne!(long, choices_check(&"t".repeat(40), &"c".repeat(41)));
    }

    #[test]
    fn disambiguated_names_differ_from_the_usual_ones_and_from_each_other() {
        let a = index_disambiguated("t", &["a_b", "c"], false);
        let b = index_disambiguated("t", &["a", "b_c"], false);
        assert_eq!(
            index("t", &["a_b", "c"], false),
            index("t", &["a", "b_c"], false)
        );
        assert_ne!(a, b);
        assert_ne!(a, index("t", &["a_b", "c"], false));
        assert!(a.starts_with("t_a_b_c_") && a.ends_with("_idx"), "{a}");
        assert_ne!(
            index_disambiguated("t", &["a"], false),
            index_disambiguated("t", &["a"], true)
        );
        let long = index_disambiguated(&"t".repeat(40), &["c".repeat(40)], false);
        assert_eq!(long.len(), 63);
        assert_ne!(long, index(&"t".repeat(40), &["c".repeat(40)], false));
    }

    #[test]
    fn fnv1a_is_the_reference_function() {
        assert_eq!(fnv1a(b""), 0x811c_9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a(b"foobar"), 0xbf9c_f968);
    }
}
