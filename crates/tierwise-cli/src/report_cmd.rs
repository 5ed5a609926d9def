//! `tierwise report`: reads the data, runs [`tierwise::report::build_with`] with a progress bar
//! per long step and writes the report folder.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::Args;
use tierwise::ingest::RawTables;
use tierwise::network::Network;
use tierwise::progress::Progress;
use tierwise::report::{InputFile, ReportError, ReportOptions, Steps, Timing};
use tierwise::risk::{Analysis, Policy};
use tierwise::store::{KnowledgeGraph, StoreError};

use crate::{Failure, fail};

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// A folder of tables, an RDF file (.ttl, .nt, .nq, .trig) or a store made by `tierwise
    /// load`; the bundled demo data when omitted.
    pub data: Option<PathBuf>,
    /// Scoring policy (TOML); the shipped default when omitted.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// Reference time for signal staleness (RFC 3339); now when omitted. Give it to make a
    /// rerun byte-identical.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Monte Carlo seed.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Monte Carlo scenarios [default: 10,000; on networks above 10,000 sites 10^8 / sites,
    /// at least 1,000].
    #[arg(long)]
    pub scenarios: Option<usize>,
    /// How many of the riskiest sites get their explaining paths.
    #[arg(long, default_value_t = 5)]
    pub explain_top: usize,
    /// Rows of each ranked list shown on the page (the files hold every row).
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Output folder (created if missing): index.html, summary.json, a .parquet and a .csv
    /// per result table.
    #[arg(long, default_value = "report")]
    pub out: PathBuf,
}

/// A progress bar per step (on a terminal only); Ctrl-C cancels the running step and a
/// second one exits at once.
struct Bars {
    current: Arc<Mutex<Option<Arc<Progress>>>>,
}

impl Bars {
    fn new() -> Self {
        let current: Arc<Mutex<Option<Arc<Progress>>>> = Arc::default();
        let slot = Arc::clone(&current);
        // Registered before `with_progress` tries to register its own (which then does
        // nothing), so that Ctrl-C reaches whichever step runs.
        let _ = ctrlc::set_handler(move || {
            let p = slot.lock().ok().and_then(|g| g.clone());
            match p {
                Some(p) if !p.is_cancelled() => p.cancel(),
                _ => std::process::exit(130),
            }
        });
        Bars { current }
    }
}

impl Steps for Bars {
    fn step<T: Send>(&self, label: &str, work: impl FnOnce(&Progress) -> T + Send) -> T {
        let p = Arc::new(Progress::new());
        if let Ok(mut g) = self.current.lock() {
            *g = Some(Arc::clone(&p));
        }
        let r = crate::analyse::with_progress(label, &p, work);
        if let Ok(mut g) = self.current.lock() {
            *g = None;
        }
        r
    }
}

/// The network, the input files and a description of the source.
fn read_network(
    data: Option<&Path>,
    policy: &Policy,
) -> Result<(Network, Vec<InputFile>, String), Failure> {
    let options = policy.load_options();
    let compile = |raw: RawTables, source: String| -> Result<_, Failure> {
        let checked = raw
            .check(&options)
            .map_err(|e| Failure::from(StoreError::Ingest(e)))?;
        let net = Network::compile(&checked.tables).map_err(|e| fail(2, format!("error: {e}")))?;
        Ok((net, InputFile::from_pairs(&checked.files), source))
    };
    let Some(path) = data else {
        return compile(
            tierwise::report::demo_raw_tables(),
            "the bundled demo data (data/demo)".into(),
        );
    };
    let shown = path.display().to_string();
    if path.is_dir() {
        let is_tables = ["sites.csv", "sites.parquet"]
            .iter()
            .any(|f| path.join(f).is_file());
        if is_tables {
            let raw =
                RawTables::read_dir(path).map_err(|e| Failure::from(StoreError::Ingest(e)))?;
            return compile(raw, format!("the tables in {shown}"));
        }
        if path.join("CURRENT").is_file() {
            let kg = KnowledgeGraph::open(path)?;
            let inputs = InputFile::from_store(&kg)?;
            return Ok((kg.network()?, inputs, format!("the store {shown}")));
        }
        return Err(fail(
            2,
            format!(
                "error: {shown} is neither a folder of tables (no sites.csv or sites.parquet) nor a store made by `tierwise load`"
            ),
        ));
    }
    if path.is_file() {
        let kg = KnowledgeGraph::in_memory()?;
        kg.load_rdf(path, None, &options)?;
        let inputs = InputFile::from_store(&kg)?;
        return Ok((kg.network()?, inputs, format!("the RDF file {shown}")));
    }
    Err(fail(2, format!("error: {shown}: no such file or folder")))
}

pub fn run(args: ReportArgs) -> Result<(), Failure> {
    let t0 = Instant::now();
    let policy = match &args.policy {
        Some(path) => Policy::from_path(path).map_err(|e| fail(2, format!("error: {e}")))?,
        None => Policy::default(),
    };
    let as_of = match &args.as_of {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map_err(|e| fail(2, format!("error: --as-of {t:?}: {e}")))?
            .to_utc(),
        None => chrono::Utc::now(),
    };
    if args.scenarios == Some(0) {
        return Err(fail(2, "error: --scenarios must be at least 1"));
    }
    let (net, inputs, source) = read_network(args.data.as_deref(), &policy)?;
    let scenarios = args
        .scenarios
        .unwrap_or_else(|| tierwise::report::default_scenarios(net.sites().len()));
    let load_s = t0.elapsed().as_secs_f64();
    let a = Analysis::new(Arc::new(net), Arc::new(policy), as_of);
    let options = ReportOptions {
        scenarios,
        seed: args.seed,
        explain_top: args.explain_top,
        list_top: args.top,
        source,
        inputs,
        ..ReportOptions::default()
    };
    let mut report =
        tierwise::report::build_with(&a, &options, &Bars::new()).map_err(|e| match e {
            ReportError::Cancelled(_) => fail(130, "interrupted"),
            other => fail(1, format!("error: {other}")),
        })?;
    report.summary.timings.insert(
        0,
        Timing {
            step: "read_and_compile".into(),
            seconds: load_s,
        },
    );
    report
        .write(&args.out)
        .map_err(|e| fail(1, format!("error: {e}")))?;
    let s = &report.summary;
    println!(
        "wrote {} ({} tables as Parquet and CSV, summary.json) for {} sites in {:.1} s",
        args.out.join("index.html").display(),
        report.tables.len(),
        s.network.sites,
        t0.elapsed().as_secs_f64()
    );
    println!(
        "revenue at risk (Monte Carlo expected loss, {} scenarios, seed {}): {}",
        s.scenarios,
        s.seed,
        tierwise::report::format_number(s.revenue_at_risk)
    );
    Ok(())
}
