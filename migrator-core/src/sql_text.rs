//! Small facts about SQL text that several readers need, written once: where the parenthesis
//! opening a piece of SQL closes, and the piece without parentheses that wrap all of it
//! (PostgreSQL deparses `a * b` as `(a * b)`, servers report defaults as `('x')`). String
//! literals and quoted identifiers (`'…'`, `"…"`, `` `…` ``) are skipped, so a parenthesis
//! inside one does not count. A leaf: it imports nothing of the crate.

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
}
