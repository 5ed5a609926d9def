//! The quality gates of DESIGN 2.2: parsing raw cells into typed records (types, required
//! columns and values, enumerations) and checking the typed tables (ranges, unique keys,
//! references, share sums, cycles), collecting every finding instead of stopping at the first.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Finding, LoadOptions, QualityReport, RawTable};
use crate::model::*;

/// Where the rows of typed tables came from: the 1-based source row of every record (header =
/// row 1) and the file of every table. Without it, rows are numbered as `write_tables_csv`
/// would write them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origin {
    pub rows: BTreeMap<&'static str, Vec<u64>>,
    pub files: BTreeMap<&'static str, String>,
    /// Data without rows (RDF): findings carry no row number.
    pub rowless: bool,
    /// Tables that are missing or could not be read: references into them are not checked,
    /// so one broken header does not bury the report in follow-on errors.
    pub broken: HashSet<String>,
}

struct Cells<'a> {
    t: &'a RawTable,
    idx: Vec<Option<usize>>,
    out: &'a mut Vec<Finding>,
}

/// Reads one row; `ok` turns false when a required value is missing or a value has the wrong
/// type, and the record is then dropped (its problems are already reported).
struct Row<'c, 'a> {
    c: &'c mut Cells<'a>,
    i: usize,
    ok: bool,
}

impl<'a> Cells<'a> {
    fn new(t: &'a RawTable, cols: &[&str], out: &'a mut Vec<Finding>) -> Self {
        let idx = cols.iter().map(|c| t.column_index(c)).collect();
        Cells { t, idx, out }
    }

    fn row(&mut self, i: usize) -> Row<'_, 'a> {
        Row {
            c: self,
            i,
            ok: true,
        }
    }
}

impl Row<'_, '_> {
    fn raw(&self, k: usize) -> Option<&str> {
        self.c.idx[k].and_then(|j| self.c.t.cells[j][self.i].as_deref())
    }

    fn fail(&mut self, k: usize, value: &str, message: String) {
        let col = self.c.idx[k]
            .map(|j| self.c.t.columns[j].clone())
            .unwrap_or_default();
        self.c.out.push(Finding {
            table: self.c.t.name.clone(),
            file: self.c.t.file.clone(),
            row: Some(self.i as u64 + 2),
            column: col,
            value: value.to_string(),
            message,
        });
    }

    fn req_str(&mut self, k: usize) -> String {
        match self.raw(k) {
            Some(v) => v.to_string(),
            None => {
                self.fail(k, "", "required value is missing".into());
                self.ok = false;
                String::new()
            }
        }
    }

    fn opt_str(&mut self, k: usize) -> Option<String> {
        self.raw(k).map(str::to_string)
    }

    fn opt_num(&mut self, k: usize) -> Option<f64> {
        let v = self.raw(k)?.trim().to_string();
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            Ok(_) => {
                self.fail(k, &v, "expected a finite number".into());
                None
            }
            Err(_) => {
                self.fail(k, &v, "expected a number".into());
                None
            }
        }
    }

    fn req_num(&mut self, k: usize) -> f64 {
        if self.raw(k).is_none() {
            self.fail(k, "", "required value is missing".into());
            return 0.0;
        }
        self.opt_num(k).unwrap_or(0.0)
    }
}

/// Checks the header of a raw table: required columns present, unknown columns warned about.
/// Returns false when the table cannot be read row by row.
fn check_header(t: &RawTable, cols: &[&str], required: usize, report: &mut QualityReport) -> bool {
    let mut ok = true;
    for c in &cols[..required] {
        if t.column_index(c).is_none() {
            report.errors.push(Finding {
                table: t.name.clone(),
                file: t.file.clone(),
                row: Some(1),
                column: c.to_string(),
                value: String::new(),
                message: format!(
                    "required column {c} is missing (the header has: {})",
                    t.columns.join(", ")
                ),
            });
            ok = false;
        }
    }
    let mut seen = HashSet::new();
    for c in &t.columns {
        if !seen.insert(c.as_str()) {
            report.errors.push(Finding {
                table: t.name.clone(),
                file: t.file.clone(),
                row: Some(1),
                column: c.clone(),
                value: c.clone(),
                message: "the header names this column twice".into(),
            });
            ok = false;
        } else if !cols.contains(&c.as_str()) {
            report.warnings.push(Finding {
                table: t.name.clone(),
                file: t.file.clone(),
                row: Some(1),
                column: c.clone(),
                value: c.clone(),
                message: "unknown column, kept out of the model".into(),
            });
        }
    }
    ok
}

