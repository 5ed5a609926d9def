//! The exact stress test of DESIGN 3.6: the time-to-recover (TTR) and time-to-survive (TTS)
//! linear programs of Simchi-Levi et al., built straight from a compiled [`Network`] and
//! solved with HiGHS.
//!
//! One LP structure serves every scenario: the columns are the production `x_j` of every
//! node over the horizon, the shipment `y_e` of every supply row, the lost units `l_row` of
//! every products row (TTR only) and the horizon `T` itself. Every right-hand side of 3.6 is
//! a constant plus a coefficient times `T`, so with `T` a column the constraint matrix is
//! the same for every disruption: a scenario only fixes columns (`x_j = 0` for disrupted
//! nodes, `y_e = 0` for disrupted links, `T = TTR` for the TTR LP). A worker keeps its HiGHS
//! models and changes only those bounds between scenarios, so every solve after the first
//! starts from the previous optimal basis (warm start). TTS comes from Newton steps on the
//! TTR model where that is exact (see `tts_from_ttr`), else from the TTS LP.
//!
//! [`stress_test`] runs every unit of a kind (or a list) in parallel with one set of models
//! per rayon work split; [`stress_scenarios`] does the same for arbitrary disruption sets,
//! each with its own duration (the published cases).

pub mod highs;
pub mod preset;

use std::collections::{HashMap, VecDeque};

use polars::prelude::*;
use rayon::prelude::*;

use crate::model::EPS;
use crate::network::{Network, NetworkError};
use crate::progress::{Cancelled, Progress};
use crate::risk::{Analysis, Disruption, Provenance, UnitKind};
use highs::{Highs, HighsError, LpData, Outcome};

/// Errors of the stress test.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LpError {
    #[error(transparent)]
    Network(#[from] NetworkError),
    #[error(transparent)]
    Highs(#[from] HighsError),
    /// HiGHS ended a solve without an optimum (model status code, see HiGHS's
    /// `kHighsModelStatus`), even after a cold restart.
    #[error("the {lp} LP of {scenario} ended with HiGHS model status {status}")]
    Solve {
        lp: &'static str,
        scenario: String,
        status: i32,
    },
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    #[error("invalid horizon {0} for a TTR LP: expected a finite value >= 0")]
    Horizon(f64),
}

/// How a stress test computes PI and TTS (DESIGN 3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// The closed form of DESIGN 3.2 only (no LP).
    ClosedForm,
    /// Both LPs for every unit.
    Lp,
    /// The closed form screens every unit; the LPs run where screening does not clear it.
    Hybrid,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::ClosedForm => "closed_form",
            Method::Lp => "lp",
            Method::Hybrid => "hybrid",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Method::ClosedForm, Method::Lp, Method::Hybrid]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// One disruption scenario: a disruption set lasting `days`.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub label: String,
    pub disruption: Disruption,
    pub days: f64,
}

/// What the LPs of one scenario give.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LpOutcome {
    /// Minimum value of lost sales over the horizon (the TTR LP's optimum).
    pub pi: f64,
    /// Lost units of the TTR LP's optimal solution (one optimum among possibly many).
    pub lost_units: f64,
    /// The longest horizon without lost sales (infinite when the TTS LP is unbounded).
    pub tts: f64,
}

/// PI, REI and TTS per unit (or scenario) of a stress test.
#[derive(Debug, Clone, PartialEq)]
pub struct Stress {
    /// The unit kind, or `None` for a list of scenarios.
    pub kind: Option<UnitKind>,
    pub method: Method,
    pub units: Vec<String>,
    /// The horizon of each unit: its TTR (DESIGN 3.2) or the scenario's days.
    pub ttr: Vec<f64>,
    /// PI: the LP optimum where `exact`, else the closed form's PI.
    pub pi: Vec<f64>,
    /// PI relative to the largest PI of the units in this result that carry the method's
    /// PI (LP units for `lp` and `hybrid`; DESIGN 3.2's REI for `closed_form`).
    pub rei: Vec<f64>,
    /// TTS: the LP's where `exact`, else the closed form's min TTS (infinite = none).
    pub tts: Vec<f64>,
    /// Lost units of the TTR LP's solution (NaN where not solved).
    pub lost_units: Vec<f64>,
    /// Whether the LPs were solved for this unit.
    pub exact: Vec<bool>,
    /// The closed form's PI and min TTS, for comparison.
    pub closed_form_pi: Vec<f64>,
    pub closed_form_tts: Vec<f64>,
    /// The TTR LP of the undisrupted network over the largest horizon of the result, and the
    /// TTS of the undisrupted network: losses that capacity rows cause without any
    /// disruption show here (and are part of every unit's PI).
    pub baseline_pi: f64,
    pub baseline_tts: f64,
    pub provenance: Provenance,
}

