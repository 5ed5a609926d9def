//! Compiling tables into a [`Network`], one function per phase: canonical tables, index maps,
//! a draft node graph over provisional ids, levels by Kahn's algorithm, the final numbering,
//! then groups and edges, CSR lists, unmapped children, products and tiers.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hash;

use super::{Csr, Edge, Group, Index, Lazy, Network, NetworkError, Node, ProductNode, Unmapped};
use crate::model::Tables;

/// A resolved supply row: (buyer site, part, seller site, canonical row).
pub(super) type SupplyRef = (u32, u32, u32, u32);

/// A resolved products row: (canonical row, site, part).
pub(super) type PlantRow = (usize, u32, u32);

impl Network {
    pub(crate) fn compile_lenient(tables: &Tables) -> Result<Network, NetworkError> {
        let t = canonical(tables);
        let names = Names::of(&t);
        let supply = resolve_supply(&t, &names);
        let plant_rows = plant_rows(&t, &names);
        let mut draft = Draft::of(&t, &names, &supply, &plant_rows);
        let level = draft
            .levels()
            .map_err(|indeg| find_cycle(&t, &draft, &indeg))?;
        let num = Numbering::by_level(&level);
        let nodes = num.nodes(&draft, &level);
        let (node_inputs, node_input_qty) = num.inputs(&draft);
        let (groups, group_edges, edges) = groups_and_edges(&t, &draft, &num, supply.len());
        let node_outputs = node_outputs(nodes.len(), &edges);
        let group_consumers = group_consumers(std::mem::take(&mut draft.consumers), &num.new_id);
        let unconsumed = unconsumed(&t, &draft.group_keys, &group_consumers);
        let unmapped = unmapped(&t, &draft, &num.new_id);
        let node_index = positions(nodes.iter().map(|nd| (nd.site, nd.part)));
        let products = product_nodes(&t, &plant_rows, &node_index);
        let site_tier = site_tiers(t.sites.len(), &supply, &plant_rows);
        let group_index = super::group_index(&groups);
        Ok(Network {
            tables: t,
            companies: names.companies,
            countries: names.countries,
            site_company: names.site_company,
            site_country: names.site_country,
            site_tier,
            nodes,
            node_inputs,
            node_input_qty,
            node_outputs,
            groups,
            group_edges,
            group_consumers,
            edges,
            products,
            unmapped,
            unconsumed,
            index: Lazy::ready(Index {
                site: names.site_index,
                part: names.part_index,
                node: node_index,
                group: group_index,
            }),
        })
    }
}

/// The tables sorted canonically, with the first row of every duplicated key.
fn canonical(tables: &Tables) -> Tables {
    let mut t = tables.clone();
    t.sort_canonical();
    dedup_keys(&mut t);
    t
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

/// The position of every key.
fn positions<K: Eq + Hash>(keys: impl IntoIterator<Item = K>) -> HashMap<K, u32> {
    keys.into_iter()
        .enumerate()
        .map(|(i, k)| (k, i as u32))
        .collect()
}

fn sorted_distinct<'a>(names: impl Iterator<Item = &'a String>) -> Vec<String> {
    names
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Index maps of sites and parts, and the sorted companies and countries with each site's.
struct Names {
    site_index: HashMap<String, u32>,
    part_index: HashMap<String, u32>,
    companies: Vec<String>,
    countries: Vec<String>,
    site_company: Vec<u32>,
    site_country: Vec<u32>,
}

impl Names {
    fn of(t: &Tables) -> Names {
        let companies = sorted_distinct(t.sites.iter().map(|s| &s.company));
        let countries = sorted_distinct(
            t.sites
                .iter()
                .map(|s| &s.country)
                .chain(t.countries.iter().map(|c| &c.country)),
        );
        let company_ix = positions(companies.iter().map(String::as_str));
        let country_ix = positions(countries.iter().map(String::as_str));
        Names {
            site_index: positions(t.sites.iter().map(|s| s.site_id.clone())),
            part_index: positions(t.parts.iter().map(|p| p.part_id.clone())),
            site_company: t
                .sites
                .iter()
                .map(|s| company_ix[s.company.as_str()])
                .collect(),
            site_country: t
                .sites
                .iter()
                .map(|s| country_ix[s.country.as_str()])
                .collect(),
            companies,
            countries,
        }
    }
}

/// The supply rows whose references resolve, without a site buying from itself.
fn resolve_supply(t: &Tables, names: &Names) -> Vec<SupplyRef> {
    t.supply
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            Some((
                *names.site_index.get(&s.buyer_site)?,
                *names.part_index.get(&s.part_id)?,
                *names.site_index.get(&s.seller_site)?,
                i as u32,
            ))
        })
        .filter(|&(b, _, s, _)| b != s)
        .collect()
}

