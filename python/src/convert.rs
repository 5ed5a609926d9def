//! Conversions between Python values and the core's: DataFrames out, disruption sets and
//! unit kinds in.

use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_polars::PyDataFrame;
use tierwise::risk::{Disruption, UnitKind};

use crate::errors::Error;

/// A polars DataFrame for Python (moved, not copied).
pub fn frame(py: Python<'_>, df: polars::prelude::DataFrame) -> PyResult<Py<PyAny>> {
    Ok(PyDataFrame(df).into_pyobject(py)?.unbind())
}

/// A disruption set from site ids (a string or a list of them) or a dict with keys sites,
/// companies, countries, links (`"BUYER|PART|SELLER"`), each a string or a list.
pub fn disruption(obj: &Bound<'_, PyAny>) -> Result<Disruption, Error> {
    let Ok(d) = obj.cast::<PyDict>() else {
        let ids: Vec<String> = match obj.extract::<String>() {
            Ok(s) => vec![s],
            Err(_) => obj.extract()?,
        };
        return Ok(Disruption::sites(ids));
    };
    let mut out = Disruption::default();
    for (k, v) in d.iter() {
        let key: String = k.extract()?;
        let kind = match key.as_str() {
            "sites" | "site" => UnitKind::Site,
            "companies" | "company" => UnitKind::Company,
            "countries" | "country" => UnitKind::Country,
            "links" | "link" => UnitKind::Link,
            other => {
                return Err(PyKeyError::new_err(format!(
                    "unknown disruption key {other:?}: use sites, companies, countries, links"
                ))
                .into());
            }
        };
        let ids: Vec<String> = match v.extract::<String>() {
            Ok(s) => vec![s],
            Err(_) => v.extract()?,
        };
        for id in &ids {
            out.add(kind, id)?;
        }
    }
    Ok(out)
}

/// A unit kind from its name.
pub fn unit_kind(unit: &str) -> PyResult<UnitKind> {
    UnitKind::parse(unit).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unit {unit:?}: expected site, company, country or link"
        ))
    })
}
