//! Python agents: any object with a `name` and a `propose(view)` method plays the role of a
//! Rust `Agent` in the orchestrator. The view is plain data (the event, the delta, the facts
//! of every unit the event moved, as the rules see them); proposals come back as dicts
//! (`action`, `kind`, `subject`, and optional `cost`, `benefit`, `reason`). The orchestrator
//! runs agents one after another on the calling thread, never inside a rayon loop, so the
//! adapter takes the GIL only for the call.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use serde::Deserialize;
use serde_json::json;
use tierwise::govern::{Action, Agent, Proposal, View, moved_units};

/// The first error a Python agent raised, to raise again once the events are handled.
pub type Failure = Arc<Mutex<Option<PyErr>>>;

pub struct PyAgent {
    name: String,
    object: Py<PyAny>,
    failure: Failure,
}

impl std::fmt::Debug for PyAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyAgent").field("name", &self.name).finish()
    }
}

#[derive(Deserialize)]
struct Proposed {
    action: String,
    kind: String,
    subject: String,
    #[serde(default)]
    cost: f64,
    #[serde(default)]
    benefit: f64,
    #[serde(default)]
    reason: String,
}

impl PyAgent {
    /// Wraps a Python agent; its `name` attribute names it in the log.
    pub fn new(object: &Bound<'_, PyAny>, failure: Failure) -> PyResult<Self> {
        let name: String = object.getattr("name")?.extract()?;
        if !object.hasattr("propose")? {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "agent {name:?} has no propose(view) method"
            )));
        }
        Ok(PyAgent {
            name,
            object: object.clone().unbind(),
            failure,
        })
    }

    /// The view as JSON text (read with `json.loads` on the Python side).
    fn view_json(view: &View<'_>) -> String {
        let e = view.event;
        let delta: Vec<_> = view
            .delta
            .iter()
            .map(|d| {
                json!({"kind": d.kind, "id": d.id, "metric": d.metric,
                       "before": d.before, "after": d.after})
            })
            .collect();
        let units: Vec<_> = moved_units(view)
            .into_iter()
            .filter_map(|(kind, id)| view.facts.unit(kind, &id))
            .map(|(unit, row)| json!({"unit": unit, "row": row}))
            .collect();
        json!({
            "event": {"id": e.id, "type": e.kind, "source": e.source, "subject": e.subject,
                      "time": e.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)},
            "delta": delta,
            "units": units,
        })
        .to_string()
    }

    fn call(&self, py: Python<'_>, view: &View<'_>) -> PyResult<Vec<Proposal>> {
        let json = py.import("json")?;
        let v = json.call_method1("loads", (Self::view_json(view),))?;
        let out = self.object.bind(py).call_method1("propose", (v,))?;
        let list = py.import("builtins")?.getattr("list")?.call1((out,))?;
        let text: String = json.call_method1("dumps", (list,))?.extract()?;
        let proposed: Vec<Proposed> = serde_json::from_str(&text).map_err(|e| {
            pyo3::exceptions::PyValueError::new_err(format!(
                "agent {:?}: a proposal must be a dict with action, kind, subject and optional cost, benefit, reason: {e}",
                self.name
            ))
        })?;
        proposed
            .into_iter()
            .map(|p| {
                let action: Action = p.action.parse().map_err(|e: String| {
                    pyo3::exceptions::PyValueError::new_err(format!("agent {:?}: {e}", self.name))
                })?;
                Ok(Proposal {
                    agent: self.name.clone(),
                    action,
                    kind: p.kind,
                    subject: p.subject,
                    cost: p.cost,
                    benefit: p.benefit,
                    reason: p.reason,
                })
            })
            .collect()
    }
}

impl Agent for PyAgent {
    fn name(&self) -> &str {
        &self.name
    }

    fn propose(&mut self, view: &View<'_>) -> Vec<Proposal> {
        Python::attach(|py| match self.call(py, view) {
            Ok(p) => p,
            Err(e) => {
                if let Ok(mut slot) = self.failure.lock() {
                    slot.get_or_insert(e);
                }
                Vec::new()
            }
        })
    }
}
