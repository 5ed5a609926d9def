//! The compiled network as tables, one view at a time: what `tierwise network --show` prints
//! and what the Python `Network` returns, with the same columns.

use std::fmt;
use std::str::FromStr;

use polars::prelude::*;

use super::Network;

/// A table view of the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NetworkView {
    /// Counts: sites, tiers, nodes, groups, edges, products rows, unmapped depth, levels.
    Summary,
    /// One row per (site, part) node: node, site, part, tier, level, pass_through, inputs.
    Nodes,
    /// One row per supply edge and consuming node (the node graph's edges): edge, buyer,
    /// part, seller, source (the seller's node), target (the consuming node; null when no
    /// node consumes the row), share, cap, remainder, inventory_days.
    Edges,
    /// One row per products row: part_id, site_id, demand_per_day, value_per_unit,
    /// fg_inventory_days.
    Products,
    /// One row per site: site_id, company, country, tier (null: reaches no plant).
    Tiers,
    /// One row per missing BOM input: site, part, missing_child.
    Unmapped,
}

impl NetworkView {
    pub const ALL: [NetworkView; 6] = [
        NetworkView::Summary,
        NetworkView::Nodes,
        NetworkView::Edges,
        NetworkView::Products,
        NetworkView::Tiers,
        NetworkView::Unmapped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NetworkView::Summary => "summary",
            NetworkView::Nodes => "nodes",
            NetworkView::Edges => "edges",
            NetworkView::Products => "products",
            NetworkView::Tiers => "tiers",
            NetworkView::Unmapped => "unmapped",
        }
    }
}

impl fmt::Display for NetworkView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a view.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown network view {0:?}: expected summary, nodes, edges, products, tiers or unmapped")]
pub struct UnknownView(pub String);

impl FromStr for NetworkView {
    type Err = UnknownView;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownView(s.to_string()))
    }
}

fn col<T, V>(name: &str, values: V) -> Column
where
    V: IntoIterator<Item = T>,
    Series: NamedFrom<Vec<T>, [T]>,
{
    Column::new(name.into(), values.into_iter().collect::<Vec<T>>())
}

impl Network {
    /// One view of the network as a table.
    pub fn frame(&self, view: NetworkView) -> DataFrame {
        let cols = match view {
            NetworkView::Summary => self.summary_columns(),
            NetworkView::Nodes => self.node_columns(),
            NetworkView::Edges => self.edge_columns(),
            NetworkView::Products => self.product_columns(),
            NetworkView::Tiers => self.tier_columns(),
            NetworkView::Unmapped => self.unmapped_columns(),
        };
        DataFrame::new_infer_height(cols).expect("columns of one view have equal lengths")
    }

    fn site_id(&self, site: u32) -> String {
        self.sites()[site as usize].site_id.clone()
    }

    fn part_id(&self, part: u32) -> String {
        self.parts()[part as usize].part_id.clone()
    }

    fn summary_columns(&self) -> Vec<Column> {
        let count = |n: usize| n.to_string();
        let levels = self.nodes().iter().map(|n| n.level + 1).max().unwrap_or(0);
        let items: [(&str, String); 14] = [
            ("sites", count(self.sites().len())),
            (
                "sites with a tier",
                count(self.site_tiers().iter().flatten().count()),
            ),
            ("deepest tier", self.max_tier().to_string()),
            ("companies", count(self.companies().len())),
            ("countries", count(self.countries().len())),
            ("parts", count(self.parts().len())),
            ("nodes (site, part)", count(self.nodes().len())),
            (
                "pass-through nodes",
                count(self.nodes().iter().filter(|n| n.pass_through).count()),
            ),
            ("supply groups (buyer, part)", count(self.groups().len())),
            (
                "groups with an unmapped remainder",
                count(self.groups().iter().filter(|g| g.remainder > 0.0).count()),
            ),
            ("supply edges", count(self.edges().len())),
            ("products rows", count(self.products().len())),
            ("unmapped depth", count(self.unmapped().len())),
            ("levels (topological)", levels.to_string()),
        ];
        vec![
            col("item", items.iter().map(|(k, _)| k.to_string())),
            col("value", items.iter().map(|(_, v)| v.clone())),
        ]
    }

