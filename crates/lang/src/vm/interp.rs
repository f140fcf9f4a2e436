//! The interpreter loop: one thread's frames and value stack.
//!
//! All frames of a thread share one value stack: a frame's slots (locals, cells, free
//! variables) start at `base`, its operand stack follows them. A call leaves the arguments
//! where the caller pushed them and they become the callee's first slots, so a simple call
//! copies nothing.

use std::sync::Arc;

use super::builtins::{builtin_value, Builtin};
use super::exceptions::{new_exc, type_error, Flow, PResult};
use super::modules::Rng;
use super::names::Wk;
use super::types::ExcType;
use super::value::{
    lock, BaseType, BoundMethod, CellObj, Class, ClassKind, Function, Instance, IterState, PyStr,
    SuperObj, TbEntry, Tuple, Value,
};
use super::{OutputLine, RunOptions, RunResult, Uncaught};
use crate::bytecode::{BinOp, CmpOp, Code, Module, Op};

/// How deep built-ins may nest calls back into Python (a `__eq__` called by `list.index`
/// that calls `sorted` with a key...). Beyond it: `RecursionError`.
pub const MAX_NATIVE_DEPTH: u32 = 48;

/// How many instructions run between two looks at the cancel hook: about a millisecond's
/// worth, so Stop is prompt and the hook costs nothing measurable.
const POLL_EVERY: u64 = 1 << 16;

/// What a frame is, beyond running its code.
pub(crate) enum FrameKind {
    /// A plain call.
    Normal,
    /// `__init__` of a new instance: the call's result is the instance.
    Init(Value),
    /// A class body: on return, the class is made from the namespace.
    Class(Box<ClassBuild>),
}

/// A class being built by its body.
pub(crate) struct ClassBuild {
    pub(crate) ns: Vec<(Arc<PyStr>, Value)>,
    pub(crate) base: Option<Arc<Class>>,
}

/// One activation.
pub(crate) struct Frame {
    /// The code's id in the module ([`Code::id`]).
    pub(crate) code: u32,
    pub(crate) pc: usize,
    pub(crate) base: usize,
    pub(crate) ret_sp: usize,
    pub(crate) func: Option<Arc<Function>>,
    pub(crate) kind: FrameKind,
    /// Returning from (or raising out of) this frame ends the current `run_frames`.
    pub(crate) boundary: bool,
}

/// The result of starting a call.
pub(crate) enum Called {
    /// A frame was pushed; the loop continues in it.
    Pushed,
    /// The call finished (a built-in); its result is on the stack.
    Done,
}

/// One running program (its main thread).
pub struct Interp {
    pub(crate) module: Arc<Module>,
    pub(crate) globals: super::shared::GlobalStore,
    pub(crate) stack: Vec<Value>,
    pub(crate) frames: Vec<Frame>,
    /// The exception being handled (`Null`: none).
    pub(crate) handling: Value,
    pub(crate) native_depth: u32,
    pub(crate) steps_left: u64,
    /// When `steps_left` falls to this, [`Interp::checkpoint`] looks at the cancel hook
    /// (0 without one: only the step budget's end is checked).
    poll_at: u64,
    /// Whether the cancel hook ended the run.
    pub(crate) cancelled: bool,
    pub(crate) opts: RunOptions,
    /// What this thread shares with the run's other threads (output, checks, threads).
    pub(crate) shared: Arc<super::threads::RunShared>,
    pub(crate) rng: Rng,
    pub(crate) std_clock: super::modules::StdClock,
    /// Seconds of short sleeps this thread still owes (negative: waited ahead), so that
    /// sleeps shorter than the clock's tick average out right (see `short_sleep`).
    pub(crate) sleep_owed: f64,
    pub(crate) argbuf: Vec<Value>,
    /// The function object of each comprehension without defaults or free variables, by
    /// code id, made once per thread: nothing but its own call ever sees it, so each run
    /// of `[a.balance for a in accounts]` need not make a new one.
    comprehensions: Vec<Option<Arc<Function>>>,
    /// The bound `__exit__` of the last few locks (and one `invalid()`) this thread entered
    /// with `with`, so that entering the same lock again does not make a new one (see
    /// `lock_exit`). Holding them keeps those objects alive a little longer, which nothing
    /// can observe.
    lock_exits: [Option<Value>; 4],
    pub(crate) repr_depth: u32,
    pub(crate) repr_active: Vec<i64>,
    pub(crate) stack_base: usize,
    pub(crate) thread: usize,
    /// Where each code's instructions start in the per-instruction caches.
    pub(crate) cache_base: Vec<usize>,
    /// This thread's method cache, one entry per instruction of the program.
    pub(crate) method_cache: Vec<super::shared::MethodCache>,
    /// Whether the run is stepped: every shared operation is then a turn.
    pub(crate) stepped: bool,
    /// The run is stepped on one thread (`vm::green`): every program thread is an
    /// interpreter of this one thread, and gives the turn back by unwinding.
    pub(crate) one_thread: bool,
    /// Set while an instruction that can be made again from its start performs its shared
    /// operation or its wait: on one thread, that turn point may yield (see `can_yield`).
    pub(crate) yield_ok: bool,
    /// Turns the instruction in progress has taken at shared operations (a `with`
    /// statement reads `__exit__` and `__enter__`, each a turn).
    pub(crate) turns_taken: u32,
    /// Made again after a yield: its first turns were taken already and are not again.
    pub(crate) turns_to_skip: u32,
    /// This thread's recording, when the run is traced.
    pub(crate) tracer: Option<Box<super::trace::ThreadTrace>>,
    /// Whether shared operations go through the hook: the run is stepped or traced.
    pub(crate) hooked: bool,
    /// A stepped run: the step just taken by a read, whose value the read will tell.
    pub(crate) step_read: std::cell::Cell<Option<usize>>,
    /// This thread's copy of the stable globals it has read once bound (`Null`: not yet),
    /// by global slot; empty until the globals are shared. A stable global is never
    /// written again once bound (`compiler::stable`), so reading the copy is reading the
    /// global, without taking its slot's lock, which every thread would contend for.
    pub(crate) stable_seen: Vec<Value>,
}

macro_rules! pop {
    ($s:expr) => {
        match $s.stack.pop() {
            Some(v) => v,
            None => Value::Null,
        }
    };
}

impl Interp {
    /// A fresh interpreter for the module, as the main thread of a run sharing `shared`.
    pub(crate) fn new(
        module: Arc<Module>,
        opts: RunOptions,
        shared: Arc<super::threads::RunShared>,
    ) -> Interp {
        let globals = super::shared::GlobalStore::Local(vec![Value::Null; module.globals.len()]);
        let shared_stepped = shared.control.turns.is_active();
        let one_thread = shared_stepped && shared.control.turns.is_one_thread();
        let rng = Rng::new(opts.seed);
        let mut cache_base = Vec::with_capacity(module.codes.len());
        let mut ninstr = 0usize;
        for c in &module.codes {
            cache_base.push(ninstr);
            ninstr += c.ops.len();
        }
        Interp {
            module,
            globals,
            stack: Vec::with_capacity(1024),
            frames: Vec::with_capacity(64),
            handling: Value::Null,
            native_depth: 0,
            steps_left: opts.max_steps.unwrap_or(u64::MAX),
            // The run's control block can always ask a thread to stop (Stop, a deadlock
            // found by another thread, the end of the module for a daemon thread).
            poll_at: opts
                .max_steps
                .unwrap_or(u64::MAX)
                .saturating_sub(POLL_EVERY),
            cancelled: false,
            opts,
            shared,
            rng,
            std_clock: super::modules::StdClock,
            sleep_owed: 0.0,
            argbuf: Vec::new(),
            comprehensions: Vec::new(),
            lock_exits: Default::default(),
            repr_depth: 0,
            repr_active: Vec::new(),
            stack_base: super::heap::stack_position(),
            thread: 0,
            cache_base,
            method_cache: Vec::new(),
            stepped: shared_stepped,
            one_thread,
            yield_ok: false,
            turns_taken: 0,
            turns_to_skip: 0,
            tracer: None,
            hooked: shared_stepped,
            step_read: std::cell::Cell::new(None),
            stable_seen: Vec::new(),
        }
    }

    /// Starts this thread's recording, if the run is traced (once its index is set).
    pub(crate) fn trace_thread(&mut self) {
        if let Some(run) = &self.shared.trace {
            let t = super::trace::ThreadTrace::new(run.clone(), self.thread);
            self.tracer = Some(Box::new(t));
            self.hooked = true;
        }
    }

    /// Runs the module to its end and says what happened.
    pub fn run_main(&mut self) -> RunResult {
        // The main thread is live from the start: a program whose every thread waits for
        // what none of them can give (the main one included) is a deadlock.
        self.shared.control.waits.thread_started(0);
        self.trace_thread();
        // `__name__`
        if let Some(i) = self
            .module
            .globals
            .iter()
            .position(|n| n.as_str() == "__name__")
        {
            self.globals
                .store(i, super::exceptions::str_lossy("__main__"));
        }
        let code = self.module.code.clone();
        let nslots = code.nslots();
        for _ in 0..nslots {
            self.stack.push(Value::Null);
        }
        self.frames.push(Frame {
            code: code.id,
            pc: 0,
            base: 0,
            ret_sp: 0,
            func: None,
            kind: FrameKind::Normal,
            boundary: true,
        });
        let r = self.run_frames();
        let mut result = RunResult::default();
        match r {
            Ok(_) => {}
            Err(Flow::Stop(why)) => result.stopped = Some(why),
            Err(Flow::Exc(inst)) => result.exception = Some(self.uncaught(&inst, "MainThread")),
            // The main thread never yields: it lets the others move from where it waits.
            Err(Flow::Yield) => {}
        }
        self.stack.clear();
        self.frames.clear();
        // As CPython does at exit: wait for the threads that are not daemons.
        if let Some(Flow::Stop(why)) = self.join_all() {
            result.stopped.get_or_insert(why);
        }
        if self.stepped {
            let control = &self.shared.control;
            control.turns.leave(0, control);
        }
        result.globals = self.simple_globals();
        // Every thread has handed in its events (their bodies have returned): the main
        // thread's go last, then the trace is put together, named from the globals.
        drop(self.tracer.take());
        self.hooked = self.stepped;
        if self.shared.trace.is_some() || self.stepped {
            let globals = self.named_globals();
            if let Some(run) = &self.shared.trace {
                result.trace = Some(run.assemble(&globals));
            }
            if self.stepped {
                let notes = std::mem::take(&mut *lock(&self.shared.step_notes));
                result.step_view = Some(notes.view(&globals, &self.module.stable_globals));
            }
        }
        let shared = self.shared.clone();
        result.output = std::mem::take(&mut *lock(&shared.output));
        result.checks = std::mem::take(&mut *lock(&shared.checks));
        result.more_checks = std::mem::take(&mut *lock(&shared.more_checks));
        result.thread_exceptions = std::mem::take(&mut *lock(&shared.thread_errors));
        result.deadlock = shared
            .control
            .waits
            .deadlock()
            .map(|d| self.name_by_path(d));
        result.threads = shared.thread_count();
        if let Some(why) = lock(&shared.stopped).take() {
            if result.stopped.is_none() && result.deadlock.is_none() {
                result.stopped = Some(why);
            }
        }
        if result.deadlock.is_some() && result.stopped.as_deref() != Some("deadlock") {
            result.stopped = Some("deadlock".to_string());
        }
        result.steps = (self.opts.max_steps.unwrap_or(u64::MAX) - self.steps_left).saturating_add(
            shared
                .thread_steps
                .load(std::sync::atomic::Ordering::Relaxed),
        );
        result.cancelled = self.cancelled && result.deadlock.is_none();
        shared.clear();
        result
    }

    /// Records a failing `assert` as a failed check named by its statement's text.
    #[cold]
    fn note_failed_assert(&mut self) {
        let line = self.current_line();
        let text = self
            .module
            .source
            .lines()
            .nth((line as usize).saturating_sub(1))
            .map(str::trim)
            .unwrap_or("assert");
        self.shared.check_failed(super::CheckFailure {
            name: text.to_string(),
            line,
            thread: self.thread,
            assert: true,
        });
    }

    /// The module's simple globals (numbers, strings, booleans, `None`, and lists, tuples
    /// and string-keyed dicts of them), by name, for the report's final state.
    /// Every global by its name, as the run leaves it: where traces, step mode and
    /// deadlocks name objects from.
    fn named_globals(&self) -> Vec<(String, Value)> {
        (0..self.module.globals.len())
            .map(|i| {
                (
                    self.module.globals[i].as_str().to_string(),
                    self.globals.load(i),
                )
            })
            .collect()
    }

    /// The deadlock with each primitive a global reaches named by its path from there
    /// (`accounts[3].lock`) rather than as it was made (`self.lock (3)`, which a reader
    /// cannot tell from `self.lock (4)`).
    fn name_by_path(&self, mut d: racelab::sync::Deadlock) -> racelab::sync::Deadlock {
        let paths = super::stepview::primitive_paths(&self.named_globals());
        let rename = |name: &mut String| {
            if let Some(path) = paths.get(name.as_str()) {
                *name = path.clone();
            }
        };
        for edge in &mut d.cycle {
            edge.holds.iter_mut().for_each(rename);
            rename(&mut edge.waits_for);
        }
        for w in &mut d.waiting {
            if let Some(path) = paths.get(w.waits_for.as_str()) {
                w.why = super::stepview::replace_name(&w.why, &w.waits_for, path);
                w.waits_for = path.clone();
            }
        }
        d
    }

    fn simple_globals(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut out = serde_json::Map::new();
        for (i, name) in self.module.globals.iter().enumerate() {
            let name = name.as_str();
            if name.starts_with("__") {
                continue;
            }
            if let Some(v) = simple_json(&self.globals.load(i), 2) {
                out.insert(name.to_string(), v);
            }
        }
        out
    }

