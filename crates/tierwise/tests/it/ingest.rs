//! The quality gates, one test each, and the file formats the tables are read from.

use crate::common::{
    BOM, PARTS, PRODUCTS, SITES, SUPPLY, assert_has, diamond_with, diamond_with_distributor,
    errors_of, net_of,
};

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
    let d = diamond_with_distributor("T1b");
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
