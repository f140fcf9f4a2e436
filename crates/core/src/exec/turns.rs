//! Stepping a program: its threads are real threads, but they take turns.
//!
//! Only the thread holding the turn runs. Before each shared operation (a read or write of
//! a global, an attribute, an element) and before each wait, it publishes what it will do
//! next and gives the turn back; the scheduler (a schedule first, then a seeded random
//! choice) picks who moves among the threads whose next operation can go now, and that
//! thread does its operation and runs on, alone, to its next one. So a program's run
//! depends only on its seed and schedule (the same seed gives the same report), and a
//! program's threads need no rewriting into resumable state machines: the VM's threads
//! and the primitives' waits are the same as in a real run.
//!
//! When no live thread can move, the run is a deadlock, explained thread by thread (what
//! each waits for, and where).
//!
//! # On one thread
//! Where there are no threads to be had (a browser without SharedArrayBuffer, a page that
//! is not cross-origin isolated), the same turns run every program thread on the one
//! thread there is ([`Turns::begin_one_thread`]): a thread that reaches a turn point while
//! not chosen publishes what it will do and gets [`Abort::Yield`] back instead of
//! blocking; its interpreter unwinds to the instruction's start, and the program's
//! scheduler loop asks [`Turns::choose`] who moves and resumes that thread, whose
//! instruction then finds its turn granted. The choices, the steps and so the reports are
//! the same as with real threads taking turns.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Condvar, Mutex};

use super::scheduler::{Choice, Scheduler};
use super::stepped::{NextStep, StepEntry, StepKind, StepPlan, StepReport, ThreadView};
use crate::control::state::RunState;
use crate::limits::{MAX_STEPS, STEP_LOG_LIMIT};
use crate::sync::graph::Awaited;
use crate::sync::outcome::{inner, Abort, Deadlock, Waiting, WAIT_POLL};

/// What a thread that waits for its turn will do.
#[derive(Debug, Clone)]
struct Next {
    kind: StepKind,
    obj: Option<String>,
    line: Option<usize>,
    /// What must be ready first (a lock, an event...), if anything.
    on: Option<std::sync::Arc<dyn Awaited>>,
    /// No other thread's step can conflict with it (see [`super::scheduler`]).
    quiet: bool,
}

#[derive(Debug, Clone)]
enum Seat {
    /// Holds the turn, or will at its first step (a thread just started).
    Running,
    /// Waits for its turn to do `Next`.
    Waiting(Next),
    /// On one thread: chosen to do `Next`, and not yet back at that turn point.
    Granted(Next),
    /// Finished.
    Done,
}

/// On one thread: runs the other threads of a program until thread `.0` is chosen (`Err`
/// when the run ends first).
pub type RunOthers = std::sync::Arc<dyn Fn(usize) -> Result<(), Abort> + Send + Sync>;

/// How a stepped program's run was ended early by its turns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnsEnd {
    /// The schedule ran out and the plan said to pause there.
    Paused,
    /// No live thread could move.
    Deadlock,
    /// The schedule named a thread that could not move then.
    Refused(String),
    /// More steps than [`MAX_STEPS`].
    TooLong,
    /// The run was stopped (Stop, or a deadlock a primitive found on its own, such as a
    /// plain lock taken again by its holder).
    Stopped,
}

#[derive(Debug)]
struct State {
    turn: Option<usize>,
    seats: Vec<Seat>,
    /// Who moves next (none before the first run).
    scheduler: Option<Box<dyn Scheduler>>,
    taken: Vec<u8>,
    log: Vec<StepEntry>,
    ended: Option<TurnsEnd>,
    /// Where every thread stood when the turns ended the run (threads then unwind).
    at_end: Option<Vec<ThreadView>>,
    /// On one thread: a thread that could have moved was not offered, being suspended
    /// inside a call further down the stack (see [`Turns::choose`]).
    narrowed: bool,
}

/// The turns of a stepped program's threads (one per run, in the run's control block).
pub struct Turns {
    active: AtomicBool,
    /// On one thread: runs the other threads until the given one is chosen (the program's
    /// scheduler loop, for a thread that cannot unwind from where it waits).
    nest: Mutex<Option<RunOthers>>,
    /// Every program thread runs on the one thread there is (see the module docs).
    one_thread: AtomicBool,
    state: Mutex<State>,
    changed: Condvar,
}

impl std::fmt::Debug for Turns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Turns")
            .field("active", &self.active)
            .field("one_thread", &self.one_thread)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Default for Turns {
    fn default() -> Self {
        Self::new()
    }
}

