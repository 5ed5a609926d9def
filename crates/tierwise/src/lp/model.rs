//! The LP structure of DESIGN 3.6, built once per network: columns, rows and the capacity
//! facts that screening needs. Rows are added in a fixed order (groups, nodes, supply rows,
//! node capacity, site capacity, products rows) so that every build gives the same model.

use std::collections::VecDeque;

use super::highs::LpData;
use crate::network::Network;

/// A disruption resolved to the LP's columns: disrupted nodes and supply rows, each sorted
/// and without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Down {
    pub(crate) nodes: Vec<u32>,
    pub(crate) edges: Vec<u32>,
}

/// The LP structure of a network (DESIGN 3.6), shared by every worker.
#[derive(Debug, Clone)]
pub struct StressLp {
    pub(crate) ttr: LpData,
    pub(crate) tts: LpData,
    pub(crate) n_nodes: usize,
    pub(crate) n_edges: usize,
    pub(crate) n_rows: usize,
    /// Column of T in the TTR LP.
    pub(crate) t_ttr: usize,
    /// Node carries a capacity row (its own or its site's).
    capacity_node: Vec<bool>,
    /// Node or some node upstream of it carries a capacity row.
    capacity_upstream: Vec<bool>,
    /// Sum over products rows of demand * value: PI below 1e-9 of this times the horizon is
    /// solver noise and reads as 0.
    worth_per_day: f64,
    /// Every products row has demand and value > 0: then PI(T) = 0 exactly when nothing is
    /// lost, and TTS can come from the TTR model.
    pub(crate) every_row_worth_something: bool,
}

/// The capacity table resolved to nodes and sites.
struct Capacity {
    node_cap: Vec<Option<f64>>,
    node_inv: Vec<f64>,
    site_cap: Vec<Option<f64>>,
    /// Node carries a capacity row (its own or its site's).
    capacity_node: Vec<bool>,
}

impl Capacity {
    /// Node rows (with part_id) and site rows (without). A row for a part the site does not
    /// make has no node: it carries no flow and is ignored.
    fn of(net: &Network) -> Capacity {
        let n = net.nodes().len();
        let mut c = Capacity {
            node_cap: vec![None; n],
            node_inv: vec![0.0; n],
            site_cap: vec![None; net.sites().len()],
            capacity_node: vec![false; n],
        };
        for row in &net.tables().capacity {
            let Some(s) = net.site_index(&row.site_id) else {
                continue;
            };
            match &row.part_id {
                Some(p) => {
                    if let Some(j) = net.node(&row.site_id, p) {
                        c.node_cap[j as usize] = row.capacity_per_day;
                        c.node_inv[j as usize] = row.inventory_units.unwrap_or(0.0);
                        c.capacity_node[j as usize] = true;
                    }
                }
                None => c.site_cap[s as usize] = row.capacity_per_day,
            }
        }
        for (j, nd) in net.nodes().iter().enumerate() {
            if c.site_cap[nd.site as usize].is_some() {
                c.capacity_node[j] = true;
            }
        }
        c
    }

    /// Node or some node upstream of it carries a capacity row; one pass, since nodes are in
    /// topological order (sellers first).
    fn upstream(&self, net: &Network) -> Vec<bool> {
        let mut up = self.capacity_node.clone();
        for j in 0..up.len() {
            if up[j] {
                continue;
            }
            up[j] = net.node_inputs(j as u32).iter().any(|&g| {
                net.group_edges(g)
                    .iter()
                    .any(|&e| up[net.edges()[e as usize].seller as usize])
            });
        }
        up
    }
}

/// Column-wise assembly of one LP.
struct Builder {
    cols: Vec<Vec<(i32, f64)>>,
    row_lower: Vec<f64>,
    row_upper: Vec<f64>,
    /// Scratch for the terms of the row being added.
    terms: Vec<(usize, f64)>,
}

impl Builder {
    fn new(ncol: usize) -> Self {
        Builder {
            cols: vec![Vec::new(); ncol],
            row_lower: Vec::new(),
            row_upper: Vec::new(),
            terms: Vec::new(),
        }
    }

    fn row(&mut self, lower: f64, upper: f64, terms: &[(usize, f64)]) {
        let r = self.row_lower.len() as i32;
        self.row_lower.push(lower);
        self.row_upper.push(upper);
        for &(c, v) in terms {
            if v != 0.0 {
                self.cols[c].push((r, v));
            }
        }
    }

    /// Adds the row held in `terms` and clears it.
    fn flush(&mut self, lower: f64, upper: f64) {
        let terms = std::mem::take(&mut self.terms);
        self.row(lower, upper, &terms);
        self.terms = terms;
        self.terms.clear();
    }

