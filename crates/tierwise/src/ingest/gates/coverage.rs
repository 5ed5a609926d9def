//! Warnings about how far the mapped network reaches: BOM children no supply row maps (unmapped
//! depth), and supply that nothing consumes.

use super::Ctx;
use crate::model::Tables;
use crate::network::Network;

pub(super) fn check(c: &mut Ctx<'_>, t: &Tables, net: &Network) {
    unmapped_depth(c, t, net);
    unconsumed_supply(c, t, net);
}

fn unmapped_depth(c: &mut Ctx<'_>, t: &Tables, net: &Network) {
    for u in net.unmapped() {
        let bom_row = t
            .bom
            .iter()
            .position(|b| b.parent_part == u.part && b.child_part == u.child)
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
    for (buyer, part) in net.unconsumed_groups() {
        let row = t
            .supply
            .iter()
            .position(|s| s.buyer_site == buyer && s.part_id == part)
            .unwrap_or(0);
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