impl Turns {
    /// Inactive turns: threads run freely.
    pub const fn new() -> Self {
        Self {
            active: AtomicBool::new(false),
            nest: Mutex::new(None),
            one_thread: AtomicBool::new(false),
            state: Mutex::new(State {
                turn: None,
                seats: Vec::new(),
                scheduler: None,
                taken: Vec::new(),
                log: Vec::new(),
                ended: None,
                at_end: None,
                narrowed: false,
            }),
            changed: Condvar::new(),
        }
    }

    /// Starts a stepped run as `plan` says; thread 0 (the program's main thread) has the
    /// turn. `until_choice` (with `plan.pause`): once the schedule is used up, the run goes
    /// on while only one thread can move and pauses where two or more can.
    pub fn begin(&self, plan: &StepPlan, until_choice: bool) {
        let mut st = inner(&self.state);
        *st = State {
            turn: Some(0),
            seats: vec![Seat::Running],
            scheduler: Some(plan.scheduler(until_choice)),
            taken: Vec::new(),
            log: Vec::new(),
            ended: None,
            at_end: None,
            narrowed: false,
        };
        self.one_thread.store(false, Relaxed);
        self.active.store(true, Relaxed);
    }

    /// [`Turns::begin`] for a program whose threads all run on this one thread: a turn
    /// point not granted yields ([`Abort::Yield`]) instead of blocking, and the program's
    /// own loop asks [`Turns::choose`] who moves next.
    pub fn begin_one_thread(&self, plan: &StepPlan, until_choice: bool) {
        self.begin(plan, until_choice);
        self.one_thread.store(true, Relaxed);
    }

    /// On one thread: how a thread that cannot unwind lets the others move (the
    /// program's scheduler loop, given by the program's run once it has its threads).
    pub fn set_run_others(&self, run_others: Option<RunOthers>) {
        *inner(&self.nest) = run_others;
    }

    /// Whether the run in flight is stepped on one thread.
    pub fn is_one_thread(&self) -> bool {
        self.one_thread.load(Relaxed)
    }

    /// The run is over: threads run freely again.
    pub fn end(&self) {
        self.active.store(false, Relaxed);
        self.one_thread.store(false, Relaxed);
        *inner(&self.nest) = None;
        self.changed.notify_all();
    }

    /// Whether the run in flight is stepped.
    pub fn is_active(&self) -> bool {
        self.active.load(Relaxed)
    }

    /// Thread `thread` was started (by the thread holding the turn): it runs at its turn.
    pub fn add_thread(&self, thread: usize) {
        let mut st = inner(&self.state);
        if st.seats.len() <= thread {
            st.seats.resize(thread + 1, Seat::Done);
        }
        // Its start touches nothing another thread touches.
        st.seats[thread] = Seat::Waiting(Next {
            kind: StepKind::Wake,
            obj: Some(format!("start of thread {thread}")),
            line: None,
            on: None,
            quiet: false,
        });
    }

    /// A thread that was added waits here for its first turn.
    /// On one thread, the program's loop calls it when it first resumes the thread (whose
    /// start was chosen).
    pub fn first_turn(&self, thread: usize, control: &RunState) -> Result<(), Abort> {
        if self.is_one_thread() {
            let mut st = inner(&self.state);
            return match st.seats.get_mut(thread) {
                Some(seat @ Seat::Granted(_)) => {
                    *seat = Seat::Running;
                    Ok(())
                }
                _ => Err(Abort::Cancelled),
            };
        }
        self.wait_turn(thread, control)
    }