impl Stress {
    /// A result without units (e.g. a report's stress table when the LPs did not run).
    pub fn empty(kind: Option<UnitKind>, method: Method, provenance: Provenance) -> Stress {
        Stress {
            kind,
            method,
            units: Vec::new(),
            ttr: Vec::new(),
            pi: Vec::new(),
            rei: Vec::new(),
            tts: Vec::new(),
            lost_units: Vec::new(),
            exact: Vec::new(),
            closed_form_pi: Vec::new(),
            closed_form_tts: Vec::new(),
            baseline_pi: f64::NAN,
            baseline_tts: f64::NAN,
            provenance,
        }
    }

    /// One row per unit: unit, ttr, pi, rei, tts, lost_units, exact, closed_form_pi,
    /// closed_form_tts (infinite TTS as null... kept as +inf floats, like the exposure frame).
    pub fn to_dataframe(&self) -> DataFrame {
        let kind = self
            .kind
            .map(|k| k.as_str().to_string())
            .unwrap_or_else(|| "scenario".to_string());
        let n = self.units.len();
        DataFrame::new_infer_height(vec![
            Column::new("kind".into(), vec![kind; n]),
            Column::new("unit".into(), self.units.clone()),
            Column::new("ttr".into(), self.ttr.clone()),
            Column::new("pi".into(), self.pi.clone()),
            Column::new("rei".into(), self.rei.clone()),
            Column::new("tts".into(), self.tts.clone()),
            Column::new("lost_units".into(), self.lost_units.clone()),
            Column::new("exact".into(), self.exact.clone()),
            Column::new("closed_form_pi".into(), self.closed_form_pi.clone()),
            Column::new("closed_form_tts".into(), self.closed_form_tts.clone()),
        ])
        .expect("columns of one result have equal lengths")
    }
}

/// A disruption resolved to the LP's columns: disrupted nodes and supply rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Down {
    nodes: Vec<u32>,
    edges: Vec<u32>,
}

/// The LP structure of a network (DESIGN 3.6), shared by every worker.
#[derive(Debug, Clone)]
pub struct StressLp {
    ttr: LpData,
    tts: LpData,
    n_nodes: usize,
    n_edges: usize,
    n_rows: usize,
    /// Column of T in the TTR LP.
    t_ttr: usize,
    /// Node carries a capacity row (its own or its site's).
    capacity_node: Vec<bool>,
    /// Node or some node upstream of it carries a capacity row.
    capacity_upstream: Vec<bool>,
    /// Sum over products rows of demand * value: PI below 1e-9 of this times the horizon is
    /// solver noise and reads as 0.
    worth_per_day: f64,
    /// Every products row has demand and value > 0: then PI(T) = 0 exactly when nothing is
    /// lost, and TTS can come from the TTR model.
    every_row_worth_something: bool,
}

/// Column-wise assembly of one LP.
struct Builder {
    cols: Vec<Vec<(i32, f64)>>,
    row_lower: Vec<f64>,
    row_upper: Vec<f64>,
}

impl Builder {
    fn row(&mut self, lower: f64, upper: f64, terms: &[(usize, f64)]) {
        let r = self.row_lower.len() as i32;
        self.row_lower.push(lower);
        self.row_upper.push(upper);
        for &(c, v) in terms {
            if v != 0.0 {
                self.cols[c].push((r, v));
            }
        }
    }

    fn finish(self, cost: Vec<f64>, lower: Vec<f64>, upper: Vec<f64>, maximize: bool) -> LpData {
        let mut a_start = Vec::with_capacity(self.cols.len() + 1);
        let mut a_index = Vec::new();
        let mut a_value = Vec::new();
        a_start.push(0);
        for c in self.cols {
            for (r, v) in c {
                a_index.push(r);
                a_value.push(v);
            }
            a_start.push(a_index.len() as i32);
        }
        LpData {
            maximize,
            col_cost: cost,
            col_lower: lower,
            col_upper: upper,
            row_lower: self.row_lower,
            row_upper: self.row_upper,
            a_start,
            a_index,
            a_value,
        }
    }
}

