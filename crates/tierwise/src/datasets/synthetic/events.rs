//! A seeded stream of change events for generated tables (`tierwise generate --events M`):
//! a day of an ERP, supplier portals, sanction lists and shipment confirmations, every
//! event type of DESIGN 4.1 among them, a few arriving late (older than events before them)
//! and a few that the gates refuse (a share that would push a group above 1), as real feeds do.

use std::collections::HashMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::draw::{Draw, round_to};
use crate::model::{SubjectKind, Tables};

/// `n` events about `t`, from `start` over one day, as CloudEvents 1.0 JSON lines.
pub fn generate_events(t: &Tables, n: usize, seed: u64, start: DateTime<Utc>) -> Vec<String> {
    let mut r = Draw::seeded(seed ^ 0x6576_656e_7473);
    let mut down: Vec<String> = Vec::new();
    let mut added = 0usize;
    let mut sellers: HashMap<&str, Vec<&str>> = HashMap::new();
    for s in &t.supply {
        sellers.entry(&s.part_id).or_default().push(&s.seller_site);
    }
    for v in sellers.values_mut() {
        v.sort_unstable();
        v.dedup();
    }
    let ctx = Ctx { t, sellers };
    let step = 86_400.0 / n.max(1) as f64;
    (0..n)
        .map(|i| {
            // One event in twenty is late: stamped up to an hour before its place in the stream.
            let late = if r.chance(0.05) {
                r.real(0.0, 3600.0)
            } else {
                0.0
            };
            let secs = (i as f64 * step - late).max(0.0);
            let time = start + Duration::milliseconds((secs * 1000.0) as i64);
            let (kind, subject, data) = draw_event(&ctx, &mut r, &mut down, &mut added);
            let e = json!({
                "specversion": "1.0",
                "id": format!("evt-{seed}-{i:07}"),
                "source": source_of(kind),
                "type": kind,
                "time": time.to_rfc3339_opts(SecondsFormat::Millis, true),
                "subject": subject,
                "datacontenttype": "application/json",
                "data": data,
            });
            e.to_string()
        })
        .collect()
}

fn source_of(kind: &str) -> &'static str {
    match kind {
        "site.down" | "site.up" => "urn:tierwise:feed:incidents",
        "sanction.listed" | "sanction.lifted" => "urn:tierwise:feed:sanctions",
        "shipment.received" => "urn:tierwise:feed:shipments",
        "quality.alert" => "urn:tierwise:feed:quality",
        "signal" => "urn:tierwise:feed:newswire",
        _ => "urn:tierwise:feed:erp",
    }
}

/// The tables and, per part, the sites that sell it.
struct Ctx<'t> {
    t: &'t Tables,
    sellers: HashMap<&'t str, Vec<&'t str>>,
}

fn draw_event(
    ctx: &Ctx<'_>,
    r: &mut Draw,
    down: &mut Vec<String>,
    added: &mut usize,
) -> (&'static str, String, Value) {
    let t = ctx.t;
    let u = r.unit();
    let row = &t.supply[r.below(t.supply.len())];
    let link = crate::model::Link::key(&row.buyer_site, &row.part_id, &row.seller_site);
    let site = &t.sites[r.below(t.sites.len())];
    match u {
        u if u < 0.22 => {
            let days = round_to(row.lead_time_days.unwrap_or(20.0) * r.real(0.8, 1.5), 10.0);
            ("supply.lead_time", link, json!({ "lead_time_days": days }))
        }
        u if u < 0.40 => {
            // Mostly a cut (the freed share goes unmapped); one in ten a raise that may not fit.
            let share = if r.chance(0.9) {
                round_to(row.share * r.real(0.3, 1.0), 1000.0)
            } else {
                round_to((row.share + r.real(0.0, 0.3)).min(1.0), 1000.0)
            };
            ("supply.share", link, json!({ "share": share }))
        }
        u if u < 0.52 => {
            let days = round_to(r.real(0.0, 30.0), 10.0);
            let subject = format!("{}|{}", row.buyer_site, row.part_id);
            (
                "shipment.received",
                subject,
                json!({ "inventory_days": days }),
            )
        }
        u if u < 0.62 => signal_event(r, site),
        u if u < 0.70 => {
            let ppm = round_to(r.real(100.0, 20_000.0), 1.0);
            (
                "quality.alert",
                site.site_id.clone(),
                json!({ "quality_ppm": ppm }),
            )
        }
        u if u < 0.76 => {
            let cap = round_to(r.real(10.0, 5_000.0), 1.0);
            let data = json!({ "capacity_per_day": cap });
            ("site.capacity", site.site_id.clone(), data)
        }
        u if u < 0.82 => outage(r, site, down),
        u if u < 0.86 => sanction(t, r, site),
        u if u < 0.90 => second_source(ctx, r, row),
        u if u < 0.93 => ("supply.removed", link, json!({})),
        u if u < 0.96 => {
            *added += 1;
            let id = format!("NEW-{:06}", *added);
            let data = json!({ "company": site.company, "country": site.country, "ttr_days": 30 });
            ("site.added", id, data)
        }
        _ => alternate(t, r),
    }
}

