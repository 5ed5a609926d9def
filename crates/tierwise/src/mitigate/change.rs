//! Changes to a network (the what-if of DESIGN 3.5) and how they resolve, by name, to edits of
//! its compiled arrays ([`Edits`]). Changes apply in order, each on the state the earlier ones
//! left, so a list composes; every problem of a list is reported at once.

use std::fmt;

use super::ChangeProblem;
use crate::model::EPS;
use crate::network::{CapacityEdit, Edits, GroupEdit, Network, Origin, RowEdit};
use crate::risk::Link;

/// One change to a network. Names are ids of the tables (`Link` is `BUYER|PART|SELLER`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Change {
    /// Raise a supply row's max_share (what its seller could cover if asked) to `max_share`.
    RaiseMaxShare { link: Link, max_share: f64 },
    /// A new supply row: `link.seller`, which already makes `link.part`, sells it to
    /// `link.buyer`, which already buys it; `share` of today's need (taken from the unmapped
    /// remainder, 0 for a standby source) and up to `max_share`.
    AddSupply {
        link: Link,
        share: f64,
        max_share: f64,
    },
    /// Qualify `alternate` (a row of the `alternates` table for `part`) at `buyer`: the sites
    /// that make the alternate become standby sellers (share 0, up to `max_share`) of the
    /// (buyer, part) group. `sellers` names which makers (empty: every site that makes the
    /// alternate, except the buyer and makers that buy from the buyer, which would close a
    /// loop). The network is the one after the qualification_days it takes.
    QualifyAlternate {
        buyer: String,
        part: String,
        alternate: String,
        max_share: f64,
        sellers: Vec<String>,
    },
    /// Add `days` of stock (in days of use) to the (buyer, part) group.
    AddInventoryDays {
        buyer: String,
        part: String,
        days: f64,
    },
    /// Add capacity per day and finished stock (`inventory_units`) to the node (site, part),
    /// or capacity to the whole site (`part` None). Both enter the exact LP (DESIGN 3.6) only;
    /// a node or site without a capacity row has no limit, and keeps none.
    AddCapacity {
        site: String,
        part: Option<String>,
        capacity_per_day: f64,
        inventory_units: f64,
    },
    /// Remove a supply row; the group's other rows take over its share in proportion to
    /// theirs (equally when theirs are all 0), each cap raised to at least its new share.
    RemoveSeller { link: Link },
}

impl Change {
    /// The kind of change: `raise_max_share`, `add_supply`, `qualify_alternate`,
    /// `add_inventory_days`, `add_capacity` or `remove_seller`.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::RaiseMaxShare { .. } => "raise_max_share",
            Change::AddSupply { .. } => "add_supply",
            Change::QualifyAlternate { .. } => "qualify_alternate",
            Change::AddInventoryDays { .. } => "add_inventory_days",
            Change::AddCapacity { .. } => "add_capacity",
            Change::RemoveSeller { .. } => "remove_seller",
        }
    }

    /// The buyer whose groups the change reads and writes (none for capacity, which changes
    /// no group).
    pub(crate) fn buyer(&self) -> Option<&str> {
        match self {
            Change::RaiseMaxShare { link, .. }
            | Change::AddSupply { link, .. }
            | Change::RemoveSeller { link } => Some(&link.buyer),
            Change::QualifyAlternate { buyer, .. } | Change::AddInventoryDays { buyer, .. } => {
                Some(buyer)
            }
            Change::AddCapacity { .. } => None,
        }
    }

    /// What it changes: a supply row `BUYER|PART|SELLER`, a group `BUYER|PART`, a node
    /// `SITE/PART` or a site.
    pub fn target(&self) -> String {
        match self {
            Change::RaiseMaxShare { link, .. }
            | Change::AddSupply { link, .. }
            | Change::RemoveSeller { link } => link.to_string(),
            Change::QualifyAlternate { buyer, part, .. }
            | Change::AddInventoryDays { buyer, part, .. } => format!("{buyer}|{part}"),
            Change::AddCapacity { site, part, .. } => match part {
                Some(p) => format!("{site}/{p}"),
                None => site.clone(),
            },
        }
    }

    /// Its values, as `name=value` pairs.
    pub fn parameters(&self) -> String {
        match self {
            Change::RaiseMaxShare { max_share, .. } => format!("max_share={max_share}"),
            Change::AddSupply {
                share, max_share, ..
            } => format!("share={share} max_share={max_share}"),
            Change::QualifyAlternate {
                alternate,
                max_share,
                sellers,
                ..
            } => {
                let mut s = format!("alternate={alternate} max_share={max_share}");
                if !sellers.is_empty() {
                    s.push_str(&format!(" sellers={}", sellers.join(",")));
                }
                s
            }
            Change::AddInventoryDays { days, .. } => format!("days={days}"),
            Change::AddCapacity {
                capacity_per_day,
                inventory_units,
                ..
            } => format!("capacity_per_day={capacity_per_day} inventory_units={inventory_units}"),
            Change::RemoveSeller { .. } => String::new(),
        }
    }
}

