//! The knowledge graph: an oxigraph store (in memory, or RocksDB on disk) holding the
//! ontology and one named graph per load, each with its provenance.
//!
//! A load is checked whole (the gates of DESIGN 2.2 on the new data, then on the union with
//! what the store already holds) and written in one transaction: it commits whole or not at
//! all.

mod rdf;

use std::io::Write;
use std::path::{Path, PathBuf};

use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::vocab::{rdf as rdfv, xsd};
use oxigraph::model::{GraphName, GraphNameRef, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use polars::prelude::{Column, DataFrame, NamedFrom, Series};

pub use rdf::{ID, NS, ONTOLOGY_GRAPH, decode_segment, encode_segment, instance_iri};

use crate::ingest::{
    CheckedTables, Finding, IngestError, LoadOptions, Origin, QualityReport, RawTables,
};
use crate::model::Tables;
use crate::network::{Network, NetworkError};

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
    #[error("cannot parse RDF {path}: {message}")]
    RdfSyntax { path: String, message: String },
    #[error("unknown RDF format of {path}: use .ttl, .nt, .nq or .trig, or name the format")]
    UnknownFormat { path: String },
    #[error("SPARQL query error: {0}")]
    Query(String),
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
    #[error(transparent)]
    Network(#[from] NetworkError),
}

/// Hex sha256 of bytes (moved to [`crate::hash`]; kept here so existing paths work).
pub use crate::hash::sha256_hex;

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

/// A supply-chain knowledge graph.
#[derive(Clone)]
pub struct KnowledgeGraph {
    store: Store,
    path: Option<PathBuf>,
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
        let kg = KnowledgeGraph {
            store: Store::new()?,
            path: None,
        };
        kg.ensure_ontology()?;
        Ok(kg)
    }

    /// Opens (or creates) a store on disk (RocksDB) at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let store = Store::open(path).map_err(|e| StoreError::Open {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let kg = KnowledgeGraph {
            store,
            path: Some(path.to_path_buf()),
        };
        kg.ensure_ontology()?;
        Ok(kg)
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
        let sha = sha256_hex(&bytes);
        let mut triples = Vec::new();
        for q in RdfParser::from_format(format)
            .rename_blank_nodes()
            .for_slice(&bytes)
        {
            let q = q.map_err(|e| StoreError::RdfSyntax {
                path: shown.clone(),
                message: e.to_string(),
            })?;
            triples.push(q);
        }
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
            f.file = Some(shown.clone());
        }
        findings.append(&mut report.errors);
        if !findings.is_empty() {
            return Err(IngestError::DataQuality(Box::new(QualityReport {
                errors: findings,
                warnings: report.warnings,
            }))
            .into());
        }
        let loaded_at = now_rfc3339();
        let graph = self.new_graph_name(&loaded_at, &sha);
        let gname = GraphName::NamedNode(graph.clone());
        let mut quads: Vec<Quad> = triples
            .into_iter()
            .map(|q| Quad::new(q.subject, q.predicate, q.object, gname.clone()))
            .collect();
        quads.extend(provenance(
            &graph,
            &shown,
            &[(shown.clone(), sha.clone())],
            &loaded_at,
        ));
        self.commit_quads(
            quads,
            graph,
            vec![(shown, sha)],
            report.warnings,
            loaded_at,
            options,
        )
    }

    /// Stores tables that already passed the gates as one load; `source` names where they
    /// came from.
    pub fn commit_load(
        &self,
        checked: CheckedTables,
        source: &str,
        options: &LoadOptions,
    ) -> Result<LoadReceipt, StoreError> {
        let loaded_at = now_rfc3339();
        let joined: String = checked.files.iter().map(|(_, h)| h.as_str()).collect();
        let graph = self.new_graph_name(&loaded_at, &sha256_hex(joined.as_bytes()));
        let gname = GraphName::NamedNode(graph.clone());
        let mut quads = rdf::tables_to_quads(&checked.tables, &gname);
        quads.extend(provenance(&graph, source, &checked.files, &loaded_at));
        self.commit_quads(
            quads,
            graph,
            checked.files,
            checked.warnings,
            loaded_at,
            options,
        )
    }

    fn new_graph_name(&self, loaded_at: &str, sha: &str) -> NamedNode {
        // The time makes names unique across loads; the hash prefix makes them readable.
        let stamp: String = loaded_at.chars().filter(char::is_ascii_digit).collect();
        let mut n = 0;
        loop {
            let name = format!("{ID}load/{stamp}-{}-{n}", &sha[..12.min(sha.len())]);
            let node = NamedNode::new_unchecked(name);
            if !self.store.contains_named_graph(&node).unwrap_or(false) {
                return node;
            }
            n += 1;
        }
    }

    /// Writes quads in one transaction after checking that the store's data together with
    /// them still passes the gates (two loads may disagree on a value, or close a cycle).
    fn commit_quads(
        &self,
        quads: Vec<Quad>,
        graph: NamedNode,
        files: Vec<(String, String)>,
        warnings: Vec<Finding>,
        loaded_at: String,
        options: &LoadOptions,
    ) -> Result<LoadReceipt, StoreError> {
        let n = quads.len();
        let mut tx = self.store.start_transaction()?;
        tx.insert_named_graph(&graph);
        for q in &quads {
            tx.insert(q);
        }
        if self.has_data()? {
            let data: Vec<Quad> = tx
                .quads_for_pattern(None, None, None, None)
                .filter_map(Result::ok)
                .filter(is_data_quad)
                .collect();
            let (tables, mut findings) = rdf::Extractor::new(data).tables();
            let origin = Origin {
                rowless: true,
                ..Origin::default()
            };
            let mut report = crate::ingest::validate_with(&tables, options, &origin);
            findings.append(&mut report.errors);
            if !findings.is_empty() {
                for f in &mut findings {
                    f.message = format!("together with the data already stored: {}", f.message);
                }
                // Dropping the transaction discards every change.
                drop(tx);
                return Err(IngestError::DataQuality(Box::new(QualityReport {
                    errors: findings,
                    warnings,
                }))
                .into());
            }
        }
        tx.commit()?;
        self.store.flush()?;
        Ok(LoadReceipt {
            graph: graph.as_str().to_string(),
            quads: n,
            warnings,
            files,
            loaded_at,
        })
    }

    fn has_data(&self) -> Result<bool, StoreError> {
        for g in self.store.named_graphs() {
            if let NamedOrBlankNode::NamedNode(n) = g?
                && n.as_str() != ONTOLOGY_GRAPH
            {
                return Ok(true);
            }
        }
        Ok(false)
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

    /// The tables held by every load together (the union of the data graphs).
    pub fn tables(&self) -> Result<Tables, StoreError> {
        let data: Vec<Quad> = self
            .store
            .iter()
            .filter_map(Result::ok)
            .filter(is_data_quad)
            .collect();
        let (tables, findings) = rdf::Extractor::new(data).tables();
        if !findings.is_empty() {
            return Err(IngestError::DataQuality(Box::new(QualityReport {
                errors: findings,
                warnings: Vec::new(),
            }))
            .into());
        }
        Ok(tables)
    }

    /// Compiles the stored data into the supply network.
    pub fn network(&self) -> Result<Network, StoreError> {
        Ok(Network::compile(&self.tables()?)?)
    }

    /// Runs a SPARQL query. The default graph is the union of all graphs unless the query
    /// names its own dataset (FROM). SELECT gives one column per variable (numbers as Float64
    /// when every bound value is numeric, booleans as Boolean, everything else as strings:
    /// IRIs bare, literals by their lexical form); ASK gives one `result` column; CONSTRUCT
    /// and DESCRIBE give subject, predicate, object.
    pub fn query(&self, sparql: &str) -> Result<DataFrame, StoreError> {
        let mut prepared = SparqlEvaluator::new()
            .parse_query(sparql)
            .map_err(|e| StoreError::Query(e.to_string()))?;
        if prepared.dataset().is_default_dataset() {
            prepared.dataset_mut().set_default_graph_as_union();
        }
        let results = prepared
            .on_store(&self.store)
            .execute()
            .map_err(|e| StoreError::Query(e.to_string()))?;
        results_to_frame(results)
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

fn is_data_quad(q: &Quad) -> bool {
    !is_ontology(&q.graph_name) && q.graph_name.as_ref() != GraphNameRef::DefaultGraph
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
    let mut q = vec![
        Quad::new(graph.clone(), rdfv::TYPE, rdf::tw("Load"), g.clone()),
        Quad::new(graph.clone(), rdfv::TYPE, prov("Entity"), g.clone()),
        Quad::new(
            graph.clone(),
            rdf::tw("sourcePath"),
            Literal::new_simple_literal(source),
            g.clone(),
        ),
        Quad::new(
            graph.clone(),
            prov("generatedAtTime"),
            Literal::new_typed_literal(loaded_at, xsd::DATE_TIME),
            g.clone(),
        ),
        Quad::new(
            graph.clone(),
            rdf::tw("loaderVersion"),
            Literal::new_simple_literal(crate::VERSION),
            g.clone(),
        ),
    ];
    for (i, (path, sha)) in files.iter().enumerate() {
        let f = NamedNode::new_unchecked(format!("{}/file/{i}", graph.as_str()));
        q.push(Quad::new(
            graph.clone(),
            rdf::tw("sourceFile"),
            f.clone(),
            g.clone(),
        ));
        q.push(Quad::new(
            f.clone(),
            rdfv::TYPE,
            rdf::tw("SourceFile"),
            g.clone(),
        ));
        q.push(Quad::new(
            f.clone(),
            rdf::tw("path"),
            Literal::new_simple_literal(path),
            g.clone(),
        ));
        q.push(Quad::new(
            f,
            rdf::tw("sha256"),
            Literal::new_simple_literal(sha),
            g.clone(),
        ));
    }
    q
}

fn term_text(t: &Term) -> String {
    match t {
        Term::NamedNode(n) => n.as_str().to_string(),
        Term::BlankNode(b) => format!("_:{}", b.as_str()),
        Term::Literal(l) => l.value().to_string(),
        #[allow(unreachable_patterns)]
        other => other.to_string(),
    }
}

fn numeric(t: &Term) -> Option<f64> {
    let Term::Literal(l) = t else { return None };
    let dt = l.datatype().as_str();
    let is_num = dt.starts_with("http://www.w3.org/2001/XMLSchema#")
        && matches!(
            &dt[33..],
            "double"
                | "float"
                | "decimal"
                | "integer"
                | "int"
                | "long"
                | "short"
                | "byte"
                | "nonNegativeInteger"
                | "positiveInteger"
                | "negativeInteger"
                | "nonPositiveInteger"
                | "unsignedInt"
                | "unsignedLong"
                | "unsignedShort"
                | "unsignedByte"
        );
    if !is_num {
        return None;
    }
    l.value().replace("INF", "inf").parse().ok()
}

fn boolean(t: &Term) -> Option<bool> {
    let Term::Literal(l) = t else { return None };
    if l.datatype() != xsd::BOOLEAN {
        return None;
    }
    match l.value() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

fn integer(t: &Term) -> Option<i64> {
    let Term::Literal(l) = t else { return None };
    let dt = l.datatype().as_str();
    let is_int = dt.starts_with("http://www.w3.org/2001/XMLSchema#")
        && (dt.ends_with("nteger")
            || matches!(
                &dt[33..],
                "int"
                    | "long"
                    | "short"
                    | "byte"
                    | "unsignedInt"
                    | "unsignedShort"
                    | "unsignedByte"
            ));
    if !is_int {
        return None;
    }
    l.value().parse().ok()
}

fn column_of(name: &str, values: &[Option<Term>]) -> Column {
    let bound: Vec<&Term> = values.iter().flatten().collect();
    if !bound.is_empty() && bound.iter().all(|t| integer(t).is_some()) {
        let v: Vec<Option<i64>> = values
            .iter()
            .map(|t| t.as_ref().and_then(integer))
            .collect();
        return Series::new(name.into(), v).into();
    }
    if !bound.is_empty() && bound.iter().all(|t| numeric(t).is_some()) {
        let v: Vec<Option<f64>> = values
            .iter()
            .map(|t| t.as_ref().and_then(numeric))
            .collect();
        return Series::new(name.into(), v).into();
    }
    if !bound.is_empty() && bound.iter().all(|t| boolean(t).is_some()) {
        let v: Vec<Option<bool>> = values
            .iter()
            .map(|t| t.as_ref().and_then(boolean))
            .collect();
        return Series::new(name.into(), v).into();
    }
    let v: Vec<Option<String>> = values.iter().map(|t| t.as_ref().map(term_text)).collect();
    Series::new(name.into(), v).into()
}

fn results_to_frame(results: QueryResults<'_>) -> Result<DataFrame, StoreError> {
    let qerr = |e: &dyn std::fmt::Display| StoreError::Query(e.to_string());
    match results {
        QueryResults::Solutions(solutions) => {
            let vars: Vec<String> = solutions
                .variables()
                .iter()
                .map(|v| v.as_str().to_string())
                .collect();
            let mut cols: Vec<Vec<Option<Term>>> = vec![Vec::new(); vars.len()];
            for s in solutions {
                let s = s.map_err(|e| qerr(&e))?;
                for (i, v) in s.values().iter().enumerate() {
                    cols[i].push(v.clone());
                }
            }
            let columns: Vec<Column> = vars
                .iter()
                .zip(&cols)
                .map(|(n, v)| column_of(n, v))
                .collect();
            DataFrame::new_infer_height(columns).map_err(|e| qerr(&e))
        }
        QueryResults::Boolean(b) => {
            DataFrame::new_infer_height(vec![Series::new("result".into(), [b]).into()])
                .map_err(|e| qerr(&e))
        }
        QueryResults::Graph(triples) => {
            let mut s = Vec::new();
            let mut p = Vec::new();
            let mut o = Vec::new();
            for t in triples {
                let t = t.map_err(|e| qerr(&e))?;
                s.push(Some(Term::from(t.subject)));
                p.push(Some(Term::from(t.predicate)));
                o.push(Some(t.object));
            }
            DataFrame::new_infer_height(vec![
                column_of("subject", &s),
                column_of("predicate", &p),
                column_of("object", &o),
            ])
            .map_err(|e| qerr(&e))
        }
    }
}
