//! Gate: unique keys. Every repeat of a table's key is an error pointing at the first row that
//! has it.

use std::collections::HashMap;

use super::Ctx;
use crate::model::Tables;

pub(super) fn check(c: &mut Ctx<'_>, t: &Tables) {
    unique(
        c,
        "sites",
        "site_id",
        t.sites.iter().map(|s| one(&s.site_id)),
    );
    unique(
        c,
        "parts",
        "part_id",
        t.parts.iter().map(|p| one(&p.part_id)),
    );
    unique(
        c,
        "products",
        "part_id, site_id",
        t.products.iter().map(|p| pair(&p.part_id, &p.site_id)),
    );
    unique(
        c,
        "bom",
        "parent_part, child_part",
        t.bom.iter().map(|b| pair(&b.parent_part, &b.child_part)),
    );
    unique(
        c,
        "supply",
        "buyer_site, part_id, seller_site",
        t.supply.iter().map(|s| {
            (
                (&s.buyer_site, &s.part_id, &s.seller_site),
                format!("{}, {}, {}", s.buyer_site, s.part_id, s.seller_site),
            )
        }),
    );
    unique(
        c,
        "countries",
        "country",
        t.countries.iter().map(|k| one(&k.country)),
    );
    unique(
        c,
        "capacity",
        "site_id, part_id",
        t.capacity.iter().map(|r| {
            (
                (&r.site_id, &r.part_id),
                format!("{}, {}", r.site_id, r.part_id.as_deref().unwrap_or("")),
            )
        }),
    );
    unique(
        c,
        "alternates",
        "part_id, alternate_part_id",
        t.alternates
            .iter()
            .map(|a| pair(&a.part_id, &a.alternate_part_id)),
    );
}

/// A one-column key and its shown form.
fn one(id: &str) -> (&str, String) {
    (id, id.to_string())
}

/// A two-column key and its shown form `a, b`.
fn pair<'t>(a: &'t str, b: &'t str) -> ((&'t str, &'t str), String) {
    ((a, b), format!("{a}, {b}"))
}

/// Reports every repeat of a key, pointing at the first occurrence.
fn unique<K: std::hash::Hash + Eq>(
    c: &mut Ctx<'_>,
    table: &'static str,
    column: &str,
    keys: impl Iterator<Item = (K, String)>,
) {
    let mut first: HashMap<K, usize> = HashMap::new();
    for (i, (k, shown)) in keys.enumerate() {
        if let Some(&j) = first.get(&k) {
            let row = c.finding(table, j, "", String::new(), String::new()).row;
            let at = row
                .map(|r| format!(" (first at row {r})"))
                .unwrap_or_default();
            c.error(table, i, column, shown, format!("duplicate key{at}"));
        } else {
            first.insert(k, i);
        }
    }
}
