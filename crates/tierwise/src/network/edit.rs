//! A changed copy of a compiled network (the what-if of DESIGN 3.5): the rows of some
//! (buyer, part) groups replaced, stock added to groups, capacity or finished stock added to
//! nodes. The copy is made from the compiled arrays (nothing is read back or recompiled):
//! edges are rebuilt group by group, the supply table keeps its canonical order, and nodes are
//! renumbered only when a new row comes from a seller that does not sit below all the group's
//! consumers (where the node order would stop being topological).

use std::collections::{BTreeMap, HashMap};

use super::compile::{SupplyRef, node_outputs, site_tiers};
use super::{Csr, Edge, Lazy, Network, NetworkError};
use crate::model::{CapacityRow, EPS, SupplyRow};

/// Changes to a network by index: what [`Network::patched`] applies.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Edits {
    /// The groups whose rows or stock change, each with its whole new state.
    pub groups: BTreeMap<u32, GroupEdit>,
    pub capacity: Vec<CapacityEdit>,
}

/// A group after a change: its rows in order and its stock.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GroupEdit {
    pub inventory_days: f64,
    pub rows: Vec<RowEdit>,
}

/// One row of a changed group: its seller node, today's share and its cap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RowEdit {
    pub seller: u32,
    pub share: f64,
    pub cap: f64,
    pub origin: Origin,
}

/// Where a row of a changed group comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// An edge of the network (with a new share or cap, or as it was).
    Edge(u32),
    /// A new supply row of the seller's part.
    New,
}

/// Capacity and finished stock added to a node (`part` given) or a whole site.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CapacityEdit {
    pub site: u32,
    pub part: Option<u32>,
    pub capacity_per_day: f64,
    pub inventory_units: f64,
}

impl Edits {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.capacity.is_empty()
    }

    /// The state of group `g`: edited, or as the network has it.
    pub fn group(&self, net: &Network, g: u32) -> GroupEdit {
        if let Some(e) = self.groups.get(&g) {
            return e.clone();
        }
        GroupEdit {
            inventory_days: net.groups()[g as usize].inventory_days,
            rows: net
                .group_edges(g)
                .iter()
                .map(|&e| {
                    let ed = net.edges()[e as usize];
                    RowEdit {
                        seller: ed.seller,
                        share: ed.share,
                        cap: ed.cap,
                        origin: Origin::Edge(e),
                    }
                })
                .collect(),
        }
    }

    /// Whether every new row's seller sits on a lower level than every consumer of its group:
    /// then the network's levels and node order stay valid as they are.
    pub fn keeps_levels(&self, net: &Network) -> bool {
        self.keeps_levels_of(net, self.groups.keys().copied())
    }

    /// [`Edits::keeps_levels`] for some of the changed groups only (those not checked before).
    pub fn keeps_levels_of(&self, net: &Network, groups: impl IntoIterator<Item = u32>) -> bool {
        groups.into_iter().all(|g| {
            let Some(ge) = self.groups.get(&g) else {
                return true;
            };
            ge.rows.iter().filter(|r| r.origin == Origin::New).all(|r| {
                let l = net.nodes()[r.seller as usize].level;
                net.group_consumers(g)
                    .iter()
                    .all(|&c| net.nodes()[c as usize].level > l)
            })
        })
    }
}

/// The unmapped remainder of a group whose shares sum to `share_sum` (DESIGN 2.1).
pub(crate) fn remainder_of(share_sum: f64) -> f64 {
    if share_sum < 1.0 - EPS {
        1.0 - share_sum
    } else {
        0.0
    }
}

impl Network {
    /// A copy of the network with `e` applied; a new row that closes a loop is an error (the
    /// cycle, as compiling would report it).
    pub(crate) fn patched(&self, e: &Edits) -> Result<Network, NetworkError> {
        let mut net = self.clone();
        if e.is_empty() {
            return Ok(net);
        }
        if !e.groups.is_empty() {
            net.patch_groups(self, e);
        }
        net.patch_capacity(e);
        if !e.keeps_levels(self) {
            net.renumber()?;
        }
        net.site_tier = net.tiers();
        Ok(net)
    }

