//! The orchestrator: per event, apply it, run the agents in their fixed order, put every
//! proposal through the policy, commit what is approved as events, and keep the log entries.
//! It works over a [`Ledger`]: the in-memory [`Live`] state, or a store's `LiveGraph`, which
//! keeps every event batch and log entry, so pending decisions survive a restart.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::GovernError;
use super::agents::{Agent, MitigationAgent, OnboardingAgent, RiskAgent, View, base_context};
use super::context::FactSource;
use super::decide::{Commit, Governor, Proposal, Seen, Verdict};
use super::log::Entry;
use crate::events::{DeltaRow, Event, Live, Outcome, Status, parse_value};
use crate::model::SupplyRow;
use crate::progress::Progress;
use crate::risk::{Exposure, UnitKind};
use crate::rules::Action;

/// Where events are applied and log entries kept.
pub trait Ledger {
    fn live(&self) -> &Live;
    /// Applies events (each on its own) and keeps them.
    fn apply(
        &mut self,
        events: &[(usize, Event)],
        source: &str,
        received: DateTime<Utc>,
    ) -> Result<Outcome, GovernError>;
    /// Keeps log entries, in order.
    fn record(&mut self, entries: &[Entry]) -> Result<(), GovernError>;
    /// The entries kept so far.
    fn stored_log(&self) -> Result<Vec<Entry>, GovernError>;
    /// Keeps what `apply` and `record` are given from now on until `release`, which keeps it
    /// all at once (an event, its commits and its log entries; none on a crash between).
    fn hold(&mut self) {}
    fn release(&mut self) -> Result<(), GovernError> {
        Ok(())
    }
    /// Drops what was held since `hold` (the step failed).
    fn discard(&mut self) {}
}

/// In memory: nothing is kept beyond the process.
impl Ledger for Live {
    fn live(&self) -> &Live {
        self
    }

    fn apply(
        &mut self,
        events: &[(usize, Event)],
        _source: &str,
        received: DateTime<Utc>,
    ) -> Result<Outcome, GovernError> {
        Ok(Live::apply(self, events, received))
    }

    fn record(&mut self, _entries: &[Entry]) -> Result<(), GovernError> {
        Ok(())
    }

    fn stored_log(&self) -> Result<Vec<Entry>, GovernError> {
        Ok(Vec::new())
    }
}

/// What one event did: its outcome in the live state and the decisions it led to.
#[derive(Debug, Clone)]
pub struct Handled {
    pub event: String,
    pub outcome: Outcome,
    pub decisions: Vec<(Proposal, Verdict)>,
    /// Events committed by approved actions.
    pub committed: Vec<String>,
}

/// The source name of committed events.
pub const GOVERNOR_SOURCE: &str = "tierwise/governor";

/// Runs agents per event through the policy, and commits approved actions.
pub struct Orchestrator<L: Ledger = Live> {
    ledger: L,
    governor: Governor,
    agents: Vec<Box<dyn Agent>>,
    /// Per blocked site, the events that restore its supply rows.
    blocked: BTreeMap<String, Vec<serde_json::Value>>,
    /// Log entries already kept by the ledger.
    recorded: usize,
}

impl<L: Ledger> std::fmt::Debug for Orchestrator<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let agents: Vec<&str> = self.agents.iter().map(|a| a.name()).collect();
        f.debug_struct("Orchestrator")
            .field("agents", &agents)
            .field("blocked", &self.blocked.keys())
            .finish_non_exhaustive()
    }
}

/// The built-in agents, in their fixed order: onboarding, risk, mitigation.
pub fn builtin_agents() -> Vec<Box<dyn Agent>> {
    vec![
        Box::new(OnboardingAgent),
        Box::new(RiskAgent),
        Box::new(MitigationAgent),
    ]
}

impl<L: Ledger> Orchestrator<L> {
    /// An orchestrator with the built-in agents; a ledger that kept a log resumes from it
    /// (pending decisions, guards, blocks), after checking its chain.
    pub fn new(ledger: L, governor: Governor) -> Result<Self, GovernError> {
        Orchestrator::with_agents(ledger, governor, builtin_agents())
    }

    pub fn with_agents(
        ledger: L,
        governor: Governor,
        agents: Vec<Box<dyn Agent>>,
    ) -> Result<Self, GovernError> {
        let stored = ledger.stored_log()?;
        let recorded = stored.len();
        let mut blocked = BTreeMap::new();
        for e in stored.iter().filter(|e| e.step == "committed") {
            match e.proposal.action {
                Action::BlockSupplier => {
                    blocked.insert(e.proposal.subject.clone(), e.undo.clone());
                }
                Action::UnblockSupplier => {
                    blocked.remove(&e.proposal.subject);
                }
                _ => {}
            }
        }
        let governor = if stored.is_empty() {
            governor
        } else {
            Governor::from_entries(std::sync::Arc::new(governor.policy().clone()), stored)?
        };
        Ok(Orchestrator {
            ledger,
            governor,
            agents,
            blocked,
            recorded,
        })
    }

    pub fn live(&self) -> &Live {
        self.ledger.live()
    }

