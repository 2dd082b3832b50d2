//! The one tokenizer of SQL text, under both dialects' readers: string literals (`'it''s'`),
//! quoted names (`"a""b"`; on SQLite also `` `a` `` and `[a]`), words, comments and single
//! punctuation characters. The readers find parentheses, casts and literals in its tokens, so a
//! parenthesis or `::` inside quotes is never taken for one.

use std::borrow::Cow;

use super::Backend;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword, a bare name or a number (`12.5` is `12`, `.`, `5`).
    Word,
    /// A quoted name: `"a""b"`.
    Quoted,
    /// A string literal: `'it''s'`.
    String,
    /// Any other character, one at a time: `(`, `)`, `,`, `:`, …
    Punct,
}

/// One token of SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    /// What it is.
    pub kind: TokenKind,
    /// The token as written, quotes included.
    pub raw: &'a str,
    /// Where it starts in the text, in bytes.
    pub start: usize,
    /// A quoted name or string without its quotes, doubled quotes undoubled; otherwise `raw`.
    pub value: Cow<'a, str>,
    /// `false` for a quoted name or string that the text ends inside.
    pub closed: bool,
}

impl Token<'_> {
    /// Where it ends in the text, in bytes.
    pub fn end(&self) -> usize {
        self.start + self.raw.len()
    }

    /// `true` for the punctuation character `c`.
    pub fn is(&self, c: char) -> bool {
        self.kind == TokenKind::Punct && self.raw.starts_with(c)
    }

    /// `true` for the word `keyword`, in any case.
    pub fn is_keyword(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Word && self.raw.eq_ignore_ascii_case(keyword)
    }

    /// The name a word or a quoted name stands for; `None` for strings and punctuation.
    pub fn name(&self) -> Option<&str> {
        match self.kind {
            TokenKind::Word | TokenKind::Quoted => Some(&self.value),
            TokenKind::String | TokenKind::Punct => None,
        }
    }
}

/// The tokens of `sql` in `backend`'s quoting, comments left out.
///
/// ```
/// use entmig_schema::Backend;
/// use entmig_schema::render::tokens::{tokenize, TokenKind};
/// let tokens = tokenize(r#"'it''s (x)'::"my ""type""""#, Backend::Postgres);
/// let kinds: Vec<TokenKind> = tokens.iter().map(|t| t.kind).collect();
/// assert_eq!(kinds, [TokenKind::String, TokenKind::Punct, TokenKind::Punct, TokenKind::Quoted]);
/// assert_eq!(tokens[0].value, "it's (x)");
/// assert_eq!(tokens[3].value, r#"my "type""#);
/// ```
pub fn tokenize(sql: &str, backend: Backend) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut chars = sql.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let next = chars.peek().map(|&(_, c)| c);
        if c.is_whitespace() {
            continue;
        }
        if c == '-' && next == Some('-') {
            while chars.next_if(|&(_, c)| c != '\n').is_some() {}
            continue;
        }
        if c == '/' && next == Some('*') {
            chars.next();
            let mut last = ' ';
            for (_, c) in chars.by_ref() {
                if last == '*' && c == '/' {
                    break;
                }
                last = c;
            }
            continue;
        }
        let close = match c {
            '\'' | '"' => Some(c),
            '`' if backend == Backend::Sqlite => Some('`'),
            '[' if backend == Backend::Sqlite => Some(']'),
            _ => None,
        };
        if let Some(close) = close {
            // A doubled closing quote is one quote inside (`]` cannot be doubled).
            let mut value = String::new();
            let mut closed = false;
            while let Some((_, c)) = chars.next() {
                if c == close {
                    if close != ']' && chars.next_if(|&(_, c)| c == close).is_some() {
                        value.push(close);
                        continue;
                    }
                    closed = true;
                    break;
                }
                value.push(c);
            }
            let end = chars.peek().map_or(sql.len(), |&(i, _)| i);
            tokens.push(Token {
                kind: if c == '\'' {
                    TokenKind::String
                } else {
                    TokenKind::Quoted
                },
                raw: &sql[start..end],
                start,
                value: Cow::Owned(value),
                closed,
            });
            continue;
        }
        let kind = if c.is_alphanumeric() || c == '_' {
            while chars
                .next_if(|&(_, c)| c.is_alphanumeric() || c == '_' || c == '$')
                .is_some()
            {}
            TokenKind::Word
        } else {
            TokenKind::Punct
        };
        let end = chars.peek().map_or(sql.len(), |&(i, _)| i);
        tokens.push(Token {
            kind,
            raw: &sql[start..end],
            start,
            value: Cow::Borrowed(&sql[start..end]),
            closed: true,
        });
    }
    tokens
}

