//! Exposure kept true under value changes without re-running whole cones (the living graph).
//!
//! A country's loss (or a large company's) reaches a large part of the network: at 1M sites
//! re-running such a cone for every event that changes a group in it cost more than an
//! event's whole budget. A [`KeptCone`] holds the availability and reach of every node of the
//! unit's cone; after groups change values in place, only their consumers and what those
//! feed are recomputed, with the arithmetic of `Cone::run_on` (each group's sum in the same
//! order; min and max are exact), so the unit's results equal a fresh run bit for bit. The
//! rows are then summed in row order, as `Analysis::unit_loss` sums them.
//!
//! Which cones to keep is decided by size, largest first within a memory budget: a site's
//! cone (~60 nodes at 1M sites) is cheaper to re-run than to keep.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::cone::{Cone, View};
use super::{Analysis, NO_ROW, UnitKind, UnitLoss};

/// Bytes the kept cones of one kind may hold (20 bytes a node plus the membership index).
const BUDGET_BYTES: usize = 1 << 30;

/// A unit's cone after a run: every node it holds, with availability and reach.
#[derive(Debug, Clone)]
pub(crate) struct KeptCone {
    /// Which nodes are in the cone, one bit a node; `before[w]` counts the members in the
    /// words before `w`, so a member's slot is found in O(1).
    bits: Vec<u64>,
    before: Vec<u32>,
    /// Per slot (members in node order).
    avail: Vec<f64>,
    reach: Vec<f64>,
    /// The members that carry a products row: (row, slot), by row.
    rows: Vec<(u32, u32)>,
}

impl KeptCone {
    /// The cone `cone` holds after a run, over a network of `nodes` nodes.
    fn of(cone: &Cone, nodes: usize, node_row: &[u32]) -> Self {
        let mut bits = vec![0u64; nodes.div_ceil(64)];
        for &v in &cone.visited {
            bits[v as usize / 64] |= 1 << (v % 64);
        }
        let mut before = Vec::with_capacity(bits.len());
        let mut n = 0u32;
        for w in &bits {
            before.push(n);
            n += w.count_ones();
        }
        let mut k = KeptCone {
            bits,
            before,
            avail: vec![0.0; n as usize],
            reach: vec![0.0; n as usize],
            rows: Vec::new(),
        };
        for &v in &cone.visited {
            let i = k.slot(v).expect("a member");
            k.avail[i] = cone.avail(v);
            k.reach[i] = cone.reach(v);
            let r = node_row[v as usize];
            if r != NO_ROW {
                k.rows.push((r, i as u32));
            }
        }
        k.rows.sort_unstable();
        k
    }

    /// The slot of node `v`, if it is in the cone.
    #[inline]
    fn slot(&self, v: u32) -> Option<usize> {
        let (w, b) = (v as usize / 64, v % 64);
        let word = self.bits[w];
        if (word >> b) & 1 == 0 {
            return None;
        }
        Some(self.before[w] as usize + (word & ((1u64 << b) - 1)).count_ones() as usize)
    }

    fn bytes(members: usize, nodes: usize) -> usize {
        members * 20 + nodes.div_ceil(64) * 12
    }
}

/// The cones of one kind of unit a live state keeps, and which units' cones it wants.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeptCones {
    want: BTreeSet<u32>,
    cones: BTreeMap<u32, KeptCone>,
}

impl KeptCones {
    /// Wants the largest cones first (ties: the larger unit index first), each at least
    /// [`min_nodes`], until `budget` bytes are spent. `sizes[i]` is the cone size of unit
    /// `units[i]`.
    pub fn choose(units: &[u32], sizes: &[u32], nodes: usize, budget: usize) -> KeptCones {
        let min_nodes = min_nodes(nodes);
        let mut by_size: Vec<(u32, u32)> =
            sizes.iter().copied().zip(units.iter().copied()).collect();
        by_size.sort_unstable_by(|a, b| b.cmp(a));
        let mut want = BTreeSet::new();
        let mut spent = 0;
        for (size, u) in by_size {
            let cost = KeptCone::bytes(size as usize, nodes);
            if (size as usize) < min_nodes || spent + cost > budget {
                break;
            }
            spent += cost;
            want.insert(u);
        }
        KeptCones {
            want,
            cones: BTreeMap::new(),
        }
    }

