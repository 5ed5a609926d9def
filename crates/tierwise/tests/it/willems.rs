//! The 38 real supply chains of Willems (2008).

use tierwise::ingest::LoadOptions;
use tierwise::network::Network;
use tierwise::store::KnowledgeGraph;

use crate::common::{willems_chain, willems_data};

#[test]
fn all_38_willems_chains_load_and_project() {
    let w = willems_data();
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
    let tables = willems_chain(1);
    let tmp = tempfile::tempdir().unwrap();
    tierwise::ingest::write_tables_csv(&tables, tmp.path()).unwrap();
    let kg = KnowledgeGraph::in_memory().unwrap();
    kg.load_tables(tmp.path(), &LoadOptions::default()).unwrap();
    assert_eq!(kg.network().unwrap(), Network::compile(&tables).unwrap());
}
