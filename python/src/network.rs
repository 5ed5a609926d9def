//! `tierwise.Network`: the compiled supply network under one scoring policy, and every
//! analysis on it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};
use tierwise::lp::{Method, StressOptions};
use tierwise::mitigate::{Change, MitigateOptions, Mitigation, MitigationPart};
use tierwise::network::NetworkView;
use tierwise::report::{InputFile, ReportOptions};
use tierwise::risk::{Analysis, CriticalityView};
use tierwise::source::Opened;

use crate::convert::{change, disruption, frame, unit_kind};
use crate::errors::{Error, value_error};
use crate::interrupt::Callback;
use crate::simulation::Simulation;

fn stress_method(method: &str) -> Result<Method, Error> {
    Method::parse(method).ok_or_else(|| {
        value_error(format!(
            "method {method:?}: expected closed_form, lp or hybrid"
        ))
    })
}

/// The compiled supply network under one scoring policy.
#[derive(Debug)]
#[pyclass(frozen, module = "tierwise._core")]
pub struct Network {
    pub(crate) a: Arc<Analysis>,
    /// The files the network was loaded from, with their sha256, for reports.
    pub(crate) inputs: Vec<InputFile>,
    pub(crate) source: String,
    /// The active disruptions of the store it came from (site.down events).
    pub(crate) down: std::collections::BTreeMap<String, tierwise::events::Down>,
}

impl Network {
    pub fn new(o: Opened) -> Self {
        Network {
            a: Arc::new(o.analysis),
            inputs: o.inputs,
            source: o.source,
            down: Default::default(),
        }
    }

    /// A network from its parts (a pickled one, rebuilt).
    pub fn from_parts(
        a: Analysis,
        inputs: Vec<InputFile>,
        source: String,
        down: std::collections::BTreeMap<String, tierwise::events::Down>,
    ) -> Self {
        Network {
            a: Arc::new(a),
            inputs,
            source,
            down,
        }
    }

    /// The network with the active disruptions of its store.
    pub fn with_disruptions(
        mut self,
        down: std::collections::BTreeMap<String, tierwise::events::Down>,
    ) -> Self {
        self.down = down;
        self
    }

    fn view(&self, py: Python<'_>, view: NetworkView) -> PyResult<Py<PyAny>> {
        frame(py, self.a.network().frame(view))
    }
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

    /// One table view of the network (the views of `tierwise network --show`): "summary",
    /// "nodes", "edges", "products", "tiers" or "unmapped".
    fn frame(&self, py: Python<'_>, view: &str) -> Result<Py<PyAny>, Error> {
        let view: NetworkView = view.parse().map_err(value_error)?;
        Ok(self.view(py, view)?)
    }

    /// Every site with its company, country and tier.
    /// The active disruptions (the store's `site.down` events not yet followed by `site.up`)
    /// and, per products row, its availability under them, days of stock left at `now`
    /// (RFC 3339; now when None), the day it stops and the projected loss.
    #[pyo3(signature = (now=None))]
    fn situation(&self, py: Python<'_>, now: Option<String>) -> Result<Py<PyAny>, Error> {
        let now = match now {
            Some(t) => chrono::DateTime::parse_from_rfc3339(&t)
                .map_err(|e| value_error(format!("now {t:?}: {e}")))?
                .to_utc(),
            None => chrono::Utc::now(),
        };
        let s = py.detach(|| tierwise::events::situation(&self.a, &self.down, now));
        Ok(frame(py, s.frame()?)?)
    }

    fn tiers(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.view(py, NetworkView::Tiers)
    }

    /// The nodes: node, site, part, tier, level, pass_through, inputs.
    fn nodes(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.view(py, NetworkView::Nodes)
    }

    /// The node graph's edges, one per supply row and consuming node: edge, buyer, part,
    /// seller, source (seller node), target (consuming node; null when none consumes it),
    /// share, cap, remainder, inventory_days.
    fn edges(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.view(py, NetworkView::Edges)
    }

    /// Per products row: availability, TTS and loss when `disrupted` (site ids, or a dict
    /// with keys sites, companies, countries, links) is down for `days`.
    #[pyo3(signature = (disrupted, days=30.0))]
    fn impact(
        &self,
        py: Python<'_>,
        disrupted: &Bound<'_, PyAny>,
        days: f64,
    ) -> Result<Py<PyAny>, Error> {
        let d = disruption(disrupted)?;
        let i = py.detach(|| self.a.impact(&d, days))?;
        Ok(frame(py, i.to_dataframe(&self.a))?)
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
    ) -> Result<Py<PyAny>, Error> {
        let kind = unit_kind(unit)?;
        let e = match only {
            Some(ids) => py.detach(|| self.a.exposure_for(kind, &ids))?,
            None => Callback::new(py, progress, "exposure")?
                .run(py, |p| self.a.exposure_with(kind, p))??,
        };
        let df = if rows {
            e.rows_frame(&self.a)
        } else {
            e.to_dataframe()
        };
        Ok(frame(py, df)?)
    }

