//! Loads: checked data written as one named graph per input with its provenance, every input
//! of a load whole or none of them.
//!
//! Each input passes the gates on its own (with row numbers); several inputs are then checked
//! together; the whole load is checked against what the store holds (only what it touches,
//! see `touched`); and everything is written through oxigraph's bulk loader, which builds
//! every index into files beside the store that RocksDB ingests in one atomic step at the
//! end. A process killed before that step leaves the store as it was (the half-written files
//! are removed when the store is next opened); after it, the load is whole.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::{rdf as rdfv, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};
use polars::prelude::DataFrame;

use super::rdf::{Extractor, Print, print};
use super::{KnowledgeGraph, StoreError, rdf, rdf_format_of};
use crate::hash::sha256_hex;
use crate::ingest::{
    CheckedTables, Finding, IngestError, LoadOptions, Origin, QualityReport, RawTables,
    missing_input,
};
use crate::model::Tables;
use crate::network::Network;
use crate::progress::{Cancelled, Progress};

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
    /// The earlier snapshots of the same source this load replaced (their graphs).
    pub replaced: Vec<String>,
}

impl LoadReceipt {
    /// The warnings as a table (the columns of [`QualityReport::to_dataframe`]).
    pub fn warnings_frame(&self) -> DataFrame {
        crate::ingest::findings_frame(&[], &self.warnings)
    }
}

/// One input of a load.
#[derive(Debug)]
#[non_exhaustive]
pub enum Input {
    /// A folder of tables (CSV or Parquet).
    Tables(PathBuf),
    /// An RDF file in the tw: vocabulary; the format from its extension unless given.
    Rdf(PathBuf, Option<RdfFormat>),
    /// Tables not read from files yet (e.g. polars DataFrames), and what to call their source.
    Raw(RawTables, String),
    /// Tables that passed the gates already, and what to call their source.
    Checked(CheckedTables, String),
}

impl Input {
    /// A folder of tables or an RDF file, by what the path is.
    pub fn path(path: impl AsRef<Path>) -> Input {
        let path = path.as_ref().to_path_buf();
        if path.is_dir() {
            Input::Tables(path)
        } else {
            Input::Rdf(path, None)
        }
    }
}

/// An input that passed the gates on its own, ready to be written.
pub(crate) struct Checked {
    tables: Tables,
    /// The file's own triples, for an RDF input (its quads are made from `tables` otherwise).
    triples: Option<Vec<Quad>>,
    /// What the load's provenance names as its source.
    source: String,
    files: Vec<(String, String)>,
    warnings: Vec<Finding>,
    /// The network of the input alone, when the gates compiled it.
    network: Option<Box<Network>>,
}

impl Checked {
    /// Hands the input's quads in `g` to `sink`, a chunk at a time.
    fn quads<E>(
        &self,
        g: &GraphName,
        sink: &mut dyn FnMut(Vec<Quad>) -> Result<(), E>,
    ) -> Result<(), E> {
        // The network's tables hold the same rows in key order (the gates passed, so no key
        // repeats, and every quad is named by keys), hence the same quads.
        let tables = self.network.as_ref().map_or(&self.tables, |n| n.tables());
        match &self.triples {
            None => rdf::stream_quads(tables, g, BULK_BATCH, sink),
            Some(triples) => triples
                .chunks(BULK_BATCH)
                .try_for_each(|c| sink(in_graph(c, g))),
        }
    }
}

/// Inputs that passed the gates each on its own, ready for [`KnowledgeGraph::commit`].
#[derive(Debug)]
pub struct Prepared(Vec<Checked>);

impl Prepared {
    /// The warnings of every input, in input order.
    pub fn warnings(&self) -> Vec<&[Finding]> {
        self.0.iter().map(|c| c.warnings.as_slice()).collect()
    }
}

impl std::fmt::Debug for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checked")
            .field("source", &self.source)
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

/// Reads every input and runs every gate on each alone, storing nothing: every violation of
/// every input at once.
pub fn prepare(inputs: Vec<Input>, options: &LoadOptions) -> Result<Prepared, StoreError> {
    prepare_with(inputs, options, &Progress::new())
}

