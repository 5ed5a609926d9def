//! Untrusted input stays data: identifiers and names with quotes, `<`, `>`, `&`, `#`,
//! newlines, CRLF, unicode and 3,000-character strings go through tables, the store, SPARQL,
//! an RDF export and reload, the report's HTML (escaped) and its CSV and Parquet files, and
//! come back exactly as written.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{text, tierwise};
use polars::prelude::*;

fn long() -> String {
    format!("Zürich–工厂-🚚{}", "L".repeat(3000))
}

/// (site id, company) of the diamond's four sites, each hostile in its own way.
fn sites() -> Vec<(String, String)> {
    vec![
        (
            "P\"1 <plant> & co".into(),
            "FOCAL \"Quoted\" <b>bold</b>".into(),
        ),
        ("T1a#frag'x".into(), "Alpha#1 ]]> -->".into()),
        ("T1b\nsecond line".into(), "Beta\r\nCRLF".into()),
        (long(), format!("Gamma {}", "ü".repeat(100))),
    ]
}

const PRODUCT: &str = "X\"<script>alert(1)</script>";

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn write_tables(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let s = sites();
    let q = |i: usize| quoted(&s[i].0);
    let (a, c) = (quoted("A>b#c"), quoted("C\nnl"));
    let x = quoted(PRODUCT);
    let countries = ["DE", "DE", "PL", "CN"];
    let mut sites_csv = "site_id,company,country,ttr_days\n".to_string();
    for (i, (id, company)) in s.iter().enumerate() {
        let line = format!(
            "{},{},{},{}\n",
            quoted(id),
            quoted(company),
            countries[i],
            10 * (i + 1)
        );
        sites_csv.push_str(&line);
    }
    let files = [
        ("sites", sites_csv),
        (
            "parts",
            format!(
                "part_id,kind,name,unit_cost\n{x},product,\"Gear <box>\",500\n{a},assembly,H,80\n{c},component,C,20\n"
            ),
        ),
        (
            "products",
            format!(
                "part_id,site_id,demand_per_day,revenue_per_unit\n{x},{},100,50\n",
                q(0)
            ),
        ),
        (
            "bom",
            format!("parent_part,child_part,qty\n{x},{a},2\n{a},{c},3\n"),
        ),
        (
            "supply",
            format!(
                "buyer_site,part_id,seller_site,share\n{p},{a},{t1a},0.6\n{p},{a},{t1b},0.4\n{t1a},{c},{t2},1\n{t1b},{c},{t2},1\n",
                p = q(0),
                t1a = q(1),
                t1b = q(2),
                t2 = q(3)
            ),
        ),
    ];
    for (name, body) in files {
        std::fs::write(dir.join(format!("{name}.csv")), body).unwrap();
    }
}

const SITES_QUERY: &str = "PREFIX tw: <https://w3id.org/tierwise/ns#>
    SELECT ?id ?company WHERE { ?s a tw:Site ; tw:id ?id ; tw:company/tw:id ?company }";

/// (id, company) of every site in a store, through SPARQL and the CLI's Parquet output.
fn stored_sites(store: &Path, tmp: &Path) -> BTreeSet<(String, String)> {
    let out_file = tmp.join("q.parquet");
    let out = tierwise(&[
        "query",
        SITES_QUERY,
        "--store",
        store.to_str().unwrap(),
        "--format",
        "parquet",
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let df = read_parquet(&out_file);
    pairs(&df, "id", "company")
}

fn read_parquet(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

fn pairs(df: &DataFrame, a: &str, b: &str) -> BTreeSet<(String, String)> {
    let (x, y) = (
        df.column(a).unwrap().str().unwrap(),
        df.column(b).unwrap().str().unwrap(),
    );
    (0..df.height())
        .map(|i| (x.get(i).unwrap().to_string(), y.get(i).unwrap().to_string()))
        .collect()
}

#[test]
fn hostile_identifiers_round_trip_through_store_sparql_rdf_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, store) = (tmp.path().join("tables"), tmp.path().join("kg.db"));
    write_tables(&dir);
    let out = tierwise(&[
        "load",
        dir.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let expected: BTreeSet<(String, String)> = sites().into_iter().collect();
    assert_eq!(stored_sites(&store, tmp.path()), expected);
    // Exported as Turtle and loaded into a fresh store: the same strings.
    let ttl = tmp.path().join("kg.ttl");
    let out = tierwise(&[
        "export",
        "--store",
        store.to_str().unwrap(),
        "--out",
        ttl.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let again = tmp.path().join("again.db");
    let out = tierwise(&[
        "load",
        ttl.to_str().unwrap(),
        "--store",
        again.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(stored_sites(&again, tmp.path()), expected);
    // The report: the ids come back from its Parquet and CSV files, and its page shows them
    // escaped, never as markup.
    let rep = tmp.path().join("rep");
    let out = tierwise(&[
        "report",
        store.to_str().unwrap(),
        "--out",
        rep.to_str().unwrap(),
        "--scenarios",
        "200",
        "--as-of",
        "2026-04-01T00:00:00Z",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let from_parquet = pairs(
        &read_parquet(&rep.join("exposure_site.parquet")),
        "unit",
        "company",
    );
    assert_eq!(from_parquet, expected);
    let csv = CsvReadOptions::default()
        .try_into_reader_with_file_path(Some(rep.join("exposure_site.csv")))
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(pairs(&csv, "unit", "company"), expected);
    let html = std::fs::read_to_string(rep.join("index.html")).unwrap();
    for raw in ["<script>", "<plant>", "<b>bold", "]]> -->"] {
        assert!(!html.contains(raw), "{raw:?} is in the page unescaped");
    }
    assert!(html.contains("X&quot;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("P&quot;1 &lt;plant&gt; &amp; co"));
}
