//! A what-if seen through a [`View`] of the network: the groups an [`Edits`] changes get new
//! heads and seller lists, and the nodes that sell into them new output lists; everything
//! else is read from the view below. Building one costs in proportion to the changed groups,
//! and a cone run on it visits what it would visit on the changed network, computing the
//! same numbers (the changed network's flow lists the same sellers in the same order).
//!
//! Overlays stack: a portfolio keeps the changes it has committed as one [`Layer`] over the
//! base flow, indexed densely because every trial reads it, and each trial lays only its own
//! few groups on top. Rebuilding the committed changes under every trial made a long
//! portfolio quadratic in its picks.
//!
//! It needs the network's levels to stay valid ([`Edits::keeps_levels`]): a cone visits level
//! by level, and a new seller must sit below the consumers it feeds.

use rayon::prelude::*;

use super::cone::{Flow, GroupHead, InEdge, OutLink, View};
use super::{Analysis, UnitKind, UnitLoss};
use crate::network::{Edits, Origin, remainder_of};
use crate::progress::{Cancelled, Progress};

/// No entry in a dense index.
const NONE: u32 = u32::MAX;

/// The changed part of a flow.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overlay {
    /// Inputs at or after this position are in `inputs` (at `position - base_inputs`).
    base_inputs: u32,
    edges: usize,
    /// Changed group heads, sorted by group.
    heads: Vec<(u32, GroupHead)>,
    inputs: Vec<InEdge>,
    /// (node, start, end) of changed output lists in `links`, sorted by node.
    outs: Vec<(u32, u32, u32)>,
    links: Vec<OutLink>,
    /// Dense indexes into `heads` per group and `outs` per node ([`NONE`]: unchanged); empty
    /// for a sparse overlay (one trial's few groups), where a binary search is cheaper than
    /// filling them.
    head_at: Vec<u32>,
    out_at: Vec<u32>,
}

impl Overlay {
    /// The overlay of the groups `e` changes on `base`; `dense` indexes it for many lookups.
    /// The groups must keep the levels.
    pub fn new(base: &impl View, e: &Edits, dense: bool) -> Overlay {
        let flow = base.base();
        let mut o = Overlay {
            base_inputs: base.input_count(),
            edges: base.edge_count(),
            ..Overlay::default()
        };
        let mut sellers = Vec::new();
        // (seller, group) of every changed group's rows: which changed groups a node sells into.
        let mut sells_into = Vec::new();
        // The map iterates by group, so `heads` comes out sorted.
        for (&g, ge) in &e.groups {
            let old = base.head(g);
            let in_start = o.base_inputs + o.inputs.len() as u32;
            for r in &ge.rows {
                let edge = match r.origin {
                    Origin::Edge(x) => x,
                    Origin::New => {
                        o.edges += 1;
                        o.edges as u32 - 1
                    }
                };
                o.inputs.push(InEdge {
                    cap: r.cap,
                    seller: r.seller,
                    edge,
                });
                sellers.push(r.seller);
                sells_into.push((r.seller, g));
            }
            sellers.extend(
                base.inputs(old.in_start, old.in_end)
                    .iter()
                    .map(|ie| ie.seller),
            );
            let share_sum: f64 = ge.rows.iter().map(|r| r.share).sum();
            let head = GroupHead {
                remainder: remainder_of(share_sum),
                inventory_days: ge.inventory_days,
                in_start,
                in_end: o.base_inputs + o.inputs.len() as u32,
                ..old
            };
            o.heads.push((g, head));
        }
        if dense {
            o.head_at = dense_index(flow.groups.len(), o.heads.iter().map(|h| h.0));
        }
        sellers.sort_unstable();
        sellers.dedup();
        sells_into.sort_unstable();
        sells_into.dedup();
        for v in sellers {
            let lo = sells_into.partition_point(|x| x.0 < v);
            let hi = sells_into.partition_point(|x| x.0 <= v);
            o.relink(base, v, &sells_into[lo..hi]);
        }
        if dense {
            o.out_at = dense_index(flow.nodes, o.outs.iter().map(|x| x.0));
        }
        o
    }

    #[inline]
    fn changed_head(&self, g: u32) -> Option<&GroupHead> {
        let i = find(&self.head_at, g, || {
            self.heads.binary_search_by_key(&g, |h| h.0).ok()
        })?;
        Some(&self.heads[i].1)
    }

    #[inline]
    fn changed_out(&self, v: usize) -> Option<&[OutLink]> {
        let i = find(&self.out_at, v as u32, || {
            self.outs.binary_search_by_key(&(v as u32), |x| x.0).ok()
        })?;
        let (_, start, end) = self.outs[i];
        Some(&self.links[start as usize..end as usize])
    }

    /// Appends the links of a long base output list (sorted by group) outside the changed
    /// groups: the runs between the changed groups' links, copied whole.
    fn keep_unchanged(&mut self, out: &[OutLink]) {
        let mut from = 0;
        for &(g, _) in &self.heads {
            let lo = from + out[from..].partition_point(|l| l.g < g);
            let hi = lo + out[lo..].partition_point(|l| l.g == g);
            self.links.extend_from_slice(&out[from..lo]);
            from = hi;
            if from == out.len() {
                break;
            }
        }
        self.links.extend_from_slice(&out[from..]);
    }

