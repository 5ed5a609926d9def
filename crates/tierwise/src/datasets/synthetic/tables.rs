//! `Net::into_tables`: ids, names and attributes of a built network, table by table. Like the
//! build, every table draws from the one random stream, in the order written here.

use std::collections::BTreeMap;

use super::Net;
use super::dates::{BASE_EPOCH_SECS, rfc3339};
use super::draw::{Draw, round_to};
use super::net::Role;
use super::reference::{ASSEMBLY_NAMES, COMPONENT_NAMES, COUNTRIES, PRODUCT_NAMES, RAW_MATERIALS};
use crate::model::{
    Alternate, BomLine, CapacityRow, Country, Part, PartKind, ProductRow, Signal, Site,
    SubjectKind, SupplyRow, Tables,
};

/// The ids of parts and sites, by index.
struct Ids {
    part: Vec<String>,
    site: Vec<String>,
}

impl Net {
    pub(super) fn into_tables(self, r: &mut Draw) -> Tables {
        let (parts, part_ids) = self.parts_table(r);
        let ids = Ids {
            part: part_ids,
            site: (0..self.n_sites())
                .map(|s| format!("S{:06}", s + 1))
                .collect(),
        };
        let (products, demand) = self.products_table(r, &parts, &ids);
        let flows = self.flows(&demand);
        let bom = self.bom_table(&ids);
        let (sites, utilization) = self.sites_table(r, &ids);
        let supply = self.supply_table(r, &ids);
        let capacity = self.capacity_table(r, &flows, &utilization, &ids);
        let signals = self.signals(r, &ids.site);
        let alternates = self.alternates(r, &ids.part);
        Tables {
            sites,
            parts,
            products,
            bom,
            supply,
            capacity,
            countries: countries_table(),
            signals,
            alternates,
        }
    }

    /// The parts, numbered per kind (`PRD-000001`, `ASM-…`, `CMP-…`, `RAW-…`), and their ids.
    fn parts_table(&self, r: &mut Draw) -> (Vec<Part>, Vec<String>) {
        let n_parts = self.part_level.len();
        let mut counters = [0usize; 4];
        let mut part_ids = Vec::with_capacity(n_parts);
        let mut parts = Vec::with_capacity(n_parts);
        for p in 0..n_parts {
            let kind = self.kinds[self.part_level[p] as usize];
            let (prefix, slot) = match kind {
                PartKind::Product => ("PRD", 0),
                PartKind::Assembly => ("ASM", 1),
                PartKind::Component => ("CMP", 2),
                _ => ("RAW", 3),
            };
            let seq = counters[slot];
            counters[slot] += 1;
            let id = format!("{prefix}-{:06}", seq + 1);
            let (name, cost) = part_name_and_cost(kind, seq, r);
            parts.push(Part {
                part_id: id.clone(),
                kind,
                name: Some(name),
                unit_cost: Some(round_to(cost, 100.0)),
            });
            part_ids.push(id);
        }
        (parts, part_ids)
    }

    /// The products: one row per plant node; also each row's (node, demand per day).
    fn products_table(
        &self,
        r: &mut Draw,
        parts: &[Part],
        ids: &Ids,
    ) -> (Vec<ProductRow>, Vec<(usize, f64)>) {
        let mut products = Vec::new();
        let mut demand = Vec::new();
        for (plant, plant_id) in ids.site.iter().enumerate().take(self.plants) {
            for n in self.nodes(plant) {
                let p = self.site_part[n];
                let cost = parts[p].unit_cost.unwrap_or(1000.0);
                // Volume falls with price: roughly 300k of standard cost a day per row.
                let d = (r.real(0.5, 1.5) * 300_000.0 / cost)
                    .round()
                    .clamp(5.0, 5000.0);
                let revenue = round_to(cost * r.real(1.15, 1.7), 100.0);
                demand.push((n, d));
                products.push(ProductRow {
                    part_id: ids.part[p].clone(),
                    site_id: plant_id.clone(),
                    demand_per_day: d,
                    revenue_per_unit: revenue,
                    margin_per_unit: Some(round_to(revenue - cost, 100.0)),
                    fg_inventory_days: Some(r.int(1, 15) as f64),
                });
            }
        }
        (products, demand)
    }