/// The products rows whose references resolve.
fn plant_rows(t: &Tables, names: &Names) -> Vec<PlantRow> {
    t.products
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let s = *names.site_index.get(&p.site_id)?;
            let q = *names.part_index.get(&p.part_id)?;
            Some((i, s, q))
        })
        .collect()
}

/// Part -> its BOM children with their quantities, sorted by child.
fn bom_children(t: &Tables, part_index: &HashMap<String, u32>) -> Vec<Vec<(u32, f64)>> {
    let mut children: Vec<Vec<(u32, f64)>> = vec![Vec::new(); t.parts.len()];
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
    children
}

/// The node graph over provisional ids: nodes are the sorted (site, part) that a site makes
/// (it sells the part or is the plant of it); a node's inputs are groups.
struct Draft {
    nodes: Vec<(u32, u32)>,
    inputs: Vec<Vec<u32>>,
    input_qty: Vec<Vec<f64>>,
    pass: Vec<bool>,
    /// (node, part, BOM child) where the site has no supply row of the child.
    unmapped: Vec<(u32, u32, u32)>,
    /// The groups' (buyer, part), sorted; a group's id is its position.
    group_keys: Vec<(u32, u32)>,
    /// Group -> the nodes consuming it.
    consumers: Vec<Vec<u32>>,
    /// Group -> (seller node, canonical supply row).
    sellers: Vec<Vec<(u32, u32)>>,
}

impl Draft {
    fn of(t: &Tables, names: &Names, supply: &[SupplyRef], plant_rows: &[PlantRow]) -> Draft {
        let mut group_rows: BTreeMap<(u32, u32), Vec<(u32, u32)>> = BTreeMap::new();
        for &(b, p, s, row) in supply {
            group_rows.entry((b, p)).or_default().push((s, row));
        }
        let group_keys: Vec<(u32, u32)> = group_rows.keys().copied().collect();
        let makes: BTreeSet<(u32, u32)> = supply
            .iter()
            .map(|&(_, p, s, _)| (s, p))
            .chain(plant_rows.iter().map(|&(_, s, q)| (s, q)))
            .collect();
        let nodes: Vec<(u32, u32)> = makes.into_iter().collect();
        let n = nodes.len();
        let node_of = positions(nodes.iter().copied());
        let sellers = group_keys
            .iter()
            .map(|key| {
                group_rows[key]
                    .iter()
                    .map(|&(s, row)| (node_of[&(s, key.1)], row))
                    .collect()
            })
            .collect();
        let mut draft = Draft {
            nodes,
            inputs: Vec::with_capacity(n),
            input_qty: Vec::with_capacity(n),
            pass: Vec::with_capacity(n),
            unmapped: Vec::new(),
            consumers: vec![Vec::new(); group_keys.len()],
            group_keys,
            sellers,
        };
        draft.wire_inputs(&bom_children(t, &names.part_index));
        draft
    }

    /// The inputs of every node: a pass-through consumes the group of its own part, any other
    /// node the groups of its part's BOM children at its site.
    fn wire_inputs(&mut self, children: &[Vec<(u32, f64)>]) {
        let group_of = positions(self.group_keys.iter().copied());
        for (i, &(s, p)) in self.nodes.iter().enumerate() {
            if let Some(&g) = group_of.get(&(s, p)) {
                self.inputs.push(vec![g]);
                self.input_qty.push(vec![1.0]);
                self.pass.push(true);
                continue;
            }
            let mut ins = Vec::new();
            let mut qty = Vec::new();
            for &(c, q) in &children[p as usize] {
                match group_of.get(&(s, c)) {
                    Some(&g) => {
                        ins.push(g);
                        qty.push(q);
                    }
                    None => self.unmapped.push((i as u32, p, c)),
                }
            }
            self.inputs.push(ins);
            self.input_qty.push(qty);
            self.pass.push(false);
        }
        for (i, ins) in self.inputs.iter().enumerate() {
            for &g in ins {
                self.consumers[g as usize].push(i as u32);
            }
        }
    }

