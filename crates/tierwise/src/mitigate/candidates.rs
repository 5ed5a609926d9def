//! What is proposed for an exposed unit, and what it costs (DESIGN 3.5).
//!
//! The unit's *exit groups* are the (buyer, part) groups its nodes sell into, at buyers
//! outside the unit, whose consumers lead to a products row the unit's loss makes lose. In
//! each exit group left short by the loss (supply r + sum cap x availability below 1, the
//! *deficit* being what is missing):
//! - `raise_max_share`: each co-seller still delivering raises its cap by deficit /
//!   its availability (at most to 1);
//! - `second_source`: a site that already makes the part (selling it to other buyers), is
//!   untouched by the unit's loss and sits on a lower level than the group's consumers (so no
//!   loop can form) becomes a standby seller (share 0, max_share = the deficit); the
//!   `second_sources` least likely to fail;
//! - `qualify_alternate`: for each alternate of the part in the `alternates` table, its
//!   makers meeting the same conditions become standby sellers (max_share = the deficit).
//!
//! Over all exit groups together:
//! - `buffer_days`: TTR - min TTS over the losing rows, added to every exit group: every path
//!   from the unit to a losing row starts with an exit group, so each TTS grows by at least
//!   that and no row loses (a unit that is itself the plant of a losing row cannot be buffered
//!   this way and gets none);
//! - `safety_stock`: each exit group holding less than its risk-adjusted safety stock (the sum
//!   of DESIGN 3.5's per-edge stock over its rows, in days of the group's use) is raised to it.
//!
//! Costs (`[mitigation]` of the policy; need = the group's daily use today, unit_cost the
//! part's, else `default_unit_cost`): holding = days x need x unit_cost x holding_rate x
//! horizon_days / 365; reserved capacity = share raised or reserved x need x unit_cost x
//! reserved_capacity_rate x horizon_days; a second source adds second_source_fixed_cost; an
//! alternate costs qualification_cost_per_day x its qualification_days.

use std::collections::HashSet;

use super::evaluate::Evaluator;
use super::{Action, Change, CostTerm, MitigateOptions, Proposal};
use crate::format::format_number as num;
use crate::model::EPS;
use crate::network::Network;
use crate::risk::{Analysis, Link, MitigationCosts};

/// A proposal before it is evaluated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Candidate {
    /// The position of the unit it is for.
    pub unit: usize,
    pub action: Action,
    pub target: String,
    pub parameters: String,
    pub changes: Vec<Change>,
    pub cost_terms: Vec<CostTerm>,
}

impl Candidate {
    /// The proposal, with what the evaluation found.
    pub fn proposal(
        &self,
        unit: String,
        pi_before: f64,
        pi_after: f64,
        benefit: f64,
        units_touched: usize,
    ) -> Proposal {
        Proposal {
            unit,
            action: self.action,
            target: self.target.clone(),
            parameters: self.parameters.clone(),
            changes: self.changes.clone(),
            cost: self.cost_terms.iter().map(|t| t.amount).sum(),
            cost_terms: self.cost_terms.clone(),
            pi_before,
            pi_after,
            benefit,
            units_touched,
            lp: None,
            expected_loss_reduction: None,
        }
    }
}

/// The candidates for the units at `targets` (positions), in their order; a candidate
/// another unit already proposed (the same changes) is kept once, for the first unit.
pub(crate) fn generate(
    a: &Analysis,
    ev: &Evaluator<'_>,
    targets: &[usize],
    o: &MitigateOptions,
) -> Vec<Candidate> {
    let cx = Context::new(a, o);
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for &pos in targets {
        let mut mine = Vec::new();
        cx.for_unit(ev, pos, &mut mine);
        for c in mine {
            if seen.insert(format!("{:?}", c.changes)) {
                out.push(c);
            }
        }
    }
    out
}

/// What every unit's candidates are made from.
struct Context<'a> {
    a: &'a Analysis,
    net: &'a Network,
    costs: &'a MitigationCosts,
    second_sources: usize,
    /// Each group's daily use today (DESIGN 3.6 `need`).
    need: Vec<f64>,
    /// Per part, the nodes that make it.
    makers: Vec<Vec<u32>>,
    /// Per part, its alternates and their qualification days.
    alternates: Vec<Vec<(u32, f64)>>,
    /// Per group, the risk-adjusted safety stock in days of the group's use.
    stock_days: Vec<f64>,
}

/// What a unit's loss does around it: its nodes and sites, the availability it leaves, the
/// exit groups.
struct Hit {
    nodes: Vec<u32>,
    sites: Vec<u32>,
    /// (node, availability) of the cone, sorted by node.
    avail: Vec<(u32, f64)>,
    exits: Vec<u32>,
    /// A losing row's plant is one of the unit's nodes.
    hits_a_plant: bool,
}

