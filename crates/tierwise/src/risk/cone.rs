//! Propagating a disruption down its cone.
//!
//! Without disruption every node is fully available (shares plus the remainder cover each
//! group), so a scenario only changes the nodes downstream of what it disrupts. [`Cone`]
//! visits exactly those, level by level (a node's inputs all sit on lower levels, so that
//! is a topological order at O(1) a node), and computes for each:
//! - `avail`: DESIGN 3.1 availability;
//! - `reach`: the max-plus distance max over seeds (seed value - path length), path lengths
//!   summing the buyers' inventory_days. With seed value 0 it is -(shortest path), the TTS
//!   path of DESIGN 3.2; with seed value TTR_U it is max over U of (TTR_U - path), which the
//!   Monte Carlo loss of DESIGN 3.4 needs.
//!
//! A node is recomputed from the input groups that changed (a seller in the cone or a cut
//! edge), not from all its inputs: an untouched group still covers its need (availability
//! 1, no path), so it cannot change the min or the max. Assemblies with thousands of
//! inputs are where this matters: at 1M generated sites a cone holds ~60 nodes whose inputs
//! total ~3,500 edges, of which only ~300 lie in touched groups.
//!
//! The scratch state is reset by walking the touched lists, so a scenario costs in
//! proportion to its cone, not to the network. What a visit reads is packed so that it
//! costs one cache miss per node and per group: at 1M sites the hot loop is memory-bound.

use std::sync::Mutex;

use crate::network::Network;

/// A group as the cone reads it: its remainder and stock, where its sellers and consumers
/// are listed.
#[derive(Debug, Clone, Copy)]
pub(super) struct GroupHead {
    pub remainder: f64,
    pub inventory_days: f64,
    pub in_start: u32,
    pub in_end: u32,
    pub cons_start: u32,
    pub cons_end: u32,
}

/// What a node's output reaches: group `g` (with what a visit of its consumer reads) and
/// one consumer `c` of it; one entry per (group, consumer), sorted by group.
#[derive(Debug, Clone, Copy)]
pub(super) struct OutLink {
    pub remainder: f64,
    pub inventory_days: f64,
    pub g: u32,
    pub c: u32,
    /// The consumer's level.
    pub level: u32,
    pub in_start: u32,
    pub in_end: u32,
}

/// One supply edge as the cone reads it.
#[derive(Debug, Clone, Copy)]
pub(super) struct InEdge {
    pub cap: f64,
    pub seller: u32,
    pub edge: u32,
}

/// The parts of the network a cone reads, laid out for it: a group's sellers and caps are
/// contiguous, and each node lists the groups it feeds. At 1M sites the network's own edge
/// records (56 bytes, most of them unused here) made every seller read a cache miss.
#[derive(Debug)]
pub(crate) struct Flow {
    pub(super) nodes: usize,
    pub(super) edges: usize,
    /// Per node, what its output reaches: `out[out_start[v]..out_start[v + 1]]`.
    pub(super) out_start: Vec<u32>,
    pub(super) out: Vec<OutLink>,
    pub(super) groups: Vec<GroupHead>,
    /// Sellers of every group, in the order of [`Network::group_edges`] (so sums round as
    /// a plain pass would).
    pub(super) inputs: Vec<InEdge>,
    pub(super) consumers: Vec<u32>,
    pub(super) edge_group: Vec<u32>,
    pub(super) level: Vec<u32>,
    /// Number of levels (max level + 1).
    pub(super) levels: usize,
    /// Scratch cones kept between sweeps: a cone at 1M sites is ~50 MB of zeroed memory.
    pool: Pool<Cone>,
}

