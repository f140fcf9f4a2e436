//! Who moves next in a stepped run: one small type per policy behind one trait.
//!
//! The stepped engines (a scenario's, [`super::stepped`], and a program's,
//! [`super::turns`]) find which threads can move and ask their [`Scheduler`] which of them
//! does; they never know which scheduler they have. The policies:
//! - [`Scripted`]: a schedule followed step by step (the learner's clicks, a real run's
//!   replay, the prefix an exploration is trying), then another scheduler;
//! - [`SeededRandom`]: a seeded random choice, the same natively and in wasm;
//! - [`PauseHere`]: stop, so that the report says where every thread stands;
//! - [`UntilChoice`]: go on while there is nothing to choose (one thread can move, or one
//!   that can does a quiet step next), stop at the first real choice (how an exploration
//!   walks a program's interleavings, and how step mode moves a program along between the
//!   learner's clicks).
//!
//! A *quiet* step is one that no other thread's step can conflict with: a program's read
//! of a global bound once and for all, or of a module's function (see `racelab-lang`'s
//! shared seam). Taking it now or later gives the same run, so a policy that looks for
//! real choices takes it without asking.
//!
//! [`StepPlan::scheduler`] builds the one a run's config asks for.

use std::collections::VecDeque;

use super::stepped::StepPlan;

/// What a scheduler chose for the next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Choice {
    /// Step this thread (one of those that can move).
    Step(usize),
    /// Stop here: the run ends paused.
    Pause,
    /// The schedule names this thread, which cannot move now: the run ends refused.
    Refuse(usize),
}

/// Chooses who moves next among the threads that can.
pub trait Scheduler: Send + std::fmt::Debug {
    /// The next step's thread; `enabled` lists the threads that can move, in order, and is
    /// never empty; `quiet` lists those of them whose next step is quiet (see the module
    /// docs; a scenario's steps never are).
    fn choose(&mut self, enabled: &[usize], quiet: &[usize]) -> Choice;
}

/// Follows a schedule, then hands over to `then`.
#[derive(Debug)]
pub struct Scripted<S> {
    schedule: VecDeque<u8>,
    then: S,
}

impl<S: Scheduler> Scripted<S> {
    /// `schedule` first (each entry a thread that must be able to move), then `then`.
    pub fn new(schedule: &[u8], then: S) -> Self {
        Self {
            schedule: schedule.iter().copied().collect(),
            then,
        }
    }
}

impl<S: Scheduler> Scheduler for Scripted<S> {
    fn choose(&mut self, enabled: &[usize], quiet: &[usize]) -> Choice {
        match self.schedule.pop_front() {
            Some(t) if enabled.contains(&(t as usize)) => Choice::Step(t as usize),
            Some(t) => Choice::Refuse(t as usize),
            None => self.then.choose(enabled, quiet),
        }
    }
}

/// A seeded random choice among the threads that can move.
#[derive(Debug)]
pub struct SeededRandom(fastrand::Rng);

impl SeededRandom {
    /// The choices of `seed`: the same seed, the same choices.
    pub fn new(seed: u64) -> Self {
        Self(fastrand::Rng::with_seed(seed ^ 0x5DEE_CE66_D1CE_5EED))
    }
}

impl Scheduler for SeededRandom {
    /// Quiet steps are chosen like any other: a seed's runs stay what they were.
    fn choose(&mut self, enabled: &[usize], _quiet: &[usize]) -> Choice {
        // u32, not usize: the same seed chooses alike natively and in wasm32.
        Choice::Step(enabled[self.0.u32(..enabled.len() as u32) as usize])
    }
}

/// Stops the run where it stands.
#[derive(Debug, Clone, Copy)]
pub struct PauseHere;

impl Scheduler for PauseHere {
    fn choose(&mut self, _enabled: &[usize], _quiet: &[usize]) -> Choice {
        Choice::Pause
    }
}

/// Goes on while there is nothing to choose: steps the first thread whose next step is
/// quiet, or the only one that can move; stops where two or more can and none is quiet.
#[derive(Debug, Clone, Copy)]
pub struct UntilChoice;

impl Scheduler for UntilChoice {
    fn choose(&mut self, enabled: &[usize], quiet: &[usize]) -> Choice {
        match (quiet, enabled) {
            ([first, ..], _) | ([], [first]) => Choice::Step(*first),
            _ => Choice::Pause,
        }
    }
}

impl StepPlan {
    /// The scheduler this plan asks for: its schedule, then a pause (with `pause`) or
    /// seeded random choices. With `until_choice` (and `pause`), after the schedule the
    /// run goes on while there is nothing to choose and pauses at the first real choice.
    pub fn scheduler(&self, until_choice: bool) -> Box<dyn Scheduler> {
        match (self.pause, until_choice) {
            (true, true) => Box::new(Scripted::new(&self.schedule, UntilChoice)),
            (true, false) => Box::new(Scripted::new(&self.schedule, PauseHere)),
            (false, _) => Box::new(Scripted::new(&self.schedule, SeededRandom::new(self.seed))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(mut s: impl Scheduler, enabled: &[&[usize]]) -> Vec<Choice> {
        enabled.iter().map(|e| s.choose(e, &[])).collect()
    }

    #[test]
    fn a_schedule_is_followed_then_handed_over() {
        let s = Scripted::new(&[1, 0], PauseHere);
        let got = run(s, &[&[0, 1], &[0, 1], &[0, 1]]);
        assert_eq!(got, [Choice::Step(1), Choice::Step(0), Choice::Pause]);
    }

    #[test]
    fn a_schedule_naming_a_thread_that_cannot_move_is_refused() {
        let s = Scripted::new(&[2], PauseHere);
        assert_eq!(run(s, &[&[0, 1]]), [Choice::Refuse(2)]);
    }

    #[test]
    fn until_choice_goes_on_alone_and_stops_at_a_choice() {
        assert_eq!(
            run(UntilChoice, &[&[1], &[0], &[0, 1]]),
            [Choice::Step(1), Choice::Step(0), Choice::Pause]
        );
    }

    #[test]
    fn until_choice_takes_quiet_steps_first_and_never_pauses_before_one() {
        let mut s = UntilChoice;
        assert_eq!(s.choose(&[0, 1, 2], &[2]), Choice::Step(2));
        assert_eq!(s.choose(&[0, 1, 2], &[1, 2]), Choice::Step(1));
        assert_eq!(s.choose(&[0, 1, 2], &[]), Choice::Pause);
    }

    #[test]
    fn a_seed_chooses_alike_whether_or_not_steps_are_quiet() {
        let mut a = SeededRandom::new(3);
        let mut b = SeededRandom::new(3);
        for _ in 0..50 {
            assert_eq!(a.choose(&[0, 1, 2], &[]), b.choose(&[0, 1, 2], &[0, 2]));
        }
    }

    #[test]
    fn the_same_seed_chooses_the_same_and_only_among_the_enabled() {
        let enabled: Vec<&[usize]> = vec![&[0, 2, 5]; 50];
        let a = run(SeededRandom::new(7), &enabled);
        assert_eq!(a, run(SeededRandom::new(7), &enabled));
        assert_ne!(a, run(SeededRandom::new(8), &enabled));
        assert!(a.iter().all(|c| matches!(c, Choice::Step(0 | 2 | 5))));
        let seen: std::collections::BTreeSet<_> = a.iter().collect();
        assert_eq!(seen.len(), 3, "every enabled thread gets chosen: {a:?}");
    }
}
