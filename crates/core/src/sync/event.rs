//! `Event`: a flag that threads wait for until another sets it.

use std::sync::{Condvar, Mutex};

use super::{inner, wait_while, Abort, Waiter};

/// A one-way flag, like `threading.Event`: `wait` returns once `set` has been called.
#[derive(Debug)]
pub struct Event {
    name: String,
    set: Mutex<bool>,
    changed: Condvar,
}

impl Event {
    /// An event called `name`, not yet set.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            set: Mutex::new(false),
            changed: Condvar::new(),
        }
    }

    /// The event's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the event has been set.
    pub fn is_set(&self) -> bool {
        *inner(&self.set)
    }

    /// Sets the event and wakes every waiter.
    pub(crate) fn set(&self) {
        *inner(&self.set) = true;
        self.changed.notify_all();
    }

    /// Waits until the event is set.
    pub(crate) fn wait(&self, waiter: &Waiter<'_>) -> Result<(), Abort> {
        wait_while(&self.changed, inner(&self.set), waiter, |set| !*set).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::RunControl;
    use crate::sync::Waiter;
    use std::time::Duration;

    #[test]
    fn wait_returns_only_after_set() {
        let run = RunControl::new();
        let ev = Event::new("landed");
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                ev.wait(&Waiter::new(0, &run)).unwrap();
                ev.is_set()
            });
            std::thread::sleep(Duration::from_millis(20));
            assert!(!waiter.is_finished());
            ev.set();
            assert!(waiter.join().unwrap());
        });
    }

    #[test]
    fn a_waiter_gives_up_when_the_run_is_cancelled() {
        let run = RunControl::new();
        run.request_cancel();
        assert_eq!(
            Event::new("e").wait(&Waiter::new(0, &run)),
            Err(Abort::Cancelled)
        );
    }
}
