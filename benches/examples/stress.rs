//! Times the exact stress test (the TTR and TTS LPs of every site, plants included; the Pyomo
//! comparison in `benches/peers/stress_pyomo.py` runs tier-2 and tier-3 sites, as the peer
//! does) on the peer preset, without the store or the CLI.
//!
//! ```text
//! cargo run -p tierwise-benches --profile perf --example stress -- 200 500
//! ```

use std::sync::Arc;
use std::time::Instant;

use tierwise::lp::{Method, StressOptions, preset};
use tierwise::network::Network;
use tierwise::progress::Progress;
use tierwise::risk::{Analysis, Policy, UnitKind};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|s| s.parse().expect("usage: stress N1 N2 [SEED]"))
        .collect();
    let (n1, n2) = (args[0], args[1]);
    let seed = args.get(2).copied().unwrap_or(1) as u64;
    let net = Network::compile(&preset::peer(n1, n2, seed)).expect("compile");
    let as_of = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
        .expect("time")
        .to_utc();
    let a = Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of);
    let t = Instant::now();
    let s = a
        .stress_test_with(
            &StressOptions::new(UnitKind::Site, Method::Lp),
            &Progress::new(),
        )
        .expect("stress");
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "sites losing at their TTR: {}; TTS below TTR: {}; infinite TTS: {}",
        s.pi.iter().filter(|&&p| p > 0.0).count(),
        s.tts.iter().zip(&s.ttr).filter(|(a, b)| a < b).count(),
        s.tts.iter().filter(|t| t.is_infinite()).count()
    );
    let finite = s.tts.iter().filter(|t| t.is_finite()).count();
    println!(
        "({n1},{n2},{}) {} sites: {secs:.2} s on {} threads (sum PI {:.6e}, {finite} finite TTS)",
        2 * n2,
        s.units.len(),
        rayon::current_num_threads(),
        s.pi.iter().sum::<f64>()
    );
}
