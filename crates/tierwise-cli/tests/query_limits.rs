//! A user's SPARQL query stops at its timeout (exit 1) or on Ctrl-C (exit 130) within moments,
//! even one that computes in memory for hours (the COUNT of a cross product of the store).

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{repo, text, tierwise};

/// About 14,000 quads cubed: it would run for days.
const ENDLESS: &str = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }";

#[test]
fn a_query_stops_at_its_timeout() {
    let demo = repo().join("data/demo");
    let t0 = Instant::now();
    let out = tierwise(&[
        "query",
        ENDLESS,
        "--data",
        demo.to_str().unwrap(),
        "--timeout",
        "1.5",
    ]);
    let took = t0.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("ran longer than its timeout of 1.5 s"),
        "{}",
        text(&out.stderr)
    );
    // Generous: the machine may be busy; without the timeout it would not end today.
    assert!(took < Duration::from_secs(120), "took {took:?}");
    // A quick query under a timeout answers as without one.
    let q = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/tierwise/ns#Site> }";
    let out = tierwise(&[
        "query",
        q,
        "--data",
        demo.to_str().unwrap(),
        "--timeout",
        "600",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "n\n120\n");
    let out = tierwise(&[
        "query",
        q,
        "--data",
        demo.to_str().unwrap(),
        "--timeout",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn ctrl_c_stops_a_query() {
    let demo = repo().join("data/demo");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args(["query", ENDLESS, "--data", demo.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let it load the demo and start the query, then press Ctrl-C.
    std::thread::sleep(Duration::from_secs(3));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let t0 = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "Ctrl-C did not stop the query"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("interrupted"),
        "{}",
        text(&out.stderr)
    );
}