/// The text inside the parentheses that enclose all of `text`, if they do: `(a + (b))` gives
/// `a + (b)`; `(a) + (b)` and `'(x)'` give `None`.
pub fn inside_parentheses(text: &str, backend: Backend) -> Option<&str> {
    let tokens = tokenize(text, backend);
    let (first, last) = (tokens.first()?, tokens.last()?);
    if !first.is('(') || tokens.len() < 2 {
        return None;
    }
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate() {
        if token.is('(') {
            depth += 1;
        } else if token.is(')') {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return (i == tokens.len() - 1).then(|| text[first.end()..last.start].trim());
            }
        }
    }
    None
}

/// The value of `text` when it is exactly one closed string literal: `'it''s'` gives `it's`.
pub fn string_literal(text: &str, backend: Backend) -> Option<String> {
    match tokenize(text, backend).as_slice() {
        [token] if token.kind == TokenKind::String && token.closed => Some(token.value.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: [Backend; 2] = Backend::ALL;

    #[test]
    fn quotes_hold_what_would_otherwise_be_syntax() {
        for b in BOTH {
            let tokens = tokenize("'it''s (x)' \"a\"\"(b\" -- (comment\n( /* ) */ )", b);
            let raws: Vec<&str> = tokens.iter().map(|t| t.raw).collect();
            assert_eq!(raws, ["'it''s (x)'", "\"a\"\"(b\"", "(", ")"]);
            assert_eq!(tokens[0].value, "it's (x)");
            assert_eq!(tokens[1].value, "a\"(b");
            assert_eq!(tokens[1].name(), Some("a\"(b"));
            assert_eq!(tokens[0].name(), None);
        }
    }

    #[test]
    fn sqlite_also_quotes_with_backticks_and_brackets() {
        let tokens = tokenize("`a``b` [c d] x$1", Backend::Sqlite);
        let names: Vec<Option<&str>> = tokens.iter().map(Token::name).collect();
        assert_eq!(names, [Some("a`b"), Some("c d"), Some("x$1")]);
        // PostgreSQL's brackets are array syntax.
        let tokens = tokenize("'{}'::text[]", Backend::Postgres);
        assert!(tokens.last().unwrap().is(']'));
    }

    #[test]
    fn an_unclosed_quote_runs_to_the_end() {
        let tokens = tokenize("'abc", Backend::Postgres);
        assert_eq!(tokens.len(), 1);
        assert!(!tokens[0].closed);
        assert_eq!(string_literal("'abc", Backend::Postgres), None);
        assert_eq!(string_literal("'", Backend::Sqlite), None);
    }

    #[test]
    fn parentheses_and_literals() {
        for b in BOTH {
            assert_eq!(inside_parentheses("(a + (b))", b), Some("a + (b)"));
            assert_eq!(inside_parentheses("( 'x' )", b), Some("'x'"));
            assert_eq!(inside_parentheses("('(')", b), Some("'('"));
            assert_eq!(inside_parentheses("(')')", b), Some("')'"));
            assert_eq!(inside_parentheses("(a) + (b)", b), None);
            assert_eq!(inside_parentheses("'(x)'", b), None);
            assert_eq!(inside_parentheses("(a", b), None);
            assert_eq!(inside_parentheses("()", b), Some(""));
            assert_eq!(string_literal("'it''s (x)'", b), Some("it's (x)".into()));
            assert_eq!(string_literal("''", b), Some(String::new()));
            assert_eq!(string_literal("'a' || 'b'", b), None);
            assert_eq!(string_literal("'a''", b), None);
        }
    }
}
