//! Criticality and stock (DESIGN 3.5): single-source groups, critical sellers, chokepoints
//! (and the hidden Tier-2 concentration behind alternate Tier-1s), Tier-1 dependants of every
//! deeper site, country concentration per product and tier, and risk-adjusted safety stock.

use std::collections::{BTreeMap, BTreeSet};

use super::{Analysis, NO_ROW, UnitKind};
use crate::model::EPS;
use crate::network::{Edge, Network};
use crate::progress::{Cancelled, Progress};

/// A (buyer, part) group with exactly one seller and r < 1.
#[derive(Debug, Clone, PartialEq)]
pub struct SingleSource {
    pub group: u32,
    pub buyer: String,
    pub part: String,
    pub seller: String,
    pub share: f64,
    pub remainder: f64,
    pub buyer_tier: Option<u32>,
}

/// A seller whose loss alone leaves its group short: r + the other sellers' caps < 1.
#[derive(Debug, Clone, PartialEq)]
pub struct CriticalSeller {
    pub edge: u32,
    pub buyer: String,
    pub part: String,
    pub seller: String,
    /// r + sum of the other sellers' caps (< 1).
    pub coverage_without: f64,
}

/// A unit whose loss alone drops some products row to zero.
#[derive(Debug, Clone, PartialEq)]
pub struct Chokepoint {
    pub kind: UnitKind,
    pub unit: String,
    /// Tier of the site (sites only).
    pub tier: Option<u32>,
    /// Rows brought to zero.
    pub rows: Vec<u32>,
    /// The unit sits at tier >= 2 and some row it zeroes has two or more Tier-1 sellers: the
    /// Tier-1 sourcing looks diversified but shares this dependency (the diamond).
    pub hidden: bool,
}

/// A site at tier >= 2 and the distinct Tier-1 sites depending on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Dependants {
    pub site: String,
    pub tier: u32,
    pub tier1_sites: u32,
}

/// The share of one country in one products row's supply at one tier.
#[derive(Debug, Clone, PartialEq)]
pub struct CountryShare {
    pub row: u32,
    pub tier: u32,
    pub country: String,
    /// Daily volume weighted by unit cost.
    pub value: f64,
    pub share: f64,
}

/// The Herfindahl-Hirschman index of one row's supply at one tier.
#[derive(Debug, Clone, PartialEq)]
pub struct Concentration {
    pub row: u32,
    pub tier: u32,
    pub hhi: f64,
    pub countries: u32,
}

/// Risk-adjusted safety stock of one supply edge.
#[derive(Debug, Clone, PartialEq)]
pub struct SafetyStock {
    pub edge: u32,
    pub buyer: String,
    pub part: String,
    pub seller: String,
    /// d: daily use flowing on the edge (need x share).
    pub daily_use: f64,
    pub lead_time_days: f64,
    pub lead_time_sd_days: f64,
    pub seller_p_fail: f64,
    pub service_level: f64,
    pub z: f64,
    pub safety_stock_units: f64,
    /// The same in days of the edge's daily use.
    pub safety_stock_days: f64,
    /// What the buyer holds today for this edge's share, in days (the group's inventory_days).
    pub current_days: f64,
}

/// Everything of DESIGN 3.5 for one network.
#[derive(Debug, Clone, PartialEq)]
pub struct Criticality {
    pub single_sources: Vec<SingleSource>,
    pub critical_sellers: Vec<CriticalSeller>,
    pub chokepoints: Vec<Chokepoint>,
    pub dependants: Vec<Dependants>,
    pub country_shares: Vec<CountryShare>,
    pub concentration: Vec<Concentration>,
    pub safety_stock: Vec<SafetyStock>,
}

