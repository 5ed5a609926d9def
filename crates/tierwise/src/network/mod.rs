//! The supply network of DESIGN 2: (site, part) nodes, supply edges grouped by (buyer, part),
//! products rows, tiers and a topological order, as flat arrays (CSR) for the hot loops.
//!
//! Nodes are numbered in topological order (every seller before its buyers), by level
//! (longest path from a leaf) and then by (site_id, part_id), so node `i`'s inputs all have
//! smaller indices and one pass from 0 to n visits every node after all its suppliers.

pub(crate) mod binary;
mod compile;
mod edit;
mod frames;
mod patch;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::{Part, Site, Tables};

pub use binary::{BinaryError, FORMAT_VERSION};
pub(crate) use edit::{CapacityEdit, Edits, GroupEdit, Origin, RowEdit, remainder_of};
pub use frames::{NetworkView, UnknownView};

/// Errors of compiling tables into a network.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// The node graph has a cycle; `path` lists its nodes as `site/part` in flow order (first =
    /// last) and `supply_rows` the canonical indices of the supply rows on it.
    #[error("the supply network has a cycle: {}", path.join(" -> "))]
    Cycle {
        path: Vec<String>,
        supply_rows: Vec<usize>,
    },
}

/// Compressed sparse rows: item lists of many owners in one array.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Csr {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl Csr {
    pub(crate) fn from_lists(lists: impl IntoIterator<Item = Vec<u32>>) -> Self {
        let mut offsets = vec![0u32];
        let mut items = Vec::new();
        for l in lists {
            items.extend(l);
            offsets.push(items.len() as u32);
        }
        Csr { offsets, items }
    }

    /// The items of owner `i`.
    #[inline]
    pub fn get(&self, i: usize) -> &[u32] {
        &self.items[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.offsets[i] as usize..self.offsets[i + 1] as usize
    }

    /// Number of owners.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A node: site `site` makes part `part`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    pub site: u32,
    pub part: u32,
    /// The site buys the part it makes: its only input is the group (site, part).
    pub pass_through: bool,
    /// Longest path (in nodes) from a node without mapped inputs; 0 for leaves.
    pub level: u32,
}

/// The supply rows of one (buyer, part).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub buyer: u32,
    pub part: u32,
    /// Sum of today's shares.
    pub share_sum: f64,
    /// Unmapped remainder r = 1 - sum(share) when that is above 1e-9, else 0.
    pub remainder: f64,
    /// The buyer's stock of the part, in days of use (0 when not given).
    pub inventory_days: f64,
}

/// One supply row: `seller` node ships into group `group`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub group: u32,
    pub seller: u32,
    /// Index of the row in the network's canonical supply table.
    pub supply_row: u32,
    pub share: f64,
    /// max_share when given, else share.
    pub cap: f64,
    pub lead_time_days: Option<f64>,
    pub lead_time_sd_days: Option<f64>,
}

/// A products row: the focal plant node that makes a product, and what it is worth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProductNode {
    pub node: u32,
    pub demand_per_day: f64,
    pub revenue_per_unit: f64,
    pub margin_per_unit: Option<f64>,
    pub fg_inventory_days: f64,
}

impl ProductNode {
    /// Value of one lost unit: the margin when given, else the revenue (DESIGN 3.2).
    pub fn value(&self) -> f64 {
        self.margin_per_unit.unwrap_or(self.revenue_per_unit)
    }
}

/// A node whose part has a BOM child the site has no supply row for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmapped {
    pub node: u32,
    pub site: String,
    pub part: String,
    pub child: String,
}

/// The compiled supply network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    tables: Tables,
    companies: Vec<String>,
    countries: Vec<String>,
    site_company: Vec<u32>,
    site_country: Vec<u32>,
    site_tier: Vec<Option<u32>>,
    nodes: Vec<Node>,
    node_inputs: Csr,
    /// BOM qty of each input, aligned with `node_inputs` (1 for a pass-through).
    node_input_qty: Vec<f64>,
    node_outputs: Csr,
    groups: Vec<Group>,
    group_edges: Csr,
    group_consumers: Csr,
    edges: Vec<Edge>,
    products: Vec<ProductNode>,
    unmapped: Vec<Unmapped>,
    unconsumed: Vec<(String, String)>,
    /// Lookups by id, rebuilt on first use after decoding (they are not part of the binary
    /// form, so any decoded network is complete).
    #[serde(skip)]
    index: Lazy<Index>,
}