    /// An exception that escaped thread `thread_name` as the report gives it.
    pub(crate) fn uncaught(&mut self, inst: &Arc<Instance>, thread_name: &str) -> Uncaught {
        let traceback = self.format_traceback(inst);
        let message = self.exc_str(inst);
        let line = match &inst.exc {
            Some(e) => lock(e).tb.first().map(|t| t.line).unwrap_or(0),
            None => 0,
        };
        Uncaught {
            thread: self.thread,
            thread_name: thread_name.to_string(),
            type_name: super::exceptions::exc_type_name(inst),
            message,
            line,
            traceback,
        }
    }

    /// The code object with this id.
    pub(crate) fn code(&self, id: u32) -> &Arc<Code> {
        self.module
            .codes
            .get(id as usize)
            .unwrap_or(&self.module.code)
    }

    /// The line the current frame is at.
    pub(crate) fn current_line(&self) -> u32 {
        match self.frames.last() {
            Some(f) => self.code(f.code).line_at(f.pc.saturating_sub(1)),
            None => 0,
        }
    }

    /// Reached every [`POLL_EVERY`] steps when the run can be cancelled, and when the step
    /// budget is spent: says whether the run must stop, and why.
    fn checkpoint(&mut self) -> Option<Flow> {
        if self.steps_left == 0 {
            return Some(Flow::Stop(format!(
                "the program ran for more than its step budget of {} instructions",
                self.opts.max_steps.unwrap_or(u64::MAX)
            )));
        }
        if let Some(stop) = self.stop_requested() {
            return Some(stop);
        }
        self.poll_at = self.steps_left.saturating_sub(POLL_EVERY);
        None
    }

    /// Records a new raise in the current frame: traceback entry and `__context__`.
    fn note_raise(&mut self, err: &Flow) {
        if let Flow::Exc(inst) = err {
            if let Some(f) = self.frames.last() {
                let code = self.code(f.code).clone();
                let entry = TbEntry {
                    line: code.line_at(f.pc.saturating_sub(1)),
                    code,
                };
                if let Some(e) = &inst.exc {
                    let mut d = lock(e);
                    d.tb.push(entry);
                    if d.context.is_none() {
                        if let Value::Instance(h) = &self.handling {
                            if !Arc::ptr_eq(h, inst) {
                                d.context = Some(self.handling.clone());
                            }
                        }
                    }
                }
            }
        }
    }

    /// Finds a handler for `err`, unwinding frames; `Err` when it leaves the run.
    fn unwind(&mut self, err: Flow) -> PResult<()> {
        let module = self.module.clone();
        loop {
            let Some(frame) = self.frames.last_mut() else {
                return Err(err);
            };
            if let Flow::Exc(inst) = &err {
                let pc = frame.pc.saturating_sub(1) as u32;
                let code = module
                    .codes
                    .get(frame.code as usize)
                    .unwrap_or(&module.code);
                if let Some(h) = code.handler_for(pc) {
                    let depth = frame.base + code.nslots() + h.depth as usize;
                    frame.pc = h.target as usize;
                    self.stack.truncate(depth);
                    self.stack.push(Value::Instance(inst.clone()));
                    return Ok(());
                }
            }
            let Some(frame) = self.frames.pop() else {
                return Err(err);
            };
            self.stack.truncate(frame.ret_sp);
            if frame.boundary {
                return Err(err);
            }
            if let Flow::Exc(inst) = &err {
                if let (Some(caller), Some(e)) = (self.frames.last(), &inst.exc) {
                    let code = module
                        .codes
                        .get(caller.code as usize)
                        .unwrap_or(&module.code);
                    let line = code.line_at(caller.pc.saturating_sub(1));
                    lock(e).tb.push(TbEntry {
                        code: code.clone(),
                        line,
                    });
                }
            }
        }
    }

