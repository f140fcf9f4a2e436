//! A stepped program on one thread.
//!
//! Where there are no threads to be had (a browser without SharedArrayBuffer, a page that
//! is not cross-origin isolated), a stepped run still has every thread the program starts:
//! each is an interpreter of its own ([`Parked`] while it does not run), and they all run on
//! the one thread there is, taking turns exactly as the real threads of a stepped run do
//! (`racelab::exec::turns`), so the same seed and schedule give the same report either
//! way.
//!
//! A thread gives the turn back at a turn point (a shared operation, a wait) in one of two
//! ways:
//! - **It yields** where it can: a thread other than the main one, at an instruction that
//!   can be made again from its start (every shared operation's, and the waits of
//!   racelab's own primitives, which do nothing before their turn or remember how far they
//!   got). The turn point answers `Abort::Yield`, the instruction puts back what it took
//!   from the stack, and the interpreter returns with its frames kept (`Flow::Yield`); it
//!   is parked, and when it is chosen it makes the instruction again, whose turn point
//!   then finds its turn granted.
//! - **It lets the others move from where it is** ([`run_others_until`]) where it cannot
//!   unwind: the main thread (the bottom of this thread's stack), or a thread inside a
//!   call from Rust back into Python (a key function, a pool's `map` consumed by `list`).
//!   The others are resumed from there, one turn at a time, until it is chosen itself.
//!
//! A thread that lets the others move from where it is sits on this thread's stack above
//! the ones beneath it, so those cannot be resumed until it is done: the scheduler is
//! only offered threads that can be resumed (`Turns::choose`). Where that leaves nobody
//! who could move although some thread could, the run ends with an error that says so;
//! for the lessons' programs (only the main thread ever waits inside a call) it never
//! does.

use std::sync::{Arc, Weak};

use racelab::sync::Abort;

use super::exceptions::{Flow, PResult};
use super::interp::Interp;
use super::shared::Globals;
use super::sync::PoolStage;
use super::threads::{Finish, RunShared};
use super::value::{lock, NativeObj, Value};
use super::RunOptions;
use crate::bytecode::Module;

/// What a thread needs to start: its interpreter is made at its first turn.
pub(crate) struct Start {
    pub(crate) module: Arc<Module>,
    pub(crate) opts: RunOptions,
    pub(crate) globals: Arc<Globals>,
    pub(crate) thread: Arc<NativeObj>,
    pub(crate) index: usize,
    pub(crate) name: String,
}

/// Where a parked thread is in its life.
enum Stage {
    /// Not run yet.
    New,
    /// Running its target: its frames are where it yielded.
    Target,
    /// A pool's worker, between work items or in one.
    Pool(PoolStage),
}

/// A thread of a program stepped on one thread, while it does not run.
pub(crate) struct Parked {
    /// Its interpreter, once it has run. Dropped before `finish`: the thread's recording
    /// is handed in before its end is given.
    interp: Option<Box<Interp>>,
    start: Start,
    stage: Stage,
    /// Its last act, when it is dropped: counted out, its end given to its joiners, its
    /// seat in the turns left.
    _finish: Finish,
}

impl Parked {
    /// A thread started and not run yet.
    pub(crate) fn new(start: Start, finish: Finish) -> Parked {
        Parked {
            interp: None,
            start,
            stage: Stage::New,
            _finish: finish,
        }
    }

    /// Runs the thread from where it was to its next yield (`false`: park it again) or to
    /// its end (`true`).
    fn resume(&mut self, shared: &Arc<RunShared>) -> bool {
        let control = &shared.control;
        let it = match &mut self.interp {
            Some(it) => it,
            None => {
                if control.turns.first_turn(self.start.index, control).is_err() {
                    return true;
                }
                let it = Interp::for_thread(
                    self.start.module.clone(),
                    self.start.opts.clone(),
                    shared.clone(),
                    self.start.index,
                    self.start.globals.clone(),
                );
                self.interp.insert(Box::new(it))
            }
        };
        let NativeObj::Thread(t) = &*self.start.thread else {
            return true;
        };
        loop {
            let ended: PResult<Value> = match &mut self.stage {
                Stage::New => {
                    if let Some(pool) = &t.pool {
                        self.stage = Stage::Pool(PoolStage::Get(pool.clone()));
                        continue;
                    }
                    if matches!(t.target, Value::None) {
                        return true;
                    }
                    match it.start_call(&t.target, t.args.clone(), t.kwargs.clone()) {
                        Ok(Some(v)) => Ok(v),
                        Ok(None) => {
                            self.stage = Stage::Target;
                            continue;
                        }
                        Err(e) => Err(e),
                    }
                }
                Stage::Target => match it.run_frames() {
                    Err(Flow::Yield) => return false,
                    r => r,
                },
                Stage::Pool(stage) => match it.pool_step(stage) {
                    None => return false,
                    Some(r) => r.map(|()| Value::None),
                },
            };
            it.thread_ended(ended, &self.start.name);
            it.stack.clear();
            it.frames.clear();
            return true;
        }
    }
}

/// Runs the other threads, one turn at a time as the scheduler chooses, until thread `me`
/// is chosen (its turn point then finds its turn granted). `Err` when the run ends first
/// (a deadlock, a pause, Stop): `me` then unwinds as a thread whose wait was given up.
pub(crate) fn run_others_until(shared: &Arc<RunShared>, me: usize) -> Result<(), Abort> {
    let control = &shared.control;
    loop {
        let next = control.turns.choose(control, &|t| {
            t == me || lock(&shared.parked).iter().any(|p| p.start.index == t)
        })?;
        if next == me {
            return Ok(());
        }
        let parked = {
            let mut parked = lock(&shared.parked);
            let at = parked.iter().position(|p| p.start.index == next);
            at.map(|i| parked.swap_remove(i))
        };
        let Some(mut thread) = parked else {
            return Err(Abort::Cancelled);
        };
        if !thread.resume(shared) {
            lock(&shared.parked).push(thread);
        }
        // A thread that ended is dropped here: its last act moves it out of the turns.
    }
}

/// The run's scheduler loop, for the turns to call where a thread cannot unwind. Holds
/// the run weakly: the turns live in the run's control block, which the run holds.
pub(crate) fn run_others(shared: &Arc<RunShared>) -> racelab::exec::turns::RunOthers {
    let weak: Weak<RunShared> = Arc::downgrade(shared);
    Arc::new(move |me| match weak.upgrade() {
        Some(shared) => run_others_until(&shared, me),
        None => Err(Abort::Cancelled),
    })
}

/// At the end of the run: the threads still parked (a paused run's, a deadlocked one's,
/// daemons) stop where they are, as real threads stop at their next look.
pub(crate) fn stop_parked(shared: &Arc<RunShared>) {
    loop {
        let next = lock(&shared.parked).pop();
        let Some(mut thread) = next else { break };
        if let Some(it) = &mut thread.interp {
            let why = Flow::Stop("the program ended".to_string());
            it.thread_ended(Err(why), &thread.start.name);
            it.stack.clear();
            it.frames.clear();
        }
        drop(thread);
    }
}