const SITES: &[&str] = &[
    "site_id",
    "company",
    "country",
    "ttr_days",
    "financial_score",
    "on_time_rate",
    "quality_ppm",
    "capacity_utilization",
    "p_fail_override",
];
const PARTS: &[&str] = &["part_id", "kind", "name", "unit_cost"];
const PRODUCTS: &[&str] = &[
    "part_id",
    "site_id",
    "demand_per_day",
    "revenue_per_unit",
    "margin_per_unit",
    "fg_inventory_days",
];
const BOM: &[&str] = &["parent_part", "child_part", "qty"];
const SUPPLY: &[&str] = &[
    "buyer_site",
    "part_id",
    "seller_site",
    "share",
    "max_share",
    "lead_time_days",
    "lead_time_sd_days",
    "inventory_days",
];
const CAPACITY: &[&str] = &["site_id", "part_id", "capacity_per_day", "inventory_units"];
const COUNTRIES: &[&str] = &["country", "governance", "hazard", "p_event", "ttr_days"];
const SIGNALS: &[&str] = &[
    "subject_kind",
    "subject_id",
    "factor",
    "value",
    "observed_at",
    "source",
];
const ALTERNATES: &[&str] = &["part_id", "alternate_part_id", "qualification_days"];

/// Parses an RFC 3339 timestamp into its UTC form with a `Z` suffix.
pub(crate) fn normalize_time(s: &str) -> Option<String> {
    let t = chrono::DateTime::parse_from_rfc3339(s.trim()).ok()?;
    Some(
        t.with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    )
}

