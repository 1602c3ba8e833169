//! The stored `CREATE TABLE` text of an SQLite table, read by a small tokenizer for what the
//! catalog pragmas do not report: named table-level `CHECK` and `UNIQUE` constraints and
//! `AUTOINCREMENT` (what `introspect` compares), and for `inspect`, the clauses of each
//! column definition (`CHECK`, `COLLATE`, `AS (…)`) and the table options after the column
//! list. Pure text functions; a leaf of `sqlite/`.

/// What one column definition of a `CREATE TABLE` says besides its name, type, `NOT NULL`,
/// `DEFAULT`, `PRIMARY KEY`, `UNIQUE` and `REFERENCES` (which the pragmas report).
#[derive(Debug, Default, PartialEq)]
pub(super) struct ColumnClauses {
    /// `(name, sql)` of each `CHECK` on the column.
    pub(super) checks: Vec<(Option<String>, String)>,
    /// `COLLATE x`, as written.
    pub(super) collate: Option<String>,
    /// The expression of `GENERATED ALWAYS AS (…)` / `AS (…)`.
    pub(super) generated: Option<String>,
}

/// The top-level pieces of a column definition after its name: bare words, quoted tokens and
/// parenthesized groups (the group's inner text).
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Word(&'a str),
    Group(&'a str),
}

fn pieces(s: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        let len = if c == '(' {
            match parenthesized(rest) {
                Some((inner, after)) => {
                    out.push(Piece::Group(inner));
                    rest.len() - after.len()
                }
                None => rest.len(),
            }
        } else if matches!(c, '\'' | '"' | '`' | '[') {
            let close = if c == '[' { ']' } else { c };
            let end = rest[1..].find(close).map_or(rest.len(), |i| i + 2);
            out.push(Piece::Word(&rest[..end]));
            end
        } else {
            let end = rest
                .find(|ch: char| ch.is_whitespace() || matches!(ch, '(' | '\'' | '"'))
                .unwrap_or(rest.len())
                .max(c.len_utf8());
            out.push(Piece::Word(&rest[..end]));
            end
        };
        rest = rest[len..].trim_start();
    }
    out
}

/// `(column, clauses)` of every column definition of a `CREATE TABLE` that has a clause the
/// pragmas do not report.
pub(super) fn column_clauses(sql: &str) -> Vec<(String, ColumnClauses)> {
    let mut out = Vec::new();
    let Some((body, _)) = parenthesized(sql) else {
        return out;
    };
    for part in split_top_level(body, ',') {
        let rest = part.trim();
        if ["CONSTRAINT", "CHECK", "UNIQUE", "PRIMARY", "FOREIGN"]
            .iter()
            .any(|kw| starts_with_keyword(rest, kw))
        {
            continue;
        }
        let (name, after) = first_ident(rest);
        let mut clauses = ColumnClauses::default();
        let pieces = pieces(after);
        let mut pending_name = None;
        let mut i = 0;
        while i < pieces.len() {
            let word = |j: usize| match pieces.get(j) {
                Some(Piece::Word(w)) => Some(*w),
                _ => None,
            };
            let group = |j: usize| match pieces.get(j) {
                Some(Piece::Group(g)) => Some(*g),
                _ => None,
            };
            let is = |j: usize, kw: &str| word(j).is_some_and(|w| w.eq_ignore_ascii_case(kw));
            if is(i, "CONSTRAINT") {
                pending_name = word(i + 1).map(unquote);
                i += 2;
            } else if is(i, "CHECK") {
                if let Some(g) = group(i + 1) {
                    clauses
                        .checks
                        .push((pending_name.take(), g.trim().to_owned()));
                }
                i += 2;
            } else if is(i, "COLLATE") {
                clauses.collate = word(i + 1).map(|c| format!("COLLATE {c}"));
                i += 2;
            } else if is(i, "AS") {
                clauses.generated = group(i + 1).map(|g| g.trim().to_owned());
                i += 2;
            } else {
                i += 1;
            }
        }
        if clauses != ColumnClauses::default() {
            out.push((name, clauses));
        }
    }
    out
}

