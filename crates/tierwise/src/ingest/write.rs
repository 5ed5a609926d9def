//! Writing [`Tables`] back out as CSV files: what the generator, the Willems converter and the
//! CLI emit. Byte-for-byte deterministic: rows in the order given, floats in Rust's shortest
//! round-trip form, missing values as empty fields.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::model::Tables;

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

fn create(dir: &Path, name: &str) -> std::io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(
        1 << 20,
        File::create(dir.join(format!("{name}.csv")))?,
    ))
}

/// Writes every table of `tables` as `DIR/{table}.csv`. Optional tables that are empty are not
/// written. Creates `dir` if needed.
pub fn write_tables_csv(tables: &Tables, dir: &Path) -> std::io::Result<()> {
    use Field::*;
    std::fs::create_dir_all(dir)?;
    let mut w = create(dir, "sites")?;
    write_csv(
        &mut w,
        &[
            "site_id",
            "company",
            "country",
            "ttr_days",
            "financial_score",
            "on_time_rate",
            "quality_ppm",
            "capacity_utilization",
            "p_fail_override",
        ],
        &tables.sites,
        |s| {
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
        },
    )?;
    w.flush()?;
    let mut w = create(dir, "parts")?;
    write_csv(
        &mut w,
        &["part_id", "kind", "name", "unit_cost"],
        &tables.parts,
        |p| {
            vec![
                Str(&p.part_id),
                Str(p.kind.as_str()),
                OptStr(p.name.as_deref()),
                OptNum(p.unit_cost),
            ]
        },
    )?;
    w.flush()?;
    let mut w = create(dir, "products")?;
    write_csv(
        &mut w,
        &[
            "part_id",
            "site_id",
            "demand_per_day",
            "revenue_per_unit",
            "margin_per_unit",
            "fg_inventory_days",
        ],
        &tables.products,
        |p| {
            vec![
                Str(&p.part_id),
                Str(&p.site_id),
                Num(p.demand_per_day),
                Num(p.revenue_per_unit),
                OptNum(p.margin_per_unit),
                OptNum(p.fg_inventory_days),
            ]
        },
    )?;
    w.flush()?;
    let mut w = create(dir, "bom")?;
    write_csv(
        &mut w,
        &["parent_part", "child_part", "qty"],
        &tables.bom,
        |b| vec![Str(&b.parent_part), Str(&b.child_part), Num(b.qty)],
    )?;
    w.flush()?;
    let mut w = create(dir, "supply")?;
    write_csv(
        &mut w,
        &[
            "buyer_site",
            "part_id",
            "seller_site",
            "share",
            "max_share",
            "lead_time_days",
            "lead_time_sd_days",
            "inventory_days",
        ],
        &tables.supply,
        |s| {
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
        },
    )?;
    w.flush()?;
    if !tables.capacity.is_empty() {
        let mut w = create(dir, "capacity")?;
        write_csv(
            &mut w,
            &["site_id", "part_id", "capacity_per_day", "inventory_units"],
            &tables.capacity,
            |c| {
                vec![
                    Str(&c.site_id),
                    OptStr(c.part_id.as_deref()),
                    OptNum(c.capacity_per_day),
                    OptNum(c.inventory_units),
                ]
            },
        )?;
        w.flush()?;
    }
    if !tables.countries.is_empty() {
        let mut w = create(dir, "countries")?;
        write_csv(
            &mut w,
            &["country", "governance", "hazard", "p_event", "ttr_days"],
            &tables.countries,
            |c| {
                vec![
                    Str(&c.country),
                    OptNum(c.governance),
                    OptNum(c.hazard),
                    OptNum(c.p_event),
                    OptNum(c.ttr_days),
                ]
            },
        )?;
        w.flush()?;
    }
    if !tables.signals.is_empty() {
        let mut w = create(dir, "signals")?;
        write_csv(
            &mut w,
            &[
                "subject_kind",
                "subject_id",
                "factor",
                "value",
                "observed_at",
                "source",
            ],
            &tables.signals,
            |s| {
                vec![
                    Str(s.subject_kind.as_str()),
                    Str(&s.subject_id),
                    Str(&s.factor),
                    Num(s.value),
                    Str(&s.observed_at),
                    OptStr(s.source.as_deref()),
                ]
            },
        )?;
        w.flush()?;
    }
    if !tables.alternates.is_empty() {
        let mut w = create(dir, "alternates")?;
        write_csv(
            &mut w,
            &["part_id", "alternate_part_id", "qualification_days"],
            &tables.alternates,
            |a| {
                vec![
                    Str(&a.part_id),
                    Str(&a.alternate_part_id),
                    OptNum(a.qualification_days),
                ]
            },
        )?;
        w.flush()?;
    }
    Ok(())
}