impl Network {
    /// Compiles tables that passed the quality gates into a network. Rows with references
    /// that do not resolve are skipped (the gates report them); a cycle in the node graph is
    /// an error.
    pub fn compile(tables: &Tables) -> Result<Network, NetworkError> {
        Self::compile_lenient(tables)
    }

    /// The tables the network was compiled from, in canonical order (the `supply_row` of an
    /// edge indexes `tables().supply`).
    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// Sites, sorted by site_id; a site's index is its position here.
    pub fn sites(&self) -> &[Site] {
        &self.tables.sites
    }

    /// Parts, sorted by part_id.
    pub fn parts(&self) -> &[Part] {
        &self.tables.parts
    }

    /// Company names, sorted.
    pub fn companies(&self) -> &[String] {
        &self.companies
    }

    /// Country codes of all sites and of the countries table, sorted.
    pub fn countries(&self) -> &[String] {
        &self.countries
    }

    pub fn site_company(&self, site: u32) -> u32 {
        self.site_company[site as usize]
    }

    pub fn site_country(&self, site: u32) -> u32 {
        self.site_country[site as usize]
    }

    /// Tier of a site: 0 for the focal plants, k + 1 for a site selling to a tier-k site (the
    /// minimum over its buyers); `None` for sites that reach no plant.
    pub fn site_tier(&self, site: u32) -> Option<u32> {
        self.site_tier[site as usize]
    }

    /// All site tiers, indexed like [`Network::sites`].
    pub fn site_tiers(&self) -> &[Option<u32>] {
        &self.site_tier
    }

    /// Nodes in topological order: every seller comes before its buyers.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The groups a node consumes (one per mapped BOM child, or its own part for a
    /// pass-through).
    pub fn node_inputs(&self, node: u32) -> &[u32] {
        self.node_inputs.get(node as usize)
    }

    /// The BOM quantity of each of a node's inputs (aligned with [`Network::node_inputs`]):
    /// units of the input part per unit of the node's part; 1 for a pass-through.
    pub fn node_input_qty(&self, node: u32) -> &[f64] {
        let r = self.node_inputs.range(node as usize);
        &self.node_input_qty[r]
    }

    /// Daily use of every group today (`need`, demand exploded through BOM qty and shares)
    /// and the most each buyer could ask for (`need_max`, the same through caps), DESIGN 3.6.
    pub fn need(&self) -> (Vec<f64>, Vec<f64>) {
        let mut vol = vec![0.0; self.nodes.len()];
        let mut vol_max = vec![0.0; self.nodes.len()];
        for p in &self.products {
            vol[p.node as usize] += p.demand_per_day;
            vol_max[p.node as usize] += p.demand_per_day;
        }
        let mut need = vec![0.0; self.groups.len()];
        let mut need_max = vec![0.0; self.groups.len()];
        // Downstream first: a node's volume is complete before it is passed upstream.
        for v in (0..self.nodes.len()).rev() {
            let (x, xm) = (vol[v], vol_max[v]);
            if x == 0.0 && xm == 0.0 {
                continue;
            }
            let ins = self.node_inputs(v as u32);
            let qty = self.node_input_qty(v as u32);
            for (&g, &q) in ins.iter().zip(qty) {
                need[g as usize] += x * q;
                need_max[g as usize] += xm * q;
                for &e in self.group_edges(g) {
                    let ed = &self.edges[e as usize];
                    vol[ed.seller as usize] += x * q * ed.share;
                    vol_max[ed.seller as usize] += xm * q * ed.cap;
                }
            }
        }
        (need, need_max)
    }

