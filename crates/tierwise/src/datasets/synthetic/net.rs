//! What kind of business a site is, and what the generator reads off a built `Net`.

use super::Net;
use super::reference::{COUNTRIES, NAME_HEADS, NAME_MIDS, NAME_TAILS};
use crate::model::PartKind;

/// What kind of business a site is; picks names, attributes and countries.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Plant,
    Assembly,
    Component,
    Mine,
    Distributor,
}

impl Role {
    pub(super) fn of(level: usize, distributor: bool, depth: usize, kind: PartKind) -> Role {
        if level == 0 {
            Role::Plant
        } else if distributor {
            Role::Distributor
        } else if level == depth {
            Role::Mine
        } else if kind == PartKind::Assembly {
            Role::Assembly
        } else {
            Role::Component
        }
    }

    fn industries(self) -> &'static [&'static str] {
        match self {
            Role::Plant => &["Manufacturing"],
            Role::Assembly => &[
                "Systems",
                "Modules",
                "Automotive",
                "Assemblies",
                "Engineering",
            ],
            Role::Component => &[
                "Components",
                "Precision",
                "Electronics",
                "Industries",
                "Metalworks",
                "Plastics",
            ],
            Role::Mine => &["Mining", "Resources", "Minerals", "Metals"],
            Role::Distributor => &["Distribution", "Trading", "Supply", "Logistics"],
        }
    }
}

impl Net {
    pub(super) fn n_sites(&self) -> usize {
        self.site_level.len()
    }

    pub(super) fn role(&self, s: usize) -> Role {
        let level = self.site_level[s] as usize;
        Role::of(level, self.site_dist[s], self.depth, self.kinds[level])
    }

    pub(super) fn nodes(&self, s: usize) -> std::ops::Range<usize> {
        self.site_off[s]..self.site_off[s + 1]
    }

    fn node_of(&self, s: usize, p: usize) -> Option<usize> {
        let range = self.nodes(s);
        self.site_part[range.clone()]
            .binary_search(&p)
            .ok()
            .map(|i| range.start + i)
    }

    pub(super) fn group_of(&self, b: usize, p: usize) -> Option<usize> {
        let range = self.group_off[b]..self.group_off[b + 1];
        self.groups[range.clone()]
            .binary_search_by_key(&p, |&(_, q)| q)
            .ok()
            .map(|i| range.start + i)
    }

    /// Daily output of every node: the products' demand exploded down through BOM quantities
    /// and shares. Levels are processed top down, distributors before the manufacturers they
    /// buy from (same level), so each node is complete before it passes its need on.
    pub(super) fn flows(&self, demand: &[(usize, f64)]) -> Vec<f64> {
        let mut x = vec![0.0; self.site_part.len()];
        let mut need = vec![0.0; self.groups.len()];
        for &(node, d) in demand {
            x[node] += d;
        }
        for level in 0..=self.depth {
            let sites = (self.mk_end[level]..self.lv_start[level + 1])
                .chain(self.lv_start[level]..self.mk_end[level]);
            for s in sites {
                for n in self.nodes(s) {
                    let p = self.site_part[n];
                    if self.site_dist[s] {
                        if let Some(g) = self.group_of(s, p) {
                            need[g] += x[n];
                        }
                        continue;
                    }
                    for l in self.bom_off[p]..self.bom_off[p + 1] {
                        if let Some(g) = self.group_of(s, self.bom_child[l]) {
                            need[g] += x[n] * self.bom_qty[l];
                        }
                    }
                }
                let (lo, hi) = (self.group_off[s], self.group_off[s + 1]);
                for (g, &group_need) in need.iter().enumerate().take(hi).skip(lo) {
                    let p = self.groups[g].1;
                    for row in self.row_off[g]..self.row_off[g + 1] {
                        if let Some(n) = self.node_of(self.row_seller[row], p) {
                            x[n] += self.row_share[row] * group_need;
                        }
                    }
                }
            }
        }
        x
    }

    pub(super) fn company_name(&self, c: usize) -> String {
        if c == 0 {
            return "FOCAL".to_owned();
        }
        let (role, country) = self.companies[c];
        let i = c - 1;
        let combos = NAME_HEADS.len() * NAME_MIDS.len() * NAME_TAILS.len();
        // A fixed permutation of the name space, so neighbouring companies do not share a stem.
        let k = (i % combos) * 2731 % combos;
        let mut name = String::with_capacity(40);
        name.push_str(NAME_HEADS[k % NAME_HEADS.len()]);
        name.push_str(NAME_MIDS[(k / NAME_HEADS.len()) % NAME_MIDS.len()]);
        name.push_str(NAME_TAILS[k / (NAME_HEADS.len() * NAME_MIDS.len())]);
        if i >= combos {
            name.push_str(&format!(" {}", i / combos + 1));
        }
        let industries = role.industries();
        name.push(' ');
        name.push_str(industries[c % industries.len()]);
        name.push(' ');
        name.push_str(match COUNTRIES[country].0 {
            "DE" | "CH" => "GmbH",
            "US" | "CA" => "Inc",
            "JP" => "KK",
            "CN" | "HK" | "TW" | "KR" => "Co Ltd",
            "FR" | "BE" | "ES" | "MX" | "AR" | "PE" | "CL" | "BO" => "SA",
            "IT" => "SpA",
            "NL" => "BV",
            "SE" => "AB",
            "NO" => "AS",
            "BR" => "Ltda",
            _ => "Ltd",
        });
        name
    }
}
