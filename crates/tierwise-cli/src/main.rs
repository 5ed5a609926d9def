//! The `tierwise` command line.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use polars::prelude::*;
use tierwise::ingest::{IngestError, LoadOptions, QualityReport};
use tierwise::store::{KnowledgeGraph, StoreError};

mod analyse;
mod output;
mod report_cmd;
mod stress_cmd;

use analyse::{CritView, DisruptionArgs, PolicyArgs, Unit};

#[derive(Parser, Debug)]
#[command(
    name = "tierwise",
    version,
    about = "Knowledge-graph risk analytics for multi-tier supply chains",
    long_about = "tierwise maps suppliers, sites, parts and bills of material into an RDF knowledge \
graph, compiles it into a supply network and analyses how disruptions deep in the chain reach \
the products.\n\nData is either a store on disk (--store, default ./tierwise.db) or a folder of \
tables / an RDF file given with --data, loaded into memory for one command.",
    after_help = "Exit codes: 0 success, 1 failure (I/O, store), 2 bad input (data quality, usage)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Write a synthetic, realistic supply network as CSV tables (same seed, same bytes).
    Generate {
        /// Approximate number of sites.
        #[arg(long, default_value_t = 1000)]
        sites: usize,
        /// Random seed.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// A shaped preset instead (`peer`: three tiers of N1 plants, N2 and 2 * N2 suppliers).
        #[arg(long, value_enum)]
        preset: Option<stress_cmd::Preset>,
        /// Plants of the preset.
        #[arg(long, default_value_t = 200)]
        n1: usize,
        /// Tier-2 sites of the preset (tier 3 has twice as many).
        #[arg(long, default_value_t = 500)]
        n2: usize,
    },
    /// Check data with every quality gate and load it into a store, one named graph per input.
    ///
    /// Each INPUT is a folder of tables (sites, parts, products, bom, supply and optional
    /// capacity, countries, signals, alternates; .csv or .parquet) or an RDF file (.ttl, .nt,
    /// .nq, .trig). All violations are printed at once and nothing is stored when any input
    /// fails.
    Load {
        /// Folders of tables or RDF files.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The store (RocksDB folder), created if missing.
        #[arg(long, default_value = "tierwise.db")]
        store: PathBuf,
        #[command(flatten)]
        gates: GateArgs,
        /// Print every warning (by default a count per kind and the first few).
        #[arg(long)]
        all_warnings: bool,
    },
    /// Check a folder of tables or an RDF file without storing anything.
    Check {
        input: PathBuf,
        #[command(flatten)]
        gates: GateArgs,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Run a SPARQL query; the default graph is the union of every load and the ontology.
    Query {
        /// The query text, or @FILE to read it from a file.
        sparql: String,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Summarise the compiled supply network: nodes, edges, tiers, products, unmapped depth.
    Network {
        #[command(flatten)]
        data: DataArgs,
        /// What to list: a summary, the nodes, the supply edges, the products rows, the site
        /// tiers or the unmapped-depth list.
        #[arg(long, value_enum, default_value_t = NetworkView::Summary)]
        show: NetworkView,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Export the data of every load as RDF (.ttl, .nt, .nq, .trig by extension).
    Export {
        #[command(flatten)]
        data: DataArgs,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Intrinsic failure probability of every site under the scoring policy (DESIGN 3.3).
    Risk {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        policy: PolicyArgs,
        /// List every factor's value, weight and contribution instead.
        #[arg(long)]
        factors: bool,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Availability, time to survive and loss of every products row under one disruption.
    Impact {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        policy: PolicyArgs,
        #[command(flatten)]
        disruption: DisruptionArgs,
        /// How long the disruption lasts, in days.
        #[arg(long, default_value_t = 30.0)]
        days: f64,
        #[command(flatten)]
        out: OutArgs,
    },
    /// TTR, minimum TTS, PI, REI and exposed flag of every unit of a kind (DESIGN 3.2).
    Exposure {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        policy: PolicyArgs,
        /// The kind of unit to disrupt one at a time.
        #[arg(long, value_enum, default_value_t = Unit::Site)]
        unit: Unit,
        /// Only these units (REI stays relative to every unit of the kind).
        #[arg(long)]
        only: Vec<String>,
        /// List each unit's short products rows instead of one line per unit.
        #[arg(long)]
        rows: bool,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Exact stress test (DESIGN 3.6): LP PI, REI and TTS of every unit of a kind.
    Stress {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        policy: PolicyArgs,
        /// The kind of unit to disrupt one at a time.
        #[arg(long, value_enum, default_value_t = stress_cmd::StressUnit::Site)]
        unit: stress_cmd::StressUnit,
        /// closed-form (DESIGN 3.2), lp (every unit) or hybrid (LP where screening cannot clear).
        #[arg(long, value_enum, default_value_t = stress_cmd::StressMethod::Hybrid)]
        method: stress_cmd::StressMethod,
        /// Only these units (LP REI is relative to the units solved).
        #[arg(long)]
        only: Vec<String>,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Monte Carlo over site and country failures: availability, expected loss, VaR, CVaR.
    Simulate {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        policy: PolicyArgs,
        #[arg(long, default_value_t = 10_000)]
        scenarios: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// List each site's loss-weighted failure share instead of the per-product summary.
        #[arg(long)]
        sites: bool,
        /// Also write the portfolio loss of every scenario (.parquet or .csv).
        #[arg(long)]
        losses: Option<PathBuf>,
        #[command(flatten)]
        out: OutArgs,
    },
    /// The paths that set a products row's TTS and availability under a disruption.
    Explain {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        policy: PolicyArgs,
        /// The products row as PART@SITE.
        #[arg(long)]
        product: String,
        #[command(flatten)]
        disruption: DisruptionArgs,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Single sources, critical sellers, chokepoints, Tier-1 dependants, country HHI, safety stock.
    Criticality {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        policy: PolicyArgs,
        #[arg(long, value_enum, default_value_t = CritView::Chokepoints)]
        show: CritView,
        #[command(flatten)]
        out: OutArgs,
    },
    /// The batch risk-propagation report: exposure, Monte Carlo, criticality and explaining
    /// paths as one self-contained HTML page, a Parquet and a CSV file per result table, and
    /// summary.json (input hashes, policy, seed, timings).
    Report(report_cmd::ReportArgs),
    /// Convert one of the 38 real Willems (2008) chains into tierwise tables.
    Willems {
        /// Chain number, 1 to 38.
        #[arg(long)]
        chain: u32,
        /// Folder holding stages.csv, arcs.csv and chains.csv.
        #[arg(long, default_value = "data/willems")]
        source: PathBuf,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum NetworkView {
    Summary,
    Nodes,
    Edges,
    Products,
    Tiers,
    Unmapped,
}

#[derive(Args, Debug, Clone)]
struct GateArgs {
    /// Signals older than this many days are reported as stale.
    #[arg(long, default_value_t = 180.0)]
    stale_after_days: f64,
}

impl GateArgs {
    fn options(&self) -> LoadOptions {
        LoadOptions::default().with_stale_after_days(self.stale_after_days)
    }
}

#[derive(Args, Debug, Clone)]
struct DataArgs {
    /// The store to read (a RocksDB folder made by `tierwise load`).
    #[arg(long, default_value = "tierwise.db")]
    store: PathBuf,
    /// A folder of tables or an RDF file to load into memory instead of opening the store.
    #[arg(long)]
    data: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
    Parquet,
}

#[derive(Args, Debug, Clone)]
struct OutArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write to this file instead of standard output (required for parquet).
    #[arg(long = "output", short = 'o')]
    output: Option<PathBuf>,
}

/// A failure with its exit code.
struct Failure {
    code: u8,
    message: String,
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Ingest(IngestError::DataQuality(r)) => quality_failure(&r),
            StoreError::Query(m) => Failure {
                code: 2,
                message: format!("error: SPARQL query: {m}"),
            },
            StoreError::RdfSyntax { .. } | StoreError::UnknownFormat { .. } => Failure {
                code: 2,
                message: format!("error: {e}"),
            },
            StoreError::Ingest(IngestError::Io { .. }) => Failure {
                code: 2,
                message: format!("error: {e}"),
            },
            other => Failure {
                code: 1,
                message: format!("error: {other}"),
            },
        }
    }
}

fn quality_failure(r: &QualityReport) -> Failure {
    let mut m = format!(
        "error: the data failed the quality gates ({} error(s), nothing was stored)\n",
        r.errors.len()
    );
    for e in &r.errors {
        m.push_str(&format!("  {e}\n"));
    }
    if !r.warnings.is_empty() {
        m.push_str(&format!("and {} warning(s)", r.warnings.len()));
    }
    Failure {
        code: 2,
        message: m.trim_end().to_string(),
    }
}

fn fail(code: u8, message: impl Into<String>) -> Failure {
    Failure {
        code,
        message: message.into(),
    }
}

#[allow(unsafe_code)]
fn main() -> ExitCode {
    // Show whole tables in `--format table` unless the user chose otherwise.
    for (key, value) in [("POLARS_FMT_MAX_ROWS", "60"), ("POLARS_FMT_STR_LEN", "80")] {
        if std::env::var_os(key).is_none() {
            // SAFETY: nothing else runs yet: no thread has been started.
            unsafe { std::env::set_var(key, value) };
        }
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("{}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn open_data(d: &DataArgs) -> Result<KnowledgeGraph, Failure> {
    match &d.data {
        Some(path) => {
            let kg = KnowledgeGraph::in_memory()?;
            load_one(&kg, path, &LoadOptions::default())?;
            Ok(kg)
        }
        None => {
            if !d.store.exists() {
                return Err(fail(
                    2,
                    format!(
                        "error: no store at {} (run `tierwise load DATA --store {}` first, or pass --data DIR)",
                        d.store.display(),
                        d.store.display()
                    ),
                ));
            }
            Ok(KnowledgeGraph::open(&d.store)?)
        }
    }
}

fn load_one(
    kg: &KnowledgeGraph,
    path: &Path,
    options: &LoadOptions,
) -> Result<tierwise::store::LoadReceipt, StoreError> {
    if path.is_dir() {
        kg.load_tables(path, options)
    } else {
        kg.load_rdf(path, None, options)
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Generate {
            preset: Some(preset),
            n1,
            n2,
            seed,
            out,
            ..
        } => stress_cmd::generate_preset(preset, n1, n2, seed, &out),
        Command::Generate {
            sites, seed, out, ..
        } => {
            let tables = tierwise::generate::generate(&tierwise::generate::GeneratorConfig::new(
                sites, seed,
            ))
            .map_err(|e| fail(2, format!("error: {e}")))?;
            tierwise::ingest::write_tables_csv(&tables, &out)
                .map_err(|e| fail(1, format!("error: cannot write {}: {e}", out.display())))?;
            println!(
                "wrote {} sites, {} parts, {} products rows, {} bom lines, {} supply rows to {}",
                tables.sites.len(),
                tables.parts.len(),
                tables.products.len(),
                tables.bom.len(),
                tables.supply.len(),
                out.display()
            );
            Ok(())
        }
        Command::Load {
            inputs,
            store,
            gates,
            all_warnings,
        } => {
            let options = gates.options();
            // Check everything first so that one bad input stores nothing at all.
            for input in &inputs {
                let scratch = KnowledgeGraph::in_memory()?;
                load_one(&scratch, input, &options)?;
            }
            let kg = KnowledgeGraph::open(&store)?;
            for input in &inputs {
                let r = load_one(&kg, input, &options)?;
                println!(
                    "loaded {} into {} as graph <{}> ({} quads)",
                    input.display(),
                    store.display(),
                    r.graph,
                    r.quads
                );
                for (path, sha) in &r.files {
                    println!("  {path}  sha256 {sha}");
                }
                print_warnings(&r.warnings, all_warnings);
            }
            Ok(())
        }
        Command::Check { input, gates, out } => {
            let options = gates.options();
            let kg = KnowledgeGraph::in_memory()?;
            match load_one(&kg, &input, &options) {
                Ok(r) => {
                    let report = QualityReport {
                        errors: Vec::new(),
                        warnings: r.warnings,
                    };
                    eprintln!(
                        "{}: passes every gate ({} warning(s))",
                        input.display(),
                        report.warnings.len()
                    );
                    output::write_frame(&mut report.to_dataframe(), &out)
                }
                Err(StoreError::Ingest(IngestError::DataQuality(r))) => {
                    output::write_frame(&mut r.to_dataframe(), &out)?;
                    Err(fail(
                        2,
                        format!(
                            "{}: {} error(s), {} warning(s)",
                            input.display(),
                            r.errors.len(),
                            r.warnings.len()
                        ),
                    ))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Query { sparql, data, out } => {
            let text = match sparql.strip_prefix('@') {
                Some(file) => std::fs::read_to_string(file)
                    .map_err(|e| fail(2, format!("error: cannot read query file {file}: {e}")))?,
                None => sparql,
            };
            let kg = open_data(&data)?;
            let mut df = kg.query(&text)?;
            output::write_frame(&mut df, &out)
        }
        Command::Network { data, show, out } => {
            let kg = open_data(&data)?;
            let net = kg.network()?;
            let mut df = output::network_view(&net, show);
            output::write_frame(&mut df, &out)
        }
        Command::Export { data, out } => {
            let kg = open_data(&data)?;
            kg.export_file(&out)?;
            println!("wrote {}", out.display());
            Ok(())
        }
        Command::Risk {
            data,
            policy,
            factors,
            out,
        } => analyse::risk(data, policy, factors, out),
        Command::Impact {
            data,
            policy,
            disruption,
            days,
            out,
        } => analyse::impact(data, policy, disruption, days, out),
        Command::Exposure {
            data,
            policy,
            unit,
            only,
            rows,
            out,
        } => analyse::exposure(data, policy, unit, only, rows, out),
        Command::Stress {
            data,
            policy,
            unit,
            method,
            only,
            out,
        } => stress_cmd::stress(data, policy, unit, method, only, out),
        Command::Simulate {
            data,
            policy,
            scenarios,
            seed,
            sites,
            losses,
            out,
        } => analyse::simulate(data, policy, scenarios, seed, sites, losses, out),
        Command::Explain {
            data,
            policy,
            product,
            disruption,
            out,
        } => analyse::explain(data, policy, product, disruption, out),
        Command::Criticality {
            data,
            policy,
            show,
            out,
        } => analyse::criticality(data, policy, show, out),
        Command::Report(args) => report_cmd::run(args),
        Command::Willems { chain, source, out } => {
            let w = tierwise::willems::WillemsData::read_dir(&source)
                .map_err(|e| fail(2, format!("error: {e}")))?;
            let tables = w
                .to_tables(chain)
                .map_err(|e| fail(2, format!("error: {e}")))?;
            tierwise::ingest::write_tables_csv(&tables, &out)
                .map_err(|e| fail(1, format!("error: cannot write {}: {e}", out.display())))?;
            println!(
                "wrote Willems chain {chain}: {} sites, {} supply rows, {} products rows to {}",
                tables.sites.len(),
                tables.supply.len(),
                tables.products.len(),
                out.display()
            );
            Ok(())
        }
    }
}

fn print_warnings(warnings: &[tierwise::ingest::Finding], all: bool) {
    if warnings.is_empty() {
        return;
    }
    println!("  {} warning(s):", warnings.len());
    let shown = if all {
        warnings.len()
    } else {
        10.min(warnings.len())
    };
    for w in &warnings[..shown] {
        println!("    {w}");
    }
    if shown < warnings.len() {
        println!(
            "    ... {} more (use --all-warnings)",
            warnings.len() - shown
        );
    }
    let _ = std::io::stdout().flush();
}

impl From<PolarsError> for Failure {
    fn from(e: PolarsError) -> Self {
        fail(1, format!("error: {e}"))
    }
}
