use std::collections::{HashMap, HashSet, VecDeque};

use proptest::prelude::*;

use super::dates::{BASE_EPOCH_SECS, days_from_civil, rfc3339};
use super::reference::HUB_COUNTRIES;
use super::*;
use crate::model::{EPS, PartKind, SubjectKind, SupplyRow};

fn gen_tables(sites: usize, seed: u64) -> Tables {
    generate(&GeneratorConfig::new(sites, seed)).expect("valid configuration")
}

/// What the structural check found, for assertions on the network's shape.
#[derive(Debug, Default)]
struct Shape {
    max_tier: usize,
    distributors: usize,
    diamonds: usize,
    remainder_groups: usize,
    single_source_groups: usize,
    unmapped_children: usize,
}

fn unique<'a>(what: &str, keys: impl IntoIterator<Item = String> + 'a) -> Result<(), String> {
    let mut seen = HashSet::new();
    for k in keys {
        if !seen.insert(k.clone()) {
            return Err(format!("duplicate {what} key {k}"));
        }
    }
    Ok(())
}

fn in_range(what: &str, v: Option<f64>, lo: f64, hi: f64) -> Result<(), String> {
    match v {
        Some(x) if !(lo..=hi).contains(&x) || !x.is_finite() => {
            Err(format!("{what} = {x} outside {lo}..={hi}"))
        }
        _ => Ok(()),
    }
}

/// Kahn's algorithm; true when every vertex could be ordered.
fn acyclic(n: usize, edges: &[(usize, usize)]) -> bool {
    let mut indeg = vec![0usize; n];
    let mut out = vec![Vec::new(); n];
    for &(a, b) in edges {
        out[a].push(b);
        indeg[b] += 1;
    }
    let mut queue: VecDeque<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut done = 0;
    while let Some(v) = queue.pop_front() {
        done += 1;
        for &w in &out[v] {
            indeg[w] -= 1;
            if indeg[w] == 0 {
                queue.push_back(w);
            }
        }
    }
    done == n
}

/// Lookups of the tables' keys, shared by the checks.
struct Keys<'a> {
    countries: HashSet<&'a str>,
    site_ix: HashMap<&'a str, usize>,
    companies: HashSet<&'a str>,
    kind: HashMap<&'a str, PartKind>,
    part_ix: HashMap<&'a str, usize>,
}

impl<'a> Keys<'a> {
    fn of(t: &'a Tables) -> Keys<'a> {
        Keys {
            countries: t.countries.iter().map(|c| c.country.as_str()).collect(),
            site_ix: t
                .sites
                .iter()
                .enumerate()
                .map(|(i, s)| (s.site_id.as_str(), i))
                .collect(),
            companies: t.sites.iter().map(|s| s.company.as_str()).collect(),
            kind: t
                .parts
                .iter()
                .map(|p| (p.part_id.as_str(), p.kind))
                .collect(),
            part_ix: t
                .parts
                .iter()
                .enumerate()
                .map(|(i, p)| (p.part_id.as_str(), i))
                .collect(),
        }
    }
}

/// Part -> its BOM children.
type Children<'a> = HashMap<&'a str, Vec<&'a str>>;

/// (buyer, part) -> its supply rows.
type Groups<'a> = HashMap<(&'a str, &'a str), Vec<&'a SupplyRow>>;

/// The node graph: (site, part) made by a seller or a plant.
struct Nodes<'a> {
    ix: HashMap<(&'a str, &'a str), usize>,
    list: Vec<(&'a str, &'a str)>,
    /// (seller node, buyer node).
    edges: Vec<(usize, usize)>,
    /// Nodes that buy the part they sell.
    distributors: HashSet<(&'a str, &'a str)>,
}

/// The DESIGN 2.2 gates and the generator's own promises, checked independently of the
/// generator's index arrays.
fn check(t: &Tables) -> Result<Shape, String> {
    let mut shape = Shape::default();
    check_unique_keys(t)?;
    let keys = Keys::of(t);
    check_countries_and_sites(t, &keys)?;
    check_parts_and_products(t, &keys)?;
    let children = check_bom(t, &keys)?;
    let groups = check_supply(t, &keys, &mut shape)?;
    let nodes = node_graph(t, &keys, &children, &groups, &mut shape)?;
    check_nodes(&nodes, &children, &groups, &mut shape)?;
    let tier = check_tiers(t, &mut shape)?;
    shape.diamonds = diamonds(t, &tier);
    check_signals(t, &keys)?;
    check_capacity(t, &keys, &nodes)?;
    check_alternates(t, &keys)?;
    Ok(shape)
}