    pub fn ledger(&self) -> &L {
        &self.ledger
    }

    pub fn into_ledger(self) -> L {
        self.ledger
    }

    pub fn governor(&self) -> &Governor {
        &self.governor
    }

    /// Applies events one at a time, in the order given, each followed by the agents, the
    /// policy and the commits of what it approved; the log entries are kept as they come.
    pub fn handle(
        &mut self,
        events: &[(usize, Event)],
        source: &str,
        received: DateTime<Utc>,
    ) -> Result<Vec<Handled>, GovernError> {
        self.handle_with(events, source, received, &Progress::new())
    }

    /// [`Orchestrator::handle`], stopping before the next event once `progress` is cancelled
    /// (Ctrl-C): the events handled are whole (each with its decisions and commits, written
    /// together) and listed; handling the batch again finishes it.
    pub fn handle_with(
        &mut self,
        events: &[(usize, Event)],
        source: &str,
        received: DateTime<Utc>,
        progress: &Progress,
    ) -> Result<Vec<Handled>, GovernError> {
        let mut out = Vec::with_capacity(events.len());
        for e in events {
            if progress.is_cancelled() {
                break;
            }
            out.push(self.held(|o| {
                let handled = o.step(e, source, received)?;
                o.flush()?;
                Ok(handled)
            })?);
        }
        Ok(out)
    }

    /// A person answers a pending decision; an approval is committed at once. Returns the
    /// verdict and the ids of the events committed.
    pub fn answer(
        &mut self,
        id: &str,
        approve: bool,
        by: &str,
        role: &str,
        time: DateTime<Utc>,
    ) -> Result<(Verdict, Vec<String>), GovernError> {
        let verdict = self.governor.answer(id, approve, by, role, time)?;
        let committed = self.held(|o| {
            let committed = o.commit_all(0, time)?;
            o.flush()?;
            Ok(committed)
        })?;
        Ok((verdict, committed))
    }