/// Turns raw tables into typed records, reporting type and presence problems.
pub(crate) fn parse(raw: &BTreeMap<String, RawTable>) -> (Tables, Origin, QualityReport) {
    let mut tables = Tables::default();
    let mut origin = Origin::default();
    let mut report = QualityReport::default();

    macro_rules! table {
        ($name:literal, $cols:expr, $required:expr, $field:ident, |$r:ident| $build:expr) => {
            if let Some(t) = raw.get($name) {
                if let Some(f) = &t.file {
                    origin.files.insert($name, f.clone());
                }
                let mut rows = Vec::new();
                if !check_header(t, $cols, $required, &mut report) {
                    origin.broken.insert($name.to_string());
                } else {
                    let mut cells = Cells::new(t, $cols, &mut report.errors);
                    for i in 0..t.n_rows {
                        let mut $r = cells.row(i);
                        let rec = $build;
                        if $r.ok {
                            tables.$field.push(rec);
                            rows.push(i as u64 + 2);
                        }
                    }
                }
                origin.rows.insert($name, rows);
            }
        };
    }

    table!("sites", SITES, 3, sites, |r| {
        let site_id = r.req_str(0);
        let company = r.req_str(1);
        let country = r.req_str(2);
        Site {
            site_id,
            company,
            country,
            ttr_days: r.opt_num(3),
            financial_score: r.opt_num(4),
            on_time_rate: r.opt_num(5),
            quality_ppm: r.opt_num(6),
            capacity_utilization: r.opt_num(7),
            p_fail_override: r.opt_num(8),
        }
    });
    table!("parts", PARTS, 2, parts, |r| {
        let part_id = r.req_str(0);
        let kind_s = r.req_str(1);
        let kind = PartKind::parse(&kind_s);
        if kind.is_none() && !kind_s.is_empty() {
            r.fail(
                1,
                &kind_s,
                "expected one of product, assembly, component, raw_material".into(),
            );
        }
        Part {
            part_id,
            kind: kind.unwrap_or(PartKind::Component),
            name: r.opt_str(2),
            unit_cost: r.opt_num(3),
        }
    });
    table!("products", PRODUCTS, 4, products, |r| ProductRow {
        part_id: r.req_str(0),
        site_id: r.req_str(1),
        demand_per_day: r.req_num(2),
        revenue_per_unit: r.req_num(3),
        margin_per_unit: r.opt_num(4),
        fg_inventory_days: r.opt_num(5),
    });
    table!("bom", BOM, 3, bom, |r| BomLine {
        parent_part: r.req_str(0),
        child_part: r.req_str(1),
        qty: r.req_num(2),
    });
    table!("supply", SUPPLY, 4, supply, |r| SupplyRow {
        buyer_site: r.req_str(0),
        part_id: r.req_str(1),
        seller_site: r.req_str(2),
        share: r.req_num(3),
        max_share: r.opt_num(4),
        lead_time_days: r.opt_num(5),
        lead_time_sd_days: r.opt_num(6),
        inventory_days: r.opt_num(7),
    });
    table!("capacity", CAPACITY, 1, capacity, |r| CapacityRow {
        site_id: r.req_str(0),
        part_id: r.opt_str(1),
        capacity_per_day: r.opt_num(2),
        inventory_units: r.opt_num(3),
    });
    table!("countries", COUNTRIES, 1, countries, |r| {
        let country = r.req_str(0);
        Country {
            country,
            governance: r.opt_num(1),
            hazard: r.opt_num(2),
            p_event: r.opt_num(3),
            ttr_days: r.opt_num(4),
        }
    });
    table!("signals", SIGNALS, 5, signals, |r| {
        let kind_s = r.req_str(0);
        let subject_kind = SubjectKind::parse(&kind_s);
        if subject_kind.is_none() && !kind_s.is_empty() {
            r.fail(
                0,
                &kind_s,
                "expected one of site, company, country, part".into(),
            );
        }
        let subject_id = r.req_str(1);
        let factor = r.req_str(2);
        let value = r.req_num(3);
        let t = r.req_str(4);
        let observed_at = normalize_time(&t);
        if observed_at.is_none() && !t.is_empty() {
            r.fail(
                4,
                &t,
                "expected an RFC 3339 timestamp, e.g. 2026-03-01T12:00:00Z".into(),
            );
        }
        Signal {
            subject_kind: subject_kind.unwrap_or(SubjectKind::Site),
            subject_id,
            factor,
            value,
            observed_at: observed_at.unwrap_or_default(),
            source: r.opt_str(5),
        }
    });
    table!("alternates", ALTERNATES, 2, alternates, |r| Alternate {
        part_id: r.req_str(0),
        alternate_part_id: r.req_str(1),
        qualification_days: r.opt_num(2),
    });
    (tables, origin, report)
}

/// Runs every typed gate on `tables` (ranges, unique keys, references, share sums, cycles) and
/// collects the warnings. Rows are numbered as [`super::write_tables_csv`] writes them.
pub fn validate(tables: &Tables, options: &LoadOptions) -> QualityReport {
    validate_with(tables, options, &Origin::default())
}

struct Ctx<'o> {
    origin: &'o Origin,
    report: QualityReport,
}

