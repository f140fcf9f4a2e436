//! Scope analysis: which names are locals, cells, free variables, globals or built-ins, as
//! CPython's symtable decides (class bodies do not give bindings to the functions inside
//! them; comprehensions have their own scope).

use std::collections::{HashMap, HashSet};

use crate::ast::*;
use crate::error::{CompileError, ErrorKind};

/// What kind of scope.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ScopeKind {
    /// The module.
    Module,
    /// A `def` or `lambda`.
    Function,
    /// A class body.
    Class,
    /// A comprehension or generator expression.
    Comprehension,
}

/// One scope's names.
#[derive(Debug)]
pub struct Scope {
    /// Its kind.
    pub kind: ScopeKind,
    /// Parameters in slot order.
    pub params: Vec<String>,
    /// Names bound here, in order of first binding (parameters first).
    pub assigned: Vec<String>,
    assigned_set: HashSet<String>,
    /// Names read here.
    pub used: HashSet<String>,
    /// `global` declarations.
    pub globals: HashSet<String>,
    /// `nonlocal` declarations (with where they were written).
    pub nonlocals: Vec<(String, Span)>,
    /// Child scopes (keys).
    pub children: Vec<usize>,
    /// Locals captured by inner scopes.
    pub cells: HashSet<String>,
    /// Free variables, in slot order.
    pub frees: Vec<String>,
    /// Whether the scope uses a name `super` (for zero-argument `super()`).
    pub uses_super: bool,
}

impl Scope {
    fn new(kind: ScopeKind) -> Scope {
        Scope {
            kind,
            params: Vec::new(),
            assigned: Vec::new(),
            assigned_set: HashSet::new(),
            used: HashSet::new(),
            globals: HashSet::new(),
            nonlocals: Vec::new(),
            children: Vec::new(),
            cells: HashSet::new(),
            frees: Vec::new(),
            uses_super: false,
        }
    }

    fn bind(&mut self, name: &str) {
        if self.assigned_set.insert(name.to_string()) {
            self.assigned.push(name.to_string());
        }
    }

    /// Whether `name` is a local (or cell) of this function-like scope.
    pub fn is_local(&self, name: &str) -> bool {
        self.assigned_set.contains(name)
            && !self.globals.contains(name)
            && !self.nonlocals.iter().any(|(n, _)| n == name)
    }

    /// Whether the class body (or module) binds `name`.
    pub fn binds(&self, name: &str) -> bool {
        self.assigned_set.contains(name)
    }
}

/// The scopes of a module, keyed by the address of their AST node.
pub struct Scopes {
    /// All scopes.
    pub map: HashMap<usize, Scope>,
    /// Names bound at module level or declared `global` anywhere.
    pub module_globals: HashSet<String>,
}

/// The key of a node.
pub fn key<T>(node: &T) -> usize {
    node as *const T as usize
}

/// The key of the module scope.
pub const MODULE_KEY: usize = 0;

struct Collector {
    map: HashMap<usize, Scope>,
    stack: Vec<usize>,
    module_globals: HashSet<String>,
    depth: u32,
}

const MAX_DEPTH: u32 = 150;

fn err_at(span: Span, msg: impl Into<String>) -> CompileError {
    CompileError::new(
        ErrorKind::Syntax,
        msg,
        span.line,
        span.column,
        span.end_column,
    )
}

impl Collector {
    fn cur(&mut self) -> &mut Scope {
        let k = *self.stack.last().unwrap_or(&MODULE_KEY);
        self.map
            .entry(k)
            .or_insert_with(|| Scope::new(ScopeKind::Module))
    }

    fn bind(&mut self, name: &str) {
        self.cur().bind(name);
    }

    fn use_name(&mut self, name: &str) {
        let s = self.cur();
        s.used.insert(name.to_string());
        if name == "super" {
            s.uses_super = true;
        }
    }

    fn push(&mut self, k: usize, kind: ScopeKind) {
        let parent = *self.stack.last().unwrap_or(&MODULE_KEY);
        if let Some(p) = self.map.get_mut(&parent) {
            p.children.push(k);
        }
        self.map.insert(k, Scope::new(kind));
        self.stack.push(k);
    }

