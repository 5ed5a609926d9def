//! Gate: supply groups, the rows of one (buyer, part). Their shares may not sum above 1 and
//! they must agree on inventory_days; shares below 1 and single sources are warned about.

use std::collections::BTreeMap;

use super::Ctx;
use crate::model::{EPS, SupplyRow, Tables};

pub(super) fn check(c: &mut Ctx<'_>, t: &Tables) {
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, s) in t.supply.iter().enumerate() {
        groups
            .entry((&s.buyer_site, &s.part_id))
            .or_default()
            .push(i);
    }
    for ((buyer, part), rows) in groups {
        let g = Group {
            buyer,
            part,
            rows,
            supply: &t.supply,
        };
        let sum = share_sum(c, &g);
        single_source(c, &g, sum);
        inventory_days_agree(c, &g);
    }
}

/// The supply rows of one buyer for one part.
struct Group<'t> {
    buyer: &'t str,
    part: &'t str,
    /// Indices into `supply`, ascending; never empty.
    rows: Vec<usize>,
    supply: &'t [SupplyRow],
}

impl Group<'_> {
    fn first(&self) -> usize {
        self.rows[0]
    }
}

/// Checks the sum of the group's shares and returns it.
fn share_sum(c: &mut Ctx<'_>, g: &Group<'_>) -> f64 {
    let (buyer, part) = (g.buyer, g.part);
    let sum: f64 = g.rows.iter().map(|&i| g.supply[i].share).sum();
    if sum > 1.0 + EPS {
        let listed: Vec<String> = g
            .rows
            .iter()
            .map(|&i| format!("{}={}", g.supply[i].seller_site, g.supply[i].share))
            .collect();
        c.error(
            "supply",
            *g.rows.last().expect("a group has rows"),
            "share",
            sum,
            format!(
                "shares of buyer {buyer} for part {part} sum to {sum} > 1 ({})",
                listed.join(", ")
            ),
        );
    } else if sum < 1.0 - EPS {
        c.warn(
            "supply",
            g.first(),
            "share",
            sum,
            format!(
                "shares of buyer {buyer} for part {part} sum to {sum} < 1: an unmapped remainder of {} is treated as always available",
                1.0 - sum
            ),
        );
    }
    sum
}

fn single_source(c: &mut Ctx<'_>, g: &Group<'_>, sum: f64) {
    if g.rows.len() == 1 && sum > EPS {
        let (buyer, part) = (g.buyer, g.part);
        c.warn(
            "supply",
            g.first(),
            "seller_site",
            &g.supply[g.first()].seller_site,
            format!("single source: buyer {buyer} gets part {part} only from this seller"),
        );
    }
}

/// The buyer holds one stock of the part, whoever sells it.
fn inventory_days_agree(c: &mut Ctx<'_>, g: &Group<'_>) {
    let (buyer, part) = (g.buyer, g.part);
    let first = &g.supply[g.first()];
    let inv0 = first.inventory_days;
    for &i in &g.rows[1..] {
        if g.supply[i].inventory_days != inv0 {
            c.error(
                "supply",
                i,
                "inventory_days",
                g.supply[i].inventory_days.map(|x| x.to_string()).unwrap_or_default(),
                format!(
                    "rows of buyer {buyer} for part {part} must agree on inventory_days (row of seller {} has {})",
                    first.seller_site,
                    inv0.map(|x| x.to_string()).unwrap_or_else(|| "none".into())
                ),
            );
        }
    }
}