/// [`prepare`], stopping between inputs once `progress` is cancelled.
pub fn prepare_with(
    inputs: Vec<Input>,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Prepared, StoreError> {
    let mut checked = Vec::new();
    let mut refused = QualityReport::default();
    for input in inputs {
        go_on(progress)?;
        match check_input(input, options) {
            Ok(c) => checked.push(c),
            Err(StoreError::Ingest(IngestError::DataQuality(r))) => refused.merge(*r),
            Err(e) => return Err(e),
        }
    }
    if !refused.errors.is_empty() {
        return Err(IngestError::DataQuality(Box::new(refused)).into());
    }
    Ok(Prepared(checked))
}

/// Reads one input and runs every gate on it alone; nothing is stored.
pub(crate) fn check_input(input: Input, options: &LoadOptions) -> Result<Checked, StoreError> {
    let (checked, source) = match input {
        Input::Tables(dir) => (
            RawTables::read_dir(&dir)?.check(options)?,
            dir.display().to_string(),
        ),
        Input::Raw(raw, source) => (raw.check(options)?, source),
        Input::Checked(checked, source) => (checked, source),
        Input::Rdf(path, format) => return check_rdf_file(&path, format, options),
    };
    Ok(Checked {
        tables: checked.tables,
        triples: None,
        source,
        files: checked.files,
        warnings: checked.warnings,
        network: checked.network,
    })
}

impl KnowledgeGraph {
    /// Checks every input and stores each as one named graph: all of them, or (when any
    /// input fails a gate, alone, together with the others or with the stored data) none.
    /// Every violation of every input is reported at once.
    pub fn load(
        &self,
        inputs: Vec<Input>,
        options: &LoadOptions,
    ) -> Result<Vec<LoadReceipt>, StoreError> {
        self.load_with(inputs, options, &Progress::new())
    }

    /// [`Self::load`] that stops once `progress` is cancelled (Ctrl-C in Python): between
    /// inputs, between checks, and between chunks of the write. A cancelled load stores
    /// nothing ([`StoreError::LoadCancelled`]); one that reached its commit is whole.
    pub fn load_with(
        &self,
        inputs: Vec<Input>,
        options: &LoadOptions,
        progress: &Progress,
    ) -> Result<Vec<LoadReceipt>, StoreError> {
        let prepared = prepare_with(inputs, options, progress)?;
        self.commit_with(prepared, options, progress)
    }

    /// Stores prepared inputs (see [`prepare`]), after checking them together and against
    /// the stored data: all of them or none.
    pub fn commit(
        &self,
        prepared: Prepared,
        options: &LoadOptions,
    ) -> Result<Vec<LoadReceipt>, StoreError> {
        self.commit_with(prepared, options, &Progress::new())
    }

    /// [`Self::commit`], stopping once `progress` is cancelled (see [`Self::load_with`]).
    pub fn commit_with(
        &self,
        prepared: Prepared,
        options: &LoadOptions,
        progress: &Progress,
    ) -> Result<Vec<LoadReceipt>, StoreError> {
        let checked = prepared.0;
        let _writing = self.writer()?;
        if checked.is_empty() {
            return Ok(Vec::new());
        }
        go_on(progress)?;
        let union = together(&checked, options)?;
        go_on(progress)?;
        let quads = |sink: &mut dyn FnMut(Vec<Quad>) -> Result<(), std::convert::Infallible>| {
            checked
                .iter()
                .try_for_each(|c| c.quads(&GraphName::DefaultGraph, sink))
        };
        // A source loaded before is a new snapshot of it: its earlier loads are replaced.
        let sources: Vec<&str> = checked.iter().map(|c| c.source.as_str()).collect();
        let snapshots = self.snapshots_of(&sources)?;
        let replacing: Vec<NamedNode> = snapshots.values().flatten().cloned().collect();
        self.check_against_store(
            union.as_ref().unwrap_or(&checked[0].tables),
            &quads,
            options,
            &replacing,
        )?;
        go_on(progress)?;
        self.write(checked, &snapshots, progress)
    }

    /// Reads a folder of tables (CSV or Parquet), checks it and stores it as one load.
    pub fn load_tables(
        &self,
        dir: impl AsRef<Path>,
        options: &LoadOptions,
    ) -> Result<LoadReceipt, StoreError> {
        self.load_one(Input::Tables(dir.as_ref().to_path_buf()), options)
    }

    /// Checks raw tables (e.g. from polars DataFrames) and stores them as one load.
    pub fn load_raw(
        &self,
        raw: RawTables,
        source: &str,
        options: &LoadOptions,
    ) -> Result<LoadReceipt, StoreError> {
        self.load_one(Input::Raw(raw, source.to_string()), options)
    }

    /// Stores tables that already passed the gates as one load; `source` names where they
    /// came from.
    pub fn commit_load(
        &self,
        checked: CheckedTables,
        source: &str,
        options: &LoadOptions,
    ) -> Result<LoadReceipt, StoreError> {
        self.load_one(Input::Checked(checked, source.to_string()), options)
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
        self.load_one(Input::Rdf(path.as_ref().to_path_buf(), format), options)
    }

    fn load_one(&self, input: Input, options: &LoadOptions) -> Result<LoadReceipt, StoreError> {
        self.load_one_with(input, options, &Progress::new())
    }

    /// Loads one input (see [`Input::path`]), stopping once `progress` is cancelled (see
    /// [`Self::load_with`]).
    pub fn load_one_with(
        &self,
        input: Input,
        options: &LoadOptions,
        progress: &Progress,
    ) -> Result<LoadReceipt, StoreError> {
        let mut receipts = self.load_with(vec![input], options, progress)?;
        Ok(receipts.remove(0))
    }

    /// Writes checked inputs and their provenance in one atomic bulk load; each input's
    /// provenance names the earlier snapshots of its source it supersedes.
    fn write(
        &self,
        inputs: Vec<Checked>,
        snapshots: &BTreeMap<String, Vec<NamedNode>>,
        progress: &Progress,
    ) -> Result<Vec<LoadReceipt>, StoreError> {
        let replaced: usize = snapshots.values().map(Vec::len).sum();
        let was_empty = self.data_graphs()?.len() == replaced;
        let loaded_at = now_rfc3339();
        let mut loader = self.store().bulk_loader();
        let mut receipts = Vec::with_capacity(inputs.len());
        let mut taken: HashSet<NamedNode> = HashSet::new();
        // Each input's networks, kept past its tables (dropped once streamed: at 1M sites the
        // tables are gigabytes, and keeping the network below encodes it).
        let mut nets = Vec::with_capacity(inputs.len());
        for mut input in inputs {
            if input.network.is_some() {
                // Its quads come from the network's copy now (see `Checked::quads`).
                input.tables = Tables::default();
            }
            let joined: String = input.files.iter().map(|(_, h)| h.as_str()).collect();
            let graph = self.new_graph_name(&loaded_at, &sha256_hex(joined.as_bytes()), &taken);
            taken.insert(graph.clone());
            let g = GraphName::NamedNode(graph.clone());
            let mut quads = 0;
            // Dropping the loader before its commit leaves the store as it was.
            let mut sink = |chunk: Vec<Quad>| -> Result<(), StoreError> {
                go_on(progress)?;
                quads += chunk.len();
                Ok(loader.load_quads(chunk)?)
            };
            input.quads(&g, &mut sink)?;
            let earlier = snapshots.get(&input.source).map_or(&[][..], Vec::as_slice);
            let mut prov = provenance(&graph, &input.source, &input.files, &loaded_at);
            prov.extend(supersedes(&graph, earlier));
            sink(prov)?;
            nets.push(input.network.take());
            receipts.push(LoadReceipt {
                graph: graph.as_str().to_string(),
                quads,
                warnings: std::mem::take(&mut input.warnings),
                files: std::mem::take(&mut input.files),
                loaded_at: loaded_at.clone(),
                replaced: earlier.iter().map(|g| g.as_str().to_string()).collect(),
            });
        }
        go_on(progress)?;
        loader.commit()?;
        let total: usize = receipts.iter().map(|r| r.quads).sum();
        if compacts_after(total) {
            // The commit ingested one SST file per batch and index into RocksDB's level 0,
            // all overlapping. Past its stop trigger the first later write (an event, a
            // decision) waited minutes for the merge (183 s after a 1M-site load), so a large
            // load pays for the merge itself, while nothing else waits on it.
            self.store().optimize()?;
        }
        // The first load of a store is its whole state: its compiled network is kept now, so
        // that no analysis has to read it back from the store.
        if was_empty && let [Some(net)] = nets.as_slice() {
            self.keep_network(net);
        }
        Ok(receipts)
    }

    fn new_graph_name(&self, loaded_at: &str, sha: &str, taken: &HashSet<NamedNode>) -> NamedNode {
        // The time makes names unique across loads; the hash prefix makes them readable.
        let stamp: String = loaded_at.chars().filter(char::is_ascii_digit).collect();
        let mut n = 0;
        loop {
            let name = format!("{}load/{stamp}-{}-{n}", rdf::ID, &sha[..12.min(sha.len())]);
            let node = NamedNode::new_unchecked(name);
            if !taken.contains(&node) && !self.store().contains_named_graph(&node).unwrap_or(false)
            {
                return node;
            }
            n += 1;
        }
    }
}

/// Err once `progress` is cancelled.
/// A load stops with its own error: it names what a stop keeps (nothing).
fn go_on(progress: &Progress) -> Result<(), StoreError> {
    progress
        .check()
        .map_err(|Cancelled| StoreError::LoadCancelled)
}

/// The inputs checked together when there are several: their union (a record of two inputs
/// under one key once), or `None` for a single input. Two inputs that disagree on a value, or
/// together break a gate, are refused "together with the other inputs".
fn together(inputs: &[Checked], options: &LoadOptions) -> Result<Option<Tables>, StoreError> {
    if inputs.len() < 2 {
        return Ok(None);
    }
    let shared = shared_subjects(inputs);
    let mut overlap = Vec::new();
    for c in inputs {
        let mut keep = |chunk: Vec<Quad>| {
            overlap.extend(
                chunk
                    .into_iter()
                    .filter(|q| shared.contains(&print(&q.subject))),
            );
            Ok::<(), std::convert::Infallible>(())
        };
        c.quads(&GraphName::DefaultGraph, &mut keep)
            .unwrap_or_else(|never| match never {});
    }
    let (_, mut findings) = Extractor::new(overlap).tables();
    let mut union = inputs[0].tables.clone();
    for c in &inputs[1..] {
        union = super::touched::union(&c.tables, union);
    }
    let origin = Origin {
        rowless: true,
        ..Origin::default()
    };
    let mut report = crate::ingest::validate_with(&union, options, &origin);
    findings.append(&mut report.errors);
    if findings.is_empty() {
        return Ok(Some(union));
    }
    for f in &mut findings {
        f.message = format!("together with the other inputs: {}", f.message);
    }
    Err(IngestError::DataQuality(Box::new(QualityReport {
        errors: findings,
        warnings: Vec::new(),
    }))
    .into())
}

/// The subjects that two or more inputs write.
fn shared_subjects(inputs: &[Checked]) -> HashSet<Print> {
    let mut first: HashMap<Print, usize> = HashMap::new();
    let mut shared = HashSet::new();
    for (i, c) in inputs.iter().enumerate() {
        let mut note = |chunk: Vec<Quad>| {
            for q in &chunk {
                let p = print(&q.subject);
                if *first.entry(p).or_insert(i) != i {
                    shared.insert(p);
                }
            }
            Ok::<(), std::convert::Infallible>(())
        };
        c.quads(&GraphName::DefaultGraph, &mut note)
            .unwrap_or_else(|never| match never {});
    }
    shared
}

/// Reads, parses and checks an RDF file alone. A path that does not exist, a name that is no
/// RDF format, an empty file, bytes that are not UTF-8 and syntax errors are findings like
/// any gate's, so that they are reported together with every other input's.
fn check_rdf_file(
    path: &Path,
    format: Option<RdfFormat>,
    options: &LoadOptions,
) -> Result<Checked, StoreError> {
    let shown = path.display().to_string();
    // Read first: a path that does not exist is said to be missing, whatever its extension.
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(refused(vec![missing_input(path, "no such file or folder")]));
        }
        Err(source) => {
            return Err(IngestError::Io {
                path: path.to_path_buf(),
                source,
            }
            .into());
        }
    };
    let Some(format) = format.or_else(|| rdf_format_of(path)) else {
        return Err(refused(vec![missing_input(
            path,
            "neither a folder of tables nor an RDF file by its name (.ttl, .nt, .nq, .trig)",
        )]));
    };
    let triples = parse_rdf(&bytes, format, &shown).map_err(refused)?;
    let (tables, warnings) = check_rdf(&triples, options, &shown)?;
    let sha = sha256_hex(&bytes);
    Ok(Checked {
        tables,
        triples: Some(triples),
        source: shown.clone(),
        files: vec![(shown, sha)],
        warnings,
        network: None,
    })
}