    /// Edges, groups and supply rows after the group edits; edges stay grouped by group.
    fn patch_groups(&mut self, base: &Network, e: &Edits) {
        let mut edges: Vec<Edge> = Vec::with_capacity(base.edges.len());
        let mut lists = Vec::with_capacity(base.groups.len());
        let mut supply = SupplyPatch::default();
        for g in 0..base.groups.len() as u32 {
            let mut ids = Vec::new();
            match e.groups.get(&g) {
                None => {
                    for &old in base.group_edges(g) {
                        ids.push(edges.len() as u32);
                        edges.push(base.edges[old as usize]);
                    }
                }
                Some(ge) => {
                    let inventory_changed =
                        ge.inventory_days != base.groups[g as usize].inventory_days;
                    let grp = &mut self.groups[g as usize];
                    grp.share_sum = ge.rows.iter().map(|r| r.share).sum();
                    grp.remainder = remainder_of(grp.share_sum);
                    grp.inventory_days = ge.inventory_days;
                    for r in &ge.rows {
                        ids.push(edges.len() as u32);
                        edges.push(supply.row(base, g, r, ge.inventory_days, inventory_changed));
                    }
                    for &old in base.group_edges(g) {
                        if !ge.rows.iter().any(|r| r.origin == Origin::Edge(old)) {
                            supply.removed.push(base.edges[old as usize].supply_row);
                        }
                    }
                }
            }
            lists.push(ids);
        }
        let rows = supply.apply(&mut self.tables.supply);
        for ed in &mut edges {
            ed.supply_row = rows[ed.supply_row as usize];
        }
        self.group_edges = Csr::from_lists(lists);
        self.node_outputs = node_outputs(self.nodes.len(), &edges);
        self.edges = edges;
    }

    /// Capacity and finished stock added to the capacity table (which the LP reads). A node
    /// or site without a capacity row has no limit, and keeps none; stock gets a row.
    fn patch_capacity(&mut self, e: &Edits) {
        for c in &e.capacity {
            let site = self.tables.sites[c.site as usize].site_id.clone();
            let part = c
                .part
                .map(|p| self.tables.parts[p as usize].part_id.clone());
            let row = self
                .tables
                .capacity
                .iter_mut()
                .find(|r| r.site_id == site && r.part_id == part);
            match row {
                Some(r) => {
                    r.capacity_per_day = r.capacity_per_day.map(|x| x + c.capacity_per_day);
                    if c.inventory_units > 0.0 {
                        r.inventory_units =
                            Some(r.inventory_units.unwrap_or(0.0) + c.inventory_units);
                    }
                }
                None if c.inventory_units > 0.0 => self.tables.capacity.push(CapacityRow {
                    site_id: site,
                    part_id: part,
                    capacity_per_day: None,
                    inventory_units: Some(c.inventory_units),
                }),
                None => {}
            }
        }
        self.tables
            .capacity
            .sort_by(|a, b| (&a.site_id, &a.part_id).cmp(&(&b.site_id, &b.part_id)));
    }

