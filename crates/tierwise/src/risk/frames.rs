//! Results as polars DataFrames: one place that names the columns, shared by the CLI, the
//! Python package and the report.

use polars::prelude::*;

use super::criticality::Criticality;
use super::montecarlo::Simulation;
use super::{Analysis, Explanation, Exposure, Impact, PathStep};

fn frame(cols: Vec<Column>) -> DataFrame {
    DataFrame::new_infer_height(cols).expect("columns of one result have equal lengths")
}

fn col<T>(name: &str, v: Vec<T>) -> Column
where
    Series: NamedFrom<Vec<T>, [T]>,
{
    Column::new(name.into(), v)
}

impl Analysis {
    /// Per site: p_fail, score, basis, stale flag, tier, company, country.
    pub fn risk_frame(&self) -> DataFrame {
        let net = self.network();
        let r = self.site_risks();
        frame(vec![
            col(
                "site_id",
                net.sites().iter().map(|s| s.site_id.clone()).collect(),
            ),
            col(
                "company",
                net.sites().iter().map(|s| s.company.clone()).collect(),
            ),
            col(
                "country",
                net.sites().iter().map(|s| s.country.clone()).collect(),
            ),
            col("tier", net.site_tiers().to_vec()),
            col("p_fail", r.iter().map(|x| x.p_fail).collect()),
            col("score", r.iter().map(|x| x.score).collect()),
            col(
                "basis",
                r.iter().map(|x| x.basis.as_str().to_string()).collect(),
            ),
            col("stale_signal", r.iter().map(|x| x.stale).collect()),
        ])
    }

    /// Long form: one row per (site, factor) with value, weight, contribution and source.
    pub fn factor_frame(&self) -> DataFrame {
        let net = self.network();
        let mut site = Vec::new();
        let mut factor = Vec::new();
        let mut value = Vec::new();
        let mut weight = Vec::new();
        let mut contribution = Vec::new();
        let mut source = Vec::new();
        for r in self.site_risks() {
            for f in &r.factors {
                site.push(net.sites()[r.site as usize].site_id.clone());
                factor.push(f.factor.clone());
                value.push(f.value);
                weight.push(f.weight);
                contribution.push(f.contribution);
                source.push(f.source.to_string());
            }
        }
        frame(vec![
            col("site_id", site),
            col("factor", factor),
            col("value", value),
            col("weight", weight),
            col("contribution", contribution),
            col("source", source),
        ])
    }
}

impl Impact {
    /// Per products row: availability, TTS, loss.
    pub fn to_dataframe(&self, a: &Analysis) -> DataFrame {
        let net = a.network();
        let p = net.products();
        frame(vec![
            col("product", a.row_labels()),
            col(
                "demand_per_day",
                p.iter().map(|x| x.demand_per_day).collect(),
            ),
            col("value_per_unit", p.iter().map(|x| x.value()).collect()),
            col("availability", self.availability.clone()),
            col("tts_days", self.tts.clone()),
            col("days", vec![self.days; p.len()]),
            col("loss", self.loss.clone()),
        ])
    }
}

impl Exposure {
    /// Per unit: TTR, min TTS, PI, REI, exposed, rows short.
    pub fn to_dataframe(&self) -> DataFrame {
        frame(vec![
            col("unit", self.units.clone()),
            col(
                "kind",
                vec![self.kind.as_str().to_string(); self.units.len()],
            ),
            col("ttr_days", self.ttr.clone()),
            col("min_tts_days", self.min_tts.clone()),
            col("pi", self.pi.clone()),
            col("rei", self.rei.clone()),
            col("exposed", self.exposed.clone()),
            col(
                "rows_short",
                self.rows.iter().map(|r| r.len() as u32).collect(),
            ),
        ])
    }

    /// Long form: per unit and affected products row, availability, TTS and loss.
    pub fn rows_frame(&self, a: &Analysis) -> DataFrame {
        let labels = a.row_labels();
        let mut unit = Vec::new();
        let mut product = Vec::new();
        let mut av = Vec::new();
        let mut tts = Vec::new();
        let mut loss = Vec::new();
        for (u, rows) in self.units.iter().zip(&self.rows) {
            for r in rows {
                unit.push(u.clone());
                product.push(labels[r.row as usize].clone());
                av.push(r.availability);
                tts.push(r.tts);
                loss.push(r.loss);
            }
        }
        frame(vec![
            col("unit", unit),
            col("product", product),
            col("availability", av),
            col("tts_days", tts),
            col("loss", loss),
        ])
    }
}

