//! A reader's own view of a store that another process may be writing to. RocksDB's
//! read-only mode reads the file list of the moment it opens, but opens the table files as it
//! needs them: a file the writer compacts away meanwhile is gone. So a reader first makes a
//! private checkpoint inside the store's folder: the file list (CURRENT and the MANIFEST it
//! names) and the write-ahead logs copied, every table file hard-linked (table files never
//! change once written, and a link keeps one alive after the writer deletes it). The copy is
//! consistent or fails to open (a file deleted between the copy and its link, a MANIFEST
//! copied mid-append), and then it is taken again.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The folder of the readers' checkpoints inside a store's folder (RocksDB leaves it alone).
const DIR: &str = "tierwise-readers";

/// A checkpoint of a store, removed when dropped.
#[derive(Debug)]
pub(crate) struct Snapshot {
    dir: PathBuf,
}

impl Snapshot {
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Takes a checkpoint of the store at `store`.
pub(crate) fn take(store: &Path) -> io::Result<Snapshot> {
    static TAKEN: AtomicU64 = AtomicU64::new(0);
    let base = store.join(DIR);
    std::fs::create_dir_all(&base)?;
    remove_abandoned(&base);
    let n = TAKEN.fetch_add(1, Ordering::Relaxed);
    let dir = base.join(format!("{}-{n}", std::process::id()));
    std::fs::create_dir(&dir)?;
    let snap = Snapshot { dir };
    let current = std::fs::read_to_string(store.join("CURRENT"))?;
    let manifest = current.trim();
    std::fs::copy(store.join(manifest), snap.dir.join(manifest))?;
    std::fs::write(snap.dir.join("CURRENT"), &current)?;
    for e in std::fs::read_dir(store)? {
        let e = e?;
        let name = e.file_name();
        let text = name.to_string_lossy();
        let made = if text.ends_with(".sst") && !text.starts_with("bulk-") {
            std::fs::hard_link(e.path(), snap.dir.join(&name))
        } else if text.ends_with(".log") || text.starts_with("OPTIONS-") || text == "IDENTITY" {
            std::fs::copy(e.path(), snap.dir.join(&name)).map(drop)
        } else {
            Ok(())
        };
        // A file the writer removed since the listing: the open tells whether it mattered.
        match made {
            Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
            _ => {}
        }
    }
    Ok(snap)
}

/// Removes the checkpoints of readers that ended without removing theirs (killed).
fn remove_abandoned(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name.split('-').next().unwrap_or_default();
        let gone = !Path::new("/proc").join(pid).exists() && Path::new("/proc/self").exists();
        if gone {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}
