//! Change events in the CloudEvents 1.0 JSON format, one per line, read into typed changes.
//!
//! Every field is checked as it is read; a problem names the line, the field (a JSON path
//! such as `data.share`), the value and the reason. The payload of every type is in
//! `docs/design.md` and in `data/schema/events.schema.json`.

use serde_json::{Map, Value};

use super::{Change, Event, EventError};
use crate::model::{Alternate, Signal, Site, SubjectKind, SupplyRow};
use crate::risk::Link;

/// The event types, as their `type` field spells them.
pub const TYPES: [&str; 14] = [
    "site.down",
    "site.up",
    "supply.lead_time",
    "supply.share",
    "supply.added",
    "supply.removed",
    "site.capacity",
    "quality.alert",
    "sanction.listed",
    "sanction.lifted",
    "shipment.received",
    "signal",
    "site.added",
    "alternate.qualified",
];

/// Reads the fields of one JSON object, naming the path of each problem.
struct Fields<'a> {
    line: usize,
    path: &'a str,
    obj: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn err(&self, field: &str, value: impl ToString, reason: impl Into<String>) -> EventError {
        EventError {
            line: self.line,
            field: if self.path.is_empty() {
                field.to_string()
            } else {
                format!("{}.{field}", self.path)
            },
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    fn str_opt(&self, field: &str) -> Result<Option<String>, EventError> {
        match self.obj.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
            Some(v) => Err(self.err(field, v, "expected a non-empty string")),
        }
    }

    fn str(&self, field: &str) -> Result<String, EventError> {
        self.str_opt(field)?
            .ok_or_else(|| self.err(field, "", "required field is missing"))
    }

    fn num_opt(&self, field: &str, lo: f64, hi: f64) -> Result<Option<f64>, EventError> {
        let v = match self.obj.get(field) {
            None | Some(Value::Null) => return Ok(None),
            Some(v) => v,
        };
        let Some(x) = v.as_f64() else {
            return Err(self.err(field, v, "expected a number"));
        };
        if !(x.is_finite() && x >= lo && x <= hi) {
            let range = if hi.is_infinite() {
                format!("expected a value >= {lo}")
            } else {
                format!("expected a value in [{lo}, {hi}]")
            };
            return Err(self.err(field, x, range));
        }
        Ok(Some(x))
    }

    fn num(&self, field: &str, lo: f64, hi: f64) -> Result<f64, EventError> {
        self.num_opt(field, lo, hi)?
            .ok_or_else(|| self.err(field, "", "required field is missing"))
    }

    fn days(&self, field: &str) -> Result<Option<f64>, EventError> {
        self.num_opt(field, 0.0, f64::INFINITY)
    }

    fn fraction(&self, field: &str) -> Result<Option<f64>, EventError> {
        self.num_opt(field, 0.0, 1.0)
    }
}

/// Parses one line of a JSON-lines file (1-based `line`) into an event.
pub fn parse_line(text: &str, line: usize) -> Result<Event, EventError> {
    let value: Value = serde_json::from_str(text).map_err(|e| EventError {
        line,
        field: String::new(),
        value: truncate(text),
        reason: format!("not JSON: {e}"),
    })?;
    parse_value(&value, line)
}

/// Parses one event given as a JSON value.
pub fn parse_value(value: &Value, line: usize) -> Result<Event, EventError> {
    let Some(obj) = value.as_object() else {
        return Err(EventError {
            line,
            field: String::new(),
            value: truncate(&value.to_string()),
            reason: "expected a JSON object (a CloudEvent)".into(),
        });
    };
    let f = Fields {
        line,
        path: "",
        obj,
    };
    let spec = f.str("specversion")?;
    if spec != "1.0" {
        return Err(f.err("specversion", spec, "expected \"1.0\" (CloudEvents 1.0)"));
    }
    let id = f.str("id")?;
    let source = f.str("source")?;
    let kind = f.str("type")?;
    if !TYPES.contains(&kind.as_str()) {
        return Err(f.err(
            "type",
            &kind,
            format!("unknown event type; expected one of {}", TYPES.join(", ")),
        ));
    }
    let time_text = f.str("time")?;
    let time = chrono::DateTime::parse_from_rfc3339(&time_text)
        .map_err(|e| {
            f.err(
                "time",
                &time_text,
                format!("expected an RFC 3339 time: {e}"),
            )
        })?
        .to_utc();
    let subject = f.str("subject")?;
    let empty = Map::new();
    let data = match obj.get("data") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(m)) => m,
        Some(v) => return Err(f.err("data", v, "expected a JSON object")),
    };
    let d = Fields {
        line,
        path: "data",
        obj: data,
    };
    let change = change(&kind, &subject, &d, &f)?;
    Ok(Event {
        id,
        source,
        kind,
        time,
        subject,
        change,
        content: canonical(value),
    })
}