    /// How many cones are kept now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.cones.len()
    }
}

/// The smallest cone worth keeping: 1/64 of the network, where the membership index costs
/// less than the values.
fn min_nodes(nodes: usize) -> usize {
    (nodes / 64).max(16)
}

/// Cones held by (size, unit), and the bytes they take.
type Held = (BTreeMap<(u32, u32), KeptCone>, usize);

/// The large cones of a sweep, captured as it runs so that a structural change leaves the
/// cones [`KeptCones::choose`] wants warm, instead of re-running each on the first event that
/// reads it (0.2-3 s each at 1M sites). Only the largest are held, within the budget: evicting
/// the smallest (in `choose`'s order) never drops a wanted cone, since everything held when
/// one is evicted is larger, hence wanted too, and the wanted cones fit the budget together.
struct Capture {
    nodes: usize,
    min_nodes: usize,
    budget: usize,
    /// (size, unit) -> cone, and the bytes held.
    held: Mutex<Held>,
}

impl Capture {
    fn new(nodes: usize, budget: usize) -> Self {
        Capture {
            nodes,
            min_nodes: min_nodes(nodes),
            budget,
            held: Mutex::new((BTreeMap::new(), 0)),
        }
    }

    fn offer(&self, cone: &Cone, u: u32, node_row: &[u32]) {
        let size = cone.visited.len();
        let cost = KeptCone::bytes(size, self.nodes);
        if size < self.min_nodes || cost > self.budget {
            return;
        }
        let key = (size as u32, u);
        let full_of_larger = |held: &Held| {
            held.1 + cost > self.budget && held.0.keys().next().is_some_and(|k| *k > key)
        };
        if full_of_larger(&self.held.lock().expect("not poisoned")) {
            return;
        }
        // Built outside the lock: the copy is the costly part.
        let k = KeptCone::of(cone, self.nodes, node_row);
        let mut held = self.held.lock().expect("not poisoned");
        held.0.insert(key, k);
        held.1 += cost;
        while held.1 > self.budget {
            let ((size, _), _) = held.0.pop_first().expect("over budget, so not empty");
            held.1 -= KeptCone::bytes(size as usize, self.nodes);
        }
    }

    /// The captured cones of the units `want` names.
    fn into_wanted(self, want: &BTreeSet<u32>) -> BTreeMap<u32, KeptCone> {
        let (held, _) = self.held.into_inner().expect("not poisoned");
        let cones: BTreeMap<u32, KeptCone> = held
            .into_iter()
            .filter(|((_, u), _)| want.contains(u))
            .map(|((_, u), k)| (u, k))
            .collect();
        debug_assert_eq!(cones.len(), want.len(), "every wanted cone captured");
        cones
    }
}

/// One unit's results: TTR, PI, min TTS, exposed, the affected rows.
pub(crate) type UnitResult = (f64, f64, f64, bool, Vec<super::AffectedRow>);

fn result_of(o: UnitLoss) -> UnitResult {
    (o.ttr, o.pi, o.min_tts, o.exposed, o.rows)
}

impl Analysis {
    /// The exposure of every unit of `kind`, and which of their cones a live state keeps
    /// (none for links: a cut edge is not a seeded node).
    pub(crate) fn exposure_keeping(&self, kind: UnitKind) -> (super::Exposure, KeptCones) {
        self.exposure_keeping_within(kind, BUDGET_BYTES)
    }