impl Flow {
    pub fn new(net: &Network) -> Self {
        let edges = net.edges();
        let mut groups = Vec::with_capacity(net.groups().len());
        let mut inputs = Vec::with_capacity(edges.len());
        let mut consumers = Vec::new();
        for (g, grp) in net.groups().iter().enumerate() {
            let (in_start, cons_start) = (inputs.len() as u32, consumers.len() as u32);
            for &e in net.group_edges(g as u32) {
                let ed = &edges[e as usize];
                inputs.push(InEdge {
                    cap: ed.cap,
                    seller: ed.seller,
                    edge: e,
                });
            }
            consumers.extend_from_slice(net.group_consumers(g as u32));
            groups.push(GroupHead {
                remainder: grp.remainder,
                inventory_days: grp.inventory_days,
                in_start,
                in_end: inputs.len() as u32,
                cons_start,
                cons_end: consumers.len() as u32,
            });
        }
        let mut out_start = Vec::with_capacity(net.nodes().len() + 1);
        let mut out = Vec::with_capacity(edges.len());
        out_start.push(0);
        let mut gs = Vec::new();
        for v in 0..net.nodes().len() as u32 {
            gs.clear();
            gs.extend(net.node_outputs(v).iter().map(|&e| edges[e as usize].group));
            gs.sort_unstable();
            gs.dedup();
            for &g in &gs {
                let h = groups[g as usize];
                for &c in &consumers[h.cons_start as usize..h.cons_end as usize] {
                    out.push(OutLink {
                        remainder: h.remainder,
                        inventory_days: h.inventory_days,
                        g,
                        c,
                        level: net.nodes()[c as usize].level,
                        in_start: h.in_start,
                        in_end: h.in_end,
                    });
                }
            }
            out_start.push(out.len() as u32);
        }
        Flow {
            nodes: net.nodes().len(),
            edges: edges.len(),
            out_start,
            out,
            groups,
            inputs,
            consumers,
            edge_group: edges.iter().map(|e| e.group).collect(),
            level: net.nodes().iter().map(|n| n.level).collect(),
            levels: net
                .nodes()
                .iter()
                .map(|n| n.level as usize + 1)
                .max()
                .unwrap_or(1),
            pool: Pool::default(),
        }
    }

    /// Brings the values a cone reads of groups `groups` (remainder, stock, caps) up to date
    /// with `net` after an in-place patch; the layout (who sells to whom) must be unchanged.
    pub fn patch(&mut self, net: &Network, groups: &std::collections::BTreeSet<u32>) {
        let edges = net.edges();
        for &g in groups {
            let grp = &net.groups()[g as usize];
            let h = &mut self.groups[g as usize];
            h.remainder = grp.remainder;
            h.inventory_days = grp.inventory_days;
            let h = *h;
            for i in h.in_start..h.in_end {
                let input = &mut self.inputs[i as usize];
                input.cap = edges[input.edge as usize].cap;
                let v = input.seller as usize;
                let (a, b) = (self.out_start[v] as usize, self.out_start[v + 1] as usize);
                for o in self.out[a..b].iter_mut().filter(|o| o.g == g) {
                    o.remainder = h.remainder;
                    o.inventory_days = h.inventory_days;
                }
            }
        }
    }

    /// The smallest node consuming what group `g` receives (u32::MAX when none).
    pub fn group_first_consumer(&self, g: u32) -> u32 {
        let h = self.groups[g as usize];
        self.consumers[h.cons_start as usize..h.cons_end as usize]
            .iter()
            .copied()
            .min()
            .unwrap_or(u32::MAX)
    }

    /// The smallest node consuming node `v`'s output (u32::MAX when none).
    pub fn first_consumer(&self, v: u32) -> u32 {
        let v = v as usize;
        self.out[self.out_start[v] as usize..self.out_start[v + 1] as usize]
            .iter()
            .map(|o| o.c)
            .min()
            .unwrap_or(u32::MAX)
    }

    /// A clean cone, from the pool when one is there; it goes back when dropped.
    pub fn cone(&self) -> Pooled<'_, Cone> {
        self.pool.get(|| Cone::new(self))
    }
}

/// What a cone reads of a network: the [`Flow`] itself, or the flow with some groups
/// patched (a what-if, `risk::overlay`). Nodes, levels and consumers are the base's in
/// both; a patch changes what groups receive and from whom.
pub(super) trait View: Sync {
    /// The base layout: node levels, group consumers, sizes.
    fn base(&self) -> &Flow;
    /// Supply edges, the base's and any the view adds after them.
    fn edge_count(&self) -> usize;
    /// Seller entries, the base's and any the view adds after them (where a view laid on
    /// top of this one starts its own).
    fn input_count(&self) -> u32;
    fn head(&self, g: u32) -> GroupHead;
    /// What node `v`'s output reaches, sorted by group.
    fn out(&self, v: usize) -> &[OutLink];
    /// A group's sellers, from its head's `in_start..in_end`.
    fn inputs(&self, start: u32, end: u32) -> &[InEdge];
}

