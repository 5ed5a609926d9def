//! The supply network of DESIGN 2: (site, part) nodes, supply edges grouped by (buyer, part),
//! products rows, tiers and a topological order, as flat arrays (CSR) for the hot loops.
//!
//! Nodes are numbered in topological order (every seller before its buyers), by level
//! (longest path from a leaf) and then by (site_id, part_id), so node `i`'s inputs all have
//! smaller indices and one pass from 0 to n visits every node after all its suppliers.

mod frames;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::{EPS, Part, Site, Tables};

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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node {
    pub site: u32,
    pub part: u32,
    /// The site buys the part it makes: its only input is the group (site, part).
    pub pass_through: bool,
    /// Longest path (in nodes) from a node without mapped inputs; 0 for leaves.
    pub level: u32,
}

/// The supply rows of one (buyer, part).
#[derive(Debug, Clone, Copy, PartialEq)]
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
#[derive(Debug, Clone, Copy, PartialEq)]
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
#[derive(Debug, Clone, Copy, PartialEq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmapped {
    pub node: u32,
    pub site: String,
    pub part: String,
    pub child: String,
}

/// The compiled supply network.
#[derive(Debug, Clone, PartialEq)]
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
    node_index: HashMap<(u32, u32), u32>,
    site_index: HashMap<String, u32>,
    part_index: HashMap<String, u32>,
}

impl Network {
    /// Compiles tables that passed the quality gates into a network. Rows with references
    /// that do not resolve are skipped (the gates report them); a cycle in the node graph is
    /// an error.
    pub fn compile(tables: &Tables) -> Result<Network, NetworkError> {
        Self::compile_lenient(tables)
    }

    pub(crate) fn compile_lenient(tables: &Tables) -> Result<Network, NetworkError> {
        let mut t = tables.clone();
        t.sort_canonical();
        dedup_keys(&mut t);

        let site_index: HashMap<String, u32> = t
            .sites
            .iter()
            .enumerate()
            .map(|(i, s)| (s.site_id.clone(), i as u32))
            .collect();
        let part_index: HashMap<String, u32> = t
            .parts
            .iter()
            .enumerate()
            .map(|(i, p)| (p.part_id.clone(), i as u32))
            .collect();
        let companies: Vec<String> = t
            .sites
            .iter()
            .map(|s| s.company.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let countries: Vec<String> = t
            .sites
            .iter()
            .map(|s| s.country.clone())
            .chain(t.countries.iter().map(|c| c.country.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let company_ix: HashMap<&str, u32> = companies
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i as u32))
            .collect();
        let country_ix: HashMap<&str, u32> = countries
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i as u32))
            .collect();
        let site_company = t
            .sites
            .iter()
            .map(|s| company_ix[s.company.as_str()])
            .collect();
        let site_country = t
            .sites
            .iter()
            .map(|s| country_ix[s.country.as_str()])
            .collect();