    fn finish(self, cost: Vec<f64>, lower: Vec<f64>, upper: Vec<f64>, maximize: bool) -> LpData {
        let mut a_start = Vec::with_capacity(self.cols.len() + 1);
        let mut a_index = Vec::new();
        let mut a_value = Vec::new();
        a_start.push(0);
        for c in self.cols {
            for (r, v) in c {
                a_index.push(r);
                a_value.push(v);
            }
            a_start.push(a_index.len() as i32);
        }
        LpData {
            maximize,
            col_cost: cost,
            col_lower: lower,
            col_upper: upper,
            row_lower: self.row_lower,
            row_upper: self.row_upper,
            a_start,
            a_index,
            a_value,
        }
    }
}

/// Column layout: `x_j` (nodes), `y_e` (edges), then `l_row` (products rows, TTR LP only),
/// then `T`.
#[derive(Clone, Copy)]
struct Cols {
    n: usize,
    m: usize,
    rows: usize,
    with_loss: bool,
}

impl Cols {
    fn x(self, j: usize) -> usize {
        j
    }
    fn y(self, e: usize) -> usize {
        self.n + e
    }
    fn l(self, r: usize) -> usize {
        self.n + self.m + r
    }
    fn t(self) -> usize {
        self.n + self.m + if self.with_loss { self.rows } else { 0 }
    }
}

/// What the rows of one LP are built from.
struct Inputs<'a> {
    net: &'a Network,
    cap: &'a Capacity,
    need: &'a [f64],
    need_max: &'a [f64],
    site_nodes: &'a [Vec<usize>],
}

impl Inputs<'_> {
    /// Per consumed group (b,C): `sum_j qty x_j - sum_e y_e - r need_max T <= inv_days need`.
    fn group_rows(&self, b: &mut Builder, c: Cols) {
        let net = self.net;
        for (g, grp) in net.groups().iter().enumerate() {
            let consumers = net.group_consumers(g as u32);
            if consumers.is_empty() {
                continue;
            }
            for &j in consumers {
                let q: f64 = net
                    .node_inputs(j)
                    .iter()
                    .zip(net.node_input_qty(j))
                    .filter(|(gg, _)| **gg == g as u32)
                    .map(|(_, q)| *q)
                    .sum();
                b.terms.push((c.x(j as usize), q));
            }
            for &e in net.group_edges(g as u32) {
                b.terms.push((c.y(e as usize), -1.0));
            }
            b.terms.push((c.t(), -grp.remainder * self.need_max[g]));
            b.flush(f64::NEG_INFINITY, grp.inventory_days * self.need[g]);
        }
    }

    /// Per node with supply rows out: what ships comes from production or stock,
    /// `sum_e y_e - x_j <= inventory_units_j`.
    fn node_rows(&self, b: &mut Builder, c: Cols) {
        for (j, &inv) in self.cap.node_inv.iter().enumerate() {
            let outs = self.net.node_outputs(j as u32);
            if outs.is_empty() {
                continue;
            }
            b.terms.extend(outs.iter().map(|&e| (c.y(e as usize), 1.0)));
            b.terms.push((c.x(j), -1.0));
            b.flush(f64::NEG_INFINITY, inv);
        }
    }

    /// Per supply row: at most cap * need_max per day, `y_e - cap_e need_max T <= 0`.
    fn supply_rows(&self, b: &mut Builder, c: Cols) {
        for (e, ed) in self.net.edges().iter().enumerate() {
            let per_day = ed.cap * self.need_max[ed.group as usize];
            b.row(f64::NEG_INFINITY, 0.0, &[(c.y(e), 1.0), (c.t(), -per_day)]);
        }
    }

    /// `x_j - capacity_per_day T <= 0` per node row; `sum_j x_j - capacity T <= 0` per site
    /// row (the site's nodes in their own units).
    fn capacity_rows(&self, b: &mut Builder, c: Cols) {
        for (j, cap) in self.cap.node_cap.iter().enumerate() {
            if let Some(cap) = *cap {
                b.row(f64::NEG_INFINITY, 0.0, &[(c.x(j), 1.0), (c.t(), -cap)]);
            }
        }
        for (s, cap) in self.cap.site_cap.iter().enumerate() {
            if let Some(cap) = *cap
                && !self.site_nodes[s].is_empty()
            {
                b.terms
                    .extend(self.site_nodes[s].iter().map(|&j| (c.x(j), 1.0)));
                b.terms.push((c.t(), -cap));
                b.flush(f64::NEG_INFINITY, 0.0);
            }
        }
    }

    /// Per products row:
    /// `x_j - sum_e y_e + l_row - demand T >= -fg demand - inventory_units_j`.
    fn product_rows(&self, b: &mut Builder, c: Cols) {
        let net = self.net;
        for (r, p) in net.products().iter().enumerate() {
            let j = p.node as usize;
            b.terms.push((c.x(j), 1.0));
            b.terms.extend(
                net.node_outputs(j as u32)
                    .iter()
                    .map(|&e| (c.y(e as usize), -1.0)),
            );
            if c.with_loss {
                b.terms.push((c.l(r), 1.0));
            }
            b.terms.push((c.t(), -p.demand_per_day));
            let lower = -p.fg_inventory_days * p.demand_per_day - self.cap.node_inv[j];
            b.flush(lower, f64::INFINITY);
        }
    }

    /// One LP: the TTR LP (`with_loss`, minimise the value of lost sales) or the TTS LP
    /// (maximise T). Returns the LP and the column of T.
    fn build(&self, with_loss: bool) -> (LpData, usize) {
        let net = self.net;
        let c = Cols {
            n: net.nodes().len(),
            m: net.edges().len(),
            rows: net.products().len(),
            with_loss,
        };
        let ncol = c.t() + 1;
        let mut b = Builder::new(ncol);
        self.group_rows(&mut b, c);
        self.node_rows(&mut b, c);
        self.supply_rows(&mut b, c);
        self.capacity_rows(&mut b, c);
        self.product_rows(&mut b, c);
        let mut cost = vec![0.0; ncol];
        if with_loss {
            for (r, p) in net.products().iter().enumerate() {
                cost[c.l(r)] = p.value();
            }
        } else {
            cost[c.t()] = 1.0;
        }
        let lower = vec![0.0; ncol];
        let upper = vec![f64::INFINITY; ncol];
        (b.finish(cost, lower, upper, !with_loss), c.t())
    }
}

