//! The knowledge graph store: atomic loads, provenance, RDF round trips and SPARQL.

use tierwise::ingest::{IngestError, LoadOptions};
use tierwise::network::Network;
use tierwise::store::{KnowledgeGraph, StoreError};

use crate::common::{SITES, diamond_with, net_of, repo, tables_of};

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
    let direct = Network::compile(&tables_of(&demo)).unwrap();
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