impl Change {
    /// The change as a JSON object: `action` (its [`Change::kind`]) and its fields, the keys
    /// Python's `Network.what_if` takes.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Change::RaiseMaxShare { link, max_share } => {
                json!({"action": self.kind(), "link": link.to_string(), "max_share": max_share})
            }
            Change::AddSupply {
                link,
                share,
                max_share,
            } => {
                json!({"action": self.kind(), "link": link.to_string(), "share": share, "max_share": max_share})
            }
            Change::QualifyAlternate {
                buyer,
                part,
                alternate,
                max_share,
                sellers,
            } => {
                json!({"action": self.kind(), "buyer": buyer, "part": part, "alternate": alternate,
                        "max_share": max_share, "sellers": sellers})
            }
            Change::AddInventoryDays { buyer, part, days } => {
                json!({"action": self.kind(), "buyer": buyer, "part": part, "days": days})
            }
            Change::AddCapacity {
                site,
                part,
                capacity_per_day,
                inventory_units,
            } => json!({"action": self.kind(), "site": site, "part": part,
                        "capacity_per_day": capacity_per_day, "inventory_units": inventory_units}),
            Change::RemoveSeller { link } => {
                json!({"action": self.kind(), "link": link.to_string()})
            }
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.target())?;
        let p = self.parameters();
        if !p.is_empty() {
            write!(f, " {p}")?;
        }
        Ok(())
    }
}

/// The edits of `changes` on top of `under`: the groups they change, each with its whole new
/// state (what `under` does not name is read from the network), and the capacity they add;
/// or every problem found (with the change's position, 0-based, among `changes`). Only what
/// the changes touch is copied, so resolving on a long portfolio's state stays cheap.
pub(crate) fn resolve_onto(
    net: &Network,
    under: &Edits,
    changes: &[Change],
) -> Result<Edits, Vec<ChangeProblem>> {
    let mut problems = Vec::new();
    let mut edits = Edits::default();
    for (i, c) in changes.iter().enumerate() {
        let mut r = Resolver {
            net,
            under,
            edits: &mut edits,
            problems: Vec::new(),
        };
        r.apply(c);
        problems.extend(r.problems.into_iter().map(|message| ChangeProblem {
            index: i,
            change: c.to_string(),
            message,
        }));
    }
    if problems.is_empty() {
        Ok(edits)
    } else {
        Err(problems)
    }
}

/// Applies one change to the edits, noting what is wrong with it instead.
struct Resolver<'a> {
    net: &'a Network,
    /// The state the changes apply to.
    under: &'a Edits,
    /// The groups changed so far.
    edits: &'a mut Edits,
    problems: Vec<String>,
}

