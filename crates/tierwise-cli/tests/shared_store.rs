//! One writer, many readers across processes: a reader (`--read-only`, or
//! `KnowledgeGraph::open_read_only`) opens a store while another process writes to it and
//! sees every load whole or not at all; a second writer is told the store is in use.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{text, tierwise, write_small_network};
use tierwise::store::{KnowledgeGraph, StoreError};

/// What a reader sees: (loads, sites).
fn snapshot(store: &Path) -> (usize, usize) {
    let kg = KnowledgeGraph::open_read_only(store).expect("a reader opens while a writer writes");
    let loads = kg
        .loads()
        .unwrap()
        .column("graph")
        .unwrap()
        .n_unique()
        .unwrap();
    (loads, kg.tables().unwrap().sites.len())
}

#[test]
fn readers_see_whole_loads_while_another_process_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let (small, big, store) = (
        tmp.path().join("small"),
        tmp.path().join("big"),
        tmp.path().join("kg.db"),
    );
    write_small_network(&small);
    let out = tierwise(&[
        "generate",
        "--sites",
        "400",
        "--seed",
        "1",
        "--out",
        big.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = tierwise(&[
        "load",
        small.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The writer: another process loading 400 sites (ids S..., which the small network's
    // P1, T1a, T1b, T2 do not meet).
    let mut writer = std::process::Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args([
            "load",
            big.to_str().unwrap(),
            "--store",
            store.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut seen = Vec::new();
    while writer.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "the load never ends"
        );
        let s = snapshot(&store);
        // The small load alone, or both loads whole: never a part of the big one.
        assert!(s == (1, 4) || s == (2, 404), "a reader saw {s:?}");
        seen.push(s);
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = writer.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!seen.is_empty(), "no reader opened while the writer ran");
    assert_eq!(snapshot(&store), (2, 404));
    // Every reader's checkpoint went with it.
    let left = std::fs::read_dir(store.join("tierwise-readers"))
        .unwrap()
        .count();
    assert_eq!(left, 0);
}

#[test]
fn a_second_writer_is_refused_and_a_read_only_command_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let (small, store) = (tmp.path().join("small"), tmp.path().join("kg.db"));
    write_small_network(&small);
    // This process is the writer, holding the store open.
    let held = KnowledgeGraph::open(&store).unwrap();
    held.load_tables(&small, &Default::default()).unwrap();
    let s = store.to_str().unwrap();
    let out = tierwise(&["load", small.to_str().unwrap(), "--store", s]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("in use by another process"), "{err}");
    assert!(!err.contains("LOCK") && !err.contains("IO error"), "{err}");
    // Without --read-only a reader is refused the same way; with it, it reads.
    let q = "PREFIX tw: <https://w3id.org/tierwise/ns#> SELECT ?id WHERE { ?s a tw:Site ; tw:id ?id } ORDER BY ?id";
    let out = tierwise(&["query", q, "--store", s, "--format", "csv"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let out = tierwise(&["query", q, "--store", s, "--read-only", "--format", "csv"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "id\nP1\nT1a\nT1b\nT2\n");
    let out = tierwise(&[
        "exposure",
        "--store",
        s,
        "--read-only",
        "--unit",
        "site",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // And a store opened read-only in-process refuses loads by name.
    drop(held);
    let reader = KnowledgeGraph::open_read_only(&store).unwrap();
    let err = reader.load_tables(&small, &Default::default()).unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
}
