//! `tierwise.KnowledgeGraph`: an oxigraph store in memory or on disk.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3_polars::PyDataFrame;
use tierwise::events::{Outcome, parse_lines};
use tierwise::govern::{Governor, Orchestrator, log_frame, pending_frame};
use tierwise::ingest::{LoadOptions, RawTables};
use tierwise::risk::Policy;
use tierwise::source::{Settings, Source};
use tierwise::store::{Input, KnowledgeGraph as Kg, LiveGraph, LoadReceipt, QueryOptions};

use crate::convert::frame;
use crate::errors::{Error, EventError, value_error};
use crate::interrupt::run_interruptible;
use crate::network::Network;

fn poisoned() -> Error {
    Error::Py(pyo3::exceptions::PyRuntimeError::new_err(
        "the live state was left inconsistent by an earlier failure",
    ))
}

/// A supply-chain knowledge graph: an oxigraph store in memory or on disk (RocksDB) holding
/// the ontology and one named graph per load.
///
/// >>> import tierwise as tw
/// >>> kg = tw.KnowledgeGraph()
/// >>> receipt = kg.load_tables("data/demo")
/// >>> kg.query("SELECT (COUNT(?s) AS ?n) WHERE { ?s a <https://w3id.org/tierwise/ns#Site> }")["n"][0]
/// 120
#[derive(Debug)]
#[pyclass(frozen, module = "tierwise._core")]
pub struct KnowledgeGraph {
    kg: Kg,
    /// The live state, made by the first `apply_events` (kept so events follow in
    /// milliseconds instead of replaying the store each time).
    live: Mutex<Option<LiveGraph>>,
}

impl KnowledgeGraph {
    fn of(kg: Kg) -> Self {
        KnowledgeGraph {
            kg,
            live: Mutex::new(None),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn answer(
        &self,
        py: Python<'_>,
        id: &str,
        approve: bool,
        by: &str,
        role: &str,
        policy: Option<PathBuf>,
        at: Option<String>,
    ) -> Result<Vec<String>, Error> {
        let settings = Settings::from_args(policy.as_deref(), None)?;
        let time = match at {
            Some(t) => tierwise::source::parse_time(&t)?,
            None => chrono::Utc::now(),
        };
        py.detach(|| -> Result<_, Error> {
            let mut live = self.live.lock().map_err(|_| poisoned())?;
            let lg = match live.take() {
                Some(lg) if policy.is_none() => lg,
                _ => self.kg.live(settings.policy.clone(), settings.as_of)?,
            };
            let mut o = Orchestrator::new(lg, Governor::new(settings.policy.clone())?)?;
            let result = o.answer(id, approve, by, role, time);
            *live = Some(o.into_ledger());
            Ok(result?.1)
        })
    }
}

/// The JSON lines of events given as a path, a list of dicts or a polars DataFrame (one
/// event per row, `data` a struct or JSON text), and a name for their source.
fn event_lines(events: &Bound<'_, PyAny>) -> PyResult<(String, String)> {
    let py = events.py();
    if let Ok(list) = events.cast::<PyList>() {
        let json = py.import("json")?;
        let mut text = String::new();
        for item in list.iter() {
            let line: String = json.call_method1("dumps", (item,))?.extract()?;
            text.push_str(&line);
            text.push('\n');
        }
        return Ok((text, "<list>".into()));
    }
    if events.hasattr("write_ndjson")? {
        let text: String = events.call_method0("write_ndjson")?.extract()?;
        return Ok((text, "<DataFrame>".into()));
    }
    let path: PathBuf = events.extract().map_err(|_| {
        PyValueError::new_err("events: expected a path, a list of dicts or a polars.DataFrame")
    })?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| PyValueError::new_err(format!("cannot read {}: {e}", path.display())))?;
    Ok((text, path.display().to_string()))
}

fn rejections(bad: &[tierwise::events::EventError], out: &Outcome) -> Vec<String> {
    let mut all: Vec<&tierwise::events::EventError> = bad.iter().chain(out.rejected()).collect();
    all.sort_by_key(|e| e.line);
    all.iter().map(|e| e.to_string()).collect()
}

/// The error of a batch with malformed events: each named by line, field, value and reason.
fn malformed(bad: &[tierwise::events::EventError]) -> PyErr {
    let lines = rejections(bad, &Outcome::default());
    let msg = format!(
        "{} malformed events; nothing applied:\n{}",
        bad.len(),
        lines.join("\n")
    );
    EventError::new_err(msg)
}

fn options(stale_after_days: Option<f64>) -> LoadOptions {
    match stale_after_days {
        Some(d) => LoadOptions::default().with_stale_after_days(d),
        None => Policy::default().load_options(),
    }
}

fn receipt_dict<'py>(py: Python<'py>, r: LoadReceipt) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("warnings", frame(py, r.warnings_frame())?)?;
    d.set_item("graph", r.graph)?;
    d.set_item("quads", r.quads)?;
    d.set_item("loaded_at", r.loaded_at)?;
    d.set_item("files", r.files)?;
    d.set_item("replaced", r.replaced)?;
    Ok(d)
}

