//! Where a PromQL expression's string literals are, found one way for every text pass of the importer
//! (the `by (…)` clause, variables inside regex matchers, the one-line query written to the workspace):
//! `"…"` and `'…'` take backslash escapes, `` `…` `` (raw strings) none.

/// One character of an expression and where it stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Lexeme {
    /// Byte offset in the expression.
    pub at: usize,
    pub c: char,
    /// Part of a string literal, its quotes included.
    pub quoted: bool,
    /// The string literal still open after this character: its quote and the offset it opened at.
    pub open: Option<(char, usize)>,
}

/// Every character of `expr` with whether it is in a string literal.
pub(super) fn lex(expr: &str) -> impl Iterator<Item = Lexeme> + '_ {
    let (mut open, mut escaped) = (None::<(char, usize)>, false);
    expr.char_indices().map(move |(at, c)| {
        let quoted = match open {
            Some((q, _)) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q != '`' {
                    escaped = true;
                } else if c == q {
                    open = None;
                }
                true
            }
            None if matches!(c, '"' | '\'' | '`') => {
                open = Some((c, at));
                true
            }
            None => false,
        };
        Lexeme { at, c, quoted, open }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expression with every character outside string literals replaced by `.`.
    fn strings(expr: &str) -> String {
        lex(expr).map(|l| if l.quoted { l.c } else { '.' }).collect()
    }

    #[test]
    fn string_literals_are_found_with_their_escapes() {
        let cases = [
            (r#"up{a="x"}"#, r#"....."x"."#),
            (r#"up{a="x\"y"} by"#, r#"....."x\"y"...."#),
            (r#"a{b='it\'s'}"#, r#"....'it\'s'."#),
            // Raw strings have no escapes: the backslash ends nothing and the backtick closes.
            ("a{b=~`\\d+`} (c)", ".....`\\d+`....."),
            ("no strings (here)", "................."),
        ];
        for (expr, want) in cases {
            assert_eq!(strings(expr), want, "{expr}");
        }
        assert_eq!(lex(r#"x{a="open"#).last().and_then(|l| l.open), Some(('"', 4)), "still open at the end");
        assert_eq!(lex(r#"x{a="shut"}"#).last().and_then(|l| l.open), None);
    }
}