    /// Runs frames until the innermost boundary frame returns.
    pub(crate) fn run_frames(&mut self) -> PResult<Value> {
        let module = self.module.clone();
        'outer: loop {
            let Some(frame) = self.frames.last() else {
                return Ok(Value::None);
            };
            let code: &Code = module
                .codes
                .get(frame.code as usize)
                .unwrap_or(&module.code);
            let base = frame.base;
            let mut pc = frame.pc;
            let ops: &[Op] = &code.ops;
            let fi = self.frames.len() - 1;
            let cache_at = self.cache_base.get(code.id as usize).copied().unwrap_or(0);
            // Steps are charged per straight-line segment: at each taken jump, call,
            // return and exception, exactly the instructions executed since the last one.
            let mut seg = pc;

            macro_rules! tri {
                ($e:expr) => {
                    match $e {
                        Ok(v) => v,
                        Err(e) => break (e, true),
                    }
                };
            }
            // A clone of local `i` (in stack slot `slot`), or the loop ends with its
            // UnboundLocalError; `then drop v` drops a value already taken first.
            macro_rules! local {
                ($slot:expr, $i:expr $(, then drop $taken:expr)?) => {
                    match self.stack.get($slot) {
                        Some(Value::Null) | None => {
                            $(fast_drop($taken);)?
                            break (self.unbound_local(code, $i), true);
                        }
                        Some(v) => fast_clone(v),
                    }
                };
            }
            macro_rules! settle {
                () => {
                    self.steps_left = self.steps_left.saturating_sub((pc - seg.min(pc)) as u64);
                };
            }
            macro_rules! jump_to {
                ($t:expr) => {
                    settle!();
                    pc = $t as usize;
                    seg = pc;
                    if self.steps_left <= self.poll_at {
                        if let Some(stop) = self.checkpoint() {
                            break (stop, false);
                        }
                    }
                };
            }
            // `ForRange(t)` `StoreFast(x)` (the fused head at `pc - 1`): the counter goes
            // straight to its slot.
            macro_rules! for_range_store {
                ($t:expr, $x:expr) => {
                    let l = self.stack.len();
                    let at = base + $x as usize;
                    if l < 3 {
                        continue; // as `ForRange` does
                    }
                    let (cur, stop, step) =
                        match (&self.stack[l - 3], &self.stack[l - 2], &self.stack[l - 1]) {
                            (Value::Int(a), Value::Int(b), Value::Int(c)) => (*a, *b, *c),
                            _ => (0, 0, 1),
                        };
                    if (step > 0 && cur < stop) || (step < 0 && cur > stop) {
                        if let Value::Int(c) = &mut self.stack[l - 3] {
                            *c = cur.checked_add(step).unwrap_or(stop);
                        }
                        if at < l - 3 {
                            set_int(&mut self.stack[at], cur);
                            pc += 1;
                        } else {
                            // as `ForRange` alone: `StoreFast` runs next
                            self.stack.push(Value::Int(cur));
                        }
                    } else {
                        self.stack.truncate(l - 3);
                        jump_to!($t);
                    }
                };
            }
            macro_rules! save_pc {
                () => {
                    if let Some(f) = self.frames.get_mut(fi) {
                        f.pc = pc;
                    }
                };
            }
            // A shared operation or a wait of an instruction that can be made again: on
            // one thread it may yield, and then `$restore` puts back what the instruction
            // took from the stack and it starts over at `at` when the thread is chosen.
            macro_rules! turn {
                ($e:expr, $at:expr, $restore:block) => {{
                    if !self.one_thread {
                        // Nothing yields: the real runs' path stays as it was.
                        tri!($e)
                    } else {
                        self.yield_ok = true;
                        let r = $e;
                        self.yield_ok = false;
                        self.turns_taken = 0;
                        match r {
                            Ok(v) => {
                                self.turns_to_skip = 0;
                                v
                            }
                            Err(Flow::Yield) => {
                                $restore;
                                pc = $at;
                                break (Flow::Yield, false);
                            }
                            Err(e) => {
                                self.turns_to_skip = 0;
                                break (e, true);
                            }
                        }
                    }
                }};
            }
            // A call that may wait: on one thread, a wait of racelab's own primitives (or a
            // sleep) may yield, and then the call is put back as it was and made again.
            macro_rules! call_turn {
                ($fidx:expr, $at:expr, $e:expr) => {{
                    let snap = if self.one_thread {
                        self.call_snapshot($fidx)
                    } else {
                        None
                    };
                    self.yield_ok = snap.is_some();
                    let r = $e;
                    self.yield_ok = false;
                    match r {
                        Ok(v) => v,
                        Err(Flow::Yield) => match snap {
                            Some((values, mark)) => {
                                self.stack.truncate($fidx);
                                self.stack.extend(values);
                                if let (Some(t), Some(mark)) = (&self.tracer, mark) {
                                    t.rollback(mark);
                                }
                                pc = $at;
                                break (Flow::Yield, false);
                            }
                            None => break (new_exc(ExcType::SystemError, "a call yielded"), true),
                        },
                        Err(e) => break (e, true),
                    }
                }};
            }
            // A value the operation consumes, kept for a yield only where one can happen.
            macro_rules! keep {
                ($v:expr) => {
                    if self.one_thread {
                        Some(fast_clone(&$v))
                    } else {
                        None
                    }
                };
            }

            if let Some(e) = (self.steps_left <= self.poll_at)
                .then(|| self.checkpoint())
                .flatten()
            {
                while let Some(f) = self.frames.pop() {
                    self.stack.truncate(f.ret_sp);
                    if f.boundary {
                        break;
                    }
                }
                return Err(e);
            }
            let (err, fresh): (Flow, bool) = 'inner: loop {
                let Some(&op) = ops.get(pc) else {
                    break 'inner (
                        new_exc(ExcType::SystemError, "ran past the end of the code"),
                        true,
                    );
                };
                // Where this instruction starts: a yield makes it again from here.
                let at = pc;
                pc += 1;
                match op {
                    Op::Nop => {}
                    Op::Pop => {
                        self.stack.pop();
                    }
                    Op::Dup => {
                        let v = self.stack.last().cloned().unwrap_or_default();
                        self.stack.push(v);
                    }
                    Op::Swap(n) => {
                        let l = self.stack.len();
                        let n = n as usize;
                        if n >= 1 && n <= l {
                            self.stack.swap(l - 1, l - n);
                        }
                    }
                    Op::Copy(n) => {
                        let l = self.stack.len();
                        let n = n as usize;
                        let v = if n >= 1 && n <= l {
                            self.stack[l - n].clone()
                        } else {
                            Value::Null
                        };
                        self.stack.push(v);
                    }
                    Op::Const(i) => {
                        let v = code.consts.get(i as usize).cloned().unwrap_or_default();
                        self.stack.push(v);
                    }
                    Op::Int(i) => self.stack.push(Value::Int(i as i64)),
                    Op::LoadNone => self.stack.push(Value::None),
                    Op::LoadFast(i) => {
                        let v = local!(base + i as usize, i);
                        self.stack.push(v);
                    }
                    Op::StoreFast(i) => {
                        let v = pop!(self);
                        if let Some(slot) = self.stack.get_mut(base + i as usize) {
                            let old = std::mem::replace(slot, v);
                            fast_drop(old);
                        }
                    }
                    Op::DelFast(i) => {
                        let old = match self.stack.get_mut(base + i as usize) {
                            Some(slot) => std::mem::take(slot),
                            None => Value::Null,
                        };
                        if old.is_null() {
                            break 'inner (self.unbound_local(code, i), true);
                        }
                    }
                    Op::MakeCell(i) => {
                        if let Some(slot) = self.stack.get_mut(base + i as usize) {
                            let v = std::mem::take(slot);
                            *slot = Value::Cell(Arc::new(CellObj::new(v)));
                        }
                    }
                    Op::LoadClosure(i) => {
                        let v = self
                            .stack
                            .get(base + i as usize)
                            .cloned()
                            .unwrap_or_default();
                        self.stack.push(v);
                    }
                    Op::LoadDeref(i) => {
                        let v = match self.stack.get(base + i as usize) {
                            Some(Value::Cell(c)) => c.get(),
                            _ => Value::Null,
                        };
                        if v.is_null() {
                            break 'inner (self.unbound_deref(code, i), true);
                        }
                        self.stack.push(v);
                    }
                    Op::StoreDeref(i) => {
                        let v = pop!(self);
                        if let Some(Value::Cell(c)) = self.stack.get(base + i as usize) {
                            c.set(v);
                        }
                    }
                    Op::DelDeref(i) => {
                        let was = match self.stack.get(base + i as usize) {
                            Some(Value::Cell(c)) => {
                                let old = std::mem::take(&mut *lock(&c.value));
                                !old.is_null()
                            }
                            _ => false,
                        };
                        if !was {
                            break 'inner (self.unbound_deref(code, i), true);
                        }
                    }
                    Op::LoadGlobal(i) => {
                        // Fast path: a bound global of a single-threaded program.
                        if let super::shared::GlobalStore::Local(g) = &self.globals {
                            if let Some(v) = g.get(i as usize) {
                                if !v.is_null() {
                                    let v = fast_clone(v);
                                    self.stack.push(v);
                                    continue;
                                }
                            }
                        }
                        // Threads share the globals: a stable one this thread has seen.
                        if let Some(v) = self.stable_seen.get(i as usize) {
                            if !v.is_null() && !self.hooked {
                                let v = fast_clone(v);
                                self.stack.push(v);
                                continue;
                            }
                        }
                        save_pc!();
                        let v = turn!(self.load_global(i as usize), at, {});
                        self.stack.push(v);
                    }
                    Op::StoreGlobal(i) => {
                        let v = pop!(self);
                        save_pc!();
                        let kept = keep!(v);
                        turn!(self.store_global(i as usize, v), at, {
                            self.stack.extend(kept);
                        });
                    }
                    Op::DelGlobal(i) => {
                        save_pc!();
                        turn!(self.delete_global(i as usize), at, {});
                    }
                    Op::LoadBuiltin(i) => self.stack.push(builtin_value(i as usize)),
                    Op::LoadName(n, g) => {
                        let name = code.names.get(n as usize).cloned();
                        let Some(name) = name else { continue };
                        let found = match self.frames.get(fi).map(|f| &f.kind) {
                            Some(FrameKind::Class(b)) => {
                                b.ns.iter()
                                    .rev()
                                    .find(|(k, _)| super::value::name_eq(k, &name))
                                    .map(|(_, v)| v.clone())
                            }
                            _ => None,
                        };
                        let v = match found {
                            Some(v) => v,
                            None if g != u32::MAX => {
                                save_pc!();
                                tri!(self.load_global(g as usize))
                            }
                            None => match super::builtins::builtin_index(name.as_str()) {
                                Some(b) => builtin_value(b),
                                None => {
                                    break 'inner (
                                        new_exc(
                                            ExcType::NameError,
                                            format!("name '{}' is not defined", name.as_str()),
                                        ),
                                        true,
                                    )
                                }
                            },
                        };
                        self.stack.push(v);
                    }
                    Op::StoreName(n) => {
                        let v = pop!(self);
                        let name = code.names.get(n as usize).cloned();
                        if let (Some(name), Some(FrameKind::Class(b))) =
                            (name, self.frames.get_mut(fi).map(|f| &mut f.kind))
                        {
                            if let Some(slot) =
                                b.ns.iter_mut()
                                    .find(|(k, _)| super::value::name_eq(k, &name))
                            {
                                slot.1 = v;
                            } else {
                                b.ns.push((name, v));
                            }
                        }
                    }
                    Op::DelName(n) => {
                        let name = code.names.get(n as usize).cloned();
                        let mut found = false;
                        if let (Some(name), Some(FrameKind::Class(b))) =
                            (name.clone(), self.frames.get_mut(fi).map(|f| &mut f.kind))
                        {
                            if let Some(p) =
                                b.ns.iter()
                                    .position(|(k, _)| super::value::name_eq(k, &name))
                            {
                                b.ns.remove(p);
                                found = true;
                            }
                        }
                        if !found {
                            let n = name.map(|n| n.as_str().to_string()).unwrap_or_default();
                            break 'inner (
                                new_exc(ExcType::NameError, format!("name '{n}' is not defined")),
                                true,
                            );
                        }
                    }
                    Op::LoadAttr(n) => {
                        let obj = pop!(self);
                        let Some(name) = code.names.get(n as usize) else {
                            continue;
                        };
                        save_pc!();
                        let v = turn!(self.get_attr(&obj, name), at, {
                            self.stack.push(obj);
                        });
                        self.stack.push(v);
                    }
                    Op::StoreAttr(n) => {
                        let obj = pop!(self);
                        let v = pop!(self);
                        let Some(name) = code.names.get(n as usize) else {
                            continue;
                        };
                        save_pc!();
                        let kept = keep!(v);
                        turn!(self.set_attr(&obj, name, v), at, {
                            self.stack.extend(kept);
                            self.stack.push(obj);
                        });
                    }
                    Op::LoadFastAttr(s, n) | Op::LoadFastDupAttr(s, n) => {
                        // `LoadFast(s)` (`Dup`) `LoadAttr(n)`, reading the attribute of
                        // the local in place (no reference count traffic).
                        let slot_at = base + s as usize;
                        let dup = match self.stack.get(slot_at) {
                            Some(Value::Null) | None => {
                                break 'inner (self.unbound_local(code, s), true);
                            }
                            Some(v) => {
                                if let Op::LoadFastDupAttr(..) = op {
                                    Some(fast_clone(v))
                                } else {
                                    None
                                }
                            }
                        };
                        let dup = match dup {
                            Some(v) => {
                                self.stack.push(v);
                                pc += 1;
                                true
                            }
                            None => false,
                        };
                        pc += 1;
                        let Some(name) = code.names.get(n as usize) else {
                            continue;
                        };
                        save_pc!();
                        let obj = std::mem::take(&mut self.stack[slot_at]);
                        self.yield_ok = true;
                        let r = self.get_attr(&obj, name);
                        self.yield_ok = false;
                        if let Some(slot) = self.stack.get_mut(slot_at) {
                            *slot = obj;
                        }
                        let v = turn!(r, at, {
                            if dup {
                                self.stack.pop();
                            }
                        });
                        self.stack.push(v);
                    }
                    Op::LoadFastStoreAttr(s, n) => {
                        // `LoadFast(s)` `StoreAttr(n)`.
                        let slot_at = base + s as usize;
                        if matches!(self.stack.get(slot_at), Some(Value::Null) | None) {
                            break 'inner (self.unbound_local(code, s), true);
                        }
                        pc += 1;
                        let v = pop!(self);
                        let Some(name) = code.names.get(n as usize) else {
                            continue;
                        };
                        save_pc!();
                        let kept = keep!(v);
                        let obj = std::mem::take(&mut self.stack[slot_at]);
                        self.yield_ok = true;
                        let r = self.set_attr(&obj, name, v);
                        self.yield_ok = false;
                        if let Some(slot) = self.stack.get_mut(slot_at) {
                            *slot = obj;
                        }
                        turn!(r, at, {
                            self.stack.extend(kept);
                        });
                    }
                    Op::SwapStoreAttr(n) => {
                        // `Swap(2)` `StoreAttr(n)`.
                        pc += 1;
                        let (obj, v) = if self.stack.len() >= 2 {
                            let v = pop!(self);
                            (pop!(self), v)
                        } else {
                            let obj = pop!(self);
                            (obj, pop!(self))
                        };
                        let Some(name) = code.names.get(n as usize) else {
                            continue;
                        };
                        save_pc!();
                        let kept = keep!(v);
                        turn!(self.set_attr(&obj, name, v), at, {
                            self.stack.push(obj);
                            self.stack.extend(kept);
                        });
                    }
                    Op::LoadFastMethod(s, n) => {
                        // `LoadFast(s)` `LoadMethod(n)`.
                        let obj = local!(base + s as usize, s);
                        pc += 1;
                        let Some(name) = code.names.get(n as usize) else {
                            continue;
                        };
                        save_pc!();
                        let (a, b) =
                            turn!(self.load_method_cached(obj, name, cache_at + pc - 1), at, {
                            });
                        self.stack.push(a);
                        self.stack.push(b);
                    }
                    Op::DelAttr(n) => {
                        let obj = pop!(self);
                        let Some(name) = code.names.get(n as usize).cloned() else {
                            continue;
                        };
                        save_pc!();
                        turn!(self.del_attr(&obj, &name), at, {
                            self.stack.push(obj);
                        });
                    }
                    Op::LoadMethod(n) => {
                        let obj = pop!(self);
                        let Some(name) = code.names.get(n as usize) else {
                            continue;
                        };
                        save_pc!();
                        let kept = keep!(obj);
                        let (a, b) =
                            turn!(self.load_method_cached(obj, name, cache_at + pc - 1), at, {
                                self.stack.extend(kept);
                            });
                        self.stack.push(a);
                        self.stack.push(b);
                    }
                    Op::Subscr => {
                        let key = pop!(self);
                        let obj = pop!(self);
                        save_pc!();
                        let v = turn!(self.get_item(&obj, &key), at, {
                            self.stack.push(obj);
                            self.stack.push(key);
                        });
                        self.stack.push(v);
                    }
                    Op::SubscrFast2(c, k) | Op::StoreSubscrFast2(c, k) => {
                        // `LoadFast2(c, k)` then `Subscr` / `StoreSubscr`: the container and
                        // the key are used in place in their slots.
                        let (ac, ak) = (base + c as usize, base + k as usize);
                        let bound = |v: Option<&Value>| !matches!(v, Some(Value::Null) | None);
                        if c == k || !bound(self.stack.get(ac)) || !bound(self.stack.get(ak)) {
                            // as `LoadFast2` alone (its errors included)
                            let va = local!(ac, c);
                            let vb = local!(ak, k, then drop va);
                            self.stack.push(va);
                            self.stack.push(vb);
                            continue;
                        }
                        pc += 1;
                        save_pc!();
                        if let Op::SubscrFast2(..) = op {
                            let obj = std::mem::take(&mut self.stack[ac]);
                            let key = std::mem::take(&mut self.stack[ak]);
                            self.yield_ok = true;
                            let r = self.get_item(&obj, &key);
                            self.yield_ok = false;
                            if let Some(slot) = self.stack.get_mut(ac) {
                                *slot = obj;
                            }
                            if let Some(slot) = self.stack.get_mut(ak) {
                                *slot = key;
                            }
                            let v = turn!(r, at, {});
                            self.stack.push(v);
                        } else {
                            let v = pop!(self);
                            let kept = keep!(v);
                            let key = fast_clone(&self.stack[ak]);
                            let obj = std::mem::take(&mut self.stack[ac]);
                            self.yield_ok = true;
                            let r = self.set_item(&obj, key, v);
                            self.yield_ok = false;
                            if let Some(slot) = self.stack.get_mut(ac) {
                                *slot = obj;
                            }
                            turn!(r, at, {
                                self.stack.extend(kept);
                            });
                        }
                    }
                    Op::StoreSubscr => {
                        let key = pop!(self);
                        let obj = pop!(self);
                        let v = pop!(self);
                        save_pc!();
                        let kept = keep!(v).map(|v| (v, fast_clone(&key)));
                        turn!(self.set_item(&obj, key, v), at, {
                            if let Some((v, key)) = kept {
                                self.stack.push(v);
                                self.stack.push(obj);
                                self.stack.push(key);
                            }
                        });
                    }
                    Op::DelSubscr => {
                        let key = pop!(self);
                        let obj = pop!(self);
                        save_pc!();
                        turn!(self.del_item(&obj, &key), at, {
                            self.stack.push(obj);
                            self.stack.push(key);
                        });
                    }
                    Op::BuildSlice(n) => {
                        let step = if n == 3 { pop!(self) } else { Value::None };
                        let stop = pop!(self);
                        let start = pop!(self);
                        self.stack
                            .push(Value::Slice(Arc::new(super::value::SliceObj {
                                start,
                                stop,
                                step,
                            })));
                    }
                    Op::Binary(bop) => {
                        let b = pop!(self);
                        let l = self.stack.len();
                        if l == 0 {
                            continue;
                        }
                        // Fast paths: ints and floats.
                        let fast = match (&self.stack[l - 1], &b) {
                            (Value::Int(x), Value::Int(y)) => int_fast(bop, *x, *y),
                            (Value::Float(x), Value::Float(y)) => float_fast(bop, *x, *y),
                            _ => None,
                        };
                        match fast {
                            Some(v) => {
                                let old = std::mem::replace(&mut self.stack[l - 1], v);
                                fast_drop(old);
                                fast_drop(b);
                            }
                            None => {
                                let a = pop!(self);
                                save_pc!();
                                let v = tri!(self.binary(bop, a, b));
                                self.stack.push(v);
                            }
                        }
                    }
                    Op::Inplace(bop) => {
                        let b = pop!(self);
                        let l = self.stack.len();
                        if l == 0 {
                            continue;
                        }
                        let fast = match (&self.stack[l - 1], &b) {
                            (Value::Int(x), Value::Int(y)) => int_fast(bop, *x, *y),
                            (Value::Float(x), Value::Float(y)) => float_fast(bop, *x, *y),
                            _ => None,
                        };
                        match fast {
                            Some(v) => {
                                let old = std::mem::replace(&mut self.stack[l - 1], v);
                                fast_drop(old);
                                fast_drop(b);
                            }
                            None => {
                                let a = pop!(self);
                                save_pc!();
                                let v = tri!(self.inplace(bop, a, b));
                                self.stack.push(v);
                            }
                        }
                    }
                    Op::LoadFast2(a, b) => {
                        let va = local!(base + a as usize, a);
                        let vb = local!(base + b as usize, b, then drop va);
                        self.stack.push(va);
                        self.stack.push(vb);
                    }
                    Op::BinaryInt(bop, k) => {
                        let l = self.stack.len();
                        if l == 0 {
                            continue;
                        }
                        let fast = match &self.stack[l - 1] {
                            Value::Int(x) => int_fast(bop, *x, k as i64),
                            Value::Float(x) => float_fast(bop, *x, k as f64),
                            _ => None,
                        };
                        match fast {
                            Some(v) => {
                                let old = std::mem::replace(&mut self.stack[l - 1], v);
                                fast_drop(old);
                            }
                            None => {
                                let a = pop!(self);
                                save_pc!();
                                let v = tri!(self.binary(bop, a, Value::Int(k as i64)));
                                self.stack.push(v);
                            }
                        }
                    }
                    Op::InplaceStore(bop, x) => {
                        let b = pop!(self);
                        let a = pop!(self);
                        let fast = match (&a, &b) {
                            (Value::Int(p), Value::Int(q)) => int_fast(bop, *p, *q),
                            (Value::Float(p), Value::Float(q)) => float_fast(bop, *p, *q),
                            _ => None,
                        };
                        let v = match fast {
                            Some(v) => {
                                fast_drop(a);
                                fast_drop(b);
                                v
                            }
                            None => {
                                save_pc!();
                                tri!(self.inplace(bop, a, b))
                            }
                        };
                        if let Some(slot) = self.stack.get_mut(base + x as usize) {
                            let old = std::mem::replace(slot, v);
                            fast_drop(old);
                        }
                    }
                    Op::CmpJumpIfFalse(c, t) | Op::CmpJumpIfTrue(c, t) => {
                        let b = pop!(self);
                        let a = pop!(self);
                        let truth = match (&a, &b) {
                            (Value::Int(x), Value::Int(y)) => match c {
                                CmpOp::Lt => x < y,
                                CmpOp::Le => x <= y,
                                CmpOp::Eq | CmpOp::Is => x == y,
                                CmpOp::Ne | CmpOp::IsNot => x != y,
                                CmpOp::Gt => x > y,
                                CmpOp::Ge => x >= y,
                                CmpOp::In | CmpOp::NotIn => {
                                    save_pc!();
                                    let r = tri!(self.compare(c, a, b));
                                    matches!(r, Value::Bool(true))
                                }
                            },
                            _ => {
                                save_pc!();
                                let r = tri!(self.compare(c, a, b));
                                match r {
                                    Value::Bool(v) => v,
                                    other => tri!(self.truthy(&other)),
                                }
                            }
                        };
                        let want = matches!(op, Op::CmpJumpIfTrue(..));
                        if truth == want {
                            jump_to!(t);
                        }
                    }
                    Op::Unary(u) => {
                        let a = pop!(self);
                        save_pc!();
                        let v = tri!(self.unary(u, a));
                        self.stack.push(v);
                    }
                    Op::Not => {
                        let a = pop!(self);
                        let t = match &a {
                            Value::Bool(b) => *b,
                            Value::Int(i) => *i != 0,
                            Value::None => false,
                            _ => {
                                save_pc!();
                                tri!(self.truthy(&a))
                            }
                        };
                        self.stack.push(Value::Bool(!t));
                    }
                    Op::Compare(c) => {
                        let b = pop!(self);
                        let l = self.stack.len();
                        if l == 0 {
                            continue;
                        }
                        let fast = match (&self.stack[l - 1], &b) {
                            (Value::Int(x), Value::Int(y)) => Some(match c {
                                CmpOp::Lt => x < y,
                                CmpOp::Le => x <= y,
                                CmpOp::Eq | CmpOp::Is => x == y,
                                CmpOp::Ne | CmpOp::IsNot => x != y,
                                CmpOp::Gt => x > y,
                                CmpOp::Ge => x >= y,
                                CmpOp::In | CmpOp::NotIn => {
                                    let a = pop!(self);
                                    save_pc!();
                                    let r = tri!(self.compare(c, a, b));
                                    self.stack.push(r);
                                    continue;
                                }
                            }),
                            _ => None,
                        };
                        match fast {
                            Some(r) => {
                                let old = std::mem::replace(&mut self.stack[l - 1], Value::Bool(r));
                                fast_drop(old);
                                fast_drop(b);
                            }
                            None => {
                                let a = pop!(self);
                                save_pc!();
                                let r = tri!(self.compare(c, a, b));
                                self.stack.push(r);
                            }
                        }
                    }
                    Op::Jump(t) => {
                        jump_to!(t);
                        // The commonest target, a `for ... in range` head, runs right here
                        // (one dispatch less per iteration; its step is counted as usual).
                        if let Some(&Op::ForRangeStore(t2, x)) = ops.get(pc) {
                            pc += 1;
                            for_range_store!(t2, x);
                        }
                    }
                    Op::JumpIfFalse(t) | Op::JumpIfTrue(t) => {
                        let v = pop!(self);
                        let truth = match &v {
                            Value::Bool(b) => *b,
                            Value::Int(i) => *i != 0,
                            Value::None => false,
                            _ => {
                                save_pc!();
                                tri!(self.truthy(&v))
                            }
                        };
                        let want = matches!(op, Op::JumpIfTrue(_));
                        if truth == want {
                            jump_to!(t);
                        }
                    }
                    Op::JumpIfFalseOrPop(t) | Op::JumpIfTrueOrPop(t) => {
                        let v = self.stack.last().cloned().unwrap_or_default();
                        let truth = match &v {
                            Value::Bool(b) => *b,
                            Value::Int(i) => *i != 0,
                            Value::None => false,
                            _ => {
                                save_pc!();
                                tri!(self.truthy(&v))
                            }
                        };
                        let want = matches!(op, Op::JumpIfTrueOrPop(_));
                        if truth == want {
                            jump_to!(t);
                        } else {
                            self.stack.pop();
                        }
                    }
                    Op::GetIter => {
                        let v = pop!(self);
                        save_pc!();
                        let it = tri!(self.get_iter(v));
                        self.stack.push(it);
                    }
                    Op::ForIter(t) => {
                        // Fast path: a range iterator only this loop holds.
                        let l = self.stack.len();
                        if l == 0 {
                            continue;
                        }
                        if let Value::Iter(it) = &mut self.stack[l - 1] {
                            if let Some(it) = Arc::get_mut(it) {
                                if let IterState::Range(cur, left, step) =
                                    it.state.get_mut().unwrap_or_else(|e| e.into_inner())
                                {
                                    if *left > 0 {
                                        let v = *cur;
                                        *left -= 1;
                                        *cur = cur.wrapping_add(*step);
                                        self.stack.push(Value::Int(v));
                                    } else {
                                        self.stack.pop();
                                        jump_to!(t);
                                    }
                                    continue;
                                }
                            }
                        }
                        // Fast path: a list iterator (as `iter_next`, without cloning it).
                        let next = match &self.stack[l - 1] {
                            Value::Iter(it) => {
                                let mut g = lock(&it.state);
                                match &mut *g {
                                    IterState::List(list, i) => {
                                        let v = list.lock().items.get(*i).cloned();
                                        match v {
                                            Some(v) => {
                                                *i += 1;
                                                Some(Some(v))
                                            }
                                            None => {
                                                let done =
                                                    std::mem::replace(&mut *g, IterState::Done);
                                                drop(g);
                                                drop(done);
                                                Some(None)
                                            }
                                        }
                                    }
                                    _ => None,
                                }
                            }
                            _ => None,
                        };
                        match next {
                            Some(Some(v)) => {
                                self.stack.push(v);
                                continue;
                            }
                            Some(None) => {
                                self.stack.pop();
                                jump_to!(t);
                                continue;
                            }
                            None => {}
                        }
                        let it = self.stack[l - 1].clone();
                        save_pc!();
                        match tri!(self.iter_next(&it)) {
                            Some(v) => self.stack.push(v),
                            None => {
                                self.stack.pop();
                                jump_to!(t);
                            }
                        }
                    }
                    Op::RangeIter(n) => {
                        let r = self.range_iter_setup(n as usize);
                        tri!(r);
                    }
                    Op::ForRange(t) => {
                        let l = self.stack.len();
                        if l < 3 {
                            continue;
                        }
                        let (cur, stop, step) =
                            match (&self.stack[l - 3], &self.stack[l - 2], &self.stack[l - 1]) {
                                (Value::Int(a), Value::Int(b), Value::Int(c)) => (*a, *b, *c),
                                _ => (0, 0, 1),
                            };
                        if (step > 0 && cur < stop) || (step < 0 && cur > stop) {
                            if let Value::Int(c) = &mut self.stack[l - 3] {
                                *c = cur.checked_add(step).unwrap_or(stop);
                            }
                            self.stack.push(Value::Int(cur));
                        } else {
                            self.stack.truncate(l - 3);
                            jump_to!(t);
                        }
                    }
                    Op::ForRangeStore(t, x) => {
                        for_range_store!(t, x);
                    }
                    Op::LoadFastBinaryInt(bop, x, k) => {
                        // `LoadFast(x)` `BinaryInt(bop, k)` for an int in the slot.
                        let v = match self.stack.get(base + x as usize) {
                            Some(Value::Int(a)) => match int_fast_raw(bop, *a, k as i64) {
                                Some(r) => {
                                    pc += 1;
                                    Value::Int(r)
                                }
                                None => Value::Int(*a),
                            },
                            Some(Value::Null) | None => {
                                break 'inner (self.unbound_local(code, x), true);
                            }
                            Some(v) => fast_clone(v),
                        };
                        self.stack.push(v);
                    }
                    Op::LoadFastBinary(bop, x) | Op::LoadFastInplace(bop, x) => {
                        // `LoadFast(x)` `Binary(bop)` for ints in the slot and on top.
                        let v = match self.stack.get(base + x as usize) {
                            Some(Value::Int(b)) => {
                                let b = *b;
                                if let Some(Value::Int(a)) = self.stack.last_mut() {
                                    if let Some(r) = int_fast_raw(bop, *a, b) {
                                        *a = r;
                                        pc += 1;
                                        continue;
                                    }
                                }
                                Value::Int(b)
                            }
                            Some(Value::Null) | None => {
                                break 'inner (self.unbound_local(code, x), true);
                            }
                            Some(v) => fast_clone(v),
                        };
                        self.stack.push(v);
                    }
                    Op::LoadFastIntCmpJumpIfFalse(c, p, t)
                    | Op::LoadFastIntCmpJumpIfTrue(c, p, t) => {
                        // `LoadFast(s)` `Int(k)` and the compare-and-jump, for an int in the
                        // slot.
                        let (x, k) = crate::bytecode::unpack_slot_int(p);
                        let truth = match self.stack.get(base + x as usize) {
                            Some(Value::Int(a)) => match c {
                                CmpOp::Lt => Some(*a < k),
                                CmpOp::Le => Some(*a <= k),
                                CmpOp::Eq => Some(*a == k),
                                CmpOp::Ne => Some(*a != k),
                                CmpOp::Gt => Some(*a > k),
                                CmpOp::Ge => Some(*a >= k),
                                _ => None,
                            },
                            Some(Value::Null) | None => {
                                break 'inner (self.unbound_local(code, x), true);
                            }
                            Some(_) => None,
                        };
                        let Some(truth) = truth else {
                            // as `LoadFast(s)` alone
                            let v = fast_clone(&self.stack[base + x as usize]);
                            self.stack.push(v);
                            continue;
                        };
                        pc += 2;
                        let want = matches!(op, Op::LoadFastIntCmpJumpIfTrue(..));
                        if truth == want {
                            jump_to!(t);
                        }
                    }
                    Op::IntCmpJumpIfFalse(c, k, t) | Op::IntCmpJumpIfTrue(c, k, t) => {
                        // `Int(k)` then the compare-and-jump, for an int on top.
                        let truth = match self.stack.last() {
                            Some(Value::Int(x)) => {
                                let (x, y) = (*x, k as i64);
                                match c {
                                    CmpOp::Lt => Some(x < y),
                                    CmpOp::Le => Some(x <= y),
                                    CmpOp::Eq => Some(x == y),
                                    CmpOp::Ne => Some(x != y),
                                    CmpOp::Gt => Some(x > y),
                                    CmpOp::Ge => Some(x >= y),
                                    _ => None,
                                }
                            }
                            _ => None,
                        };
                        let Some(truth) = truth else {
                            self.stack.push(Value::Int(k as i64));
                            continue; // as `Int(k)` alone
                        };
                        self.stack.pop();
                        pc += 1;
                        let want = matches!(op, Op::IntCmpJumpIfTrue(..));
                        if truth == want {
                            jump_to!(t);
                        }
                    }
                    Op::BuildList(n) => {
                        let l = self.stack.len();
                        let items: Vec<Value> =
                            self.stack.drain(l.saturating_sub(n as usize)..).collect();
                        let v = tri!(Value::list(items).map_err(Flow::from));
                        self.stack.push(v);
                    }
                    Op::BuildTuple(n) => {
                        let l = self.stack.len();
                        let items: Vec<Value> = self.stack.split_off(l.saturating_sub(n as usize));
                        let v = tri!(Value::tuple(items).map_err(Flow::from));
                        self.stack.push(v);
                    }
                    Op::BuildSet(n) => {
                        let l = self.stack.len();
                        let items: Vec<Value> =
                            self.stack.drain(l.saturating_sub(n as usize)..).collect();
                        let v = tri!(self.make_set(items, false));
                        self.stack.push(v);
                    }
                    Op::BuildMap(n) => {
                        let l = self.stack.len();
                        let items: Vec<Value> = self
                            .stack
                            .drain(l.saturating_sub(2 * n as usize)..)
                            .collect();
                        let d = tri!(super::dict::Dict::new().map_err(Flow::from));
                        let d = Arc::new(d);
                        let r = self.build_map(&d, items);
                        tri!(r);
                        self.stack.push(Value::Dict(d));
                    }
                    Op::BuildString(n) => {
                        let l = self.stack.len();
                        let mut s = String::new();
                        for v in self.stack.drain(l.saturating_sub(n as usize)..) {
                            if let Value::Str(p) = v {
                                s.push_str(p.as_str());
                            }
                        }
                        let v = tri!(Value::str(s).map_err(Flow::from));
                        self.stack.push(v);
                    }
                    Op::ListAppend(n) => {
                        let v = pop!(self);
                        let l = self.stack.len();
                        if let Some(Value::List(list)) =
                            l.checked_sub(n as usize).and_then(|i| self.stack.get(i))
                        {
                            tri!(list.lock().push(v).map_err(Flow::from));
                        }
                    }
                    Op::SetAdd(n) => {
                        let v = pop!(self);
                        let l = self.stack.len();
                        if let Some(Value::Set(set)) = l
                            .checked_sub(n as usize)
                            .and_then(|i| self.stack.get(i))
                            .cloned()
                        {
                            tri!(self.set_add(&set, v));
                        }
                    }
                    Op::MapAdd(n) => {
                        let v = pop!(self);
                        let k = pop!(self);
                        let l = self.stack.len();
                        if let Some(Value::Dict(d)) = l
                            .checked_sub(n as usize)
                            .and_then(|i| self.stack.get(i))
                            .cloned()
                        {
                            tri!(self.dict_set(&d, k, v));
                        }
                    }
                    Op::ListExtend => {
                        let src = pop!(self);
                        let items = tri!(self.collect(&src));
                        if let Some(Value::List(list)) = self.stack.last() {
                            let mut g = list.lock();
                            tri!(g.reserve(items.len()).map_err(Flow::from));
                            g.items.extend(items);
                        }
                    }
                    Op::SetUpdate => {
                        let src = pop!(self);
                        if let Some(Value::Set(set)) = self.stack.last().cloned() {
                            let r = self.set_update_from(&set, &src);
                            tri!(r);
                        }
                    }
                    Op::DictUpdate => {
                        let src = pop!(self);
                        if let Some(Value::Dict(d)) = self.stack.last().cloned() {
                            tri!(self.dict_update_from(&d, &src, true));
                        }
                    }
                    Op::ListToTuple => {
                        let v = pop!(self);
                        let items = match &v {
                            Value::List(l) => l.snapshot(),
                            _ => Vec::new(),
                        };
                        let t = tri!(Value::tuple(items).map_err(Flow::from));
                        self.stack.push(t);
                    }
                    Op::UnpackStore(n) => {
                        // `Unpack(n)` and the `StoreFast`s after it, for a tuple of `n`.
                        let n = n as usize;
                        let v = pop!(self);
                        let fits = matches!(&v, Value::Tuple(t) if t.items.len() == n);
                        let (Value::Tuple(t), true) = (&v, fits) else {
                            save_pc!();
                            tri!(self.unpack(v, n, None));
                            continue; // as `Unpack(n)` alone
                        };
                        for (j, item) in t.items.iter().enumerate() {
                            let Some(Op::StoreFast(x)) = ops.get(pc + j) else {
                                break;
                            };
                            if let Some(slot) = self.stack.get_mut(base + *x as usize) {
                                let old = std::mem::replace(slot, fast_clone(item));
                                fast_drop(old);
                            }
                        }
                        pc += n;
                    }
                    Op::Unpack(n) => {
                        let v = pop!(self);
                        save_pc!();
                        tri!(self.unpack(v, n as usize, None));
                    }
                    Op::UnpackEx(before, after) => {
                        let v = pop!(self);
                        save_pc!();
                        tri!(self.unpack(v, before as usize, Some(after as usize)));
                    }
                    Op::FormatValue(flags) => {
                        let spec = if flags & 4 != 0 {
                            Some(pop!(self))
                        } else {
                            None
                        };
                        let v = pop!(self);
                        save_pc!();
                        let s = tri!(self.format_value_op(v, flags & 3, spec));
                        self.stack.push(s);
                    }
                    Op::Call(argc) => {
                        let l = self.stack.len();
                        let Some(fidx) = l.checked_sub(argc as usize + 1) else {
                            continue;
                        };
                        save_pc!();
                        // Fast path: `len(x)` / `str(n)` of built-in values.
                        if argc == 1 {
                            if let Some(r) = super::builtins::builtin_fast1(
                                &self.stack[fidx],
                                &self.stack[fidx + 1],
                            ) {
                                {
                                    let v = tri!(r);
                                    cut_stack(&mut self.stack, fidx);
                                    self.stack.push(v);
                                    continue;
                                }
                            }
                        }
                        // Fast path: a plain function called with exactly its positional
                        // parameters; the arguments become its first slots.
                        if let Value::Func(f) = &self.stack[fidx] {
                            let c = &f.code;
                            if c.argcount == argc
                                && c.kwonlycount == 0
                                && !c.varargs
                                && !c.varkw
                                && c.nfree == 0
                                && self.frames.len() < self.opts.recursion_limit as usize
                            {
                                let id = c.id;
                                let nslots = c.nslots();
                                let Value::Func(f) = std::mem::take(&mut self.stack[fidx]) else {
                                    continue;
                                };
                                if nslots > argc as usize {
                                    self.stack.resize(fidx + 1 + nslots, Value::Null);
                                }
                                self.frames.push(Frame {
                                    code: id,
                                    pc: 0,
                                    base: fidx + 1,
                                    ret_sp: fidx,
                                    func: Some(f),
                                    kind: FrameKind::Normal,
                                    boundary: false,
                                });
                                settle!();
                                continue 'outer;
                            }
                        }
                        match call_turn!(fidx, at, self.call_at(fidx, argc as usize, None, fidx)) {
                            Called::Pushed => {
                                settle!();
                                continue 'outer;
                            }
                            Called::Done => {}
                        }
                    }
                    Op::CallKw(argc, names) => {
                        let l = self.stack.len();
                        let Some(fidx) = l.checked_sub(argc as usize + 1) else {
                            continue;
                        };
                        let kw = match code.consts.get(names as usize) {
                            Some(Value::Tuple(t)) => Some(t.clone()),
                            _ => None,
                        };
                        save_pc!();
                        match call_turn!(fidx, at, self.call_at(fidx, argc as usize, kw, fidx)) {
                            Called::Pushed => {
                                settle!();
                                continue 'outer;
                            }
                            Called::Done => {}
                        }
                    }
                    Op::CallMethod(argc) | Op::CallMethodKw(argc, _) => {
                        let kw = match op {
                            Op::CallMethodKw(_, names) => match code.consts.get(names as usize) {
                                Some(Value::Tuple(t)) => Some(t.clone()),
                                _ => None,
                            },
                            _ => None,
                        };
                        let l = self.stack.len();
                        let Some(midx) = l.checked_sub(argc as usize + 2) else {
                            continue;
                        };
                        save_pc!();
                        // Fast paths for the commonest built-in methods.
                        if kw.is_none() {
                            if let Value::NativeMethod(_, wk) = self.stack[midx] {
                                if let Some(r) = self.native_method_fast(wk, midx, argc as usize) {
                                    let v = tri!(r);
                                    self.stack.truncate(midx);
                                    self.stack.push(v);
                                    continue;
                                }
                            }
                        }
                        // Fast path: a method found on the class, called with exactly its
                        // positional parameters (the receiver first).
                        if kw.is_none() {
                            if let Value::Func(f) = &self.stack[midx] {
                                let c = &f.code;
                                if c.argcount == argc + 1
                                    && c.kwonlycount == 0
                                    && !c.varargs
                                    && !c.varkw
                                    && c.nfree == 0
                                    && self.frames.len() < self.opts.recursion_limit as usize
                                {
                                    let id = c.id;
                                    let nslots = c.nslots();
                                    let Value::Func(f) = std::mem::take(&mut self.stack[midx])
                                    else {
                                        continue;
                                    };
                                    if nslots > argc as usize + 1 {
                                        self.stack.resize(midx + 1 + nslots, Value::Null);
                                    }
                                    self.frames.push(Frame {
                                        code: id,
                                        pc: 0,
                                        base: midx + 1,
                                        ret_sp: midx,
                                        func: Some(f),
                                        kind: FrameKind::Normal,
                                        boundary: false,
                                    });
                                    settle!();
                                    continue 'outer;
                                }
                            }
                        }
                        let called = if self.stack[midx].is_null() {
                            call_turn!(midx, at, self.call_at(midx + 1, argc as usize, kw, midx))
                        } else {
                            call_turn!(midx, at, self.call_at(midx, argc as usize + 1, kw, midx))
                        };
                        match called {
                            Called::Pushed => {
                                settle!();
                                continue 'outer;
                            }
                            Called::Done => {}
                        }
                    }
                    Op::CallEx(flags) => {
                        let kwargs = if flags & 1 != 0 {
                            Some(pop!(self))
                        } else {
                            None
                        };
                        let args = pop!(self);
                        let f = pop!(self);
                        save_pc!();
                        let pos = tri!(self.collect(&args));
                        let kwv = tri!(self.kwargs_from(kwargs));
                        let fidx = self.stack.len();
                        self.stack.push(f);
                        let npos = pos.len();
                        self.stack.extend(pos);
                        let kwnames = if kwv.is_empty() {
                            None
                        } else {
                            let names: Vec<Value> =
                                kwv.iter().map(|(k, _)| Value::Str(k.clone())).collect();
                            for (_, v) in kwv {
                                self.stack.push(v);
                            }
                            Some(Arc::new(Tuple::constant(names)))
                        };
                        let nargs = self.stack.len() - fidx - 1;
                        let _ = npos;
                        match tri!(self.call_at(fidx, nargs, kwnames, fidx)) {
                            Called::Pushed => {
                                settle!();
                                continue 'outer;
                            }
                            Called::Done => {}
                        }
                    }
                    Op::MakeFunction(ci, flags) => {
                        let closure = if flags & 4 != 0 {
                            Some(pop!(self))
                        } else {
                            None
                        };
                        let kwdefaults = if flags & 2 != 0 {
                            Some(pop!(self))
                        } else {
                            None
                        };
                        let defaults = if flags & 1 != 0 {
                            Some(pop!(self))
                        } else {
                            None
                        };
                        let Some(fcode) = code.codes.get(ci as usize) else {
                            continue;
                        };
                        if flags == 0 && fcode.kind == crate::bytecode::CodeKind::Comprehension {
                            let id = fcode.id as usize;
                            if let Some(Some(f)) = self.comprehensions.get(id) {
                                self.stack.push(Value::Func(f.clone()));
                                continue;
                            }
                            let f = tri!(self.make_function(fcode.clone(), None, None, None));
                            if let Value::Func(func) = &f {
                                if self.comprehensions.len() <= id {
                                    self.comprehensions.resize(id + 1, None);
                                }
                                self.comprehensions[id] = Some(func.clone());
                            }
                            self.stack.push(f);
                            continue;
                        }
                        let f =
                            tri!(self.make_function(fcode.clone(), defaults, kwdefaults, closure));
                        self.stack.push(f);
                    }
                    Op::BuildClass(_, has_base) => {
                        let base = if has_base != 0 {
                            Some(pop!(self))
                        } else {
                            None
                        };
                        let body = pop!(self);
                        save_pc!();
                        tri!(self.start_class(body, base));
                        {
                            settle!();
                            continue 'outer;
                        }
                    }
                    Op::Return => {
                        let v = pop!(self);
                        let Some(frame) = self.frames.pop() else {
                            {
                                settle!();
                                return Ok(v);
                            }
                        };
                        cut_stack(&mut self.stack, frame.ret_sp);
                        let result = match frame.kind {
                            FrameKind::Normal => v,
                            FrameKind::Init(inst) => {
                                if !matches!(v, Value::None) {
                                    let e = type_error(format!(
                                        "__init__() should return None, not '{}'",
                                        v.type_name()
                                    ));
                                    // the error belongs to the caller's call
                                    if frame.boundary {
                                        return Err(e);
                                    }
                                    break 'inner (e, true);
                                }
                                inst
                            }
                            FrameKind::Class(build) => {
                                match self.finish_class(
                                    &module
                                        .codes
                                        .get(frame.code as usize)
                                        .unwrap_or(&module.code)
                                        .clone(),
                                    *build,
                                ) {
                                    Ok(c) => c,
                                    Err(e) => {
                                        if frame.boundary {
                                            return Err(e);
                                        }
                                        break 'inner (e, true);
                                    }
                                }
                            }
                        };
                        if frame.boundary {
                            {
                                settle!();
                                return Ok(result);
                            }
                        }
                        self.stack.push(result);
                        {
                            settle!();
                            continue 'outer;
                        }
                    }
                    Op::AssertFailed => {
                        save_pc!();
                        self.note_failed_assert();
                    }
                    Op::Halt => {
                        let Some(frame) = self.frames.pop() else {
                            {
                                settle!();
                                return Ok(Value::None);
                            }
                        };
                        self.stack.truncate(frame.ret_sp);
                        if frame.boundary {
                            {
                                settle!();
                                return Ok(Value::None);
                            }
                        }
                        self.stack.push(Value::None);
                        {
                            settle!();
                            continue 'outer;
                        }
                    }
                    Op::Raise(n) => {
                        save_pc!();
                        match n {
                            0 => {
                                if let Value::Instance(h) = &self.handling {
                                    break 'inner (Flow::Exc(h.clone()), false);
                                }
                                break 'inner (
                                    new_exc(
                                        ExcType::RuntimeError,
                                        "No active exception to reraise",
                                    ),
                                    true,
                                );
                            }
                            _ => {
                                let cause = if n == 2 { Some(pop!(self)) } else { None };
                                let v = pop!(self);
                                let e = self.make_raise(v, cause);
                                break 'inner (e, true);
                            }
                        }
                    }
                    Op::PopExceptReraise => {
                        let exc = pop!(self);
                        let prev = pop!(self);
                        self.handling = prev;
                        match exc {
                            Value::Instance(i) => break 'inner (Flow::Exc(i), false),
                            _ => break 'inner (new_exc(ExcType::SystemError, "bad reraise"), true),
                        }
                    }
                    Op::PushExcInfo => {
                        let exc = pop!(self);
                        let prev = std::mem::replace(&mut self.handling, exc.clone());
                        self.stack.push(prev);
                        self.stack.push(exc);
                    }
                    Op::PopExcept => {
                        let prev = pop!(self);
                        self.handling = prev;
                    }
                    Op::CheckExcMatch => {
                        let cls = pop!(self);
                        let exc = self.stack.last().cloned().unwrap_or_default();
                        let r = tri!(self.exc_matches(&exc, &cls));
                        self.stack.push(Value::Bool(r));
                    }
                    Op::BeforeWith => {
                        // Fast path: racelab's own context managers (locks, `invalid()`, the
                        // other primitives) in a run that neither steps nor traces, which
                        // would see the two attribute reads: `__enter__` is called here,
                        // not made a bound method for the `Call(0)` that follows to call.
                        if !self.hooked
                            && !self.one_thread
                            && matches!(ops.get(pc), Some(Op::Call(0)))
                        {
                            if let Some(Value::Native(n)) = self.stack.last() {
                                if super::threads::thread_has_method(n, Wk::__enter__)
                                    && super::threads::thread_has_method(n, Wk::__exit__)
                                {
                                    let mgr = pop!(self);
                                    save_pc!();
                                    let exit = tri!(self.lock_exit(&mgr));
                                    let entered =
                                        self.thread_method(&mgr, Wk::__enter__, &[], Vec::new());
                                    self.stack.push(exit);
                                    self.stack.push(tri!(entered));
                                    pc += 1;
                                    continue;
                                }
                            }
                        }
                        let mgr = pop!(self);
                        save_pc!();
                        let kept = keep!(mgr);
                        let (exit, enter) = turn!(self.before_with(mgr), at, {
                            self.stack.extend(kept);
                        });
                        self.stack.push(exit);
                        self.stack.push(enter);
                    }
                    Op::WithExitArgs => {
                        let l = self.stack.len();
                        if l < 3 {
                            continue;
                        }
                        let exit = self.stack[l - 3].clone();
                        let exc = self.stack[l - 1].clone();
                        let ty = match &exc {
                            Value::Instance(i) => Value::Class(i.class.clone()),
                            _ => Value::None,
                        };
                        self.stack.push(exit);
                        self.stack.push(ty);
                        self.stack.push(exc);
                        self.stack.push(Value::None);
                    }
                    Op::Import(k) => {
                        let v = super::modules::module_value(k);
                        self.stack.push(v);
                    }
                    Op::ImportFrom(n) => {
                        let m = self.stack.last().cloned().unwrap_or_default();
                        let Some(name) = code.names.get(n as usize).cloned() else {
                            continue;
                        };
                        save_pc!();
                        let v = match self.get_attr(&m, &name) {
                            Ok(v) => v,
                            Err(_) => {
                                let mname = match &m {
                                    Value::Module(m) => m.name,
                                    _ => "?",
                                };
                                break 'inner (
                                    new_exc(
                                        ExcType::ImportError,
                                        format!(
                                            "cannot import name '{}' from '{}' (unknown location)",
                                            name.as_str(),
                                            mname
                                        ),
                                    ),
                                    true,
                                );
                            }
                        };
                        self.stack.push(v);
                    }
                    Op::Super => {
                        save_pc!();
                        let v = tri!(self.zero_arg_super(fi, base));
                        self.stack.push(v);
                    }
                }
            };
            // An exception (or a stop) at `pc - 1` of frame `fi`, or a yield at `pc`.
            self.steps_left = self.steps_left.saturating_sub((pc - seg.min(pc)) as u64);
            if let Some(f) = self.frames.get_mut(fi) {
                f.pc = pc;
            }
            if let Flow::Yield = err {
                // The frames stay as they are: the thread goes on from `pc` when chosen.
                return Err(Flow::Yield);
            }
            // Frames pushed by a call that failed before running are gone already.
            self.frames.truncate(fi + 1);
            if fresh {
                self.note_raise(&err);
            }
            if let Flow::Stop(_) = err {
                // Unwind to (and including) the innermost boundary, without handlers.
                while let Some(f) = self.frames.pop() {
                    self.stack.truncate(f.ret_sp);
                    if f.boundary {
                        break;
                    }
                }
                return Err(err);
            }
            self.unwind(err)?;
        }
    }

    /// On one thread: whether the turn point this thread is at may yield. Only a thread
    /// other than the main one (which lets the others move from where it waits instead,
    /// being the bottom of this thread's stack), not inside a call back from Rust into
    /// Python, in an instruction that can be made again from its start.
    #[inline]
    pub(crate) fn can_yield(&self) -> bool {
        self.one_thread && self.thread != 0 && self.native_depth == 0 && self.yield_ok
    }

    /// On one thread, before the call whose callable is at `fidx`: a copy of the call's
    /// stack (and where this thread's trace stands), when the call can be made again after
    /// a yield: a wait of racelab's primitives or a sleep, which do nothing before their
    /// turn but record that they asked (rolled back).
    #[cold]
    fn call_snapshot(&self, fidx: usize) -> Option<(Vec<Value>, Option<usize>)> {
        if self.thread == 0 || self.native_depth != 0 {
            return None;
        }
        // A method call's pair is (method, receiver), or (null, callable).
        let (callee, this) = match self.stack.get(fidx)? {
            Value::Null => (self.stack.get(fidx + 1)?, None),
            callee => (callee, self.stack.get(fidx + 1)),
        };
        let restartable = match callee {
            Value::Builtin(b) => *b == super::builtins::Builtin::TimeSleep,
            Value::Method(m) => match (&m.func, &m.this) {
                (Value::NativeMethod(BaseType::Native, wk), Value::Native(n)) => {
                    restartable_wait(n, *wk)
                }
                _ => false,
            },
            Value::NativeMethod(BaseType::Native, wk) => match this {
                Some(Value::Native(n)) => restartable_wait(n, *wk),
                _ => false,
            },
            _ => false,
        };
        if !restartable {
            return None;
        }
        let mark = self.tracer.as_ref().map(|t| t.mark());
        Some((self.stack[fidx..].to_vec(), mark))
    }

    /// `xs.append(v)`, `d.get(k)`, `d.get(k, default)` without the generic call
    /// machinery; `None` when the call is not one of them.
    fn native_method_fast(&mut self, wk: Wk, midx: usize, argc: usize) -> Option<PResult<Value>> {
        if wk == Wk::append && argc == 1 && matches!(self.stack.get(midx + 1), Some(Value::List(_)))
        {
            // The argument is cut from the stack right after: move it (no reference count).
            let v = std::mem::take(self.stack.get_mut(midx + 2)?);
            if let Some(Value::List(l)) = self.stack.get(midx + 1) {
                return Some(l.lock().push(v).map(|_| Value::None).map_err(Flow::from));
            }
            if let Some(slot) = self.stack.get_mut(midx + 2) {
                *slot = v;
            }
            return None;
        }
        let this = self.stack.get(midx + 1)?;
        match (wk, this, argc) {
            (Wk::get, Value::Dict(d), 1 | 2) => {
                let key = self.stack.get(midx + 2)?;
                let h = match key {
                    Value::Str(s) => super::dict::hash_str(s.as_str()),
                    Value::Int(i) => super::dict::hash_int(*i),
                    _ => return None,
                };
                let found = d.lock().get(h, key).cloned();
                Some(Ok(match found {
                    Some(v) => v,
                    None => {
                        if argc == 2 {
                            self.stack.get(midx + 3).cloned().unwrap_or(Value::None)
                        } else {
                            Value::None
                        }
                    }
                }))
            }
            _ => None,
        }
    }

    fn range_iter_setup(&mut self, n: usize) -> PResult<()> {
        let l = self.stack.len();
        let args: Vec<Value> = self.stack.drain(l.saturating_sub(n)..).collect();
        let mut ints = Vec::with_capacity(3);
        for a in &args {
            ints.push(super::builtins::as_index(a)?);
        }
        let (start, stop, step) = match ints.as_slice() {
            [stop] => (0, *stop, 1),
            [start, stop] => (*start, *stop, 1),
            [start, stop, step] => (*start, *stop, *step),
            _ => (0, 0, 1),
        };
        if step == 0 {
            return Err(super::exceptions::value_error(
                "range() arg 3 must not be zero",
            ));
        }
        self.stack.push(Value::Int(start));
        self.stack.push(Value::Int(stop));
        self.stack.push(Value::Int(step));
        Ok(())
    }

    fn build_map(&mut self, d: &Arc<super::dict::Dict>, items: Vec<Value>) -> PResult<()> {
        let mut it = items.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            self.dict_set(d, k, v)?;
        }
        Ok(())
    }

    fn kwargs_from(&mut self, kwargs: Option<Value>) -> PResult<Vec<(Arc<PyStr>, Value)>> {
        let mut kwv: Vec<(Arc<PyStr>, Value)> = Vec::new();
        match kwargs {
            Some(Value::Dict(d)) => {
                for e in d.snapshot() {
                    match &e.key {
                        Value::Str(s) => {
                            kwv.push((self.module.interner.lookup(s.as_str()), e.value.clone()))
                        }
                        _ => return Err(type_error("keywords must be strings")),
                    }
                }
            }
            Some(Value::None) | None => {}
            Some(other) => {
                return Err(type_error(format!(
                    "argument after ** must be a mapping, not {}",
                    other.type_name()
                )))
            }
        }
        Ok(kwv)
    }

    fn unbound_local(&self, code: &Code, i: u32) -> Flow {
        let name = code
            .varnames
            .get(i as usize)
            .map(|n| n.as_str())
            .unwrap_or("?");
        new_exc(
            ExcType::UnboundLocalError,
            format!(
                "cannot access local variable '{name}' where it is not associated with a value"
            ),
        )
    }

    fn unbound_deref(&self, code: &Code, i: u32) -> Flow {
        let name = code
            .varnames
            .get(i as usize)
            .map(|n| n.as_str())
            .unwrap_or("?");
        let nslots = code.nslots() as u32;
        if i >= nslots - code.nfree {
            new_exc(
                ExcType::NameError,
                format!("cannot access free variable '{name}' where it is not associated with a value in enclosing scope"),
            )
        } else {
            new_exc(
                ExcType::UnboundLocalError,
                format!(
                    "cannot access local variable '{name}' where it is not associated with a value"
                ),
            )
        }
    }

    fn make_raise(&mut self, v: Value, cause: Option<Value>) -> Flow {
        let inst = match v {
            Value::Instance(i) if i.class.is_exception => i,
            Value::Class(c) if c.is_exception => {
                // `raise ValueError`: instantiate with no arguments.
                match self.call_value(&Value::Class(c), Vec::new(), Vec::new()) {
                    Ok(Value::Instance(i)) => i,
                    Ok(_) => return type_error("exceptions must derive from BaseException"),
                    Err(e) => return e,
                }
            }
            _ => return type_error("exceptions must derive from BaseException"),
        };
        if let Some(c) = cause {
            let c = match c {
                Value::None => None,
                Value::Instance(ci) if ci.class.is_exception => Some(Value::Instance(ci)),
                Value::Class(cc) if cc.is_exception => {
                    match self.call_value(&Value::Class(cc), Vec::new(), Vec::new()) {
                        Ok(v) => Some(v),
                        Err(e) => return e,
                    }
                }
                _ => return type_error("exception causes must derive from BaseException"),
            };
            if let Some(e) = &inst.exc {
                let mut d = lock(e);
                d.cause = c;
                d.suppress_context = true;
            }
        }
        Flow::Exc(inst)
    }

    /// Whether exception `exc` matches `cls` (a class or a tuple of classes).
    pub(crate) fn exc_matches(&mut self, exc: &Value, cls: &Value) -> PResult<bool> {
        let Value::Instance(inst) = exc else {
            return Ok(false);
        };
        match cls {
            Value::Class(c) => {
                if !c.is_exception {
                    return Err(type_error(
                        "catching classes that do not inherit from BaseException is not allowed",
                    ));
                }
                Ok(inst.class.is_subclass(c))
            }
            Value::Tuple(t) => {
                for c in t.items.iter() {
                    if self.exc_matches(exc, c)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            _ => Err(type_error(
                "catching classes that do not inherit from BaseException is not allowed",
            )),
        }
    }

    fn before_with(&mut self, mgr: Value) -> PResult<(Value, Value)> {
        let enter_name = self.module.interner.known(Wk::__enter__);
        let exit_name = self.module.interner.known(Wk::__exit__);
        let refused = || {
            type_error(format!(
                "'{}' object does not support the context manager protocol",
                mgr.type_name()
            ))
        };
        // As CPython, the methods are looked up on the manager's type: an instance's class,
        // or racelab's own primitives; no other type has them (a class itself neither).
        match &mgr {
            Value::Instance(i) => {
                if i.class.lookup(&enter_name).is_none() || i.class.lookup(&exit_name).is_none() {
                    return Err(refused());
                }
            }
            Value::Native(_) => {}
            _ => return Err(refused()),
        }
        // A missing method is the protocol refused; a stop (the run ended while the read
        // waited for its turn), or on one thread a turn that gave way, starts the `with`
        // over. `__exit__` is read first, as it always was here: a stepped run's turns, and
        // so its saved schedules, stay the same.
        let exit = match self.get_attr(&mgr, &exit_name) {
            Err(Flow::Exc(_)) => return Err(refused()),
            r => r?,
        };
        let enter = match self.get_attr(&mgr, &enter_name) {
            Err(Flow::Exc(_)) => return Err(refused()),
            r => r?,
        };
        Ok((exit, enter))
    }

    /// The bound `__exit__` of a native context manager: a lock's from this thread's small
    /// cache (a lock is entered again and again), and any `invalid()`'s the same one (its
    /// `__exit__` does not depend on which it is); anything else's made anew.
    fn lock_exit(&mut self, mgr: &Value) -> PResult<Value> {
        use super::value::NativeObj;
        let make = || {
            Interp::bind(
                Value::NativeMethod(BaseType::Native, Wk::__exit__),
                mgr.clone(),
            )
        };
        let Value::Native(n) = mgr else {
            return make();
        };
        let any_invalid = matches!(&**n, NativeObj::Invalid);
        if !any_invalid && !matches!(&**n, NativeObj::Lock(_)) {
            return make();
        }
        let cached = |v: &Option<Value>| match v {
            Some(Value::Method(m)) => match &m.this {
                Value::Native(c) if any_invalid => matches!(&**c, NativeObj::Invalid),
                Value::Native(c) => Arc::ptr_eq(c, n),
                _ => false,
            },
            _ => false,
        };
        if let Some(Some(exit)) = self.lock_exits.iter().find(|v| cached(v)) {
            return Ok(exit.clone());
        }
        let exit = make()?;
        self.lock_exits.rotate_right(1);
        self.lock_exits[0] = Some(exit.clone());
        Ok(exit)
    }

    fn zero_arg_super(&mut self, fi: usize, base: usize) -> PResult<Value> {
        let frame = &self.frames[fi];
        let owner = frame
            .func
            .as_ref()
            .and_then(|f| f.owner.get())
            .and_then(|w| w.upgrade());
        let Some(owner) = owner else {
            return Err(new_exc(
                ExcType::RuntimeError,
                "super(): __class__ cell not found",
            ));
        };
        if self.code(frame.code).argcount == 0 {
            return Err(new_exc(ExcType::RuntimeError, "super(): no arguments"));
        }
        let this = match self.stack.get(base) {
            Some(Value::Cell(c)) => c.get(),
            Some(v) => v.clone(),
            None => Value::Null,
        };
        if this.is_null() {
            return Err(new_exc(ExcType::RuntimeError, "super(): arg[0] deleted"));
        }
        Ok(Value::Super(Arc::new(SuperObj { class: owner, this })))
    }

    fn make_function(
        &mut self,
        code: Arc<Code>,
        defaults: Option<Value>,
        kwdefaults: Option<Value>,
        closure: Option<Value>,
    ) -> PResult<Value> {
        let defaults: Box<[Value]> = match defaults {
            Some(Value::Tuple(t)) => t.items.clone(),
            _ => Box::new([]),
        };
        let kwdefaults: Box<[(Arc<PyStr>, Value)]> = match kwdefaults {
            Some(Value::Dict(d)) => d
                .snapshot()
                .into_iter()
                .filter_map(|e| match e.key {
                    Value::Str(s) => Some((self.module.interner.lookup(s.as_str()), e.value)),
                    _ => None,
                })
                .collect(),
            _ => Box::new([]),
        };
        let closure: Box<[Arc<CellObj>]> = match closure {
            Some(Value::Tuple(t)) => t
                .items
                .iter()
                .filter_map(|v| match v {
                    Value::Cell(c) => Some(c.clone()),
                    _ => None,
                })
                .collect(),
            _ => Box::new([]),
        };
        Ok(Value::Func(Arc::new(Function::new(
            code, defaults, kwdefaults, closure,
        )?)))
    }

    fn start_class(&mut self, body: Value, base: Option<Value>) -> PResult<()> {
        let Value::Func(f) = body else {
            return Err(new_exc(ExcType::SystemError, "bad class body"));
        };
        let base = match base {
            None => None,
            Some(Value::Class(c)) => {
                if let ClassKind::Builtin(t) = c.kind {
                    if t != BaseType::Object {
                        return Err(type_error(format!(
                            "racelab does not support subclassing the built-in type '{}'",
                            c.name.as_str()
                        )));
                    }
                }
                Some(c)
            }
            Some(other) => {
                return Err(type_error(format!(
                    "bases must be types, not {}",
                    other.type_name()
                )))
            }
        };
        if self.frames.len() >= self.opts.recursion_limit as usize {
            return Err(new_exc(
                ExcType::RecursionError,
                "maximum recursion depth exceeded",
            ));
        }
        let ret_sp = self.stack.len();
        let nslots = f.code.nslots();
        for _ in 0..nslots {
            self.stack.push(Value::Null);
        }
        let nfree = f.code.nfree as usize;
        for (i, c) in f.closure.iter().enumerate() {
            if let Some(slot) = self.stack.get_mut(ret_sp + nslots - nfree + i) {
                *slot = Value::Cell(c.clone());
            }
        }
        self.frames.push(Frame {
            code: f.code.id,
            pc: 0,
            base: ret_sp,
            ret_sp,
            func: Some(f.clone()),
            kind: FrameKind::Class(Box::new(ClassBuild {
                ns: Vec::new(),
                base,
            })),
            boundary: false,
        });
        Ok(())
    }

    fn finish_class(&mut self, code: &Arc<Code>, build: ClassBuild) -> PResult<Value> {
        let ClassBuild { ns, base } = build;
        let base = base.unwrap_or_else(|| super::types::base_class(BaseType::Object));
        let is_exception = base.is_exception;
        let has_properties = base.has_properties
            || ns.iter().any(|(_, v)| matches!(v, Value::Native(n) if matches!(&**n, super::value::NativeObj::Property(..))));
        let qualname = code.qualname.clone();
        let class = Arc::new(Class {
            name: code.name.clone(),
            qualname,
            base: Some(base),
            attrs: std::sync::RwLock::new(ns),
            kind: ClassKind::Plain,
            is_exception,
            user: true,
            has_properties,
        });
        let weak = Arc::downgrade(&class);
        for (_, v) in super::value::read(&class.attrs).iter() {
            let f = match v {
                Value::Func(f) => Some(f.clone()),
                Value::Native(n) => match &**n {
                    super::value::NativeObj::Decorated(_, Value::Func(f)) => Some(f.clone()),
                    super::value::NativeObj::Property(Value::Func(f), _) => Some(f.clone()),
                    _ => None,
                },
                _ => None,
            };
            if let Some(f) = f {
                let _ = f.owner.set(weak.clone());
            }
        }
        Ok(Value::Class(class))
    }

    /// Calls the callable at `stack[fidx]` with the `nargs` values above it (the last
    /// `kw.len()` by keyword). The result replaces `stack[ret_sp..]`.
    pub(crate) fn call_at(
        &mut self,
        fidx: usize,
        nargs: usize,
        kw: Option<Arc<Tuple>>,
        ret_sp: usize,
    ) -> PResult<Called> {
        // The callable's slot is cut when the call returns: move it out (no refcount).
        let callee = match self.stack.get_mut(fidx) {
            Some(slot) => std::mem::take(slot),
            None => Value::Null,
        };
        match callee {
            Value::Func(f) => {
                self.push_function_frame(f, fidx + 1, nargs, kw, ret_sp, FrameKind::Normal)?;
                Ok(Called::Pushed)
            }
            Value::Method(m) => {
                // A built-in type's method (`lock.__enter__`, `xs.append` taken as a value):
                // called with its receiver directly, without moving the arguments.
                if let Value::NativeMethod(t, wk) = m.func {
                    let (args, kwargs) = self.take_args(fidx, ret_sp, kw.as_deref());
                    let r = self.call_method_native(t, wk, &m.this, &args, kwargs);
                    self.give_back_args(args);
                    self.stack.push(r?);
                    return Ok(Called::Done);
                }
                // Put the receiver in front of the arguments.
                if let Some(slot) = self.stack.get_mut(fidx) {
                    *slot = m.func.clone();
                }
                self.stack.insert(fidx + 1, m.this.clone());
                self.call_at(fidx, nargs + 1, kw, ret_sp)
            }
            Value::Class(c) => self.call_class(&c, fidx, nargs, kw, ret_sp),
            Value::Instance(inst) => {
                let call_name = self.module.interner.known(Wk::__call__);
                match inst.class.lookup(&call_name) {
                    Some(Value::Func(f)) => {
                        if let Some(slot) = self.stack.get_mut(fidx) {
                            *slot = Value::Func(f);
                        }
                        self.stack.insert(fidx + 1, Value::Instance(inst.clone()));
                        self.call_at(fidx, nargs + 1, kw, ret_sp)
                    }
                    _ => Err(type_error(format!(
                        "'{}' object is not callable",
                        inst.class.name.as_str()
                    ))),
                }
            }
            Value::Builtin(_) | Value::NativeMethod(..) => {
                let (mut args, kwargs) = self.take_args(fidx, ret_sp, kw.as_deref());
                let r = match callee {
                    Value::Builtin(b) => self.call_builtin(b, &args, kwargs),
                    Value::NativeMethod(t, wk) => {
                        if args.is_empty() {
                            Err(type_error(format!(
                                "unbound method {}.{}() needs an argument",
                                super::value::base_type_name(t),
                                wk.text()
                            )))
                        } else {
                            let this = args.remove(0);
                            self.call_method_native(t, wk, &this, &args, kwargs)
                        }
                    }
                    _ => Ok(Value::None),
                };
                self.give_back_args(args);
                let v = r?;
                self.stack.push(v);
                Ok(Called::Done)
            }
            other => Err(type_error(format!(
                "'{}' object is not callable",
                other.type_name()
            ))),
        }
    }

    /// Moves a native call's arguments (above `fidx`) off the stack into the reused
    /// argument buffer, cutting the stack to `ret_sp`, with its keywords apart.
    fn take_args(
        &mut self,
        fidx: usize,
        ret_sp: usize,
        kw: Option<&Tuple>,
    ) -> (Vec<Value>, Vec<(Arc<PyStr>, Value)>) {
        let mut args = std::mem::take(&mut self.argbuf);
        args.clear();
        let start = (fidx + 1).min(self.stack.len());
        args.extend(self.stack.drain(start..));
        self.stack.truncate(ret_sp);
        let kwargs = split_kwargs(&mut args, kw);
        (args, kwargs)
    }

    /// Keeps the larger of the argument buffers (a nested call may have taken the other).
    fn give_back_args(&mut self, mut args: Vec<Value>) {
        args.clear();
        if self.argbuf.capacity() < args.capacity() {
            self.argbuf = args;
        }
    }

    fn call_class(
        &mut self,
        c: &Arc<Class>,
        fidx: usize,
        nargs: usize,
        kw: Option<Arc<Tuple>>,
        ret_sp: usize,
    ) -> PResult<Called> {
        if !c.user && !c.is_exception {
            // Built-in types: conversions.
            let b = Builtin::for_type(c);
            if let Some(b) = b {
                if let Some(slot) = self.stack.get_mut(fidx) {
                    *slot = Value::Builtin(b);
                }
                return self.call_at(fidx, nargs, kw, ret_sp);
            }
            return Err(type_error(format!(
                "cannot create '{}' instances",
                c.name.as_str()
            )));
        }
        let inst = Arc::new(Instance::new(c.clone())?);
        let inst_v = Value::Instance(inst.clone());
        let init_name = self.module.interner.known(Wk::__init__);
        let init = c.lookup(&init_name);
        if c.is_exception {
            // BaseException.__new__ keeps the positional arguments as `args`.
            let nkw = kw.as_ref().map(|k| k.items.len()).unwrap_or(0);
            let end = (fidx + 1 + nargs).min(self.stack.len());
            let start = (fidx + 1).min(end);
            let pos: Vec<Value> = self.stack[start..end.saturating_sub(nkw).max(start)].to_vec();
            if let Some(e) = &inst.exc {
                lock(e).args = Value::tuple(pos)?;
            }
            if init.is_none() && nkw > 0 {
                return Err(type_error(format!(
                    "{}() takes no keyword arguments",
                    c.name.as_str()
                )));
            }
        }
        match init {
            Some(Value::Func(f)) => {
                self.stack.insert(fidx + 1, inst_v.clone());
                self.push_function_frame(
                    f,
                    fidx + 1,
                    nargs + 1,
                    kw,
                    ret_sp,
                    FrameKind::Init(inst_v),
                )?;
                Ok(Called::Pushed)
            }
            Some(other) => {
                // A callable that is not a function (rare): call it, then return the instance.
                let end = self.stack.len();
                let args: Vec<Value> = self.stack.drain((fidx + 1).min(end)..).collect();
                self.stack.truncate(ret_sp);
                let mut full = vec![inst_v.clone()];
                full.extend(args);
                self.call_value(&other, full, Vec::new())?;
                self.stack.push(inst_v);
                Ok(Called::Done)
            }
            None => {
                if !c.is_exception && nargs > 0 {
                    return Err(type_error(format!("{}() takes no arguments", c.qualname)));
                }
                self.stack.truncate(ret_sp);
                self.stack.push(inst_v);
                Ok(Called::Done)
            }
        }
    }

    /// Pushes a frame for `f` with its arguments at `stack[args_at..]`.
    pub(crate) fn push_function_frame(
        &mut self,
        f: Arc<Function>,
        args_at: usize,
        nargs: usize,
        kw: Option<Arc<Tuple>>,
        ret_sp: usize,
        kind: FrameKind,
    ) -> PResult<()> {
        let code = &f.code;
        if self.frames.len() >= self.opts.recursion_limit as usize {
            return Err(new_exc(
                ExcType::RecursionError,
                "maximum recursion depth exceeded",
            ));
        }
        let nslots = code.nslots();
        let simple = kw.is_none()
            && !code.varargs
            && !code.varkw
            && code.kwonlycount == 0
            && nargs == code.argcount as usize
            && self.stack.len() == args_at + nargs;
        let base = if simple {
            args_at
        } else {
            let end = self.stack.len();
            let mut args: Vec<Value> = self.stack.drain(args_at.min(end)..).collect();
            let mut kwargs = Vec::new();
            if let Some(names) = &kw {
                let k = names.items.len().min(args.len());
                let vals = args.split_off(args.len() - k);
                for (n, v) in names.items.iter().zip(vals) {
                    if let Value::Str(s) = n {
                        kwargs.push((s.clone(), v));
                    }
                }
            }
            let slots = self.bind_args(&f, args, kwargs)?;
            self.stack.truncate(ret_sp);
            let b = self.stack.len();
            self.stack.extend(slots);
            b
        };
        self.stack.resize(base + nslots, Value::Null);
        let nfree = code.nfree as usize;
        for (i, c) in f.closure.iter().enumerate() {
            if let Some(slot) = self.stack.get_mut(base + nslots - nfree + i) {
                *slot = Value::Cell(c.clone());
            }
        }
        let id = code.id;
        self.frames.push(Frame {
            code: id,
            pc: 0,
            base,
            ret_sp,
            func: Some(f),
            kind,
            boundary: false,
        });
        Ok(())
    }

    /// Binds arguments to parameters as CPython does (same error messages).
    fn bind_args(
        &mut self,
        f: &Function,
        args: Vec<Value>,
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Vec<Value>> {
        let code = &f.code;
        let n = code.argcount as usize;
        let k = code.kwonlycount as usize;
        let total = n + k + code.varargs as usize + code.varkw as usize;
        let mut slots = vec![Value::Null; total];
        let given = args.len();
        let mut args = args;
        let extra: Vec<Value> = if given > n {
            args.split_off(n)
        } else {
            Vec::new()
        };
        for (i, a) in args.into_iter().enumerate() {
            slots[i] = a;
        }
        if code.varargs {
            slots[n + k] = Value::tuple(extra.clone())?;
        }
        let kwdict = if code.varkw {
            Some(Arc::new(super::dict::Dict::new()?))
        } else {
            None
        };
        let qn = &code.qualname;
        for (name, v) in kwargs {
            let pos = code.varnames[..n + k]
                .iter()
                .position(|p| super::value::name_eq(p, &name));
            match pos {
                Some(j) => {
                    if !slots[j].is_null() {
                        return Err(type_error(format!(
                            "{qn}() got multiple values for argument '{}'",
                            name.as_str()
                        )));
                    }
                    slots[j] = v;
                }
                None => match &kwdict {
                    Some(d) => {
                        self.dict_set(d, Value::Str(name.clone()), v)?;
                    }
                    None => {
                        return Err(type_error(format!(
                            "{qn}() got an unexpected keyword argument '{}'",
                            name.as_str()
                        )))
                    }
                },
            }
        }
        if given > n && !code.varargs {
            let kwonly_given = (n..n + k).filter(|&i| !slots[i].is_null()).count();
            let defcount = f.defaults.len();
            let (sig, plural) = if defcount > 0 {
                (format!("from {} to {}", n - defcount.min(n), n), true)
            } else {
                (format!("{n}"), n != 1)
            };
            let kwonly_sig = if kwonly_given > 0 {
                format!(
                    " positional argument{} (and {} keyword-only argument{})",
                    if given != 1 { "s" } else { "" },
                    kwonly_given,
                    if kwonly_given != 1 { "s" } else { "" }
                )
            } else {
                String::new()
            };
            return Err(type_error(format!(
                "{qn}() takes {sig} positional argument{} but {given}{kwonly_sig} {} given",
                if plural { "s" } else { "" },
                if given == 1 && kwonly_given == 0 {
                    "was"
                } else {
                    "were"
                }
            )));
        }
        let defcount = f.defaults.len().min(n);
        let first_default = n - defcount;
        let mut missing = Vec::new();
        for (i, slot) in slots.iter_mut().enumerate().take(n) {
            if slot.is_null() {
                if i >= first_default {
                    *slot = f.defaults[i - first_default].clone();
                } else {
                    missing.push(code.varnames[i].as_str().to_string());
                }
            }
        }
        if !missing.is_empty() {
            return Err(type_error(missing_message(qn, "positional", &missing)));
        }
        let mut missing = Vec::new();
        for (i, slot) in slots.iter_mut().enumerate().take(n + k).skip(n) {
            if slot.is_null() {
                let name = &code.varnames[i];
                match f
                    .kwdefaults
                    .iter()
                    .find(|(kn, _)| super::value::name_eq(kn, name))
                {
                    Some((_, v)) => *slot = v.clone(),
                    None => missing.push(name.as_str().to_string()),
                }
            }
        }
        if !missing.is_empty() {
            return Err(type_error(missing_message(qn, "keyword-only", &missing)));
        }
        if let Some(d) = kwdict {
            slots[n + k + code.varargs as usize] = Value::Dict(d);
        }
        Ok(slots)
    }

    /// Calls any callable from native code and waits for its result (re-entering the loop
    /// for Python functions, with the native depth counted).
    pub fn call_value(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Value> {
        // What the caller does after calling back into Python cannot be made again.
        self.yield_ok = false;
        self.check_stack("maximum recursion depth exceeded")?;
        if self.native_depth >= MAX_NATIVE_DEPTH {
            return Err(new_exc(
                ExcType::RecursionError,
                "maximum recursion depth exceeded",
            ));
        }
        let fidx = self.stack.len();
        match self.start_call(f, args, kwargs)? {
            Some(v) => Ok(v),
            None => {
                self.native_depth += 1;
                let r = self.run_frames();
                self.native_depth -= 1;
                if r.is_err() {
                    self.stack.truncate(fidx);
                }
                r
            }
        }
    }

    /// Starts a call of `f` without running it (a thread's target on one thread, whose
    /// frames then run through [`Interp::run_frames`] and may yield): `Some` with the
    /// result when `f` was built in and has returned, `None` when its frame was pushed.
    pub(crate) fn start_call(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kwargs: Vec<(Arc<PyStr>, Value)>,
    ) -> PResult<Option<Value>> {
        let fidx = self.stack.len();
        self.stack.push(f.clone());
        let nargs = args.len() + kwargs.len();
        self.stack.extend(args);
        let kw = if kwargs.is_empty() {
            None
        } else {
            let names: Vec<Value> = kwargs.iter().map(|(k, _)| Value::Str(k.clone())).collect();
            for (_, v) in kwargs {
                self.stack.push(v);
            }
            Some(Arc::new(Tuple::constant(names)))
        };
        let depth_before = self.frames.len();
        match self.call_at(fidx, nargs, kw, fidx) {
            Err(e) => {
                self.frames.truncate(depth_before);
                self.stack.truncate(fidx);
                Err(e)
            }
            Ok(Called::Done) => Ok(Some(self.stack.pop().unwrap_or(Value::None))),
            Ok(Called::Pushed) => {
                if let Some(fr) = self.frames.last_mut() {
                    fr.boundary = true;
                }
                Ok(None)
            }
        }
    }

    /// `RecursionError` when native recursion has used the Rust stack it may use.
    pub(crate) fn check_stack(&self, msg: &str) -> PResult<()> {
        let here = super::heap::stack_position();
        if self.stack_base.saturating_sub(here) > self.opts.native_stack_limit {
            return Err(new_exc(ExcType::RecursionError, msg));
        }
        Ok(())
    }

    /// Appends to the output (charged against the heap budget).
    pub(crate) fn emit(&mut self, text: String, end: String) -> PResult<()> {
        let bytes = text.len() + end.len() + 32;
        let total = self
            .shared
            .output_bytes
            .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed)
            .saturating_add(bytes);
        if total > self.opts.heap_budget {
            return Err(new_exc(ExcType::MemoryError, "output too large"));
        }
        let line = OutputLine {
            thread: self.thread,
            text,
            end,
        };
        // One lock for the hook and the record, so the hook sees lines in their order.
        let mut output = lock(&self.shared.output);
        if let Some(hook) = &self.opts.on_print {
            (hook.0)(&line);
        }
        output.push(line);
        Ok(())
    }

    /// The method-call pair for `obj.name(...)`: `(function, receiver)` or `(Null, attr)`.
    pub(crate) fn load_method(&mut self, obj: Value, name: &Arc<PyStr>) -> PResult<(Value, Value)> {
        match &obj {
            Value::Instance(inst) => {
                if let Some(v) = inst.get_attr(name) {
                    return Ok((Value::Null, v));
                }
                if let Some(Value::Func(f)) = inst.class.lookup(name) {
                    return Ok((Value::Func(f), obj));
                }
            }
            Value::Str(_) | Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::Tuple(_)
                if name.wk != Wk::Other && super::methods::has_method(obj.base_type(), name.wk) =>
            {
                return Ok((Value::NativeMethod(obj.base_type(), name.wk), obj));
            }
            Value::Super(s) => {
                if let Some(Value::Func(f)) = self.super_lookup(s, name) {
                    return Ok((Value::Func(f), s.this.clone()));
                }
            }
            _ => {}
        }
        let v = self.get_attr(&obj, name)?;
        Ok((Value::Null, v))
    }

    /// Looks `name` up after `s.class` in the receiver's chain.
    pub(crate) fn super_lookup(&self, s: &SuperObj, name: &Arc<PyStr>) -> Option<Value> {
        let mut c = s.class.base.clone();
        while let Some(cls) = c {
            {
                let attrs = super::value::read(&cls.attrs);
                for (k, v) in attrs.iter() {
                    if super::value::name_eq(k, name) {
                        return Some(v.clone());
                    }
                }
            }
            if !cls.user {
                break;
            }
            c = cls.base.clone();
        }
        None
    }

    /// A bound method value.
    pub(crate) fn bind(func: Value, this: Value) -> PResult<Value> {
        Ok(Value::Method(Arc::new(BoundMethod { func, this })))
    }
}

/// The waits of racelab's primitives that do nothing before their turn (or, for a
/// condition's and a barrier's, remember how far they got), so that on one thread they
/// can yield and be called again.
fn restartable_wait(n: &super::value::NativeObj, wk: Wk) -> bool {
    use super::value::NativeObj as N;
    matches!(
        (n, wk),
        (N::Lock(_) | N::Semaphore(..), Wk::acquire | Wk::__enter__)
            | (N::Condition(_), Wk::acquire | Wk::__enter__ | Wk::wait)
            | (N::Event(_) | N::Barrier(..), Wk::wait)
            | (N::Queue(_), Wk::get | Wk::put | Wk::join)
            | (N::Thread(_), Wk::join)
            | (N::Future(_), Wk::result | Wk::exception)
    )
}

fn missing_message(qn: &str, kind: &str, names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    let list = match quoted.len() {
        1 => quoted[0].clone(),
        2 => format!("{} and {}", quoted[0], quoted[1]),
        l => format!(
            "{}, {}, and {}",
            quoted[..l - 2].join(", "),
            quoted[l - 2],
            quoted[l - 1]
        ),
    };
    format!(
        "{qn}() missing {} required {kind} argument{}: {list}",
        names.len(),
        if names.len() == 1 { "" } else { "s" }
    )
}

/// A value as JSON when it is simple: a number, a string, a bool, `None`, or (down to
/// `depth` levels) a list, tuple or string-keyed dict of at most 100 simple values.
fn simple_json(v: &Value, depth: u32) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    const MOST: usize = 100;
    Some(match v {
        Value::None => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map(J::Number)?,
        Value::Str(s) => J::String(s.as_str().to_string()),
        Value::List(_) | Value::Tuple(_) if depth > 0 => {
            let items: Vec<Value> = match v {
                Value::List(l) => l.snapshot(),
                Value::Tuple(t) => t.items.to_vec(),
                _ => return None,
            };
            if items.len() > MOST {
                return None;
            }
            J::Array(
                items
                    .iter()
                    .map(|x| simple_json(x, depth - 1))
                    .collect::<Option<Vec<_>>>()?,
            )
        }
        Value::Dict(d) if depth > 0 => {
            let entries = d.snapshot();
            if entries.len() > MOST {
                return None;
            }
            let mut map = serde_json::Map::new();
            for e in entries {
                let Value::Str(k) = &e.key else { return None };
                map.insert(k.as_str().to_string(), simple_json(&e.value, depth - 1)?);
            }
            J::Object(map)
        }
        _ => return None,
    })
}

/// Clones without calling the out-of-line `Clone` for unboxed values.
#[inline(always)]
/// Takes a call's keyword arguments (named by `kw`, the last values of `args`) off `args`.
fn split_kwargs(args: &mut Vec<Value>, kw: Option<&Tuple>) -> Vec<(Arc<PyStr>, Value)> {
    let Some(names) = kw else {
        return Vec::new();
    };
    let k = names.items.len().min(args.len());
    let vals = args.split_off(args.len() - k);
    names
        .items
        .iter()
        .zip(vals)
        .filter_map(|(n, v)| match n {
            Value::Str(s) => Some((s.clone(), v)),
            _ => None,
        })
        .collect()
}

pub(crate) fn fast_clone(v: &Value) -> Value {
    // The commonest reference types are cloned inline too: the out-of-line `Clone`
    // returns through memory, written a field at a time, and reading that back as one
    // 16-byte value at once stalls (failed store-to-load forwarding).
    match v {
        Value::Int(i) => Value::Int(*i),
        Value::Float(f) => Value::Float(*f),
        Value::Bool(b) => Value::Bool(*b),
        Value::None => Value::None,
        Value::Str(x) => Value::Str(Arc::clone(x)),
        Value::List(x) => Value::List(Arc::clone(x)),
        Value::Tuple(x) => Value::Tuple(Arc::clone(x)),
        Value::Dict(x) => Value::Dict(Arc::clone(x)),
        Value::Func(x) => Value::Func(Arc::clone(x)),
        Value::Instance(x) => Value::Instance(Arc::clone(x)),
        _ => v.clone(),
    }
}

/// `stack.truncate(to)`, with unboxed values dropped inline (no call to the drop glue).
#[inline(always)]
fn cut_stack(stack: &mut Vec<Value>, to: usize) {
    while stack.len() > to {
        match stack.last() {
            Some(Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::None | Value::Null) => {
                if let Some(v) = stack.pop() {
                    fast_drop(v);
                }
            }
            _ => {
                stack.truncate(to);
                break;
            }
        }
    }
}

/// Drops without calling the drop glue for unboxed values.
#[inline(always)]
pub(crate) fn fast_drop(v: Value) {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::None | Value::Null => {
            std::mem::forget(v)
        }
        _ => drop(v),
    }
}

