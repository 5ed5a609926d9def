//! Criterion benchmarks of the risk engine on generated networks of 1k to 1M sites: the
//! exposure sweep over every site, one impact, and the Monte Carlo (10,000 scenarios up to
//! 100k sites, 100 at 1M).
//!
//! Sizes: `TIERWISE_BENCH_SIZES=1000,10000` (default 1000,10000,100000,1000000).
//! Run: `cargo bench -p tierwise-benches --profile perf`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use tierwise::generate::{GeneratorConfig, generate};
use tierwise::network::Network;
use tierwise::progress::Progress;
use tierwise::risk::{Analysis, Disruption, Policy, UnitKind};

fn sizes() -> Vec<usize> {
    std::env::var("TIERWISE_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000, 1_000_000])
}

fn analysis(sites: usize) -> Analysis {
    let t = generate(&GeneratorConfig::new(sites, 1)).expect("generate");
    let net = Network::compile(&t).expect("compile");
    let as_of = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
        .expect("time")
        .to_utc();
    Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("risk");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(5));
    for n in sizes() {
        let a = analysis(n);
        g.bench_with_input(BenchmarkId::new("exposure_every_site", n), &a, |b, a| {
            b.iter(|| black_box(a.exposure(UnitKind::Site)))
        });
        // One impact: the deepest-tier site with the largest exposure's cone.
        let worst = {
            let e = a.exposure(UnitKind::Site);
            let i = (0..e.pi.len())
                .max_by(|&x, &y| e.pi[x].total_cmp(&e.pi[y]))
                .unwrap_or(0);
            e.units[i].clone()
        };
        let d = Disruption::sites([worst]);
        g.bench_with_input(BenchmarkId::new("impact_worst_site", n), &a, |b, a| {
            b.iter(|| black_box(a.impact(&d, 30.0).expect("known site")))
        });
        // At 1M sites ~13,000 sites fail in every scenario and a pass covers most of the
        // network: 100 scenarios keep a sample under a minute.
        let (scenarios, name) = if n <= 100_000 {
            (10_000, "monte_carlo_10k_scenarios")
        } else {
            (100, "monte_carlo_100_scenarios")
        };
        g.bench_with_input(BenchmarkId::new(name, n), &a, |b, a| {
            b.iter(|| {
                black_box(
                    a.simulate(scenarios, 7, &Progress::new())
                        .expect("not cancelled"),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