    /// Kahn's algorithm with levels (longest path from a node without inputs); on a cycle, the
    /// in-degrees left.
    fn levels(&self) -> Result<Vec<u32>, Vec<u32>> {
        let n = self.nodes.len();
        let mut indeg = vec![0u32; n];
        let mut succ: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (g, sellers) in self.sellers.iter().enumerate() {
            for &(seller, _) in sellers {
                for &c in &self.consumers[g] {
                    succ[seller as usize].push(c);
                    indeg[c as usize] += 1;
                }
            }
        }
        let mut level = vec![0u32; n];
        let mut queue: Vec<u32> = (0..n as u32).filter(|&i| indeg[i as usize] == 0).collect();
        let mut head = 0usize;
        while head < queue.len() {
            let v = queue[head] as usize;
            head += 1;
            for &w in &succ[v] {
                let w = w as usize;
                level[w] = level[w].max(level[v] + 1);
                indeg[w] -= 1;
                if indeg[w] == 0 {
                    queue.push(w as u32);
                }
            }
        }
        if queue.len() < n {
            return Err(indeg);
        }
        Ok(level)
    }

    /// `site/part` of a provisional node.
    fn name(&self, t: &Tables, i: usize) -> String {
        let (s, p) = self.nodes[i];
        format!(
            "{}/{}",
            t.sites[s as usize].site_id, t.parts[p as usize].part_id
        )
    }
}

/// Every node left after Kahn's algorithm has a predecessor that is also left; walking
/// predecessors must therefore revisit a node, and the walk from that node is a cycle.
fn find_cycle(t: &Tables, draft: &Draft, indeg: &[u32]) -> NetworkError {
    let start = indeg.iter().position(|&d| d > 0).expect("a node is left");
    let mut seen: HashMap<usize, usize> = HashMap::new();
    let mut walk: Vec<(usize, u32)> = Vec::new();
    let mut v = start;
    loop {
        if let Some(&pos) = seen.get(&v) {
            let cyc = &walk[pos..];
            // The walk goes against the flow: reverse it.
            let mut path: Vec<String> = cyc.iter().rev().map(|&(n, _)| draft.name(t, n)).collect();
            path.push(path[0].clone());
            let supply_rows = cyc.iter().rev().map(|&(_, row)| row as usize).collect();
            return NetworkError::Cycle { path, supply_rows };
        }
        seen.insert(v, walk.len());
        let (pred, row) = draft.inputs[v]
            .iter()
            .flat_map(|&g| draft.sellers[g as usize].iter())
            .find(|&&(s, _)| indeg[s as usize] > 0)
            .copied()
            .expect("a node left by Kahn's algorithm has a predecessor left");
        walk.push((v, row));
        v = pred as usize;
    }
}

/// The final node ids: by (level, provisional id); provisional ids follow (site id, part id).
struct Numbering {
    /// Final id -> provisional id.
    order: Vec<u32>,
    /// Provisional id -> final id.
    new_id: Vec<u32>,
}

impl Numbering {
    fn by_level(level: &[u32]) -> Numbering {
        let mut order: Vec<u32> = (0..level.len() as u32).collect();
        order.sort_by_key(|&i| (level[i as usize], i));
        let mut new_id = vec![0u32; level.len()];
        for (k, &i) in order.iter().enumerate() {
            new_id[i as usize] = k as u32;
        }
        Numbering { order, new_id }
    }

    fn nodes(&self, draft: &Draft, level: &[u32]) -> Vec<Node> {
        self.order
            .iter()
            .map(|&i| {
                let (s, p) = draft.nodes[i as usize];
                Node {
                    site: s,
                    part: p,
                    pass_through: draft.pass[i as usize],
                    level: level[i as usize],
                }
            })
            .collect()
    }

    /// The nodes' inputs in final order, and the BOM quantity of each.
    fn inputs(&self, draft: &Draft) -> (Csr, Vec<f64>) {
        let order = || self.order.iter().map(|&i| i as usize);
        let inputs = Csr::from_lists(order().map(|i| draft.inputs[i].clone()));
        let qty = order()
            .flat_map(|i| draft.input_qty[i].iter().copied())
            .collect();
        (inputs, qty)
    }
}

