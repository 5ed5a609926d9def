//! Where a rule's facts come from: an analysis's exposure frames and scores, read into the
//! typed context of [`crate::rules`] (DESIGN 4.2).

use std::cell::OnceCell;

use crate::risk::{Analysis, Basis, Exposure, UnitKind};
use crate::rules::{RowFacts, UnitFacts};

/// Unit facts read off an analysis and its kept exposures.
pub struct FactSource<'a> {
    analysis: &'a Analysis,
    exposures: &'a [&'a Exposure],
    down: &'a dyn Fn(&str) -> bool,
    /// Summed on first use and kept for the step: every unit's context reads it.
    revenue_at_risk: OnceCell<f64>,
}

impl std::fmt::Debug for FactSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactSource").finish_non_exhaustive()
    }
}

impl<'a> FactSource<'a> {
    pub fn new(
        analysis: &'a Analysis,
        exposures: &'a [&'a Exposure],
        down: &'a dyn Fn(&str) -> bool,
    ) -> Self {
        FactSource {
            analysis,
            exposures,
            down,
            revenue_at_risk: OnceCell::new(),
        }
    }

    /// Portfolio revenue at risk: the sum of site PI (0 when site exposure is not kept).
    pub fn revenue_at_risk(&self) -> f64 {
        *self.revenue_at_risk.get_or_init(|| {
            self.exposures
                .iter()
                .find(|e| e.kind == UnitKind::Site)
                .map_or(0.0, |e| e.pi.iter().sum())
        })
    }

    /// What `raise_safety_stock` of a site costs: `gap` more days of every group it sells
    /// into, held over the policy's horizon (the holding term of 3.5: days x daily use x
    /// unit_cost x holding_rate x horizon_days / 365).
    pub fn safety_stock_cost(&self, site: &str, gap: f64) -> f64 {
        let net = self.analysis.network();
        let Ok(s) = net
            .sites()
            .binary_search_by(|x| x.site_id.as_str().cmp(site))
        else {
            return 0.0;
        };
        let c = &self.analysis.policy().mitigation;
        let (need, _) = net.need();
        let mut groups: Vec<u32> = net
            .edges()
            .iter()
            .filter(|e| net.nodes()[e.seller as usize].site as usize == s)
            .map(|e| e.group)
            .collect();
        groups.sort_unstable();
        groups.dedup();
        groups
            .iter()
            .map(|&g| {
                let part = net.groups()[g as usize].part as usize;
                let unit_cost = net.parts()[part].unit_cost.unwrap_or(c.default_unit_cost);
                gap * need[g as usize] * unit_cost * c.holding_rate * c.horizon_days / 365.0
            })
            .sum()
    }

    /// The facts of one unit, with the products row it hits hardest; `None` for a unit the
    /// network does not have or whose kind has no kept exposure.
    pub fn unit(&self, kind: UnitKind, id: &str) -> Option<(UnitFacts, RowFacts)> {
        let exposure = self.exposures.iter().find(|e| e.kind == kind)?;
        let at = position(&exposure.units, id)?;
        let sites = self.sites_of(kind, id)?;
        let mut facts = self.site_facts(&sites);
        facts.kind = kind.as_str().to_string();
        facts.id = id.to_string();
        let net = self.analysis.network();
        match kind {
            UnitKind::Site => {
                let s = &net.sites()[sites[0] as usize];
                facts.company = s.company.clone();
                facts.country = s.country.clone();
                facts.p_fail = self.analysis.site_risks()[sites[0] as usize].p_fail;
            }
            UnitKind::Company => {
                facts.company = id.to_string();
                facts.country = net.sites()[sites[0] as usize].country.clone();
            }
            _ => {
                facts.country = id.to_string();
                let c = net
                    .countries()
                    .binary_search_by(|c| c.as_str().cmp(id))
                    .ok();
                facts.p_fail = c.map_or(0.0, |c| self.analysis.country_p_event()[c]);
            }
        }
        facts.pi = exposure.pi[at];
        facts.rei = exposure.rei[at];
        facts.min_tts = exposure.min_tts[at];
        facts.ttr = exposure.ttr[at];
        facts.exposed = exposure.exposed[at];
        facts.chokepoint = exposure.rows[at].iter().any(|r| r.availability <= 1e-12);
        facts.down = sites
            .iter()
            .any(|&s| (self.down)(&net.sites()[s as usize].site_id));
        Some((facts, self.row_facts(exposure, at)))
    }

    /// The sites of a unit, by index.
    fn sites_of(&self, kind: UnitKind, id: &str) -> Option<Vec<u32>> {
        let net = self.analysis.network();
        let sites: Vec<u32> = match kind {
            UnitKind::Site => {
                let s = net.sites().binary_search_by(|s| s.site_id.as_str().cmp(id));
                vec![s.ok()? as u32]
            }
            UnitKind::Company => {
                let c = net
                    .companies()
                    .binary_search_by(|c| c.as_str().cmp(id))
                    .ok()?;
                self.analysis.unit_sets().company_sites.get(c).to_vec()
            }
            UnitKind::Country => {
                let c = net
                    .countries()
                    .binary_search_by(|c| c.as_str().cmp(id))
                    .ok()?;
                self.analysis.unit_sets().country_sites.get(c).to_vec()
            }
            _ => return None,
        };
        (!sites.is_empty()).then_some(sites)
    }

    /// Tier, factors, sanction, single-source and (for several sites) p_fail over sites.
    fn site_facts(&self, sites: &[u32]) -> UnitFacts {
        let net = self.analysis.network();
        let risks = self.analysis.site_risks();
        let mut facts = UnitFacts::default();
        for name in self.analysis.policy().weights.keys() {
            facts.factors.insert(name.clone(), 0.0);
        }
        let mut survive = 1.0;
        let mut tier: Option<u32> = None;
        for &s in sites {
            let r = &risks[s as usize];
            survive *= 1.0 - r.p_fail;
            facts.sanctioned |= r.basis == Basis::Sanction;
            for f in &r.factors {
                let v = facts.factors.entry(f.factor.clone()).or_insert(0.0);
                *v = v.max(f.value);
            }
            if let Some(t) = net.site_tier(s) {
                tier = Some(tier.map_or(t, |m| m.min(t)));
            }
        }
        facts.p_fail = 1.0 - survive;
        facts.tier = tier.map_or(-1, i64::from);
        facts.single_source = self.sole_seller(sites);
        facts
    }

    /// Whether some group without remainder has exactly one seller, and it is one of `sites`.
    /// Read off the edges the sites' nodes ship on, so it costs what the unit sells, not
    /// a pass over every group (17 ms per event at 100k sites).
    fn sole_seller(&self, sites: &[u32]) -> bool {
        let net = self.analysis.network();
        let index = self.analysis.unit_sets();
        let sole = |e: u32| {
            let g = net.edges()[e as usize].group;
            net.group_edges(g).len() == 1 && net.groups()[g as usize].remainder < 1.0 - 1e-9
        };
        sites.iter().any(|&s| {
            index
                .site_nodes
                .get(s as usize)
                .iter()
                .any(|&v| net.node_outputs(v).iter().any(|&e| sole(e)))
        })
    }

    fn row_facts(&self, exposure: &Exposure, at: usize) -> RowFacts {
        let Some(worst) = exposure.rows[at]
            .iter()
            .max_by(|a, b| a.loss.total_cmp(&b.loss).then(b.row.cmp(&a.row)))
        else {
            return RowFacts::default();
        };
        let net = self.analysis.network();
        let p = &net.products()[worst.row as usize];
        let n = net.nodes()[p.node as usize];
        RowFacts {
            label: format!(
                "{}@{}",
                net.parts()[n.part as usize].part_id,
                net.sites()[n.site as usize].site_id
            ),
            availability: worst.availability,
            tts: worst.tts,
            loss: worst.loss,
            revenue_per_day: p.demand_per_day * p.value(),
        }
    }
}

/// Where `id` is in a sorted unit list (any list, by a scan, when it is not sorted).
fn position(units: &[String], id: &str) -> Option<usize> {
    match units.binary_search_by(|u| u.as_str().cmp(id)) {
        Ok(i) => Some(i),
        Err(_) => units.iter().position(|u| u == id),
    }
}