    fn bom_table(&self, ids: &Ids) -> Vec<BomLine> {
        (0..self.part_level.len())
            .flat_map(|p| (self.bom_off[p]..self.bom_off[p + 1]).map(move |l| (p, l)))
            .map(|(p, l)| BomLine {
                parent_part: ids.part[p].clone(),
                child_part: ids.part[self.bom_child[l]].clone(),
                qty: self.bom_qty[l],
            })
            .collect()
    }

    /// The sites, and each site's capacity utilization (drawn even where the table leaves it
    /// out, since capacity rows are sized with it).
    fn sites_table(&self, r: &mut Draw, ids: &Ids) -> (Vec<Site>, Vec<f64>) {
        ids.site
            .iter()
            .enumerate()
            .map(|(s, id)| self.site_row(s, r, id))
            .unzip()
    }

    fn site_row(&self, s: usize, r: &mut Draw, site_id: &str) -> (Site, f64) {
        let role = self.role(s);
        let ttr = match role {
            Role::Plant => r.int(30, 90),
            Role::Assembly => r.int(21, 90),
            Role::Component => r.int(14, 60),
            Role::Mine => r.int(60, 180),
            Role::Distributor => r.int(3, 14),
        };
        // Triangular scores: most suppliers are middling, few excellent or failing.
        let (fin, otr) = if role == Role::Plant {
            (r.real(70.0, 92.0), r.real(0.9, 0.99))
        } else {
            let fin = 15.0 + 40.0 * (r.unit() + r.unit());
            let u = r.unit();
            (fin, 0.7 + 0.299 * (1.0 - u * u))
        };
        let u = r.unit();
        let ppm = match role {
            Role::Plant => 5.0 + 200.0 * u,
            _ => 5.0 + 3000.0 * u * u * u,
        };
        let utilization = round_to(r.real(0.45, 0.98), 100.0);
        let missing_ppm = if role == Role::Mine { 0.6 } else { 0.05 };
        let site = Site {
            site_id: site_id.to_owned(),
            company: self.company_name(self.site_company[s]),
            country: COUNTRIES[self.site_country[s]].0.to_owned(),
            ttr_days: Some(ttr as f64),
            financial_score: (!r.chance(0.03)).then(|| round_to(fin, 10.0)),
            on_time_rate: (!r.chance(0.04)).then(|| round_to(otr, 1000.0)),
            quality_ppm: (!r.chance(missing_ppm)).then(|| ppm.round()),
            capacity_utilization: (!r.chance(0.05)).then_some(utilization),
            p_fail_override: (role != Role::Plant && r.chance(0.002))
                .then(|| round_to(r.real(0.02, 0.4), 1000.0)),
        };
        (site, utilization)
    }

    /// The supply rows; lead times grow with depth and across borders.
    fn supply_table(&self, r: &mut Draw, ids: &Ids) -> Vec<SupplyRow> {
        let mut supply = Vec::with_capacity(self.row_seller.len());
        for (g, &(b, p)) in self.groups.iter().enumerate() {
            let level = self.part_level[p] as usize;
            let inventory = self.inventory_days(b, level, r);
            let (lo, hi) = match self.kinds[level] {
                PartKind::Assembly => (5, 30),
                PartKind::Component => (10, 45),
                _ => (20, 90),
            };
            for row in self.row_off[g]..self.row_off[g + 1] {
                let s = self.row_seller[row];
                let mut lead = r.int(lo, hi);
                if self.site_country[s] != self.site_country[b] {
                    lead += r.int(7, 35);
                }
                let lead = lead as f64;
                supply.push(SupplyRow {
                    buyer_site: ids.site[b].clone(),
                    part_id: ids.part[p].clone(),
                    seller_site: ids.site[s].clone(),
                    share: self.row_share[row],
                    max_share: self.row_max[row],
                    lead_time_days: Some(lead),
                    lead_time_sd_days: Some(round_to(lead * r.real(0.05, 0.35), 10.0)),
                    inventory_days: Some(inventory),
                });
            }
        }
        supply
    }

    /// The stock buyer `b` holds of a part of `level`, one value per group: distributors hold
    /// much, plants little, some buyers none.
    fn inventory_days(&self, b: usize, level: usize, r: &mut Draw) -> f64 {
        (if self.site_dist[b] {
            r.int(15, 60)
        } else if level == 1 {
            r.int(1, 10)
        } else if r.chance(0.1) {
            0
        } else if level == self.depth {
            r.int(10, 60)
        } else {
            r.int(3, 30)
        }) as f64
    }

