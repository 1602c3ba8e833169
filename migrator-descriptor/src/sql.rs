//! The one rule for verbatim SQL that migrator splices into the statements it writes: a
//! check constraint's condition and an SQL default (`check(sql = …)`, `default_sql`, and
//! `ConstraintKind::Check` / `DefaultValue::Sql` in migration files) must each be **one SQL
//! expression**, and a column type spelled out (`db_type`, `ColumnType::Custom`) **one type**.
//! Written once here so that migrator-derive (at compile time, at the attribute) and
//! migrator-core (when a migration file is replayed or its SQL is written) refuse the same
//! text with the same words.
//!
//! Without the rule such text is an injection path: `sql = "1=1)); DROP TABLE authors; SELECT
//! ((1"` made `migrate` drop a table. [`check`] refuses, outside string literals and quoted
//! identifiers:
//!
//! - `;`, which ends the statement;
//! - comment openers: `--`, `/*`, and `#` (a comment on MySQL/MariaDB), which could hide the
//!   rest of the statement migrator writes around the text;
//! - `$`, which starts a dollar-quoted string on PostgreSQL (so text this scan takes for
//!   quoted could be code there);
//! - a `)` that closes nothing, a `(` never closed, and a quote never closed;
//! - for a type only, a `,` outside parentheses, which would start another column;
//! - anywhere, a NUL character.
//!
//! Quoting differs between the databases, so the text is read twice and must pass both ways:
//! once as standard SQL (SQLite, PostgreSQL: `'…'` strings and `"…"` identifiers with doubled
//! quotes, a backslash is an ordinary character, a backtick too) and once as MySQL/MariaDB
//! read it by default (`\` escapes a quote inside `'…'` and `"…"`, backticks quote
//! identifiers). PostgreSQL's `E'…'` strings read like the second way. Raw SQL steps
//! (`RunSql`) are statements on purpose and are not checked.
//!
//! ```
//! use migrator_descriptor::sql::{check, Fragment};
//!
//! assert!(check("price >= 0 AND name <> ';'", Fragment::Expression).is_ok());
//! assert!(check("NUMERIC(10, 2)", Fragment::Type).is_ok());
//! let problem = check("1=1); DROP TABLE authors; SELECT (1", Fragment::Expression).unwrap_err();
//! assert_eq!(
//!     problem.to_string(),
//!     "the `)` at character 4 closes a parenthesis the text did not open (near `); DROP TABLE au…`)"
//! );
//! ```

use std::fmt;

/// What a piece of verbatim SQL must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fragment {
    /// One expression: a check constraint's condition, an SQL default. migrator writes it
    /// inside parentheses (`CHECK (…)`, `DEFAULT (…)`).
    Expression,
    /// One column type (`VARCHAR(20)`, `NUMERIC(10, 2)`, `CITEXT`): written as is after the
    /// column name, so a `,` outside parentheses would start another column.
    Type,
}

impl Fragment {
    /// `an SQL expression` / `a column type`, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Expression => "one SQL expression",
            Self::Type => "one column type",
        }
    }
}

/// What is wrong with a piece of verbatim SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// Nothing but whitespace.
    Empty,
    /// `;` outside a string literal.
    StatementSeparator,
    /// A comment opener outside a string literal: `--`, `/*` or `#`.
    Comment(&'static str),
    /// `$` outside a string literal (PostgreSQL dollar quoting).
    Dollar,
    /// A `)` with no `(` before it.
    UnopenedParenthesis,
    /// A `(` never closed.
    UnclosedParenthesis,
    /// A quote (`'`, `"` or a backtick) never closed.
    UnclosedQuote(char),
    /// A `,` outside parentheses in a column type.
    TopLevelComma,
    /// A NUL character.
    Nul,
}

