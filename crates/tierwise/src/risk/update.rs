//! Keeping an analysis true to a network changed in place (the living graph, DESIGN 4):
//! which derived values a value change moves, and which units' exposure it can reach.
//!
//! A unit's exposure reads only its cone: the nodes downstream of its own. A changed group
//! (its shares, caps or stock) is read by a cone only if one of the group's sellers is in it,
//! so the units whose results can move are those owning a node upstream of (or equal to) a
//! seller of a changed group. (A site's time to recover is
//! not a value change: `site.added` for a known site compiles the network again.)

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use super::cone::Flow;
use super::{Analysis, Exposure, KeptCones, UnitKind, score};
use crate::network::Network;

/// What a batch of value changes touched, by index into the network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Touched {
    /// Groups whose shares, caps or stock changed.
    pub groups: BTreeSet<u32>,
    /// Sites whose risk inputs changed (p_fail is scored again).
    pub scored: BTreeSet<u32>,
}

impl Touched {
    pub fn extend(&mut self, other: &Touched) {
        self.groups.extend(&other.groups);
        self.scored.extend(&other.scored);
    }
}

impl Analysis {
    /// The network, to change values in place (copied first if another analysis shares it).
    /// Call [`Analysis::refresh`] with what changed before any other use.
    pub(crate) fn network_mut(&mut self) -> &mut Network {
        Arc::make_mut(&mut self.net)
    }

    /// Brings what the analysis derived from the network up to date after the values `t`
    /// names changed in place: the cone layout's group values and the changed sites' scores.
    pub(crate) fn refresh(&mut self, t: &Touched) {
        match Arc::get_mut(&mut self.flow) {
            Some(flow) => flow.patch(&self.net, &t.groups),
            None => self.flow = Arc::new(Flow::new(&self.net)),
        }
        let sites: Vec<u32> = t.scored.iter().copied().collect();
        let fresh = score::score_some(&self.net, &self.policy, self.as_of, &sites);
        for (s, r) in sites.iter().zip(fresh) {
            Arc::make_mut(&mut self.risks)[*s as usize] = r;
        }
    }

    /// The sites owning a node upstream of (or equal to) a seller of the groups `t` changed,
    /// every site whose unit's results can move.
    pub(crate) fn reaching_sites(&self, t: &Touched) -> BTreeSet<u32> {
        let net = &*self.net;
        let mut seen: HashSet<u32> = HashSet::new();
        let mut stack: Vec<u32> = Vec::new();
        for &g in &t.groups {
            for &e in net.group_edges(g) {
                stack.push(net.edges()[e as usize].seller);
            }
        }
        while let Some(v) = stack.pop() {
            if !seen.insert(v) {
                continue;
            }
            for &g in net.node_inputs(v) {
                for &e in net.group_edges(g) {
                    stack.push(net.edges()[e as usize].seller);
                }
            }
        }
        seen.iter().map(|&v| net.nodes()[v as usize].site).collect()
    }

    /// The units of `kind` owning one of `sites`, in unit order.
    pub(crate) fn units_of_sites(&self, kind: UnitKind, sites: &BTreeSet<u32>) -> Vec<u32> {
        let units: BTreeSet<u32> = match kind {
            UnitKind::Site => sites.clone(),
            UnitKind::Company => sites.iter().map(|&s| self.net.site_company(s)).collect(),
            UnitKind::Country => sites.iter().map(|&s| self.net.site_country(s)).collect(),
            UnitKind::Link => BTreeSet::new(),
        };
        units.into_iter().collect()
    }

    fn unit_id(&self, kind: UnitKind, u: u32) -> String {
        let net = &*self.net;
        match kind {
            UnitKind::Site => net.sites()[u as usize].site_id.clone(),
            UnitKind::Company => net.companies()[u as usize].clone(),
            UnitKind::Country => net.countries()[u as usize].clone(),
            UnitKind::Link => super::disruption::link_of(net, u).to_string(),
        }
    }

    /// The exposure of the units `idx` of `kind` after the groups `groups` changed values (REI
    /// left relative to `max_pi`): the cones `kept` holds are brought up to date, the other
    /// units run in full.
    pub(crate) fn exposure_of_units(
        &self,
        kind: UnitKind,
        idx: Vec<u32>,
        max_pi: f64,
        kept: &mut KeptCones,
        groups: &BTreeSet<u32>,
    ) -> Exposure {
        let ids = idx.iter().map(|&u| self.unit_id(kind, u)).collect();
        let per_unit = self.results_kept(kind, &idx, kept, groups);
        self.exposure_from(kind, ids, per_unit, Some(max_pi))
    }
}

impl Analysis {
    /// A fresh analysis of `net` under this one's policy and `as_of` (after a structural
    /// change, where the network was compiled again).
    pub(crate) fn rebuilt(&self, net: Network) -> Analysis {
        Analysis::new(Arc::new(net), self.policy.clone(), self.as_of)
    }
}