/// Stores an int in a slot: only the payload when the slot already holds an int.
#[inline(always)]
fn set_int(slot: &mut Value, x: i64) {
    if let Value::Int(y) = slot {
        *y = x;
    } else {
        fast_drop(std::mem::replace(slot, Value::Int(x)));
    }
}

/// [`int_fast`] as a raw `i64`.
#[inline(always)]
fn int_fast_raw(op: BinOp, x: i64, y: i64) -> Option<i64> {
    match op {
        BinOp::Add => x.checked_add(y),
        BinOp::Sub => x.checked_sub(y),
        BinOp::Mul => x.checked_mul(y),
        BinOp::Mod => {
            if y > 0 && x >= 0 {
                Some(x % y)
            } else {
                None
            }
        }
        BinOp::FloorDiv => {
            if y > 0 && x >= 0 {
                Some(x / y)
            } else {
                None
            }
        }
        BinOp::BitAnd => Some(x & y),
        BinOp::BitOr => Some(x | y),
        BinOp::BitXor => Some(x ^ y),
        _ => None,
    }
}

/// Int fast paths that cannot fail (else `None`: the general path raises or converts).
#[inline]
fn int_fast(op: BinOp, x: i64, y: i64) -> Option<Value> {
    match op {
        BinOp::Add => x.checked_add(y).map(Value::Int),
        BinOp::Sub => x.checked_sub(y).map(Value::Int),
        BinOp::Mul => x.checked_mul(y).map(Value::Int),
        BinOp::Mod => {
            if y > 0 && x >= 0 {
                Some(Value::Int(x % y))
            } else {
                None
            }
        }
        BinOp::FloorDiv => {
            if y > 0 && x >= 0 {
                Some(Value::Int(x / y))
            } else {
                None
            }
        }
        BinOp::BitAnd => Some(Value::Int(x & y)),
        BinOp::BitOr => Some(Value::Int(x | y)),
        BinOp::BitXor => Some(Value::Int(x ^ y)),
        _ => None,
    }
}

#[inline]
fn float_fast(op: BinOp, x: f64, y: f64) -> Option<Value> {
    match op {
        BinOp::Add => Some(Value::Float(x + y)),
        BinOp::Sub => Some(Value::Float(x - y)),
        BinOp::Mul => Some(Value::Float(x * y)),
        BinOp::TrueDiv if y != 0.0 => Some(Value::Float(x / y)),
        _ => None,
    }
}
