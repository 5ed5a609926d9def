//! The batch risk-propagation report (`tierwise report`): every analysis of DESIGN 3.1 to 3.5
//! on one network, as result tables (written as Parquet and CSV) and one self-contained HTML
//! page with inline SVG charts.
//!
//! ```no_run
//! use std::sync::Arc;
//! use tierwise::report::{ReportOptions, build};
//! use tierwise::risk::{Analysis, Policy};
//! use tierwise::store::KnowledgeGraph;
//!
//! let kg = KnowledgeGraph::in_memory()?;
//! kg.load_raw(tierwise::report::demo_raw_tables(), "bundled demo", &Default::default())?;
//! let a = Analysis::new(Arc::new(kg.network()?), Arc::new(Policy::default()), chrono::Utc::now());
//! let options = ReportOptions {
//!     inputs: tierwise::report::InputFile::from_store(&kg)?,
//!     ..ReportOptions::default()
//! };
//! let report = build(&a, &options)?;
//! report.write("report/")?;               // index.html, summary.json, one .parquet + .csv per table
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every number in the page's tables is [`format_cell`] of the very value written to the
//! table's Parquet file (the tests read them back and compare). Given the same network,
//! policy, `as_of`, seed and options, every file is byte-identical from run to run, except the
//! timings in `summary.json`.

mod charts;
mod html;
mod tables;

use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::*;
use serde::Serialize;

/// The bundled demo data, at its first path (it lives in [`crate::datasets::demo`]).
pub use crate::datasets::demo::{DEMO_CSV, demo_raw_tables};

pub use crate::format::format_number;
use crate::format::group_thousands;
use crate::mitigate::{MitigateOptions, Mitigation, MitigationError};
use crate::progress::{Cancelled, Progress};
use crate::risk::criticality::Criticality;
use crate::risk::montecarlo::Simulation;
use crate::risk::{Analysis, DisruptionError, Exposure, UnitKind};
use tables::{assemble, order_desc};

/// Why a report could not be built or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error("the report was cancelled")]
    Cancelled(#[from] Cancelled),
    #[error(transparent)]
    Disruption(#[from] DisruptionError),
    #[error("cannot write {}: {message}", path.display())]
    Write { path: PathBuf, message: String },
    #[error("report table {table}: {message}")]
    Table { table: String, message: String },
    #[error("exact stress test: {0}")]
    Stress(String),
    #[error("mitigation: {0}")]
    Mitigation(String),
}

/// The input files of a report, at their first path (they live in [`crate::source`]).
pub use crate::source::InputFile;

/// The Monte Carlo scenarios `tierwise report` runs by default on a network of `sites` sites:
/// 10,000 up to 10,000 sites, then 10^8 / sites (a scenario costs about as much as the network
/// is large), at least 1,000; 1,000 at 100,000 sites.
pub fn default_scenarios(sites: usize) -> usize {
    (100_000_000 / sites.max(1)).clamp(1_000, 10_000)
}

/// What the report computes and shows.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Monte Carlo scenarios (DESIGN 3.4).
    pub scenarios: usize,
    /// Monte Carlo seed.
    pub seed: u64,
    /// How many of the sites with the largest PI get their explaining paths.
    pub explain_top: usize,
    /// Rows of each ranked list shown in the page (the files hold every row).
    pub list_top: usize,
    /// Most points in the TTS-versus-TTR scatter (the units with the largest PI).
    pub chart_points: usize,
    /// The page title.
    pub title: String,
    /// Where the data came from, in words (a path, "bundled demo data").
    pub source: String,
    /// The input files and their hashes, recorded in `summary.json` and on the page.
    pub inputs: Vec<InputFile>,
    /// How many of the sites with the largest PI get mitigation proposals ("What to do").
    pub mitigation_top: usize,
    /// The budget of the portfolio; `None`: what the `list_top` best-ranked proposals cost
    /// together (a greedy over every proposal until nothing removes PI takes minutes on large
    /// networks; `tierwise mitigate --budget` runs any budget).
    pub mitigation_budget: Option<f64>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            scenarios: 10_000,
            seed: 7,
            explain_top: 5,
            list_top: 15,
            chart_points: 1_000,
            title: "Supply-chain risk report".into(),
            source: String::new(),
            inputs: Vec::new(),
            mitigation_top: 5,
            mitigation_budget: None,
        }
    }
}

/// Runs the long steps of a report: a CLI shows a progress bar per step, Python polls a
/// callback; [`Quiet`] just runs them.
pub trait Steps {
    /// Runs `work` (which reports on and may be cancelled through the given [`Progress`]).
    fn step<T: Send>(&self, label: &str, work: impl FnOnce(&Progress) -> T + Send) -> T;
}