impl StressLp {
    /// Builds both LPs of DESIGN 3.6 from the network and its `capacity` table.
    ///
    /// Columns: `x_j` (nodes, in node order), `y_e` (edges), then for the TTR LP `l_row`
    /// (products rows), then `T`. Rows, all linear in (x, y, l, T):
    /// - per consumed group (b,C): `sum_j qty x_j - sum_e y_e - r need_max T <= inv_days need`
    /// - per node with supply rows out: `sum_e y_e - x_j <= inventory_units_j`
    /// - per supply row: `y_e - cap_e need_max T <= 0`
    /// - per node capacity: `x_j - capacity_per_day T <= 0`; per site capacity:
    ///   `sum_j x_j - capacity T <= 0`
    /// - per products row: `x_j - sum_e y_e + l_row - demand T >= -fg demand - inventory_units_j`
    pub fn new(net: &Network) -> StressLp {
        let n = net.nodes().len();
        let m = net.edges().len();
        let rows = net.products().len();
        let (need, need_max) = net.need();
        // Capacity table: node rows (part_id) and site rows (no part_id).
        let mut node_cap: Vec<Option<f64>> = vec![None; n];
        let mut node_inv = vec![0.0; n];
        let mut site_cap: Vec<Option<f64>> = vec![None; net.sites().len()];
        let mut capacity_node = vec![false; n];
        for c in &net.tables().capacity {
            let Some(s) = net.site_index(&c.site_id) else {
                continue;
            };
            match &c.part_id {
                Some(p) => {
                    // A row for a part the site does not make has no node: it carries no flow.
                    if let Some(j) = net.node(&c.site_id, p) {
                        node_cap[j as usize] = c.capacity_per_day;
                        node_inv[j as usize] = c.inventory_units.unwrap_or(0.0);
                        capacity_node[j as usize] = true;
                    }
                }
                None => site_cap[s as usize] = c.capacity_per_day,
            }
        }
        for (j, nd) in net.nodes().iter().enumerate() {
            if site_cap[nd.site as usize].is_some() {
                capacity_node[j] = true;
            }
        }
        // Nodes are in topological order: sellers come first.
        let mut capacity_upstream = capacity_node.clone();
        for j in 0..n {
            if capacity_upstream[j] {
                continue;
            }
            capacity_upstream[j] = net.node_inputs(j as u32).iter().any(|&g| {
                net.group_edges(g)
                    .iter()
                    .any(|&e| capacity_upstream[net.edges()[e as usize].seller as usize])
            });
        }
        let build = |with_loss: bool| -> (LpData, usize) {
            let x = |j: usize| j;
            let y = |e: usize| n + e;
            let l0 = n + m;
            let t = if with_loss { l0 + rows } else { l0 };
            let ncol = t + 1;
            let mut b = Builder {
                cols: vec![Vec::new(); ncol],
                row_lower: Vec::new(),
                row_upper: Vec::new(),
            };
            let mut terms: Vec<(usize, f64)> = Vec::new();
            // Groups.
            for (g, grp) in net.groups().iter().enumerate() {
                let consumers = net.group_consumers(g as u32);
                if consumers.is_empty() {
                    continue;
                }
                terms.clear();
                for &j in consumers {
                    let ins = net.node_inputs(j);
                    let qty = net.node_input_qty(j);
                    let q: f64 = ins
                        .iter()
                        .zip(qty)
                        .filter(|(gg, _)| **gg == g as u32)
                        .map(|(_, q)| *q)
                        .sum();
                    terms.push((x(j as usize), q));
                }
                for &e in net.group_edges(g as u32) {
                    terms.push((y(e as usize), -1.0));
                }
                terms.push((t, -grp.remainder * need_max[g]));
                b.row(f64::NEG_INFINITY, grp.inventory_days * need[g], &terms);
            }
            // Nodes: what ships on supply rows comes from production or stock.
            for (j, &inv) in node_inv.iter().enumerate() {
                let outs = net.node_outputs(j as u32);
                if outs.is_empty() {
                    continue;
                }
                terms.clear();
                terms.extend(outs.iter().map(|&e| (y(e as usize), 1.0)));
                terms.push((x(j), -1.0));
                b.row(f64::NEG_INFINITY, inv, &terms);
            }
            // Supply rows: at most cap * need_max per day.
            for (e, ed) in net.edges().iter().enumerate() {
                b.row(
                    f64::NEG_INFINITY,
                    0.0,
                    &[(y(e), 1.0), (t, -ed.cap * need_max[ed.group as usize])],
                );
            }
            // Capacity.
            for (j, cap) in node_cap.iter().enumerate() {
                if let Some(c) = *cap {
                    b.row(f64::NEG_INFINITY, 0.0, &[(x(j), 1.0), (t, -c)]);
                }
            }
            let mut site_nodes: Vec<Vec<usize>> = vec![Vec::new(); net.sites().len()];
            for (j, nd) in net.nodes().iter().enumerate() {
                site_nodes[nd.site as usize].push(j);
            }
            for (s, c) in site_cap.iter().enumerate() {
                if let Some(c) = *c
                    && !site_nodes[s].is_empty()
                {
                    terms.clear();
                    terms.extend(site_nodes[s].iter().map(|&j| (x(j), 1.0)));
                    terms.push((t, -c));
                    b.row(f64::NEG_INFINITY, 0.0, &terms);
                }
            }
            // Products rows.
            for (r, p) in net.products().iter().enumerate() {
                let j = p.node as usize;
                terms.clear();
                terms.push((x(j), 1.0));
                terms.extend(
                    net.node_outputs(j as u32)
                        .iter()
                        .map(|&e| (y(e as usize), -1.0)),
                );
                if with_loss {
                    terms.push((l0 + r, 1.0));
                }
                terms.push((t, -p.demand_per_day));
                b.row(
                    -p.fg_inventory_days * p.demand_per_day - node_inv[j],
                    f64::INFINITY,
                    &terms,
                );
            }
            let mut cost = vec![0.0; ncol];
            let lower = vec![0.0; ncol];
            let upper = vec![f64::INFINITY; ncol];
            if with_loss {
                for (r, p) in net.products().iter().enumerate() {
                    cost[l0 + r] = p.value();
                }
            } else {
                cost[t] = 1.0;
            }
            (b.finish(cost, lower, upper, !with_loss), t)
        };
        let (ttr, t_ttr) = build(true);
        let (tts, _) = build(false);
        StressLp {
            worth_per_day: net
                .products()
                .iter()
                .map(|p| p.demand_per_day * p.value())
                .sum(),
            // A row without demand loses nothing; one with demand must cost its losses.
            every_row_worth_something: net
                .products()
                .iter()
                .all(|p| p.demand_per_day <= 0.0 || p.value() > 0.0),
            n_rows: rows,
            n_nodes: n,
            n_edges: m,
            ttr,
            tts,
            t_ttr,
            capacity_node,
            capacity_upstream,
        }
    }

