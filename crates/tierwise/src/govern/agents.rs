//! Agents propose, the policy decides (DESIGN 4.2). An [`Agent`] sees one applied event and
//! the delta it caused and returns proposals; the [`Orchestrator`] runs the agents in a fixed
//! order per event, puts every proposal through the [`Governor`], and commits what is
//! approved as events (see `orchestrate`). Agents do not react to the events a decision
//! committed within the same step, so a decision cannot loop.

use std::collections::BTreeSet;

use super::context::FactSource;
use super::decide::{Governor, Proposal};
use crate::events::{Change, DeltaRow, Event};
use crate::risk::UnitKind;
use crate::rules::Action;
use crate::rules::{EventFacts, RuleContext};

/// What an agent sees of one step.
pub struct View<'a> {
    /// The live analysis after the event.
    pub analysis: &'a crate::risk::Analysis,
    pub event: &'a Event,
    pub delta: &'a [DeltaRow],
    pub facts: &'a FactSource<'a>,
    pub governor: &'a Governor,
}

impl std::fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("View")
            .field("event", &self.event.id)
            .field("delta", &self.delta.len())
            .finish_non_exhaustive()
    }
}

/// An agent: reacts to an event and its delta with proposals. Python agents follow the same
/// protocol (`name`, `propose(view) -> list[proposal]`).
pub trait Agent: Send {
    fn name(&self) -> &str;
    fn propose(&mut self, view: &View<'_>) -> Vec<Proposal>;
}

/// The units an event moved: those of its delta and the site it names, sorted.
pub fn moved_units(view: &View<'_>) -> Vec<(UnitKind, String)> {
    let mut units = BTreeSet::new();
    for d in view.delta {
        let kind = match d.kind {
            "site" => UnitKind::Site,
            "company" => UnitKind::Company,
            "country" => UnitKind::Country,
            _ => continue,
        };
        units.insert((kind, d.id.clone()));
    }
    if let Some(site) = event_site(view.event) {
        units.insert((UnitKind::Site, site));
    }
    units.into_iter().collect()
}

fn event_site(e: &Event) -> Option<String> {
    match &e.change {
        Change::SiteDown { site, .. }
        | Change::SiteUp { site }
        | Change::Quality { site, .. }
        | Change::Capacity { site, .. } => Some(site.clone()),
        Change::Sanction {
            kind: crate::model::SubjectKind::Site,
            id,
            ..
        } => Some(id.clone()),
        Change::SiteAdded(s) => Some(s.site_id.clone()),
        _ => None,
    }
}

/// Rules over the delta: for every unit the event moved, every rule that holds proposes its
/// action for that unit (the policy then decides).
#[derive(Debug, Default)]
pub struct RiskAgent;

impl Agent for RiskAgent {
    fn name(&self) -> &str {
        "risk"
    }

    fn propose(&mut self, view: &View<'_>) -> Vec<Proposal> {
        let mut out = Vec::new();
        for (kind, id) in moved_units(view) {
            let Some(ctx) = base_context(view.facts, kind, &id, view.event, view.governor) else {
                continue;
            };
            let cel = ctx.to_cel();
            let mut actions = BTreeSet::new();
            for r in view.governor.rules() {
                if r.spec.action != Action::ProposeMitigation
                    && matches!(r.when.holds(&cel), Ok(true))
                    && actions.insert(r.spec.action)
                {
                    let cost = match r.spec.action {
                        Action::RaiseSafetyStock if kind == UnitKind::Site => {
                            let gap = (ctx.unit.ttr - ctx.unit.min_tts).max(0.0).ceil();
                            view.facts.safety_stock_cost(&id, gap)
                        }
                        _ => 0.0,
                    };
                    out.push(Proposal {
                        agent: self.name().into(),
                        action: r.spec.action,
                        kind: kind.as_str().into(),
                        subject: id.clone(),
                        cost,
                        benefit: action_benefit(r.spec.action, &ctx),
                        reason: format!("rule {:?} holds", r.spec.id),
                    });
                }
            }
        }
        out
    }
}

/// The expected loss an action removes (a block or more stock) or adds back (an unblock).
fn action_benefit(action: Action, ctx: &RuleContext) -> f64 {
    match action {
        Action::BlockSupplier => ctx.unit.pi,
        Action::UnblockSupplier => -ctx.unit.pi.max(ctx.unit.p_fail * ctx.row.loss),
        _ => 0.0,
    }
}

/// The best mitigation (DESIGN 3.5, evaluated by re-running the model) for every unit the
/// event moved where a `propose_mitigation` rule of the policy holds: its cost and the PI it
/// removes go to the policy, which approves it as a recommendation or escalates it.
#[derive(Debug, Default)]
pub struct MitigationAgent;

impl Agent for MitigationAgent {
    fn name(&self) -> &str {
        "mitigation"
    }