    /// A few site and node capacity rows, sized from the flows.
    fn capacity_table(
        &self,
        r: &mut Draw,
        flows: &[f64],
        utilization: &[f64],
        ids: &Ids,
    ) -> Vec<CapacityRow> {
        let sizing = Sizing {
            net: self,
            flows,
            utilization,
            ids,
        };
        let mut rows = sizing.site_rows(r);
        rows.extend(sizing.node_rows(r));
        rows.sort_by_key(|&(s, n, _)| (s, n));
        rows.into_iter().map(|(_, _, c)| c).collect()
    }

    /// About 3 signals per 20 sites about suppliers, their companies and their countries; never
    /// about the focal company or its plants (a sanctioned plant would stop every product at
    /// once, which makes a poor demo).
    fn signals(&self, r: &mut Draw, site_ids: &[String]) -> Vec<Signal> {
        let n_sites = self.n_sites();
        let count = ((n_sites as f64 * 0.15).round() as usize).max(3);
        let mut used_countries: Vec<usize> = self.site_country.clone();
        used_countries.sort_unstable();
        used_countries.dedup();
        let suppliers = n_sites - self.plants;
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let u = r.unit();
            let (kind, id, factor, source) = if u < 0.65 {
                let s = self.plants + r.below(suppliers);
                let f = r.unit();
                let (factor, source) = if f < 0.005 {
                    ("sanction", "sanctions-list")
                } else if f < 0.3 {
                    ("financial", "rating-agency")
                } else if f < 0.65 {
                    ("news", "newswire")
                } else {
                    ("labor", "union-monitor")
                };
                (SubjectKind::Site, site_ids[s].clone(), factor, source)
            } else if u < 0.9 {
                let c = 1 + r.below(self.companies.len() - 1);
                let f = r.unit();
                let (factor, source) = if f < 0.01 {
                    ("sanction", "sanctions-list")
                } else if f < 0.5 {
                    ("financial", "rating-agency")
                } else {
                    ("news", "newswire")
                };
                (SubjectKind::Company, self.company_name(c), factor, source)
            } else {
                let c = *r.pick(&used_countries);
                let factor = if r.chance(0.5) { "news" } else { "labor" };
                (
                    SubjectKind::Country,
                    COUNTRIES[c].0.to_owned(),
                    factor,
                    "newswire",
                )
            };
            let value = if factor == "sanction" {
                1.0
            } else {
                let v = r.unit();
                round_to(v * v, 100.0)
            };
            let back = r.int(0, 400) as i64 * 86_400 + r.int(0, 86_399) as i64;
            out.push(Signal {
                subject_kind: kind,
                subject_id: id,
                factor: factor.to_owned(),
                value,
                observed_at: rfc3339(BASE_EPOCH_SECS - back),
                source: Some(source.to_owned()),
            });
        }
        out
    }

    /// A few approved substitutes between parts of one assembly or component level.
    fn alternates(&self, r: &mut Draw, part_ids: &[String]) -> Vec<Alternate> {
        let lo = self.part_start[1];
        let hi = self.part_start[self.depth];
        let count = ((hi - lo) / 40).max(1);
        let mut pairs = BTreeMap::new();
        for _ in 0..count * 4 {
            if pairs.len() >= count {
                break;
            }
            let a = lo + r.below(hi - lo);
            let level = self.part_level[a] as usize;
            let (ls, le) = (self.part_start[level], self.part_start[level + 1]);
            let b = ls + r.below(le - ls);
            if a != b {
                let days = r.int(30, 180);
                pairs.entry((a, b)).or_insert(days);
            }
        }
        pairs
            .into_iter()
            .map(|((a, b), days)| Alternate {
                part_id: part_ids[a].clone(),
                alternate_part_id: part_ids[b].clone(),
                qualification_days: Some(days as f64),
            })
            .collect()
    }
}

/// A capacity row keyed by (site, node), the order of the capacity table.
type KeyedCapacity = (usize, Option<usize>, CapacityRow);

/// What capacity rows are sized from.
struct Sizing<'a> {
    net: &'a Net,
    flows: &'a [f64],
    utilization: &'a [f64],
    ids: &'a Ids,
}

