//! The bytecode: compact instructions with `u32` operands, run by [`crate::vm`].
//!
//! A [`Code`] is one function body (or the module, a class body, a comprehension). Locals
//! live in numbered slots of the frame (parameters first, then other locals, then cells,
//! then free variables); globals in numbered slots of the module; names of attributes in
//! the code's `names`, interned once per program. Exception handling uses a table of
//! ranges ([`Handler`]): entering a `try` costs nothing.

use std::sync::Arc;

use crate::vm::names::Interner;
use crate::vm::value::{PyStr, Value};

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    TrueDiv,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    BitAnd,
    BitOr,
    BitXor,
    MatMul,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::TrueDiv => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "** or pow()",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::MatMul => "@",
        }
    }
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum UnOp {
    Neg,
    Pos,
    Invert,
}

/// Comparison operators (`is`/`in` included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum CmpOp {
    Lt,
    Le,
    Eq,
    Ne,
    Gt,
    Ge,
    Is,
    IsNot,
    In,
    NotIn,
}

impl CmpOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Is => "is",
            CmpOp::IsNot => "is not",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
        }
    }
}

/// One instruction. Stack effects are given as `[before] -> [after]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// Nothing.
    Nop,
    /// `[a] -> []`.
    Pop,
    /// `[a] -> [a a]`.
    Dup,
    /// Swaps the top with the `n`th from the top (`Swap(2)` swaps the top two).
    Swap(u32),
    /// Pushes a copy of the `n`th from the top (`Copy(1)` is `Dup`).
    Copy(u32),
    /// Pushes constant `i`.
    Const(u32),
    /// Pushes a small int.
    Int(i32),
    /// Pushes `None`.
    LoadNone,
    /// Pushes local slot `i` (`UnboundLocalError` when unbound).
    LoadFast(u32),
    /// Pops into local slot `i`.
    StoreFast(u32),
    /// Unbinds local slot `i`.
    DelFast(u32),
    /// Turns the value in slot `i` into a new cell holding it (at function entry).
    MakeCell(u32),
    /// Pushes the cell in slot `i` itself (to build a closure).
    LoadClosure(u32),
    /// Pushes the value in the cell in slot `i`.
    LoadDeref(u32),
    /// Pops into the cell in slot `i`.
    StoreDeref(u32),
    /// Empties the cell in slot `i`.
    DelDeref(u32),
    /// Pushes global slot `i` (falling back to a built-in of the same name).
    LoadGlobal(u32),
    /// Pops into global slot `i`.
    StoreGlobal(u32),
    /// Unbinds global slot `i`.
    DelGlobal(u32),
    /// Pushes built-in `i` (a name never assigned as a global).
    LoadBuiltin(u32),
    /// Class bodies: pushes name `i` from the class namespace, else global slot `j`
    /// (`u32::MAX`: none), else the built-in.
    LoadName(u32, u32),
    /// Class bodies: pops into the class namespace.
    StoreName(u32),
    /// Class bodies: deletes from the class namespace.
    DelName(u32),
    /// `[obj] -> [obj.name]`.
    LoadAttr(u32),
    /// `[value obj] -> []`: `obj.name = value`.
    StoreAttr(u32),
    /// `[obj] -> []`: `del obj.name`.
    DelAttr(u32),
    /// `[obj] -> [method obj]` or `[Null attr]`, for `CallMethod`.
    LoadMethod(u32),
    /// `[obj key] -> [obj[key]]`.
    Subscr,
    /// `[value obj key] -> []`.
    StoreSubscr,
    /// `[obj key] -> []`.
    DelSubscr,
    /// `[start stop] -> [slice]` or with step (`n` = 2 or 3).
    BuildSlice(u32),
    /// `[a b] -> [a op b]`.
    Binary(BinOp),
    /// `[a b] -> [a op= b]` (in place for lists).
    Inplace(BinOp),
    /// `LoadFast(a)` then `LoadFast(b)`.
    LoadFast2(u32, u32),
    /// `[a] -> [a op k]` (an `Int(k)` then `Binary(op)`).
    BinaryInt(BinOp, i32),
    /// `[a b] -> []`: slot `x` = `a op= b` (`Inplace(op)` then `StoreFast(x)`).
    InplaceStore(BinOp, u32),
    /// `[a b] -> []`: `Compare(op)`, then jumps when false.
    CmpJumpIfFalse(CmpOp, u32),
    /// `[a b] -> []`: `Compare(op)`, then jumps when true.
    CmpJumpIfTrue(CmpOp, u32),
    /// `[a] -> [op a]`.
    Unary(UnOp),
    /// `[a] -> [not a]`.
    Not,
    /// `[a b] -> [a cmp b]`.
    Compare(CmpOp),
    /// Jumps.
    Jump(u32),
    /// `[a] -> []`, jumps when falsy.
    JumpIfFalse(u32),
    /// `[a] -> []`, jumps when truthy.
    JumpIfTrue(u32),
    /// Jumps keeping `a` when falsy; else pops it.
    JumpIfFalseOrPop(u32),
    /// Jumps keeping `a` when truthy; else pops it.
    JumpIfTrueOrPop(u32),
    /// `[a] -> [iter(a)]`.
    GetIter,
    /// `[it] -> [it next]`, or pops `it` and jumps when exhausted.
    ForIter(u32),
    /// `[a1..an] -> [start stop step]`: the counters of `for x in range(a1..an)`.
    RangeIter(u32),
    /// `[start stop step] -> [next stop step x]`, or pops the three and jumps when done.
    ForRange(u32),
    /// `[a1..an] -> [list]`.
    BuildList(u32),
    /// `[a1..an] -> [tuple]`.
    BuildTuple(u32),
    /// `[a1..an] -> [set]`.
    BuildSet(u32),
    /// `[k1 v1 .. kn vn] -> [dict]`.
    BuildMap(u32),
    /// `[s1..sn] -> [s1+..+sn]` (f-strings).
    BuildString(u32),
    /// `[.. list .. v] -> [.. list ..]` where the list is `n` below `v`'s slot.
    ListAppend(u32),
    /// Same, for a set.
    SetAdd(u32),
    /// `[.. dict .. k v]` -> `dict[k] = v`, the dict `n` below `k`'s slot.
    MapAdd(u32),
    /// `[list iterable] -> [list]` (`[*a]`).
    ListExtend,
    /// `[set iterable] -> [set]`.
    SetUpdate,
    /// `[dict mapping] -> [dict]` (`{**a}`, `f(**a)`).
    DictUpdate,
    /// `[list] -> [tuple]`.
    ListToTuple,
    /// `[seq] -> [vn .. v1]`.
    Unpack(u32),
    /// `a, *b, c = seq`: `before`, `after`.
    UnpackEx(u32, u32),
    /// `[value] -> [str]` or `[value spec] -> [str]`: low 2 bits conversion (0 none, 1 str,
    /// 2 repr, 3 ascii), bit 2: has a spec on the stack.
    FormatValue(u32),
    /// `[f a1..an] -> [result]`.
    Call(u32),
    /// `[f a1..an] -> [result]`, the last names (constant tuple `k`) passed by keyword.
    CallKw(u32, u32),
    /// `[f args_tuple] -> [result]` or with a kwargs dict when `1`.
    CallEx(u32),
    /// `[m self a1..an] -> [result]` (after `LoadMethod`).
    CallMethod(u32),
    /// `CallMethod` with keywords (constant tuple `k`).
    CallMethodKw(u32, u32),
    /// Makes a function of nested code `i`; flags: 1 defaults tuple, 2 kw-defaults dict,
    /// 4 closure tuple (popped in the order closure, kwdefaults, defaults).
    MakeFunction(u32, u32),
    /// `[base?] -> [class]`: runs class body code `i` (`1` = a base is on the stack).
    BuildClass(u32, u32),
    /// Returns the top.
    Return,
    /// `raise` (0), `raise x` (1), `raise x from y` (2).
    Raise(u32),
    /// `[prev exc] -> []`: restores `prev` as the exception being handled, re-raises `exc`.
    PopExceptReraise,
    /// `[exc] -> [prev exc]`: `exc` becomes the exception being handled.
    PushExcInfo,
    /// `[prev] -> []`: restores the exception being handled.
    PopExcept,
    /// `[exc cls] -> [exc bool]`.
    CheckExcMatch,
    /// `[mgr] -> [exit enter]`: binds `__exit__` and `__enter__` (call `enter` next).
    BeforeWith,
    /// `[exit prev exc] -> [exit prev exc exit type exc None]` (then `Call(3)`).
    WithExitArgs,
    /// Pushes module `i` (see `vm::value::ModuleKind` order).
    Import(u32),
    /// `[module] -> [module module.name]`.
    ImportFrom(u32),
    /// Zero-argument `super()`: pushes the super object for slot 0 of this frame.
    Super,
    /// Ends the module (returns `None`).
    Halt,
    /// An `assert` failed: records it (an invariant of the run, by its source line) before
    /// its `AssertionError` is raised.
    AssertFailed,
    // Fused heads (see [`fuse`]): each does the work of the instruction it replaced and
    // of the ones after it, which stay in place (for jumps into them), then skips them.
    /// `LoadFast(s)`, `LoadAttr(n)`.
    LoadFastAttr(u32, u32),
    /// `LoadFast(s)`, `Dup`, `LoadAttr(n)` (`self.x += ...`).
    LoadFastDupAttr(u32, u32),
    /// `LoadFast(s)`, `StoreAttr(n)`.
    LoadFastStoreAttr(u32, u32),
    /// `LoadFast(s)`, `LoadMethod(n)`.
    LoadFastMethod(u32, u32),
    /// `Swap(2)`, `StoreAttr(n)`.
    SwapStoreAttr(u32),
    /// `ForRange(t)`, `StoreFast(s)`.
    ForRangeStore(u32, u32),
    /// `LoadFast(s)`, `BinaryInt(op, k)`.
    LoadFastBinaryInt(BinOp, u32, i32),
    /// `LoadFast(s)`, `Binary(op)`.
    LoadFastBinary(BinOp, u32),
    /// `Int(k)`, `CmpJumpIfFalse(op, t)`.
    IntCmpJumpIfFalse(CmpOp, i32, u32),
    /// `Int(k)`, `CmpJumpIfTrue(op, t)`.
    IntCmpJumpIfTrue(CmpOp, i32, u32),
    /// `LoadFast2(c, k)`, `Subscr`.
    SubscrFast2(u32, u32),
    /// `LoadFast2(c, k)`, `StoreSubscr`.
    StoreSubscrFast2(u32, u32),
    /// `LoadFast(s)`, `Int(k)`, `CmpJumpIfFalse(op, t)`, with `s` in the low and `k` in
    /// the high 16 bits of the first operand.
    LoadFastIntCmpJumpIfFalse(CmpOp, u32, u32),
    /// `LoadFast(s)`, `Int(k)`, `CmpJumpIfTrue(op, t)` (operands as above).
    LoadFastIntCmpJumpIfTrue(CmpOp, u32, u32),
    /// `LoadFast(s)`, `Inplace(op)` (ints: the same as `Binary(op)`).
    LoadFastInplace(BinOp, u32),
    /// `Unpack(n)` then `n` times `StoreFast` (their slots are read from them).
    UnpackStore(u32),
}