fn check_unique_keys(t: &Tables) -> Result<(), String> {
    unique("sites", t.sites.iter().map(|s| s.site_id.clone()))?;
    unique("parts", t.parts.iter().map(|p| p.part_id.clone()))?;
    unique(
        "products",
        t.products
            .iter()
            .map(|p| format!("{}|{}", p.part_id, p.site_id)),
    )?;
    unique(
        "bom",
        t.bom
            .iter()
            .map(|b| format!("{}|{}", b.parent_part, b.child_part)),
    )?;
    unique(
        "supply",
        t.supply
            .iter()
            .map(|s| format!("{}|{}|{}", s.buyer_site, s.part_id, s.seller_site)),
    )?;
    unique("countries", t.countries.iter().map(|c| c.country.clone()))?;
    unique(
        "capacity",
        t.capacity
            .iter()
            .map(|c| format!("{}|{:?}", c.site_id, c.part_id)),
    )
}

fn check_countries_and_sites(t: &Tables, keys: &Keys) -> Result<(), String> {
    for c in &t.countries {
        let ok = c.country.len() == 2 && c.country.chars().all(|ch| ch.is_ascii_uppercase());
        if !ok {
            return Err(format!("bad country code {}", c.country));
        }
        in_range("governance", c.governance, 0.0, 1.0)?;
        in_range("hazard", c.hazard, 0.0, 1.0)?;
        in_range("p_event", c.p_event, 0.005, 0.08)?;
        in_range("country ttr_days", c.ttr_days, 1.0, 365.0)?;
    }
    for s in &t.sites {
        if !keys.countries.contains(s.country.as_str()) {
            return Err(format!(
                "site {} in unknown country {}",
                s.site_id, s.country
            ));
        }
        in_range("ttr_days", s.ttr_days, 0.0, 365.0)?;
        in_range("financial_score", s.financial_score, 0.0, 100.0)?;
        in_range("on_time_rate", s.on_time_rate, 0.0, 1.0)?;
        in_range("quality_ppm", s.quality_ppm, 0.0, 1e6)?;
        in_range("capacity_utilization", s.capacity_utilization, 0.0, 1.0)?;
        in_range("p_fail_override", s.p_fail_override, 0.0, 1.0)?;
    }
    Ok(())
}

fn check_parts_and_products(t: &Tables, keys: &Keys) -> Result<(), String> {
    for p in &t.parts {
        if p.unit_cost.is_none_or(|c| c <= 0.0) {
            return Err(format!("part {} without a positive cost", p.part_id));
        }
    }
    for p in &t.products {
        if keys.kind.get(p.part_id.as_str()) != Some(&PartKind::Product) {
            return Err(format!("products row for non-product {}", p.part_id));
        }
        let Some(&i) = keys.site_ix.get(p.site_id.as_str()) else {
            return Err(format!("products row at unknown site {}", p.site_id));
        };
        if t.sites[i].company != "FOCAL" {
            return Err(format!("plant {} not owned by FOCAL", p.site_id));
        }
        if p.demand_per_day <= 0.0 || p.revenue_per_unit <= 0.0 {
            return Err(format!(
                "products row {} without demand or revenue",
                p.part_id
            ));
        }
    }
    Ok(())
}

/// BOM: references, qty, kinds one level apart, no cycle, every part but raw materials has
/// children.
fn check_bom<'a>(t: &'a Tables, keys: &Keys) -> Result<Children<'a>, String> {
    let mut children: Children = HashMap::new();
    let mut bom_edges = Vec::new();
    for b in &t.bom {
        let (Some(&pi), Some(&ci)) = (
            keys.part_ix.get(b.parent_part.as_str()),
            keys.part_ix.get(b.child_part.as_str()),
        ) else {
            return Err(format!(
                "bom line {} -> {} names an unknown part",
                b.parent_part, b.child_part
            ));
        };
        if b.qty <= 0.0 || !b.qty.is_finite() {
            return Err(format!("bom qty {} not positive", b.qty));
        }
        if t.parts[pi].kind == PartKind::RawMaterial || t.parts[ci].kind == PartKind::Product {
            return Err(format!(
                "bom line {} -> {} against the layering",
                b.parent_part, b.child_part
            ));
        }
        children
            .entry(b.parent_part.as_str())
            .or_default()
            .push(b.child_part.as_str());
        bom_edges.push((pi, ci));
    }
    if !acyclic(t.parts.len(), &bom_edges) {
        return Err("the BOM has a cycle".into());
    }
    for p in &t.parts {
        if p.kind != PartKind::RawMaterial && !children.contains_key(p.part_id.as_str()) {
            return Err(format!("{} {} has no BOM children", p.kind, p.part_id));
        }
    }
    Ok(children)
}

