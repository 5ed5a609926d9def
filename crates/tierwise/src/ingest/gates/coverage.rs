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

fn unmapped_depth(c: &mut Ctx<'_>, t: &Tables, net: &Network) {
    // One index of first rows, not a scan of the table per warning: a large generated network
    // has millions of these warnings, and the scans made the gate quadratic.
    let mut first: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, b) in t.bom.iter().enumerate() {
        first
            .entry((b.parent_part.as_str(), b.child_part.as_str()))
            .or_insert(i);
    }
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
    let mut first: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, s) in t.supply.iter().enumerate() {
        first
            .entry((s.buyer_site.as_str(), s.part_id.as_str()))
            .or_insert(i);
    }
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
