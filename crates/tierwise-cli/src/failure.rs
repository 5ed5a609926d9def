//! How an error becomes what the user reads and the exit code: 1 for failures of the
//! machine (I/O, store), 2 for bad input (data quality, usage), 130 when interrupted. One
//! `From` per error of the core, so commands use `?` everywhere.

use polars::prelude::PolarsError;
use tierwise::ingest::{IngestError, QualityReport};
use tierwise::lp::LpError;
use tierwise::mitigate::MitigationError;
use tierwise::report::ReportError;
use tierwise::risk::{DisruptionError, PolicyError};
use tierwise::source::SourceError;
use tierwise::store::StoreError;

/// A failure with its exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

/// A failure with an explicit code and message.
pub fn fail(code: u8, message: impl Into<String>) -> Failure {
    Failure {
        code,
        message: message.into(),
    }
}

pub fn interrupted() -> Failure {
    fail(130, "interrupted")
}

fn bad_input(e: impl std::fmt::Display) -> Failure {
    fail(2, format!("error: {e}"))
}

fn broken(e: impl std::fmt::Display) -> Failure {
    fail(1, format!("error: {e}"))
}

/// Every violation, one per line, and a count of the warnings.
pub fn quality_failure(r: &QualityReport) -> Failure {
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
    fail(2, m.trim_end())
}

impl From<IngestError> for Failure {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::DataQuality(r) => quality_failure(&r),
            other => bad_input(other),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Ingest(i) => i.into(),
            StoreError::Query(m) => fail(2, format!("error: SPARQL query: {m}")),
            StoreError::QueryCancelled | StoreError::LoadCancelled | StoreError::Cancelled => {
                interrupted()
            }
            e @ (StoreError::RdfSyntax { .. }
            | StoreError::UnknownFormat { .. }
            | StoreError::Network(_)) => bad_input(e),
            other => broken(other),
        }
    }
}

impl From<SourceError> for Failure {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::Store(s) => s.into(),
            SourceError::Ingest(i) => i.into(),
            SourceError::NoStore { path } => fail(
                2,
                format!(
                    "error: no store at {p} (run `tierwise load DATA --store {p}` first, or give DATA)",
                    p = path.display()
                ),
            ),
            SourceError::AsOf { value, message } => {
                fail(2, format!("error: --as-of {value:?}: {message}"))
            }
            other => bad_input(other),
        }
    }
}

impl From<DisruptionError> for Failure {
    fn from(e: DisruptionError) -> Self {
        bad_input(e)
    }
}

impl From<tierwise::store::ReplayError> for Failure {
    fn from(e: tierwise::store::ReplayError) -> Self {
        use tierwise::store::ReplayError as R;
        match e {
            R::Store(e) => e.into(),
            R::Govern(e) => e.into(),
            e => fail(2, format!("error: {e}")),
        }
    }
}

impl From<tierwise::govern::GovernError> for Failure {
    fn from(e: tierwise::govern::GovernError) -> Self {
        use tierwise::govern::GovernError as G;
        match e {
            e @ (G::Log(_) | G::Commit(_)) => broken(e),
            other => bad_input(other),
        }
    }
}

impl From<PolicyError> for Failure {
    fn from(e: PolicyError) -> Self {
        bad_input(e)
    }
}

impl From<LpError> for Failure {
    fn from(e: LpError) -> Self {
        match e {
            LpError::Cancelled(_) => interrupted(),
            e @ LpError::Disruption(_) => bad_input(e),
            other => broken(other),
        }
    }
}

impl From<MitigationError> for Failure {
    fn from(e: MitigationError) -> Self {
        match e {
            MitigationError::Cancelled(_) => interrupted(),
            MitigationError::Lp(e) => e.into(),
            other => bad_input(other),
        }
    }
}

impl From<ReportError> for Failure {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Cancelled(_) => interrupted(),
            other => broken(other),
        }
    }
}

impl From<tierwise::progress::Cancelled> for Failure {
    fn from(_: tierwise::progress::Cancelled) -> Self {
        interrupted()
    }
}

impl From<PolarsError> for Failure {
    fn from(e: PolarsError) -> Self {
        broken(e)
    }
}

impl From<tierwise::generate::GenerateError> for Failure {
    fn from(e: tierwise::generate::GenerateError) -> Self {
        match e {
            tierwise::generate::GenerateError::Cancelled => interrupted(),
            e => bad_input(e),
        }
    }
}

impl From<tierwise::willems::WillemsError> for Failure {
    fn from(e: tierwise::willems::WillemsError) -> Self {
        bad_input(e)
    }
}