/// `s` and `k` in one operand, when they fit in 16 bits each.
fn pack_slot_int(s: u32, k: i32) -> Option<u32> {
    let k = i16::try_from(k).ok()?;
    (s <= 0xffff).then_some(s | ((k as u16 as u32) << 16))
}

/// The slot and the int of [`pack_slot_int`].
#[inline]
pub fn unpack_slot_int(p: u32) -> (u32, i64) {
    (p & 0xffff, (p >> 16) as u16 as i16 as i64)
}

/// Fuses common instruction sequences: the first instruction of each becomes a fused
/// head doing the work of the whole sequence. The other instructions stay where they
/// are, so positions (jump targets, lines, the exception table) do not change, a jump
/// into the middle of a sequence runs the original instructions, and a fused head
/// counts one step per instruction it stands for (the step budget is unchanged).
pub fn fuse(ops: &mut [Op]) {
    let orig = ops.to_vec();
    for (k, slot) in ops.iter_mut().enumerate() {
        let next = orig.get(k + 1).copied();
        let next2 = orig.get(k + 2).copied();
        *slot = match (orig[k], next, next2) {
            (Op::LoadFast(s), Some(Op::Int(i)), Some(Op::CmpJumpIfFalse(c, t))) => {
                match pack_slot_int(s, i) {
                    Some(p) => Op::LoadFastIntCmpJumpIfFalse(c, p, t),
                    None => Op::LoadFast(s),
                }
            }
            (Op::LoadFast(s), Some(Op::Int(i)), Some(Op::CmpJumpIfTrue(c, t))) => {
                match pack_slot_int(s, i) {
                    Some(p) => Op::LoadFastIntCmpJumpIfTrue(c, p, t),
                    None => Op::LoadFast(s),
                }
            }
            (Op::LoadFast(s), Some(Op::Dup), Some(Op::LoadAttr(n))) => Op::LoadFastDupAttr(s, n),
            (Op::LoadFast(s), Some(Op::LoadAttr(n)), _) => Op::LoadFastAttr(s, n),
            (Op::LoadFast(s), Some(Op::StoreAttr(n)), _) => Op::LoadFastStoreAttr(s, n),
            (Op::LoadFast(s), Some(Op::LoadMethod(n)), _) => Op::LoadFastMethod(s, n),
            (Op::Swap(2), Some(Op::StoreAttr(n)), _) => Op::SwapStoreAttr(n),
            (Op::ForRange(t), Some(Op::StoreFast(s)), _) => Op::ForRangeStore(t, s),
            (Op::LoadFast(s), Some(Op::BinaryInt(b, k)), _) => Op::LoadFastBinaryInt(b, s, k),
            (Op::LoadFast(s), Some(Op::Binary(b)), _) => Op::LoadFastBinary(b, s),
            (Op::LoadFast(s), Some(Op::Inplace(b)), _) => Op::LoadFastInplace(b, s),
            (Op::Unpack(n), _, _)
                if n > 0
                    && orig
                        .get(k + 1..k + 1 + n as usize)
                        .is_some_and(|w| w.iter().all(|o| matches!(o, Op::StoreFast(_)))) =>
            {
                Op::UnpackStore(n)
            }
            (Op::Int(k), Some(Op::CmpJumpIfFalse(c, t)), _) => Op::IntCmpJumpIfFalse(c, k, t),
            (Op::Int(k), Some(Op::CmpJumpIfTrue(c, t)), _) => Op::IntCmpJumpIfTrue(c, k, t),
            (Op::LoadFast2(c, k), Some(Op::Subscr), _) => Op::SubscrFast2(c, k),
            (Op::LoadFast2(c, k), Some(Op::StoreSubscr), _) => Op::StoreSubscrFast2(c, k),
            (op, _, _) => op,
        };
    }
}

