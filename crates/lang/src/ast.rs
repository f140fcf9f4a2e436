//! The typed syntax tree the [`parser`](crate::parser) produces and the compiler consumes.
//!
//! The shapes follow CPython's `ast` module closely enough that a reader who knows Python's
//! grammar finds their way, but they are narrowed to racelab's subset: constructs racelab
//! refuses (`yield`, `async`, decorators, `match`, `:=`, ...) never reach the tree.
//!
//! Every [`Stmt`] and [`Expr`] carries a [`Span`] with 1-based lines and 1-based character
//! (not byte) columns, so that the compiler can report its own [`CompileError`]s
//! (`'return' outside function`, ...) at the right place.
//!
//! Assignment targets (of `=`, augmented assignment, `for`, `with ... as`, `del`,
//! comprehensions) are a separate type, [`Target`], so that loads and stores never mix.
//!
//! [`CompileError`]: crate::error::CompileError

/// A source range: 1-based line and character column of its first character, and the line
/// and column just after its last character (`end_column` is exclusive, as CPython's
/// `end_col_offset` is, but 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Line of the first character (1-based).
    pub line: u32,
    /// Column of the first character (1-based, counted in characters).
    pub column: u32,
    /// Line of the last character (1-based).
    pub end_line: u32,
    /// Column just after the last character (1-based, counted in characters, exclusive).
    pub end_column: u32,
}

impl Span {
    /// A span from its four coordinates.
    pub fn new(line: u32, column: u32, end_line: u32, end_column: u32) -> Span {
        Span {
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// The smallest span covering `self` and `other` (`self` must start first).
    pub fn to(self, other: Span) -> Span {
        Span {
            line: self.line,
            column: self.column,
            end_line: other.end_line,
            end_column: other.end_column,
        }
    }
}

/// A whole program: the statements of one source file.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    /// The top-level statements, in order.
    pub body: Vec<Stmt>,
}

/// A statement and where it is in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    /// What the statement is.
    pub kind: StmtKind,
    /// From its first token to the end of its last token (for compound statements, the end
    /// of the last statement of its last block).
    pub span: Span,
}

/// The statements of the subset.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// An expression evaluated for its effect, e.g. a call: `print(x)`.
    Expr(Expr),
    /// `a = b = value`: one or more targets (left to right), all assigned the same value.
    Assign {
        /// The targets, left to right (`a = b = 1` has two).
        targets: Vec<Target>,
        /// The value, evaluated once, before any target.
        value: Expr,
    },
    /// `target op= value`, e.g. `total += x`. The target is a name, attribute or subscript.
    AugAssign {
        /// The single target ([`TargetKind::Name`], `Attribute` or `Subscript`).
        target: Target,
        /// The operator (`+=` is [`BinOp::Add`]).
        op: BinOp,
        /// The right-hand side.
        value: Expr,
    },
    /// `target: annotation [= value]`. The annotation is kept but has no meaning in racelab.
    AnnAssign {
        /// The single target ([`TargetKind::Name`], `Attribute` or `Subscript`).
        target: Target,
        /// The annotation expression (never evaluated by racelab).
        annotation: Expr,
        /// The value, if any (`x: int` alone declares nothing at run time).
        value: Option<Expr>,
    },
    /// `pass`.
    Pass,
    /// `break`.
    Break,
    /// `continue`.
    Continue,
    /// `return [value]`; `return a, b` returns a [`ExprKind::Tuple`].
    Return(Option<Expr>),
    /// `raise [exc [from cause]]`.
    Raise {
        /// The exception (class or instance); `None` for a bare re-raise.
        exc: Option<Expr>,
        /// The `from` clause, if any.
        cause: Option<Expr>,
    },
    /// `global a, b`.
    Global(Vec<String>),
    /// `nonlocal a, b`.
    Nonlocal(Vec<String>),
    /// `del a, b[0], c.d`.
    Delete(Vec<Target>),
    /// `assert test [, msg]`.
    Assert {
        /// The condition.
        test: Expr,
        /// The message, evaluated only when the condition is false.
        msg: Option<Expr>,
    },
    /// `import a.b as c, d`.
    Import(Vec<Alias>),
    /// `from module import a, b as c` (absolute imports only; `*` is refused).
    ImportFrom {
        /// The dotted module name, e.g. `"os.path"`.
        module: String,
        /// The imported names.
        names: Vec<Alias>,
    },
    /// `if test: body else: orelse`; an `elif` is an [`StmtKind::If`] alone in `orelse`.
    If {
        /// The condition.
        test: Expr,
        /// The statements run when it is true.
        body: Vec<Stmt>,
        /// The `elif`/`else` statements (empty when there is none).
        orelse: Vec<Stmt>,
    },
    /// `while test: body else: orelse`.
    While {
        /// The condition.
        test: Expr,
        /// The loop body.
        body: Vec<Stmt>,
        /// The `else` block, run when the loop ends without `break` (empty if none).
        orelse: Vec<Stmt>,
    },
    /// `for target in iter: body else: orelse`.
    For {
        /// The loop variable(s).
        target: Target,
        /// The iterable (`for x in a, b:` iterates a [`ExprKind::Tuple`]).
        iter: Expr,
        /// The loop body.
        body: Vec<Stmt>,
        /// The `else` block, run when the loop ends without `break` (empty if none).
        orelse: Vec<Stmt>,
    },
    /// `try: body except ...: ... else: orelse finally: finalbody`.
    Try {
        /// The guarded block.
        body: Vec<Stmt>,
        /// The `except` clauses, in order (may be empty when there is a `finally`).
        handlers: Vec<ExceptHandler>,
        /// The `else` block (empty if none).
        orelse: Vec<Stmt>,
        /// The `finally` block (empty if none).
        finalbody: Vec<Stmt>,
    },
    /// `with a as b, c: body`.
    With {
        /// The context managers, entered left to right.
        items: Vec<WithItem>,
        /// The body.
        body: Vec<Stmt>,
    },
    /// `def name(params) -> returns: body`.
    FunctionDef(Box<FunctionDef>),
    /// `class name(bases): body`.
    ClassDef(Box<ClassDef>),
}

