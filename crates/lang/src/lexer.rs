//! The indentation-aware lexer: source text to tokens, as CPython 3.11's tokenizer does it
//! for racelab's subset.
//!
//! The source is normalised first (a leading UTF-8 BOM is dropped, `\r\n` and a lone `\r`
//! become `\n`), then cut into tokens with CPython's rules: `NEWLINE` at the end of each
//! logical line, `INDENT`/`DEDENT` from a stack of indentation columns (tabs to the next
//! multiple of 8, checked against a tab-size-1 reading to refuse inconsistent mixing, form
//! feeds reset the column), no tokens for blank and comment-only lines, implicit line
//! joining inside brackets and explicit joining with a backslash.
//!
//! String literals are cut but not decoded here: a [`StrTok`] keeps the raw text between the
//! quotes and where it starts, so that the parser can decode escapes and parse f-string
//! replacement fields with exact positions ([`decode_escapes`] does the decoding).
//!
//! Columns are 1-based and count characters, not bytes.

use crate::ast::Span;
use crate::error::{CompileError, ErrorKind};

/// The deepest bracket nesting (and indentation nesting) racelab accepts.
pub const MAX_NESTING: usize = 100;

/// The message of every "too deep" refusal.
pub const TOO_DEEP: &str = "too deeply nested: racelab allows 100 levels";

/// Python's hard keywords (`match`, `case` and `_` are soft keywords, lexed as names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kw {
    /// `False`
    False,
    /// `None`
    None,
    /// `True`
    True,
    /// `and`
    And,
    /// `as`
    As,
    /// `assert`
    Assert,
    /// `async` (refused by the parser)
    Async,
    /// `await` (refused by the parser)
    Await,
    /// `break`
    Break,
    /// `class`
    Class,
    /// `continue`
    Continue,
    /// `def`
    Def,
    /// `del`
    Del,
    /// `elif`
    Elif,
    /// `else`
    Else,
    /// `except`
    Except,
    /// `finally`
    Finally,
    /// `for`
    For,
    /// `from`
    From,
    /// `global`
    Global,
    /// `if`
    If,
    /// `import`
    Import,
    /// `in`
    In,
    /// `is`
    Is,
    /// `lambda`
    Lambda,
    /// `nonlocal`
    Nonlocal,
    /// `not`
    Not,
    /// `or`
    Or,
    /// `pass`
    Pass,
    /// `raise`
    Raise,
    /// `return`
    Return,
    /// `try`
    Try,
    /// `while`
    While,
    /// `with`
    With,
    /// `yield` (refused by the parser)
    Yield,
}

impl Kw {
    /// The keyword spelled `word`, if it is one.
    pub fn from_word(word: &str) -> Option<Kw> {
        Some(match word {
            "False" => Kw::False,
            "None" => Kw::None,
            "True" => Kw::True,
            "and" => Kw::And,
            "as" => Kw::As,
            "assert" => Kw::Assert,
            "async" => Kw::Async,
            "await" => Kw::Await,
            "break" => Kw::Break,
            "class" => Kw::Class,
            "continue" => Kw::Continue,
            "def" => Kw::Def,
            "del" => Kw::Del,
            "elif" => Kw::Elif,
            "else" => Kw::Else,
            "except" => Kw::Except,
            "finally" => Kw::Finally,
            "for" => Kw::For,
            "from" => Kw::From,
            "global" => Kw::Global,
            "if" => Kw::If,
            "import" => Kw::Import,
            "in" => Kw::In,
            "is" => Kw::Is,
            "lambda" => Kw::Lambda,
            "nonlocal" => Kw::Nonlocal,
            "not" => Kw::Not,
            "or" => Kw::Or,
            "pass" => Kw::Pass,
            "raise" => Kw::Raise,
            "return" => Kw::Return,
            "try" => Kw::Try,
            "while" => Kw::While,
            "with" => Kw::With,
            "yield" => Kw::Yield,
            _ => return None,
        })
    }

    /// How the keyword is spelled.
    pub fn as_str(self) -> &'static str {
        match self {
            Kw::False => "False",
            Kw::None => "None",
            Kw::True => "True",
            Kw::And => "and",
            Kw::As => "as",
            Kw::Assert => "assert",
            Kw::Async => "async",
            Kw::Await => "await",
            Kw::Break => "break",
            Kw::Class => "class",
            Kw::Continue => "continue",
            Kw::Def => "def",
            Kw::Del => "del",
            Kw::Elif => "elif",
            Kw::Else => "else",
            Kw::Except => "except",
            Kw::Finally => "finally",
            Kw::For => "for",
            Kw::From => "from",
            Kw::Global => "global",
            Kw::If => "if",
            Kw::Import => "import",
            Kw::In => "in",
            Kw::Is => "is",
            Kw::Lambda => "lambda",
            Kw::Nonlocal => "nonlocal",
            Kw::Not => "not",
            Kw::Or => "or",
            Kw::Pass => "pass",
            Kw::Raise => "raise",
            Kw::Return => "return",
            Kw::Try => "try",
            Kw::While => "while",
            Kw::With => "with",
            Kw::Yield => "yield",
        }
    }
}

