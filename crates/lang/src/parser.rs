//! The parser: tokens to the [`ast`], for racelab's subset of Python 3.11.
//!
//! It is a hand-written recursive-descent parser, on purpose. The general Python parsers
//! on crates.io weigh 170 to 570 KB gzipped once compiled to wasm and track newer Rust
//! than racelab's minimum; a recursive-descent parser for the subset is small, needs no
//! dependency, and gives the error messages we want: CPython's wording where CPython has a
//! good message ("expected ':'", "'(' was never closed", "cannot assign to function call
//! here. Maybe you meant '==' instead of '='?"), and one plain sentence with the exact
//! span of the keyword or token for valid Python that racelab refuses (`yield`, `async`,
//! decorators, `match`, `:=`, ...).
//!
//! The grammar follows CPython 3.11's PEG grammar rule by rule for the subset, so that
//! whatever this parser accepts CPython accepts too, with the same meaning (the tests check
//! that against `python3`). A few things CPython's parser accepts and its compiler then
//! refuses are refused here already (a lone starred expression, `*a = ...`, duplicate
//! parameter or keyword argument names, `except:` not last).
//!
//! Recursion is bounded: brackets and indentation nest at most 100 levels (the lexer
//! checks), and expression recursion (brackets, unary operators, `not`, `**`, lambdas,
//! conditional expressions) is capped too, so that a hostile program gets
//! "too deeply nested: racelab allows 100 levels" instead of a stack overflow, even on a
//! wasm worker's 1 MiB stack.

use crate::ast::*;
use crate::error::{CompileError, ErrorKind};
use crate::lexer::{self, decode_escapes, IntValue, Kw, Op, StrTok, Tok, Token, TOO_DEEP};

/// How many counted recursion steps an expression may nest (each bracket level costs one,
/// each unary operator, `not`, `**` or lambda one more).
const MAX_DEPTH: u32 = 100;

/// The message for `yield`.
pub const YIELD_MSG: &str = "`yield` is not supported by racelab: generators are left out of the subset; build and return a list instead";

type PResult<T> = Result<T, CompileError>;

/// Parses a whole program.
///
/// Returns the module, or the first error as CPython would report it: a tokenizer error
/// anywhere in the file wins over a parser error (CPython re-tokenizes the rest of the
/// file when its parser fails), except an unclosed bracket, which is reported when the
/// parser fails at or after its line.
pub fn parse(source: &str) -> Result<Module, CompileError> {
    let lexed = lexer::lex(source);
    if let Some(e) = &lexed.error {
        if !lexed.unclosed {
            return Err(e.clone());
        }
    }
    let mut p = Parser::new(&lexed.tokens, 0);
    let result = p.module();
    match (result, lexed.error) {
        (Ok(m), None) => Ok(m),
        (Ok(_), Some(e)) => Err(e),
        (Err(pe), Some(e)) => {
            if pe.line >= e.line {
                Err(e)
            } else {
                Err(pe)
            }
        }
        (Err(pe), None) => Err(pe),
    }
}

fn unsupported(span: Span, msg: impl Into<String>) -> CompileError {
    CompileError::new(
        ErrorKind::Unsupported,
        msg,
        span.line,
        span.column,
        if span.end_line == span.line {
            span.end_column
        } else {
            span.column + 1
        },
    )
}

fn syntax(span: Span, msg: impl Into<String>) -> CompileError {
    CompileError::new(
        ErrorKind::Syntax,
        msg,
        span.line,
        span.column,
        if span.end_line == span.line {
            span.end_column
        } else {
            span.column + 1
        },
    )
}

fn indentation(span: Span, msg: impl Into<String>) -> CompileError {
    let mut e = syntax(span, msg);
    e.kind = ErrorKind::Indentation;
    e
}

const ASYNC_MSG: &str =
    "`async` is not supported by racelab: programs use real threads, not coroutines";
const AWAIT_MSG: &str =
    "`await` is not supported by racelab: programs use real threads, not coroutines";
const WALRUS_MSG: &str =
    "the walrus operator `:=` is not supported by racelab; assign on a line of its own";
const MATMUL_MSG: &str = "the matrix multiplication operator `@` is not supported by racelab";
const DECORATOR_MSG: &str =
    "decorators (`@...`) are not supported by racelab; call the wrapping function explicitly";
const COMPLEX_MSG: &str = "complex numbers (`1j`) are not supported by racelab";
const BYTES_MSG: &str = "bytes literals (`b'...'`) are not supported by racelab; use a str";
const MATCH_MSG: &str = "`match` statements are not supported by racelab; use if/elif/else";

/// What an expression is called in CPython's "cannot assign to ..." messages.
fn expr_name(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::Name(_) => "name",
        ExprKind::Attribute { .. } => "attribute",
        ExprKind::Subscript { .. } => "subscript",
        ExprKind::Starred(_) => "starred",
        ExprKind::List(_) => "list",
        ExprKind::Tuple(_) => "tuple",
        ExprKind::Lambda { .. } => "lambda",
        ExprKind::Call { .. } => "function call",
        ExprKind::BoolOp { .. } | ExprKind::BinOp { .. } | ExprKind::UnaryOp { .. } => "expression",
        ExprKind::GeneratorExp { .. } => "generator expression",
        ExprKind::ListComp { .. } => "list comprehension",
        ExprKind::SetComp { .. } => "set comprehension",
        ExprKind::DictComp { .. } => "dict comprehension",
        ExprKind::Dict(_) => "dict literal",
        ExprKind::Set(_) => "set display",
        ExprKind::FString(_) => "f-string expression",
        ExprKind::None => "None",
        ExprKind::Bool(true) => "True",
        ExprKind::Bool(false) => "False",
        ExprKind::Ellipsis => "ellipsis",
        ExprKind::Int(_) | ExprKind::BigInt(_) | ExprKind::Float(_) | ExprKind::Str(_) => "literal",
        ExprKind::Compare { .. } => "comparison",
        ExprKind::IfExp { .. } => "conditional expression",
        ExprKind::Slice { .. } => "slice",
    }
}

/// Where a target is being converted, for CPython's messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TargetCtx {
    /// The leftmost target of `=` (gets the "Maybe you meant '=='" hint).
    AssignFirst,
    /// Any other store.
    Store,
    /// `del`.
    Del,
}

struct Parser<'t> {
    toks: &'t [Token],
    pos: usize,
    depth: u32,
    /// Open brackets around the current position (for "Perhaps you forgot a comma?").
    brackets: u32,
    /// End (line, column) of the last consumed token that is not NEWLINE/INDENT/DEDENT.
    last_end: (u32, u32),
}

impl<'t> Parser<'t> {
    fn new(toks: &'t [Token], depth: u32) -> Self {
        Parser {
            toks,
            pos: 0,
            depth,
            brackets: 0,
            last_end: (1, 1),
        }
    }

    // ----- token helpers -----

