//! The exception hierarchy under `tierwise.TierwiseError`, and one conversion from each error
//! of the core: binding methods return `Result<_, Error>` and use `?` everywhere.

use pyo3::exceptions::{
    PyException, PyFileNotFoundError, PyKeyboardInterrupt, PyTimeoutError, PyValueError,
};
use pyo3::prelude::*;
use pyo3_polars::PyDataFrame;
use tierwise::ingest::{IngestError, QualityReport};
use tierwise::lp::LpError;
use tierwise::mitigate::MitigationError;
use tierwise::report::ReportError;
use tierwise::risk::{DisruptionError, PolicyError as CorePolicyError};
use tierwise::source::SourceError;
use tierwise::store::StoreError as CoreStoreError;

pyo3::create_exception!(
    tierwise,
    TierwiseError,
    PyException,
    "Base class of every tierwise error."
);
pyo3::create_exception!(
    tierwise,
    DataQualityError,
    TierwiseError,
    "The data failed the quality gates; `.violations` holds every violation as a DataFrame."
);
pyo3::create_exception!(
    tierwise,
    QueryError,
    TierwiseError,
    "A SPARQL query failed."
);
pyo3::create_exception!(tierwise, StoreError, TierwiseError, "The store failed.");
pyo3::create_exception!(
    tierwise,
    PolicyError,
    TierwiseError,
    "A scoring policy was refused."
);
pyo3::create_exception!(
    tierwise,
    UnknownUnitError,
    TierwiseError,
    "A disruption named a unit that does not exist."
);

pyo3::create_exception!(
    tierwise,
    EventError,
    TierwiseError,
    "Change events were refused (an atomic batch with a bad event); the message names each by line, field, value and reason."
);

pyo3::create_exception!(
    tierwise,
    GovernanceError,
    TierwiseError,
    "A governance request was refused: an unknown or already decided decision, a role without the right, an unknown role, or a decision log whose hash chain is broken."
);

pyo3::create_exception!(
    tierwise,
    SolverError,
    TierwiseError,
    "The LP solver (HiGHS) failed, or ended a stress-test LP without an optimum."
);

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("TierwiseError", py.get_type::<TierwiseError>())?;
    m.add("DataQualityError", py.get_type::<DataQualityError>())?;
    m.add("QueryError", py.get_type::<QueryError>())?;
    m.add("StoreError", py.get_type::<StoreError>())?;
    m.add("PolicyError", py.get_type::<PolicyError>())?;
    m.add("UnknownUnitError", py.get_type::<UnknownUnitError>())?;
    m.add("EventError", py.get_type::<EventError>())?;
    m.add("GovernanceError", py.get_type::<GovernanceError>())?;
    m.add("SolverError", py.get_type::<SolverError>())?;
    Ok(())
}

/// Any error a binding can raise.
#[derive(Debug)]
pub enum Error {
    Py(PyErr),
    Store(CoreStoreError),
    Source(SourceError),
    Disruption(DisruptionError),
    Lp(LpError),
    Report(ReportError),
    Mitigation(MitigationError),
    Govern(tierwise::govern::GovernError),
    Cancelled,
}

macro_rules! from {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::$v(e)
            }
        }
    )*};
}

from!(
    PyErr => Py,
    CoreStoreError => Store,
    SourceError => Source,
    DisruptionError => Disruption,
    LpError => Lp,
    ReportError => Report,
    MitigationError => Mitigation,
    tierwise::govern::GovernError => Govern,
);

/// Governing the stored events again: as the store, governance or the network fail.
impl From<tierwise::store::ReplayError> for Error {
    fn from(e: tierwise::store::ReplayError) -> Self {
        use tierwise::store::ReplayError as R;
        match e {
            R::Store(e) => Error::Store(e),
            R::Govern(e) => Error::Govern(e),
            R::Network(e) => Error::Store(e.into()),
            other => Error::Py(GovernanceError::new_err(other.to_string())),
        }
    }
}

/// A decision log whose hash chain is broken: GovernanceError, naming the entry.
impl From<tierwise::govern::ChainError> for Error {
    fn from(e: tierwise::govern::ChainError) -> Self {
        Error::Py(GovernanceError::new_err(e.to_string()))
    }
}

impl From<tierwise::progress::Cancelled> for Error {
    fn from(_: tierwise::progress::Cancelled) -> Self {
        Error::Cancelled
    }
}

impl From<IngestError> for Error {
    fn from(e: IngestError) -> Self {
        Error::Store(e.into())
    }
}

/// Errors of plain values (a bad argument, a generator setting): ValueError.
pub fn value_error(e: impl std::fmt::Display) -> Error {
    Error::Py(PyValueError::new_err(e.to_string()))
}

