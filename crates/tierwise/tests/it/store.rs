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

fn kept_networks(store: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(store.join("tierwise-cache"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_disk_store_reads_back_more_strings_than_its_decode_cache_holds() {
    // The patched oxigraph (vendor/oxigraph/PATCH.md) caches 1024 decoded strings per quad
    // iterator; ~900 sites carry several thousand distinct IRIs and literals, so slots are
    // overwritten all along the scan. The tables read back must be those written, exactly.
    let t = crate::common::generated(900, 11);
    let csv = tempfile::tempdir().unwrap();
    tierwise::ingest::write_tables_csv(&t, csv.path()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let kg = KnowledgeGraph::open(tmp.path().join("kg.db")).unwrap();
    kg.load_tables(csv.path(), &LoadOptions::default()).unwrap();
    let back = kg.tables().unwrap();
    assert!(t.sites.len() >= 900, "{} sites", t.sites.len());
    assert_eq!(back.sites.len(), t.sites.len());
    assert_eq!(
        Network::compile(&back).unwrap(),
        Network::compile(&t).unwrap()
    );
}

#[test]
fn a_disk_store_reads_the_same_tables_on_any_number_of_threads() {
    // The projection reads each data graph in as many parts as there are threads (disjoint
    // ranges of subjects). Two loads that share resources, read on 1, 2, 3 and 7 threads,
    // must give the tables the in-memory store gives, which reads all quads as one.
    let t = crate::common::generated(400, 5);
    let csv = tempfile::tempdir().unwrap();
    tierwise::ingest::write_tables_csv(&t, csv.path()).unwrap();
    let d = diamond_with(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let disk = KnowledgeGraph::open(tmp.path().join("kg.db")).unwrap();
    let mem = KnowledgeGraph::in_memory().unwrap();
    for kg in [&disk, &mem] {
        kg.load_tables(csv.path(), &LoadOptions::default()).unwrap();
        kg.load_tables(d.path(), &LoadOptions::default()).unwrap();
    }
    let expected = mem.tables().unwrap();
    assert!(
        expected.supply.len() > t.supply.len(),
        "both loads are read"
    );
    for threads in [1, 2, 3, 7] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let back = pool.install(|| disk.tables()).unwrap();
        assert!(back == expected, "{threads} threads");
    }
}

#[test]
fn a_disk_store_reads_back_what_two_loads_hold_and_keeps_the_network() {
    // The demo and the diamond share the company FOCAL and the countries CN, DE and PL: those
    // resources live in two graphs and are read from both.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("kg.db");
    let demo = repo().join("data/demo");
    let d = diamond_with(&[]);
    let disk = KnowledgeGraph::open(&path).unwrap();
    let mem = KnowledgeGraph::in_memory().unwrap();
    disk.load_tables(&demo, &LoadOptions::default()).unwrap();
    // The first load's network is kept at once (the gates compiled it).
    assert_eq!(kept_networks(&path).len(), 1);
    assert_eq!(disk.network().unwrap(), net_of(&demo));
    for kg in [&disk, &mem] {
        if kg.path().is_none() {
            kg.load_tables(&demo, &LoadOptions::default()).unwrap();
        }
        kg.load_tables(d.path(), &LoadOptions::default()).unwrap();
    }
    // The second load changed the state: the kept network no longer matches and is not used.
    let stale = kept_networks(&path);
    let mut both = tables_of(&demo);
    both.append(tables_of(d.path()));
    let expected = Network::compile(&both).unwrap();
    assert_eq!(disk.tables().unwrap(), mem.tables().unwrap());
    assert_eq!(disk.network().unwrap(), expected);
    let kept = kept_networks(&path);
    assert_eq!(kept.len(), 1);
    assert_ne!(
        kept, stale,
        "the network of the new state replaces the old one"
    );
    drop(disk);
    let again = KnowledgeGraph::open(&path).unwrap();
    assert_eq!(again.network().unwrap(), expected);
    assert_eq!(kept_networks(&path), kept);
}

/// The diamond stored on disk, and a load that is valid alone but not with it.
fn refused_with_the_diamond(files: &[(&str, &str)]) -> tierwise::ingest::QualityReport {
    let tmp = tempfile::tempdir().unwrap();
    let kg = KnowledgeGraph::open(tmp.path().join("kg.db")).unwrap();
    kg.load_tables(diamond_with(&[]).path(), &LoadOptions::default())
        .unwrap();
    let before = kg.store().len().unwrap();
    let mut all = vec![
        ("parts.csv", "part_id,kind\nA,assembly\nC,component\n"),
        (
            "products.csv",
            "part_id,site_id,demand_per_day,revenue_per_unit\n",
        ),
        ("bom.csv", "parent_part,child_part,qty\n"),
    ];
    all.extend_from_slice(files);
    let extra = crate::common::dir_with(&all);
    // Alone it passes every gate.
    KnowledgeGraph::in_memory()
        .unwrap()
        .load_tables(extra.path(), &LoadOptions::default())
        .unwrap();
    let err = kg
        .load_tables(extra.path(), &LoadOptions::default())
        .unwrap_err();
    assert_eq!(
        kg.store().len().unwrap(),
        before,
        "nothing of it was stored"
    );
    let StoreError::Ingest(IngestError::DataQuality(r)) = err else {
        panic!("{err}")
    };
    *r
}

#[test]
fn a_load_that_overfills_a_stored_group_is_refused() {
    // P1 buys A from T1a (0.6) and T1b (0.4); a third seller's 0.5 makes 1.5.
    let r = refused_with_the_diamond(&[
        (
            "sites.csv",
            "site_id,company,country\nP1,FOCAL,DE\nT3,Delta,FR\n",
        ),
        (
            "supply.csv",
            "buyer_site,part_id,seller_site,share\nP1,A,T3,0.5\n",
        ),
    ]);
    let sum = "together with the data already stored: shares of buyer P1 for part A sum to \
               1.5 > 1 (T1a=0.6, T1b=0.4, T3=0.5)";
    assert!(r.errors.iter().any(|e| e.message == sum), "{r}");
}

#[test]
fn a_load_that_closes_a_cycle_through_stored_rows_is_refused() {
    // Stored: T1a buys C from T2. New: P1 buys C from T1a and T2 buys C from P1. Alone, T1a
    // is where C starts; with the store, C goes T2 -> T1a -> P1 -> T2 (each a distributor).
    let r = refused_with_the_diamond(&[
        (
            "sites.csv",
            "site_id,company,country\nP1,FOCAL,DE\nT1a,Alpha,DE\nT2,Gamma,CN\n",
        ),
        (
            "supply.csv",
            "buyer_site,part_id,seller_site,share\nP1,C,T1a,1\nT2,C,P1,1\n",
        ),
    ]);
    let cycle = "together with the data already stored: the supply network has a cycle: \
                 T2/C -> T1a/C -> P1/C -> T2/C";
    assert_eq!(r.errors.len(), 1, "{r}");
    assert_eq!(r.errors[0].message, cycle);
}

#[test]
fn inputs_of_one_load_are_stored_all_or_none() {
    use tierwise::store::Input;
    let tmp = tempfile::tempdir().unwrap();
    let kg = KnowledgeGraph::open(tmp.path().join("kg.db")).unwrap();
    let demo = repo().join("data/demo");
    let d = diamond_with(&[]);
    // Two inputs that disagree (T2 in CN, then in VN) store neither.
    let moved = diamond_with(&[("sites.csv", &SITES.replace("T2,Gamma,CN", "T2,Gamma,VN"))]);
    let inputs = vec![Input::path(d.path()), Input::path(moved.path())];
    let err = kg.load(inputs, &LoadOptions::default()).unwrap_err();
    let StoreError::Ingest(IngestError::DataQuality(r)) = err else {
        panic!("{err}")
    };
    assert!(
        r.errors[0]
            .message
            .starts_with("together with the other inputs: conflicting values"),
        "{r}"
    );
    assert!(kg.loads().unwrap().height() == 0, "nothing was stored");
    // Two that agree are stored as two graphs in one step.
    let inputs = vec![Input::path(&demo), Input::path(d.path())];
    let receipts = kg.load(inputs, &LoadOptions::default()).unwrap();
    assert_eq!(receipts.len(), 2);
    assert_ne!(receipts[0].graph, receipts[1].graph);
    let mut both = tables_of(&demo);
    both.append(tables_of(d.path()));
    let expected = Network::compile(&both).unwrap();
    assert_eq!(kg.network().unwrap(), expected);
}

#[test]
fn loading_a_source_again_replaces_its_snapshot() {
    // Night 1: the diamond. Night 2, the same folder: T1b now takes 45 days to recover, and
    // buys its C from a new site T3 (Delta, NL) instead of T2: the row T1b <- T2 disappeared.
    let tmp = tempfile::tempdir().unwrap();
    let kg = KnowledgeGraph::open(tmp.path().join("kg.db")).unwrap();
    let folder = diamond_with(&[]);
    let first = kg
        .load_tables(folder.path(), &LoadOptions::default())
        .unwrap();
    assert!(first.replaced.is_empty());
    let night1 = net_of(folder.path());
    let sites = format!(
        "{}T3,Delta,NL,7\n",
        SITES.replace("T1b,Beta,PL,30", "T1b,Beta,PL,45")
    );
    let supply = crate::common::SUPPLY.replace("T1b,C,T2,1,,30,5,3", "T1b,C,T3,1,,20,4,3");
    std::fs::write(folder.path().join("sites.csv"), &sites).unwrap();
    std::fs::write(folder.path().join("supply.csv"), &supply).unwrap();

    // The same content from another source restates T1b with another value: refused.
    let other = diamond_with(&[("sites.csv", &sites), ("supply.csv", &supply)]);
    let err = kg
        .load_tables(other.path(), &LoadOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("conflicting values"), "{err}");

    let second = kg
        .load_tables(folder.path(), &LoadOptions::default())
        .unwrap();
    assert_eq!(second.replaced, vec![first.graph.clone()]);
    // The current state is night 2 alone: 5 sites, the T2 row retired, T1b's TTR updated.
    let now = kg.tables().unwrap();
    assert_eq!(now.sites.len(), 5);
    assert_eq!(now.supply.len(), 4);
    assert!(
        !now.supply
            .iter()
            .any(|r| r.buyer_site == "T1b" && r.seller_site == "T2")
    );
    let t1b = now.sites.iter().find(|s| s.site_id == "T1b").unwrap();
    assert_eq!(t1b.ttr_days, Some(45.0));
    assert_eq!(kg.network().unwrap(), net_of(folder.path()));
    // Nothing was deleted: both snapshots are stored, and what was known on night 1 opens.
    let graphs = kg
        .loads()
        .unwrap()
        .column("graph")
        .unwrap()
        .n_unique()
        .unwrap();
    assert_eq!(graphs, 2);
    let night1_at = chrono::DateTime::parse_from_rfc3339(&first.loaded_at)
        .unwrap()
        .to_utc();
    assert_eq!(kg.network_as_of(night1_at).unwrap(), night1);
    // The provenance says which snapshot replaced which.
    let q = "PREFIX tw: <https://w3id.org/tierwise/ns#>
             SELECT ?new ?old WHERE { GRAPH ?new { ?new tw:supersedes ?old } }";
    let df = kg.query(q).unwrap();
    assert_eq!(df.height(), 1);
    // Reopened, the state is still night 2.
    drop(kg);
    let again = KnowledgeGraph::open(tmp.path().join("kg.db")).unwrap();
    assert_eq!(again.network().unwrap(), net_of(folder.path()));
}

#[test]
fn a_cancelled_load_stores_nothing_and_the_next_one_is_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let kg = KnowledgeGraph::open(tmp.path().join("kg.db")).unwrap();
    let first = diamond_with(&[]);
    kg.load_tables(first.path(), &LoadOptions::default())
        .unwrap();
    let before = kg.store().len().unwrap();
    let loads = kg.loads().unwrap().height();
    let second = diamond_with(&[(
        "sites.csv",
        &std::fs::read_to_string(first.path().join("sites.csv")).unwrap(),
    )]);
    let progress = tierwise::progress::Progress::new();
    progress.cancel();
    let input = tierwise::store::Input::Tables(second.path().to_path_buf());
    let err = kg
        .load_one_with(input, &LoadOptions::default(), &progress)
        .unwrap_err();
    assert!(matches!(err, StoreError::LoadCancelled), "{err}");
    assert_eq!(kg.store().len().unwrap(), before);
    assert_eq!(kg.loads().unwrap().height(), loads);
    // The same load, not cancelled, goes in whole as a second snapshot.
    let input = tierwise::store::Input::Tables(second.path().to_path_buf());
    kg.load_one_with(
        input,
        &LoadOptions::default(),
        &tierwise::progress::Progress::new(),
    )
    .unwrap();
    assert!(kg.loads().unwrap().height() > loads);
    assert!(kg.store().len().unwrap() > before);
}