impl StressLp {
    /// Builds both LPs of DESIGN 3.6 from the network and its `capacity` table.
    ///
    /// Columns: `x_j` (nodes, in node order), `y_e` (edges), then for the TTR LP `l_row`
    /// (products rows), then `T`. Rows, all linear in (x, y, l, T): one per consumed group,
    /// per node with supply rows out, per supply row, per capacity row and per products row
    /// (see the row builders for each inequality).
    pub fn new(net: &Network) -> StressLp {
        let (need, need_max) = net.need();
        let cap = Capacity::of(net);
        let mut site_nodes: Vec<Vec<usize>> = vec![Vec::new(); net.sites().len()];
        for (j, nd) in net.nodes().iter().enumerate() {
            site_nodes[nd.site as usize].push(j);
        }
        let inputs = Inputs {
            net,
            cap: &cap,
            need: &need,
            need_max: &need_max,
            site_nodes: &site_nodes,
        };
        let (ttr, t_ttr) = inputs.build(true);
        let (tts, _) = inputs.build(false);
        let products = net.products();
        StressLp {
            worth_per_day: products.iter().map(|p| p.demand_per_day * p.value()).sum(),
            // A row without demand loses nothing; one with demand must cost its losses.
            every_row_worth_something: products
                .iter()
                .all(|p| p.demand_per_day <= 0.0 || p.value() > 0.0),
            n_rows: products.len(),
            n_nodes: net.nodes().len(),
            n_edges: net.edges().len(),
            ttr,
            tts,
            t_ttr,
            capacity_upstream: cap.upstream(net),
            capacity_node: cap.capacity_node,
        }
    }

    /// The TTR LP (T fixed by its column bounds to 0 until a scenario sets it).
    pub fn ttr_lp(&self) -> &LpData {
        &self.ttr
    }

    /// The TTS LP.
    pub fn tts_lp(&self) -> &LpData {
        &self.tts
    }

    /// Whether node `j` carries a capacity row (its own or its site's).
    pub fn has_capacity(&self, j: u32) -> bool {
        self.capacity_node[j as usize]
    }

    /// PI at or below this, for horizon `t`, is solver noise and reads as 0.
    pub(crate) fn zero_pi(&self, t: f64) -> f64 {
        1e-9 * self.worth_per_day * t.max(1.0)
    }

    pub(crate) fn ttr_lost_units(&self, cols: &[f64]) -> f64 {
        let l0 = self.n_nodes + self.n_edges;
        cols[l0..l0 + self.n_rows].iter().sum()
    }

    /// Whether a capacity row lies in the downstream cone of `d` (the disrupted nodes, the
    /// consumers of disrupted supply rows, and every node downstream of them) or upstream of
    /// any node of that cone (the alternate sources the cone could draw more from).
    pub(crate) fn cone_has_capacity(&self, net: &Network, d: &Down) -> bool {
        let mut seen = vec![false; net.nodes().len()];
        let mut queue: VecDeque<u32> = VecDeque::new();
        let push = |v: u32, seen: &mut Vec<bool>, q: &mut VecDeque<u32>| {
            if !seen[v as usize] {
                seen[v as usize] = true;
                q.push_back(v);
            }
        };
        for &v in &d.nodes {
            push(v, &mut seen, &mut queue);
        }
        for &e in &d.edges {
            for &c in net.group_consumers(net.edges()[e as usize].group) {
                push(c, &mut seen, &mut queue);
            }
        }
        while let Some(v) = queue.pop_front() {
            if self.capacity_upstream[v as usize] {
                return true;
            }
            for &e in net.node_outputs(v) {
                for &c in net.group_consumers(net.edges()[e as usize].group) {
                    push(c, &mut seen, &mut queue);
                }
            }
        }
        false
    }
}