/// Frames of a dict, copied into Rust-owned data (before the GIL is released).
fn frames_of(dict: &Bound<'_, PyDict>) -> PyResult<Vec<(String, polars::prelude::DataFrame)>> {
    let mut frames = Vec::new();
    for (k, v) in dict.iter() {
        let name: String = k.extract()?;
        let df: PyDataFrame = v.extract().map_err(|_| {
            PyValueError::new_err(format!("table {name:?}: expected a polars.DataFrame"))
        })?;
        frames.push((name, df.0));
    }
    Ok(frames)
}

#[pymethods]
impl KnowledgeGraph {
    /// A new store in memory.
    #[new]
    fn new() -> Result<Self, Error> {
        Ok(KnowledgeGraph::of(Kg::in_memory()?))
    }

    /// Opens (or creates) a store on disk at `path`; one process at a time writes to a store
    /// (another one gets StoreError "in use by another process"). `read_only=True` opens an
    /// existing store for reading while another process may write to it: it sees the store
    /// as it was when opened, and loads into it raise StoreError.
    #[staticmethod]
    #[pyo3(signature = (path, *, read_only=false))]
    fn open(py: Python<'_>, path: PathBuf, read_only: bool) -> Result<Self, Error> {
        let kg = py.detach(|| {
            if read_only {
                Kg::open_read_only(&path)
            } else {
                Kg::open(&path)
            }
        })?;
        Ok(KnowledgeGraph::of(kg))
    }

    /// Whether the store was opened with `read_only=True`.
    #[getter]
    fn read_only(&self) -> bool {
        self.kg.is_read_only()
    }

    /// The folder of the store on disk, or None in memory.
    #[getter]
    fn path(&self) -> Option<PathBuf> {
        self.kg.path().map(|p| p.to_path_buf())
    }

