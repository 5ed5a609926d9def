//! The knowledge graph: an oxigraph store (in memory, or RocksDB on disk) holding the
//! ontology and one named graph per load, each with its provenance.
//!
//! - `load`: a load is checked whole (the gates on the new data, then against what the store
//!   holds, reading only what it touches: `touched`) and written through the bulk loader,
//!   whose files RocksDB ingests in one atomic step: it commits whole or not at all.
//! - `project`: the tables are read back through the indexes one subject at a time.
//! - `cache`: on disk, the compiled network of the current state is kept beside the store.
//! - `query`: SPARQL, results as DataFrames; `rdf`: the mapping between tables and RDF.

mod cache;
mod decisions;
mod events;
mod governed;
mod load;
mod project;
mod query;
mod rdf;
mod replace;
mod results;
mod snapshot;
mod touched;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, Quad};
use oxigraph::store::Store;
use polars::prelude::DataFrame;

pub use events::LiveGraph;
pub use governed::{PolicyDiff, Replay, ReplayError};
pub use load::{Input, LoadReceipt, Prepared, prepare, prepare_with};
pub use query::QueryOptions;
pub use rdf::{ID, NS, ONTOLOGY_GRAPH, decode_segment, encode_segment, instance_iri};

use crate::ingest::{IngestError, QualityReport};
use crate::model::Tables;
use crate::network::{Network, NetworkError};
use crate::progress::{Cancelled, Progress};

/// The ontology shipped with this crate (`data/ontology.ttl`).
pub const ONTOLOGY_TTL: &str = include_str!("../../../../data/ontology.ttl");

/// Errors of the knowledge graph.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error("storage error: {0}")]
    Storage(#[from] oxigraph::store::StorageError),
    #[error("cannot open the store at {path}: {message}")]
    Open { path: PathBuf, message: String },
    /// The store is open for writing elsewhere (RocksDB's lock is held): another process, or
    /// another `KnowledgeGraph::open` of this one.
    #[error(
        "the store {path} is in use by another process (or already open in this one); \
         close it there, or open this one read-only"
    )]
    InUse { path: PathBuf },
    /// A write to a store opened with [`KnowledgeGraph::open_read_only`].
    #[error("the store {path} is open read-only: nothing can be loaded into it")]
    ReadOnly { path: PathBuf },
    #[error("cannot parse RDF {path}: {message}")]
    RdfSyntax { path: String, message: String },
    #[error("unknown RDF format of {path}: use .ttl, .nt, .nq or .trig, or name the format")]
    UnknownFormat { path: String },
    /// A load was cancelled through its [`Progress`](crate::progress::Progress) before it
    /// committed: nothing of it is stored.
    #[error("the load was cancelled; nothing of it is stored")]
    LoadCancelled,
    /// Reading the store (the network's projection, a replay) or applying events was
    /// cancelled through its [`Progress`](crate::progress::Progress); what was committed
    /// before is whole.
    #[error("cancelled")]
    Cancelled,
    #[error("SPARQL query error: {0}")]
    Query(String),
    /// A query ran past its timeout ([`QueryOptions::timeout`]) and was stopped.
    #[error("the SPARQL query ran longer than its timeout of {seconds} s and was stopped")]
    QueryTimeout { seconds: f64 },
    /// A query was cancelled through its [`Progress`](crate::progress::Progress).
    #[error("the SPARQL query was cancelled")]
    QueryCancelled,
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
    #[error(transparent)]
    Network(#[from] NetworkError),
}

impl From<Cancelled> for StoreError {
    fn from(_: Cancelled) -> Self {
        StoreError::Cancelled
    }
}

/// Hex sha256 of bytes (moved to [`crate::hash`]; kept here so existing paths work).
pub use crate::hash::sha256_hex;

/// A supply-chain knowledge graph. Clones share one store, and one writer lock: loads from
/// any number of threads run one at a time (each is checked against what the one before it
/// stored), while queries and analyses read in parallel.
#[derive(Clone)]
pub struct KnowledgeGraph {
    store: Store,
    path: Option<PathBuf>,
    read_only: bool,
    writer: Arc<Mutex<()>>,
    /// A read-only store's checkpoint, removed with the last clone (after its store: the
    /// fields drop in this order).
    snapshot: Option<Arc<snapshot::Snapshot>>,
}