    fn pop(&mut self) {
        self.stack.pop();
    }

    fn target(&mut self, t: &Target) -> Result<(), CompileError> {
        match &t.kind {
            TargetKind::Name(n) => self.bind(n),
            TargetKind::Attribute { value, .. } => self.expr(value)?,
            TargetKind::Subscript { value, index } => {
                self.expr(value)?;
                self.expr(index)?;
            }
            TargetKind::Tuple(ts) => {
                for t in ts {
                    self.target(t)?;
                }
            }
            TargetKind::Starred(t) => self.target(t)?,
        }
        Ok(())
    }

    fn del_target(&mut self, t: &Target) -> Result<(), CompileError> {
        self.target(t)
    }

    fn params(&mut self, p: &Params) -> Result<(), CompileError> {
        let s = self.cur();
        for a in p.posonly.iter().chain(p.args.iter()) {
            s.params.push(a.name.clone());
        }
        for a in &p.kwonly {
            s.params.push(a.name.clone());
        }
        if let Some(a) = &p.vararg {
            s.params.push(a.name.clone());
        }
        if let Some(a) = &p.kwarg {
            s.params.push(a.name.clone());
        }
        let names = s.params.clone();
        for n in names {
            self.bind(&n);
        }
        Ok(())
    }

    fn defaults(&mut self, p: &Params) -> Result<(), CompileError> {
        for a in p.posonly.iter().chain(p.args.iter()).chain(p.kwonly.iter()) {
            if let Some(d) = &a.default {
                self.expr(d)?;
            }
        }
        Ok(())
    }