/// Supply: references, shares, max_share, inventory per group.
fn check_supply<'a>(t: &'a Tables, keys: &Keys, shape: &mut Shape) -> Result<Groups<'a>, String> {
    let mut groups: Groups = HashMap::new();
    for s in &t.supply {
        for site in [&s.buyer_site, &s.seller_site] {
            if !keys.site_ix.contains_key(site.as_str()) {
                return Err(format!("supply row names unknown site {site}"));
            }
        }
        if !keys.kind.contains_key(s.part_id.as_str()) {
            return Err(format!("supply row names unknown part {}", s.part_id));
        }
        if s.buyer_site == s.seller_site {
            return Err(format!("site {} buys from itself", s.buyer_site));
        }
        if !(s.share > 0.0 && s.share <= 1.0) {
            return Err(format!("share {} out of range", s.share));
        }
        if let Some(m) = s.max_share
            && !(m >= s.share && m <= 1.0)
        {
            return Err(format!("max_share {m} below share {} or above 1", s.share));
        }
        in_range("inventory_days", s.inventory_days, 0.0, 365.0)?;
        if s.inventory_days.is_none() {
            return Err("missing inventory_days".into());
        }
        let lead = s.lead_time_days.unwrap_or(0.0);
        in_range("lead_time_sd_days", s.lead_time_sd_days, 0.0, lead)?;
        groups
            .entry((s.buyer_site.as_str(), s.part_id.as_str()))
            .or_default()
            .push(s);
    }
    for ((b, p), rows) in &groups {
        let sum: f64 = rows.iter().map(|r| r.share).sum();
        if sum > 1.0 + EPS {
            return Err(format!("shares of ({b}, {p}) sum to {sum}"));
        }
        if sum < 1.0 - EPS {
            shape.remainder_groups += 1;
        }
        if rows.len() == 1 {
            shape.single_source_groups += 1;
        }
        if rows
            .iter()
            .any(|r| r.inventory_days != rows[0].inventory_days)
        {
            return Err(format!("inventory_days of ({b}, {p}) disagree"));
        }
    }
    Ok(groups)
}

/// Nodes: (site, part) made by a seller or a plant; a node that buys its own part is a
/// distributor, any other needs supply of every BOM child (raw materials may be unmapped).
fn node_graph<'a>(
    t: &'a Tables,
    keys: &Keys,
    children: &Children<'a>,
    groups: &Groups<'a>,
    shape: &mut Shape,
) -> Result<Nodes<'a>, String> {
    let mut ix: HashMap<(&str, &str), usize> = HashMap::new();
    let mut list: Vec<(&str, &str)> = Vec::new();
    let sells = t
        .supply
        .iter()
        .map(|s| (s.seller_site.as_str(), s.part_id.as_str()));
    let plants = t
        .products
        .iter()
        .map(|p| (p.site_id.as_str(), p.part_id.as_str()));
    for key in sells.chain(plants) {
        ix.entry(key).or_insert_with(|| {
            list.push(key);
            list.len() - 1
        });
    }
    let mut edges = Vec::new();
    let mut distributors: HashSet<(&str, &str)> = HashSet::new();
    for (j, &(s, p)) in list.iter().enumerate() {
        if let Some(rows) = groups.get(&(s, p)) {
            distributors.insert((s, p));
            for r in rows {
                edges.push((ix[&(r.seller_site.as_str(), p)], j));
            }
            continue;
        }
        for &c in children.get(p).map(Vec::as_slice).unwrap_or(&[]) {
            match groups.get(&(s, c)) {
                Some(rows) => {
                    for r in rows {
                        edges.push((ix[&(r.seller_site.as_str(), c)], j));
                    }
                }
                None if keys.kind[c] == PartKind::RawMaterial => shape.unmapped_children += 1,
                None => return Err(format!("{s} makes {p} but has no supply of {c}")),
            }
        }
    }
    Ok(Nodes {
        ix,
        list,
        edges,
        distributors,
    })
}