    /// The TTR LP (T fixed by its column bounds to 0 until a scenario sets it).
    pub fn ttr_lp(&self) -> &LpData {
        &self.ttr
    }

    /// The TTS LP.
    pub fn tts_lp(&self) -> &LpData {
        &self.tts
    }

    /// Whether node `j` carries a capacity row (its own or its site's).
    pub fn has_capacity(&self, j: u32) -> bool {
        self.capacity_node[j as usize]
    }

    /// PI at or below this, for horizon `t`, is solver noise and reads as 0.
    fn zero_pi(&self, t: f64) -> f64 {
        1e-9 * self.worth_per_day * t.max(1.0)
    }

    fn ttr_lost_units(&self, cols: &[f64]) -> f64 {
        let l0 = self.n_nodes + self.n_edges;
        cols[l0..l0 + self.n_rows].iter().sum()
    }
}

/// One worker's models, reused across scenarios.
#[derive(Debug, Default)]
struct Worker {
    /// Built on the first scenario.
    models: Option<Models>,
    /// Columns fixed to 0 for the previous scenario (same indices in every model).
    fixed: Vec<usize>,
    /// The undisrupted network's TTS, when finite and every products row is worth something:
    /// then TTS comes from the TTR model (see [`tts_from_ttr`]).
    tts_bound: Option<f64>,
    /// Scenarios whose TTS came from the TTR model.
    tts_via_ttr: usize,
}

/// A worker's HiGHS models.
#[derive(Debug)]
struct Models {
    ttr: Highs,
    tts: Highs,
    /// A second TTR model for the Newton steps to TTS, so that `ttr` keeps its horizon
    /// between scenarios of equal TTR (a change of T moves every right-hand side).
    newton: Highs,
    /// A third, whose T stays at the undisrupted network's TTS (the bound).
    at_bound: Highs,
}

impl Models {
    fn new(lp: &StressLp) -> Result<Models, LpError> {
        Ok(Models {
            ttr: Highs::new(&lp.ttr)?,
            tts: Highs::new(&lp.tts)?,
            newton: Highs::new(&lp.ttr)?,
            at_bound: Highs::new(&lp.ttr)?,
        })
    }

    /// Sets the bounds of columns `cols` in every model.
    fn set_bounds(&mut self, cols: &[usize], lower: f64, upper: f64) -> Result<(), LpError> {
        for h in [
            &mut self.ttr,
            &mut self.tts,
            &mut self.newton,
            &mut self.at_bound,
        ] {
            for &c in cols {
                h.set_col_bounds(c, lower, upper)?;
            }
        }
        Ok(())
    }
}

/// Newton steps before falling back to the TTS LP (one or two suffice on generated
/// networks; PI(T) has finitely many pieces).
const MAX_NEWTON_STEPS: usize = 40;

fn solve_one(label: &str, h: &mut Highs, name: &'static str) -> Result<Outcome, LpError> {
    match h.run()? {
        Outcome::Other(_) => {
            // Numerical trouble from a warm basis: retry cold once.
            h.clear_solver()?;
            match h.run()? {
                Outcome::Other(status) => Err(LpError::Solve {
                    lp: name,
                    scenario: label.to_string(),
                    status,
                }),
                o => Ok(o),
            }
        }
        o => Ok(o),
    }
}

