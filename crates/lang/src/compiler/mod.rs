//! The compiler: AST to bytecode ([`crate::bytecode`]).
//!
//! Names are resolved at compile time ([`scope`]): locals and cells to frame slots, globals
//! to module slots, built-ins to a table index. `try`/`finally`, `with` and `except`
//! compile as CPython 3.11 does: an exception table instead of setup instructions, and
//! `finally` bodies copied onto every way out (`return`, `break`, `continue`).
//!
//! Refused at compile time (with line and column): modules racelab does not offer,
//! built-ins that cannot work in racelab (`open`, `input`, `eval`...), multiple
//! inheritance, `return`/`break`/`continue` outside a function or loop, `nonlocal` without
//! a binding.

pub mod scope;
pub mod stable;

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{self, *};
use crate::bytecode::{self, BinOp as BOp, CmpOp as COp, Code, CodeKind, Handler, Op, UnOp};
use crate::error::{CompileError, ErrorKind};
use crate::vm::builtins::{builtin_index, REFUSED};
use crate::vm::names::Interner;
use crate::vm::value::{PyStr, Tuple, Value};
use crate::vm::Program;
use scope::{key, Scope, ScopeKind, Scopes, MODULE_KEY};

/// Parses and compiles a program.
pub fn compile(source: &str, filename: &str) -> Result<Program, CompileError> {
    let module = crate::parser::parse(source)?;
    compile_module(&module, source, filename)
}

/// Compiles a parsed module.
pub fn compile_module(
    module: &ast::Module,
    source: &str,
    filename: &str,
) -> Result<Program, CompileError> {
    let scopes = scope::analyze(module)?;
    let mut g = Globals {
        names: Vec::new(),
        map: HashMap::new(),
        interner: Interner::default(),
        codes: Vec::new(),
    };
    let code = {
        let scope = scopes.map.get(&MODULE_KEY);
        let Some(scope) = scope else {
            return Err(CompileError::new(
                ErrorKind::Syntax,
                "internal: no module scope",
                1,
                1,
                2,
            ));
        };
        let mut u = Unit::new(
            &scopes,
            scope,
            CodeKind::Module,
            "<module>".into(),
            "<module>".into(),
            &mut g,
            1,
        );
        u.body(&module.body)?;
        u.emit(Op::Halt);
        let c = u.finish(Vec::new(), 0, 0, false, false);
        g.register(c)
    };
    let global_builtins = g
        .names
        .iter()
        .map(|n| builtin_index(n).map(|i| i as u32))
        .collect();
    let stable = stable::stable_globals(module);
    let stable_globals = g.names.iter().map(|n| stable.contains(n)).collect();
    let interner = g.interner;
    let globals = g.names.iter().map(|n| interner.intern(n)).collect();
    Ok(Program::new(bytecode::Module {
        code,
        codes: g.codes,
        globals,
        global_builtins,
        stable_globals,
        interner,
        source: source.into(),
        filename: filename.into(),
    }))
}

struct Globals {
    names: Vec<String>,
    map: HashMap<String, u32>,
    interner: Interner,
    codes: Vec<Arc<Code>>,
}

impl Globals {
    /// Registers a finished code object (giving it its id).
    fn register(&mut self, mut code: Code) -> Arc<Code> {
        code.id = self.codes.len() as u32;
        let a = Arc::new(code);
        self.codes.push(a.clone());
        a
    }
}

impl Globals {
    fn slot(&mut self, name: &str) -> u32 {
        if let Some(i) = self.map.get(name) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.map.insert(name.to_string(), i);
        i
    }
}

/// Where a name lives.
#[derive(Clone, Copy, Debug)]
enum Loc {
    Fast(u32),
    Deref(u32),
    Global(u32),
    Builtin(u32),
    /// Class body namespace (with the global slot to fall back to).
    Name(u32, u32),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Label(u32);

enum FBlock<'a> {
    Loop {
        cont: Label,
        brk: Label,
        /// Values the loop keeps on the stack (iterator, or range counters).
        pops: u32,
    },
    FinallyTry {
        body: &'a [Stmt],
        handlers: usize,
        depth: u32,
    },
    FinallyEnd {
        handlers: usize,
    },
    ExceptHandler {
        name: Option<String>,
        handlers: usize,
    },
    With {
        handlers: usize,
    },
}

impl FBlock<'_> {
    /// The handler-stack length outside this block.
    fn outer_handlers(&self) -> Option<usize> {
        match self {
            FBlock::Loop { .. } => None,
            FBlock::FinallyTry { handlers, .. }
            | FBlock::FinallyEnd { handlers }
            | FBlock::ExceptHandler { handlers, .. }
            | FBlock::With { handlers } => Some(*handlers),
        }
    }
}

struct Unit<'a, 'g> {
    scopes: &'a Scopes,
    scope: &'a Scope,
    kind: CodeKind,
    name: String,
    qualname: String,
    g: &'g mut Globals,
    ops: Vec<Op>,
    lines: Vec<u32>,
    handler_of: Vec<Option<(Label, u32)>>,
    consts: Vec<Value>,
    names: Vec<Arc<PyStr>>,
    name_map: HashMap<String, u32>,
    codes: Vec<Arc<Code>>,
    labels: Vec<u32>,
    /// Instructions before this index may not be fused with the next one (a label
    /// points here).
    barrier: usize,
    fixups: Vec<usize>,
    handlers: Vec<(Label, u32)>,
    fblocks: Vec<FBlock<'a>>,
    depth: u32,
    line: u32,
    slots: HashMap<String, u32>,
    varnames: Vec<String>,
    first_line: u32,
    expr_depth: u32,
}

fn unsupported(span: Span, msg: impl Into<String>) -> CompileError {
    CompileError::new(
        ErrorKind::Unsupported,
        msg,
        span.line,
        span.column,
        span.end_column,
    )
}

fn syntax(span: Span, msg: impl Into<String>) -> CompileError {
    CompileError::new(
        ErrorKind::Syntax,
        msg,
        span.line,
        span.column,
        span.end_column,
    )
}

fn const_str(s: &str) -> Value {
    Value::Str(Arc::new(PyStr::constant(s)))
}

fn bin_op(op: ast::BinOp) -> BOp {
    match op {
        ast::BinOp::Add => BOp::Add,
        ast::BinOp::Sub => BOp::Sub,
        ast::BinOp::Mult => BOp::Mul,
        ast::BinOp::Div => BOp::TrueDiv,
        ast::BinOp::FloorDiv => BOp::FloorDiv,
        ast::BinOp::Mod => BOp::Mod,
        ast::BinOp::Pow => BOp::Pow,
        ast::BinOp::LShift => BOp::LShift,
        ast::BinOp::RShift => BOp::RShift,
        ast::BinOp::BitOr => BOp::BitOr,
        ast::BinOp::BitXor => BOp::BitXor,
        ast::BinOp::BitAnd => BOp::BitAnd,
    }
}

fn cmp_op(op: ast::CmpOp) -> COp {
    match op {
        ast::CmpOp::Eq => COp::Eq,
        ast::CmpOp::NotEq => COp::Ne,
        ast::CmpOp::Lt => COp::Lt,
        ast::CmpOp::LtE => COp::Le,
        ast::CmpOp::Gt => COp::Gt,
        ast::CmpOp::GtE => COp::Ge,
        ast::CmpOp::Is => COp::Is,
        ast::CmpOp::IsNot => COp::IsNot,
        ast::CmpOp::In => COp::In,
        ast::CmpOp::NotIn => COp::NotIn,
    }
}

const MODULE_LIST: &str =
    "it offers threading, concurrent.futures, queue, time, random, datetime and racelab";

