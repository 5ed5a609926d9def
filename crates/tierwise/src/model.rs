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
    /// Moves every row of `other` after this one's rows, table by table. A table that is empty
    /// here takes `other`'s vector whole, so joining parts read apart copies no first part.
    pub fn append(&mut self, other: Tables) {
        join(&mut self.sites, other.sites);
        join(&mut self.parts, other.parts);
        join(&mut self.products, other.products);
        join(&mut self.bom, other.bom);
        join(&mut self.supply, other.supply);
        join(&mut self.capacity, other.capacity);
        join(&mut self.countries, other.countries);
        join(&mut self.signals, other.signals);
        join(&mut self.alternates, other.alternates);
    }

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

/// `b` after `a`; taken whole when `a` is empty.
pub(crate) fn join<T>(a: &mut Vec<T>, mut b: Vec<T>) {
    if a.is_empty() {
        *a = b;
    } else {
        a.append(&mut b);
    }
}

/// A supply link: the row (buyer, part, seller) of the supply table. Its text form,
/// `BUYER|PART|SELLER`, is how links are named everywhere (CLI, Python, unit ids, tables).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Link {
    pub buyer: String,
    pub part: String,
    pub seller: String,
}

impl Link {
    pub fn new(
        buyer: impl Into<String>,
        part: impl Into<String>,
        seller: impl Into<String>,
    ) -> Self {
        Link {
            buyer: buyer.into(),
            part: part.into(),
            seller: seller.into(),
        }
    }

    /// The text of the link `buyer|part|seller` (what `Display` writes and `FromStr` reads),
    /// without building a `Link` first.
    pub fn key(buyer: &str, part: &str, seller: &str) -> String {
        let mut text = String::with_capacity(buyer.len() + part.len() + seller.len() + 2);
        write_key(&mut text, buyer, part, seller).expect("writing to a String cannot fail");
        text
    }
}

/// The one place the link's text format is written.
fn write_key(w: &mut impl fmt::Write, buyer: &str, part: &str, seller: &str) -> fmt::Result {
    write!(w, "{buyer}|{part}|{seller}")
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_key(f, &self.buyer, &self.part, &self.seller)
    }
}

impl<B: Into<String>, P: Into<String>, S: Into<String>> From<(B, P, S)> for Link {
    fn from((b, p, s): (B, P, S)) -> Self {
        Link::new(b, p, s)
    }
}

/// The tables an event changes, by key. Structural changes (rows or sites that appear or
/// disappear) are only made on the events' rows; the live network is compiled again for them.
pub(crate) trait Target {
    fn site(&mut self, id: &str) -> Option<&mut Site>;
    fn has_company(&self, id: &str) -> bool;
    fn has_part(&self, id: &str) -> bool;
    fn row(&mut self, l: &Link) -> Option<&mut SupplyRow>;
    /// Calls `f` on every row of a (buyer, part) group; false when it has none.
    fn group(&mut self, buyer: &str, part: &str, f: &mut dyn FnMut(&mut SupplyRow)) -> bool;
    fn insert_row(&mut self, row: SupplyRow) -> Option<SupplyRow>;
    fn remove_row(&mut self, l: &Link) -> Option<SupplyRow>;
    fn insert_site(&mut self, s: Site) -> Option<Site>;
    /// The capacity row of (site, part), made when missing.
    fn capacity(&mut self, site: &str, part: Option<&str>) -> &mut CapacityRow;
    fn upsert_alternate(&mut self, a: Alternate);
    fn push_signal(&mut self, s: Signal);
}