/// Operators and delimiters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `:`
    Colon,
    /// `,`
    Comma,
    /// `;`
    Semi,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `|`
    VBar,
    /// `&`
    Amper,
    /// `<`
    Less,
    /// `>`
    Greater,
    /// `=`
    Equal,
    /// `.`
    Dot,
    /// `%`
    Percent,
    /// `==`
    EqEqual,
    /// `!=`
    NotEqual,
    /// `<=`
    LessEqual,
    /// `>=`
    GreaterEqual,
    /// `~`
    Tilde,
    /// `^`
    Circumflex,
    /// `<<`
    LeftShift,
    /// `>>`
    RightShift,
    /// `**`
    DoubleStar,
    /// `+=`
    PlusEqual,
    /// `-=`
    MinusEqual,
    /// `*=`
    StarEqual,
    /// `/=`
    SlashEqual,
    /// `%=`
    PercentEqual,
    /// `&=`
    AmperEqual,
    /// `|=`
    VBarEqual,
    /// `^=`
    CircumflexEqual,
    /// `<<=`
    LeftShiftEqual,
    /// `>>=`
    RightShiftEqual,
    /// `**=`
    DoubleStarEqual,
    /// `//`
    DoubleSlash,
    /// `//=`
    DoubleSlashEqual,
    /// `@`
    At,
    /// `@=`
    AtEqual,
    /// `->`
    RArrow,
    /// `...`
    Ellipsis,
    /// `:=`
    ColonEqual,
}

impl Op {
    /// How the operator is spelled.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::LParen => "(",
            Op::RParen => ")",
            Op::LBracket => "[",
            Op::RBracket => "]",
            Op::LBrace => "{",
            Op::RBrace => "}",
            Op::Colon => ":",
            Op::Comma => ",",
            Op::Semi => ";",
            Op::Plus => "+",
            Op::Minus => "-",
            Op::Star => "*",
            Op::Slash => "/",
            Op::VBar => "|",
            Op::Amper => "&",
            Op::Less => "<",
            Op::Greater => ">",
            Op::Equal => "=",
            Op::Dot => ".",
            Op::Percent => "%",
            Op::EqEqual => "==",
            Op::NotEqual => "!=",
            Op::LessEqual => "<=",
            Op::GreaterEqual => ">=",
            Op::Tilde => "~",
            Op::Circumflex => "^",
            Op::LeftShift => "<<",
            Op::RightShift => ">>",
            Op::DoubleStar => "**",
            Op::PlusEqual => "+=",
            Op::MinusEqual => "-=",
            Op::StarEqual => "*=",
            Op::SlashEqual => "/=",
            Op::PercentEqual => "%=",
            Op::AmperEqual => "&=",
            Op::VBarEqual => "|=",
            Op::CircumflexEqual => "^=",
            Op::LeftShiftEqual => "<<=",
            Op::RightShiftEqual => ">>=",
            Op::DoubleStarEqual => "**=",
            Op::DoubleSlash => "//",
            Op::DoubleSlashEqual => "//=",
            Op::At => "@",
            Op::AtEqual => "@=",
            Op::RArrow => "->",
            Op::Ellipsis => "...",
            Op::ColonEqual => ":=",
        }
    }
}

/// A string literal as cut by the lexer: its prefix, its quotes and its raw body.
#[derive(Debug, Clone, PartialEq)]
pub struct StrTok {
    /// An `r` prefix: no escape processing.
    pub raw: bool,
    /// An `f` prefix: an f-string.
    pub fstring: bool,
    /// A `b` prefix: a bytes literal (refused by the parser).
    pub bytes: bool,
    /// Triple-quoted.
    pub triple: bool,
    /// The text between the quotes, exactly as written (line endings normalised to `\n`).
    pub body: String,
    /// The line of the body's first character.
    pub body_line: u32,
    /// The column of the body's first character.
    pub body_column: u32,
}

/// An integer literal's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntValue {
    /// Fits in an `i64`.
    Small(i64),
    /// Does not: its decimal digits.
    Big(String),
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An identifier (including the soft keywords `match`, `case`, `_`).
    Name(String),
    /// A hard keyword.
    Keyword(Kw),
    /// An integer literal.
    Int(IntValue),
    /// A float literal.
    Float(f64),
    /// An imaginary literal such as `1j` (refused by the parser).
    Imaginary,
    /// A string, f-string or bytes literal.
    Str(Box<StrTok>),
    /// An operator or delimiter.
    Op(Op),
    /// A character that starts no token (`$`, `?`, `!`, a backtick): CPython's parser
    /// reports "invalid syntax" when it reaches it.
    Stray(char),
    /// The end of a logical line.
    Newline,
    /// The indentation grew.
    Indent,
    /// The indentation shrank (one per level left).
    Dedent,
    /// The end of the source.
    EndMarker,
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: Tok,
    /// Where it is (for `INDENT`/`DEDENT`, the first character of the line's first token;
    /// for `NEWLINE` the line break; for the end marker, just after the last character).
    pub span: Span,
}

