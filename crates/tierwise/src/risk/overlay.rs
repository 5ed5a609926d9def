//! A what-if seen through the base network's [`Flow`]: the groups an [`Edits`] changes get new
//! heads and seller lists, and the nodes that sell into them new output lists; everything
//! else is read from the base. Building one costs in proportion to the changed groups, and a
//! cone run on it visits what it would visit on the changed network, computing the same
//! numbers (the changed network's flow lists the same sellers in the same order).
//!
//! It needs the network's levels to stay valid ([`Edits::keeps_levels`]): a cone visits level
//! by level, and a new seller must sit below the consumers it feeds.

use rayon::prelude::*;

use super::cone::{Flow, GroupHead, InEdge, OutLink, View};
use super::{Analysis, UnitKind, UnitLoss};
use crate::network::{Edits, Network, Origin, remainder_of};
use crate::progress::{Cancelled, Progress};

/// The changed part of a flow.
#[derive(Debug, Default)]
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
}

impl Overlay {
    /// The overlay of `e` on the flow of `net` (`e` must keep the levels).
    pub fn new(flow: &Flow, net: &Network, e: &Edits) -> Overlay {
        debug_assert!(e.keeps_levels(net));
        let mut o = Overlay {
            base_inputs: flow.inputs.len() as u32,
            edges: flow.edges,
            ..Overlay::default()
        };
        let mut sellers = Vec::new();
        // (seller, group) of every changed group's rows: which changed groups a node sells into.
        let mut sells_into = Vec::new();
        for (&g, ge) in &e.groups {
            let base = flow.groups[g as usize];
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
                flow.inputs[base.in_start as usize..base.in_end as usize]
                    .iter()
                    .map(|ie| ie.seller),
            );
            let share_sum: f64 = ge.rows.iter().map(|r| r.share).sum();
            let head = GroupHead {
                remainder: remainder_of(share_sum),
                inventory_days: ge.inventory_days,
                in_start,
                in_end: o.base_inputs + o.inputs.len() as u32,
                ..base
            };
            o.heads.push((g, head));
        }
        sellers.sort_unstable();
        sellers.dedup();
        sells_into.sort_unstable();
        sells_into.dedup();
        for v in sellers {
            let lo = sells_into.partition_point(|x| x.0 < v);
            let hi = sells_into.partition_point(|x| x.0 <= v);
            o.relink(flow, v, &sells_into[lo..hi]);
        }
        o
    }

    fn changed_head(&self, g: u32) -> Option<&GroupHead> {
        self.heads
            .binary_search_by_key(&g, |h| h.0)
            .ok()
            .map(|i| &self.heads[i].1)
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
    fn relink(&mut self, flow: &Flow, v: u32, into: &[(u32, u32)]) {
        let start = self.links.len() as u32;
        let out = View::out(flow, v as usize);
        if out.len() <= self.heads.len() {
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

/// A flow seen with an overlay.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Overlaid<'a> {
    pub flow: &'a Flow,
    pub overlay: &'a Overlay,
}

impl View for Overlaid<'_> {
    #[inline]
    fn base(&self) -> &Flow {
        self.flow
    }

    #[inline]
    fn edge_count(&self) -> usize {
        self.overlay.edges
    }

    #[inline]
    fn head(&self, g: u32) -> GroupHead {
        match self.overlay.changed_head(g) {
            Some(h) => *h,
            None => self.flow.head(g),
        }
    }

    #[inline]
    fn out(&self, v: usize) -> &[OutLink] {
        let o = self.overlay;
        match o.outs.binary_search_by_key(&(v as u32), |x| x.0) {
            Ok(i) => &o.links[o.outs[i].1 as usize..o.outs[i].2 as usize],
            Err(_) => self.flow.out(v),
        }
    }

    #[inline]
    fn inputs(&self, start: u32, end: u32) -> &[InEdge] {
        let b = self.overlay.base_inputs;
        if start >= b {
            &self.overlay.inputs[(start - b) as usize..(end - b) as usize]
        } else {
            self.flow.inputs(start, end)
        }
    }
}

/// Units of one kind to re-run on the network changed by `edits` (which must keep the
/// network's levels, [`Edits::keeps_levels`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Trial<'a> {
    pub edits: &'a Edits,
    pub units: &'a [u32],
}

/// A unit's loss on a trial's network, and the nodes its cone visited there (when asked).
pub(crate) type TrialLoss = (UnitLoss, Vec<u32>);

impl Analysis {
    /// The loss of every trial's units on its changed network, in parallel over (trial,
    /// unit) pairs; results come back per trial in unit order. With `visits`, each also lists
    /// the nodes its cone visited.
    pub(crate) fn trial_losses(
        &self,
        kind: UnitKind,
        trials: &[Trial<'_>],
        visits: bool,
        progress: &Progress,
    ) -> Result<Vec<Vec<TrialLoss>>, Cancelled> {
        let flow = &*self.flow;
        let net = self.network();
        let overlays: Vec<Overlay> = trials
            .par_iter()
            .map(|t| Overlay::new(flow, net, t.edits))
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
                        flow,
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