    /// Site tiers from the current edges and products rows (DESIGN 2: breadth-first from
    /// the plants).
    fn tiers(&self) -> Vec<Option<u32>> {
        let supply: Vec<SupplyRef> = self
            .edges
            .iter()
            .map(|ed| {
                let g = self.groups[ed.group as usize];
                (
                    g.buyer,
                    g.part,
                    self.nodes[ed.seller as usize].site,
                    ed.supply_row,
                )
            })
            .collect();
        let plants: Vec<(usize, u32, u32)> = self
            .products
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let n = self.nodes[p.node as usize];
                (i, n.site, n.part)
            })
            .collect();
        site_tiers(self.tables.sites.len(), &supply, &plants)
    }

    /// New levels (longest path from a node without inputs) and the node order of a compile:
    /// by level, then site, then part. A loop is an error naming its nodes and rows.
    fn renumber(&mut self) -> Result<(), NetworkError> {
        let level = self.levels()?;
        let n = self.nodes.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by_key(|&v| {
            let nd = self.nodes[v as usize];
            (level[v as usize], nd.site, nd.part)
        });
        let mut new_id = vec![0u32; n];
        for (k, &v) in order.iter().enumerate() {
            new_id[v as usize] = k as u32;
        }
        let map = |v: u32| new_id[v as usize];
        self.nodes = order
            .iter()
            .map(|&v| {
                let mut nd = self.nodes[v as usize];
                nd.level = level[v as usize];
                nd
            })
            .collect();
        self.node_input_qty = order
            .iter()
            .flat_map(|&v| self.node_input_qty(v).to_vec())
            .collect();
        self.node_inputs = Csr::from_lists(order.iter().map(|&v| self.node_inputs(v).to_vec()));
        for ed in &mut self.edges {
            ed.seller = map(ed.seller);
        }
        self.node_outputs = node_outputs(n, &self.edges);
        self.group_consumers = Csr::from_lists((0..self.groups.len()).map(|g| {
            let mut c: Vec<u32> = self
                .group_consumers(g as u32)
                .iter()
                .map(|&v| map(v))
                .collect();
            c.sort_unstable();
            c
        }));
        for p in &mut self.products {
            p.node = map(p.node);
        }
        for u in &mut self.unmapped {
            u.node = map(u.node);
        }
        self.unmapped
            .sort_by(|a, b| (a.node, &a.child).cmp(&(b.node, &b.child)));
        self.index = Lazy::default();
        Ok(())
    }

    /// Kahn's algorithm over the node graph as it stands; on a loop, the loop.
    fn levels(&self) -> Result<Vec<u32>, NetworkError> {
        let n = self.nodes.len();
        let mut indeg = vec![0u32; n];
        for ed in &self.edges {
            for &c in self.group_consumers(ed.group) {
                indeg[c as usize] += 1;
            }
        }
        let mut level = vec![0u32; n];
        let mut queue: Vec<u32> = (0..n as u32).filter(|&v| indeg[v as usize] == 0).collect();
        let mut head = 0;
        while head < queue.len() {
            let v = queue[head];
            head += 1;
            for &e in self.node_outputs(v) {
                for &c in self.group_consumers(self.edges[e as usize].group) {
                    let c = c as usize;
                    level[c] = level[c].max(level[v as usize] + 1);
                    indeg[c] -= 1;
                    if indeg[c] == 0 {
                        queue.push(c as u32);
                    }
                }
            }
        }
        if queue.len() < n {
            return Err(self.cycle(&indeg));
        }
        Ok(level)
    }

    /// The loop among the nodes Kahn's algorithm left: each has a seller left, so walking
    /// sellers revisits a node.
    fn cycle(&self, indeg: &[u32]) -> NetworkError {
        let mut v = indeg.iter().position(|&d| d > 0).expect("a node is left") as u32;
        let mut seen: HashMap<u32, usize> = HashMap::new();
        let mut walk: Vec<(u32, u32)> = Vec::new();
        loop {
            if let Some(&at) = seen.get(&v) {
                let cyc = &walk[at..];
                let mut path: Vec<String> =
                    cyc.iter().rev().map(|&(n, _)| self.node_name(n)).collect();
                path.push(path[0].clone());
                let supply_rows = cyc.iter().rev().map(|&(_, r)| r as usize).collect();
                return NetworkError::Cycle { path, supply_rows };
            }
            seen.insert(v, walk.len());
            let (seller, row) = self
                .node_inputs(v)
                .iter()
                .flat_map(|&g| self.group_edges(g))
                .map(|&e| self.edges[e as usize])
                .find(|ed| indeg[ed.seller as usize] > 0)
                .map(|ed| (ed.seller, ed.supply_row))
                .expect("a node left by Kahn's algorithm has a seller left");
            walk.push((v, row));
            v = seller;
        }
    }
}

/// What the group edits do to the supply table: rows changed in place, rows removed, rows
/// added.
#[derive(Debug, Default)]
struct SupplyPatch {
    /// (row, share, max_share, inventory_days) of kept rows.
    changed: Vec<(u32, f64, Option<f64>, Option<f64>)>,
    removed: Vec<u32>,
    added: Vec<SupplyRow>,
}