    /// The supply edges a node ships on.
    pub fn node_outputs(&self, node: u32) -> &[u32] {
        self.node_outputs.get(node as usize)
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The edges (supply rows) of a group.
    pub fn group_edges(&self, group: u32) -> &[u32] {
        self.group_edges.get(group as usize)
    }

    /// The nodes that consume a group.
    pub fn group_consumers(&self, group: u32) -> &[u32] {
        self.group_consumers.get(group as usize)
    }

    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The products rows, in the canonical order of the products table.
    pub fn products(&self) -> &[ProductNode] {
        &self.products
    }

    /// Nodes whose part has a BOM child without a supply row at the site.
    pub fn unmapped(&self) -> &[Unmapped] {
        &self.unmapped
    }

    /// (buyer, part) groups that no node consumes: they carry no flow.
    pub fn unconsumed_groups(&self) -> impl Iterator<Item = (&str, &str)> {
        self.unconsumed
            .iter()
            .map(|(b, p)| (b.as_str(), p.as_str()))
    }

    /// The node of (site id, part id), if the site makes the part.
    pub fn node(&self, site_id: &str, part_id: &str) -> Option<u32> {
        let index = self.index();
        let s = *index.site.get(site_id)?;
        let p = *index.part.get(part_id)?;
        index.node.get(&(s, p)).copied()
    }

    pub fn site_index(&self, site_id: &str) -> Option<u32> {
        self.index().site.get(site_id).copied()
    }

    pub fn part_index(&self, part_id: &str) -> Option<u32> {
        self.index().part.get(part_id).copied()
    }

    pub(crate) fn index(&self) -> &Index {
        self.index.0.get_or_init(|| Index::of(self))
    }

    /// A readable name of a node: `site/part`.
    pub fn node_name(&self, node: u32) -> String {
        let nd = self.nodes[node as usize];
        format!(
            "{}/{}",
            self.tables.sites[nd.site as usize].site_id,
            self.tables.parts[nd.part as usize].part_id
        )
    }

    /// The node graph as a petgraph graph: node weights are node ids, an edge (seller ->
    /// consumer) carries its supply edge id. Graph node indices equal node ids.
    pub fn node_graph(&self) -> petgraph::graph::DiGraph<u32, u32> {
        let mut g = petgraph::graph::DiGraph::with_capacity(self.nodes.len(), self.edges.len());
        for i in 0..self.nodes.len() {
            g.add_node(i as u32);
        }
        for (e, edge) in self.edges.iter().enumerate() {
            for &c in self.group_consumers(edge.group) {
                g.add_edge(
                    petgraph::graph::NodeIndex::new(edge.seller as usize),
                    petgraph::graph::NodeIndex::new(c as usize),
                    e as u32,
                );
            }
        }
        g
    }

    /// The deepest tier of any site (0 when only plants).
    pub fn max_tier(&self) -> u32 {
        self.site_tier.iter().flatten().copied().max().unwrap_or(0)
    }
}

/// Positions of sites, parts and nodes by id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    pub(crate) site: HashMap<String, u32>,
    pub(crate) part: HashMap<String, u32>,
    pub(crate) node: HashMap<(u32, u32), u32>,
    /// (buyer, part) -> its group.
    pub(crate) group: HashMap<(u32, u32), u32>,
}

impl Index {
    fn of(net: &Network) -> Index {
        let ids = |it: &mut dyn Iterator<Item = String>| it.zip(0u32..).collect();
        Index {
            site: ids(&mut net.tables.sites.iter().map(|s| s.site_id.clone())),
            part: ids(&mut net.tables.parts.iter().map(|p| p.part_id.clone())),
            node: net
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| ((n.site, n.part), i as u32))
                .collect(),
            group: group_index(&net.groups),
        }
    }
}

/// (buyer, part) -> group.
pub(crate) fn group_index(groups: &[Group]) -> HashMap<(u32, u32), u32> {
    groups
        .iter()
        .enumerate()
        .map(|(g, grp)| ((grp.buyer, grp.part), g as u32))
        .collect()
}

/// A value computed once on first use; equal to any other (it is derived data).
#[derive(Debug, Default)]
pub(crate) struct Lazy<T>(std::sync::OnceLock<T>);

impl<T> Lazy<T> {
    pub(crate) fn ready(value: T) -> Self {
        Lazy(std::sync::OnceLock::from(value))
    }
}

impl<T: Clone> Clone for Lazy<T> {
    fn clone(&self) -> Self {
        Lazy(self.0.clone())
    }
}

impl<T> PartialEq for Lazy<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
