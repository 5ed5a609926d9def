//! [`super::cone::Cone`] for [`LANES`] scenarios at once, for the Monte Carlo.
//!
//! With a few percent of sites failing, one scenario's cone already holds a third of a
//! generated network, and the cones of different scenarios overlap in the assemblies
//! near the products. Visiting the union of a batch's cones once, with one lane per
//! scenario, pays for the walk once per batch instead of once per scenario, and the lane
//! arithmetic is plain arrays the compiler vectorizes. The union is visited in node id
//! order (topological and memory order) and each node reads its inputs from a list laid
//! out in that order, so the only scattered reads are the sellers' values.
//!
//! Each lane computes exactly what a one-scenario cone computes, bit for bit: a node or
//! group outside lane k's own cone keeps availability 1 and no path in lane k (the
//! `in_cone` and group masks), and inside it the sums run over the same inputs in the same
//! order. A batch still costs in proportion to what its scenarios disrupt.

use super::cone::{Flow, Scratch};
use crate::network::Network;

/// Scenarios per batch (8 measured faster than 16 on 10k sites: the values of a node fill
/// two cache lines).
pub(crate) const LANES: usize = 8;

/// One bit per lane.
type Mask = u8;

/// One input group of a node, followed in [`NodeInputs::sellers`] by its sellers.
#[derive(Debug, Clone, Copy)]
struct InGroup {
    remainder: f64,
    inventory_days: f64,
    g: u32,
    sellers_start: u32,
    sellers_end: u32,
}

#[derive(Debug, Clone, Copy)]
struct Seller {
    cap: f64,
    node: u32,
}

/// Every node's input groups and their sellers, in node order.
#[derive(Debug, Clone)]
pub(crate) struct NodeInputs {
    /// Node v's groups are `groups[start[v]..start[v + 1]]`.
    start: Vec<u32>,
    groups: Vec<InGroup>,
    sellers: Vec<Seller>,
}

impl NodeInputs {
    pub fn new(net: &Network) -> Self {
        let mut start = Vec::with_capacity(net.nodes().len() + 1);
        let mut groups = Vec::new();
        let mut sellers = Vec::new();
        start.push(0);
        for v in 0..net.nodes().len() as u32 {
            for &g in net.node_inputs(v) {
                let grp = &net.groups()[g as usize];
                let sellers_start = sellers.len() as u32;
                // In the order of the network's group_edges, so sums round as in a Cone.
                for &e in net.group_edges(g) {
                    let ed = &net.edges()[e as usize];
                    sellers.push(Seller {
                        cap: ed.cap,
                        node: ed.seller,
                    });
                }
                groups.push(InGroup {
                    remainder: grp.remainder,
                    inventory_days: grp.inventory_days,
                    g,
                    sellers_start,
                    sellers_end: sellers.len() as u32,
                });
            }
            start.push(groups.len() as u32);
        }
        NodeInputs {
            start,
            groups,
            sellers,
        }
    }
}

/// A node's values in every lane: two cache lines, all a seller read touches.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
struct Values {
    avail: [f64; LANES],
    reach: [f64; LANES],
}

const CLEAN: Values = Values {
    avail: [1.0; LANES],
    reach: [f64::NEG_INFINITY; LANES],
};

/// Nodes waiting for a visit, as a bit set scanned upwards. Node ids are topological and a
/// visit only queues higher ids, so the scan meets every node after its inputs, in memory
/// order.
#[derive(Debug, Clone)]
struct BitQueue {
    words: Vec<u64>,
    /// The word the scan is at (every lower word is empty).
    cur: usize,
    len: usize,
}

impl BitQueue {
    fn new(n: usize) -> Self {
        BitQueue {
            words: vec![0; n.div_ceil(64)],
            cur: usize::MAX,
            len: 0,
        }
    }