/// One entry of the exception table: an exception raised by an instruction in
/// `start..end` jumps to `target` with the stack cut to `depth` values (above the slots).
#[derive(Clone, Copy, Debug)]
pub struct Handler {
    /// First instruction covered.
    pub start: u32,
    /// One past the last instruction covered.
    pub end: u32,
    /// Where the handler starts.
    pub target: u32,
    /// Stack depth to cut to before pushing the exception.
    pub depth: u32,
}

/// What a code object is the body of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeKind {
    /// The module.
    Module,
    /// A `def`.
    Function,
    /// A `lambda`.
    Lambda,
    /// A class body.
    Class,
    /// A comprehension (own scope, called at once).
    Comprehension,
}

/// A compiled body.
pub struct Code {
    /// This code's index in [`Module::codes`] (frames name their code by it).
    pub id: u32,
    /// `__name__` of the function (`<module>`, `<lambda>`, `<listcomp>`...).
    pub name: Arc<PyStr>,
    /// Qualified name (`Account.deposit`, `outer.<locals>.inner`), for messages.
    pub qualname: String,
    /// What this is the body of.
    pub kind: CodeKind,
    /// The instructions.
    pub ops: Vec<Op>,
    /// The source line of each instruction.
    pub lines: Vec<u32>,
    /// Constants.
    pub consts: Vec<Value>,
    /// Names (attributes, keywords, class namespace names).
    pub names: Vec<Arc<PyStr>>,
    /// Nested code objects.
    pub codes: Vec<Arc<Code>>,
    /// Positional parameters.
    pub argcount: u32,
    /// Keyword-only parameters.
    pub kwonlycount: u32,
    /// Has `*args`.
    pub varargs: bool,
    /// Has `**kwargs`.
    pub varkw: bool,
    /// Slot names: parameters (positional, keyword-only, `*args`, `**kwargs`), other
    /// locals, cells, free variables.
    pub varnames: Vec<Arc<PyStr>>,
    /// Slots that hold free variables (filled from the closure): the last `nfree`.
    pub nfree: u32,
    /// Exception table, non-overlapping, in order.
    pub handlers: Vec<Handler>,
    /// Line of the `def`.
    pub first_line: u32,
}

