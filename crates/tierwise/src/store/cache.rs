//! The compiled network of a store's current state, kept beside the store in its binary form
//! so that an analysis of an unchanged store opens it instead of compiling it again.
//!
//! The file is named after the state: a sha256 of the names of the store's data graphs (every
//! write adds a graph, so any write changes the name). A file of another state, another
//! tierwise or damaged is not used (and is replaced by the next compile).

use std::path::{Path, PathBuf};

use crate::hash::sha256_hex;
use crate::network::Network;

/// The folder of the cache inside a store's folder (RocksDB leaves other files alone).
const DIR: &str = "tierwise-cache";

fn file(store: &Path, state: &str) -> PathBuf {
    store.join(DIR).join(format!("network-{state}.bin"))
}

/// The state of a store: a hash of its sorted data graph names.
pub(crate) fn state(graphs: &[String]) -> String {
    sha256_hex(graphs.join("\n").as_bytes())[..32].to_string()
}

/// The kept network of `state`, if there is a usable one.
pub(crate) fn read(store: &Path, state: &str) -> Option<Network> {
    let bytes = std::fs::read(file(store, state)).ok()?;
    Network::from_bytes(&bytes).ok()
}

/// Keeps `net` as the network of `state`, replacing any other kept network. A failure only
/// means the next analysis compiles again, so it is not an error.
pub(crate) fn write(store: &Path, state: &str, net: &Network) {
    let dir = store.join(DIR);
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    // Written aside and renamed: a reader never sees half a file.
    let tmp = dir.join(format!("network-{state}.tmp-{}", std::process::id()));
    if std::fs::write(&tmp, net.to_bytes()).is_err()
        || std::fs::rename(&tmp, file(store, state)).is_err()
    {
        let _ = std::fs::remove_file(&tmp);
        return;
    }
    let keep = format!("network-{state}.bin");
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name();
            if name.to_string_lossy().starts_with("network-") && name != keep.as_str() {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
