//! The commands that make, check, load, query and export data.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tierwise::ingest::{Finding, IngestError, LoadOptions, findings_frame};
use tierwise::network::NetworkView;
use tierwise::source::Settings;
use tierwise::store::{Input, KnowledgeGraph, QueryOptions, StoreError, prepare};

use super::{default_store, source};
use crate::cli::{DataArgs, GateArgs, GenerateArgs, OutArgs, Preset};
use crate::failure::{Failure, fail};
use crate::output::write_frame;
use crate::progress::cancellable;

fn gate_options(g: &GateArgs) -> LoadOptions {
    LoadOptions::default().with_stale_after_days(g.stale_after_days)
}

fn write_tables(tables: &tierwise::model::Tables, out: &Path) -> Result<(), Failure> {
    tierwise::ingest::write_tables_csv(tables, out)
        .map_err(|e| fail(1, format!("error: cannot write {}: {e}", out.display())))
}

pub fn generate(args: GenerateArgs) -> Result<(), Failure> {
    let out = &args.out;
    if let Some(Preset::Peer) = args.preset {
        let t = tierwise::lp::preset::peer(args.n1, args.n2, args.seed);
        write_tables(&t, out)?;
        println!(
            "wrote the peer preset ({}, {}, {}): {} sites, {} parts, {} products rows, {} bom lines, {} supply rows, {} capacity rows to {}",
            args.n1,
            args.n2,
            2 * args.n2,
            t.sites.len(),
            t.parts.len(),
            t.products.len(),
            t.bom.len(),
            t.supply.len(),
            t.capacity.len(),
            out.display()
        );
        return Ok(());
    }
    let config = tierwise::generate::GeneratorConfig::new(args.sites, args.seed);
    let t = tierwise::generate::generate(&config)?;
    write_tables(&t, out)?;
    if args.events > 0 {
        write_events(&t, &args)?;
    }
    println!(
        "wrote {} sites, {} parts, {} products rows, {} bom lines, {} supply rows to {}",
        t.sites.len(),
        t.parts.len(),
        t.products.len(),
        t.bom.len(),
        t.supply.len(),
        out.display()
    );
    Ok(())
}

fn write_events(t: &tierwise::model::Tables, args: &GenerateArgs) -> Result<(), Failure> {
    let start = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
        .expect("a valid time")
        .to_utc();
    let lines = tierwise::generate::generate_events(t, args.events, args.seed, start);
    let path = args.out.join("events.jsonl");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, text)
        .map_err(|e| fail(1, format!("error: cannot write {}: {e}", path.display())))?;
    println!("wrote {} events to {}", lines.len(), path.display());
    Ok(())
}

pub fn willems(chain: u32, from: &Path, out: &Path) -> Result<(), Failure> {
    let t = tierwise::willems::WillemsData::read_dir(from)?.to_tables(chain)?;
    write_tables(&t, out)?;
    println!(
        "wrote Willems chain {chain}: {} sites, {} supply rows, {} products rows to {}",
        t.sites.len(),
        t.supply.len(),
        t.products.len(),
        out.display()
    );
    Ok(())
}

pub fn load(
    inputs: &[PathBuf],
    store: &Path,
    gates: &GateArgs,
    all_warnings: bool,
) -> Result<(), Failure> {
    let options = gate_options(gates);
    // Every input passes the gates alone before the store is even opened; then all of them
    // are checked together and against the store, and written in one atomic step.
    let prepared = prepare(inputs.iter().map(Input::path).collect(), &options)?;
    let receipts = KnowledgeGraph::open(store)?.commit(prepared, &options)?;
    for (input, r) in inputs.iter().zip(receipts) {
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
        for g in &r.replaced {
            println!("  a new snapshot of this source: replaces <{g}>");
        }
        print_warnings(&r.warnings, all_warnings);
    }
    Ok(())
}

fn print_warnings(warnings: &[Finding], all: bool) {
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

/// Prints every finding as a table (the warnings when the data passes) and fails with exit
/// code 2 when any gate fails. Nothing is stored.
pub fn check(input: &Path, gates: &GateArgs, out: &OutArgs) -> Result<(), Failure> {
    let options = gate_options(gates);
    match prepare(vec![Input::path(input)], &options) {
        Ok(p) => {
            let warnings = p.warnings().concat();
            eprintln!(
                "{}: passes every gate ({} warning(s))",
                input.display(),
                warnings.len()
            );
            write_frame(&mut findings_frame(&[], &warnings), out)
        }
        Err(StoreError::Ingest(IngestError::DataQuality(r))) => {
            write_frame(&mut r.to_dataframe(), out)?;
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

/// The data as a knowledge graph (a store is opened, tables and RDF are loaded in memory).
fn graph(data: &DataArgs) -> Result<KnowledgeGraph, Failure> {
    let options = Settings::default().load_options();
    Ok(source(data, default_store)?.graph(&options)?)
}

pub fn query(
    sparql: String,
    timeout: Option<f64>,
    data: &DataArgs,
    out: &OutArgs,
) -> Result<(), Failure> {
    let text = match sparql.strip_prefix('@') {
        Some(file) => std::fs::read_to_string(file)
            .map_err(|e| fail(2, format!("error: cannot read query file {file}: {e}")))?,
        None => sparql,
    };
    let kg = graph(data)?;
    let mut options = QueryOptions::default();
    if let Some(seconds) = timeout {
        options = options.with_timeout(Duration::from_secs_f64(seconds));
    }
    let mut df = cancellable(|progress| kg.query_with(&text, &options, progress))?;
    write_frame(&mut df, out)
}

pub fn network(data: &DataArgs, show: NetworkView, out: &OutArgs) -> Result<(), Failure> {
    let opened = source(data, default_store)?.open(&Settings::default())?;
    write_frame(&mut opened.analysis.network().frame(show), out)
}

pub fn export(data: &DataArgs, out: &Path) -> Result<(), Failure> {
    graph(data)?.export_file(out)?;
    println!("wrote {}", out.display());
    Ok(())
}
