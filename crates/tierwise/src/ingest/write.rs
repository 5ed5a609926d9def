//! Writing [`Tables`] back out as CSV files: what the generator, the Willems converter and the
//! CLI emit. Byte-for-byte deterministic: rows in the order given, floats in Rust's shortest
//! round-trip form, missing values as empty fields.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::columns::*;
use crate::model::*;
use Field::{Num, OptNum, OptStr, Str};

/// One CSV field.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Field<'a> {
    Str(&'a str),
    OptStr(Option<&'a str>),
    Num(f64),
    OptNum(Option<f64>),
}

fn write_field<W: Write>(w: &mut W, f: Field<'_>) -> std::io::Result<()> {
    match f {
        Field::Str(s) | Field::OptStr(Some(s)) => {
            if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
                write!(w, "\"{}\"", s.replace('"', "\"\""))
            } else {
                w.write_all(s.as_bytes())
            }
        }
        Field::Num(x) | Field::OptNum(Some(x)) => write!(w, "{x}"),
        Field::OptStr(None) | Field::OptNum(None) => Ok(()),
    }
}

pub(crate) fn write_csv<'r, T: 'r, W: Write>(
    w: &mut W,
    header: &[&str],
    rows: impl IntoIterator<Item = &'r T>,
    fields: impl Fn(&'r T) -> Vec<Field<'r>>,
) -> std::io::Result<()> {
    writeln!(w, "{}", header.join(","))?;
    for row in rows {
        for (i, f) in fields(row).into_iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            write_field(w, f)?;
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes every table of `tables` as `DIR/{table}.csv`. Optional tables that are empty are not
/// written. Creates `dir` if needed.
pub fn write_tables_csv(tables: &Tables, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    write_table(dir, "sites", SITES, &tables.sites, site)?;
    write_table(dir, "parts", PARTS, &tables.parts, part)?;
    write_table(dir, "products", PRODUCTS, &tables.products, product)?;
    write_table(dir, "bom", BOM, &tables.bom, bom_line)?;
    write_table(dir, "supply", SUPPLY, &tables.supply, supply_row)?;
    if !tables.capacity.is_empty() {
        write_table(dir, "capacity", CAPACITY, &tables.capacity, capacity_row)?;
    }
    if !tables.countries.is_empty() {
        write_table(dir, "countries", COUNTRIES, &tables.countries, country)?;
    }
    if !tables.signals.is_empty() {
        write_table(dir, "signals", SIGNALS, &tables.signals, signal)?;
    }
    if !tables.alternates.is_empty() {
        write_table(dir, "alternates", ALTERNATES, &tables.alternates, alternate)?;
    }
    Ok(())
}

/// Writes `DIR/{name}.csv`: the header `columns`, then one line of `fields` per row.
fn write_table<'r, T>(
    dir: &Path,
    name: &str,
    columns: &[&str],
    rows: &'r [T],
    fields: impl Fn(&'r T) -> Vec<Field<'r>>,
) -> std::io::Result<()> {
    let file = File::create(dir.join(format!("{name}.csv")))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    write_csv(&mut w, columns, rows, fields)?;
    w.flush()
}

fn site(s: &Site) -> Vec<Field<'_>> {
    vec![
        Str(&s.site_id),
        Str(&s.company),
        Str(&s.country),
        OptNum(s.ttr_days),
        OptNum(s.financial_score),
        OptNum(s.on_time_rate),
        OptNum(s.quality_ppm),
        OptNum(s.capacity_utilization),
        OptNum(s.p_fail_override),
    ]
}

fn part(p: &Part) -> Vec<Field<'_>> {
    vec![
        Str(&p.part_id),
        Str(p.kind.as_str()),
        OptStr(p.name.as_deref()),
        OptNum(p.unit_cost),
    ]
}

fn product(p: &ProductRow) -> Vec<Field<'_>> {
    vec![
        Str(&p.part_id),
        Str(&p.site_id),
        Num(p.demand_per_day),
        Num(p.revenue_per_unit),
        OptNum(p.margin_per_unit),
        OptNum(p.fg_inventory_days),
    ]
}

fn bom_line(b: &BomLine) -> Vec<Field<'_>> {
    vec![Str(&b.parent_part), Str(&b.child_part), Num(b.qty)]
}

fn supply_row(s: &SupplyRow) -> Vec<Field<'_>> {
    vec![
        Str(&s.buyer_site),
        Str(&s.part_id),
        Str(&s.seller_site),
        Num(s.share),
        OptNum(s.max_share),
        OptNum(s.lead_time_days),
        OptNum(s.lead_time_sd_days),
        OptNum(s.inventory_days),
    ]
}

fn capacity_row(c: &CapacityRow) -> Vec<Field<'_>> {
    vec![
        Str(&c.site_id),
        OptStr(c.part_id.as_deref()),
        OptNum(c.capacity_per_day),
        OptNum(c.inventory_units),
    ]
}

fn country(c: &Country) -> Vec<Field<'_>> {
    vec![
        Str(&c.country),
        OptNum(c.governance),
        OptNum(c.hazard),
        OptNum(c.p_event),
        OptNum(c.ttr_days),
    ]
}

fn signal(s: &Signal) -> Vec<Field<'_>> {
    vec![
        Str(s.subject_kind.as_str()),
        Str(&s.subject_id),
        Str(&s.factor),
        Num(s.value),
        Str(&s.observed_at),
        OptStr(s.source.as_deref()),
    ]
}

fn alternate(a: &Alternate) -> Vec<Field<'_>> {
    vec![
        Str(&a.part_id),
        Str(&a.alternate_part_id),
        OptNum(a.qualification_days),
    ]
}
