//! The policy decides (DESIGN 4.2): a proposal is approved, rejected or escalated to a role by
//! the policy's rules, budgets, roles and thrash guard; people answer escalations; every step
//! is an entry of the hash-chained log.
//!
//! Default deny: a proposal no rule of its action allows is rejected. A rule with
//! `approval = "auto"` approves it unless a budget would be crossed or the subject's automatic
//! actions flip too often (then it is escalated to the first role); any other approval sends
//! it to that role. `escalate` always waits for a person.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::GovernError;
use super::log::{Entry, Fired, Log};
use crate::risk::Policy;
use crate::rules::{Action, Role, Rule, compile};
use crate::rules::{Limit, RuleContext};

/// What an agent proposes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub agent: String,
    pub action: Action,
    /// `site`, `company` or `country`.
    pub kind: String,
    pub subject: String,
    /// What the action costs (mitigation spend).
    pub cost: f64,
    /// Expected loss it removes (negative: adds).
    pub benefit: f64,
    pub reason: String,
}

impl Proposal {
    /// `kind:id`, the key of the thrash guard and of deduplication.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind, self.subject)
    }
}

/// A decision waiting for a person.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub id: String,
    pub role: String,
    pub deadline: DateTime<Utc>,
    pub proposal: Proposal,
    pub context: serde_json::Value,
    pub fired: Vec<Fired>,
    pub events: Vec<String>,
    pub data_hash: String,
}

/// What became of a proposal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Verdict {
    Approved {
        id: String,
    },
    Rejected {
        id: String,
        reason: String,
    },
    Escalated {
        id: String,
        role: String,
        reason: String,
    },
    Notified {
        id: String,
    },
    /// Not decided again: the same proposal is pending, already in effect, or backing off.
    Skipped {
        reason: String,
    },
}

/// The approved action that must be committed (the orchestrator turns it into events).
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    pub decision: String,
    pub proposal: Proposal,
    pub time: DateTime<Utc>,
}

/// The policy's decision state: the log, pending decisions, and what the guards remember.
#[derive(Debug)]
pub struct Governor {
    policy: Arc<Policy>,
    rules: Vec<Rule>,
    roles: Vec<Role>,
    log: Log,
    pending: BTreeMap<String, Pending>,
    /// Per subject key, the automatic actions committed (time, action), for the thrash guard.
    history: BTreeMap<String, Vec<(DateTime<Utc>, Action)>>,
    /// Per (action, subject key), rejections so far and until when to stay quiet.
    backoff: BTreeMap<(Action, String), (u32, DateTime<Utc>)>,
    /// Approved spend (time, cost), for the per-period budget.
    spend: Vec<(DateTime<Utc>, f64)>,
    /// Actions in effect per subject key (a block until its unblock).
    in_effect: BTreeSet<(Action, String)>,
    /// Commits waiting to be taken by the orchestrator.
    commits: Vec<Commit>,
    decided: u64,
}

/// The inputs of one decision besides the proposal.
#[derive(Debug, Clone)]
pub struct Seen {
    pub context: RuleContext,
    pub time: DateTime<Utc>,
    pub events: Vec<String>,
    pub data_hash: String,
}

