//! Propagated risk (DESIGN 3.4): the analytic failure probability per node under
//! independence, and a Monte Carlo over joint site and country failures.
//!
//! Determinism: scenario `i` draws from ChaCha8 keyed by the seed, on stream `i`, so its
//! draws depend only on (seed, i). Scenarios run in parallel in fixed blocks; every sum is
//! taken in block order, so results are bit-identical on any number of threads. Within a
//! block, 8 scenarios (`LANES`) propagate together, each lane exactly as alone (tested
//! against [`Analysis::scenario_loss`]).

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::cone::{Cone, Pool};
use super::lanes::{LANES, LaneCone, NodeInputs};
use super::{Analysis, Provenance, UnitKind};
use crate::model::EPS;
use crate::progress::{Cancelled, Progress};

/// Scenarios per block: the unit of parallel work and of summation order.
const BLOCK: usize = 512;

/// The analytic probability that each node delivers nothing (independence assumed):
/// `q(s,P) = 1 - (1 - p_s)(1 - p_event(country(s))) * prod over C (1 - u(s,C))`,
/// `u(b,C) = prod over sellers of q(s2,C)`, 0 when the group has an unmapped remainder.
pub fn analytic_q(a: &Analysis) -> Vec<f64> {
    let net = a.network();
    let mut q = vec![0.0; net.nodes().len()];
    for (v, node) in net.nodes().iter().enumerate() {
        let p = a.site_risks()[node.site as usize].p_fail;
        let pe = a.country_p_event()[net.site_country(node.site) as usize];
        let mut ok = (1.0 - p) * (1.0 - pe);
        for &g in net.node_inputs(v as u32) {
            if net.groups()[g as usize].remainder > 0.0 {
                continue;
            }
            let u: f64 = net
                .group_edges(g)
                .iter()
                .map(|&e| q[net.edges()[e as usize].seller as usize])
                .product();
            ok *= 1.0 - u;
        }
        q[v] = 1.0 - ok;
    }
    q
}

/// Risk measures of one loss distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossStats {
    pub expected: f64,
    pub var95: f64,
    pub cvar95: f64,
    pub var99: f64,
    pub cvar99: f64,
}

/// VaR_alpha = the smallest loss L with P(loss <= L) >= alpha (the ceil(alpha n)-th smallest);
/// CVaR_alpha = VaR + E[max(0, loss - VaR)] / (1 - alpha) (Rockafellar and Uryasev).
pub fn var_cvar(losses: &[f64], alpha: f64) -> (f64, f64) {
    if losses.is_empty() {
        return (0.0, 0.0);
    }
    let mut s = losses.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let k = ((alpha * n as f64).ceil() as usize).clamp(1, n) - 1;
    let var = s[k];
    let excess: f64 = s.iter().map(|&l| (l - var).max(0.0)).sum::<f64>() / n as f64;
    (var, var + excess / (1.0 - alpha))
}

fn stats(losses: &[f64]) -> LossStats {
    let expected = if losses.is_empty() {
        0.0
    } else {
        losses.iter().sum::<f64>() / losses.len() as f64
    };
    let (var95, cvar95) = var_cvar(losses, 0.95);
    let (var99, cvar99) = var_cvar(losses, 0.99);
    LossStats {
        expected,
        var95,
        cvar95,
        var99,
        cvar99,
    }
}