impl Hit {
    fn avail(&self, v: u32) -> f64 {
        if self.nodes.binary_search(&v).is_ok() {
            return 0.0;
        }
        match self.avail.binary_search_by_key(&v, |x| x.0) {
            Ok(i) => self.avail[i].1,
            Err(_) => 1.0,
        }
    }

    /// Untouched by the loss: outside the cone and the unit.
    fn untouched(&self, v: u32) -> bool {
        self.avail.binary_search_by_key(&v, |x| x.0).is_err()
            && self.nodes.binary_search(&v).is_err()
    }
}

impl<'a> Context<'a> {
    fn new(a: &'a Analysis, o: &MitigateOptions) -> Self {
        let net = a.network();
        let mut makers = vec![Vec::new(); net.parts().len()];
        for (v, n) in net.nodes().iter().enumerate() {
            makers[n.part as usize].push(v as u32);
        }
        let mut alternates = vec![Vec::new(); net.parts().len()];
        let costs = &a.policy().mitigation;
        for alt in &net.tables().alternates {
            if let (Some(p), Some(q)) = (
                net.part_index(&alt.part_id),
                net.part_index(&alt.alternate_part_id),
            ) {
                let days = alt
                    .qualification_days
                    .unwrap_or(costs.default_qualification_days);
                alternates[p as usize].push((q, days));
            }
        }
        let (need, _) = net.need();
        let mut units = vec![0.0; net.groups().len()];
        for s in a.safety_stock() {
            units[net.edges()[s.edge as usize].group as usize] += s.safety_stock_units;
        }
        let stock_days = units
            .iter()
            .zip(&need)
            .map(|(&u, &d)| if d > 0.0 { u / d } else { 0.0 })
            .collect();
        Context {
            a,
            net,
            costs,
            second_sources: o.second_sources,
            need,
            makers,
            alternates,
            stock_days,
        }
    }

    fn unit_cost(&self, part: u32) -> f64 {
        self.net.parts()[part as usize]
            .unit_cost
            .unwrap_or(self.costs.default_unit_cost)
    }

    /// The unit's loss around it, from its cone and its losing rows.
    fn hit(&self, ev: &Evaluator<'_>, pos: usize) -> Hit {
        let net = self.net;
        let (kind, u) = (ev.kind, ev.unit(pos));
        let nodes = self.a.unit_nodes_and_edges(&[(kind, u)]).0;
        let mut sites: Vec<u32> = nodes
            .iter()
            .map(|&v| net.nodes()[v as usize].site)
            .collect();
        sites.sort_unstable();
        sites.dedup();
        let cone = self.a.unit_reach(kind, u);
        let losing: Vec<u32> = ev.base[pos]
            .rows
            .iter()
            .filter(|r| r.loss > 0.0)
            .map(|r| net.products()[r.row as usize].node)
            .collect();
        // Which nodes of the cone lead to a losing row, from the rows up (the visit order is
        // topological).
        let mut leads: Vec<u32> = losing.clone();
        leads.sort_unstable();
        for &(v, _) in cone.iter().rev() {
            if leads.binary_search(&v).is_ok() {
                continue;
            }
            if self
                .consumers_of(v)
                .any(|c| leads.binary_search(&c).is_ok())
            {
                let at = leads.partition_point(|&x| x < v);
                leads.insert(at, v);
            }
        }
        let mut exits: Vec<u32> = nodes
            .iter()
            .flat_map(|&v| net.node_outputs(v))
            .map(|&e| net.edges()[e as usize].group)
            .filter(|&g| {
                let grp = net.groups()[g as usize];
                sites.binary_search(&grp.buyer).is_err()
                    && net
                        .group_consumers(g)
                        .iter()
                        .any(|c| leads.binary_search(c).is_ok())
            })
            .collect();
        exits.sort_unstable();
        exits.dedup();
        let mut avail = cone;
        avail.sort_unstable_by_key(|x| x.0);
        Hit {
            hits_a_plant: losing.iter().any(|v| nodes.binary_search(v).is_ok()),
            nodes,
            sites,
            avail,
            exits,
        }
    }