impl Resolver<'_> {
    /// Group `g` as the changes so far or the state below left it, when either changed it.
    fn changed(&self, g: u32) -> Option<&GroupEdit> {
        self.edits
            .groups
            .get(&g)
            .or_else(|| self.under.groups.get(&g))
    }

    /// The current state of group `g`.
    fn current(&self, g: u32) -> GroupEdit {
        match self.edits.groups.get(&g) {
            Some(ge) => ge.clone(),
            None => self.under.group(self.net, g),
        }
    }

    fn apply(&mut self, c: &Change) {
        match c {
            Change::RaiseMaxShare { link, max_share } => self.raise(link, *max_share),
            Change::AddSupply {
                link,
                share,
                max_share,
            } => self.add_supply(link, *share, *max_share),
            Change::QualifyAlternate {
                buyer,
                part,
                alternate,
                max_share,
                sellers,
            } => self.qualify(buyer, part, alternate, *max_share, sellers),
            Change::AddInventoryDays { buyer, part, days } => self.add_days(buyer, part, *days),
            Change::AddCapacity {
                site,
                part,
                capacity_per_day,
                inventory_units,
            } => self.add_capacity(site, part.as_deref(), *capacity_per_day, *inventory_units),
            Change::RemoveSeller { link } => self.remove(link),
        }
    }

    fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(message.into());
    }

    /// The index of a site, noting an unknown one.
    fn site(&mut self, id: &str) -> Option<u32> {
        let s = self.net.site_index(id);
        if s.is_none() {
            self.problem(format!("unknown site {id:?}"));
        }
        s
    }

    fn part(&mut self, id: &str) -> Option<u32> {
        let p = self.net.part_index(id);
        if p.is_none() {
            self.problem(format!("unknown part {id:?}"));
        }
        p
    }

    /// The (buyer, part) group, noting a buyer that does not buy the part.
    fn group(&mut self, buyer: &str, part: &str) -> Option<u32> {
        let (b, p) = (self.site(buyer), self.part(part));
        let (b, p) = (b?, p?);
        let g = group_of(self.net, b, p);
        if g.is_none() {
            self.problem(format!(
                "{buyer} has no supply rows for {part}: there is no (buyer, part) group to change"
            ));
        }
        g
    }

    /// A value that must be finite and within [lo, hi].
    fn within(&mut self, name: &str, v: f64, lo: f64, hi: f64) -> bool {
        let ok = v.is_finite() && v >= lo - EPS && v <= hi + EPS;
        if !ok {
            self.problem(format!("{name} {v}: expected a value in [{lo}, {hi}]"));
        }
        ok
    }

    /// The group and the position in it of a link's row (a row of the network, or one an
    /// earlier change added), noting a link that names no row.
    fn row(&mut self, link: &Link) -> Option<(u32, usize)> {
        let b = self.site(&link.buyer);
        let p = self.part(&link.part);
        let s = self.site(&link.seller);
        let (Some(b), Some(_), Some(_)) = (b, p, s) else {
            return None;
        };
        let Some(seller) = self.net.node(&link.seller, &link.part) else {
            self.problem(format!(
                "no supply row {link}: {} does not make {}",
                link.seller, link.part
            ));
            return None;
        };
        // The row sits in the group of (buyer, part), or, for a qualified alternate, in the
        // group of the part it stands in for: look through every group of the buyer.
        let groups = self.net.groups();
        let lo = groups.partition_point(|g| g.buyer < b);
        let hi = groups.partition_point(|g| g.buyer <= b);
        for g in lo as u32..hi as u32 {
            let rows = match self.changed(g) {
                Some(ge) => ge.rows.iter().position(|r| r.seller == seller),
                None => self
                    .net
                    .group_edges(g)
                    .iter()
                    .position(|&e| self.net.edges()[e as usize].seller == seller),
            };
            if let Some(i) = rows {
                return Some((g, i));
            }
        }
        self.problem(format!("no supply row {link}"));
        None
    }

    fn raise(&mut self, link: &Link, max_share: f64) {
        let Some((g, i)) = self.row(link) else { return };
        let mut ge = self.current(g);
        let r = &mut ge.rows[i];
        if max_share < r.cap - EPS {
            self.problem(format!(
                "max_share {max_share} is below the row's {}: raise it, not lower it",
                r.cap
            ));
            return;
        }
        if !self.within("max_share", max_share, r.cap, 1.0) {
            return;
        }
        r.cap = max_share.min(1.0).max(r.cap);
        self.edits.groups.insert(g, ge);
    }

    fn add_supply(&mut self, link: &Link, share: f64, max_share: f64) {
        let g = self.group(&link.buyer, &link.part);
        let s = self.site(&link.seller);
        let (Some(g), Some(_)) = (g, s) else { return };
        let Some(seller) = self.net.node(&link.seller, &link.part) else {
            self.problem(format!(
                "{} does not make {} (it neither sells it nor is a plant of it)",
                link.seller, link.part
            ));
            return;
        };
        if link.seller == link.buyer {
            self.problem("a site cannot buy from itself");
            return;
        }
        let mut ge = self.current(g);
        if ge.rows.iter().any(|r| r.seller == seller) {
            self.problem(format!("{link} is a supply row already"));
            return;
        }
        let ok = self.within("share", share, 0.0, 1.0)
            && self.within("max_share", max_share, share, 1.0);
        let sum = ge.rows.iter().map(|r| r.share).sum::<f64>() + share;
        if sum > 1.0 + EPS {
            self.problem(format!(
                "the shares of {}|{} would sum to {sum}: at most 1",
                link.buyer, link.part
            ));
            return;
        }
        if !ok {
            return;
        }
        ge.rows.push(RowEdit {
            seller,
            share,
            cap: max_share.min(1.0),
            origin: Origin::New,
        });
        self.edits.groups.insert(g, ge);
    }

    fn qualify(
        &mut self,
        buyer: &str,
        part: &str,
        alternate: &str,
        max_share: f64,
        sellers: &[String],
    ) {
        let g = self.group(buyer, part);
        let alt = self.part(alternate);
        let ok = self.within("max_share", max_share, 0.0, 1.0);
        let (Some(g), Some(alt), true) = (g, alt, ok) else {
            return;
        };
        let listed = self
            .net
            .tables()
            .alternates
            .iter()
            .any(|a| a.part_id == part && a.alternate_part_id == alternate);
        if !listed {
            self.problem(format!(
                "{alternate} is not an alternate of {part} in the alternates table"
            ));
            return;
        }
        let makers = match self.makers(g, alt, sellers) {
            Some(m) => m,
            None => return,
        };
        if makers.is_empty() {
            self.problem(format!(
                "no site makes {alternate} that {buyer} could buy from"
            ));
            return;
        }
        let mut ge = self.current(g);
        for seller in makers {
            if !ge.rows.iter().any(|r| r.seller == seller) {
                ge.rows.push(RowEdit {
                    seller,
                    share: 0.0,
                    cap: max_share.min(1.0),
                    origin: Origin::New,
                });
            }
        }
        self.edits.groups.insert(g, ge);
    }

    /// The nodes of the alternate's makers the group may buy from: the named ones (each must
    /// make it), or every maker but the buyer, those the buyer already buys the alternate
    /// from and those downstream of the group (a loop).
    fn makers(&mut self, g: u32, alt: u32, sellers: &[String]) -> Option<Vec<u32>> {
        let net = self.net;
        let grp = net.groups()[g as usize];
        let downstream = downstream_of(net, net.group_consumers(g));
        let usable = |v: u32| {
            let n = net.nodes()[v as usize];
            n.site != grp.buyer
                && !downstream[v as usize]
                && group_of(net, grp.buyer, alt).is_none_or(|ga| {
                    !net.group_edges(ga)
                        .iter()
                        .any(|&e| net.edges()[e as usize].seller == v)
                })
        };
        let alt_id = &net.parts()[alt as usize].part_id;
        if sellers.is_empty() {
            return Some(
                (0..net.nodes().len() as u32)
                    .filter(|&v| net.nodes()[v as usize].part == alt && usable(v))
                    .collect(),
            );
        }
        let mut out = Vec::new();
        for s in sellers {
            self.site(s)?;
            match net.node(s, alt_id) {
                Some(v) if usable(v) => out.push(v),
                Some(_) => self.problem(format!(
                    "{s} cannot sell {alt_id} to {}: it is the buyer, sells it there already or buys from it",
                    net.sites()[grp.buyer as usize].site_id
                )),
                None => self.problem(format!("{s} does not make {alt_id}")),
            }
        }
        Some(out)
    }

    fn add_days(&mut self, buyer: &str, part: &str, days: f64) {
        let g = self.group(buyer, part);
        let ok = self.within("days", days, 0.0, f64::MAX);
        let (Some(g), true) = (g, ok) else { return };
        let mut ge: GroupEdit = self.current(g);
        ge.inventory_days += days.max(0.0);
        self.edits.groups.insert(g, ge);
    }

    fn add_capacity(&mut self, site: &str, part: Option<&str>, capacity: f64, units: f64) {
        let s = self.site(site);
        let p = part.map(|p| self.part(p));
        let ok = self.within("capacity_per_day", capacity, 0.0, f64::MAX)
            & self.within("inventory_units", units, 0.0, f64::MAX);
        let Some(s) = s else { return };
        let part = match (part, p) {
            (Some(id), Some(Some(p))) => {
                if self.net.node(site, id).is_none() {
                    self.problem(format!("{site} does not make {id}"));
                    return;
                }
                Some(p)
            }
            (Some(_), _) => return,
            (None, _) => {
                if units > 0.0 {
                    self.problem(
                        "inventory_units need a part: a site-level capacity row carries no stock",
                    );
                    return;
                }
                None
            }
        };
        if ok {
            self.edits.capacity.push(CapacityEdit {
                site: s,
                part,
                capacity_per_day: capacity,
                inventory_units: units,
            });
        }
    }

    fn remove(&mut self, link: &Link) {
        let Some((g, i)) = self.row(link) else { return };
        let mut ge = self.current(g);
        if ge.rows.len() == 1 {
            self.problem(format!(
                "{link} is the only row of its group: nothing could take over its share"
            ));
            return;
        }
        let gone = ge.rows.remove(i);
        let rest: f64 = ge.rows.iter().map(|r| r.share).sum();
        let n = ge.rows.len() as f64;
        for r in &mut ge.rows {
            r.share = if rest > EPS {
                r.share * (rest + gone.share) / rest
            } else {
                r.share + gone.share / n
            };
            r.cap = r.cap.max(r.share);
        }
        self.edits.groups.insert(g, ge);
    }
}

/// The group (buyer, part): groups are sorted by (buyer, part).
pub(crate) fn group_of(net: &Network, buyer: u32, part: u32) -> Option<u32> {
    net.groups()
        .binary_search_by(|g| (g.buyer, g.part).cmp(&(buyer, part)))
        .ok()
        .map(|g| g as u32)
}

/// Which nodes lie downstream of (or are) the given nodes.
fn downstream_of(net: &Network, from: &[u32]) -> Vec<bool> {
    let mut seen = vec![false; net.nodes().len()];
    let mut stack: Vec<u32> = from.to_vec();
    while let Some(v) = stack.pop() {
        if std::mem::replace(&mut seen[v as usize], true) {
            continue;
        }
        for &e in net.node_outputs(v) {
            stack.extend_from_slice(net.group_consumers(net.edges()[e as usize].group));
        }
    }
    seen
}
