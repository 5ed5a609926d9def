//! A portfolio of proposals under a budget (DESIGN 3.5).
//!
//! Greedy: pick the proposal with the best benefit per cost that fits what is left of the
//! budget, move the network to the state with it (re-running the units it moves, so their
//! PI and cones are those of the new state), then re-evaluate every remaining proposal the
//! pick can change: those whose groups or re-run units meet the pick's. A proposal whose risk
//! a pick already covered is worth only what it still removes, and one that no longer applies
//! (the pick made the same change) drops out. It stops when nothing left fits or removes
//! anything. Benefit per cost alone can spend the budget on small cheap items; the portfolio
//! therefore is the greedy one or, when it removes more, the single best proposal that fits
//! (the classic guard that keeps greedy within half of the best when benefits add up).
//!
//! [`Mitigation::exact_portfolio`] enumerates every subset of a few proposals for the best
//! one, to measure the greedy's gap.

use rayon::prelude::*;

use super::compare::PortfolioLoss;
use super::evaluate::{Evaluator, Prepared, meet};
use super::{Change, MitigateOptions, Mitigation, MitigationError, Proposal, per_cost};
use crate::model::EPS;
use crate::progress::Progress;
use crate::risk::Analysis;

/// One proposal of a portfolio, in the order picked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pick {
    /// Its position among the proposals.
    pub proposal: usize,
    /// The PI it removed when it was picked (after the earlier picks).
    pub marginal_benefit: f64,
    pub cumulative_cost: f64,
    pub cumulative_benefit: f64,
}

/// How a portfolio was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PortfolioRule {
    Greedy,
    /// The single proposal that fits and removes the most beat the greedy picks.
    BestSingle,
    /// Every subset enumerated.
    Exact,
}

impl PortfolioRule {
    pub fn as_str(self) -> &'static str {
        match self {
            PortfolioRule::Greedy => "greedy",
            PortfolioRule::BestSingle => "best_single",
            PortfolioRule::Exact => "exact",
        }
    }
}

/// The proposals chosen under a budget: the benefit-versus-spend curve.
#[derive(Debug, Clone, PartialEq)]
pub struct Portfolio {
    pub budget: f64,
    pub rule: PortfolioRule,
    pub picks: Vec<Pick>,
    pub cost: f64,
    /// PI removed by the picks together, summed over every unit.
    pub benefit: f64,
    /// The Monte Carlo loss without and with every pick (one seed), when asked for.
    pub loss: Option<PortfolioLoss>,
}

/// The greedy portfolio of `proposals` within `budget` (see the module docs).
pub(super) fn greedy(
    a: &Analysis,
    mut ev: Evaluator<'_>,
    proposals: &[Proposal],
    budget: f64,
    o: &MitigateOptions,
    progress: &Progress,
) -> Result<Portfolio, MitigationError> {
    let mut benefit: Vec<f64> = proposals.iter().map(|p| p.benefit).collect();
    let mut alive: Vec<bool> = proposals.iter().map(|p| p.cost <= budget).collect();
    let mut reach: Vec<Reach> = proposals
        .par_iter()
        .zip(&alive)
        .map(|(p, &ok)| {
            ok.then(|| ev.prepare(&p.changes))
                .flatten()
                .map_or_else(Reach::default, |p| Reach::of(&p))
        })
        .collect();
    let (mut left, mut total) = (budget, 0.0);
    let mut picks = Vec::new();
    while let Some(best) = next_pick(proposals, &benefit, &alive, left) {
        let p = ev
            .prepare(&proposals[best].changes)
            .expect("a proposal still alive applies to the state");
        let losses = ev.run(&[&p], true, progress)?.pop().expect("one run");
        let gain = ev.outcome(&p, &losses).benefit;
        let buyers = p.altered_buyers(a.network());
        let (units, groups) = (p.affected.clone(), p.groups.clone());
        let nodes = ev.commit(p, losses);
        alive[best] = false;
        left -= proposals[best].cost;
        total += gain;
        picks.push(Pick {
            proposal: best,
            marginal_benefit: gain,
            cumulative_cost: budget - left,
            cumulative_benefit: total,
        });
        let moved = Moved {
            units,
            groups,
            buyers,
            nodes,
        };
        let ctx = (&mut benefit[..], &mut reach[..], &mut alive[..]);
        reevaluate(&ev, proposals, ctx, left, &moved, progress)?;
    }
    let mut portfolio = Portfolio {
        budget,
        rule: PortfolioRule::Greedy,
        cost: budget - left,
        benefit: total,
        picks,
        loss: None,
    };
    if let Some(single) = best_single(proposals, budget)
        && proposals[single].benefit > portfolio.benefit + EPS
    {
        portfolio = single_portfolio(proposals, single, budget);
    }
    if o.scenarios > 0 && !portfolio.picks.is_empty() {
        let changes = changes_of(proposals, portfolio.picks.iter().map(|p| p.proposal));
        portfolio.loss = Some(PortfolioLoss::of(
            a,
            &a.what_if(&changes)?,
            o.scenarios,
            o.seed,
            progress,
        )?);
    }
    Ok(portfolio)
}