/// The lexer's result: the tokens up to the first error, and that error.
#[derive(Debug, Clone, PartialEq)]
pub struct Lexed {
    /// The tokens (ending with [`Tok::EndMarker`] when there is no error, or when the only
    /// error is an unclosed bracket).
    pub tokens: Vec<Token>,
    /// The first error, if any.
    pub error: Option<CompileError>,
    /// The error is an unclosed bracket found at the end of the file (CPython reports it
    /// only when the parser fails on a later line or at the end).
    pub unclosed: bool,
}

/// Cuts `source` into tokens, or returns the first error.
pub fn tokenize(source: &str) -> Result<Vec<Token>, CompileError> {
    let lexed = lex(source);
    match lexed.error {
        Some(e) => Err(e),
        None => Ok(lexed.tokens),
    }
}

/// `source` without a leading BOM, with `\r\n` and lone `\r` turned into `\n`, as chars.
pub(crate) fn normalize(source: &str) -> Vec<char> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut out = Vec::with_capacity(source.len());
    let mut it = source.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\r' {
            if it.peek() == Some(&'\n') {
                it.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

/// Cuts `source` into tokens, keeping the tokens before the first error.
pub fn lex(source: &str) -> Lexed {
    let chars = normalize(source);
    lex_chars(&chars, 1, 1, false)
}

/// Lexes `chars` whose first character is at `line`, `column`. With `inside_brackets` the
/// text behaves as if inside parentheses (no NEWLINE/INDENT): f-string fields use this.
pub(crate) fn lex_chars(chars: &[char], line: u32, column: u32, inside_brackets: bool) -> Lexed {
    let mut lx = Lexer {
        chars,
        i: 0,
        line,
        col: column,
        tokens: Vec::new(),
        indents: vec![(0, 0)],
        parens: Vec::new(),
        inside_brackets,
        line_has_tokens: false,
        pending_indent: None,
    };
    match lx.run() {
        Ok(()) => Lexed {
            tokens: lx.tokens,
            error: None,
            unclosed: false,
        },
        Err((error, unclosed)) => {
            if unclosed {
                let span = lx.here();
                lx.tokens.push(Token {
                    kind: Tok::EndMarker,
                    span,
                });
            }
            Lexed {
                tokens: lx.tokens,
                error: Some(error),
                unclosed,
            }
        }
    }
}

/// Whether `c` may start an identifier.
pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (!c.is_ascii() && c.is_alphabetic())
}

/// Whether `c` may continue an identifier.
pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || (!c.is_ascii() && c.is_alphabetic())
}

/// CPython's `is_potential_identifier_char`: anything that would glue onto a number.
fn is_potential_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()
}

type LexResult<T> = Result<T, (CompileError, bool)>;