    fn exposure_keeping_within(
        &self,
        kind: UnitKind,
        budget: usize,
    ) -> (super::Exposure, KeptCones) {
        let ids = self.units(kind);
        let idx: Vec<u32> = ids
            .iter()
            .map(|id| self.unit_index(kind, id).expect("listed units exist"))
            .collect();
        let nodes = self.net.nodes().len();
        let capture = (kind != UnitKind::Link).then(|| Capture::new(nodes, budget));
        let per_unit = self
            .sweep_with(kind, &idx, &crate::progress::Progress::new(), |cone, u| {
                if let Some(c) = &capture {
                    c.offer(cone, u, &self.node_row);
                }
                let size = cone.visited.len() as u32;
                (result_of(self.unit_loss(cone, kind, u)), size)
            })
            .expect("a fresh progress is never cancelled");
        let (results, sizes): (Vec<UnitResult>, Vec<u32>) = per_unit.into_iter().unzip();
        let kept = match capture {
            None => KeptCones::default(),
            Some(c) => {
                let mut kept = KeptCones::choose(&idx, &sizes, nodes, budget);
                kept.cones = c.into_wanted(&kept.want);
                kept
            }
        };
        (self.exposure_from(kind, ids, results, None), kept)
    }

    /// The results of units `idx` of `kind` after the groups `groups` changed values in place
    /// (and [`Analysis::refresh`] ran): a kept cone is brought up to date, any other unit is
    /// run in full, and its cone kept when `kept` wants it. In `idx` order.
    pub(crate) fn results_kept(
        &self,
        kind: UnitKind,
        idx: &[u32],
        kept: &mut KeptCones,
        groups: &BTreeSet<u32>,
    ) -> Vec<UnitResult> {
        use rayon::prelude::*;
        let run: Vec<u32> = idx
            .iter()
            .copied()
            .filter(|u| !kept.cones.contains_key(u))
            .collect();
        let nodes = self.net.nodes().len();
        let want = &kept.want;
        let fresh = self
            .sweep_with(kind, &run, &crate::progress::Progress::new(), |cone, u| {
                let keep = want
                    .contains(&u)
                    .then(|| KeptCone::of(cone, nodes, &self.node_row));
                (result_of(self.unit_loss(cone, kind, u)), keep)
            })
            .expect("a fresh progress is never cancelled");
        let mut out: BTreeMap<u32, UnitResult> = BTreeMap::new();
        for (u, (r, keep)) in run.iter().zip(fresh) {
            out.insert(*u, r);
            if let Some(k) = keep {
                kept.cones.insert(*u, k);
            }
        }
        let todo: BTreeSet<u32> = idx
            .iter()
            .copied()
            .filter(|u| !out.contains_key(u))
            .collect();
        let updated: Vec<(u32, UnitResult)> = kept
            .cones
            .iter_mut()
            .filter(|(u, _)| todo.contains(u))
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(&u, k)| {
                self.update_kept(k, kind, u, groups);
                (u, result_of(self.kept_loss(k, kind, u)))
            })
            .collect();
        out.extend(updated);
        idx.iter()
            .map(|u| out.remove(u).expect("every unit"))
            .collect()
    }

    /// Recomputes the nodes of `k` downstream of the changed `groups`, level by level, each
    /// from its input groups that hold a member (the groups a full run would have touched).
    fn update_kept(&self, k: &mut KeptCone, kind: UnitKind, u: u32, groups: &BTreeSet<u32>) {
        let flow = &*self.flow;
        // (level, node): popping the first visits every node after its inputs.
        let mut queue: BTreeSet<(u32, u32)> = BTreeSet::new();
        for &g in groups {
            let h = flow.head(g);
            let read = flow
                .inputs(h.in_start, h.in_end)
                .iter()
                .any(|ie| k.slot(ie.seller).is_some());
            if read {
                let consumers = &flow.consumers[h.cons_start as usize..h.cons_end as usize];
                queue.extend(consumers.iter().map(|&c| (flow.level[c as usize], c)));
            }
        }
        while let Some((_, v)) = queue.pop_first() {
            let (a, reach) = self.recompute(k, kind, u, v);
            let i = k
                .slot(v)
                .expect("a consumer of a group the cone reads is in it");
            if a.to_bits() == k.avail[i].to_bits() && reach.to_bits() == k.reach[i].to_bits() {
                continue;
            }
            k.avail[i] = a;
            k.reach[i] = reach;
            queue.extend(flow.out(v as usize).iter().map(|o| (o.level, o.c)));
        }
    }

    /// Node `v`'s availability and reach from the kept values of its inputs, as
    /// `Cone::run_on` computes them.
    fn recompute(&self, k: &KeptCone, kind: UnitKind, u: u32, v: u32) -> (f64, f64) {
        let flow = &*self.flow;
        let seeded = self.owns(kind, u, v);
        let mut a: f64 = 1.0;
        let mut reach = if seeded { 0.0 } else { f64::NEG_INFINITY };
        for &g in self.net.node_inputs(v) {
            let h = flow.head(g);
            let mut frac = h.remainder;
            let mut best = f64::NEG_INFINITY;
            let mut read = false;
            for ie in flow.inputs(h.in_start, h.in_end) {
                match k.slot(ie.seller) {
                    Some(i) => {
                        read = true;
                        frac += ie.cap * k.avail[i];
                        best = best.max(k.reach[i]);
                    }
                    // Outside the cone a seller is fully available (a clean node's 1.0).
                    None => frac += ie.cap * 1.0,
                }
            }
            if !read {
                continue;
            }
            a = a.min(frac.min(1.0));
            if best > f64::NEG_INFINITY {
                reach = reach.max(best - h.inventory_days);
            }
        }
        if seeded {
            a = 0.0;
        }
        (a, reach)
    }

    /// Whether unit `u` of `kind` disrupts node `v` (seeds it).
    fn owns(&self, kind: UnitKind, u: u32, v: u32) -> bool {
        let s = self.net.nodes()[v as usize].site;
        match kind {
            UnitKind::Site => s == u,
            UnitKind::Company => self.net.site_company(s) == u,
            UnitKind::Country => self.net.site_country(s) == u,
            UnitKind::Link => false,
        }
    }

    /// What the loss of unit `u` does, read off its kept cone.
    fn kept_loss(&self, k: &KeptCone, kind: UnitKind, u: u32) -> UnitLoss {
        let rows = k
            .rows
            .iter()
            .map(|&(r, i)| (r, k.avail[i as usize], k.reach[i as usize]));
        self.loss_of_rows(kind, u, rows)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::generate::{GeneratorConfig, generate};
    use crate::model::{Link, Target};
    use crate::network::Network;
    use crate::risk::{Policy, Touched};

    const KINDS: [UnitKind; 3] = [UnitKind::Site, UnitKind::Company, UnitKind::Country];

    fn analysis(sites: usize, seed: u64) -> Analysis {
        let t = generate(&GeneratorConfig::new(sites, seed)).expect("generate");
        let net = Network::compile(&t).expect("acyclic");
        let as_of = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
            .expect("time")
            .to_utc();
        Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of)
    }

    /// Every cone of `kind`, wanted.
    fn keep_all(a: &Analysis, kind: UnitKind) -> (Vec<u32>, KeptCones) {
        let idx: Vec<u32> = a
            .units(kind)
            .iter()
            .map(|id| a.unit_index(kind, id).expect("unit"))
            .collect();
        let want = idx.iter().copied().collect();
        (
            idx,
            KeptCones {
                want,
                cones: BTreeMap::new(),
            },
        )
    }

    /// Halves or keeps shares, caps and stock of a few random supply rows, in place.
    fn change_rows(a: &mut Analysis, rng: &mut ChaCha8Rng) -> BTreeSet<u32> {
        let rows = a.network().tables().supply.len();
        let links: Vec<Link> = (0..rng.random_range(1..4))
            .map(|_| {
                let r = &a.network().tables().supply[rng.random_range(0..rows)];
                Link::new(&r.buyer_site, &r.part_id, &r.seller_site)
            })
            .collect();
        let mut patch = a.network_mut().patch();
        for l in &links {
            let r = patch.row(l).expect("a stored row");
            r.share *= rng.random_range(0.2..1.0);
            r.max_share = Some(r.share * rng.random_range(0.5..1.0));
            r.inventory_days = Some(rng.random_range(0.0..30.0));
        }
        let done = patch.finish();
        a.refresh(&Touched {
            groups: done.groups.clone(),
            ..Touched::default()
        });
        done.groups
    }

    /// After any run of value changes, every kept cone gives what a full run of its unit
    /// gives on the changed network, bit for bit.
    #[test]
    fn kept_cones_equal_full_runs_after_value_changes() {
        let mut moved = 0;
        for seed in 0..4u64 {
            let mut a = analysis(400, seed);
            let mut kept: Vec<(UnitKind, Vec<u32>, KeptCones)> = KINDS
                .iter()
                .map(|&k| {
                    let (idx, c) = keep_all(&a, k);
                    (k, idx, c)
                })
                .collect();
            for (k, idx, c) in &mut kept {
                a.results_kept(*k, idx, c, &BTreeSet::new());
                assert_eq!(c.len(), idx.len(), "every {k} cone kept");
            }
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            for _ in 0..12 {
                let before: Vec<Vec<UnitResult>> = kept
                    .iter_mut()
                    .map(|(k, idx, c)| a.results_kept(*k, idx, c, &BTreeSet::new()))
                    .collect();
                let groups = change_rows(&mut a, &mut rng);
                for ((k, idx, c), old) in kept.iter_mut().zip(before) {
                    let got = a.results_kept(*k, idx, c, &groups);
                    let full = a
                        .sweep_with(*k, idx, &crate::progress::Progress::new(), |cone, u| {
                            result_of(a.unit_loss(cone, *k, u))
                        })
                        .expect("not cancelled");
                    for (i, (g, f)) in got.iter().zip(&full).enumerate() {
                        assert_eq!(g.1.to_bits(), f.1.to_bits(), "{k} {} pi", idx[i]);
                        assert_eq!(g.2.to_bits(), f.2.to_bits(), "{k} {} min_tts", idx[i]);
                        assert_eq!((g.3, &g.4), (f.3, &f.4), "{k} {} rows", idx[i]);
                        moved += usize::from(g.1 != old[i].1);
                    }
                }
            }
        }
        assert!(moved > 50, "the changes moved only {moved} results");
    }

    /// The sweep captures exactly the cones `choose` wants, under budgets that hold all, some
    /// or none of them, and the captured cones then follow value changes as a full run does.
    #[test]
    fn the_sweep_captures_the_wanted_cones() {
        let mut a = analysis(400, 3);
        let nodes = a.network().nodes().len();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut partial = 0;
        for budget in [usize::MAX, 40_000, 12_000, 3_000, 0] {
            for k in KINDS {
                let (_, mut kept) = a.exposure_keeping_within(k, budget);
                let held: Vec<u32> = kept.cones.keys().copied().collect();
                let want: Vec<u32> = kept.want.iter().copied().collect();
                assert_eq!(held, want, "{k} under {budget} bytes");
                let all = a.units(k).len();
                partial += usize::from(!want.is_empty() && want.len() < all);
                let spent: usize = kept
                    .cones
                    .values()
                    .map(|c| KeptCone::bytes(c.avail.len(), nodes))
                    .sum();
                assert!(spent <= budget, "{k}: {spent} bytes kept under {budget}");
                let idx: Vec<u32> = want.clone();
                let groups = change_rows(&mut a, &mut rng);
                let got = a.results_kept(k, &idx, &mut kept, &groups);
                assert_eq!(kept.len(), want.len(), "nothing re-run");
                let full = a
                    .sweep_with(k, &idx, &crate::progress::Progress::new(), |cone, u| {
                        result_of(a.unit_loss(cone, k, u))
                    })
                    .expect("not cancelled");
                for (g, f) in got.iter().zip(&full) {
                    assert_eq!(g.1.to_bits(), f.1.to_bits(), "{k} pi");
                    assert_eq!((g.3, &g.4), (f.3, &f.4), "{k} rows");
                }
            }
        }
        assert!(partial >= 2, "the budgets never left cones out ({partial})");
    }
}
