//! Hand-built tiny networks compiled and checked node by node.

use tierwise::ingest::{Finding, LoadOptions, read_tables_dir};
use tierwise::network::Network;

use crate::common::{
    BOM, PARTS, as_of, assert_has, diamond_with, diamond_with_distributor, net_of,
};

#[test]
fn diamond_node_by_node() {
    let d = diamond_with(&[]);
    let net = net_of(d.path());
    // Nodes in topological order: level 0 (T2,C); level 1 (T1a,A), (T1b,A); level 2 (P1,X).
    let names: Vec<String> = (0..net.nodes().len() as u32)
        .map(|i| net.node_name(i))
        .collect();
    assert_eq!(names, ["T2/C", "T1a/A", "T1b/A", "P1/X"]);
    let levels: Vec<u32> = net.nodes().iter().map(|n| n.level).collect();
    assert_eq!(levels, [0, 1, 1, 2]);
    assert!(net.nodes().iter().all(|n| !n.pass_through));

    // Tiers: P1 is the plant (0); T1a, T1b sell to it (1); T2 sells to tier-1 sites (2).
    let tier = |s: &str| net.site_tier(net.site_index(s).unwrap());
    assert_eq!(
        (tier("P1"), tier("T1a"), tier("T1b"), tier("T2")),
        (Some(0), Some(1), Some(1), Some(2))
    );
    assert_eq!(net.max_tier(), 2);

    // The plant consumes one group, (P1, A), with two edges; shares sum to 1, so no remainder.
    let p1x = net.node("P1", "X").unwrap();
    let ins = net.node_inputs(p1x);
    assert_eq!(ins.len(), 1);
    let g = net.groups()[ins[0] as usize];
    assert_eq!(net.sites()[g.buyer as usize].site_id, "P1");
    assert_eq!(net.parts()[g.part as usize].part_id, "A");
    assert_eq!(g.remainder, 0.0);
    assert_eq!(g.inventory_days, 5.0);
    let edges: Vec<(String, f64, f64)> = net
        .group_edges(ins[0])
        .iter()
        .map(|&e| {
            let e = net.edges()[e as usize];
            (net.node_name(e.seller), e.share, e.cap)
        })
        .collect();
    // Headroom: cap is max_share when given.
    assert_eq!(
        edges,
        [
            ("T1a/A".to_string(), 0.6, 0.8),
            ("T1b/A".to_string(), 0.4, 0.5)
        ]
    );

    // The diamond: T2/C ships on two edges, into the groups of two different Tier-1 sites.
    let t2 = net.node("T2", "C").unwrap();
    let outs = net.node_outputs(t2);
    assert_eq!(outs.len(), 2);
    let buyers: Vec<&str> = outs
        .iter()
        .map(|&e| {
            net.sites()[net.groups()[net.edges()[e as usize].group as usize].buyer as usize]
                .site_id
                .as_str()
        })
        .collect();
    assert_eq!(buyers, ["T1a", "T1b"]);
    // Edge without max_share: cap = share = 1.
    assert_eq!(net.edges()[outs[0] as usize].cap, 1.0);

    // The products row: demand 100, value = margin 10 (margin wins over revenue 50), fg 2 days.
    let p = net.products()[0];
    assert_eq!(p.node, p1x);
    assert_eq!(
        (p.demand_per_day, p.value(), p.fg_inventory_days),
        (100.0, 10.0, 2.0)
    );
    assert!(net.unmapped().is_empty());

    // petgraph view: 4 nodes, 3 node-graph edges (T2->T1a, T2->T1b, T1a->P1 ... and T1b->P1).
    let g = net.node_graph();
    assert_eq!((g.node_count(), g.edge_count()), (4, 4));
    assert!(petgraph::algo::toposort(&g, None).is_ok());
}

#[test]
fn pass_through_distributor() {
    // T1b no longer buys C from T2 but from distributor D, which buys C from T2 and sells it
    // on: D makes C by buying C, so node D/C is a pass-through whose only input is (D, C).
    let d = diamond_with_distributor("T2");
    let net = net_of(d.path());
    let dc = net.node("D", "C").expect("the distributor is a node");
    let node = net.nodes()[dc as usize];
    assert!(node.pass_through);
    assert_eq!(node.level, 1);
    let ins = net.node_inputs(dc);
    assert_eq!(ins.len(), 1);
    let g = net.groups()[ins[0] as usize];
    assert_eq!(
        (
            net.sites()[g.buyer as usize].site_id.as_str(),
            net.parts()[g.part as usize].part_id.as_str(),
            g.inventory_days
        ),
        ("D", "C", 4.0)
    );
    let sellers: Vec<String> = net
        .group_edges(ins[0])
        .iter()
        .map(|&e| net.node_name(net.edges()[e as usize].seller))
        .collect();
    assert_eq!(sellers, ["T2/C"]);
    // Order: T2/C (0), D/C and T1a/A (1), T1b/A (2, after D/C), P1/X (3).
    let names: Vec<String> = (0..net.nodes().len() as u32)
        .map(|i| net.node_name(i))
        .collect();
    assert_eq!(names, ["T2/C", "D/C", "T1a/A", "T1b/A", "P1/X"]);
    // Tiers: D sells to T1b (tier 1), so D is tier 2; T2 sells to T1a (tier 1) and to D: tier 2.
    assert_eq!(net.site_tier(net.site_index("D").unwrap()), Some(2));
    assert_eq!(net.site_tier(net.site_index("T2").unwrap()), Some(2));
}

