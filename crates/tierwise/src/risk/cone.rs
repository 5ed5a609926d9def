//! Propagating a disruption down its cone.
//!
//! Without disruption every node is fully available (shares plus the remainder cover each
//! group), so a scenario only changes the nodes downstream of what it disrupts. [`Cone`]
//! visits exactly those, in topological order (node ids are topological, so a min-heap of
//! ids is one), and computes for each:
//! - `avail`: DESIGN 3.1 availability;
//! - `reach`: the max-plus distance max over seeds (seed value - path length), path lengths
//!   summing the buyers' inventory_days. With seed value 0 it is -(shortest path), the TTS
//!   path of DESIGN 3.2; with seed value TTR_U it is max over U of (TTR_U - path), which the
//!   Monte Carlo loss of DESIGN 3.4 needs.
//!
//! The scratch arrays are reset by walking the touched list, so a scenario costs in
//! proportion to its cone, not to the network.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::network::Network;

/// Reusable scratch space for one worker.
#[derive(Debug, Clone)]
pub(crate) struct Cone {
    pub avail: Vec<f64>,
    pub reach: Vec<f64>,
    seed: Vec<f64>,
    disrupted: Vec<bool>,
    queued: Vec<bool>,
    edge_seed: Vec<f64>,
    edge_off: Vec<bool>,
    heap: BinaryHeap<Reverse<u32>>,
    /// Nodes visited by the last run, in topological order.
    pub visited: Vec<u32>,
    seeded_edges: Vec<u32>,
}

impl Cone {
    pub fn new(net: &Network) -> Self {
        let n = net.nodes().len();
        let m = net.edges().len();
        Cone {
            avail: vec![1.0; n],
            reach: vec![f64::NEG_INFINITY; n],
            seed: vec![f64::NEG_INFINITY; n],
            disrupted: vec![false; n],
            queued: vec![false; n],
            edge_seed: vec![f64::NEG_INFINITY; m],
            edge_off: vec![false; m],
            heap: BinaryHeap::new(),
            visited: Vec::new(),
            seeded_edges: Vec::new(),
        }
    }

    /// Clears what the last run touched.
    pub fn reset(&mut self) {
        for &v in &self.visited {
            let v = v as usize;
            self.avail[v] = 1.0;
            self.reach[v] = f64::NEG_INFINITY;
            self.seed[v] = f64::NEG_INFINITY;
            self.disrupted[v] = false;
            self.queued[v] = false;
        }
        for &e in &self.seeded_edges {
            self.edge_seed[e as usize] = f64::NEG_INFINITY;
            self.edge_off[e as usize] = false;
        }
        self.visited.clear();
        self.seeded_edges.clear();
        debug_assert!(self.heap.is_empty());
    }

    fn enqueue(&mut self, v: u32) {
        if !self.queued[v as usize] {
            self.queued[v as usize] = true;
            self.heap.push(Reverse(v));
        }
    }

    /// Disrupts a node: it produces nothing, and paths start there with `value`.
    pub fn seed_node(&mut self, v: u32, value: f64) {
        let i = v as usize;
        self.disrupted[i] = true;
        if value > self.seed[i] {
            self.seed[i] = value;
        }
        self.enqueue(v);
    }

    /// Disrupts a supply edge: the row ships nothing, and paths start at its buyer's group
    /// with `value`.
    pub fn seed_edge(&mut self, net: &Network, e: u32, value: f64) {
        let i = e as usize;
        if !self.edge_off[i] {
            self.seeded_edges.push(e);
        }
        self.edge_off[i] = true;
        if value > self.edge_seed[i] {
            self.edge_seed[i] = value;
        }
        for &c in net.group_consumers(net.edges()[i].group) {
            self.enqueue(c);
        }
    }

    /// Propagates every seed down its cone. Call [`Cone::reset`] before the next scenario.
    pub fn run(&mut self, net: &Network) {
        let groups = net.groups();
        let edges = net.edges();
        while let Some(Reverse(v)) = self.heap.pop() {
            let vi = v as usize;
            self.visited.push(v);
            let mut a: f64 = 1.0;
            let mut reach = self.seed[vi];
            for &g in net.node_inputs(v) {
                let grp = &groups[g as usize];
                let mut frac = grp.remainder;
                let mut best = f64::NEG_INFINITY;
                for &e in net.group_edges(g) {
                    let ed = &edges[e as usize];
                    let s = ed.seller as usize;
                    if !self.edge_off[e as usize] {
                        frac += ed.cap * self.avail[s];
                    }
                    best = best.max(self.reach[s]).max(self.edge_seed[e as usize]);
                }
                a = a.min(frac.min(1.0));
                if best > f64::NEG_INFINITY {
                    reach = reach.max(best - grp.inventory_days);
                }
            }
            if self.disrupted[vi] {
                a = 0.0;
            }
            self.avail[vi] = a;
            self.reach[vi] = reach;
            for &e in net.node_outputs(v) {
                for &c in net.group_consumers(edges[e as usize].group) {
                    self.enqueue(c);
                }
            }
        }
    }

    pub fn is_disrupted(&self, v: u32) -> bool {
        self.disrupted[v as usize]
    }

    pub fn seed_of(&self, v: u32) -> f64 {
        self.seed[v as usize]
    }

    pub fn edge_is_off(&self, e: u32) -> bool {
        self.edge_off[e as usize]
    }

    pub fn edge_seed_of(&self, e: u32) -> f64 {
        self.edge_seed[e as usize]
    }
}