/// A function definition (the payload of [`StmtKind::FunctionDef`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    /// The function's name.
    pub name: String,
    /// Where the name is written (after `def`).
    pub name_span: Span,
    /// The parameters.
    pub params: Params,
    /// The return annotation after `->`, if any (kept, never evaluated by racelab).
    pub returns: Option<Expr>,
    /// The body.
    pub body: Vec<Stmt>,
}

/// A class definition (the payload of [`StmtKind::ClassDef`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassDef {
    /// The class's name.
    pub name: String,
    /// Where the name is written (after `class`).
    pub name_span: Span,
    /// The base classes, in order (keyword arguments such as `metaclass=` are refused).
    pub bases: Vec<Expr>,
    /// The body.
    pub body: Vec<Stmt>,
}

/// One name of an `import` or `from ... import` statement: `name [as asname]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Alias {
    /// The (for `import`, possibly dotted) name, e.g. `"a.b"`.
    pub name: String,
    /// The `as` name, if any.
    pub asname: Option<String>,
    /// From the name to the end of the `as` name.
    pub span: Span,
}

/// One `except` clause of a [`StmtKind::Try`].
#[derive(Debug, Clone, PartialEq)]
pub struct ExceptHandler {
    /// The exception class or tuple of classes; `None` for a bare `except:`.
    pub typ: Option<Expr>,
    /// The `as` name, if any.
    pub name: Option<String>,
    /// The handler's block.
    pub body: Vec<Stmt>,
    /// From `except` to the end of the block.
    pub span: Span,
}

/// One item of a [`StmtKind::With`]: `context [as target]`.
#[derive(Debug, Clone, PartialEq)]
pub struct WithItem {
    /// The context manager expression.
    pub context: Expr,
    /// The target bound to what `__enter__` returns, if any.
    pub target: Option<Target>,
}

/// The parameters of a `def` or `lambda`, in CPython's five groups.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params {
    /// Positional-only parameters (before `/`).
    pub posonly: Vec<Param>,
    /// Ordinary parameters (positional or keyword).
    pub args: Vec<Param>,
    /// `*args`, if any.
    pub vararg: Option<Param>,
    /// Keyword-only parameters (after `*args` or a bare `*`).
    pub kwonly: Vec<Param>,
    /// `**kwargs`, if any.
    pub kwarg: Option<Param>,
}

/// One parameter: `name [: annotation] [= default]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The parameter's name.
    pub name: String,
    /// The annotation, if any (always `None` in a lambda; kept, never evaluated).
    pub annotation: Option<Expr>,
    /// The default value, if any (always `None` for `*args` and `**kwargs`).
    pub default: Option<Expr>,
    /// Where the name is written.
    pub span: Span,
}

