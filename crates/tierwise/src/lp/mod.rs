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
//! [`Analysis::stress_test`] runs every unit of a kind (or a list) in parallel with one set
//! of models per rayon work split; [`Analysis::stress_scenarios`] does the same for arbitrary
//! disruption sets, each with its own duration (the published cases).
//!
//! Layout: `model` builds the LP structure, `worker` solves scenarios on warm HiGHS models,
//! `highs` is the safe handle on the solver.

pub mod highs;
mod model;
/// The peer-shaped generator preset, at its first path (it lives in
/// [`crate::datasets::peer`]).
pub use crate::datasets::peer as preset;
mod worker;

use polars::prelude::*;

use crate::model::EPS;
use crate::progress::{Cancelled, Progress};
use crate::risk::{Analysis, Disruption, DisruptionError, Exposure, Provenance, UnitKind, UnitRef};
use highs::HighsError;
use model::Down;
pub use model::StressLp;
use worker::{Worker, baseline, run_chains, run_parallel};

/// Errors of the stress test.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LpError {
    #[error(transparent)]
    Disruption(#[from] DisruptionError),
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
    pub const ALL: [Method; 3] = [Method::ClosedForm, Method::Lp, Method::Hybrid];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::ClosedForm => "closed_form",
            Method::Lp => "lp",
            Method::Hybrid => "hybrid",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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

    /// The closed form's numbers, before any LP runs.
    fn from_closed_form(closed: &Exposure, method: Method) -> Stress {
        let n = closed.units.len();
        Stress {
            kind: Some(closed.kind),
            method,
            units: closed.units.clone(),
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
            provenance: closed.provenance.clone(),
        }
    }

    /// Unit `i` as the LPs solved it.
    fn set_exact(&mut self, i: usize, o: LpOutcome) {
        self.pi[i] = o.pi;
        self.tts[i] = o.tts;
        self.lost_units[i] = o.lost_units;
        self.exact[i] = true;
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

/// What a stress test runs: every unit of a kind (or the named `units`), by which method.
#[derive(Debug, Clone, PartialEq)]
pub struct StressOptions {
    pub kind: UnitKind,
    /// Only these units (LP REI is then relative to the units solved).
    pub units: Option<Vec<String>>,
    pub method: Method,
}

impl Default for StressOptions {
    /// Every site, hybrid.
    fn default() -> Self {
        StressOptions {
            kind: UnitKind::Site,
            units: None,
            method: Method::Hybrid,
        }
    }
}

impl StressOptions {
    pub fn new(kind: UnitKind, method: Method) -> Self {
        StressOptions {
            kind,
            units: None,
            method,
        }
    }

    /// Only the named units.
    pub fn only(mut self, units: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.units = Some(units.into_iter().map(Into::into).collect());
        self
    }
}

impl Analysis {
    /// The stress test of DESIGN 3.6 over every unit of a kind (or the named units), with PI,
    /// REI and TTS per unit.
    pub fn stress_test(&self, options: &StressOptions) -> Result<Stress, LpError> {
        self.stress_test_with(options, &Progress::new())
    }

    /// [`Analysis::stress_test`] reporting progress (units solved by the LP, after
    /// screening) and stopping when cancelled.
    pub fn stress_test_with(
        &self,
        options: &StressOptions,
        progress: &Progress,
    ) -> Result<Stress, LpError> {
        let StressOptions {
            kind,
            units,
            method,
        } = options;
        let closed = match units {
            Some(u) => self.exposure_for(*kind, u)?,
            None => self.exposure_with(*kind, &Progress::new())?,
        };
        let horizon = closed.ttr.iter().copied().fold(0.0, f64::max);
        self.stress_of(&closed, *method, horizon, None, progress)
    }

    /// One part of a stress test split across machines: whole warm-start chains of the
    /// whole run ([`Analysis::stress_chains`]), solved as the whole run solves them, against
    /// the whole run's baseline `horizon` ([`Analysis::stress_horizon`]): every unit gets the
    /// whole run's PI, TTS and lost units bit for bit. Rows come in chain order; REI is
    /// relative to the part (the caller scales it to the whole).
    pub fn stress_test_part(
        &self,
        kind: UnitKind,
        chains: &[Vec<String>],
        method: Method,
        horizon: f64,
        progress: &Progress,
    ) -> Result<Stress, LpError> {
        let units: Vec<String> = chains.iter().flatten().cloned().collect();
        let idx = units
            .iter()
            .map(|id| self.unit_index(kind, id))
            .collect::<Result<Vec<_>, _>>()?;
        let closed = self.exposure_of(kind, units, idx, None, &Progress::new())?;
        let mut at = 0;
        let positions: Vec<Vec<usize>> = chains
            .iter()
            .map(|c| {
                at += c.len();
                (at - c.len()..at).collect()
            })
            .collect();
        self.stress_of(&closed, method, horizon, Some(&positions), progress)
    }

    /// The warm-start chains of a stress test of `units` (every unit of the kind when
    /// `None`), as the whole run forms them; a part made of whole chains reproduces the
    /// whole run's numbers.
    pub fn stress_chains(
        &self,
        kind: UnitKind,
        units: Option<&[String]>,
    ) -> Result<Vec<Vec<String>>, DisruptionError> {
        let ids = units.map_or_else(|| self.units(kind), <[String]>::to_vec);
        let days = ids
            .iter()
            .map(|id| Ok(self.unit_ttr(kind, self.unit_index(kind, id)?)))
            .collect::<Result<Vec<f64>, DisruptionError>>()?;
        Ok(worker::chains(&days)
            .into_iter()
            .map(|c| c.into_iter().map(|i| ids[i].clone()).collect())
            .collect())
    }

    /// The baseline horizon of a stress test of `units` (every unit of the kind when `None`):
    /// their largest TTR.
    pub fn stress_horizon(
        &self,
        kind: UnitKind,
        units: Option<&[String]>,
    ) -> Result<f64, DisruptionError> {
        let ids = units.map_or_else(|| self.units(kind), <[String]>::to_vec);
        ids.iter().try_fold(0.0f64, |h, id| {
            Ok(h.max(self.unit_ttr(kind, self.unit_index(kind, id)?)))
        })
    }

    /// The LPs of the units of `closed`, in the whole run's warm-start chains, or in the
    /// given `chains` of positions.
    fn stress_of(
        &self,
        closed: &Exposure,
        method: Method,
        horizon: f64,
        chains: Option<&[Vec<usize>]>,
        progress: &Progress,
    ) -> Result<Stress, LpError> {
        let mut out = Stress::from_closed_form(closed, method);
        if method == Method::ClosedForm {
            progress.set_total(closed.units.len() as u64);
            progress.advance(closed.units.len() as u64);
            return Ok(out);
        }
        let lp = StressLp::new(self.network());
        let b = baseline(&lp, horizon)?;
        out.baseline_pi = b.pi;
        out.baseline_tts = b.tts;
        let jobs = self.screen(&lp, closed, method, b.pi > 0.0)?;
        progress.set_total(jobs.iter().filter(|j| j.1.is_some()).count() as u64);
        let solved = match chains {
            Some(c) => run_chains(&lp, &jobs, c, b.tts, progress)?,
            None => run_parallel(&lp, &jobs, b.tts, progress)?,
        };
        for (i, r) in solved.into_iter().enumerate() {
            match r {
                Some(o) => out.set_exact(i, o),
                // Cleared by screening: closed-form PI is 0 and the LP cannot lose more.
                None => out.pi[i] = 0.0,
            }
        }
        out.rei = rei_of(&out.pi, &out.exact);
        Ok(out)
    }

    /// One LP job per unit: its columns to fix when the method solves it, `None` when
    /// screening clears it (DESIGN 3.6). A baseline loss is part of every LP PI, so then
    /// screening clears nothing.
    fn screen(
        &self,
        lp: &StressLp,
        closed: &Exposure,
        method: Method,
        baseline_loses: bool,
    ) -> Result<Vec<Job>, LpError> {
        let mut jobs = Vec::with_capacity(closed.units.len());
        for (i, id) in closed.units.iter().enumerate() {
            let d = self.down(&[(closed.kind, self.unit_index(closed.kind, id)?)]);
            let solve = method == Method::Lp
                || baseline_loses
                || closed.pi[i] > 0.0
                || lp.cone_has_capacity(self.network(), &d);
            jobs.push((id.clone(), solve.then_some(d), closed.ttr[i]));
        }
        Ok(jobs)
    }

    /// The LP columns that resolved units put out of action.
    fn down(&self, units: &[UnitRef]) -> Down {
        let (nodes, edges) = self.unit_nodes_and_edges(units);
        Down { nodes, edges }
    }

    /// The LPs for a list of scenarios (each its own disruption set and duration), in
    /// parallel and warm-started like [`Analysis::stress_test`]. REI is relative to the
    /// largest PI of the list.
    pub fn stress_scenarios(
        &self,
        scenarios: &[Scenario],
        progress: &Progress,
    ) -> Result<Stress, LpError> {
        let lp = StressLp::new(self.network());
        let mut jobs = Vec::with_capacity(scenarios.len());
        let mut out = Stress::empty(None, Method::Lp, self.provenance(None));
        for s in scenarios {
            let d = self.down(&self.resolve(&s.disruption)?);
            jobs.push((s.label.clone(), Some(d), s.days));
            let (pi, tts) = self.closed_form_of(&s.disruption, s.days)?;
            out.units.push(s.label.clone());
            out.ttr.push(s.days);
            out.closed_form_pi.push(pi);
            out.closed_form_tts.push(tts);
        }
        progress.set_total(jobs.len() as u64);
        let horizon = scenarios.iter().map(|s| s.days).fold(0.0, f64::max);
        let b = baseline(&lp, horizon)?;
        let solved = run_parallel(&lp, &jobs, b.tts, progress)?;
        for o in solved.into_iter().flatten() {
            out.pi.push(o.pi);
            out.tts.push(o.tts);
            out.lost_units.push(o.lost_units);
            out.exact.push(true);
        }
        out.rei = rei_of(&out.pi, &out.exact);
        out.baseline_pi = b.pi;
        out.baseline_tts = b.tts;
        Ok(out)
    }

    /// The closed form's PI and min TTS of one disruption set lasting `days` (DESIGN 3.2).
    fn closed_form_of(&self, d: &Disruption, days: f64) -> Result<(f64, f64), LpError> {
        let imp = self.impact(d, days)?;
        let min_tts = imp
            .availability
            .iter()
            .zip(&imp.tts)
            .filter(|(av, _)| **av < 1.0 - EPS)
            .map(|(_, t)| *t)
            .fold(f64::INFINITY, f64::min);
        Ok((imp.loss.iter().sum(), min_tts))
    }

    /// Both LPs of one scenario on a fresh model.
    pub fn solve_lp(&self, d: &Disruption, days: f64) -> Result<LpOutcome, LpError> {
        let lp = StressLp::new(self.network());
        let down = self.down(&self.resolve(d)?);
        Worker::default().solve(&lp, &d.label(), &down, days)
    }
}

/// One LP job: a label, the columns to fix (`None`: skipped) and the horizon.
type Job = (String, Option<Down>, f64);

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Network;
    use crate::risk::Policy;
    use std::sync::Arc;

    /// A stress test split into parts (as Ray tasks run it) against the whole run's horizon
    /// gives every unit the PI, TTS, lost units and exact flag of the whole run, bit for bit.
    #[test]
    fn parts_of_a_stress_test_match_the_whole_run() {
        // A generated network, whose LP optima move in the last bits with the warm start.
        let config = crate::generate::GeneratorConfig::new(120, 4);
        let net = Network::compile(&crate::generate::generate(&config).unwrap()).unwrap();
        let as_of = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let a = Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for (kind, method) in [
            (UnitKind::Site, Method::Lp),
            (UnitKind::Company, Method::Hybrid),
        ] {
            let whole = a.stress_test(&StressOptions::new(kind, method)).unwrap();
            let h = a.stress_horizon(kind, None).unwrap();
            let chains = a.stress_chains(kind, None).unwrap();
            let n = whole.units.len();
            let (mut pi, mut tts, mut lost, mut exact) =
                (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![false; n]);
            // Parts of 3 chains each, joined back into the whole run's unit order.
            for part in chains.chunks(3) {
                let p = a
                    .stress_test_part(kind, part, method, h, &Progress::new())
                    .unwrap();
                for (k, u) in p.units.iter().enumerate() {
                    let i = whole.units.iter().position(|w| w == u).unwrap();
                    (pi[i], tts[i], lost[i], exact[i]) =
                        (p.pi[k], p.tts[k], p.lost_units[k], p.exact[k]);
                }
            }
            assert_eq!(bits(&pi), bits(&whole.pi), "{kind:?} {method:?}");
            assert_eq!(bits(&tts), bits(&whole.tts));
            assert_eq!(bits(&lost), bits(&whole.lost_units));
            assert_eq!(exact, whole.exact);
        }
    }

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
            let e = a.exposure(UnitKind::Site);
            let horizon = e.ttr.iter().copied().fold(0.0, f64::max);
            let bound = baseline(&lp, horizon).unwrap().tts;
            // Infinite: nothing bounds the search, and the stress test uses the TTS LP.
            let tts_bound = bound.is_finite().then_some(bound);
            with_newton += tts_bound.is_some() as usize;
            let mut newton = Worker::with_bound(tts_bound);
            let mut plain = Worker::default();
            let mut compared = 0;
            for (i, id) in e.units.iter().enumerate() {
                let d = a.down(&[(UnitKind::Site, a.unit_index(UnitKind::Site, id).unwrap())]);
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