impl Worker {
    fn solve(
        &mut self,
        lp: &StressLp,
        label: &str,
        down: &Down,
        days: f64,
    ) -> Result<LpOutcome, LpError> {
        if !(days.is_finite() && days >= 0.0) {
            return Err(LpError::Horizon(days));
        }
        if self.models.is_none() {
            self.models = Some(Models::new(lp)?);
        }
        let m = self.models.as_mut().expect("created above");
        // Undo the previous scenario, then fix this one's columns (x and y come first and
        // have the same indices in every model).
        m.set_bounds(&self.fixed, 0.0, f64::INFINITY)?;
        self.fixed.clear();
        self.fixed.extend(down.nodes.iter().map(|&j| j as usize));
        self.fixed
            .extend(down.edges.iter().map(|&e| lp.n_nodes + e as usize));
        m.set_bounds(&self.fixed, 0.0, 0.0)?;
        let Models {
            ttr,
            tts,
            newton,
            at_bound,
        } = m;
        let (raw_pi, slope) = ttr_at(ttr, lp, label, days)?;
        let pi = if raw_pi <= lp.zero_pi(days) {
            0.0
        } else {
            raw_pi
        };
        let lost_units = lp.ttr_lost_units(&ttr.col_values());
        let from_ttr = match self.tts_bound {
            Some(bound) => tts_from_ttr(newton, at_bound, lp, label, days, raw_pi, slope, bound)?,
            None => None,
        };
        let tts_v = match from_ttr {
            Some(t) => {
                self.tts_via_ttr += 1;
                t
            }
            None => match solve_one(label, tts, "TTS")? {
                Outcome::Optimal(v) => v.max(0.0),
                Outcome::Unbounded => f64::INFINITY,
                Outcome::Other(_) => unreachable!("solve_one maps other statuses to errors"),
            },
        };
        Ok(LpOutcome {
            pi,
            lost_units,
            tts: tts_v,
        })
    }
}

/// Solves the TTR LP at horizon `t`: PI(t) (unrounded) and dPI/dT, the reduced cost of the
/// fixed T column (a subgradient of PI at t).
fn ttr_at(ttr: &mut Highs, lp: &StressLp, label: &str, t: f64) -> Result<(f64, f64), LpError> {
    ttr.set_col_bounds(lp.t_ttr, t, t)?;
    match solve_one(label, ttr, "TTR")? {
        Outcome::Optimal(v) => Ok((v, ttr.col_values_and_duals().1[lp.t_ttr])),
        Outcome::Unbounded => Err(LpError::Solve {
            lp: "TTR",
            scenario: label.to_string(),
            status: 10,
        }),
        Outcome::Other(_) => unreachable!("solve_one maps other statuses to errors"),
    }
}

/// TTS from the TTR model, without the TTS LP: `None` when it cannot tell (then the TTS LP
/// runs).
///
/// PI(T), the TTR optimum at horizon T, is 0 exactly up to TTS (every row is worth
/// something, so no loss is free) and convex and piecewise linear in T (the optimum of a
/// minimization whose right-hand side is linear in T). Newton's method from a point right
/// of TTS, with any subgradient, never passes TTS and lands on it after finitely many
/// steps, each a re-solve of the TTR model with only T's bounds changed. The starting point
/// is the scenario's own horizon when it loses, else the undisrupted network's TTS `bound`
/// (a disruption only removes options, so TTS <= bound). Measured on the peer network
/// (200, 500, 1000): the TTS LP's T column enters every supply, capacity and products row,
/// and its iterations cost ~6x those of the TTR LP, where T is fixed.
#[allow(clippy::too_many_arguments)]
fn tts_from_ttr(
    ttr: &mut Highs,
    at_bound: &mut Highs,
    lp: &StressLp,
    label: &str,
    days: f64,
    pi_days: f64,
    slope_days: f64,
    bound: f64,
) -> Result<Option<f64>, LpError> {
    let (mut t, mut pi, mut slope) = if pi_days <= lp.zero_pi(days) {
        // No loss at the horizon: TTS lies in [days, bound].
        if bound <= days {
            return Ok(Some(bound));
        }
        let (p, s) = ttr_at(at_bound, lp, label, bound)?;
        if p <= lp.zero_pi(bound) {
            return Ok(Some(bound));
        }
        (bound, p, s)
    } else {
        (days, pi_days, slope_days)
    };
    for _ in 0..MAX_NEWTON_STEPS {
        if !(slope > 0.0 && slope.is_finite()) {
            return Ok(None);
        }
        let next = (t - pi / slope).max(0.0);
        if next.is_nan() || next >= t {
            return Ok(None);
        }
        let (p, s) = ttr_at(ttr, lp, label, next)?;
        if p <= lp.zero_pi(next) {
            return Ok(Some(next));
        }
        (t, pi, slope) = (next, p, s);
    }
    Ok(None)
}

/// Resolves units and disruption sets to nodes and supply rows.
struct Resolver<'a> {
    net: &'a Network,
    site_nodes: Vec<Vec<u32>>,
    links: HashMap<String, u32>,
}

