//! Progress and cancellation of long computations, shared between the worker threads and
//! whoever watches them (a CLI progress bar, a Python callback polled outside the workers).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Counts work done and carries a stop request. Workers only touch atomics: no callback runs
/// inside a parallel loop.
#[derive(Debug, Default)]
pub struct Progress {
    total: AtomicU64,
    done: AtomicU64,
    cancelled: AtomicBool,
}

impl Progress {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set_total(&self, n: u64) {
        self.total.store(n, Ordering::Relaxed);
    }

    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    pub fn advance(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }

    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Starts counting a new piece of work (done and total back to 0); a stop request stays.
    pub fn restart(&self) {
        self.total.store(0, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
    }

    /// Asks the computation to stop at its next check (Ctrl-C).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once a stop was requested: the check a sequential computation makes
    /// between its steps, turned into its own error by `?` (each error enum that can stop
    /// has a `From<Cancelled>`).
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }
}

/// A computation stopped by [`Progress::cancel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;
