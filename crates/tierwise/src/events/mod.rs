//! The living graph (DESIGN 4.1): change events in the CloudEvents 1.0 JSON format, applied to
//! the knowledge graph's state in the order of their (time, id), idempotently, each through
//! the quality gates, with the analytics following incrementally.
//!
//! - `parse`: JSON lines -> typed [`Event`]s, every problem named by line, field and value;
//! - `state`: the live state (tables, stamps, active disruptions) and how a change applies.

mod frames;
pub(crate) mod live;
mod parse;
mod replay;
mod state;

use chrono::{DateTime, Utc};

pub use frames::{Parsed, parse_lines, read_events, status_name};
pub use live::{
    DeltaRow, Down, EventOutcome, LIVE_KINDS, Live, Outcome, Situation, SituationRow, Status,
    situation,
};
pub use parse::{TYPES, parse_line, parse_value};
pub use replay::{Replayed, replay};
pub use state::Writes;

use crate::model::{Alternate, Signal, Site, SubjectKind, SupplyRow};
use crate::risk::Link;

/// A problem with one event: the line it came on (1-based), the field (a JSON path such as
/// `data.share`), the value and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, field {field}, value {value:?}: {reason}")]
pub struct EventError {
    pub line: usize,
    pub field: String,
    pub value: String,
    pub reason: String,
}

/// One change event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    pub source: String,
    /// The CloudEvents `type`, e.g. `supply.share`.
    pub kind: String,
    pub time: DateTime<Utc>,
    pub subject: String,
    pub change: Change,
    /// The event as canonical JSON: two deliveries of one event compare equal.
    pub content: String,
}

impl Event {
    /// Where the event stands in the order of changes: its time, then its id.
    pub fn stamp(&self) -> Stamp {
        Stamp {
            time: self.time,
            id: self.id.clone(),
        }
    }
}

/// The order of writes: a value written by a later (time, id) wins, whatever the order in
/// which the writes arrived.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    pub time: DateTime<Utc>,
    pub id: String,
}

/// What an event changes (the payloads of DESIGN 4.1, documented in docs/design.md).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Change {
    /// A disruption of a site starts; it recovers in `ttr_days` (else the site's TTR).
    SiteDown {
        site: String,
        ttr_days: Option<f64>,
    },
    /// The disruption of a site ends.
    SiteUp {
        site: String,
    },
    LeadTime {
        link: Link,
        lead_time_days: f64,
        lead_time_sd_days: Option<f64>,
    },
    Share {
        link: Link,
        share: f64,
        max_share: Option<f64>,
    },
    SupplyAdded(SupplyRow),
    SupplyRemoved {
        link: Link,
    },
    /// A site's capacity (of one part, or of the site when `part` is `None`).
    Capacity {
        site: String,
        part: Option<String>,
        capacity_per_day: Option<f64>,
        inventory_units: Option<f64>,
    },
    /// A quality alert: the site's measured defect rate.
    Quality {
        site: String,
        quality_ppm: f64,
    },
    /// A sanction on a site, company or country is listed or lifted (a `sanction` signal of
    /// 1 or 0 observed at the event's time).
    Sanction {
        kind: SubjectKind,
        id: String,
        listed: bool,
    },
    /// Stock received: the buyer's inventory of a part, in days of use.
    Shipment {
        buyer: String,
        part: String,
        inventory_days: f64,
    },
    /// Any risk signal, as a row of the signals table observed at the event's time.
    Signal(Signal),
    SiteAdded(Site),
    AlternateQualified(Alternate),
}
