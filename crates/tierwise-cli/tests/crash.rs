//! A load killed with SIGKILL at any moment leaves the store with everything stored before and
//! the new load either whole or absent; a rerun then completes.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{text, tierwise, write_small_network};
use tierwise::ingest::LoadOptions;
use tierwise::network::Network;
use tierwise::store::KnowledgeGraph;

/// The network a store holds and how many loads it has.
fn state(store: &Path) -> (Network, usize) {
    let kg = KnowledgeGraph::open(store).expect("the store reopens after a kill");
    (kg.network().unwrap(), kg.loads().unwrap().height())
}

fn network_of_dirs(dirs: &[&Path]) -> Network {
    let kg = KnowledgeGraph::in_memory().unwrap();
    for d in dirs {
        kg.load_tables(d, &LoadOptions::default()).unwrap();
    }
    kg.network().unwrap()
}

/// Delays spread over the length of a load, from a fixed seed (the test is repeatable).
fn delays(n: usize, load: Duration) -> Vec<Duration> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let f = (x >> 11) as f64 / (1u64 << 53) as f64;
            load.mul_f64(0.05 + 0.9 * f)
        })
        .collect()
}

#[test]
fn a_killed_load_leaves_the_store_whole_or_without_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (earlier, big, store) = (
        tmp.path().join("earlier"),
        tmp.path().join("big"),
        tmp.path().join("kg.db"),
    );
    // The earlier data: a small hand-made network; the new load: 1,200 generated sites (their
    // ids, S..., PRD-..., do not meet the small network's).
    write_small_network(&earlier);
    let out = tierwise(&[
        "generate",
        "--sites",
        "1200",
        "--seed",
        "1",
        "--out",
        big.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = tierwise(&[
        "load",
        earlier.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before = network_of_dirs(&[&earlier]);
    let after = network_of_dirs(&[&earlier, &big]);
    assert_eq!(state(&store), (before.clone(), EARLIER_FILES));
    // How long a whole load takes here, to spread the kills over it.
    let probe = tmp.path().join("probe.db");
    let t0 = Instant::now();
    let out = tierwise(&[
        "load",
        big.to_str().unwrap(),
        "--store",
        probe.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let full = t0.elapsed();
    let mut whole = 0;
    for (i, delay) in delays(6, full).into_iter().enumerate() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tierwise"))
            .args([
                "load",
                big.to_str().unwrap(),
                "--store",
                store.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let (net, loads) = state(&store);
        // One row per file of each load in `loads()`.
        if loads == EARLIER_FILES {
            assert_eq!(
                net, before,
                "kill {i} after {delay:?}: the earlier data changed"
            );
        } else {
            assert_eq!(
                net, after,
                "kill {i} after {delay:?}: a partial load is visible"
            );
            whole += 1;
        }
    }
    let out = tierwise(&[
        "load",
        big.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (net, loads) = state(&store);
    assert_eq!(net, after);
    assert!(
        loads > EARLIER_FILES,
        "the rerun completed ({whole} killed loads had finished first)"
    );
    let leftovers = std::fs::read_dir(&store)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("bulk-"))
        .count();
    assert_eq!(leftovers, 0, "the killed loads' files were cleaned up");
}

/// The files of the small network (one row each in `loads()`).
const EARLIER_FILES: usize = 5;

/// The network a store holds (stored events applied) and how many events it has stored.
fn event_state(store: &Path) -> (Network, usize) {
    let kg = KnowledgeGraph::open(store).expect("the store reopens after a kill");
    (kg.network().unwrap(), kg.stored_events(None).unwrap().len())
}

#[test]
fn a_killed_event_batch_leaves_the_store_whole_or_without_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (tables, store, probe) = (
        tmp.path().join("tables"),
        tmp.path().join("kg.db"),
        tmp.path().join("probe.db"),
    );
    let run = |args: &[&str]| {
        let out = tierwise(args);
        // 2: some generated events are refused by the gates on purpose; the rest apply.
        assert!(
            matches!(out.status.code(), Some(0 | 2)),
            "{args:?}: {}",
            text(&out.stderr)
        );
    };
    let (g, s, p) = (
        tables.to_str().unwrap(),
        store.to_str().unwrap(),
        probe.to_str().unwrap(),
    );
    run(&[
        "generate", "--sites", "1200", "--seed", "3", "--events", "400", "--out", g,
    ]);
    let events = tables.join("events.jsonl");
    let ev = events.to_str().unwrap();
    run(&["load", g, "--store", s]);
    run(&["load", g, "--store", p]);
    let before = event_state(&store);
    assert_eq!(before.1, 0);
    let t0 = Instant::now();
    run(&["apply", ev, "--store", p]);
    let full = t0.elapsed();
    let after = event_state(&probe);
    assert!(
        after.1 > 0 && after.0 != before.0,
        "the batch changes the network"
    );
    let mut whole = 0;
    for (i, delay) in delays(6, full).into_iter().enumerate() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tierwise"))
            .args(["apply", ev, "--store", s])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let now = event_state(&store);
        if now.1 == 0 {
            assert_eq!(
                now.0, before.0,
                "kill {i} after {delay:?}: the data changed"
            );
        } else {
            assert_eq!(
                now, after,
                "kill {i} after {delay:?}: a partial batch is visible"
            );
            whole += 1;
        }
    }
    // A rerun applies what is missing exactly once: every event stored once, same state.
    run(&["apply", ev, "--store", s]);
    assert_eq!(
        event_state(&store),
        after,
        "the rerun completed ({whole} killed batches had finished first)"
    );
}
