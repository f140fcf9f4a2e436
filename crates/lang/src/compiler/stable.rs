//! Which globals are bound once and for all: a read of one of them, once it is bound, can
//! conflict with no other thread's operation, because no write of it can ever follow.
//!
//! A stepped run still takes such a read as a step (every read of a global is a shared
//! operation), but marks it *quiet*: step mode and exploration take it without offering a
//! choice, since taking it now or later gives the same run. Most of a lesson program's
//! reads of globals are of this kind: its functions, classes, modules and constants
//! (`transfer`, `random`, `MAX_AMOUNT`), while its shared data lives in attributes and
//! elements. For the same reason a thread running for real keeps its own copy of a stable
//! global once it has read it bound (`Interp::stable_seen`), instead of taking the
//! global's lock, which every thread reading it would contend for.
//!
//! A global is stable when the whole program has exactly one statement that binds it, at
//! module level and outside any loop (so it runs at most once), and nothing else can write
//! it: no function or class declares it `global`, no `del` or augmented assignment names
//! it, no `except ... as` binds it. Anything less certain is not stable: the analysis may
//! miss a quiet read, never call a read quiet that could race.

use std::collections::{HashMap, HashSet};

use crate::ast::{Module, Stmt, StmtKind, Target, TargetKind};

/// The names of the module's stable globals (see the module docs).
pub fn stable_globals(module: &Module) -> HashSet<String> {
    let mut walk = Walk::default();
    walk.top(&module.body, false);
    walk.bound
        .into_iter()
        .filter(|(name, n)| *n == 1 && !walk.unstable.contains(name))
        .map(|(name, _)| name)
        .collect()
}

#[derive(Default)]
struct Walk {
    /// How many statements bind each name at module level.
    bound: HashMap<String, u32>,
    /// Names that may be written more than once, or from anywhere but module level.
    unstable: HashSet<String>,
}

impl Walk {
    fn bind(&mut self, name: &str, in_loop: bool) {
        *self.bound.entry(name.to_string()).or_default() += 1;
        if in_loop {
            self.unstable.insert(name.to_string());
        }
    }

    fn target(&mut self, t: &Target, in_loop: bool) {
        match &t.kind {
            TargetKind::Name(n) => self.bind(n, in_loop),
            TargetKind::Tuple(ts) => ts.iter().for_each(|t| self.target(t, in_loop)),
            TargetKind::Starred(t) => self.target(t, in_loop),
            TargetKind::Attribute { .. } | TargetKind::Subscript { .. } => {}
        }
    }

    fn unbind(&mut self, t: &Target) {
        match &t.kind {
            TargetKind::Name(n) => {
                self.unstable.insert(n.clone());
            }
            TargetKind::Tuple(ts) => ts.iter().for_each(|t| self.unbind(t)),
            TargetKind::Starred(t) => self.unbind(t),
            TargetKind::Attribute { .. } | TargetKind::Subscript { .. } => {}
        }
    }

