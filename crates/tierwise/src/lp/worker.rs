//! A worker's HiGHS models and how it solves one scenario after another, warm-started (only
//! column bounds change between scenarios), and the parallel run over many scenarios.

use rayon::prelude::*;

use super::LpError;
use super::LpOutcome;
use super::highs::{Highs, Outcome};
use super::model::{Down, StressLp};
use crate::progress::{Cancelled, Progress};

/// One worker's models, reused across scenarios.
#[derive(Debug, Default)]
pub(crate) struct Worker {
    /// Built on the first scenario.
    models: Option<Models>,
    /// Columns fixed to 0 for the previous scenario (same indices in every model).
    fixed: Vec<usize>,
    /// The undisrupted network's TTS, when finite and every products row is worth something:
    /// then TTS comes from the TTR model (see [`tts_from_ttr`]).
    pub(crate) tts_bound: Option<f64>,
    /// Scenarios whose TTS came from the TTR model.
    pub(crate) tts_via_ttr: usize,
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
    // Numerical trouble (an unfinished status or a run error) from a warm basis: retry cold;
    // then cold without presolve, which is where HiGHS 1.16 tells some unbounded TTS LPs
    // from a "solve error" (seen on generated networks, tests/proptest-regressions/lp.txt).
    let mut status = match h.run()? {
        Outcome::Other(s) => s,
        o => return Ok(o),
    };
    for presolve in ["choose", "off"] {
        h.set_string("presolve", presolve)?;
        h.clear_solver()?;
        let outcome = h.run();
        if presolve != "choose" {
            h.set_string("presolve", "choose")?;
        }
        match outcome? {
            Outcome::Other(s) => status = s,
            o => return Ok(o),
        }
    }
    Err(LpError::Solve {
        lp: name,
        scenario: label.to_string(),
        status,
    })
}

impl Worker {
    /// A worker that takes TTS from the TTR model when `tts_bound` (the undisrupted
    /// network's TTS) is known, see [`tts_from_ttr`].
    pub(crate) fn with_bound(tts_bound: Option<f64>) -> Self {
        Worker {
            tts_bound,
            ..Worker::default()
        }
    }

    pub(crate) fn solve(
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

/// How many pieces the jobs are cut into, whatever the number of threads: each piece builds
/// its models once and warm-starts the rest of its jobs, in order. A warm start changes the
/// basis the next solve starts from, and so the last bits of its result: pieces fixed by the
/// data alone make every result identical on any number of threads (tested on 1, 2 and 8).
/// Units differ widely in cost (a plant's scenario is several times a supplier's); 64 pieces
/// balance 8 threads as the 8 splits per thread that were measured best did (12.2-12.8 s vs
/// 14.2-15.3 s for 2 or 4 on the 1,700 sites of the (200, 500, 1000) peer network).
const PIECES: usize = 64;

/// Runs the LPs for every job in parallel, in [`PIECES`] pieces (one set of models per
/// piece); `None` jobs are skipped. Cancellation is checked between scenarios.
pub(crate) fn run_parallel(
    lp: &StressLp,
    jobs: &[(String, Option<Down>, f64)],
    baseline_tts: f64,
    progress: &Progress,
) -> Result<Vec<Option<LpOutcome>>, LpError> {
    let days: Vec<f64> = jobs.iter().map(|j| j.2).collect();
    run_chains(lp, jobs, &chains(&days), baseline_tts, progress)
}

/// The warm-start chains of a run over jobs with these horizons: jobs with the same horizon
/// one after another (a warm start then changes only the disrupted columns, not T, whose
/// change moves every right-hand side), cut into [`PIECES`] pieces fixed by the jobs alone.
/// A warm start changes the last bits of an optimum, so the chains fix the numbers.
pub(crate) fn chains(days: &[f64]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..days.len()).collect();
    order.sort_by(|&i, &j| days[i].total_cmp(&days[j]).then(i.cmp(&j)));
    let piece = days.len().div_ceil(PIECES).max(1);
    order.chunks(piece).map(<[usize]>::to_vec).collect()
}

/// Runs each chain of jobs on its own models, warm-started along the chain, the chains in
/// parallel; results come back in job order (`None` where a job has nothing to solve).
pub(crate) fn run_chains(
    lp: &StressLp,
    jobs: &[(String, Option<Down>, f64)],
    chains: &[Vec<usize>],
    baseline_tts: f64,
    progress: &Progress,
) -> Result<Vec<Option<LpOutcome>>, LpError> {
    let tts_bound =
        (baseline_tts.is_finite() && lp.every_row_worth_something).then_some(baseline_tts);
    let solved: Vec<Vec<Result<Option<LpOutcome>, LpError>>> = chains
        .par_iter()
        .map(|chain| {
            let mut w = Worker::with_bound(tts_bound);
            chain
                .iter()
                .map(|&i| {
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
                })
                .collect()
        })
        .collect();
    let mut out: Vec<Option<LpOutcome>> = vec![None; jobs.len()];
    for (&i, r) in chains.iter().flatten().zip(solved.into_iter().flatten()) {
        out[i] = r?;
    }
    Ok(out)
}

pub(crate) fn baseline(lp: &StressLp, days: f64) -> Result<LpOutcome, LpError> {
    Worker::default().solve(lp, "baseline", &Down::default(), days)
}