/// Why a piece of verbatim SQL is refused: the kind, where (in characters from the start),
/// and whether it shows only when `\` escapes quotes (as on MySQL/MariaDB).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// The position of the offending character, counted in characters from 0 (messages count
    /// from 1).
    pub at: usize,
    /// The text from the offending character on, cut to a few characters (empty for
    /// [`ProblemKind::Empty`]).
    pub near: String,
    /// True when the text passes as standard SQL and fails only read as MySQL/MariaDB read it,
    /// where `\` escapes a quote.
    pub backslash_escapes: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // People count characters from 1.
        let at = self.at + 1;
        match self.kind {
            ProblemKind::Empty => return f.write_str("it is empty"),
            ProblemKind::StatementSeparator => write!(
                f,
                "the `;` at character {at} would end the statement and start another"
            )?,
            ProblemKind::Comment(opener) => {
                write!(
                    f,
                    "the `{opener}` at character {at} starts a comment that could hide the rest \
                     of the statement"
                )?;
                if opener == "#" {
                    f.write_str(
                        " on MySQL/MariaDB (for PostgreSQL's `#>` and `#>>` write \
                         `jsonb_extract_path(…)` and `jsonb_extract_path_text(…)`)",
                    )?;
                }
            }
            ProblemKind::Dollar => write!(
                f,
                "the `$` at character {at} starts a dollar-quoted string on PostgreSQL"
            )?,
            ProblemKind::UnopenedParenthesis => write!(
                f,
                "the `)` at character {at} closes a parenthesis the text did not open"
            )?,
            ProblemKind::UnclosedParenthesis => {
                write!(f, "the `(` at character {at} is never closed")?;
            }
            ProblemKind::UnclosedQuote(q) => {
                write!(f, "the `{q}` at character {at} is never closed")?;
            }
            ProblemKind::TopLevelComma => write!(
                f,
                "the `,` at character {at} is outside parentheses and would start another column"
            )?,
            ProblemKind::Nul => write!(f, "it contains a NUL character at character {at}")?,
        }
        if !self.near.is_empty() && self.kind != ProblemKind::Nul {
            write!(f, " (near `{}`)", self.near)?;
        }
        if self.backslash_escapes {
            f.write_str(", reading `\\` as an escape inside quotes as MySQL/MariaDB do")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

/// Checks that `text` is one SQL expression or one column type (see the module
/// documentation for the rule), returning the first problem found.
pub fn check(text: &str, fragment: Fragment) -> Result<(), Problem> {
    if text.trim().is_empty() {
        return Err(Problem {
            kind: ProblemKind::Empty,
            at: 0,
            near: String::new(),
            backslash_escapes: false,
        });
    }
    scan(text, fragment, false)?;
    scan(text, fragment, true)
}

/// How many characters of context a problem shows.
const NEAR_CHARS: usize = 16;

/// One reading of `text`: standard SQL, or with `\` escaping quotes (MySQL/MariaDB).
fn scan(text: &str, fragment: Fragment, backslash_escapes: bool) -> Result<(), Problem> {
    let chars: Vec<char> = text.chars().collect();
    let problem = |kind, at: usize| {
        let mut near: String = chars[at..].iter().take(NEAR_CHARS).collect();
        if chars.len() - at > NEAR_CHARS {
            near.push('…');
        }
        Err(Problem {
            kind,
            at,
            near,
            backslash_escapes,
        })
    };
    if let Some(at) = chars.iter().position(|&c| c == '\0') {
        return problem(ProblemKind::Nul, at);
    }
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\'' | '"' => match closing_quote(&chars, i, backslash_escapes) {
                Some(end) => i = end,
                None => return problem(ProblemKind::UnclosedQuote(c), i),
            },
            '`' if backslash_escapes => match closing_quote(&chars, i, false) {
                Some(end) => i = end,
                None => return problem(ProblemKind::UnclosedQuote(c), i),
            },
            ';' => return problem(ProblemKind::StatementSeparator, i),
            '-' if next == Some('-') => return problem(ProblemKind::Comment("--"), i),
            '/' if next == Some('*') => return problem(ProblemKind::Comment("/*"), i),
            '#' => return problem(ProblemKind::Comment("#"), i),
            '$' => return problem(ProblemKind::Dollar, i),
            '(' => open.push(i),
            ')' if open.pop().is_none() => {
                return problem(ProblemKind::UnopenedParenthesis, i);
            }
            ',' if fragment == Fragment::Type && open.is_empty() => {
                return problem(ProblemKind::TopLevelComma, i);
            }
            _ => {}
        }
        i += 1;
    }
    match open.first() {
        Some(&at) => problem(ProblemKind::UnclosedParenthesis, at),
        None => Ok(()),
    }
}

