//! What a rule sees (DESIGN 4.2): the typed context of a CEL condition. Every field is
//! documented here and in docs/design.md 4.2; a rule that names anything else is refused
//! when the policy loads.

use std::collections::BTreeMap;

use serde::Serialize;

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
pub(super) fn fields_of(variable: &str) -> Option<Vec<String>> {
    let sample = RuleContext::sample(std::iter::empty());
    let value = sample.to_json();
    let object = value.get(variable)?.as_object()?;
    Some(object.keys().cloned().collect())
}

/// Fields of a variable's fields that are maps of their own (`budgets.mitigation_spend.used`).
pub(super) fn subfields_of(variable: &str, field: &str) -> Option<Vec<String>> {
    let sample = RuleContext::sample(std::iter::empty());
    let value = sample.to_json();
    let object = value.get(variable)?.get(field)?.as_object()?;
    Some(object.keys().cloned().collect())
}
