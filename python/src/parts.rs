//! What `tierwise.distributed` needs of a Network: pickling through its versioned binary form,
//! and the parts of a sweep, a stress test or a Monte Carlo run that a Ray task computes and
//! the caller joins (the joins are bit-identical to the local calls).

use std::collections::BTreeMap;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use tierwise::events::Down;
use tierwise::report::InputFile;
use tierwise::risk::Analysis;
use tierwise::risk::montecarlo::ScenarioBatch;

use crate::errors::{Error, value_error};
use crate::network::Network;

/// A site.down as it travels: (site, since in RFC 3339, ttr_days, event id).
type DownState = (String, String, Option<f64>, String);

/// `Network.__reduce__`: the function that rebuilds a network and its arguments.
pub fn reduce<'py>(
    py: Python<'py>,
    net: &Network,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
    let blob = py.detach(|| net.a.to_bytes());
    let inputs: Vec<(String, String)> = net
        .inputs
        .iter()
        .map(|f| (f.path.clone(), f.sha256.clone()))
        .collect();
    let down: Vec<DownState> = net
        .down
        .iter()
        .map(|(site, d)| {
            (
                site.clone(),
                d.since.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                d.ttr_days,
                d.event_id.clone(),
            )
        })
        .collect();
    let f = py
        .import("tierwise._core")?
        .getattr("_network_from_state")?;
    let args = (PyBytes::new(py, &blob), net.source.clone(), inputs, down).into_pyobject(py)?;
    Ok((f, args))
}

/// Rebuilds a pickled Network (its analysis is scored again, with the same result). A blob
/// of another tierwise version, or a damaged one, raises ValueError naming why.
#[pyfunction]
pub fn _network_from_state(
    py: Python<'_>,
    blob: Vec<u8>,
    source: String,
    inputs: Vec<(String, String)>,
    down: Vec<DownState>,
) -> Result<Network, Error> {
    let a = py
        .detach(|| Analysis::from_bytes(&blob))
        .map_err(|e| value_error(format!("cannot rebuild the network: {e}")))?;
    let mut active = BTreeMap::new();
    for (site, since, ttr_days, event_id) in down {
        let since = chrono::DateTime::parse_from_rfc3339(&since)
            .map_err(|e| value_error(format!("site.down of {site}: since {since:?}: {e}")))?
            .to_utc();
        active.insert(
            site,
            Down {
                since,
                ttr_days,
                event_id,
            },
        );
    }
    let inputs = inputs
        .into_iter()
        .map(|(path, sha256)| InputFile { path, sha256 })
        .collect();
    Ok(Network::from_parts(a, inputs, source, active))
}

/// Joins scenario batches (bytes from `_simulate_scenarios`) into the run of seed `seed`.
pub fn simulation_from(
    py: Python<'_>,
    a: &Analysis,
    seed: u64,
    batches: Vec<Vec<u8>>,
) -> Result<tierwise::risk::montecarlo::Simulation, Error> {
    py.detach(|| {
        let parts = batches
            .iter()
            .enumerate()
            .map(|(i, b)| {
                ScenarioBatch::from_bytes(b).map_err(|e| value_error(format!("batch {i}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        a.simulation_from(seed, parts).map_err(value_error)
    })
}
