//! `tierwise._core`: the Python bindings. They only convert, release the GIL around heavy
//! work, turn Ctrl-C into KeyboardInterrupt and map errors; every algorithm lives in the
//! `tierwise` crate.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_polars::PyDataFrame;
use tierwise::ingest::{IngestError, LoadOptions, RawTables};
use tierwise::progress::{Cancelled, Progress};
use tierwise::risk::{Analysis, Disruption, Policy, UnitKind};
use tierwise::store::{KnowledgeGraph as Kg, StoreError};

/// The exception hierarchy under `tierwise.TierwiseError`.
mod exc {
    use pyo3::exceptions::PyException;

    pyo3::create_exception!(
        tierwise,
        TierwiseError,
        PyException,
        "Base class of every tierwise error."
    );
    pyo3::create_exception!(
        tierwise,
        DataQualityError,
        TierwiseError,
        "The data failed the quality gates; `.violations` holds every violation as a DataFrame."
    );
    pyo3::create_exception!(
        tierwise,
        QueryError,
        TierwiseError,
        "A SPARQL query failed."
    );
    pyo3::create_exception!(tierwise, StoreError, TierwiseError, "The store failed.");
    pyo3::create_exception!(
        tierwise,
        PolicyError,
        TierwiseError,
        "A scoring policy was refused."
    );
    pyo3::create_exception!(
        tierwise,
        UnknownUnitError,
        TierwiseError,
        "A disruption named a unit that does not exist."
    );
}

use exc::StoreError as StoreError_;
use exc::{DataQualityError, PolicyError, QueryError, TierwiseError, UnknownUnitError};

fn store_err(py: Python<'_>, e: StoreError) -> PyErr {
    match e {
        StoreError::Ingest(IngestError::DataQuality(r)) => {
            let err = DataQualityError::new_err(r.to_string());
            let violations = PyDataFrame(r.to_dataframe());
            match violations.into_pyobject(py) {
                Ok(df) => {
                    if let Err(e) = err.value(py).setattr("violations", df) {
                        return e;
                    }
                }
                Err(e) => return e,
            }
            err
        }
        StoreError::Query(m) => QueryError::new_err(m),
        StoreError::Network(n) => UnknownUnitError::new_err(n.to_string()),
        other => StoreError_::new_err(other.to_string()),
    }
}

fn frame(py: Python<'_>, df: polars::prelude::DataFrame) -> PyResult<Py<PyAny>> {
    Ok(PyDataFrame(df).into_pyobject(py)?.unbind())
}