    fn body(&mut self, stmts: &[Stmt]) -> Result<(), CompileError> {
        for s in stmts {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), CompileError> {
        match &s.kind {
            StmtKind::Expr(e) => self.expr(e)?,
            StmtKind::Assign { targets, value } => {
                self.expr(value)?;
                for t in targets {
                    self.target(t)?;
                }
            }
            StmtKind::AugAssign { target, value, .. } => {
                if let TargetKind::Name(n) = &target.kind {
                    self.use_name(n);
                }
                self.target(target)?;
                self.expr(value)?;
            }
            StmtKind::AnnAssign { target, value, .. } => {
                if let Some(v) = value {
                    self.expr(v)?;
                }
                self.target(target)?;
            }
            StmtKind::Pass | StmtKind::Break | StmtKind::Continue => {}
            StmtKind::Return(v) => {
                if let Some(v) = v {
                    self.expr(v)?;
                }
            }
            StmtKind::Raise { exc, cause } => {
                if let Some(e) = exc {
                    self.expr(e)?;
                }
                if let Some(c) = cause {
                    self.expr(c)?;
                }
            }
            StmtKind::Global(names) => {
                let is_module = self.stack.is_empty();
                for n in names {
                    if !is_module {
                        self.cur().globals.insert(n.clone());
                    }
                    self.module_globals.insert(n.clone());
                }
            }
            StmtKind::Nonlocal(names) => {
                if self.stack.is_empty() {
                    return Err(err_at(
                        s.span,
                        "nonlocal declaration not allowed at module level",
                    ));
                }
                for n in names {
                    self.cur().nonlocals.push((n.clone(), s.span));
                }
            }
            StmtKind::Delete(ts) => {
                for t in ts {
                    self.del_target(t)?;
                }
            }
            StmtKind::Assert { test, msg } => {
                self.expr(test)?;
                if let Some(m) = msg {
                    self.expr(m)?;
                }
            }
            StmtKind::Import(aliases) => {
                for a in aliases {
                    let bound = match &a.asname {
                        Some(n) => n.clone(),
                        None => a.name.split('.').next().unwrap_or(&a.name).to_string(),
                    };
                    self.bind(&bound);
                }
            }
            StmtKind::ImportFrom { names, .. } => {
                for a in names {
                    self.bind(a.asname.as_ref().unwrap_or(&a.name));
                }
            }
            StmtKind::If { test, body, orelse } | StmtKind::While { test, body, orelse } => {
                self.expr(test)?;
                self.body(body)?;
                self.body(orelse)?;
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                self.expr(iter)?;
                self.target(target)?;
                self.body(body)?;
                self.body(orelse)?;
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                self.body(body)?;
                for h in handlers {
                    if let Some(t) = &h.typ {
                        self.expr(t)?;
                    }
                    if let Some(n) = &h.name {
                        self.bind(n);
                    }
                    self.body(&h.body)?;
                }
                self.body(orelse)?;
                self.body(finalbody)?;
            }
            StmtKind::With { items, body } => {
                for it in items {
                    self.expr(&it.context)?;
                    if let Some(t) = &it.target {
                        self.target(t)?;
                    }
                }
                self.body(body)?;
            }
            StmtKind::FunctionDef(f) => {
                self.defaults(&f.params)?;
                self.bind(&f.name);
                self.push(key(&**f), ScopeKind::Function);
                self.params(&f.params)?;
                self.body(&f.body)?;
                self.pop();
            }
            StmtKind::ClassDef(c) => {
                for b in &c.bases {
                    self.expr(b)?;
                }
                self.bind(&c.name);
                self.push(key(&**c), ScopeKind::Class);
                self.body(&c.body)?;
                self.pop();
            }
        }
        Ok(())
    }

    fn comp(
        &mut self,
        e: &Expr,
        gens: &[Comprehension],
        elts: &[&Expr],
    ) -> Result<(), CompileError> {
        if let Some(first) = gens.first() {
            self.expr(&first.iter)?;
        }
        self.push(key(e), ScopeKind::Comprehension);
        self.cur().params.push(".0".to_string());
        self.bind(".0");
        for (i, g) in gens.iter().enumerate() {
            if i > 0 {
                self.expr(&g.iter)?;
            }
            self.target(&g.target)?;
            for c in &g.ifs {
                self.expr(c)?;
            }
        }
        for x in elts {
            self.expr(x)?;
        }
        self.pop();
        Ok(())
    }

    fn expr(&mut self, e: &Expr) -> Result<(), CompileError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(CompileError::new(
                ErrorKind::Unsupported,
                "expression too deeply nested for racelab",
                e.span.line,
                e.span.column,
                e.span.end_column,
            ));
        }
        let r = self.expr_inner(e);
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self, e: &Expr) -> Result<(), CompileError> {
        match &e.kind {
            ExprKind::Name(n) => self.use_name(n),
            ExprKind::Int(_)
            | ExprKind::BigInt(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Ellipsis => {}
            ExprKind::FString(parts) => self.fparts(parts)?,
            ExprKind::Tuple(xs) | ExprKind::List(xs) | ExprKind::Set(xs) => {
                for x in xs {
                    self.expr(x)?;
                }
            }
            ExprKind::Dict(items) => {
                for it in items {
                    match it {
                        DictItem::Pair(k, v) => {
                            self.expr(k)?;
                            self.expr(v)?;
                        }
                        DictItem::Spread(x) => self.expr(x)?,
                    }
                }
            }
            ExprKind::Starred(x) => self.expr(x)?,
            ExprKind::BinOp { left, right, .. } => {
                self.expr(left)?;
                self.expr(right)?;
            }
            ExprKind::UnaryOp { operand, .. } => self.expr(operand)?,
            ExprKind::BoolOp { values, .. } => {
                for v in values {
                    self.expr(v)?;
                }
            }
            ExprKind::Compare { left, ops } => {
                self.expr(left)?;
                for (_, x) in ops {
                    self.expr(x)?;
                }
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test)?;
                self.expr(body)?;
                self.expr(orelse)?;
            }
            ExprKind::Lambda { params, body } => {
                self.defaults(params)?;
                self.push(key(e), ScopeKind::Function);
                self.params(params)?;
                self.expr(body)?;
                self.pop();
            }
            ExprKind::Call { func, args } => {
                self.expr(func)?;
                for a in args {
                    match a {
                        Arg::Positional(x) | Arg::Starred(x) | Arg::DoubleStarred(x) => {
                            self.expr(x)?
                        }
                        Arg::Keyword { value, .. } => self.expr(value)?,
                    }
                }
            }
            ExprKind::Attribute { value, .. } => self.expr(value)?,
            ExprKind::Subscript { value, index } => {
                self.expr(value)?;
                self.expr(index)?;
            }
            ExprKind::Slice { lower, upper, step } => {
                for x in [lower, upper, step].into_iter().flatten() {
                    self.expr(x)?;
                }
            }
            ExprKind::ListComp { elt, generators }
            | ExprKind::SetComp { elt, generators }
            | ExprKind::GeneratorExp { elt, generators } => self.comp(e, generators, &[elt])?,
            ExprKind::DictComp {
                key: k,
                value,
                generators,
            } => self.comp(e, generators, &[k, value])?,
        }
        Ok(())
    }

    fn fparts(&mut self, parts: &[FPart]) -> Result<(), CompileError> {
        for p in parts {
            if let FPart::Field { expr, spec, .. } = p {
                self.expr(expr)?;
                if let Some(s) = spec {
                    self.fparts(s)?;
                }
            }
        }
        Ok(())
    }
}