    fn propose(&mut self, view: &View<'_>) -> Vec<Proposal> {
        let rules: Vec<_> = view
            .governor
            .rules()
            .iter()
            .filter(|r| r.spec.action == Action::ProposeMitigation)
            .collect();
        if rules.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (kind, id) in moved_units(view) {
            let Some(ctx) = base_context(view.facts, kind, &id, view.event, view.governor) else {
                continue;
            };
            let cel = ctx.to_cel();
            if !rules.iter().any(|r| matches!(r.when.holds(&cel), Ok(true))) {
                continue;
            }
            let options = crate::mitigate::MitigateOptions {
                kind,
                units: Some(vec![id.clone()]),
                top: 1,
                check_top: 0,
                ..Default::default()
            };
            let Ok(m) = view.analysis.mitigate(&options) else {
                continue;
            };
            if let Some(best) = m.proposals.first() {
                out.push(Proposal {
                    agent: self.name().into(),
                    action: Action::ProposeMitigation,
                    kind: kind.as_str().into(),
                    subject: id.clone(),
                    cost: best.cost,
                    benefit: best.benefit,
                    reason: format!(
                        "best of {} proposals: {} {} ({})",
                        m.proposals.len(),
                        best.action.as_str(),
                        best.target,
                        best.parameters
                    ),
                });
            }
        }
        out
    }
}

/// `site.added`: the qualification checks (sanctions, country governance, financial
/// score). A site that passes is announced (`notify`); one that fails is escalated with the
/// checks it failed. The policy's rules still decide both.
#[derive(Debug, Default)]
pub struct OnboardingAgent;

impl Agent for OnboardingAgent {
    fn name(&self) -> &str {
        "onboarding"
    }

    fn propose(&mut self, view: &View<'_>) -> Vec<Proposal> {
        let Change::SiteAdded(site) = &view.event.change else {
            return Vec::new();
        };
        let Some((unit, _)) = view.facts.unit(UnitKind::Site, &site.site_id) else {
            return Vec::new();
        };
        let factor = |f: &str| unit.factors.get(f).copied().unwrap_or(0.0);
        let mut failed = Vec::new();
        if unit.sanctioned {
            failed.push("sanctioned".to_string());
        }
        if factor("governance") >= 0.5 {
            failed.push(format!("country governance risk {}", factor("governance")));
        }
        if factor("financial") >= 0.5 {
            failed.push(format!("financial risk {}", factor("financial")));
        }
        let (action, reason) = if failed.is_empty() {
            (Action::Notify, "onboarding checks passed".to_string())
        } else {
            (
                Action::Escalate,
                format!("onboarding checks failed: {}", failed.join(", ")),
            )
        };
        vec![Proposal {
            agent: self.name().into(),
            action,
            kind: "site".into(),
            subject: site.site_id.clone(),
            cost: 0.0,
            benefit: 0.0,
            reason,
        }]
    }
}

/// The context of a unit at an event, without the proposal part.
pub(crate) fn base_context(
    facts: &FactSource<'_>,
    kind: UnitKind,
    id: &str,
    event: &Event,
    governor: &Governor,
) -> Option<RuleContext> {
    let (unit, row) = facts.unit(kind, id)?;
    let budgets = governor.budget_facts(event.time, facts.revenue_at_risk(), row.loss);
    Some(RuleContext {
        unit,
        row,
        event: EventFacts {
            id: event.id.clone(),
            kind: event.kind.clone(),
            source: event.source.clone(),
            subject: event.subject.clone(),
            time: event
                .time
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        },
        proposal: Default::default(),
        budgets,
    })
}
