//! Long calls run on their own thread with the GIL released while the calling thread wakes
//! every 50 ms to check for Ctrl-C (which cancels the work and raises KeyboardInterrupt) and
//! to report progress to a Python callback. Python is never called from the worker threads.

use std::time::Duration;

use pyo3::prelude::*;
use tierwise::progress::Progress;

use crate::errors::{Error, TierwiseError};

/// Runs `work` with the GIL released; Ctrl-C or an exception in `callback(done, total)`
/// cancels it.
pub fn run_interruptible<T: Send>(
    py: Python<'_>,
    callback: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&Progress) -> T + Send,
) -> Result<T, Error> {
    let progress = Progress::new();
    std::thread::scope(|s| {
        let handle = s.spawn(|| work(&progress));
        let mut failure: Option<PyErr> = None;
        loop {
            let finished = py.detach(|| {
                for _ in 0..5 {
                    if handle.is_finished() {
                        return true;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                handle.is_finished()
            });
            if failure.is_none() {
                let checked = py.check_signals().and_then(|()| match callback {
                    Some(cb) => cb.call1((progress.done(), progress.total())).map(drop),
                    None => Ok(()),
                });
                if let Err(e) = checked {
                    progress.cancel();
                    failure = Some(e);
                }
            }
            if finished {
                break;
            }
        }
        let result = py.detach(|| handle.join());
        if let Some(e) = failure {
            return Err(e.into());
        }
        result.map_err(|_| TierwiseError::new_err("the computation panicked").into())
    })
}

/// A progress callback chosen by the caller: `None` (the argument left out) gives the
/// default, a tqdm bar when tqdm is installed; an explicit Python `None` gives none.
pub struct Callback(Option<Py<PyAny>>);

impl Callback {
    pub fn new(py: Python<'_>, given: Option<Bound<'_, PyAny>>, what: &str) -> PyResult<Self> {
        if let Some(cb) = given {
            return Ok(Callback((!cb.is_none()).then(|| cb.unbind())));
        }
        let cb = py
            .import("tierwise._progress")?
            .call_method1("default_callback", (what,))?;
        Ok(Callback((!cb.is_none()).then(|| cb.unbind())))
    }

    /// Runs `work` interruptibly with this callback, and closes the callback after.
    pub fn run<T: Send>(
        self,
        py: Python<'_>,
        work: impl FnOnce(&Progress) -> T + Send,
    ) -> Result<T, Error> {
        let r = run_interruptible(py, self.0.as_ref().map(|c| c.bind(py)), work);
        if let Some(cb) = &self.0
            && let Ok(close) = cb.bind(py).getattr("close")
        {
            let _ = close.call0();
        }
        r
    }
}
