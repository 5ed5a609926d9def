//! Gate: references. Every site, part, company and country a row names must exist; references
//! into a table that is missing or unreadable are not checked (see [`super::Origin::broken`]).

use std::collections::HashSet;

use super::Ctx;
use crate::model::{SubjectKind, Tables};

pub(super) fn check(c: &mut Ctx<'_>, t: &Tables) {
    let known = Known::new(c, t);
    for (i, p) in t.products.iter().enumerate() {
        known.part(c, "products", i, "part_id", &p.part_id);
        known.site(c, "products", i, "site_id", &p.site_id);
    }
    for (i, b) in t.bom.iter().enumerate() {
        known.part(c, "bom", i, "parent_part", &b.parent_part);
        known.part(c, "bom", i, "child_part", &b.child_part);
    }
    for (i, s) in t.supply.iter().enumerate() {
        known.site(c, "supply", i, "buyer_site", &s.buyer_site);
        known.part(c, "supply", i, "part_id", &s.part_id);
        known.site(c, "supply", i, "seller_site", &s.seller_site);
    }
    for (i, r) in t.capacity.iter().enumerate() {
        known.site(c, "capacity", i, "site_id", &r.site_id);
        if let Some(p) = &r.part_id {
            known.part(c, "capacity", i, "part_id", p);
        }
    }
    for (i, a) in t.alternates.iter().enumerate() {
        known.part(c, "alternates", i, "part_id", &a.part_id);
        let alternate = &a.alternate_part_id;
        known.part(c, "alternates", i, "alternate_part_id", alternate);
    }
    for (i, s) in t.signals.iter().enumerate() {
        let id = s.subject_id.as_str();
        if let Some(what) = known.unknown_subject(s.subject_kind, id) {
            c.error("signals", i, "subject_id", id, format!("unknown {what}"));
        }
    }
}

/// The ids rows may refer to.
struct Known<'t> {
    sites: HashSet<&'t str>,
    parts: HashSet<&'t str>,
    companies: HashSet<&'t str>,
    /// False when the sites table is broken: site and company references are then not checked.
    sites_known: bool,
    /// False when the parts table is broken: part references are then not checked.
    parts_known: bool,
}

impl<'t> Known<'t> {
    fn new(c: &Ctx<'_>, t: &'t Tables) -> Self {
        Known {
            sites: t.sites.iter().map(|s| s.site_id.as_str()).collect(),
            parts: t.parts.iter().map(|p| p.part_id.as_str()).collect(),
            companies: t.sites.iter().map(|s| s.company.as_str()).collect(),
            sites_known: !c.origin.broken.contains("sites"),
            parts_known: !c.origin.broken.contains("parts"),
        }
    }

    fn site(&self, c: &mut Ctx<'_>, table: &'static str, i: usize, col: &str, v: &str) {
        if self.sites_known && !self.sites.contains(v) {
            c.error(table, i, col, v, "unknown site: not in the sites table");
        }
    }

    fn part(&self, c: &mut Ctx<'_>, table: &'static str, i: usize, col: &str, v: &str) {
        if self.parts_known && !self.parts.contains(v) {
            c.error(table, i, col, v, "unknown part: not in the parts table");
        }
    }

    /// What is unknown about a signal's subject, or `None` when it is known.
    fn unknown_subject(&self, kind: SubjectKind, id: &str) -> Option<&'static str> {
        let (known, what) = match kind {
            SubjectKind::Site => (
                !self.sites_known || self.sites.contains(id),
                "site: not in the sites table",
            ),
            SubjectKind::Company => (
                !self.sites_known || self.companies.contains(id),
                "company: no site belongs to it",
            ),
            SubjectKind::Country => (
                crate::ingest::is_country_code(id),
                "country: not an ISO 3166-1 alpha-2 code",
            ),
            SubjectKind::Part => (
                !self.parts_known || self.parts.contains(id),
                "part: not in the parts table",
            ),
        };
        (!known).then_some(what)
    }
}
