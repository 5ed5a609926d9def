use std::sync::Arc;
use std::time::Instant;
use tierwise::generate::{GeneratorConfig, generate};
use tierwise::network::Network;
use tierwise::risk::{Analysis, Policy, UnitKind};

fn main() {
    let sites: usize = std::env::args().nth(1).unwrap().parse().unwrap();
    let t0 = Instant::now();
    let tables = generate(&GeneratorConfig::new(sites, 1)).unwrap();
    let net = Network::compile(&tables).unwrap();
    println!(
        "gen+compile {:.2}s nodes {} edges {} groups {} alternates {}",
        t0.elapsed().as_secs_f64(),
        net.nodes().len(),
        net.edges().len(),
        net.groups().len(),
        tables.alternates.len()
    );
    let t = Instant::now();
    let c = net.clone();
    println!("clone {:.3}s", t.elapsed().as_secs_f64());
    drop(c);
    let as_of = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let t = Instant::now();
    let a = Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of);
    println!("analysis new {:.3}s", t.elapsed().as_secs_f64());
    let net = a.network();
    let t = Instant::now();
    let e = a.exposure(UnitKind::Site);
    println!("exposure {:.3}s", t.elapsed().as_secs_f64());
    let pos = e.pi.iter().filter(|&&p| p > 0.0).count();
    let exposed = e.exposed.iter().filter(|&&p| p).count();
    println!("sites {} pi>0 {} exposed {}", e.units.len(), pos, exposed);
    // upstream counts: number of sites upstream of each node (reverse reach), sampled for top-50 sites' output groups
    let n = net.nodes().len();
    let mut order: Vec<usize> = (0..e.units.len()).collect();
    order.sort_by(|&i, &j| e.pi[j].total_cmp(&e.pi[i]));
    let site_nodes: Vec<Vec<u32>> = {
        let mut v = vec![Vec::new(); net.sites().len()];
        for (i, nd) in net.nodes().iter().enumerate() {
            v[nd.site as usize].push(i as u32);
        }
        v
    };
    let mut tot_groups = 0;
    let mut tot_up = 0usize;
    let mut tot_up_pos = 0usize;
    let mut max_up = 0;
    for &s in order.iter().take(50) {
        let mut groups = Vec::new();
        for &v in &site_nodes[s] {
            for &ed in net.node_outputs(v) {
                groups.push(net.edges()[ed as usize].group);
            }
        }
        groups.sort();
        groups.dedup();
        for &g in &groups {
            // upstream sites of sellers of g
            let mut seen = vec![false; n];
            let mut stack: Vec<u32> = net
                .group_edges(g)
                .iter()
                .map(|&ed| net.edges()[ed as usize].seller)
                .collect();
            let mut sites_up = std::collections::HashSet::new();
            while let Some(v) = stack.pop() {
                if seen[v as usize] {
                    continue;
                }
                seen[v as usize] = true;
                sites_up.insert(net.nodes()[v as usize].site);
                for &gi in net.node_inputs(v) {
                    for &ed in net.group_edges(gi) {
                        stack.push(net.edges()[ed as usize].seller);
                    }
                }
            }
            let pos_up = sites_up.iter().filter(|&&s| e.pi[s as usize] > 0.0).count();
            tot_groups += 1;
            tot_up += sites_up.len();
            tot_up_pos += pos_up;
            max_up = max_up.max(sites_up.len());
        }
        let rows = &e.rows[s];
        if s == order[0] || s == order[49] {
            println!(
                "site {} pi {:.3e} ttr {} min_tts {} groups {} rows {}",
                e.units[s],
                e.pi[s],
                e.ttr[s],
                e.min_tts[s],
                groups.len(),
                rows.len()
            );
        }
    }
    println!(
        "top50 out-groups {} avg upstream sites {:.1} avg upstream pi>0 {:.1} max {}",
        tot_groups,
        tot_up as f64 / tot_groups as f64,
        tot_up_pos as f64 / tot_groups as f64,
        max_up
    );
}
