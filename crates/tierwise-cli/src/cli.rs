//! What users type: the clap definitions of every command and their shared argument groups.
//! What each command does is in `commands/`.

use std::fmt::Display;
use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use tierwise::lp::Method;
use tierwise::network::NetworkView;
use tierwise::risk::{CriticalityView, UnitKind};

#[derive(Parser, Debug)]
#[command(
    name = "tierwise",
    version,
    about = "Knowledge-graph risk analytics for multi-tier supply chains",
    long_about = "tierwise maps suppliers, sites, parts and bills of material into an RDF knowledge \
graph, compiles it into a supply network and analyses how disruptions deep in the chain reach \
the products.\n\nEvery analysis command reads its data from DATA (or --data): a folder of \
tables, an RDF file or a store made by `tierwise load`, told apart by what the path holds. \
Without DATA it reads the store ./tierwise.db (or the one --store names).",
    after_help = "Exit codes: 0 success, 1 failure (I/O, store), 2 bad input (data quality, usage), \
130 interrupted."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write a synthetic, realistic supply network as CSV tables (same seed, same bytes).
    Generate(GenerateArgs),
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
        /// Stop the query after this many seconds (exit code 1); Ctrl-C stops it any time.
        #[arg(long, value_name = "SECONDS", value_parser = positive_seconds)]
        timeout: Option<f64>,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        out: OutArgs,
    },
    /// The compiled supply network as a table: a summary, its nodes, edges, products rows,
    /// site tiers or the inputs no supply row covers (unmapped depth).
    Network {
        #[command(flatten)]
        data: DataArgs,
        /// What to list.
        #[arg(long, default_value = "summary", value_parser = one_of(&NetworkView::ALL))]
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
    /// How likely each site is to fail under the scoring policy, and why (its risk factors).
    Risk {
        #[command(flatten)]
        common: AnalysisArgs,
        /// List every factor's value, weight and contribution instead.
        #[arg(long)]
        factors: bool,
    },
    /// Availability, time to survive and loss of every products row under one disruption.
    Impact {
        #[command(flatten)]
        common: AnalysisArgs,
        #[command(flatten)]
        disruption: DisruptionArgs,
        /// How long the disruption lasts, in days.
        #[arg(long, default_value_t = 30.0)]
        days: f64,
    },
    /// For every site (company, country or supply link): the days the products survive its
    /// loss, the days it takes to recover, the revenue lost (PI), its rank (REI) and whether
    /// it is exposed (survive < recover).
    Exposure {
        #[command(flatten)]
        common: AnalysisArgs,
        #[command(flatten)]
        units: UnitArgs,
        /// List each unit's short products rows instead of one line per unit.
        #[arg(long)]
        rows: bool,
        /// Also write the result into the store it was computed from, as a named graph with
        /// PROV-O lineage (the data graphs and policy it used), for SPARQL.
        #[arg(long)]
        write_back: bool,
    },
    /// The exact stress test: the linear programs of time to recover and time to survive
    /// for every unit, with capacity and stock, solved with HiGHS.
    Stress {
        #[command(flatten)]
        common: AnalysisArgs,
        #[command(flatten)]
        units: UnitArgs,
        /// closed-form (fast, no LP), lp (every unit) or hybrid (the LP where the closed form
        /// cannot clear a unit).
        #[arg(long, default_value = "hybrid", value_parser = one_of(&Method::ALL))]
        method: Method,
        /// Also write the result into the store it was computed from, as a named graph with
        /// PROV-O lineage (the data graphs and policy it used), for SPARQL.
        #[arg(long)]
        write_back: bool,
    },
    /// Monte Carlo over site and country failures: availability, expected loss, VaR, CVaR.
    Simulate {
        #[command(flatten)]
        common: AnalysisArgs,
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
        /// Also write the result into the store it was computed from, as a named graph with
        /// PROV-O lineage (the data graphs and policy it used), for SPARQL.
        #[arg(long)]
        write_back: bool,
    },
    /// The paths that set a products row's time to survive and availability under a
    /// disruption.
    Explain {
        #[command(flatten)]
        common: AnalysisArgs,
        /// The products row as PART@SITE.
        #[arg(long)]
        product: String,
        #[command(flatten)]
        disruption: DisruptionArgs,
    },
    /// Single sources, critical sellers, chokepoints, Tier-1 dependants, country concentration
    /// (HHI) and safety stock.
    Criticality {
        #[command(flatten)]
        common: AnalysisArgs,
        /// Which table to show.
        #[arg(long, default_value = "chokepoints", value_parser = one_of(&CriticalityView::ALL))]
        show: CriticalityView,
    },
    /// What to do: proposals for the most exposed units (raise a co-seller's max_share, a
    /// second source, qualify an alternate part, buffer days, safety stock), each costed from
    /// the policy's [mitigation] section and evaluated by re-running the model; ranked by PI
    /// removed per cost. With --budget, the greedy portfolio within it (columns selected,
    /// pick, cumulative_cost, ...).
    Mitigate(MitigateArgs),
    /// The batch risk-propagation report: exposure, Monte Carlo, criticality and explaining
    /// paths as one self-contained HTML page, a Parquet and a CSV file per result table, and
    /// summary.json (input hashes, policy, seed, timings).
    ///
    /// Without DATA, --data or --store it reports on the bundled demo data.
    Report(ReportArgs),
    /// Apply change events (CloudEvents 1.0 JSON lines) to a store and print what they moved.
    ///
    /// Each event is checked by the quality gates on its own: a bad one is rejected with its
    /// line, field, value and reason and the others still apply (unless --atomic). An event
    /// id seen before is a no-op. Exits 2 when any event was rejected.
    ///
    /// With --policy, the policy governs: after each event the agents propose actions, the
    /// policy's rules approve, reject or escalate them, approved actions are committed as
    /// events, and every decision is logged in the store (printed as it happens; the output
    /// is the new log entries).
    Apply {
        /// The JSON-lines file of events.
        events: PathBuf,
        #[command(flatten)]
        live: LiveArgs,
        /// All or nothing: if any event is rejected, none applies.
        #[arg(long)]
        atomic: bool,
        /// Write the rejected events (JSON lines: line, field, value, reason, event) here.
        #[arg(long)]
        rejects: Option<PathBuf>,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Follow a JSON-lines file as it grows (or a folder where files appear) and apply each
    /// event as it arrives, printing what it moved. Ctrl-C stops; a restart resumes without
    /// applying anything twice.
    Watch {
        /// A JSON-lines file, or a folder of them (read in name order).
        path: PathBuf,
        #[command(flatten)]
        live: LiveArgs,
        /// How often to look for new lines, in milliseconds.
        #[arg(long, default_value_t = 200)]
        poll_ms: u64,
        /// Stop after this many events (for scripts and tests).
        #[arg(long)]
        max_events: Option<usize>,
        /// Write the rejected events here (JSON lines).
        #[arg(long)]
        rejects: Option<PathBuf>,
        #[command(flatten)]
        out: OutArgs,
    },
    /// The active disruptions and, per products row, its availability under them, days of
    /// stock left, the day it stops and the projected loss.
    Situation {
        #[command(flatten)]
        live: LiveArgs,
        /// The moment to judge days left at (RFC 3339); now when omitted.
        #[arg(long)]
        now: Option<String>,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Rebuild the state from the stored loads and events and print its hash (the same as
    /// `tierwise apply` reports for the state it left).
    ///
    /// With --policy, the stored events are governed again under that policy, from the loads,
    /// in memory (the store is not changed): the people's answers are given again where the
    /// stored log has them, and the replayed decision log is compared with the stored one entry
    /// by entry (exit 0 when byte-identical, 1 naming the first entry that differs).
    Replay {
        #[command(flatten)]
        live: LiveArgs,
        /// With --policy: also write the replayed decision log here, as JSON lines.
        #[arg(long, requires = "policy")]
        log: Option<PathBuf>,
    },
    /// Policies: check one, or compare two on the stored events before one goes live.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// The decision log: export it from a store as JSON lines, or verify its hash chain.
    #[command(subcommand)]
    Log(LogCommand),
    /// Decisions of the policy: list them, show one, approve or reject a pending one.
    #[command(subcommand)]
    Decisions(DecisionsCommand),
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

#[derive(Args, Debug, Clone)]
pub struct GenerateArgs {
    /// Approximate number of sites.
    #[arg(long, default_value_t = 1000)]
    pub sites: usize,
    /// Random seed.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// A shaped preset instead (`peer`: three tiers of N1 plants, N2 and 2 * N2 suppliers,
    /// like the public stress-test code).
    #[arg(long, value_enum)]
    pub preset: Option<Preset>,
    /// Plants of the preset.
    #[arg(long, default_value_t = 200)]
    pub n1: usize,
    /// Tier-2 sites of the preset (tier 3 has twice as many).
    #[arg(long, default_value_t = 500)]
    pub n2: usize,
    /// Also write OUT/events.jsonl: this many change events of every type for the network
    /// (CloudEvents JSON lines over one day from 2026-07-01).
    #[arg(long, default_value_t = 0)]
    pub events: usize,
}

/// A store with its live state: the store, and the policy and time the analysis is for.
#[derive(Args, Debug, Clone)]
pub struct LiveArgs {
    /// The store (RocksDB folder) made by `tierwise load`.
    #[arg(long, default_value = "tierwise.db")]
    pub store: PathBuf,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

/// Generator presets.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// Three tiers shaped like the public stress-test peer (N1 plants, N2, 2 * N2).
    Peer,
}

#[derive(Args, Debug, Clone)]
pub struct GateArgs {
    /// Signals older than this many days are reported as stale.
    #[arg(long, default_value_t = 180.0)]
    pub stale_after_days: f64,
}

/// Where the data comes from. DATA and --data are the same thing; what the path holds tells
/// a store, a folder of tables and an RDF file apart.
#[derive(Args, Debug, Clone, Default)]
pub struct DataArgs {
    /// A folder of tables, an RDF file (.ttl, .nt, .nq, .trig) or a store made by `tierwise
    /// load`.
    #[arg(value_name = "DATA")]
    pub path: Option<PathBuf>,
    /// The same as DATA.
    #[arg(long = "data", value_name = "DATA", conflicts_with = "path")]
    pub data: Option<PathBuf>,
    /// A store made by `tierwise load` [default when no DATA is given: ./tierwise.db].
    #[arg(long, conflicts_with_all = ["path", "data"])]
    pub store: Option<PathBuf>,
    /// Open the store read-only, e.g. while `tierwise load` writes to it: the command sees
    /// the store as it was when opened (without it, a store in use is refused).
    #[arg(long)]
    pub read_only: bool,
}

#[derive(Args, Debug, Clone)]
pub struct PolicyArgs {
    /// Scoring policy (TOML); the shipped default when omitted.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// The time signals are judged fresh or stale at (RFC 3339, e.g. 2026-04-01T00:00:00Z);
    /// now when omitted. Give it to make a rerun identical.
    #[arg(long)]
    pub as_of: Option<String>,
}

/// The arguments every analysis command shares: its data, its policy and its output.
#[derive(Args, Debug, Clone)]
pub struct AnalysisArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub out: OutArgs,
}

/// Which units to disrupt one at a time.
#[derive(Args, Debug, Clone)]
pub struct UnitArgs {
    /// The kind of unit.
    #[arg(long, default_value = "site", value_parser = one_of(&UnitKind::ALL))]
    pub unit: UnitKind,
    /// Only these units (a link as BUYER|PART|SELLER); REI stays relative to every unit of
    /// the kind for exposure, and to the units solved for the stress test.
    #[arg(long)]
    pub only: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct DisruptionArgs {
    /// Disrupted site (repeatable).
    #[arg(long = "site")]
    pub sites: Vec<String>,
    /// Disrupted company: all its sites (repeatable).
    #[arg(long = "company")]
    pub companies: Vec<String>,
    /// Disrupted country: all its sites (repeatable).
    #[arg(long = "country")]
    pub countries: Vec<String>,
    /// Disrupted supply link as BUYER|PART|SELLER (repeatable).
    #[arg(long = "link")]
    pub links: Vec<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Parquet,
}

#[derive(Args, Debug, Clone)]
pub struct OutArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file instead of standard output (required for parquet).
    #[arg(long = "output", short = 'o')]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct MitigateArgs {
    #[command(flatten)]
    pub common: AnalysisArgs,
    /// The kind of unit proposals are for.
    #[arg(long, default_value = "site", value_parser = one_of(&UnitKind::ALL))]
    pub unit: UnitKind,
    /// Only for these units (repeatable); otherwise the --top units with the largest PI.
    #[arg(long)]
    pub only: Vec<String>,
    /// How many of the most exposed units (by PI) get proposals.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Choose a portfolio within this budget (greedy, re-evaluated after each pick).
    #[arg(long, allow_negative_numbers = true)]
    pub budget: Option<f64>,
    /// Re-check the best --check-top proposals with the exact stress-test LPs (time to survive).
    #[arg(long)]
    pub exact: bool,
    /// How many of the best proposals --exact and --scenarios re-check.
    #[arg(long, default_value_t = 10)]
    pub check_top: usize,
    /// Monte Carlo scenarios for the expected-loss reduction of the best proposals and of the
    /// portfolio (0: none).
    #[arg(long, default_value_t = 0)]
    pub scenarios: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// List the portfolio's benefit-versus-spend curve (one row per pick) instead.
    #[arg(long)]
    pub curve: bool,
    /// Also write the proposals into the store they were computed from, as a named graph
    /// with PROV-O lineage, for SPARQL.
    #[arg(long)]
    pub write_back: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
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

/// A parser that accepts the names of `all` (as they display), also with `-` for `_`, and
/// lists them in the help.
fn one_of<T>(all: &'static [T]) -> impl TypedValueParser<Value = T>
where
    T: Copy + Display + Send + Sync + 'static,
{
    let values = all.iter().map(|v| {
        let name = v.to_string();
        let kebab = name.replace('_', "-");
        let p = PossibleValue::new(leak(name.clone()));
        if kebab == name {
            p
        } else {
            p.alias(leak(kebab))
        }
    });
    // The parser hands over the name as typed, alias included.
    PossibleValuesParser::new(values).map(move |s| {
        let s = s.replace('-', "_");
        *all.iter()
            .find(|v| v.to_string() == s)
            .expect("clap accepts only the listed names")
    })
}

/// Names live as long as the process, as clap's static help wants them.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A number of seconds above 0.
fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x.is_finite() => Ok(x),
        _ => Err(format!("expected a number of seconds above 0, got {s:?}")),
    }
}

#[derive(Subcommand, Debug, Clone)]
pub enum PolicyCommand {
    /// Parse and type-check a policy file: its TOML, weights, and every rule and role (CEL).
    /// Exits 0 when it loads, 2 with every problem named otherwise.
    Check { file: PathBuf },
    /// Replay the stored events under OLD and NEW (in memory; the store is not changed) and
    /// list the decisions that differ: a canary before a policy goes live.
    Diff {
        old: PathBuf,
        new: PathBuf,
        /// The store (RocksDB folder) made by `tierwise load`.
        #[arg(long, default_value = "tierwise.db")]
        store: PathBuf,
        /// The time signals are judged at (RFC 3339); now when omitted.
        #[arg(long)]
        as_of: Option<String>,
        #[command(flatten)]
        out: OutArgs,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum LogCommand {
    /// Write the store's decision log as JSON lines.
    Export {
        #[arg(long, default_value = "tierwise.db")]
        store: PathBuf,
        #[arg(long = "output", short = 'o')]
        output: PathBuf,
    },
    /// Verify a decision log's hash chain (a JSON-lines file, or the store's): exit 0 when it
    /// holds, 1 naming the first entry edited, removed, inserted or moved.
    Verify {
        file: Option<PathBuf>,
        #[arg(long, conflicts_with = "file")]
        store: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum DecisionsCommand {
    /// The pending decisions (with --all, every log entry).
    List {
        #[arg(long, default_value = "tierwise.db")]
        store: PathBuf,
        #[arg(long)]
        all: bool,
        /// The policy the decisions were taken under (its roles and deadlines); the shipped
        /// default when omitted.
        #[arg(long)]
        policy: Option<PathBuf>,
        #[command(flatten)]
        out: OutArgs,
    },
    /// Every log entry of one decision, as JSON lines.
    Show {
        id: String,
        #[arg(long, default_value = "tierwise.db")]
        store: PathBuf,
    },
    /// Approve a pending decision; the action is committed at once.
    Approve(AnswerArgs),
    /// Reject a pending decision.
    Reject(AnswerArgs),
}

#[derive(Args, Debug, Clone)]
pub struct AnswerArgs {
    pub id: String,
    /// Who answers.
    #[arg(long)]
    pub by: String,
    /// The role they answer as (the policy says what it may approve).
    #[arg(long)]
    pub role: String,
    /// When the answer is given (RFC 3339); now when omitted.
    #[arg(long)]
    pub at: Option<String>,
    #[command(flatten)]
    pub live: LiveArgs,
}