    /// Monte Carlo over site and country failures; scenario i depends only on (seed, i).
    #[pyo3(signature = (n=10_000, seed=7, *, progress=None))]
    fn simulate(
        &self,
        py: Python<'_>,
        n: usize,
        seed: u64,
        progress: Option<Bound<'_, PyAny>>,
    ) -> Result<Simulation, Error> {
        let sim =
            Callback::new(py, progress, "simulate")?.run(py, |p| self.a.simulate(n, seed, p))??;
        Ok(Simulation::new(sim, Arc::clone(&self.a)))
    }

    /// The exact stress test: the TTR and TTS linear programs of every unit of a
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
    ) -> Result<Py<PyAny>, Error> {
        let kind = unit_kind(unit)?;
        let method = stress_method(method)?;
        let options = StressOptions {
            kind,
            units: only,
            method,
        };
        let s = Callback::new(py, progress, "stress test")?
            .run(py, |p| self.a.stress_test_with(&options, p))??;
        Ok(frame(py, s.to_dataframe())?)
    }

    /// The network with `changes` applied, in order: a new Network; this one and
    /// the store are untouched. Each change is a dict with an `action` and its keys:
    /// raise_max_share (link, max_share), add_supply (link, share=0, max_share),
    /// qualify_alternate (buyer, part, alternate, max_share=1, sellers=every maker),
    /// add_inventory_days (buyer, part, days), add_capacity (site, part=None,
    /// capacity_per_day=0, inventory_units=0), remove_seller (link); a link is
    /// "BUYER|PART|SELLER". Every problem of the list is reported at once (ValueError).
    fn what_if(&self, py: Python<'_>, changes: Vec<Bound<'_, PyAny>>) -> Result<Network, Error> {
        let changes: Vec<Change> = changes.iter().map(change).collect::<Result<_, _>>()?;
        let a = py.detach(|| self.a.what_if(&changes))?;
        Ok(Network {
            a: Arc::new(a),
            inputs: self.inputs.clone(),
            source: format!("{} (what-if: {} change(s))", self.source, changes.len()),
            down: self.down.clone(),
        })
    }

    /// This network against `changed` (made by `what_if`): {"units": per unit PI, min TTS and
    /// exposed before and after, "products": with `scenarios` > 0 the Monte Carlo expected
    /// loss, P(short), VaR and CVaR 99 % per products row and for the portfolio, both runs
    /// with `seed`}.
    #[pyo3(signature = (changed, *, unit="site", scenarios=0, seed=7, progress=None))]
    fn compare<'py>(
        &self,
        py: Python<'py>,
        changed: &Network,
        unit: &str,
        scenarios: usize,
        seed: u64,
        progress: Option<Bound<'py, PyAny>>,
    ) -> Result<Bound<'py, PyDict>, Error> {
        let kind = unit_kind(unit)?;
        let c = Callback::new(py, progress, "compare")?
            .run(py, |p| self.a.compare(&changed.a, kind, scenarios, seed, p))??;
        let d = PyDict::new(py);
        d.set_item("units", frame(py, c.units_frame())?)?;
        d.set_item("products", frame(py, c.products_frame())?)?;
        Ok(d)
    }

    /// Mitigation proposals for the `top` most exposed units of a kind (or `only` those),
    /// each costed from the policy's [mitigation] section and evaluated by re-running the
    /// model; ranked by PI removed per cost. `exact=True` re-checks the best `check_top` with
    /// the LP, `scenarios` > 0 with the Monte Carlo; with a `budget`, the greedy portfolio
    /// (columns selected, pick, cumulative_cost, ...), or with `curve=True` its
    /// benefit-versus-spend curve.
    #[pyo3(signature = (budget=None, *, unit="site", only=None, top=10, exact=false, check_top=10, scenarios=0, seed=7, curve=false, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn mitigate(
        &self,
        py: Python<'_>,
        budget: Option<f64>,
        unit: &str,
        only: Option<Vec<String>>,
        top: usize,
        exact: bool,
        check_top: usize,
        scenarios: usize,
        seed: u64,
        curve: bool,
        progress: Option<Bound<'_, PyAny>>,
    ) -> Result<Py<PyAny>, Error> {
        let args = MitigateArgs {
            budget,
            unit: unit.to_string(),
            only,
            top,
            exact,
            check_top,
            scenarios,
            seed,
            curve,
        };
        let o = args.options()?;
        let m =
            Callback::new(py, progress, "mitigate")?.run(py, |p| self.a.mitigate_with(&o, p))??;
        args.frame(py, &m)
    }

    /// Part `part` of `parts` of `mitigate(**args)` (args: every keyword of `mitigate` but
    /// progress), as bytes, for tierwise.distributed.
    #[pyo3(signature = (args, part, parts, *, progress=None))]
    fn _mitigate_part<'py>(
        &self,
        py: Python<'py>,
        args: MitigateArgs,
        part: usize,
        parts: usize,
        progress: Option<Bound<'py, PyAny>>,
    ) -> Result<Bound<'py, PyBytes>, Error> {
        let o = args.options()?;
        let m = Callback::new(py, progress, "mitigate")?
            .run(py, |p| self.a.mitigation_part(&o, part, parts, p))??;
        let bytes = py.detach(|| m.to_bytes());
        Ok(PyBytes::new(py, &bytes))
    }

    /// `mitigate(**args)` from the bytes of `_mitigate_part` covering its candidates.
    #[pyo3(signature = (args, parts, *, progress=None))]
    fn _mitigation_from(
        &self,
        py: Python<'_>,
        args: MitigateArgs,
        parts: Vec<Vec<u8>>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> Result<Py<PyAny>, Error> {
        let o = args.options()?;
        let parts = py.detach(|| {
            parts
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    MitigationPart::from_bytes(b)
                        .map_err(|e| value_error(format!("mitigation part {i}: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()
        })?;
        let m = Callback::new(py, progress, "mitigate")?
            .run(py, |p| self.a.mitigation_from(&o, parts, p))??;
        args.frame(py, &m)
    }

    /// Writes the batch report (index.html, one Parquet and one CSV per table, summary.json)
    /// to `out_dir`; returns the path of index.html. `scenarios` defaults to the CLI's
    /// network-scaled Monte Carlo size. Runs with the GIL released and stops on Ctrl-C.
    #[pyo3(signature = (out_dir, *, scenarios=None, seed=7))]
    fn report(
        &self,
        py: Python<'_>,
        out_dir: PathBuf,
        scenarios: Option<usize>,
        seed: u64,
    ) -> Result<PathBuf, Error> {
        let sites = self.a.network().sites().len();
        let o = ReportOptions {
            // By default the Monte Carlo scales with the network, as `tierwise report` does.
            scenarios: scenarios.unwrap_or_else(|| tierwise::report::default_scenarios(sites)),
            seed,
            source: self.source.clone(),
            inputs: self.inputs.clone(),
            ..ReportOptions::default()
        };
        // Every step of the report runs on the one Progress that Ctrl-C cancels.
        let r = crate::interrupt::run_interruptible(py, None, |p| {
            tierwise::report::build_with(&self.a, &o, p)
        })??;
        py.detach(|| r.write(&out_dir))?;
        Ok(out_dir.join("index.html"))
    }

    /// The paths that set a products row's TTS and availability under a disruption.
    fn explain(
        &self,
        py: Python<'_>,
        product: &str,
        disrupted: &Bound<'_, PyAny>,
    ) -> Result<Py<PyAny>, Error> {
        let d = disruption(disrupted)?;
        let row = self.a.row_index(product)?;
        let x = py.detach(|| self.a.explain(row, &d))?;
        Ok(frame(py, x.to_dataframe())?)
    }

    /// Single sources, critical sellers, chokepoints, Tier-1 dependants, country HHI and
    /// shares per product and tier, and safety stock: a dict of DataFrames.
    fn criticality<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyDict>, Error> {
        let c = crate::interrupt::run_interruptible(py, None, |p| self.a.criticality_with(p))??;
        let d = PyDict::new(py);
        for view in CriticalityView::ALL {
            d.set_item(view.as_str(), frame(py, c.frame(view, &self.a))?)?;
        }
        Ok(d)
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

    /// The ids of every unit of a kind, in the order of `exposure`'s rows.
    #[pyo3(signature = (unit="site"))]
    fn units(&self, unit: &str) -> PyResult<Vec<String>> {
        Ok(self.a.units(unit_kind(unit)?))
    }

    /// Pickling: the network travels as its versioned binary form (the network, the policy
    /// and as_of; see docs/ray.md), with its source, input files and active disruptions.
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        crate::parts::reduce(py, self)
    }

    /// Scenarios start..end of `simulate(n, seed)`, unsummed, as bytes (tierwise.distributed).
    #[pyo3(signature = (seed, start, end, *, progress=None))]
    fn _simulate_scenarios<'py>(
        &self,
        py: Python<'py>,
        seed: u64,
        start: usize,
        end: usize,
        progress: Option<Bound<'py, PyAny>>,
    ) -> Result<Bound<'py, PyBytes>, Error> {
        let b = Callback::new(py, progress, "simulate")?.run(py, |p| {
            p.set_total(end.saturating_sub(start) as u64);
            self.a.simulate_scenarios(seed, start..end, p)
        })??;
        let bytes = py.detach(|| b.to_bytes());
        Ok(PyBytes::new(py, &bytes))
    }

    /// The Simulation of seed `seed` from batches of `_simulate_scenarios` covering 0..n.
    fn _simulation_from(
        &self,
        py: Python<'_>,
        seed: u64,
        batches: Vec<Vec<u8>>,
    ) -> Result<Simulation, Error> {
        let sim = crate::parts::simulation_from(py, &self.a, seed, batches)?;
        Ok(Simulation::new(sim, Arc::clone(&self.a)))
    }

    /// Exposure of the units `ids` with REI relative to their largest PI (`rows=True`: the
    /// long form), for tierwise.distributed.
    #[pyo3(signature = (unit, ids, *, rows=false, progress=None))]
    fn _exposure_part(
        &self,
        py: Python<'_>,
        unit: &str,
        ids: Vec<String>,
        rows: bool,
        progress: Option<Bound<'_, PyAny>>,
    ) -> Result<Py<PyAny>, Error> {
        let kind = unit_kind(unit)?;
        let e = Callback::new(py, progress, "exposure")?
            .run(py, |p| self.a.exposure_part(kind, &ids, p))???;
        let df = if rows {
            e.rows_frame(&self.a)
        } else {
            e.to_dataframe()
        };
        Ok(frame(py, df)?)
    }

    /// The stress test of whole warm-start `chains` (from `_stress_chains`) with the whole
    /// run's baseline `horizon`, rows in chain order, REI relative to the part, for
    /// tierwise.distributed.
    #[pyo3(signature = (method, unit, chains, horizon, *, progress=None))]
    fn _stress_part(
        &self,
        py: Python<'_>,
        method: &str,
        unit: &str,
        chains: Vec<Vec<String>>,
        horizon: f64,
        progress: Option<Bound<'_, PyAny>>,
    ) -> Result<Py<PyAny>, Error> {
        let kind = unit_kind(unit)?;
        let method = stress_method(method)?;
        let s = Callback::new(py, progress, "stress test")?.run(py, |p| {
            self.a.stress_test_part(kind, &chains, method, horizon, p)
        })??;
        Ok(frame(py, s.to_dataframe())?)
    }

    /// The warm-start chains of a stress test of `only` (every unit when None): a part of
    /// whole chains reproduces the whole run's numbers.
    #[pyo3(signature = (unit="site", only=None))]
    fn _stress_chains(
        &self,
        unit: &str,
        only: Option<Vec<String>>,
    ) -> Result<Vec<Vec<String>>, Error> {
        let kind = unit_kind(unit)?;
        Ok(self.a.stress_chains(kind, only.as_deref())?)
    }

    /// The baseline horizon of a stress test of `only` (every unit when None).
    #[pyo3(signature = (unit="site", only=None))]
    fn _stress_horizon(&self, unit: &str, only: Option<Vec<String>>) -> Result<f64, Error> {
        let kind = unit_kind(unit)?;
        Ok(self.a.stress_horizon(kind, only.as_deref())?)
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

/// The keywords of `Network.mitigate` (but progress), as one value: the local call and the
/// parts and join of tierwise.distributed read the same options.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct MitigateArgs {
    budget: Option<f64>,
    unit: String,
    only: Option<Vec<String>>,
    top: usize,
    exact: bool,
    check_top: usize,
    scenarios: usize,
    seed: u64,
    curve: bool,
}

impl MitigateArgs {
    fn options(&self) -> Result<MitigateOptions, Error> {
        if self.curve && self.budget.is_none() {
            return Err(value_error(
                "curve=True needs a budget (the curve is the portfolio's)",
            ));
        }
        Ok(MitigateOptions {
            kind: unit_kind(&self.unit)?,
            units: self.only.clone(),
            top: self.top,
            budget: self.budget,
            exact: self.exact,
            check_top: self.check_top,
            scenarios: self.scenarios,
            seed: self.seed,
            ..MitigateOptions::default()
        })
    }

    /// The proposals frame, or with `curve` the portfolio's curve.
    fn frame(&self, py: Python<'_>, m: &Mitigation) -> Result<Py<PyAny>, Error> {
        let df = match (&m.portfolio, self.curve) {
            (Some(pf), true) => pf.curve_frame(m),
            _ => m.to_dataframe(),
        };
        Ok(frame(py, df)?)
    }
}