/// An assignment (or deletion) target and where it is in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// What is assigned to.
    pub kind: TargetKind,
    /// The target's extent in the source (parentheses excluded).
    pub span: Span,
}

/// What an assignment, `for`, `with ... as`, comprehension or `del` stores into.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetKind {
    /// A variable: `x = ...`.
    Name(String),
    /// An attribute: `obj.attr = ...`.
    Attribute {
        /// The object (evaluated as a load).
        value: Box<Expr>,
        /// The attribute's name.
        attr: String,
    },
    /// An item or slice: `a[i] = ...`, `a[1:3] = ...`.
    Subscript {
        /// The container (evaluated as a load).
        value: Box<Expr>,
        /// The index; an [`ExprKind::Slice`] for a slice, an [`ExprKind::Tuple`] for `a[i, j]`.
        index: Box<Expr>,
    },
    /// Unpacking into several targets: `a, b = ...`, `(a, b) = ...`, `[a, b] = ...`.
    /// At most one element is a [`TargetKind::Starred`].
    Tuple(Vec<Target>),
    /// `*rest` inside a [`TargetKind::Tuple`] (never elsewhere, never in `del`).
    Starred(Box<Target>),
}

/// An expression and where it is in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// Its extent in the source. A parenthesized expression's span excludes the
    /// parentheses, except for tuples written with them (`(1, 2)`, `()`), as in CPython.
    pub span: Span,
}

/// The expressions of the subset.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A variable read: `x`.
    Name(String),
    /// An integer literal that fits in an `i64` (literals are never negative: `-5` is a
    /// [`UnaryOp::Neg`] of `5`).
    Int(i64),
    /// An integer literal too large for an `i64`, as its decimal digits (e.g.
    /// `"9223372036854775808"` for that literal or for `0x8000000000000000`), so that the
    /// compiler can fold `-9223372036854775808` or raise OverflowError.
    BigInt(String),
    /// A float literal (`1.5`, `.5`, `1e9`; too large ones are infinity, as in CPython).
    Float(f64),
    /// A string literal after escape processing and concatenation of adjacent literals.
    Str(String),
    /// An f-string (or a concatenation involving at least one f-string), as its parts.
    FString(Vec<FPart>),
    /// `True` or `False`.
    Bool(bool),
    /// `None`.
    None,
    /// `...`.
    Ellipsis,
    /// A tuple display: `(a, b)`, `a, b`, `()`, `(a,)`; elements may be [`ExprKind::Starred`].
    Tuple(Vec<Expr>),
    /// A list display `[a, b]`; elements may be [`ExprKind::Starred`].
    List(Vec<Expr>),
    /// A set display `{a, b}` (never empty: `{}` is a dict); elements may be starred.
    Set(Vec<Expr>),
    /// A dict display `{k: v, **other}`.
    Dict(Vec<DictItem>),
    /// `*x` inside a tuple, list or set display (call arguments use [`Arg::Starred`]).
    Starred(Box<Expr>),
    /// A binary operation `left op right`.
    BinOp {
        /// The left operand.
        left: Box<Expr>,
        /// The operator.
        op: BinOp,
        /// The right operand.
        right: Box<Expr>,
    },
    /// A unary operation `op operand` (`not x` is [`UnaryOp::Not`]).
    UnaryOp {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// `a and b and c` or `a or b`: two or more operands, short-circuit evaluated.
    BoolOp {
        /// `and` or `or`.
        op: BoolOp,
        /// The operands, left to right (at least two).
        values: Vec<Expr>,
    },
    /// A (possibly chained) comparison `left op1 c1 op2 c2 ...`: `a < b < c` is one node.
    Compare {
        /// The leftmost operand.
        left: Box<Expr>,
        /// The operators and their right operands, left to right (at least one).
        ops: Vec<(CmpOp, Expr)>,
    },
    /// `body if test else orelse`.
    IfExp {
        /// The condition.
        test: Box<Expr>,
        /// The value when true.
        body: Box<Expr>,
        /// The value when false.
        orelse: Box<Expr>,
    },
    /// `lambda params: body`.
    Lambda {
        /// The parameters (no annotations).
        params: Box<Params>,
        /// The body expression.
        body: Box<Expr>,
    },
    /// A call `func(args)`.
    Call {
        /// The callee.
        func: Box<Expr>,
        /// The arguments in source order (CPython's ordering rules already checked).
        args: Vec<Arg>,
    },
    /// An attribute read `value.attr`.
    Attribute {
        /// The object.
        value: Box<Expr>,
        /// The attribute's name.
        attr: String,
    },
    /// A subscript read `value[index]`.
    Subscript {
        /// The container.
        value: Box<Expr>,
        /// The index; an [`ExprKind::Slice`] for a slice, a [`ExprKind::Tuple`] for `a[i, j]`
        /// (whose elements may be slices).
        index: Box<Expr>,
    },
    /// `lower:upper:step` with any part omitted; only directly inside a subscript's index
    /// (or an element of a tuple index).
    Slice {
        /// The start, if written.
        lower: Option<Box<Expr>>,
        /// The stop, if written.
        upper: Option<Box<Expr>>,
        /// The step, if written.
        step: Option<Box<Expr>>,
    },
    /// `[elt for ... in ... if ...]`.
    ListComp {
        /// The element expression.
        elt: Box<Expr>,
        /// The `for` clauses, outermost first.
        generators: Vec<Comprehension>,
    },
    /// `{elt for ... in ...}`.
    SetComp {
        /// The element expression.
        elt: Box<Expr>,
        /// The `for` clauses, outermost first.
        generators: Vec<Comprehension>,
    },
    /// `{key: value for ... in ...}`.
    DictComp {
        /// The key expression.
        key: Box<Expr>,
        /// The value expression.
        value: Box<Expr>,
        /// The `for` clauses, outermost first.
        generators: Vec<Comprehension>,
    },
    /// `(elt for ... in ...)`, also the sole argument in `sum(x for x in y)`.
    GeneratorExp {
        /// The element expression.
        elt: Box<Expr>,
        /// The `for` clauses, outermost first.
        generators: Vec<Comprehension>,
    },
}

