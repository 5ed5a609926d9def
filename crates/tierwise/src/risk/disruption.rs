//! Disruption sets (DESIGN 3.1) and the units they name: sites, companies, countries and
//! supply links. One link type with one text form (`BUYER|PART|SELLER`), one resolver from
//! names to network indices (used by the cone propagation and by the LP stress test), and the
//! error for a name that resolves to nothing.

use std::fmt;
use std::str::FromStr;

pub use crate::model::Link;
use crate::network::{Csr, Network};

/// Errors of naming disruption units.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DisruptionError {
    /// A unit (or products row) that the network does not have.
    #[error("unknown {kind} {id:?}")]
    UnknownUnit { kind: &'static str, id: String },
    /// A products row label (`part@site`) that names no row.
    #[error("no products row {label:?}; rows are: {rows}")]
    UnknownRow { label: String, rows: String },
    /// A link that is not written `BUYER|PART|SELLER`.
    #[error("link {text:?}: expected BUYER|PART|SELLER")]
    BadLink { text: String },
    /// A unit kind other than site, company, country or link.
    #[error("unit kind {text:?}: expected site, company, country or link")]
    BadKind { text: String },
}

impl DisruptionError {
    fn unknown(kind: UnitKind, id: impl fmt::Display) -> Self {
        DisruptionError::UnknownUnit {
            kind: kind.as_str(),
            id: id.to_string(),
        }
    }
}

/// What a disruption unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum UnitKind {
    Site,
    Company,
    Country,
    /// A supply row (buyer, part, seller): a lane or contract lost.
    Link,
}

impl UnitKind {
    /// Every kind, in the order of the tables and reports.
    pub const ALL: [UnitKind; 4] = [
        UnitKind::Site,
        UnitKind::Company,
        UnitKind::Country,
        UnitKind::Link,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Site => "site",
            UnitKind::Company => "company",
            UnitKind::Country => "country",
            UnitKind::Link => "link",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UnitKind {
    type Err = DisruptionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| DisruptionError::BadKind {
            text: s.to_string(),
        })
    }
}

impl FromStr for Link {
    type Err = DisruptionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut it = s.split('|');
        match (it.next(), it.next(), it.next(), it.next()) {
            (Some(b), Some(p), Some(s2), None) => Ok(Link::new(b, p, s2)),
            _ => Err(DisruptionError::BadLink {
                text: s.to_string(),
            }),
        }
    }
}

/// A disruption set D: sites, companies (all their sites), countries (all their sites) and
/// supply links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Disruption {
    pub sites: Vec<String>,
    pub companies: Vec<String>,
    pub countries: Vec<String>,
    pub links: Vec<Link>,
}

