//! The integration tests of tierwise, one binary split by topic: hand-built networks checked
//! node by node, one test per quality gate, the store, the real Willems chains, the risk
//! engine, Monte Carlo, criticality, the batch report and the exact stress test.

mod common;

mod concurrency;
mod fuzzed;

mod criticality;
mod events;
mod govern;
mod ingest;
mod lp;
mod malformed;
mod mitigate;
mod montecarlo;
mod network;
mod properties;
mod report;
mod risk;
mod store;
mod willems;
