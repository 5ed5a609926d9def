//! Loads: checked data written as one named graph with its provenance, whole or not at all.
//!
//! A load passes the gates on its own (with row numbers), then against what the store holds
//! (only what the load touches, see `touched`), and is written through oxigraph's bulk
//! loader: every index is built into SST files beside the store and RocksDB ingests them all
//! in one atomic step at the end. A process killed before that step leaves the store as it
//! was (the half-written files are removed when the store is next opened); after it, the load
//! is whole.

use std::path::Path;

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::{rdf as rdfv, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad};
use polars::prelude::DataFrame;

use super::{KnowledgeGraph, StoreError, rdf, rdf_format_of};
use crate::hash::sha256_hex;
use crate::ingest::{
    CheckedTables, Finding, IngestError, LoadOptions, Origin, QualityReport, RawTables,
};
use crate::model::Tables;
use crate::network::Network;

/// Quads handed to the bulk loader at a time: about one of its batches.
const CHUNK: usize = 1_000_000;

/// What one load did.
#[derive(Debug, Clone)]
pub struct LoadReceipt {
    /// The named graph that holds the load.
    pub graph: String,
    /// Quads written (data and provenance).
    pub quads: usize,
    pub warnings: Vec<Finding>,
    /// (path, sha256) of every source file.
    pub files: Vec<(String, String)>,
    pub loaded_at: String,
}

impl LoadReceipt {
    /// The warnings as a table (the columns of [`QualityReport::to_dataframe`]).
    pub fn warnings_frame(&self) -> DataFrame {
        crate::ingest::findings_frame(&[], &self.warnings)
    }
}

/// The data of a load: checked tables, or the triples of an RDF file (with the tables they
/// hold, for the checks against the store).
enum Data<'a> {
    Tables(&'a Tables),
    Triples(Vec<Quad>),
}

/// A load about to be written.
struct Pending<'a> {
    data: Data<'a>,
    /// What the load's provenance names as its source.
    source: String,
    files: Vec<(String, String)>,
    warnings: Vec<Finding>,
    /// The network of the load alone, when the gates compiled it.
    network: Option<Box<Network>>,
}

impl KnowledgeGraph {
    /// Reads a folder of tables (CSV or Parquet), checks it and stores it as one load.
    pub fn load_tables(
        &self,
        dir: impl AsRef<Path>,
        options: &LoadOptions,
    ) -> Result<LoadReceipt, StoreError> {
        let dir = dir.as_ref();
        let checked = RawTables::read_dir(dir)?.check(options)?;
        self.commit_load(checked, &dir.display().to_string(), options)
    }

    /// Checks raw tables (e.g. from polars DataFrames) and stores them as one load.
    pub fn load_raw(
        &self,
        raw: RawTables,
        source: &str,
        options: &LoadOptions,
    ) -> Result<LoadReceipt, StoreError> {
        let checked = raw.check(options)?;
        self.commit_load(checked, source, options)
    }

    /// Stores tables that already passed the gates as one load; `source` names where they
    /// came from.
    pub fn commit_load(
        &self,
        checked: CheckedTables,
        source: &str,
        options: &LoadOptions,
    ) -> Result<LoadReceipt, StoreError> {
        let CheckedTables {
            tables,
            warnings,
            files,
            network,
        } = checked;
        self.check_against_store(&tables, None, options)?;
        self.write(Pending {
            data: Data::Tables(&tables),
            source: source.to_string(),
            files,
            warnings,
            network,
        })
    }

    /// Reads an RDF file in the tw: vocabulary (Turtle, N-Triples, N-Quads, TriG), checks the
    /// data it holds with the same gates as tables, and stores it as one load. Every triple of
    /// the file goes into the load's named graph.
    pub fn load_rdf(
        &self,
        path: impl AsRef<Path>,
        format: Option<RdfFormat>,
        options: &LoadOptions,
    ) -> Result<LoadReceipt, StoreError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let format =
            format
                .or_else(|| rdf_format_of(path))
                .ok_or_else(|| StoreError::UnknownFormat {
                    path: shown.clone(),
                })?;
        let bytes = std::fs::read(path).map_err(|source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let triples = parse_rdf(&bytes, format, &shown)?;
        let (tables, warnings) = check_rdf(&triples, options, &shown)?;
        self.check_against_store(&tables, Some(&triples), options)?;
        let sha = sha256_hex(&bytes);
        self.write(Pending {
            data: Data::Triples(triples),
            source: shown.clone(),
            files: vec![(shown, sha)],
            warnings,
            network: None,
        })
    }