/// Analyzes a module.
pub fn analyze(module: &Module) -> Result<Scopes, CompileError> {
    let mut c = Collector {
        map: HashMap::new(),
        stack: Vec::new(),
        module_globals: HashSet::new(),
        depth: 0,
    };
    c.map.insert(MODULE_KEY, Scope::new(ScopeKind::Module));
    c.body(&module.body)?;
    let mut module_globals = c.module_globals;
    if let Some(m) = c.map.get(&MODULE_KEY) {
        module_globals.extend(m.assigned.iter().cloned());
    }
    let mut map = c.map;
    resolve(&mut map, MODULE_KEY, &HashSet::new())?;
    Ok(Scopes {
        map,
        module_globals,
    })
}

/// Decides cells and free variables; returns the free names `k` needs from outside.
fn resolve(
    map: &mut HashMap<usize, Scope>,
    k: usize,
    enclosing: &HashSet<String>,
) -> Result<Vec<String>, CompileError> {
    let (kind, children, locals, used, nonlocals, globals) = {
        let Some(s) = map.get(&k) else {
            return Ok(Vec::new());
        };
        let locals: HashSet<String> = match s.kind {
            ScopeKind::Function | ScopeKind::Comprehension => s
                .assigned
                .iter()
                .filter(|n| s.is_local(n))
                .cloned()
                .collect(),
            _ => HashSet::new(),
        };
        (
            s.kind,
            s.children.clone(),
            locals,
            s.used.clone(),
            s.nonlocals.clone(),
            s.globals.clone(),
        )
    };
    for (n, span) in &nonlocals {
        if !enclosing.contains(n) {
            return Err(err_at(
                *span,
                format!("no binding for nonlocal '{n}' found"),
            ));
        }
    }
    let child_enclosing: HashSet<String> = match kind {
        ScopeKind::Function | ScopeKind::Comprehension => {
            let mut e = enclosing.clone();
            for n in &globals {
                e.remove(n);
            }
            e.extend(locals.iter().cloned());
            e
        }
        ScopeKind::Class => enclosing.clone(),
        ScopeKind::Module => HashSet::new(),
    };
    let mut frees: Vec<String> = Vec::new();
    let add_free = |frees: &mut Vec<String>, n: &str| {
        if !frees.iter().any(|f| f == n) {
            frees.push(n.to_string());
        }
    };
    let mut cells: HashSet<String> = HashSet::new();
    for c in children {
        let child_free = resolve(map, c, &child_enclosing)?;
        for n in child_free {
            if locals.contains(&n) {
                cells.insert(n);
            } else {
                add_free(&mut frees, &n);
            }
        }
    }
    if kind != ScopeKind::Module {
        let mut names: Vec<String> = used.iter().cloned().collect();
        names.sort();
        for (n, _) in &nonlocals {
            names.push(n.clone());
        }
        for n in names {
            if globals.contains(&n) || locals.contains(&n) {
                continue;
            }
            if kind == ScopeKind::Class {
                if let Some(s) = map.get(&k) {
                    if s.binds(&n) {
                        continue;
                    }
                }
            }
            if enclosing.contains(&n) {
                add_free(&mut frees, &n);
            }
        }
    }
    if let Some(s) = map.get_mut(&k) {
        s.cells = cells;
        s.frees = frees.clone();
    }
    Ok(frees)
}
