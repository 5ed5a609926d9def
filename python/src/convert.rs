//! Conversions between Python values and the core's: DataFrames out, disruption sets and
//! unit kinds and what-if changes in.

use pyo3::conversion::FromPyObjectOwned;
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_polars::PyDataFrame;
use tierwise::mitigate::Change;
use tierwise::risk::{Disruption, Link, UnitKind};

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

/// A what-if change from a dict: `action` (raise_max_share, add_supply, qualify_alternate,
/// add_inventory_days, add_capacity, remove_seller) and that action's fields (see
/// `Network.what_if`). A missing or unknown key is an error naming it.
pub fn change(obj: &Bound<'_, PyAny>) -> Result<Change, Error> {
    let d = obj
        .cast::<PyDict>()
        .map_err(|_| PyValueError::new_err("a change is a dict with an \"action\" key"))?;
    let f = Fields(d);
    let action: String = f.req("action")?;
    let keys: &[&str] = match action.as_str() {
        "raise_max_share" => &["link", "max_share"],
        "add_supply" => &["link", "share", "max_share"],
        "qualify_alternate" => &["buyer", "part", "alternate", "max_share", "sellers"],
        "add_inventory_days" => &["buyer", "part", "days"],
        "add_capacity" => &["site", "part", "capacity_per_day", "inventory_units"],
        "remove_seller" => &["link"],
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown change action {other:?}: use raise_max_share, add_supply, \
                 qualify_alternate, add_inventory_days, add_capacity or remove_seller"
            ))
            .into());
        }
    };
    for k in d.keys() {
        let k: String = k.extract()?;
        if k != "action" && !keys.contains(&k.as_str()) {
            return Err(PyKeyError::new_err(format!(
                "{action}: unknown key {k:?} (expected {})",
                keys.join(", ")
            ))
            .into());
        }
    }
    Ok(match action.as_str() {
        "raise_max_share" => Change::RaiseMaxShare {
            link: f.link()?,
            max_share: f.req("max_share")?,
        },
        "add_supply" => Change::AddSupply {
            link: f.link()?,
            share: f.opt("share")?.unwrap_or(0.0),
            max_share: f.req("max_share")?,
        },
        "qualify_alternate" => Change::QualifyAlternate {
            buyer: f.req("buyer")?,
            part: f.req("part")?,
            alternate: f.req("alternate")?,
            max_share: f.opt("max_share")?.unwrap_or(1.0),
            sellers: f.opt("sellers")?.unwrap_or_default(),
        },
        "add_inventory_days" => Change::AddInventoryDays {
            buyer: f.req("buyer")?,
            part: f.req("part")?,
            days: f.req("days")?,
        },
        "add_capacity" => Change::AddCapacity {
            site: f.req("site")?,
            part: f.opt("part")?,
            capacity_per_day: f.opt("capacity_per_day")?.unwrap_or(0.0),
            inventory_units: f.opt("inventory_units")?.unwrap_or(0.0),
        },
        _ => Change::RemoveSeller { link: f.link()? },
    })
}

/// The fields of a change dict.
struct Fields<'a, 'py>(&'a Bound<'py, PyDict>);

impl<'py> Fields<'_, 'py> {
    fn opt<T: FromPyObjectOwned<'py>>(&self, key: &str) -> PyResult<Option<T>> {
        match self.0.get_item(key)? {
            Some(v) if !v.is_none() => v.extract::<T>().map(Some).map_err(|e| {
                let e: PyErr = e.into();
                PyValueError::new_err(format!("change key {key:?}: {e}"))
            }),
            _ => Ok(None),
        }
    }

    fn req<T: FromPyObjectOwned<'py>>(&self, key: &str) -> PyResult<T> {
        self.opt(key)?
            .ok_or_else(|| PyKeyError::new_err(format!("change needs the key {key:?}")))
    }

    fn link(&self) -> Result<Link, Error> {
        let text: String = self.req("link")?;
        Ok(text.parse::<Link>()?)
    }
}
