//! The fixtures and helpers every topic shares: the diamond network, temporary table folders,
//! finding lookups, the analysis dates and the real data sets of the repository.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tierwise::ingest::{Finding, IngestError, LoadOptions, QualityReport, read_tables_dir};
use tierwise::model::Tables;
use tierwise::network::Network;
use tierwise::risk::{Analysis, Policy};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Writes `files` (name, text) into a fresh temporary folder.
pub fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(d.path().join(name), text).expect("write fixture");
    }
    d
}

// A diamond: plant P1 makes X from A (BOM qty 2); A comes from two Tier-1 sites (T1a 60 %, may
// go to 80 %; T1b 40 %, may go to 50 %), both of which buy C from the one Tier-2 site T2.
pub const SITES: &str = "site_id,company,country,ttr_days\n\
P1,FOCAL,DE,10\n\
T1a,Alpha,DE,20\n\
T1b,Beta,PL,30\n\
T2,Gamma,CN,60\n";
pub const PARTS: &str = "part_id,kind,name,unit_cost\n\
X,product,Gearbox,500\n\
A,assembly,Housing,80\n\
C,component,Casting,20\n";
pub const PRODUCTS: &str = "part_id,site_id,demand_per_day,revenue_per_unit,margin_per_unit,fg_inventory_days\n\
X,P1,100,50,10,2\n";
pub const BOM: &str = "parent_part,child_part,qty\n\
X,A,2\n\
A,C,3\n";
pub const SUPPLY: &str = "buyer_site,part_id,seller_site,share,max_share,lead_time_days,lead_time_sd_days,inventory_days\n\
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

/// The diamond with some files replaced or added; an empty text removes the file.
pub fn diamond_with(changes: &[(&str, &str)]) -> tempfile::TempDir {
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

/// The diamond where T1b buys its C from distributor D (Delta, NL) instead of T2, and D buys
/// C from `d_seller` with 4 days of stock.
pub fn diamond_with_distributor(d_seller: &str) -> tempfile::TempDir {
    let sites = format!("{SITES}D,Delta,NL,7\n");
    let supply = format!(
        "buyer_site,part_id,seller_site,share,inventory_days\n\
P1,A,T1a,0.6,5\n\
P1,A,T1b,0.4,5\n\
T1a,C,T2,1,3\n\
T1b,C,D,1,3\n\
D,C,{d_seller},1,4\n"
    );
    diamond_with(&[("sites.csv", &sites), ("supply.csv", &supply)])
}

/// The quality report of a folder that must fail the gates.
pub fn errors_of(dir: &Path) -> QualityReport {
    match read_tables_dir(dir, &LoadOptions::default()) {
        Err(IngestError::DataQuality(r)) => *r,
        Err(e) => panic!("expected a data quality error, got {e}"),
        Ok(_) => panic!("expected the load to fail"),
    }
}

/// Some finding sits at `table`, `row`, `column`, holds `value` and says `msg`.
pub fn assert_has(
    findings: &[Finding],
    table: &str,
    row: Option<u64>,
    column: &str,
    value: &str,
    msg: &str,
) {
    let has = findings.iter().any(|f| {
        f.table == table
            && f.row == row
            && f.column == column
            && f.value == value
            && f.message.contains(msg)
    });
    assert!(
        has,
        "no finding {table} row {row:?} column {column} value {value:?} ~ {msg:?} in:\n{}",
        findings
            .iter()
            .map(|f| format!("  {f:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The checked tables of a folder that must pass the gates.
pub fn tables_of(dir: &Path) -> Tables {
    read_tables_dir(dir, &LoadOptions::default())
        .expect("valid tables")
        .tables
}

pub fn net_of(dir: &Path) -> Network {
    Network::compile(&tables_of(dir)).expect("acyclic")
}

/// Midnight UTC of `day` (`YYYY-MM-DD`): signal ages, and so scores, depend on it.
pub fn as_of(day: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(&format!("{day}T00:00:00Z"))
        .unwrap()
        .to_utc()
}

/// An analysis of `net` under the default policy on `day`.
pub fn analysis_at(net: Network, day: &str) -> Analysis {
    Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of(day))
}

/// The tables of a folder analysed on 2026-03-01, the date the diamond's signals are aged at.
pub fn analysis(dir: &Path) -> Analysis {
    analysis_at(net_of(dir), "2026-03-01")
}

/// In-memory tables analysed on 2026-07-01.
pub fn analysis_of(t: &Tables) -> Analysis {
    analysis_at(Network::compile(t).expect("acyclic"), "2026-07-01")
}

/// A synthetic network of about `sites` sites.
pub fn generated(sites: usize, seed: u64) -> Tables {
    tierwise::generate::generate(&tierwise::generate::GeneratorConfig::new(sites, seed)).unwrap()
}

/// One chain of the Willems (2008) data set as tables.
pub fn willems_chain(chain: u32) -> Tables {
    willems_data().to_tables(chain).unwrap()
}

pub fn willems_data() -> tierwise::willems::WillemsData {
    tierwise::willems::WillemsData::read_dir(&repo().join("data/willems")).unwrap()
}

/// `a` and `b` agree to 1e-9 relative to the larger of them (at least 1).
pub fn close(a: f64, b: f64) -> bool {
    close_within(a, b, 1e-9)
}

/// `a` and `b` agree to `rel` relative to the larger of them (at least 1), or are the same
/// infinity.
pub fn close_within(a: f64, b: f64, rel: f64) -> bool {
    (a.is_infinite() && b.is_infinite() && a.signum() == b.signum())
        || (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

/// One CloudEvents 1.0 JSON line (source `urn:test`).
pub fn event(id: &str, kind: &str, time: &str, subject: &str, data: &str) -> String {
    format!(
        r#"{{"specversion":"1.0","id":"{id}","source":"urn:test","type":"{kind}","time":"{time}","subject":"{subject}","data":{data}}}"#
    )
}