/// Runs every step with a fresh [`Progress`] that nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Steps for Quiet {
    fn step<T: Send>(&self, _label: &str, work: impl FnOnce(&Progress) -> T + Send) -> T {
        work(&Progress::new())
    }
}

/// Runs every step on one [`Progress`], restarted for each step: whoever watches it sees each
/// step's progress, and cancelling it stops the step that runs (the report then stops).
impl Steps for Progress {
    fn step<T: Send>(&self, _label: &str, work: impl FnOnce(&Progress) -> T + Send) -> T {
        self.restart();
        work(self)
    }
}

/// One result table of the report.
#[derive(Debug, Clone)]
pub struct ReportTable {
    /// File stem: `{name}.parquet` and `{name}.csv`.
    pub name: &'static str,
    pub title: &'static str,
    /// What a row is and how it is ordered.
    pub description: &'static str,
    pub frame: DataFrame,
}

/// The policy a report ran under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRef {
    pub version: String,
    pub sha256: String,
}

/// The size of the analysed network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetworkSize {
    pub sites: usize,
    pub companies: usize,
    pub countries: usize,
    pub parts: usize,
    pub nodes: usize,
    pub supply_edges: usize,
    pub products_rows: usize,
    pub deepest_tier: u32,
}

/// A table as listed in `summary.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableEntry {
    pub name: String,
    pub title: String,
    pub rows: usize,
    pub parquet: String,
    pub csv: String,
}

/// Wall time of one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timing {
    pub step: String,
    pub seconds: f64,
}

/// `summary.json`: what the report ran on and how long it took.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub tierwise_version: String,
    pub source: String,
    pub inputs: Vec<InputFile>,
    pub policy: PolicyRef,
    pub as_of: String,
    pub seed: u64,
    pub scenarios: usize,
    pub network: NetworkSize,
    /// The Monte Carlo expected portfolio loss ([`REVENUE_AT_RISK`]).
    pub revenue_at_risk: f64,
    pub revenue_at_risk_definition: String,
    pub tables: Vec<TableEntry>,
    /// Wall time per step, in order; the only part that changes between identical runs.
    pub timings: Vec<Timing>,
}

/// What the report calls revenue at risk.
pub const REVENUE_AT_RISK: &str = "Revenue at risk is the Monte Carlo expected loss E[L] of the \
whole portfolio over the horizon of the policy's failure probabilities: in each scenario sites \
fail with their p_fail and countries with their p_event, independently; a products row loses \
demand_per_day x value x (1 - availability) x the days by which the longest recovery (TTR) of a \
failed unit reaching it exceeds its time to survive (TTS). The value is margin_per_unit where the \
products table gives one, else revenue_per_unit.";

/// A built report: the tables, the page and the summary.
#[derive(Debug, Clone)]
pub struct Report {
    pub tables: Vec<ReportTable>,
    /// `index.html`.
    pub html: String,
    pub summary: Summary,
}

impl Report {
    /// A table by name.
    pub fn table(&self, name: &str) -> Option<&DataFrame> {
        self.tables
            .iter()
            .find(|t| t.name == name)
            .map(|t| &t.frame)
    }

    /// `summary.json` as text.
    pub fn summary_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.summary)
            .expect("the summary holds only finite numbers and strings");
        s.push('\n');
        s
    }

    /// Writes `dir/index.html`, `dir/summary.json` and `dir/{table}.parquet` and
    /// `dir/{table}.csv` for every table; creates `dir` if missing.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<(), ReportError> {
        let dir = dir.as_ref();
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |e: std::io::Error| ReportError::Write {
                path,
                message: e.to_string(),
            }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        for t in &self.tables {
            let mut df = t.frame.clone();
            let p = dir.join(format!("{}.parquet", t.name));
            let f = std::fs::File::create(&p).map_err(io(&p))?;
            ParquetWriter::new(f)
                .finish(&mut df)
                .map_err(|e| ReportError::Write {
                    path: p.clone(),
                    message: e.to_string(),
                })?;
            let p = dir.join(format!("{}.csv", t.name));
            let f = std::fs::File::create(&p).map_err(io(&p))?;
            let mut w = std::io::BufWriter::new(f);
            CsvWriter::new(&mut w)
                .finish(&mut df)
                .map_err(|e| ReportError::Write {
                    path: p.clone(),
                    message: e.to_string(),
                })?;
            std::io::Write::flush(&mut w).map_err(io(&p))?;
        }
        let p = dir.join("summary.json");
        std::fs::write(&p, self.summary_json()).map_err(io(&p))?;
        let p = dir.join("index.html");
        std::fs::write(&p, &self.html).map_err(io(&p))?;
        Ok(())
    }
}