/// Runs `work` on its own thread with the GIL released; the calling thread wakes every 50 ms
/// to check for Ctrl-C (which cancels the work and raises KeyboardInterrupt) and to report
/// progress to `callback(done, total)`. Python is never called from the worker threads.
fn run_interruptible<T: Send>(
    py: Python<'_>,
    callback: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&Progress) -> T + Send,
) -> PyResult<T> {
    let progress = Progress::new();
    std::thread::scope(|s| {
        let handle = s.spawn(|| work(&progress));
        let mut failure: Option<PyErr> = None;
        loop {
            let finished = py.detach(|| {
                for _ in 0..5 {
                    if handle.is_finished() {
                        return true;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                handle.is_finished()
            });
            if failure.is_none() {
                if let Err(e) = py.check_signals() {
                    progress.cancel();
                    failure = Some(e);
                } else if let Some(cb) = callback
                    && let Err(e) = cb.call1((progress.done(), progress.total()))
                {
                    progress.cancel();
                    failure = Some(e);
                }
            }
            if finished {
                break;
            }
        }
        let result = py.detach(|| handle.join());
        if let Some(e) = failure {
            return Err(e);
        }
        result.map_err(|_| TierwiseError::new_err("the computation panicked"))
    })
}

fn cancelled(_: Cancelled) -> PyErr {
    pyo3::exceptions::PyKeyboardInterrupt::new_err("cancelled")
}

/// The default progress callback: a tqdm bar when tqdm is installed (tierwise._progress).
fn default_callback(
    py: Python<'_>,
    given: Option<Bound<'_, PyAny>>,
    what: &str,
) -> PyResult<Option<Py<PyAny>>> {
    if let Some(cb) = given {
        if cb.is_none() {
            return Ok(None);
        }
        return Ok(Some(cb.unbind()));
    }
    let m = py.import("tierwise._progress")?;
    let cb = m.call_method1("default_callback", (what,))?;
    Ok(if cb.is_none() {
        None
    } else {
        Some(cb.unbind())
    })
}

fn finish_callback(py: Python<'_>, cb: &Option<Py<PyAny>>) {
    if let Some(cb) = cb
        && let Ok(close) = cb.bind(py).getattr("close")
    {
        let _ = close.call0();
    }
}

/// A supply-chain knowledge graph: an oxigraph store in memory or on disk (RocksDB) holding
/// the ontology and one named graph per load.
///
/// >>> import tierwise as tw
/// >>> kg = tw.KnowledgeGraph()
/// >>> receipt = kg.load_tables("data/demo")
/// >>> kg.query("SELECT (COUNT(?s) AS ?n) WHERE { ?s a <https://w3id.org/tierwise/ns#Site> }")["n"][0]
/// 120
#[pyclass(frozen, module = "tierwise._core")]
struct KnowledgeGraph {
    kg: Kg,
}

fn options(stale_after_days: Option<f64>) -> LoadOptions {
    match stale_after_days {
        Some(d) => LoadOptions::default().with_stale_after_days(d),
        None => Policy::default().load_options(),
    }
}

fn receipt_dict<'py>(
    py: Python<'py>,
    r: tierwise::store::LoadReceipt,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("graph", r.graph)?;
    d.set_item("quads", r.quads)?;
    d.set_item("loaded_at", r.loaded_at)?;
    d.set_item("files", r.files)?;
    let report = tierwise::ingest::QualityReport {
        errors: Vec::new(),
        warnings: r.warnings,
    };
    d.set_item("warnings", frame(py, report.to_dataframe())?)?;
    Ok(d)
}

#[pymethods]
impl KnowledgeGraph {
    /// A new store in memory.
    #[new]
    fn new(py: Python<'_>) -> PyResult<Self> {
        let kg = Kg::in_memory().map_err(|e| store_err(py, e))?;
        Ok(KnowledgeGraph { kg })
    }

    /// Opens (or creates) a store on disk at `path`.
    #[staticmethod]
    fn open(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let kg = py
            .detach(|| Kg::open(&path))
            .map_err(|e| store_err(py, e))?;
        Ok(KnowledgeGraph { kg })
    }

    /// The folder of the store on disk, or None in memory.
    #[getter]
    fn path(&self) -> Option<PathBuf> {
        self.kg.path().map(|p| p.to_path_buf())
    }

    /// Checks and loads tables: a folder of CSV/Parquet files, or a dict of table name ->
    /// polars.DataFrame. Returns the load's graph, quad count, files with sha256 and the
    /// warnings (a DataFrame). Raises DataQualityError with every violation.
    #[pyo3(signature = (source, *, stale_after_days=None))]
    fn load_tables<'py>(
        &self,
        py: Python<'py>,
        source: &Bound<'py, PyAny>,
        stale_after_days: Option<f64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let opts = options(stale_after_days);
        let r = if let Ok(dict) = source.cast::<PyDict>() {
            // Copy the frames into Rust-owned data before releasing the GIL.
            let mut frames: Vec<(String, polars::prelude::DataFrame)> = Vec::new();
            for (k, v) in dict.iter() {
                let name: String = k.extract()?;
                let df: PyDataFrame = v.extract().map_err(|_| {
                    PyValueError::new_err(format!("table {name:?}: expected a polars.DataFrame"))
                })?;
                frames.push((name, df.0));
            }
            py.detach(|| {
                let raw = RawTables::from_dataframes(frames.iter().map(|(n, d)| (n.as_str(), d)));
                self.kg.load_raw(raw, "<DataFrames>", &opts)
            })
        } else {
            let path: PathBuf = source.extract()?;
            py.detach(|| self.kg.load_tables(&path, &opts))
        }
        .map_err(|e| store_err(py, e))?;
        receipt_dict(py, r)
    }

    /// Checks and loads an RDF file in the tw: vocabulary (.ttl, .nt, .nq, .trig).
    #[pyo3(signature = (path, *, stale_after_days=None))]
    fn load_rdf<'py>(
        &self,
        py: Python<'py>,
        path: PathBuf,
        stale_after_days: Option<f64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let opts = options(stale_after_days);
        let r = py
            .detach(|| self.kg.load_rdf(&path, None, &opts))
            .map_err(|e| store_err(py, e))?;
        receipt_dict(py, r)
    }

    /// Runs a SPARQL query and returns a polars.DataFrame (the default graph is the union of
    /// every graph).
    fn query(&self, py: Python<'_>, sparql: String) -> PyResult<Py<PyAny>> {
        let df = py
            .detach(|| self.kg.query(&sparql))
            .map_err(|e| store_err(py, e))?;
        frame(py, df)
    }

    /// Every load: graph, source, loaded_at, loader version, each file and its sha256.
    fn loads(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let df = py
            .detach(|| self.kg.loads())
            .map_err(|e| store_err(py, e))?;
        frame(py, df)
    }

    /// Writes the data of every load as RDF; the format follows the extension.
    fn export(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.kg.export_file(&path))
            .map_err(|e| store_err(py, e))
    }

    /// Number of quads in the store (ontology included).
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        py.detach(|| self.kg.store().len())
            .map_err(|e| StoreError_::new_err(e.to_string()))
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
    ) -> PyResult<Network> {
        let policy = match policy {
            Some(p) => Policy::from_path(&p).map_err(|e| PolicyError::new_err(e.to_string()))?,
            None => Policy::default(),
        };
        let as_of = match as_of {
            Some(t) => chrono::DateTime::parse_from_rfc3339(&t)
                .map_err(|e| PyValueError::new_err(format!("as_of {t:?}: {e}")))?
                .to_utc(),
            None => chrono::Utc::now(),
        };
        let net = py
            .detach(|| self.kg.network())
            .map_err(|e| store_err(py, e))?;
        let inputs = py
            .detach(|| tierwise::report::InputFile::from_store(&self.kg))
            .map_err(|e| store_err(py, e))?;
        let source = match self.kg.path() {
            Some(p) => format!("the store {}", p.display()),
            None => "an in-memory knowledge graph".to_string(),
        };
        let a = py.detach(|| Analysis::new(Arc::new(net), Arc::new(policy), as_of));
        Ok(Network {
            a: Arc::new(a),
            inputs,
            source,
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

fn parse_disruption(obj: &Bound<'_, PyAny>) -> PyResult<Disruption> {
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut out = Disruption::default();
        for (k, v) in d.iter() {
            let key: String = k.extract()?;
            let ids: Vec<String> = if let Ok(s) = v.extract::<String>() {
                vec![s]
            } else {
                v.extract()?
            };
            match key.as_str() {
                "sites" | "site" => out.sites = ids,
                "companies" | "company" => out.companies = ids,
                "countries" | "country" => out.countries = ids,
                "links" | "link" => {
                    for l in ids {
                        let p: Vec<&str> = l.split('|').collect();
                        if p.len() != 3 {
                            return Err(PyValueError::new_err(format!(
                                "link {l:?}: expected 'BUYER|PART|SELLER'"
                            )));
                        }
                        out.links.push((p[0].into(), p[1].into(), p[2].into()));
                    }
                }
                other => {
                    return Err(PyKeyError::new_err(format!(
                        "unknown disruption key {other:?}: use sites, companies, countries, links"
                    )));
                }
            }
        }
        Ok(out)
    } else if let Ok(s) = obj.extract::<String>() {
        Ok(Disruption::sites([s]))
    } else {
        let ids: Vec<String> = obj.extract()?;
        Ok(Disruption::sites(ids))
    }
}

fn unit_kind(unit: &str) -> PyResult<UnitKind> {
    UnitKind::parse(unit).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unit {unit:?}: expected site, company, country or link"
        ))
    })
}

