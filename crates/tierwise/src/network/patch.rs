//! Changing a compiled network's values in place (an event's share, lead time, stock,
//! capacity, site data, signal), leaving it equal to what compiling the changed tables gives.
//! Structural changes (rows or sites that appear or disappear) are not patched: the network is
//! compiled again for them.

use std::collections::BTreeSet;

use super::Network;
use crate::model::{Alternate, CapacityRow, EPS, Link, Signal, Site, SupplyRow, Target};

/// What a patch changed, for the analyses built on the network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Patched {
    /// Supply edges whose share, cap or lead times may have changed.
    pub edges: BTreeSet<u32>,
    /// Groups whose share sum, remainder or stock may have changed.
    pub groups: BTreeSet<u32>,
}

/// A network being changed through [`Target`].
#[derive(Debug)]
pub(crate) struct Patch<'a> {
    net: &'a mut Network,
    done: Patched,
}

impl Network {
    pub(crate) fn patch(&mut self) -> Patch<'_> {
        Patch {
            net: self,
            done: Patched::default(),
        }
    }

    /// The supply edge of a link, if the network has it.
    pub(crate) fn link_edge(&self, link: &Link) -> Option<u32> {
        let seller_node = self.node(&link.seller, &link.part)?;
        let b = self.site_index(&link.buyer)?;
        self.node_outputs(seller_node)
            .iter()
            .copied()
            .find(|&e| self.groups[self.edges[e as usize].group as usize].buyer == b)
    }

    /// The group of (buyer, part), if the network has it.
    pub(crate) fn group_of(&self, buyer: &str, part: &str) -> Option<u32> {
        let b = self.site_index(buyer)?;
        let p = self.part_index(part)?;
        self.index().group.get(&(b, p)).copied()
    }
}

impl Patch<'_> {
    /// Brings the derived values of every touched edge and group up to date (as
    /// `compile::groups_and_edges` computes them) and says what changed.
    pub(crate) fn finish(self) -> Patched {
        let net = self.net;
        let mut done = self.done;
        for &e in &done.edges {
            done.groups.insert(net.edges[e as usize].group);
        }
        for &e in &done.edges {
            let edge = &mut net.edges[e as usize];
            let r = &net.tables.supply[edge.supply_row as usize];
            edge.share = r.share;
            edge.cap = r.max_share.unwrap_or(r.share);
            edge.lead_time_days = r.lead_time_days;
            edge.lead_time_sd_days = r.lead_time_sd_days;
        }
        for &g in &done.groups {
            let mut share_sum = 0.0;
            let mut inventory_days = 0.0;
            for &e in net.group_edges.get(g as usize) {
                let r = &net.tables.supply[net.edges[e as usize].supply_row as usize];
                share_sum += r.share;
                inventory_days = r.inventory_days.unwrap_or(0.0);
            }
            let grp = &mut net.groups[g as usize];
            grp.share_sum = share_sum;
            grp.remainder = if share_sum < 1.0 - EPS {
                1.0 - share_sum
            } else {
                0.0
            };
            grp.inventory_days = inventory_days;
        }
        done
    }

    fn edge_of(&self, l: &Link) -> Option<u32> {
        self.net.link_edge(l)
    }
}

/// Inserts `item` into the sorted `rows` (by `key`), or replaces the row with its key.
fn upsert_sorted<T, K: Ord>(rows: &mut Vec<T>, item: T, key: impl Fn(&T) -> K) -> usize {
    match rows.binary_search_by(|r| key(r).cmp(&key(&item))) {
        Ok(i) => {
            rows[i] = item;
            i
        }
        Err(i) => {
            rows.insert(i, item);
            i
        }
    }
}

impl Target for Patch<'_> {
    fn site(&mut self, id: &str) -> Option<&mut Site> {
        let i = self.net.site_index(id)?;
        Some(&mut self.net.tables.sites[i as usize])
    }

    fn has_company(&self, id: &str) -> bool {
        self.net
            .companies
            .binary_search_by(|c| c.as_str().cmp(id))
            .is_ok()
    }

    fn has_part(&self, id: &str) -> bool {
        self.net.part_index(id).is_some()
    }

    fn row(&mut self, l: &Link) -> Option<&mut SupplyRow> {
        let e = self.edge_of(l)?;
        self.done.edges.insert(e);
        let row = self.net.edges[e as usize].supply_row;
        Some(&mut self.net.tables.supply[row as usize])
    }

    fn group(&mut self, buyer: &str, part: &str, f: &mut dyn FnMut(&mut SupplyRow)) -> bool {
        let Some(g) = self.net.group_of(buyer, part) else {
            return false;
        };
        self.done.groups.insert(g);
        for &e in self.net.group_edges.get(g as usize) {
            let row = self.net.edges[e as usize].supply_row;
            f(&mut self.net.tables.supply[row as usize]);
        }
        true
    }

    fn insert_row(&mut self, row: SupplyRow) -> Option<SupplyRow> {
        // Only an existing row is replaced here: a new one is structural.
        let l = Link::new(&row.buyer_site, &row.part_id, &row.seller_site);
        let slot = self
            .row(&l)
            .expect("a new supply row is a structural change");
        Some(std::mem::replace(slot, row))
    }

    fn remove_row(&mut self, _: &Link) -> Option<SupplyRow> {
        unreachable!("removing a supply row is a structural change")
    }

    fn insert_site(&mut self, s: Site) -> Option<Site> {
        // Only an existing site that keeps its company and country is replaced here.
        let slot = self
            .site(&s.site_id)
            .expect("a new site is a structural change");
        Some(std::mem::replace(slot, s))
    }

    fn capacity(&mut self, site: &str, part: Option<&str>) -> &mut CapacityRow {
        let rows = &mut self.net.tables.capacity;
        let k = (site, part);
        let i = match rows.binary_search_by(|r| (r.site_id.as_str(), r.part_id.as_deref()).cmp(&k))
        {
            Ok(i) => i,
            Err(i) => {
                let row = CapacityRow {
                    site_id: site.to_string(),
                    part_id: part.map(str::to_string),
                    capacity_per_day: None,
                    inventory_units: None,
                };
                rows.insert(i, row);
                i
            }
        };
        &mut rows[i]
    }

    fn upsert_alternate(&mut self, a: Alternate) {
        let rows = &mut self.net.tables.alternates;
        upsert_sorted(rows, a, |r| {
            (r.part_id.clone(), r.alternate_part_id.clone())
        });
    }

    fn push_signal(&mut self, s: Signal) {
        let rows = &mut self.net.tables.signals;
        let key = |r: &Signal| {
            (
                r.subject_kind,
                r.subject_id.clone(),
                r.factor.clone(),
                r.observed_at.clone(),
                r.source.clone(),
            )
        };
        upsert_sorted(rows, s, key);
    }
}
