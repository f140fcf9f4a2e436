//! `Semaphore`: at most N holders at once.

use std::sync::{Condvar, Mutex};

use super::{inner, wait_while, Abort, Waiter};

#[derive(Debug)]
struct Permits {
    free: u32,
    holders: Vec<usize>,
}

/// A counting semaphore, like `threading.Semaphore(n)`, that records its holders.
#[derive(Debug)]
pub struct Semaphore {
    name: String,
    permits: Mutex<Permits>,
    released: Condvar,
}

impl Semaphore {
    /// A semaphore called `name` that lets `permits` threads in at once.
    pub fn new(name: impl Into<String>, permits: u32) -> Self {
        Self {
            name: name.into(),
            permits: Mutex::new(Permits {
                free: permits,
                holders: Vec::new(),
            }),
            released: Condvar::new(),
        }
    }

    /// The semaphore's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Takes a permit for `thread`, waiting while none is free.
    pub(crate) fn acquire(&self, waiter: &Waiter<'_>) -> Result<SemaphoreGuard<'_>, Abort> {
        let thread = waiter.thread;
        let st = inner(&self.permits);
        let mut st = wait_while(&self.released, st, waiter, |p| p.free == 0)?;
        st.free -= 1;
        st.holders.push(thread);
        Ok(SemaphoreGuard { sem: self, thread })
    }

    /// Whether a permit is free now (a taker would not wait).
    pub(crate) fn has_free(&self) -> bool {
        inner(&self.permits).free > 0
    }

    fn release(&self, thread: usize) {
        let mut st = inner(&self.permits);
        if let Some(i) = st.holders.iter().position(|&t| t == thread) {
            st.holders.swap_remove(i);
        }
        st.free += 1;
        self.released.notify_one();
    }

    /// Threads holding a permit now.
    pub fn holders(&self) -> Vec<usize> {
        inner(&self.permits).holders.clone()
    }
}

/// Holds a permit of a [`Semaphore`] until dropped (`with semaphore:`).
#[derive(Debug)]
#[must_use = "the permit is given back as soon as the guard is dropped"]
pub struct SemaphoreGuard<'a> {
    sem: &'a Semaphore,
    thread: usize,
}

impl Drop for SemaphoreGuard<'_> {
    fn drop(&mut self) {
        self.sem.release(self.thread);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::RunControl;
    use crate::sync::Waiter;
    use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
    use std::time::Duration;

    #[test]
    fn never_more_holders_than_permits() {
        let run = RunControl::new();
        let sem = Semaphore::new("sem", 2);
        let (inside, most) = (AtomicU32::new(0), AtomicU32::new(0));
        std::thread::scope(|s| {
            for t in 0..6 {
                let (sem, inside, most, run) = (&sem, &inside, &most, &run);
                s.spawn(move || {
                    let _permit = sem.acquire(&Waiter::new(t, run)).unwrap();
                    most.fetch_max(inside.fetch_add(1, SeqCst) + 1, SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    inside.fetch_sub(1, SeqCst);
                });
            }
        });
        assert_eq!(most.load(SeqCst), 2);
        assert!(sem.holders().is_empty());
    }

    #[test]
    fn a_waiter_gives_up_when_the_run_is_cancelled() {
        let run = RunControl::new();
        let sem = Semaphore::new("sem", 1);
        let _held = sem.acquire(&Waiter::new(0, &run)).unwrap();
        run.request_cancel();
        assert_eq!(
            sem.acquire(&Waiter::new(1, &run)).unwrap_err(),
            Abort::Cancelled
        );
    }
}
