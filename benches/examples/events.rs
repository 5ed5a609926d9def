//! The living graph's speed (issue 13): events applied one at a time to an on-disk store of a
//! generated network (network patched, delta computed, batch stored), beside a full recompile
//! and exposure of the same network in the same run; and the replay of the stored events.
//!
//! ```text
//! cargo run -p tierwise-benches --profile perf --example events -- SITES [EVENTS] [WORK]
//! ```
//!
//! WORK (default `target/bench-events`) keeps the generated tables and the loaded store per
//! size, so a rerun skips them; the events are applied to the live state opened from it
//! (the store grows by one batch per event: delete WORK/SITES to start over).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use tierwise::events::{Event, parse_line, replay};
use tierwise::generate::{GeneratorConfig, generate, generate_events};
use tierwise::ingest::LoadOptions;
use tierwise::network::Network;
use tierwise::risk::{Analysis, Policy, UnitKind};
use tierwise::store::KnowledgeGraph;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: events SITES [EVENTS] [WORK]";
    let sites: usize = args.first().and_then(|s| s.parse().ok()).expect(usage);
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200);
    let work = PathBuf::from(args.get(2).map_or("target/bench-events", String::as_str));
    let dir = work.join(sites.to_string());
    let as_of = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
        .expect("time")
        .to_utc();

    let tables = generate(&GeneratorConfig::new(sites, 1)).expect("generate");
    let store = dir.join("store");
    if !store.exists() {
        let t0 = Instant::now();
        tierwise::ingest::write_tables_csv(&tables, &dir.join("tables")).expect("write");
        let kg = KnowledgeGraph::open(&store).expect("open");
        kg.load_tables(dir.join("tables"), &LoadOptions::default())
            .expect("load");
        println!(
            "loaded {sites} sites into {} in {:.1} s",
            store.display(),
            t0.elapsed().as_secs_f64()
        );
    }
    let lines = generate_events(&tables, n, 1, as_of);
    let events: Vec<(usize, Event)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (i + 1, parse_line(l, i + 1).expect("generated events parse")))
        .collect();
    let kg = KnowledgeGraph::open(&store).expect("open");

    let t0 = Instant::now();
    let mut lg = kg.live(Arc::new(Policy::default()), as_of).expect("live");
    let open_s = t0.elapsed().as_secs_f64();
    println!(
        "live state opened (kept network or replay, then exposure of every site, company and country) in {open_s:.1} s"
    );
    let full = full_recompute(lg.live().analysis().network().tables(), as_of);
    let (value, structural) = apply_one_by_one(&mut lg, &events);
    report("value change", &value, full);
    report("structural change", &structural, full);
    let all: Vec<f64> = value.iter().chain(&structural).copied().collect();
    report("any event", &all, full);
    drop(lg);

    let t0 = Instant::now();
    let stored = kg.stored_events(None).expect("events");
    let read_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let r = replay(tables.clone(), &stored);
    let replay_s = t1.elapsed().as_secs_f64();
    println!(
        "replay: {} stored events read back in {read_s:.2} s ({:.0}/s), applied to the tables in {replay_s:.3} s ({:.0}/s); {} refused",
        stored.len(),
        stored.len() as f64 / read_s,
        stored.len() as f64 / replay_s,
        r.refused
    );
    replay_rate(&tables, as_of);
}

/// The replay's own rate on a long stream (REPLAY generated events, default 20,000): a few
/// hundred stored events time mostly its fixed cost (hashing the loads' tables, indexing
/// them, writing them out), so that is timed apart with no event.
fn replay_rate(tables: &tierwise::model::Tables, as_of: chrono::DateTime<chrono::Utc>) {
    let n: usize = std::env::var("REPLAY")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let events: Vec<Event> = generate_events(tables, n, 2, as_of)
        .iter()
        .enumerate()
        .map(|(i, l)| parse_line(l, i + 1).expect("generated events parse"))
        .collect();
    let base = tables.clone();
    let t0 = Instant::now();
    drop(replay(base, &[]));
    let fixed = t0.elapsed().as_secs_f64();
    let base = tables.clone();
    let t1 = Instant::now();
    let r = replay(base, &events);
    let all = t1.elapsed().as_secs_f64();
    println!(
        "replay of {n} generated events onto the tables: {all:.2} s, {:.0} events/s end to end; fixed cost (no event) {fixed:.2} s, {:.0} events/s beyond it; {} refused",
        n as f64 / all,
        n as f64 / (all - fixed).max(1e-9),
        r.refused
    );
}

/// A full recompile and exposure of every site: what a tool without incremental updates runs
/// after each change.
fn full_recompute(t: &tierwise::model::Tables, as_of: chrono::DateTime<chrono::Utc>) -> f64 {
    let t0 = Instant::now();
    let net = Network::compile(t).expect("compile");
    let a = Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of);
    let e = a.exposure(UnitKind::Site);
    let s = t0.elapsed().as_secs_f64();
    println!(
        "full recompile + exposure of every site: {s:.2} s (checksum {:.0})",
        e.pi.iter().sum::<f64>()
    );
    s
}

/// Applies each event as its own batch (patched, re-scored, stored); the seconds per event,
/// value changes and structural ones apart.
fn apply_one_by_one(
    lg: &mut tierwise::store::LiveGraph,
    events: &[(usize, Event)],
) -> (Vec<f64>, Vec<f64>) {
    let structural = ["supply.added", "supply.removed", "site.added"];
    let (mut value, mut other) = (Vec::new(), Vec::new());
    let mut slowest: Vec<(f64, &str)> = Vec::new();
    let mut rows = 0;
    for e in events {
        let t0 = Instant::now();
        let out = lg
            .apply(std::slice::from_ref(e), "bench", false)
            .expect("apply");
        let s = t0.elapsed().as_secs_f64();
        rows += out.delta.len();
        slowest.push((s, e.1.kind.as_str()));
        if structural.contains(&e.1.kind.as_str()) {
            other.push(s);
        } else {
            value.push(s);
        }
    }
    println!(
        "{} events applied one by one, {rows} delta rows",
        events.len()
    );
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    let top: Vec<String> = slowest
        .iter()
        .take(5)
        .map(|(s, k)| format!("{k} {:.0} ms", s * 1e3))
        .collect();
    println!("slowest: {}", top.join(", "));
    (value, other)
}

fn report(what: &str, secs: &[f64], full: f64) {
    if secs.is_empty() {
        return;
    }
    let mut v = secs.to_vec();
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    let median = q(0.5);
    println!(
        "{what}: {} events, median {:.1} ms, p90 {:.1} ms, max {:.1} ms; full recompute / median = {:.0}x",
        v.len(),
        median * 1e3,
        q(0.9) * 1e3,
        v[v.len() - 1] * 1e3,
        full / median
    );
}