/// The index of the character that closes the quote opened at `start` (a doubled quote is an
/// escaped one; with `backslash_escapes`, `\` escapes the next character), or `None` when the
/// quote is never closed.
fn closing_quote(chars: &[char], start: usize, backslash_escapes: bool) -> Option<usize> {
    let quote = chars[start];
    let mut j = start + 1;
    while j < chars.len() {
        let c = chars[j];
        if backslash_escapes && c == '\\' {
            j += 2;
            continue;
        }
        if c == quote {
            if chars.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return Some(j);
        }
        j += 1;
    }
    None
}

/// The statement keywords a generated column's expression may not contain as a word at its
/// start or right after a `(`: a generated column is computed from the row alone, so a
/// subquery or a statement is never what was meant (and no backend accepts one there).
pub const STATEMENT_KEYWORDS: &[&str] = &[
    "SELECT", "INSERT", "UPDATE", "DELETE", "DROP", "CREATE", "ALTER", "TRUNCATE", "GRANT", "WITH",
    "VALUES",
];

/// Checks a generated column's expression: [`check`] as one expression, not empty, and no
/// statement keyword ([`STATEMENT_KEYWORDS`]) at its start or right after a `(` outside
/// string literals. The error is a sentence to put after "the expression …".
///
/// ```
/// use migrator_descriptor::sql::check_generated;
///
/// assert!(check_generated("price * quantity").is_ok());
/// assert!(check_generated("lower(name) || 'select'").is_ok());
/// assert_eq!(
///     check_generated("(SELECT max(id) FROM t)").unwrap_err(),
///     "contains the statement keyword `SELECT` (a generated column is computed from its own row; subqueries and statements are not allowed)"
/// );
/// ```
pub fn check_generated(text: &str) -> Result<(), String> {
    check(text, Fragment::Expression).map_err(|p| p.to_string())?;
    let mut quote: Option<char> = None;
    let mut after_open = true;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            '\'' | '"' | '`' => {
                quote = Some(c);
                after_open = false;
            }
            '(' => after_open = true,
            c if c.is_whitespace() => {}
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect::<String>().to_uppercase();
                if after_open && STATEMENT_KEYWORDS.contains(&word.as_str()) {
                    return Err(format!(
                        "contains the statement keyword `{word}` (a generated column is \
                         computed from its own row; subqueries and statements are not allowed)"
                    ));
                }
                after_open = false;
                continue;
            }
            _ => after_open = false,
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str, fragment: Fragment) -> Option<(ProblemKind, usize, bool)> {
        check(text, fragment)
            .err()
            .map(|p| (p.kind, p.at, p.backslash_escapes))
    }

    fn expr(text: &str) -> Option<(ProblemKind, usize, bool)> {
        kind(text, Fragment::Expression)
    }

    #[test]
    fn single_expressions_and_types_pass() {
        for ok in [
            "pages > 0",
            "price >= 0 AND (discount IS NULL OR discount < price)",
            "status IN ('draft', 'published')",
            "note <> 'it''s; -- not /* a comment */ # nor $$'",
            "\"weird;name\" > 0",
            "CURRENT_TIMESTAMP",
            "lower(trim(name)) <> ''",
            "path LIKE 'C:\\\\%'",
            "a - -1 > 0",
            "a / 2 * 3 > 1",
            "x\n> 0",
        ] {
            assert_eq!(expr(ok), None, "{ok}");
        }
        for ok in [
            "CITEXT",
            "VARCHAR(20)",
            "NUMERIC(10, 2)",
            "TIMESTAMP WITH TIME ZONE",
            "ENUM('a', 'b,c')",
            "INT UNSIGNED",
            "geometry(Point, 4326)",
            "TEXT[]",
        ] {
            assert_eq!(kind(ok, Fragment::Type), None, "{ok}");
        }
    }

    #[test]
    fn the_reported_injection_is_refused() {
        let text = "1=1)); DROP TABLE authors; SELECT ((1";
        assert_eq!(
            expr(text),
            Some((ProblemKind::UnopenedParenthesis, 3, false))
        );
        let balanced = "(1=1) OR (1=1); DROP TABLE authors";
        assert_eq!(
            expr(balanced),
            Some((ProblemKind::StatementSeparator, 14, false))
        );
    }

    #[test]
    fn separators_comments_and_dollar_quotes_are_refused_outside_quotes() {
        assert_eq!(
            expr("a > 0; DROP TABLE t"),
            Some((ProblemKind::StatementSeparator, 5, false))
        );
        assert_eq!(
            expr("0 -- rest"),
            Some((ProblemKind::Comment("--"), 2, false))
        );
        assert_eq!(
            expr("0 /* x */"),
            Some((ProblemKind::Comment("/*"), 2, false))
        );
        assert_eq!(
            expr("0 # rest"),
            Some((ProblemKind::Comment("#"), 2, false))
        );
        assert_eq!(
            expr("$$ ' $$ ; DROP TABLE t; $$ ' $$"),
            Some((ProblemKind::Dollar, 0, false))
        );
        assert_eq!(expr("a\0"), Some((ProblemKind::Nul, 1, false)));
        assert_eq!(expr("   "), Some((ProblemKind::Empty, 0, false)));
        // Backticks quote only on MySQL: elsewhere a `;` inside them ends the statement.
        assert_eq!(
            expr("`a;b` > 0"),
            Some((ProblemKind::StatementSeparator, 2, false))
        );
    }

    #[test]
    fn parentheses_and_quotes_must_balance() {
        assert_eq!(
            expr("(a > 0"),
            Some((ProblemKind::UnclosedParenthesis, 0, false))
        );
        assert_eq!(
            expr("a > 0)"),
            Some((ProblemKind::UnopenedParenthesis, 5, false))
        );
        assert_eq!(
            expr("a = 'open"),
            Some((ProblemKind::UnclosedQuote('\''), 4, false))
        );
        assert_eq!(
            expr("\"a > 0"),
            Some((ProblemKind::UnclosedQuote('"'), 0, false))
        );
        assert_eq!(
            kind("VARCHAR(10", Fragment::Type),
            Some((ProblemKind::UnclosedParenthesis, 7, false))
        );
    }

    #[test]
    fn a_type_has_no_top_level_comma() {
        assert_eq!(
            kind("INT, evil TEXT", Fragment::Type),
            Some((ProblemKind::TopLevelComma, 3, false))
        );
        assert_eq!(expr("coalesce(a, b) > 0"), None);
    }

    #[test]
    fn text_that_mysql_reads_differently_is_refused() {
        // Standard SQL: one string `\' ; DROP TABLE t; SELECT \`. MySQL: `\'` is an
        // escaped quote, so the `;` is outside any string.
        let text = "'\\'' ; DROP TABLE t; SELECT '\\''";
        assert_eq!(expr(text), Some((ProblemKind::StatementSeparator, 5, true)));
        // PostgreSQL's E'…' strings read the same way.
        assert_eq!(
            expr("E'\\'' ; DROP TABLE t; SELECT E'\\''").map(|p| p.0),
            Some(ProblemKind::StatementSeparator)
        );
        // A string ending in a backslash is closed in standard SQL and open on MySQL.
        assert_eq!(
            expr("'C:\\'"),
            Some((ProblemKind::UnclosedQuote('\''), 0, true))
        );
        // MySQL's backtick identifiers: closed, and a quote inside one is not a string.
        assert_eq!(
            expr("`a'b` > 0"),
            Some((ProblemKind::UnclosedQuote('\''), 2, false))
        );
    }

    #[test]
    fn messages_say_what_and_where() {
        let p = check("a > 0; DROP TABLE books", Fragment::Expression).unwrap_err();
        assert_eq!(
            p.to_string(),
            "the `;` at character 6 would end the statement and start another (near `; DROP TABLE boo…`)"
        );
        let p = check("'\\'' ; x '\\''", Fragment::Expression).unwrap_err();
        assert!(p.to_string().ends_with("as MySQL/MariaDB do"), "{p}");
        let p = check("0 # x", Fragment::Expression).unwrap_err();
        assert!(p.to_string().contains("on MySQL/MariaDB"), "{p}");
        assert_eq!(Fragment::Type.noun(), "one column type");
    }
}
