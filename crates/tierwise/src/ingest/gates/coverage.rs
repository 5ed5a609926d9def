//! Warnings about how far the mapped network reaches: BOM children no supply row maps (unmapped
//! depth), and supply that nothing consumes.

use std::collections::HashMap;

use super::Ctx;
use crate::model::Tables;
use crate::network::Network;

pub(super) fn check(c: &mut Ctx<'_>, t: &Tables, net: &Network) {
    unmapped_depth(c, t, net);
    unconsumed_supply(c, t, net);
}

/// The first row of each key. One index, not a scan of the table per warning: a large
/// generated network has millions of these warnings, and the scans made the gate quadratic.
fn first_rows<'t>(
    keys: impl Iterator<Item = (&'t str, &'t str)>,
) -> HashMap<(&'t str, &'t str), usize> {
    let mut first = HashMap::new();
    for (i, k) in keys.enumerate() {
        first.entry(k).or_insert(i);
    }
    first
}

fn unmapped_depth(c: &mut Ctx<'_>, t: &Tables, net: &Network) {
    let first = first_rows(
        t.bom
            .iter()
            .map(|b| (b.parent_part.as_str(), b.child_part.as_str())),
    );
    for u in net.unmapped() {
        let bom_row = first
            .get(&(u.part.as_str(), u.child.as_str()))
            .copied()
            .unwrap_or(0);
        c.warn(
            "bom",
            bom_row,
            "child_part",
            &u.child,
            format!(
                "unmapped depth: site {} makes {} but has no supply row for its child {}; the mapped network ends there",
                u.site, u.part, u.child
            ),
        );
    }
}

fn unconsumed_supply(c: &mut Ctx<'_>, t: &Tables, net: &Network) {
    let mut groups = net.unconsumed_groups().peekable();
    if groups.peek().is_none() {
        return;
    }
    let first = first_rows(
        t.supply
            .iter()
            .map(|s| (s.buyer_site.as_str(), s.part_id.as_str())),
    );
    for (buyer, part) in groups {
        let row = first.get(&(buyer, part)).copied().unwrap_or(0);
        c.warn(
            "supply",
            row,
            "part_id",
            part,
            format!(
                "site {buyer} buys {part} but makes nothing that consumes it: these rows carry no flow"
            ),
        );
    }
}