impl std::fmt::Debug for KnowledgeGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeGraph")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The RDF format of a file from its extension.
pub fn rdf_format_of(path: &Path) -> Option<RdfFormat> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    RdfFormat::from_extension(&ext)
}

impl KnowledgeGraph {
    /// A new store in memory, holding the ontology.
    pub fn in_memory() -> Result<Self, StoreError> {
        let kg = KnowledgeGraph::new(Store::new()?, None, false);
        kg.ensure_ontology()?;
        Ok(kg)
    }

    fn new(store: Store, path: Option<PathBuf>, read_only: bool) -> Self {
        KnowledgeGraph {
            store,
            path,
            read_only,
            writer: Arc::new(Mutex::new(())),
            snapshot: None,
        }
    }

    /// Opens (or creates) a store on disk (RocksDB) at `path`, for reading and writing. One
    /// process at a time: while another holds it, this is [`StoreError::InUse`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let store = Store::open(path).map_err(|e| open_error(path, &e))?;
        remove_unfinished_bulk_files(path);
        let kg = KnowledgeGraph::new(store, Some(path.to_path_buf()), false);
        kg.ensure_ontology()?;
        Ok(kg)
    }

    /// Opens an existing store on disk for reading only, also while another process writes
    /// to it. It sees the store as it was when opened (a load committed later is not seen
    /// until the store is opened again): it reads its own checkpoint of the store, made in
    /// the store's folder and removed when the graph is dropped (`snapshot`). Loads into it
    /// are [`StoreError::ReadOnly`]; no kept network is written.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        if !path.join("CURRENT").is_file() {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                message: "no store there (a store made by `tierwise load` holds a CURRENT file)"
                    .into(),
            });
        }
        let io = |e: std::io::Error| StoreError::Open {
            path: path.to_path_buf(),
            message: format!("cannot make a reader's checkpoint in it: {e}"),
        };
        // A writer that compacts or switches its MANIFEST while the checkpoint is taken makes
        // it unopenable: the next one sees the writer's next state.
        let mut tries = 0;
        let (store, snap) = loop {
            let moved = match snapshot::take(path) {
                Ok(snap) => match Store::open_read_only(snap.dir()) {
                    Ok(store) => break (store, snap),
                    Err(e) if is_moving_under_us(&e) => open_error(path, &e),
                    Err(e) => return Err(open_error(path, &e)),
                },
                // The MANIFEST that CURRENT named was replaced before it was copied.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => io(e),
                Err(e) => return Err(io(e)),
            };
            if tries == READ_ONLY_TRIES {
                return Err(moved);
            }
            tries += 1;
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut kg = KnowledgeGraph::new(store, Some(path.to_path_buf()), true);
        kg.snapshot = Some(Arc::new(snap));
        Ok(kg)
    }

    /// Whether the store was opened with [`KnowledgeGraph::open_read_only`].
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The writer lock of this store, held for the whole of a load (its checks against the
    /// store and its write): refused on a read-only store.
    pub(crate) fn writer(&self) -> Result<MutexGuard<'_, ()>, StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.path.clone().unwrap_or_default(),
            });
        }
        // A load that panicked wrote nothing (the bulk load commits last), so the lock's
        // poison carries no meaning.
        Ok(self.writer.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Quads in the store, the ontology included.
    pub fn len(&self) -> Result<usize, StoreError> {
        Ok(self.store.len()?)
    }

    /// Whether the store holds no quad at all.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.store.is_empty()?)
    }

    /// Where the store lives on disk (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The underlying oxigraph store, for what this API does not cover.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn ensure_ontology(&self) -> Result<(), StoreError> {
        let g = NamedNode::new_unchecked(ONTOLOGY_GRAPH);
        if self.store.contains_named_graph(&g)? {
            return Ok(());
        }
        self.store
            .load_from_slice(
                RdfParser::from_format(RdfFormat::Turtle)
                    .without_named_graphs()
                    .with_default_graph(g),
                ONTOLOGY_TTL,
            )
            .map_err(|e| StoreError::RdfSyntax {
                path: "data/ontology.ttl".into(),
                message: e.to_string(),
            })
    }

    /// Every named graph but the ontology (loads and event batches), sorted by name.
    fn written_graphs(&self) -> Result<Vec<NamedNode>, StoreError> {
        let mut out = Vec::new();
        for g in self.store.named_graphs() {
            if let NamedOrBlankNode::NamedNode(n) = g?
                && n.as_str() != ONTOLOGY_GRAPH
            {
                out.push(n);
            }
        }
        out.sort();
        Ok(out)
    }

    /// The named graphs that hold the current loaded data (every load not superseded by a
    /// later snapshot of its source; not the event batches), sorted by name.
    pub(crate) fn data_graphs(&self) -> Result<Vec<NamedNode>, StoreError> {
        let events = events::batch_prefix();
        let decisions = decisions::decision_prefix();
        let results = results::result_prefix();
        let mut out = self.written_graphs()?;
        out.retain(|g| {
            let g = g.as_str();
            !g.starts_with(&events) && !g.starts_with(&decisions) && !g.starts_with(&results)
        });
        if out.len() > 1 {
            let superseded = self.superseded(None)?;
            out.retain(|g| !superseded.contains(g.as_str()));
        }
        Ok(out)
    }

    /// The named graphs of all loads, oldest first.
    pub fn loads(&self) -> Result<DataFrame, StoreError> {
        self.query(
            "PREFIX tw: <https://w3id.org/tierwise/ns#>
             PREFIX prov: <http://www.w3.org/ns/prov#>
             SELECT ?graph ?source ?loaded_at ?version ?file ?sha256 WHERE {
               GRAPH ?graph { ?graph a tw:Load ; tw:sourcePath ?source ;
                 prov:generatedAtTime ?loaded_at ; tw:loaderVersion ?version ;
                 tw:sourceFile ?f . ?f tw:path ?file ; tw:sha256 ?sha256 }
             } ORDER BY ?loaded_at ?graph ?file",
        )
    }

    /// The tables of the current state: every load together (the union of the data graphs,
    /// read through the store's indexes one subject at a time) with the stored events applied.
    pub fn tables(&self) -> Result<Tables, StoreError> {
        self.tables_with(&Progress::new())
    }

    /// [`KnowledgeGraph::tables`], stopping with [`StoreError::Cancelled`] when `progress`
    /// is cancelled.
    pub fn tables_with(&self, progress: &Progress) -> Result<Tables, StoreError> {
        if !self.event_graphs()?.is_empty() {
            return Ok(self.replayed_with(None, progress)?.tables);
        }
        let (tables, findings) = project::tables(
            &self.store,
            &self.data_graphs()?,
            self.path.is_some(),
            progress,
        )?;
        if !findings.is_empty() {
            return Err(IngestError::DataQuality(Box::new(QualityReport {
                errors: findings,
                warnings: Vec::new(),
            }))
            .into());
        }
        Ok(tables)
    }

    /// Compiles the stored data into the supply network. On disk, the network of the
    /// current state is kept beside the store: an unchanged store opens it instead.
    pub fn network(&self) -> Result<Network, StoreError> {
        self.network_with(&Progress::new())
    }

    /// [`KnowledgeGraph::network`], stopping with [`StoreError::Cancelled`] when `progress`
    /// is cancelled while the store is read.
    pub fn network_with(&self, progress: &Progress) -> Result<Network, StoreError> {
        let Some(path) = &self.path else {
            return Ok(Network::compile(&self.tables_with(progress)?)?);
        };
        let state = self.state()?;
        if let Some(net) = cache::read(path, &state) {
            return Ok(net);
        }
        let net = Network::compile(&self.tables_with(progress)?)?;
        self.keep_network(&net);
        Ok(net)
    }

    /// The state of the store's data: changes with every write (a load or an event batch).
    fn state(&self) -> Result<String, StoreError> {
        // The decision log and written-back results do not change the data.
        let decisions = decisions::decision_prefix();
        let results = results::result_prefix();
        let names: Vec<String> = self
            .written_graphs()?
            .iter()
            .map(|g| g.as_str().to_string())
            .filter(|g| !g.starts_with(&decisions) && !g.starts_with(&results))
            .collect();
        Ok(cache::state(&names))
    }

    /// Keeps `net` as the compiled network of the current state (on disk, writable only).
    fn keep_network(&self, net: &Network) {
        if self.read_only {
            return;
        }
        if let (Some(path), Ok(state)) = (&self.path, self.state()) {
            cache::write(path, &state, net);
        }
    }

    /// Writes the data of every load (not the ontology) as RDF. Graph formats (Turtle,
    /// N-Triples) merge the loads into one graph; dataset formats (N-Quads, TriG) keep them.
    pub fn export<W: Write>(&self, format: RdfFormat, writer: W) -> Result<W, StoreError> {
        let mut ser = RdfSerializer::from_format(format)
            .with_prefix("tw", NS)
            .and_then(|s| s.with_prefix("prov", "http://www.w3.org/ns/prov#"))
            .and_then(|s| s.with_prefix("xsd", "http://www.w3.org/2001/XMLSchema#"))
            .map_err(|e| StoreError::Query(e.to_string()))?
            .for_writer(writer);
        let mut quads: Vec<Quad> = self
            .store
            .iter()
            .filter_map(Result::ok)
            .filter(|q| !is_ontology(&q.graph_name))
            .collect();
        // Sorting makes exports of equal stores byte-identical.
        quads.sort_by_cached_key(|q| q.to_string());
        let werr = |e: std::io::Error| StoreError::Write {
            path: "<export>".into(),
            message: e.to_string(),
        };
        if format.supports_datasets() {
            for q in &quads {
                ser.serialize_quad(q).map_err(werr)?;
            }
        } else {
            // Loads that share a triple (a company, a country) store it once per graph.
            let mut seen = std::collections::HashSet::new();
            for q in &quads {
                if seen.insert((&q.subject, &q.predicate, &q.object)) {
                    ser.serialize_triple(oxigraph::model::TripleRef::new(
                        &q.subject,
                        &q.predicate,
                        &q.object,
                    ))
                    .map_err(werr)?;
                }
            }
        }
        ser.finish().map_err(werr)
    }

    /// Writes the data of every load to a file, the format from its extension.
    pub fn export_file(&self, path: impl AsRef<Path>) -> Result<(), StoreError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let format = rdf_format_of(path).ok_or_else(|| StoreError::UnknownFormat {
            path: shown.clone(),
        })?;
        let f = std::fs::File::create(path).map_err(|e| StoreError::Write {
            path: shown.clone(),
            message: e.to_string(),
        })?;
        let mut w = self.export(format, std::io::BufWriter::new(f))?;
        w.flush().map_err(|e| StoreError::Write {
            path: shown,
            message: e.to_string(),
        })
    }
}

