//! Small facts about SQL text that several readers need, written once: where the parenthesis
//! opening a piece of SQL closes, and the piece without parentheses that wrap all of it
//! (PostgreSQL deparses `a * b` as `(a * b)`, servers report defaults as `('x')`), where a
//! PostgreSQL cast's type name ends, and the comparison key of an expression a database keeps
//! in its own spelling ([`expression_key`]), and the identifier tokens that name a column
//! ([`rename_column_in_sql`], [`sql_names_column`]: what a column rename rewrites in checks,
//! index expressions and generated columns, and whether such SQL names a column at all).
//! String literals and quoted identifiers (`'…'`, `"…"`, `` `…` ``) are skipped, so a
//! parenthesis inside one does not count. A leaf: it imports nothing of the crate.

/// The byte index of the `)` that closes the `(` at the start of `s`; `None` when `s` does
/// not start with `(` or it is never closed.
pub(crate) fn closing_paren(s: &str) -> Option<usize> {
    if !s.starts_with('(') {
        return None;
    }
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            // A doubled quote (`''`) closes and reopens: the same state after both.
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' | '`' => quote = Some(c),
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// True when one pair of parentheses wraps all of `s` (`(a * b)`, not `(a) * (b)`).
pub(crate) fn is_wrapped(s: &str) -> bool {
    !s.is_empty() && closing_paren(s) == Some(s.len() - 1)
}

/// `sql` trimmed and without the parentheses that wrap all of it, however many
/// (`((a * b))` → `a * b`; `(a) * (b)` stays).
pub(crate) fn strip_outer_parentheses(sql: &str) -> &str {
    let mut s = sql.trim();
    while is_wrapped(s) {
        s = s[1..s.len() - 1].trim();
    }
    s
}

/// The comparison key of an SQL expression a database keeps in its own spelling (a
/// generated column's): casts (`::text`, `::character varying`) dropped, then whitespace,
/// parentheses and identifier quotes (`"`, `` ` ``), everything outside string literals
/// lower-cased (literals kept as written), `!=` read as `<>`, and each function name a
/// database respells (`synonyms`: its spelling → the usual one, as MariaDB's `ucase` for
/// `upper`) read as the usual one. PostgreSQL's `(upper((format)::text) || '/'::text)`
/// and the `upper(format) || '/'` it was written as get one key; so do MariaDB's
/// `` octet_length(`title`) * 2 `` and `length(title) * 2`, and an expression `inspectdb`
/// declares (outer parentheses and backquotes dropped) and the one it read. A comparison of
/// spelling, not meaning: parentheses that matter are dropped too, and an expression a
/// database rewrites beyond this (PostgreSQL's `LIKE` as `~~`, MariaDB's `NOT x` as `x = 0`)
/// keeps another key than its source.
pub(crate) fn expression_key(sql: &str, synonyms: &[(&str, &str)]) -> String {
    let uncast = strip_casts(sql, true);
    let mut out = String::with_capacity(uncast.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let lower = word.to_lowercase();
        let usual = synonyms
            .iter()
            .find(|(theirs, _)| *theirs == lower)
            .map_or(lower.as_str(), |(_, usual)| usual);
        out.push_str(usual);
        word.clear();
    };
    let mut chars = uncast.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' || c == '$' {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out);
        match c {
            '\'' => {
                out.push(c);
                push_literal_rest(&mut chars, &mut out);
            }
            '!' if chars.peek() == Some(&'=') => {
                chars.next();
                out.push_str("<>");
            }
            '"' | '`' | '(' | ')' => {}
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Pushes to `out` the rest of a string literal whose opening `'` was just read, as written:
/// up to and with its closing `'` (`''` inside it is an escaped quote, not the end).
pub(crate) fn push_literal_rest(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
) {
    while let Some(d) = chars.next() {
        out.push(d);
        if d == '\'' {
            if chars.peek() == Some(&'\'') {
                out.push(chars.next().unwrap_or('\''));
            } else {
                break;
            }
        }
    }
}

/// `sql` without its casts: each `::` and the type name after it ([`skip_cast_type`]).
/// With `outside_literals`, a `::` inside a string literal stays (a generated column's
/// expression); without it every `::` is a cast (the servers' check clauses, whose
/// comparison has always read them so).
pub(crate) fn strip_casts(sql: &str, outside_literals: bool) -> String {
    let mut uncast = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(pos) = if outside_literals {
        next_cast(rest)
    } else {
        rest.find("::")
    } {
        uncast.push_str(&rest[..pos]);
        rest = skip_cast_type(&rest[pos + 2..]);
    }
    uncast.push_str(rest);
    uncast
}

/// The byte index of the next `::` outside a string literal.
fn next_cast(s: &str) -> Option<usize> {
    let mut quote = false;
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quote = !quote,
            ':' if !quote && bytes.get(i + 1) == Some(&b':') => return Some(i),
            _ => {}
        }
    }
    None
}

/// `text` after a cast's `::` without its type name: a word, the further words of
/// PostgreSQL's multi-word type names (`character varying`, `double precision`,
/// `timestamp with time zone`), and an array's `[]`.
pub(crate) fn skip_cast_type(text: &str) -> &str {
    fn word(s: &str) -> &str {
        s.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
    }
    let mut rest = word(text);
    loop {
        let spaced = rest.trim_start();
        let next_word_len = spaced.len() - word(spaced).len();
        let next = &spaced[..next_word_len];
        if next_word_len > 0
            && ["varying", "precision", "with", "without", "time", "zone"]
                .contains(&next.to_ascii_lowercase().as_str())
        {
            rest = &spaced[next_word_len..];
        } else {
            break;
        }
    }
    rest.strip_prefix("[]").unwrap_or(rest)
}

/// True when the SQL expression `sql` names column `column` (an identifier token as
/// [`rename_column_in_sql`] finds them).
pub fn sql_names_column(sql: &str, column: &str) -> bool {
    rename_column_in_sql(sql, column, &format!("{column}_")) != sql
}

/// True for a character that may continue a bare SQL identifier.
fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// True when `name` can be written as a bare identifier (a letter or `_`, then letters,
/// digits, `_`).
fn bare_ok(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Rewrites every identifier token of the SQL expression `sql` that names column `old` to
/// `new`: bare identifiers (compared ASCII case-insensitively, as SQL does; not when followed
/// by `(`, which makes it a function name) and identifiers quoted with `"…"`, `` `…` `` or
/// `[…]` (compared exactly, written back with the same quotes). String literals (`'…'`),
/// numbers and comments are copied unchanged. A bare token whose new name needs quoting is
/// written as `"new"`.
pub fn rename_column_in_sql(sql: &str, old: &str, new: &str) -> String {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    // Copies chars[i..end] to `out` and moves on.
    let copy = |out: &mut String, from: usize, to: usize| out.extend(&chars[from..to]);
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' => {
                // A string literal; '' is an escaped quote.
                let mut j = i + 1;
                while j < chars.len() {
                    if chars[j] == '\'' {
                        if chars.get(j + 1) == Some(&'\'') {
                            j += 2;
                            continue;
                        }
                        j += 1;
                        break;
                    }
                    j += 1;
                }
                let end = j.min(chars.len());
                copy(&mut out, i, end);
                i = end;
            }
            '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                let mut name = String::new();
                let mut j = i + 1;
                let mut closed = false;
                while j < chars.len() {
                    if chars[j] == close {
                        if close != ']' && chars.get(j + 1) == Some(&close) {
                            name.push(close);
                            j += 2;
                            continue;
                        }
                        closed = true;
                        j += 1;
                        break;
                    }
                    name.push(chars[j]);
                    j += 1;
                }
                if closed && name == old {
                    out.push(c);
                    if close == ']' {
                        out.push_str(new);
                    } else {
                        out.push_str(&new.replace(close, &format!("{close}{close}")));
                    }
                    out.push(close);
                } else {
                    copy(&mut out, i, j);
                }
                i = j;
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                let end = chars[i..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(chars.len(), |p| i + p);
                copy(&mut out, i, end);
                i = end;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                let end = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == '*' && chars[j + 1] == '/')
                    .map_or(chars.len(), |j| j + 2);
                copy(&mut out, i, end);
                i = end;
            }
            c if c.is_ascii_digit() => {
                // A number, with any letters glued to it (1e5, 0x1F): never an identifier.
                let mut j = i + 1;
                while j < chars.len() && (ident_char(chars[j]) || chars[j] == '.') {
                    j += 1;
                }
                copy(&mut out, i, j);
                i = j;
            }
            c if ident_char(c) => {
                let mut j = i + 1;
                while j < chars.len() && ident_char(chars[j]) {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                let next = chars[j..].iter().find(|c| !c.is_whitespace());
                if word.eq_ignore_ascii_case(old) && next != Some(&'(') {
                    if bare_ok(new) {
                        out.push_str(new);
                    } else {
                        out.push('"');
                        out.push_str(&new.replace('"', "\"\""));
                        out.push('"');
                    }
                } else {
                    out.push_str(&word);
                }
                i = j;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closing_parenthesis_skips_quotes() {
        assert_eq!(closing_paren("(a)"), Some(2));
        assert_eq!(closing_paren("(a) * (b)"), Some(2));
        assert_eq!(closing_paren("((a) * (b))"), Some(10));
        assert_eq!(closing_paren("(')' || \")\" || `)`)"), Some(18));
        assert_eq!(closing_paren("('it''s)')"), Some(9));
        assert_eq!(closing_paren("a(b)"), None);
        assert_eq!(closing_paren("(a"), None);
        assert_eq!(closing_paren(""), None);
    }

    #[test]
    fn only_parentheses_around_everything_are_stripped() {
        assert_eq!(strip_outer_parentheses(" ((a * b)) "), "a * b");
        assert_eq!(strip_outer_parentheses("( (a) )"), "a");
        assert_eq!(strip_outer_parentheses("(a) * (b)"), "(a) * (b)");
        assert_eq!(strip_outer_parentheses("('(')"), "'('");
        assert_eq!(strip_outer_parentheses("upper(x)"), "upper(x)");
        assert_eq!(strip_outer_parentheses("()"), "");
        assert!(is_wrapped("(x)") && !is_wrapped("(x) + (y)") && !is_wrapped(""));
    }

    /// The spellings the databases give back have the key of what was written.
    #[test]
    fn an_expression_and_its_database_spellings_have_one_key() {
        let mariadb = &[("ucase", "upper"), ("octet_length", "length")];
        let key = |sql: &str| expression_key(sql, mariadb);
        assert_eq!(
            key("(upper((format)::text) || '/'::text) || (isbn)::text"),
            key("upper(format) || '/' || isbn")
        );
        assert_eq!(
            key("upper(format) || '/' || isbn"),
            "upperformat||'/'||isbn"
        );
        assert_eq!(key("octet_length(`title`) * 2"), key("LENGTH(title) * 2"));
        assert_eq!(
            key("concat(ucase(`format`),'/',`isbn`)"),
            key("concat(upper(format), '/', isbn)")
        );
        assert_eq!(
            key("CASE WHEN (x)::text = 'A b' THEN 1 END"),
            "casewhenx='A b'then1end"
        );
        assert_eq!(key("a != b"), key("a <> b"));
        // Literals keep their case and spaces; a cast inside one is text.
        assert_ne!(key("'ABC'"), key("'abc'"));
        assert_eq!(key("'a::b'"), "'a::b'");
        // What differs is seen.
        assert_ne!(key("length(title) * 2"), key("length(title) * 3"));
        assert_ne!(key("upper(title)"), key("lower(title)"));
        // Synonyms are a backend's own: without them, `ucase` is not `upper`.
        assert_ne!(
            expression_key("ucase(x)", &[]),
            expression_key("upper(x)", &[])
        );
    }
}

#[cfg(test)]
mod rename_tests {
    use super::{rename_column_in_sql as r, sql_names_column};

    #[test]
    fn renames_bare_and_quoted_identifiers_but_not_strings() {
        assert_eq!(
            r("price > 0 AND \"price\" < 'price'", "price", "cost"),
            "cost > 0 AND \"cost\" < 'price'"
        );
        assert_eq!(r("`price` >= [price]", "price", "cost"), "`cost` >= [cost]");
        assert_eq!(
            r("PRICE > 0", "price", "cost"),
            "cost > 0",
            "bare names fold case"
        );
        assert_eq!(
            r("\"PRICE\" > 0", "price", "cost"),
            "\"PRICE\" > 0",
            "quoted do not"
        );
    }

    #[test]
    fn leaves_other_tokens_alone() {
        // Longer names, prefixes, function names, numbers, escaped quotes, comments.
        assert_eq!(
            r(
                "price_max > price AND length(length) > 1e5",
                "length",
                "size"
            ),
            "price_max > price AND length(size) > 1e5"
        );
        assert_eq!(r("price1 > 2price", "price", "cost"), "price1 > 2price");
        assert_eq!(
            r("note <> 'it''s price' AND note <> ''", "note", "memo"),
            "memo <> 'it''s price' AND memo <> ''"
        );
        assert_eq!(
            r("a > 0 -- a\n/* a */ AND a < 9", "a", "b"),
            "b > 0 -- a\n/* a */ AND b < 9"
        );
        assert_eq!(
            r("\"we\"\"ird\" > 0", "we\"ird", "odd"),
            "\"odd\" > 0",
            "escaped quotes inside a quoted name"
        );
    }

    #[test]
    fn quotes_a_new_name_that_needs_it_and_survives_unterminated_input() {
        assert_eq!(r("a > 0", "a", "new col"), "\"new col\" > 0");
        assert_eq!(r("\"a\" > 0", "a", "x\"y"), "\"x\"\"y\" > 0");
        assert_eq!(r("a = 'open", "a", "b"), "b = 'open");
        assert_eq!(r("\"a", "a", "b"), "\"a");
        assert_eq!(r("x.a > 0", "a", "b"), "x.b > 0");
    }

    #[test]
    fn names_a_column_only_as_a_whole_token() {
        assert!(sql_names_column("a > 0", "a"));
        assert!(sql_names_column("\"a\" IS NOT NULL", "a"));
        // `a` inside `ab`, `ba`, a string, a function name or a comment is not `a`.
        assert!(!sql_names_column("ab > 0 AND ba < 'a'", "a"));
        assert!(!sql_names_column("a(ab) > 0 -- a", "a"));
    }
}
