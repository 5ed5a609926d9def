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
mod demo;
mod html;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::*;
use serde::Serialize;

pub use demo::{DEMO_CSV, demo_raw_tables};

use crate::progress::{Cancelled, Progress};
use crate::risk::criticality::Criticality;
use crate::risk::montecarlo::Simulation;
use crate::risk::{Analysis, Disruption, DisruptionError, Exposure, UnitKind};
use crate::store::{KnowledgeGraph, StoreError};

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
}

fn table_err(table: &str) -> impl Fn(PolarsError) -> ReportError + '_ {
    move |e| ReportError::Table {
        table: table.to_string(),
        message: e.to_string(),
    }
}

/// One input file of the analysed data and the sha256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputFile {
    pub path: String,
    pub sha256: String,
}

impl InputFile {
    /// From (path, sha256) pairs, as in [`crate::ingest::CheckedTables::files`].
    pub fn from_pairs(files: &[(String, String)]) -> Vec<InputFile> {
        files
            .iter()
            .map(|(path, sha256)| InputFile {
                path: path.clone(),
                sha256: sha256.clone(),
            })
            .collect()
    }

    /// Every file of every load in a store (its provenance, [`KnowledgeGraph::loads`]), oldest
    /// load first; a file loaded twice is listed once.
    pub fn from_store(kg: &KnowledgeGraph) -> Result<Vec<InputFile>, StoreError> {
        let loads = kg.loads()?;
        let mut out: Vec<InputFile> = Vec::new();
        if loads.height() == 0 {
            return Ok(out);
        }
        let text = |name: &str, i: usize| -> String {
            loads
                .column(name)
                .ok()
                .and_then(|c| c.get(i).ok())
                .map(|v| match v {
                    AnyValue::String(s) => s.to_string(),
                    AnyValue::StringOwned(s) => s.to_string(),
                    other => other.to_string(),
                })
                .unwrap_or_default()
        };
        for i in 0..loads.height() {
            let f = InputFile {
                path: text("file", i),
                sha256: text("sha256", i),
            };
            if !out.contains(&f) {
                out.push(f);
            }
        }
        Ok(out)
    }
}

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

/// Formats a number for the page: integers (and anything of magnitude 1,000 or more, rounded)
/// with thousands separators, otherwise four significant digits; tiny values in scientific
/// notation, infinity as `∞`.
pub fn format_number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "∞".into() } else { "-∞".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    let ax = x.abs();
    if ax >= 1e15 {
        return format!("{x:.3e}");
    }
    if ax < 1e-3 {
        return format!("{x:.2e}");
    }
    if ax < 999.5 {
        let decimals = (3 - ax.log10().floor() as i32).max(0) as usize;
        let s = format!("{x:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        if s != "1000" && s != "-1000" {
            return if s == "-0" { "0".into() } else { s };
        }
    }
    group_thousands(x.round() as i64)
}

