//! Evaluating changes by re-running the model: the closed form of DESIGN 3.2 for every unit
//! whose cone passes through a changed group, on a view of the changed network
//! (`risk::overlay`), never on a recompiled copy.
//!
//! Which units: a unit's PI can move only if its cone visits a seller of a changed group (an
//! old seller, or a new one). Where a change only adds (raises a cap, adds stock, adds a row
//! with its share from the remainder) a unit that visits the group's old sellers only can
//! only lose less, so those with PI 0 are left out; visitors of a new seller are all re-run
//! (a new seller opens paths, and a shorter path can lower a TTS), and so is everything
//! reaching a group a change weakens. An evaluator keeps, for the state it stands on, every
//! unit's PI and the nodes its cone visits, so the portfolio can move the state pick by pick.

use rayon::prelude::*;

use super::candidates::Candidate;
use super::change::resolve_onto;
use super::{Change, MitigateOptions, MitigationError, Proposal};
use crate::model::EPS;
use crate::network::Edits;
use crate::progress::{Cancelled, Progress};
use crate::risk::{Analysis, Layer, Trial, TrialLoss, UnitKind, UnitLoss};

/// Every unit of a kind on a state of the network: the base plus the changes committed.
#[derive(Debug, Clone)]
pub(crate) struct Evaluator<'a> {
    pub a: &'a Analysis,
    pub kind: UnitKind,
    ids: Vec<String>,
    /// The unit index of each position.
    units: Vec<u32>,
    /// Each unit's loss on the base network.
    pub base: Vec<UnitLoss>,
    /// Each unit's PI on the state.
    pi: Vec<f64>,
    /// The nodes each unit's cone visits on the state, and per node the units visiting it.
    visits: Vec<Vec<u32>>,
    visitors: Vec<Vec<u32>>,
    /// The changes committed, and laid over the network for the trials.
    pub state: Edits,
    layer: Layer,
}

/// Changes resolved on the evaluator's state, and the units they can move.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// The groups the changes alter, each with its new state, and the capacity they add.
    pub edits: Edits,
    /// Positions of the units to re-run, sorted.
    pub affected: Vec<u32>,
    /// The groups the changes alter (against the state), sorted.
    pub groups: Vec<u32>,
    /// The sites whose groups the changes name (what resolving them read of the state), sorted.
    pub buyers: Vec<u32>,
    /// The seller nodes of the altered groups, old and new: whose visitors (and their PI)
    /// chose `affected`. Sorted.
    pub reads: Vec<u32>,
}

impl Prepared {
    /// The buyers of the groups it alters, sorted: whose groups on the state it changes
    /// (narrower than `buyers`, which also names sites whose groups it leaves as they are).
    pub fn altered_buyers(&self, net: &crate::network::Network) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .groups
            .iter()
            .map(|&g| net.groups()[g as usize].buyer)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A candidate re-run on the base network: what its proposal needs, in a form that travels
/// (a part of a distributed call, [`super::MitigationPart`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Evaluated {
    /// The PI of the candidate's own unit after it.
    pub pi_after: f64,
    /// PI removed over the affected units.
    pub benefit: f64,
    /// Positions of the units re-run, sorted.
    pub affected: Vec<u32>,
}

/// What re-running the affected units gave.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    /// PI removed over the affected units.
    pub benefit: f64,
    /// (position, PI after) of every affected unit.
    pub after: Vec<(u32, f64)>,
}

impl<'a> Evaluator<'a> {
    /// Every unit of `kind` on the base network, with the nodes its cone visits.
    pub fn new(a: &'a Analysis, kind: UnitKind, progress: &Progress) -> Result<Self, Cancelled> {
        let ids = a.units(kind);
        let units: Vec<u32> = ids
            .iter()
            .map(|id| a.unit_index(kind, id).expect("listed units exist"))
            .collect();
        let state = Edits::default();
        let layer = a.layer(&state);
        let trial = Trial {
            edits: &state,
            units: &units,
        };
        let runs = a
            .trial_losses(&layer, kind, &[trial], true, progress)?
            .pop()
            .expect("one trial");
        let mut base = Vec::with_capacity(runs.len());
        let mut visits = Vec::with_capacity(runs.len());
        for (loss, seen) in runs {
            base.push(loss);
            visits.push(seen);
        }
        let mut visitors = vec![Vec::new(); a.network().nodes().len()];
        for (pos, seen) in visits.iter().enumerate() {
            for &v in seen {
                visitors[v as usize].push(pos as u32);
            }
        }
        Ok(Evaluator {
            a,
            kind,
            pi: base.iter().map(|l| l.pi).collect(),
            ids,
            units,
            base,
            visits,
            visitors,
            state,
            layer,
        })
    }