        let n_parts = t.parts.len();
        let mut children: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n_parts];
        for b in &t.bom {
            if let (Some(&p), Some(&c)) = (
                part_index.get(&b.parent_part),
                part_index.get(&b.child_part),
            ) && p != c
            {
                children[p as usize].push((c, b.qty));
            }
        }
        for c in &mut children {
            c.sort_unstable_by_key(|x| x.0);
        }

        // Resolved supply rows: (buyer, part, seller, canonical row).
        let supply: Vec<(u32, u32, u32, u32)> = t
            .supply
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                Some((
                    *site_index.get(&s.buyer_site)?,
                    *part_index.get(&s.part_id)?,
                    *site_index.get(&s.seller_site)?,
                    i as u32,
                ))
            })
            .filter(|&(b, _, s, _)| b != s)
            .collect();

        // A site makes P when it sells P or is the plant of P.
        let mut makes: BTreeSet<(u32, u32)> = supply.iter().map(|&(_, p, s, _)| (s, p)).collect();
        let mut plant_rows = Vec::new();
        for (i, p) in t.products.iter().enumerate() {
            if let (Some(&s), Some(&q)) = (site_index.get(&p.site_id), part_index.get(&p.part_id)) {
                makes.insert((s, q));
                plant_rows.push((i, s, q));
            }
        }
        let mut group_rows: BTreeMap<(u32, u32), Vec<(u32, u32)>> = BTreeMap::new();
        for &(b, p, s, row) in &supply {
            group_rows.entry((b, p)).or_default().push((s, row));
        }
        let group_keys: Vec<(u32, u32)> = group_rows.keys().copied().collect();
        let group_of: HashMap<(u32, u32), u32> = group_keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect();

        // Provisional node numbering: sorted (site, part).
        let pnodes: Vec<(u32, u32)> = makes.into_iter().collect();
        let pindex: HashMap<(u32, u32), u32> = pnodes
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect();
        let mut inputs: Vec<Vec<u32>> = Vec::with_capacity(pnodes.len());
        let mut input_qty: Vec<Vec<f64>> = Vec::with_capacity(pnodes.len());
        let mut pass: Vec<bool> = Vec::with_capacity(pnodes.len());
        let mut unmapped_raw: Vec<(u32, u32, u32)> = Vec::new();
        for (i, &(s, p)) in pnodes.iter().enumerate() {
            if let Some(&g) = group_of.get(&(s, p)) {
                inputs.push(vec![g]);
                input_qty.push(vec![1.0]);
                pass.push(true);
            } else {
                let mut ins = Vec::new();
                let mut qty = Vec::new();
                for &(c, q) in &children[p as usize] {
                    match group_of.get(&(s, c)) {
                        Some(&g) => {
                            ins.push(g);
                            qty.push(q);
                        }
                        None => unmapped_raw.push((i as u32, p, c)),
                    }
                }
                inputs.push(ins);
                input_qty.push(qty);
                pass.push(false);
            }
        }
        let mut consumers: Vec<Vec<u32>> = vec![Vec::new(); group_keys.len()];
        for (i, ins) in inputs.iter().enumerate() {
            for &g in ins {
                consumers[g as usize].push(i as u32);
            }
        }
        // Sellers of each group, as provisional node ids.
        let group_sellers: Vec<Vec<(u32, u32)>> = group_keys
            .iter()
            .map(|key| {
                group_rows[key]
                    .iter()
                    .map(|&(s, row)| (pindex[&(s, key.1)], row))
                    .collect()
            })
            .collect();

        // Kahn's algorithm with levels over provisional ids.
        let n = pnodes.len();
        let mut indeg = vec![0u32; n];
        let mut succ: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (g, sellers) in group_sellers.iter().enumerate() {
            for &(seller, _) in sellers {
                for &c in &consumers[g] {
                    succ[seller as usize].push(c);
                    indeg[c as usize] += 1;
                }
            }
        }
        let mut level = vec![0u32; n];
        let mut queue: Vec<u32> = (0..n as u32).filter(|&i| indeg[i as usize] == 0).collect();
        let mut done = 0usize;
        let mut head = 0usize;
        while head < queue.len() {
            let v = queue[head] as usize;
            head += 1;
            done += 1;
            for &w in &succ[v] {
                let w = w as usize;
                level[w] = level[w].max(level[v] + 1);
                indeg[w] -= 1;
                if indeg[w] == 0 {
                    queue.push(w as u32);
                }
            }
        }
        if done < n {
            return Err(find_cycle(&t, &pnodes, &indeg, &inputs, &group_sellers));
        }

        // Final numbering: by (level, site id, part id); pnodes is already sorted by
        // (site index, part index), which follow the ids' order.
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by_key(|&i| (level[i as usize], i));
        let mut new_id = vec![0u32; n];
        for (k, &i) in order.iter().enumerate() {
            new_id[i as usize] = k as u32;
        }
        let nodes: Vec<Node> = order
            .iter()
            .map(|&i| {
                let (s, p) = pnodes[i as usize];
                Node {
                    site: s,
                    part: p,
                    pass_through: pass[i as usize],
                    level: level[i as usize],
                }
            })
            .collect();
        let node_inputs = Csr::from_lists(order.iter().map(|&i| inputs[i as usize].clone()));
        let node_input_qty: Vec<f64> = order
            .iter()
            .flat_map(|&i| input_qty[i as usize].iter().copied())
            .collect();

        let mut edges = Vec::with_capacity(supply.len());
        let mut group_edges = Vec::with_capacity(group_keys.len());
        let mut groups = Vec::with_capacity(group_keys.len());
        for (g, &(b, p)) in group_keys.iter().enumerate() {
            let mut ids = Vec::new();
            let mut share_sum = 0.0;
            let mut inventory_days = 0.0;
            for &(seller, row) in &group_sellers[g] {
                let r = &t.supply[row as usize];
                share_sum += r.share;
                inventory_days = r.inventory_days.unwrap_or(0.0);
                ids.push(edges.len() as u32);
                edges.push(Edge {
                    group: g as u32,
                    seller: new_id[seller as usize],
                    supply_row: row,
                    share: r.share,
                    cap: r.max_share.unwrap_or(r.share),
                    lead_time_days: r.lead_time_days,
                    lead_time_sd_days: r.lead_time_sd_days,
                });
            }
            let remainder = if share_sum < 1.0 - EPS {
                1.0 - share_sum
            } else {
                0.0
            };
            groups.push(Group {
                buyer: b,
                part: p,
                share_sum,
                remainder,
                inventory_days,
            });
            group_edges.push(ids);
        }
        let mut outputs: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (e, edge) in edges.iter().enumerate() {
            outputs[edge.seller as usize].push(e as u32);
        }
        let group_consumers = Csr::from_lists(consumers.into_iter().map(|mut c| {
            for x in &mut c {
                *x = new_id[*x as usize];
            }
            c.sort_unstable();
            c
        }));
        let unconsumed: Vec<(String, String)> = group_keys
            .iter()
            .enumerate()
            .filter(|&(g, _)| group_consumers.get(g).is_empty())
            .map(|(_, &(b, p))| {
                (
                    t.sites[b as usize].site_id.clone(),
                    t.parts[p as usize].part_id.clone(),
                )
            })
            .collect();
        let mut unmapped: Vec<Unmapped> = unmapped_raw
            .into_iter()
            .map(|(i, p, c)| {
                let (s, _) = pnodes[i as usize];
                Unmapped {
                    node: new_id[i as usize],
                    site: t.sites[s as usize].site_id.clone(),
                    part: t.parts[p as usize].part_id.clone(),
                    child: t.parts[c as usize].part_id.clone(),
                }
            })
            .collect();
        unmapped.sort_by(|a, b| (a.node, &a.child).cmp(&(b.node, &b.child)));

        let node_index: HashMap<(u32, u32), u32> = nodes
            .iter()
            .enumerate()
            .map(|(i, nd)| ((nd.site, nd.part), i as u32))
            .collect();
        let products = plant_rows
            .iter()
            .map(|&(i, s, q)| {
                let p = &t.products[i];
                ProductNode {
                    node: node_index[&(s, q)],
                    demand_per_day: p.demand_per_day,
                    revenue_per_unit: p.revenue_per_unit,
                    margin_per_unit: p.margin_per_unit,
                    fg_inventory_days: p.fg_inventory_days.unwrap_or(0.0),
                }
            })
            .collect();

        // Tiers: breadth-first from the plants over every supply row, buyer to seller.
        let mut sellers_of: Vec<Vec<u32>> = vec![Vec::new(); t.sites.len()];
        for &(b, _, s, _) in &supply {
            sellers_of[b as usize].push(s);
        }
        let mut site_tier: Vec<Option<u32>> = vec![None; t.sites.len()];
        let mut frontier: Vec<u32> = plant_rows.iter().map(|&(_, s, _)| s).collect();
        frontier.sort_unstable();
        frontier.dedup();
        for &s in &frontier {
            site_tier[s as usize] = Some(0);
        }
        let mut tier = 0;
        while !frontier.is_empty() {
            tier += 1;
            let mut next = Vec::new();
            for &b in &frontier {
                for &s in &sellers_of[b as usize] {
                    if site_tier[s as usize].is_none() {
                        site_tier[s as usize] = Some(tier);
                        next.push(s);
                    }
                }
            }
            frontier = next;
        }

        Ok(Network {
            tables: t,
            companies,
            countries,
            site_company,
            site_country,
            site_tier,
            nodes,
            node_inputs,
            node_input_qty,
            node_outputs: Csr::from_lists(outputs),
            groups,
            group_edges: Csr::from_lists(group_edges),
            group_consumers,
            edges,
            products,
            unmapped,
            unconsumed,
            node_index,
            site_index,
            part_index,
        })
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
        let s = *self.site_index.get(site_id)?;
        let p = *self.part_index.get(part_id)?;
        self.node_index.get(&(s, p)).copied()
    }

    pub fn site_index(&self, site_id: &str) -> Option<u32> {
        self.site_index.get(site_id).copied()
    }

    pub fn part_index(&self, part_id: &str) -> Option<u32> {
        self.part_index.get(part_id).copied()
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

/// Keeps the first row of every duplicated key, so that a lenient compile of data that failed
/// the unique-key gate stays well defined.
fn dedup_keys(t: &mut Tables) {
    t.sites.dedup_by(|a, b| a.site_id == b.site_id);
    t.parts.dedup_by(|a, b| a.part_id == b.part_id);
    t.products
        .dedup_by(|a, b| a.part_id == b.part_id && a.site_id == b.site_id);
    t.bom
        .dedup_by(|a, b| a.parent_part == b.parent_part && a.child_part == b.child_part);
    t.supply.dedup_by(|a, b| {
        a.buyer_site == b.buyer_site && a.part_id == b.part_id && a.seller_site == b.seller_site
    });
    t.countries.dedup_by(|a, b| a.country == b.country);
}

/// Every node left after Kahn's algorithm has a predecessor that is also left; walking
/// predecessors must therefore revisit a node, and the walk from that node is a cycle.
fn find_cycle(
    t: &Tables,
    pnodes: &[(u32, u32)],
    indeg: &[u32],
    inputs: &[Vec<u32>],
    group_sellers: &[Vec<(u32, u32)>],
) -> NetworkError {
    let start = indeg.iter().position(|&d| d > 0).expect("a node is left");
    let mut seen: HashMap<usize, usize> = HashMap::new();
    let mut walk: Vec<(usize, u32)> = Vec::new();
    let mut v = start;
    loop {
        if let Some(&pos) = seen.get(&v) {
            let cyc = &walk[pos..];
            // The walk goes against the flow: reverse it.
            let mut path: Vec<String> = cyc
                .iter()
                .rev()
                .map(|&(n, _)| {
                    let (s, p) = pnodes[n];
                    format!(
                        "{}/{}",
                        t.sites[s as usize].site_id, t.parts[p as usize].part_id
                    )
                })
                .collect();
            path.push(path[0].clone());
            let supply_rows = cyc.iter().rev().map(|&(_, row)| row as usize).collect();
            return NetworkError::Cycle { path, supply_rows };
        }
        seen.insert(v, walk.len());
        let (pred, row) = inputs[v]
            .iter()
            .flat_map(|&g| group_sellers[g as usize].iter())
            .find(|&&(s, _)| indeg[s as usize] > 0)
            .copied()
            .expect("a node left by Kahn's algorithm has a predecessor left");
        walk.push((v, row));
        v = pred as usize;
    }
}