/// New rows are numbered after every existing row until [`SupplyPatch::apply`] places them.
const ADDED: u32 = 1 << 31;

impl SupplyPatch {
    /// The edge of row `r` of group `g`, noting what the supply table must change.
    fn row(&mut self, base: &Network, g: u32, r: &RowEdit, inv: f64, inv_changed: bool) -> Edge {
        let inventory = |old: Option<f64>| if inv_changed { Some(inv) } else { old };
        match r.origin {
            Origin::Edge(old) => {
                let ed = base.edges[old as usize];
                let row = &base.tables.supply[ed.supply_row as usize];
                let max_share = match row.max_share {
                    None if r.cap == r.share => None,
                    _ => Some(r.cap),
                };
                self.changed.push((
                    ed.supply_row,
                    r.share,
                    max_share,
                    inventory(row.inventory_days),
                ));
                Edge {
                    share: r.share,
                    cap: r.cap,
                    ..ed
                }
            }
            Origin::New => {
                let grp = base.groups[g as usize];
                let seller = base.nodes[r.seller as usize];
                // The rows of one buyer and part agree on their stock (DESIGN 2.1).
                let stock = base.group_edges(g).first().and_then(|&e| {
                    base.tables.supply[base.edges[e as usize].supply_row as usize].inventory_days
                });
                self.added.push(SupplyRow {
                    buyer_site: base.tables.sites[grp.buyer as usize].site_id.clone(),
                    part_id: base.tables.parts[seller.part as usize].part_id.clone(),
                    seller_site: base.tables.sites[seller.site as usize].site_id.clone(),
                    share: r.share,
                    max_share: Some(r.cap),
                    lead_time_days: None,
                    lead_time_sd_days: None,
                    inventory_days: inventory(stock),
                });
                Edge {
                    group: g,
                    seller: r.seller,
                    supply_row: ADDED | (self.added.len() as u32 - 1),
                    share: r.share,
                    cap: r.cap,
                    lead_time_days: None,
                    lead_time_sd_days: None,
                }
            }
        }
    }

    /// Applies the changes to the (canonically sorted) supply table, keeping it sorted, and
    /// returns where each old row (and each added row, at `ADDED | k`) went.
    fn apply(mut self, supply: &mut Vec<SupplyRow>) -> RowMap {
        for &(row, share, max_share, inv) in &self.changed {
            let s = &mut supply[row as usize];
            s.share = share;
            s.max_share = max_share;
            s.inventory_days = inv;
        }
        let key = |s: &SupplyRow| {
            (
                s.buyer_site.clone(),
                s.part_id.clone(),
                s.seller_site.clone(),
            )
        };
        let mut added: Vec<(usize, SupplyRow)> = self.added.drain(..).enumerate().collect();
        added.sort_by_key(|(_, s)| key(s));
        self.removed.sort_unstable();
        let old = std::mem::take(supply);
        let mut map = RowMap {
            old: vec![u32::MAX; old.len()],
            added: vec![u32::MAX; added.len()],
        };
        let mut next = added.into_iter().peekable();
        for (i, row) in old.into_iter().enumerate() {
            while let Some((k, s)) = next.next_if(|(_, s)| key(s) < key(&row)) {
                map.added[k] = supply.len() as u32;
                supply.push(s);
            }
            if self.removed.binary_search(&(i as u32)).is_err() {
                map.old[i] = supply.len() as u32;
                supply.push(row);
            }
        }
        for (k, s) in next {
            map.added[k] = supply.len() as u32;
            supply.push(s);
        }
        map
    }
}

/// Where the rows of the supply table went.
struct RowMap {
    old: Vec<u32>,
    added: Vec<u32>,
}

impl std::ops::Index<usize> for RowMap {
    type Output = u32;
    fn index(&self, row: usize) -> &u32 {
        if row as u32 & ADDED != 0 {
            &self.added[row & !(ADDED as usize)]
        } else {
            &self.old[row]
        }
    }
}