fn is_ontology(g: &GraphName) -> bool {
    matches!(g, GraphName::NamedNode(n) if n.as_str() == ONTOLOGY_GRAPH)
}

/// How often a read-only open is tried while a writer changes the store's files (~2 s).
const READ_ONLY_TRIES: u32 = 100;

/// Whether opening failed on a file that a writer removed while RocksDB opened the store.
fn is_moving_under_us(e: &oxigraph::store::StorageError) -> bool {
    let m = e.to_string();
    m.contains("No such file or directory") || m.contains("Corruption")
}

/// The error of opening a store: RocksDB's lock message becomes [`StoreError::InUse`].
fn open_error(path: &Path, e: &oxigraph::store::StorageError) -> StoreError {
    let message = e.to_string();
    // RocksDB: "IO error: While lock file: .../LOCK: Resource temporarily unavailable" for
    // another process, "lock hold by current process" for this one.
    if message.contains("/LOCK") || message.contains("lock hold by current process") {
        StoreError::InUse {
            path: path.to_path_buf(),
        }
    } else {
        StoreError::Open {
            path: path.to_path_buf(),
            message,
        }
    }
}

/// Removes the bulk loader's files that a killed load left beside the store (RocksDB never
/// ingested them); called once the store is open, so no other writer can be making them.
fn remove_unfinished_bulk_files(path: &Path) {
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("bulk-") && name.ends_with(".sst") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