#[test]
fn unmapped_remainder_and_unmapped_depth() {
    // P1 names only 70 % of its A supply: r = 1 - 0.7 = 0.3. C now needs raw material R that
    // T2 buys from nobody: unmapped depth at T2/C.
    let parts = format!("{PARTS}R,raw_material,Ore,1\n");
    let bom = format!("{BOM}C,R,5\n");
    let supply = "buyer_site,part_id,seller_site,share,max_share,inventory_days\n\
P1,A,T1a,0.5,0.9,5\n\
P1,A,T1b,0.2,,5\n\
T1a,C,T2,1,,3\n\
T1b,C,T2,1,,3\n";
    let d = diamond_with(&[
        ("parts.csv", &parts),
        ("bom.csv", &bom),
        ("supply.csv", supply),
    ]);
    let checked = read_tables_dir(d.path(), &LoadOptions::default()).expect("warnings only");
    let net = Network::compile(&checked.tables).unwrap();
    let g = net.groups()[net.node_inputs(net.node("P1", "X").unwrap())[0] as usize];
    assert!((g.share_sum - 0.7).abs() < 1e-12);
    assert!((g.remainder - 0.3).abs() < 1e-12);
    assert_eq!(net.unmapped().len(), 1);
    let u = &net.unmapped()[0];
    assert_eq!(
        (u.site.as_str(), u.part.as_str(), u.child.as_str()),
        ("T2", "C", "R")
    );
    assert_eq!(u.node, net.node("T2", "C").unwrap());
    // Both come back as warnings with table, row, column and value.
    let w = &checked.warnings;
    assert_has(w, "supply", Some(2), "share", "0.7", "sum to 0.7 < 1");
    assert_has(
        w,
        "bom",
        Some(4),
        "child_part",
        "R",
        "unmapped depth: site T2 makes C",
    );
    // Single source: T1a gets C only from T2 (rows 4 and 5).
    assert_has(w, "supply", Some(4), "seller_site", "T2", "single source");
    assert_has(w, "supply", Some(5), "seller_site", "T2", "single source");
}

#[test]
fn countries_companies_and_signals() {
    let countries =
        "country,governance,hazard,p_event,ttr_days\nDE,0.9,0.1,0.01,30\nCN,0.4,0.3,0.05,90\n";
    let signals = "subject_kind,subject_id,factor,value,observed_at,source\n\
site,T2,financial,0.7,2026-01-15T08:00:00+01:00,ratings\n\
company,Beta,sanction,1,2024-01-01T00:00:00Z,list\n\
country,CN,news,0.4,2026-02-01T00:00:00Z,wire\n";
    let d = diamond_with(&[("countries.csv", countries), ("signals.csv", signals)]);
    let now = as_of("2026-03-01");
    let checked = read_tables_dir(d.path(), &LoadOptions::default().with_now(now)).unwrap();
    let net = Network::compile(&checked.tables).unwrap();
    // Countries: those of the sites (CN, DE, PL) and of the countries table, sorted.
    assert_eq!(net.countries(), ["CN", "DE", "PL"]);
    assert_eq!(net.companies(), ["Alpha", "Beta", "FOCAL", "Gamma"]);
    let t2 = net.site_index("T2").unwrap();
    assert_eq!(net.countries()[net.site_country(t2) as usize], "CN");
    assert_eq!(net.companies()[net.site_company(t2) as usize], "Gamma");
    // Timestamps are normalised to UTC: 08:00+01:00 is 07:00Z.
    let s = &net.tables().signals;
    assert!(s.iter().any(|x| x.observed_at == "2026-01-15T07:00:00Z"));
    // The 2024 sanction is 790 days old on 2026-03-01: stale (> 180); the others are not.
    let stale: Vec<&Finding> = checked
        .warnings
        .iter()
        .filter(|f| f.message.contains("stale"))
        .collect();
    assert_eq!(stale.len(), 1);
    assert_eq!(
        (stale[0].row, stale[0].value.as_str()),
        (Some(3), "2024-01-01T00:00:00Z")
    );
    assert!(stale[0].message.contains("790 days"));
}