    #[inline]
    fn push(&mut self, v: u32) {
        let w = v as usize / 64;
        let bit = 1u64 << (v % 64);
        if self.words[w] & bit == 0 {
            self.words[w] |= bit;
            self.cur = self.cur.min(w);
            self.len += 1;
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<u32> {
        if self.len == 0 {
            self.cur = usize::MAX;
            return None;
        }
        loop {
            let w = self.words[self.cur];
            if w != 0 {
                self.words[self.cur] = w & (w - 1);
                self.len -= 1;
                return Some((self.cur * 64) as u32 + w.trailing_zeros());
            }
            self.cur += 1;
        }
    }
}

/// Reusable scratch space for one worker: [`LANES`] scenarios over node seeds.
#[derive(Debug, Clone)]
pub(crate) struct LaneCone {
    values: Vec<Values>,
    /// Per node, the lanes whose cone holds it, and those that disrupt it.
    in_cone: Vec<Mask>,
    disrupted: Vec<Mask>,
    /// Seed values of the disrupted nodes, apart: few nodes have one, and every seller
    /// read would otherwise carry them through the cache.
    seeds: Vec<(u32, [f64; LANES])>,
    /// Per node, its index in `seeds` (NONE: not seeded).
    seed_slot: Vec<u32>,
    /// Per group, the lanes in which some seller is in the cone (0: untouched).
    group_mask: Vec<Mask>,
    touched_groups: Vec<u32>,
    queue: BitQueue,
    /// Nodes visited by the last run, in topological order.
    pub visited: Vec<u32>,
}

const NONE: u32 = u32::MAX;

impl Scratch for LaneCone {
    fn clean(&mut self) {
        self.reset();
    }
}

impl LaneCone {
    pub fn new(net: &Flow) -> Self {
        let n = net.nodes;
        LaneCone {
            values: vec![CLEAN; n],
            in_cone: vec![0; n],
            disrupted: vec![0; n],
            seeds: Vec::new(),
            seed_slot: vec![NONE; n],
            group_mask: vec![0; net.groups.len()],
            touched_groups: Vec::new(),
            queue: BitQueue::new(n),
            visited: Vec::new(),
        }
    }

    /// Whether lane `k`'s cone holds node `v` (its values differ from the undisrupted ones
    /// only then).
    #[inline]
    pub fn in_cone(&self, v: u32, k: usize) -> bool {
        self.in_cone[v as usize] >> k & 1 == 1
    }

    #[inline]
    pub fn avail(&self, v: u32, k: usize) -> f64 {
        self.values[v as usize].avail[k]
    }

    #[inline]
    pub fn reach(&self, v: u32, k: usize) -> f64 {
        self.values[v as usize].reach[k]
    }

    /// Clears what the last run touched.
    pub fn reset(&mut self) {
        // Seeded but never run (a dropped cone): visit nothing, just collect.
        while let Some(v) = self.queue.pop() {
            self.visited.push(v);
        }
        for &v in &self.visited {
            let v = v as usize;
            self.values[v] = CLEAN;
            self.in_cone[v] = 0;
            self.disrupted[v] = 0;
        }
        for &g in &self.touched_groups {
            self.group_mask[g as usize] = 0;
        }
        for &(v, _) in &self.seeds {
            self.seed_slot[v as usize] = NONE;
        }
        self.touched_groups.clear();
        self.visited.clear();
        self.seeds.clear();
    }

    /// Disrupts node `v` in lane `k`: paths start there with `value`.
    pub fn seed_node(&mut self, v: u32, k: usize, value: f64) {
        let vi = v as usize;
        if self.seed_slot[vi] == NONE {
            self.seed_slot[vi] = self.seeds.len() as u32;
            self.seeds.push((v, [f64::NEG_INFINITY; LANES]));
        }
        self.disrupted[vi] |= 1 << k;
        self.in_cone[vi] |= 1 << k;
        let seed = &mut self.seeds[self.seed_slot[vi] as usize].1[k];
        if value > *seed {
            *seed = value;
        }
        self.queue.push(v);
    }

    /// Propagates every lane's seeds down the union of their cones. Call
    /// [`LaneCone::reset`] before the next batch.
    pub fn run(&mut self, net: &Flow, ins: &NodeInputs) {
        while let Some(v) = self.queue.pop() {
            let vi = v as usize;
            self.visited.push(v);
            let disrupted = self.disrupted[vi];
            let mut in_cone = self.in_cone[vi];
            let mut a = [1.0f64; LANES];
            let mut reach = [f64::NEG_INFINITY; LANES];
            if disrupted != 0 {
                reach = self.seeds[self.seed_slot[vi] as usize].1;
            }
            for ig in &ins.groups[ins.start[vi] as usize..ins.start[vi + 1] as usize] {
                // Final by now: every seller of the group has a lower id.
                let m = self.group_mask[ig.g as usize];
                if m == 0 {
                    continue;
                }
                in_cone |= m;
                let mut frac = [ig.remainder; LANES];
                let mut best = [f64::NEG_INFINITY; LANES];
                for s in &ins.sellers[ig.sellers_start as usize..ig.sellers_end as usize] {
                    let x = &self.values[s.node as usize];
                    for k in 0..LANES {
                        frac[k] += s.cap * x.avail[k];
                        best[k] = best[k].max(x.reach[k]);
                    }
                }
                for k in 0..LANES {
                    if m >> k & 1 == 1 {
                        a[k] = a[k].min(frac[k].min(1.0));
                        if best[k] > f64::NEG_INFINITY {
                            reach[k] = reach[k].max(best[k] - ig.inventory_days);
                        }
                    }
                }
            }
            for (k, ak) in a.iter_mut().enumerate() {
                if disrupted >> k & 1 == 1 {
                    *ak = 0.0;
                }
            }
            self.values[vi] = Values { avail: a, reach };
            self.in_cone[vi] = in_cone;
            for o in &net.out[net.out_start[vi] as usize..net.out_start[vi + 1] as usize] {
                let gm = &mut self.group_mask[o.g as usize];
                if *gm == 0 {
                    self.touched_groups.push(o.g);
                }
                *gm |= in_cone;
                debug_assert!(o.c > v, "queued below the scan");
                self.queue.push(o.c);
            }
        }
    }
}
