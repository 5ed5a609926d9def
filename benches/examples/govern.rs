//! Governance speed (issue 15, item 10): (1) a policy of 50 rules evaluated for one proposal
//! (every rule's CEL condition over the documented context), median of many; (2) generated
//! events, one at a time, through the whole governed loop on an on-disk store (apply, delta,
//! agents, policy, log entries stored, approved actions committed): median and p95 per event.
//!
//! ```text
//! cargo run -p tierwise-benches --profile perf --example govern -- SITES [EVENTS] [WORK]
//! ```
//!
//! WORK (default `target/bench-govern`) keeps the generated tables and loaded store per size;
//! each run governs a fresh copy of that store.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use tierwise::events::parse_line;
use tierwise::generate::{GeneratorConfig, generate, generate_events};
use tierwise::govern::{Action, Governor, Orchestrator, Proposal, RuleContext};
use tierwise::ingest::LoadOptions;
use tierwise::risk::{DEFAULT_POLICY_TOML, Policy};
use tierwise::store::KnowledgeGraph;

/// The shipped policy with 50 more rules of the documented kinds.
fn fifty_rules() -> Policy {
    let whens = [
        "unit.rei > 0.5 && unit.single_source",
        "unit.exposed && unit.ttr - unit.min_tts > 7.0",
        "unit.p_fail >= 0.05 || unit.factors.financial > 0.7",
        "unit.tier >= 2 && unit.chokepoint",
        "row.loss > 0.1 * budgets.revenue_at_risk.limit",
        "event.type in ['sanction.listed', 'site.down'] && unit.pi > 1000.0",
        "unit.country in ['CN', 'TW', 'KR'] && unit.factors.governance > 0.4",
        "proposal.cost <= 10000.0 && budgets.mitigation_spend.used < budgets.mitigation_spend.limit",
        "size(unit.id) > 0 && unit.id.startsWith('S')",
        "[unit.pi, unit.rei].exists(x, x > 0.9)",
    ];
    let mut text = DEFAULT_POLICY_TOML.to_string();
    for i in 0..50 {
        text.push_str(&format!(
            "\n[[rules]]\nid = \"bench-{i}\"\nwhen = \"{}\"\naction = \"notify\"\napproval = \"auto\"\n",
            whens[i % whens.len()]
        ));
    }
    Policy::from_toml_str(&text, "bench.toml").expect("50 rules check")
}

fn rules_per_proposal() {
    let policy = Arc::new(fifty_rules());
    let g = Governor::new(policy.clone()).expect("governor");
    let mut ctx = RuleContext::sample(policy.weights.keys().cloned());
    ctx.unit.id = "S000001".into();
    let p = Proposal {
        agent: "bench".into(),
        action: Action::Notify,
        kind: "site".into(),
        subject: "S000001".into(),
        cost: 0.0,
        benefit: 0.0,
        reason: String::new(),
    };
    let notify = g
        .rules()
        .iter()
        .filter(|r| r.spec.action == Action::Notify)
        .count();
    let mut times = Vec::new();
    for _ in 0..2_000 {
        let t0 = Instant::now();
        let (fired, errors) = g.fired(&p, &ctx);
        std::hint::black_box((fired.len(), errors.len()));
        times.push(t0.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{notify} notify rules per proposal (context built, every condition run): median {:.1} us, p95 {:.1} us",
        times[times.len() / 2] * 1e6,
        times[times.len() * 95 / 100] * 1e6
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create");
    for e in std::fs::read_dir(from).expect("read") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

fn main() {
    rules_per_proposal();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(sites) = args.first().and_then(|s| s.parse::<usize>().ok()) else {
        return;
    };
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100);
    let work = PathBuf::from(args.get(2).map_or("target/bench-govern", String::as_str));
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
            "loaded {sites} sites in {:.1} s",
            t0.elapsed().as_secs_f64()
        );
    }
    // Each run governs a fresh copy of the loaded store: the events of an earlier run would
    // otherwise be stored already (and be no-ops now).
    let run = dir.join("run");
    let t0 = Instant::now();
    let _ = std::fs::remove_dir_all(&run);
    copy_dir(&store, &run);
    println!(
        "copied the loaded store in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let kg = KnowledgeGraph::open(&run).expect("open");
    let policy = Arc::new(Policy::default());
    let t0 = Instant::now();
    let lg = kg.live(policy.clone(), as_of).expect("live");
    let mut o = Orchestrator::new(lg, Governor::new(policy).expect("governor")).expect("resume");
    println!(
        "opened the governed live state in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    // GOVERN_SKIP=type,type leaves those event types out (to profile the others).
    let skip: Vec<String> = std::env::var("GOVERN_SKIP")
        .map(|v| v.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let lines: Vec<String> = generate_events(&tables, n, 7, as_of)
        .into_iter()
        .filter(|l| {
            !skip
                .iter()
                .any(|t| l.contains(&format!("\"type\":\"{t}\"")))
        })
        .collect();
    let mut times = Vec::new();
    let mut decisions = 0;
    let mut by_type: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for (i, l) in lines.iter().enumerate() {
        let e = parse_line(l, i + 1).expect("generated events parse");
        let kind = e.kind.clone();
        let t0 = Instant::now();
        let h = o
            .handle(&[(i + 1, e)], "bench", chrono::Utc::now())
            .expect("handle");
        let dt = t0.elapsed().as_secs_f64();
        times.push(dt);
        by_type.entry(kind).or_default().push(dt);
        decisions += h[0].decisions.len();
    }
    for (kind, mut t) in by_type {
        t.sort_by(f64::total_cmp);
        println!(
            "  {kind}: {} events, median {:.1} ms, max {:.1} ms",
            t.len(),
            t[t.len() / 2] * 1e3,
            t[t.len() - 1] * 1e3
        );
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{sites} sites, {n} events through apply + delta + agents + policy + log: median {:.1} ms, p95 {:.1} ms; {decisions} proposals, {} log entries",
        times[times.len() / 2] * 1e3,
        times[times.len() * 95 / 100] * 1e3,
        o.governor().log().entries().len()
    );
}