/// The compiled supply network under one scoring policy.
#[pyclass(frozen, module = "tierwise._core")]
struct Network {
    a: Arc<Analysis>,
    /// The files the network was loaded from, with their sha256, for reports.
    inputs: Vec<tierwise::report::InputFile>,
    source: String,
}

#[pymethods]
impl Network {
    /// Sizes of the network.
    #[getter]
    fn sizes(&self) -> HashMap<&'static str, usize> {
        let n = self.a.network();
        HashMap::from([
            ("sites", n.sites().len()),
            ("parts", n.parts().len()),
            ("nodes", n.nodes().len()),
            ("groups", n.groups().len()),
            ("edges", n.edges().len()),
            ("products", n.products().len()),
            ("unmapped", n.unmapped().len()),
            ("max_tier", n.max_tier() as usize),
        ])
    }

    /// The policy's version, sha256, the tierwise version and the as_of time.
    #[getter]
    fn provenance(&self) -> HashMap<&'static str, String> {
        let p = self.a.provenance(None);
        HashMap::from([
            ("policy_version", p.policy_version),
            ("policy_sha256", p.policy_sha256),
            ("tierwise_version", p.tierwise_version.to_string()),
            ("as_of", p.as_of),
        ])
    }

    /// The products rows as PART@SITE labels.
    #[getter]
    fn products(&self) -> Vec<String> {
        self.a.row_labels()
    }

    /// Per site: p_fail, score, basis, stale flag (factors=True: every factor's value,
    /// weight and contribution).
    #[pyo3(signature = (*, factors=false))]
    fn risk(&self, py: Python<'_>, factors: bool) -> PyResult<Py<PyAny>> {
        let df = if factors {
            self.a.factor_frame()
        } else {
            self.a.risk_frame()
        };
        frame(py, df)
    }

    /// Every site with its company, country and tier.
    fn tiers(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let df = self.a.risk_frame();
        frame(
            py,
            df.select(["site_id", "company", "country", "tier"])
                .map_err(|e| TierwiseError::new_err(e.to_string()))?,
        )
    }

    /// Per products row: availability, TTS and loss when `disrupted` (site ids, or a dict
    /// with keys sites, companies, countries, links) is down for `days`.
    #[pyo3(signature = (disrupted, days=30.0))]
    fn impact(
        &self,
        py: Python<'_>,
        disrupted: &Bound<'_, PyAny>,
        days: f64,
    ) -> PyResult<Py<PyAny>> {
        let d = parse_disruption(disrupted)?;
        let a = Arc::clone(&self.a);
        let i = py
            .detach(move || a.impact(&d, days))
            .map_err(|e| UnknownUnitError::new_err(e.to_string()))?;
        frame(py, i.to_dataframe(&self.a))
    }

    /// Per unit of a kind (site, company, country, link): TTR, min TTS, PI, REI, exposed.
    /// `only` restricts to some units (REI stays relative to all); `rows=True` lists each
    /// unit's short products rows instead.
    #[pyo3(signature = (unit="site", *, only=None, rows=false, progress=None))]
    fn exposure(
        &self,
        py: Python<'_>,
        unit: &str,
        only: Option<Vec<String>>,
        rows: bool,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let kind = unit_kind(unit)?;
        let a = Arc::clone(&self.a);
        let e = match only {
            Some(ids) => py
                .detach(move || a.exposure_for(kind, &ids))
                .map_err(|e| UnknownUnitError::new_err(e.to_string()))?,
            None => {
                let cb = default_callback(py, progress, "exposure")?;
                let r = run_interruptible(py, cb.as_ref().map(|c| c.bind(py)), |p| {
                    a.exposure_with(kind, p)
                });
                finish_callback(py, &cb);
                r?.map_err(cancelled)?
            }
        };
        frame(
            py,
            if rows {
                e.rows_frame(&self.a)
            } else {
                e.to_dataframe()
            },
        )
    }

    /// Monte Carlo over site and country failures; scenario i depends only on (seed, i).
    #[pyo3(signature = (n=10_000, seed=7, *, progress=None))]
    fn simulate(
        &self,
        py: Python<'_>,
        n: usize,
        seed: u64,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Simulation> {
        let a = Arc::clone(&self.a);
        let cb = default_callback(py, progress, "simulate")?;
        let r = run_interruptible(py, cb.as_ref().map(|c| c.bind(py)), move |p| {
            a.simulate(n, seed, p)
        });
        finish_callback(py, &cb);
        Ok(Simulation {
            sim: r?.map_err(cancelled)?,
            a: Arc::clone(&self.a),
        })
    }

    /// The exact stress test (DESIGN 3.6): the TTR and TTS linear programs of every unit of a
    /// kind (or `only` those), solved with HiGHS in parallel and warm-started. `method` is
    /// "closed_form", "lp" or "hybrid" (screen with the closed form, solve where it cannot
    /// clear the unit); the `exact` column says which units were solved.
    #[pyo3(signature = (method="hybrid", *, unit="site", only=None, progress=None))]
    fn stress_test(
        &self,
        py: Python<'_>,
        method: &str,
        unit: &str,
        only: Option<Vec<String>>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let kind = unit_kind(unit)?;
        let m = tierwise::lp::Method::parse(method).ok_or_else(|| {
            PyValueError::new_err(format!(
                "method {method:?}: expected closed_form, lp or hybrid"
            ))
        })?;
        let a = Arc::clone(&self.a);
        let cb = default_callback(py, progress, "stress test")?;
        let r = run_interruptible(py, cb.as_ref().map(|c| c.bind(py)), move |p| {
            tierwise::lp::stress_test(&a, kind, only.as_deref(), m, p)
        });
        finish_callback(py, &cb);
        let s = r?.map_err(|e| match e {
            tierwise::lp::LpError::Cancelled(c) => cancelled(c),
            tierwise::lp::LpError::Network(n) => UnknownUnitError::new_err(n.to_string()),
            other => TierwiseError::new_err(other.to_string()),
        })?;
        frame(py, s.to_dataframe())
    }

    /// Writes the batch report (index.html, one Parquet and one CSV per table, summary.json)
    /// to `out_dir`; returns the path of index.html. `scenarios` defaults to the CLI's
    /// network-scaled Monte Carlo size.
    #[pyo3(signature = (out_dir, *, scenarios=None, seed=7))]
    fn report(
        &self,
        py: Python<'_>,
        out_dir: PathBuf,
        scenarios: Option<usize>,
        seed: u64,
    ) -> PyResult<PathBuf> {
        let o = tierwise::report::ReportOptions {
            // By default the Monte Carlo scales with the network, as `tierwise report` does.
            scenarios: scenarios.unwrap_or_else(|| {
                tierwise::report::default_scenarios(self.a.network().sites().len())
            }),
            seed,
            source: self.source.clone(),
            inputs: self.inputs.clone(),
            ..tierwise::report::ReportOptions::default()
        };
        let a = Arc::clone(&self.a);
        let dir = out_dir.clone();
        py.detach(move || {
            let r = tierwise::report::build(&a, &o)?;
            r.write(&dir)
        })
        .map_err(|e| TierwiseError::new_err(e.to_string()))?;
        Ok(out_dir.join("index.html"))
    }

    /// The paths that set a products row's TTS and availability under a disruption.
    fn explain(
        &self,
        py: Python<'_>,
        product: &str,
        disrupted: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let d = parse_disruption(disrupted)?;
        let labels = self.a.row_labels();
        let row = labels.iter().position(|l| l == product).ok_or_else(|| {
            PyKeyError::new_err(format!(
                "no products row {product:?}; rows are {}",
                labels.join(", ")
            ))
        })?;
        let a = Arc::clone(&self.a);
        let x = py
            .detach(move || a.explain(row, &d))
            .map_err(|e| UnknownUnitError::new_err(e.to_string()))?;
        frame(py, x.to_dataframe())
    }

    /// Single sources, critical sellers, chokepoints, Tier-1 dependants, country HHI and
    /// shares per product and tier, and safety stock: a dict of DataFrames.
    fn criticality<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let a = Arc::clone(&self.a);
        let c = py.detach(move || a.criticality());
        let d = PyDict::new(py);
        d.set_item("single_sources", frame(py, c.single_sources_frame())?)?;
        d.set_item("critical_sellers", frame(py, c.critical_sellers_frame())?)?;
        d.set_item("chokepoints", frame(py, c.chokepoints_frame(&self.a))?)?;
        d.set_item("dependants", frame(py, c.dependants_frame())?)?;
        d.set_item("hhi", frame(py, c.concentration_frame(&self.a))?)?;
        d.set_item(
            "country_shares",
            frame(py, c.country_shares_frame(&self.a))?,
        )?;
        d.set_item("safety_stock", frame(py, c.safety_stock_frame())?)?;
        Ok(d)
    }

    /// The nodes (site, part, tier, level, pass_through) as a DataFrame.
    fn nodes(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        use polars::prelude::*;
        let n = self.a.network();
        let nodes = n.nodes();
        let df = DataFrame::new_infer_height(vec![
            Column::new("node".into(), (0..nodes.len() as u32).collect::<Vec<_>>()),
            Column::new(
                "site".into(),
                nodes
                    .iter()
                    .map(|x| n.sites()[x.site as usize].site_id.clone())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "part".into(),
                nodes
                    .iter()
                    .map(|x| n.parts()[x.part as usize].part_id.clone())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "tier".into(),
                nodes
                    .iter()
                    .map(|x| n.site_tier(x.site))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "level".into(),
                nodes.iter().map(|x| x.level).collect::<Vec<_>>(),
            ),
            Column::new(
                "pass_through".into(),
                nodes.iter().map(|x| x.pass_through).collect::<Vec<_>>(),
            ),
        ])
        .map_err(|e| TierwiseError::new_err(e.to_string()))?;
        frame(py, df)
    }

    /// The node graph's edges: seller node -> consuming node, with the supply row's buyer,
    /// part, seller, share, cap and the buyer's inventory days.
    fn edges(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        use polars::prelude::*;
        let n = self.a.network();
        let (mut src, mut dst, mut share, mut cap, mut inv) =
            (vec![], vec![], vec![], vec![], vec![]);
        for e in n.edges() {
            let g = n.groups()[e.group as usize];
            for &c in n.group_consumers(e.group) {
                src.push(e.seller);
                dst.push(c);
                share.push(e.share);
                cap.push(e.cap);
                inv.push(g.inventory_days);
            }
        }
        let df = DataFrame::new_infer_height(vec![
            Column::new("source".into(), src),
            Column::new("target".into(), dst),
            Column::new("share".into(), share),
            Column::new("cap".into(), cap),
            Column::new("inventory_days".into(), inv),
        ])
        .map_err(|e| TierwiseError::new_err(e.to_string()))?;
        frame(py, df)
    }

    /// The analytic probability that each node delivers nothing, as a numpy array.
    fn analytic_q<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        tierwise::risk::montecarlo::analytic_q(&self.a).into_pyarray(py)
    }

    /// A networkx.DiGraph of the node graph (see tierwise.nx).
    fn to_networkx(slf: Bound<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        let py = slf.py();
        py.import("tierwise.nx")?
            .call_method1("to_networkx", (slf,))
    }

    fn _repr_html_(slf: Bound<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        let py = slf.py();
        py.import("tierwise.display")?
            .call_method1("network_html", (slf,))
    }

    fn __repr__(&self) -> String {
        let n = self.a.network();
        format!(
            "Network(sites={}, nodes={}, edges={}, products={}, max_tier={})",
            n.sites().len(),
            n.nodes().len(),
            n.edges().len(),
            n.products().len(),
            n.max_tier()
        )
    }
}

