//! Progress bars (on a terminal only) and Ctrl-C: the first Ctrl-C cancels the running work,
//! a second one exits at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use tierwise::progress::Progress;
use tierwise::report::Steps;

/// The work Ctrl-C cancels: set while a step runs. One handler for the whole process,
/// installed on first use (ctrlc allows one).
fn current() -> &'static Mutex<Option<Arc<Progress>>> {
    static CURRENT: Mutex<Option<Arc<Progress>>> = Mutex::new(None);
    static HANDLER: std::sync::Once = std::sync::Once::new();
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            let p = CURRENT.lock().ok().and_then(|g| g.clone());
            match p {
                Some(p) if !p.is_cancelled() => p.cancel(),
                _ => std::process::exit(130),
            }
        });
    });
    &CURRENT
}

fn set_current(p: Option<Arc<Progress>>) {
    if let Ok(mut g) = current().lock() {
        *g = p;
    }
}

/// Runs `work` with a [`Progress`] that Ctrl-C cancels, and no progress bar.
pub fn cancellable<T>(work: impl FnOnce(&Progress) -> T) -> T {
    let progress = Arc::new(Progress::new());
    set_current(Some(Arc::clone(&progress)));
    let r = work(&progress);
    set_current(None);
    r
}

/// Runs `work` while a progress bar follows its progress; Ctrl-C cancels it.
pub fn with_progress<T: Send>(label: &str, work: impl FnOnce(&Progress) -> T + Send) -> T {
    let progress = Arc::new(Progress::new());
    set_current(Some(Arc::clone(&progress)));
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(label.to_string());
    let done = AtomicBool::new(false);
    let r = std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                bar.set_length(progress.total());
                bar.set_position(progress.done());
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let r = work(&progress);
        done.store(true, Ordering::Relaxed);
        let _ = watcher.join();
        bar.finish_and_clear();
        r
    });
    set_current(None);
    r
}

/// A progress bar per step of the batch report.
#[derive(Debug, Default)]
pub struct Bars;

impl Steps for Bars {
    fn step<T: Send>(&self, label: &str, work: impl FnOnce(&Progress) -> T + Send) -> T {
        with_progress(label, work)
    }
}

/// A stop flag for long-running loops (`tierwise watch`): Ctrl-C sets it (a second one exits).
pub fn stop_on_ctrl_c() -> Arc<Progress> {
    let p = Arc::new(Progress::new());
    set_current(Some(Arc::clone(&p)));
    p
}