/// Per products row and for the portfolio.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    pub scenarios: usize,
    pub seed: u64,
    pub row_labels: Vec<String>,
    pub mean_availability: Vec<f64>,
    /// P(A < 1).
    pub p_short: Vec<f64>,
    /// P(A = 0), the Monte Carlo counterpart of the analytic q.
    pub p_zero: Vec<f64>,
    pub analytic_q: Vec<f64>,
    pub row_stats: Vec<LossStats>,
    /// Worth-weighted mean availability over rows.
    pub portfolio_mean_availability: f64,
    /// P(some row has A < 1).
    pub portfolio_p_short: f64,
    pub portfolio_stats: LossStats,
    /// Per site: sum of portfolio loss over the scenarios where the site failed / total loss.
    pub site_loss_share: Vec<f64>,
    pub site_failures: Vec<u64>,
    /// Per country: the same for country-wide events.
    pub country_loss_share: Vec<f64>,
    pub country_events: Vec<u64>,
    /// Portfolio loss per scenario.
    pub losses: Vec<f64>,
    /// Loss per scenario and row (scenarios x rows).
    pub row_losses: Array2<f64>,
    pub provenance: Provenance,
}

impl Simulation {
    /// Analytic q minus Monte Carlo P(A = 0) per row: strongly negative where independent
    /// sources share a hidden common dependency.
    pub fn gap(&self) -> Vec<f64> {
        self.analytic_q
            .iter()
            .zip(&self.p_zero)
            .map(|(a, m)| a - m)
            .collect()
    }
}

/// Sites grouped by failure probability, for drawing independent Bernoulli variables in time
/// proportional to the expected number of failures: within bucket k (p in (2^-(k+1), 2^-k])
/// candidates are skipped geometrically at rate 2^-k and accepted with p / 2^-k >= 1/2.
#[derive(Debug, Clone)]
struct Buckets {
    bound: Vec<f64>,
    ln_miss: Vec<f64>,
    members: Vec<Vec<(u32, f64)>>,
}

impl Buckets {
    fn new(p: &[f64]) -> Self {
        const K: usize = 40;
        let mut members = vec![Vec::new(); K];
        for (i, &pi) in p.iter().enumerate() {
            if pi <= 0.0 {
                continue;
            }
            let k = ((-pi.log2()).floor() as usize).min(K - 1);
            members[k].push((i as u32, pi));
        }
        let bound: Vec<f64> = (0..K).map(|k| 0.5f64.powi(k as i32)).collect();
        let ln_miss = bound.iter().map(|b| (1.0 - b).ln()).collect();
        Buckets {
            bound,
            ln_miss,
            members,
        }
    }

    fn draw(&self, rng: &mut ChaCha8Rng, out: &mut Vec<u32>) {
        for (k, m) in self.members.iter().enumerate() {
            if m.is_empty() {
                continue;
            }
            let b = self.bound[k];
            let mut i: usize = 0;
            loop {
                if b < 1.0 {
                    let u: f64 = 1.0 - rng.random::<f64>();
                    let skip = (u.ln() / self.ln_miss[k]).floor();
                    if skip >= (m.len() - i) as f64 {
                        break;
                    }
                    i += skip as usize;
                }
                if i >= m.len() {
                    break;
                }
                let (site, p) = m[i];
                if p >= b || rng.random::<f64>() * b < p {
                    out.push(site);
                }
                i += 1;
            }
        }
        out.sort_unstable();
    }
}

/// Scenarios `start..start + outcomes.len()` of a Monte Carlo run with `seed`, before they are
/// summed (see [`Analysis::simulate_scenarios`]); it travels as bytes with
/// [`ScenarioBatch::to_bytes`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScenarioBatch {
    pub seed: u64,
    pub start: usize,
    outcomes: Vec<Outcome>,
}

impl ScenarioBatch {
    /// The number of scenarios of the batch.
    pub fn len(&self) -> usize {
        self.outcomes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }
}

/// Why scenario batches do not make one run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    #[error("a batch of seed {found} in a run of seed {expected}")]
    Seed { expected: u64, found: u64 },
    #[error(
        "the batches do not cover the scenarios once: scenario {expected} expected, a batch starts at {found}"
    )]
    Gap { expected: usize, found: usize },
}

/// Draws the failed sites and countries of a scenario.
#[derive(Debug, Clone)]
struct Sampler {
    buckets: Buckets,
    countries: Vec<(u32, f64)>,
}

