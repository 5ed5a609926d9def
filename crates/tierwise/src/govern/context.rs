//! What a rule sees (DESIGN 4.2): the typed context of a CEL condition. Every field is
//! documented here and in docs/design.md 4.2; a rule that names anything else is refused
//! when the policy loads.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::risk::{Analysis, Basis, Exposure, UnitKind};

/// A unit's metrics (site, company or country). Numbers are CEL `double`s, `tier` an `int`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitFacts {
    /// `site`, `company` or `country`.
    pub kind: String,
    pub id: String,
    /// The site's tier (0 for plants); for a company or country the smallest tier of its
    /// sites; -1 when no site of it reaches a plant.
    pub tier: i64,
    /// ISO code; for a company the country of its first site, for a country its own code.
    pub country: String,
    /// The owning company; for a country, empty.
    pub company: String,
    /// Failure probability (3.3): the site's; a company's is 1 - prod(1 - p) over its sites;
    /// a country's is its p_event.
    pub p_fail: f64,
    /// Factor values in [0, 1] by factor name (3.3); for a company or country the worst of
    /// its sites. Every factor of the policy's `[weights]` is present (0 when unknown).
    pub factors: BTreeMap<String, f64>,
    /// True when a fresh sanction signal sets p_fail to 1 (3.3).
    pub sanctioned: bool,
    /// Exposure (3.2): performance impact, risk exposure index, smallest TTS, TTR.
    pub pi: f64,
    pub rei: f64,
    pub min_tts: f64,
    pub ttr: f64,
    /// TTR > TTS for some products row.
    pub exposed: bool,
    /// The only seller of some (buyer, part) group without a remainder (3.5).
    pub single_source: bool,
    /// Its loss alone drops some products row's availability to 0 (3.5).
    pub chokepoint: bool,
    /// Currently disrupted (`site.down` without `site.up`).
    pub down: bool,
}

/// The products row most hit by the unit (the largest loss), or zeros when none is.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct RowFacts {
    /// `product@plant`, as in the report; empty when no row is hit.
    pub label: String,
    pub availability: f64,
    pub tts: f64,
    /// Lost value over the unit's TTR (3.2).
    pub loss: f64,
    /// Value of a day's output (demand x margin, else revenue).
    pub revenue_per_day: f64,
}

/// The event that triggered the evaluation (empty strings when none did).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct EventFacts {
    pub id: String,
    /// CloudEvents `type`, e.g. `sanction.listed`.
    #[serde(rename = "type")]
    pub kind: String,
    pub source: String,
    pub subject: String,
    /// RFC 3339.
    pub time: String,
}

/// The proposed action.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ProposalFacts {
    pub action: String,
    pub agent: String,
    /// `kind:id` of the subject, e.g. `site:S1`.
    pub subject: String,
    pub cost: f64,
    /// Expected loss removed (PI), 0 when the action removes none.
    pub benefit: f64,
}

/// A budget: its limit and what is used now.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Limit {
    pub limit: f64,
    pub used: f64,
}

/// The budgets of the policy and their use.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct BudgetFacts {
    /// Portfolio revenue at risk: the sum of site PI.
    pub revenue_at_risk: Limit,
    /// The largest expected loss of one products row.
    pub product_revenue_at_risk: Limit,
    /// Mitigation spend approved in the current period.
    pub mitigation_spend: Limit,
}

/// Everything a rule sees.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct RuleContext {
    pub unit: UnitFacts,
    pub row: RowFacts,
    pub event: EventFacts,
    pub proposal: ProposalFacts,
    pub budgets: BudgetFacts,
}

/// The variables of the context, in order.
pub const VARIABLES: [&str; 5] = ["unit", "row", "event", "proposal", "budgets"];

impl Default for UnitFacts {
    fn default() -> Self {
        UnitFacts {
            kind: String::new(),
            id: String::new(),
            tier: -1,
            country: String::new(),
            company: String::new(),
            p_fail: 0.0,
            factors: BTreeMap::new(),
            sanctioned: false,
            pi: 0.0,
            rei: 0.0,
            min_tts: 0.0,
            ttr: 0.0,
            exposed: false,
            single_source: false,
            chokepoint: false,
            down: false,
        }
    }
}

impl RuleContext {
    /// A context with every field of its documented type, to dry-run rules at load.
    pub fn sample(factors: impl IntoIterator<Item = String>) -> RuleContext {
        let unit = UnitFacts {
            kind: "site".into(),
            id: "S".into(),
            tier: 2,
            country: "DE".into(),
            company: "C".into(),
            p_fail: 0.01,
            factors: factors.into_iter().map(|f| (f, 0.5)).collect(),
            pi: 1.0,
            rei: 0.5,
            min_tts: 3.0,
            ttr: 14.0,
            ..UnitFacts::default()
        };
        let budgets = BudgetFacts {
            revenue_at_risk: Limit {
                limit: 1.0,
                used: 0.5,
            },
            product_revenue_at_risk: Limit {
                limit: 1.0,
                used: 0.5,
            },
            mitigation_spend: Limit {
                limit: 1.0,
                used: 0.5,
            },
        };
        RuleContext {
            unit,
            row: RowFacts::default(),
            event: EventFacts::default(),
            proposal: ProposalFacts::default(),
            budgets,
        }
    }

    /// The context as CEL variables.
    pub(crate) fn to_cel(&self) -> cel::Context<'static, 'static> {
        let mut ctx = cel::Context::default();
        let put = |ctx: &mut cel::Context, name: &str, v: Result<cel::Value, _>| {
            ctx.add_variable_from_value(name, v.expect("plain structs serialise to CEL"));
        };
        put(&mut ctx, "unit", cel::to_value(&self.unit));
        put(&mut ctx, "row", cel::to_value(&self.row));
        put(&mut ctx, "event", cel::to_value(&self.event));
        put(&mut ctx, "proposal", cel::to_value(&self.proposal));
        put(&mut ctx, "budgets", cel::to_value(&self.budgets));
        ctx
    }

    /// The context as JSON, for the decision log ("the metrics it saw").
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("plain structs serialise to JSON")
    }
}

/// The fields each variable has, for the load-time check of `variable.field`.
pub(crate) fn fields_of(variable: &str) -> Option<Vec<String>> {
    let sample = RuleContext::sample(std::iter::empty());
    let value = sample.to_json();
    let object = value.get(variable)?.as_object()?;
    Some(object.keys().cloned().collect())
}

/// Fields of a variable's fields that are maps of their own (`budgets.mitigation_spend.used`).
pub(crate) fn subfields_of(variable: &str, field: &str) -> Option<Vec<String>> {
    let sample = RuleContext::sample(std::iter::empty());
    let value = sample.to_json();
    let object = value.get(variable)?.get(field)?.as_object()?;
    Some(object.keys().cloned().collect())
}

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
