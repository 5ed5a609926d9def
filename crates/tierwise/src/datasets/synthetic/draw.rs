//! The generator's single random stream and the small numeric helpers it shapes draws with.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The single random stream, with the few shapes of draw the generator needs.
pub(super) struct Draw(ChaCha8Rng);

impl Draw {
    pub(super) fn seeded(seed: u64) -> Self {
        Draw(ChaCha8Rng::seed_from_u64(seed))
    }

    pub(super) fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `0..n`; `u64` so that the stream does not depend on the pointer width.
    pub(super) fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n as u64) as usize
    }

    pub(super) fn int(&mut self, lo: u64, hi_inclusive: u64) -> u64 {
        self.0.random_range(lo..=hi_inclusive)
    }

    pub(super) fn real(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// In `0..n`, favouring small indices (density ~ 1/sqrt(i)): a few big suppliers and
    /// popular standard parts, the long tail rarely picked.
    pub(super) fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((n as f64 * u * u) as usize).min(n - 1)
    }

    pub(super) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

pub(super) fn round_to(x: f64, scale: f64) -> f64 {
    (x * scale).round() / scale
}

/// Splits `total` into cumulative integer counts proportional to `weights`, summing exactly.
pub(super) fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    let mut out = Vec::with_capacity(weights.len());
    let (mut cum, mut prev) = (0.0, 0usize);
    for (i, w) in weights.iter().enumerate() {
        cum += w;
        let upto = if i + 1 == weights.len() {
            total
        } else if sum > 0.0 {
            ((cum / sum * total as f64).round() as usize).clamp(prev, total)
        } else {
            prev
        };
        out.push(upto - prev);
        prev = upto;
    }
    out
}

/// Counting sort of `(key, value)` pairs into offsets and values, keeping the input order of
/// values within a key.
pub(super) fn csr(
    n_keys: usize,
    pairs: impl Iterator<Item = (usize, usize)> + Clone,
) -> (Vec<usize>, Vec<usize>) {
    let mut off = vec![0usize; n_keys + 1];
    for (k, _) in pairs.clone() {
        off[k + 1] += 1;
    }
    for k in 0..n_keys {
        off[k + 1] += off[k];
    }
    let mut next = off.clone();
    let mut vals = vec![0usize; off[n_keys]];
    for (k, v) in pairs {
        vals[next[k]] = v;
        next[k] += 1;
    }
    (off, vals)
}