struct Lexer<'a> {
    chars: &'a [char],
    i: usize,
    line: u32,
    col: u32,
    tokens: Vec<Token>,
    /// (column, tab-size-1 column) of each open indentation level.
    indents: Vec<(u32, u32)>,
    /// Open brackets: the char, its line and column.
    parens: Vec<(char, u32, u32)>,
    inside_brackets: bool,
    line_has_tokens: bool,
    /// The indentation of the current logical line, applied at its first token.
    pending_indent: Option<(u32, u32)>,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.i + n).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.i).copied()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn here(&self) -> Span {
        Span::new(self.line, self.col, self.line, self.col + 1)
    }

    fn err<T>(
        &self,
        kind: ErrorKind,
        msg: impl Into<String>,
        line: u32,
        col: u32,
        end: u32,
    ) -> LexResult<T> {
        Err((CompileError::new(kind, msg, line, col, end), false))
    }

    fn syntax<T>(&self, msg: impl Into<String>, line: u32, col: u32, end: u32) -> LexResult<T> {
        self.err(ErrorKind::Syntax, msg, line, col, end)
    }

    fn in_brackets(&self) -> bool {
        self.inside_brackets || !self.parens.is_empty()
    }

    fn push(&mut self, kind: Tok, span: Span) -> LexResult<()> {
        if let Some((col, alt)) = self.pending_indent.take() {
            self.apply_indent(col, alt, span)?;
        }
        self.line_has_tokens = true;
        self.tokens.push(Token { kind, span });
        Ok(())
    }

    fn apply_indent(&mut self, col: u32, alt: u32, at: Span) -> LexResult<()> {
        let at = Span::new(at.line, at.column, at.line, at.column + 1);
        let inconsistent = "inconsistent use of tabs and spaces in indentation";
        let (top, alttop) = *self.indents.last().unwrap_or(&(0, 0));
        if col == top {
            if alt != alttop {
                return self.err(ErrorKind::Indentation, inconsistent, at.line, 1, at.column);
            }
        } else if col > top {
            if alt <= alttop {
                return self.err(ErrorKind::Indentation, inconsistent, at.line, 1, at.column);
            }
            if self.indents.len() > MAX_NESTING {
                return self.err(ErrorKind::Indentation, TOO_DEEP, at.line, 1, at.column);
            }
            self.indents.push((col, alt));
            self.tokens.push(Token {
                kind: Tok::Indent,
                span: at,
            });
        } else {
            while self.indents.len() > 1 && col < self.indents[self.indents.len() - 1].0 {
                self.indents.pop();
                self.tokens.push(Token {
                    kind: Tok::Dedent,
                    span: at,
                });
            }
            let (top, alttop) = *self.indents.last().unwrap_or(&(0, 0));
            if col != top {
                return self.err(
                    ErrorKind::Indentation,
                    "unindent does not match any outer indentation level",
                    at.line,
                    1,
                    at.column,
                );
            }
            if alt != alttop {
                return self.err(ErrorKind::Indentation, inconsistent, at.line, 1, at.column);
            }
        }
        Ok(())
    }

    fn run(&mut self) -> LexResult<()> {
        let mut at_line_start = !self.inside_brackets;
        loop {
            if at_line_start {
                at_line_start = false;
                // Measure the indentation as CPython does: tabs to the next multiple of 8
                // (and 1 for the consistency check), form feeds reset.
                let (mut col, mut alt) = (0u32, 0u32);
                // CPython: a backslash continuation inside the indentation makes the
                // column of the first one (if not 0) the line's indentation.
                let mut cont_col = 0u32;
                while let Some(c) = self.peek() {
                    match c {
                        '\\' => {
                            if cont_col == 0 {
                                cont_col = col;
                            }
                            let (l, c0) = (self.line, self.col);
                            self.bump();
                            match self.peek() {
                                Some('\n') => {}
                                None => {
                                    return self.syntax(
                                        "unexpected EOF while parsing",
                                        l,
                                        c0,
                                        c0 + 1,
                                    )
                                }
                                Some(_) => {
                                    return self.syntax(
                                        "unexpected character after line continuation character",
                                        l,
                                        c0 + 1,
                                        c0 + 2,
                                    )
                                }
                            }
                            self.bump();
                            if self.peek().is_none() {
                                return self.syntax(
                                    "unexpected EOF while parsing",
                                    l,
                                    c0 + 1,
                                    c0 + 2,
                                );
                            }
                            continue;
                        }
                        ' ' => {
                            col += 1;
                            alt += 1;
                        }
                        '\t' => {
                            col = (col / 8 + 1) * 8;
                            alt += 1;
                        }
                        '\x0c' => {
                            col = 0;
                            alt = 0;
                        }
                        _ => break,
                    }
                    self.bump();
                }
                if cont_col != 0 {
                    col = cont_col;
                    alt = cont_col;
                }
                match self.peek() {
                    Some('#') | Some('\n') | None => {
                        // A blank or comment-only line: no tokens, indentation ignored.
                        self.skip_comment();
                        if self.peek().is_none() {
                            break;
                        }
                        self.bump();
                        at_line_start = true;
                        continue;
                    }
                    _ => {
                        self.pending_indent = Some((col, alt));
                        self.line_has_tokens = false;
                    }
                }
            }
            // Skip whitespace between tokens.
            while let Some(' ' | '\t' | '\x0c') = self.peek() {
                self.bump();
            }
            let Some(c) = self.peek() else { break };
            let (line, col) = (self.line, self.col);
            match c {
                '#' => self.skip_comment(),
                '\n' => {
                    self.bump();
                    if !self.in_brackets() {
                        if self.line_has_tokens {
                            let span = Span::new(line, col, line, col + 1);
                            self.tokens.push(Token {
                                kind: Tok::Newline,
                                span,
                            });
                        }
                        self.pending_indent = None;
                        self.line_has_tokens = false;
                        at_line_start = true;
                    }
                }
                '\\' => {
                    self.bump();
                    match self.peek() {
                        Some('\n') => {
                            self.bump();
                            if self.peek().is_none() {
                                return self.syntax(
                                    "unexpected EOF while parsing",
                                    line,
                                    col + 1,
                                    col + 2,
                                );
                            }
                        }
                        None => {
                            return self.syntax("unexpected EOF while parsing", line, col, col + 1);
                        }
                        Some(_) => {
                            return self.syntax(
                                "unexpected character after line continuation character",
                                line,
                                col + 1,
                                col + 2,
                            );
                        }
                    }
                }
                '\'' | '"' => self.string(line, col, StrPrefix::default())?,
                c if c.is_ascii_digit() => self.number(line, col)?,
                '.' if self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => {
                    self.number(line, col)?
                }
                c if is_ident_start(c) => self.name_or_string(line, col)?,
                _ => self.operator(c, line, col)?,
            }
        }
        // End of input.
        if let Some(&(open, l, c)) = self.parens.last() {
            return Err((
                CompileError::new(
                    ErrorKind::Syntax,
                    format!("'{open}' was never closed"),
                    l,
                    c,
                    c + 1,
                ),
                true,
            ));
        }
        let end = self.here();
        if self.line_has_tokens && !self.inside_brackets {
            self.tokens.push(Token {
                kind: Tok::Newline,
                span: end,
            });
        }
        while self.indents.len() > 1 {
            self.indents.pop();
            self.tokens.push(Token {
                kind: Tok::Dedent,
                span: end,
            });
        }
        self.tokens.push(Token {
            kind: Tok::EndMarker,
            span: end,
        });
        Ok(())
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some('#') {
            while let Some(c) = self.peek() {
                if c == '\n' {
                    break;
                }
                self.bump();
            }
        }
    }

    fn name_or_string(&mut self, line: u32, col: u32) -> LexResult<()> {
        // CPython's legal prefix combinations of b, r, u and f.
        let mut prefix = StrPrefix::default();
        let mut n = 0;
        while let Some(c) = self.peek_at(n) {
            let lc = c.to_ascii_lowercase();
            if lc == 'b' && !(prefix.bytes || prefix.u || prefix.f) {
                prefix.bytes = true;
            } else if lc == 'u' && !(prefix.bytes || prefix.u || prefix.raw || prefix.f) {
                prefix.u = true;
            } else if lc == 'r' && !(prefix.raw || prefix.u) {
                prefix.raw = true;
            } else if lc == 'f' && !(prefix.f || prefix.bytes || prefix.u) {
                prefix.f = true;
            } else {
                break;
            }
            n += 1;
            if let Some('\'' | '"') = self.peek_at(n) {
                for _ in 0..n {
                    self.bump();
                }
                return self.string(line, col, prefix);
            }
        }
        let start = self.i;
        while let Some(c) = self.peek() {
            if is_ident_char(c) {
                self.bump();
            } else {
                break;
            }
        }
        // A non-ASCII character that is neither a letter nor a digit is refused as CPython
        // does; an ASCII one simply ends the name.
        if let Some(c) = self.peek() {
            if !c.is_ascii() {
                return self.invalid_char(c, self.line, self.col);
            }
        }
        let word: String = self.chars[start..self.i].iter().collect();
        let span = Span::new(line, col, line, self.col);
        let kind = match Kw::from_word(&word) {
            Some(kw) => Tok::Keyword(kw),
            None => Tok::Name(word),
        };
        self.push(kind, span)
    }

    fn invalid_char<T>(&self, c: char, line: u32, col: u32) -> LexResult<T> {
        let msg = if c.is_control() || c.is_whitespace() || c == '\u{a0}' {
            format!("invalid non-printable character U+{:04X}", c as u32)
        } else {
            format!("invalid character '{}' (U+{:04X})", c, c as u32)
        };
        self.syntax(msg, line, col, col + 1)
    }

    fn string(&mut self, line: u32, col: u32, prefix: StrPrefix) -> LexResult<()> {
        let quote = self.bump().unwrap_or('\'');
        let mut triple = false;
        if self.peek() == Some(quote) && self.peek_at(1) == Some(quote) {
            self.bump();
            self.bump();
            triple = true;
        }
        let (body_line, body_column) = (self.line, self.col);
        let start = self.i;
        loop {
            let Some(c) = self.peek() else {
                return self.unterminated(triple, line, col);
            };
            if c == '\n' && !triple {
                return self.unterminated(triple, line, col);
            }
            if c == quote {
                if !triple {
                    break;
                }
                if self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote) {
                    break;
                }
            }
            self.bump();
            if c == '\\' {
                if self.peek().is_none() {
                    return self.unterminated(triple, line, col);
                }
                self.bump();
            }
        }
        let body: String = self.chars[start..self.i].iter().collect();
        for _ in 0..(if triple { 3 } else { 1 }) {
            self.bump();
        }
        let span = Span::new(line, col, self.line, self.col);
        let tok = StrTok {
            raw: prefix.raw,
            fstring: prefix.f,
            bytes: prefix.bytes,
            triple,
            body,
            body_line,
            body_column,
        };
        self.push(Tok::Str(Box::new(tok)), span)
    }

    fn unterminated<T>(&self, triple: bool, line: u32, col: u32) -> LexResult<T> {
        let what = if triple {
            "unterminated triple-quoted string literal"
        } else {
            "unterminated string literal"
        };
        // CPython names the line where the search stopped (the last line at the end).
        let detected = if self.peek().is_none() && self.i > 0 && self.chars[self.i - 1] == '\n' {
            self.line - 1
        } else {
            self.line
        };
        self.syntax(
            format!("{what} (detected at line {detected})"),
            line,
            col,
            col + 1,
        )
    }

    /// The exclusive end column of a number error: through the offending character, unless
    /// that is a line break or the end of the input.
    fn num_end(&self) -> u32 {
        match self.peek() {
            Some('\n') | None => self.col,
            Some(_) => self.col + 1,
        }
    }

    /// CPython's `verify_end_of_number`: a number glued to a letter is refused, except
    /// before the keywords that may follow a number in valid code.
    fn verify_end(&self, kind: &str, line: u32, col: u32) -> LexResult<()> {
        let Some(c) = self.peek() else { return Ok(()) };
        let ahead = |s: &str| {
            s.chars()
                .enumerate()
                .all(|(k, ch)| self.peek_at(k + 1) == Some(ch))
        };
        let ok = match c {
            'a' => ahead("nd"),
            'e' => ahead("lse"),
            'f' => ahead("or"),
            'i' => matches!(self.peek_at(1), Some('f' | 'n' | 's')),
            'o' => ahead("r"),
            'n' => ahead("ot"),
            _ => false,
        };
        if !ok && is_potential_ident_char(c) {
            return self.syntax(format!("invalid {kind} literal"), line, col, self.num_end());
        }
        Ok(())
    }

    /// Digits with single underscores between them; `self.peek()` is the first digit.
    fn digits(
        &mut self,
        radix: u32,
        out: &mut String,
        kind: &str,
        line: u32,
        col: u32,
    ) -> LexResult<()> {
        loop {
            while let Some(c) = self.peek() {
                if c.is_digit(radix) {
                    out.push(c);
                    self.bump();
                } else {
                    break;
                }
            }
            if self.peek() != Some('_') {
                return Ok(());
            }
            self.bump();
            match self.peek() {
                Some(c) if c.is_digit(radix) => {}
                _ => {
                    return self.syntax(
                        format!("invalid {kind} literal"),
                        line,
                        col,
                        self.num_end(),
                    )
                }
            }
        }
    }

    fn number(&mut self, line: u32, col: u32) -> LexResult<()> {
        let first = self.peek().unwrap_or('0');
        let second = self.peek_at(1).map(|c| c.to_ascii_lowercase());
        if first == '0' && matches!(second, Some('x' | 'o' | 'b')) {
            self.bump();
            self.bump();
            let (radix, kind) = match second {
                Some('x') => (16, "hexadecimal"),
                Some('o') => (8, "octal"),
                _ => (2, "binary"),
            };
            if self.peek() == Some('_') {
                self.bump();
            }
            match self.peek() {
                Some(c) if c.is_digit(radix) => {}
                Some(c) if radix < 10 && c.is_ascii_digit() => {
                    return self.syntax(
                        format!("invalid digit '{c}' in {kind} literal"),
                        self.line,
                        self.col,
                        self.col + 1,
                    );
                }
                _ => {
                    return self.syntax(
                        format!("invalid {kind} literal"),
                        line,
                        col,
                        self.num_end(),
                    )
                }
            }
            let mut digits = String::new();
            self.digits(radix, &mut digits, kind, line, col)?;
            if radix < 10 {
                if let Some(c) = self.peek().filter(|c| c.is_ascii_digit()) {
                    return self.syntax(
                        format!("invalid digit '{c}' in {kind} literal"),
                        self.line,
                        self.col,
                        self.col + 1,
                    );
                }
            }
            self.verify_end(kind, line, col)?;
            let value = int_value(&digits, radix);
            let span = Span::new(line, col, line, self.col);
            return self.push(Tok::Int(value), span);
        }
        let mut text = String::new();
        let mut is_float = false;
        if first == '.' {
            // `.5`: the fraction alone.
            text.push('0');
        } else {
            self.digits(10, &mut text, "decimal", line, col)?;
        }
        if self.peek() == Some('.') {
            is_float = true;
            self.bump();
            text.push('.');
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.digits(10, &mut text, "decimal", line, col)?;
            }
        }
        if let Some('e' | 'E') = self.peek() {
            match self.peek_at(1) {
                Some('+' | '-') => {
                    if !self.peek_at(2).is_some_and(|c| c.is_ascii_digit()) {
                        self.bump();
                        self.bump();
                        return self.syntax("invalid decimal literal", line, col, self.num_end());
                    }
                    is_float = true;
                    self.bump();
                    text.push('e');
                    text.push(self.bump().unwrap_or('+'));
                    self.digits(10, &mut text, "decimal", line, col)?;
                }
                Some(d) if d.is_ascii_digit() => {
                    is_float = true;
                    self.bump();
                    text.push('e');
                    self.digits(10, &mut text, "decimal", line, col)?;
                }
                _ => {
                    // `1else`: the number ends before the `e`.
                    self.verify_end("decimal", line, col)?;
                    return self.finish_number(&text, is_float, line, col);
                }
            }
        }
        if let Some('j' | 'J') = self.peek() {
            self.bump();
            self.verify_end("imaginary", line, col)?;
            let span = Span::new(line, col, line, self.col);
            return self.push(Tok::Imaginary, span);
        }
        if !is_float && text.len() > 1 && text.starts_with('0') && text.bytes().any(|b| b != b'0') {
            let zeros = text.bytes().take_while(|&b| b == b'0').count() as u32;
            return self.syntax(
                "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
                line,
                col,
                col + zeros + 1,
            );
        }
        self.verify_end("decimal", line, col)?;
        self.finish_number(&text, is_float, line, col)
    }

    fn finish_number(&mut self, text: &str, is_float: bool, line: u32, col: u32) -> LexResult<()> {
        let span = Span::new(line, col, line, self.col);
        let kind = if is_float {
            Tok::Float(text.parse::<f64>().unwrap_or(f64::INFINITY))
        } else {
            Tok::Int(int_value(text, 10))
        };
        self.push(kind, span)
    }

    fn operator(&mut self, c: char, line: u32, col: u32) -> LexResult<()> {
        let c1 = self.peek_at(1);
        let c2 = self.peek_at(2);
        let (op, len) = match (c, c1, c2) {
            ('.', Some('.'), Some('.')) => (Op::Ellipsis, 3),
            ('*', Some('*'), Some('=')) => (Op::DoubleStarEqual, 3),
            ('/', Some('/'), Some('=')) => (Op::DoubleSlashEqual, 3),
            ('<', Some('<'), Some('=')) => (Op::LeftShiftEqual, 3),
            ('>', Some('>'), Some('=')) => (Op::RightShiftEqual, 3),
            ('=', Some('='), _) => (Op::EqEqual, 2),
            ('!', Some('='), _) => (Op::NotEqual, 2),
            ('<', Some('='), _) => (Op::LessEqual, 2),
            ('>', Some('='), _) => (Op::GreaterEqual, 2),
            ('<', Some('<'), _) => (Op::LeftShift, 2),
            ('>', Some('>'), _) => (Op::RightShift, 2),
            ('*', Some('*'), _) => (Op::DoubleStar, 2),
            ('/', Some('/'), _) => (Op::DoubleSlash, 2),
            ('+', Some('='), _) => (Op::PlusEqual, 2),
            ('-', Some('='), _) => (Op::MinusEqual, 2),
            ('*', Some('='), _) => (Op::StarEqual, 2),
            ('/', Some('='), _) => (Op::SlashEqual, 2),
            ('%', Some('='), _) => (Op::PercentEqual, 2),
            ('&', Some('='), _) => (Op::AmperEqual, 2),
            ('|', Some('='), _) => (Op::VBarEqual, 2),
            ('^', Some('='), _) => (Op::CircumflexEqual, 2),
            ('@', Some('='), _) => (Op::AtEqual, 2),
            ('-', Some('>'), _) => (Op::RArrow, 2),
            (':', Some('='), _) => (Op::ColonEqual, 2),
            ('(', _, _) => (Op::LParen, 1),
            (')', _, _) => (Op::RParen, 1),
            ('[', _, _) => (Op::LBracket, 1),
            (']', _, _) => (Op::RBracket, 1),
            ('{', _, _) => (Op::LBrace, 1),
            ('}', _, _) => (Op::RBrace, 1),
            (':', _, _) => (Op::Colon, 1),
            (',', _, _) => (Op::Comma, 1),
            (';', _, _) => (Op::Semi, 1),
            ('+', _, _) => (Op::Plus, 1),
            ('-', _, _) => (Op::Minus, 1),
            ('*', _, _) => (Op::Star, 1),
            ('/', _, _) => (Op::Slash, 1),
            ('|', _, _) => (Op::VBar, 1),
            ('&', _, _) => (Op::Amper, 1),
            ('<', _, _) => (Op::Less, 1),
            ('>', _, _) => (Op::Greater, 1),
            ('=', _, _) => (Op::Equal, 1),
            ('.', _, _) => (Op::Dot, 1),
            ('%', _, _) => (Op::Percent, 1),
            ('~', _, _) => (Op::Tilde, 1),
            ('^', _, _) => (Op::Circumflex, 1),
            ('@', _, _) => (Op::At, 1),
            _ => {
                if !c.is_ascii() {
                    return self.invalid_char(c, line, col);
                }
                if c.is_ascii_control() {
                    return self.invalid_char(c, line, col);
                }
                self.bump();
                let span = Span::new(line, col, line, col + 1);
                return self.push(Tok::Stray(c), span);
            }
        };
        match op {
            Op::LParen | Op::LBracket | Op::LBrace => {
                if self.parens.len() >= MAX_NESTING {
                    return self.syntax(TOO_DEEP, line, col, col + 1);
                }
                self.parens.push((c, line, col));
            }
            Op::RParen | Op::RBracket | Op::RBrace => match self.parens.pop() {
                None => {
                    if self.inside_brackets {
                        // An f-string field: CPython's own scan already matched brackets.
                    } else {
                        return self.syntax(format!("unmatched '{c}'"), line, col, col + 1);
                    }
                }
                Some((open, l, _)) => {
                    let expected = match open {
                        '(' => ')',
                        '[' => ']',
                        _ => '}',
                    };
                    if expected != c {
                        let msg = if l != line {
                            format!("closing parenthesis '{c}' does not match opening parenthesis '{open}' on line {l}")
                        } else {
                            format!("closing parenthesis '{c}' does not match opening parenthesis '{open}'")
                        };
                        return self.syntax(msg, line, col, col + 1);
                    }
                }
            },
            _ => {}
        }
        for _ in 0..len {
            self.bump();
        }
        let span = Span::new(line, col, line, col + len);
        self.push(Tok::Op(op), span)
    }
}

