//! Gate: values in range (shares and probabilities in 0..=1, days and amounts >= 0, country
//! codes), and rows that contradict themselves (a site supplying itself, a part containing
//! itself).

use super::Ctx;
use crate::model::*;

const INF: f64 = f64::INFINITY;
const COUNTRY_MSG: &str =
    "not an ISO 3166-1 alpha-2 country code (two upper-case letters, e.g. DE; ZZ for unknown)";

pub(super) fn check(c: &mut Ctx<'_>, t: &Tables) {
    each_row(c, "sites", &t.sites, site);
    each_row(c, "parts", &t.parts, |r, p| {
        r.range("unit_cost", p.unit_cost, 0.0, INF)
    });
    each_row(c, "products", &t.products, product);
    each_row(c, "bom", &t.bom, bom_line);
    each_row(c, "supply", &t.supply, supply_row);
    each_row(c, "capacity", &t.capacity, capacity_row);
    each_row(c, "countries", &t.countries, country);
    each_row(c, "signals", &t.signals, |r, s| {
        r.range("value", Some(s.value), 0.0, 1.0)
    });
    each_row(c, "alternates", &t.alternates, alternate);
}

/// One row of one table, checked column by column.
struct At<'c, 'o> {
    c: &'c mut Ctx<'o>,
    table: &'static str,
    i: usize,
}

impl At<'_, '_> {
    fn error(&mut self, column: &str, value: impl ToString, message: impl Into<String>) {
        self.c.error(self.table, self.i, column, value, message);
    }

    fn range(&mut self, column: &str, v: Option<f64>, lo: f64, hi: f64) {
        if let Some(x) = v
            && !(lo..=hi).contains(&x)
        {
            let range = if hi.is_infinite() {
                format!("expected a value >= {lo}")
            } else {
                format!("expected a value between {lo} and {hi}")
            };
            self.error(column, x, range);
        }
    }

    fn country(&mut self, code: &str) {
        if !crate::ingest::is_country_code(code) {
            self.error("country", code, COUNTRY_MSG);
        }
    }
}

fn each_row<'o, T>(
    c: &mut Ctx<'o>,
    table: &'static str,
    rows: &[T],
    check: impl Fn(&mut At<'_, 'o>, &T),
) {
    for (i, row) in rows.iter().enumerate() {
        check(&mut At { c, table, i }, row);
    }
}

fn site(r: &mut At<'_, '_>, s: &Site) {
    r.range("ttr_days", s.ttr_days, 0.0, INF);
    r.range("financial_score", s.financial_score, 0.0, 100.0);
    r.range("on_time_rate", s.on_time_rate, 0.0, 1.0);
    r.range("quality_ppm", s.quality_ppm, 0.0, INF);
    r.range("capacity_utilization", s.capacity_utilization, 0.0, 1.0);
    r.range("p_fail_override", s.p_fail_override, 0.0, 1.0);
    r.country(&s.country);
}

fn product(r: &mut At<'_, '_>, p: &ProductRow) {
    r.range("demand_per_day", Some(p.demand_per_day), 0.0, INF);
    r.range("revenue_per_unit", Some(p.revenue_per_unit), 0.0, INF);
    r.range("margin_per_unit", p.margin_per_unit, 0.0, INF);
    r.range("fg_inventory_days", p.fg_inventory_days, 0.0, INF);
}

fn bom_line(r: &mut At<'_, '_>, b: &BomLine) {
    if b.qty <= 0.0 {
        r.error("qty", b.qty, "expected a value > 0");
    }
    if b.parent_part == b.child_part {
        r.error("child_part", &b.child_part, "a part cannot contain itself");
    }
}

fn supply_row(r: &mut At<'_, '_>, s: &SupplyRow) {
    r.range("share", Some(s.share), 0.0, 1.0);
    if let Some(m) = s.max_share
        && !(s.share..=1.0).contains(&m)
    {
        let message = format!("expected a value between share ({}) and 1", s.share);
        r.error("max_share", m, message);
    }
    r.range("lead_time_days", s.lead_time_days, 0.0, INF);
    r.range("lead_time_sd_days", s.lead_time_sd_days, 0.0, INF);
    r.range("inventory_days", s.inventory_days, 0.0, INF);
    if s.buyer_site == s.seller_site {
        r.error("seller_site", &s.seller_site, "a site cannot supply itself");
    }
}

fn capacity_row(r: &mut At<'_, '_>, k: &CapacityRow) {
    r.range("capacity_per_day", k.capacity_per_day, 0.0, INF);
    r.range("inventory_units", k.inventory_units, 0.0, INF);
    if let (None, Some(units)) = (&k.part_id, k.inventory_units) {
        r.error(
            "inventory_units",
            units,
            "a site-level capacity row (no part_id) carries no inventory_units",
        );
    }
}

fn country(r: &mut At<'_, '_>, k: &Country) {
    r.country(&k.country);
    r.range("governance", k.governance, 0.0, 1.0);
    r.range("hazard", k.hazard, 0.0, 1.0);
    r.range("p_event", k.p_event, 0.0, 1.0);
    r.range("ttr_days", k.ttr_days, 0.0, INF);
}

fn alternate(r: &mut At<'_, '_>, a: &Alternate) {
    r.range("qualification_days", a.qualification_days, 0.0, INF);
    if a.part_id == a.alternate_part_id {
        r.error(
            "alternate_part_id",
            &a.alternate_part_id,
            "a part cannot be its own alternate",
        );
    }
}