    pub fn unit_id(&self, pos: usize) -> String {
        self.ids[pos].clone()
    }

    /// The sum of PI over every unit on the base network.
    pub fn total_pi(&self) -> f64 {
        self.base.iter().map(|l| l.pi).sum()
    }

    /// The positions of the units to make proposals for: the named ones, or the `top` with
    /// the largest PI above 0 (ties by id).
    pub fn targets(&self, o: &MitigateOptions) -> Result<Vec<usize>, MitigationError> {
        if let Some(named) = &o.units {
            let mut out = Vec::with_capacity(named.len());
            for id in named {
                let u = self.a.unit_index(self.kind, id)?;
                out.push(
                    self.units
                        .iter()
                        .position(|&x| x == u)
                        .expect("a unit of the kind"),
                );
            }
            return Ok(out);
        }
        let mut order: Vec<usize> = (0..self.units.len())
            .filter(|&p| self.base[p].pi > 0.0)
            .collect();
        order.sort_by(|&i, &j| {
            self.base[j]
                .pi
                .total_cmp(&self.base[i].pi)
                .then_with(|| self.ids[i].cmp(&self.ids[j]))
        });
        order.truncate(o.top);
        Ok(order)
    }

    /// How many units (positions) there are.
    pub fn units_len(&self) -> usize {
        self.units.len()
    }

    /// The unit index of a position.
    pub fn unit(&self, pos: usize) -> u32 {
        self.units[pos]
    }

    /// `changes` resolved on the state, with the units they can move; `None` when they do
    /// not apply there (an earlier pick did the same).
    pub fn prepare(&self, changes: &[Change]) -> Option<Prepared> {
        let net = self.a.network();
        let mut edits = resolve_onto(net, &self.state, changes).ok()?;
        let altered = self.altered(&edits);
        edits.groups.retain(|g, _| altered.binary_search(g).is_ok());
        // The state's own groups kept their levels when they were committed.
        if !edits.keeps_levels_of(net, altered.iter().copied()) {
            return None;
        }
        let (affected, reads) = self.affected(&edits, &altered);
        let mut buyers: Vec<u32> = changes
            .iter()
            .filter_map(Change::buyer)
            .filter_map(|b| net.site_index(b))
            .collect();
        buyers.sort_unstable();
        buyers.dedup();
        Some(Prepared {
            edits,
            affected,
            groups: altered,
            buyers,
            reads,
        })
    }

    /// The groups of `edits` that differ from the state, sorted.
    fn altered(&self, edits: &Edits) -> Vec<u32> {
        let net = self.a.network();
        edits
            .groups
            .iter()
            .filter(|&(&g, ge)| match self.state.groups.get(&g) {
                Some(old) => old != ge,
                None => *ge != self.state.group(net, g),
            })
            .map(|(&g, _)| g)
            .collect()
    }

    /// The units whose PI `edits` can move against the state (through the `altered` groups),
    /// and the seller nodes that choice read.
    fn affected(&self, edits: &Edits, altered: &[u32]) -> (Vec<u32>, Vec<u32>) {
        let net = self.a.network();
        let mut units = Vec::new();
        let mut reads = Vec::new();
        for g in altered {
            let ge = &edits.groups[g];
            let old = self.state.group(net, *g);
            let kept = |seller: u32| ge.rows.iter().find(|r| r.seller == seller);
            let added: Vec<_> = ge
                .rows
                .iter()
                .filter(|r| !old.rows.iter().any(|o| o.seller == r.seller))
                .collect();
            let r_old = crate::network::remainder_of(old.rows.iter().map(|r| r.share).sum());
            let r_new = crate::network::remainder_of(ge.rows.iter().map(|r| r.share).sum());
            let weakens = ge.inventory_days < old.inventory_days
                || old
                    .rows
                    .iter()
                    .any(|o| kept(o.seller).is_none_or(|n| n.cap < o.cap))
                || r_new + added.iter().map(|r| r.cap).sum::<f64>() < r_old - EPS;
            for r in &added {
                reads.push(r.seller);
                units.extend_from_slice(&self.visitors[r.seller as usize]);
            }
            for o in &old.rows {
                reads.push(o.seller);
                units.extend(
                    self.visitors[o.seller as usize]
                        .iter()
                        .filter(|&&p| weakens || self.pi[p as usize] > 0.0),
                );
            }
        }
        for v in [&mut units, &mut reads] {
            v.sort_unstable();
            v.dedup();
        }
        (units, reads)
    }