/// The table options after a `CREATE TABLE`'s column list (`WITHOUT ROWID`, `STRICT`), each
/// with what it means.
pub(super) fn table_options(sql: &str) -> Vec<String> {
    let Some((_, tail)) = parenthesized(sql) else {
        return Vec::new();
    };
    split_top_level(tail, ',')
        .into_iter()
        .map(|o| o.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|o| !o.is_empty())
        .map(|o| {
            let upper = o.to_ascii_uppercase();
            if upper == "WITHOUT ROWID" {
                "the table option WITHOUT ROWID (its rows are stored by primary key)".to_owned()
            } else if upper == "STRICT" {
                "the table option STRICT (its columns only take values of their declared type)"
                    .to_owned()
            } else {
                format!("the table option {o}")
            }
        })
        .collect()
}

/// What the `CREATE TABLE` text tells that the pragmas do not.
#[derive(Debug, Default, PartialEq)]
pub(super) struct ParsedTable {
    pub(super) autoincrement: bool,
    /// `(name, sql)` of every table-level `CHECK`.
    pub(super) checks: Vec<(Option<String>, String)>,
    /// `(name, columns)` of every table-level `UNIQUE`.
    pub(super) uniques: Vec<(Option<String>, Vec<String>)>,
}

/// Splits `s` at top-level occurrences of `sep` (outside quotes and parentheses).
fn split_top_level(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' | '`' => quote = Some(c),
                '[' => quote = Some(']'),
                '(' => depth += 1,
                ')' => depth -= 1,
                c if c == sep && depth == 0 => {
                    parts.push(&s[start..i]);
                    start = i + c.len_utf8();
                }
                _ => {}
            },
        }
    }
    parts.push(&s[start..]);
    parts
}

/// The text inside the first balanced parentheses of `s`, and what follows them.
fn parenthesized(s: &str) -> Option<(&str, &str)> {
    let open = s.find('(')?;
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in s[open..].char_indices() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' | '`' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        let end = open + i;
                        return Some((&s[open + 1..end], &s[end + 1..]));
                    }
                }
                _ => {}
            },
        }
    }
    None
}

/// Unquotes an identifier (`"a""b"` → `a"b`, `[x]`, `` `x` ``) or returns it as is.
fn unquote(ident: &str) -> String {
    let ident = ident.trim();
    let mut chars = ident.chars();
    match (chars.next(), ident.chars().last()) {
        (Some(o @ ('"' | '`')), Some(c)) if c == o && ident.len() >= 2 => {
            let inner = &ident[1..ident.len() - 1];
            inner.replace(&format!("{o}{o}"), &o.to_string())
        }
        (Some('['), Some(']')) => ident[1..ident.len() - 1].to_owned(),
        _ => ident.to_owned(),
    }
}

/// The first identifier token of `s` (quoted or bare) and the rest.
fn first_ident(s: &str) -> (String, &str) {
    let s = s.trim_start();
    let close = match s.chars().next() {
        Some('"') => Some('"'),
        Some('`') => Some('`'),
        Some('[') => Some(']'),
        _ => None,
    };
    if let Some(close) = close {
        let mut i = 1;
        let bytes: Vec<char> = s.chars().collect();
        let mut end_byte = s.len();
        let mut byte = s.chars().next().map_or(0, char::len_utf8);
        while i < bytes.len() {
            let c = bytes[i];
            if c == close {
                if close != ']' && bytes.get(i + 1) == Some(&close) {
                    byte += 2 * c.len_utf8();
                    i += 2;
                    continue;
                }
                end_byte = byte + c.len_utf8();
                break;
            }
            byte += c.len_utf8();
            i += 1;
        }
        (unquote(&s[..end_byte]), &s[end_byte..])
    } else {
        let end = s
            .find(|c: char| c.is_whitespace() || c == '(')
            .unwrap_or(s.len());
        (s[..end].to_owned(), &s[end..])
    }
}

