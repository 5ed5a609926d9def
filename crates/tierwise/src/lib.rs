//! tierwise: knowledge-graph risk analytics for multi-tier supply chains.
//!
//! Data flows top to bottom (see `docs/design.md`):
//! tables ([`model::Tables`], read by [`ingest`] with every quality gate) or RDF go into a
//! knowledge graph ([`store::KnowledgeGraph`], oxigraph), which compiles into a compact
//! supply network ([`network::Network`]) that the analytics run on.

pub mod datasets;
pub mod events;
pub mod format;
pub mod govern;
pub mod hash;
pub mod ingest;
pub mod lp;
pub mod mitigate;
pub mod model;
pub mod network;
pub mod progress;
pub mod report;
pub mod risk;
pub mod rules;
pub mod source;
pub mod store;
/// The Willems converter at its first path; it lives in [`datasets::willems`].
pub use datasets::willems;

/// The synthetic generator under its first path, `tierwise::generate`.
pub use crate::datasets::synthetic as generate;

/// The version of this crate, recorded in every load's provenance.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The README's Rust example, compiled and run as a doctest.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
