//! Mitigation (DESIGN 3.5): what-if analyses of changed networks, proposals for the exposed
//! units evaluated by re-running the model, and a portfolio under a budget.
//!
//! - [`Analysis::what_if`] applies [`Change`]s to a copy of the compiled network (the store
//!   and the original are untouched) and returns its analysis; [`Analysis::compare`] sets the
//!   two side by side: per unit PI, TTS and exposed, per products row and the Monte Carlo
//!   expected loss and CVaR with one seed.
//! - [`Analysis::mitigate`] makes candidates for the most exposed units (raise the max_share
//!   of co-sellers, a second source that already makes the part, a qualified alternate part,
//!   buffer days that close TTR - TTS, risk-adjusted safety stock), costs each from the
//!   policy's `[mitigation]` section term by term, and evaluates each by re-running the
//!   closed form (DESIGN 3.2) for every unit whose cone passes through a changed group. The
//!   benefit of a proposal is the PI it removes summed over those units; proposals are ranked
//!   by benefit per cost; the top ones can be re-checked with the exact LP (DESIGN 3.6) and
//!   the Monte Carlo. With a budget, a greedy portfolio picks the best benefit per cost and
//!   re-evaluates the remaining proposals on the network with the picks made.
//!
//! Layout: `change` (what a change is, resolved by name to edits of the compiled arrays),
//! `candidates` (what is proposed and what it costs), `evaluate` (re-running the affected
//! units on a view of the changed network), `portfolio` (greedy and exact selection),
//! `compare` (base against changed), `frames` (the tables).

mod candidates;
mod change;
mod compare;
mod evaluate;
mod frames;
mod portfolio;
mod wire;

use std::fmt;
use std::sync::Arc;

pub use change::Change;
pub use compare::{Comparison, PortfolioLoss};
pub use frames::{changes_json, cost_terms_text};
pub use portfolio::{EXACT_MAX, Pick, Portfolio, PortfolioRule};
pub use wire::MitigationPart;

use crate::lp::LpError;
use crate::network::NetworkError;
use crate::progress::{Cancelled, Progress};
use crate::risk::{Analysis, DisruptionError, Provenance, UnitKind};
use evaluate::Evaluator;

/// Errors of what-if analyses and mitigation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MitigationError {
    /// Changes that name what the network does not have, or values out of range: every
    /// problem of the list, each with its change.
    #[error("{}", problems_text(.0))]
    Changes(Vec<ChangeProblem>),
    /// The changes close a loop in the supply network.
    #[error("the changes close a loop in the supply network: {0}")]
    Cycle(NetworkError),
    #[error("budget {0}: expected a finite number >= 0")]
    Budget(f64),
    #[error("mitigation is for site, company or country units, not {0}")]
    Kind(UnitKind),
    /// The exact enumeration of portfolios is for a few proposals only.
    #[error(
        "the exact portfolio enumerates every subset: {n} proposals are too many (at most {max})"
    )]
    TooMany { n: usize, max: usize },
    #[error(transparent)]
    Disruption(#[from] DisruptionError),
    #[error("exact check: {0}")]
    Lp(#[from] LpError),
    /// Parts of a distributed call that are not the parts of this call.
    #[error("mitigation parts: {0}")]
    Parts(String),
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
}

/// What is wrong with one change of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeProblem {
    /// The change's position in the list, from 0.
    pub index: usize,
    /// The change as text.
    pub change: String,
    pub message: String,
}

impl fmt::Display for ChangeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "change {} ({}): {}",
            self.index + 1,
            self.change,
            self.message
        )
    }
}

fn problems_text(p: &[ChangeProblem]) -> String {
    let mut s = format!(
        "{} problem(s) with the changes, nothing was applied",
        p.len()
    );
    for x in p {
        s.push_str(&format!("\n  {x}"));
    }
    s
}

/// What a proposal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Action {
    /// Raise the max_share of a co-seller of the unit.
    RaiseMaxShare,
    /// A site that already makes the part becomes a standby seller of the group.
    SecondSource,
    /// An alternate part from the `alternates` table is qualified for the group.
    QualifyAlternate,
    /// Stock at the unit's buyers sized to close TTR - TTS.
    BufferDays,
    /// Stock at the unit's buyers raised to the risk-adjusted safety stock (DESIGN 3.5).
    SafetyStock,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::RaiseMaxShare,
        Action::SecondSource,
        Action::QualifyAlternate,
        Action::BufferDays,
        Action::SafetyStock,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::RaiseMaxShare => "raise_max_share",
            Action::SecondSource => "second_source",
            Action::QualifyAlternate => "qualify_alternate",
            Action::BufferDays => "buffer_days",
            Action::SafetyStock => "safety_stock",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One term of a proposal's cost, with how it was computed.