    /// Node `v`'s output list: its unchanged groups as the base lists them, and the changed
    /// groups it sells into (`into`: (v, group), sorted) with their new heads, sorted by group
    /// like the base.
    fn relink(&mut self, base: &impl View, v: u32, into: &[(u32, u32)]) {
        let flow = base.base();
        let start = self.links.len() as u32;
        let out = base.out(v as usize);
        if !self.head_at.is_empty() || out.len() <= self.heads.len() {
            for l in out {
                if self.changed_head(l.g).is_none() {
                    self.links.push(*l);
                }
            }
        } else {
            self.keep_unchanged(out);
        }

        for &(_, g) in into {
            let h = *self
                .changed_head(g)
                .expect("every changed group has a head");
            for &c in &flow.consumers[h.cons_start as usize..h.cons_end as usize] {
                self.links.push(OutLink {
                    remainder: h.remainder,
                    inventory_days: h.inventory_days,
                    g,
                    c,
                    level: flow.level[c as usize],
                    in_start: h.in_start,
                    in_end: h.in_end,
                });
            }
        }
        self.links[start as usize..].sort_by_key(|l| (l.g, l.c));
        self.outs.push((v, start, self.links.len() as u32));
    }
}

/// Per key below `len`, its position in `keys` ([`NONE`] when absent).
fn dense_index(len: usize, keys: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut at = vec![NONE; len];
    for (i, k) in keys.enumerate() {
        at[k as usize] = i as u32;
    }
    at
}

/// The position of `key` through a dense index, or `search` where there is none.
#[inline]
fn find(index: &[u32], key: u32, search: impl FnOnce() -> Option<usize>) -> Option<usize> {
    match index.get(key as usize) {
        None => search(),
        Some(&NONE) => None,
        Some(&i) => Some(i as usize),
    }
}

/// A view with an overlay on top.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Overlaid<'a, V> {
    pub below: &'a V,
    pub overlay: &'a Overlay,
}

impl<V: View> View for Overlaid<'_, V> {
    #[inline]
    fn base(&self) -> &Flow {
        self.below.base()
    }

    #[inline]
    fn edge_count(&self) -> usize {
        self.overlay.edges
    }

    #[inline]
    fn input_count(&self) -> u32 {
        self.overlay.base_inputs + self.overlay.inputs.len() as u32
    }

    #[inline]
    fn head(&self, g: u32) -> GroupHead {
        match self.overlay.changed_head(g) {
            Some(h) => *h,
            None => self.below.head(g),
        }
    }

    #[inline]
    fn out(&self, v: usize) -> &[OutLink] {
        match self.overlay.changed_out(v) {
            Some(links) => links,
            None => self.below.out(v),
        }
    }

    #[inline]
    fn inputs(&self, start: u32, end: u32) -> &[InEdge] {
        let b = self.overlay.base_inputs;
        if start >= b {
            &self.overlay.inputs[(start - b) as usize..(end - b) as usize]
        } else {
            self.below.inputs(start, end)
        }
    }
}

/// Changes committed on top of the base network, laid over its flow once (densely indexed):
/// what the trials of a portfolio stand on.
#[derive(Debug, Clone)]
pub(crate) struct Layer(Overlay);

/// Units of one kind to re-run on the network changed by `edits` on top of a [`Layer`]:
/// every group `edits` names replaces the layer's (the edits must keep the network's levels,
/// [`Edits::keeps_levels`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Trial<'a> {
    pub edits: &'a Edits,
    pub units: &'a [u32],
}

/// A unit's loss on a trial's network, and the nodes its cone visited there (when asked).
pub(crate) type TrialLoss = (UnitLoss, Vec<u32>);

impl Analysis {
    /// The layer of `edits` (which must keep the levels) over this analysis's network.
    pub(crate) fn layer(&self, edits: &Edits) -> Layer {
        debug_assert!(edits.keeps_levels(self.network()));
        Layer(Overlay::new(&*self.flow, edits, true))
    }

    /// The loss of every trial's units on its changed network (its edits over `layer`), in
    /// parallel over (trial, unit) pairs; results come back per trial in unit order. With
    /// `visits`, each also lists the nodes its cone visited.
    pub(crate) fn trial_losses(
        &self,
        layer: &Layer,
        kind: UnitKind,
        trials: &[Trial<'_>],
        visits: bool,
        progress: &Progress,
    ) -> Result<Vec<Vec<TrialLoss>>, Cancelled> {
        let flow = &*self.flow;
        let below = Overlaid {
            below: flow,
            overlay: &layer.0,
        };
        let overlays: Vec<Overlay> = trials
            .par_iter()
            .map(|t| Overlay::new(&below, t.edits, false))
            .collect();
        let pairs: Vec<(u32, u32)> = trials
            .iter()
            .enumerate()
            .flat_map(|(t, tr)| tr.units.iter().map(move |&u| (t as u32, u)))
            .collect();
        progress.set_total(pairs.len() as u64);
        let min_len = (pairs.len() / (rayon::current_num_threads() * 16)).max(1);
        let losses: Vec<Result<TrialLoss, Cancelled>> = pairs
            .par_iter()
            .with_min_len(min_len)
            .map_init(
                || flow.cone(),
                |cone, &(t, u)| {
                    if progress.is_cancelled() {
                        return Err(Cancelled);
                    }
                    let view = Overlaid {
                        below: &below,
                        overlay: &overlays[t as usize],
                    };
                    self.seed_unit_on(&view, cone, kind, u, 0.0);
                    cone.run_on(&view);
                    let loss = self.unit_loss(cone, kind, u);
                    let seen = if visits {
                        cone.visited.clone()
                    } else {
                        Vec::new()
                    };
                    cone.reset();
                    progress.advance(1);
                    Ok((loss, seen))
                },
            )
            .collect();
        let mut out: Vec<Vec<TrialLoss>> = trials
            .iter()
            .map(|t| Vec::with_capacity(t.units.len()))
            .collect();
        for (&(t, _), r) in pairs.iter().zip(losses) {
            out[t as usize].push(r?);
        }
        Ok(out)
    }
}