/// The standard normal quantile (Acklam's rational approximation, refined by one Halley
/// step; relative error below 1e-12 on (0, 1)).
pub fn normal_quantile(p: f64) -> f64 {
    assert!(p > 0.0 && p < 1.0, "quantile of {p}");
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let pl = 0.024_25;
    let x = if p < pl {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - pl {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley step against the complementary error function.
    let e = 0.5 * erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// erfc with relative error below 1.2e-7 (Numerical Recipes' erfcc), enough for the Halley
/// refinement above.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

impl Analysis {
    /// Computes every criticality measure of DESIGN 3.5.
    pub fn criticality(&self) -> Criticality {
        self.criticality_with(&Progress::new())
            .expect("a fresh progress is never cancelled")
    }

    /// [`Self::criticality`], stopping once `progress` is cancelled (its two sweeps report
    /// their progress through it).
    pub fn criticality_with(&self, progress: &Progress) -> Result<Criticality, Cancelled> {
        let (country_shares, concentration) = self.country_concentration();
        Ok(Criticality {
            single_sources: self.single_sources(),
            critical_sellers: self.critical_sellers(),
            chokepoints: self.chokepoints(progress)?,
            dependants: self.dependants(progress)?,
            country_shares,
            concentration,
            safety_stock: self.safety_stock(),
        })
    }

    fn single_sources(&self) -> Vec<SingleSource> {
        let net = self.network();
        let mut single_sources = Vec::new();
        for (g, grp) in net.groups().iter().enumerate() {
            let edges = net.group_edges(g as u32);
            if edges.len() == 1 && grp.remainder < 1.0 - EPS {
                let e = net.edges()[edges[0] as usize];
                let (buyer, part, seller) = edge_names(net, &e);
                single_sources.push(SingleSource {
                    group: g as u32,
                    buyer,
                    part,
                    seller,
                    share: e.share,
                    remainder: grp.remainder,
                    buyer_tier: net.site_tier(grp.buyer),
                });
            }
        }
        single_sources
    }

    fn critical_sellers(&self) -> Vec<CriticalSeller> {
        let net = self.network();
        let mut critical_sellers = Vec::new();
        for (g, grp) in net.groups().iter().enumerate() {
            let edges = net.group_edges(g as u32);
            let cap_sum: f64 = edges.iter().map(|&e| net.edges()[e as usize].cap).sum();
            for &e in edges {
                let ed = net.edges()[e as usize];
                let without = grp.remainder + cap_sum - ed.cap;
                if without < 1.0 - EPS {
                    let (buyer, part, seller) = edge_names(net, &ed);
                    critical_sellers.push(CriticalSeller {
                        edge: e,
                        buyer,
                        part,
                        seller,
                        coverage_without: without,
                    });
                }
            }
        }
        critical_sellers
    }

    /// Tier-1 sellers per row: the distinct Tier-1 sites on the plant node's inputs.
    fn tier1_sellers_per_row(&self) -> Vec<usize> {
        let net = self.network();
        net.products()
            .iter()
            .map(|p| {
                let mut s = BTreeSet::new();
                for &g in net.node_inputs(p.node) {
                    for &e in net.group_edges(g) {
                        s.insert(node_site(net, net.edges()[e as usize].seller));
                    }
                }
                s.len()
            })
            .collect()
    }

    fn chokepoints(&self, progress: &Progress) -> Result<Vec<Chokepoint>, Cancelled> {
        let net = self.network();
        let tier1_of_row = self.tier1_sellers_per_row();
        let mut chokepoints = Vec::new();
        for kind in [UnitKind::Site, UnitKind::Company, UnitKind::Country] {
            let ids = self.units(kind);
            let idx: Vec<u32> = ids
                .iter()
                .map(|id| self.unit_index(kind, id).expect("listed units exist"))
                .collect();
            let zeroed = self.sweep_with(kind, &idx, progress, |cone, _| {
                let mut rows: Vec<u32> = cone
                    .visited
                    .iter()
                    .filter(|&&v| cone.avail(v) <= EPS)
                    .map(|&v| self.node_row[v as usize])
                    .filter(|&r| r != NO_ROW)
                    .collect();
                rows.sort_unstable();
                rows
            })?;
            for ((id, &u), rows) in ids.iter().zip(&idx).zip(zeroed) {
                if rows.is_empty() {
                    continue;
                }
                let tier = (kind == UnitKind::Site).then(|| net.site_tier(u)).flatten();
                let hidden = tier.is_some_and(|t| t >= 2)
                    && rows.iter().any(|&r| tier1_of_row[r as usize] >= 2);
                chokepoints.push(Chokepoint {
                    kind,
                    unit: id.clone(),
                    tier,
                    rows,
                    hidden,
                });
            }
        }
        Ok(chokepoints)
    }

    /// Tier-1 dependants of every tier >= 2 site, counted in the node graph.
    fn dependants(&self, progress: &Progress) -> Result<Vec<Dependants>, Cancelled> {
        let net = self.network();
        let deep: Vec<u32> = (0..net.sites().len() as u32)
            .filter(|&s| net.site_tier(s).is_some_and(|t| t >= 2))
            .collect();
        let counts = self.sweep_with(UnitKind::Site, &deep, progress, |cone, s| {
            let mut t1: Vec<u32> = cone
                .visited
                .iter()
                .map(|&v| node_site(net, v))
                .filter(|&x| x != s && net.site_tier(x) == Some(1))
                .collect();
            t1.sort_unstable();
            t1.dedup();
            t1.len() as u32
        })?;
        Ok(deep
            .iter()
            .zip(counts)
            .map(|(&s, c)| Dependants {
                site: site_id(net, s),
                tier: net.site_tier(s).unwrap_or(0),
                tier1_sites: c,
            })
            .collect())
    }

    /// Country concentration: each row's demand exploded through shares and BOM qty, valued
    /// at unit cost, per tier and country.
    fn country_concentration(&self) -> (Vec<CountryShare>, Vec<Concentration>) {
        let mut country_shares = Vec::new();
        let mut concentration = Vec::new();
        let mut vol = vec![0.0; self.network().nodes().len()];
        for (r, p) in self.network().products().iter().enumerate() {
            let by_tier = self.row_value_by_tier_and_country(p.node, p.demand_per_day, &mut vol);
            let mut tiers: BTreeMap<u32, f64> = BTreeMap::new();
            for ((tier, _), v) in &by_tier {
                *tiers.entry(*tier).or_insert(0.0) += v;
            }
            for (&tier, &total) in &tiers {
                let mut hhi = 0.0;
                let mut n = 0;
                for ((t, country), &value) in by_tier.range((tier, String::new())..) {
                    if *t != tier {
                        break;
                    }
                    let share = if total > 0.0 { value / total } else { 0.0 };
                    hhi += share * share;
                    n += 1;
                    country_shares.push(CountryShare {
                        row: r as u32,
                        tier,
                        country: country.clone(),
                        value,
                        share,
                    });
                }
                concentration.push(Concentration {
                    row: r as u32,
                    tier,
                    hhi,
                    countries: n,
                });
            }
        }
        (country_shares, concentration)
    }

    /// The daily value (volume x unit cost) a products row at `plant` with `demand` draws from
    /// each (tier, country). `vol` is all zeros on entry and on return.
    fn row_value_by_tier_and_country(
        &self,
        plant: u32,
        demand: f64,
        vol: &mut [f64],
    ) -> BTreeMap<(u32, String), f64> {
        let net = self.network();
        let parts = net.parts();
        let mut touched: BTreeSet<u32> = BTreeSet::new();
        vol[plant as usize] = demand;
        touched.insert(plant);
        // Highest node id first is downstream first.
        let mut by_tier: BTreeMap<(u32, String), f64> = BTreeMap::new();
        while let Some(v) = touched.pop_last() {
            let x = std::mem::take(&mut vol[v as usize]);
            let node = net.nodes()[v as usize];
            if let Some(tier) = net.site_tier(node.site) {
                let cost = parts[node.part as usize].unit_cost.unwrap_or(1.0);
                let country = net.countries()[net.site_country(node.site) as usize].clone();
                *by_tier.entry((tier, country)).or_insert(0.0) += x * cost;
            }
            let ins = net.node_inputs(v);
            let qty = net.node_input_qty(v);
            for (&g, &q) in ins.iter().zip(qty) {
                for &e in net.group_edges(g) {
                    let ed = net.edges()[e as usize];
                    let add = x * q * ed.share;
                    if add > 0.0 {
                        vol[ed.seller as usize] += add;
                        touched.insert(ed.seller);
                    }
                }
            }
        }
        by_tier
    }

    /// Safety stock per supply edge.
    pub(crate) fn safety_stock(&self) -> Vec<SafetyStock> {
        let net = self.network();
        let (need, _) = net.need();
        let policy = self.policy();
        let mut safety_stock = Vec::with_capacity(net.edges().len());
        for (e, ed) in net.edges().iter().enumerate() {
            let grp = net.groups()[ed.group as usize];
            let d = need[ed.group as usize] * ed.share;
            let sd = policy.demand_cv * d;
            let l = ed.lead_time_days.unwrap_or(0.0);
            let sl_sd = ed.lead_time_sd_days.unwrap_or(0.0);
            let p = self.site_risks()[node_site(net, ed.seller) as usize].p_fail;
            let sl = (policy.service_level
                + (1.0 - policy.service_level) * (policy.p_fail_uplift * p).min(1.0))
            .min(0.9999);
            let z = normal_quantile(sl);
            let units = z * (l * sd * sd + d * d * sl_sd * sl_sd).sqrt();
            let (buyer, part, seller) = edge_names(net, ed);
            safety_stock.push(SafetyStock {
                edge: e as u32,
                buyer,
                part,
                seller,
                daily_use: d,
                lead_time_days: l,
                lead_time_sd_days: sl_sd,
                seller_p_fail: p,
                service_level: sl,
                z,
                safety_stock_units: units,
                safety_stock_days: if d > 0.0 { units / d } else { 0.0 },
                current_days: grp.inventory_days,
            });
        }
        safety_stock
    }
}

fn site_id(net: &Network, site: u32) -> String {
    net.sites()[site as usize].site_id.clone()
}

fn node_site(net: &Network, node: u32) -> u32 {
    net.nodes()[node as usize].site
}

/// The buyer, part and seller ids of a supply edge.
fn edge_names(net: &Network, edge: &Edge) -> (String, String, String) {
    let grp = net.groups()[edge.group as usize];
    (
        site_id(net, grp.buyer),
        net.parts()[grp.part as usize].part_id.clone(),
        site_id(net, node_site(net, edge.seller)),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn normal_quantiles() {
        // Published values of the standard normal quantile.
        for (p, z) in [
            (0.5, 0.0),
            (0.95, 1.644_853_626_951_472_2),
            (0.975, 1.959_963_984_540_054),
            (0.99, 2.326_347_874_040_841),
            (0.01, -2.326_347_874_040_841),
            (0.9999, 3.719_016_485_455_68),
        ] {
            assert!((super::normal_quantile(p) - z).abs() < 1e-7, "{p}");
        }
    }
}