impl Ctx<'_> {
    fn finding(
        &self,
        table: &'static str,
        i: usize,
        column: &str,
        value: String,
        message: String,
    ) -> Finding {
        let row = if self.origin.rowless {
            None
        } else {
            Some(
                self.origin
                    .rows
                    .get(table)
                    .and_then(|r| r.get(i).copied())
                    .unwrap_or(i as u64 + 2),
            )
        };
        Finding {
            table: table.to_string(),
            file: self.origin.files.get(table).cloned(),
            row,
            column: column.to_string(),
            value,
            message,
        }
    }

    fn error(
        &mut self,
        table: &'static str,
        i: usize,
        column: &str,
        value: impl ToString,
        message: impl Into<String>,
    ) {
        let f = self.finding(table, i, column, value.to_string(), message.into());
        self.report.errors.push(f);
    }

    fn warn(
        &mut self,
        table: &'static str,
        i: usize,
        column: &str,
        value: impl ToString,
        message: impl Into<String>,
    ) {
        let f = self.finding(table, i, column, value.to_string(), message.into());
        self.report.warnings.push(f);
    }

    fn range(
        &mut self,
        table: &'static str,
        i: usize,
        column: &str,
        v: Option<f64>,
        lo: f64,
        hi: f64,
    ) {
        if let Some(x) = v
            && !(lo..=hi).contains(&x)
        {
            let range = if hi.is_infinite() {
                format!("expected a value >= {lo}")
            } else {
                format!("expected a value between {lo} and {hi}")
            };
            self.error(table, i, column, x, range);
        }
    }

    fn positive(&mut self, table: &'static str, i: usize, column: &str, v: f64) {
        if v <= 0.0 {
            self.error(table, i, column, v, "expected a value > 0");
        }
    }

    /// Reports every repeat of a key, pointing at the first occurrence.
    fn unique<K: std::hash::Hash + Eq>(
        &mut self,
        table: &'static str,
        column: &str,
        keys: impl Iterator<Item = (K, String)>,
    ) {
        let mut first: HashMap<K, usize> = HashMap::new();
        for (i, (k, shown)) in keys.enumerate() {
            if let Some(&j) = first.get(&k) {
                let row = self.finding(table, j, "", String::new(), String::new()).row;
                let at = row
                    .map(|r| format!(" (first at row {r})"))
                    .unwrap_or_default();
                self.error(table, i, column, shown, format!("duplicate key{at}"));
            } else {
                first.insert(k, i);
            }
        }
    }
}

const INF: f64 = f64::INFINITY;
const COUNTRY_MSG: &str =
    "not an ISO 3166-1 alpha-2 country code (two upper-case letters, e.g. DE; ZZ for unknown)";

