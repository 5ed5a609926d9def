//! How many sites and parts each BOM level gets, planned from the size and the seed.

use super::draw::{Draw, apportion};
use crate::model::PartKind;

/// How many sites and parts each level gets.
pub(super) struct Shape {
    /// BOM levels below the products; the raw materials are at level `depth`.
    pub(super) depth: usize,
    /// Non-distributor sites per level: plants at 0, manufacturers, mines at `depth`.
    pub(super) makers: Vec<usize>,
    /// Distributors per level (none at levels 0 and 1).
    pub(super) dists: Vec<usize>,
    /// Parts per level, products at 0.
    pub(super) parts: Vec<usize>,
}

impl Shape {
    pub(super) fn plan(n: usize, r: &mut Draw) -> Shape {
        let depth = r.int(4, 6) as usize;
        let log10 = n.ilog10() as usize;
        let plants = (2 + log10 / 2).min(5);
        let products = plants + log10 + r.int(0, 2) as usize;
        let mines = ((n as f64 * r.real(0.06, 0.10)).round() as usize).max(2);
        let n_dist = ((n as f64 * r.real(0.02, 0.04)).round() as usize).max(1);
        // n >= MIN_SITES leaves at least 2 manufacturers per level (checked by the tests).
        let nn = n - plants - mines - n_dist;
        let levels = depth - 1;

        // Tier 1 grows slower than the network (N^0.625, as sqrt * 8th root, both exact), the
        // ratio between tiers solves sum(s1 * g^k) = nn.
        let nf = nn as f64;
        let s1 = (0.6 * nf.sqrt() * nf.sqrt().sqrt().sqrt()).clamp(2.0, nf / levels as f64);
        let ratio = nf / s1;
        let series = |g: f64| {
            let (mut sum, mut t) = (0.0, 1.0);
            for _ in 0..levels {
                sum += t;
                t *= g;
            }
            sum
        };
        let (mut lo, mut hi) = (1.0f64, ratio.max(1.0));
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if series(mid) < ratio {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let mut widths = Vec::with_capacity(levels);
        let mut t = s1;
        for _ in 0..levels {
            widths.push(t);
            t *= lo;
        }
        let mut makers = vec![plants];
        makers.extend(apportion(nn, &widths));
        // Rounding can leave a level one short; every level needs two makers (diamond).
        while let Some(short) = (1..=levels).find(|&k| makers[k] < 2) {
            let widest = (1..=levels).max_by_key(|&k| makers[k]).unwrap_or(short);
            makers[widest] -= 1;
            makers[short] += 1;
        }
        makers.push(mines);

        let mut dists = vec![0; depth + 1];
        let dist_weights: Vec<f64> = (2..=depth).map(|k| makers[k] as f64).collect();
        for (k, d) in (2..=depth).zip(apportion(n_dist, &dist_weights)) {
            dists[k] = d;
        }

        // About 2.5 makers per part (each maker makes 1.52 parts on average); tier 1 needs two
        // assemblies so that every product can have two children.
        let mut parts = vec![products];
        for (k, &m) in makers[..depth].iter().enumerate().skip(1) {
            let est_nodes = m as f64 * 1.52;
            let p = (est_nodes / r.real(2.0, 3.0)).round() as usize;
            parts.push(p.clamp(if k == 1 { 2 } else { 1 }, m));
        }
        let raw = (mines as f64 / r.real(4.0, 8.0)).round() as usize;
        parts.push(raw.clamp(2, mines.min(400)));
        Shape {
            depth,
            makers,
            dists,
            parts,
        }
    }

    pub(super) fn kind(&self, level: usize) -> PartKind {
        if level == 0 {
            PartKind::Product
        } else if level == self.depth {
            PartKind::RawMaterial
        } else if level <= (self.depth - 1) / 2 {
            PartKind::Assembly
        } else {
            PartKind::Component
        }
    }
}