/// The node graph has no cycle, distributors buy from manufacturers only, and every supply
/// group is consumed by a node of its buyer.
fn check_nodes(
    nodes: &Nodes,
    children: &Children,
    groups: &Groups,
    shape: &mut Shape,
) -> Result<(), String> {
    if !acyclic(nodes.list.len(), &nodes.edges) {
        return Err("the node graph has a cycle".into());
    }
    shape.distributors = nodes.distributors.len();
    for &(d, p) in &nodes.distributors {
        for r in &groups[&(d, p)] {
            let seller = r.seller_site.as_str();
            if nodes.distributors.contains(&(seller, p)) {
                return Err(format!(
                    "distributor {d} buys {p} from distributor {seller}"
                ));
            }
        }
    }
    for &(b, c) in groups.keys() {
        let consumed = nodes.distributors.contains(&(b, c))
            || nodes
                .list
                .iter()
                .any(|&(s, p)| s == b && children.get(p).is_some_and(|cs| cs.contains(&c)));
        if !consumed && !nodes.list.is_empty() {
            // Checked on small data sets only: the scan is quadratic.
            if nodes.list.len() < 20_000 {
                return Err(format!("group ({b}, {c}) feeds no node"));
            }
        }
    }
    Ok(())
}

/// Tiers: breadth first from the plants over buyer -> seller; every site reaches a plant.
fn check_tiers<'a>(t: &'a Tables, shape: &mut Shape) -> Result<HashMap<&'a str, usize>, String> {
    let mut sellers_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for s in &t.supply {
        sellers_of
            .entry(s.buyer_site.as_str())
            .or_default()
            .push(s.seller_site.as_str());
    }
    let mut tier: HashMap<&str, usize> = HashMap::new();
    let mut queue = VecDeque::new();
    for p in &t.products {
        if tier.insert(p.site_id.as_str(), 0).is_none() {
            queue.push_back(p.site_id.as_str());
        }
    }
    while let Some(b) = queue.pop_front() {
        let next = tier[b] + 1;
        for &s in sellers_of.get(b).map(Vec::as_slice).unwrap_or(&[]) {
            if !tier.contains_key(s) {
                tier.insert(s, next);
                queue.push_back(s);
            }
        }
    }
    if tier.len() != t.sites.len() {
        return Err(format!(
            "{} of {} sites reach no plant",
            t.sites.len() - tier.len(),
            t.sites.len()
        ));
    }
    shape.max_tier = tier.values().copied().max().unwrap_or(0);
    Ok(tier)
}

/// Diamonds: one seller, one part, two or more distinct tier-1 buyers.
fn diamonds(t: &Tables, tier: &HashMap<&str, usize>) -> usize {
    let mut buyers: HashMap<(&str, &str), HashSet<&str>> = HashMap::new();
    for s in &t.supply {
        if tier[s.buyer_site.as_str()] == 1 {
            buyers
                .entry((s.seller_site.as_str(), s.part_id.as_str()))
                .or_default()
                .insert(s.buyer_site.as_str());
        }
    }
    buyers.values().filter(|b| b.len() >= 2).count()
}

fn check_signals(t: &Tables, keys: &Keys) -> Result<(), String> {
    for sig in &t.signals {
        let known = match sig.subject_kind {
            SubjectKind::Site => keys.site_ix.contains_key(sig.subject_id.as_str()),
            SubjectKind::Company => keys.companies.contains(sig.subject_id.as_str()),
            SubjectKind::Country => keys.countries.contains(sig.subject_id.as_str()),
            _ => keys.kind.contains_key(sig.subject_id.as_str()),
        };
        if !known {
            return Err(format!(
                "signal about unknown {} {}",
                sig.subject_kind, sig.subject_id
            ));
        }
        in_range("signal value", Some(sig.value), 0.0, 1.0)?;
        let ts = sig.observed_at.as_bytes();
        let ok = ts.len() == 20
            && ts[19] == b'Z'
            && ts[10] == b'T'
            && sig.observed_at.as_str() <= "2026-06-30T00:00:00Z"
            && sig.observed_at.as_str() >= "2025-05-25T00:00:00Z";
        if !ok {
            return Err(format!("bad observed_at {}", sig.observed_at));
        }
    }
    Ok(())
}