    fn consumers_of(&self, v: u32) -> impl Iterator<Item = u32> + '_ {
        self.net
            .node_outputs(v)
            .iter()
            .flat_map(|&e| self.net.group_consumers(self.net.edges()[e as usize].group))
            .copied()
    }

    fn for_unit(&self, ev: &Evaluator<'_>, pos: usize, out: &mut Vec<Candidate>) {
        let hit = self.hit(ev, pos);
        for &g in &hit.exits {
            self.group_candidates(pos, &hit, g, out);
        }
        self.buffer(ev, pos, &hit, out);
        self.safety_stock(pos, &hit, out);
    }

    /// Raised caps, second sources and alternates for one exit group left short.
    fn group_candidates(&self, pos: usize, hit: &Hit, g: u32, out: &mut Vec<Candidate>) {
        let net = self.net;
        let grp = net.groups()[g as usize];
        let edges = net.group_edges(g);
        let supply: f64 = grp.remainder
            + edges
                .iter()
                .map(|&e| {
                    let ed = net.edges()[e as usize];
                    ed.cap * hit.avail(ed.seller)
                })
                .sum::<f64>();
        let deficit = 1.0 - supply;
        if deficit <= EPS {
            return;
        }
        for &e in edges {
            let ed = net.edges()[e as usize];
            let av = hit.avail(ed.seller);
            if av <= EPS || ed.cap >= 1.0 - EPS || hit.nodes.binary_search(&ed.seller).is_ok() {
                continue;
            }
            let cap = (ed.cap + deficit / av).min(1.0);
            let link = self.link(g, ed.seller);
            out.push(Candidate {
                unit: pos,
                action: Action::RaiseMaxShare,
                target: link.to_string(),
                parameters: format!("max_share {} -> {}", num(ed.cap), num(cap)),
                cost_terms: vec![self.reserved(g, cap - ed.cap)],
                changes: vec![Change::RaiseMaxShare {
                    link,
                    max_share: cap,
                }],
            });
        }
        let standby = deficit.min(1.0);
        self.second_sources(pos, hit, g, standby, out);
        self.alternates(pos, hit, g, standby, out);
    }

    /// Makers of `part` the group could add without a loop or the unit's loss reaching them.
    fn standby_makers(&self, hit: &Hit, g: u32, part: u32) -> Vec<u32> {
        let net = self.net;
        let grp = net.groups()[g as usize];
        let floor = net
            .group_consumers(g)
            .iter()
            .map(|&c| net.nodes()[c as usize].level)
            .min()
            .unwrap_or(0);
        let sells_there = |v: u32, group: Option<u32>| {
            group.is_some_and(|x| {
                net.group_edges(x)
                    .iter()
                    .any(|&e| net.edges()[e as usize].seller == v)
            })
        };
        let same_part = super::change::group_of(net, grp.buyer, part);
        self.makers[part as usize]
            .iter()
            .copied()
            .filter(|&v| {
                let n = net.nodes()[v as usize];
                n.site != grp.buyer
                    && n.level < floor
                    && hit.untouched(v)
                    && hit.sites.binary_search(&n.site).is_err()
                    && !sells_there(v, Some(g))
                    && !sells_there(v, same_part)
            })
            .collect()
    }

    fn second_sources(
        &self,
        pos: usize,
        hit: &Hit,
        g: u32,
        standby: f64,
        out: &mut Vec<Candidate>,
    ) {
        let net = self.net;
        let grp = net.groups()[g as usize];
        let mut makers = self.standby_makers(hit, g, grp.part);
        let p_fail = |v: u32| self.a.site_risks()[net.nodes()[v as usize].site as usize].p_fail;
        makers.sort_by(|&x, &y| p_fail(x).total_cmp(&p_fail(y)).then(x.cmp(&y)));
        for v in makers.into_iter().take(self.second_sources) {
            let link = self.link(g, v);
            out.push(Candidate {
                unit: pos,
                action: Action::SecondSource,
                target: format!("{}|{}", link.buyer, link.part),
                parameters: format!("seller {} max_share {}", link.seller, num(standby)),
                cost_terms: vec![
                    CostTerm {
                        name: "second_source",
                        amount: self.costs.second_source_fixed_cost,
                        basis: "second_source_fixed_cost".into(),
                    },
                    self.reserved(g, standby),
                ],
                changes: vec![Change::AddSupply {
                    link,
                    share: 0.0,
                    max_share: standby,
                }],
            });
        }
    }

    fn alternates(&self, pos: usize, hit: &Hit, g: u32, standby: f64, out: &mut Vec<Candidate>) {
        let net = self.net;
        let grp = net.groups()[g as usize];
        for &(alt, days) in &self.alternates[grp.part as usize] {
            let makers = self.standby_makers(hit, g, alt);
            if makers.is_empty() {
                continue;
            }
            let sellers: Vec<String> = makers
                .iter()
                .map(|&v| {
                    net.sites()[net.nodes()[v as usize].site as usize]
                        .site_id
                        .clone()
                })
                .collect();
            let (buyer, part) = self.group_names(g);
            let alternate = net.parts()[alt as usize].part_id.clone();
            out.push(Candidate {
                unit: pos,
                action: Action::QualifyAlternate,
                target: format!("{buyer}|{part}"),
                parameters: format!(
                    "alternate {alternate} from {} max_share {} after {} days",
                    sellers.join(" "),
                    num(standby),
                    num(days)
                ),
                cost_terms: vec![CostTerm {
                    name: "qualification",
                    amount: self.costs.qualification_cost_per_day * days,
                    basis: format!(
                        "{} days x qualification_cost_per_day {}",
                        num(days),
                        num(self.costs.qualification_cost_per_day)
                    ),
                }],
                changes: vec![Change::QualifyAlternate {
                    buyer,
                    part,
                    alternate,
                    max_share: standby,
                    sellers,
                }],
            });
        }
    }

    /// Stock that closes TTR - TTS at every exit group.
    fn buffer(&self, ev: &Evaluator<'_>, pos: usize, hit: &Hit, out: &mut Vec<Candidate>) {
        let loss = &ev.base[pos];
        let min_tts = loss
            .rows
            .iter()
            .filter(|r| r.loss > 0.0)
            .map(|r| r.tts)
            .fold(f64::INFINITY, f64::min);
        let days = loss.ttr - min_tts;
        if hit.hits_a_plant || hit.exits.is_empty() || !(days > EPS && days.is_finite()) {
            return;
        }
        let add: Vec<(u32, f64)> = hit.exits.iter().map(|&g| (g, days)).collect();
        out.push(self.stock(
            pos,
            Action::BufferDays,
            &add,
            format!(
                "+{} days (TTR {} - TTS {})",
                num(days),
                num(loss.ttr),
                num(min_tts)
            ),
        ));
    }

    /// Stock raised to the risk-adjusted safety stock where an exit group holds less.
    fn safety_stock(&self, pos: usize, hit: &Hit, out: &mut Vec<Candidate>) {
        let add: Vec<(u32, f64)> = hit
            .exits
            .iter()
            .map(|&g| {
                (
                    g,
                    self.stock_days[g as usize] - self.net.groups()[g as usize].inventory_days,
                )
            })
            .filter(|&(_, d)| d > EPS)
            .collect();
        if !add.is_empty() {
            let days: Vec<String> = add.iter().map(|&(_, d)| num(d)).collect();
            out.push(self.stock(
                pos,
                Action::SafetyStock,
                &add,
                format!("+{} days", days.join(" / ")),
            ));
        }
    }

    /// A stock candidate: `days` added to each group.
    fn stock(
        &self,
        pos: usize,
        action: Action,
        add: &[(u32, f64)],
        parameters: String,
    ) -> Candidate {
        let mut targets = Vec::new();
        let mut changes = Vec::new();
        let mut cost_terms = Vec::new();
        for &(g, days) in add {
            let (buyer, part) = self.group_names(g);
            targets.push(format!("{buyer}|{part}"));
            changes.push(Change::AddInventoryDays { buyer, part, days });
            cost_terms.push(self.holding(g, days));
        }
        Candidate {
            unit: pos,
            action,
            target: targets.join("; "),
            parameters,
            changes,
            cost_terms,
        }
    }

    fn group_names(&self, g: u32) -> (String, String) {
        let grp = self.net.groups()[g as usize];
        (
            self.net.sites()[grp.buyer as usize].site_id.clone(),
            self.net.parts()[grp.part as usize].part_id.clone(),
        )
    }

    /// The supply row of `seller` (a node) into group `g`, named by the seller's part.
    fn link(&self, g: u32, seller: u32) -> Link {
        let n = self.net.nodes()[seller as usize];
        let (buyer, _) = self.group_names(g);
        Link::new(
            buyer,
            &self.net.parts()[n.part as usize].part_id,
            &self.net.sites()[n.site as usize].site_id,
        )
    }

    /// Holding `days` more of group `g`'s use over the horizon.
    fn holding(&self, g: u32, days: f64) -> CostTerm {
        let c = self.costs;
        let (need, unit_cost) = (
            self.need[g as usize],
            self.unit_cost(self.net.groups()[g as usize].part),
        );
        CostTerm {
            name: "holding",
            amount: days * need * unit_cost * c.holding_rate * c.horizon_days / 365.0,
            basis: format!(
                "{} days x {} units/day x unit_cost {} x holding_rate {} x {} days / 365",
                num(days),
                num(need),
                num(unit_cost),
                num(c.holding_rate),
                num(c.horizon_days)
            ),
        }
    }

    /// Reserving `share` of group `g`'s use at a seller over the horizon.
    fn reserved(&self, g: u32, share: f64) -> CostTerm {
        let c = self.costs;
        let (need, unit_cost) = (
            self.need[g as usize],
            self.unit_cost(self.net.groups()[g as usize].part),
        );
        CostTerm {
            name: "reserved_capacity",
            amount: share * need * unit_cost * c.reserved_capacity_rate * c.horizon_days,
            basis: format!(
                "share {} x {} units/day x unit_cost {} x reserved_capacity_rate {} x {} days",
                num(share),
                num(need),
                num(unit_cost),
                num(c.reserved_capacity_rate),
                num(c.horizon_days)
            ),
        }
    }
}
