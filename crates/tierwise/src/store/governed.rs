//! A store's governance run again: the stored events governed anew from the loads (in
//! memory) under a policy, to compare two policies' decisions (`policy diff`) or to reproduce
//! the stored decision log (`replay`). Nothing is written to the store.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use polars::prelude::{Column, DataFrame, PolarsError};

use super::{KnowledgeGraph, StoreError};
use crate::events::{Event, LIVE_KINDS, Live};
use crate::govern::{
    Entry, GOVERNOR_SOURCE, GovernError, Governor, Handled, Orchestrator, Verdict,
};
use crate::network::{Network, NetworkError};
use crate::risk::{Analysis, Policy};

/// Why the stored events could not be governed again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Govern(#[from] GovernError),
    /// The stored loads do not compile into a network.
    #[error(transparent)]
    Network(#[from] NetworkError),
    #[error("the decision table: {0}")]
    Frame(#[from] PolarsError),
    /// A stored log entry's time is not RFC 3339.
    #[error("stored decision {decision}: time {time:?} is not RFC 3339")]
    Time { decision: String, time: String },
}

/// The decisions two policies take on the stored events.
#[derive(Debug, Clone)]
pub struct PolicyDiff {
    /// Decisions under the old and the new policy.
    pub old: usize,
    pub new: usize,
    /// One row per (event, action, subject) decided differently: `event`, `action`,
    /// `subject`, `old`, `new` (an outcome, or `none` where that policy took no decision).
    pub rows: DataFrame,
}

/// The stored events governed again under a policy, with the people's answers of the stored
/// log given again where the replay reaches them.
#[derive(Debug, Clone)]
pub struct Replay {
    /// Events governed (those from outside; the governor's own are committed again).
    pub events: usize,
    pub stored: Vec<Entry>,
    pub replayed: Vec<Entry>,
    /// Decisions still waiting for a person after the replay.
    pub pending: usize,
    pub policy_version: String,
    /// The replayed live state's hash.
    pub state_hash: String,
}

impl Replay {
    /// The 1-based position of the first entry that differs between the stored and the
    /// replayed log (or that one of them lacks); `None` when the log is reproduced byte for
    /// byte.
    pub fn first_difference(&self) -> Option<usize> {
        let (a, b) = (&self.stored, &self.replayed);
        (0..a.len().max(b.len()))
            .find(|&i| a.get(i).map(Entry::to_line) != b.get(i).map(Entry::to_line))
            .map(|i| i + 1)
    }
}

/// Stored events with their 1-based position.
type Numbered = Vec<(usize, Event)>;

/// (event, action, `kind:subject`, outcome) of one decided proposal.
type Decision = (String, String, String, String);

impl KnowledgeGraph {
    /// The decisions `old` and `new` take on the stored events, each governed again from the
    /// loads, and where they differ.
    pub fn policy_diff(
        &self,
        old: Arc<Policy>,
        new: Arc<Policy>,
        as_of: DateTime<Utc>,
    ) -> Result<PolicyDiff, ReplayError> {
        let decide = |policy: Arc<Policy>| -> Result<Vec<Decision>, ReplayError> {
            let (mut o, events) = self.governed_from_loads(policy, as_of)?;
            let handled = o.handle(&events, "replay", as_of)?;
            Ok(decisions_of(&handled))
        };
        let (a, b) = (decide(old)?, decide(new)?);
        Ok(PolicyDiff {
            old: a.len(),
            new: b.len(),
            rows: differences(&a, &b)?,
        })
    }

    /// The stored events governed again under `policy` from the loads, one at a time, with
    /// the people's answers of the stored log given again as the replay reaches them.
    pub fn replay_governance(
        &self,
        policy: Arc<Policy>,
        as_of: DateTime<Utc>,
    ) -> Result<Replay, ReplayError> {
        let stored = self.decision_log()?;
        let (mut o, events) = self.governed_from_loads(policy, as_of)?;
        answers_due(&mut o, &stored)?;
        for e in &events {
            o.handle(std::slice::from_ref(e), "replay", as_of)?;
            answers_due(&mut o, &stored)?;
        }
        Ok(Replay {
            events: events.len(),
            replayed: o.governor().log().entries().to_vec(),
            stored,
            pending: o.governor().pending().len(),
            policy_version: o.governor().policy().version.clone(),
            state_hash: o.live().state_hash(),
        })
    }

    /// A governor under `policy` over the store's loads alone (in memory), and the stored
    /// events from outside, numbered in stored order (the actions the governor committed are
    /// left out: governing commits them again).
    fn governed_from_loads(
        &self,
        policy: Arc<Policy>,
        as_of: DateTime<Utc>,
    ) -> Result<(Orchestrator<Live>, Numbered), ReplayError> {
        let net = Network::compile(&self.loaded_tables()?)?;
        let live = Live::new(
            Analysis::new(Arc::new(net), policy.clone(), as_of),
            &LIVE_KINDS,
        );
        let o = Orchestrator::new(live, Governor::new(policy)?)?;
        let events = self
            .stored_events(None)?
            .into_iter()
            .filter(|e| e.source != GOVERNOR_SOURCE)
            .enumerate()
            .map(|(i, e)| (i + 1, e))
            .collect();
        Ok((o, events))
    }
}

/// Gives again the people's answers that come next in the stored log (an entry approved or
/// rejected by someone other than the policy), as long as the replay has reached them.
fn answers_due(o: &mut Orchestrator<Live>, stored: &[Entry]) -> Result<(), ReplayError> {
    while let Some(e) = stored.get(o.governor().log().entries().len()) {
        let person = e.approver.as_deref().filter(|a| *a != "policy");
        let Some((by, role)) = person
            .filter(|_| e.step == "approved" || e.step == "rejected")
            .and_then(|a| a.strip_suffix(')')?.rsplit_once(" ("))
        else {
            return Ok(());
        };
        let time = DateTime::parse_from_rfc3339(&e.time)
            .map_err(|_| ReplayError::Time {
                decision: e.decision.clone(),
                time: e.time.clone(),
            })?
            .to_utc();
        if o.answer(&e.decision, e.step == "approved", by, role, time)
            .is_err()
        {
            // The replay took another path (another policy): the comparison names where.
            return Ok(());
        }
    }
    Ok(())
}

fn decisions_of(handled: &[Handled]) -> Vec<Decision> {
    let mut out = Vec::new();
    for h in handled {
        for (p, v) in &h.decisions {
            let outcome = match v {
                Verdict::Approved { .. } => "approved".to_string(),
                Verdict::Rejected { .. } => "rejected".to_string(),
                Verdict::Escalated { role, .. } => format!("escalated to {role}"),
                Verdict::Notified { .. } => "notified".to_string(),
                _ => continue,
            };
            out.push((
                h.event.clone(),
                p.action.as_str().to_string(),
                p.key(),
                outcome,
            ));
        }
    }
    out
}

/// The decisions of `a` that `b` takes otherwise (or not at all), then those only `b` takes.
fn differences(a: &[Decision], b: &[Decision]) -> Result<DataFrame, PolarsError> {
    let same = |x: &Decision, y: &Decision| x.0 == y.0 && x.1 == y.1 && x.2 == y.2;
    let mut rows: Vec<[String; 5]> = Vec::new();
    for d in a {
        let other = b
            .iter()
            .find(|x| same(x, d))
            .map_or("none".to_string(), |x| x.3.clone());
        if other != d.3 {
            rows.push([d.0.clone(), d.1.clone(), d.2.clone(), d.3.clone(), other]);
        }
    }
    for d in b.iter().filter(|d| !a.iter().any(|x| same(x, d))) {
        rows.push([
            d.0.clone(),
            d.1.clone(),
            d.2.clone(),
            "none".into(),
            d.3.clone(),
        ]);
    }
    let names = ["event", "action", "subject", "old", "new"];
    let columns = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let col: Vec<&str> = rows.iter().map(|r| r[i].as_str()).collect();
            Column::new((*n).into(), col)
        })
        .collect();
    DataFrame::new_infer_height(columns)
}