pub(crate) fn validate_with(
    tables: &Tables,
    options: &LoadOptions,
    origin: &Origin,
) -> QualityReport {
    let mut c = Ctx {
        origin,
        report: QualityReport::default(),
    };
    let t = tables;

    // Ranges.
    for (i, s) in t.sites.iter().enumerate() {
        c.range("sites", i, "ttr_days", s.ttr_days, 0.0, INF);
        c.range("sites", i, "financial_score", s.financial_score, 0.0, 100.0);
        c.range("sites", i, "on_time_rate", s.on_time_rate, 0.0, 1.0);
        c.range("sites", i, "quality_ppm", s.quality_ppm, 0.0, INF);
        c.range(
            "sites",
            i,
            "capacity_utilization",
            s.capacity_utilization,
            0.0,
            1.0,
        );
        c.range("sites", i, "p_fail_override", s.p_fail_override, 0.0, 1.0);
        if !super::is_country_code(&s.country) {
            c.error("sites", i, "country", &s.country, COUNTRY_MSG);
        }
    }
    for (i, p) in t.parts.iter().enumerate() {
        c.range("parts", i, "unit_cost", p.unit_cost, 0.0, INF);
    }
    for (i, p) in t.products.iter().enumerate() {
        c.range(
            "products",
            i,
            "demand_per_day",
            Some(p.demand_per_day),
            0.0,
            INF,
        );
        c.range(
            "products",
            i,
            "revenue_per_unit",
            Some(p.revenue_per_unit),
            0.0,
            INF,
        );
        c.range(
            "products",
            i,
            "margin_per_unit",
            p.margin_per_unit,
            0.0,
            INF,
        );
        c.range(
            "products",
            i,
            "fg_inventory_days",
            p.fg_inventory_days,
            0.0,
            INF,
        );
    }
    for (i, b) in t.bom.iter().enumerate() {
        c.positive("bom", i, "qty", b.qty);
        if b.parent_part == b.child_part {
            c.error(
                "bom",
                i,
                "child_part",
                &b.child_part,
                "a part cannot contain itself",
            );
        }
    }
    for (i, s) in t.supply.iter().enumerate() {
        c.range("supply", i, "share", Some(s.share), 0.0, 1.0);
        if let Some(m) = s.max_share
            && !(s.share..=1.0).contains(&m)
        {
            c.error(
                "supply",
                i,
                "max_share",
                m,
                format!("expected a value between share ({}) and 1", s.share),
            );
        }
        c.range("supply", i, "lead_time_days", s.lead_time_days, 0.0, INF);
        c.range(
            "supply",
            i,
            "lead_time_sd_days",
            s.lead_time_sd_days,
            0.0,
            INF,
        );
        c.range("supply", i, "inventory_days", s.inventory_days, 0.0, INF);
        if s.buyer_site == s.seller_site {
            c.error(
                "supply",
                i,
                "seller_site",
                &s.seller_site,
                "a site cannot supply itself",
            );
        }
    }
    for (i, r) in t.capacity.iter().enumerate() {
        c.range(
            "capacity",
            i,
            "capacity_per_day",
            r.capacity_per_day,
            0.0,
            INF,
        );
        c.range(
            "capacity",
            i,
            "inventory_units",
            r.inventory_units,
            0.0,
            INF,
        );
        if r.part_id.is_none() && r.inventory_units.is_some() {
            c.error(
                "capacity",
                i,
                "inventory_units",
                r.inventory_units.unwrap_or_default(),
                "a site-level capacity row (no part_id) carries no inventory_units",
            );
        }
    }
    for (i, k) in t.countries.iter().enumerate() {
        if !super::is_country_code(&k.country) {
            c.error("countries", i, "country", &k.country, COUNTRY_MSG);
        }
        c.range("countries", i, "governance", k.governance, 0.0, 1.0);
        c.range("countries", i, "hazard", k.hazard, 0.0, 1.0);
        c.range("countries", i, "p_event", k.p_event, 0.0, 1.0);
        c.range("countries", i, "ttr_days", k.ttr_days, 0.0, INF);
    }
    for (i, s) in t.signals.iter().enumerate() {
        c.range("signals", i, "value", Some(s.value), 0.0, 1.0);
    }
    for (i, a) in t.alternates.iter().enumerate() {
        c.range(
            "alternates",
            i,
            "qualification_days",
            a.qualification_days,
            0.0,
            INF,
        );
        if a.part_id == a.alternate_part_id {
            c.error(
                "alternates",
                i,
                "alternate_part_id",
                &a.alternate_part_id,
                "a part cannot be its own alternate",
            );
        }
    }

    // Unique keys.
    c.unique(
        "sites",
        "site_id",
        t.sites.iter().map(|s| (&s.site_id, s.site_id.clone())),
    );
    c.unique(
        "parts",
        "part_id",
        t.parts.iter().map(|p| (&p.part_id, p.part_id.clone())),
    );
    c.unique(
        "products",
        "part_id, site_id",
        t.products.iter().map(|p| {
            (
                (&p.part_id, &p.site_id),
                format!("{}, {}", p.part_id, p.site_id),
            )
        }),
    );
    c.unique(
        "bom",
        "parent_part, child_part",
        t.bom.iter().map(|b| {
            (
                (&b.parent_part, &b.child_part),
                format!("{}, {}", b.parent_part, b.child_part),
            )
        }),
    );
    c.unique(
        "supply",
        "buyer_site, part_id, seller_site",
        t.supply.iter().map(|s| {
            (
                (&s.buyer_site, &s.part_id, &s.seller_site),
                format!("{}, {}, {}", s.buyer_site, s.part_id, s.seller_site),
            )
        }),
    );
    c.unique(
        "countries",
        "country",
        t.countries.iter().map(|k| (&k.country, k.country.clone())),
    );
    c.unique(
        "capacity",
        "site_id, part_id",
        t.capacity.iter().map(|r| {
            (
                (&r.site_id, &r.part_id),
                format!("{}, {}", r.site_id, r.part_id.as_deref().unwrap_or("")),
            )
        }),
    );
    c.unique(
        "alternates",
        "part_id, alternate_part_id",
        t.alternates.iter().map(|a| {
            (
                (&a.part_id, &a.alternate_part_id),
                format!("{}, {}", a.part_id, a.alternate_part_id),
            )
        }),
    );

    // References.
    let sites: HashSet<&str> = t.sites.iter().map(|s| s.site_id.as_str()).collect();
    let parts: HashSet<&str> = t.parts.iter().map(|p| p.part_id.as_str()).collect();
    let companies: HashSet<&str> = t.sites.iter().map(|s| s.company.as_str()).collect();
    let sites_known = !origin.broken.contains("sites");
    let parts_known = !origin.broken.contains("parts");
    let site_ref = |c: &mut Ctx<'_>, table: &'static str, i: usize, col: &str, v: &str| {
        if sites_known && !sites.contains(v) {
            c.error(table, i, col, v, "unknown site: not in the sites table");
        }
    };
    let part_ref = |c: &mut Ctx<'_>, table: &'static str, i: usize, col: &str, v: &str| {
        if parts_known && !parts.contains(v) {
            c.error(table, i, col, v, "unknown part: not in the parts table");
        }
    };
    for (i, p) in t.products.iter().enumerate() {
        part_ref(&mut c, "products", i, "part_id", &p.part_id);
        site_ref(&mut c, "products", i, "site_id", &p.site_id);
    }
    for (i, b) in t.bom.iter().enumerate() {
        part_ref(&mut c, "bom", i, "parent_part", &b.parent_part);
        part_ref(&mut c, "bom", i, "child_part", &b.child_part);
    }
    for (i, s) in t.supply.iter().enumerate() {
        site_ref(&mut c, "supply", i, "buyer_site", &s.buyer_site);
        part_ref(&mut c, "supply", i, "part_id", &s.part_id);
        site_ref(&mut c, "supply", i, "seller_site", &s.seller_site);
    }
    for (i, r) in t.capacity.iter().enumerate() {
        site_ref(&mut c, "capacity", i, "site_id", &r.site_id);
        if let Some(p) = &r.part_id {
            part_ref(&mut c, "capacity", i, "part_id", p);
        }
    }
    for (i, a) in t.alternates.iter().enumerate() {
        part_ref(&mut c, "alternates", i, "part_id", &a.part_id);
        part_ref(
            &mut c,
            "alternates",
            i,
            "alternate_part_id",
            &a.alternate_part_id,
        );
    }
    for (i, s) in t.signals.iter().enumerate() {
        let id = s.subject_id.as_str();
        let (known, what) = match s.subject_kind {
            SubjectKind::Site => (
                !sites_known || sites.contains(id),
                "site: not in the sites table",
            ),
            SubjectKind::Company => (
                !sites_known || companies.contains(id),
                "company: no site belongs to it",
            ),
            SubjectKind::Country => (
                super::is_country_code(id),
                "country: not an ISO 3166-1 alpha-2 code",
            ),
            SubjectKind::Part => (
                !parts_known || parts.contains(id),
                "part: not in the parts table",
            ),
        };
        if !known {
            c.error("signals", i, "subject_id", id, format!("unknown {what}"));
        }
    }

    // Supply groups: share sums, agreeing inventory days; warnings for single sources and
    // shares below 1.
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, s) in t.supply.iter().enumerate() {
        groups
            .entry((&s.buyer_site, &s.part_id))
            .or_default()
            .push(i);
    }
    for ((buyer, part), rows) in &groups {
        let sum: f64 = rows.iter().map(|&i| t.supply[i].share).sum();
        let first = rows[0];
        if sum > 1.0 + EPS {
            let listed: Vec<String> = rows
                .iter()
                .map(|&i| format!("{}={}", t.supply[i].seller_site, t.supply[i].share))
                .collect();
            c.error(
                "supply",
                *rows.last().expect("a group has rows"),
                "share",
                sum,
                format!(
                    "shares of buyer {buyer} for part {part} sum to {sum} > 1 ({})",
                    listed.join(", ")
                ),
            );
        } else if sum < 1.0 - EPS {
            c.warn(
                "supply",
                first,
                "share",
                sum,
                format!(
                    "shares of buyer {buyer} for part {part} sum to {sum} < 1: an unmapped remainder of {} is treated as always available",
                    1.0 - sum
                ),
            );
        }
        if rows.len() == 1 && sum > EPS {
            c.warn(
                "supply",
                first,
                "seller_site",
                &t.supply[first].seller_site,
                format!("single source: buyer {buyer} gets part {part} only from this seller"),
            );
        }
        let inv0 = t.supply[first].inventory_days;
        for &i in &rows[1..] {
            if t.supply[i].inventory_days != inv0 {
                c.error(
                    "supply",
                    i,
                    "inventory_days",
                    t.supply[i].inventory_days.map(|x| x.to_string()).unwrap_or_default(),
                    format!(
                        "rows of buyer {buyer} for part {part} must agree on inventory_days (row of seller {} has {})",
                        t.supply[first].seller_site,
                        inv0.map(|x| x.to_string()).unwrap_or_else(|| "none".into())
                    ),
                );
            }
        }
    }

    // Stale signals.
    let now = options.now.unwrap_or_else(chrono::Utc::now);
    for (i, s) in t.signals.iter().enumerate() {
        if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&s.observed_at) {
            let age = (now - at.with_timezone(&chrono::Utc)).num_seconds() as f64 / 86_400.0;
            if age > options.stale_after_days {
                c.warn(
                    "signals",
                    i,
                    "observed_at",
                    &s.observed_at,
                    format!(
                        "stale signal: observed {age:.0} days ago, more than the policy's stale_after_days ({})",
                        options.stale_after_days
                    ),
                );
            }
        }
    }

    // The BOM must be acyclic; only then does the node graph mean anything.
    let bom_ok = match bom_cycle(t) {
        Some((path, row)) => {
            c.error(
                "bom",
                row,
                "child_part",
                &t.bom[row].child_part,
                format!("the BOM has a cycle: {}", path.join(" -> ")),
            );
            false
        }
        None => true,
    };
    if bom_ok {
        match crate::network::Network::compile_lenient(t) {
            Ok(net) => {
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
            Err(crate::network::NetworkError::Cycle { path, supply_rows }) => {
                let row = supply_rows.first().copied().unwrap_or(0);
                c.error(
                    "supply",
                    row,
                    "seller_site",
                    t.supply
                        .get(row)
                        .map(|s| s.seller_site.clone())
                        .unwrap_or_default(),
                    format!("the supply network has a cycle: {}", path.join(" -> ")),
                );
            }
        }
    }
    c.report
}

