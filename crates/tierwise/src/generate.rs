//! Synthetic supply networks (the `tierwise generate` command).
//!
//! [`generate`] builds a complete data set ([`Tables`]) with exactly
//! [`GeneratorConfig::sites`] sites from a seed. It is meant for demos, tests and benchmarks at
//! any scale, from a 20-site toy to millions of sites.
//!
//! # Determinism
//!
//! The same configuration always gives the same tables, row for row and bit for bit (so
//! [`crate::ingest::write_tables_csv`] writes the same bytes): one ChaCha8 stream drives
//! every draw in a fixed order, numbers are shaped with IEEE-exact operations only (`+ - * /`,
//! `sqrt`, `round`; no `exp`, `ln` or `powf`, whose last bits differ between platforms), dates
//! count back from a fixed base date (2026-06-30T00:00:00Z, never the clock), and rows are
//! emitted from vectors in index order.
//!
//! # Shape of a generated network
//!
//! * **Focal company.** Company `FOCAL` owns 2 to 5 plants (more for larger networks, at most one
//!   per country) that make a handful of products; some products are made at two plants. Every
//!   `products` row has demand, revenue, margin and finished-goods cover.
//! * **Layered bill of materials.** The BOM has `D` = 4, 5 or 6 levels below the products (drawn
//!   from the seed): products need assemblies, assemblies need assemblies or components,
//!   components need components, and the deepest components need raw materials (level `D`).
//!   Quantities are small integers, sometimes halves; raw materials come in fractional kilograms.
//! * **Tiers follow BOM levels.** Every supplier makes one to three parts of a single BOM level,
//!   and every supplier sells to at least one buyer one level up, so the tier of a site is the
//!   BOM level of its parts: tier 1 makes assemblies for the plants, the mines are tier `D`.
//!   Tier widths grow geometrically from a tier 1 of about `0.6 * N^0.625` sites down to the
//!   widest component tiers; mines are 6 to 10 % of the sites.
//! * **Multi-sourcing.** A buyer's group (buyer site, part) has one to three sellers (about
//!   half are single-sourced; a few groups get more sellers so that every supplier has a
//!   customer) whose shares sum to 1; about 5 % of the groups sum to 0.60..0.95 instead (an
//!   unmapped remainder). `max_share` leaves headroom above the share, `inventory_days` is one
//!   value per group, lead times grow with depth and across borders.
//! * **Distributors.** 2 to 4 % of the sites are distributors at tier 2 or deeper (traders of
//!   components and metals). A distributor buys each part it carries only from manufacturers of
//!   that part (never from another distributor, never from its own customers) and sells it on.
//! * **Diamonds.** Seller choice favours a few large suppliers per part, so one sub-tier site
//!   often supplies several parallel buyers (hidden concentration). At least one diamond is
//!   built in: a tier-2 site selling the same part to two tier-1 sites.
//! * **Mines.** Raw materials are real commodities mined in few countries (cobalt in CD,
//!   rare earths in CN, platinum group metals in ZA and RU, ...); each mine sits in one of its
//!   material's producing countries, mostly the leading one.
//! * **Visibility gaps.** About 2 % of the (buyer, raw material) needs have no supply rows:
//!   unmapped depth appears at the deepest tier only. Everything above is fully mapped.
//! * **Countries.** 44 real countries (ISO 3166-1 alpha-2) with plausible governance, hazard,
//!   `p_event` and recovery times. Manufacturing follows rough real shares (CN, US, DE, JP, TW,
//!   IN, ...), distributors sit in trade hubs.
//! * **Optional tables.** About 3 signals per 20 sites (financial, news and labor scores,
//!   rare sanctions) observed within 400 days before the base date; a few capacity rows sized
//!   from the network's actual flows (a node's capacity is its flow divided by the site's
//!   utilization); a few engineering alternates between parts of the same level.
//!
//! Every data set passes the quality gates of DESIGN 2.2 by construction: keys are unique,
//! references resolve, shares of a group sum to at most 1, `max_share >= share`, and neither
//! the BOM nor the node graph has a cycle (edges always go one BOM level down, or from a
//! distributor to a manufacturer of the same part).

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::{
    Alternate, BomLine, CapacityRow, Country, Part, PartKind, ProductRow, Signal, Site,
    SubjectKind, SupplyRow, Tables,
};

/// The smallest network [`generate`] builds: below this, 4 tiers, a diamond and a distributor
/// do not fit.
pub const MIN_SITES: usize = 20;

/// The largest network [`generate`] builds (memory grows by about 2.5 KB per site).
pub const MAX_SITES: usize = 50_000_000;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GeneratorConfig {
    /// Number of sites (plants, suppliers, mines and distributors); the data set has exactly
    /// this many. At least [`MIN_SITES`], at most [`MAX_SITES`].
    pub sites: usize,
    /// Seed of the random stream: the same seed and size give the same tables.
    pub seed: u64,
}

impl GeneratorConfig {
    /// A configuration for `sites` sites drawn from `seed`.
    pub fn new(sites: usize, seed: u64) -> Self {
        Self { sites, seed }
    }
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// Fewer sites than [`MIN_SITES`] were asked for.
    #[error("cannot generate {requested} sites: a network needs at least {MIN_SITES}")]
    TooFewSites {
        /// The requested number of sites.
        requested: usize,
    },
    /// More sites than [`MAX_SITES`] were asked for.
    #[error("cannot generate {requested} sites: at most {MAX_SITES} are supported")]
    TooManySites {
        /// The requested number of sites.
        requested: usize,
    },
}

/// Generates a valid synthetic data set; see the [module documentation](self) for its shape.
pub fn generate(cfg: &GeneratorConfig) -> Result<Tables, GenerateError> {
    if cfg.sites < MIN_SITES {
        return Err(GenerateError::TooFewSites {
            requested: cfg.sites,
        });
    }
    if cfg.sites > MAX_SITES {
        return Err(GenerateError::TooManySites {
            requested: cfg.sites,
        });
    }
    let mut r = Draw(ChaCha8Rng::seed_from_u64(cfg.seed));
    let shape = Shape::plan(cfg.sites, &mut r);
    let net = Net::build(&shape, &mut r);
    Ok(net.into_tables(&mut r))
}

// ---------------------------------------------------------------------------------------------
// Reference data

/// (code, governance, hazard, p_event, ttr_days, manufacturing weight). Governance loosely
/// follows the World Bank governance indicators, hazard the natural-hazard exposure (quakes,
/// floods, typhoons), p_event the yearly chance of a country-wide disruption.
const COUNTRIES: [(&str, f64, f64, f64, f64, u32); 44] = [
    ("AR", 0.42, 0.25, 0.035, 35.0, 1),
    ("AU", 0.88, 0.40, 0.03, 28.0, 1),
    ("BE", 0.85, 0.10, 0.01, 14.0, 2),
    ("BO", 0.30, 0.35, 0.05, 45.0, 0),
    ("BR", 0.45, 0.30, 0.04, 28.0, 3),
    ("CA", 0.88, 0.25, 0.02, 21.0, 3),
    ("CD", 0.10, 0.50, 0.08, 60.0, 0),
    ("CH", 0.95, 0.10, 0.005, 10.0, 2),
    ("CL", 0.72, 0.60, 0.04, 30.0, 0),
    ("CN", 0.42, 0.45, 0.05, 30.0, 40),
    ("CZ", 0.78, 0.12, 0.01, 14.0, 4),
    ("DE", 0.88, 0.15, 0.01, 14.0, 10),
    ("ES", 0.72, 0.20, 0.015, 14.0, 3),
    ("FR", 0.80, 0.15, 0.01, 14.0, 4),
    ("GB", 0.85, 0.12, 0.01, 14.0, 3),
    ("GN", 0.18, 0.35, 0.07, 45.0, 0),
    ("HK", 0.75, 0.35, 0.03, 14.0, 1),
    ("HU", 0.65, 0.10, 0.012, 14.0, 3),
    ("ID", 0.45, 0.65, 0.06, 30.0, 3),
    ("IL", 0.68, 0.35, 0.06, 21.0, 1),
    ("IN", 0.50, 0.55, 0.05, 28.0, 10),
    ("IT", 0.68, 0.35, 0.02, 21.0, 5),
    ("JP", 0.85, 0.70, 0.04, 30.0, 10),
    ("KR", 0.78, 0.30, 0.02, 14.0, 8),
    ("KZ", 0.35, 0.20, 0.04, 35.0, 0),
    ("MA", 0.45, 0.25, 0.03, 28.0, 1),
    ("MX", 0.40, 0.45, 0.04, 21.0, 8),
    ("MY", 0.62, 0.30, 0.03, 21.0, 5),
    ("NL", 0.92, 0.15, 0.01, 10.0, 2),
    ("NO", 0.95, 0.05, 0.005, 10.0, 0),
    ("PE", 0.40, 0.60, 0.05, 35.0, 0),
    ("PH", 0.42, 0.75, 0.07, 30.0, 3),
    ("PL", 0.70, 0.10, 0.01, 14.0, 5),
    ("RO", 0.58, 0.25, 0.02, 14.0, 2),
    ("RU", 0.20, 0.25, 0.06, 60.0, 1),
    ("SE", 0.92, 0.05, 0.005, 10.0, 2),
    ("SG", 0.92, 0.10, 0.008, 10.0, 2),
    ("TH", 0.52, 0.50, 0.05, 28.0, 5),
    ("TR", 0.38, 0.60, 0.05, 28.0, 4),
    ("TW", 0.80, 0.65, 0.05, 30.0, 10),
    ("US", 0.80, 0.35, 0.02, 21.0, 15),
    ("VN", 0.45, 0.50, 0.04, 21.0, 8),
    ("ZA", 0.48, 0.25, 0.04, 35.0, 1),
    ("ZM", 0.42, 0.20, 0.035, 35.0, 0),
];

