//! The living graph from the command line: generate a network with a day of events, load it,
//! apply the events, follow a growing file, the situation, and a replay of the stored state.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{text, tierwise};

fn state_of(stderr: &str) -> String {
    let at = stderr.rfind("state ").expect("a state hash");
    stderr[at + 6..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

fn setup(dir: &Path, events: usize) -> (String, String) {
    let data = dir.join("data");
    let store = dir.join("kg.db");
    let (d, s) = (data.to_str().unwrap(), store.to_str().unwrap());
    let events = events.to_string();
    let g = tierwise(&[
        "generate", "--sites", "200", "--seed", "3", "--events", &events, "--out", d,
    ]);
    assert!(g.status.success(), "{}", text(&g.stderr));
    let l = tierwise(&["load", d, "--store", s]);
    assert!(l.status.success(), "{}", text(&l.stderr));
    (d.to_string(), s.to_string())
}

#[test]
fn apply_prints_the_delta_rejects_with_lines_and_replays_to_the_same_state() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, store) = setup(tmp.path(), 300);
    let events = format!("{data}/events.jsonl");
    let rejects = tmp.path().join("rejects.jsonl");
    let rej = rejects.to_str().unwrap();
    let a = tierwise(&[
        "apply",
        &events,
        "--store",
        &store,
        "--format",
        "csv",
        "--rejects",
        rej,
    ]);
    let (out, err) = (text(&a.stdout), text(&a.stderr));
    assert!(
        out.starts_with("kind,id,metric,before,after,event_ids\n"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.contains(",pi,")),
        "some events move PI"
    );
    // The generated day has a few events the gates refuse: exit 2, each named by line.
    assert_eq!(a.status.code(), Some(2), "{err}");
    assert!(err.contains("events rejected:"), "{err}");
    let rejected = std::fs::read_to_string(&rejects).unwrap();
    let first: serde_json::Value = serde_json::from_str(rejected.lines().next().unwrap()).unwrap();
    assert!(first["line"].as_u64().unwrap() >= 1 && first["reason"].is_string());
    let state = state_of(&err);
    // A replay of the stored events rebuilds the same state.
    let r = tierwise(&["replay", "--store", &store]);
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert_eq!(state_of(&text(&r.stdout)), state);
    // Applying the same file again changes nothing: every applied event is a duplicate.
    let again = tierwise(&["apply", &events, "--store", &store, "--format", "csv"]);
    let err2 = text(&again.stderr);
    assert!(
        err2.contains(" 0 applied") || err2.starts_with("0 applied"),
        "{err2}"
    );
    assert_eq!(
        text(&again.stdout),
        "kind,id,metric,before,after,event_ids\n"
    );
    assert_eq!(state_of(&err2), state);
}

#[test]
fn a_malformed_line_is_named_and_atomic_applies_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, store) = setup(tmp.path(), 0);
    let bad = tmp.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"specversion\":\"1.0\",\"id\":\"a\",\"source\":\"s\",\"type\":\"site.down\",\"time\":\"2026-07-01T00:00:00Z\",\"subject\":\"NOPE\"}\n\
         {not json\n\
         {\"specversion\":\"1.0\",\"id\":\"b\",\"source\":\"s\",\"type\":\"supply.teleport\",\"time\":\"2026-07-01T00:00:00Z\",\"subject\":\"x\"}\n",
    )
    .unwrap();
    let a = tierwise(&[
        "apply",
        bad.to_str().unwrap(),
        "--store",
        &store,
        "--atomic",
    ]);
    let err = text(&a.stderr);
    assert_eq!(a.status.code(), Some(2));
    assert!(
        err.contains("line 2, field , value \"{not json\": not JSON"),
        "{err}"
    );
    assert!(
        err.contains("line 3, field type, value \"supply.teleport\": unknown event type"),
        "{err}"
    );
    assert!(err.contains("nothing applied (--atomic)"), "{err}");
    let a = tierwise(&["apply", bad.to_str().unwrap(), "--store", &store]);
    let err = text(&a.stderr);
    assert!(
        err.contains("line 1, field subject, value \"NOPE\": unknown site"),
        "{err}"
    );
}