    /// Writes a checked load and its provenance in one atomic bulk load.
    fn write(&self, load: Pending<'_>) -> Result<LoadReceipt, StoreError> {
        let loaded_at = now_rfc3339();
        let joined: String = load.files.iter().map(|(_, h)| h.as_str()).collect();
        let graph = self.new_graph_name(&loaded_at, &sha256_hex(joined.as_bytes()));
        let g = GraphName::NamedNode(graph.clone());
        let was_empty = !self.has_data()?;
        let mut loader = self.store().bulk_loader();
        let mut quads = 0;
        let mut sink = |chunk: Vec<Quad>| {
            quads += chunk.len();
            loader.load_quads(chunk)
        };
        match &load.data {
            Data::Tables(t) => rdf::stream_quads(t, &g, CHUNK, &mut sink)?,
            Data::Triples(triples) => {
                for chunk in triples.chunks(CHUNK) {
                    sink(in_graph(chunk, &g))?;
                }
            }
        }
        sink(provenance(&graph, &load.source, &load.files, &loaded_at))?;
        loader.commit()?;
        // The first load of a store is the whole state: its compiled network is kept now, so
        // that no analysis has to read it back from the store.
        if was_empty && let Some(net) = &load.network {
            self.keep_network(net);
        }
        Ok(LoadReceipt {
            graph: graph.as_str().to_string(),
            quads,
            warnings: load.warnings,
            files: load.files,
            loaded_at,
        })
    }

    fn new_graph_name(&self, loaded_at: &str, sha: &str) -> NamedNode {
        // The time makes names unique across loads; the hash prefix makes them readable.
        let stamp: String = loaded_at.chars().filter(char::is_ascii_digit).collect();
        let mut n = 0;
        loop {
            let name = format!("{}load/{stamp}-{}-{n}", rdf::ID, &sha[..12.min(sha.len())]);
            let node = NamedNode::new_unchecked(name);
            if !self.store().contains_named_graph(&node).unwrap_or(false) {
                return node;
            }
            n += 1;
        }
    }
}

/// Every triple of an RDF file, blank nodes renamed apart from any other load's.
fn parse_rdf(bytes: &[u8], format: RdfFormat, shown: &str) -> Result<Vec<Quad>, StoreError> {
    RdfParser::from_format(format)
        .rename_blank_nodes()
        .for_slice(bytes)
        .map(|q| {
            q.map_err(|e| StoreError::RdfSyntax {
                path: shown.to_string(),
                message: e.to_string(),
            })
        })
        .collect()
}

/// The tables an RDF file holds, checked by the same gates as tables (resources named instead
/// of rows), and the warnings.
fn check_rdf(
    triples: &[Quad],
    options: &LoadOptions,
    shown: &str,
) -> Result<(Tables, Vec<Finding>), StoreError> {
    let (tables, mut findings) = rdf::Extractor::new(triples.iter().cloned()).tables();
    let origin = Origin {
        rowless: true,
        ..Origin::default()
    };
    let mut report = crate::ingest::validate_with(&tables, options, &origin);
    for f in findings
        .iter_mut()
        .chain(report.errors.iter_mut())
        .chain(report.warnings.iter_mut())
    {
        f.file = Some(shown.to_string());
    }
    findings.append(&mut report.errors);
    if !findings.is_empty() {
        return Err(IngestError::DataQuality(Box::new(QualityReport {
            errors: findings,
            warnings: report.warnings,
        }))
        .into());
    }
    Ok((tables, report.warnings))
}

/// Triples moved into graph `g`.
fn in_graph(triples: &[Quad], g: &GraphName) -> Vec<Quad> {
    triples
        .iter()
        .map(|q| {
            Quad::new(
                q.subject.clone(),
                q.predicate.clone(),
                q.object.clone(),
                g.clone(),
            )
        })
        .collect()
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The provenance of one load, in its own graph: what was read (each file with its sha256),
/// when, and by which tierwise version.
fn provenance(
    graph: &NamedNode,
    source: &str,
    files: &[(String, String)],
    loaded_at: &str,
) -> Vec<Quad> {
    let g = GraphName::NamedNode(graph.clone());
    let prov = |l: &str| NamedNode::new_unchecked(format!("http://www.w3.org/ns/prov#{l}"));
    let about = |p: NamedNode, o: oxigraph::model::Term| Quad::new(graph.clone(), p, o, g.clone());
    let mut q = vec![
        about(rdfv::TYPE.into_owned(), rdf::tw("Load").into()),
        about(rdfv::TYPE.into_owned(), prov("Entity").into()),
        about(
            rdf::tw("sourcePath"),
            Literal::new_simple_literal(source).into(),
        ),
        about(
            prov("generatedAtTime"),
            Literal::new_typed_literal(loaded_at, xsd::DATE_TIME).into(),
        ),
        about(
            rdf::tw("loaderVersion"),
            Literal::new_simple_literal(crate::VERSION).into(),
        ),
    ];
    for (i, (path, sha)) in files.iter().enumerate() {
        let f = NamedNode::new_unchecked(format!("{}/file/{i}", graph.as_str()));
        let on_f = |p: NamedNode, o: oxigraph::model::Term| Quad::new(f.clone(), p, o, g.clone());
        q.push(about(rdf::tw("sourceFile"), f.clone().into()));
        q.push(on_f(rdfv::TYPE.into_owned(), rdf::tw("SourceFile").into()));
        q.push(on_f(
            rdf::tw("path"),
            Literal::new_simple_literal(path).into(),
        ));
        q.push(on_f(
            rdf::tw("sha256"),
            Literal::new_simple_literal(sha).into(),
        ));
    }
    q
}