/// Formats one cell of a report table for the page: [`format_number`] for floats, grouped
/// integers, `yes`/`no`, text as is, `–` for a missing value. The page's tables show exactly
/// this of the values in the Parquet files.
pub fn format_cell(v: &AnyValue<'_>) -> String {
    match v {
        AnyValue::Null => "–".into(),
        AnyValue::Boolean(b) => if *b { "yes" } else { "no" }.into(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Float64(x) => format_number(*x),
        AnyValue::Float32(x) => format_number(*x as f64),
        AnyValue::Int64(x) => group_thousands(*x),
        AnyValue::Int32(x) => group_thousands(*x as i64),
        AnyValue::UInt64(x) => group_thousands(*x as i64),
        AnyValue::UInt32(x) => group_thousands(*x as i64),
        other => other.to_string(),
    }
}

fn timed<T>(timings: &mut Vec<Timing>, step: &str, f: impl FnOnce() -> T) -> T {
    let t0 = Instant::now();
    let r = f();
    timings.push(Timing {
        step: step.to_string(),
        seconds: t0.elapsed().as_secs_f64(),
    });
    r
}

/// Runs one long step through `steps`, timing the work itself (not the progress display).
fn run_step<S: Steps, T: Send>(
    steps: &S,
    timings: &mut Vec<Timing>,
    step: &str,
    label: &str,
    work: impl FnOnce(&Progress) -> T + Send,
) -> T {
    let (r, seconds) = steps.step(label, |p| {
        let t0 = Instant::now();
        let r = work(p);
        (r, t0.elapsed().as_secs_f64())
    });
    timings.push(Timing {
        step: step.to_string(),
        seconds,
    });
    r
}

/// Builds the report without progress reporting.
pub fn build(a: &Analysis, o: &ReportOptions) -> Result<Report, ReportError> {
    build_with(a, o, &Quiet)
}

/// Everything computed before the tables are assembled.
struct Results {
    site: Exposure,
    company: Exposure,
    country: Exposure,
    sim: Simulation,
    crit: Criticality,
    stress: Option<crate::lp::Stress>,
    mitigation: Mitigation,
}

/// How many of the sites with the largest closed-form PI get the exact LPs (DESIGN 3.6).
pub const STRESS_TOP: usize = 10;

/// The exact LPs run in the report only up to this many nodes; larger networks have
/// `tierwise stress` of their own.
pub const STRESS_MAX_NODES: usize = 50_000;

/// Builds the report, running the long steps (the exposure sweeps, the Monte Carlo,
/// criticality) through `steps`.
pub fn build_with<S: Steps>(
    a: &Analysis,
    o: &ReportOptions,
    steps: &S,
) -> Result<Report, ReportError> {
    let mut timings = Vec::new();
    let mut sweep = |kind: UnitKind| {
        run_step(
            steps,
            &mut timings,
            &format!("exposure_{}", kind.as_str()),
            &format!("exposure of every {}", kind.as_str()),
            |p| a.exposure_with(kind, p),
        )
    };
    let site = sweep(UnitKind::Site)?;
    let company = sweep(UnitKind::Company)?;
    let country = sweep(UnitKind::Country)?;
    let sim = run_step(
        steps,
        &mut timings,
        "monte_carlo",
        &format!("Monte Carlo, {} scenarios", o.scenarios),
        |p| a.simulate(o.scenarios, o.seed, p),
    )?;
    let crit = run_step(steps, &mut timings, "criticality", "criticality", |_| {
        a.criticality()
    });
    let top: Vec<String> = order_desc(&site.pi, &site.units)
        .into_iter()
        .filter(|&i| site.pi[i] > 0.0)
        .take(STRESS_TOP)
        .map(|i| site.units[i].clone())
        .collect();
    let stress = if a.network().nodes().len() <= STRESS_MAX_NODES && !top.is_empty() {
        let s = run_step(
            steps,
            &mut timings,
            "stress_test",
            &format!("exact stress test of the top {} sites", top.len()),
            |p| {
                let o = crate::lp::StressOptions::new(UnitKind::Site, crate::lp::Method::Lp)
                    .only(top.iter().cloned());
                a.stress_test_with(&o, p)
            },
        );
        Some(s.map_err(|e| match e {
            crate::lp::LpError::Cancelled(c) => ReportError::Cancelled(c),
            other => ReportError::Stress(other.to_string()),
        })?)
    } else {
        None
    };
    let mitigation = run_step(
        steps,
        &mut timings,
        "mitigation",
        &format!(
            "mitigation proposals for the top {} sites",
            o.mitigation_top
        ),
        |p| mitigation(a, o, p),
    )?;
    let r = Results {
        site,
        company,
        country,
        sim,
        crit,
        stress,
        mitigation,
    };
    let tables = timed(&mut timings, "tables_and_paths", || assemble(a, o, &r))?;
    let mut summary = summarize(a, o, &r, &tables);
    let html = timed(&mut timings, "charts_and_html", || {
        html::page(a, o, &summary, &tables, &r.sim)
    })?;
    summary.timings = timings;
    Ok(Report {
        tables,
        html,
        summary,
    })
}

/// Proposals for the sites with the largest PI and the greedy portfolio over them (DESIGN
/// 3.5); the 3 best re-checked with the LP where the report runs the LP at all.
fn mitigation(a: &Analysis, o: &ReportOptions, p: &Progress) -> Result<Mitigation, ReportError> {
    let err = |e: MitigationError| match e {
        MitigationError::Cancelled(c) => ReportError::Cancelled(c),
        other => ReportError::Mitigation(other.to_string()),
    };
    let options = MitigateOptions {
        top: o.mitigation_top,
        exact: a.network().nodes().len() <= STRESS_MAX_NODES,
        check_top: 3,
        ..MitigateOptions::default()
    };
    let mut m = a.mitigate_with(&options, p).map_err(err)?;
    // The portfolio over the proposals just made (ranked), within the budget or what the
    // top of the list costs.
    let budget = o.mitigation_budget.unwrap_or_else(|| {
        m.proposals
            .iter()
            .take(o.list_top.max(1))
            .map(|x| x.cost)
            .sum()
    });
    m.portfolio = Some(m.greedy_portfolio(a, budget, p).map_err(err)?);
    Ok(m)
}

/// `summary.json` before the timings: what the report ran on and the tables it made.
fn summarize(a: &Analysis, o: &ReportOptions, r: &Results, tables: &[ReportTable]) -> Summary {
    let net = a.network();
    let pv = a.provenance(Some(o.seed));
    Summary {
        tierwise_version: crate::VERSION.to_string(),
        source: o.source.clone(),
        inputs: o.inputs.clone(),
        policy: PolicyRef {
            version: pv.policy_version,
            sha256: pv.policy_sha256,
        },
        as_of: pv.as_of,
        seed: o.seed,
        scenarios: o.scenarios,
        network: NetworkSize {
            sites: net.sites().len(),
            companies: net.companies().len(),
            countries: a.units(UnitKind::Country).len(),
            parts: net.parts().len(),
            nodes: net.nodes().len(),
            supply_edges: net.edges().len(),
            products_rows: net.products().len(),
            deepest_tier: net.max_tier(),
        },
        revenue_at_risk: r.sim.portfolio_stats.expected,
        revenue_at_risk_definition: REVENUE_AT_RISK.to_string(),
        tables: tables
            .iter()
            .map(|t| TableEntry {
                name: t.name.to_string(),
                title: t.title.to_string(),
                rows: t.frame.height(),
                parquet: format!("{}.parquet", t.name),
                csv: format!("{}.csv", t.name),
            })
            .collect(),
        timings: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_scenarios_shrink_with_the_network() {
        assert_eq!(default_scenarios(120), 10_000);
        assert_eq!(default_scenarios(10_000), 10_000);
        assert_eq!(default_scenarios(20_000), 5_000);
        assert_eq!(default_scenarios(100_000), 1_000);
        assert_eq!(default_scenarios(1_000_000), 1_000);
    }

    #[test]
    fn numbers_format_for_reading() {
        for (x, s) in [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (12.0, "12"),
            (0.05, "0.05"),
            (0.123456, "0.1235"),
            (123.456, "123.5"),
            (999.96, "1,000"),
            (1234.5, "1,235"),
            (-1234567.0, "-1,234,567"),
            (0.00012, "1.20e-4"),
            (f64::INFINITY, "∞"),
            (100000.0, "100,000"),
        ] {
            assert_eq!(format_number(x), s, "{x}");
        }
        assert_eq!(format_cell(&AnyValue::UInt32(1234)), "1,234");
        assert_eq!(format_cell(&AnyValue::Boolean(true)), "yes");
        assert_eq!(format_cell(&AnyValue::Null), "–");
    }
}