impl<'a> Resolver<'a> {
    fn new(a: &'a Analysis) -> Self {
        let net = a.network();
        let mut site_nodes = vec![Vec::new(); net.sites().len()];
        for (j, nd) in net.nodes().iter().enumerate() {
            site_nodes[nd.site as usize].push(j as u32);
        }
        let links = a
            .units(UnitKind::Link)
            .into_iter()
            .enumerate()
            .map(|(e, id)| (id, e as u32))
            .collect();
        Resolver {
            net,
            site_nodes,
            links,
        }
    }

    fn unknown(kind: UnitKind, id: &str) -> NetworkError {
        NetworkError::UnknownUnit {
            kind: kind.as_str(),
            id: id.to_string(),
        }
    }

    fn add(&self, d: &mut Down, kind: UnitKind, id: &str) -> Result<(), NetworkError> {
        let net = self.net;
        let sites: Vec<u32> = match kind {
            UnitKind::Site => vec![net.site_index(id).ok_or_else(|| Self::unknown(kind, id))?],
            UnitKind::Company => {
                let c = net
                    .companies()
                    .binary_search_by(|c| c.as_str().cmp(id))
                    .map_err(|_| Self::unknown(kind, id))? as u32;
                (0..net.sites().len() as u32)
                    .filter(|&s| net.site_company(s) == c)
                    .collect()
            }
            UnitKind::Country => {
                let c = net
                    .countries()
                    .binary_search_by(|c| c.as_str().cmp(id))
                    .map_err(|_| Self::unknown(kind, id))? as u32;
                let s: Vec<u32> = (0..net.sites().len() as u32)
                    .filter(|&s| net.site_country(s) == c)
                    .collect();
                if s.is_empty() {
                    return Err(Self::unknown(kind, id));
                }
                s
            }
            UnitKind::Link => {
                let e = *self.links.get(id).ok_or_else(|| Self::unknown(kind, id))?;
                d.edges.push(e);
                return Ok(());
            }
        };
        for s in sites {
            d.nodes.extend_from_slice(&self.site_nodes[s as usize]);
        }
        Ok(())
    }

    fn disruption(&self, dis: &Disruption) -> Result<Down, NetworkError> {
        let mut d = Down::default();
        for s in &dis.sites {
            self.add(&mut d, UnitKind::Site, s)?;
        }
        for s in &dis.companies {
            self.add(&mut d, UnitKind::Company, s)?;
        }
        for s in &dis.countries {
            self.add(&mut d, UnitKind::Country, s)?;
        }
        for (b, p, s) in &dis.links {
            self.add(&mut d, UnitKind::Link, &format!("{b}|{p}|{s}"))?;
        }
        d.nodes.sort_unstable();
        d.nodes.dedup();
        d.edges.sort_unstable();
        d.edges.dedup();
        Ok(d)
    }

    /// Whether a capacity row lies in the downstream cone of `d` (the disrupted nodes, the
    /// consumers of disrupted supply rows, and every node downstream of them) or upstream of
    /// any node of that cone (the alternate sources the cone could draw more from).
    fn cone_has_capacity(&self, lp: &StressLp, d: &Down) -> bool {
        let net = self.net;
        let mut seen = vec![false; net.nodes().len()];
        let mut queue: VecDeque<u32> = VecDeque::new();
        let push = |v: u32, seen: &mut Vec<bool>, q: &mut VecDeque<u32>| {
            if !seen[v as usize] {
                seen[v as usize] = true;
                q.push_back(v);
            }
        };
        for &v in &d.nodes {
            push(v, &mut seen, &mut queue);
        }
        for &e in &d.edges {
            for &c in net.group_consumers(net.edges()[e as usize].group) {
                push(c, &mut seen, &mut queue);
            }
        }
        while let Some(v) = queue.pop_front() {
            if lp.capacity_upstream[v as usize] {
                return true;
            }
            for &e in net.node_outputs(v) {
                for &c in net.group_consumers(net.edges()[e as usize].group) {
                    push(c, &mut seen, &mut queue);
                }
            }
        }
        false
    }
}

/// Solves both LPs of one scenario on a fresh model.
pub fn solve(a: &Analysis, d: &Disruption, days: f64) -> Result<LpOutcome, LpError> {
    let lp = StressLp::new(a.network());
    let down = Resolver::new(a).disruption(d)?;
    Worker::default().solve(&lp, &d.label(), &down, days)
}