/// The alive proposal that fits `left` with the best benefit per cost (then benefit, then
/// position); none when nothing fits or removes anything.
fn next_pick(proposals: &[Proposal], benefit: &[f64], alive: &[bool], left: f64) -> Option<usize> {
    (0..proposals.len())
        .filter(|&i| alive[i] && proposals[i].cost <= left + EPS && benefit[i] > EPS)
        .max_by(|&i, &j| {
            per_cost(benefit[i], proposals[i].cost)
                .total_cmp(&per_cost(benefit[j], proposals[j].cost))
                .then(benefit[i].total_cmp(&benefit[j]))
                .then(j.cmp(&i))
        })
}

/// The portfolio of one proposal.
fn single_portfolio(proposals: &[Proposal], i: usize, budget: f64) -> Portfolio {
    let p = &proposals[i];
    Portfolio {
        budget,
        rule: PortfolioRule::BestSingle,
        picks: vec![Pick {
            proposal: i,
            marginal_benefit: p.benefit,
            cumulative_cost: p.cost,
            cumulative_benefit: p.benefit,
        }],
        cost: p.cost,
        benefit: p.benefit,
        loss: None,
    }
}

/// The single proposal within the budget that removes the most.
fn best_single(proposals: &[Proposal], budget: f64) -> Option<usize> {
    (0..proposals.len())
        .filter(|&i| proposals[i].cost <= budget + EPS && proposals[i].benefit > EPS)
        .max_by(|&i, &j| {
            proposals[i]
                .benefit
                .total_cmp(&proposals[j].benefit)
                .then(j.cmp(&i))
        })
}

/// What a proposal's last preparation read and would change on the state.
#[derive(Debug, Clone, Default)]
struct Reach {
    units: Vec<u32>,
    groups: Vec<u32>,
    buyers: Vec<u32>,
    reads: Vec<u32>,
}

impl Reach {
    fn of(p: &Prepared) -> Self {
        Reach {
            units: p.affected.clone(),
            groups: p.groups.clone(),
            buyers: p.buyers.clone(),
            reads: p.reads.clone(),
        }
    }
}

/// What a pick moved: the units it re-ran, the groups it altered and their buyers, and per
/// node whether its visitors (or their PI) may have changed.
struct Moved {
    units: Vec<u32>,
    groups: Vec<u32>,
    buyers: Vec<u32>,
    nodes: Vec<bool>,
}

/// Re-evaluates, on the new state, the alive proposals the last pick can change: whose
/// groups or units (before or now) meet the pick's. Preparing a proposal reads only the
/// state's groups of the buyers it names and the visitors (and their PI) of its groups'
/// sellers, so one whose buyers the pick left alone and whose sellers no moved unit visits
/// would prepare exactly as before: it is not prepared again (this keeps a long portfolio
/// from re-preparing every proposal after every pick).
fn reevaluate(
    ev: &Evaluator<'_>,
    proposals: &[Proposal],
    (benefit, reach, alive): (&mut [f64], &mut [Reach], &mut [bool]),
    left: f64,
    pick: &Moved,
    progress: &Progress,
) -> Result<(), MitigationError> {
    let todo: Vec<usize> = (0..proposals.len())
        .filter(|&i| {
            alive[i]
                && proposals[i].cost <= left + EPS
                && (meet(&reach[i].buyers, &pick.buyers)
                    || reach[i].reads.iter().any(|&n| pick.nodes[n as usize]))
        })
        .collect();
    let prepared: Vec<(usize, Option<Prepared>)> = todo
        .par_iter()
        .map(|&i| (i, ev.prepare(&proposals[i].changes)))
        .collect();
    let mut dirty = Vec::new();
    for (i, p) in prepared {
        let Some(p) = p else {
            alive[i] = false;
            continue;
        };
        let old = &reach[i];
        let touched = meet(&p.affected, &pick.units)
            || meet(&old.units, &pick.units)
            || meet(&p.groups, &pick.groups)
            || meet(&old.groups, &pick.groups);
        reach[i] = Reach::of(&p);
        if touched {
            dirty.push((i, p));
        }
    }
    let runs = ev.run(
        &dirty.iter().map(|x| &x.1).collect::<Vec<_>>(),
        false,
        progress,
    )?;
    for ((i, p), losses) in dirty.iter().zip(runs) {
        benefit[*i] = ev.outcome(p, &losses).benefit;
    }
    Ok(())
}

