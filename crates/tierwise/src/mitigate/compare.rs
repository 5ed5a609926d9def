//! A network against a changed copy of it ([`Analysis::what_if`]): per unit PI, min TTS and
//! exposed, per products row and for the whole portfolio the Monte Carlo loss, both runs with
//! the same scenarios and seed (so each scenario draws the same failures in both).

use polars::prelude::*;

use super::MitigationError;
use super::frames::{col, frame};
use crate::progress::Progress;
use crate::risk::montecarlo::{LossStats, Simulation};
use crate::risk::{Analysis, Exposure, UnitKind};

/// The Monte Carlo portfolio loss without and with some changes, one seed for both.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PortfolioLoss {
    pub scenarios: usize,
    pub seed: u64,
    pub before: LossStats,
    pub after: LossStats,
}

impl PortfolioLoss {
    pub(crate) fn of(
        base: &Analysis,
        changed: &Analysis,
        scenarios: usize,
        seed: u64,
        progress: &Progress,
    ) -> Result<PortfolioLoss, MitigationError> {
        Ok(PortfolioLoss {
            scenarios,
            seed,
            before: base.simulate(scenarios, seed, progress)?.portfolio_stats,
            after: changed.simulate(scenarios, seed, progress)?.portfolio_stats,
        })
    }
}

/// A network and a changed copy side by side.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub kind: UnitKind,
    pub before: Exposure,
    pub after: Exposure,
    /// The Monte Carlo of both, when scenarios were asked for.
    pub monte_carlo: Option<(Simulation, Simulation)>,
}

impl Analysis {
    /// This network against `changed` (an analysis [`Analysis::what_if`] made from it): the
    /// exposure of every unit of `kind` in both, and with `scenarios` > 0 the Monte Carlo of
    /// both with `seed`.
    pub fn compare(
        &self,
        changed: &Analysis,
        kind: UnitKind,
        scenarios: usize,
        seed: u64,
        progress: &Progress,
    ) -> Result<Comparison, MitigationError> {
        if kind == UnitKind::Link {
            return Err(MitigationError::Kind(kind));
        }
        let before = self.exposure_with(kind, progress)?;
        let after = changed.exposure_with(kind, progress)?;
        let monte_carlo = if scenarios > 0 {
            Some((
                self.simulate(scenarios, seed, progress)?,
                changed.simulate(scenarios, seed, progress)?,
            ))
        } else {
            None
        };
        Ok(Comparison {
            kind,
            before,
            after,
            monte_carlo,
        })
    }
}

impl Comparison {
    /// Per unit: pi_before, pi_after, pi_removed, min_tts_before, min_tts_after,
    /// exposed_before, exposed_after (units in index order).
    pub fn units_frame(&self) -> DataFrame {
        let (b, a) = (&self.before, &self.after);
        frame(vec![
            col("kind", vec![self.kind.as_str().to_string(); b.units.len()]),
            col("unit", b.units.clone()),
            col("pi_before", b.pi.clone()),
            col("pi_after", a.pi.clone()),
            col(
                "pi_removed",
                b.pi.iter().zip(&a.pi).map(|(x, y)| x - y).collect(),
            ),
            col("min_tts_before", b.min_tts.clone()),
            col("min_tts_after", a.min_tts.clone()),
            col("exposed_before", b.exposed.clone()),
            col("exposed_after", a.exposed.clone()),
        ])
    }

    /// Per products row, then the portfolio: the Monte Carlo expected loss, P(short), VaR and
    /// CVaR 99 % before and after (empty without a Monte Carlo).
    pub fn products_frame(&self) -> DataFrame {
        let Some((b, a)) = &self.monte_carlo else {
            return frame(vec![col("product", Vec::<String>::new())]);
        };
        let stats = |s: &Simulation| -> Vec<LossStats> {
            let mut v = s.row_stats.clone();
            v.push(s.portfolio_stats);
            v
        };
        let p_short = |s: &Simulation| -> Vec<f64> {
            let mut v = s.p_short.clone();
            v.push(s.portfolio_p_short);
            v
        };
        let (sb, sa) = (stats(b), stats(a));
        let mut product = b.row_labels.clone();
        product.push("portfolio".into());
        let pick =
            |s: &[LossStats], f: fn(&LossStats) -> f64| s.iter().map(f).collect::<Vec<f64>>();
        frame(vec![
            col("product", product),
            col("expected_loss_before", pick(&sb, |s| s.expected)),
            col("expected_loss_after", pick(&sa, |s| s.expected)),
            col("p_short_before", p_short(b)),
            col("p_short_after", p_short(a)),
            col("var99_before", pick(&sb, |s| s.var99)),
            col("var99_after", pick(&sa, |s| s.var99)),
            col("cvar99_before", pick(&sb, |s| s.cvar99)),
            col("cvar99_after", pick(&sa, |s| s.cvar99)),
        ])
    }
}