fn signal_event(r: &mut Draw, site: &crate::model::Site) -> (&'static str, String, Value) {
    let value = round_to(r.unit(), 100.0);
    let (kind, id) = if r.chance(0.7) {
        (SubjectKind::Site, site.site_id.clone())
    } else {
        (SubjectKind::Company, site.company.clone())
    };
    let factor = *r.pick(&["financial", "news", "labor"]);
    let data = json!({ "subject_kind": kind.as_str(), "factor": factor, "value": value });
    ("signal", id, data)
}

fn outage(
    r: &mut Draw,
    site: &crate::model::Site,
    down: &mut Vec<String>,
) -> (&'static str, String, Value) {
    if !down.is_empty() && r.chance(0.5) {
        let s = down.swap_remove(r.below(down.len()));
        return ("site.up", s, json!({}));
    }
    down.push(site.site_id.clone());
    let ttr = round_to(r.real(3.0, 60.0), 1.0);
    (
        "site.down",
        site.site_id.clone(),
        json!({ "ttr_days": ttr }),
    )
}

fn sanction(t: &Tables, r: &mut Draw, site: &crate::model::Site) -> (&'static str, String, Value) {
    let kind = if r.chance(0.6) {
        "sanction.listed"
    } else {
        "sanction.lifted"
    };
    let (sk, id) = match r.below(3) {
        0 => ("site", site.site_id.clone()),
        1 => ("company", site.company.clone()),
        _ => ("country", t.sites[r.below(t.sites.len())].country.clone()),
    };
    (kind, id, json!({ "subject_kind": sk }))
}

/// A second source for a (buyer, part): a site that already sells the part to someone else.
fn second_source(
    ctx: &Ctx<'_>,
    r: &mut Draw,
    row: &crate::model::SupplyRow,
) -> (&'static str, String, Value) {
    // The buyer is among the sellers only if it also sells the part: then the draw is a row
    // the gates refuse (a site cannot buy from itself), as a real feed sometimes sends.
    let seller = *r.pick(&ctx.sellers[row.part_id.as_str()]);
    let share = round_to(r.real(0.0, 0.2), 1000.0);
    let link = crate::model::Link::key(&row.buyer_site, &row.part_id, seller);
    let data = json!({ "share": share, "max_share": 0.5, "lead_time_days": 30 });
    ("supply.added", link, data)
}

fn alternate(t: &Tables, r: &mut Draw) -> (&'static str, String, Value) {
    let a = &t.parts[r.below(t.parts.len())];
    let b = &t.parts[r.below(t.parts.len())];
    let days = round_to(r.real(10.0, 120.0), 1.0);
    let data = json!({ "alternate_part_id": b.part_id, "qualification_days": days });
    ("alternate.qualified", a.part_id.clone(), data)
}
