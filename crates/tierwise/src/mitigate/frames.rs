//! Mitigation results as polars DataFrames: the columns `tierwise mitigate`, Python's
//! `net.mitigate` and the report share.

use polars::prelude::*;

use super::{Mitigation, Portfolio, Proposal};

pub(super) fn col<T>(name: &str, v: Vec<T>) -> Column
where
    Series: NamedFrom<Vec<T>, [T]>,
{
    Column::new(name.into(), v)
}

pub(super) fn frame(cols: Vec<Column>) -> DataFrame {
    DataFrame::new_infer_height(cols).expect("columns of one result have equal lengths")
}

/// `name=amount (basis)` per cost term, `; `-separated.
pub fn cost_terms_text(p: &Proposal) -> String {
    p.cost_terms
        .iter()
        .map(|t| format!("{}={} ({})", t.name, t.amount, t.basis))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The proposal's changes as a JSON list (what `Network.what_if` takes in Python).
pub fn changes_json(p: &Proposal) -> String {
    serde_json::Value::Array(p.changes.iter().map(|c| c.to_json()).collect()).to_string()
}

impl Mitigation {
    /// The row order of [`Mitigation::to_dataframe`]: with a portfolio, its picks in the
    /// order picked, then the others by rank; else by rank.
    pub fn row_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = match &self.portfolio {
            Some(p) => p.picks.iter().map(|x| x.proposal).collect(),
            None => Vec::new(),
        };
        let picked = order.clone();
        order.extend((0..self.proposals.len()).filter(|i| !picked.contains(i)));
        order
    }

    /// One row per proposal: rank (by benefit per cost), unit, action, target, parameters,
    /// cost, cost_terms, changes (JSON, what `Network.what_if` takes), pi_before, pi_after, benefit, benefit_per_cost, units_touched,
    /// lp_checked, lp_pi_before, lp_pi_after, expected_loss_reduction; with a budget also
    /// selected, pick, marginal_benefit, cumulative_cost and cumulative_benefit (null for the
    /// proposals not picked). Rows in [`Mitigation::row_order`].
    pub fn to_dataframe(&self) -> DataFrame {
        let order = self.row_order();
        let ps: Vec<&Proposal> = order.iter().map(|&i| &self.proposals[i]).collect();
        let f = |g: fn(&Proposal) -> f64| ps.iter().map(|p| g(p)).collect::<Vec<f64>>();
        let s = |g: fn(&Proposal) -> String| ps.iter().map(|p| g(p)).collect::<Vec<String>>();
        let lp = |g: fn(&super::LpCheck) -> f64| {
            ps.iter()
                .map(|p| p.lp.as_ref().map(g))
                .collect::<Vec<Option<f64>>>()
        };
        let mut cols = vec![
            col(
                "rank",
                order.iter().map(|&i| i as u32 + 1).collect::<Vec<u32>>(),
            ),
            col("unit", s(|p| p.unit.clone())),
            col("action", s(|p| p.action.as_str().to_string())),
            col("target", s(|p| p.target.clone())),
            col("parameters", s(|p| p.parameters.clone())),
            col("cost", f(|p| p.cost)),
            col("cost_terms", s(cost_terms_text)),
            col("changes", s(changes_json)),
            col("pi_before", f(|p| p.pi_before)),
            col("pi_after", f(|p| p.pi_after)),
            col("benefit", f(|p| p.benefit)),
            col("benefit_per_cost", f(|p| p.benefit_per_cost())),
            col(
                "units_touched",
                ps.iter()
                    .map(|p| p.units_touched as u32)
                    .collect::<Vec<u32>>(),
            ),
            col(
                "lp_checked",
                ps.iter().map(|p| p.lp.is_some()).collect::<Vec<bool>>(),
            ),
            col("lp_pi_before", lp(|l| l.pi_before)),
            col("lp_pi_after", lp(|l| l.pi_after)),
            col(
                "expected_loss_reduction",
                ps.iter()
                    .map(|p| p.expected_loss_reduction)
                    .collect::<Vec<Option<f64>>>(),
            ),
        ];
        if let Some(pf) = &self.portfolio {
            cols.extend(portfolio_columns(pf, &order));
        }
        frame(cols)
    }
}

/// selected, pick, marginal_benefit, cumulative_cost, cumulative_benefit of the proposals in
/// `order`.
fn portfolio_columns(pf: &Portfolio, order: &[usize]) -> [Column; 5] {
    let of = |i: usize| pf.picks.iter().enumerate().find(|(_, x)| x.proposal == i);
    [
        col(
            "selected",
            order
                .iter()
                .map(|&i| of(i).is_some())
                .collect::<Vec<bool>>(),
        ),
        col(
            "pick",
            order
                .iter()
                .map(|&i| of(i).map(|(k, _)| k as u32 + 1))
                .collect::<Vec<Option<u32>>>(),
        ),
        col(
            "marginal_benefit",
            order
                .iter()
                .map(|&i| of(i).map(|(_, x)| x.marginal_benefit))
                .collect::<Vec<Option<f64>>>(),
        ),
        col(
            "cumulative_cost",
            order
                .iter()
                .map(|&i| of(i).map(|(_, x)| x.cumulative_cost))
                .collect::<Vec<Option<f64>>>(),
        ),
        col(
            "cumulative_benefit",
            order
                .iter()
                .map(|&i| of(i).map(|(_, x)| x.cumulative_benefit))
                .collect::<Vec<Option<f64>>>(),
        ),
    ]
}

impl Portfolio {
    /// The benefit-versus-spend curve, one row per pick: pick, proposal (its rank), unit,
    /// action, target, cost, marginal_benefit, cumulative_cost, cumulative_benefit and
    /// share_of_pi (cumulative benefit over `total_pi`, the PI of every unit before).
    pub fn curve_frame(&self, m: &Mitigation) -> DataFrame {
        let p = |i: usize| &m.proposals[self.picks[i].proposal];
        let n = self.picks.len();
        let share = |x: f64| {
            if m.total_pi > 0.0 {
                x / m.total_pi
            } else {
                0.0
            }
        };
        frame(vec![
            col("pick", (1..=n as u32).collect::<Vec<u32>>()),
            col(
                "rank",
                self.picks
                    .iter()
                    .map(|x| x.proposal as u32 + 1)
                    .collect::<Vec<u32>>(),
            ),
            col(
                "unit",
                (0..n).map(|i| p(i).unit.clone()).collect::<Vec<_>>(),
            ),
            col(
                "action",
                (0..n)
                    .map(|i| p(i).action.as_str().to_string())
                    .collect::<Vec<_>>(),
            ),
            col(
                "target",
                (0..n).map(|i| p(i).target.clone()).collect::<Vec<_>>(),
            ),
            col("cost", (0..n).map(|i| p(i).cost).collect::<Vec<_>>()),
            col(
                "marginal_benefit",
                self.picks
                    .iter()
                    .map(|x| x.marginal_benefit)
                    .collect::<Vec<_>>(),
            ),
            col(
                "cumulative_cost",
                self.picks
                    .iter()
                    .map(|x| x.cumulative_cost)
                    .collect::<Vec<_>>(),
            ),
            col(
                "cumulative_benefit",
                self.picks
                    .iter()
                    .map(|x| x.cumulative_benefit)
                    .collect::<Vec<_>>(),
            ),
            col(
                "share_of_pi",
                self.picks
                    .iter()
                    .map(|x| share(x.cumulative_benefit))
                    .collect::<Vec<_>>(),
            ),
        ])
    }
}
