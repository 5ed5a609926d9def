//! `tierwise.Simulation`: the result of a Monte Carlo run.

use std::sync::Arc;

use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;
use tierwise::risk::Analysis;
use tierwise::risk::montecarlo::Simulation as Sim;

use crate::convert::frame;

/// The result of a Monte Carlo run.
#[derive(Debug)]
#[pyclass(frozen, module = "tierwise._core")]
pub struct Simulation {
    sim: Sim,
    a: Arc<Analysis>,
}

impl Simulation {
    pub fn new(sim: Sim, a: Arc<Analysis>) -> Self {
        Simulation { sim, a }
    }
}

#[pymethods]
impl Simulation {
    /// Per products row and for the portfolio: mean availability, P(A<1), P(A=0), analytic
    /// q and gap, expected loss, VaR and CVaR at 95 % and 99 %.
    fn summary(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        frame(py, self.sim.summary())
    }

    /// Per site: losing failures and loss-weighted failure share.
    fn sites(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        frame(py, self.sim.sites_frame(&self.a))
    }

    /// Portfolio loss per scenario (numpy).
    #[getter]
    fn losses<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.sim.losses.clone().into_pyarray(py)
    }

    /// Loss per scenario and products row (numpy, scenarios x rows).
    #[getter]
    fn row_losses<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray2<f64>> {
        self.sim.row_losses.clone().into_pyarray(py)
    }

    #[getter]
    fn scenarios(&self) -> usize {
        self.sim.scenarios
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.sim.seed
    }

    #[getter]
    fn products(&self) -> Vec<String> {
        self.sim.row_labels.clone()
    }

    fn _repr_html_(slf: Bound<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        let py = slf.py();
        py.import("tierwise.display")?
            .call_method1("simulation_html", (slf,))
    }

    fn __repr__(&self) -> String {
        format!(
            "Simulation(scenarios={}, seed={}, expected_loss={:.6e})",
            self.sim.scenarios, self.sim.seed, self.sim.portfolio_stats.expected
        )
    }
}