    /// Thread `thread`, holding the turn, will do `kind` on `obj` at `line` next (`quiet`:
    /// a step no other thread's can conflict with): gives the turn back and returns when
    /// it is this thread's turn again. `Err` when the run was stopped meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &self,
        thread: usize,
        kind: StepKind,
        obj: Option<String>,
        line: Option<usize>,
        quiet: bool,
        control: &RunState,
        can_yield: bool,
    ) -> Result<(), Abort> {
        self.publish(
            thread,
            Next {
                kind,
                obj,
                line,
                on: None,
                quiet,
            },
            control,
            can_yield,
        )
    }

    /// [`Turns::step`] for a wait: the thread is chosen only once `on` is ready.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn wait_on(
        &self,
        thread: usize,
        kind: StepKind,
        obj: Option<String>,
        line: Option<usize>,
        on: Option<std::sync::Arc<dyn Awaited>>,
        control: &RunState,
        can_yield: bool,
    ) -> Result<(), Abort> {
        let next = Next {
            kind,
            obj,
            line,
            on,
            quiet: false,
        };
        self.publish(thread, next, control, can_yield)
    }

    /// Publishes what `thread` does next, and waits for its turn to do it.
    fn publish(
        &self,
        thread: usize,
        next: Next,
        control: &RunState,
        can_yield: bool,
    ) -> Result<(), Abort> {
        if self.is_one_thread() {
            loop {
                match self.yield_unless_granted(thread, next.clone()) {
                    Err(Abort::Yield) if !can_yield => {
                        // The caller cannot unwind: the others move from here until this
                        // thread is chosen, and then its turn point is granted.
                        let nest = inner(&self.nest).clone();
                        match nest {
                            Some(run_others) => run_others(thread)?,
                            None => return Err(Abort::Cancelled),
                        }
                    }
                    r => return r,
                }
            }
        }
        {
            let mut st = inner(&self.state);
            if let Some(seat) = st.seats.get_mut(thread) {
                *seat = Seat::Waiting(next);
            }
            if st.turn == Some(thread) {
                self.pass(&mut st, control);
            }
        }
        self.wait_turn(thread, control)
    }

    /// On one thread: the turn point a chosen thread was resumed for goes on; any other
    /// publishes `next` and yields.
    fn yield_unless_granted(&self, thread: usize, next: Next) -> Result<(), Abort> {
        let mut st = inner(&self.state);
        let Some(seat) = st.seats.get_mut(thread) else {
            return Err(Abort::Cancelled);
        };
        if let Seat::Granted(_) = seat {
            *seat = Seat::Running;
            return Ok(());
        }
        *seat = Seat::Waiting(next);
        if st.turn == Some(thread) {
            st.turn = None;
        }
        Err(Abort::Yield)
    }

    /// On one thread: chooses who moves next among the threads that can and that
    /// `resumable` says can be resumed now (not one suspended inside a call further down
    /// this thread's stack), and grants it its turn. `Err` when the run is over (a
    /// deadlock, a pause, a refused schedule, Stop): every thread then unwinds.
    pub fn choose(
        &self,
        control: &RunState,
        resumable: &dyn Fn(usize) -> bool,
    ) -> Result<usize, Abort> {
        let mut st = inner(&self.state);
        if st.ended.is_none() {
            if let Some(next) = self.pick(&mut st, control, resumable) {
                let seat = std::mem::replace(&mut st.seats[next], Seat::Running);
                if let Seat::Waiting(n) = seat {
                    st.seats[next] = Seat::Granted(n);
                }
                st.turn = Some(next);
                return Ok(next);
            }
        }
        Err(match control.waits.deadlock() {
            Some(d) => Abort::Deadlock(d),
            None => Abort::Cancelled,
        })
    }

    /// Thread `thread` has finished: the turn moves on (on one thread, the program's loop
    /// moves it).
    pub fn leave(&self, thread: usize, control: &RunState) {
        let mut st = inner(&self.state);
        if let Some(seat) = st.seats.get_mut(thread) {
            *seat = Seat::Done;
        }
        if st.turn == Some(thread) {
            if self.is_one_thread() {
                st.turn = None;
            } else {
                self.pass(&mut st, control);
            }
        }
    }

    fn wait_turn(&self, thread: usize, control: &RunState) -> Result<(), Abort> {
        let mut st = inner(&self.state);
        loop {
            if st.turn == Some(thread) {
                st.seats[thread] = Seat::Running;
                return Ok(());
            }
            if st.ended.is_some() || control.should_stop() || !self.is_active() {
                return Err(match control.waits.deadlock() {
                    Some(d) => Abort::Deadlock(d),
                    None => Abort::Cancelled,
                });
            }
            st = self
                .changed
                .wait_timeout(st, WAIT_POLL)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }

    /// Chooses who moves next and gives it the turn (or ends the run).
    fn pass(&self, st: &mut State, control: &RunState) {
        if let Some(next) = self.pick(st, control, &|_| true) {
            st.turn = Some(next);
            self.changed.notify_all();
        }
    }

    /// Chooses who moves next among the threads that can and are `resumable`, and logs
    /// its step; `None` when nobody moves (the run has ended, or no thread is live).
    fn pick(
        &self,
        st: &mut State,
        control: &RunState,
        resumable: &dyn Fn(usize) -> bool,
    ) -> Option<usize> {
        st.turn = None;
        if control.should_stop() {
            // Nobody moves any more: the run's end does not depend on which thread
            // notices the stop first.
            st.ended.get_or_insert(TurnsEnd::Stopped);
            self.changed.notify_all();
            return None;
        }
        let ready: Vec<usize> = st
            .seats
            .iter()
            .enumerate()
            .filter(|(t, seat)| match seat {
                Seat::Waiting(next) => next.on.as_ref().is_none_or(|on| on.ready_for(*t)),
                _ => false,
            })
            .map(|(t, _)| t)
            .collect();
        let live = st.seats.iter().any(|s| !matches!(s, Seat::Done));
        if !live {
            self.changed.notify_all();
            return None;
        }
        let end = |st: &mut State, why: TurnsEnd| {
            st.at_end = Some(Self::views(st));
            st.ended = Some(why);
            self.changed.notify_all();
            None
        };
        let can_move: Vec<usize> = ready.iter().copied().filter(|&t| resumable(t)).collect();
        if can_move.len() < ready.len() {
            st.narrowed = true;
        }
        if can_move.is_empty() && !ready.is_empty() {
            // On one thread only: those that could move are suspended inside calls
            // further down the stack, under a thread whose wait they would end.
            return end(
                st,
                TurnsEnd::Refused(format!(
                    "stepping on one thread: thread {} could move, but only once a call it \
                     waits in returns, and that needs another thread to move first (run \
                     with real threads to step this program)",
                    ready[0]
                )),
            );
        }
        if can_move.is_empty() {
            control.waits.halt(Self::deadlock(st));
            return end(st, TurnsEnd::Deadlock);
        }
        if st.taken.len() as u64 >= MAX_STEPS {
            return end(st, TurnsEnd::TooLong);
        }
        let quiet: Vec<usize> = can_move
            .iter()
            .copied()
            .filter(|&t| matches!(&st.seats[t], Seat::Waiting(n) if n.quiet))
            .collect();
        let choice = match st.scheduler.as_mut() {
            Some(scheduler) => scheduler.choose(&can_move, &quiet),
            None => Choice::Pause,
        };
        let next = match choice {
            Choice::Step(t) => t,
            Choice::Refuse(t) => {
                let why = format!(
                    "schedule: step {} names thread {t}, which {} then; threads that could move: {:?}",
                    st.taken.len() + 1,
                    match st.seats.get(t) {
                        None => "does not exist",
                        Some(Seat::Done) => "had finished",
                        _ => "could not move",
                    },
                    can_move
                );
                return end(st, TurnsEnd::Refused(why));
            }
            Choice::Pause => return end(st, TurnsEnd::Paused),
        };
        if let Seat::Waiting(n) = &st.seats[next] {
            if st.log.len() < STEP_LOG_LIMIT {
                let entry = StepEntry::new(next as u8, n.kind, n.obj.clone(), n.line, n.quiet);
                st.log.push(entry);
            }
        }
        st.taken.push(next as u8);
        Some(next)
    }

    /// The deadlock of a stepped run: every live thread and what it waits for.
    fn deadlock(st: &State) -> Deadlock {
        let waiting = st
            .seats
            .iter()
            .enumerate()
            .filter_map(|(thread, seat)| match seat {
                Seat::Waiting(next) | Seat::Granted(next) => Some(Waiting {
                    thread,
                    waits_for: next.on.as_ref().map(|on| on.name()).unwrap_or_default(),
                    line: next.line,
                    why: next
                        .on
                        .as_ref()
                        .map(|on| on.describe())
                        .unwrap_or_else(|| "waits for its turn".to_string()),
                }),
                _ => None,
            })
            .collect();
        Deadlock {
            cycle: Vec::new(),
            waiting,
        }
    }

    /// Steps taken so far.
    pub fn taken(&self) -> usize {
        inner(&self.state).taken.len()
    }

    /// How the turns ended the run early, if they did.
    pub fn ended(&self) -> Option<TurnsEnd> {
        inner(&self.state).ended.clone()
    }

    /// The run's steps: how many, the schedule that replays them, the first ones in
    /// detail, and where each thread stands.
    pub fn report(&self) -> StepReport {
        let st = inner(&self.state);
        let threads = st.at_end.clone().unwrap_or_else(|| Self::views(&st));
        StepReport {
            count: st.taken.len() as u64,
            schedule: st.taken.clone(),
            log_complete: st.log.len() == st.taken.len(),
            log: st.log.clone(),
            threads,
            violation_at: None,
            state: 0,
            shared: Vec::new(),
            narrowed: st.narrowed,
        }
    }

    /// Where each thread stands: done, ready (and what it does next) or blocked.
    fn views(st: &State) -> Vec<ThreadView> {
        st.seats
            .iter()
            .enumerate()
            .map(|(t, seat)| match seat {
                Seat::Done | Seat::Running => ThreadView::done(),
                Seat::Waiting(n) | Seat::Granted(n) => {
                    let ready = n.on.as_ref().is_none_or(|on| on.ready_for(t));
                    ThreadView::waiting(
                        NextStep::new(
                            n.kind,
                            n.obj.clone(),
                            n.line,
                            n.on.as_ref().filter(|_| !ready).map(|on| on.name()),
                            n.quiet,
                        ),
                        ready,
                    )
                }
            })
            .collect()
    }
}