#[derive(Debug, Clone, PartialEq)]
pub struct CostTerm {
    /// `holding`, `reserved_capacity`, `second_source` or `qualification`.
    pub name: &'static str,
    pub amount: f64,
    /// The product it is, in words and numbers.
    pub basis: String,
}

/// The exact LP's PI of a proposal's unit before and after it (DESIGN 3.6).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LpCheck {
    pub pi_before: f64,
    pub pi_after: f64,
}

/// A mitigation proposal, evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The exposed unit it was made for.
    pub unit: String,
    pub action: Action,
    /// The row (`BUYER|PART|SELLER`) or groups (`BUYER|PART`, `; `-separated) it changes.
    pub target: String,
    pub parameters: String,
    /// What it does to the network.
    pub changes: Vec<Change>,
    pub cost: f64,
    pub cost_terms: Vec<CostTerm>,
    /// The closed-form PI of `unit` before and after the proposal.
    pub pi_before: f64,
    pub pi_after: f64,
    /// PI removed, summed over every unit whose cone passes through a changed group.
    pub benefit: f64,
    /// How many units were re-run.
    pub units_touched: usize,
    /// The LP re-check, when asked for.
    pub lp: Option<LpCheck>,
    /// Monte Carlo expected loss without minus with the proposal (one seed), when asked for.
    pub expected_loss_reduction: Option<f64>,
}

impl Proposal {
    /// Benefit per unit of cost (infinite for a free proposal with a benefit, 0 without one).
    pub fn benefit_per_cost(&self) -> f64 {
        per_cost(self.benefit, self.cost)
    }
}

pub(crate) fn per_cost(benefit: f64, cost: f64) -> f64 {
    if benefit <= 0.0 {
        0.0
    } else if cost > 0.0 {
        benefit / cost
    } else {
        f64::INFINITY
    }
}

/// What [`Analysis::mitigate`] proposes for and how.
#[derive(Debug, Clone, PartialEq)]
pub struct MitigateOptions {
    /// The kind of unit (site, company or country).
    pub kind: UnitKind,
    /// Only these units; otherwise the `top` units with the largest PI.
    pub units: Option<Vec<String>>,
    pub top: usize,
    /// With a budget, the greedy portfolio within it.
    pub budget: Option<f64>,
    /// Re-check the `check_top` best proposals with the exact LP.
    pub exact: bool,
    pub check_top: usize,
    /// Monte Carlo scenarios for the expected-loss reduction of the `check_top` best
    /// proposals and of the portfolio (0: none), and their seed.
    pub scenarios: usize,
    pub seed: u64,
    /// Second sources proposed per group, the least likely to fail first.
    pub second_sources: usize,
}

impl Default for MitigateOptions {
    fn default() -> Self {
        MitigateOptions {
            kind: UnitKind::Site,
            units: None,
            top: 10,
            budget: None,
            exact: false,
            check_top: 10,
            scenarios: 0,
            seed: 7,
            second_sources: 3,
        }
    }
}

/// The proposals for the exposed units, ranked by benefit per cost, and the portfolio.
#[derive(Debug, Clone, PartialEq)]
pub struct Mitigation {
    pub kind: UnitKind,
    /// The units proposals were made for.
    pub units: Vec<String>,
    /// Ranked by benefit per cost, then benefit (ties by unit, action, target).
    pub proposals: Vec<Proposal>,
    pub portfolio: Option<Portfolio>,
    /// The sum of PI over every unit of the kind, before any proposal.
    pub total_pi: f64,
    pub provenance: Provenance,
}

impl Analysis {
    /// The analysis of the network with `changes` applied, in order (DESIGN 3.5). The store
    /// and this analysis are untouched; scores, TTRs and the policy are shared, the network is
    /// a patched copy of the compiled arrays (nothing is read back or recompiled). Every
    /// problem of the list is reported at once.
    pub fn what_if(&self, changes: &[Change]) -> Result<Analysis, MitigationError> {
        let edits = change::resolve_onto(self.network(), &Default::default(), changes)
            .map_err(MitigationError::Changes)?;
        if edits.is_empty() {
            return Ok(self.clone());
        }
        let net = self
            .network()
            .patched(&edits)
            .map_err(MitigationError::Cycle)?;
        Ok(self.with_network(Arc::new(net)))
    }

    /// Proposals for the most exposed units, evaluated and ranked (see the module docs).
    pub fn mitigate(&self, o: &MitigateOptions) -> Result<Mitigation, MitigationError> {
        self.mitigate_with(o, &Progress::new())
    }