impl<'a, 'g> Unit<'a, 'g> {
    fn new(
        scopes: &'a Scopes,
        scope: &'a Scope,
        kind: CodeKind,
        name: String,
        qualname: String,
        g: &'g mut Globals,
        first_line: u32,
    ) -> Unit<'a, 'g> {
        let mut slots = HashMap::new();
        let mut varnames = Vec::new();
        if matches!(scope.kind, ScopeKind::Function | ScopeKind::Comprehension) {
            for p in &scope.params {
                if !slots.contains_key(p) {
                    slots.insert(p.clone(), varnames.len() as u32);
                    varnames.push(p.clone());
                }
            }
            for n in &scope.assigned {
                if scope.is_local(n) && !slots.contains_key(n) {
                    slots.insert(n.clone(), varnames.len() as u32);
                    varnames.push(n.clone());
                }
            }
        }
        for f in &scope.frees {
            if !slots.contains_key(f) {
                slots.insert(f.clone(), varnames.len() as u32);
                varnames.push(f.clone());
            }
        }
        Unit {
            scopes,
            scope,
            kind,
            name,
            qualname,
            g,
            ops: Vec::new(),
            lines: Vec::new(),
            handler_of: Vec::new(),
            consts: Vec::new(),
            names: Vec::new(),
            name_map: HashMap::new(),
            codes: Vec::new(),
            labels: Vec::new(),
            barrier: 0,
            fixups: Vec::new(),
            handlers: Vec::new(),
            fblocks: Vec::new(),
            depth: 0,
            line: first_line,
            slots,
            varnames,
            first_line,
            expr_depth: 0,
        }
    }

    // ----- emission -----

    fn emit(&mut self, op: Op) -> usize {
        // Superinstructions: fuse with the previous instruction when nothing jumps
        // between them and they share a line and a handler.
        let n = self.ops.len();
        if n > self.barrier
            && self.lines.last() == Some(&self.line)
            && self.handler_of.last().copied() == Some(self.handlers.last().copied())
        {
            let fused = match (self.ops[n - 1], op) {
                (Op::LoadFast(a), Op::LoadFast(b)) => Some(Op::LoadFast2(a, b)),
                (Op::Int(k), Op::Binary(b)) => Some(Op::BinaryInt(b, k)),
                (Op::Inplace(b), Op::StoreFast(x)) => Some(Op::InplaceStore(b, x)),
                _ => None,
            };
            if let Some(f) = fused {
                self.ops[n - 1] = f;
                return n - 1;
            }
        }
        self.ops.push(op);
        self.lines.push(self.line);
        self.handler_of.push(self.handlers.last().copied());
        self.ops.len() - 1
    }

    fn new_label(&mut self) -> Label {
        self.labels.push(u32::MAX);
        Label(self.labels.len() as u32 - 1)
    }

    fn bind(&mut self, l: Label) {
        if let Some(p) = self.labels.get_mut(l.0 as usize) {
            *p = self.ops.len() as u32;
        }
        self.barrier = self.ops.len();
    }

    fn jump(&mut self, make: fn(u32) -> Op, l: Label) {
        // `Compare` then a conditional jump: one instruction.
        let n = self.ops.len();
        if n > self.barrier
            && self.lines.last() == Some(&self.line)
            && self.handler_of.last().copied() == Some(self.handlers.last().copied())
        {
            if let Op::Compare(c) = self.ops[n - 1] {
                let fused = match make(0) {
                    Op::JumpIfFalse(_) => Some(Op::CmpJumpIfFalse(c, l.0)),
                    Op::JumpIfTrue(_) => Some(Op::CmpJumpIfTrue(c, l.0)),
                    _ => None,
                };
                if let Some(f) = fused {
                    self.ops[n - 1] = f;
                    self.fixups.push(n - 1);
                    return;
                }
            }
        }
        let i = self.emit(make(l.0));
        self.fixups.push(i);
    }

    fn konst(&mut self, v: Value) -> u32 {
        self.consts.push(v);
        self.consts.len() as u32 - 1
    }

    fn name_idx(&mut self, n: &str) -> u32 {
        if let Some(i) = self.name_map.get(n) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(self.g.interner.intern(n));
        self.name_map.insert(n.to_string(), i);
        i
    }

    fn finish(
        mut self,
        _params: Vec<String>,
        argcount: u32,
        kwonly: u32,
        varargs: bool,
        varkw: bool,
    ) -> Code {
        // Patch jumps.
        for &i in &self.fixups {
            let fix = |l: u32| self.labels.get(l as usize).copied().unwrap_or(0);
            self.ops[i] = match self.ops[i] {
                Op::Jump(l) => Op::Jump(fix(l)),
                Op::JumpIfFalse(l) => Op::JumpIfFalse(fix(l)),
                Op::JumpIfTrue(l) => Op::JumpIfTrue(fix(l)),
                Op::JumpIfFalseOrPop(l) => Op::JumpIfFalseOrPop(fix(l)),
                Op::JumpIfTrueOrPop(l) => Op::JumpIfTrueOrPop(fix(l)),
                Op::ForIter(l) => Op::ForIter(fix(l)),
                Op::ForRange(l) => Op::ForRange(fix(l)),
                Op::CmpJumpIfFalse(c, l) => Op::CmpJumpIfFalse(c, fix(l)),
                Op::CmpJumpIfTrue(c, l) => Op::CmpJumpIfTrue(c, fix(l)),
                other => other,
            };
        }
        crate::bytecode::fuse(&mut self.ops);
        // Exception table from each instruction's handler.
        let mut handlers: Vec<Handler> = Vec::new();
        let mut i = 0;
        while i < self.handler_of.len() {
            match self.handler_of[i] {
                None => i += 1,
                Some((l, d)) => {
                    let start = i;
                    while i < self.handler_of.len() && self.handler_of[i] == Some((l, d)) {
                        i += 1;
                    }
                    handlers.push(Handler {
                        start: start as u32,
                        end: i as u32,
                        target: self.labels.get(l.0 as usize).copied().unwrap_or(0),
                        depth: d,
                    });
                }
            }
        }
        let nfree = self.scope.frees.len() as u32;
        let varnames = self
            .varnames
            .iter()
            .map(|n| self.g.interner.intern(n))
            .collect();
        Code {
            id: 0,
            name: self.g.interner.intern(&self.name),
            qualname: self.qualname,
            kind: self.kind,
            ops: self.ops,
            lines: self.lines,
            consts: self.consts,
            names: self.names,
            codes: self.codes,
            argcount,
            kwonlycount: kwonly,
            varargs,
            varkw,
            varnames,
            nfree,
            handlers,
            first_line: self.first_line,
        }
    }

    // ----- names -----

    fn resolve(&mut self, name: &str) -> Loc {
        let s = self.scope;
        match s.kind {
            ScopeKind::Module => self.global_loc(name),
            ScopeKind::Class => {
                if s.binds(name) && !s.globals.contains(name) {
                    let n = self.name_idx(name);
                    let g = if self.scopes.module_globals.contains(name) {
                        self.g.slot(name)
                    } else {
                        u32::MAX
                    };
                    Loc::Name(n, g)
                } else if let Some(i) = self.free_slot(name) {
                    Loc::Deref(i)
                } else {
                    self.global_loc(name)
                }
            }
            _ => {
                if s.globals.contains(name) {
                    return Loc::Global(self.g.slot(name));
                }
                if let Some(&i) = self.slots.get(name) {
                    if s.cells.contains(name) || s.frees.iter().any(|f| f == name) {
                        return Loc::Deref(i);
                    }
                    return Loc::Fast(i);
                }
                self.global_loc(name)
            }
        }
    }

