//! Sources of real threads for a program's threads: OS threads natively, a pool of Web
//! Workers in the page (the web crate's).

/// A source of threads that can start one while a run goes (a program's `Thread.start()`):
/// the body owns what it uses, and the run itself waits for it to finish (through a
/// [`crate::sync::ThreadEnd`]).
pub trait Spawn: Send + Sync {
    /// How many spawned bodies can run at once (each may block as long as it likes).
    fn capacity(&self) -> usize;

    /// Starts `body` on a thread of its own; `Err` says in words why it could not.
    fn spawn(&self, body: Box<dyn FnOnce() + Send + 'static>) -> Result<(), String>;
}

/// OS threads: the native source of threads.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsThreads;

impl Spawn for OsThreads {
    fn capacity(&self) -> usize {
        crate::limits::MAX_PROGRAM_THREADS
    }

    fn spawn(&self, body: Box<dyn FnOnce() + Send + 'static>) -> Result<(), String> {
        std::thread::Builder::new()
            .spawn(body)
            .map(drop)
            .map_err(|e| format!("the system could not start a thread: {e}"))
    }
}
