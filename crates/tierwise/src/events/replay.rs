//! Rebuilding the state from stored events: the base tables with every stored event applied
//! again in the order it was applied (so every event the live state accepted is accepted
//! again), registers and active disruptions included.

use std::collections::{BTreeMap, HashMap};

use super::live::record_down;
use super::state::{Rows, apply};
use super::{Change, Down, Event, Writes};
use crate::model::Tables;
use crate::model::Target;

/// The state a replay rebuilt.
#[derive(Debug, Clone, Default)]
pub struct Replayed {
    pub tables: Tables,
    /// The hash of the base tables (see [`super::Live::state_hash`]); `None` when nothing
    /// was replayed.
    pub base: Option<String>,
    pub writes: Writes,
    /// Content of every event id applied.
    pub seen: HashMap<String, String>,
    pub down: BTreeMap<String, Down>,
    /// Stored events the state now refuses (the base changed under them since).
    pub refused: usize,
}

/// Applies `events` (in the order given) to `base`.
pub fn replay(base: Tables, events: &[Event]) -> Replayed {
    let mut out = Replayed {
        base: Some(super::live::tables_hash(&base)),
        ..Replayed::default()
    };
    let mut rows = Rows::from_tables(base);
    for e in events {
        if out.seen.contains_key(&e.id) {
            continue;
        }
        let ok = match &e.change {
            Change::SiteDown { .. } | Change::SiteUp { .. } => {
                let known = rows.site(subject_site(e)).is_some();
                record_down(&mut out.writes, &mut out.down, e, |_| known).is_ok()
            }
            _ => apply(&mut rows, e, &mut out.writes).is_ok(),
        };
        if ok {
            out.seen.insert(e.id.clone(), e.content.clone());
        } else {
            out.refused += 1;
        }
    }
    out.tables = rows.into_tables();
    out
}

fn subject_site(e: &Event) -> &str {
    match &e.change {
        Change::SiteDown { site, .. } | Change::SiteUp { site } => site,
        _ => &e.subject,
    }
}