    /// Re-runs each prepared change set's affected units, in parallel.
    pub fn run(
        &self,
        prepared: &[&Prepared],
        visits: bool,
        progress: &Progress,
    ) -> Result<Vec<Vec<TrialLoss>>, Cancelled> {
        let units: Vec<Vec<u32>> = prepared
            .iter()
            .map(|p| {
                p.affected
                    .iter()
                    .map(|&pos| self.units[pos as usize])
                    .collect()
            })
            .collect();
        let trials: Vec<Trial<'_>> = prepared
            .iter()
            .zip(&units)
            .map(|(p, u)| Trial {
                edits: &p.edits,
                units: u,
            })
            .collect();
        self.a
            .trial_losses(&self.layer, self.kind, &trials, visits, progress)
    }

    /// The PI removed against the state, summed in unit order.
    pub fn outcome(&self, p: &Prepared, losses: &[TrialLoss]) -> Outcome {
        let after: Vec<(u32, f64)> = p
            .affected
            .iter()
            .zip(losses)
            .map(|(&pos, (l, _))| (pos, l.pi))
            .collect();
        Outcome {
            benefit: after
                .iter()
                .map(|&(pos, pi)| self.pi[pos as usize] - pi)
                .sum(),
            after,
        }
    }

    /// Moves the state to `p` (whose units ran with their visits). Returns, per node, whether
    /// its visitors or their PI may have changed: every node an affected unit's cone visited
    /// before or visits now.
    pub fn commit(&mut self, p: Prepared, losses: Vec<TrialLoss>) -> Vec<bool> {
        let mut moved = vec![false; self.visitors.len()];
        for (&pos, (loss, seen)) in p.affected.iter().zip(losses) {
            let pos_u = pos as usize;
            for &v in self.visits[pos_u].iter().chain(&seen) {
                moved[v as usize] = true;
            }
            for &v in &self.visits[pos_u] {
                let list = &mut self.visitors[v as usize];
                if let Ok(i) = list.binary_search(&pos) {
                    list.remove(i);
                }
            }
            for &v in &seen {
                let list = &mut self.visitors[v as usize];
                if let Err(i) = list.binary_search(&pos) {
                    list.insert(i, pos);
                }
            }
            self.visits[pos_u] = seen;
            self.pi[pos_u] = loss.pi;
        }
        self.state.groups.extend(p.edits.groups);
        self.state.capacity.extend(p.edits.capacity);
        self.layer = self.a.layer(&self.state);
        moved
    }

    /// Each candidate evaluated on the base network (`None`: it does not apply there).
    pub fn evaluate(
        &self,
        cands: &[Candidate],
        progress: &Progress,
    ) -> Result<Vec<Option<Evaluated>>, Cancelled> {
        let prepared: Vec<Option<Prepared>> =
            cands.par_iter().map(|c| self.prepare(&c.changes)).collect();
        let ok: Vec<(&Candidate, &Prepared)> = cands
            .iter()
            .zip(&prepared)
            .filter_map(|(c, p)| p.as_ref().map(|p| (c, p)))
            .collect();
        let mut runs = self
            .run(&ok.iter().map(|x| x.1).collect::<Vec<_>>(), false, progress)?
            .into_iter();
        let mut out = Vec::with_capacity(cands.len());
        for (c, p) in cands.iter().zip(prepared) {
            out.push(p.map(|p| {
                let losses = runs.next().expect("one run per prepared candidate");
                let o = self.outcome(&p, &losses);
                let pi_after = o
                    .after
                    .iter()
                    .find(|x| x.0 as usize == c.unit)
                    .map_or(self.pi[c.unit], |x| x.1);
                Evaluated {
                    pi_after,
                    benefit: o.benefit,
                    affected: p.affected,
                }
            }));
        }
        Ok(out)
    }

    /// The proposals of the candidates that apply.
    pub fn proposals(
        &self,
        cands: &[Candidate],
        evaluated: Vec<Option<Evaluated>>,
    ) -> Vec<Proposal> {
        cands
            .iter()
            .zip(evaluated)
            .filter_map(|(c, e)| {
                let e = e?;
                Some(c.proposal(
                    self.unit_id(c.unit),
                    self.pi[c.unit],
                    e.pi_after,
                    e.benefit,
                    e.affected.len(),
                ))
            })
            .collect()
    }
}

/// Whether two sorted lists share an item.
pub(crate) fn meet(a: &[u32], b: &[u32]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}