/// Where the focal company runs plants.
const PLANT_COUNTRIES: [&str; 16] = [
    "US", "DE", "JP", "MX", "CN", "FR", "KR", "CZ", "PL", "IN", "BR", "GB", "ES", "IT", "HU", "SE",
];

/// Trade hubs where distributors sit.
const HUB_COUNTRIES: [&str; 8] = ["SG", "NL", "US", "DE", "HK", "CH", "GB", "BE"];

/// Commodities and their producing countries, leading producer first.
const RAW_MATERIALS: [(&str, &[&str]); 24] = [
    ("Copper cathode", &["CL", "PE", "CD", "ZM", "CN"]),
    ("Cobalt hydroxide", &["CD", "ID", "AU"]),
    ("Lithium carbonate", &["AU", "CL", "CN", "AR"]),
    ("Rare earth oxide", &["CN", "AU"]),
    ("Nickel matte", &["ID", "PH", "RU"]),
    ("Platinum group metals", &["ZA", "RU"]),
    ("Bauxite", &["AU", "GN", "CN"]),
    ("Iron ore", &["AU", "BR", "ZA"]),
    ("Tungsten concentrate", &["CN", "RU"]),
    ("Tin ingot", &["CN", "ID", "PE"]),
    ("Gallium", &["CN"]),
    ("Natural graphite", &["CN", "BR"]),
    ("Palladium", &["RU", "ZA"]),
    ("Silicon metal", &["CN", "BR", "NO"]),
    ("Zinc concentrate", &["CN", "AU", "PE"]),
    ("Tantalum ore", &["CD", "BR"]),
    ("Manganese ore", &["ZA", "AU"]),
    ("Phosphate rock", &["MA", "CN"]),
    ("Titanium sponge", &["CN", "KZ", "RU"]),
    ("Magnesium ingot", &["CN"]),
    ("Molybdenum concentrate", &["CN", "CL", "PE"]),
    ("Lithium brine", &["CL", "AR", "BO"]),
    ("Potash", &["CA", "RU"]),
    ("Chromite", &["ZA", "KZ"]),
];

const PRODUCT_NAMES: [&str; 13] = [
    "Electric vehicle",
    "Industrial robot",
    "Wind turbine",
    "Infusion pump",
    "Server rack",
    "Heat pump",
    "E-bike",
    "Tractor",
    "MRI scanner",
    "Delivery drone",
    "Forklift",
    "Solar inverter",
    "Elevator",
];

const ASSEMBLY_NAMES: [&str; 18] = [
    "Drive unit",
    "Battery pack",
    "Control cabinet",
    "Chassis",
    "Gearbox",
    "Cooling module",
    "Power electronics module",
    "Display unit",
    "Sensor module",
    "Hydraulic unit",
    "Seat module",
    "Door module",
    "Brake system",
    "Wiring harness",
    "Motor assembly",
    "Frame assembly",
    "Pump assembly",
    "Valve block",
];

const COMPONENT_NAMES: [&str; 25] = [
    "Bearing",
    "Printed circuit board",
    "Capacitor",
    "Connector",
    "Housing",
    "Fastener kit",
    "Sensor",
    "Cable",
    "Microcontroller",
    "Gasket",
    "Spring",
    "Shaft",
    "Gear",
    "Casting",
    "Forging",
    "Stamped bracket",
    "Moulded cover",
    "Relay",
    "Fuse",
    "Power MOSFET",
    "Magnet",
    "Copper coil",
    "Glass panel",
    "Rubber hose",
    "Filter",
];

const NAME_HEADS: [&str; 26] = [
    "Ar", "Bel", "Cor", "Dan", "El", "Fen", "Gal", "Hal", "Ir", "Jor", "Kel", "Lum", "Mar", "Nor",
    "Or", "Pra", "Quin", "Ros", "Sol", "Tor", "Ul", "Val", "Wes", "Xan", "Yor", "Zen",
];
const NAME_MIDS: [&str; 10] = ["a", "e", "i", "o", "u", "an", "en", "ex", "ix", "or"];
const NAME_TAILS: [&str; 20] = [
    "tek", "dyn", "tron", "mex", "tis", "vis", "lux", "gen", "ton", "ria", "com", "nova", "dex",
    "lith", "mar", "ron", "via", "ta", "max", "sys",
];

/// A signal's timestamps count back from here (2026-06-30T00:00:00Z, in seconds since 1970).
const BASE_EPOCH_SECS: i64 = days_from_civil(2026, 6, 30) * 86_400;

// ---------------------------------------------------------------------------------------------
// Random draws

/// The single random stream, with the few shapes of draw the generator needs.
struct Draw(ChaCha8Rng);

