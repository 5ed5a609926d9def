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

mod build;
mod dates;
mod draw;
mod events;
mod net;
mod reference;
mod shape;
mod tables;

use crate::model::{PartKind, Tables};
use crate::progress::{Cancelled, Progress};
use draw::Draw;
pub use events::generate_events;
use net::Role;
use shape::Shape;

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
    /// The generation was cancelled through its [`Progress`].
    #[error("the generation was cancelled")]
    Cancelled,
}

impl From<Cancelled> for GenerateError {
    fn from(_: Cancelled) -> Self {
        GenerateError::Cancelled
    }
}

/// Generates a valid synthetic data set; see the [module documentation](self) for its shape.
pub fn generate(cfg: &GeneratorConfig) -> Result<Tables, GenerateError> {
    generate_with(cfg, &Progress::new())
}

/// [`generate`], stopping between its build steps once `progress` is cancelled (Ctrl-C).
pub fn generate_with(cfg: &GeneratorConfig, progress: &Progress) -> Result<Tables, GenerateError> {
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
    let mut r = Draw::seeded(cfg.seed);
    let shape = Shape::plan(cfg.sites, &mut r);
    progress.check()?;
    let net = Net::build(&shape, &mut r);
    progress.check()?;
    Ok(net.into_tables(&mut r))
}

/// Sites, parts and supply as flat index arrays; strings are made only at the very end, so a
/// million sites cost little more than their output rows.
#[derive(Default)]
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

#[cfg(test)]
mod tests;