/// The groups with their share sums and remainders, each group's edges, and the edges (one per
/// supply row, group by group).
fn groups_and_edges(
    t: &Tables,
    draft: &Draft,
    num: &Numbering,
    n_rows: usize,
) -> (Vec<Group>, Csr, Vec<Edge>) {
    let mut edges = Vec::with_capacity(n_rows);
    let mut group_edges = Vec::with_capacity(draft.group_keys.len());
    let mut groups = Vec::with_capacity(draft.group_keys.len());
    for (g, &(b, p)) in draft.group_keys.iter().enumerate() {
        let mut ids = Vec::new();
        let mut share_sum = 0.0;
        let mut inventory_days = 0.0;
        for &(seller, row) in &draft.sellers[g] {
            let r = &t.supply[row as usize];
            share_sum += r.share;
            inventory_days = r.inventory_days.unwrap_or(0.0);
            ids.push(edges.len() as u32);
            edges.push(Edge {
                group: g as u32,
                seller: num.new_id[seller as usize],
                supply_row: row,
                share: r.share,
                cap: r.max_share.unwrap_or(r.share),
                lead_time_days: r.lead_time_days,
                lead_time_sd_days: r.lead_time_sd_days,
            });
        }
        let remainder = super::remainder_of(share_sum);
        groups.push(Group {
            buyer: b,
            part: p,
            share_sum,
            remainder,
            inventory_days,
        });
        group_edges.push(ids);
    }
    (groups, Csr::from_lists(group_edges), edges)
}

/// Node -> the edges it ships on.
pub(super) fn node_outputs(n_nodes: usize, edges: &[Edge]) -> Csr {
    let mut outputs: Vec<Vec<u32>> = vec![Vec::new(); n_nodes];
    for (e, edge) in edges.iter().enumerate() {
        outputs[edge.seller as usize].push(e as u32);
    }
    Csr::from_lists(outputs)
}

/// Group -> its consumers in final ids, sorted.
fn group_consumers(consumers: Vec<Vec<u32>>, new_id: &[u32]) -> Csr {
    Csr::from_lists(consumers.into_iter().map(|mut c| {
        for x in &mut c {
            *x = new_id[*x as usize];
        }
        c.sort_unstable();
        c
    }))
}

/// (buyer id, part id) of the groups that no node consumes.
fn unconsumed(
    t: &Tables,
    group_keys: &[(u32, u32)],
    group_consumers: &Csr,
) -> Vec<(String, String)> {
    group_keys
        .iter()
        .enumerate()
        .filter(|&(g, _)| group_consumers.get(g).is_empty())
        .map(|(_, &(b, p))| {
            (
                t.sites[b as usize].site_id.clone(),
                t.parts[p as usize].part_id.clone(),
            )
        })
        .collect()
}

/// The unmapped BOM children, by final node and child.
fn unmapped(t: &Tables, draft: &Draft, new_id: &[u32]) -> Vec<Unmapped> {
    let mut unmapped: Vec<Unmapped> = draft
        .unmapped
        .iter()
        .map(|&(i, p, c)| {
            let (s, _) = draft.nodes[i as usize];
            Unmapped {
                node: new_id[i as usize],
                site: t.sites[s as usize].site_id.clone(),
                part: t.parts[p as usize].part_id.clone(),
                child: t.parts[c as usize].part_id.clone(),
            }
        })
        .collect();
    unmapped.sort_by(|a, b| (a.node, &a.child).cmp(&(b.node, &b.child)));
    unmapped
}

fn product_nodes(
    t: &Tables,
    plant_rows: &[PlantRow],
    node_index: &HashMap<(u32, u32), u32>,
) -> Vec<ProductNode> {
    plant_rows
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
        .collect()
}

/// Tiers: breadth-first from the plants over every supply row, buyer to seller.
pub(super) fn site_tiers(
    n_sites: usize,
    supply: &[SupplyRef],
    plant_rows: &[PlantRow],
) -> Vec<Option<u32>> {
    let mut sellers_of: Vec<Vec<u32>> = vec![Vec::new(); n_sites];
    for &(b, _, s, _) in supply {
        sellers_of[b as usize].push(s);
    }
    let mut site_tier: Vec<Option<u32>> = vec![None; n_sites];
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
    site_tier
}
