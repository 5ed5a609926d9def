//! The first quality gates of DESIGN 2.2: parsing raw cells into typed records (types, required
//! columns and values, enumerations), collecting every finding instead of stopping at the
//! first. The typed tables are then checked by [`super::gates`].

use std::collections::{BTreeMap, HashSet};

use super::columns::*;
use super::{Finding, QualityReport, RawTable};
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
            row: Some(self.c.t.row_of(self.i)),
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
    for (k, c) in t.columns.iter().enumerate() {
        if c.is_empty() {
            report.errors.push(Finding {
                table: t.name.clone(),
                file: t.file.clone(),
                row: Some(1),
                column: String::new(),
                value: String::new(),
                message: format!("column {} of the header has no name", k + 1),
            });
            ok = false;
        } else if !seen.insert(c.as_str()) {
            report.errors.push(Finding {
                table: t.name.clone(),
                file: t.file.clone(),
                row: Some(1),
                column: c.clone(),
                value: c.clone(),
                message: format!(
                    "the header names column {c} twice (columns {} and {})",
                    t.columns.iter().position(|x| x == c).map_or(0, |p| p + 1),
                    k + 1
                ),
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

/// Parses an RFC 3339 timestamp into its UTC form with a `Z` suffix.
pub(crate) fn normalize_time(s: &str) -> Option<String> {
    let t = chrono::DateTime::parse_from_rfc3339(s.trim()).ok()?;
    Some(
        t.with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    )
}

/// Turns raw tables into typed records, reporting type and presence problems.
/// Each raw table is dropped once its records are built: at 1M sites the raw cells are
/// gigabytes, and the gates that follow need only the typed tables and [`Origin`].
pub(crate) fn parse(raw: BTreeMap<String, RawTable>) -> (Tables, Origin, QualityReport) {
    let mut p = Parser {
        raw,
        origin: Origin::default(),
        report: QualityReport::default(),
    };
    // Fields are evaluated in this order, which is the order of the findings.
    let tables = Tables {
        sites: p.table("sites", SITES, 3, site),
        parts: p.table("parts", PARTS, 2, part),
        products: p.table("products", PRODUCTS, 4, product),
        bom: p.table("bom", BOM, 3, bom_line),
        supply: p.table("supply", SUPPLY, 4, supply_row),
        capacity: p.table("capacity", CAPACITY, 1, capacity_row),
        countries: p.table("countries", COUNTRIES, 1, country),
        signals: p.table("signals", SIGNALS, 5, signal),
        alternates: p.table("alternates", ALTERNATES, 2, alternate),
    };
    (tables, p.origin, p.report)
}

/// The state of one [`parse`]: the raw tables and what was learnt from them so far.
struct Parser {
    raw: BTreeMap<String, RawTable>,
    origin: Origin,
    report: QualityReport,
}

impl Parser {
    /// Reads table `name` (if given) with columns `cols`, the first `required` of them
    /// required, building one record per row that parses.
    fn table<T>(
        &mut self,
        name: &'static str,
        cols: &[&str],
        required: usize,
        build: impl Fn(&mut Row<'_, '_>) -> T,
    ) -> Vec<T> {
        let mut records = Vec::new();
        let Some(t) = self.raw.remove(name) else {
            return records;
        };
        let t = &t;
        if let Some(f) = &t.file {
            self.origin.files.insert(name, f.clone());
        }
        let mut rows = Vec::new();
        if !check_header(t, cols, required, &mut self.report) {
            self.origin.broken.insert(name.to_string());
        } else {
            let mut cells = Cells::new(t, cols, &mut self.report.errors);
            for i in 0..t.n_rows {
                let mut r = cells.row(i);
                let record = build(&mut r);
                if r.ok {
                    records.push(record);
                    rows.push(t.row_of(i));
                }
            }
        }
        self.origin.rows.insert(name, rows);
        records
    }
}

fn site(r: &mut Row<'_, '_>) -> Site {
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
}

fn part(r: &mut Row<'_, '_>) -> Part {
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
}

fn product(r: &mut Row<'_, '_>) -> ProductRow {
    ProductRow {
        part_id: r.req_str(0),
        site_id: r.req_str(1),
        demand_per_day: r.req_num(2),
        revenue_per_unit: r.req_num(3),
        margin_per_unit: r.opt_num(4),
        fg_inventory_days: r.opt_num(5),
    }
}

fn bom_line(r: &mut Row<'_, '_>) -> BomLine {
    BomLine {
        parent_part: r.req_str(0),
        child_part: r.req_str(1),
        qty: r.req_num(2),
    }
}

fn supply_row(r: &mut Row<'_, '_>) -> SupplyRow {
    SupplyRow {
        buyer_site: r.req_str(0),
        part_id: r.req_str(1),
        seller_site: r.req_str(2),
        share: r.req_num(3),
        max_share: r.opt_num(4),
        lead_time_days: r.opt_num(5),
        lead_time_sd_days: r.opt_num(6),
        inventory_days: r.opt_num(7),
    }
}

fn capacity_row(r: &mut Row<'_, '_>) -> CapacityRow {
    CapacityRow {
        site_id: r.req_str(0),
        part_id: r.opt_str(1),
        capacity_per_day: r.opt_num(2),
        inventory_units: r.opt_num(3),
    }
}

fn country(r: &mut Row<'_, '_>) -> Country {
    let country = r.req_str(0);
    Country {
        country,
        governance: r.opt_num(1),
        hazard: r.opt_num(2),
        p_event: r.opt_num(3),
        ttr_days: r.opt_num(4),
    }
}

fn signal(r: &mut Row<'_, '_>) -> Signal {
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
}

fn alternate(r: &mut Row<'_, '_>) -> Alternate {
    Alternate {
        part_id: r.req_str(0),
        alternate_part_id: r.req_str(1),
        qualification_days: r.opt_num(2),
    }
}