    fn node_columns(&self) -> Vec<Column> {
        let n = self.nodes();
        vec![
            col("node", 0..n.len() as u32),
            col("site", n.iter().map(|x| self.site_id(x.site))),
            col("part", n.iter().map(|x| self.part_id(x.part))),
            col("tier", n.iter().map(|x| self.site_tier(x.site))),
            col("level", n.iter().map(|x| x.level)),
            col("pass_through", n.iter().map(|x| x.pass_through)),
            col(
                "inputs",
                (0..n.len() as u32).map(|i| self.node_inputs(i).len() as u32),
            ),
        ]
    }

    /// (edge, consuming node) pairs in edge order; an edge no node consumes appears once with
    /// no target.
    fn edge_targets(&self) -> Vec<(u32, Option<u32>)> {
        let mut out = Vec::with_capacity(self.edges().len());
        for (e, edge) in self.edges().iter().enumerate() {
            let consumers = self.group_consumers(edge.group);
            if consumers.is_empty() {
                out.push((e as u32, None));
            }
            out.extend(consumers.iter().map(|&c| (e as u32, Some(c))));
        }
        out
    }

    fn edge_columns(&self) -> Vec<Column> {
        let pairs = self.edge_targets();
        let edge = |e: u32| self.edges()[e as usize];
        let group = |e: u32| self.groups()[edge(e).group as usize];
        let seller_site = |e: u32| self.nodes()[edge(e).seller as usize].site;
        vec![
            col("edge", pairs.iter().map(|p| p.0)),
            col(
                "buyer",
                pairs.iter().map(|p| self.site_id(group(p.0).buyer)),
            ),
            col("part", pairs.iter().map(|p| self.part_id(group(p.0).part))),
            col(
                "seller",
                pairs.iter().map(|p| self.site_id(seller_site(p.0))),
            ),
            col("source", pairs.iter().map(|p| edge(p.0).seller)),
            col("target", pairs.iter().map(|p| p.1)),
            col("share", pairs.iter().map(|p| edge(p.0).share)),
            col("cap", pairs.iter().map(|p| edge(p.0).cap)),
            col("remainder", pairs.iter().map(|p| group(p.0).remainder)),
            col(
                "inventory_days",
                pairs.iter().map(|p| group(p.0).inventory_days),
            ),
        ]
    }

    fn product_columns(&self) -> Vec<Column> {
        let p = self.products();
        let node = |x: &super::ProductNode| self.nodes()[x.node as usize];
        vec![
            col("part_id", p.iter().map(|x| self.part_id(node(x).part))),
            col("site_id", p.iter().map(|x| self.site_id(node(x).site))),
            col("demand_per_day", p.iter().map(|x| x.demand_per_day)),
            col("value_per_unit", p.iter().map(|x| x.value())),
            col("fg_inventory_days", p.iter().map(|x| x.fg_inventory_days)),
        ]
    }

    fn tier_columns(&self) -> Vec<Column> {
        let s = self.sites();
        vec![
            col("site_id", s.iter().map(|x| x.site_id.clone())),
            col("company", s.iter().map(|x| x.company.clone())),
            col("country", s.iter().map(|x| x.country.clone())),
            col("tier", self.site_tiers().iter().copied()),
        ]
    }

    fn unmapped_columns(&self) -> Vec<Column> {
        let u = self.unmapped();
        vec![
            col("site", u.iter().map(|x| x.site.clone())),
            col("part", u.iter().map(|x| x.part.clone())),
            col("missing_child", u.iter().map(|x| x.child.clone())),
        ]
    }
}
