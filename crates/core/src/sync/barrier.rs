//! `Barrier`: N parties wait until all have arrived.

use std::sync::{Condvar, Mutex};

use super::{inner, wait_while, Abort, Waiter};

#[derive(Debug, Default)]
struct Arrivals {
    waiting: u32,
    generation: u64,
}

/// A reusable barrier, like `threading.Barrier(parties)`.
#[derive(Debug)]
pub struct Barrier {
    name: String,
    parties: u32,
    state: Mutex<Arrivals>,
    all_here: Condvar,
}

impl Barrier {
    /// A barrier called `name` for `parties` threads (at least one).
    pub fn new(name: impl Into<String>, parties: u32) -> Self {
        Self {
            name: name.into(),
            parties: parties.max(1),
            state: Mutex::default(),
            all_here: Condvar::new(),
        }
    }

    /// The barrier's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Arrives and waits for the other parties. Returns this thread's arrival index
    /// (0 for the first to arrive), like Python's `Barrier.wait`.
    pub(crate) fn wait(&self, waiter: &Waiter<'_>) -> Result<u32, Abort> {
        let arrival = self.arrive();
        if self.has_released(&arrival) {
            return Ok(arrival.index);
        }
        let st = inner(&self.state);
        match wait_while(&self.all_here, st, waiter, |s| {
            s.generation == arrival.generation
        }) {
            Ok(_) => Ok(arrival.index),
            Err(abort) => {
                self.leave(&arrival);
                Err(abort)
            }
        }
    }

    /// The first half of a wait, which never blocks: counts this party in, and opens the
    /// barrier if it was the last one missing. (The stepped executor waits for
    /// [`Barrier::has_released`] in steps of its own.)
    pub(crate) fn arrive(&self) -> Arrival {
        let mut st = inner(&self.state);
        let arrival = Arrival {
            index: st.waiting,
            generation: st.generation,
        };
        st.waiting += 1;
        if st.waiting == self.parties {
            st.waiting = 0;
            st.generation += 1;
            self.all_here.notify_all();
        }
        arrival
    }

    /// Whether the barrier has opened since `arrival`.
    pub(crate) fn has_released(&self, arrival: &Arrival) -> bool {
        inner(&self.state).generation != arrival.generation
    }

    /// Takes back an arrival whose party gives up waiting (the run stopped).
    pub(crate) fn leave(&self, arrival: &Arrival) {
        let mut st = inner(&self.state);
        if st.generation == arrival.generation {
            st.waiting -= 1;
        }
    }
}

/// A party counted in at a [`Barrier`], not yet through it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arrival {
    /// Arrival index (0 for the first).
    pub(crate) index: u32,
    generation: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::RunControl;
    use crate::sync::Waiter;
    use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
    use std::time::Duration;

    #[test]
    fn nobody_passes_until_every_party_has_arrived() {
        let run = RunControl::new();
        let barrier = Barrier::new("tour", 4);
        let arrived = AtomicU32::new(0);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..4u64)
                .map(|t| {
                    let (barrier, arrived, run) = (&barrier, &arrived, &run);
                    s.spawn(move || {
                        std::thread::sleep(Duration::from_millis(5 * t));
                        arrived.fetch_add(1, SeqCst);
                        barrier.wait(&Waiter::new(t as usize, run)).unwrap();
                        arrived.load(SeqCst)
                    })
                })
                .collect();
            for h in handles {
                assert_eq!(h.join().unwrap(), 4);
            }
        });
    }

    #[test]
    fn a_waiter_gives_up_when_the_run_is_cancelled() {
        let run = RunControl::new();
        let barrier = Barrier::new("b", 2);
        run.request_cancel();
        assert_eq!(barrier.wait(&Waiter::new(0, &run)), Err(Abort::Cancelled));
        assert_eq!(inner(&barrier.state).waiting, 0);
    }
}