/// The typed change of an event of type `kind` about `subject`.
fn change(kind: &str, subject: &str, d: &Fields<'_>, f: &Fields<'_>) -> Result<Change, EventError> {
    let link = || -> Result<Link, EventError> {
        subject
            .parse()
            .map_err(|_| f.err("subject", subject, "expected BUYER|PART|SELLER"))
    };
    let site = subject.to_string();
    Ok(match kind {
        "site.down" => Change::SiteDown {
            site,
            ttr_days: d.days("ttr_days")?,
        },
        "site.up" => Change::SiteUp { site },
        "supply.lead_time" => Change::LeadTime {
            link: link()?,
            lead_time_days: d.num("lead_time_days", 0.0, f64::INFINITY)?,
            lead_time_sd_days: d.days("lead_time_sd_days")?,
        },
        "supply.share" => {
            let share = d.num("share", 0.0, 1.0)?;
            Change::Share {
                link: link()?,
                share,
                max_share: max_share(d, share)?,
            }
        }
        "supply.added" => Change::SupplyAdded(supply_row(link()?, d)?),
        "supply.removed" => Change::SupplyRemoved { link: link()? },
        "site.capacity" => Change::Capacity {
            site,
            part: d.str_opt("part_id")?,
            capacity_per_day: d.days("capacity_per_day")?,
            inventory_units: d.days("inventory_units")?,
        },
        "quality.alert" => Change::Quality {
            site,
            quality_ppm: d.num("quality_ppm", 0.0, f64::INFINITY)?,
        },
        "sanction.listed" | "sanction.lifted" => Change::Sanction {
            kind: subject_kind(d, &["site", "company", "country"])?,
            id: subject.to_string(),
            listed: kind == "sanction.listed",
        },
        "shipment.received" => {
            let mut it = subject.split('|');
            let (Some(buyer), Some(part), None) = (it.next(), it.next(), it.next()) else {
                return Err(f.err("subject", subject, "expected BUYER|PART"));
            };
            Change::Shipment {
                buyer: buyer.to_string(),
                part: part.to_string(),
                inventory_days: d.num("inventory_days", 0.0, f64::INFINITY)?,
            }
        }
        "signal" => Change::Signal(Signal {
            subject_kind: subject_kind(d, &["site", "company", "country", "part"])?,
            subject_id: subject.to_string(),
            factor: d.str("factor")?,
            value: d.num("value", 0.0, 1.0)?,
            observed_at: String::new(),
            source: d.str_opt("source")?,
        }),
        "site.added" => Change::SiteAdded(site_row(site, d)?),
        "alternate.qualified" => Change::AlternateQualified(Alternate {
            part_id: subject.to_string(),
            alternate_part_id: d.str("alternate_part_id")?,
            qualification_days: d.days("qualification_days")?,
        }),
        other => unreachable!("type {other} was checked against TYPES"),
    })
}

fn max_share(d: &Fields<'_>, share: f64) -> Result<Option<f64>, EventError> {
    let m = d.fraction("max_share")?;
    if let Some(m) = m
        && m + crate::model::EPS < share
    {
        return Err(d.err(
            "max_share",
            m,
            format!("expected a value >= share ({share})"),
        ));
    }
    Ok(m)
}

fn supply_row(link: Link, d: &Fields<'_>) -> Result<SupplyRow, EventError> {
    let share = d.num("share", 0.0, 1.0)?;
    Ok(SupplyRow {
        buyer_site: link.buyer,
        part_id: link.part,
        seller_site: link.seller,
        share,
        max_share: max_share(d, share)?,
        lead_time_days: d.days("lead_time_days")?,
        lead_time_sd_days: d.days("lead_time_sd_days")?,
        inventory_days: d.days("inventory_days")?,
    })
}

fn site_row(site_id: String, d: &Fields<'_>) -> Result<Site, EventError> {
    let country = d.str("country")?.to_ascii_uppercase();
    if !crate::ingest::is_country_code(&country) {
        return Err(d.err("country", &country, "expected an ISO 3166-1 alpha-2 code"));
    }
    Ok(Site {
        site_id,
        company: d.str("company")?,
        country,
        ttr_days: d.days("ttr_days")?,
        financial_score: d.num_opt("financial_score", 0.0, 100.0)?,
        on_time_rate: d.fraction("on_time_rate")?,
        quality_ppm: d.days("quality_ppm")?,
        capacity_utilization: d.fraction("capacity_utilization")?,
        p_fail_override: d.fraction("p_fail_override")?,
    })
}

fn subject_kind(d: &Fields<'_>, allowed: &[&str]) -> Result<SubjectKind, EventError> {
    let k = d.str("subject_kind")?;
    if !allowed.contains(&k.as_str()) {
        return Err(d.err(
            "subject_kind",
            &k,
            format!("expected one of {}", allowed.join(", ")),
        ));
    }
    SubjectKind::parse(&k).ok_or_else(|| d.err("subject_kind", &k, "unknown subject kind"))
}

/// The event as canonical JSON (keys sorted): equal events, equal text, whatever the key order
/// or spacing of the line they came on.
fn canonical(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&m[k])))
                        .collect(),
                )
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(v).to_string()
}

fn truncate(s: &str) -> String {
    let mut t: String = s.chars().take(80).collect();
    if t.len() < s.len() {
        t.push('…');
    }
    t
}