/// The result of a Monte Carlo run.
#[pyclass(frozen, module = "tierwise._core")]
struct Simulation {
    sim: tierwise::risk::montecarlo::Simulation,
    a: Arc<Analysis>,
}

#[pymethods]
impl Simulation {
    /// Per products row and for the portfolio: mean availability, P(A<1), P(A=0), analytic
    /// q and gap, expected loss, VaR and CVaR at 95 % and 99 %.
    fn summary(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        frame(py, self.sim.summary())
    }

    /// Per site: losing failures and loss-weighted failure share.
    fn sites(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        frame(py, self.sim.sites_frame(&self.a))
    }

    /// Portfolio loss per scenario (numpy).
    #[getter]
    fn losses<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.sim.losses.clone().into_pyarray(py)
    }

    /// Loss per scenario and products row (numpy, scenarios x rows).
    #[getter]
    fn row_losses<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        self.sim.row_losses.clone().into_pyarray(py)
    }

    #[getter]
    fn scenarios(&self) -> usize {
        self.sim.scenarios
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.sim.seed
    }

    #[getter]
    fn products(&self) -> Vec<String> {
        self.sim.row_labels.clone()
    }

    fn _repr_html_(slf: Bound<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        let py = slf.py();
        py.import("tierwise.display")?
            .call_method1("simulation_html", (slf,))
    }

    fn __repr__(&self) -> String {
        format!(
            "Simulation(scenarios={}, seed={}, expected_loss={:.6e})",
            self.sim.scenarios, self.sim.seed, self.sim.portfolio_stats.expected
        )
    }
}