    /// Checks and loads tables: a folder of CSV/Parquet files, or a dict of table name ->
    /// polars.DataFrame. Returns the load's graph, quad count, files with sha256 and the
    /// warnings (a DataFrame) and the earlier snapshots it replaced. A load is a snapshot of
    /// its source (the folder as given, or `name` for DataFrames): loading the same source
    /// again replaces the earlier snapshot. DataFrames without a name never replace anything.
    /// Raises DataQualityError with every violation.
    #[pyo3(signature = (source, *, stale_after_days=None, name=None))]
    fn load_tables<'py>(
        &self,
        py: Python<'py>,
        source: &Bound<'py, PyAny>,
        stale_after_days: Option<f64>,
        name: Option<String>,
    ) -> Result<Bound<'py, PyDict>, Error> {
        let opts = options(stale_after_days);
        let r = if let Ok(dict) = source.cast::<PyDict>() {
            let frames = frames_of(dict)?;
            let name = name.unwrap_or_else(|| "<DataFrames>".to_string());
            run_interruptible(py, None, |p| {
                let raw = RawTables::from_dataframes(frames.iter().map(|(n, d)| (n.as_str(), d)));
                self.kg.load_one_with(Input::Raw(raw, name), &opts, p)
            })??
        } else {
            let path: PathBuf = source.extract()?;
            run_interruptible(py, None, |p| {
                self.kg.load_one_with(Input::Tables(path), &opts, p)
            })??
        };
        Ok(receipt_dict(py, r)?)
    }

    /// Checks and loads an RDF file in the tw: vocabulary (.ttl, .nt, .nq, .trig).
    #[pyo3(signature = (path, *, stale_after_days=None))]
    fn load_rdf<'py>(
        &self,
        py: Python<'py>,
        path: PathBuf,
        stale_after_days: Option<f64>,
    ) -> Result<Bound<'py, PyDict>, Error> {
        let opts = options(stale_after_days);
        let r = run_interruptible(py, None, |p| {
            self.kg.load_one_with(Input::Rdf(path, None), &opts, p)
        })??;
        Ok(receipt_dict(py, r)?)
    }

    /// Runs a SPARQL query and returns a polars.DataFrame (the default graph is the union of
    /// every graph). Ctrl-C stops it (KeyboardInterrupt); so does `timeout` seconds
    /// (TimeoutError).
    #[pyo3(signature = (sparql, *, timeout=None))]
    fn query(
        &self,
        py: Python<'_>,
        sparql: String,
        timeout: Option<f64>,
    ) -> Result<Py<PyAny>, Error> {
        let mut options = QueryOptions::default();
        if let Some(t) = timeout {
            let t = Duration::try_from_secs_f64(t)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    value_error(format!("timeout: expected seconds above 0, got {t}"))
                })?;
            options = options.with_timeout(t);
        }
        let df = run_interruptible(py, None, |progress| {
            self.kg.query_with(&sparql, &options, progress)
        })??;
        Ok(frame(py, df)?)
    }

    /// Every load: graph, source, loaded_at, loader version, each file and its sha256.
    fn loads(&self, py: Python<'_>) -> Result<Py<PyAny>, Error> {
        let df = py.detach(|| self.kg.loads())?;
        Ok(frame(py, df)?)
    }

    /// Writes the data of every load as RDF; the format follows the extension.
    fn export(&self, py: Python<'_>, path: PathBuf) -> Result<(), Error> {
        Ok(py.detach(|| self.kg.export_file(&path))?)
    }

    /// Number of quads in the store (ontology included).
    fn __len__(&self, py: Python<'_>) -> Result<usize, Error> {
        Ok(py.detach(|| self.kg.len())?)
    }

    /// Compiles the stored data into a supply network under a scoring policy (a TOML path;
    /// the shipped default when None) with signal staleness judged at `as_of` (RFC 3339; now
    /// when None).
    #[pyo3(signature = (*, policy=None, as_of=None))]
    fn network(
        &self,
        py: Python<'_>,
        policy: Option<PathBuf>,
        as_of: Option<String>,
    ) -> Result<Network, Error> {
        let settings = Settings::from_args(policy.as_deref(), as_of.as_deref())?;
        let source = Source::Graph(self.kg.clone());
        let (opened, down) = run_interruptible(py, None, |p| -> Result<_, Error> {
            let opened = source.open_with(&settings, p)?;
            Ok((opened, self.kg.active_disruptions()?))
        })??;
        Ok(Network::new(opened).with_disruptions(down))
    }

    /// Applies change events (CloudEvents 1.0: a JSON-lines path, a list of dicts or a
    /// polars.DataFrame) and returns the delta: `kind`, `id`, `metric`, `before`, `after`,
    /// `event_ids`. Each event is checked on its own and a bad one is skipped with a warning
    /// naming its line, field, value and reason; with `atomic=True` a bad event raises
    /// EventError and nothing applies. An event id applied before is a no-op.
    #[pyo3(signature = (events, *, atomic=false, policy=None, as_of=None))]
    fn apply_events(
        &self,
        py: Python<'_>,
        events: &Bound<'_, PyAny>,
        atomic: bool,
        policy: Option<PathBuf>,
        as_of: Option<String>,
    ) -> Result<Py<PyAny>, Error> {
        let (text, name) = event_lines(events)?;
        let fresh = policy.is_some() || as_of.is_some();
        let settings = Settings::from_args(policy.as_deref(), as_of.as_deref())?;
        let (parsed, bad) = parse_lines(&text, 1);
        if atomic && !bad.is_empty() {
            return Err(malformed(&bad).into());
        }
        // Ctrl-C stops before the next event; the events applied are stored (applying the
        // batch again finishes it: they are duplicates then).
        let out = run_interruptible(py, None, |p| -> Result<Outcome, Error> {
            let mut live = self.live.lock().map_err(|_| poisoned())?;
            if fresh || live.is_none() {
                *live = Some(
                    self.kg
                        .live_with(settings.policy.clone(), settings.as_of, p)?,
                );
            }
            let lg = live.as_mut().expect("made above");
            Ok(lg.apply_with(&parsed, &name, atomic, p)?)
        })??;
        let rejected = rejections(&bad, &out);
        if !rejected.is_empty() {
            let msg = format!(
                "{} events rejected:\n{}",
                rejected.len(),
                rejected.join("\n")
            );
            if atomic {
                return Err(EventError::new_err(msg).into());
            }
            let category = py.get_type::<pyo3::exceptions::PyUserWarning>();
            PyErr::warn(
                py,
                &category,
                &std::ffi::CString::new(msg).unwrap_or_default(),
                1,
            )?;
        }
        Ok(frame(py, out.delta_frame()?)?)
    }

    /// Applies change events under governance: after each event the agents propose actions,
    /// the policy's rules (`policy`, the shipped default when None) approve, reject or
    /// escalate them, approved actions are committed as events, and every step is logged in
    /// the store. Returns the new decision log entries (`seq`, `decision`, `step`, `time`,
    /// `agent`, `action`, `kind`, `subject`, `outcome`, `role`, `approver`, `rules`, `events`,
    /// `committed`, `reason`, `hash`).
    ///
    /// `agents` adds agents of your own after the built-in ones (onboarding, risk,
    /// mitigation): objects with a `name` and a `propose(view)` method that gets a dict
    /// (`event`; `delta`; `units`, the facts of every unit the event moved as the rules see
    /// them) and returns a list of dicts (`action`, `kind`, `subject`, optional `cost`,
    /// `benefit`, `reason`). The policy decides their proposals like any other. An error
    /// in an agent is raised once the events are handled.
    #[pyo3(signature = (events, *, policy=None, as_of=None, agents=None))]
    fn govern(
        &self,
        py: Python<'_>,
        events: &Bound<'_, PyAny>,
        policy: Option<PathBuf>,
        as_of: Option<String>,
        agents: Option<Vec<Bound<'_, PyAny>>>,
    ) -> Result<Py<PyAny>, Error> {
        let failure = crate::agents::Failure::default();
        let mut extra: Vec<Box<dyn tierwise::govern::Agent>> = Vec::new();
        for a in agents.unwrap_or_default() {
            extra.push(Box::new(crate::agents::PyAgent::new(&a, failure.clone())?));
        }
        let (text, name) = event_lines(events)?;
        let settings = Settings::from_args(policy.as_deref(), as_of.as_deref())?;
        let (parsed, bad) = parse_lines(&text, 1);
        if !bad.is_empty() {
            return Err(malformed(&bad).into());
        }
        let entries = run_interruptible(py, None, |p| -> Result<_, Error> {
            let mut live = self.live.lock().map_err(|_| poisoned())?;
            let lg = match live.take() {
                Some(lg) if policy.is_none() && as_of.is_none() => lg,
                _ => self
                    .kg
                    .live_with(settings.policy.clone(), settings.as_of, p)?,
            };
            let mut all = tierwise::govern::builtin_agents();
            all.extend(extra);
            let governor = Governor::new(settings.policy.clone())?;
            let mut o = Orchestrator::with_agents(lg, governor, all)?;
            let before = o.governor().log().entries().len();
            let result = o.handle_with(&parsed, &name, chrono::Utc::now(), p);
            let entries = o.governor().log().entries()[before..].to_vec();
            *live = Some(o.into_ledger());
            result?;
            Ok(entries)
        })??;
        if let Some(e) = failure.lock().ok().and_then(|mut f| f.take()) {
            return Err(e.into());
        }
        Ok(frame(py, log_frame(&entries)?)?)
    }

    /// The decisions waiting for a person (with `all=True`, every decision log entry). Their
    /// roles and deadlines follow `policy` (the shipped default when None): give the policy
    /// the decisions were taken under.
    #[pyo3(signature = (*, all=false, policy=None))]
    fn decisions(
        &self,
        py: Python<'_>,
        all: bool,
        policy: Option<PathBuf>,
    ) -> Result<Py<PyAny>, Error> {
        let df = py.detach(|| -> Result<_, Error> {
            let entries = self.kg.decision_log()?;
            if all {
                return Ok(log_frame(&entries)?);
            }
            let settings = Settings::from_args(policy.as_deref(), None)?;
            let g = Governor::from_entries(settings.policy, entries)?;
            Ok(pending_frame(g.pending().values())?)
        })?;
        Ok(frame(py, df)?)
    }

    /// Approves a pending decision as `by` in `role` (the policy says what the role may
    /// approve); the action is committed at once. Returns the ids of the committed events.
    /// `at` is the time of the answer (RFC 3339; now when None).
    #[pyo3(signature = (id, *, by, role, policy=None, at=None))]
    fn approve(
        &self,
        py: Python<'_>,
        id: &str,
        by: &str,
        role: &str,
        policy: Option<PathBuf>,
        at: Option<String>,
    ) -> Result<Vec<String>, Error> {
        self.answer(py, id, true, by, role, policy, at)
    }

    /// Rejects a pending decision as `by` in `role`.
    #[pyo3(signature = (id, *, by, role, policy=None, at=None))]
    fn reject(
        &self,
        py: Python<'_>,
        id: &str,
        by: &str,
        role: &str,
        policy: Option<PathBuf>,
        at: Option<String>,
    ) -> Result<(), Error> {
        self.answer(py, id, false, by, role, policy, at).map(|_| ())
    }

    /// Writes a result table (`what`: e.g. "exposure", "simulate", "stress", "mitigate") into
    /// the store as a named graph with PROV-O lineage: the run used the store's data graphs
    /// and `network`'s policy and as_of (and `seed` when given). Rows naming a unit are
    /// `tw:about` it, so SPARQL joins results with their data. Returns the graph's IRI; the
    /// same result written twice is stored once.
    #[pyo3(signature = (what, result, network, *, seed=None))]
    fn write_back(
        &self,
        py: Python<'_>,
        what: &str,
        result: PyDataFrame,
        network: PyRef<'_, Network>,
        seed: Option<u64>,
    ) -> Result<String, Error> {
        let provenance = network.a.provenance(seed);
        let df: polars::prelude::DataFrame = result.into();
        Ok(py.detach(|| self.kg.write_back(what, &df, &provenance))?)
    }

    /// The decision log as JSON lines (what `tierwise log export` writes).
    fn decision_log(&self, py: Python<'_>) -> Result<String, Error> {
        Ok(py.detach(|| self.kg.decision_log_jsonl())?)
    }

    /// The decisions two policies (TOML paths) take on the stored events, each governed
    /// again from the loads in memory (nothing is written): a DataFrame with one row per
    /// decision they take differently (`event`, `action`, `subject`, `old`, `new`; `none`
    /// where a policy takes no such decision).
    #[pyo3(signature = (old, new, *, as_of=None))]
    fn policy_diff(
        &self,
        py: Python<'_>,
        old: PathBuf,
        new: PathBuf,
        as_of: Option<String>,
    ) -> Result<Py<PyAny>, Error> {
        let a = Settings::from_args(Some(&old), as_of.as_deref())?;
        let b = Settings::from_args(Some(&new), as_of.as_deref())?;
        let d = run_interruptible(py, None, |_| {
            self.kg.policy_diff(a.policy, b.policy, a.as_of)
        })??;
        Ok(frame(py, d.rows)?)
    }

    /// The stored events governed again under `policy` (the shipped default when None) from
    /// the loads in memory, with the people's answers of the stored log given again, and the
    /// replayed log compared with the stored one: a dict with `events`, `stored` and
    /// `replayed` (entry counts), `pending`, `policy_version`, `state_hash`, `log` (the
    /// replayed log as JSON lines) and `first_difference` (the 1-based entry where the logs
    /// part, or None when the stored log is reproduced byte for byte).
    #[pyo3(signature = (*, policy=None, as_of=None))]
    fn replay<'py>(
        &self,
        py: Python<'py>,
        policy: Option<PathBuf>,
        as_of: Option<String>,
    ) -> Result<Bound<'py, PyDict>, Error> {
        let s = Settings::from_args(policy.as_deref(), as_of.as_deref())?;
        let r = run_interruptible(py, None, |_| self.kg.replay_governance(s.policy, s.as_of))??;
        let d = PyDict::new(py);
        d.set_item("events", r.events)?;
        d.set_item("stored", r.stored.len())?;
        d.set_item("replayed", r.replayed.len())?;
        d.set_item("pending", r.pending)?;
        d.set_item("policy_version", &r.policy_version)?;
        d.set_item("state_hash", &r.state_hash)?;
        let log: String = r.replayed.iter().map(|e| e.to_line() + "\n").collect();
        d.set_item("log", log)?;
        d.set_item("first_difference", r.first_difference())?;
        Ok(d)
    }

    /// The state hash of the live state (after `apply_events`; the stored state replayed
    /// otherwise): equal states, equal hashes.
    fn state_hash(&self, py: Python<'_>) -> Result<String, Error> {
        py.detach(|| -> Result<String, Error> {
            let mut live = self.live.lock().map_err(|_| poisoned())?;
            if live.is_none() {
                let s = Settings::default();
                *live = Some(self.kg.live(s.policy, s.as_of)?);
            }
            Ok(live.as_ref().expect("made above").live().state_hash())
        })
    }

    fn _repr_html_(slf: Bound<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        let py = slf.py();
        py.import("tierwise.display")?
            .call_method1("knowledge_graph_html", (slf,))
    }

    fn __repr__(&self) -> String {
        match self.kg.path() {
            Some(p) => format!("KnowledgeGraph(path={:?})", p.display().to_string()),
            None => "KnowledgeGraph(in memory)".into(),
        }
    }
}