impl Sampler {
    /// Scenario `i`'s failed sites and countries, from ChaCha8 keyed by `seed` on stream `i`.
    fn draw(&self, seed: u64, i: usize) -> (Vec<u32>, Vec<u32>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(i as u64);
        let mut failed = Vec::new();
        self.buckets.draw(&mut rng, &mut failed);
        let failed_countries = self
            .countries
            .iter()
            .filter(|&&(_, p)| rng.random::<f64>() < p)
            .map(|&(c, _)| c)
            .collect();
        (failed, failed_countries)
    }
}

/// A row's loss in a scenario (DESIGN 3.4): demand * value * (1 - A) * (reach - fg), where
/// reach = max over disrupted units U of (TTR_U - path length) and fg the row's own stock.
fn row_loss_of(p: &crate::network::ProductNode, a: f64, reach: f64) -> f64 {
    let short = reach - p.fg_inventory_days;
    if a < 1.0 && short > 0.0 {
        p.demand_per_day * p.value() * (1.0 - a) * short
    } else {
        0.0
    }
}

/// What one scenario did.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Outcome {
    failed_sites: Vec<u32>,
    failed_countries: Vec<u32>,
    row_loss: Vec<(u32, f64, f64)>,
}

impl Analysis {
    /// Runs one scenario with the given failed sites and countries: per row (availability,
    /// loss), where loss = demand * value * (1 - A) * max over disrupted units U reaching the
    /// row of max(0, TTR_U - TTS(row, U)).
    pub fn scenario_loss(&self, failed_sites: &[u32], failed_countries: &[u32]) -> Vec<(f64, f64)> {
        let mut cone = self.flow.cone();
        let o = self.run_scenario(&mut cone, failed_sites.to_vec(), failed_countries.to_vec());
        let mut out = vec![(1.0, 0.0); self.network().products().len()];
        for (r, a, l) in o.row_loss {
            out[r as usize] = (a, l);
        }
        out
    }

    fn run_scenario(
        &self,
        cone: &mut Cone,
        failed_sites: Vec<u32>,
        failed_countries: Vec<u32>,
    ) -> Outcome {
        let net = self.network();
        self.each_failed_node(&failed_sites, &failed_countries, |v, ttr| {
            cone.seed_node(&self.flow, v, ttr)
        });
        cone.run(&self.flow);
        let mut row_loss = Vec::new();
        for &v in &cone.visited {
            let r = self.node_row[v as usize];
            if r == super::NO_ROW {
                continue;
            }
            let a = cone.avail(v);
            row_loss.push((
                r,
                a,
                row_loss_of(&net.products()[r as usize], a, cone.reach(v)),
            ));
        }
        row_loss.sort_by_key(|x| x.0);
        cone.reset();
        Outcome {
            failed_sites,
            failed_countries,
            row_loss,
        }
    }

    /// Every node of the failed sites and of the sites of the failed countries, with the TTR
    /// its paths start with.
    fn each_failed_node(&self, sites: &[u32], countries: &[u32], mut f: impl FnMut(u32, f64)) {
        for &s in sites {
            let ttr = self.site_ttr[s as usize];
            self.index.each_node((UnitKind::Site, s), |v| f(v, ttr));
        }
        for &c in countries {
            let ttr = self.country_ttr[c as usize];
            self.index.each_node((UnitKind::Country, c), |v| f(v, ttr));
        }
    }

    fn sampler(&self) -> Sampler {
        let p_site: Vec<f64> = self.site_risks().iter().map(|r| r.p_fail).collect();
        Sampler {
            buckets: Buckets::new(&p_site),
            countries: self
                .country_p_event()
                .iter()
                .enumerate()
                .filter(|&(c, &p)| p > 0.0 && self.index.country_has_sites(c))
                .map(|(c, &p)| (c as u32, p))
                .collect(),
        }
    }