impl Code {
    /// The number of slots.
    pub fn nslots(&self) -> usize {
        self.varnames.len()
    }

    /// The handler covering instruction `pc`.
    pub fn handler_for(&self, pc: u32) -> Option<&Handler> {
        self.handlers.iter().find(|h| h.start <= pc && pc < h.end)
    }

    /// The line of instruction `pc`.
    pub fn line_at(&self, pc: usize) -> u32 {
        self.lines.get(pc).copied().unwrap_or(self.first_line)
    }

    /// A readable listing, for debugging.
    pub fn disassemble(&self) -> String {
        let mut s = format!("code {} ({:?})\n", self.qualname, self.kind);
        for (i, op) in self.ops.iter().enumerate() {
            s.push_str(&format!(
                "{:4} {:4} {:?}\n",
                self.lines.get(i).copied().unwrap_or(0),
                i,
                op
            ));
        }
        for h in &self.handlers {
            s.push_str(&format!(
                "  handler {}..{} -> {} depth {}\n",
                h.start, h.end, h.target, h.depth
            ));
        }
        for c in &self.codes {
            s.push_str(&c.disassemble());
        }
        s
    }
}

/// A compiled program: the module code and what its globals are.
pub struct Module {
    /// The module body.
    pub code: Arc<Code>,
    /// Every code object of the program, by [`Code::id`].
    pub codes: Vec<Arc<Code>>,
    /// Names of the global slots.
    pub globals: Vec<Arc<PyStr>>,
    /// For each global slot, the built-in of the same name to fall back to, if any.
    pub global_builtins: Vec<Option<u32>>,
    /// For each global slot, whether it is bound once and for all (see
    /// [`crate::compiler::stable`]): once bound, reading it conflicts with nothing.
    pub stable_globals: Vec<bool>,
    /// The program's interned names.
    pub interner: Interner,
    /// The source text (for tracebacks).
    pub source: Arc<str>,
    /// The file name shown in tracebacks.
    pub filename: Arc<str>,
}