/// Writes a synthetic network's tables (CSV) to `out`; same seed, same bytes.
#[pyfunction]
#[pyo3(signature = (out, *, sites=1000, seed=7))]
fn generate(py: Python<'_>, out: PathBuf, sites: usize, seed: u64) -> PyResult<()> {
    py.detach(|| {
        let t =
            tierwise::generate::generate(&tierwise::generate::GeneratorConfig::new(sites, seed))
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
        tierwise::ingest::write_tables_csv(&t, &out)
            .map_err(|e| StoreError_::new_err(e.to_string()))
    })
}

/// Writes one of the 38 real Willems (2008) chains as tables to `out`.
#[pyfunction]
fn willems(py: Python<'_>, source: PathBuf, chain: u32, out: PathBuf) -> PyResult<()> {
    py.detach(|| {
        let w = tierwise::willems::WillemsData::read_dir(&source)
            .map_err(|e| StoreError_::new_err(e.to_string()))?;
        let t = w
            .to_tables(chain)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        tierwise::ingest::write_tables_csv(&t, &out)
            .map_err(|e| StoreError_::new_err(e.to_string()))
    })
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", tierwise::VERSION)?;
    m.add_class::<KnowledgeGraph>()?;
    m.add_class::<Network>()?;
    m.add_class::<Simulation>()?;
    m.add_function(wrap_pyfunction!(generate, m)?)?;
    m.add_function(wrap_pyfunction!(willems, m)?)?;
    m.add("TierwiseError", py.get_type::<TierwiseError>())?;
    m.add("DataQualityError", py.get_type::<DataQualityError>())?;
    m.add("QueryError", py.get_type::<QueryError>())?;
    m.add("StoreError", py.get_type::<StoreError_>())?;
    m.add("PolicyError", py.get_type::<PolicyError>())?;
    m.add("UnknownUnitError", py.get_type::<UnknownUnitError>())?;
    Ok(())
}
