//! The event parser and the living graph: arbitrary text as CloudEvents JSON lines, parsed
//! (every bad line an error, never a panic), and the events that parse applied to a live
//! analysis of the demo network, which must then equal a fresh compile of its tables.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use tierwise::events::{LIVE_KINDS, Live, parse_lines};
use tierwise::network::Network;
use tierwise::risk::{Analysis, Policy};

#[path = "tables.rs"]
#[allow(dead_code)]
mod tables;

fn demo() -> &'static (Arc<Network>, Arc<Policy>) {
    static DEMO: OnceLock<(Arc<Network>, Arc<Policy>)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let checked = tables::demo();
        let net = checked.network.map(|n| *n).expect("the demo network compiles");
        (Arc::new(net), Arc::new(Policy::default()))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (events, _bad) = parse_lines(text, 1);
    if events.is_empty() {
        return;
    }
    let (net, policy) = demo();
    let now = tables::chrono_now();
    let mut live = Live::new(Analysis::new(net.clone(), policy.clone(), now), &LIVE_KINDS);
    let _ = live.apply(&events, now);
    // Whatever the events did, the live state is the one a fresh compile and analysis of its
    // tables gives, number for number.
    let net = live.analysis().network();
    let fresh = Network::compile(net.tables()).expect("applied events keep the network acyclic");
    assert!(&fresh == net, "the live network differs from a fresh compile");
    let f = Analysis::new(Arc::new(fresh), policy.clone(), now);
    for kind in LIVE_KINDS {
        let (a, b) = (f.exposure(kind), live.exposure(kind).expect("a kept kind"));
        assert_eq!(a.units, b.units, "{kind} units");
        assert_eq!(a.pi, b.pi, "{kind} pi");
        assert_eq!(a.min_tts, b.min_tts, "{kind} min_tts");
    }
});