impl Governor {
    pub fn new(policy: Arc<Policy>) -> Result<Governor, GovernError> {
        let factors = policy.weights.keys().cloned().collect();
        let (rules, roles) =
            compile(&policy.governance, &factors).map_err(|p| GovernError::Policy(p.join("; ")))?;
        Ok(Governor {
            policy,
            rules,
            roles,
            log: Log::default(),
            pending: BTreeMap::new(),
            history: BTreeMap::new(),
            backoff: BTreeMap::new(),
            spend: Vec::new(),
            in_effect: BTreeSet::new(),
            commits: Vec::new(),
            decided: 0,
        })
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn log(&self) -> &Log {
        &self.log
    }

    pub fn pending(&self) -> &BTreeMap<String, Pending> {
        &self.pending
    }

    /// Takes the approved actions not yet committed.
    pub fn take_commits(&mut self) -> Vec<Commit> {
        std::mem::take(&mut self.commits)
    }

    /// Records the ids of the events a commit produced, in a log entry of its own.
    pub fn committed(
        &mut self,
        commit: &Commit,
        event_ids: Vec<String>,
        undo: Vec<serde_json::Value>,
        data_hash: &str,
    ) -> Option<&Entry> {
        if event_ids.is_empty() {
            return None;
        }
        let mut entry = self.entry(&commit.decision, "committed", commit.time, &commit.proposal);
        entry.outcome = "approved".into();
        entry.committed = event_ids;
        entry.undo = undo;
        entry.data_hash = data_hash.to_string();
        Some(self.log.append(entry))
    }

    /// The governor of a stored log: pending decisions, guards and budgets as the entries
    /// left them (the log is the record of governance state).
    pub fn resume(policy: Arc<Policy>, log: Log) -> Result<Governor, GovernError> {
        let mut g = Governor::new(policy)?;
        for e in log.entries() {
            g.absorb(e);
        }
        g.commits.clear();
        g.log = log;
        Ok(g)
    }

    /// [`Governor::resume`] from a store's entries (`KnowledgeGraph::decision_log`), whose
    /// hash chain is checked first.
    pub fn from_entries(policy: Arc<Policy>, entries: Vec<Entry>) -> Result<Governor, GovernError> {
        let log = Log::from_entries(entries).map_err(|e| GovernError::Log(e.to_string()))?;
        Governor::resume(policy, log)
    }

    /// What one stored entry did to the state.
    fn absorb(&mut self, e: &Entry) {
        let Ok(time) = DateTime::parse_from_rfc3339(&e.time).map(|t| t.to_utc()) else {
            return;
        };
        let n: u64 = e.decision.trim_start_matches('D').parse().unwrap_or(0);
        self.decided = self.decided.max(n);
        let approved = e.outcome == "approved" && e.step != "committed";
        match e.step.as_str() {
            "decided" if e.outcome == "escalated" => {
                let role = e.role.clone().unwrap_or_default();
                let deadline = time + self.deadline_of(&role);
                self.pending.insert(
                    e.decision.clone(),
                    Pending {
                        id: e.decision.clone(),
                        role,
                        deadline,
                        proposal: e.proposal.clone(),
                        context: e.metrics.clone(),
                        fired: e.fired.clone(),
                        events: e.events.clone(),
                        data_hash: e.data_hash.clone(),
                    },
                );
            }
            "escalated" => {
                let role = e.role.clone().unwrap_or_default();
                let deadline = time + self.deadline_of(&role);
                if let Some(p) = self.pending.get_mut(&e.decision) {
                    p.role = role;
                    p.deadline = deadline;
                }
            }
            "approved" | "rejected" | "expired" => {
                self.pending.remove(&e.decision);
            }
            _ => {}
        }
        if approved {
            self.take_effect(&e.decision, &e.proposal, time);
        } else if e.outcome == "rejected" {
            self.back_off(&e.proposal, time);
        }
    }

    /// The budgets as the rules see them, at `time`.
    pub fn budget_facts(
        &self,
        time: DateTime<Utc>,
        rar: f64,
        product_rar: f64,
    ) -> super::BudgetFacts {
        let b = &self.policy.governance.budgets;
        let limit = |v: Option<f64>| v.unwrap_or(f64::MAX);
        super::BudgetFacts {
            revenue_at_risk: Limit {
                limit: limit(b.revenue_at_risk),
                used: rar,
            },
            product_revenue_at_risk: Limit {
                limit: limit(b.product_revenue_at_risk),
                used: product_rar,
            },
            mitigation_spend: Limit {
                limit: limit(b.mitigation_spend),
                used: self.spent(time),
            },
        }
    }

    fn spent(&self, time: DateTime<Utc>) -> f64 {
        let period = days(self.policy.governance.budgets.period_days);
        self.spend
            .iter()
            .filter(|(t, _)| *t <= time && *t > time - period)
            .map(|(_, c)| c)
            .sum()
    }

    /// Rules of the proposal's action that hold in its context, in policy order.
    pub fn fired(&self, proposal: &Proposal, ctx: &RuleContext) -> (Vec<&Rule>, Vec<String>) {
        let cel = ctx.to_cel();
        let mut fired = Vec::new();
        let mut errors = Vec::new();
        for r in self
            .rules
            .iter()
            .filter(|r| r.spec.action == proposal.action)
        {
            match r.when.holds(&cel) {
                Ok(true) => fired.push(r),
                Ok(false) => {}
                Err(e) => errors.push(format!("rule {:?}: {e}", r.spec.id)),
            }
        }
        (fired, errors)
    }

    /// Decides one proposal.
    pub fn decide(&mut self, proposal: Proposal, seen: Seen) -> Verdict {
        if let Some(reason) = self.skip(&proposal, seen.time) {
            return Verdict::Skipped { reason };
        }
        let mut ctx = seen.context.clone();
        ctx.proposal.action = proposal.action.as_str().into();
        ctx.proposal.agent = proposal.agent.clone();
        ctx.proposal.subject = proposal.key();
        ctx.proposal.cost = proposal.cost;
        ctx.proposal.benefit = proposal.benefit;
        let (fired, errors) = self.fired(&proposal, &ctx);
        let fired_log: Vec<Fired> = fired
            .iter()
            .map(|r| Fired {
                id: r.spec.id.clone(),
                when: r.spec.when.clone(),
            })
            .collect();
        let auto = fired.iter().any(|r| r.spec.approval == "auto");
        let role_of_rule = fired
            .iter()
            .find(|r| r.spec.approval != "auto")
            .map(|r| r.spec.approval.clone());
        let none_fired = fired.is_empty();
        self.decided += 1;
        let id = format!("D{:06}", self.decided);
        let mut entry = self.entry(&id, "decided", seen.time, &proposal);
        entry.fired = fired_log.clone();
        entry.metrics = ctx.to_json();
        entry.events = seen.events.clone();
        entry.data_hash = seen.data_hash.clone();
        let mut reason = errors.join("; ");
        let verdict = if none_fired {
            reason = join(&reason, "no rule of the policy allows this action here");
            self.back_off(&proposal, seen.time);
            entry.outcome = "rejected".into();
            entry.approver = Some("policy".into());
            Verdict::Rejected {
                id: id.clone(),
                reason: reason.clone(),
            }
        } else if let Some(why) = self.hold_back(&proposal, &ctx, auto, seen.time) {
            reason = join(&reason, &why);
            let role = role_of_rule
                .or_else(|| self.first_role())
                .unwrap_or_default();
            self.escalate(&id, &role, &proposal, &ctx, &fired_log, &seen);
            entry.outcome = "escalated".into();
            entry.role = Some(role.clone());
            Verdict::Escalated {
                id: id.clone(),
                role,
                reason: reason.clone(),
            }
        } else {
            entry.approver = Some("policy".into());
            self.approve_now(&id, &proposal, seen.time, &mut entry)
        };
        entry.reason = reason;
        self.log.append(entry);
        verdict
    }

    /// Why an allowed proposal still needs a person, if it does.
    fn hold_back(
        &self,
        proposal: &Proposal,
        ctx: &RuleContext,
        auto: bool,
        time: DateTime<Utc>,
    ) -> Option<String> {
        if proposal.action == Action::Escalate {
            return Some("the action is an escalation".into());
        }
        if !auto {
            return Some("the rule that allows it asks for a role's approval".into());
        }
        let b = &ctx.budgets;
        if proposal.cost > 0.0 && b.mitigation_spend.used + proposal.cost > b.mitigation_spend.limit
        {
            return Some(format!(
                "mitigation spend {} + {} would exceed the budget {}",
                b.mitigation_spend.used, proposal.cost, b.mitigation_spend.limit
            ));
        }
        let added = (-proposal.benefit).max(0.0);
        if added > 0.0 && b.revenue_at_risk.used + added > b.revenue_at_risk.limit {
            return Some(format!(
                "revenue at risk {} + {added} would exceed the budget {}",
                b.revenue_at_risk.used, b.revenue_at_risk.limit
            ));
        }
        if added > 0.0 && ctx.row.loss + added > b.product_revenue_at_risk.limit {
            return Some(format!(
                "product {} revenue at risk {} + {added} would exceed the budget {}",
                ctx.row.label, ctx.row.loss, b.product_revenue_at_risk.limit
            ));
        }
        self.thrashing(proposal, time)
    }

    /// More flips of this subject's automatic actions in the window than the policy allows.
    fn thrashing(&self, proposal: &Proposal, time: DateTime<Utc>) -> Option<String> {
        let inverse = proposal.action.inverse()?;
        let t = &self.policy.governance.thrash;
        let since = time - days(t.window_days);
        let recent: Vec<Action> = self
            .history
            .get(&proposal.key())?
            .iter()
            .filter(|(at, a)| *at > since && (*a == proposal.action || *a == inverse))
            .map(|(_, a)| *a)
            .collect();
        let mut flips = recent.windows(2).filter(|w| w[0] != w[1]).count();
        if recent.last() == Some(&inverse) {
            flips += 1;
        }
        (flips as u32 > t.max_flips).then(|| {
            format!(
                "{} flipped {flips} times within {} days (at most {} automatically)",
                proposal.key(),
                t.window_days,
                t.max_flips
            )
        })
    }

    /// A reason not to decide again: the same proposal pending, in effect, or backing off.
    fn skip(&self, proposal: &Proposal, time: DateTime<Utc>) -> Option<String> {
        let key = proposal.key();
        if self
            .pending
            .values()
            .any(|p| p.proposal.action == proposal.action && p.proposal.key() == key)
        {
            return Some("the same proposal is waiting for a decision".into());
        }
        if self.in_effect.contains(&(proposal.action, key.clone())) {
            return Some("already in effect".into());
        }
        if let Some(inverse) = proposal.action.inverse()
            && proposal.action == Action::UnblockSupplier
            && !self.in_effect.contains(&(inverse, key.clone()))
        {
            return Some("nothing to undo".into());
        }
        match self.backoff.get(&(proposal.action, key)) {
            Some((_, until)) if *until > time => Some(format!(
                "rejected before; backing off until {}",
                until.to_rfc3339()
            )),
            _ => None,
        }
    }

    fn back_off(&mut self, proposal: &Proposal, time: DateTime<Utc>) {
        let base = self.policy.governance.thrash.backoff_days;
        let slot = self
            .backoff
            .entry((proposal.action, proposal.key()))
            .or_insert((0, time));
        slot.0 += 1;
        let factor = 2f64.powi(slot.0.min(20) as i32 - 1);
        slot.1 = time + days(base * factor);
    }

    fn approve_now(
        &mut self,
        id: &str,
        proposal: &Proposal,
        time: DateTime<Utc>,
        entry: &mut Entry,
    ) -> Verdict {
        if proposal.action == Action::Notify {
            entry.outcome = "notified".into();
            return Verdict::Notified { id: id.into() };
        }
        entry.outcome = "approved".into();
        self.take_effect(id, proposal, time);
        Verdict::Approved { id: id.into() }
    }

    fn take_effect(&mut self, id: &str, proposal: &Proposal, time: DateTime<Utc>) {
        let key = proposal.key();
        if proposal.cost > 0.0 {
            self.spend.push((time, proposal.cost));
        }
        self.history
            .entry(key.clone())
            .or_default()
            .push((time, proposal.action));
        if let Some(inverse) = proposal.action.inverse() {
            self.in_effect.remove(&(inverse, key.clone()));
        }
        if proposal.action == Action::BlockSupplier {
            self.in_effect.insert((proposal.action, key));
        }
        self.backoff.remove(&(proposal.action, proposal.key()));
        self.commits.push(Commit {
            decision: id.into(),
            proposal: proposal.clone(),
            time,
        });
    }

    fn escalate(
        &mut self,
        id: &str,
        role: &str,
        proposal: &Proposal,
        ctx: &RuleContext,
        fired: &[Fired],
        seen: &Seen,
    ) {
        let deadline = seen.time + self.deadline_of(role);
        self.pending.insert(
            id.into(),
            Pending {
                id: id.into(),
                role: role.into(),
                deadline,
                proposal: proposal.clone(),
                context: ctx.to_json(),
                fired: fired.to_vec(),
                events: seen.events.clone(),
                data_hash: seen.data_hash.clone(),
            },
        );
    }

    fn deadline_of(&self, role: &str) -> Duration {
        let hours = self
            .roles
            .iter()
            .find(|r| r.spec.name == role)
            .map_or(24.0, |r| r.spec.deadline_hours);
        Duration::milliseconds((hours * 3_600_000.0) as i64)
    }

    fn first_role(&self) -> Option<String> {
        self.roles.first().map(|r| r.spec.name.clone())
    }

    /// A person answers a pending decision.
    pub fn answer(
        &mut self,
        id: &str,
        approve: bool,
        by: &str,
        role: &str,
        time: DateTime<Utc>,
    ) -> Result<Verdict, GovernError> {
        let Some(p) = self.pending.get(id).cloned() else {
            let decided = self.log.entries().iter().any(|e| e.decision == id);
            return Err(if decided {
                GovernError::AlreadyDecided(id.into())
            } else {
                GovernError::UnknownDecision(id.into())
            });
        };
        let Some(r) = self.roles.iter().find(|r| r.spec.name == role) else {
            return Err(GovernError::UnknownRole(role.into()));
        };
        if !self.ladder_from(&p.role).contains(&role.to_string()) {
            return Err(GovernError::NotAllowed {
                id: id.into(),
                role: role.into(),
                reason: format!("the decision waits for {:?} or a role above it", p.role),
            });
        }
        let ctx = context_from_json(&p.context);
        if approve && !matches!(r.may.holds(&ctx), Ok(true)) {
            return Err(GovernError::NotAllowed {
                id: id.into(),
                role: role.into(),
                reason: format!("{role:?} may approve only when {}", r.may.text),
            });
        }
        self.pending.remove(id);
        let step = if approve { "approved" } else { "rejected" };
        let mut entry = self.entry(id, step, time, &p.proposal);
        entry.fired = p.fired.clone();
        entry.metrics = p.context.clone();
        entry.events = p.events.clone();
        entry.data_hash = p.data_hash.clone();
        entry.approver = Some(format!("{by} ({role})"));
        let verdict = if approve {
            self.approve_now(id, &p.proposal, time, &mut entry)
        } else {
            entry.outcome = "rejected".into();
            self.back_off(&p.proposal, time);
            Verdict::Rejected {
                id: id.into(),
                reason: format!("rejected by {by}"),
            }
        };
        self.log.append(entry);
        Ok(verdict)
    }

    /// The role and those above it, in order.
    fn ladder_from(&self, role: &str) -> Vec<String> {
        let mut out = vec![role.to_string()];
        let mut at = role.to_string();
        while let Some(next) = self
            .roles
            .iter()
            .find(|r| r.spec.name == at)
            .and_then(|r| r.spec.next.clone())
        {
            if out.contains(&next) {
                break;
            }
            out.push(next.clone());
            at = next;
        }
        out
    }

    /// Moves decisions whose deadline passed by `now` to the next role, or applies the
    /// policy's default when there is none. Returns the ids moved.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<String> {
        let due: Vec<Pending> = self
            .pending
            .values()
            .filter(|p| p.deadline <= now)
            .cloned()
            .collect();
        let mut moved = Vec::new();
        for p in due {
            let next = self
                .roles
                .iter()
                .find(|r| r.spec.name == p.role)
                .and_then(|r| r.spec.next.clone());
            let mut entry = self.entry(&p.id, "escalated", p.deadline, &p.proposal);
            entry.events = p.events.clone();
            entry.data_hash = p.data_hash.clone();
            match next {
                Some(role) => {
                    entry.outcome = "escalated".into();
                    entry.reason = format!("{:?} did not answer by the deadline", p.role);
                    entry.role = Some(role.clone());
                    let deadline = p.deadline + self.deadline_of(&role);
                    let slot = self.pending.get_mut(&p.id).expect("listed as pending");
                    slot.role = role;
                    slot.deadline = deadline;
                }
                None => {
                    self.pending.remove(&p.id);
                    entry.step = "expired".into();
                    entry.approver = Some("policy".into());
                    entry.reason = format!(
                        "{:?} did not answer by the deadline; the policy's default is to {}",
                        p.role, self.policy.governance.on_deadline
                    );
                    if self.policy.governance.on_deadline == "approve" {
                        let id = p.id.clone();
                        let _ = self.approve_now(&id, &p.proposal, p.deadline, &mut entry);
                    } else {
                        entry.outcome = "rejected".into();
                    }
                }
            }
            self.log.append(entry);
            moved.push(p.id);
        }
        moved
    }

    fn entry(&self, id: &str, step: &str, time: DateTime<Utc>, proposal: &Proposal) -> Entry {
        Entry {
            seq: 0,
            prev: String::new(),
            decision: id.into(),
            step: step.into(),
            time: time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            proposal: proposal.clone(),
            fired: Vec::new(),
            metrics: serde_json::Value::Null,
            policy_version: self.policy.version.clone(),
            policy_sha256: self.policy.sha256.clone(),
            events: Vec::new(),
            data_hash: String::new(),
            outcome: String::new(),
            role: None,
            approver: None,
            reason: String::new(),
            committed: Vec::new(),
            undo: Vec::new(),
            hash: String::new(),
        }
    }
}

/// A stored context back as CEL variables (for a role's check at approval time).
fn context_from_json(v: &serde_json::Value) -> cel::Context<'static, 'static> {
    let mut ctx = cel::Context::default();
    if let Some(obj) = v.as_object() {
        for (k, val) in obj {
            if let Ok(cv) = cel::to_value(val) {
                ctx.add_variable_from_value(k.clone(), cv);
            }
        }
    }
    ctx
}

fn days(d: f64) -> Duration {
    Duration::milliseconds((d * 86_400_000.0) as i64)
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}; {b}")
    }
}