impl View for Flow {
    #[inline]
    fn base(&self) -> &Flow {
        self
    }

    #[inline]
    fn edge_count(&self) -> usize {
        self.edges
    }

    #[inline]
    fn input_count(&self) -> u32 {
        self.inputs.len() as u32
    }

    #[inline]
    fn head(&self, g: u32) -> GroupHead {
        self.groups[g as usize]
    }

    #[inline]
    fn out(&self, v: usize) -> &[OutLink] {
        &self.out[self.out_start[v] as usize..self.out_start[v + 1] as usize]
    }

    #[inline]
    fn inputs(&self, start: u32, end: u32) -> &[InEdge] {
        &self.inputs[start as usize..end as usize]
    }
}

/// Scratch values that are expensive to allocate, shared by the workers of a sweep.
#[derive(Debug)]
pub(crate) struct Pool<T>(Mutex<Vec<T>>);

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Pool(Mutex::new(Vec::new()))
    }
}

/// Scratch that can be made clean again after any interrupted use.
pub(crate) trait Scratch {
    fn clean(&mut self);
}

impl<T: Scratch> Pool<T> {
    pub fn get(&self, make: impl FnOnce() -> T) -> Pooled<'_, T> {
        let value = self
            .0
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_else(make);
        Pooled {
            pool: self,
            value: Some(value),
        }
    }
}

/// A value borrowed from a [`Pool`]; it goes back, cleaned, when dropped.
pub(crate) struct Pooled<'a, T: Scratch> {
    pool: &'a Pool<T>,
    value: Option<T>,
}

impl<T: Scratch> std::ops::Deref for Pooled<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("present until dropped")
    }
}

impl<T: Scratch> std::ops::DerefMut for Pooled<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_mut().expect("present until dropped")
    }
}

impl<T: Scratch> Drop for Pooled<'_, T> {
    fn drop(&mut self) {
        if let Some(mut v) = self.value.take() {
            // Dropped mid-run (a panic, a cancelled sweep): cleaned before reuse.
            v.clean();
            if let Ok(mut p) = self.pool.0.lock() {
                p.push(v);
            }
        }
    }
}

/// Nodes waiting for a visit, bucketed by level. A visit only queues nodes on higher
/// levels, so emptying the buckets in level order visits every node after its inputs.
#[derive(Debug, Clone)]
pub(super) struct LevelQueue {
    buckets: Vec<Vec<u32>>,
    cur: usize,
    len: usize,
    /// Whether the bucket at `cur` is sorted.
    sorted: bool,
}

impl LevelQueue {
    pub fn new(levels: usize) -> Self {
        LevelQueue {
            buckets: vec![Vec::new(); levels.max(1)],
            cur: 0,
            len: 0,
            sorted: false,
        }
    }

    #[inline]
    pub fn push(&mut self, v: u32, level: u32) {
        debug_assert!(level as usize >= self.cur, "queued below the current level");
        self.buckets[level as usize].push(v);
        self.len += 1;
    }

    #[inline]
    pub fn pop(&mut self) -> Option<u32> {
        if self.len == 0 {
            self.cur = 0;
            self.sorted = false;
            return None;
        }
        loop {
            if !self.sorted {
                // Nothing joins a level once it is reached: visit it in id order, which is
                // memory order (on large cones a shuffled order cost a third of the time in
                // cache misses; measured on the Monte Carlo before it got its own queue).
                self.buckets[self.cur].sort_unstable_by(|a, b| b.cmp(a));
                self.sorted = true;
            }
            if let Some(v) = self.buckets[self.cur].pop() {
                self.len -= 1;
                return Some(v);
            }
            self.cur += 1;
            self.sorted = false;
        }
    }

    /// Empties the queue, handing every node still in it to `f`.
    pub fn drain(&mut self, mut f: impl FnMut(u32)) {
        for b in &mut self.buckets {
            for v in b.drain(..) {
                f(v);
            }
        }
        self.cur = 0;
        self.len = 0;
        self.sorted = false;
    }
}

/// What the cone knows of one node.
#[derive(Debug, Clone, Copy)]
struct NodeState {
    avail: f64,
    reach: f64,
    seed: f64,
    /// Head of the node's list of touched input groups in `pending` (NONE: empty).
    pending: u32,
    disrupted: bool,
    queued: bool,
}