fn check_capacity(t: &Tables, keys: &Keys, nodes: &Nodes) -> Result<(), String> {
    for c in &t.capacity {
        let Some(&i) = keys.site_ix.get(c.site_id.as_str()) else {
            return Err(format!("capacity row at unknown site {}", c.site_id));
        };
        match &c.part_id {
            None if c.inventory_units.is_some() || c.capacity_per_day.is_none() => {
                return Err(format!(
                    "site-level capacity row of {} malformed",
                    c.site_id
                ));
            }
            Some(p)
                if !nodes
                    .ix
                    .contains_key(&(t.sites[i].site_id.as_str(), p.as_str())) =>
            {
                return Err(format!(
                    "capacity row for a node {} does not make",
                    c.site_id
                ));
            }
            _ => {}
        }
        in_range("capacity_per_day", c.capacity_per_day, 0.0, f64::MAX)?;
        in_range("inventory_units", c.inventory_units, 0.0, f64::MAX)?;
    }
    Ok(())
}

fn check_alternates(t: &Tables, keys: &Keys) -> Result<(), String> {
    for a in &t.alternates {
        if !keys.kind.contains_key(a.part_id.as_str())
            || !keys.kind.contains_key(a.alternate_part_id.as_str())
            || a.part_id == a.alternate_part_id
        {
            return Err(format!(
                "bad alternate {} -> {}",
                a.part_id, a.alternate_part_id
            ));
        }
    }
    Ok(())
}

#[test]
fn a_cancelled_generation_stops() {
    let stop = Progress::new();
    stop.cancel();
    let r = generate_with(&GeneratorConfig::new(500, 7), &stop);
    assert_eq!(r.err(), Some(GenerateError::Cancelled));
}

#[test]
fn same_seed_same_tables_other_seed_other_tables() {
    let a = gen_tables(500, 7);
    let b = gen_tables(500, 7);
    assert_eq!(a, b);
    let c = gen_tables(500, 8);
    assert_ne!(a, c);
}

#[test]
fn same_seed_same_csv_bytes() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    crate::ingest::write_tables_csv(&gen_tables(300, 11), da.path()).unwrap();
    crate::ingest::write_tables_csv(&gen_tables(300, 11), db.path()).unwrap();
    for name in crate::model::TABLE_NAMES {
        let file = format!("{name}.csv");
        let a = std::fs::read(da.path().join(&file)).unwrap();
        let b = std::fs::read(db.path().join(&file)).unwrap();
        assert_eq!(a, b, "{file} differs");
        assert!(!a.is_empty(), "{file} missing");
    }
}

#[test]
fn sizes_are_close_to_the_request() {
    for n in [50, 1000, 20_000] {
        let t = gen_tables(n, 3);
        let got = t.sites.len() as f64;
        assert!(
            (got - n as f64).abs() <= 0.1 * n as f64,
            "asked {n}, got {got}"
        );
        let shape = check(&t).unwrap_or_else(|e| panic!("{n} sites: {e}"));
        assert!((4..=6).contains(&shape.max_tier), "{shape:?}");
    }
}

#[test]
fn too_small_and_too_large_are_refused() {
    assert_eq!(
        generate(&GeneratorConfig::new(19, 1)),
        Err(GenerateError::TooFewSites { requested: 19 })
    );
    assert_eq!(
        generate(&GeneratorConfig::new(MAX_SITES + 1, 1)),
        Err(GenerateError::TooManySites {
            requested: MAX_SITES + 1
        })
    );
    assert!(generate(&GeneratorConfig::new(MIN_SITES, 1)).is_ok());
}

#[test]
fn smallest_networks_are_complete() {
    for n in MIN_SITES..=40 {
        for seed in 0..4 {
            let t = gen_tables(n, seed);
            assert_eq!(t.sites.len(), n);
            let shape = check(&t).unwrap_or_else(|e| panic!("{n} sites, seed {seed}: {e}"));
            assert!((4..=6).contains(&shape.max_tier), "{n}/{seed}: {shape:?}");
            assert!(
                shape.distributors >= 1 && shape.diamonds >= 1,
                "{n}/{seed}: {shape:?}"
            );
        }
    }
}