#[derive(Default, Clone, Copy)]
struct StrPrefix {
    raw: bool,
    f: bool,
    bytes: bool,
    u: bool,
}

/// The value of an integer literal's digits (underscores already removed) in `radix`.
fn int_value(digits: &str, radix: u32) -> IntValue {
    if let Ok(v) = i64::from_str_radix(digits, radix) {
        return IntValue::Small(v);
    }
    if radix == 10 {
        let trimmed = digits.trim_start_matches('0');
        return IntValue::Big(if trimmed.is_empty() { "0" } else { trimmed }.to_string());
    }
    // Convert to decimal with base-1e9 limbs (least significant first).
    let mut limbs: Vec<u64> = vec![0];
    for c in digits.chars() {
        let mut carry = u64::from(c.to_digit(radix).unwrap_or(0));
        for limb in limbs.iter_mut() {
            let v = *limb * u64::from(radix) + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    }
    let mut out = String::new();
    for (k, limb) in limbs.iter().rev().enumerate() {
        if k == 0 {
            out.push_str(&limb.to_string());
        } else {
            out.push_str(&format!("{limb:09}"));
        }
    }
    IntValue::Big(out)
}

/// Why [`decode_escapes`] refused a string body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscapeError {
    /// The message (CPython's where it has one).
    pub message: String,
    /// The refusal is of valid Python that racelab leaves out (`\N{...}`, surrogates).
    pub unsupported: bool,
}