impl Simulation {
    /// Per products row, then one `portfolio` row: mean availability, P(A < 1), P(A = 0),
    /// analytic q and its gap, expected loss, VaR and CVaR at 95 % and 99 %.
    pub fn summary(&self) -> DataFrame {
        let mut product = self.row_labels.clone();
        product.push("portfolio".into());
        let mut mean_a = self.mean_availability.clone();
        mean_a.push(self.portfolio_mean_availability);
        let mut p_short = self.p_short.clone();
        p_short.push(self.portfolio_p_short);
        let mut p_zero: Vec<Option<f64>> = self.p_zero.iter().map(|&x| Some(x)).collect();
        p_zero.push(None);
        let mut q: Vec<Option<f64>> = self.analytic_q.iter().map(|&x| Some(x)).collect();
        q.push(None);
        let mut gap: Vec<Option<f64>> = self.gap().into_iter().map(Some).collect();
        gap.push(None);
        let mut stats = self.row_stats.clone();
        stats.push(self.portfolio_stats);
        frame(vec![
            col("product", product),
            col("mean_availability", mean_a),
            col("p_short", p_short),
            col("p_zero", p_zero),
            col("analytic_q", q),
            col("gap_analytic_minus_mc", gap),
            col("expected_loss", stats.iter().map(|s| s.expected).collect()),
            col("var95", stats.iter().map(|s| s.var95).collect()),
            col("cvar95", stats.iter().map(|s| s.cvar95).collect()),
            col("var99", stats.iter().map(|s| s.var99).collect()),
            col("cvar99", stats.iter().map(|s| s.cvar99).collect()),
        ])
    }

    /// Per site: failures and loss-weighted failure share (sites that never failed in a
    /// losing scenario are left out).
    pub fn sites_frame(&self, a: &Analysis) -> DataFrame {
        let net = a.network();
        let keep: Vec<usize> = (0..self.site_failures.len())
            .filter(|&s| self.site_failures[s] > 0)
            .collect();
        frame(vec![
            col(
                "site_id",
                keep.iter()
                    .map(|&s| net.sites()[s].site_id.clone())
                    .collect(),
            ),
            col(
                "tier",
                keep.iter().map(|&s| net.site_tier(s as u32)).collect(),
            ),
            col(
                "p_fail",
                keep.iter().map(|&s| a.site_risks()[s].p_fail).collect(),
            ),
            col(
                "losing_failures",
                keep.iter().map(|&s| self.site_failures[s]).collect(),
            ),
            col(
                "loss_share",
                keep.iter().map(|&s| self.site_loss_share[s]).collect(),
            ),
        ])
    }

    /// Per scenario: portfolio loss.
    pub fn losses_frame(&self) -> DataFrame {
        frame(vec![
            col("scenario", (0..self.losses.len() as u64).collect()),
            col("loss", self.losses.clone()),
        ])
    }
}

fn path_frame(which: &str, steps: &[PathStep]) -> Vec<Column> {
    vec![
        col("path", vec![which.to_string(); steps.len()]),
        col("step", (0..steps.len() as u32).collect()),
        col("site", steps.iter().map(|s| s.site.clone()).collect()),
        col("part", steps.iter().map(|s| s.part.clone()).collect()),
        col("tier", steps.iter().map(|s| s.tier).collect()),
        col("disrupted", steps.iter().map(|s| s.disrupted).collect()),
        col(
            "availability",
            steps.iter().map(|s| s.availability).collect(),
        ),
        col(
            "inventory_days_next_hop",
            steps.iter().map(|s| s.inventory_days).collect(),
        ),
        col(
            "days_from_disruption",
            steps.iter().map(|s| s.cumulative_days).collect(),
        ),
    ]
}

impl Explanation {
    /// Both paths, one row per step: `path` is `tts` or `availability`.
    pub fn to_dataframe(&self) -> DataFrame {
        let a = frame(path_frame("tts", &self.tts_path));
        let b = frame(path_frame("availability", &self.availability_path));
        a.vstack(&b).expect("same columns")
    }
}

impl Criticality {
    pub fn single_sources_frame(&self) -> DataFrame {
        let s = &self.single_sources;
        frame(vec![
            col("buyer", s.iter().map(|x| x.buyer.clone()).collect()),
            col("part", s.iter().map(|x| x.part.clone()).collect()),
            col("seller", s.iter().map(|x| x.seller.clone()).collect()),
            col("share", s.iter().map(|x| x.share).collect()),
            col("remainder", s.iter().map(|x| x.remainder).collect()),
            col("buyer_tier", s.iter().map(|x| x.buyer_tier).collect()),
        ])
    }

    pub fn critical_sellers_frame(&self) -> DataFrame {
        let s = &self.critical_sellers;
        frame(vec![
            col("buyer", s.iter().map(|x| x.buyer.clone()).collect()),
            col("part", s.iter().map(|x| x.part.clone()).collect()),
            col("seller", s.iter().map(|x| x.seller.clone()).collect()),
            col(
                "coverage_without",
                s.iter().map(|x| x.coverage_without).collect(),
            ),
        ])
    }