impl Draw {
    fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `0..n`; `u64` so that the stream does not depend on the pointer width.
    fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n as u64) as usize
    }

    fn int(&mut self, lo: u64, hi_inclusive: u64) -> u64 {
        self.0.random_range(lo..=hi_inclusive)
    }

    fn real(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// In `0..n`, favouring small indices (density ~ 1/sqrt(i)): a few big suppliers and
    /// popular standard parts, the long tail rarely picked.
    fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((n as f64 * u * u) as usize).min(n - 1)
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

fn round_to(x: f64, scale: f64) -> f64 {
    (x * scale).round() / scale
}

/// Splits `total` into cumulative integer counts proportional to `weights`, summing exactly.
fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
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
fn csr(
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

fn country_index(code: &str) -> usize {
    COUNTRIES
        .iter()
        .position(|c| c.0 == code)
        .expect("reference lists only name countries of COUNTRIES")
}

// ---------------------------------------------------------------------------------------------
// Sizes

/// How many sites and parts each level gets.
struct Shape {
    /// BOM levels below the products; the raw materials are at level `depth`.
    depth: usize,
    /// Non-distributor sites per level: plants at 0, manufacturers, mines at `depth`.
    makers: Vec<usize>,
    /// Distributors per level (none at levels 0 and 1).
    dists: Vec<usize>,
    /// Parts per level, products at 0.
    parts: Vec<usize>,
}

impl Shape {
    fn plan(n: usize, r: &mut Draw) -> Shape {
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

    fn kind(&self, level: usize) -> PartKind {
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

// ---------------------------------------------------------------------------------------------
// The network as index arrays

/// What kind of business a site is; picks names, attributes and countries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Plant,
    Assembly,
    Component,
    Mine,
    Distributor,
}

impl Role {
    fn of(level: usize, distributor: bool, depth: usize, kind: PartKind) -> Role {
        if level == 0 {
            Role::Plant
        } else if distributor {
            Role::Distributor
        } else if level == depth {
            Role::Mine
        } else if kind == PartKind::Assembly {
            Role::Assembly
        } else {
            Role::Component
        }
    }

    fn industries(self) -> &'static [&'static str] {
        match self {
            Role::Plant => &["Manufacturing"],
            Role::Assembly => &[
                "Systems",
                "Modules",
                "Automotive",
                "Assemblies",
                "Engineering",
            ],
            Role::Component => &[
                "Components",
                "Precision",
                "Electronics",
                "Industries",
                "Metalworks",
                "Plastics",
            ],
            Role::Mine => &["Mining", "Resources", "Minerals", "Metals"],
            Role::Distributor => &["Distribution", "Trading", "Supply", "Logistics"],
        }
    }
}

/// Sites, parts and supply as flat index arrays; strings are made only at the very end, so a
/// million sites cost little more than their output rows.
struct Net {
    depth: usize,
    plants: usize,
    /// Start of each level's sites (`depth + 2` entries); within a level the manufacturers come
    /// first, then the distributors from `mk_end[level]`.
    lv_start: Vec<usize>,
    mk_end: Vec<usize>,
    site_level: Vec<u8>,
    site_dist: Vec<bool>,
    /// Start of each level's parts (`depth + 2` entries).
    part_start: Vec<usize>,
    part_level: Vec<u8>,
    kinds: Vec<PartKind>,
    /// Site -> the parts it makes or carries (sorted): the nodes. Node index = position.
    site_off: Vec<usize>,
    site_part: Vec<usize>,
    /// Part -> (child, qty), children sorted.
    bom_off: Vec<usize>,
    bom_child: Vec<usize>,
    bom_qty: Vec<f64>,
    site_country: Vec<usize>,
    site_company: Vec<usize>,
    /// Company -> (role, country of its first site); company 0 is the focal company.
    companies: Vec<(Role, usize)>,
    /// Supply groups (buyer, part), sorted; `group_off` indexes them by buyer.
    groups: Vec<(usize, usize)>,
    group_off: Vec<usize>,
    /// Group -> its supply rows.
    row_off: Vec<usize>,
    row_seller: Vec<usize>,
    row_share: Vec<f64>,
    row_max: Vec<Option<f64>>,
}

impl Net {
    fn build(shape: &Shape, r: &mut Draw) -> Net {
        let depth = shape.depth;
        let plants = shape.makers[0];

        let mut lv_start = vec![0usize; depth + 2];
        let mut mk_end = vec![0usize; depth + 1];
        for k in 0..=depth {
            mk_end[k] = lv_start[k] + shape.makers[k];
            lv_start[k + 1] = mk_end[k] + shape.dists[k];
        }
        let n_sites = lv_start[depth + 1];
        let mut site_level = vec![0u8; n_sites];
        let mut site_dist = vec![false; n_sites];
        for k in 0..=depth {
            site_level[lv_start[k]..lv_start[k + 1]].fill(k as u8);
            site_dist[mk_end[k]..lv_start[k + 1]].fill(true);
        }
        let mut part_start = vec![0usize; depth + 2];
        for k in 0..=depth {
            part_start[k + 1] = part_start[k] + shape.parts[k];
        }
        let n_parts = part_start[depth + 1];
        let mut part_level = vec![0u8; n_parts];
        for k in 0..=depth {
            part_level[part_start[k]..part_start[k + 1]].fill(k as u8);
        }
        let kinds: Vec<PartKind> = (0..=depth).map(|k| shape.kind(k)).collect();

        // Who makes what. The first parts of a level go one to a site so that every part has a
        // maker; the rest is skewed towards popular parts.
        let mut pairs: Vec<(usize, usize)> = Vec::with_capacity(n_sites * 2);
        for p in 0..shape.parts[0] {
            let plant = p % plants;
            pairs.push((plant, p));
            if r.chance(0.3) {
                let mut other = r.below(plants - 1);
                if other >= plant {
                    other += 1;
                }
                pairs.push((other, p));
            }
        }
        for k in 1..=depth {
            let (np, base) = (shape.parts[k], part_start[k]);
            for i in 0..shape.makers[k] {
                let s = lv_start[k] + i;
                let first = if i < np { i } else { r.skewed(np) };
                pairs.push((s, base + first));
                let u = r.unit();
                let extra = if k == depth {
                    usize::from(u < 0.15)
                } else if u < 0.6 {
                    0
                } else if u < 0.88 {
                    1
                } else {
                    2
                };
                for _ in 0..extra {
                    pairs.push((s, base + r.skewed(np)));
                }
            }
            // A second maker of each level's first part: the built-in diamond needs two tier-1
            // makers of one assembly.
            pairs.push((lv_start[k] + 1, base));
            for s in mk_end[k]..lv_start[k + 1] {
                for _ in 0..r.int(1, np.min(4) as u64) {
                    pairs.push((s, base + r.skewed(np)));
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let (site_off, site_part) = csr(n_sites, pairs.iter().copied());
        drop(pairs);
        let (maker_off, maker_site) = csr(
            n_parts,
            (0..n_sites).filter(|&s| !site_dist[s]).flat_map(|s| {
                site_part[site_off[s]..site_off[s + 1]]
                    .iter()
                    .map(move |&p| (p, s))
            }),
        );
        let (dist_off, dist_site) = csr(
            n_parts,
            (0..n_sites).filter(|&s| site_dist[s]).flat_map(|s| {
                site_part[site_off[s]..site_off[s + 1]]
                    .iter()
                    .map(move |&p| (p, s))
            }),
        );
        let nodes_at = |k: usize, dist: bool| -> usize {
            (lv_start[k]..lv_start[k + 1])
                .filter(|&s| site_dist[s] == dist)
                .map(|s| site_off[s + 1] - site_off[s])
                .sum()
        };

        // Bill of materials, one level at a time. Children per parent are sized so that the
        // buyers' groups roughly match the makers one level down (each seller then serves one
        // or two groups); every child gets at least one parent.
        let mut lines: Vec<(usize, usize)> = Vec::new();
        let mut picked: Vec<usize> = Vec::new();
        for k in 1..=depth {
            let (parents, children) = (shape.parts[k - 1], shape.parts[k]);
            let (pbase, cbase) = (part_start[k - 1], part_start[k]);
            let c_avg = if k == depth {
                1.5
            } else {
                let sellers = (nodes_at(k, false) + nodes_at(k, true)) as f64;
                (0.9 * sellers / nodes_at(k - 1, false) as f64)
                    .max(1.3 * children as f64 / parents as f64)
                    .max(1.0)
            };
            let min_children = if k == 1 { 2 } else { 1 };
            for j in 0..children {
                lines.push((pbase + j % parents, cbase + j));
            }
            for p in 0..parents {
                let target =
                    ((c_avg * r.real(0.6, 1.4)).round() as usize).clamp(min_children, children);
                let covered = if p < children {
                    (children - 1 - p) / parents + 1
                } else {
                    0
                };
                picked.clear();
                let mut attempts = 4 * target + 8;
                while covered + picked.len() < target && attempts > 0 {
                    attempts -= 1;
                    let c = r.skewed(children);
                    if c % parents != p && !picked.contains(&c) {
                        picked.push(c);
                    }
                }
                lines.extend(picked.iter().map(|&c| (pbase + p, cbase + c)));
            }
        }
        lines.sort_unstable();
        let bom_qty: Vec<f64> = lines
            .iter()
            .map(|&(_, c)| {
                if part_level[c] as usize == depth {
                    r.int(5, 400) as f64 / 100.0
                } else if r.chance(0.05) {
                    *r.pick(&[0.5, 1.5, 2.5])
                } else {
                    *r.pick(&[1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 4.0])
                }
            })
            .collect();
        let (bom_off, bom_child) = csr(n_parts, lines.iter().copied());
        drop(lines);

        // Countries and companies.
        let plant_pool: Vec<usize> = PLANT_COUNTRIES.iter().map(|c| country_index(c)).collect();
        let hub_pool: Vec<usize> = HUB_COUNTRIES.iter().map(|c| country_index(c)).collect();
        let raw_pools: Vec<Vec<usize>> = RAW_MATERIALS
            .iter()
            .map(|(_, cs)| cs.iter().map(|c| country_index(c)).collect())
            .collect();
        let mut mfg_cum = Vec::with_capacity(COUNTRIES.len());
        let mut acc = 0u64;
        for c in &COUNTRIES {
            acc += u64::from(c.5);
            mfg_cum.push(acc);
        }
        let mut plant_countries = plant_pool.clone();
        for i in 0..plants {
            let j = i + r.below(plant_countries.len() - i);
            plant_countries.swap(i, j);
        }
        plant_countries.truncate(plants);

        let mut site_country = vec![0usize; n_sites];
        let mut site_company = vec![0usize; n_sites];
        let mut companies: Vec<(Role, usize)> = vec![(Role::Plant, plant_countries[0])];
        let mut by_role: [Vec<usize>; 5] = Default::default();
        for s in 0..n_sites {
            let level = site_level[s] as usize;
            let role = Role::of(level, site_dist[s], depth, kinds[level]);
            let country = match role {
                Role::Plant => plant_countries[s],
                Role::Distributor => *r.pick(&hub_pool),
                Role::Mine => {
                    let raw = site_part[site_off[s]] - part_start[depth];
                    let pool = &raw_pools[raw % RAW_MATERIALS.len()];
                    if r.chance(0.55) {
                        pool[0]
                    } else {
                        *r.pick(pool)
                    }
                }
                Role::Assembly | Role::Component => {
                    if level == 1 && r.chance(0.4) {
                        *r.pick(&plant_countries)
                    } else {
                        let t = r.int(0, acc - 1);
                        mfg_cum.partition_point(|&c| c <= t)
                    }
                }
            };
            site_country[s] = country;
            if role == Role::Plant {
                continue;
            }
            let pool = &mut by_role[role as usize];
            site_company[s] = if !pool.is_empty() && r.chance(0.3) {
                *r.pick(pool)
            } else {
                companies.push((role, country));
                pool.push(companies.len() - 1);
                companies.len() - 1
            };
        }

        // Supply groups: a manufacturer needs every BOM child of every part it makes; a
        // distributor needs the parts it carries.
        let mut groups: Vec<(usize, usize)> = Vec::with_capacity(n_sites * 3);
        let mut scratch: Vec<usize> = Vec::new();
        for s in 0..n_sites {
            let nodes = &site_part[site_off[s]..site_off[s + 1]];
            if site_dist[s] {
                groups.extend(nodes.iter().map(|&p| (s, p)));
            } else if (site_level[s] as usize) < depth {
                scratch.clear();
                for &p in nodes {
                    scratch.extend_from_slice(&bom_child[bom_off[p]..bom_off[p + 1]]);
                }
                scratch.sort_unstable();
                scratch.dedup();
                groups.extend(scratch.iter().map(|&c| (s, c)));
            }
        }
        // Visibility gaps at the deepest tier only, never the last buyer of a raw material.
        let mut buyers_of = vec![0usize; n_parts];
        for &(b, p) in &groups {
            if !site_dist[b] {
                buyers_of[p] += 1;
            }
        }
        groups.retain(|&(b, p)| {
            let gap = !site_dist[b]
                && part_level[p] as usize == depth
                && buyers_of[p] > 1
                && r.chance(0.02);
            if gap {
                buyers_of[p] -= 1;
            }
            !gap
        });
        let (group_off, _) = csr(
            n_sites,
            groups.iter().enumerate().map(|(g, &(b, _))| (b, g)),
        );
        let (gpart_off, gpart) = csr(
            n_parts,
            groups.iter().enumerate().map(|(g, &(_, p))| (p, g)),
        );
        let find_group = |b: usize, p: usize| -> Option<usize> {
            let range = group_off[b]..group_off[b + 1];
            groups[range.clone()]
                .binary_search_by_key(&p, |&(_, q)| q)
                .ok()
                .map(|i| range.start + i)
        };

        // The built-in diamond: the two first makers of tier 1's first assembly both buy its
        // first child from that child's first maker.
        let a0 = part_start[1];
        let (m1, m2) = (maker_site[maker_off[a0]], maker_site[maker_off[a0] + 1]);
        let x = bom_child[bom_off[a0]];
        let x_seller = maker_site[maker_off[x]];
        let diamond = [find_group(m1, x), find_group(m2, x)];

        // Sellers. Direct groups of a part are walked together so that every maker and
        // distributor of it gets at least one buyer (that is what makes tier = level); further
        // sellers favour the big suppliers.
        let mut rows: Vec<(usize, usize)> = Vec::with_capacity(groups.len() * 2);
        let (mut direct, mut via, mut cand, mut chosen) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let sellers_wanted = |r: &mut Draw| {
            let u = r.unit();
            if u < 0.45 {
                1
            } else if u < 0.8 {
                2
            } else {
                3
            }
        };
        fn fill(r: &mut Draw, chosen: &mut Vec<usize>, from: &[usize], want: usize) {
            let mut attempts = 4 * want + 4;
            while chosen.len() < want && attempts > 0 {
                attempts -= 1;
                let s = from[r.skewed(from.len())];
                if !chosen.contains(&s) {
                    chosen.push(s);
                }
            }
        }
        for p in 0..n_parts {
            let gs = &gpart[gpart_off[p]..gpart_off[p + 1]];
            if gs.is_empty() {
                continue;
            }
            direct.clear();
            via.clear();
            for &g in gs {
                if site_dist[groups[g].0] {
                    via.push(g);
                } else {
                    direct.push(g);
                }
            }
            let makers = &maker_site[maker_off[p]..maker_off[p + 1]];
            cand.clear();
            cand.extend_from_slice(makers);
            cand.extend_from_slice(&dist_site[dist_off[p]..dist_off[p + 1]]);
            let (nd, nc) = (direct.len(), cand.len());
            if nd > 0 {
                let offset = r.below(nc);
                let walk = nd.max(nc);
                for (i, &g) in direct.iter().enumerate() {
                    chosen.clear();
                    let mut t = i;
                    while t < walk {
                        chosen.push(cand[(t + offset) % nc]);
                        t += nd;
                    }
                    let want = sellers_wanted(r).min(nc);
                    fill(r, &mut chosen, &cand, want);
                    if diamond.contains(&Some(g)) && !chosen.contains(&x_seller) {
                        chosen.push(x_seller);
                    }
                    rows.extend(chosen.iter().map(|&s| (g, s)));
                }
            }
            for &g in &via {
                chosen.clear();
                let want = sellers_wanted(r).min(makers.len());
                fill(r, &mut chosen, makers, want);
                rows.extend(chosen.iter().map(|&s| (g, s)));
            }
        }
        rows.sort_by_key(|&(g, _)| g);
        let (row_off, row_seller) = csr(groups.len(), rows.iter().copied());
        drop(rows);

        // Shares in thousandths (finer for the rare huge group), summing to exactly the
        // group's total; the first seller is usually the main one.
        let mut row_share = vec![0.0; row_seller.len()];
        let mut row_max = vec![None; row_seller.len()];
        let mut weights: Vec<f64> = Vec::new();
        let mut units: Vec<u64> = Vec::new();
        for g in 0..groups.len() {
            let range = row_off[g]..row_off[g + 1];
            let n = range.len() as u64;
            let scale: u64 = if n <= 100 { 1000 } else { 1_000_000 };
            let total = if r.chance(0.05) {
                r.int(scale * 6 / 10, scale * 95 / 100)
            } else {
                scale
            };
            weights.clear();
            for i in 0..n {
                weights.push(r.real(0.3, 1.3) + if i == 0 { 1.0 } else { 0.0 });
            }
            let wsum: f64 = weights.iter().sum();
            let spare = total - n;
            units.clear();
            units.extend(weights.iter().map(|w| 1 + (spare as f64 * w / wsum) as u64));
            let given: u64 = units.iter().sum();
            units[0] += total - given;
            for (row, &u) in range.zip(&units) {
                row_share[row] = u as f64 / scale as f64;
                row_max[row] = if r.chance(0.03) {
                    None
                } else if n == 1 && total == scale {
                    Some(1.0)
                } else {
                    let head = if r.chance(0.25) {
                        0
                    } else {
                        r.int(scale / 20, scale / 2)
                    };
                    Some((u + head).min(scale) as f64 / scale as f64)
                };
            }
        }

        Net {
            depth,
            plants,
            lv_start,
            mk_end,
            site_level,
            site_dist,
            part_start,
            part_level,
            kinds,
            site_off,
            site_part,
            bom_off,
            bom_child,
            bom_qty,
            site_country,
            site_company,
            companies,
            groups,
            group_off,
            row_off,
            row_seller,
            row_share,
            row_max,
        }
    }

    fn n_sites(&self) -> usize {
        self.site_level.len()
    }

    fn role(&self, s: usize) -> Role {
        let level = self.site_level[s] as usize;
        Role::of(level, self.site_dist[s], self.depth, self.kinds[level])
    }

    fn nodes(&self, s: usize) -> std::ops::Range<usize> {
        self.site_off[s]..self.site_off[s + 1]
    }

    fn node_of(&self, s: usize, p: usize) -> Option<usize> {
        let range = self.nodes(s);
        self.site_part[range.clone()]
            .binary_search(&p)
            .ok()
            .map(|i| range.start + i)
    }

    fn group_of(&self, b: usize, p: usize) -> Option<usize> {
        let range = self.group_off[b]..self.group_off[b + 1];
        self.groups[range.clone()]
            .binary_search_by_key(&p, |&(_, q)| q)
            .ok()
            .map(|i| range.start + i)
    }

    /// Daily output of every node: the products' demand exploded down through BOM quantities
    /// and shares. Levels are processed top down, distributors before the manufacturers they
    /// buy from (same level), so each node is complete before it passes its need on.
    fn flows(&self, demand: &[(usize, f64)]) -> Vec<f64> {
        let mut x = vec![0.0; self.site_part.len()];
        let mut need = vec![0.0; self.groups.len()];
        for &(node, d) in demand {
            x[node] += d;
        }
        for level in 0..=self.depth {
            let sites = (self.mk_end[level]..self.lv_start[level + 1])
                .chain(self.lv_start[level]..self.mk_end[level]);
            for s in sites {
                for n in self.nodes(s) {
                    let p = self.site_part[n];
                    if self.site_dist[s] {
                        if let Some(g) = self.group_of(s, p) {
                            need[g] += x[n];
                        }
                        continue;
                    }
                    for l in self.bom_off[p]..self.bom_off[p + 1] {
                        if let Some(g) = self.group_of(s, self.bom_child[l]) {
                            need[g] += x[n] * self.bom_qty[l];
                        }
                    }
                }
                let (lo, hi) = (self.group_off[s], self.group_off[s + 1]);
                for (g, &group_need) in need.iter().enumerate().take(hi).skip(lo) {
                    let p = self.groups[g].1;
                    for row in self.row_off[g]..self.row_off[g + 1] {
                        if let Some(n) = self.node_of(self.row_seller[row], p) {
                            x[n] += self.row_share[row] * group_need;
                        }
                    }
                }
            }
        }
        x
    }

    fn company_name(&self, c: usize) -> String {
        if c == 0 {
            return "FOCAL".to_owned();
        }
        let (role, country) = self.companies[c];
        let i = c - 1;
        let combos = NAME_HEADS.len() * NAME_MIDS.len() * NAME_TAILS.len();
        // A fixed permutation of the name space, so neighbouring companies do not share a stem.
        let k = (i % combos) * 2731 % combos;
        let mut name = String::with_capacity(40);
        name.push_str(NAME_HEADS[k % NAME_HEADS.len()]);
        name.push_str(NAME_MIDS[(k / NAME_HEADS.len()) % NAME_MIDS.len()]);
        name.push_str(NAME_TAILS[k / (NAME_HEADS.len() * NAME_MIDS.len())]);
        if i >= combos {
            name.push_str(&format!(" {}", i / combos + 1));
        }
        let industries = role.industries();
        name.push(' ');
        name.push_str(industries[c % industries.len()]);
        name.push(' ');
        name.push_str(match COUNTRIES[country].0 {
            "DE" | "CH" => "GmbH",
            "US" | "CA" => "Inc",
            "JP" => "KK",
            "CN" | "HK" | "TW" | "KR" => "Co Ltd",
            "FR" | "BE" | "ES" | "MX" | "AR" | "PE" | "CL" | "BO" => "SA",
            "IT" => "SpA",
            "NL" => "BV",
            "SE" => "AB",
            "NO" => "AS",
            "BR" => "Ltda",
            _ => "Ltd",
        });
        name
    }

    fn into_tables(self, r: &mut Draw) -> Tables {
        let n_sites = self.n_sites();
        let n_parts = self.part_level.len();
        let depth = self.depth;

        // Parts.
        let mut counters = [0usize; 4];
        let mut part_ids = Vec::with_capacity(n_parts);
        let mut parts = Vec::with_capacity(n_parts);
        for p in 0..n_parts {
            let level = self.part_level[p] as usize;
            let kind = self.kinds[level];
            let (prefix, slot) = match kind {
                PartKind::Product => ("PRD", 0),
                PartKind::Assembly => ("ASM", 1),
                PartKind::Component => ("CMP", 2),
                _ => ("RAW", 3),
            };
            let seq = counters[slot];
            counters[slot] += 1;
            let id = format!("{prefix}-{:06}", seq + 1);
            let (name, cost) = match kind {
                PartKind::Product => {
                    let base = PRODUCT_NAMES[seq % PRODUCT_NAMES.len()];
                    let model = seq / PRODUCT_NAMES.len() + 1;
                    (format!("{base} Mk {model}"), r.real(800.0, 40_000.0))
                }
                PartKind::Assembly => {
                    let base = ASSEMBLY_NAMES[r.below(ASSEMBLY_NAMES.len())];
                    let u = r.unit();
                    (format!("{base} {}", seq + 1), 40.0 + 2000.0 * u * u)
                }
                PartKind::Component => {
                    let base = COMPONENT_NAMES[r.below(COMPONENT_NAMES.len())];
                    let u = r.unit();
                    (format!("{base} {}", seq + 1), 0.2 + 150.0 * u * u * u)
                }
                _ => {
                    let base = RAW_MATERIALS[seq % RAW_MATERIALS.len()].0;
                    let grade = seq / RAW_MATERIALS.len();
                    let name = if grade == 0 {
                        base.to_owned()
                    } else {
                        format!("{base} grade {}", grade + 1)
                    };
                    let u = r.unit();
                    (name, 0.3 + 60.0 * u * u)
                }
            };
            parts.push(Part {
                part_id: id.clone(),
                kind,
                name: Some(name),
                unit_cost: Some(round_to(cost, 100.0)),
            });
            part_ids.push(id);
        }

        let site_ids: Vec<String> = (0..n_sites).map(|s| format!("S{:06}", s + 1)).collect();

        // Products: one row per plant node.
        let mut products = Vec::new();
        let mut demand = Vec::new();
        for (plant, plant_id) in site_ids.iter().enumerate().take(self.plants) {
            for n in self.nodes(plant) {
                let p = self.site_part[n];
                let cost = parts[p].unit_cost.unwrap_or(1000.0);
                // Volume falls with price: roughly 300k of standard cost a day per row.
                let d = (r.real(0.5, 1.5) * 300_000.0 / cost)
                    .round()
                    .clamp(5.0, 5000.0);
                let revenue = round_to(cost * r.real(1.15, 1.7), 100.0);
                demand.push((n, d));
                products.push(ProductRow {
                    part_id: part_ids[p].clone(),
                    site_id: plant_id.clone(),
                    demand_per_day: d,
                    revenue_per_unit: revenue,
                    margin_per_unit: Some(round_to(revenue - cost, 100.0)),
                    fg_inventory_days: Some(r.int(1, 15) as f64),
                });
            }
        }
        let x = self.flows(&demand);

        let bom: Vec<BomLine> = (0..n_parts)
            .flat_map(|p| (self.bom_off[p]..self.bom_off[p + 1]).map(move |l| (p, l)))
            .map(|(p, l)| BomLine {
                parent_part: part_ids[p].clone(),
                child_part: part_ids[self.bom_child[l]].clone(),
                qty: self.bom_qty[l],
            })
            .collect();

        // Sites.
        let mut utilization = vec![0.0; n_sites];
        let mut sites = Vec::with_capacity(n_sites);
        for s in 0..n_sites {
            let role = self.role(s);
            let ttr = match role {
                Role::Plant => r.int(30, 90),
                Role::Assembly => r.int(21, 90),
                Role::Component => r.int(14, 60),
                Role::Mine => r.int(60, 180),
                Role::Distributor => r.int(3, 14),
            };
            // Triangular scores: most suppliers are middling, few excellent or failing.
            let (fin, otr) = if role == Role::Plant {
                (r.real(70.0, 92.0), r.real(0.9, 0.99))
            } else {
                let fin = 15.0 + 40.0 * (r.unit() + r.unit());
                let u = r.unit();
                (fin, 0.7 + 0.299 * (1.0 - u * u))
            };
            let u = r.unit();
            let ppm = match role {
                Role::Plant => 5.0 + 200.0 * u,
                _ => 5.0 + 3000.0 * u * u * u,
            };
            let util = r.real(0.45, 0.98);
            utilization[s] = round_to(util, 100.0);
            let missing_ppm = if role == Role::Mine { 0.6 } else { 0.05 };
            sites.push(Site {
                site_id: site_ids[s].clone(),
                company: self.company_name(self.site_company[s]),
                country: COUNTRIES[self.site_country[s]].0.to_owned(),
                ttr_days: Some(ttr as f64),
                financial_score: (!r.chance(0.03)).then(|| round_to(fin, 10.0)),
                on_time_rate: (!r.chance(0.04)).then(|| round_to(otr, 1000.0)),
                quality_ppm: (!r.chance(missing_ppm)).then(|| ppm.round()),
                capacity_utilization: (!r.chance(0.05)).then_some(utilization[s]),
                p_fail_override: (role != Role::Plant && r.chance(0.002))
                    .then(|| round_to(r.real(0.02, 0.4), 1000.0)),
            });
        }

        // Supply rows; inventory is one value per group.
        let mut supply = Vec::with_capacity(self.row_seller.len());
        for (g, &(b, p)) in self.groups.iter().enumerate() {
            let level = self.part_level[p] as usize;
            let inventory = if self.site_dist[b] {
                r.int(15, 60)
            } else if level == 1 {
                r.int(1, 10)
            } else if r.chance(0.1) {
                0
            } else if level == depth {
                r.int(10, 60)
            } else {
                r.int(3, 30)
            } as f64;
            let (lo, hi) = match self.kinds[level] {
                PartKind::Assembly => (5, 30),
                PartKind::Component => (10, 45),
                _ => (20, 90),
            };
            for row in self.row_off[g]..self.row_off[g + 1] {
                let s = self.row_seller[row];
                let mut lead = r.int(lo, hi);
                if self.site_country[s] != self.site_country[b] {
                    lead += r.int(7, 35);
                }
                let lead = lead as f64;
                supply.push(SupplyRow {
                    buyer_site: site_ids[b].clone(),
                    part_id: part_ids[p].clone(),
                    seller_site: site_ids[s].clone(),
                    share: self.row_share[row],
                    max_share: self.row_max[row],
                    lead_time_days: Some(lead),
                    lead_time_sd_days: Some(round_to(lead * r.real(0.05, 0.35), 10.0)),
                    inventory_days: Some(inventory),
                });
            }
        }

        // Capacity: a few sites and a few nodes, sized from their flows.
        let mut cap_rows: Vec<(usize, Option<usize>, CapacityRow)> = Vec::new();
        let mut site_taken = vec![false; n_sites];
        for _ in 0..(n_sites / 300).max(1) * 4 {
            if cap_rows.len() >= (n_sites / 300).max(1) {
                break;
            }
            let s = r.below(n_sites);
            let flow: f64 = self.nodes(s).map(|n| x[n]).sum();
            if site_taken[s] || flow <= 0.0 {
                continue;
            }
            site_taken[s] = true;
            cap_rows.push((
                s,
                None,
                CapacityRow {
                    site_id: site_ids[s].clone(),
                    part_id: None,
                    capacity_per_day: Some(round_to(flow / utilization[s], 10.0).max(0.1)),
                    inventory_units: None,
                },
            ));
        }
        let mut node_taken = vec![false; self.site_part.len()];
        let node_target = (n_sites / 150).max(2);
        let mut node_rows = 0;
        for _ in 0..node_target * 4 {
            if node_rows >= node_target {
                break;
            }
            let s = r.below(n_sites);
            let nodes = self.nodes(s);
            let n = nodes.start + r.below(nodes.len());
            if node_taken[n] || x[n] <= 0.0 {
                continue;
            }
            node_taken[n] = true;
            node_rows += 1;
            let with_cap = r.chance(0.8);
            let with_stock = !with_cap || r.chance(0.6);
            let stock_days = r.real(2.0, 15.0);
            cap_rows.push((
                s,
                Some(n),
                CapacityRow {
                    site_id: site_ids[s].clone(),
                    part_id: Some(part_ids[self.site_part[n]].clone()),
                    capacity_per_day: with_cap
                        .then(|| round_to(x[n] / utilization[s], 10.0).max(0.1)),
                    inventory_units: with_stock.then(|| (x[n] * stock_days).round()),
                },
            ));
        }
        cap_rows.sort_by_key(|&(s, n, _)| (s, n));
        let capacity = cap_rows.into_iter().map(|(_, _, c)| c).collect();

        let countries = COUNTRIES
            .iter()
            .map(|&(code, governance, hazard, p_event, ttr, _)| Country {
                country: code.to_owned(),
                governance: Some(governance),
                hazard: Some(hazard),
                p_event: Some(p_event),
                ttr_days: Some(ttr),
            })
            .collect();

        let signals = self.signals(r, &site_ids);
        let alternates = self.alternates(r, &part_ids);

        Tables {
            sites,
            parts,
            products,
            bom,
            supply,
            capacity,
            countries,
            signals,
            alternates,
        }
    }

    /// About 3 signals per 20 sites about suppliers, their companies and their countries; never
    /// about the focal company or its plants (a sanctioned plant would stop every product at
    /// once, which makes a poor demo).
    fn signals(&self, r: &mut Draw, site_ids: &[String]) -> Vec<Signal> {
        let n_sites = self.n_sites();
        let count = ((n_sites as f64 * 0.15).round() as usize).max(3);
        let mut used_countries: Vec<usize> = self.site_country.clone();
        used_countries.sort_unstable();
        used_countries.dedup();
        let suppliers = n_sites - self.plants;
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let u = r.unit();
            let (kind, id, factor, source) = if u < 0.65 {
                let s = self.plants + r.below(suppliers);
                let f = r.unit();
                let (factor, source) = if f < 0.005 {
                    ("sanction", "sanctions-list")
                } else if f < 0.3 {
                    ("financial", "rating-agency")
                } else if f < 0.65 {
                    ("news", "newswire")
                } else {
                    ("labor", "union-monitor")
                };
                (SubjectKind::Site, site_ids[s].clone(), factor, source)
            } else if u < 0.9 {
                let c = 1 + r.below(self.companies.len() - 1);
                let f = r.unit();
                let (factor, source) = if f < 0.01 {
                    ("sanction", "sanctions-list")
                } else if f < 0.5 {
                    ("financial", "rating-agency")
                } else {
                    ("news", "newswire")
                };
                (SubjectKind::Company, self.company_name(c), factor, source)
            } else {
                let c = *r.pick(&used_countries);
                let factor = if r.chance(0.5) { "news" } else { "labor" };
                (
                    SubjectKind::Country,
                    COUNTRIES[c].0.to_owned(),
                    factor,
                    "newswire",
                )
            };
            let value = if factor == "sanction" {
                1.0
            } else {
                let v = r.unit();
                round_to(v * v, 100.0)
            };
            let back = r.int(0, 400) as i64 * 86_400 + r.int(0, 86_399) as i64;
            out.push(Signal {
                subject_kind: kind,
                subject_id: id,
                factor: factor.to_owned(),
                value,
                observed_at: rfc3339(BASE_EPOCH_SECS - back),
                source: Some(source.to_owned()),
            });
        }
        out
    }

    /// A few approved substitutes between parts of one assembly or component level.
    fn alternates(&self, r: &mut Draw, part_ids: &[String]) -> Vec<Alternate> {
        let lo = self.part_start[1];
        let hi = self.part_start[self.depth];
        let count = ((hi - lo) / 40).max(1);
        let mut pairs = BTreeMap::new();
        for _ in 0..count * 4 {
            if pairs.len() >= count {
                break;
            }
            let a = lo + r.below(hi - lo);
            let level = self.part_level[a] as usize;
            let (ls, le) = (self.part_start[level], self.part_start[level + 1]);
            let b = ls + r.below(le - ls);
            if a != b {
                let days = r.int(30, 180);
                pairs.entry((a, b)).or_insert(days);
            }
        }
        pairs
            .into_iter()
            .map(|((a, b), days)| Alternate {
                part_id: part_ids[a].clone(),
                alternate_part_id: part_ids[b].clone(),
                qualification_days: Some(days as f64),
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Dates (proleptic Gregorian, H. Hinnant's algorithms), so no clock or time zone is involved.

const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn rfc3339(epoch_secs: i64) -> String {
    let (days, secs) = (epoch_secs.div_euclid(86_400), epoch_secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet, VecDeque};

    use proptest::prelude::*;

    use super::*;
    use crate::model::EPS;

    fn gen_tables(sites: usize, seed: u64) -> Tables {
        generate(&GeneratorConfig::new(sites, seed)).expect("valid configuration")
    }

    /// What the structural check found, for assertions on the network's shape.
    #[derive(Debug, Default)]
    struct Shape {
        max_tier: usize,
        distributors: usize,
        diamonds: usize,
        remainder_groups: usize,
        single_source_groups: usize,
        unmapped_children: usize,
    }

    fn unique<'a>(what: &str, keys: impl IntoIterator<Item = String> + 'a) -> Result<(), String> {
        let mut seen = HashSet::new();
        for k in keys {
            if !seen.insert(k.clone()) {
                return Err(format!("duplicate {what} key {k}"));
            }
        }
        Ok(())
    }

    fn in_range(what: &str, v: Option<f64>, lo: f64, hi: f64) -> Result<(), String> {
        match v {
            Some(x) if !(lo..=hi).contains(&x) || !x.is_finite() => {
                Err(format!("{what} = {x} outside {lo}..={hi}"))
            }
            _ => Ok(()),
        }
    }

    /// Kahn's algorithm; true when every vertex could be ordered.
    fn acyclic(n: usize, edges: &[(usize, usize)]) -> bool {
        let mut indeg = vec![0usize; n];
        let mut out = vec![Vec::new(); n];
        for &(a, b) in edges {
            out[a].push(b);
            indeg[b] += 1;
        }
        let mut queue: VecDeque<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
        let mut done = 0;
        while let Some(v) = queue.pop_front() {
            done += 1;
            for &w in &out[v] {
                indeg[w] -= 1;
                if indeg[w] == 0 {
                    queue.push_back(w);
                }
            }
        }
        done == n
    }

    /// The DESIGN 2.2 gates and the generator's own promises, checked independently of the
    /// generator's index arrays.
    fn check(t: &Tables) -> Result<Shape, String> {
        let mut shape = Shape::default();
        unique("sites", t.sites.iter().map(|s| s.site_id.clone()))?;
        unique("parts", t.parts.iter().map(|p| p.part_id.clone()))?;
        unique(
            "products",
            t.products
                .iter()
                .map(|p| format!("{}|{}", p.part_id, p.site_id)),
        )?;
        unique(
            "bom",
            t.bom
                .iter()
                .map(|b| format!("{}|{}", b.parent_part, b.child_part)),
        )?;
        unique(
            "supply",
            t.supply
                .iter()
                .map(|s| format!("{}|{}|{}", s.buyer_site, s.part_id, s.seller_site)),
        )?;
        unique("countries", t.countries.iter().map(|c| c.country.clone()))?;
        unique(
            "capacity",
            t.capacity
                .iter()
                .map(|c| format!("{}|{:?}", c.site_id, c.part_id)),
        )?;

        let countries: HashSet<&str> = t.countries.iter().map(|c| c.country.as_str()).collect();
        for c in &t.countries {
            let ok = c.country.len() == 2 && c.country.chars().all(|ch| ch.is_ascii_uppercase());
            if !ok {
                return Err(format!("bad country code {}", c.country));
            }
            in_range("governance", c.governance, 0.0, 1.0)?;
            in_range("hazard", c.hazard, 0.0, 1.0)?;
            in_range("p_event", c.p_event, 0.005, 0.08)?;
            in_range("country ttr_days", c.ttr_days, 1.0, 365.0)?;
        }
        let site_ix: HashMap<&str, usize> = t
            .sites
            .iter()
            .enumerate()
            .map(|(i, s)| (s.site_id.as_str(), i))
            .collect();
        let companies: HashSet<&str> = t.sites.iter().map(|s| s.company.as_str()).collect();
        for s in &t.sites {
            if !countries.contains(s.country.as_str()) {
                return Err(format!(
                    "site {} in unknown country {}",
                    s.site_id, s.country
                ));
            }
            in_range("ttr_days", s.ttr_days, 0.0, 365.0)?;
            in_range("financial_score", s.financial_score, 0.0, 100.0)?;
            in_range("on_time_rate", s.on_time_rate, 0.0, 1.0)?;
            in_range("quality_ppm", s.quality_ppm, 0.0, 1e6)?;
            in_range("capacity_utilization", s.capacity_utilization, 0.0, 1.0)?;
            in_range("p_fail_override", s.p_fail_override, 0.0, 1.0)?;
        }
        let kind: HashMap<&str, PartKind> = t
            .parts
            .iter()
            .map(|p| (p.part_id.as_str(), p.kind))
            .collect();
        for p in &t.parts {
            if p.unit_cost.is_none_or(|c| c <= 0.0) {
                return Err(format!("part {} without a positive cost", p.part_id));
            }
        }
        for p in &t.products {
            if kind.get(p.part_id.as_str()) != Some(&PartKind::Product) {
                return Err(format!("products row for non-product {}", p.part_id));
            }
            let Some(&i) = site_ix.get(p.site_id.as_str()) else {
                return Err(format!("products row at unknown site {}", p.site_id));
            };
            if t.sites[i].company != "FOCAL" {
                return Err(format!("plant {} not owned by FOCAL", p.site_id));
            }
            if p.demand_per_day <= 0.0 || p.revenue_per_unit <= 0.0 {
                return Err(format!(
                    "products row {} without demand or revenue",
                    p.part_id
                ));
            }
        }

        // BOM: references, qty, kinds one level apart, no cycle.
        let part_ix: HashMap<&str, usize> = t
            .parts
            .iter()
            .enumerate()
            .map(|(i, p)| (p.part_id.as_str(), i))
            .collect();
        let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut bom_edges = Vec::new();
        for b in &t.bom {
            let (Some(&pi), Some(&ci)) = (
                part_ix.get(b.parent_part.as_str()),
                part_ix.get(b.child_part.as_str()),
            ) else {
                return Err(format!(
                    "bom line {} -> {} names an unknown part",
                    b.parent_part, b.child_part
                ));
            };
            if b.qty <= 0.0 || !b.qty.is_finite() {
                return Err(format!("bom qty {} not positive", b.qty));
            }
            if t.parts[pi].kind == PartKind::RawMaterial || t.parts[ci].kind == PartKind::Product {
                return Err(format!(
                    "bom line {} -> {} against the layering",
                    b.parent_part, b.child_part
                ));
            }
            children
                .entry(b.parent_part.as_str())
                .or_default()
                .push(b.child_part.as_str());
            bom_edges.push((pi, ci));
        }
        if !acyclic(t.parts.len(), &bom_edges) {
            return Err("the BOM has a cycle".into());
        }
        for p in &t.parts {
            if p.kind != PartKind::RawMaterial && !children.contains_key(p.part_id.as_str()) {
                return Err(format!("{} {} has no BOM children", p.kind, p.part_id));
            }
        }

        // Supply: references, shares, max_share, inventory per group.
        let mut groups: HashMap<(&str, &str), Vec<&SupplyRow>> = HashMap::new();
        for s in &t.supply {
            for site in [&s.buyer_site, &s.seller_site] {
                if !site_ix.contains_key(site.as_str()) {
                    return Err(format!("supply row names unknown site {site}"));
                }
            }
            if !kind.contains_key(s.part_id.as_str()) {
                return Err(format!("supply row names unknown part {}", s.part_id));
            }
            if s.buyer_site == s.seller_site {
                return Err(format!("site {} buys from itself", s.buyer_site));
            }
            if !(s.share > 0.0 && s.share <= 1.0) {
                return Err(format!("share {} out of range", s.share));
            }
            if let Some(m) = s.max_share
                && !(m >= s.share && m <= 1.0)
            {
                return Err(format!("max_share {m} below share {} or above 1", s.share));
            }
            in_range("inventory_days", s.inventory_days, 0.0, 365.0)?;
            if s.inventory_days.is_none() {
                return Err("missing inventory_days".into());
            }
            let lead = s.lead_time_days.unwrap_or(0.0);
            in_range("lead_time_sd_days", s.lead_time_sd_days, 0.0, lead)?;
            groups
                .entry((s.buyer_site.as_str(), s.part_id.as_str()))
                .or_default()
                .push(s);
        }
        for ((b, p), rows) in &groups {
            let sum: f64 = rows.iter().map(|r| r.share).sum();
            if sum > 1.0 + EPS {
                return Err(format!("shares of ({b}, {p}) sum to {sum}"));
            }
            if sum < 1.0 - EPS {
                shape.remainder_groups += 1;
            }
            if rows.len() == 1 {
                shape.single_source_groups += 1;
            }
            if rows
                .iter()
                .any(|r| r.inventory_days != rows[0].inventory_days)
            {
                return Err(format!("inventory_days of ({b}, {p}) disagree"));
            }
        }

        // Nodes: (site, part) made by a seller or a plant.
        let mut node_ix: HashMap<(&str, &str), usize> = HashMap::new();
        let mut nodes: Vec<(&str, &str)> = Vec::new();
        let sells = t
            .supply
            .iter()
            .map(|s| (s.seller_site.as_str(), s.part_id.as_str()));
        let plants = t
            .products
            .iter()
            .map(|p| (p.site_id.as_str(), p.part_id.as_str()));
        for key in sells.chain(plants) {
            node_ix.entry(key).or_insert_with(|| {
                nodes.push(key);
                nodes.len() - 1
            });
        }
        let mut node_edges = Vec::new();
        let mut distributors: HashSet<(&str, &str)> = HashSet::new();
        for (j, &(s, p)) in nodes.iter().enumerate() {
            if let Some(rows) = groups.get(&(s, p)) {
                distributors.insert((s, p));
                for r in rows {
                    node_edges.push((node_ix[&(r.seller_site.as_str(), p)], j));
                }
                continue;
            }
            for &c in children.get(p).map(Vec::as_slice).unwrap_or(&[]) {
                match groups.get(&(s, c)) {
                    Some(rows) => {
                        for r in rows {
                            node_edges.push((node_ix[&(r.seller_site.as_str(), c)], j));
                        }
                    }
                    None if kind[c] == PartKind::RawMaterial => shape.unmapped_children += 1,
                    None => return Err(format!("{s} makes {p} but has no supply of {c}")),
                }
            }
        }
        if !acyclic(nodes.len(), &node_edges) {
            return Err("the node graph has a cycle".into());
        }
        shape.distributors = distributors.len();
        for &(d, p) in &distributors {
            for r in &groups[&(d, p)] {
                let seller = r.seller_site.as_str();
                if distributors.contains(&(seller, p)) {
                    return Err(format!(
                        "distributor {d} buys {p} from distributor {seller}"
                    ));
                }
            }
        }
        // Every supply group is consumed by a node of its buyer.
        for &(b, c) in groups.keys() {
            let consumed = distributors.contains(&(b, c))
                || nodes
                    .iter()
                    .any(|&(s, p)| s == b && children.get(p).is_some_and(|cs| cs.contains(&c)));
            if !consumed && !nodes.is_empty() {
                // Checked on small data sets only: the scan is quadratic.
                if nodes.len() < 20_000 {
                    return Err(format!("group ({b}, {c}) feeds no node"));
                }
            }
        }

        // Tiers: breadth first from the plants over buyer -> seller.
        let mut sellers_of: HashMap<&str, Vec<&str>> = HashMap::new();
        for s in &t.supply {
            sellers_of
                .entry(s.buyer_site.as_str())
                .or_default()
                .push(s.seller_site.as_str());
        }
        let mut tier: HashMap<&str, usize> = HashMap::new();
        let mut queue = VecDeque::new();
        for p in &t.products {
            if tier.insert(p.site_id.as_str(), 0).is_none() {
                queue.push_back(p.site_id.as_str());
            }
        }
        while let Some(b) = queue.pop_front() {
            let next = tier[b] + 1;
            for &s in sellers_of.get(b).map(Vec::as_slice).unwrap_or(&[]) {
                if !tier.contains_key(s) {
                    tier.insert(s, next);
                    queue.push_back(s);
                }
            }
        }
        if tier.len() != t.sites.len() {
            return Err(format!(
                "{} of {} sites reach no plant",
                t.sites.len() - tier.len(),
                t.sites.len()
            ));
        }
        shape.max_tier = tier.values().copied().max().unwrap_or(0);

        // Diamonds: one seller, one part, two or more distinct tier-1 buyers.
        let mut buyers: HashMap<(&str, &str), HashSet<&str>> = HashMap::new();
        for s in &t.supply {
            if tier[s.buyer_site.as_str()] == 1 {
                buyers
                    .entry((s.seller_site.as_str(), s.part_id.as_str()))
                    .or_default()
                    .insert(s.buyer_site.as_str());
            }
        }
        shape.diamonds = buyers.values().filter(|b| b.len() >= 2).count();

        for sig in &t.signals {
            let known = match sig.subject_kind {
                SubjectKind::Site => site_ix.contains_key(sig.subject_id.as_str()),
                SubjectKind::Company => companies.contains(sig.subject_id.as_str()),
                SubjectKind::Country => countries.contains(sig.subject_id.as_str()),
                _ => kind.contains_key(sig.subject_id.as_str()),
            };
            if !known {
                return Err(format!(
                    "signal about unknown {} {}",
                    sig.subject_kind, sig.subject_id
                ));
            }
            in_range("signal value", Some(sig.value), 0.0, 1.0)?;
            let ts = sig.observed_at.as_bytes();
            let ok = ts.len() == 20
                && ts[19] == b'Z'
                && ts[10] == b'T'
                && sig.observed_at.as_str() <= "2026-06-30T00:00:00Z"
                && sig.observed_at.as_str() >= "2025-05-25T00:00:00Z";
            if !ok {
                return Err(format!("bad observed_at {}", sig.observed_at));
            }
        }
        for c in &t.capacity {
            let Some(&i) = site_ix.get(c.site_id.as_str()) else {
                return Err(format!("capacity row at unknown site {}", c.site_id));
            };
            match &c.part_id {
                None if c.inventory_units.is_some() || c.capacity_per_day.is_none() => {
                    return Err(format!(
                        "site-level capacity row of {} malformed",
                        c.site_id
                    ));
                }
                Some(p) if !node_ix.contains_key(&(t.sites[i].site_id.as_str(), p.as_str())) => {
                    return Err(format!(
                        "capacity row for a node {} does not make",
                        c.site_id
                    ));
                }
                _ => {}
            }
            in_range("capacity_per_day", c.capacity_per_day, 0.0, f64::MAX)?;
            in_range("inventory_units", c.inventory_units, 0.0, f64::MAX)?;
        }
        for a in &t.alternates {
            if !kind.contains_key(a.part_id.as_str())
                || !kind.contains_key(a.alternate_part_id.as_str())
                || a.part_id == a.alternate_part_id
            {
                return Err(format!(
                    "bad alternate {} -> {}",
                    a.part_id, a.alternate_part_id
                ));
            }
        }
        Ok(shape)
    }

    #[test]
    fn same_seed_same_tables_other_seed_other_tables() {
        let a = gen_tables(500, 7);
        let b = gen_tables(500, 7);
        assert_eq!(a, b);
        let c = gen_tables(500, 8);
        assert_ne!(a, c);
    }

    #[test]
    fn same_seed_same_csv_bytes() {
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        crate::ingest::write_tables_csv(&gen_tables(300, 11), da.path()).unwrap();
        crate::ingest::write_tables_csv(&gen_tables(300, 11), db.path()).unwrap();
        for name in crate::model::TABLE_NAMES {
            let file = format!("{name}.csv");
            let a = std::fs::read(da.path().join(&file)).unwrap();
            let b = std::fs::read(db.path().join(&file)).unwrap();
            assert_eq!(a, b, "{file} differs");
            assert!(!a.is_empty(), "{file} missing");
        }
    }

    #[test]
    fn sizes_are_close_to_the_request() {
        for n in [50, 1000, 20_000] {
            let t = gen_tables(n, 3);
            let got = t.sites.len() as f64;
            assert!(
                (got - n as f64).abs() <= 0.1 * n as f64,
                "asked {n}, got {got}"
            );
            let shape = check(&t).unwrap_or_else(|e| panic!("{n} sites: {e}"));
            assert!((4..=6).contains(&shape.max_tier), "{shape:?}");
        }
    }

    #[test]
    fn too_small_and_too_large_are_refused() {
        assert_eq!(
            generate(&GeneratorConfig::new(19, 1)),
            Err(GenerateError::TooFewSites { requested: 19 })
        );
        assert_eq!(
            generate(&GeneratorConfig::new(MAX_SITES + 1, 1)),
            Err(GenerateError::TooManySites {
                requested: MAX_SITES + 1
            })
        );
        assert!(generate(&GeneratorConfig::new(MIN_SITES, 1)).is_ok());
    }

    #[test]
    fn smallest_networks_are_complete() {
        for n in MIN_SITES..=40 {
            for seed in 0..4 {
                let t = gen_tables(n, seed);
                assert_eq!(t.sites.len(), n);
                let shape = check(&t).unwrap_or_else(|e| panic!("{n} sites, seed {seed}: {e}"));
                assert!((4..=6).contains(&shape.max_tier), "{n}/{seed}: {shape:?}");
                assert!(
                    shape.distributors >= 1 && shape.diamonds >= 1,
                    "{n}/{seed}: {shape:?}"
                );
            }
        }
    }

    #[test]
    fn structure_has_every_feature() {
        let mut depths = HashSet::new();
        for seed in 0..12 {
            let t = gen_tables(2000, seed);
            let shape = check(&t).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            assert!(shape.distributors >= 1, "seed {seed}: {shape:?}");
            assert!(shape.diamonds >= 1, "seed {seed}: {shape:?}");
            assert!(shape.remainder_groups >= 1, "seed {seed}: {shape:?}");
            assert!(shape.single_source_groups >= 1, "seed {seed}: {shape:?}");
            assert!(shape.unmapped_children >= 1, "seed {seed}: {shape:?}");
            assert!((4..=6).contains(&shape.max_tier), "seed {seed}: {shape:?}");
            depths.insert(shape.max_tier);

            let plants: HashSet<&str> = t.products.iter().map(|p| p.site_id.as_str()).collect();
            assert!((2..=5).contains(&plants.len()));
            assert!(!t.signals.is_empty() && !t.capacity.is_empty() && !t.alternates.is_empty());
            assert!(t.capacity.iter().any(|c| c.part_id.is_none()));
            assert!(t.capacity.iter().any(|c| c.part_id.is_some()));
            // Multi-site suppliers exist.
            let mut per_company: HashMap<&str, usize> = HashMap::new();
            for s in &t.sites {
                *per_company.entry(s.company.as_str()).or_default() += 1;
            }
            assert!(per_company.iter().any(|(c, &n)| *c != "FOCAL" && n >= 2));
        }
        assert_eq!(depths.len(), 3, "depths 4, 5 and 6 all occur: {depths:?}");
    }

    #[test]
    fn raw_materials_come_from_few_countries_and_costs_rise_with_level() {
        let t = gen_tables(5000, 42);
        let kind: HashMap<&str, PartKind> = t
            .parts
            .iter()
            .map(|p| (p.part_id.as_str(), p.kind))
            .collect();
        let site_country: HashMap<&str, &str> = t
            .sites
            .iter()
            .map(|s| (s.site_id.as_str(), s.country.as_str()))
            .collect();
        let mut mine_countries = HashSet::new();
        for s in &t.supply {
            if kind[s.part_id.as_str()] == PartKind::RawMaterial {
                let c = site_country[s.seller_site.as_str()];
                if !HUB_COUNTRIES.contains(&c) {
                    mine_countries.insert(c);
                }
            }
        }
        assert!(mine_countries.len() <= 20, "{mine_countries:?}");
        let mean_cost = |k: PartKind| {
            let costs: Vec<f64> = t
                .parts
                .iter()
                .filter(|p| p.kind == k)
                .filter_map(|p| p.unit_cost)
                .collect();
            costs.iter().sum::<f64>() / costs.len() as f64
        };
        assert!(mean_cost(PartKind::RawMaterial) < mean_cost(PartKind::Component) * 10.0);
        assert!(mean_cost(PartKind::Component) < mean_cost(PartKind::Assembly));
        assert!(mean_cost(PartKind::Assembly) < mean_cost(PartKind::Product));
    }

    #[test]
    fn dates_are_exact() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(rfc3339(BASE_EPOCH_SECS), "2026-06-30T00:00:00Z");
        assert_eq!(rfc3339(BASE_EPOCH_SECS - 1), "2026-06-29T23:59:59Z");
        assert_eq!(
            rfc3339(BASE_EPOCH_SECS - 400 * 86_400),
            "2025-05-26T00:00:00Z"
        );
        assert_eq!(
            rfc3339(days_from_civil(2024, 2, 29) * 86_400 + 3661),
            "2024-02-29T01:01:01Z"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        /// Every generated data set passes the quality gates, and the generator's own
        /// structural promises hold.
        #[test]
        fn generated_data_passes_the_quality_gates(seed in any::<u64>(), sites in 20usize..3000) {
            let t = gen_tables(sites, seed);
            prop_assert_eq!(t.sites.len(), sites);
            let shape = check(&t);
            prop_assert!(shape.is_ok(), "{:?}", shape.err());
            let shape = shape.unwrap_or_default();
            prop_assert!((4..=6).contains(&shape.max_tier), "{:?}", shape);
            prop_assert!(shape.distributors >= 1 && shape.diamonds >= 1, "{:?}", shape);
            let report = crate::ingest::validate(&t, &crate::ingest::LoadOptions::default());
            prop_assert!(report.errors.is_empty(), "{:?}", report.errors);
        }
    }
}