    fn free_slot(&self, name: &str) -> Option<u32> {
        if self.scope.frees.iter().any(|f| f == name) {
            self.slots.get(name).copied()
        } else {
            None
        }
    }

    fn global_loc(&mut self, name: &str) -> Loc {
        if !self.scopes.module_globals.contains(name) {
            if let Some(b) = builtin_index(name) {
                return Loc::Builtin(b as u32);
            }
        }
        Loc::Global(self.g.slot(name))
    }

    fn load_name(&mut self, name: &str, span: Span) -> Result<(), CompileError> {
        if REFUSED.contains(&name)
            && !self.scopes.module_globals.contains(name)
            && !self.slots.contains_key(name)
        {
            return Err(unsupported(
                span,
                format!("`{name}` is not available in racelab (programs have no terminal, files or dynamic code)"),
            ));
        }
        match self.resolve(name) {
            Loc::Fast(i) => self.emit(Op::LoadFast(i)),
            Loc::Deref(i) => self.emit(Op::LoadDeref(i)),
            Loc::Global(i) => self.emit(Op::LoadGlobal(i)),
            Loc::Builtin(i) => self.emit(Op::LoadBuiltin(i)),
            Loc::Name(n, g) => self.emit(Op::LoadName(n, g)),
        };
        Ok(())
    }

    fn store_name(&mut self, name: &str) {
        match self.resolve(name) {
            Loc::Fast(i) => self.emit(Op::StoreFast(i)),
            Loc::Deref(i) => self.emit(Op::StoreDeref(i)),
            Loc::Global(i) => self.emit(Op::StoreGlobal(i)),
            Loc::Builtin(_) => {
                let i = self.g.slot(name);
                self.emit(Op::StoreGlobal(i))
            }
            Loc::Name(n, _) => self.emit(Op::StoreName(n)),
        };
    }

    fn del_name(&mut self, name: &str) {
        match self.resolve(name) {
            Loc::Fast(i) => self.emit(Op::DelFast(i)),
            Loc::Deref(i) => self.emit(Op::DelDeref(i)),
            Loc::Global(i) => self.emit(Op::DelGlobal(i)),
            Loc::Builtin(_) => {
                let i = self.g.slot(name);
                self.emit(Op::DelGlobal(i))
            }
            Loc::Name(n, _) => self.emit(Op::DelName(n)),
        };
    }

    // ----- statements -----