    pub fn chokepoints_frame(&self, a: &Analysis) -> DataFrame {
        let labels = a.row_labels();
        let s = &self.chokepoints;
        frame(vec![
            col(
                "kind",
                s.iter().map(|x| x.kind.as_str().to_string()).collect(),
            ),
            col("unit", s.iter().map(|x| x.unit.clone()).collect()),
            col("tier", s.iter().map(|x| x.tier).collect()),
            col("hidden", s.iter().map(|x| x.hidden).collect()),
            col(
                "rows_zeroed",
                s.iter().map(|x| x.rows.len() as u32).collect(),
            ),
            col(
                "products",
                s.iter()
                    .map(|x| {
                        x.rows
                            .iter()
                            .map(|&r| labels[r as usize].as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    })
                    .collect(),
            ),
        ])
    }

    pub fn dependants_frame(&self) -> DataFrame {
        let s = &self.dependants;
        frame(vec![
            col("site", s.iter().map(|x| x.site.clone()).collect()),
            col("tier", s.iter().map(|x| x.tier).collect()),
            col(
                "tier1_dependants",
                s.iter().map(|x| x.tier1_sites).collect(),
            ),
        ])
    }

    pub fn concentration_frame(&self, a: &Analysis) -> DataFrame {
        let labels = a.row_labels();
        let s = &self.concentration;
        frame(vec![
            col(
                "product",
                s.iter().map(|x| labels[x.row as usize].clone()).collect(),
            ),
            col("tier", s.iter().map(|x| x.tier).collect()),
            col("hhi", s.iter().map(|x| x.hhi).collect()),
            col("countries", s.iter().map(|x| x.countries).collect()),
        ])
    }

    pub fn country_shares_frame(&self, a: &Analysis) -> DataFrame {
        let labels = a.row_labels();
        let s = &self.country_shares;
        frame(vec![
            col(
                "product",
                s.iter().map(|x| labels[x.row as usize].clone()).collect(),
            ),
            col("tier", s.iter().map(|x| x.tier).collect()),
            col("country", s.iter().map(|x| x.country.clone()).collect()),
            col("value", s.iter().map(|x| x.value).collect()),
            col("share", s.iter().map(|x| x.share).collect()),
        ])
    }

    pub fn safety_stock_frame(&self) -> DataFrame {
        let s = &self.safety_stock;
        frame(vec![
            col("buyer", s.iter().map(|x| x.buyer.clone()).collect()),
            col("part", s.iter().map(|x| x.part.clone()).collect()),
            col("seller", s.iter().map(|x| x.seller.clone()).collect()),
            col("daily_use", s.iter().map(|x| x.daily_use).collect()),
            col(
                "lead_time_days",
                s.iter().map(|x| x.lead_time_days).collect(),
            ),
            col(
                "lead_time_sd_days",
                s.iter().map(|x| x.lead_time_sd_days).collect(),
            ),
            col("seller_p_fail", s.iter().map(|x| x.seller_p_fail).collect()),
            col("service_level", s.iter().map(|x| x.service_level).collect()),
            col("z", s.iter().map(|x| x.z).collect()),
            col(
                "safety_stock_units",
                s.iter().map(|x| x.safety_stock_units).collect(),
            ),
            col(
                "safety_stock_days",
                s.iter().map(|x| x.safety_stock_days).collect(),
            ),
            col("current_days", s.iter().map(|x| x.current_days).collect()),
        ])
    }
}

/// A table of [`Criticality`] (DESIGN 3.5), by the name the CLI's `--show` and the keys of
/// Python's `criticality()` use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CriticalityView {
    SingleSources,
    CriticalSellers,
    Chokepoints,
    Dependants,
    Hhi,
    CountryShares,
    SafetyStock,
}

impl CriticalityView {
    pub const ALL: [CriticalityView; 7] = [
        CriticalityView::SingleSources,
        CriticalityView::CriticalSellers,
        CriticalityView::Chokepoints,
        CriticalityView::Dependants,
        CriticalityView::Hhi,
        CriticalityView::CountryShares,
        CriticalityView::SafetyStock,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CriticalityView::SingleSources => "single_sources",
            CriticalityView::CriticalSellers => "critical_sellers",
            CriticalityView::Chokepoints => "chokepoints",
            CriticalityView::Dependants => "dependants",
            CriticalityView::Hhi => "hhi",
            CriticalityView::CountryShares => "country_shares",
            CriticalityView::SafetyStock => "safety_stock",
        }
    }
}

impl std::fmt::Display for CriticalityView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Criticality {
    /// One table of the criticality results.
    pub fn frame(&self, view: CriticalityView, a: &Analysis) -> DataFrame {
        match view {
            CriticalityView::SingleSources => self.single_sources_frame(),
            CriticalityView::CriticalSellers => self.critical_sellers_frame(),
            CriticalityView::Chokepoints => self.chokepoints_frame(a),
            CriticalityView::Dependants => self.dependants_frame(),
            CriticalityView::Hhi => self.concentration_frame(a),
            CriticalityView::CountryShares => self.country_shares_frame(a),
            CriticalityView::SafetyStock => self.safety_stock_frame(),
        }
    }
}
