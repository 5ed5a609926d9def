//! One writer, many readers: loads from many threads are serialised inside the knowledge
//! graph (each checked against what the one before it stored), a second writer of a store is
//! told it is in use, and a read-only store refuses loads. (Readers in another process while
//! one writes: the CLI test `shared_store`.)

use std::sync::Barrier;

use tierwise::ingest::{IngestError, LoadOptions};
use tierwise::store::{KnowledgeGraph, StoreError};

use crate::common::{SITES, diamond_with};

const COUNTRY_OF_T2: &str = "PREFIX tw: <https://w3id.org/tierwise/ns#>
    SELECT ?c WHERE { ?s a tw:Site ; tw:id \"T2\" ; tw:country/tw:id ?c }";

fn country_of_t2(kg: &KnowledgeGraph) -> Vec<String> {
    let df = kg.query(COUNTRY_OF_T2).unwrap();
    let c = df.column("c").unwrap().str().unwrap();
    (0..c.len())
        .map(|i| c.get(i).unwrap().to_string())
        .collect()
}

#[test]
fn two_threads_loading_conflicting_data_one_wins_and_the_store_stays_consistent() {
    // The diamond twice, T2 in CN and in VN: each passes the gates alone, the two disagree.
    let cn = diamond_with(&[]);
    let vn = diamond_with(&[("sites.csv", &SITES.replace("T2,Gamma,CN", "T2,Gamma,VN"))]);
    for round in 0..4 {
        let tmp = tempfile::tempdir().unwrap();
        let kg = KnowledgeGraph::open(tmp.path().join("kg.db")).unwrap();
        let start = Barrier::new(2);
        let results: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = [cn.path(), vn.path()]
                .into_iter()
                .map(|dir| {
                    let (kg, start) = (kg.clone(), &start);
                    s.spawn(move || {
                        start.wait();
                        kg.load_tables(dir, &LoadOptions::default())
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won: Vec<usize> = (0..2).filter(|&i| results[i].is_ok()).collect();
        assert_eq!(won.len(), 1, "round {round}: exactly one load is stored");
        let lost = &results[1 - won[0]];
        let Err(StoreError::Ingest(IngestError::DataQuality(r))) = lost else {
            panic!("round {round}: the other is refused by the gates, got {lost:?}");
        };
        assert!(
            r.errors
                .iter()
                .any(|f| f.message.contains("conflicting values")),
            "{r}"
        );
        // One load, and T2 in the winner's country only.
        assert_eq!(
            kg.loads()
                .unwrap()
                .column("graph")
                .unwrap()
                .n_unique()
                .unwrap(),
            1
        );
        let expected = if won[0] == 0 { "CN" } else { "VN" };
        assert_eq!(country_of_t2(&kg), [expected]);
        assert_eq!(kg.tables().unwrap().sites.len(), 4);
    }
}

#[test]
fn a_second_writer_is_told_the_store_is_in_use_and_a_reader_is_not() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("kg.db");
    let kg = KnowledgeGraph::open(&path).unwrap();
    kg.load_tables(diamond_with(&[]).path(), &LoadOptions::default())
        .unwrap();
    let err = KnowledgeGraph::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::InUse { .. }), "{err:?}");
    assert!(
        err.to_string().contains("in use by another process"),
        "{err}"
    );
    // A reader opens the store while the writer holds it, and sees what it holds.
    let reader = KnowledgeGraph::open_read_only(&path).unwrap();
    assert!(reader.is_read_only());
    assert_eq!(country_of_t2(&reader), ["CN"]);
}

#[test]
fn a_read_only_store_refuses_loads_and_writes_nothing_beside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("kg.db");
    {
        let kg = KnowledgeGraph::open(&path).unwrap();
        kg.load_tables(diamond_with(&[]).path(), &LoadOptions::default())
            .unwrap();
        // No kept network, so that the reader has to compile one.
        std::fs::remove_dir_all(path.join("tierwise-cache")).unwrap();
    }
    let reader = KnowledgeGraph::open_read_only(&path).unwrap();
    let before = reader.store().len().unwrap();
    let err = reader
        .load_tables(diamond_with(&[]).path(), &LoadOptions::default())
        .unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    assert_eq!(reader.network().unwrap().sites().len(), 4);
    assert!(!path.join("tierwise-cache").exists());
    assert_eq!(reader.store().len().unwrap(), before);
    // A folder that holds no store is refused, and not created.
    let none = tmp.path().join("none.db");
    assert!(matches!(
        KnowledgeGraph::open_read_only(&none),
        Err(StoreError::Open { .. })
    ));
    assert!(!none.exists());
}
