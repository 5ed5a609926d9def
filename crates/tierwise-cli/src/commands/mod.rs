//! What each command does. Each handler parses nothing: it gets clap's arguments, calls the
//! core and writes what comes back.

mod analyse;
mod data;
mod events;
mod govern;
mod mitigate;
mod report;

use std::path::PathBuf;

use tierwise::source::{Opened, Settings, Source, SourceError};
use tierwise::store::KnowledgeGraph;

use crate::cli::{Command, DataArgs, PolicyArgs};
use crate::failure::Failure;

/// Runs one command.
pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Generate(args) => data::generate(args),
        Command::Load {
            inputs,
            store,
            gates,
            all_warnings,
        } => data::load(&inputs, &store, &gates, all_warnings),
        Command::Check { input, gates, out } => data::check(&input, &gates, &out),
        Command::Query {
            sparql,
            timeout,
            data,
            out,
        } => data::query(sparql, timeout, &data, &out),
        Command::Network { data, show, out } => data::network(&data, show, &out),
        Command::Export { data, out } => data::export(&data, &out),
        Command::Willems { chain, source, out } => data::willems(chain, &source, &out),
        Command::Apply {
            events,
            live,
            atomic,
            rejects,
            out,
        } => events::apply(&events, &live, atomic, rejects.as_deref(), &out),
        Command::Watch {
            path,
            live,
            poll_ms,
            max_events,
            rejects,
            out,
        } => events::watch(&path, &live, poll_ms, max_events, rejects.as_deref(), &out),
        Command::Situation { live, now, out } => events::situation(&live, now.as_deref(), &out),
        Command::Replay { live, log } => match live.policy.policy {
            Some(_) => govern::replay(&live, log.as_deref()),
            None => events::replay(&live),
        },
        Command::Policy(c) => govern::policy(c),
        Command::Log(c) => govern::log(c),
        Command::Decisions(c) => govern::decisions(c),
        Command::Risk { common, factors } => analyse::risk(&common, factors),
        Command::Impact {
            common,
            disruption,
            days,
        } => analyse::impact(&common, &disruption, days),
        Command::Exposure {
            common,
            units,
            rows,
            write_back,
        } => analyse::exposure(&common, &units, rows, write_back),
        Command::Stress {
            common,
            units,
            method,
            write_back,
        } => analyse::stress(&common, &units, method, write_back),
        Command::Simulate {
            common,
            scenarios,
            seed,
            sites,
            losses,
            write_back,
        } => analyse::simulate(
            &common,
            (scenarios, seed),
            sites,
            losses.as_deref(),
            write_back,
        ),
        Command::Explain {
            common,
            product,
            disruption,
        } => analyse::explain(&common, &product, &disruption),
        Command::Criticality { common, show } => analyse::criticality(&common, show),
        Command::Mitigate(args) => mitigate::run(&args),
        Command::Report(args) => report::run(&args),
    }
}

/// The source DATA (or --data, or --store) names; `default` when none is given.
/// With `--read-only`, a store is opened read-only here and handed on as an open graph.
fn source(d: &DataArgs, default: impl FnOnce() -> Source) -> Result<Source, Failure> {
    let source = match (&d.path, &d.data, &d.store) {
        (Some(p), _, _) | (None, Some(p), _) => Source::detect(p)?,
        (None, None, Some(store)) => Source::Store(store.clone()),
        (None, None, None) => default(),
    };
    Ok(match source {
        Source::Store(path) if d.read_only => {
            if !path.exists() {
                return Err(SourceError::NoStore { path }.into());
            }
            Source::Graph(KnowledgeGraph::open_read_only(&path)?)
        }
        other => other,
    })
}

/// `--write-back`: the result into the store the data came from, as a named graph with its
/// lineage.
fn write_back(
    data: &DataArgs,
    what: &str,
    df: &polars::prelude::DataFrame,
    provenance: &tierwise::risk::Provenance,
) -> Result<(), Failure> {
    if data.read_only {
        return Err(crate::failure::fail(
            2,
            "error: --write-back writes to the store; it cannot be combined with --read-only",
        ));
    }
    let path = match (&data.path, &data.data, &data.store) {
        (Some(p), _, _) | (None, Some(p), _) | (None, None, Some(p)) => p.clone(),
        (None, None, None) => PathBuf::from("tierwise.db"),
    };
    let Source::Store(store) = Source::detect(&path)? else {
        return Err(crate::failure::fail(
            2,
            format!(
                "error: --write-back needs a store made by `tierwise load`; {} is not one",
                path.display()
            ),
        ));
    };
    let kg = tierwise::source::open_store(&store)?;
    let graph = kg.write_back(what, df, provenance)?;
    eprintln!("written back to {} as <{graph}>", store.display());
    Ok(())
}

/// The store ./tierwise.db, read when no data is named.
fn default_store() -> Source {
    Source::Store(PathBuf::from("tierwise.db"))
}

/// Opens the data under the policy and prints which policy and time the results are for.
fn open(data: &DataArgs, policy: &PolicyArgs) -> Result<Opened, Failure> {
    let settings = Settings::from_args(policy.policy.as_deref(), policy.as_of.as_deref())?;
    let opened = source(data, default_store)?.open(&settings)?;
    let pv = opened.analysis.provenance(None);
    eprintln!(
        "policy {} (sha256 {}), tierwise {}, as of {}",
        pv.policy_version,
        &pv.policy_sha256[..16],
        pv.tierwise_version,
        pv.as_of
    );
    Ok(opened)
}