impl Sizing<'_> {
    /// The capacity of site `s` that `flow` fills to the site's utilization.
    fn capacity(&self, s: usize, flow: f64) -> f64 {
        round_to(flow / self.utilization[s], 10.0).max(0.1)
    }

    /// Site-level rows of distinct sites with a flow.
    fn site_rows(&self, r: &mut Draw) -> Vec<KeyedCapacity> {
        let n_sites = self.net.n_sites();
        let mut taken = vec![false; n_sites];
        sample((n_sites / 300).max(1), r, |r| {
            let s = r.below(n_sites);
            let flow: f64 = self.net.nodes(s).map(|n| self.flows[n]).sum();
            if taken[s] || flow <= 0.0 {
                return None;
            }
            taken[s] = true;
            let row = CapacityRow {
                site_id: self.ids.site[s].clone(),
                part_id: None,
                capacity_per_day: Some(self.capacity(s, flow)),
                inventory_units: None,
            };
            Some((s, None, row))
        })
    }

    /// Node rows of distinct nodes with a flow, with a capacity, a stock or both.
    fn node_rows(&self, r: &mut Draw) -> Vec<KeyedCapacity> {
        let n_sites = self.net.n_sites();
        let mut taken = vec![false; self.net.site_part.len()];
        sample((n_sites / 150).max(2), r, |r| {
            let s = r.below(n_sites);
            let nodes = self.net.nodes(s);
            let n = nodes.start + r.below(nodes.len());
            let flow = self.flows[n];
            if taken[n] || flow <= 0.0 {
                return None;
            }
            taken[n] = true;
            let with_cap = r.chance(0.8);
            let with_stock = !with_cap || r.chance(0.6);
            let stock_days = r.real(2.0, 15.0);
            let row = CapacityRow {
                site_id: self.ids.site[s].clone(),
                part_id: Some(self.ids.part[self.net.site_part[n]].clone()),
                capacity_per_day: with_cap.then(|| self.capacity(s, flow)),
                inventory_units: with_stock.then(|| (flow * stock_days).round()),
            };
            Some((s, Some(n), row))
        })
    }
}

/// Up to `target` rows from at most `4 * target` draws of `try_row`, which returns `None` for a
/// draw it cannot use.
fn sample<T>(
    target: usize,
    r: &mut Draw,
    mut try_row: impl FnMut(&mut Draw) -> Option<T>,
) -> Vec<T> {
    let mut rows = Vec::new();
    for _ in 0..target * 4 {
        if rows.len() >= target {
            break;
        }
        if let Some(row) = try_row(r) {
            rows.push(row);
        }
    }
    rows
}

/// A part's name and unit cost (before rounding): products are numbered models, raw materials
/// real commodities, costs rise with the level.
fn part_name_and_cost(kind: PartKind, seq: usize, r: &mut Draw) -> (String, f64) {
    match kind {
        PartKind::Product => {
            let base = PRODUCT_NAMES[seq % PRODUCT_NAMES.len()];
            let model = seq / PRODUCT_NAMES.len() + 1;
            (format!("{base} Mk {model}"), r.real(800.0, 40_000.0))
        }
        PartKind::Assembly => {
            let base = ASSEMBLY_NAMES[r.below(ASSEMBLY_NAMES.len())];
            let u = r.unit();
            (format!("{base} {}", seq + 1), 40.0 + 2000.0 * u * u)
        }
        PartKind::Component => {
            let base = COMPONENT_NAMES[r.below(COMPONENT_NAMES.len())];
            let u = r.unit();
            (format!("{base} {}", seq + 1), 0.2 + 150.0 * u * u * u)
        }
        _ => {
            let base = RAW_MATERIALS[seq % RAW_MATERIALS.len()].0;
            let grade = seq / RAW_MATERIALS.len();
            let name = if grade == 0 {
                base.to_owned()
            } else {
                format!("{base} grade {}", grade + 1)
            };
            let u = r.unit();
            (name, 0.3 + 60.0 * u * u)
        }
    }
}

/// The countries table: every reference country with its risk data.
fn countries_table() -> Vec<Country> {
    COUNTRIES
        .iter()
        .map(|&(code, governance, hazard, p_event, ttr, _)| Country {
            country: code.to_owned(),
            governance: Some(governance),
            hazard: Some(hazard),
            p_event: Some(p_event),
            ttr_days: Some(ttr),
        })
        .collect()
}