const CLEAN: NodeState = NodeState {
    avail: 1.0,
    reach: f64::NEG_INFINITY,
    seed: f64::NEG_INFINITY,
    pending: NONE,
    disrupted: false,
    queued: false,
};

const NONE: u32 = u32::MAX;

/// A touched input group of a queued node, with what its visit reads.
#[derive(Debug, Clone, Copy)]
struct Pending {
    remainder: f64,
    inventory_days: f64,
    in_start: u32,
    in_end: u32,
    next: u32,
}

impl Scratch for Cone {
    fn clean(&mut self) {
        self.reset();
    }
}

/// Reusable scratch space for one worker.
#[derive(Debug, Clone)]
pub(crate) struct Cone {
    state: Vec<NodeState>,
    /// Per edge, sized on the first cut (links are the only units that cut edges).
    edge_seed: Vec<f64>,
    edge_off: Vec<bool>,
    queue: LevelQueue,
    /// Nodes visited by the last run, in topological order.
    pub visited: Vec<u32>,
    seeded_edges: Vec<u32>,
    group_touched: Vec<bool>,
    touched_groups: Vec<u32>,
    /// Links of the per-node lists of touched input groups.
    pending: Vec<Pending>,
}

impl Cone {
    pub fn new(net: &Flow) -> Self {
        Cone {
            state: vec![CLEAN; net.nodes],
            edge_seed: Vec::new(),
            edge_off: Vec::new(),
            queue: LevelQueue::new(net.levels),
            visited: Vec::new(),
            seeded_edges: Vec::new(),
            group_touched: vec![false; net.groups.len()],
            touched_groups: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// Availability of node `v` after the last run (1 outside the cone).
    #[inline]
    pub fn avail(&self, v: u32) -> f64 {
        self.state[v as usize].avail
    }

    /// Max-plus reach of node `v` after the last run (-inf outside the cone).
    #[inline]
    pub fn reach(&self, v: u32) -> f64 {
        self.state[v as usize].reach
    }

    /// Availability of every node.
    pub fn all_avail(&self) -> Vec<f64> {
        self.state.iter().map(|s| s.avail).collect()
    }

    /// Clears what the last run touched.
    pub fn reset(&mut self) {
        for &v in &self.visited {
            self.state[v as usize] = CLEAN;
        }
        for &g in &self.touched_groups {
            self.group_touched[g as usize] = false;
        }
        self.touched_groups.clear();
        self.pending.clear();
        for &e in &self.seeded_edges {
            self.edge_seed[e as usize] = f64::NEG_INFINITY;
            self.edge_off[e as usize] = false;
        }
        self.visited.clear();
        self.seeded_edges.clear();
        // Seeded but never run (a dropped cone): clear those nodes too.
        let state = &mut self.state;
        self.queue.drain(|v| state[v as usize] = CLEAN);
    }

    /// Queues consumer `c` of a changed group.
    #[inline]
    fn push_pending(
        &mut self,
        c: u32,
        level: u32,
        remainder: f64,
        inventory_days: f64,
        in_start: u32,
        in_end: u32,
    ) {
        let st = &mut self.state[c as usize];
        self.pending.push(Pending {
            remainder,
            inventory_days,
            in_start,
            in_end,
            next: st.pending,
        });
        st.pending = (self.pending.len() - 1) as u32;
        if !st.queued {
            st.queued = true;
            self.queue.push(c, level);
        }
    }

    /// Marks a group as changed: its consumers are queued and will read it.
    fn touch_group(&mut self, net: &impl View, g: u32) {
        if self.group_touched[g as usize] {
            return;
        }
        self.group_touched[g as usize] = true;
        self.touched_groups.push(g);
        let h = net.head(g);
        let base = net.base();
        for &c in &base.consumers[h.cons_start as usize..h.cons_end as usize] {
            let level = base.level[c as usize];
            self.push_pending(
                c,
                level,
                h.remainder,
                h.inventory_days,
                h.in_start,
                h.in_end,
            );
        }
    }

    /// [`Cone::touch_group`] for every group node `v` feeds, from the node's own list.
    #[inline]
    fn touch_outputs(&mut self, net: &impl View, v: usize) {
        let mut pushing = NONE;
        for o in net.out(v) {
            if o.g != pushing {
                if self.group_touched[o.g as usize] {
                    continue;
                }
                self.group_touched[o.g as usize] = true;
                self.touched_groups.push(o.g);
                pushing = o.g;
            }
            self.push_pending(
                o.c,
                o.level,
                o.remainder,
                o.inventory_days,
                o.in_start,
                o.in_end,
            );
        }
    }

    /// Disrupts a node: it produces nothing, and paths start there with `value`.
    pub fn seed_node(&mut self, net: &Flow, v: u32, value: f64) {
        self.seed_node_on(net, v, value);
    }

    /// [`Cone::seed_node`] on any view of the network.
    pub(super) fn seed_node_on(&mut self, net: &impl View, v: u32, value: f64) {
        let st = &mut self.state[v as usize];
        st.disrupted = true;
        if value > st.seed {
            st.seed = value;
        }
        if !st.queued {
            st.queued = true;
            self.queue.push(v, net.base().level[v as usize]);
        }
    }

    /// Disrupts a supply edge on any view of the network: the row ships nothing, and paths
    /// start at its buyer's group with `value`.
    pub(super) fn seed_edge_on(&mut self, net: &impl View, e: u32, value: f64) {
        self.size_edges(net.edge_count());
        let i = e as usize;
        if !self.edge_off[i] {
            self.seeded_edges.push(e);
        }
        self.edge_off[i] = true;
        if value > self.edge_seed[i] {
            self.edge_seed[i] = value;
        }
        self.touch_group(net, net.base().edge_group[i]);
    }

    /// Sizes the per-edge scratch for `edges` edges (on the first cut, or for a view with
    /// more edges than the last).
    fn size_edges(&mut self, edges: usize) {
        if self.edge_off.len() < edges {
            self.edge_seed.resize(edges, f64::NEG_INFINITY);
            self.edge_off.resize(edges, false);
        }
    }

    /// Propagates every seed down its cone. Call [`Cone::reset`] before the next scenario.
    pub fn run(&mut self, net: &Flow) {
        self.run_on(net);
    }

    /// [`Cone::run`] on any view of the network (the same view the seeds were placed on).
    pub(super) fn run_on(&mut self, net: &impl View) {
        // Cut edges are rare (link units only): skip their lookups otherwise.
        let any_cut = !self.seeded_edges.is_empty();
        if any_cut {
            // A view may add edges after the ones a cut sized the scratch for.
            self.size_edges(net.edge_count());
        }
        while let Some(v) = self.queue.pop() {
            let vi = v as usize;
            self.visited.push(v);
            let st = self.state[vi];
            let mut a: f64 = 1.0;
            let mut reach = st.seed;
            let mut link = st.pending;
            while link != NONE {
                let p = self.pending[link as usize];
                link = p.next;
                let mut frac = p.remainder;
                let mut best = f64::NEG_INFINITY;
                for ie in net.inputs(p.in_start, p.in_end) {
                    let s = &self.state[ie.seller as usize];
                    if any_cut {
                        let e = ie.edge as usize;
                        if !self.edge_off[e] {
                            frac += ie.cap * s.avail;
                        }
                        best = best.max(s.reach).max(self.edge_seed[e]);
                    } else {
                        frac += ie.cap * s.avail;
                        best = best.max(s.reach);
                    }
                }
                a = a.min(frac.min(1.0));
                if best > f64::NEG_INFINITY {
                    reach = reach.max(best - p.inventory_days);
                }
            }
            if st.disrupted {
                a = 0.0;
            }
            let st = &mut self.state[vi];
            st.avail = a;
            st.reach = reach;
            self.touch_outputs(net, vi);
        }
    }

    pub fn is_disrupted(&self, v: u32) -> bool {
        self.state[v as usize].disrupted
    }

    pub fn seed_of(&self, v: u32) -> f64 {
        self.state[v as usize].seed
    }

    pub fn edge_is_off(&self, e: u32) -> bool {
        self.edge_off.get(e as usize).copied().unwrap_or(false)
    }

    pub fn edge_seed_of(&self, e: u32) -> f64 {
        self.edge_seed
            .get(e as usize)
            .copied()
            .unwrap_or(f64::NEG_INFINITY)
    }
}
