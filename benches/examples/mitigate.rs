//! Times mitigation on generated networks (README performance table) and measures the greedy
//! portfolio's gap to the exact best one.
//!
//! ```text
//! cargo run -p tierwise-benches --profile perf --example mitigate -- speed 100000 [TOP] [SEED]
//! cargo run -p tierwise-benches --profile perf --example mitigate -- gap 300 [NETWORKS]
//! ```
//!
//! `speed`: every candidate for the TOP (50) sites with the largest PI, evaluated by re-running
//! the units each change can move; then the greedy portfolio over them with a budget of their
//! total cost (it runs until nothing left removes PI). Side by side, the plain way: each
//! candidate's what-if with a full exposure sweep of every site, timed on 10 candidates spread
//! over the ranking and scaled to all of them.
//!
//! `gap`: on NETWORKS generated networks (seeds 1..), the 14 best proposals for the top 3
//! sites, budgets of 10 %, 25 % and 50 % of their total cost: greedy against every subset.

use std::sync::Arc;
use std::time::Instant;

use tierwise::generate::{GeneratorConfig, generate};
use tierwise::mitigate::MitigateOptions;
use tierwise::network::Network;
use tierwise::progress::Progress;
use tierwise::risk::{Analysis, Policy, UnitKind};

fn analysis(sites: usize, seed: u64) -> Analysis {
    let tables = generate(&GeneratorConfig::new(sites, seed)).expect("generate");
    let net = Network::compile(&tables).expect("compile");
    let as_of = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
        .expect("time")
        .to_utc();
    Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of)
}

fn speed(sites: usize, top: usize, seed: u64) {
    let t0 = Instant::now();
    let a = analysis(sites, seed);
    let net = a.network();
    println!(
        "{sites} sites (seed {seed}): {} nodes, {} supply edges, {} alternates rows; built in {:.1} s; {} threads",
        net.nodes().len(),
        net.edges().len(),
        net.tables().alternates.len(),
        t0.elapsed().as_secs_f64(),
        rayon::current_num_threads()
    );
    let p = Progress::new();
    let t1 = Instant::now();
    let o = MitigateOptions {
        top,
        ..MitigateOptions::default()
    };
    let m = a.mitigate_with(&o, &p).expect("mitigate");
    let eval = t1.elapsed().as_secs_f64();
    let touched: usize = m.proposals.iter().map(|x| x.units_touched).sum();
    println!(
        "candidates for the top {top} sites: {} proposals, {touched} unit reruns, {eval:.2} s (sum of benefit {:.6e})",
        m.proposals.len(),
        m.proposals.iter().map(|x| x.benefit).sum::<f64>()
    );
    let budget: f64 = m.proposals.iter().map(|x| x.cost).sum();
    let t2 = Instant::now();
    let pf = m.greedy_portfolio(&a, budget, &p).expect("portfolio");
    println!(
        "greedy portfolio within {budget:.6e}: {} picks, {:.2} s (PI removed {:.6e} of {:.6e})",
        pf.picks.len(),
        t2.elapsed().as_secs_f64(),
        pf.benefit,
        m.total_pi
    );
    let n = m.proposals.len();
    let sample: Vec<usize> = (0..10.min(n)).map(|k| k * n / 10.min(n)).collect();
    let t3 = Instant::now();
    for &i in &sample {
        let w = a.what_if(&m.proposals[i].changes).expect("applies");
        std::hint::black_box(w.exposure(UnitKind::Site));
    }
    let full = t3.elapsed().as_secs_f64() / sample.len().max(1) as f64 * n as f64;
    println!(
        "plain way (what-if + full exposure per candidate): {full:.1} s for {n} ({:.3} s each, {} sampled); ratio {:.0}x",
        full / n.max(1) as f64,
        sample.len(),
        full / eval
    );
}

fn gap(sites: usize, networks: u64) {
    let p = Progress::new();
    let mut worst: f64 = 0.0;
    let mut cases = 0;
    let mut behind = 0;
    for seed in 1..=networks {
        let a = analysis(sites, seed);
        let mut m = a
            .mitigate(&MitigateOptions {
                top: 3,
                ..MitigateOptions::default()
            })
            .expect("mitigate");
        m.proposals.truncate(14);
        let total: f64 = m.proposals.iter().map(|x| x.cost).sum();
        for share in [0.1, 0.25, 0.5] {
            let budget = total * share;
            let g = m.greedy_portfolio(&a, budget, &p).expect("greedy");
            let e = m.exact_portfolio(&a, budget).expect("exact");
            let rel = if e.benefit > 0.0 {
                (e.benefit - g.benefit) / e.benefit
            } else {
                0.0
            };
            cases += 1;
            behind += usize::from(rel > 1e-9);
            worst = worst.max(rel);
            println!(
                "seed {seed} budget {:.0}%: greedy {:.6e} ({}), exact {:.6e}, gap {:.2}%",
                share * 100.0,
                g.benefit,
                g.rule.as_str(),
                e.benefit,
                rel * 100.0
            );
        }
    }
    println!(
        "{cases} cases: greedy below the exact best in {behind}, worst gap {:.2}%",
        worst * 100.0
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: mitigate (speed SITES [TOP] [SEED] | gap SITES [NETWORKS])";
    let num = |i: usize| args.get(i).and_then(|s| s.parse::<usize>().ok());
    let sites = num(1).expect(usage);
    match args.first().map(String::as_str) {
        Some("speed") => speed(sites, num(2).unwrap_or(50), num(3).unwrap_or(1) as u64),
        Some("gap") => gap(sites, num(2).unwrap_or(10) as u64),
        _ => panic!("{usage}"),
    }
}