/// Runs the LPs for every job in parallel (one set of models per rayon split, reused across
/// its jobs); `None` jobs are skipped. Cancellation is checked between scenarios.
fn run_parallel(
    lp: &StressLp,
    jobs: &[(String, Option<Down>, f64)],
    baseline_tts: f64,
    progress: &Progress,
) -> Result<Vec<Option<LpOutcome>>, LpError> {
    let tts_bound =
        (baseline_tts.is_finite() && lp.every_row_worth_something).then_some(baseline_tts);
    let threads = rayon::current_num_threads();
    // Each split builds its models once and warm-starts the rest; units differ widely in
    // cost (a plant's scenario is several times a supplier's), so 8 splits per thread
    // balance better than 2 or 4 (measured: 12.2-12.8 s vs 14.2-15.3 s on the 1,700 sites of
    // the (200, 500, 1000) peer network; 16 is no better).
    let min_len = (jobs.len() / (threads * 8)).max(1);
    // Scenarios with the same horizon one after another: a warm start then changes only the
    // disrupted columns, not T (whose change moves every right-hand side).
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by(|&i, &j| jobs[i].2.total_cmp(&jobs[j].2).then(i.cmp(&j)));
    let solved: Vec<Result<Option<LpOutcome>, LpError>> = order
        .par_iter()
        .with_min_len(min_len)
        .map_init(
            || Worker {
                tts_bound,
                ..Worker::default()
            },
            |w, &i| {
                let (label, down, days) = &jobs[i];
                if progress.is_cancelled() {
                    return Err(LpError::Cancelled(Cancelled));
                }
                let r = match down {
                    Some(d) => Some(w.solve(lp, label, d, *days)?),
                    None => None,
                };
                progress.advance(1);
                Ok(r)
            },
        )
        .collect();
    let mut out: Vec<Option<LpOutcome>> = vec![None; jobs.len()];
    for (i, r) in order.into_iter().zip(solved) {
        out[i] = r?;
    }
    Ok(out)
}

fn baseline(lp: &StressLp, days: f64) -> Result<LpOutcome, LpError> {
    Worker::default().solve(lp, "baseline", &Down::default(), days)
}

fn rei_of(pi: &[f64], exact: &[bool]) -> Vec<f64> {
    let max = pi
        .iter()
        .zip(exact)
        .filter(|(_, e)| **e)
        .map(|(p, _)| *p)
        .fold(0.0, f64::max);
    pi.iter()
        .zip(exact)
        .map(|(&p, &e)| if e && max > 0.0 { p / max } else { 0.0 })
        .collect()
}

/// The stress test of DESIGN 3.6 over every unit of `kind` (or the named `units`), with PI,
/// REI and TTS per unit. Progress counts units solved by the LP (after screening).
pub fn stress_test(
    a: &Analysis,
    kind: UnitKind,
    units: Option<&[String]>,
    method: Method,
    progress: &Progress,
) -> Result<Stress, LpError> {
    let ids: Vec<String> = match units {
        Some(u) => u.to_vec(),
        None => a.units(kind),
    };
    let closed = match units {
        Some(u) => a.exposure_for(kind, u)?,
        None => a.exposure_with(kind, &Progress::new())?,
    };
    let n = ids.len();
    let mut out = Stress {
        kind: Some(kind),
        method,
        units: ids,
        ttr: closed.ttr.clone(),
        pi: closed.pi.clone(),
        rei: closed.rei.clone(),
        tts: closed.min_tts.clone(),
        lost_units: vec![f64::NAN; n],
        exact: vec![false; n],
        closed_form_pi: closed.pi.clone(),
        closed_form_tts: closed.min_tts.clone(),
        baseline_pi: f64::NAN,
        baseline_tts: f64::NAN,
        provenance: a.provenance(None),
    };
    if method == Method::ClosedForm {
        progress.set_total(n as u64);
        progress.advance(n as u64);
        return Ok(out);
    }
    let lp = StressLp::new(a.network());
    let res = Resolver::new(a);
    let horizon = out.ttr.iter().copied().fold(0.0, f64::max);
    let b = baseline(&lp, horizon)?;
    out.baseline_pi = b.pi;
    out.baseline_tts = b.tts;
    // Losses of the undisrupted network are part of every LP PI: screening clears nothing then.
    let baseline_loses = b.pi > 0.0;
    let mut jobs = Vec::with_capacity(n);
    for (i, id) in out.units.iter().enumerate() {
        let mut d = Down::default();
        res.add(&mut d, kind, id)?;
        let solve = method == Method::Lp
            || baseline_loses
            || closed.pi[i] > 0.0
            || res.cone_has_capacity(&lp, &d);
        jobs.push((id.clone(), solve.then_some(d), closed.ttr[i]));
    }
    progress.set_total(jobs.iter().filter(|j| j.1.is_some()).count() as u64);
    let solved = run_parallel(&lp, &jobs, b.tts, progress)?;
    for (i, r) in solved.into_iter().enumerate() {
        match r {
            Some(o) => {
                out.pi[i] = o.pi;
                out.tts[i] = o.tts;
                out.lost_units[i] = o.lost_units;
                out.exact[i] = true;
            }
            None => {
                // Cleared by screening: closed-form PI is 0 and the LP cannot lose more.
                out.pi[i] = 0.0;
            }
        }
    }
    out.rei = rei_of(&out.pi, &out.exact);
    Ok(out)
}