fn starts_with_keyword(s: &str, kw: &str) -> bool {
    s.len() >= kw.len()
        && s[..kw.len()].eq_ignore_ascii_case(kw)
        && s[kw.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_')
}

pub(super) fn parse_create_table(sql: &str) -> ParsedTable {
    let mut parsed = ParsedTable::default();
    let Some((body, _)) = parenthesized(sql) else {
        return parsed;
    };
    for part in split_top_level(body, ',') {
        let mut rest = part.trim();
        let mut name = None;
        if starts_with_keyword(rest, "CONSTRAINT") {
            let (n, r) = first_ident(&rest["CONSTRAINT".len()..]);
            name = Some(n);
            rest = r.trim_start();
        }
        if starts_with_keyword(rest, "CHECK") {
            if let Some((inner, _)) = parenthesized(rest) {
                parsed.checks.push((name, inner.trim().to_owned()));
            }
        } else if starts_with_keyword(rest, "UNIQUE") {
            if let Some((inner, _)) = parenthesized(rest) {
                let cols = split_top_level(inner, ',')
                    .into_iter()
                    .map(|c| first_ident(c).0)
                    .collect();
                parsed.uniques.push((name, cols));
            }
        } else if name.is_none()
            && !starts_with_keyword(rest, "PRIMARY")
            && !starts_with_keyword(rest, "FOREIGN")
        {
            // A column definition: look for AUTOINCREMENT among its bare tokens.
            let (_, after_name) = first_ident(rest);
            if after_name
                .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
                .any(|t| t.eq_ignore_ascii_case("AUTOINCREMENT"))
            {
                parsed.autoincrement = true;
            }
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_table_constraints_and_autoincrement() {
        let p = parse_create_table(
            r#"CREATE TABLE "t" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "a,b" TEXT DEFAULT 'x, (y)', "n" INTEGER, CONSTRAINT "pos""itive" CHECK ("n" > 0 AND ("n" < 10)), CONSTRAINT "u" UNIQUE ("a,b", "n"), CHECK (1))"#,
        );
        assert!(p.autoincrement);
        assert_eq!(
            p.checks,
            vec![
                (
                    Some("pos\"itive".to_owned()),
                    "\"n\" > 0 AND (\"n\" < 10)".to_owned()
                ),
                (None, "1".to_owned())
            ]
        );
        assert_eq!(
            p.uniques,
            vec![(Some("u".to_owned()), vec!["a,b".to_owned(), "n".to_owned()])]
        );
        let p = parse_create_table(r#"CREATE TABLE "autoincrement" ("x" TEXT)"#);
        assert!(!p.autoincrement);
    }

    #[test]
    fn column_clauses_and_table_options_are_read() {
        let sql = r#"CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "price" REAL NOT NULL CONSTRAINT "price_ok" CHECK (price >= 0) DEFAULT 0, name TEXT COLLATE NOCASE CHECK(length(name) > 0), "total" REAL GENERATED ALWAYS AS (price * 2) STORED, CHECK (1)) WITHOUT ROWID, STRICT"#;
        let clauses = column_clauses(sql);
        assert_eq!(clauses.len(), 3, "{clauses:?}");
        assert_eq!(clauses[0].0, "price");
        assert_eq!(
            clauses[0].1.checks,
            vec![(Some("price_ok".to_owned()), "price >= 0".to_owned())]
        );
        assert_eq!(clauses[1].1.collate.as_deref(), Some("COLLATE NOCASE"));
        assert_eq!(
            clauses[1].1.checks,
            vec![(None, "length(name) > 0".to_owned())]
        );
        assert_eq!(clauses[2].1.generated.as_deref(), Some("price * 2"));
        assert_eq!(
            table_options(sql),
            vec![
                "the table option WITHOUT ROWID (its rows are stored by primary key)".to_owned(),
                "the table option STRICT (its columns only take values of their declared type)"
                    .to_owned()
            ]
        );
        assert!(table_options(r#"CREATE TABLE "t" ("x" TEXT)"#).is_empty());
    }
}
