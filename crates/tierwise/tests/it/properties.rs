//! Properties of availability, TTS and REI on generated networks, checked against plain
//! reference implementations.

use proptest::prelude::*;
use tierwise::network::Network;
use tierwise::risk::{Disruption, UnitKind};

use crate::common::{analysis_of, generated};

/// DESIGN 3.1 written plainly: one full pass over all nodes in topological order.
fn reference_availability(net: &Network, down: &[bool]) -> Vec<f64> {
    let mut a = vec![1.0; net.nodes().len()];
    for v in 0..net.nodes().len() {
        if down[net.nodes()[v].site as usize] {
            a[v] = 0.0;
            continue;
        }
        let mut m: f64 = 1.0;
        for &g in net.node_inputs(v as u32) {
            let grp = net.groups()[g as usize];
            let f: f64 = grp.remainder
                + net
                    .group_edges(g)
                    .iter()
                    .map(|&e| {
                        let ed = net.edges()[e as usize];
                        ed.cap * a[ed.seller as usize]
                    })
                    .sum::<f64>();
            m = m.min(f.min(1.0));
        }
        a[v] = m;
    }
    a
}

/// TTS paths with petgraph's Dijkstra from a virtual source joined to every node of D.
fn reference_distances(net: &Network, down: &[bool]) -> Vec<f64> {
    use petgraph::graph::{DiGraph, NodeIndex};
    let mut g: DiGraph<(), f64> = DiGraph::new();
    for _ in 0..=net.nodes().len() {
        g.add_node(());
    }
    let src = NodeIndex::new(net.nodes().len());
    for ed in net.edges() {
        let inv = net.groups()[ed.group as usize].inventory_days;
        for &c in net.group_consumers(ed.group) {
            g.add_edge(
                NodeIndex::new(ed.seller as usize),
                NodeIndex::new(c as usize),
                inv,
            );
        }
    }
    for (v, n) in net.nodes().iter().enumerate() {
        if down[n.site as usize] {
            g.add_edge(src, NodeIndex::new(v), 0.0);
        }
    }
    let d = petgraph::algo::dijkstra(&g, src, None, |e| *e.weight());
    (0..net.nodes().len())
        .map(|v| d.get(&NodeIndex::new(v)).copied().unwrap_or(f64::INFINITY))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn availability_is_in_0_1_monotone_and_matches_a_full_pass(
        sites in 30usize..250, seed in any::<u64>(), picks in proptest::collection::vec(any::<u32>(), 1..8), extra in any::<u32>()
    ) {
        let a = analysis_of(&generated(sites, seed));
        let net = a.network();
        let n = net.sites().len() as u32;
        let small: Vec<String> = picks.iter().map(|&p| net.sites()[(p % n) as usize].site_id.clone()).collect();
        let mut big = small.clone();
        big.push(net.sites()[(extra % n) as usize].site_id.clone());
        let a1 = a.node_availability(&Disruption::sites(small.clone())).unwrap();
        let a2 = a.node_availability(&Disruption::sites(big)).unwrap();
        for (x, y) in a1.iter().zip(&a2) {
            prop_assert!((0.0..=1.0).contains(x) && (0.0..=1.0).contains(y));
            prop_assert!(*y <= *x + 1e-12, "more disruption raised availability: {x} -> {y}");
        }
        // The cone propagation equals a plain full pass, and its TTS equals Dijkstra's.
        let mut down = vec![false; n as usize];
        for s in &small {
            down[net.site_index(s).unwrap() as usize] = true;
        }
        let reference = reference_availability(net, &down);
        for (x, r) in a1.iter().zip(&reference) {
            prop_assert!((x - r).abs() < 1e-12);
        }
        let dist = reference_distances(net, &down);
        let imp = a.impact(&Disruption::sites(small), 30.0).unwrap();
        for (i, p) in net.products().iter().enumerate() {
            let want = dist[p.node as usize] + p.fg_inventory_days;
            prop_assert!(imp.tts[i] == want || (imp.tts[i] - want).abs() < 1e-9, "{} vs {}", imp.tts[i], want);
        }
    }

    #[test]
    fn rei_peaks_at_1_whenever_some_pi_is_positive(sites in 30usize..200, seed in any::<u64>()) {
        let a = analysis_of(&generated(sites, seed));
        for kind in [UnitKind::Site, UnitKind::Company, UnitKind::Country] {
            let e = a.exposure(kind);
            let max_pi = e.pi.iter().copied().fold(0.0, f64::max);
            let max_rei = e.rei.iter().copied().fold(0.0, f64::max);
            if max_pi > 0.0 {
                prop_assert_eq!(max_rei, 1.0);
            } else {
                prop_assert_eq!(max_rei, 0.0);
            }
            prop_assert!(e.rei.iter().all(|r| (0.0..=1.0).contains(r)));
        }
    }
}
