//! The stepped executor's loop (see the parent module): every thread body polled on this
//! one real thread, and a scheduler choosing who takes the next step.
//!
//! It sits above the gate it drives: it takes a whole `RunControl`, which holds the gate.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::task::{Context, Poll, Waker};

use web_time::Instant;

use super::{StepGate, StepPlan};
use crate::control::RunControl;
use crate::exec::scheduler::Choice;
use crate::exec::{Ctx, RunEnd};
use crate::limits::MAX_STEPS;
use crate::sync::outcome::Abort;

/// A thread body as the stepped executor holds it: one type for every scenario, so that
/// the scheduler's loop is compiled once.
type Thread<'s> = Option<Pin<Box<dyn Future<Output = Result<(), Abort>> + 's>>>;

/// Runs `n` copies of `body` one step at a time as `plan` says (see the module docs).
pub(crate) fn run_stepped<'s, 'b, F, Fut>(
    plan: &StepPlan,
    n: usize,
    control: &'s RunControl,
    body: F,
) -> RunEnd
where
    F: Fn(Ctx<'s>) -> Fut,
    Fut: Future<Output = Result<(), Abort>> + 'b,
{
    control.steps.begin(n, control.trace.named());
    let start = Instant::now();
    let threads: Vec<Thread<'b>> = (0..n)
        .map(|i| {
            let body: Pin<Box<dyn Future<Output = Result<(), Abort>> + 'b>> =
                Box::pin(body(Ctx::new(i, control, start)));
            Some(body)
        })
        .collect();
    schedule(plan, threads, control)
}

/// Polls one thread; a finished one leaves its slot and, if it stopped early, says why.
fn poll_one(gate: &StepGate, threads: &mut [Thread<'_>], t: usize, abort: &mut Option<Abort>) {
    let mut cx = Context::from_waker(Waker::noop());
    if let Some(fut) = threads[t].as_mut() {
        if let Poll::Ready(result) = fut.as_mut().poll(&mut cx) {
            threads[t] = None;
            gate.state().done[t] = true;
            if let Err(a) = result {
                abort.get_or_insert(a);
            }
        }
    }
}

/// The scheduler's loop: probe everyone, pick who moves, step it; until the end.
fn schedule(plan: &StepPlan, mut threads: Vec<Thread<'_>>, control: &RunControl) -> RunEnd {
    let gate = &control.steps;
    let n = threads.len();
    let mut scheduler = plan.scheduler(false);
    let mut first_abort: Option<Abort> = None;
    let end = loop {
        gate.probing.store(true, Relaxed);
        for t in 0..n {
            poll_one(gate, &mut threads, t, &mut first_abort);
        }
        gate.probing.store(false, Relaxed);
        gate.note_violations(control.progress.violations.load(Relaxed) > 0);
        if let Some(found) = control.waits.deadlock() {
            break RunEnd::Aborted(Abort::Deadlock(found));
        }
        if let Some(abort) = first_abort.take() {
            break RunEnd::Aborted(abort);
        }
        if control.is_cancelled() {
            break RunEnd::Aborted(Abort::Cancelled);
        }
        if threads.iter().all(Option::is_none) {
            break RunEnd::Completed;
        }
        let enabled = gate.enabled();
        if enabled.is_empty() {
            let found = gate.deadlock();
            control.waits.halt(found.clone());
            break RunEnd::Aborted(Abort::Deadlock(found));
        }
        let index = gate.steps() as usize;
        let thread = match scheduler.choose(&enabled, &[]) {
            Choice::Step(t) => t,
            Choice::Refuse(t) => break RunEnd::Failed(gate.refuse(index, t)),
            Choice::Pause => break RunEnd::Paused,
        };
        if index as u64 >= MAX_STEPS {
            break RunEnd::Failed(format!(
                "a stepped run stops at {MAX_STEPS} steps and this one had not finished; \
                 make it smaller (fewer threads, transfers, attempts or calls)"
            ));
        }
        gate.take_step(thread);
        poll_one(gate, &mut threads, thread, &mut first_abort);
    };
    // Dropping the unfinished bodies releases what they hold.
    drop(threads);
    end
}