    /// [`Analysis::mitigate`] reporting progress and stopping when cancelled.
    pub fn mitigate_with(
        &self,
        o: &MitigateOptions,
        progress: &Progress,
    ) -> Result<Mitigation, MitigationError> {
        let (ev, targets, cands) = self.mitigation_candidates(o, progress)?;
        let evaluated = ev.evaluate(&cands, progress)?;
        self.mitigation_of(o, ev, &targets, &cands, evaluated, progress)
    }

    /// The evaluator on the base network, the target units and their candidates: the first
    /// phase of every call, whole or in parts.
    fn mitigation_candidates(
        &self,
        o: &MitigateOptions,
        progress: &Progress,
    ) -> Result<(Evaluator<'_>, Vec<usize>, Vec<candidates::Candidate>), MitigationError> {
        if o.kind == UnitKind::Link {
            return Err(MitigationError::Kind(o.kind));
        }
        if let Some(b) = o.budget
            && !(b.is_finite() && b >= 0.0)
        {
            return Err(MitigationError::Budget(b));
        }
        let ev = Evaluator::new(self, o.kind, progress)?;
        let targets = ev.targets(o)?;
        let cands = candidates::generate(self, &ev, &targets, o);
        Ok((ev, targets, cands))
    }

    /// The last phase: the evaluated candidates ranked, checked and, with a budget, the
    /// portfolio.
    fn mitigation_of(
        &self,
        o: &MitigateOptions,
        ev: Evaluator<'_>,
        targets: &[usize],
        cands: &[candidates::Candidate],
        evaluated: Vec<Option<evaluate::Evaluated>>,
        progress: &Progress,
    ) -> Result<Mitigation, MitigationError> {
        let units = targets.iter().map(|&t| ev.unit_id(t)).collect();
        let proposals = ev.proposals(cands, evaluated);
        let order = rank(&proposals);
        let mut proposals: Vec<Proposal> = order.iter().map(|&i| proposals[i].clone()).collect();
        let total_pi = ev.total_pi();
        let n = o.check_top.min(proposals.len());
        if o.exact {
            self.lp_check(&mut proposals[..n], o.kind, progress)?;
        }
        if o.scenarios > 0 {
            self.mc_check(&mut proposals[..n], o, progress)?;
        }
        let portfolio = match o.budget {
            Some(b) => Some(portfolio::greedy(self, ev, &proposals, b, o, progress)?),
            None => None,
        };
        Ok(Mitigation {
            kind: o.kind,
            units,
            proposals,
            portfolio,
            total_pi,
            provenance: self.provenance((o.scenarios > 0).then_some(o.seed)),
        })
    }

    /// The exact LP's PI of each proposal's unit, before and after it (DESIGN 3.6).
    fn lp_check(
        &self,
        proposals: &mut [Proposal],
        kind: UnitKind,
        progress: &Progress,
    ) -> Result<(), MitigationError> {
        use crate::lp::{Method, StressOptions};
        let mut units: Vec<String> = proposals.iter().map(|p| p.unit.clone()).collect();
        units.sort();
        units.dedup();
        let before = self.stress_test_with(
            &StressOptions::new(kind, Method::Lp).only(units.clone()),
            progress,
        )?;
        for p in proposals.iter_mut() {
            let after = self.what_if(&p.changes)?.stress_test_with(
                &StressOptions::new(kind, Method::Lp).only([p.unit.clone()]),
                progress,
            )?;
            let i = units.binary_search(&p.unit).expect("listed");
            p.lp = Some(LpCheck {
                pi_before: before.pi[i],
                pi_after: after.pi[0],
            });
        }
        Ok(())
    }

    /// The Monte Carlo expected loss without minus with each proposal, with one seed.
    fn mc_check(
        &self,
        proposals: &mut [Proposal],
        o: &MitigateOptions,
        progress: &Progress,
    ) -> Result<(), MitigationError> {
        let base = self
            .simulate(o.scenarios, o.seed, progress)?
            .portfolio_stats
            .expected;
        for p in proposals.iter_mut() {
            let after = self
                .what_if(&p.changes)?
                .simulate(o.scenarios, o.seed, progress)?
                .portfolio_stats
                .expected;
            p.expected_loss_reduction = Some(base - after);
        }
        Ok(())
    }
}

/// The proposals' order: best benefit per cost first, then the larger benefit; ties by unit,
/// action, target and parameters.
fn rank(p: &[Proposal]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (&p[i], &p[j]);
        b.benefit_per_cost()
            .total_cmp(&a.benefit_per_cost())
            .then(b.benefit.total_cmp(&a.benefit))
            .then_with(|| {
                (&a.unit, a.action, &a.target, &a.parameters).cmp(&(
                    &b.unit,
                    b.action,
                    &b.target,
                    &b.parameters,
                ))
            })
    });
    order
}
