//! The versioned scoring policy (DESIGN 3.3): a TOML file whose version and sha256 go with
//! every result.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

/// The policy shipped in the repository (`policies/default.toml`).
pub const DEFAULT_POLICY_TOML: &str = include_str!("../../../../policies/default.toml");

/// Errors of reading a policy.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    #[error("cannot read policy {path}: {message}")]
    Io { path: String, message: String },
    /// The TOML does not fit the policy schema: unknown key, missing field, wrong type.
    #[error("invalid policy {source_name}: {message}")]
    Invalid {
        source_name: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Logistic {
    a: f64,
    b: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Quality {
    ppm_scale: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    ttr_days: f64,
    p_event: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Signals {
    stale_after_days: f64,
    map: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct SafetyStock {
    service_level: f64,
    demand_cv: f64,
    p_fail_uplift: f64,
}

/// What mitigation proposals cost (DESIGN 3.5), from the policy's `[mitigation]` section;
/// `policies/default.toml` documents every key. A policy without the section, or a key left
/// out of it, takes the shipped value.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MitigationCosts {
    /// Days over which recurring costs (holding stock, reserved capacity) are counted.
    pub horizon_days: f64,
    /// A year's holding cost of stock, as a share of its value at unit_cost.
    pub holding_rate: f64,
    /// The cost of one unit of capacity reserved for one day, as a share of unit_cost.
    pub reserved_capacity_rate: f64,
    /// The one-off cost of a seller new to the buyer.
    pub second_source_fixed_cost: f64,
    /// Engineering cost of qualifying an alternate part, per day of qualification.
    pub qualification_cost_per_day: f64,
    /// Qualification days of an alternates row without any.
    pub default_qualification_days: f64,
    /// The unit_cost of a part without one.
    pub default_unit_cost: f64,
}

impl Default for MitigationCosts {
    /// The values of `policies/default.toml` (a test keeps the two equal).
    fn default() -> Self {
        MitigationCosts {
            horizon_days: 365.0,
            holding_rate: 0.25,
            reserved_capacity_rate: 0.02,
            second_source_fixed_cost: 25_000.0,
            qualification_cost_per_day: 1_500.0,
            default_qualification_days: 90.0,
            default_unit_cost: 1.0,
        }
    }
}

impl MitigationCosts {
    /// Every key with its value, for range checks and messages.
    fn values(&self) -> [(&'static str, f64); 7] {
        [
            ("mitigation.horizon_days", self.horizon_days),
            ("mitigation.holding_rate", self.holding_rate),
            (
                "mitigation.reserved_capacity_rate",
                self.reserved_capacity_rate,
            ),
            (
                "mitigation.second_source_fixed_cost",
                self.second_source_fixed_cost,
            ),
            (
                "mitigation.qualification_cost_per_day",
                self.qualification_cost_per_day,
            ),
            (
                "mitigation.default_qualification_days",
                self.default_qualification_days,
            ),
            ("mitigation.default_unit_cost", self.default_unit_cost),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    version: String,
    description: Option<String>,
    logistic: Logistic,
    weights: BTreeMap<String, f64>,
    quality: Quality,
    defaults: Defaults,
    signals: Signals,
    safety_stock: SafetyStock,
    #[serde(default)]
    mitigation: MitigationCosts,
    #[serde(default)]
    rules: Vec<crate::rules::RuleSpec>,
    #[serde(default)]
    roles: Vec<crate::rules::RoleSpec>,
    #[serde(default)]
    budgets: crate::rules::Budgets,
    #[serde(default)]
    thrash: crate::rules::Thrash,
    /// What a decision nobody answered in time becomes: `reject` (default) or `approve`.
    on_deadline: Option<String>,
}

/// The factors computed from table columns; signals may add more by name.
pub const TABLE_FACTORS: [&str; 6] = [
    "financial",
    "delivery",
    "quality",
    "utilization",
    "governance",
    "hazard",
];

/// A checked scoring policy.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Policy {
    pub version: String,
    pub description: Option<String>,
    /// sha256 of the policy file's bytes.
    pub sha256: String,
    pub a: f64,
    pub b: f64,
    /// Factor weights (>= 0), by factor name.
    pub weights: BTreeMap<String, f64>,
    pub quality_ppm_scale: f64,
    pub default_ttr_days: f64,
    pub default_p_event: f64,
    pub stale_after_days: f64,
    /// Signal factor -> policy factor.
    pub signal_map: BTreeMap<String, String>,
    pub service_level: f64,
    pub demand_cv: f64,
    pub p_fail_uplift: f64,
    /// What mitigation proposals cost (`[mitigation]`).
    pub mitigation: MitigationCosts,
    /// Rules, roles, budgets and the thrash guard (DESIGN 4.2), checked at load.
    pub governance: crate::rules::Governance,
}

impl Default for Policy {
    fn default() -> Self {
        Policy::from_toml_str(DEFAULT_POLICY_TOML, "policies/default.toml")
            .expect("the shipped policy is valid")
    }
}

impl Policy {
    /// Reads a policy file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, PolicyError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| PolicyError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and checks policy TOML; `source_name` names it in errors.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Self, PolicyError> {
        let invalid = |message: String| PolicyError::Invalid {
            source_name: source_name.to_string(),
            message,
        };
        let f: PolicyFile = toml::from_str(text)
            .map_err(|e| invalid(e.message().to_string() + &span_note(text, e.span())))?;
        let mut problems = Vec::new();
        for (k, w) in &f.weights {
            if !w.is_finite() || *w < 0.0 {
                problems.push(format!(
                    "weights.{k} = {w}: a weight must be a finite number >= 0"
                ));
            }
        }
        for (k, target) in &f.signals.map {
            if !f.weights.contains_key(target) {
                problems.push(format!(
                    "signals.map.{k} = {target:?}: no weight named {target:?} in [weights]"
                ));
            }
        }
        let checks = [
            ("logistic.a", f.logistic.a, f64::NEG_INFINITY, f64::INFINITY),
            ("logistic.b", f.logistic.b, f64::NEG_INFINITY, f64::INFINITY),
            (
                "quality.ppm_scale",
                f.quality.ppm_scale,
                f64::MIN_POSITIVE,
                f64::INFINITY,
            ),
            ("defaults.ttr_days", f.defaults.ttr_days, 0.0, f64::INFINITY),
            ("defaults.p_event", f.defaults.p_event, 0.0, 1.0),
            (
                "signals.stale_after_days",
                f.signals.stale_after_days,
                0.0,
                f64::INFINITY,
            ),
            (
                "safety_stock.service_level",
                f.safety_stock.service_level,
                0.5,
                0.9999,
            ),
            (
                "safety_stock.demand_cv",
                f.safety_stock.demand_cv,
                0.0,
                f64::INFINITY,
            ),
            (
                "safety_stock.p_fail_uplift",
                f.safety_stock.p_fail_uplift,
                0.0,
                f64::INFINITY,
            ),
        ];
        let costs = f
            .mitigation
            .values()
            .map(|(name, v)| (name, v, 0.0, f64::INFINITY));
        for (name, v, lo, hi) in checks.into_iter().chain(costs) {
            if !v.is_finite() || v < lo || v > hi {
                problems.push(format!("{name} = {v}: expected a value in [{lo}, {hi}]"));
            }
        }
        let governance = crate::rules::Governance {
            rules: f.rules,
            roles: f.roles,
            budgets: f.budgets,
            thrash: f.thrash,
            on_deadline: f.on_deadline.unwrap_or_else(|| "reject".into()),
        };
        let factors = f.weights.keys().cloned().collect();
        if let Err(p) = crate::rules::compile(&governance, &factors) {
            problems.extend(p);
        }
        if f.version.trim().is_empty() {
            problems.push("version: must not be empty".into());
        }
        if !problems.is_empty() {
            return Err(invalid(problems.join("; ")));
        }
        Ok(Policy {
            version: f.version,
            description: f.description,
            sha256: crate::hash::sha256_hex(text.as_bytes()),
            a: f.logistic.a,
            b: f.logistic.b,
            weights: f.weights,
            quality_ppm_scale: f.quality.ppm_scale,
            default_ttr_days: f.defaults.ttr_days,
            default_p_event: f.defaults.p_event,
            stale_after_days: f.signals.stale_after_days,
            signal_map: f.signals.map,
            service_level: f.safety_stock.service_level,
            demand_cv: f.safety_stock.demand_cv,
            p_fail_uplift: f.safety_stock.p_fail_uplift,
            mitigation: f.mitigation,
            governance,
        })
    }

    /// The logistic link of DESIGN 3.3.
    pub fn p_of_score(&self, score: f64) -> f64 {
        1.0 / (1.0 + (-(self.a + self.b * score)).exp())
    }

    /// Load options that follow this policy (stale signals).
    pub fn load_options(&self) -> crate::ingest::LoadOptions {
        crate::ingest::LoadOptions::default().with_stale_after_days(self.stale_after_days)
    }
}

fn span_note(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => {
            let line = text[..r.start.min(text.len())].matches('\n').count() + 1;
            format!(" (line {line})")
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_policy_is_valid_with_a_14_day_default() {
        let p = Policy::default();
        assert_eq!(p.default_ttr_days, 14.0);
        assert_eq!(p.sha256.len(), 64);
        // score 0 -> 1 / (1 + e^6.5) = 0.0015011822567369917; 0.5 -> 1 / (1 + e^3.5).
        assert!((p.p_of_score(0.0) - 0.001_501_182_256_736_991_7).abs() < 1e-15);
        assert!((p.p_of_score(0.5) - 0.029_312_230_751_356_32).abs() < 1e-15);
    }

    #[test]
    fn unknown_key_is_refused_by_name() {
        let text = DEFAULT_POLICY_TOML.replace("[quality]", "[quality]\nppm_scael = 3.0");
        let e = Policy::from_toml_str(&text, "p.toml").unwrap_err();
        let m = e.to_string();
        assert!(m.contains("ppm_scael") && m.contains("p.toml"), "{m}");
    }

    #[test]
    fn mitigation_costs_default_to_the_shipped_values_and_refuse_bad_ones_by_name() {
        let shipped = Policy::default().mitigation;
        assert_eq!(MitigationCosts::default(), shipped);
        assert_eq!(shipped.holding_rate, 0.25);
        assert_eq!(shipped.second_source_fixed_cost, 25_000.0);
        // Without the section, and with a key left out, the shipped values hold.
        let cut = DEFAULT_POLICY_TOML.find("[mitigation]").unwrap();
        let p = Policy::from_toml_str(&DEFAULT_POLICY_TOML[..cut], "p.toml").unwrap();
        assert_eq!(p.mitigation, shipped);
        let p = Policy::from_toml_str(
            &format!(
                "{}[mitigation]\nholding_rate = 0.4\n",
                &DEFAULT_POLICY_TOML[..cut]
            ),
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.mitigation.holding_rate, 0.4);
        assert_eq!(
            p.mitigation.reserved_capacity_rate,
            shipped.reserved_capacity_rate
        );
        // An unknown key and a negative cost are refused by name.
        let text = DEFAULT_POLICY_TOML.replace("holding_rate = 0.25", "holding_rat = 0.25");
        let m = Policy::from_toml_str(&text, "p.toml")
            .unwrap_err()
            .to_string();
        assert!(m.contains("holding_rat") && m.contains("p.toml"), "{m}");
        let text = DEFAULT_POLICY_TOML.replace(
            "second_source_fixed_cost = 25000.0",
            "second_source_fixed_cost = -1.0",
        );
        let m = Policy::from_toml_str(&text, "p.toml")
            .unwrap_err()
            .to_string();
        assert!(
            m.contains("mitigation.second_source_fixed_cost = -1"),
            "{m}"
        );
    }

    #[test]
    fn negative_weight_is_refused_by_name() {
        let text = DEFAULT_POLICY_TOML.replace("labor = 0.5 ", "labor = -0.5 ");
        let m = Policy::from_toml_str(&text, "p.toml")
            .unwrap_err()
            .to_string();
        assert!(m.contains("weights.labor = -0.5"), "{m}");
    }

    #[test]
    fn missing_field_is_refused_by_name() {
        let text = DEFAULT_POLICY_TOML.replace("ttr_days = 14.0", "");
        let m = Policy::from_toml_str(&text, "p.toml")
            .unwrap_err()
            .to_string();
        assert!(m.contains("ttr_days"), "{m}");
    }
}