/// Errors of writing files: StoreError (the machine failed, not the data).
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Py(StoreError::new_err(e.to_string()))
    }
}

impl From<tierwise::willems::WillemsError> for Error {
    fn from(e: tierwise::willems::WillemsError) -> Self {
        value_error(e)
    }
}

impl From<tierwise::generate::GenerateError> for Error {
    fn from(e: tierwise::generate::GenerateError) -> Self {
        match e {
            tierwise::generate::GenerateError::Cancelled => Error::Cancelled,
            e => value_error(e),
        }
    }
}

impl From<polars::prelude::PolarsError> for Error {
    fn from(e: polars::prelude::PolarsError) -> Self {
        Error::Py(TierwiseError::new_err(e.to_string()))
    }
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        match e {
            Error::Py(e) => e,
            Error::Store(e) => store_error(e),
            Error::Source(e) => source_error(e),
            Error::Disruption(e) => disruption_error(e),
            Error::Lp(LpError::Cancelled(_)) | Error::Cancelled => cancelled(),
            Error::Lp(LpError::Disruption(e)) => disruption_error(e),
            Error::Lp(e @ LpError::Horizon(_)) => PyValueError::new_err(e.to_string()),
            Error::Lp(e) => SolverError::new_err(e.to_string()),
            Error::Report(e) => report_error(e),
            Error::Mitigation(e) => mitigation_error(e),
            Error::Govern(tierwise::govern::GovernError::Policy(m)) => {
                PolicyError::new_err(format!("policy rules: {m}"))
            }
            Error::Govern(e) => GovernanceError::new_err(e.to_string()),
        }
    }
}

/// A change or setting that names what the network lacks or is out of range: ValueError,
/// like any bad argument; an unknown unit as for disruptions.
fn mitigation_error(e: MitigationError) -> PyErr {
    match e {
        MitigationError::Cancelled(_) => cancelled(),
        MitigationError::Disruption(e) => disruption_error(e),
        MitigationError::Lp(e) => Error::Lp(e).into(),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// A report's failures by what failed: writing (StoreError, as every file write), its exact
/// stress test (SolverError), its mitigation (ValueError, as for `mitigate`).
fn report_error(e: ReportError) -> PyErr {
    match e {
        ReportError::Cancelled(_) => cancelled(),
        ReportError::Disruption(e) => disruption_error(e),
        e @ ReportError::Write { .. } => StoreError::new_err(e.to_string()),
        e @ ReportError::Stress(_) => SolverError::new_err(e.to_string()),
        e @ ReportError::Mitigation(_) => PyValueError::new_err(e.to_string()),
        other => TierwiseError::new_err(other.to_string()),
    }
}

fn cancelled() -> PyErr {
    PyKeyboardInterrupt::new_err("cancelled")
}

fn disruption_error(e: DisruptionError) -> PyErr {
    match e {
        DisruptionError::UnknownUnit { .. } | DisruptionError::UnknownRow { .. } => {
            UnknownUnitError::new_err(e.to_string())
        }
        other => PyValueError::new_err(other.to_string()),
    }
}

fn policy_error(e: CorePolicyError) -> PyErr {
    PolicyError::new_err(e.to_string())
}

fn store_error(e: CoreStoreError) -> PyErr {
    match e {
        CoreStoreError::Ingest(IngestError::DataQuality(r)) => data_quality_error(&r),
        CoreStoreError::Query(m) => QueryError::new_err(m),
        CoreStoreError::QueryCancelled
        | CoreStoreError::LoadCancelled
        | CoreStoreError::Cancelled => cancelled(),
        e @ CoreStoreError::QueryTimeout { .. } => PyTimeoutError::new_err(e.to_string()),
        other => StoreError::new_err(other.to_string()),
    }
}

fn source_error(e: SourceError) -> PyErr {
    match e {
        SourceError::Store(e) => store_error(e),
        SourceError::Ingest(e) => store_error(e.into()),
        SourceError::Policy(e) => policy_error(e),
        SourceError::AsOf { .. } => PyValueError::new_err(e.to_string()),
        SourceError::NotFound { .. } | SourceError::NoStore { .. } => {
            PyFileNotFoundError::new_err(e.to_string())
        }
        other => TierwiseError::new_err(other.to_string()),
    }
}

/// DataQualityError with every violation attached as `.violations` (a polars DataFrame).
fn data_quality_error(r: &QualityReport) -> PyErr {
    let err = DataQualityError::new_err(r.to_string());
    Python::attach(|py| {
        let attached = PyDataFrame(r.to_dataframe())
            .into_pyobject(py)
            .and_then(|df| err.value(py).setattr("violations", df));
        match attached {
            Ok(()) => err,
            Err(e) => e,
        }
    })
}
