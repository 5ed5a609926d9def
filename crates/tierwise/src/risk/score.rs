//! Intrinsic failure probability per site (DESIGN 3.3), with every factor's value, weight and
//! contribution.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::policy::Policy;
use crate::model::{EPS, SubjectKind};
use crate::network::Network;

/// Where a site's p_fail came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Basis {
    /// The logistic model over the factor score.
    Model,
    /// The site's p_fail_override.
    Override,
    /// A fresh sanction signal of 1 (site, company or country).
    Sanction,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Model => "model",
            Basis::Override => "override",
            Basis::Sanction => "sanction",
        }
    }
}

/// One factor of one site's score.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    pub factor: String,
    /// In [0, 1], 1 = worst.
    pub value: f64,
    pub weight: f64,
    /// weight * value / (sum of the weights of the factors present): the scores add up.
    pub contribution: f64,
    /// "table", or the signal's subject kind ("site", "company", "country").
    pub source: &'static str,
}

/// The intrinsic risk of one site.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRisk {
    pub site: u32,
    pub p_fail: f64,
    pub score: f64,
    pub basis: Basis,
    /// A signal that applies to this site was ignored because it was stale.
    pub stale: bool,
    pub factors: Vec<Factor>,
}

struct Obs {
    value: f64,
    at: DateTime<Utc>,
}

/// The newest fresh value of every (subject kind, subject, factor) signal, and the subjects
/// that had a stale one.
struct Observed<'t> {
    fresh: HashMap<(SubjectKind, &'t str, &'t str), Obs>,
    stale: HashMap<(SubjectKind, &'t str), bool>,
    countries: HashMap<&'t str, &'t crate::model::Country>,
}

impl<'t> Observed<'t> {
    /// The signals about subjects `keep` accepts (all of them for a full scoring).
    fn of(
        net: &'t Network,
        policy: &Policy,
        as_of: DateTime<Utc>,
        keep: &dyn Fn(SubjectKind, &str) -> bool,
    ) -> Self {
        let t = net.tables();
        let mut fresh: HashMap<(SubjectKind, &str, &str), Obs> = HashMap::new();
        let mut stale: HashMap<(SubjectKind, &str), bool> = HashMap::new();
        for s in t
            .signals
            .iter()
            .filter(|s| keep(s.subject_kind, &s.subject_id))
        {
            let Ok(at) = DateTime::parse_from_rfc3339(&s.observed_at) else {
                continue;
            };
            let at = at.to_utc();
            let age_days = (as_of - at).num_seconds() as f64 / 86_400.0;
            if age_days > policy.stale_after_days {
                stale.insert((s.subject_kind, &s.subject_id), true);
                continue;
            }
            let key = (s.subject_kind, s.subject_id.as_str(), s.factor.as_str());
            match fresh.get(&key) {
                Some(o) if o.at >= at => {}
                _ => {
                    fresh.insert(key, Obs { value: s.value, at });
                }
            }
        }
        let countries = t
            .countries
            .iter()
            .map(|c| (c.country.as_str(), c))
            .collect();
        Observed {
            fresh,
            stale,
            countries,
        }
    }
}

/// Scores every site. `as_of` is the reference time for staleness.
pub fn score_sites(net: &Network, policy: &Policy, as_of: DateTime<Utc>) -> Vec<SiteRisk> {
    let obs = Observed::of(net, policy, as_of, &|_, _| true);
    (0..net.sites().len() as u32)
        .map(|i| score_site(net, policy, &obs, i))
        .collect()
}

/// Scores the sites `sites` only (after an event changed their inputs), reading only the
/// signals about them, their companies and their countries.
pub(crate) fn score_some(
    net: &Network,
    policy: &Policy,
    as_of: DateTime<Utc>,
    sites: &[u32],
) -> Vec<SiteRisk> {
    let mut subjects: std::collections::HashSet<(SubjectKind, &str)> = Default::default();
    for &i in sites {
        let s = &net.sites()[i as usize];
        subjects.insert((SubjectKind::Site, &s.site_id));
        subjects.insert((SubjectKind::Company, &s.company));
        subjects.insert((SubjectKind::Country, &s.country));
    }
    let obs = Observed::of(net, policy, as_of, &|k, id| subjects.contains(&(k, id)));
    sites
        .iter()
        .map(|&i| score_site(net, policy, &obs, i))
        .collect()
}

fn score_site(net: &Network, policy: &Policy, obs: &Observed<'_>, i: u32) -> SiteRisk {
    let site = &net.sites()[i as usize];
    let subjects = [
        (SubjectKind::Site, site.site_id.as_str()),
        (SubjectKind::Company, site.company.as_str()),
        (SubjectKind::Country, site.country.as_str()),
    ];
    let is_stale = subjects.iter().any(|k| obs.stale.contains_key(k));
    let sanctioned = subjects.iter().any(|&(k, id)| {
        obs.fresh
            .get(&(k, id, "sanction"))
            .is_some_and(|o| o.value >= 1.0 - EPS)
    });
    let factors = factors(site, &subjects, policy, obs);
    let score: f64 = factors.iter().map(|f| f.contribution).sum();
    let (p_fail, basis) = if sanctioned {
        (1.0, Basis::Sanction)
    } else if let Some(p) = site.p_fail_override {
        (p, Basis::Override)
    } else {
        (policy.p_of_score(score), Basis::Model)
    };
    SiteRisk {
        site: i,
        p_fail,
        score,
        basis,
        stale: is_stale,
        factors,
    }
}

/// Every weighted factor present for a site: the most specific fresh signal mapped to it,
/// else the table value; contributions add up to the score.
fn factors(
    site: &crate::model::Site,
    subjects: &[(SubjectKind, &str); 3],
    policy: &Policy,
    obs: &Observed<'_>,
) -> Vec<Factor> {
    let country = obs.countries.get(site.country.as_str());
    let mut found: Vec<(String, f64, &'static str)> = Vec::new();
    for (name, &w) in &policy.weights {
        let signal = subjects.iter().find_map(|&(k, id)| {
            policy
                .signal_map
                .iter()
                .filter(|(_, target)| *target == name)
                .filter_map(|(sf, _)| obs.fresh.get(&(k, id, sf.as_str())))
                .max_by_key(|o| o.at)
                .map(|o| (o.value, k.as_str()))
        });
        let table = match name.as_str() {
            "financial" => site.financial_score.map(|x| 1.0 - x / 100.0),
            "delivery" => site.on_time_rate.map(|x| 1.0 - x),
            "quality" => site
                .quality_ppm
                .map(|x| (x / policy.quality_ppm_scale).min(1.0)),
            "utilization" => site.capacity_utilization,
            "governance" => country.and_then(|c| c.governance).map(|g| 1.0 - g),
            "hazard" => country.and_then(|c| c.hazard),
            _ => None,
        };
        if let Some((v, source)) = signal.or(table.map(|v| (v, "table")))
            && w > 0.0
        {
            found.push((name.clone(), v.clamp(0.0, 1.0), source));
        }
    }
    let wsum: f64 = found.iter().map(|(n, _, _)| policy.weights[n]).sum();
    found
        .into_iter()
        .map(|(factor, value, source)| {
            let weight = policy.weights[&factor];
            let contribution = if wsum > 0.0 {
                weight * value / wsum
            } else {
                0.0
            };
            Factor {
                contribution,
                factor,
                value,
                weight,
                source,
            }
        })
        .collect()
}
