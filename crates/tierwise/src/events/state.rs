//! What events do to the tables, in the order of their stamps.
//!
//! Every value an event can write is a *register* (the share of one supply row, the stock of
//! one (buyer, part), the quality of one site, whether a row exists ...). A write wins only if
//! its stamp (time, id) is later than the register's last write, so the state after a set of
//! events does not depend on the order they arrived in: a late event is recorded but loses
//! where something newer was written. Values that came with a table load count as written at
//! that load ([`Writes::base`]).
//!
//! The rules are written once, against [`Target`]: the keyed tables of a replay ([`Rows`]) and
//! the live network's own tables (`live::Patch`) both implement it.

use std::collections::{BTreeMap, HashMap};

use super::{Change, Event, Stamp};
use crate::model::{
    Alternate, CapacityRow, EPS, Link, Signal, Site, SubjectKind, SupplyRow, Tables, Target,
};

/// The stamp of the last write of every register an event wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Writes {
    stamps: HashMap<String, Stamp>,
    /// The stamp of the stored tables' values that no event has written (the latest load).
    pub base: Option<Stamp>,
    /// What the event being applied took, to undo if it is refused.
    undo: Vec<(String, Option<Stamp>)>,
}

impl Writes {
    /// Whether a write stamped `s` to `register` wins; it is then the register's last write.
    pub(crate) fn take(&mut self, register: String, s: &Stamp) -> bool {
        let last = self.stamps.get(&register).or(self.base.as_ref());
        if last.is_some_and(|l| l >= s) {
            return false;
        }
        let previous = self.stamps.insert(register.clone(), s.clone());
        self.undo.push((register, previous));
        true
    }

    /// Forgets what the refused event took.
    pub(crate) fn rollback(&mut self) {
        while let Some((register, previous)) = self.undo.pop() {
            match previous {
                Some(p) => self.stamps.insert(register, p),
                None => self.stamps.remove(&register),
            };
        }
    }

    /// Keeps what the applied event took.
    pub(crate) fn commit(&mut self) {
        self.undo.clear();
    }

    /// How many registers events wrote.
    pub fn len(&self) -> usize {
        self.stamps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.stamps.is_empty()
    }
}

/// Why an event cannot apply to the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The field of the event at fault (a JSON path).
    pub field: &'static str,
    pub value: String,
    pub reason: String,
}