    fn tok(&self) -> &'t Token {
        let toks: &'t [Token] = self.toks;
        &toks[self.pos.min(toks.len() - 1)]
    }

    fn peek(&self) -> &'t Tok {
        &self.tok().kind
    }

    fn peek_at(&self, n: usize) -> &'t Tok {
        let toks: &'t [Token] = self.toks;
        &toks[(self.pos + n).min(toks.len() - 1)].kind
    }

    fn span(&self) -> Span {
        self.tok().span
    }

    fn advance(&mut self) -> &'t Token {
        let t = self.tok();
        if !matches!(t.kind, Tok::EndMarker) {
            self.pos += 1;
        }
        if !matches!(
            t.kind,
            Tok::Newline | Tok::Indent | Tok::Dedent | Tok::EndMarker
        ) {
            self.last_end = (t.span.end_line, t.span.end_column);
        }
        t
    }

    fn at_op(&self, op: Op) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }

    fn at_kw(&self, kw: Kw) -> bool {
        matches!(self.peek(), Tok::Keyword(k) if *k == kw)
    }

    fn eat_op(&mut self, op: Op) -> bool {
        if self.at_op(op) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn eat_kw(&mut self, kw: Kw) -> bool {
        if self.at_kw(kw) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn span_from(&self, start: Span) -> Span {
        Span::new(start.line, start.column, self.last_end.0, self.last_end.1)
    }

    /// The error for an unexpected current token.
    fn unexpected(&self) -> CompileError {
        let t = self.tok();
        match &t.kind {
            Tok::Op(Op::ColonEqual) => unsupported(t.span, WALRUS_MSG),
            Tok::Op(Op::At) | Tok::Op(Op::AtEqual) => unsupported(t.span, MATMUL_MSG),
            Tok::Keyword(Kw::Yield) => unsupported(t.span, YIELD_MSG),
            Tok::Keyword(Kw::Async) => unsupported(t.span, ASYNC_MSG),
            Tok::Keyword(Kw::Await) => unsupported(t.span, AWAIT_MSG),
            Tok::Imaginary => unsupported(t.span, COMPLEX_MSG),
            Tok::Indent => indentation(t.span, "unexpected indent"),
            Tok::Dedent => indentation(t.span, "unexpected unindent"),
            _ => syntax(t.span, "invalid syntax"),
        }
    }

    fn expect_op(&mut self, op: Op) -> PResult<Span> {
        if self.at_op(op) {
            Ok(self.advance().span)
        } else {
            Err(self.unexpected())
        }
    }

    /// Expects the `:` of a compound statement's header.
    fn expect_colon(&mut self) -> PResult<()> {
        if self.eat_op(Op::Colon) {
            return Ok(());
        }
        match self.peek() {
            Tok::Newline | Tok::EndMarker => {
                let (l, c) = self.last_end;
                Err(syntax(Span::new(l, c, l, c + 1), "expected ':'"))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn expect_name(&mut self) -> PResult<(String, Span)> {
        match self.peek() {
            Tok::Name(n) => {
                let span = self.advance().span;
                Ok((n.clone(), span))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(syntax(self.span(), TOO_DEEP));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Whether the current token can start an expression.
    fn starts_expr(&self) -> bool {
        match self.peek() {
            Tok::Name(_) | Tok::Int(_) | Tok::Float(_) | Tok::Imaginary | Tok::Str(_) => true,
            Tok::Keyword(k) => matches!(
                k,
                Kw::None | Kw::True | Kw::False | Kw::Not | Kw::Lambda | Kw::Await | Kw::Yield
            ),
            Tok::Op(o) => matches!(
                o,
                Op::LParen
                    | Op::LBracket
                    | Op::LBrace
                    | Op::Minus
                    | Op::Plus
                    | Op::Tilde
                    | Op::Star
                    | Op::Ellipsis
            ),
            _ => false,
        }
    }

    /// "invalid syntax. Perhaps you forgot a comma?" when, inside brackets, an expression
    /// follows another one; the generic error otherwise.
    fn missing_comma(&self, prev: &Expr) -> CompileError {
        if self.brackets > 0
            && self.starts_expr()
            && !matches!(self.peek(), Tok::Keyword(Kw::Not | Kw::Yield | Kw::Await))
            && !matches!(
                self.peek(),
                Tok::Op(Op::Star | Op::Minus | Op::Plus | Op::LParen | Op::LBracket)
            )
        {
            let end = self.span();
            return syntax(
                Span::new(
                    prev.span.line,
                    prev.span.column,
                    end.end_line,
                    end.end_column,
                )
                .clamp_line(),
                "invalid syntax. Perhaps you forgot a comma?",
            );
        }
        self.unexpected()
    }

    // ----- statements -----

    fn module(&mut self) -> PResult<Module> {
        let mut body = Vec::new();
        loop {
            match self.peek() {
                Tok::EndMarker => break,
                Tok::Newline => {
                    self.advance();
                }
                _ => self.statement(&mut body)?,
            }
        }
        Ok(Module { body })
    }

    fn statement(&mut self, out: &mut Vec<Stmt>) -> PResult<()> {
        let stmt = match self.peek() {
            Tok::Keyword(Kw::If) => self.if_stmt(),
            Tok::Keyword(Kw::While) => self.while_stmt(),
            Tok::Keyword(Kw::For) => self.for_stmt(),
            Tok::Keyword(Kw::Try) => self.try_stmt(),
            Tok::Keyword(Kw::With) => self.with_stmt(),
            Tok::Keyword(Kw::Def) => self.def_stmt(),
            Tok::Keyword(Kw::Class) => self.class_stmt(),
            _ => return self.simple_or_refused(out),
        };
        out.push(stmt?);
        Ok(())
    }

    fn simple_or_refused(&mut self, out: &mut Vec<Stmt>) -> PResult<()> {
        let t = self.tok();
        match &t.kind {
            Tok::Keyword(Kw::Async) => Err(unsupported(t.span, ASYNC_MSG)),
            Tok::Op(Op::At) => Err(unsupported(t.span, DECORATOR_MSG)),
            Tok::Name(n) if n == "match" && self.looks_like_match() => {
                Err(unsupported(t.span, MATCH_MSG))
            }
            _ => self.simple_stmts(out),
        }
    }

    /// `match subject:` at the end of a logical line (`match` is a soft keyword: `match = 3`
    /// and `match(x)` are ordinary statements).
    fn looks_like_match(&self) -> bool {
        let next = self.peek_at(1);
        let starts = match next {
            Tok::Name(_) | Tok::Int(_) | Tok::Float(_) | Tok::Imaginary | Tok::Str(_) => true,
            Tok::Keyword(k) => matches!(
                k,
                Kw::None | Kw::True | Kw::False | Kw::Not | Kw::Lambda | Kw::Await
            ),
            Tok::Op(o) => matches!(
                o,
                Op::LParen
                    | Op::LBracket
                    | Op::LBrace
                    | Op::Minus
                    | Op::Plus
                    | Op::Tilde
                    | Op::Star
                    | Op::Ellipsis
            ),
            _ => false,
        };
        if !starts {
            return false;
        }
        let mut i = self.pos + 1;
        let mut last = None;
        while i < self.toks.len() {
            match &self.toks[i].kind {
                Tok::Newline | Tok::EndMarker => break,
                k => last = Some(k),
            }
            i += 1;
        }
        matches!(last, Some(Tok::Op(Op::Colon)))
    }

    fn simple_stmts(&mut self, out: &mut Vec<Stmt>) -> PResult<()> {
        loop {
            out.push(self.simple_stmt()?);
            if self.eat_op(Op::Semi) {
                if matches!(self.peek(), Tok::Newline | Tok::EndMarker) {
                    break;
                }
                continue;
            }
            break;
        }
        match self.peek() {
            Tok::Newline => {
                self.advance();
                Ok(())
            }
            Tok::EndMarker => Ok(()),
            _ => Err(self.unexpected()),
        }
    }

    fn at_stmt_end(&self) -> bool {
        matches!(
            self.peek(),
            Tok::Newline | Tok::EndMarker | Tok::Op(Op::Semi)
        )
    }

    fn simple_stmt(&mut self) -> PResult<Stmt> {
        let start = self.span();
        let kind = match self.peek() {
            Tok::Keyword(Kw::Pass) => {
                self.advance();
                StmtKind::Pass
            }
            Tok::Keyword(Kw::Break) => {
                self.advance();
                StmtKind::Break
            }
            Tok::Keyword(Kw::Continue) => {
                self.advance();
                StmtKind::Continue
            }
            Tok::Keyword(Kw::Return) => {
                self.advance();
                if self.at_stmt_end() {
                    StmtKind::Return(None)
                } else {
                    let e = self.star_expressions()?;
                    StmtKind::Return(Some(self.no_lone_star(e)?))
                }
            }
            Tok::Keyword(Kw::Raise) => {
                self.advance();
                if self.at_stmt_end() {
                    StmtKind::Raise {
                        exc: None,
                        cause: None,
                    }
                } else {
                    let exc = self.expression()?;
                    let cause = if self.eat_kw(Kw::From) {
                        Some(self.expression()?)
                    } else {
                        None
                    };
                    StmtKind::Raise {
                        exc: Some(exc),
                        cause,
                    }
                }
            }
            Tok::Keyword(k @ (Kw::Global | Kw::Nonlocal)) => {
                let k = *k;
                self.advance();
                let mut names = vec![self.expect_name()?.0];
                while self.eat_op(Op::Comma) {
                    names.push(self.expect_name()?.0);
                }
                if k == Kw::Global {
                    StmtKind::Global(names)
                } else {
                    StmtKind::Nonlocal(names)
                }
            }
            Tok::Keyword(Kw::Del) => {
                self.advance();
                StmtKind::Delete(self.del_targets()?)
            }
            Tok::Keyword(Kw::Assert) => {
                self.advance();
                let test = self.expression()?;
                let msg = if self.eat_op(Op::Comma) {
                    Some(self.expression()?)
                } else {
                    None
                };
                StmtKind::Assert { test, msg }
            }
            Tok::Keyword(Kw::Import) => {
                self.advance();
                let mut names = vec![self.dotted_as_name()?];
                while self.eat_op(Op::Comma) {
                    names.push(self.dotted_as_name()?);
                }
                StmtKind::Import(names)
            }
            Tok::Keyword(Kw::From) => self.import_from()?,
            _ => return self.expr_stmt(),
        };
        Ok(Stmt {
            kind,
            span: self.span_from(start),
        })
    }

    fn dotted_name(&mut self) -> PResult<String> {
        let mut name = self.expect_name()?.0;
        while self.at_op(Op::Dot) {
            self.advance();
            name.push('.');
            name.push_str(&self.expect_name()?.0);
        }
        Ok(name)
    }

    fn dotted_as_name(&mut self) -> PResult<Alias> {
        let start = self.span();
        let name = self.dotted_name()?;
        let asname = if self.eat_kw(Kw::As) {
            Some(self.expect_name()?.0)
        } else {
            None
        };
        Ok(Alias {
            name,
            asname,
            span: self.span_from(start),
        })
    }

    fn import_from(&mut self) -> PResult<StmtKind> {
        self.advance();
        if self.at_op(Op::Dot) || self.at_op(Op::Ellipsis) {
            return Err(unsupported(
                self.span(),
                "relative imports (`from . import x`) are not supported by racelab",
            ));
        }
        let module = self.dotted_name()?;
        if !self.eat_kw(Kw::Import) {
            return Err(self.unexpected());
        }
        if self.at_op(Op::Star) {
            return Err(unsupported(
                self.span(),
                "`from ... import *` is not supported by racelab; import the names you use",
            ));
        }
        let mut names = Vec::new();
        let alias = |p: &mut Self| -> PResult<Alias> {
            let (name, span) = p.expect_name()?;
            let asname = if p.eat_kw(Kw::As) {
                Some(p.expect_name()?.0)
            } else {
                None
            };
            Ok(Alias {
                name,
                asname,
                span: p.span_from(span),
            })
        };
        if self.eat_op(Op::LParen) {
            names.push(alias(self)?);
            while self.eat_op(Op::Comma) {
                if self.at_op(Op::RParen) {
                    break;
                }
                names.push(alias(self)?);
            }
            self.expect_op(Op::RParen)?;
        } else {
            names.push(alias(self)?);
            while self.at_op(Op::Comma) {
                let comma = self.advance().span;
                if self.at_stmt_end() {
                    return Err(syntax(
                        comma,
                        "trailing comma not allowed without surrounding parentheses",
                    ));
                }
                names.push(alias(self)?);
            }
        }
        Ok(StmtKind::ImportFrom { module, names })
    }

    /// An expression statement, an assignment, an augmented or an annotated assignment.
    fn expr_stmt(&mut self) -> PResult<Stmt> {
        let start = self.span();
        if self.at_kw(Kw::Yield) {
            return Err(self.unexpected());
        }
        let first = self.star_expressions()?;
        let t = self.tok();
        let kind = match &t.kind {
            Tok::Op(Op::Equal) => {
                let mut exprs = vec![first];
                while self.eat_op(Op::Equal) {
                    if self.at_kw(Kw::Yield) {
                        return Err(self.unexpected());
                    }
                    exprs.push(self.star_expressions()?);
                }
                let value = exprs.pop().unwrap_or(Expr {
                    kind: ExprKind::None,
                    span: start,
                });
                let mut targets = Vec::with_capacity(exprs.len());
                for (k, e) in exprs.into_iter().enumerate() {
                    let ctx = if k == 0 {
                        TargetCtx::AssignFirst
                    } else {
                        TargetCtx::Store
                    };
                    targets.push(self.to_target(e, ctx)?);
                }
                let value = self.no_lone_star(value)?;
                StmtKind::Assign { targets, value }
            }
            Tok::Op(op) if aug_op(*op).is_some() || *op == Op::AtEqual => {
                let Some(bop) = aug_op(*op) else {
                    return Err(unsupported(t.span, MATMUL_MSG));
                };
                match first.kind {
                    ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. } => {
                    }
                    _ => {
                        return Err(syntax(
                            first.span,
                            format!(
                                "'{}' is an illegal expression for augmented assignment",
                                expr_name(&first)
                            ),
                        ))
                    }
                }
                self.advance();
                if self.at_kw(Kw::Yield) {
                    return Err(self.unexpected());
                }
                let value = self.star_expressions()?;
                let value = self.no_lone_star(value)?;
                let target = self.to_target(first, TargetCtx::Store)?;
                StmtKind::AugAssign {
                    target,
                    op: bop,
                    value,
                }
            }
            Tok::Op(Op::Colon) => {
                match &first.kind {
                    ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. } => {
                    }
                    ExprKind::Tuple(_) => {
                        return Err(syntax(
                            first.span,
                            "only single target (not tuple) can be annotated",
                        ))
                    }
                    ExprKind::List(_) => {
                        return Err(syntax(
                            first.span,
                            "only single target (not list) can be annotated",
                        ))
                    }
                    _ => return Err(syntax(first.span, "illegal target for annotation")),
                }
                self.advance();
                let annotation = self.expression()?;
                let value = if self.eat_op(Op::Equal) {
                    if self.at_kw(Kw::Yield) {
                        return Err(self.unexpected());
                    }
                    let v = self.star_expressions()?;
                    Some(self.no_lone_star(v)?)
                } else {
                    None
                };
                let target = self.to_target(first, TargetCtx::Store)?;
                StmtKind::AnnAssign {
                    target,
                    annotation,
                    value,
                }
            }
            _ => {
                if let ExprKind::Name(n) = &first.kind {
                    if (n == "print" || n == "exec")
                        && first.span.end_column - first.span.column == n.len() as u32
                        && self.starts_expr()
                        && !matches!(
                            self.peek(),
                            Tok::Op(Op::LParen | Op::Minus | Op::Plus | Op::Star | Op::LBracket)
                        )
                    {
                        let name = n.clone();
                        let end = match self.star_expressions() {
                            Ok(e) => e.span,
                            Err(_) => self.span(),
                        };
                        return Err(syntax(
                            first.span.to(end),
                            format!(
                                "Missing parentheses in call to '{name}'. Did you mean {name}(...)?"
                            ),
                        ));
                    }
                }
                if !self.at_stmt_end() {
                    return Err(self.unexpected());
                }
                StmtKind::Expr(self.no_lone_star(first)?)
            }
        };
        Ok(Stmt {
            kind,
            span: self.span_from(start),
        })
    }

    fn no_lone_star(&self, e: Expr) -> PResult<Expr> {
        if matches!(e.kind, ExprKind::Starred(_)) {
            return Err(syntax(e.span, "can't use starred expression here"));
        }
        Ok(e)
    }

    /// Converts a parsed expression into an assignment (or `del`) target.
    fn to_target(&self, e: Expr, ctx: TargetCtx) -> PResult<Target> {
        let span = e.span;
        let kind = match e.kind {
            ExprKind::Name(n) => TargetKind::Name(n),
            ExprKind::Attribute { value, attr } => TargetKind::Attribute { value, attr },
            ExprKind::Subscript { value, index } => TargetKind::Subscript { value, index },
            ExprKind::Tuple(elts) | ExprKind::List(elts) => {
                let mut out = Vec::with_capacity(elts.len());
                let mut starred = false;
                for elt in elts {
                    if let ExprKind::Starred(inner) = elt.kind {
                        if ctx == TargetCtx::Del {
                            return Err(syntax(elt.span, "cannot delete starred"));
                        }
                        if starred {
                            return Err(syntax(
                                elt.span,
                                "multiple starred expressions in assignment",
                            ));
                        }
                        starred = true;
                        let inner = self.to_target(*inner, TargetCtx::Store)?;
                        out.push(Target {
                            kind: TargetKind::Starred(Box::new(inner)),
                            span: elt.span,
                        });
                    } else {
                        let sub = if ctx == TargetCtx::Del {
                            TargetCtx::Del
                        } else {
                            TargetCtx::Store
                        };
                        out.push(self.to_target(elt, sub)?);
                    }
                }
                TargetKind::Tuple(out)
            }
            ExprKind::Starred(_) => {
                let msg = if ctx == TargetCtx::Del {
                    "cannot delete starred"
                } else {
                    "starred assignment target must be in a list or tuple"
                };
                return Err(syntax(span, msg));
            }
            _ => {
                let name = expr_name(&e);
                let msg = match ctx {
                    TargetCtx::Del => format!("cannot delete {name}"),
                    TargetCtx::AssignFirst
                        if !matches!(
                            e.kind,
                            ExprKind::None | ExprKind::Bool(_) | ExprKind::Ellipsis
                        ) =>
                    {
                        format!(
                            "cannot assign to {name} here. Maybe you meant '==' instead of '='?"
                        )
                    }
                    _ => format!("cannot assign to {name}"),
                };
                return Err(syntax(span, msg));
            }
        };
        Ok(Target { kind, span })
    }

    /// `star_targets` (of `for` and comprehensions): items at the `|` level, so that `in`
    /// ends them.
    fn star_targets(&mut self) -> PResult<Target> {
        let start = self.span();
        let first = self.target_item()?;
        if !self.at_op(Op::Comma) {
            return self.to_target(first, TargetCtx::Store);
        }
        let mut items = vec![first];
        while self.eat_op(Op::Comma) {
            if !self.starts_expr() {
                break;
            }
            items.push(self.target_item()?);
        }
        let e = Expr {
            kind: ExprKind::Tuple(items),
            span: self.span_from(start),
        };
        self.to_target(e, TargetCtx::Store)
    }

    fn target_item(&mut self) -> PResult<Expr> {
        if self.at_op(Op::Star) {
            return self.starred(false);
        }
        self.binop(BP_BITOR)
    }

    fn del_targets(&mut self) -> PResult<Vec<Target>> {
        let mut out = vec![];
        loop {
            let e = self.target_item()?;
            out.push(self.to_target(e, TargetCtx::Del)?);
            if !self.eat_op(Op::Comma) || self.at_stmt_end() {
                break;
            }
        }
        Ok(out)
    }

    /// The indented block (or same-line simple statements) after a header's `:`.
    fn block(&mut self, what: &'static str, header_line: u32) -> PResult<Vec<Stmt>> {
        let mut body = Vec::new();
        if !matches!(self.peek(), Tok::Newline) {
            if matches!(self.peek(), Tok::EndMarker) {
                return Err(self.expected_block(what, header_line));
            }
            self.simple_stmts(&mut body)?;
            return Ok(body);
        }
        self.advance();
        if !matches!(self.peek(), Tok::Indent) {
            return Err(self.expected_block(what, header_line));
        }
        self.advance();
        self.enter()?;
        loop {
            match self.peek() {
                Tok::Dedent => {
                    self.advance();
                    break;
                }
                Tok::EndMarker => break,
                _ => self.statement(&mut body)?,
            }
        }
        self.leave();
        Ok(body)
    }

    #[cold]
    fn expected_block(&self, what: &str, header_line: u32) -> CompileError {
        indentation(
            self.span(),
            format!("expected an indented block after {what} on line {header_line}"),
        )
    }

    /// A condition of `if`/`elif`/`while`, with CPython's hint for `if x = 1:`.
    fn condition(&mut self) -> PResult<Expr> {
        let test = self.named_expression()?;
        if self.at_op(Op::Equal) {
            let end = self.peek_at(1);
            let mut span = self.span();
            if !matches!(end, Tok::Newline | Tok::EndMarker) {
                span = self.toks[(self.pos + 1).min(self.toks.len() - 1)].span;
            }
            return Err(syntax(
                test.span.to(span).clamp_line(),
                "invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
            ));
        }
        Ok(test)
    }

    fn if_stmt(&mut self) -> PResult<Stmt> {
        let start = self.advance().span;
        let test = self.condition()?;
        self.expect_colon()?;
        let body = self.block("'if' statement", start.line)?;
        let orelse = self.else_chain()?;
        Ok(Stmt {
            kind: StmtKind::If { test, body, orelse },
            span: self.span_from(start),
        })
    }

    /// The `elif`/`else` continuation of an `if`.
    fn else_chain(&mut self) -> PResult<Vec<Stmt>> {
        if self.at_kw(Kw::Elif) {
            let start = self.advance().span;
            let test = self.condition()?;
            self.expect_colon()?;
            let body = self.block("'elif' statement", start.line)?;
            let orelse = self.else_chain()?;
            return Ok(vec![Stmt {
                kind: StmtKind::If { test, body, orelse },
                span: self.span_from(start),
            }]);
        }
        self.else_block()
    }

    fn else_block(&mut self) -> PResult<Vec<Stmt>> {
        if self.at_kw(Kw::Else) {
            let start = self.advance().span;
            self.expect_colon()?;
            return self.block("'else' statement", start.line);
        }
        Ok(Vec::new())
    }

    fn while_stmt(&mut self) -> PResult<Stmt> {
        let start = self.advance().span;
        let test = self.condition()?;
        self.expect_colon()?;
        let body = self.block("'while' statement", start.line)?;
        let orelse = self.else_block()?;
        Ok(Stmt {
            kind: StmtKind::While { test, body, orelse },
            span: self.span_from(start),
        })
    }

    fn for_stmt(&mut self) -> PResult<Stmt> {
        let start = self.advance().span;
        let target = self.star_targets()?;
        if !self.eat_kw(Kw::In) {
            return Err(self.unexpected());
        }
        let iter = self.star_expressions()?;
        let iter = self.no_lone_star(iter)?;
        self.expect_colon()?;
        let body = self.block("'for' statement", start.line)?;
        let orelse = self.else_block()?;
        Ok(Stmt {
            kind: StmtKind::For {
                target,
                iter,
                body,
                orelse,
            },
            span: self.span_from(start),
        })
    }

    fn try_stmt(&mut self) -> PResult<Stmt> {
        let start = self.advance().span;
        self.expect_colon()?;
        let body = self.block("'try' statement", start.line)?;
        let mut handlers = Vec::new();
        let mut bare: Option<Span> = None;
        while self.at_kw(Kw::Except) {
            let hstart = self.advance().span;
            if let Some(b) = bare {
                return Err(syntax(b, "default 'except:' must be last"));
            }
            if self.at_op(Op::Star) {
                return Err(unsupported(
                    hstart.to(self.span()),
                    "`except*` (exception groups) is not supported by racelab",
                ));
            }
            let (typ, name) = if self.at_op(Op::Colon) {
                bare = Some(hstart);
                (None, None)
            } else {
                let typ = self.expression()?;
                if self.at_op(Op::Comma) {
                    let mut end = typ.span;
                    while self.eat_op(Op::Comma) {
                        if !self.starts_expr() {
                            break;
                        }
                        end = self.expression()?.span;
                    }
                    return Err(syntax(
                        typ.span.to(end),
                        "multiple exception types must be parenthesized",
                    ));
                }
                let name = if self.eat_kw(Kw::As) {
                    Some(self.expect_name()?.0)
                } else {
                    None
                };
                (Some(typ), name)
            };
            self.expect_colon()?;
            let hbody = self.block("'except' statement", hstart.line)?;
            handlers.push(ExceptHandler {
                typ,
                name,
                body: hbody,
                span: self.span_from(hstart),
            });
        }
        let orelse = if !handlers.is_empty() {
            self.else_block()?
        } else {
            Vec::new()
        };
        let finalbody = if self.at_kw(Kw::Finally) {
            let fstart = self.advance().span;
            self.expect_colon()?;
            self.block("'finally' statement", fstart.line)?
        } else {
            Vec::new()
        };
        if handlers.is_empty() && finalbody.is_empty() {
            return Err(syntax(self.span(), "expected 'except' or 'finally' block"));
        }
        Ok(Stmt {
            kind: StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            },
            span: self.span_from(start),
        })
    }

    fn with_item(&mut self) -> PResult<WithItem> {
        let context = self.expression()?;
        let target = if self.eat_kw(Kw::As) {
            let e = self.target_item()?;
            if !(self.at_op(Op::Comma) || self.at_op(Op::RParen) || self.at_op(Op::Colon)) {
                return Err(self.unexpected());
            }
            Some(self.to_target(e, TargetCtx::Store)?)
        } else {
            None
        };
        Ok(WithItem { context, target })
    }

    fn with_stmt(&mut self) -> PResult<Stmt> {
        let start = self.advance().span;
        let mut items = None;
        if self.at_op(Op::LParen) {
            // CPython first tries `with (a as b, c):`, then an expression in parentheses.
            let save = (self.pos, self.depth, self.brackets, self.last_end);
            let attempt = (|| -> PResult<Vec<WithItem>> {
                self.advance();
                self.brackets += 1;
                let mut its = vec![self.with_item()?];
                while self.eat_op(Op::Comma) {
                    if self.at_op(Op::RParen) {
                        break;
                    }
                    its.push(self.with_item()?);
                }
                self.expect_op(Op::RParen)?;
                self.brackets -= 1;
                if !self.at_op(Op::Colon) {
                    return Err(self.unexpected());
                }
                Ok(its)
            })();
            match attempt {
                Ok(its) => items = Some(its),
                Err(first_err) => {
                    (self.pos, self.depth, self.brackets, self.last_end) = save;
                    let second = (|| -> PResult<Vec<WithItem>> {
                        let mut its = vec![self.with_item()?];
                        while self.eat_op(Op::Comma) {
                            its.push(self.with_item()?);
                        }
                        if !self.at_op(Op::Colon) {
                            return Err(self.unexpected());
                        }
                        Ok(its)
                    })();
                    match second {
                        Ok(its) => items = Some(its),
                        Err(e) => {
                            let later = (first_err.line, first_err.column) > (e.line, e.column);
                            return Err(if later { first_err } else { e });
                        }
                    }
                }
            }
        }
        let items = match items {
            Some(its) => its,
            None => {
                let mut its = vec![self.with_item()?];
                while self.eat_op(Op::Comma) {
                    its.push(self.with_item()?);
                }
                its
            }
        };
        self.expect_colon()?;
        let body = self.block("'with' statement", start.line)?;
        Ok(Stmt {
            kind: StmtKind::With { items, body },
            span: self.span_from(start),
        })
    }

    fn def_stmt(&mut self) -> PResult<Stmt> {
        let start = self.advance().span;
        let (name, name_span) = self.expect_name()?;
        if !self.at_op(Op::LParen) {
            return Err(syntax(self.span(), "expected '('"));
        }
        self.advance();
        self.brackets += 1;
        let params = self.params(true)?;
        self.expect_op(Op::RParen)?;
        self.brackets -= 1;
        let returns = if self.eat_op(Op::RArrow) {
            Some(self.expression()?)
        } else {
            None
        };
        self.expect_colon()?;
        let body = self.block("function definition", start.line)?;
        Ok(Stmt {
            kind: StmtKind::FunctionDef(Box::new(FunctionDef {
                name,
                name_span,
                params,
                returns,
                body,
            })),
            span: self.span_from(start),
        })
    }

    fn class_stmt(&mut self) -> PResult<Stmt> {
        let start = self.advance().span;
        let (name, name_span) = self.expect_name()?;
        let mut bases = Vec::new();
        if self.at_op(Op::LParen) {
            let open = self.advance().span;
            self.brackets += 1;
            let args = self.call_args(open)?;
            self.brackets -= 1;
            for arg in args {
                match arg {
                    Arg::Positional(e) => {
                        if matches!(e.kind, ExprKind::GeneratorExp { .. }) {
                            return Err(syntax(e.span, "invalid syntax"));
                        }
                        bases.push(e)
                    }
                    Arg::Keyword { span, .. } => {
                        return Err(unsupported(
                            span,
                            "keyword arguments in a class definition (`metaclass=...`) are not supported by racelab",
                        ))
                    }
                    Arg::Starred(e) | Arg::DoubleStarred(e) => {
                        return Err(unsupported(
                            e.span,
                            "unpacking in a class's bases is not supported by racelab",
                        ))
                    }
                }
            }
        }
        self.expect_colon()?;
        let body = self.block("class definition", start.line)?;
        Ok(Stmt {
            kind: StmtKind::ClassDef(Box::new(ClassDef {
                name,
                name_span,
                bases,
                body,
            })),
            span: self.span_from(start),
        })
    }

    /// Parameters of a `def` (`with_annotations`, ending at `)`) or a lambda (ending at `:`).
    fn params(&mut self, with_annotations: bool) -> PResult<Params> {
        let end = if with_annotations {
            Op::RParen
        } else {
            Op::Colon
        };
        let mut p = Params::default();
        let mut seen_default = false;
        let mut seen_slash = false;
        let mut star: Option<Span> = None;
        let mut seen_kwarg = false;
        let mut names: Vec<String> = Vec::new();
        loop {
            if self.at_op(end) {
                break;
            }
            if seen_kwarg {
                return Err(syntax(
                    self.span(),
                    "arguments cannot follow var-keyword argument",
                ));
            }
            let t = self.tok();
            match &t.kind {
                Tok::Op(Op::Slash) => {
                    if seen_slash {
                        return Err(syntax(t.span, "/ may appear only once"));
                    }
                    if star.is_some() {
                        return Err(syntax(t.span, "/ must be ahead of *"));
                    }
                    if p.args.is_empty() {
                        return Err(syntax(t.span, "at least one argument must precede /"));
                    }
                    self.advance();
                    seen_slash = true;
                    p.posonly = std::mem::take(&mut p.args);
                }
                Tok::Op(Op::Star) => {
                    if star.is_some() {
                        return Err(syntax(t.span, "* argument may appear only once"));
                    }
                    self.advance();
                    star = Some(t.span);
                    if self.at_op(Op::Comma) || self.at_op(end) {
                        // A bare `*`: keyword-only parameters follow.
                    } else {
                        let param = self.param(with_annotations, &mut names)?;
                        if self.at_op(Op::Equal) {
                            return Err(syntax(
                                self.span(),
                                "var-positional argument cannot have default value",
                            ));
                        }
                        p.vararg = Some(param);
                    }
                }
                Tok::Op(Op::DoubleStar) => {
                    self.advance();
                    let param = self.param(with_annotations, &mut names)?;
                    if self.at_op(Op::Equal) {
                        return Err(syntax(
                            self.span(),
                            "var-keyword argument cannot have default value",
                        ));
                    }
                    p.kwarg = Some(param);
                    seen_kwarg = true;
                }
                Tok::Name(_) => {
                    let mut param = self.param(with_annotations, &mut names)?;
                    if self.eat_op(Op::Equal) {
                        param.default = Some(self.expression()?);
                    }
                    if star.is_some() {
                        p.kwonly.push(param);
                    } else {
                        if param.default.is_some() {
                            seen_default = true;
                        } else if seen_default {
                            return Err(syntax(
                                param.span,
                                "non-default argument follows default argument",
                            ));
                        }
                        p.args.push(param);
                    }
                }
                _ => return Err(self.unexpected()),
            }
            if !self.eat_op(Op::Comma) {
                break;
            }
        }
        if let Some(s) = star {
            if p.vararg.is_none() && p.kwonly.is_empty() {
                return Err(syntax(s, "named arguments must follow bare *"));
            }
        }
        if !self.at_op(end) {
            return Err(self.unexpected());
        }
        Ok(p)
    }

    fn param(&mut self, with_annotations: bool, names: &mut Vec<String>) -> PResult<Param> {
        let (name, span) = self.expect_name()?;
        if names.contains(&name) {
            return Err(syntax(
                span,
                format!("duplicate argument '{name}' in function definition"),
            ));
        }
        names.push(name.clone());
        let annotation = if with_annotations && self.eat_op(Op::Colon) {
            Some(self.expression()?)
        } else {
            None
        };
        Ok(Param {
            name,
            annotation,
            default: None,
            span,
        })
    }

    // ----- expressions -----
    //
    // The functions on the recursion path (expression, binop, power, primary, the
    // displays) keep their frames small: nodes are built and errors formatted in helper
    // functions, so that 100 nesting levels fit a 2 MiB stack even in a debug build.

    /// `star_expressions`: one or more comma-separated (possibly starred) expressions; a
    /// comma makes a tuple. A lone starred expression is returned as is (callers refuse it).
    fn star_expressions(&mut self) -> PResult<Expr> {
        let first = self.star_expression()?;
        if !self.at_op(Op::Comma) {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(Op::Comma) {
            if !self.starts_expr() || matches!(self.peek(), Tok::Keyword(Kw::Yield)) {
                break;
            }
            items.push(self.star_expression()?);
        }
        Ok(self.mk_seq(items, SeqKind::Tuple, None))
    }

    fn star_expression(&mut self) -> PResult<Expr> {
        if self.at_op(Op::Star) {
            return self.starred(false);
        }
        self.expression()
    }

    /// `*` followed by a `|`-level expression (or a full expression with `full`).
    fn starred(&mut self, full: bool) -> PResult<Expr> {
        let start = self.advance().span;
        let inner = if full {
            self.expression()?
        } else {
            self.binop(BP_BITOR)?
        };
        Ok(self.mk_unary_like(start, inner, None))
    }

    /// `star_named_expression`, inside displays.
    fn star_named_expression(&mut self) -> PResult<Expr> {
        if self.at_op(Op::Star) {
            return self.starred(false);
        }
        self.named_expression()
    }

    /// An expression where CPython would also accept `name := value` (refused).
    fn named_expression(&mut self) -> PResult<Expr> {
        let e = self.expression()?;
        if self.at_op(Op::ColonEqual) {
            return Err(self.unexpected());
        }
        Ok(e)
    }

    /// `expression`: a conditional expression, a lambda, or a disjunction.
    fn expression(&mut self) -> PResult<Expr> {
        if self.at_kw(Kw::Lambda) {
            return self.lambda();
        }
        let body = self.binop(BP_OR)?;
        if !self.at_kw(Kw::If) {
            return Ok(body);
        }
        self.ternary(body)
    }

    fn ternary(&mut self, body: Expr) -> PResult<Expr> {
        self.advance();
        let test = self.binop(BP_OR)?;
        if !self.eat_kw(Kw::Else) {
            return Err(self.missing_else(&body, &test));
        }
        self.enter()?;
        let orelse = self.expression()?;
        self.leave();
        Ok(mk_ifexp(test, body, orelse))
    }

    #[cold]
    fn missing_else(&self, body: &Expr, test: &Expr) -> CompileError {
        if matches!(
            self.peek(),
            Tok::Newline
                | Tok::EndMarker
                | Tok::Op(
                    Op::RParen
                        | Op::RBracket
                        | Op::RBrace
                        | Op::Comma
                        | Op::Semi
                        | Op::Equal
                        | Op::Colon
                )
        ) {
            return syntax(
                body.span.to(test.span).clamp_line(),
                "expected 'else' after 'if' expression",
            );
        }
        self.unexpected()
    }

    fn lambda(&mut self) -> PResult<Expr> {
        let start = self.advance().span;
        self.enter()?;
        let params = self.params(false)?;
        self.expect_op(Op::Colon)?;
        let body = self.expression()?;
        self.leave();
        Ok(mk_lambda(params, body, self.span_from(start)))
    }

    /// Everything from `or` down to `**` by precedence climbing: `min` is the loosest
    /// binding power accepted (see the `BP_` constants). `not` and the unary operators are
    /// prefixes; comparisons chain; `and`/`or` collect their operands.
    fn binop(&mut self, min: u8) -> PResult<Expr> {
        let mut left = match self.peek() {
            Tok::Keyword(Kw::Not) => self.prefix_not(min)?,
            Tok::Op(Op::Minus | Op::Plus | Op::Tilde) => self.prefix_unary()?,
            _ => self.power()?,
        };
        loop {
            let bp = infix_bp(self.peek(), self.peek_at(1));
            if bp == 0 || bp < min {
                return Ok(left);
            }
            left = self.infix(left, bp)?;
        }
    }

    fn prefix_not(&mut self, min: u8) -> PResult<Expr> {
        if min > BP_NOT {
            return Err(self.unexpected());
        }
        let start = self.advance().span;
        self.enter()?;
        let operand = self.binop(BP_NOT)?;
        self.leave();
        Ok(mk_unary(UnaryOp::Not, operand, self.span_from(start)))
    }

    fn prefix_unary(&mut self) -> PResult<Expr> {
        let t = self.advance();
        let op = match t.kind {
            Tok::Op(Op::Minus) => UnaryOp::Neg,
            Tok::Op(Op::Plus) => UnaryOp::Pos,
            _ => UnaryOp::Invert,
        };
        self.enter()?;
        let operand = self.binop(BP_UNARY)?;
        self.leave();
        Ok(mk_unary(op, operand, self.span_from(t.span)))
    }

    fn power(&mut self) -> PResult<Expr> {
        let base = self.primary()?;
        if !self.at_op(Op::DoubleStar) {
            return Ok(base);
        }
        self.advance();
        self.enter()?;
        let exp = self.binop(BP_UNARY)?;
        self.leave();
        Ok(mk_binop(base, BinOp::Pow, exp))
    }

    /// One infix step at binding power `bp` (the current token is its operator).
    fn infix(&mut self, left: Expr, bp: u8) -> PResult<Expr> {
        match bp {
            BP_OR | BP_AND => {
                let (kw, op, next) = if bp == BP_OR {
                    (Kw::Or, BoolOp::Or, BP_AND)
                } else {
                    (Kw::And, BoolOp::And, BP_NOT)
                };
                let mut values = vec![left];
                while self.eat_kw(kw) {
                    values.push(self.binop(next)?);
                }
                Ok(mk_boolop(op, values))
            }
            BP_CMP => {
                let mut ops = Vec::new();
                while let Some(op) = self.cmp_op() {
                    ops.push((op, self.binop(BP_BITOR)?));
                }
                Ok(mk_compare(left, ops))
            }
            _ => {
                let op = match self.peek() {
                    Tok::Op(Op::VBar) => BinOp::BitOr,
                    Tok::Op(Op::Circumflex) => BinOp::BitXor,
                    Tok::Op(Op::Amper) => BinOp::BitAnd,
                    Tok::Op(Op::LeftShift) => BinOp::LShift,
                    Tok::Op(Op::RightShift) => BinOp::RShift,
                    Tok::Op(Op::Plus) => BinOp::Add,
                    Tok::Op(Op::Minus) => BinOp::Sub,
                    Tok::Op(Op::Star) => BinOp::Mult,
                    Tok::Op(Op::Slash) => BinOp::Div,
                    Tok::Op(Op::DoubleSlash) => BinOp::FloorDiv,
                    Tok::Op(Op::Percent) => BinOp::Mod,
                    _ => return Err(self.unexpected()),
                };
                self.advance();
                let right = self.binop(bp + 1)?;
                Ok(mk_binop(left, op, right))
            }
        }
    }

    /// Consumes a comparison operator (`not in` and `is not` are two tokens).
    fn cmp_op(&mut self) -> Option<CmpOp> {
        let op = match self.peek() {
            Tok::Op(Op::EqEqual) => CmpOp::Eq,
            Tok::Op(Op::NotEqual) => CmpOp::NotEq,
            Tok::Op(Op::Less) => CmpOp::Lt,
            Tok::Op(Op::LessEqual) => CmpOp::LtE,
            Tok::Op(Op::Greater) => CmpOp::Gt,
            Tok::Op(Op::GreaterEqual) => CmpOp::GtE,
            Tok::Keyword(Kw::In) => CmpOp::In,
            Tok::Keyword(Kw::Not) if matches!(self.peek_at(1), Tok::Keyword(Kw::In)) => {
                self.advance();
                CmpOp::NotIn
            }
            Tok::Keyword(Kw::Is) => {
                if matches!(self.peek_at(1), Tok::Keyword(Kw::Not)) {
                    self.advance();
                    CmpOp::IsNot
                } else {
                    CmpOp::Is
                }
            }
            _ => return None,
        };
        self.advance();
        Some(op)
    }

    /// An atom and its trailers (`.name`, calls, subscripts).
    fn primary(&mut self) -> PResult<Expr> {
        let mut e = match self.peek() {
            Tok::Op(Op::LParen) => self.paren()?,
            Tok::Op(Op::LBracket) => self.list()?,
            Tok::Op(Op::LBrace) => self.brace()?,
            Tok::Str(_) => self.strings()?,
            _ => self.simple_atom()?,
        };
        loop {
            e = match self.peek() {
                Tok::Op(Op::Dot) => {
                    self.advance();
                    let (attr, _) = self.expect_name()?;
                    let span = self.span_from(e.span);
                    mk_attribute(e, attr, span)
                }
                Tok::Op(Op::LParen) => self.call(e)?,
                Tok::Op(Op::LBracket) => self.subscript(e)?,
                _ => return Ok(e),
            };
        }
    }

    fn simple_atom(&mut self) -> PResult<Expr> {
        let t = self.tok();
        let kind = match &t.kind {
            Tok::Name(n) => ExprKind::Name(n.clone()),
            Tok::Int(IntValue::Small(v)) => ExprKind::Int(*v),
            Tok::Int(IntValue::Big(s)) => ExprKind::BigInt(s.clone()),
            Tok::Float(f) => ExprKind::Float(*f),
            Tok::Keyword(Kw::True) => ExprKind::Bool(true),
            Tok::Keyword(Kw::False) => ExprKind::Bool(false),
            Tok::Keyword(Kw::None) => ExprKind::None,
            Tok::Op(Op::Ellipsis) => ExprKind::Ellipsis,
            _ => return Err(self.unexpected()),
        };
        self.advance();
        Ok(Expr { kind, span: t.span })
    }

    fn call(&mut self, func: Expr) -> PResult<Expr> {
        let open = self.advance().span;
        self.brackets += 1;
        self.enter()?;
        let args = self.call_args(open)?;
        self.leave();
        self.brackets -= 1;
        let span = self.span_from(func.span);
        Ok(mk_call(func, args, span))
    }

    fn subscript(&mut self, value: Expr) -> PResult<Expr> {
        self.advance();
        self.brackets += 1;
        self.enter()?;
        let index = self.slices()?;
        self.leave();
        self.brackets -= 1;
        let span = self.span_from(value.span);
        Ok(mk_subscript(value, index, span))
    }

    /// Call arguments after `(`, through the closing `)`.
    fn call_args(&mut self, open: Span) -> PResult<Vec<Arg>> {
        let mut args: Vec<Arg> = Vec::new();
        let mut state = ArgState::default();
        while !self.at_op(Op::RParen) {
            let arg = self.call_arg(open, &args, &mut state)?;
            let genexp = matches!(&arg, Arg::Positional(e) if matches!(e.kind, ExprKind::GeneratorExp { .. }) && e.span.column == open.column && e.span.line == open.line);
            args.push(arg);
            if genexp {
                break;
            }
            if !self.eat_op(Op::Comma) {
                if !self.at_op(Op::RParen) {
                    return Err(self.arg_missing_comma(&args));
                }
                break;
            }
        }
        self.expect_op(Op::RParen)?;
        Ok(args)
    }

    #[cold]
    fn arg_missing_comma(&self, args: &[Arg]) -> CompileError {
        if let Some(
            Arg::Positional(prev)
            | Arg::Starred(prev)
            | Arg::DoubleStarred(prev)
            | Arg::Keyword { value: prev, .. },
        ) = args.last()
        {
            return self.missing_comma(prev);
        }
        self.unexpected()
    }

    fn call_arg(&mut self, open: Span, args: &[Arg], state: &mut ArgState) -> PResult<Arg> {
        let t = self.tok();
        match &t.kind {
            Tok::Op(Op::Star) => {
                self.advance();
                let e = self.expression()?;
                if state.seen_double {
                    return Err(syntax(
                        t.span,
                        "iterable argument unpacking follows keyword argument unpacking",
                    ));
                }
                if self.at_kw(Kw::For) {
                    return Err(syntax(
                        t.span.to(e.span),
                        "iterable unpacking cannot be used in comprehension",
                    ));
                }
                Ok(Arg::Starred(e))
            }
            Tok::Op(Op::DoubleStar) => {
                self.advance();
                let e = self.expression()?;
                state.seen_double = true;
                Ok(Arg::DoubleStarred(e))
            }
            Tok::Name(name) if matches!(self.peek_at(1), Tok::Op(Op::Equal)) => {
                self.advance();
                self.advance();
                let value = self.expression()?;
                if state.keywords.contains(name) {
                    return Err(syntax(t.span, format!("keyword argument repeated: {name}")));
                }
                state.keywords.push(name.clone());
                state.seen_keyword = true;
                let span = t.span.to(value.span);
                Ok(Arg::Keyword {
                    name: name.clone(),
                    value,
                    span,
                })
            }
            _ => {
                let e = self.named_expression()?;
                if self.at_op(Op::Equal) {
                    return Err(self.assign_in_call(&e));
                }
                if self.at_kw(Kw::For) || self.at_kw(Kw::Async) {
                    let generators = self.comp_for()?;
                    if !args.is_empty() || !self.at_op(Op::RParen) {
                        let (l, c) = self.last_end;
                        return Err(syntax(
                            e.span.to(Span::new(l, c, l, c)).clamp_line(),
                            "Generator expression must be parenthesized",
                        ));
                    }
                    let span = open.to(self.span());
                    return Ok(Arg::Positional(mk_comp(
                        CompKind::Generator,
                        e,
                        None,
                        generators,
                        span,
                    )));
                }
                if state.seen_double {
                    return Err(syntax(
                        e.span,
                        "positional argument follows keyword argument unpacking",
                    ));
                }
                if state.seen_keyword {
                    return Err(syntax(
                        e.span,
                        "positional argument follows keyword argument",
                    ));
                }
                Ok(Arg::Positional(e))
            }
        }
    }

    #[cold]
    fn assign_in_call(&self, e: &Expr) -> CompileError {
        let eq = self.span();
        let msg = match e.kind {
            ExprKind::Bool(_) | ExprKind::None => format!("cannot assign to {}", expr_name(e)),
            _ => "expression cannot contain assignment, perhaps you meant \"==\"?".to_string(),
        };
        syntax(e.span.to(eq).clamp_line(), msg)
    }

    /// A subscript's index after `[`, through the closing `]`.
    fn slices(&mut self) -> PResult<Expr> {
        let first = self.slice_item()?;
        if self.at_op(Op::RBracket) {
            let close = self.advance().span;
            if matches!(first.kind, ExprKind::Starred(_)) {
                return Ok(self.mk_seq(vec![first], SeqKind::Tuple, Some((close, close))));
            }
            return Ok(first);
        }
        if !self.at_op(Op::Comma) {
            return Err(self.missing_comma(&first));
        }
        let mut items = vec![first];
        while self.eat_op(Op::Comma) {
            if self.at_op(Op::RBracket) {
                break;
            }
            items.push(self.slice_item()?);
        }
        if !self.at_op(Op::RBracket) {
            return Err(self.items_missing_comma(&items));
        }
        let tuple = self.mk_seq(items, SeqKind::Tuple, None);
        self.advance();
        Ok(tuple)
    }

    fn slice_item(&mut self) -> PResult<Expr> {
        if self.at_op(Op::Star) {
            return self.starred(true);
        }
        let start = self.span();
        let lower = if self.at_op(Op::Colon) {
            None
        } else {
            let e = self.expression()?;
            if !self.at_op(Op::Colon) {
                if self.at_op(Op::ColonEqual) {
                    return Err(self.unexpected());
                }
                return Ok(e);
            }
            Some(e)
        };
        self.advance();
        let upper = if self.at_op(Op::Colon) || self.at_op(Op::Comma) || self.at_op(Op::RBracket) {
            None
        } else {
            Some(self.expression()?)
        };
        let step = if self.eat_op(Op::Colon) {
            if self.at_op(Op::Comma) || self.at_op(Op::RBracket) {
                None
            } else {
                Some(self.expression()?)
            }
        } else {
            None
        };
        Ok(mk_slice(lower, upper, step, self.span_from(start)))
    }

    /// `for target in iter [if cond]...` clauses of a comprehension.
    fn comp_for(&mut self) -> PResult<Vec<Comprehension>> {
        let mut out = Vec::new();
        loop {
            if self.at_kw(Kw::Async) {
                return Err(self.unexpected());
            }
            if !self.eat_kw(Kw::For) {
                break;
            }
            let target = self.star_targets()?;
            if !self.eat_kw(Kw::In) {
                return Err(self.unexpected());
            }
            let iter = self.binop(BP_OR)?;
            let mut ifs = Vec::new();
            while self.eat_kw(Kw::If) {
                ifs.push(self.binop(BP_OR)?);
            }
            out.push(Comprehension { target, iter, ifs });
        }
        Ok(out)
    }

    fn at_comp_for(&self) -> bool {
        self.at_kw(Kw::For) || self.at_kw(Kw::Async)
    }

    /// `(...)`: a parenthesized expression, a tuple or a generator expression.
    fn paren(&mut self) -> PResult<Expr> {
        let open = self.advance().span;
        self.brackets += 1;
        self.enter()?;
        if self.at_op(Op::RParen) {
            let close = self.advance().span;
            self.brackets -= 1;
            self.leave();
            return Ok(self.mk_seq(Vec::new(), SeqKind::Tuple, Some((open, close))));
        }
        if self.at_kw(Kw::Yield) {
            return Err(self.unexpected());
        }
        let first = self.star_named_expression()?;
        let e = if self.at_comp_for() {
            self.comprehension(CompKind::Generator, open, first, None, Op::RParen)?
        } else if self.at_op(Op::Comma) {
            self.display_rest(SeqKind::Tuple, open, first, Op::RParen)?
        } else {
            if !self.at_op(Op::RParen) {
                return Err(self.missing_comma(&first));
            }
            if matches!(first.kind, ExprKind::Starred(_)) {
                return Err(syntax(first.span, "cannot use starred expression here"));
            }
            self.advance();
            first
        };
        self.brackets -= 1;
        self.leave();
        Ok(e)
    }

    /// `[...]`: a list display or comprehension.
    fn list(&mut self) -> PResult<Expr> {
        let open = self.advance().span;
        self.brackets += 1;
        self.enter()?;
        let e = if self.at_op(Op::RBracket) {
            let close = self.advance().span;
            self.mk_seq(Vec::new(), SeqKind::List, Some((open, close)))
        } else {
            let first = self.star_named_expression()?;
            if self.at_comp_for() {
                self.comprehension(CompKind::List, open, first, None, Op::RBracket)?
            } else {
                self.display_rest(SeqKind::List, open, first, Op::RBracket)?
            }
        };
        self.brackets -= 1;
        self.leave();
        Ok(e)
    }

    /// `{...}`: a dict or set display or comprehension.
    fn brace(&mut self) -> PResult<Expr> {
        let open = self.advance().span;
        self.brackets += 1;
        self.enter()?;
        let e = if self.at_op(Op::RBrace) {
            let close = self.advance().span;
            mk_dict(Vec::new(), open.to(close))
        } else if self.at_op(Op::DoubleStar) {
            let star = self.advance().span;
            let e = self.binop(BP_BITOR)?;
            if self.at_comp_for() {
                return Err(syntax(
                    star.to(e.span),
                    "dict unpacking cannot be used in dict comprehension",
                ));
            }
            self.dict_rest(open, DictItem::Spread(e))?
        } else {
            let first = self.star_named_expression()?;
            if !self.at_op(Op::Colon) || matches!(first.kind, ExprKind::Starred(_)) {
                if self.at_comp_for() {
                    self.comprehension(CompKind::Set, open, first, None, Op::RBrace)?
                } else {
                    self.display_rest(SeqKind::Set, open, first, Op::RBrace)?
                }
            } else {
                self.advance();
                let value = self.expression()?;
                if self.at_comp_for() {
                    self.comprehension(CompKind::Dict, open, first, Some(value), Op::RBrace)?
                } else {
                    self.dict_rest(open, DictItem::Pair(first, value))?
                }
            }
        };
        self.brackets -= 1;
        self.leave();
        Ok(e)
    }

    /// The `for` clauses and closing bracket of a comprehension whose element is parsed.
    fn comprehension(
        &mut self,
        kind: CompKind,
        open: Span,
        elt: Expr,
        value: Option<Expr>,
        close: Op,
    ) -> PResult<Expr> {
        if matches!(elt.kind, ExprKind::Starred(_)) {
            return Err(syntax(
                elt.span,
                "iterable unpacking cannot be used in comprehension",
            ));
        }
        let generators = self.comp_for()?;
        if !self.at_op(close) {
            return Err(self.unexpected());
        }
        let close = self.advance().span;
        Ok(mk_comp(kind, elt, value, generators, open.to(close)))
    }

    /// The rest of a tuple, list or set display after its first element.
    fn display_rest(&mut self, kind: SeqKind, open: Span, first: Expr, close: Op) -> PResult<Expr> {
        let mut items = vec![first];
        while self.eat_op(Op::Comma) {
            if self.at_op(close) {
                break;
            }
            items.push(self.star_named_expression()?);
        }
        if !self.at_op(close) {
            return Err(self.items_missing_comma(&items));
        }
        let close = self.advance().span;
        Ok(self.mk_seq(items, kind, Some((open, close))))
    }

    /// The rest of a dict display after its first item.
    fn dict_rest(&mut self, open: Span, first: DictItem) -> PResult<Expr> {
        let mut items = vec![first];
        while self.eat_op(Op::Comma) {
            if self.at_op(Op::RBrace) {
                break;
            }
            if self.eat_op(Op::DoubleStar) {
                items.push(DictItem::Spread(self.binop(BP_BITOR)?));
            } else {
                let key = self.expression()?;
                if !self.at_op(Op::Colon) {
                    return Err(self.unexpected());
                }
                self.advance();
                let value = self.expression()?;
                items.push(DictItem::Pair(key, value));
            }
        }
        if !self.at_op(Op::RBrace) {
            if let Some(DictItem::Pair(_, prev) | DictItem::Spread(prev)) = items.last() {
                return Err(self.missing_comma(prev));
            }
        }
        let close = self.advance().span;
        Ok(mk_dict(items, open.to(close)))
    }

    #[cold]
    fn items_missing_comma(&self, items: &[Expr]) -> CompileError {
        match items.last() {
            Some(prev) => self.missing_comma(prev),
            None => self.unexpected(),
        }
    }

    /// A tuple, list or set node: with `brackets` its span runs from the opening to the
    /// closing bracket, otherwise from the first to the last consumed token.
    #[inline(never)]
    fn mk_seq(&self, items: Vec<Expr>, kind: SeqKind, brackets: Option<(Span, Span)>) -> Expr {
        let span = match brackets {
            Some((open, close)) => open.to(close),
            None => match items.first() {
                Some(first) => self.span_from(first.span),
                None => self.span(),
            },
        };
        let kind = match kind {
            SeqKind::Tuple => ExprKind::Tuple(items),
            SeqKind::List => ExprKind::List(items),
            SeqKind::Set => ExprKind::Set(items),
        };
        Expr { kind, span }
    }

    /// A starred node `*inner` starting at `start`.
    #[inline(never)]
    fn mk_unary_like(&self, start: Span, inner: Expr, _unused: Option<()>) -> Expr {
        Expr {
            span: self.span_from(start),
            kind: ExprKind::Starred(Box::new(inner)),
        }
    }

    // ----- strings -----

    /// One or more adjacent string literals, concatenated.
    fn strings(&mut self) -> PResult<Expr> {
        let start = self.span();
        let mut parts: Vec<FPart> = Vec::new();
        let mut any_f = false;
        while let Tok::Str(s) = self.peek() {
            let tok_span = self.advance().span;
            if s.bytes {
                return Err(unsupported(tok_span, BYTES_MSG));
            }
            if s.fstring {
                any_f = true;
                self.fstring(s, tok_span, &mut parts)?;
            } else {
                let text = if s.raw {
                    s.body.clone()
                } else {
                    decode_escapes(&s.body).map_err(|e| {
                        if e.unsupported {
                            unsupported(tok_span, e.message)
                        } else {
                            syntax(tok_span, e.message)
                        }
                    })?
                };
                push_literal(&mut parts, &text);
            }
        }
        let span = self.span_from(start);
        if any_f {
            return Ok(Expr {
                kind: ExprKind::FString(parts),
                span,
            });
        }
        let text = match parts.pop() {
            Some(FPart::Literal(t)) => t,
            _ => String::new(),
        };
        Ok(Expr {
            kind: ExprKind::Str(text),
            span,
        })
    }

    fn fstring(&mut self, s: &StrTok, tok_span: Span, out: &mut Vec<FPart>) -> PResult<()> {
        let chars: Vec<char> = s.body.chars().collect();
        let mut pos = Vec::with_capacity(chars.len() + 1);
        let (mut line, mut col) = (s.body_line, s.body_column);
        for &c in &chars {
            pos.push((line, col));
            if c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        pos.push((line, col));
        let mut f = FStr {
            chars: &chars,
            pos: &pos,
            raw: s.raw,
            tok_span,
        };
        let mut i = 0;
        self.fstring_parts(&mut f, &mut i, 0, out)?;
        Ok(())
    }

    /// CPython 3.11's `fstring_find_literal_and_expr` loop, for one level.
    fn fstring_parts(
        &mut self,
        f: &mut FStr<'_>,
        i: &mut usize,
        recurse: u32,
        out: &mut Vec<FPart>,
    ) -> PResult<()> {
        let end = f.chars.len();
        loop {
            // Literal text up to a single brace.
            let lit_start = *i;
            let mut s = *i;
            let mut doubled = false;
            while s < end {
                let mut ch = f.chars[s];
                s += 1;
                if !f.raw && ch == '\\' && s < end {
                    ch = f.chars[s];
                    s += 1;
                    if ch == 'N' {
                        return Err(unsupported(
                            f.span_at(s - 2, s),
                            "`\\N{...}` escapes are not supported by racelab; write the character itself or use \\u",
                        ));
                    }
                }
                if ch == '{' || ch == '}' {
                    if recurse == 0 {
                        if s < end && f.chars[s] == ch {
                            doubled = true;
                            break;
                        }
                        if ch == '}' {
                            return Err(syntax(
                                f.span_at(s - 1, s),
                                "f-string: single '}' is not allowed",
                            ));
                        }
                    }
                    s -= 1;
                    break;
                }
            }
            if s > lit_start {
                let raw_text: String = f.chars[lit_start..s].iter().collect();
                let text = if f.raw {
                    raw_text
                } else {
                    decode_fstring_literal(&raw_text).map_err(|e| {
                        if e.unsupported {
                            unsupported(f.tok_span, e.message)
                        } else {
                            syntax(f.tok_span, e.message)
                        }
                    })?
                };
                push_literal(out, &text);
            }
            if doubled {
                *i = s + 1;
                continue;
            }
            *i = s;
            if *i >= end || f.chars[*i] == '}' {
                break;
            }
            // A replacement field at f.chars[*i] == '{'.
            self.fstring_field(f, i, recurse, out)?;
        }
        if recurse > 0 && (*i >= end || f.chars[*i] != '}') {
            return Err(syntax(f.span_at(end, end + 1), "f-string: expecting '}'"));
        }
        Ok(())
    }

    fn fstring_field(
        &mut self,
        f: &mut FStr<'_>,
        i: &mut usize,
        recurse: u32,
        out: &mut Vec<FPart>,
    ) -> PResult<()> {
        let end = f.chars.len();
        let brace = *i;
        if recurse >= 2 {
            return Err(syntax(
                f.span_at(brace, brace + 1),
                "f-string: expressions nested too deeply",
            ));
        }
        *i += 1;
        let expr_start = *i;
        let mut quote: Option<char> = None;
        let mut triple = false;
        let mut stack: Vec<char> = Vec::new();
        while *i < end {
            let ch = f.chars[*i];
            if ch == '\\' {
                return Err(syntax(
                    f.span_at(*i, *i + 1),
                    "f-string expression part cannot include a backslash",
                ));
            }
            if let Some(q) = quote {
                if ch == q {
                    if triple {
                        if *i + 2 < end && f.chars[*i + 1] == ch && f.chars[*i + 2] == ch {
                            *i += 3;
                            quote = None;
                            continue;
                        }
                    } else {
                        quote = None;
                        *i += 1;
                        continue;
                    }
                }
                *i += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                if *i + 2 < end && f.chars[*i + 1] == ch && f.chars[*i + 2] == ch {
                    triple = true;
                    *i += 2;
                } else {
                    triple = false;
                }
                quote = Some(ch);
                *i += 1;
                continue;
            }
            if ch == '[' || ch == '(' || ch == '{' {
                if stack.len() >= 200 {
                    return Err(syntax(
                        f.span_at(*i, *i + 1),
                        "f-string: too many nested parenthesis",
                    ));
                }
                stack.push(ch);
                *i += 1;
                continue;
            }
            if ch == '#' {
                return Err(syntax(
                    f.span_at(*i, *i + 1),
                    "f-string expression part cannot include '#'",
                ));
            }
            if stack.is_empty() && matches!(ch, '!' | ':' | '}' | '=' | '<' | '>') {
                if *i + 1 < end {
                    let next = f.chars[*i + 1];
                    if matches!(ch, '!' | '=' | '<' | '>') && next == '=' {
                        *i += 2;
                        continue;
                    }
                }
                if ch == '<' || ch == '>' {
                    *i += 1;
                    continue;
                }
                break;
            }
            if ch == ']' || ch == '}' || ch == ')' {
                let Some(opening) = stack.pop() else {
                    return Err(syntax(
                        f.span_at(*i, *i + 1),
                        format!("f-string: unmatched '{ch}'"),
                    ));
                };
                let ok = matches!((opening, ch), ('(', ')') | ('[', ']') | ('{', '}'));
                if !ok {
                    return Err(syntax(
                        f.span_at(*i, *i + 1),
                        format!("f-string: closing parenthesis '{ch}' does not match opening parenthesis '{opening}'"),
                    ));
                }
            }
            *i += 1;
        }
        let expr_end = *i;
        if quote.is_some() {
            return Err(syntax(f.tok_span, "f-string: unterminated string"));
        }
        if let Some(open) = stack.last() {
            return Err(syntax(f.tok_span, format!("f-string: unmatched '{open}'")));
        }
        if *i >= end {
            return Err(syntax(f.span_at(end, end + 1), "f-string: expecting '}'"));
        }
        // Compile the expression first, as CPython does.
        let blank = f.chars[expr_start..expr_end]
            .iter()
            .all(|c| matches!(c, ' ' | '\t' | '\n' | '\x0c'));
        if blank {
            let c = f.chars[expr_end];
            let msg = if matches!(c, '!' | ':' | '=') {
                format!("f-string: expression required before '{c}'")
            } else {
                "f-string: empty expression not allowed".to_string()
            };
            return Err(syntax(f.span_at(expr_end, expr_end + 1), msg));
        }
        let expr = self.fstring_expr(f, expr_start, expr_end)?;
        let mut expr_text = None;
        if f.chars[*i] == '=' {
            *i += 1;
            while *i < end && matches!(f.chars[*i], ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c') {
                *i += 1;
            }
            if *i >= end {
                return Err(syntax(f.span_at(end, end + 1), "f-string: expecting '}'"));
            }
            expr_text = Some(f.chars[expr_start..*i].iter().collect::<String>());
        }
        let mut conversion = None;
        if f.chars[*i] == '!' {
            *i += 1;
            if *i >= end {
                return Err(syntax(f.span_at(end, end + 1), "f-string: expecting '}'"));
            }
            let c = f.chars[*i];
            *i += 1;
            if !matches!(c, 's' | 'r' | 'a') {
                return Err(syntax(
                    f.span_at(*i - 1, *i),
                    "f-string: invalid conversion character: expected 's', 'r', or 'a'",
                ));
            }
            conversion = Some(c);
        }
        let mut spec = None;
        if *i < end && f.chars[*i] == ':' {
            *i += 1;
            if *i >= end {
                return Err(syntax(f.span_at(end, end + 1), "f-string: expecting '}'"));
            }
            let mut parts = Vec::new();
            self.fstring_parts(f, i, recurse + 1, &mut parts)?;
            spec = Some(parts);
        }
        if *i >= end || f.chars[*i] != '}' {
            return Err(syntax(
                f.span_at((*i).min(end), (*i).min(end) + 1),
                "f-string: expecting '}'",
            ));
        }
        *i += 1;
        if let Some(text) = expr_text {
            push_literal(out, &text);
            if spec.is_none() && conversion.is_none() {
                conversion = Some('r');
            }
        }
        out.push(FPart::Field {
            expr: Box::new(expr),
            conversion,
            spec,
        });
        Ok(())
    }

    /// Parses the expression `f.chars[start..end]` of a replacement field, as CPython does
    /// (as if in parentheses), with positions in the enclosing source.
    fn fstring_expr(&mut self, f: &FStr<'_>, start: usize, end: usize) -> PResult<Expr> {
        let (line, col) = f.pos[start];
        let lexed = lexer::lex_chars(&f.chars[start..end], line, col, true);
        if let Some(e) = lexed.error {
            return Err(e);
        }
        let mut sub = Parser::new(&lexed.tokens, self.depth + 1);
        if sub.depth > MAX_DEPTH {
            return Err(syntax(f.tok_span, TOO_DEEP));
        }
        sub.brackets = 1;
        let mut e = sub.star_expressions()?;
        if sub.at_comp_for() && !matches!(e.kind, ExprKind::Tuple(_) | ExprKind::Starred(_)) {
            // CPython parses the field as `(expr)`: `f'{x for x in y}'` is a generator.
            let generators = sub.comp_for()?;
            let span = e.span.to(Span::new(
                sub.last_end.0,
                sub.last_end.1,
                sub.last_end.0,
                sub.last_end.1,
            ));
            e = mk_comp(CompKind::Generator, e, None, generators, span);
        }
        if !matches!(sub.peek(), Tok::EndMarker) {
            if sub.at_op(Op::ColonEqual) {
                return Err(unsupported(sub.span(), WALRUS_MSG));
            }
            return Err(sub.missing_comma(&e));
        }
        if matches!(e.kind, ExprKind::Starred(_)) {
            return Err(syntax(
                e.span,
                "f-string: cannot use starred expression here",
            ));
        }
        Ok(e)
    }
}

/// The characters of one f-string body and where each one is.
struct FStr<'a> {
    chars: &'a [char],
    pos: &'a [(u32, u32)],
    raw: bool,
    tok_span: Span,
}

impl FStr<'_> {
    /// The span of body characters `a..b` (on `a`'s line).
    fn span_at(&self, a: usize, b: usize) -> Span {
        let last = self.pos.len() - 1;
        let (l, c) = self.pos[a.min(last)];
        let (l2, c2) = self.pos[b.min(last)];
        if l2 == l && c2 > c {
            Span::new(l, c, l, c2)
        } else {
            Span::new(l, c, l, c + 1)
        }
    }
}

/// Decodes an f-string literal piece: like a string body, except that a lone trailing
/// backslash (before a brace, `f'\{x}'`) stays a backslash, as in CPython 3.11.
fn decode_fstring_literal(text: &str) -> Result<String, lexer::EscapeError> {
    let trailing = text.chars().rev().take_while(|&c| c == '\\').count();
    if trailing % 2 == 1 {
        let body = &text[..text.len() - 1];
        let mut s = decode_escapes(body)?;
        s.push('\\');
        return Ok(s);
    }
    decode_escapes(text)
}

fn push_literal(parts: &mut Vec<FPart>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(FPart::Literal(prev)) = parts.last_mut() {
        prev.push_str(text);
    } else {
        parts.push(FPart::Literal(text.to_string()));
    }
}

fn aug_op(op: Op) -> Option<BinOp> {
    Some(match op {
        Op::PlusEqual => BinOp::Add,
        Op::MinusEqual => BinOp::Sub,
        Op::StarEqual => BinOp::Mult,
        Op::SlashEqual => BinOp::Div,
        Op::DoubleSlashEqual => BinOp::FloorDiv,
        Op::PercentEqual => BinOp::Mod,
        Op::DoubleStarEqual => BinOp::Pow,
        Op::AmperEqual => BinOp::BitAnd,
        Op::VBarEqual => BinOp::BitOr,
        Op::CircumflexEqual => BinOp::BitXor,
        Op::LeftShiftEqual => BinOp::LShift,
        Op::RightShiftEqual => BinOp::RShift,
        _ => return None,
    })
}

trait ClampLine {
    fn clamp_line(self) -> Span;
}

impl ClampLine for Span {
    /// Errors underline one line: a span ending on a later line keeps its first line.
    fn clamp_line(self) -> Span {
        if self.end_line == self.line {
            self
        } else {
            Span::new(self.line, self.column, self.line, self.column + 1)
        }
    }
}

/// Binding powers of [`Parser::binop`], loosest first.
const BP_OR: u8 = 1;
const BP_AND: u8 = 2;
const BP_NOT: u8 = 3;
const BP_CMP: u8 = 4;
const BP_BITOR: u8 = 5;
// 6 `^`, 7 `&`, 8 shifts, 9 `+ -`, 10 `* / // % @`.
const BP_UNARY: u8 = 11;

/// The binding power of the infix operator at the current token (0 if none).
fn infix_bp(t: &Tok, next: &Tok) -> u8 {
    match t {
        Tok::Keyword(Kw::Or) => BP_OR,
        Tok::Keyword(Kw::And) => BP_AND,
        Tok::Keyword(Kw::In | Kw::Is) => BP_CMP,
        Tok::Keyword(Kw::Not) if matches!(next, Tok::Keyword(Kw::In)) => BP_CMP,
        Tok::Op(op) => match op {
            Op::EqEqual
            | Op::NotEqual
            | Op::Less
            | Op::LessEqual
            | Op::Greater
            | Op::GreaterEqual => BP_CMP,
            Op::VBar => 5,
            Op::Circumflex => 6,
            Op::Amper => 7,
            Op::LeftShift | Op::RightShift => 8,
            Op::Plus | Op::Minus => 9,
            Op::Star | Op::Slash | Op::DoubleSlash | Op::Percent | Op::At => 10,
            _ => 0,
        },
        _ => 0,
    }
}

#[derive(Default)]
struct ArgState {
    seen_keyword: bool,
    seen_double: bool,
    keywords: Vec<String>,
}

#[derive(Clone, Copy)]
enum SeqKind {
    Tuple,
    List,
    Set,
}

#[derive(Clone, Copy)]
enum CompKind {
    Generator,
    List,
    Set,
    Dict,
}

#[inline(never)]
fn mk_binop(left: Expr, op: BinOp, right: Expr) -> Expr {
    let span = left.span.to(right.span);
    Expr {
        kind: ExprKind::BinOp {
            left: Box::new(left),
            op,
            right: Box::new(right),
        },
        span,
    }
}

#[inline(never)]
fn mk_unary(op: UnaryOp, operand: Expr, span: Span) -> Expr {
    Expr {
        kind: ExprKind::UnaryOp {
            op,
            operand: Box::new(operand),
        },
        span,
    }
}

#[inline(never)]
fn mk_boolop(op: BoolOp, values: Vec<Expr>) -> Expr {
    let span = match (values.first(), values.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => Span::default(),
    };
    Expr {
        kind: ExprKind::BoolOp { op, values },
        span,
    }
}

#[inline(never)]
fn mk_compare(left: Expr, ops: Vec<(CmpOp, Expr)>) -> Expr {
    let span = match ops.last() {
        Some((_, last)) => left.span.to(last.span),
        None => left.span,
    };
    Expr {
        kind: ExprKind::Compare {
            left: Box::new(left),
            ops,
        },
        span,
    }
}

#[inline(never)]
fn mk_ifexp(test: Expr, body: Expr, orelse: Expr) -> Expr {
    let span = body.span.to(orelse.span);
    Expr {
        kind: ExprKind::IfExp {
            test: Box::new(test),
            body: Box::new(body),
            orelse: Box::new(orelse),
        },
        span,
    }
}

#[inline(never)]
fn mk_lambda(params: Params, body: Expr, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Lambda {
            params: Box::new(params),
            body: Box::new(body),
        },
        span,
    }
}

#[inline(never)]
fn mk_attribute(value: Expr, attr: String, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Attribute {
            value: Box::new(value),
            attr,
        },
        span,
    }
}

#[inline(never)]
fn mk_call(func: Expr, args: Vec<Arg>, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Call {
            func: Box::new(func),
            args,
        },
        span,
    }
}

#[inline(never)]
fn mk_subscript(value: Expr, index: Expr, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Subscript {
            value: Box::new(value),
            index: Box::new(index),
        },
        span,
    }
}

#[inline(never)]
fn mk_slice(lower: Option<Expr>, upper: Option<Expr>, step: Option<Expr>, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Slice {
            lower: lower.map(Box::new),
            upper: upper.map(Box::new),
            step: step.map(Box::new),
        },
        span,
    }
}

#[inline(never)]
fn mk_dict(items: Vec<DictItem>, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Dict(items),
        span,
    }
}

#[inline(never)]
fn mk_comp(
    kind: CompKind,
    elt: Expr,
    value: Option<Expr>,
    generators: Vec<Comprehension>,
    span: Span,
) -> Expr {
    let kind = match (kind, value) {
        (CompKind::Dict, Some(value)) => ExprKind::DictComp {
            key: Box::new(elt),
            value: Box::new(value),
            generators,
        },
        (CompKind::List, _) => ExprKind::ListComp {
            elt: Box::new(elt),
            generators,
        },
        (CompKind::Set, _) => ExprKind::SetComp {
            elt: Box::new(elt),
            generators,
        },
        _ => ExprKind::GeneratorExp {
            elt: Box::new(elt),
            generators,
        },
    };
    Expr { kind, span }
}