/// Finds a cycle in the BOM: the parts on it (first = last) and the row of its closing line.
fn bom_cycle(t: &Tables) -> Option<(Vec<String>, usize)> {
    let mut children: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
    for (i, b) in t.bom.iter().enumerate() {
        if b.parent_part != b.child_part {
            children
                .entry(&b.parent_part)
                .or_default()
                .push((&b.child_part, i));
        }
    }
    // Iterative three-colour DFS; the grey stack is the current path.
    let mut colour: HashMap<&str, u8> = HashMap::new();
    for &start in children.keys() {
        if colour.contains_key(start) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        colour.insert(start, 1);
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let kids = children.get(node).map(Vec::as_slice).unwrap_or(&[]);
            if *next < kids.len() {
                let (child, row) = kids[*next];
                *next += 1;
                match colour.get(child) {
                    Some(1) => {
                        let pos = stack.iter().position(|(n, _)| *n == child).unwrap_or(0);
                        let mut path: Vec<String> =
                            stack[pos..].iter().map(|(n, _)| n.to_string()).collect();
                        path.push(child.to_string());
                        return Some((path, row));
                    }
                    Some(_) => {}
                    None => {
                        colour.insert(child, 1);
                        stack.push((child, 0));
                    }
                }
            } else {
                colour.insert(node, 2);
                stack.pop();
            }
        }
    }
    None
}