#[test]
fn watch_follows_a_growing_file_and_resumes_without_applying_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, store) = setup(tmp.path(), 40);
    let all = std::fs::read_to_string(format!("{data}/events.jsonl")).unwrap();
    let lines: Vec<&str> = all.lines().collect();
    let feed = tmp.path().join("feed.jsonl");
    std::fs::write(&feed, "").unwrap();
    let bin = env!("CARGO_BIN_EXE_tierwise");
    let child = Command::new(bin)
        .args([
            "watch",
            feed.to_str().unwrap(),
            "--store",
            &store,
            "--poll-ms",
            "50",
        ])
        .args(["--max-events", "40", "--format", "csv"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Lines arrive one by one; the last one first arrives cut in the middle.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&feed)
        .unwrap();
    for l in &lines[..39] {
        writeln!(f, "{l}").unwrap();
        f.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let (head, tail) = lines[39].split_at(lines[39].len() / 2);
    write!(f, "{head}").unwrap();
    f.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    writeln!(f, "{tail}").unwrap();
    f.flush().unwrap();
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("stopped after 40 events"), "{err}");
    let state = state_of(&err);
    // The events are stored once: applying the whole file again finds only duplicates.
    let again = tierwise(&["apply", feed.to_str().unwrap(), "--store", &store]);
    let err2 = text(&again.stderr);
    assert!(
        err2.contains(" 0 applied") || err2.starts_with("0 applied"),
        "{err2}"
    );
    assert_eq!(state_of(&err2), state);
}

#[test]
fn ctrl_c_stops_watch_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, store) = setup(tmp.path(), 0);
    let feed = tmp.path().join("feed.jsonl");
    std::fs::write(&feed, "").unwrap();
    let bin = env!("CARGO_BIN_EXE_tierwise");
    let child = Command::new(bin)
        .args([
            "watch",
            feed.to_str().unwrap(),
            "--store",
            &store,
            "--poll-ms",
            "50",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // SIGINT, as Ctrl-C sends.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("stopped after 0 events"));
}

#[test]
fn situation_lists_the_rows_under_active_disruptions() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, store) = setup(tmp.path(), 0);
    // The first plant of the generated network goes down.
    let sites = std::fs::read_to_string(format!("{data}/sites.csv")).unwrap();
    let plant = sites
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let ev = tmp.path().join("down.jsonl");
    std::fs::write(
        &ev,
        format!("{{\"specversion\":\"1.0\",\"id\":\"d\",\"source\":\"s\",\"type\":\"site.down\",\"time\":\"2026-07-01T00:00:00Z\",\"subject\":\"{plant}\",\"data\":{{\"ttr_days\":20}}}}\n"),
    )
    .unwrap();
    let a = tierwise(&["apply", ev.to_str().unwrap(), "--store", &store]);
    assert!(a.status.success(), "{}", text(&a.stderr));
    let s = tierwise(&[
        "situation",
        "--store",
        &store,
        "--now",
        "2026-07-03T00:00:00Z",
        "--format",
        "csv",
    ]);
    let (out, err) = (text(&s.stdout), text(&s.stderr));
    assert!(
        err.contains(&format!("down: {plant} since 2026-07-01")),
        "{err}"
    );
    assert!(out.starts_with("row,availability,tts_days,days_left,stops_on,projected_loss"));
    // A plant that is down makes its own products rows fully unavailable, and the days left
    // are the TTS less the two days since it went down.
    let row = out
        .lines()
        .skip(1)
        .find(|l| l.contains(&format!("@{plant},")))
        .unwrap_or_else(|| panic!("a row of {plant}: {out}"));
    let f: Vec<&str> = row.split(',').collect();
    assert_eq!(f[1], "0.0");
    let (tts, left): (f64, f64) = (f[2].parse().unwrap(), f[3].parse().unwrap());
    assert!((tts - 2.0 - left).abs() < 1e-9, "{row}");
}