/// Decodes the escapes of a non-raw string body as CPython does for `str` literals:
/// `\n \t \\ \' \" \r \0 \a \b \f \v \xhh \uXXXX \UXXXXXXXX`, octal `\ooo`, backslash-newline
/// (nothing); an unknown escape keeps its backslash. `\N{...}` and lone surrogates are
/// refused as unsupported.
pub fn decode_escapes(body: &str) -> Result<String, EscapeError> {
    let mut out = String::with_capacity(body.len());
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    let codec = |pos: usize, end: usize, what: &str| EscapeError {
        message: format!(
            "(unicode error) 'unicodeescape' codec can't decode bytes in position {}-{}: {}",
            pos, end, what
        ),
        unsupported: false,
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&e) = chars.get(i + 1) else {
            return Err(codec(i, i, "\\ at end of string"));
        };
        i += 2;
        match e {
            '\n' => {}
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.get(i).and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            i += 1;
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let start = i - 2;
                let mut v: u32 = 0;
                for k in 0..n {
                    match chars.get(i + k).and_then(|c| c.to_digit(16)) {
                        Some(d) => v = v * 16 + d,
                        None => {
                            let what = match e {
                                'x' => "truncated \\xXX escape",
                                'u' => "truncated \\uXXXX escape",
                                _ => "truncated \\UXXXXXXXX escape",
                            };
                            return Err(codec(start, start + 1 + k, what));
                        }
                    }
                }
                i += n;
                if (0xD800..0xE000).contains(&v) {
                    return Err(EscapeError {
                        message:
                            "surrogate characters (\\ud800 to \\udfff) are not supported by racelab"
                                .into(),
                        unsupported: true,
                    });
                }
                match char::from_u32(v) {
                    Some(c) => out.push(c),
                    None => {
                        return Err(codec(start, start + 1 + n, "illegal Unicode character"));
                    }
                }
            }
            'N' => {
                return Err(EscapeError {
                    message: "`\\N{...}` escapes are not supported by racelab; write the character itself or use \\u".into(),
                    unsupported: true,
                });
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        tokenize(src).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn indentation_tokens() {
        let k = kinds("if x:\n    y\n\n  # c\nz\n");
        assert_eq!(
            k,
            vec![
                Tok::Keyword(Kw::If),
                Tok::Name("x".into()),
                Tok::Op(Op::Colon),
                Tok::Newline,
                Tok::Indent,
                Tok::Name("y".into()),
                Tok::Newline,
                Tok::Dedent,
                Tok::Name("z".into()),
                Tok::Newline,
                Tok::EndMarker
            ]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(kinds("1_000")[0], Tok::Int(IntValue::Small(1000)));
        assert_eq!(kinds("0x_ff")[0], Tok::Int(IntValue::Small(255)));
        assert_eq!(kinds("0o17")[0], Tok::Int(IntValue::Small(15)));
        assert_eq!(kinds("0b101")[0], Tok::Int(IntValue::Small(5)));
        assert_eq!(kinds("1.5E-3")[0], Tok::Float(1.5e-3));
        assert_eq!(kinds(".5")[0], Tok::Float(0.5));
        assert_eq!(kinds("1.")[0], Tok::Float(1.0));
        assert_eq!(kinds("09.5")[0], Tok::Float(9.5));
        assert_eq!(kinds("1j")[0], Tok::Imaginary);
        assert_eq!(
            kinds("0x10000000000000000")[0],
            Tok::Int(IntValue::Big("18446744073709551616".into()))
        );
        assert_eq!(
            kinds("9223372036854775808")[0],
            Tok::Int(IntValue::Big("9223372036854775808".into()))
        );
        assert!(tokenize("012").is_err());
        assert!(tokenize("1_").is_err());
        assert!(tokenize("1__0").is_err());
        assert!(tokenize("0x").is_err());
        assert!(tokenize("0o8").is_err());
        assert!(tokenize("1abc").is_err());
        assert!(tokenize("1if 1else 2").is_ok());
    }

    #[test]
    fn escapes() {
        assert_eq!(
            decode_escapes(r"a\n\t\x41\u00e9\U0001F600\101\q").unwrap(),
            "a\n\tAé😀A\\q"
        );
        assert!(decode_escapes(r"\N{DASH}").unwrap_err().unsupported);
        assert!(!decode_escapes(r"\x4").unwrap_err().unsupported);
    }

    #[test]
    fn columns_count_characters() {
        let toks = tokenize("é = 'ü' + x\n").unwrap();
        assert_eq!(toks[3].span.column, 9);
        assert_eq!(toks[4].span.column, 11);
    }
}