    /// Up to [`LANES`] scenarios at once, each as [`Analysis::run_scenario`] would run it.
    fn run_batch(
        &self,
        cone: &mut LaneCone,
        ins: &NodeInputs,
        draws: Vec<(Vec<u32>, Vec<u32>)>,
    ) -> Vec<Outcome> {
        let net = self.network();
        for (k, (sites, countries)) in draws.iter().enumerate() {
            self.each_failed_node(sites, countries, |v, ttr| cone.seed_node(v, k, ttr));
        }
        cone.run(&self.flow, ins);
        let mut out: Vec<Outcome> = draws
            .into_iter()
            .map(|(failed_sites, failed_countries)| Outcome {
                failed_sites,
                failed_countries,
                row_loss: Vec::new(),
            })
            .collect();
        for &v in &cone.visited {
            let r = self.node_row[v as usize];
            if r == super::NO_ROW {
                continue;
            }
            let p = &net.products()[r as usize];
            for (k, o) in out.iter_mut().enumerate() {
                if !cone.in_cone(v, k) {
                    continue;
                }
                let a = cone.avail(v, k);
                o.row_loss.push((r, a, row_loss_of(p, a, cone.reach(v, k))));
            }
        }
        cone.reset();
        for o in &mut out {
            o.row_loss.sort_by_key(|x| x.0);
            if o.row_loss.iter().all(|x| x.2 == 0.0) {
                // Only scenarios with a loss weigh in the failure shares.
                o.failed_sites.clear();
                o.failed_countries.clear();
            }
        }
        out
    }

    /// The Monte Carlo of DESIGN 3.4 over `scenarios` scenarios.
    pub fn simulate(
        &self,
        scenarios: usize,
        seed: u64,
        progress: &Progress,
    ) -> Result<Simulation, Cancelled> {
        progress.set_total(scenarios as u64);
        let batch = self.simulate_scenarios(seed, 0..scenarios, progress)?;
        Ok(self
            .simulation_from(seed, vec![batch])
            .expect("one batch from 0 covers every scenario"))
    }

    /// Scenarios `range` of the Monte Carlo with `seed`, not yet summed: a part of a run
    /// that can be computed elsewhere (a Ray task) and joined by
    /// [`Analysis::simulation_from`]. Progress advances by the scenarios run.
    pub fn simulate_scenarios(
        &self,
        seed: u64,
        range: std::ops::Range<usize>,
        progress: &Progress,
    ) -> Result<ScenarioBatch, Cancelled> {
        let net = self.network();
        let sampler = self.sampler();
        let (start, end) = (range.start, range.end.max(range.start));
        // Blocks are aligned to multiples of BLOCK from scenario 0, so the parallel split
        // (and with it nothing at all, since every scenario is computed alone) does not
        // depend on where a range starts.
        let pool: Pool<LaneCone> = Pool::default();
        let flow = &*self.flow;
        let ins = NodeInputs::new(net);
        let bounds: Vec<(usize, usize)> = (start / BLOCK..end.div_ceil(BLOCK))
            .map(|b| ((b * BLOCK).max(start), ((b + 1) * BLOCK).min(end)))
            .filter(|(lo, hi)| lo < hi)
            .collect();
        let blocks: Vec<Result<Vec<Outcome>, Cancelled>> = bounds
            .into_par_iter()
            .map_init(
                || pool.get(|| LaneCone::new(flow)),
                |cone, (lo, hi)| {
                    if progress.is_cancelled() {
                        return Err(Cancelled);
                    }
                    let mut out = Vec::with_capacity(hi - lo);
                    for batch in (lo..hi).step_by(LANES) {
                        let draws: Vec<(Vec<u32>, Vec<u32>)> = (batch..(batch + LANES).min(hi))
                            .map(|i| sampler.draw(seed, i))
                            .collect();
                        out.extend(self.run_batch(cone, &ins, draws));
                    }
                    progress.advance((hi - lo) as u64);
                    Ok(out)
                },
            )
            .collect();
        let mut outcomes = Vec::with_capacity(end - start);
        for b in blocks {
            outcomes.extend(b?);
        }
        Ok(ScenarioBatch {
            seed,
            start,
            outcomes,
        })
    }