pub(crate) fn refuse(
    field: &'static str,
    value: impl ToString,
    reason: impl Into<String>,
) -> Refusal {
    Refusal {
        field,
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// What an applied event changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Effect {
    /// Supply rows whose share, cap or lead times changed.
    pub links: Vec<Link>,
    /// (buyer, part) groups whose stock changed.
    pub groups: Vec<(String, String)>,
    /// Sites whose risk inputs changed (their p_fail may move).
    pub sites: Vec<String>,
    /// Companies and countries whose risk inputs changed (a sanction, a signal).
    pub subjects: Vec<(SubjectKind, String)>,
    /// Capacity rows changed (only the LP reads them).
    pub capacity: bool,
    /// Some register took the event's value (else the event lost everywhere: it is late).
    pub wrote: bool,
}

impl Change {
    /// Whether applying the change to `t` adds or removes a row, or adds or restates a site
    /// (then the network must be compiled again).
    pub(crate) fn is_structural(&self, t: &mut dyn Target) -> bool {
        match self {
            Change::SupplyAdded(r) => {
                let l = Link::new(&r.buyer_site, &r.part_id, &r.seller_site);
                t.row(&l).is_none()
            }
            Change::SupplyRemoved { .. } => true,
            // A site's data feeds its tier, TTR and company: compiled again.
            Change::SiteAdded(_) => true,
            _ => false,
        }
    }
}

fn check_group(t: &mut dyn Target, buyer: &str, part: &str) -> Result<(), Refusal> {
    let mut sum = 0.0;
    t.group(buyer, part, &mut |r| sum += r.share);
    if sum > 1.0 + EPS {
        return Err(refuse(
            "data.share",
            sum,
            format!("the shares of buyer {buyer} for part {part} would sum to {sum} > 1"),
        ));
    }
    Ok(())
}

fn site_exists(t: &mut dyn Target, field: &'static str, id: &str) -> Result<(), Refusal> {
    match t.site(id) {
        Some(_) => Ok(()),
        None => Err(refuse(field, id, "unknown site")),
    }
}

fn part_exists(t: &dyn Target, field: &'static str, id: &str) -> Result<(), Refusal> {
    if t.has_part(id) {
        Ok(())
    } else {
        Err(refuse(field, id, "unknown part"))
    }
}

/// Applies the writes of `e` that win; refuses an event that names what does not exist or
/// would break a gate, changing nothing (registers included).
pub(crate) fn apply(t: &mut dyn Target, e: &Event, w: &mut Writes) -> Result<Effect, Refusal> {
    let r = apply_change(t, e, w);
    match &r {
        Ok(_) => w.commit(),
        Err(_) => w.rollback(),
    }
    r
}

fn apply_change(t: &mut dyn Target, e: &Event, w: &mut Writes) -> Result<Effect, Refusal> {
    let s = e.stamp();
    let mut fx = Effect::default();
    match &e.change {
        Change::SiteDown { site, .. } | Change::SiteUp { site } => {
            site_exists(t, "subject", site)?;
        }
        Change::LeadTime {
            link,
            lead_time_days,
            lead_time_sd_days,
        } => lead_time(t, link, *lead_time_days, *lead_time_sd_days, &s, w, &mut fx)?,
        Change::Share {
            link,
            share,
            max_share,
        } => share_change(t, link, *share, *max_share, &s, w, &mut fx)?,
        Change::SupplyAdded(row) => supply_added(t, row, &s, w, &mut fx)?,
        Change::SupplyRemoved { link } => {
            if t.row(link).is_none() {
                return Err(refuse("subject", link, "unknown supply link"));
            }
            if w.take(format!("supply|{link}|exists"), &s) {
                t.remove_row(link);
                fx.wrote = true;
            }
        }
        Change::Capacity {
            site,
            part,
            capacity_per_day,
            inventory_units,
        } => capacity(
            t,
            site,
            part.as_deref(),
            *capacity_per_day,
            *inventory_units,
            &s,
            w,
            &mut fx,
        )?,
        Change::Quality { site, quality_ppm } => {
            site_exists(t, "subject", site)?;
            if w.take(format!("site|{site}|quality_ppm"), &s) {
                t.site(site).expect("checked").quality_ppm = Some(*quality_ppm);
                fx.sites.push(site.clone());
                fx.wrote = true;
            }
        }
        Change::Sanction { kind, id, listed } => {
            let value = if *listed { 1.0 } else { 0.0 };
            signal(t, *kind, id, "sanction", value, e, &mut fx)?;
        }
        Change::Signal(sig) => {
            signal(
                t,
                sig.subject_kind,
                &sig.subject_id,
                &sig.factor,
                sig.value,
                e,
                &mut fx,
            )?;
        }
        Change::Shipment {
            buyer,
            part,
            inventory_days,
        } => shipment(t, buyer, part, *inventory_days, &s, w, &mut fx)?,
        Change::SiteAdded(site) => {
            if w.take(format!("site|{}|exists", site.site_id), &s) {
                t.insert_site(site.clone());
                fx.sites.push(site.site_id.clone());
                fx.wrote = true;
            }
        }
        Change::AlternateQualified(a) => {
            part_exists(t, "subject", &a.part_id)?;
            part_exists(t, "data.alternate_part_id", &a.alternate_part_id)?;
            if w.take(
                format!("alternate|{}|{}", a.part_id, a.alternate_part_id),
                &s,
            ) {
                t.upsert_alternate(a.clone());
                fx.wrote = true;
            }
        }
    }
    Ok(fx)
}

#[allow(clippy::too_many_arguments)]
fn lead_time(
    t: &mut dyn Target,
    link: &Link,
    days: f64,
    sd: Option<f64>,
    s: &Stamp,
    w: &mut Writes,
    fx: &mut Effect,
) -> Result<(), Refusal> {
    if t.row(link).is_none() {
        return Err(refuse("subject", link, "unknown supply link"));
    }
    if w.take(format!("supply|{link}|lead_time_days"), s) {
        t.row(link).expect("checked").lead_time_days = Some(days);
        fx.wrote = true;
    }
    if let Some(sd) = sd
        && w.take(format!("supply|{link}|lead_time_sd_days"), s)
    {
        t.row(link).expect("checked").lead_time_sd_days = Some(sd);
        fx.wrote = true;
    }
    if fx.wrote {
        fx.links.push(link.clone());
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn share_change(
    t: &mut dyn Target,
    link: &Link,
    share: f64,
    max_share: Option<f64>,
    s: &Stamp,
    w: &mut Writes,
    fx: &mut Effect,
) -> Result<(), Refusal> {
    let Some(before) = t.row(link).cloned() else {
        return Err(refuse("subject", link, "unknown supply link"));
    };
    let row = t.row(link).expect("checked");
    if w.take(format!("supply|{link}|share"), s) {
        row.share = share;
        fx.wrote = true;
    }
    if let Some(m) = max_share
        && w.take(format!("supply|{link}|max_share"), s)
    {
        row.max_share = Some(m);
        fx.wrote = true;
    }
    if let Some(m) = row.max_share
        && m + EPS < row.share
    {
        *row = before;
        return Err(refuse(
            "data.share",
            share,
            format!("above the row's max_share {m}"),
        ));
    }
    if let Err(r) = check_group(t, &link.buyer, &link.part) {
        *t.row(link).expect("checked") = before;
        return Err(r);
    }
    if fx.wrote {
        fx.links.push(link.clone());
    }
    Ok(())
}

fn supply_added(
    t: &mut dyn Target,
    row: &SupplyRow,
    s: &Stamp,
    w: &mut Writes,
    fx: &mut Effect,
) -> Result<(), Refusal> {
    let link = Link::new(&row.buyer_site, &row.part_id, &row.seller_site);
    site_exists(t, "subject", &row.buyer_site)?;
    site_exists(t, "subject", &row.seller_site)?;
    part_exists(t, "subject", &row.part_id)?;
    if row.buyer_site == row.seller_site {
        return Err(refuse("subject", &link, "a site cannot buy from itself"));
    }
    if !w.take(format!("supply|{link}|exists"), s) {
        return Ok(());
    }
    let mut new = row.clone();
    // The rows of one (buyer, part) agree on the buyer's stock.
    let mut stock = None;
    t.group(&row.buyer_site, &row.part_id, &mut |r| {
        stock = stock.or(r.inventory_days)
    });
    new.inventory_days = new.inventory_days.or(stock);
    let previous = t.insert_row(new);
    if let Err(r) = check_group(t, &row.buyer_site, &row.part_id) {
        match previous {
            Some(p) => t.insert_row(p),
            None => t.remove_row(&link),
        };
        return Err(r);
    }
    if let Some(days) = row.inventory_days {
        t.group(&row.buyer_site, &row.part_id, &mut |r| {
            r.inventory_days = Some(days)
        });
    }
    fx.links.push(link);
    fx.wrote = true;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn shipment(
    t: &mut dyn Target,
    buyer: &str,
    part: &str,
    days: f64,
    s: &Stamp,
    w: &mut Writes,
    fx: &mut Effect,
) -> Result<(), Refusal> {
    site_exists(t, "subject", buyer)?;
    if !t.group(buyer, part, &mut |_| {}) {
        let subject = format!("{buyer}|{part}");
        return Err(refuse(
            "subject",
            subject,
            "no supply row of this buyer and part",
        ));
    }
    if w.take(format!("group|{buyer}|{part}|inventory_days"), s) {
        t.group(buyer, part, &mut |r| r.inventory_days = Some(days));
        fx.groups.push((buyer.to_string(), part.to_string()));
        fx.wrote = true;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn capacity(
    t: &mut dyn Target,
    site: &str,
    part: Option<&str>,
    capacity_per_day: Option<f64>,
    inventory_units: Option<f64>,
    s: &Stamp,
    w: &mut Writes,
    fx: &mut Effect,
) -> Result<(), Refusal> {
    site_exists(t, "subject", site)?;
    if let Some(p) = part {
        part_exists(t, "data.part_id", p)?;
    }
    if let (None, Some(units)) = (part, inventory_units) {
        let why = "a site-level capacity row carries no inventory_units";
        return Err(refuse("data.inventory_units", units, why));
    }
    let k = format!("capacity|{site}|{}", part.unwrap_or(""));
    let take_cap = capacity_per_day.is_some() && w.take(format!("{k}|capacity_per_day"), s);
    let take_inv = inventory_units.is_some() && w.take(format!("{k}|inventory_units"), s);
    if take_cap || take_inv {
        let row = t.capacity(site, part);
        if take_cap {
            row.capacity_per_day = capacity_per_day;
        }
        if take_inv {
            row.inventory_units = inventory_units;
        }
        fx.capacity = true;
        fx.wrote = true;
    }
    Ok(())
}

fn signal(
    t: &mut dyn Target,
    kind: SubjectKind,
    id: &str,
    factor: &str,
    value: f64,
    e: &Event,
    fx: &mut Effect,
) -> Result<(), Refusal> {
    let known = match kind {
        SubjectKind::Site => t.site(id).is_some(),
        SubjectKind::Company => t.has_company(id),
        SubjectKind::Country => crate::ingest::is_country_code(id),
        SubjectKind::Part => t.has_part(id),
        #[allow(unreachable_patterns)]
        _ => false,
    };
    if !known {
        return Err(refuse("subject", id, format!("unknown {}", kind.as_str())));
    }
    // A signal is a new observation, stamped by its event: of two, the newer one wins when
    // the policy reads them (DESIGN 3.3), so it needs no register.
    t.push_signal(Signal {
        subject_kind: kind,
        subject_id: id.to_string(),
        factor: factor.to_string(),
        value,
        observed_at: e.time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        source: Some(e.source.clone()),
    });
    match kind {
        SubjectKind::Site => fx.sites.push(id.to_string()),
        SubjectKind::Part => {}
        k => fx.subjects.push((k, id.to_string())),
    }
    fx.wrote = true;
    Ok(())
}

type SupplyKey = (String, String, String);

fn key(l: &Link) -> SupplyKey {
    (l.buyer.clone(), l.part.clone(), l.seller.clone())
}

/// The tables keyed for events: lookups, inserts and removals by key (a replay, and the live
/// state's structural changes).
#[derive(Debug, Clone, Default)]
pub(crate) struct Rows {
    sites: BTreeMap<String, Site>,
    supply: BTreeMap<SupplyKey, SupplyRow>,
    capacity: BTreeMap<(String, Option<String>), CapacityRow>,
    alternates: BTreeMap<(String, String), Alternate>,
    companies: BTreeMap<String, usize>,
    /// The tables events do not key (parts, products, BOM, countries, signals).
    rest: Tables,
}

impl Rows {
    pub(crate) fn from_tables(mut t: Tables) -> Rows {
        let supply = std::mem::take(&mut t.supply)
            .into_iter()
            .map(|r| {
                (
                    (
                        r.buyer_site.clone(),
                        r.part_id.clone(),
                        r.seller_site.clone(),
                    ),
                    r,
                )
            })
            .collect();
        let sites: BTreeMap<String, Site> = std::mem::take(&mut t.sites)
            .into_iter()
            .map(|s| (s.site_id.clone(), s))
            .collect();
        let mut companies = BTreeMap::new();
        for s in sites.values() {
            *companies.entry(s.company.clone()).or_insert(0) += 1;
        }
        Rows {
            sites,
            supply,
            capacity: std::mem::take(&mut t.capacity)
                .into_iter()
                .map(|c| ((c.site_id.clone(), c.part_id.clone()), c))
                .collect(),
            alternates: std::mem::take(&mut t.alternates)
                .into_iter()
                .map(|a| ((a.part_id.clone(), a.alternate_part_id.clone()), a))
                .collect(),
            companies,
            rest: t,
        }
    }

    pub(crate) fn into_tables(self) -> Tables {
        let mut t = self.rest;
        t.sites = self.sites.into_values().collect();
        t.supply = self.supply.into_values().collect();
        t.capacity = self.capacity.into_values().collect();
        t.alternates = self.alternates.into_values().collect();
        t.sort_canonical();
        t
    }
}

impl Target for Rows {
    fn site(&mut self, id: &str) -> Option<&mut Site> {
        self.sites.get_mut(id)
    }

    fn has_company(&self, id: &str) -> bool {
        self.companies.contains_key(id)
    }

    fn has_part(&self, id: &str) -> bool {
        self.rest.parts.iter().any(|p| p.part_id == id)
    }

    fn row(&mut self, l: &Link) -> Option<&mut SupplyRow> {
        self.supply.get_mut(&key(l))
    }

    fn group(&mut self, buyer: &str, part: &str, f: &mut dyn FnMut(&mut SupplyRow)) -> bool {
        let lo = (buyer.to_string(), part.to_string(), String::new());
        let mut any = false;
        for (_, r) in self
            .supply
            .range_mut(lo..)
            .take_while(|(k, _)| k.0 == buyer && k.1 == part)
        {
            f(r);
            any = true;
        }
        any
    }

    fn insert_row(&mut self, row: SupplyRow) -> Option<SupplyRow> {
        let k = (
            row.buyer_site.clone(),
            row.part_id.clone(),
            row.seller_site.clone(),
        );
        self.supply.insert(k, row)
    }

    fn remove_row(&mut self, l: &Link) -> Option<SupplyRow> {
        self.supply.remove(&key(l))
    }

    fn insert_site(&mut self, s: Site) -> Option<Site> {
        *self.companies.entry(s.company.clone()).or_insert(0) += 1;
        let before = self.sites.insert(s.site_id.clone(), s);
        if let Some(b) = &before
            && let Some(n) = self.companies.get_mut(&b.company)
        {
            *n -= 1;
            if *n == 0 {
                self.companies.remove(&b.company);
            }
        }
        before
    }

    fn capacity(&mut self, site: &str, part: Option<&str>) -> &mut CapacityRow {
        let k = (site.to_string(), part.map(str::to_string));
        self.capacity.entry(k).or_insert_with(|| CapacityRow {
            site_id: site.to_string(),
            part_id: part.map(str::to_string),
            capacity_per_day: None,
            inventory_units: None,
        })
    }

    fn upsert_alternate(&mut self, a: Alternate) {
        let k = (a.part_id.clone(), a.alternate_part_id.clone());
        self.alternates.insert(k, a);
    }

    fn push_signal(&mut self, s: Signal) {
        self.rest.signals.push(s);
    }
}
