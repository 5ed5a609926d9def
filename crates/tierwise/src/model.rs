//! The input tables of DESIGN 2.1 as owned Rust records.
//!
//! Every loader (CSV, Parquet, RDF, generator, Willems converter) produces a [`Tables`]; the
//! quality gates ([`crate::ingest::validate`]) and the network projection consume one.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Numeric tolerance used everywhere (shares summing to 1, r > 0, A < 1).
pub const EPS: f64 = 1e-9;

/// A plant, mine or warehouse (`sites` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub site_id: String,
    pub company: String,
    /// ISO 3166-1 alpha-2 code, upper case.
    pub country: String,
    pub ttr_days: Option<f64>,
    pub financial_score: Option<f64>,
    pub on_time_rate: Option<f64>,
    pub quality_ppm: Option<f64>,
    pub capacity_utilization: Option<f64>,
    pub p_fail_override: Option<f64>,
}

/// What an item is in the bill of materials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PartKind {
    Product,
    Assembly,
    Component,
    RawMaterial,
}

impl PartKind {
    pub const ALL: [PartKind; 4] = [
        PartKind::Product,
        PartKind::Assembly,
        PartKind::Component,
        PartKind::RawMaterial,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartKind::Product => "product",
            PartKind::Assembly => "assembly",
            PartKind::Component => "component",
            PartKind::RawMaterial => "raw_material",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for PartKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every item, products included (`parts` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub part_id: String,
    pub kind: PartKind,
    pub name: Option<String>,
    pub unit_cost: Option<f64>,
}

/// Which focal plant makes which product, and what it is worth (`products` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductRow {
    pub part_id: String,
    pub site_id: String,
    pub demand_per_day: f64,
    pub revenue_per_unit: f64,
    pub margin_per_unit: Option<f64>,
    pub fg_inventory_days: Option<f64>,
}

/// One unit of `parent_part` needs `qty` of `child_part` (`bom` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BomLine {
    pub parent_part: String,
    pub child_part: String,
    pub qty: f64,
}

/// Buyer buys part from seller (`supply` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupplyRow {
    pub buyer_site: String,
    pub part_id: String,
    pub seller_site: String,
    pub share: f64,
    pub max_share: Option<f64>,
    pub lead_time_days: Option<f64>,
    pub lead_time_sd_days: Option<f64>,
    pub inventory_days: Option<f64>,
}

/// Optional capacity and finished stock of a node, or of a whole site when `part_id` is `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityRow {
    pub site_id: String,
    pub part_id: Option<String>,
    pub capacity_per_day: Option<f64>,
    pub inventory_units: Option<f64>,
}

/// Country-level risk (`countries` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Country {
    pub country: String,
    pub governance: Option<f64>,
    pub hazard: Option<f64>,
    pub p_event: Option<f64>,
    pub ttr_days: Option<f64>,
}

/// What a risk signal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum SubjectKind {
    Site,
    Company,
    Country,
    Part,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 4] = [
        SubjectKind::Site,
        SubjectKind::Company,
        SubjectKind::Country,
        SubjectKind::Part,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Site => "site",
            SubjectKind::Company => "company",
            SubjectKind::Country => "country",
            SubjectKind::Part => "part",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for SubjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One observation of a long-form risk feed (`signals` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub subject_kind: SubjectKind,
    pub subject_id: String,
    pub factor: String,
    pub value: f64,
    /// RFC 3339, normalised to UTC with a `Z` suffix.
    pub observed_at: String,
    pub source: Option<String>,
}

/// An engineering-approved substitute part (`alternates` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alternate {
    pub part_id: String,
    pub alternate_part_id: String,
    pub qualification_days: Option<f64>,
}

/// All input tables of one data set. Optional tables are empty when absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tables {
    pub sites: Vec<Site>,
    pub parts: Vec<Part>,
    pub products: Vec<ProductRow>,
    pub bom: Vec<BomLine>,
    pub supply: Vec<SupplyRow>,
    pub capacity: Vec<CapacityRow>,
    pub countries: Vec<Country>,
    pub signals: Vec<Signal>,
    pub alternates: Vec<Alternate>,
}

/// The names of the tables, in load order; the first five are required.
pub const TABLE_NAMES: [&str; 9] = [
    "sites",
    "parts",
    "products",
    "bom",
    "supply",
    "capacity",
    "countries",
    "signals",
    "alternates",
];

/// Number of required tables at the start of [`TABLE_NAMES`].
pub const REQUIRED_TABLES: usize = 5;

impl Tables {
    /// Puts every table in a canonical order (by key), so that two loads of the same data
    /// compare equal whatever order their rows came in.
    pub fn sort_canonical(&mut self) {
        self.sites.sort_by(|a, b| a.site_id.cmp(&b.site_id));
        self.parts.sort_by(|a, b| a.part_id.cmp(&b.part_id));
        self.products
            .sort_by(|a, b| (&a.part_id, &a.site_id).cmp(&(&b.part_id, &b.site_id)));
        self.bom
            .sort_by(|a, b| (&a.parent_part, &a.child_part).cmp(&(&b.parent_part, &b.child_part)));
        self.supply.sort_by(|a, b| {
            (&a.buyer_site, &a.part_id, &a.seller_site).cmp(&(
                &b.buyer_site,
                &b.part_id,
                &b.seller_site,
            ))
        });
        self.capacity
            .sort_by(|a, b| (&a.site_id, &a.part_id).cmp(&(&b.site_id, &b.part_id)));
        self.countries.sort_by(|a, b| a.country.cmp(&b.country));
        self.signals.sort_by(|a, b| {
            (
                a.subject_kind,
                &a.subject_id,
                &a.factor,
                &a.observed_at,
                &a.source,
            )
                .cmp(&(
                    b.subject_kind,
                    &b.subject_id,
                    &b.factor,
                    &b.observed_at,
                    &b.source,
                ))
        });
        self.alternates.sort_by(|a, b| {
            (&a.part_id, &a.alternate_part_id).cmp(&(&b.part_id, &b.alternate_part_id))
        });
    }
}