/// The LPs for a list of scenarios (each its own disruption set and duration), in parallel
/// and warm-started like [`stress_test`]. REI is relative to the largest PI of the list.
pub fn stress_scenarios(
    a: &Analysis,
    scenarios: &[Scenario],
    progress: &Progress,
) -> Result<Stress, LpError> {
    let lp = StressLp::new(a.network());
    let res = Resolver::new(a);
    let mut jobs = Vec::with_capacity(scenarios.len());
    let mut closed_pi = Vec::with_capacity(scenarios.len());
    let mut closed_tts = Vec::with_capacity(scenarios.len());
    for s in scenarios {
        jobs.push((
            s.label.clone(),
            Some(res.disruption(&s.disruption)?),
            s.days,
        ));
        let imp = a.impact(&s.disruption, s.days)?;
        closed_pi.push(imp.loss.iter().sum());
        closed_tts.push(
            imp.availability
                .iter()
                .zip(&imp.tts)
                .filter(|(av, _)| **av < 1.0 - EPS)
                .map(|(_, t)| *t)
                .fold(f64::INFINITY, f64::min),
        );
    }
    progress.set_total(jobs.len() as u64);
    let horizon = scenarios.iter().map(|s| s.days).fold(0.0, f64::max);
    let b = baseline(&lp, horizon)?;
    let solved = run_parallel(&lp, &jobs, b.tts, progress)?;
    let n = scenarios.len();
    let mut out = Stress {
        kind: None,
        method: Method::Lp,
        units: scenarios.iter().map(|s| s.label.clone()).collect(),
        ttr: scenarios.iter().map(|s| s.days).collect(),
        pi: Vec::with_capacity(n),
        rei: Vec::new(),
        tts: Vec::with_capacity(n),
        lost_units: Vec::with_capacity(n),
        exact: vec![true; n],
        closed_form_pi: closed_pi,
        closed_form_tts: closed_tts,
        baseline_pi: f64::NAN,
        baseline_tts: f64::NAN,
        provenance: a.provenance(None),
    };
    for o in solved.into_iter().flatten() {
        out.pi.push(o.pi);
        out.tts.push(o.tts);
        out.lost_units.push(o.lost_units);
    }
    out.rei = rei_of(&out.pi, &out.exact);
    out.baseline_pi = b.pi;
    out.baseline_tts = b.tts;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Network;
    use crate::risk::Policy;
    use std::sync::Arc;

    /// TTS from Newton steps on the TTR model equals the TTS LP's optimum, unit by unit, and
    /// the Newton path really ran (it is what the stress test uses on these networks).
    #[test]
    fn tts_from_the_ttr_model_equals_the_tts_lp() {
        let mut with_newton = 0;
        for (n1, n2, seed) in [(5, 10, 1u64), (12, 30, 7), (30, 60, 3)] {
            let net = Network::compile(&preset::peer(n1, n2, seed)).unwrap();
            let as_of = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
                .unwrap()
                .to_utc();
            let a = Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of);
            let lp = StressLp::new(a.network());
            assert!(lp.every_row_worth_something);
            let res = Resolver::new(&a);
            let e = a.exposure(UnitKind::Site);
            let horizon = e.ttr.iter().copied().fold(0.0, f64::max);
            let bound = baseline(&lp, horizon).unwrap().tts;
            // Infinite: nothing bounds the search, and the stress test uses the TTS LP.
            let tts_bound = bound.is_finite().then_some(bound);
            with_newton += tts_bound.is_some() as usize;
            let mut newton = Worker {
                tts_bound,
                ..Worker::default()
            };
            let mut plain = Worker::default();
            let mut compared = 0;
            for (i, id) in e.units.iter().enumerate() {
                let mut d = Down::default();
                res.add(&mut d, UnitKind::Site, id).unwrap();
                let x = newton.solve(&lp, id, &d, e.ttr[i]).unwrap();
                let y = plain.solve(&lp, id, &d, e.ttr[i]).unwrap();
                assert_eq!(x.pi, y.pi, "{id}");
                assert!(
                    x.tts == y.tts || (x.tts - y.tts).abs() <= 1e-6 * y.tts.abs().max(1.0),
                    "{id}: Newton {} vs TTS LP {}",
                    x.tts,
                    y.tts
                );
                compared += 1;
            }
            if tts_bound.is_some() {
                assert_eq!(
                    newton.tts_via_ttr, compared,
                    "every TTS came from Newton steps"
                );
            }
            assert_eq!(plain.tts_via_ttr, 0);
        }
        assert!(
            with_newton > 0,
            "no network with a finite TTS to compare on"
        );
    }
}