    /// Module-level statements (`in_loop`: inside a loop's body, run any number of times).
    fn top(&mut self, body: &[Stmt], in_loop: bool) {
        for s in body {
            match &s.kind {
                StmtKind::Assign { targets, .. } => {
                    targets.iter().for_each(|t| self.target(t, in_loop))
                }
                StmtKind::AnnAssign {
                    target,
                    value: Some(_),
                    ..
                } => self.target(target, in_loop),
                StmtKind::AugAssign { target, .. } | StmtKind::AnnAssign { target, .. } => {
                    self.unbind(target)
                }
                StmtKind::Delete(targets) => targets.iter().for_each(|t| self.unbind(t)),
                StmtKind::Import(aliases) => {
                    for a in aliases {
                        let name = a
                            .asname
                            .as_deref()
                            .unwrap_or_else(|| a.name.split('.').next().unwrap_or(&a.name));
                        self.bind(name, in_loop);
                    }
                }
                StmtKind::ImportFrom { names, .. } => {
                    for a in names {
                        self.bind(a.asname.as_deref().unwrap_or(&a.name), in_loop);
                    }
                }
                StmtKind::If { body, orelse, .. } => {
                    self.top(body, in_loop);
                    self.top(orelse, in_loop);
                }
                StmtKind::While { body, orelse, .. } => {
                    self.top(body, true);
                    self.top(orelse, true);
                }
                StmtKind::For {
                    target,
                    body,
                    orelse,
                    ..
                } => {
                    self.target(target, true);
                    self.top(body, true);
                    self.top(orelse, true);
                }
                StmtKind::Try {
                    body,
                    handlers,
                    orelse,
                    finalbody,
                } => {
                    self.top(body, in_loop);
                    for h in handlers {
                        // Bound, then unbound when the handler ends.
                        if let Some(n) = &h.name {
                            self.unstable.insert(n.clone());
                        }
                        self.top(&h.body, in_loop);
                    }
                    self.top(orelse, in_loop);
                    self.top(finalbody, in_loop);
                }
                StmtKind::With { items, body } => {
                    for item in items {
                        if let Some(t) = &item.target {
                            self.target(t, in_loop);
                        }
                    }
                    self.top(body, in_loop);
                }
                StmtKind::FunctionDef(f) => {
                    self.bind(&f.name, in_loop);
                    self.nested(&f.body);
                }
                StmtKind::ClassDef(c) => {
                    self.bind(&c.name, in_loop);
                    self.nested(&c.body);
                }
                StmtKind::Expr(_)
                | StmtKind::Pass
                | StmtKind::Break
                | StmtKind::Continue
                | StmtKind::Return(_)
                | StmtKind::Raise { .. }
                | StmtKind::Global(_)
                | StmtKind::Nonlocal(_)
                | StmtKind::Assert { .. } => {}
            }
        }
    }

    /// A function's or class's body: only a `global` declaration there writes a global.
    fn nested(&mut self, body: &[Stmt]) {
        for s in body {
            match &s.kind {
                StmtKind::Global(names) => self.unstable.extend(names.iter().cloned()),
                StmtKind::If { body, orelse, .. } | StmtKind::While { body, orelse, .. } => {
                    self.nested(body);
                    self.nested(orelse);
                }
                StmtKind::For { body, orelse, .. } => {
                    self.nested(body);
                    self.nested(orelse);
                }
                StmtKind::Try {
                    body,
                    handlers,
                    orelse,
                    finalbody,
                } => {
                    self.nested(body);
                    for h in handlers {
                        self.nested(&h.body);
                    }
                    self.nested(orelse);
                    self.nested(finalbody);
                }
                StmtKind::With { body, .. } => self.nested(body),
                StmtKind::FunctionDef(f) => self.nested(&f.body),
                StmtKind::ClassDef(c) => self.nested(&c.body),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stable(src: &str) -> Vec<String> {
        let module = crate::parser::parse(src).expect("parses");
        let mut names: Vec<String> = stable_globals(&module).into_iter().collect();
        names.sort();
        names
    }

    #[test]
    fn definitions_imports_and_constants_bound_once_are_stable() {
        let src = "import random\nfrom threading import Lock\nN = 5\nclass A:\n    pass\n\
                   def f():\n    x = 1\n    return x\nif True:\n    M = 2\nwith open_ as g:\n    pass\n";
        assert_eq!(stable(src), ["A", "Lock", "M", "N", "f", "g", "random"]);
    }

    #[test]
    fn anything_that_may_be_written_again_is_not() {
        let src = "a = 1\na = 2\nfor i in range(3):\n    b = i\nwhile False:\n    c = 1\n\
                   d = 0\nd += 1\ne = 1\ndel e\nf = 1\ndef g():\n    global f\n    f = 2\n\
                   try:\n    pass\nexcept Exception as h:\n    pass\nk: int\n";
        assert_eq!(stable(src), ["g"]);
    }

    #[test]
    fn a_global_declared_in_a_nested_block_of_a_method_is_not() {
        let src = "n = 0\nclass C:\n    def m(self):\n        if True:\n            global n\n            n = 1\n";
        assert_eq!(stable(src), ["C"]);
    }
}