#[test]
fn structure_has_every_feature() {
    let mut depths = HashSet::new();
    for seed in 0..12 {
        let t = gen_tables(2000, seed);
        let shape = check(&t).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert!(shape.distributors >= 1, "seed {seed}: {shape:?}");
        assert!(shape.diamonds >= 1, "seed {seed}: {shape:?}");
        assert!(shape.remainder_groups >= 1, "seed {seed}: {shape:?}");
        assert!(shape.single_source_groups >= 1, "seed {seed}: {shape:?}");
        assert!(shape.unmapped_children >= 1, "seed {seed}: {shape:?}");
        assert!((4..=6).contains(&shape.max_tier), "seed {seed}: {shape:?}");
        depths.insert(shape.max_tier);

        let plants: HashSet<&str> = t.products.iter().map(|p| p.site_id.as_str()).collect();
        assert!((2..=5).contains(&plants.len()));
        assert!(!t.signals.is_empty() && !t.capacity.is_empty() && !t.alternates.is_empty());
        assert!(t.capacity.iter().any(|c| c.part_id.is_none()));
        assert!(t.capacity.iter().any(|c| c.part_id.is_some()));
        // Multi-site suppliers exist.
        let mut per_company: HashMap<&str, usize> = HashMap::new();
        for s in &t.sites {
            *per_company.entry(s.company.as_str()).or_default() += 1;
        }
        assert!(per_company.iter().any(|(c, &n)| *c != "FOCAL" && n >= 2));
    }
    assert_eq!(depths.len(), 3, "depths 4, 5 and 6 all occur: {depths:?}");
}

#[test]
fn raw_materials_come_from_few_countries_and_costs_rise_with_level() {
    let t = gen_tables(5000, 42);
    let kind: HashMap<&str, PartKind> = t
        .parts
        .iter()
        .map(|p| (p.part_id.as_str(), p.kind))
        .collect();
    let site_country: HashMap<&str, &str> = t
        .sites
        .iter()
        .map(|s| (s.site_id.as_str(), s.country.as_str()))
        .collect();
    let mut mine_countries = HashSet::new();
    for s in &t.supply {
        if kind[s.part_id.as_str()] == PartKind::RawMaterial {
            let c = site_country[s.seller_site.as_str()];
            if !HUB_COUNTRIES.contains(&c) {
                mine_countries.insert(c);
            }
        }
    }
    assert!(mine_countries.len() <= 20, "{mine_countries:?}");
    let mean_cost = |k: PartKind| {
        let costs: Vec<f64> = t
            .parts
            .iter()
            .filter(|p| p.kind == k)
            .filter_map(|p| p.unit_cost)
            .collect();
        costs.iter().sum::<f64>() / costs.len() as f64
    };
    assert!(mean_cost(PartKind::RawMaterial) < mean_cost(PartKind::Component) * 10.0);
    assert!(mean_cost(PartKind::Component) < mean_cost(PartKind::Assembly));
    assert!(mean_cost(PartKind::Assembly) < mean_cost(PartKind::Product));
}

#[test]
fn dates_are_exact() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(rfc3339(BASE_EPOCH_SECS), "2026-06-30T00:00:00Z");
    assert_eq!(rfc3339(BASE_EPOCH_SECS - 1), "2026-06-29T23:59:59Z");
    assert_eq!(
        rfc3339(BASE_EPOCH_SECS - 400 * 86_400),
        "2025-05-26T00:00:00Z"
    );
    assert_eq!(
        rfc3339(days_from_civil(2024, 2, 29) * 86_400 + 3661),
        "2024-02-29T01:01:01Z"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Every generated data set passes the quality gates, and the generator's own
    /// structural promises hold.
    #[test]
    fn generated_data_passes_the_quality_gates(seed in any::<u64>(), sites in 20usize..3000) {
        let t = gen_tables(sites, seed);
        prop_assert_eq!(t.sites.len(), sites);
        let shape = check(&t);
        prop_assert!(shape.is_ok(), "{:?}", shape.err());
        let shape = shape.unwrap_or_default();
        prop_assert!((4..=6).contains(&shape.max_tier), "{:?}", shape);
        prop_assert!(shape.distributors >= 1 && shape.diamonds >= 1, "{:?}", shape);
        let report = crate::ingest::validate(&t, &crate::ingest::LoadOptions::default());
        prop_assert!(report.errors.is_empty(), "{:?}", report.errors);
    }
}