/// One `for target in iter if cond ...` clause of a comprehension.
#[derive(Debug, Clone, PartialEq)]
pub struct Comprehension {
    /// The loop variable(s).
    pub target: Target,
    /// The iterable.
    pub iter: Expr,
    /// The `if` conditions, in order (all must hold).
    pub ifs: Vec<Expr>,
}

/// One item of a dict display.
#[derive(Debug, Clone, PartialEq)]
pub enum DictItem {
    /// `key: value`.
    Pair(Expr, Expr),
    /// `**mapping`.
    Spread(Expr),
}

/// One argument of a call, in source order.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// `f(x)`.
    Positional(Expr),
    /// `f(*xs)`.
    Starred(Expr),
    /// `f(name=value)`.
    Keyword {
        /// The keyword.
        name: String,
        /// The value.
        value: Expr,
        /// From the keyword to the end of the value.
        span: Span,
    },
    /// `f(**mapping)`.
    DoubleStarred(Expr),
}

/// One piece of an f-string.
#[derive(Debug, Clone, PartialEq)]
pub enum FPart {
    /// Literal text (escapes processed, `{{` already `{`). For `{x=}` the expression's
    /// source text and the `=` (with surrounding whitespace) are literal text too.
    Literal(String),
    /// A replacement field `{expr!conversion:spec}`.
    Field {
        /// The expression.
        expr: Box<Expr>,
        /// `'r'`, `'s'` or `'a'` (`{x=}` without conversion and spec gets `'r'`).
        conversion: Option<char>,
        /// The format spec after `:`, itself literal text and nested fields
        /// (`{x:{width}.{prec}f}`); `Some(vec![])` for an empty spec `{x:}`.
        spec: Option<Vec<FPart>>,
    },
}

/// Binary operators (also the operator of an augmented assignment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mult,
    /// `/`
    Div,
    /// `//`
    FloorDiv,
    /// `%`
    Mod,
    /// `**`
    Pow,
    /// `<<`
    LShift,
    /// `>>`
    RShift,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `&`
    BitAnd,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `not`
    Not,
    /// `-`
    Neg,
    /// `+`
    Pos,
    /// `~`
    Invert,
}

/// Short-circuit boolean operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoolOp {
    /// `and`
    And,
    /// `or`
    Or,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtE,
    /// `>`
    Gt,
    /// `>=`
    GtE,
    /// `is`
    Is,
    /// `is not`
    IsNot,
    /// `in`
    In,
    /// `not in`
    NotIn,
}