/// The changes of some proposals, in order.
fn changes_of(proposals: &[Proposal], which: impl Iterator<Item = usize>) -> Vec<Change> {
    which.flat_map(|i| proposals[i].changes.clone()).collect()
}

/// At most this many proposals for [`Mitigation::exact_portfolio`] (2^16 subsets).
pub const EXACT_MAX: usize = 16;

impl Mitigation {
    /// The greedy portfolio of these proposals within `budget` (what [`Analysis::mitigate`]
    /// makes when given a budget), without making the proposals again. `a` is the analysis
    /// they were made on.
    ///
    /// [`Analysis::mitigate`]: crate::risk::Analysis::mitigate
    pub fn greedy_portfolio(
        &self,
        a: &Analysis,
        budget: f64,
        progress: &Progress,
    ) -> Result<Portfolio, MitigationError> {
        if !(budget.is_finite() && budget >= 0.0) {
            return Err(MitigationError::Budget(budget));
        }
        let ev = Evaluator::new(a, self.kind, progress)?;
        let o = MitigateOptions {
            kind: self.kind,
            ..MitigateOptions::default()
        };
        greedy(a, ev, &self.proposals, budget, &o, progress)
    }

    /// The best portfolio within `budget` by enumerating every subset of the proposals (at
    /// most [`EXACT_MAX`]), each evaluated by re-running the units it moves; ties go to the
    /// cheaper subset. Picks are listed in proposal order, each with what it adds to those
    /// before it. `a` is the analysis the proposals were made on.
    pub fn exact_portfolio(&self, a: &Analysis, budget: f64) -> Result<Portfolio, MitigationError> {
        let n = self.proposals.len();
        if n > EXACT_MAX {
            return Err(MitigationError::TooMany { n, max: EXACT_MAX });
        }
        if !(budget.is_finite() && budget >= 0.0) {
            return Err(MitigationError::Budget(budget));
        }
        let progress = Progress::new();
        let ev = Evaluator::new(a, self.kind, &progress)?;
        let subsets: Vec<u32> = (0..1u32 << n)
            .filter(|&m| self.cost_of(m) <= budget + EPS)
            .collect();
        let benefits = self.benefits(&ev, &subsets, &progress)?;
        let mut best = (0u32, 0.0f64);
        for (&m, &b) in subsets.iter().zip(&benefits) {
            let (bm, bb) = best;
            if b > bb + EPS || ((b - bb).abs() <= EPS && self.cost_of(m) < self.cost_of(bm) - EPS) {
                best = (m, b);
            }
        }
        // The cumulative curve: each prefix of the chosen set, in proposal order.
        let members: Vec<usize> = (0..n).filter(|&i| best.0 >> i & 1 == 1).collect();
        let prefixes: Vec<u32> = (1..=members.len())
            .map(|k| members[..k].iter().fold(0u32, |m, &i| m | 1 << i))
            .collect();
        let curve = self.benefits(&ev, &prefixes, &progress)?;
        let mut picks = Vec::new();
        let mut before = 0.0;
        for (k, &i) in members.iter().enumerate() {
            picks.push(Pick {
                proposal: i,
                marginal_benefit: curve[k] - before,
                cumulative_cost: self.cost_of(prefixes[k]),
                cumulative_benefit: curve[k],
            });
            before = curve[k];
        }
        Ok(Portfolio {
            budget,
            rule: PortfolioRule::Exact,
            picks,
            cost: self.cost_of(best.0),
            benefit: best.1,
            loss: None,
        })
    }

    fn cost_of(&self, mask: u32) -> f64 {
        (0..self.proposals.len())
            .filter(|&i| mask >> i & 1 == 1)
            .map(|i| self.proposals[i].cost)
            .sum()
    }

    /// The PI removed by each subset together (0 for one whose changes do not combine).
    fn benefits(
        &self,
        ev: &Evaluator<'_>,
        masks: &[u32],
        progress: &Progress,
    ) -> Result<Vec<f64>, MitigationError> {
        let prepared: Vec<Option<Prepared>> = masks
            .par_iter()
            .map(|&m| {
                let which = (0..self.proposals.len()).filter(|&i| m >> i & 1 == 1);
                ev.prepare(&changes_of(&self.proposals, which))
            })
            .collect();
        let ok: Vec<&Prepared> = prepared.iter().flatten().collect();
        let runs = ev.run(&ok, false, progress)?;
        let mut gains = ok.iter().zip(runs).map(|(p, l)| ev.outcome(p, &l).benefit);
        Ok(prepared
            .iter()
            .map(|p| match p {
                Some(_) => gains.next().expect("one run per prepared subset"),
                None => 0.0,
            })
            .collect())
    }
}
