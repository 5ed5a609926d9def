//! The columns of every input table of DESIGN 2.1, in file order: what the reader expects
//! (the required ones first) and the writer writes.

pub(super) const SITES: &[&str] = &[
    "site_id",
    "company",
    "country",
    "ttr_days",
    "financial_score",
    "on_time_rate",
    "quality_ppm",
    "capacity_utilization",
    "p_fail_override",
];
pub(super) const PARTS: &[&str] = &["part_id", "kind", "name", "unit_cost"];
pub(super) const PRODUCTS: &[&str] = &[
    "part_id",
    "site_id",
    "demand_per_day",
    "revenue_per_unit",
    "margin_per_unit",
    "fg_inventory_days",
];
pub(super) const BOM: &[&str] = &["parent_part", "child_part", "qty"];
pub(super) const SUPPLY: &[&str] = &[
    "buyer_site",
    "part_id",
    "seller_site",
    "share",
    "max_share",
    "lead_time_days",
    "lead_time_sd_days",
    "inventory_days",
];
pub(super) const CAPACITY: &[&str] = &["site_id", "part_id", "capacity_per_day", "inventory_units"];
pub(super) const COUNTRIES: &[&str] = &["country", "governance", "hazard", "p_event", "ttr_days"];
pub(super) const SIGNALS: &[&str] = &[
    "subject_kind",
    "subject_id",
    "factor",
    "value",
    "observed_at",
    "source",
];
pub(super) const ALTERNATES: &[&str] = &["part_id", "alternate_part_id", "qualification_days"];
