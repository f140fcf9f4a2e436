//! [`CompileError`]: what the lexer, the parser and the compiler report when they refuse a
//! program, with a CPython-like rendering (file, line, the line's text, carets, message).

use std::fmt;

/// Which kind of refusal a [`CompileError`] is; it decides the label CPython would print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Not valid Python (CPython says `SyntaxError` too).
    Syntax,
    /// Bad indentation (CPython's `IndentationError`, including its `TabError` case).
    Indentation,
    /// Valid Python that racelab leaves out of its subset (`yield`, `async`, decorators, ...).
    Unsupported,
}

impl ErrorKind {
    /// The exception name printed in front of the message: `SyntaxError` or
    /// `IndentationError` (an unsupported construct is reported as a `SyntaxError`).
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Syntax | ErrorKind::Unsupported => "SyntaxError",
            ErrorKind::Indentation => "IndentationError",
        }
    }
}

/// A refusal to compile a program, at a place in its source.
///
/// `line` and `column` are 1-based; columns count characters, not bytes, so that an
/// editor can underline `column..end_column` (`end_column` is exclusive and, for a
/// well-formed error, greater than `column`). A `line` one past the last line means the
/// end of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// One plain sentence, CPython's wording where CPython has a good one.
    pub message: String,
    /// The line of the offending token (1-based).
    pub line: u32,
    /// The column of its first character (1-based, in characters).
    pub column: u32,
    /// The column just after its last character on the same line (exclusive).
    pub end_column: u32,
    /// Which kind of refusal this is.
    pub kind: ErrorKind,
}

impl CompileError {
    /// An error of `kind` with `message` at `line`, `column..end_column`. Zero line or column
    /// become 1, and an `end_column` not after `column` becomes `column + 1`, so that every
    /// error underlines at least one character.
    pub fn new(
        kind: ErrorKind,
        message: impl Into<String>,
        line: u32,
        column: u32,
        end_column: u32,
    ) -> Self {
        let line = line.max(1);
        let column = column.max(1);
        let end_column = if end_column > column {
            end_column
        } else {
            column + 1
        };
        CompileError {
            message: message.into(),
            line,
            column,
            end_column,
            kind,
        }
    }

    /// The error as CPython prints a `SyntaxError`:
    ///
    /// ```text
    ///   File "bank.py", line 12
    ///     yield balance
    ///     ^^^^^
    /// SyntaxError: `yield` is not supported by racelab
    /// ```
    ///
    /// The line's leading indentation is stripped, as CPython does; the carets cover
    /// `column..end_column` (at least one). When the line does not exist (an error at the
    /// end of the file) or is blank, only the first and last lines are printed.
    pub fn render(&self, source: &str, filename: &str) -> String {
        let mut out = format!("  File \"{}\", line {}\n", filename, self.line);
        if let Some(text) = source_line(source, self.line) {
            let chars: Vec<char> = text.chars().collect();
            let indent = chars
                .iter()
                .take_while(|c| matches!(c, ' ' | '\t' | '\x0c'))
                .count();
            // Trailing whitespace is not shown either.
            let mut end = chars.len();
            while end > indent && chars[end - 1].is_whitespace() {
                end -= 1;
            }
            if end > indent {
                let shown: String = chars[indent..end].iter().collect();
                out.push_str("    ");
                out.push_str(&shown);
                out.push('\n');
                let col0 = (self.column as usize).saturating_sub(1);
                let start = col0.max(indent).min(end);
                let stop = ((self.end_column as usize).saturating_sub(1))
                    .min(end)
                    .max(start + 1);
                out.push_str("    ");
                for c in &chars[indent..start] {
                    out.push(if *c == '\t' { '\t' } else { ' ' });
                }
                for _ in start..stop {
                    out.push('^');
                }
                out.push('\n');
            }
        }
        out.push_str(self.kind.label());
        out.push_str(": ");
        out.push_str(&self.message);
        out
    }
}

/// Line `line` (1-based) of `source` without its line ending, with the lexer's notion of
/// lines (`\n`, `\r\n` and a lone `\r` end a line; a leading BOM is ignored).
fn source_line(source: &str, line: u32) -> Option<&str> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut current = 1u32;
    let mut start = 0usize;
    let bytes = source.as_bytes();
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' || b == b'\r' {
            if current == line {
                return Some(&source[start..i]);
            }
            if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            current += 1;
            start = i + 1;
        }
        i += 1;
    }
    if current == line && start < source.len() {
        Some(&source[start..])
    } else {
        None
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for CompileError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_cpython() {
        let src = "def f():\n    yield balance\n";
        let e = CompileError::new(ErrorKind::Unsupported, "`yield` is not supported", 2, 5, 10);
        assert_eq!(
            e.render(src, "bank.py"),
            "  File \"bank.py\", line 2\n    yield balance\n    ^^^^^\nSyntaxError: `yield` is not supported"
        );
        assert_eq!(e.to_string(), "line 2, column 5: `yield` is not supported");
    }

    #[test]
    fn renders_at_end_of_file_and_non_ascii() {
        let e = CompileError::new(ErrorKind::Syntax, "invalid syntax", 3, 1, 0);
        assert_eq!(e.end_column, 2);
        assert_eq!(
            e.render("a\nb\n", "x.py"),
            "  File \"x.py\", line 3\nSyntaxError: invalid syntax"
        );
        let e = CompileError::new(ErrorKind::Indentation, "bad", 1, 5, 6);
        assert_eq!(
            e.render("\u{feff}é = $\r\n", "x.py"),
            "  File \"x.py\", line 1\n    é = $\n        ^\nIndentationError: bad"
        );
    }
}