impl Disruption {
    pub fn sites<S: Into<String>>(ids: impl IntoIterator<Item = S>) -> Self {
        Disruption {
            sites: ids.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// One unit of a kind, named as [`crate::risk::Analysis::units`] lists it (a link as
    /// `BUYER|PART|SELLER`).
    pub fn unit(kind: UnitKind, id: &str) -> Result<Self, DisruptionError> {
        let mut d = Disruption::default();
        d.add(kind, id)?;
        Ok(d)
    }

    /// Adds one unit of a kind.
    pub fn add(&mut self, kind: UnitKind, id: &str) -> Result<(), DisruptionError> {
        match kind {
            UnitKind::Site => self.sites.push(id.to_string()),
            UnitKind::Company => self.companies.push(id.to_string()),
            UnitKind::Country => self.countries.push(id.to_string()),
            UnitKind::Link => self.links.push(id.parse()?),
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
            && self.companies.is_empty()
            && self.countries.is_empty()
            && self.links.is_empty()
    }

    /// A readable label, e.g. `site:S-17+country:CN`.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        parts.extend(self.sites.iter().map(|s| format!("site:{s}")));
        parts.extend(self.companies.iter().map(|s| format!("company:{s}")));
        parts.extend(self.countries.iter().map(|s| format!("country:{s}")));
        parts.extend(self.links.iter().map(|l| format!("link:{l}")));
        parts.join("+")
    }
}

/// A unit resolved to its index: a site, company or country index of the network, or an edge
/// (supply row) index for a link.
pub type UnitRef = (UnitKind, u32);

/// Which nodes each unit stands for, built once per network: the resolver from names to
/// indices that the cone propagation and the LP share.
#[derive(Debug, Clone)]
pub(crate) struct UnitIndex {
    pub(crate) site_nodes: Csr,
    pub(crate) company_sites: Csr,
    pub(crate) country_sites: Csr,
}

impl UnitIndex {
    pub(crate) fn new(net: &Network) -> Self {
        let mut company_sites = vec![Vec::new(); net.companies().len()];
        let mut country_sites = vec![Vec::new(); net.countries().len()];
        for s in 0..net.sites().len() as u32 {
            company_sites[net.site_company(s) as usize].push(s);
            country_sites[net.site_country(s) as usize].push(s);
        }
        let mut site_nodes = vec![Vec::new(); net.sites().len()];
        for (i, n) in net.nodes().iter().enumerate() {
            site_nodes[n.site as usize].push(i as u32);
        }
        UnitIndex {
            site_nodes: Csr::from_lists(site_nodes),
            company_sites: Csr::from_lists(company_sites),
            country_sites: Csr::from_lists(country_sites),
        }
    }

    /// Whether a country has sites (only those are units, DESIGN 3.2).
    pub(crate) fn country_has_sites(&self, c: usize) -> bool {
        !self.country_sites.get(c).is_empty()
    }

    /// The ids of every unit of a kind, in index order.
    pub(crate) fn ids(&self, net: &Network, kind: UnitKind) -> Vec<String> {
        match kind {
            UnitKind::Site => net.sites().iter().map(|s| s.site_id.clone()).collect(),
            UnitKind::Company => net.companies().to_vec(),
            UnitKind::Country => (0..net.countries().len())
                .filter(|&c| self.country_has_sites(c))
                .map(|c| net.countries()[c].clone())
                .collect(),
            UnitKind::Link => (0..net.edges().len() as u32)
                .map(|e| link_of(net, e).to_string())
                .collect(),
        }
    }

    /// The index of a named unit.
    pub(crate) fn index(
        &self,
        net: &Network,
        kind: UnitKind,
        id: &str,
    ) -> Result<u32, DisruptionError> {
        let unknown = || DisruptionError::unknown(kind, id);
        let sorted = |names: &[String]| {
            names
                .binary_search_by(|c| c.as_str().cmp(id))
                .map(|i| i as u32)
                .ok()
        };
        match kind {
            UnitKind::Site => net.site_index(id),
            UnitKind::Company => sorted(net.companies()),
            UnitKind::Country => {
                sorted(net.countries()).filter(|&c| self.country_has_sites(c as usize))
            }
            UnitKind::Link => {
                let link: Link = id.parse().map_err(|_| unknown())?;
                link_index(net, &link)
            }
        }
        .ok_or_else(unknown)
    }

    /// Every unit of a disruption set, by kind in the order sites, companies, countries,
    /// links; the first name that resolves to nothing is an error.
    pub(crate) fn resolve(
        &self,
        net: &Network,
        d: &Disruption,
    ) -> Result<Vec<UnitRef>, DisruptionError> {
        let mut out = Vec::new();
        let named = [
            (UnitKind::Site, &d.sites),
            (UnitKind::Company, &d.companies),
            (UnitKind::Country, &d.countries),
        ];
        for (kind, ids) in named {
            for id in ids {
                out.push((kind, self.index(net, kind, id)?));
            }
        }
        for l in &d.links {
            let e =
                link_index(net, l).ok_or_else(|| DisruptionError::unknown(UnitKind::Link, l))?;
            out.push((UnitKind::Link, e));
        }
        Ok(out)
    }

    /// Calls `f` with every node a unit puts out of action (none for a link: a link cuts a
    /// supply row, not a node).
    pub(crate) fn each_node(&self, (kind, u): UnitRef, mut f: impl FnMut(u32)) {
        let sites = match kind {
            UnitKind::Site => std::slice::from_ref(&u),
            UnitKind::Company => self.company_sites.get(u as usize),
            UnitKind::Country => self.country_sites.get(u as usize),
            UnitKind::Link => &[],
        };
        for &s in sites {
            for &v in self.site_nodes.get(s as usize) {
                f(v);
            }
        }
    }

    /// The nodes and supply rows that units put out of action, each sorted and without
    /// repeats: what the LP fixes to zero.
    pub(crate) fn nodes_and_edges(&self, units: &[UnitRef]) -> (Vec<u32>, Vec<u32>) {
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        for &unit in units {
            match unit.0 {
                UnitKind::Link => edges.push(unit.1),
                _ => self.each_node(unit, |v| nodes.push(v)),
            }
        }
        nodes.sort_unstable();
        nodes.dedup();
        edges.sort_unstable();
        edges.dedup();
        (nodes, edges)
    }
}

/// The link of a supply edge.
pub(crate) fn link_of(net: &Network, e: u32) -> Link {
    let s = &net.tables().supply[net.edges()[e as usize].supply_row as usize];
    Link::new(&s.buyer_site, &s.part_id, &s.seller_site)
}

/// The supply edge of a link, if the network has it.
pub(crate) fn link_index(net: &Network, link: &Link) -> Option<u32> {
    net.link_edge(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_reads_back_what_it_writes() {
        let l: Link = "B-1|P 2|S".parse().unwrap();
        assert_eq!(l, Link::new("B-1", "P 2", "S"));
        assert_eq!(l.to_string(), "B-1|P 2|S");
        for bad in ["B|P", "B|P|S|X", ""] {
            assert_eq!(
                bad.parse::<Link>(),
                Err(DisruptionError::BadLink { text: bad.into() })
            );
        }
    }

    #[test]
    fn a_disruption_names_units_by_kind() {
        let mut d = Disruption::unit(UnitKind::Country, "CN").unwrap();
        d.add(UnitKind::Link, "B|P|S").unwrap();
        assert_eq!(d.label(), "country:CN+link:B|P|S");
        assert!(d.add(UnitKind::Link, "B|P").is_err());
        assert_eq!("company".parse::<UnitKind>(), Ok(UnitKind::Company));
        assert!("plant".parse::<UnitKind>().is_err());
    }
}