    /// The simulation of scenarios `0..n` from batches that together cover them exactly once
    /// (in any order): bit-identical to [`Analysis::simulate`] with the same seed, since
    /// every sum is taken scenario by scenario in index order.
    pub fn simulation_from(
        &self,
        seed: u64,
        mut batches: Vec<ScenarioBatch>,
    ) -> Result<Simulation, BatchError> {
        batches.sort_by_key(|b| b.start);
        let mut next = 0;
        for b in &batches {
            if b.seed != seed {
                return Err(BatchError::Seed {
                    expected: seed,
                    found: b.seed,
                });
            }
            if b.start != next {
                return Err(BatchError::Gap {
                    expected: next,
                    found: b.start,
                });
            }
            next = b.start + b.outcomes.len();
        }
        let scenarios = next;
        let outcomes = batches.into_iter().flat_map(|b| b.outcomes);
        Ok(self.sum_outcomes(seed, scenarios, outcomes))
    }

    /// Sums scenario outcomes, in index order, into the simulation's statistics.
    fn sum_outcomes(
        &self,
        seed: u64,
        scenarios: usize,
        outcomes: impl Iterator<Item = Outcome>,
    ) -> Simulation {
        let net = self.network();
        let n_rows = net.products().len();
        let mut row_losses = Array2::<f64>::zeros((scenarios, n_rows));
        let mut losses = vec![0.0; scenarios];
        let mut sum_a = vec![0.0; n_rows];
        let mut n_short = vec![0u64; n_rows];
        let mut n_zero = vec![0u64; n_rows];
        let mut port_short = 0u64;
        let mut port_a = 0.0;
        let worth: Vec<f64> = net
            .products()
            .iter()
            .map(|p| p.demand_per_day * p.value())
            .collect();
        let total_worth: f64 = worth.iter().sum();
        let mut site_loss = vec![0.0; net.sites().len()];
        let mut site_failures = vec![0u64; net.sites().len()];
        let mut country_loss = vec![0.0; net.countries().len()];
        let mut country_events = vec![0u64; net.countries().len()];
        for (i, o) in outcomes.enumerate() {
            let mut a_row = vec![1.0; n_rows];
            let mut total = 0.0;
            for &(r, a, l) in &o.row_loss {
                a_row[r as usize] = a;
                row_losses[[i, r as usize]] = l;
                total += l;
            }
            losses[i] = total;
            let mut any_short = false;
            let mut wa = 0.0;
            for r in 0..n_rows {
                let a = a_row[r];
                sum_a[r] += a;
                if a < 1.0 - EPS {
                    n_short[r] += 1;
                    any_short = true;
                }
                if a <= EPS {
                    n_zero[r] += 1;
                }
                wa += worth[r] * a;
            }
            port_a += if total_worth > 0.0 {
                wa / total_worth
            } else {
                1.0
            };
            port_short += any_short as u64;
            for &s in &o.failed_sites {
                site_loss[s as usize] += total;
                site_failures[s as usize] += 1;
            }
            for &c in &o.failed_countries {
                country_loss[c as usize] += total;
                country_events[c as usize] += 1;
            }
        }
        let n = scenarios.max(1) as f64;
        let total_loss: f64 = losses.iter().sum();
        let share = |x: f64| {
            if total_loss > 0.0 {
                x / total_loss
            } else {
                0.0
            }
        };
        let q = analytic_q(self);
        let row_stats = (0..n_rows)
            .map(|r| stats(&row_losses.column(r).to_vec()))
            .collect();
        Simulation {
            scenarios,
            seed,
            row_labels: self.row_labels(),
            mean_availability: sum_a.iter().map(|s| s / n).collect(),
            p_short: n_short.iter().map(|&c| c as f64 / n).collect(),
            p_zero: n_zero.iter().map(|&c| c as f64 / n).collect(),
            analytic_q: net.products().iter().map(|p| q[p.node as usize]).collect(),
            row_stats,
            portfolio_mean_availability: port_a / n,
            portfolio_p_short: port_short as f64 / n,
            portfolio_stats: stats(&losses),
            site_loss_share: site_loss.iter().map(|&x| share(x)).collect(),
            site_failures,
            country_loss_share: country_loss.iter().map(|&x| share(x)).collect(),
            country_events,
            losses,
            row_losses,
            provenance: self.provenance(Some(seed)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GeneratorConfig, generate};
    use crate::network::Network;
    use crate::risk::Policy;
    use std::sync::Arc;

    #[test]
    fn lanes_reproduce_one_scenario_cones_bit_for_bit() {
        // Every scenario of the batched Monte Carlo equals the same failures propagated
        // alone by a one-scenario cone: availability and loss of every row, exactly.
        for (sites, seed) in [(300, 3u64), (1200, 11)] {
            let net =
                Network::compile(&generate(&GeneratorConfig::new(sites, seed)).unwrap()).unwrap();
            let as_of = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
                .unwrap()
                .to_utc();
            let a = Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of);
            let n = 203; // not a multiple of LANES: the last batch is partial
            let sim = a.simulate(n, 5, &Progress::new()).unwrap();
            let sampler = a.sampler();
            let mut lossy = 0;
            for i in 0..n {
                let (failed, countries) = sampler.draw(5, i);
                let alone = a.scenario_loss(&failed, &countries);
                let mut total = 0.0;
                for (r, &(_, l)) in alone.iter().enumerate() {
                    assert_eq!(
                        sim.row_losses[[i, r]].to_bits(),
                        l.to_bits(),
                        "scenario {i} row {r}"
                    );
                    total += l;
                }
                assert_eq!(sim.losses[i].to_bits(), total.to_bits());
                lossy += (total > 0.0) as usize;
            }
            assert!(
                lossy > 10,
                "too few scenarios with a loss to compare: {lossy}"
            );
        }
    }

    #[test]
    fn var_and_cvar_by_hand() {
        // Losses 1..=100: VaR95 is the 95th smallest = 95; the excess over 95 is
        // 1 + 2 + 3 + 4 + 5 = 15, over 100 scenarios 0.15, divided by 0.05 = 3: CVaR = 98.
        let l: Vec<f64> = (1..=100).map(f64::from).collect();
        let (v, c) = var_cvar(&l, 0.95);
        assert_eq!(v, 95.0);
        assert!((c - 98.0).abs() < 1e-9);
        // 99 %: VaR 99, excess 1 / 100 / 0.01 = 1: CVaR 100.
        let (v, c) = var_cvar(&l, 0.99);
        assert_eq!(v, 99.0);
        assert!((c - 100.0).abs() < 1e-9);
    }

    #[test]
    fn bucket_draws_have_the_right_rates() {
        // 2,000 sites at p = 0.3 and 2,000 at p = 0.001: over 500 draws the expected counts
        // are 600 and 2 per draw.
        let mut p = vec![0.3; 2000];
        p.extend(vec![0.001; 2000]);
        let b = Buckets::new(&p);
        let (mut hi, mut lo) = (0usize, 0usize);
        for i in 0..500u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            rng.set_stream(i);
            let mut out = Vec::new();
            b.draw(&mut rng, &mut out);
            hi += out.iter().filter(|&&s| s < 2000).count();
            lo += out.iter().filter(|&&s| s >= 2000).count();
        }
        let (hi, lo) = (hi as f64 / 500.0, lo as f64 / 500.0);
        // sd of the mean of 500 draws: sqrt(2000 * 0.21 / 500) = 0.92 and sqrt(2/500) = 0.063.
        assert!((hi - 600.0).abs() < 5.0, "{hi}");
        assert!((lo - 2.0).abs() < 0.4, "{lo}");
    }
}
