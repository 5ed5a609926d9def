//! `tierwise._core`: the Python bindings. They only convert, release the GIL around heavy
//! work, turn Ctrl-C into KeyboardInterrupt and map errors; every algorithm lives in the
//! `tierwise` crate.
//!
//! `errors` holds the exception hierarchy and one conversion per core error, `interrupt` the
//! GIL-free runs with Ctrl-C and progress, `convert` the value conversions, and one file per
//! class.

use std::path::PathBuf;

use pyo3::prelude::*;

mod agents;
mod convert;
mod errors;
mod interrupt;
mod knowledge_graph;
mod network;
mod parts;
mod simulation;

use errors::Error;

/// Writes a synthetic network's tables (CSV) to `out`; same seed, same bytes. With
/// `events`, also `out/events.jsonl`: that many change events (CloudEvents JSON lines, one
/// day from 2026-07-01) of every type for the network. `preset="peer"` writes the three tiers
/// shaped like the public stress-test code instead (`n1` plants, `n2` and 2 * `n2` suppliers).
#[pyfunction]
#[pyo3(signature = (out, *, sites=1000, seed=7, events=0, preset=None, n1=200, n2=500))]
#[allow(clippy::too_many_arguments)]
fn generate(
    py: Python<'_>,
    out: PathBuf,
    sites: usize,
    seed: u64,
    events: usize,
    preset: Option<String>,
    n1: usize,
    n2: usize,
) -> Result<(), Error> {
    // Ctrl-C stops the generator between its steps, before anything is written.
    interrupt::run_interruptible(py, None, |p| {
        let t = match preset.as_deref() {
            None => {
                let config = tierwise::generate::GeneratorConfig::new(sites, seed);
                tierwise::generate::generate_with(&config, p)?
            }
            Some("peer") => tierwise::datasets::peer::peer(n1, n2, seed),
            Some(other) => {
                return Err(errors::value_error(format!(
                    "preset {other:?}: expected \"peer\" or None"
                )));
            }
        };
        tierwise::ingest::write_tables_csv(&t, &out)?;
        if events > 0 {
            let start = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
                .expect("a valid time")
                .to_utc();
            let lines = tierwise::generate::generate_events(&t, events, seed, start);
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            std::fs::write(out.join("events.jsonl"), text)?;
        }
        Ok(())
    })?
}

/// Writes one of the 38 real Willems (2008) chains as tables to `out`.
#[pyfunction]
fn willems(py: Python<'_>, source: PathBuf, chain: u32, out: PathBuf) -> Result<(), Error> {
    py.detach(|| {
        let t = tierwise::willems::WillemsData::read_dir(&source)?.to_tables(chain)?;
        Ok(tierwise::ingest::write_tables_csv(&t, &out)?)
    })
}

/// Verifies a decision log's hash chain (JSON lines, as `KnowledgeGraph.decision_log()` or
/// `tierwise log export` write it) and returns the number of entries. Raises
/// GovernanceError naming the line and decision id of the first entry edited, removed,
/// inserted or moved.
///
/// >>> import tierwise as tw
/// >>> tw.verify_log("")
/// 0
#[pyfunction]
fn verify_log(text: &str) -> Result<usize, Error> {
    Ok(tierwise::govern::verify_jsonl(text)?)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // pyo3-polars imports polars lazily on the first conversion, behind two once-cells (the
    // module, and polars.Series, only reached for a frame with a column): two threads
    // converting first at once can deadlock against the GIL. Converting a one-column frame
    // here, at import, under the GIL, fills both before any thread can race for them.
    let warm = polars::df!("warm" => [0i64]).map_err(|e| PyErr::from(errors::value_error(e)))?;
    convert::frame(m.py(), warm)?;
    m.add("__version__", tierwise::VERSION)?;
    m.add_class::<knowledge_graph::KnowledgeGraph>()?;
    m.add_class::<network::Network>()?;
    m.add_class::<simulation::Simulation>()?;
    m.add_function(wrap_pyfunction!(generate, m)?)?;
    m.add_function(wrap_pyfunction!(willems, m)?)?;
    m.add_function(wrap_pyfunction!(parts::_network_from_state, m)?)?;
    m.add_function(wrap_pyfunction!(verify_log, m)?)?;
    errors::register(m)
}