    /// Moves decisions past their deadline (see [`Governor::tick`]) and commits what that
    /// approved; returns the ids moved.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Result<Vec<String>, GovernError> {
        let moved = self.governor.tick(now);
        self.held(|o| {
            o.commit_all(0, now)?;
            o.flush()
        })?;
        Ok(moved)
    }

    /// Runs `f` with the ledger holding its writes, then keeps them all at once; on an error
    /// nothing of `f` is kept.
    fn held<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, GovernError>,
    ) -> Result<T, GovernError> {
        self.ledger.hold();
        match f(self) {
            Ok(v) => {
                self.ledger.release()?;
                Ok(v)
            }
            Err(e) => {
                self.ledger.discard();
                Err(e)
            }
        }
    }

    fn flush(&mut self) -> Result<(), GovernError> {
        let entries = &self.governor.log().entries()[self.recorded..];
        if !entries.is_empty() {
            self.ledger.record(entries)?;
            self.recorded += entries.len();
        }
        Ok(())
    }

    fn step(
        &mut self,
        (line, event): &(usize, Event),
        source: &str,
        received: DateTime<Utc>,
    ) -> Result<Handled, GovernError> {
        let outcome = self
            .ledger
            .apply(&[(*line, event.clone())], source, received)?;
        self.governor.tick(event.time);
        let mut handled = Handled {
            event: event.id.clone(),
            outcome,
            decisions: Vec::new(),
            committed: Vec::new(),
        };
        if handled.outcome.applied() == 0 {
            return Ok(handled);
        }
        handled.decisions = self.propose_and_decide(event, &handled.outcome.delta);
        handled.committed = self.commit_all(*line, received)?;
        Ok(handled)
    }

    fn propose_and_decide(
        &mut self,
        event: &Event,
        delta: &[DeltaRow],
    ) -> Vec<(Proposal, Verdict)> {
        let live = self.ledger.live();
        let exposures: Vec<&Exposure> = crate::events::LIVE_KINDS
            .iter()
            .filter_map(|&k| live.exposure(k))
            .collect();
        let down = live.down();
        let is_down = |s: &str| down.contains_key(s);
        let facts = FactSource::new(live.analysis(), &exposures, &is_down);
        let view = View {
            analysis: live.analysis(),
            event,
            delta,
            facts: &facts,
            governor: &self.governor,
        };
        let proposals: Vec<Proposal> = self
            .agents
            .iter_mut()
            .flat_map(|a| a.propose(&view))
            .collect();
        let data_hash = live.state_hash();
        let mut out = Vec::new();
        for p in proposals {
            let Ok(kind) = p.kind.parse::<UnitKind>() else {
                continue;
            };
            let context =
                base_context(&facts, kind, &p.subject, event, &self.governor).unwrap_or_default();
            let seen = Seen {
                context,
                time: event.time,
                events: vec![event.id.clone()],
                data_hash: data_hash.clone(),
            };
            let verdict = self.governor.decide(p.clone(), seen);
            out.push((p, verdict));
        }
        out
    }

    fn commit_all(
        &mut self,
        line: usize,
        received: DateTime<Utc>,
    ) -> Result<Vec<String>, GovernError> {
        let mut committed = Vec::new();
        for commit in self.governor.take_commits() {
            let (values, undo) = self.commit_events(&commit);
            let ids = self.commit(&values, line, received)?;
            match commit.proposal.action {
                Action::BlockSupplier if !ids.is_empty() => {
                    self.blocked
                        .insert(commit.proposal.subject.clone(), undo.clone());
                }
                Action::UnblockSupplier if !ids.is_empty() => {
                    self.blocked.remove(&commit.proposal.subject);
                }
                _ => {}
            }
            let hash = self.live().state_hash();
            self.governor.committed(&commit, ids.clone(), undo, &hash);
            committed.extend(ids);
        }
        Ok(committed)
    }

    /// Applies the events of an approved action; returns the ids applied.
    fn commit(
        &mut self,
        values: &[serde_json::Value],
        line: usize,
        received: DateTime<Utc>,
    ) -> Result<Vec<String>, GovernError> {
        let mut events = Vec::new();
        for v in values {
            let e = parse_value(v, line)
                .map_err(|e| GovernError::Commit(format!("a committed action made {e}")))?;
            events.push((line, e));
        }
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let outcome = self.ledger.apply(&events, GOVERNOR_SOURCE, received)?;
        Ok(events
            .iter()
            .zip(&outcome.events)
            .filter(|(_, o)| matches!(o.status, Status::Applied { .. }))
            .map(|((_, e), _)| e.id.clone())
            .collect())
    }

    /// The CloudEvents of an approved action, and those that would undo them.
    fn commit_events(&self, commit: &Commit) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
        let p = &commit.proposal;
        let time = commit
            .time
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let event = |n: usize, kind: &str, subject: String, data: serde_json::Value| {
            json!({
                "specversion": "1.0",
                "id": format!("{}.{n}", commit.decision),
                "source": GOVERNOR_SOURCE,
                "type": kind,
                "time": time,
                "subject": subject,
                "data": data,
            })
        };
        let link =
            |r: &SupplyRow| crate::risk::Link::key(&r.buyer_site, &r.part_id, &r.seller_site);
        match p.action {
            Action::BlockSupplier if p.kind == "site" => {
                let supply = &self.live().analysis().network().tables().supply;
                let rows: Vec<&SupplyRow> = supply
                    .iter()
                    .filter(|r| r.seller_site == p.subject)
                    .collect();
                let removed = rows
                    .iter()
                    .enumerate()
                    .map(|(n, r)| event(n + 1, "supply.removed", link(r), json!({})))
                    .collect();
                let restore = rows
                    .iter()
                    .enumerate()
                    .map(|(n, r)| event(n + 1, "supply.added", link(r), supply_data(r)))
                    .collect();
                (removed, restore)
            }
            Action::UnblockSupplier if p.kind == "site" => {
                let restore = self.blocked.get(&p.subject).cloned().unwrap_or_default();
                let renamed = restore
                    .into_iter()
                    .enumerate()
                    .map(|(n, mut v)| {
                        v["id"] = json!(format!("{}.{}", commit.decision, n + 1));
                        v["time"] = json!(time);
                        v
                    })
                    .collect();
                (renamed, Vec::new())
            }
            Action::RaiseSafetyStock if p.kind == "site" => {
                (self.safety_stock_events(p, &event), Vec::new())
            }
            _ => (Vec::new(), Vec::new()),
        }
    }

    /// More stock of what the site sells, at each of its buyers: the TTR - TTS gap in days.
    fn safety_stock_events(
        &self,
        p: &Proposal,
        event: &dyn Fn(usize, &str, String, serde_json::Value) -> serde_json::Value,
    ) -> Vec<serde_json::Value> {
        let live = self.live();
        let exposures: Vec<&Exposure> = live.exposure(UnitKind::Site).into_iter().collect();
        let none = |_: &str| false;
        let facts = FactSource::new(live.analysis(), &exposures, &none);
        let Some((unit, _)) = facts.unit(UnitKind::Site, &p.subject) else {
            return Vec::new();
        };
        let gap = (unit.ttr - unit.min_tts).max(0.0).ceil();
        if gap <= 0.0 {
            return Vec::new();
        }
        let mut groups: BTreeMap<(String, String), f64> = BTreeMap::new();
        for r in &live.analysis().network().tables().supply {
            if r.seller_site == p.subject {
                let days = r.inventory_days.unwrap_or(0.0);
                let slot = groups
                    .entry((r.buyer_site.clone(), r.part_id.clone()))
                    .or_insert(days);
                *slot = slot.max(days);
            }
        }
        groups
            .into_iter()
            .enumerate()
            .map(|(n, ((buyer, part), days))| {
                event(
                    n + 1,
                    "shipment.received",
                    format!("{buyer}|{part}"),
                    json!({ "inventory_days": days + gap }),
                )
            })
            .collect()
    }
}

fn supply_data(r: &SupplyRow) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("share".into(), json!(r.share));
    let optional = [
        ("max_share", r.max_share),
        ("lead_time_days", r.lead_time_days),
        ("lead_time_sd_days", r.lead_time_sd_days),
        ("inventory_days", r.inventory_days),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    }
    serde_json::Value::Object(m)
}