/// A load refused for `errors`.
fn refused(errors: Vec<Finding>) -> StoreError {
    IngestError::DataQuality(Box::new(QualityReport {
        errors,
        warnings: Vec::new(),
    }))
    .into()
}

/// At most this many syntax errors of one file are reported (the parser goes on after each).
const MAX_SYNTAX_ERRORS: usize = 20;

/// The oxigraph bulk loader's batch (quads per level-0 file of each index), and so the quads
/// a load hands it at a time: exactly one batch per call keeps its two builder threads busy.
const BULK_BATCH: usize = 1_000_000;

/// RocksDB slows writes down from this many level-0 files (`level0_slowdown_writes_trigger`).
const L0_SLOWDOWN_FILES: usize = 20;

/// Whether a bulk load of `quads` leaves more level-0 files than RocksDB lets writes through
/// at full speed, so the load compacts the store before it returns.
fn compacts_after(quads: usize) -> bool {
    quads.div_ceil(BULK_BATCH) > L0_SLOWDOWN_FILES
}

/// Every triple of an RDF file, blank nodes renamed apart from any other load's; or what is
/// wrong with the file, each problem at its line and column.
fn parse_rdf(bytes: &[u8], format: RdfFormat, shown: &str) -> Result<Vec<Quad>, Vec<Finding>> {
    let at = |line: u64, column: Option<u64>, message: String| Finding {
        table: "rdf".into(),
        file: Some(shown.to_string()),
        row: Some(line),
        column: column.map(|c| c.to_string()).unwrap_or_default(),
        value: String::new(),
        message,
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        let mut f = at(1, None, "the file is empty: expected RDF triples".into());
        f.row = None;
        return Err(vec![f]);
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        let before = &bytes[..e.valid_up_to()];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count() as u64;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count() as u64
            + 1;
        let byte = bytes[e.valid_up_to()];
        return Err(vec![at(
            line,
            Some(column),
            format!("not UTF-8 text (byte 0x{byte:02X}): save the file as UTF-8"),
        )]);
    }
    let mut quads = Vec::new();
    let mut errors = Vec::new();
    for q in RdfParser::from_format(format)
        .rename_blank_nodes()
        .for_slice(bytes)
    {
        match q {
            Ok(q) => quads.push(q),
            Err(e) => {
                let text = e.to_string();
                let message = match text.split_once(": ") {
                    Some((head, rest)) if head.starts_with("Parser error") => rest.to_string(),
                    _ => text,
                };
                let (line, column) = e
                    .location()
                    .map_or((1, None), |l| (l.start.line + 1, Some(l.start.column + 1)));
                errors.push(at(
                    line,
                    column,
                    format!("{} syntax: {message}", format.name()),
                ));
                if errors.len() >= MAX_SYNTAX_ERRORS {
                    break;
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(quads)
    } else {
        Err(errors)
    }
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
    let about = |p: NamedNode, o: Term| Quad::new(graph.clone(), p, o, g.clone());
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
        let on_f = |p: NamedNode, o: Term| Quad::new(f.clone(), p, o, g.clone());
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

/// The provenance that says a load replaces earlier snapshots of its source.
fn supersedes(graph: &NamedNode, earlier: &[NamedNode]) -> Vec<Quad> {
    let g = GraphName::NamedNode(graph.clone());
    let revision = NamedNode::new_unchecked("http://www.w3.org/ns/prov#wasRevisionOf");
    earlier
        .iter()
        .flat_map(|old| {
            [rdf::tw("supersedes"), revision.clone()]
                .map(|p| Quad::new(graph.clone(), p, old.clone(), g.clone()))
        })
        .collect()
}