    fn body(&mut self, stmts: &'a [Stmt]) -> Result<(), CompileError> {
        for s in stmts {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &'a Stmt) -> Result<(), CompileError> {
        self.line = s.span.line;
        match &s.kind {
            StmtKind::Expr(e) => {
                if matches!(e.kind, ExprKind::Ellipsis) {
                    return Ok(());
                }
                self.expr(e)?;
                self.emit(Op::Pop);
            }
            StmtKind::Assign { targets, value } => {
                self.expr(value)?;
                for (i, t) in targets.iter().enumerate() {
                    if i + 1 < targets.len() {
                        self.emit(Op::Dup);
                    }
                    self.store_target(t)?;
                }
            }
            StmtKind::AugAssign { target, op, value } => {
                let op = bin_op(*op);
                match &target.kind {
                    TargetKind::Name(n) => {
                        self.load_name(n, target.span)?;
                        self.expr(value)?;
                        self.line = s.span.line;
                        self.emit(Op::Inplace(op));
                        self.store_name(n);
                    }
                    TargetKind::Attribute { value: obj, attr } => {
                        self.expr(obj)?;
                        self.emit(Op::Dup);
                        let n = self.name_idx(attr);
                        self.emit(Op::LoadAttr(n));
                        self.expr(value)?;
                        self.line = s.span.line;
                        self.emit(Op::Inplace(op));
                        self.emit(Op::Swap(2));
                        self.emit(Op::StoreAttr(n));
                    }
                    TargetKind::Subscript { value: obj, index } => {
                        self.expr(obj)?;
                        self.expr(index)?;
                        self.emit(Op::Copy(2));
                        self.emit(Op::Copy(2));
                        self.emit(Op::Subscr);
                        self.expr(value)?;
                        self.line = s.span.line;
                        self.emit(Op::Inplace(op));
                        self.emit(Op::Swap(3));
                        self.emit(Op::Swap(2));
                        self.emit(Op::StoreSubscr);
                    }
                    _ => {
                        return Err(syntax(
                            target.span,
                            "illegal expression for augmented assignment",
                        ))
                    }
                }
            }
            StmtKind::AnnAssign { target, value, .. } => {
                if let Some(v) = value {
                    self.expr(v)?;
                    self.store_target(target)?;
                }
            }
            StmtKind::Pass => {}
            StmtKind::Break | StmtKind::Continue => {
                let is_break = matches!(s.kind, StmtKind::Break);
                if !self
                    .fblocks
                    .iter()
                    .any(|b| matches!(b, FBlock::Loop { .. }))
                {
                    return Err(syntax(
                        s.span,
                        if is_break {
                            "'break' outside loop"
                        } else {
                            "'continue' not properly in loop"
                        },
                    ));
                }
                self.unwind_to_loop(is_break)?;
            }
            StmtKind::Return(v) => {
                if !matches!(self.kind, CodeKind::Function | CodeKind::Lambda) {
                    return Err(syntax(s.span, "'return' outside function"));
                }
                match v {
                    Some(v) => self.expr(v)?,
                    None => {
                        self.emit(Op::LoadNone);
                    }
                }
                self.unwind_all_for_return()?;
                self.line = s.span.line;
                self.emit(Op::Return);
            }
            StmtKind::Raise { exc, cause } => match exc {
                None => {
                    self.emit(Op::Raise(0));
                }
                Some(e) => {
                    self.expr(e)?;
                    if let Some(c) = cause {
                        self.expr(c)?;
                        self.line = s.span.line;
                        self.emit(Op::Raise(2));
                    } else {
                        self.line = s.span.line;
                        self.emit(Op::Raise(1));
                    }
                }
            },
            StmtKind::Global(_) | StmtKind::Nonlocal(_) => {}
            StmtKind::Delete(ts) => {
                for t in ts {
                    self.del_target(t)?;
                }
            }
            StmtKind::Assert { test, msg } => {
                let end = self.new_label();
                self.cond_jump(test, true, end)?;
                self.line = s.span.line;
                self.emit(Op::AssertFailed);
                let ae = builtin_index("AssertionError").unwrap_or(0) as u32;
                self.emit(Op::LoadBuiltin(ae));
                if let Some(m) = msg {
                    self.expr(m)?;
                    self.emit(Op::Call(1));
                }
                self.line = s.span.line;
                self.emit(Op::Raise(1));
                self.bind(end);
            }
            StmtKind::Import(aliases) => {
                for a in aliases {
                    let Some(k) = crate::vm::modules::module_index(&a.name) else {
                        return Err(self.no_module(&a.name, a.span));
                    };
                    match &a.asname {
                        Some(asn) => {
                            self.emit(Op::Import(k));
                            self.store_name(asn);
                        }
                        None => {
                            let top = a.name.split('.').next().unwrap_or(&a.name).to_string();
                            let tk = crate::vm::modules::module_index(&top).unwrap_or(k);
                            self.emit(Op::Import(tk));
                            self.store_name(&top);
                        }
                    }
                }
            }
            StmtKind::ImportFrom { module, names } => {
                let Some(k) = crate::vm::modules::module_index(module) else {
                    return Err(self.no_module(module, s.span));
                };
                self.emit(Op::Import(k));
                for a in names {
                    let n = self.name_idx(&a.name);
                    self.line = a.span.line;
                    self.emit(Op::ImportFrom(n));
                    self.store_name(a.asname.as_ref().unwrap_or(&a.name));
                }
                self.emit(Op::Pop);
            }
            StmtKind::If { test, body, orelse } => {
                let else_l = self.new_label();
                self.cond_jump(test, false, else_l)?;
                self.body(body)?;
                if orelse.is_empty() {
                    self.bind(else_l);
                } else {
                    let end = self.new_label();
                    self.jump(Op::Jump, end);
                    self.bind(else_l);
                    self.body(orelse)?;
                    self.bind(end);
                }
            }
            StmtKind::While { test, body, orelse } => {
                let top = self.new_label();
                let else_l = self.new_label();
                let end = self.new_label();
                self.bind(top);
                self.cond_jump(test, false, else_l)?;
                self.fblocks.push(FBlock::Loop {
                    cont: top,
                    brk: end,
                    pops: 0,
                });
                self.body(body)?;
                self.fblocks.pop();
                self.line = s.span.line;
                self.jump(Op::Jump, top);
                self.bind(else_l);
                self.body(orelse)?;
                self.bind(end);
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                let top = self.new_label();
                let else_l = self.new_label();
                let end = self.new_label();
                // `for x in range(...)`: counters on the stack, no iterator object.
                let range_args = self.range_call_args(iter);
                let pops = if let Some(args) = range_args {
                    for a in &args {
                        self.expr(a)?;
                    }
                    self.line = s.span.line;
                    self.emit(Op::RangeIter(args.len() as u32));
                    self.bind(top);
                    self.jump(Op::ForRange, else_l);
                    3
                } else {
                    self.expr(iter)?;
                    self.line = s.span.line;
                    self.emit(Op::GetIter);
                    self.bind(top);
                    self.line = s.span.line;
                    self.jump(Op::ForIter, else_l);
                    1
                };
                self.depth += pops;
                self.store_target(target)?;
                self.fblocks.push(FBlock::Loop {
                    cont: top,
                    brk: end,
                    pops,
                });
                self.body(body)?;
                self.fblocks.pop();
                self.line = s.span.line;
                self.jump(Op::Jump, top);
                self.depth -= pops;
                self.bind(else_l);
                self.body(orelse)?;
                self.bind(end);
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                if finalbody.is_empty() {
                    self.try_except(body, handlers, orelse)?;
                } else {
                    self.try_finally(body, handlers, orelse, finalbody)?;
                }
            }
            StmtKind::With { items, body } => self.with(items, body, s.span)?,
            StmtKind::FunctionDef(f) => {
                self.function_def(f, s.span)?;
            }
            StmtKind::ClassDef(c) => {
                self.class_def(c, s.span)?;
            }
        }
        Ok(())
    }

    /// The arguments of `range(...)` when `iter` is a plain call of the built-in.
    fn range_call_args(&mut self, iter: &'a Expr) -> Option<Vec<&'a Expr>> {
        let ExprKind::Call { func, args } = &iter.kind else {
            return None;
        };
        let ExprKind::Name(n) = &func.kind else {
            return None;
        };
        if n != "range" || args.is_empty() || args.len() > 3 {
            return None;
        }
        if !matches!(self.resolve("range"), Loc::Builtin(_)) {
            return None;
        }
        let mut exprs = Vec::new();
        for a in args {
            match a {
                Arg::Positional(e) => exprs.push(e),
                _ => return None,
            }
        }
        Some(exprs)
    }

    fn no_module(&self, name: &str, span: Span) -> CompileError {
        unsupported(
            span,
            format!("racelab has no module `{name}`; {MODULE_LIST}"),
        )
    }

    fn store_target(&mut self, t: &'a Target) -> Result<(), CompileError> {
        match &t.kind {
            TargetKind::Name(n) => self.store_name(n),
            TargetKind::Attribute { value, attr } => {
                self.expr(value)?;
                let n = self.name_idx(attr);
                self.line = t.span.line;
                self.emit(Op::StoreAttr(n));
            }
            TargetKind::Subscript { value, index } => {
                self.expr(value)?;
                self.expr(index)?;
                self.line = t.span.line;
                self.emit(Op::StoreSubscr);
            }
            TargetKind::Tuple(ts) => {
                let star = ts
                    .iter()
                    .position(|x| matches!(x.kind, TargetKind::Starred(_)));
                self.line = t.span.line;
                match star {
                    None => {
                        self.emit(Op::Unpack(ts.len() as u32));
                    }
                    Some(i) => {
                        self.emit(Op::UnpackEx(i as u32, (ts.len() - i - 1) as u32));
                    }
                }
                for x in ts {
                    self.store_target(x)?;
                }
            }
            TargetKind::Starred(inner) => self.store_target(inner)?,
        }
        Ok(())
    }

    fn del_target(&mut self, t: &'a Target) -> Result<(), CompileError> {
        self.line = t.span.line;
        match &t.kind {
            TargetKind::Name(n) => self.del_name(n),
            TargetKind::Attribute { value, attr } => {
                self.expr(value)?;
                let n = self.name_idx(attr);
                self.emit(Op::DelAttr(n));
            }
            TargetKind::Subscript { value, index } => {
                self.expr(value)?;
                self.expr(index)?;
                self.emit(Op::DelSubscr);
            }
            TargetKind::Tuple(ts) => {
                for x in ts {
                    self.del_target(x)?;
                }
            }
            TargetKind::Starred(_) => return Err(syntax(t.span, "cannot delete starred")),
        }
        Ok(())
    }

    /// Emits the clean-up of fblock `i` (innermost first), `preserve`: a value is on top.
    fn unwind_block(&mut self, i: usize, preserve: bool) -> Result<(), CompileError> {
        if let Some(h) = self.fblocks[i].outer_handlers() {
            self.handlers.truncate(h);
        }
        match &self.fblocks[i] {
            FBlock::Loop { pops, .. } => {
                for _ in 0..*pops {
                    if preserve {
                        self.emit(Op::Swap(2));
                    }
                    self.emit(Op::Pop);
                }
            }
            FBlock::FinallyTry { body, depth, .. } => {
                let (body, d) = (*body, *depth);
                let saved_depth = self.depth;
                self.depth = d + preserve as u32;
                // The finally body runs outside this block.
                let saved: Vec<FBlock<'a>> = self.fblocks.drain(i..).collect();
                let r = self.body(body);
                let mut saved = saved;
                self.fblocks.append(&mut saved);
                self.depth = saved_depth;
                r?;
            }
            FBlock::FinallyEnd { .. } => {
                // stack: prev exc [value]
                if preserve {
                    self.emit(Op::Swap(2));
                    self.emit(Op::Pop);
                    self.emit(Op::Swap(2));
                } else {
                    self.emit(Op::Pop);
                }
                self.emit(Op::PopExcept);
            }
            FBlock::ExceptHandler { name, .. } => {
                let name = name.clone();
                if preserve {
                    self.emit(Op::Swap(2));
                }
                self.emit(Op::PopExcept);
                if let Some(n) = name {
                    self.emit(Op::LoadNone);
                    self.store_name(&n);
                    self.del_name(&n);
                }
            }
            FBlock::With { .. } => {
                if preserve {
                    self.emit(Op::Swap(2));
                }
                self.emit(Op::LoadNone);
                self.emit(Op::LoadNone);
                self.emit(Op::LoadNone);
                self.emit(Op::Call(3));
                self.emit(Op::Pop);
            }
        }
        Ok(())
    }

    fn unwind_all_for_return(&mut self) -> Result<(), CompileError> {
        let saved_handlers = self.handlers.clone();
        let mut i = self.fblocks.len();
        while i > 0 {
            i -= 1;
            // After this block, the handlers of enclosing blocks apply.
            self.unwind_block(i, true)?;
        }
        self.handlers = saved_handlers;
        Ok(())
    }

    fn unwind_to_loop(&mut self, is_break: bool) -> Result<(), CompileError> {
        let saved_handlers = self.handlers.clone();
        let mut i = self.fblocks.len();
        while i > 0 {
            i -= 1;
            if let FBlock::Loop { cont, brk, .. } = self.fblocks[i] {
                if is_break {
                    self.unwind_block(i, false)?;
                    self.jump(Op::Jump, brk);
                } else {
                    self.jump(Op::Jump, cont);
                }
                break;
            }
            self.unwind_block(i, false)?;
        }
        self.handlers = saved_handlers;
        Ok(())
    }

    fn try_except(
        &mut self,
        body: &'a [Stmt],
        handlers: &'a [ExceptHandler],
        orelse: &'a [Stmt],
    ) -> Result<(), CompileError> {
        let h = self.new_label();
        let cleanup = self.new_label();
        let else_l = self.new_label();
        let end = self.new_label();
        let d = self.depth;
        self.handlers.push((h, d));
        self.body(body)?;
        self.handlers.pop();
        self.jump(Op::Jump, else_l);
        // The handler: [exc]
        self.bind(h);
        self.handlers.push((cleanup, d + 1));
        self.emit(Op::PushExcInfo);
        for hd in handlers {
            self.line = hd.span.line;
            let next = self.new_label();
            if let Some(t) = &hd.typ {
                self.expr(t)?;
                self.line = hd.span.line;
                self.emit(Op::CheckExcMatch);
                self.jump(Op::JumpIfFalse, next);
            }
            match &hd.name {
                Some(n) => self.store_name(n),
                None => {
                    self.emit(Op::Pop);
                }
            }
            self.depth = d + 1;
            let hl = self.handlers.len() - 1;
            self.fblocks.push(FBlock::ExceptHandler {
                name: hd.name.clone(),
                handlers: hl,
            });
            self.body(&hd.body)?;
            self.fblocks.pop();
            self.depth = d;
            self.handlers.pop();
            self.emit(Op::PopExcept);
            if let Some(n) = &hd.name {
                self.emit(Op::LoadNone);
                self.store_name(n);
                self.del_name(n);
            }
            self.jump(Op::Jump, end);
            self.handlers.push((cleanup, d + 1));
            self.bind(next);
            if hd.typ.is_none() {
                break;
            }
        }
        self.handlers.pop();
        // No clause matched: [prev exc]
        self.emit(Op::PopExceptReraise);
        self.bind(cleanup);
        self.emit(Op::PopExceptReraise);
        self.bind(else_l);
        self.body(orelse)?;
        self.bind(end);
        Ok(())
    }

    fn try_finally(
        &mut self,
        body: &'a [Stmt],
        handlers: &'a [ExceptHandler],
        orelse: &'a [Stmt],
        finalbody: &'a [Stmt],
    ) -> Result<(), CompileError> {
        let f = self.new_label();
        let cleanup = self.new_label();
        let end = self.new_label();
        let d = self.depth;
        let hl = self.handlers.len();
        self.handlers.push((f, d));
        self.fblocks.push(FBlock::FinallyTry {
            body: finalbody,
            handlers: hl,
            depth: d,
        });
        if handlers.is_empty() {
            self.body(body)?;
            self.body(orelse)?;
        } else {
            self.try_except(body, handlers, orelse)?;
        }
        self.fblocks.pop();
        self.handlers.pop();
        // Normal path.
        self.body(finalbody)?;
        self.jump(Op::Jump, end);
        // Exceptional path: [exc]
        self.bind(f);
        self.handlers.push((cleanup, d + 1));
        self.emit(Op::PushExcInfo);
        self.depth = d + 2;
        let hl = self.handlers.len() - 1;
        self.fblocks.push(FBlock::FinallyEnd { handlers: hl });
        self.body(finalbody)?;
        self.fblocks.pop();
        self.depth = d;
        self.handlers.pop();
        self.emit(Op::PopExceptReraise);
        self.bind(cleanup);
        self.emit(Op::PopExceptReraise);
        self.bind(end);
        Ok(())
    }

    fn with(
        &mut self,
        items: &'a [WithItem],
        body: &'a [Stmt],
        span: Span,
    ) -> Result<(), CompileError> {
        let Some((first, rest)) = items.split_first() else {
            return self.body(body);
        };
        let w = self.new_label();
        let cleanup = self.new_label();
        let suppress = self.new_label();
        let end = self.new_label();
        let d = self.depth;
        self.expr(&first.context)?;
        self.line = span.line;
        self.emit(Op::BeforeWith);
        self.emit(Op::Call(0));
        self.handlers.push((w, d + 1));
        self.depth = d + 1;
        match &first.target {
            Some(t) => self.store_target(t)?,
            None => {
                self.emit(Op::Pop);
            }
        }
        let hl = self.handlers.len() - 1;
        self.fblocks.push(FBlock::With { handlers: hl });
        if rest.is_empty() {
            self.body(body)?;
        } else {
            self.with(rest, body, span)?;
        }
        self.fblocks.pop();
        self.handlers.pop();
        self.depth = d;
        self.line = span.line;
        self.emit(Op::LoadNone);
        self.emit(Op::LoadNone);
        self.emit(Op::LoadNone);
        self.emit(Op::Call(3));
        self.emit(Op::Pop);
        self.jump(Op::Jump, end);
        // [exit exc]
        self.bind(w);
        self.handlers.push((cleanup, d + 2));
        self.emit(Op::PushExcInfo);
        self.emit(Op::WithExitArgs);
        self.emit(Op::Call(3));
        self.jump(Op::JumpIfTrue, suppress);
        self.handlers.pop();
        self.emit(Op::PopExceptReraise);
        self.bind(suppress);
        self.emit(Op::Pop);
        self.emit(Op::PopExcept);
        self.emit(Op::Pop);
        self.jump(Op::Jump, end);
        self.bind(cleanup);
        self.emit(Op::PopExceptReraise);
        self.bind(end);
        Ok(())
    }

    fn child_qualname(&self, name: &str) -> String {
        match self.kind {
            CodeKind::Module => name.to_string(),
            CodeKind::Class => format!("{}.{}", self.qualname, name),
            _ => format!("{}.<locals>.{}", self.qualname, name),
        }
    }

    /// Pushes the closure tuple for a child scope; says whether it has one.
    fn closure_for(&mut self, child: &Scope) -> bool {
        if child.frees.is_empty() {
            return false;
        }
        for f in &child.frees {
            let slot = self.slots.get(f).copied().unwrap_or(0);
            self.emit(Op::LoadClosure(slot));
        }
        self.emit(Op::BuildTuple(child.frees.len() as u32));
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn compile_function(
        &mut self,
        k: usize,
        params: &'a Params,
        name: &str,
        qualname: String,
        body: Option<&'a [Stmt]>,
        expr: Option<&'a Expr>,
        span: Span,
    ) -> Result<(), CompileError> {
        let Some(child) = self.scopes.map.get(&k) else {
            return Err(syntax(span, "internal: missing scope"));
        };
        // defaults
        let mut flags = 0;
        let positional: Vec<&Param> = params.posonly.iter().chain(params.args.iter()).collect();
        let defaults: Vec<&Expr> = positional
            .iter()
            .filter_map(|p| p.default.as_ref())
            .collect();
        if !defaults.is_empty() {
            for d in &defaults {
                self.expr(d)?;
            }
            self.emit(Op::BuildTuple(defaults.len() as u32));
            flags |= 1;
        }
        let kwd: Vec<(&String, &Expr)> = params
            .kwonly
            .iter()
            .filter_map(|p| p.default.as_ref().map(|d| (&p.name, d)))
            .collect();
        if !kwd.is_empty() {
            for (n, d) in &kwd {
                let c = self.konst(const_str(n));
                self.emit(Op::Const(c));
                self.expr(d)?;
            }
            self.emit(Op::BuildMap(kwd.len() as u32));
            flags |= 2;
        }
        if self.closure_for(child) {
            flags |= 4;
        }
        let kind = if expr.is_some() {
            CodeKind::Lambda
        } else {
            CodeKind::Function
        };
        let code = {
            let mut u = Unit::new(
                self.scopes,
                child,
                kind,
                name.to_string(),
                qualname,
                self.g,
                span.line,
            );
            u.line = span.line;
            for c in child.cells.iter() {
                let _ = c;
            }
            let mut cells: Vec<u32> = child
                .cells
                .iter()
                .filter_map(|c| u.slots.get(c).copied())
                .collect();
            cells.sort_unstable();
            for c in cells {
                u.emit(Op::MakeCell(c));
            }
            if let Some(b) = body {
                u.body(b)?;
                u.emit(Op::LoadNone);
                u.emit(Op::Return);
            }
            if let Some(e) = expr {
                u.expr(e)?;
                u.emit(Op::Return);
            }
            let argcount = positional.len() as u32;
            u.finish(
                Vec::new(),
                argcount,
                params.kwonly.len() as u32,
                params.vararg.is_some(),
                params.kwarg.is_some(),
            )
        };
        let code = self.g.register(code);
        self.codes.push(code);
        let idx = self.codes.len() as u32 - 1;
        self.line = span.line;
        self.emit(Op::MakeFunction(idx, flags));
        Ok(())
    }

    fn function_def(&mut self, f: &'a FunctionDef, span: Span) -> Result<(), CompileError> {
        let qn = self.child_qualname(&f.name);
        self.compile_function(key(f), &f.params, &f.name, qn, Some(&f.body), None, span)?;
        self.store_name(&f.name);
        Ok(())
    }

    fn class_def(&mut self, c: &'a ClassDef, span: Span) -> Result<(), CompileError> {
        if c.bases.len() > 1 {
            return Err(unsupported(
                span,
                format!(
                    "racelab supports single inheritance only: class `{}` has {} base classes",
                    c.name,
                    c.bases.len()
                ),
            ));
        }
        let k = key(c);
        let Some(child) = self.scopes.map.get(&k) else {
            return Err(syntax(span, "internal: missing scope"));
        };
        let mut flags = 0;
        if self.closure_for(child) {
            flags |= 4;
        }
        let qn = self.child_qualname(&c.name);
        let code = {
            let mut u = Unit::new(
                self.scopes,
                child,
                CodeKind::Class,
                c.name.clone(),
                qn,
                self.g,
                span.line,
            );
            u.body(&c.body)?;
            u.emit(Op::LoadNone);
            u.emit(Op::Return);
            u.finish(Vec::new(), 0, 0, false, false)
        };
        let code = self.g.register(code);
        self.codes.push(code);
        let idx = self.codes.len() as u32 - 1;
        self.line = span.line;
        self.emit(Op::MakeFunction(idx, flags));
        for b in &c.bases {
            self.expr(b)?;
        }
        self.line = span.line;
        self.emit(Op::BuildClass(idx, c.bases.len() as u32));
        self.store_name(&c.name);
        Ok(())
    }

    // ----- conditions -----

    /// Jumps to `target` when `e`'s truth equals `when`.
    fn cond_jump(&mut self, e: &'a Expr, when: bool, target: Label) -> Result<(), CompileError> {
        match &e.kind {
            ExprKind::UnaryOp {
                op: UnaryOp::Not,
                operand,
            } => self.cond_jump(operand, !when, target),
            ExprKind::BoolOp { op, values } => {
                let is_and = matches!(op, BoolOp::And);
                // `a and b` jumps when false if any is false; when true only if all are.
                if is_and != when {
                    // Any operand decides: jump on the first that matches `when`.
                    for v in values {
                        self.cond_jump(v, when, target)?;
                    }
                } else {
                    let skip = self.new_label();
                    let n = values.len();
                    for (i, v) in values.iter().enumerate() {
                        if i + 1 < n {
                            self.cond_jump(v, !when, skip)?;
                        } else {
                            self.cond_jump(v, when, target)?;
                        }
                    }
                    self.bind(skip);
                }
                Ok(())
            }
            _ => {
                self.expr(e)?;
                if when {
                    self.jump(Op::JumpIfTrue, target);
                } else {
                    self.jump(Op::JumpIfFalse, target);
                }
                Ok(())
            }
        }
    }

    // ----- expressions -----

    fn expr(&mut self, e: &'a Expr) -> Result<(), CompileError> {
        self.expr_depth += 1;
        if self.expr_depth > 150 {
            return Err(unsupported(
                e.span,
                "expression too deeply nested for racelab",
            ));
        }
        let saved = self.line;
        self.line = e.span.line;
        let r = self.expr_inner(e);
        self.line = saved;
        self.expr_depth -= 1;
        r
    }

    fn int(&mut self, i: i64) {
        if let Ok(small) = i32::try_from(i) {
            self.emit(Op::Int(small));
        } else {
            let c = self.konst(Value::Int(i));
            self.emit(Op::Const(c));
        }
    }

    fn constant_of(e: &Expr) -> Option<Value> {
        Some(match &e.kind {
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Float(f) => Value::Float(*f),
            ExprKind::Str(s) => const_str(s),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::None => Value::None,
            ExprKind::Tuple(xs) => {
                let mut items = Vec::new();
                for x in xs {
                    items.push(Self::constant_of(x)?);
                }
                Value::Tuple(Arc::new(Tuple::constant(items)))
            }
            ExprKind::UnaryOp {
                op: UnaryOp::Neg,
                operand,
            } => match &operand.kind {
                ExprKind::Int(i) => Value::Int(i.checked_neg()?),
                ExprKind::Float(f) => Value::Float(-f),
                _ => return None,
            },
            _ => return None,
        })
    }

    fn const_frozenset(xs: &[Expr]) -> Option<Value> {
        use crate::vm::set::Set;
        let mut items = Vec::new();
        for x in xs {
            items.push(Self::constant_of(x)?);
        }
        let build = |items: Vec<Value>| -> Option<Set> {
            let s = Set::new(true).ok()?;
            {
                let mut g = s.lock();
                for v in items {
                    let h = crate::vm::dict::hash_value(&v).ok()?;
                    g.add(h, v).ok()?;
                }
            }
            Some(s)
        };
        let first = build(items)?;
        let second = build(first.lock().keys())?;
        Some(Value::Set(Arc::new(second)))
    }

    fn raise_overflow(&mut self) {
        let b = builtin_index("OverflowError").unwrap_or(0) as u32;
        self.emit(Op::LoadBuiltin(b));
        let c = self.konst(const_str(crate::num::INT_OVERFLOW));
        self.emit(Op::Const(c));
        self.emit(Op::Call(1));
        self.emit(Op::Raise(1));
        self.emit(Op::LoadNone);
    }

    fn expr_inner(&mut self, e: &'a Expr) -> Result<(), CompileError> {
        match &e.kind {
            ExprKind::Name(n) => self.load_name(n, e.span)?,
            ExprKind::Int(i) => self.int(*i),
            ExprKind::BigInt(_) => self.raise_overflow(),
            ExprKind::Float(f) => {
                let c = self.konst(Value::Float(*f));
                self.emit(Op::Const(c));
            }
            ExprKind::Str(s) => {
                let c = self.konst(const_str(s));
                self.emit(Op::Const(c));
            }
            ExprKind::FString(parts) => {
                let n = self.fparts(parts)?;
                if n > 1 {
                    self.emit(Op::BuildString(n));
                }
            }
            ExprKind::Bool(b) => {
                let c = self.konst(Value::Bool(*b));
                self.emit(Op::Const(c));
            }
            ExprKind::None => {
                self.emit(Op::LoadNone);
            }
            ExprKind::Ellipsis => {
                return Err(unsupported(
                    e.span,
                    "`...` (Ellipsis) is not supported by racelab as a value",
                ));
            }
            ExprKind::Tuple(xs) => {
                if let Some(v) = Self::constant_of(e) {
                    let c = self.konst(v);
                    self.emit(Op::Const(c));
                } else if xs.iter().any(|x| matches!(x.kind, ExprKind::Starred(_))) {
                    self.starred_list(xs)?;
                    self.emit(Op::ListToTuple);
                } else {
                    for x in xs {
                        self.expr(x)?;
                    }
                    self.emit(Op::BuildTuple(xs.len() as u32));
                }
            }
            ExprKind::List(xs) => {
                if xs.iter().any(|x| matches!(x.kind, ExprKind::Starred(_))) {
                    self.starred_list(xs)?;
                } else {
                    for x in xs {
                        self.expr(x)?;
                    }
                    self.emit(Op::BuildList(xs.len() as u32));
                }
            }
            ExprKind::Set(xs) => {
                if xs.len() > 2 {
                    if let Some(fs) = Self::const_frozenset(xs) {
                        // CPython folds constant set displays into a frozenset constant
                        // (built twice: once by the optimizer, once by constant merging).
                        self.emit(Op::BuildSet(0));
                        let c = self.konst(fs);
                        self.emit(Op::Const(c));
                        self.emit(Op::SetUpdate);
                        return Ok(());
                    }
                }
                if xs.iter().any(|x| matches!(x.kind, ExprKind::Starred(_))) {
                    self.emit(Op::BuildSet(0));
                    for x in xs {
                        match &x.kind {
                            ExprKind::Starred(inner) => {
                                self.expr(inner)?;
                                self.emit(Op::SetUpdate);
                            }
                            _ => {
                                self.expr(x)?;
                                self.emit(Op::SetAdd(1));
                            }
                        }
                    }
                } else {
                    for x in xs {
                        self.expr(x)?;
                    }
                    self.emit(Op::BuildSet(xs.len() as u32));
                }
            }
            ExprKind::Dict(items) => {
                if items.iter().any(|i| matches!(i, DictItem::Spread(_))) {
                    self.emit(Op::BuildMap(0));
                    for it in items {
                        match it {
                            DictItem::Pair(k, v) => {
                                self.expr(k)?;
                                self.expr(v)?;
                                self.emit(Op::MapAdd(1));
                            }
                            DictItem::Spread(x) => {
                                self.expr(x)?;
                                self.emit(Op::DictUpdate);
                            }
                        }
                    }
                } else {
                    for it in items {
                        if let DictItem::Pair(k, v) = it {
                            self.expr(k)?;
                            self.expr(v)?;
                        }
                    }
                    self.emit(Op::BuildMap(items.len() as u32));
                }
            }
            ExprKind::Starred(_) => {
                return Err(syntax(e.span, "can't use starred expression here"));
            }
            ExprKind::BinOp { left, op, right } => {
                self.expr(left)?;
                self.expr(right)?;
                self.line = e.span.line;
                self.emit(Op::Binary(bin_op(*op)));
            }
            ExprKind::UnaryOp { op, operand } => {
                if let Some(v) = Self::constant_of(e) {
                    let c = self.konst(v);
                    self.emit(Op::Const(c));
                    return Ok(());
                }
                if let (UnaryOp::Neg, ExprKind::BigInt(s)) = (op, &operand.kind) {
                    if s == "9223372036854775808" {
                        let c = self.konst(Value::Int(i64::MIN));
                        self.emit(Op::Const(c));
                        return Ok(());
                    }
                }
                self.expr(operand)?;
                self.line = e.span.line;
                match op {
                    UnaryOp::Not => self.emit(Op::Not),
                    UnaryOp::Neg => self.emit(Op::Unary(UnOp::Neg)),
                    UnaryOp::Pos => self.emit(Op::Unary(UnOp::Pos)),
                    UnaryOp::Invert => self.emit(Op::Unary(UnOp::Invert)),
                };
            }
            ExprKind::BoolOp { op, values } => {
                let end = self.new_label();
                let n = values.len();
                for (i, v) in values.iter().enumerate() {
                    self.expr(v)?;
                    if i + 1 < n {
                        match op {
                            BoolOp::And => self.jump(Op::JumpIfFalseOrPop, end),
                            BoolOp::Or => self.jump(Op::JumpIfTrueOrPop, end),
                        }
                    }
                }
                self.bind(end);
            }
            ExprKind::Compare { left, ops } => {
                self.expr(left)?;
                if ops.len() == 1 {
                    self.expr(&ops[0].1)?;
                    self.line = e.span.line;
                    self.emit(Op::Compare(cmp_op(ops[0].0)));
                } else {
                    let cleanup = self.new_label();
                    let end = self.new_label();
                    let n = ops.len();
                    for (i, (op, x)) in ops.iter().enumerate() {
                        self.expr(x)?;
                        self.line = e.span.line;
                        if i + 1 < n {
                            self.emit(Op::Swap(2));
                            self.emit(Op::Copy(2));
                            self.emit(Op::Compare(cmp_op(*op)));
                            self.jump(Op::JumpIfFalseOrPop, cleanup);
                        } else {
                            self.emit(Op::Compare(cmp_op(*op)));
                        }
                    }
                    self.jump(Op::Jump, end);
                    self.bind(cleanup);
                    self.emit(Op::Swap(2));
                    self.emit(Op::Pop);
                    self.bind(end);
                }
            }
            ExprKind::IfExp { test, body, orelse } => {
                let else_l = self.new_label();
                let end = self.new_label();
                self.cond_jump(test, false, else_l)?;
                self.expr(body)?;
                self.jump(Op::Jump, end);
                self.bind(else_l);
                self.expr(orelse)?;
                self.bind(end);
            }
            ExprKind::Lambda { params, body } => {
                let qn = self.child_qualname("<lambda>");
                self.compile_function(key(e), params, "<lambda>", qn, None, Some(body), e.span)?;
            }
            ExprKind::Call { func, args } => self.call(e, func, args)?,
            ExprKind::Attribute { value, attr } => {
                self.expr(value)?;
                let n = self.name_idx(attr);
                self.line = e.span.line;
                self.emit(Op::LoadAttr(n));
            }
            ExprKind::Subscript { value, index } => {
                self.expr(value)?;
                self.expr(index)?;
                self.line = e.span.line;
                self.emit(Op::Subscr);
            }
            ExprKind::Slice { lower, upper, step } => {
                for x in [lower, upper] {
                    match x {
                        Some(x) => self.expr(x)?,
                        None => {
                            self.emit(Op::LoadNone);
                        }
                    }
                }
                match step {
                    Some(s) => {
                        self.expr(s)?;
                        self.emit(Op::BuildSlice(3));
                    }
                    None => {
                        self.emit(Op::BuildSlice(2));
                    }
                }
            }
            ExprKind::ListComp { generators, .. }
            | ExprKind::SetComp { generators, .. }
            | ExprKind::DictComp { generators, .. }
            | ExprKind::GeneratorExp { generators, .. } => self.comprehension(e, generators)?,
        }
        Ok(())
    }

    fn starred_list(&mut self, xs: &'a [Expr]) -> Result<(), CompileError> {
        self.emit(Op::BuildList(0));
        for x in xs {
            match &x.kind {
                ExprKind::Starred(inner) => {
                    self.expr(inner)?;
                    self.emit(Op::ListExtend);
                }
                _ => {
                    self.expr(x)?;
                    self.emit(Op::ListAppend(1));
                }
            }
        }
        Ok(())
    }

    /// Pushes the pieces of an f-string; returns how many.
    fn fparts(&mut self, parts: &'a [FPart]) -> Result<u32, CompileError> {
        let mut n = 0;
        for p in parts {
            match p {
                FPart::Literal(s) => {
                    if s.is_empty() {
                        continue;
                    }
                    let c = self.konst(const_str(s));
                    self.emit(Op::Const(c));
                }
                FPart::Field {
                    expr,
                    conversion,
                    spec,
                } => {
                    self.expr(expr)?;
                    let conv = match conversion {
                        Some('s') => 1,
                        Some('r') => 2,
                        Some('a') => 3,
                        _ => 0,
                    };
                    let mut flags = conv;
                    if let Some(sp) = spec {
                        let k = self.fparts(sp)?;
                        if k > 1 {
                            self.emit(Op::BuildString(k));
                        }
                        flags |= 4;
                    }
                    self.emit(Op::FormatValue(flags));
                }
            }
            n += 1;
        }
        if n == 0 {
            let c = self.konst(const_str(""));
            self.emit(Op::Const(c));
            n = 1;
        }
        Ok(n)
    }

    fn call(&mut self, e: &'a Expr, func: &'a Expr, args: &'a [Arg]) -> Result<(), CompileError> {
        // Zero-argument super().
        if let ExprKind::Name(n) = &func.kind {
            if n == "super"
                && args.is_empty()
                && !self.scopes.module_globals.contains("super")
                && !self.slots.contains_key("super")
                && matches!(self.kind, CodeKind::Function)
            {
                self.line = e.span.line;
                self.emit(Op::Super);
                return Ok(());
            }
        }
        let simple = args
            .iter()
            .all(|a| matches!(a, Arg::Positional(_) | Arg::Keyword { .. }));
        if simple {
            let is_method = matches!(func.kind, ExprKind::Attribute { .. });
            if let ExprKind::Attribute { value, attr } = &func.kind {
                self.expr(value)?;
                let n = self.name_idx(attr);
                self.line = func.span.line;
                self.emit(Op::LoadMethod(n));
            } else {
                self.expr(func)?;
            }
            let mut kwnames = Vec::new();
            for a in args {
                match a {
                    Arg::Positional(x) => self.expr(x)?,
                    Arg::Keyword { name, value, .. } => {
                        self.expr(value)?;
                        kwnames.push(Value::Str(self.g.interner.intern(name)));
                    }
                    _ => {}
                }
            }
            self.line = e.span.line;
            let n = args.len() as u32;
            if kwnames.is_empty() {
                self.emit(if is_method {
                    Op::CallMethod(n)
                } else {
                    Op::Call(n)
                });
            } else {
                let c = self.konst(Value::Tuple(Arc::new(Tuple::constant(kwnames))));
                self.emit(if is_method {
                    Op::CallMethodKw(n, c)
                } else {
                    Op::CallKw(n, c)
                });
            }
            return Ok(());
        }
        self.expr(func)?;
        self.emit(Op::BuildList(0));
        for a in args {
            match a {
                Arg::Positional(x) => {
                    self.expr(x)?;
                    self.emit(Op::ListAppend(1));
                }
                Arg::Starred(x) => {
                    self.expr(x)?;
                    self.emit(Op::ListExtend);
                }
                _ => {}
            }
        }
        self.emit(Op::ListToTuple);
        let has_kw = args
            .iter()
            .any(|a| matches!(a, Arg::Keyword { .. } | Arg::DoubleStarred(_)));
        if has_kw {
            self.emit(Op::BuildMap(0));
            for a in args {
                match a {
                    Arg::Keyword { name, value, .. } => {
                        let c = self.konst(const_str(name));
                        self.emit(Op::Const(c));
                        self.expr(value)?;
                        self.emit(Op::MapAdd(1));
                    }
                    Arg::DoubleStarred(x) => {
                        self.expr(x)?;
                        self.emit(Op::DictUpdate);
                    }
                    _ => {}
                }
            }
        }
        self.line = e.span.line;
        self.emit(Op::CallEx(has_kw as u32));
        Ok(())
    }

    fn comprehension(
        &mut self,
        e: &'a Expr,
        generators: &'a [Comprehension],
    ) -> Result<(), CompileError> {
        let k = key(e);
        let Some(child) = self.scopes.map.get(&k) else {
            return Err(syntax(e.span, "internal: missing scope"));
        };
        let Some(first) = generators.first() else {
            return Err(syntax(e.span, "comprehension without for"));
        };
        let (name, build) = match &e.kind {
            ExprKind::ListComp { .. } => ("<listcomp>", 0),
            ExprKind::SetComp { .. } => ("<setcomp>", 1),
            ExprKind::DictComp { .. } => ("<dictcomp>", 2),
            _ => ("<genexpr>", 0),
        };
        let mut flags = 0;
        if self.closure_for(child) {
            flags |= 4;
        }
        let qn = self.child_qualname(name);
        let code = {
            let mut u = Unit::new(
                self.scopes,
                child,
                CodeKind::Comprehension,
                name.to_string(),
                qn,
                self.g,
                e.span.line,
            );
            u.line = e.span.line;
            let mut cells: Vec<u32> = child
                .cells
                .iter()
                .filter_map(|c| u.slots.get(c).copied())
                .collect();
            cells.sort_unstable();
            for c in cells {
                u.emit(Op::MakeCell(c));
            }
            match build {
                1 => u.emit(Op::BuildSet(0)),
                2 => u.emit(Op::BuildMap(0)),
                _ => u.emit(Op::BuildList(0)),
            };
            let mut ends = Vec::new();
            let mut tops = Vec::new();
            for (i, g) in generators.iter().enumerate() {
                let top = u.new_label();
                let end = u.new_label();
                if i == 0 {
                    u.emit(Op::LoadFast(0));
                } else {
                    u.expr(&g.iter)?;
                    u.emit(Op::GetIter);
                }
                u.bind(top);
                u.line = e.span.line;
                u.jump(Op::ForIter, end);
                u.store_target(&g.target)?;
                for c in &g.ifs {
                    u.cond_jump(c, false, top)?;
                }
                tops.push(top);
                ends.push(end);
            }
            let depth = generators.len() as u32 + 1;
            match &e.kind {
                ExprKind::DictComp { key: kx, value, .. } => {
                    u.expr(kx)?;
                    u.expr(value)?;
                    u.emit(Op::MapAdd(depth));
                }
                ExprKind::ListComp { elt, .. } | ExprKind::GeneratorExp { elt, .. } => {
                    u.expr(elt)?;
                    u.emit(Op::ListAppend(depth));
                }
                ExprKind::SetComp { elt, .. } => {
                    u.expr(elt)?;
                    u.emit(Op::SetAdd(depth));
                }
                _ => {}
            }
            for i in (0..generators.len()).rev() {
                u.jump(Op::Jump, tops[i]);
                u.bind(ends[i]);
            }
            u.emit(Op::Return);
            u.finish(Vec::new(), 1, 0, false, false)
        };
        let code = self.g.register(code);
        self.codes.push(code);
        let idx = self.codes.len() as u32 - 1;
        self.line = e.span.line;
        self.emit(Op::MakeFunction(idx, flags));
        self.expr(&first.iter)?;
        self.line = e.span.line;
        self.emit(Op::GetIter);
        self.emit(Op::Call(1));
        if matches!(e.kind, ExprKind::GeneratorExp { .. }) {
            self.emit(Op::GetIter);
        }
        Ok(())
    }
}
