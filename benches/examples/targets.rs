//! Times the issue's speed targets on generated networks, without the store in between:
//! the exposure of every site, and the Monte Carlo.
//!
//! ```text
//! cargo run -p tierwise-benches --profile perf --example targets -- exposure 1000000
//! cargo run -p tierwise-benches --profile perf --example targets -- simulate 10000 100000
//! ```
//!
//! Prints the network's size, the time to generate and compile it, and the time of the
//! measured step alone, with a checksum of its result.

use std::sync::Arc;
use std::time::Instant;

use tierwise::generate::{GeneratorConfig, generate};
use tierwise::network::Network;
use tierwise::progress::Progress;
use tierwise::risk::{Analysis, Policy, UnitKind};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: targets (exposure SITES | simulate SITES SCENARIOS) [SEED]";
    let what = args.first().expect(usage).as_str();
    let sites: usize = args.get(1).and_then(|s| s.parse().ok()).expect(usage);
    let (scenarios, seed_arg) = match what {
        "simulate" => (
            args.get(2).and_then(|s| s.parse().ok()).expect(usage),
            args.get(3),
        ),
        "exposure" => (0, args.get(2)),
        _ => panic!("{usage}"),
    };
    let seed: u64 = seed_arg.and_then(|s| s.parse().ok()).unwrap_or(1);

    let t0 = Instant::now();
    let tables = generate(&GeneratorConfig::new(sites, seed)).expect("generate");
    let net = Network::compile(&tables).expect("compile");
    println!(
        "{sites} sites (seed {seed}): {} nodes, {} supply edges, {} products rows; generated and compiled in {:.1} s",
        net.nodes().len(),
        net.edges().len(),
        net.products().len(),
        t0.elapsed().as_secs_f64()
    );
    let as_of = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
        .expect("time")
        .to_utc();
    let a = Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of);
    let threads = rayon::current_num_threads();
    let t1 = Instant::now();
    match what {
        "exposure" => {
            let e = a.exposure(UnitKind::Site);
            let secs = t1.elapsed().as_secs_f64();
            let exposed = e.exposed.iter().filter(|&&x| x).count();
            println!(
                "exposure of {} sites: {secs:.2} s on {threads} threads (sum PI {:.6e}, {exposed} exposed)",
                e.units.len(),
                e.pi.iter().sum::<f64>()
            );
        }
        _ => {
            let s = a
                .simulate(scenarios, 7, &Progress::new())
                .expect("not cancelled");
            let secs = t1.elapsed().as_secs_f64();
            println!(
                "{scenarios} scenarios on {sites} sites: {secs:.2} s on {threads} threads (expected portfolio loss {:.6e}, P(short) {:.4})",
                s.portfolio_stats.expected, s.portfolio_p_short
            );
        }
    }
}