fn group_thousands(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if v < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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

fn col<T>(name: &str, v: Vec<T>) -> Column
where
    Series: NamedFrom<Vec<T>, [T]>,
{
    Column::new(name.into(), v)
}

fn frame(table: &str, cols: Vec<Column>) -> Result<DataFrame, ReportError> {
    DataFrame::new_infer_height(cols).map_err(table_err(table))
}

fn take(table: &str, df: &DataFrame, order: &[usize]) -> Result<DataFrame, ReportError> {
    let idx = IdxCa::from_vec("idx".into(), order.iter().map(|&i| i as IdxSize).collect());
    df.take(&idx).map_err(table_err(table))
}

/// Indices sorted by `key` descending, ties by `name` ascending.
fn order_desc(key: &[f64], name: &[String]) -> Vec<usize> {
    let mut o: Vec<usize> = (0..key.len()).collect();
    o.sort_by(|&i, &j| {
        key[j]
            .total_cmp(&key[i])
            .then_with(|| name[i].cmp(&name[j]))
    });
    o
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
    let r = Results {
        site,
        company,
        country,
        sim,
        crit,
        stress,
    };
    let tables = timed(&mut timings, "tables_and_paths", || assemble(a, o, &r))?;
    let net = a.network();
    let pv = a.provenance(Some(o.seed));
    let mut summary = Summary {
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
    };
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

/// Per unit of one kind, ranked by PI (ties by id): TTR, min TTS, PI, REI, the cumulative
/// share of the kind's total PI, exposed flag and rows short; sites also with company,
/// country, tier and p_fail.
fn exposure_table(a: &Analysis, e: &Exposure, name: &str) -> Result<DataFrame, ReportError> {
    let order = order_desc(&e.pi, &e.units);
    let total: f64 = order.iter().map(|&i| e.pi[i]).sum();
    let mut acc = 0.0;
    let cumulative: Vec<f64> = order
        .iter()
        .map(|&i| {
            acc += e.pi[i];
            if total > 0.0 { acc / total } else { 0.0 }
        })
        .collect();
    let pick_f = |v: &[f64]| order.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let mut cols = vec![
        col("rank", (1..=order.len() as u32).collect::<Vec<u32>>()),
        col(
            "unit",
            order
                .iter()
                .map(|&i| e.units[i].clone())
                .collect::<Vec<_>>(),
        ),
    ];
    if e.kind == UnitKind::Site {
        let net = a.network();
        let sites = net.sites();
        cols.push(col(
            "company",
            order
                .iter()
                .map(|&i| sites[i].company.clone())
                .collect::<Vec<_>>(),
        ));
        cols.push(col(
            "country",
            order
                .iter()
                .map(|&i| sites[i].country.clone())
                .collect::<Vec<_>>(),
        ));
        cols.push(col(
            "tier",
            order
                .iter()
                .map(|&i| net.site_tier(i as u32))
                .collect::<Vec<_>>(),
        ));
        cols.push(col(
            "p_fail",
            order
                .iter()
                .map(|&i| a.site_risks()[i].p_fail)
                .collect::<Vec<_>>(),
        ));
    }
    cols.extend([
        col("ttr_days", pick_f(&e.ttr)),
        col("min_tts_days", pick_f(&e.min_tts)),
        col("pi", pick_f(&e.pi)),
        col("rei", pick_f(&e.rei)),
        col("cumulative_pi_share", cumulative),
        col(
            "exposed",
            order.iter().map(|&i| e.exposed[i]).collect::<Vec<_>>(),
        ),
        col(
            "rows_short",
            order
                .iter()
                .map(|&i| e.rows[i].len() as u32)
                .collect::<Vec<_>>(),
        ),
    ]);
    frame(name, cols)
}

fn pi_map(e: &Exposure) -> HashMap<&str, f64> {
    e.units
        .iter()
        .map(String::as_str)
        .zip(e.pi.iter().copied())
        .collect()
}

/// Every result table, in the order of the page.
fn assemble(a: &Analysis, o: &ReportOptions, r: &Results) -> Result<Vec<ReportTable>, ReportError> {
    let net = a.network();
    let labels = a.row_labels();
    let mut tables = Vec::new();
    let mut push =
        |name: &'static str, title: &'static str, description: &'static str, frame: DataFrame| {
            tables.push(ReportTable {
                name,
                title,
                description,
                frame,
            })
        };

    // Headline figures.
    let sim = &r.sim;
    let ps = sim.portfolio_stats;
    let worst = order_desc(&r.site.pi, &r.site.units).first().copied();
    let exposed_sites = r.site.exposed.iter().filter(|&&x| x).count();
    let chokepoints = r.crit.chokepoints.len();
    let hidden = r.crit.chokepoints.iter().filter(|c| c.hidden).count();
    let mut h: Vec<(String, f64, &str, String)> = vec![
        (
            "Revenue at risk (Monte Carlo expected loss)".into(),
            ps.expected,
            "currency",
            "E[L] of the portfolio over the policy horizon; see the definition above".into(),
        ),
        (
            "Portfolio VaR 95 %".into(),
            ps.var95,
            "currency",
            "the 95th percentile of the scenario loss".into(),
        ),
        (
            "Portfolio CVaR 95 %".into(),
            ps.cvar95,
            "currency",
            "mean loss in the worst 5 % of scenarios".into(),
        ),
        (
            "Portfolio VaR 99 %".into(),
            ps.var99,
            "currency",
            "the 99th percentile of the scenario loss".into(),
        ),
        (
            "Portfolio CVaR 99 %".into(),
            ps.cvar99,
            "currency",
            "mean loss in the worst 1 % of scenarios".into(),
        ),
        (
            "P(some products row short)".into(),
            sim.portfolio_p_short,
            "probability",
            "share of scenarios in which some row's availability is below 1".into(),
        ),
    ];
    if let Some(w) = worst {
        h.push((
            format!("Largest single-site loss (PI of {})", r.site.units[w]),
            r.site.pi[w],
            "currency",
            format!(
                "the site lost for its TTR of {} days (DESIGN 3.2)",
                format_number(r.site.ttr[w])
            ),
        ));
    }
    h.extend([
        (
            "Sites exposed (TTS < TTR)".into(),
            exposed_sites as f64,
            "sites",
            format!("of {} sites", net.sites().len()),
        ),
        (
            "Chokepoints".into(),
            chokepoints as f64,
            "units",
            "sites, companies or countries whose loss alone stops a products row".into(),
        ),
        (
            "Hidden Tier-2 chokepoints (diamonds)".into(),
            hidden as f64,
            "sites",
            "tier >= 2 sites behind two or more Tier-1 sellers of a row they stop".into(),
        ),
        (
            "Single-source supply groups".into(),
            r.crit.single_sources.len() as f64,
            "groups",
            "(buyer, part) with one seller and no unmapped remainder covering it".into(),
        ),
        (
            "Monte Carlo scenarios".into(),
            sim.scenarios as f64,
            "scenarios",
            format!("seed {}", sim.seed),
        ),
    ]);
    push(
        "headline",
        "Headline figures",
        "One row per figure of the executive summary.",
        frame(
            "headline",
            vec![
                col("metric", h.iter().map(|x| x.0.clone()).collect::<Vec<_>>()),
                col("value", h.iter().map(|x| x.1).collect::<Vec<_>>()),
                col(
                    "unit",
                    h.iter().map(|x| x.2.to_string()).collect::<Vec<_>>(),
                ),
                col("note", h.iter().map(|x| x.3.clone()).collect::<Vec<_>>()),
            ],
        )?,
    );

    // Exposure.
    push(
        "exposure_site",
        "Exposure per site",
        "Every site lost alone for its TTR (DESIGN 3.2), ranked by PI.",
        exposure_table(a, &r.site, "exposure_site")?,
    );
    push(
        "exposure_company",
        "Exposure per company",
        "Every company (all its sites) lost for its TTR, ranked by PI.",
        exposure_table(a, &r.company, "exposure_company")?,
    );
    push(
        "exposure_country",
        "Exposure per country",
        "Every country with a site lost for its TTR, ranked by PI.",
        exposure_table(a, &r.country, "exposure_country")?,
    );
    push(
        "site_risk",
        "Intrinsic risk per site",
        "p_fail and score of every site under the policy (DESIGN 3.3), in site order.",
        a.risk_frame(),
    );

    // Impact of the worst site.
    if let Some(w) = worst {
        let unit = r.site.units[w].clone();
        let imp = a.impact(&Disruption::sites([unit.clone()]), r.site.ttr[w])?;
        let mut df = imp.to_dataframe(a);
        df.with_column(col("disrupted_site", vec![unit; df.height()]))
            .map_err(table_err("impact_worst_site"))?;
        let order = order_desc(&imp.loss, &labels);
        let df = take("impact_worst_site", &df, &order)?;
        push(
            "impact_worst_site",
            "Products impact of the worst site",
            "Every products row when the site with the largest PI is lost for its TTR, ranked by loss.",
            df,
        );
    }

    // Monte Carlo.
    let summary = sim.summary();
    let n = labels.len();
    let el: Vec<f64> = sim.row_stats.iter().map(|s| s.expected).collect();
    let mut order = order_desc(&el, &labels);
    order.push(n);
    push(
        "mc_summary",
        "Monte Carlo per product",
        "Per products row, ranked by expected loss, then the portfolio: availability, P(short), \
         P(zero) against the analytic q, expected loss, VaR and CVaR (DESIGN 3.4).",
        take("mc_summary", &summary, &order)?,
    );
    push(
        "mc_losses",
        "Monte Carlo portfolio loss per scenario",
        "One row per scenario, in scenario order.",
        sim.losses_frame(),
    );
    let keep: Vec<usize> = (0..sim.site_failures.len())
        .filter(|&s| sim.site_failures[s] > 0)
        .collect();
    let share: Vec<f64> = keep.iter().map(|&s| sim.site_loss_share[s]).collect();
    let ids: Vec<String> = keep
        .iter()
        .map(|&s| net.sites()[s].site_id.clone())
        .collect();
    push(
        "mc_sites",
        "Monte Carlo loss share per site",
        "Sites that failed in a scenario with a loss, ranked by loss-weighted failure share.",
        take("mc_sites", &sim.sites_frame(a), &order_desc(&share, &ids))?,
    );
    let cs: Vec<usize> = (0..sim.country_events.len())
        .filter(|&c| sim.country_events[c] > 0)
        .collect();
    let c_ids: Vec<String> = cs.iter().map(|&c| net.countries()[c].clone()).collect();
    let c_share: Vec<f64> = cs.iter().map(|&c| sim.country_loss_share[c]).collect();
    let df = frame(
        "mc_countries",
        vec![
            col("country", c_ids.clone()),
            col(
                "p_event",
                cs.iter()
                    .map(|&c| a.country_p_event()[c])
                    .collect::<Vec<_>>(),
            ),
            col(
                "losing_events",
                cs.iter()
                    .map(|&c| sim.country_events[c])
                    .collect::<Vec<_>>(),
            ),
            col("loss_share", c_share.clone()),
        ],
    )?;
    push(
        "mc_countries",
        "Monte Carlo loss share per country",
        "Countries with a country-wide event in a scenario with a loss, ranked by loss share.",
        take("mc_countries", &df, &order_desc(&c_share, &c_ids))?,
    );

    // Criticality.
    let crit = &r.crit;
    let maps = [
        (UnitKind::Site, pi_map(&r.site)),
        (UnitKind::Company, pi_map(&r.company)),
        (UnitKind::Country, pi_map(&r.country)),
    ];
    let pi_of = |kind: UnitKind, id: &str| -> f64 {
        maps.iter()
            .find(|(k, _)| *k == kind)
            .and_then(|(_, m)| m.get(id).copied())
            .unwrap_or(0.0)
    };
    let pis: Vec<f64> = crit
        .chokepoints
        .iter()
        .map(|c| pi_of(c.kind, &c.unit))
        .collect();
    let keys: Vec<String> = crit
        .chokepoints
        .iter()
        .map(|c| format!("{}:{}", c.kind.as_str(), c.unit))
        .collect();
    let mut df = crit.chokepoints_frame(a);
    df.with_column(col("pi", pis.clone()))
        .map_err(table_err("chokepoints"))?;
    push(
        "chokepoints",
        "Chokepoints",
        "Units whose loss alone brings some products row to availability 0, ranked by PI; \
         hidden = a tier >= 2 site behind two or more Tier-1 sellers (the diamond).",
        take("chokepoints", &df, &order_desc(&pis, &keys))?,
    );
    let ss = &crit.single_sources;
    let seller_pi: Vec<f64> = ss
        .iter()
        .map(|s| pi_of(UnitKind::Site, &s.seller))
        .collect();
    let seller_p: Vec<f64> = ss
        .iter()
        .map(|s| {
            net.site_index(&s.seller)
                .map_or(0.0, |i| a.site_risks()[i as usize].p_fail)
        })
        .collect();
    let keys: Vec<String> = ss
        .iter()
        .map(|s| format!("{}|{}|{}", s.buyer, s.part, s.seller))
        .collect();
    let mut df = crit.single_sources_frame();
    df.with_column(col("seller_p_fail", seller_p))
        .map_err(table_err("single_sources"))?;
    df.with_column(col("seller_pi", seller_pi.clone()))
        .map_err(table_err("single_sources"))?;
    push(
        "single_sources",
        "Single sources",
        "(buyer, part) groups with exactly one seller, ranked by the seller's PI.",
        take("single_sources", &df, &order_desc(&seller_pi, &keys))?,
    );
    push(
        "critical_sellers",
        "Critical sellers",
        "Sellers whose loss alone leaves their group short (DESIGN 3.5), in supply order.",
        crit.critical_sellers_frame(),
    );
    let dep: Vec<f64> = crit
        .dependants
        .iter()
        .map(|d| d.tier1_sites as f64)
        .collect();
    let dep_ids: Vec<String> = crit.dependants.iter().map(|d| d.site.clone()).collect();
    push(
        "tier1_dependants",
        "Tier-1 dependants of deeper sites",
        "Every tier >= 2 site and the distinct Tier-1 sites depending on it, ranked by count.",
        take(
            "tier1_dependants",
            &crit.dependants_frame(),
            &order_desc(&dep, &dep_ids),
        )?,
    );
    let hhi: Vec<f64> = crit.concentration.iter().map(|c| c.hhi).collect();
    let keys: Vec<String> = crit
        .concentration
        .iter()
        .map(|c| format!("{}|{:06}", labels[c.row as usize], c.tier))
        .collect();
    push(
        "hhi",
        "Country concentration (HHI) per product and tier",
        "HHI of each products row's cost-weighted supply by country at each tier, ranked by HHI.",
        take(
            "hhi",
            &crit.concentration_frame(a),
            &order_desc(&hhi, &keys),
        )?,
    );
    push(
        "country_shares",
        "Country shares per product and tier",
        "Each country's share of a products row's cost-weighted supply at a tier (DESIGN 3.5).",
        crit.country_shares_frame(a),
    );
    let mut agg: BTreeMap<(u32, String), f64> = BTreeMap::new();
    for s in &crit.country_shares {
        *agg.entry((s.tier, s.country.clone())).or_insert(0.0) += s.value;
    }
    let mut tier_total: BTreeMap<u32, f64> = BTreeMap::new();
    for ((t, _), v) in &agg {
        *tier_total.entry(*t).or_insert(0.0) += v;
    }
    let mut rows: Vec<(u32, String, f64, f64)> = agg
        .into_iter()
        .map(|((t, c), v)| {
            let tot = tier_total[&t];
            (t, c, v, if tot > 0.0 { v / tot } else { 0.0 })
        })
        .collect();
    rows.sort_by(|x, y| x.0.cmp(&y.0).then(y.3.total_cmp(&x.3)).then(x.1.cmp(&y.1)));
    push(
        "tier_country",
        "Supply by tier and country",
        "Cost-weighted daily supply volume of every products row together, per tier and country; \
         share = of the tier's total (the heat map).",
        frame(
            "tier_country",
            vec![
                col("tier", rows.iter().map(|x| x.0).collect::<Vec<_>>()),
                col(
                    "country",
                    rows.iter().map(|x| x.1.clone()).collect::<Vec<_>>(),
                ),
                col("value", rows.iter().map(|x| x.2).collect::<Vec<_>>()),
                col("share", rows.iter().map(|x| x.3).collect::<Vec<_>>()),
            ],
        )?,
    );
    let gap: Vec<f64> = crit
        .safety_stock
        .iter()
        .map(|s| s.safety_stock_days - s.current_days)
        .collect();
    let keys: Vec<String> = crit
        .safety_stock
        .iter()
        .map(|s| format!("{}|{}|{}", s.buyer, s.part, s.seller))
        .collect();
    let mut df = crit.safety_stock_frame();
    df.with_column(col("gap_days", gap.clone()))
        .map_err(table_err("safety_stock"))?;
    push(
        "safety_stock",
        "Risk-adjusted safety stock",
        "Per supply edge: the safety stock the policy asks for against what the buyer holds; \
         ranked by the gap in days (DESIGN 3.5).",
        take("safety_stock", &df, &order_desc(&gap, &keys))?,
    );

    // Explaining paths of the top sites.
    push(
        "explain_paths",
        "Explaining paths of the top risks",
        "For each of the sites with the largest PI, the products row it hurts most and the two \
         paths that explain it: the TTS path (disrupted site down to the plant) and the binding \
         availability path.",
        explain_table(a, o, r, &labels)?,
    );

    // The exact LPs of the top sites (empty when the network is too large for the report).
    let stress = match &r.stress {
        Some(s) => s.to_dataframe(),
        None => crate::lp::Stress::empty(
            Some(UnitKind::Site),
            crate::lp::Method::Lp,
            a.provenance(None),
        )
        .to_dataframe(),
    };
    push(
        "stress_top_sites",
        "The exact stress test of the top sites",
        "For the sites with the largest closed-form PI: the TTR and TTS linear programs of \
         Simchi-Levi et al. (DESIGN 3.6), with capacity and stock everywhere, solved with HiGHS, \
         next to the closed form.",
        stress,
    );
    Ok(tables)
}

fn explain_table(
    a: &Analysis,
    o: &ReportOptions,
    r: &Results,
    labels: &[String],
) -> Result<DataFrame, ReportError> {
    let e = &r.site;
    let mut rank = Vec::new();
    let mut unit = Vec::new();
    let mut product = Vec::new();
    let mut row_av = Vec::new();
    let mut row_tts = Vec::new();
    let mut row_loss = Vec::new();
    let mut path = Vec::new();
    let mut step = Vec::new();
    let mut site = Vec::new();
    let mut part = Vec::new();
    let mut tier = Vec::new();
    let mut disrupted = Vec::new();
    let mut avail = Vec::new();
    let mut inv = Vec::new();
    let mut days = Vec::new();
    for (k, &u) in order_desc(&e.pi, &e.units)
        .iter()
        .take(o.explain_top)
        .enumerate()
    {
        if e.pi[u] <= 0.0 {
            break;
        }
        let Some(worst) = e.rows[u]
            .iter()
            .max_by(|x, y| x.loss.total_cmp(&y.loss).then(y.row.cmp(&x.row)))
        else {
            continue;
        };
        let x = a.explain(worst.row as usize, &Disruption::sites([e.units[u].clone()]))?;
        for (which, steps) in [("tts", &x.tts_path), ("availability", &x.availability_path)] {
            for (i, s) in steps.iter().enumerate() {
                rank.push(k as u32 + 1);
                unit.push(e.units[u].clone());
                product.push(labels[worst.row as usize].clone());
                row_av.push(worst.availability);
                row_tts.push(worst.tts);
                row_loss.push(worst.loss);
                path.push(which.to_string());
                step.push(i as u32);
                site.push(s.site.clone());
                part.push(s.part.clone());
                tier.push(s.tier);
                disrupted.push(s.disrupted);
                avail.push(s.availability);
                inv.push(s.inventory_days);
                days.push(s.cumulative_days);
            }
        }
    }
    frame(
        "explain_paths",
        vec![
            col("rank", rank),
            col("unit", unit),
            col("product", product),
            col("row_availability", row_av),
            col("row_tts_days", row_tts),
            col("row_loss", row_loss),
            col("path", path),
            col("step", step),
            col("site", site),
            col("part", part),
            col("tier", tier),
            col("disrupted", disrupted),
            col("availability", avail),
            col("inventory_days_next_hop", inv),
            col("days_from_disruption", days),
        ],
    )
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
