//! Writing result tables in the formats of `--format`.

use std::fs::File;
use std::io::{BufWriter, Write};

use polars::prelude::*;
use tierwise::network::Network;

use crate::{Failure, Format, NetworkView, OutArgs, fail};

fn sink(out: &OutArgs) -> Result<Box<dyn Write>, Failure> {
    Ok(match &out.output {
        Some(p) => Box::new(BufWriter::new(File::create(p).map_err(|e| {
            fail(1, format!("error: cannot write {}: {e}", p.display()))
        })?)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    })
}

fn json_value(v: AnyValue<'_>) -> serde_json::Value {
    use serde_json::Value;
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(b),
        AnyValue::String(s) => Value::String(s.to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Float64(x) => serde_json::Number::from_f64(x)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(x.to_string())),
        AnyValue::Float32(x) => serde_json::Number::from_f64(x as f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(x.to_string())),
        AnyValue::Int64(x) => Value::from(x),
        AnyValue::Int32(x) => Value::from(x),
        AnyValue::UInt64(x) => Value::from(x),
        AnyValue::UInt32(x) => Value::from(x),
        other => Value::String(other.to_string()),
    }
}

/// Writes a table to standard output or `--output` in the chosen format.
pub fn write_frame(df: &mut DataFrame, out: &OutArgs) -> Result<(), Failure> {
    match out.format {
        Format::Table => {
            let mut w = sink(out)?;
            writeln!(w, "{df}").map_err(|e| fail(1, format!("error: {e}")))?;
            w.flush().map_err(|e| fail(1, format!("error: {e}")))?;
        }
        Format::Csv => {
            let mut w = sink(out)?;
            CsvWriter::new(&mut w).finish(df)?;
            w.flush().map_err(|e| fail(1, format!("error: {e}")))?;
        }
        Format::Json => {
            let names: Vec<String> = df
                .get_column_names()
                .iter()
                .map(|s| s.to_string())
                .collect();
            let mut rows = Vec::with_capacity(df.height());
            for i in 0..df.height() {
                let mut obj = serde_json::Map::new();
                for (c, name) in df.columns().iter().zip(&names) {
                    obj.insert(name.clone(), json_value(c.get(i)?));
                }
                rows.push(serde_json::Value::Object(obj));
            }
            let mut w = sink(out)?;
            serde_json::to_writer_pretty(&mut w, &rows)
                .map_err(|e| fail(1, format!("error: {e}")))?;
            writeln!(w).map_err(|e| fail(1, format!("error: {e}")))?;
            w.flush().map_err(|e| fail(1, format!("error: {e}")))?;
        }
        Format::Parquet => {
            let Some(p) = &out.output else {
                return Err(fail(2, "error: --format parquet needs --output FILE"));
            };
            let f = File::create(p)
                .map_err(|e| fail(1, format!("error: cannot write {}: {e}", p.display())))?;
            ParquetWriter::new(f).finish(df)?;
        }
    }
    Ok(())
}

fn s(name: &str, v: Vec<String>) -> Column {
    Column::new(name.into(), v)
}

/// The network as a table, one view at a time.
pub fn network_view(net: &Network, show: NetworkView) -> DataFrame {
    let sites = net.sites();
    let parts = net.parts();
    let cols: Vec<Column> = match show {
        NetworkView::Summary => {
            let pass = net.nodes().iter().filter(|n| n.pass_through).count();
            let rem = net.groups().iter().filter(|g| g.remainder > 0.0).count();
            let tiered = net.site_tiers().iter().flatten().count();
            let items: Vec<(&str, String)> = vec![
                ("sites", sites.len().to_string()),
                ("sites with a tier", tiered.to_string()),
                ("deepest tier", net.max_tier().to_string()),
                ("companies", net.companies().len().to_string()),
                ("countries", net.countries().len().to_string()),
                ("parts", parts.len().to_string()),
                ("nodes (site, part)", net.nodes().len().to_string()),
                ("pass-through nodes", pass.to_string()),
                (
                    "supply groups (buyer, part)",
                    net.groups().len().to_string(),
                ),
                ("groups with an unmapped remainder", rem.to_string()),
                ("supply edges", net.edges().len().to_string()),
                ("products rows", net.products().len().to_string()),
                ("unmapped depth", net.unmapped().len().to_string()),
                (
                    "levels (topological)",
                    (net.nodes()
                        .iter()
                        .map(|n| n.level)
                        .max()
                        .map_or(0, |l| l + 1))
                    .to_string(),
                ),
            ];
            vec![
                s("item", items.iter().map(|(k, _)| k.to_string()).collect()),
                s("value", items.iter().map(|(_, v)| v.clone()).collect()),
            ]
        }
        NetworkView::Nodes => {
            let n = net.nodes();
            vec![
                Column::new("node".into(), (0..n.len() as u32).collect::<Vec<_>>()),
                s(
                    "site",
                    n.iter()
                        .map(|x| sites[x.site as usize].site_id.clone())
                        .collect(),
                ),
                s(
                    "part",
                    n.iter()
                        .map(|x| parts[x.part as usize].part_id.clone())
                        .collect(),
                ),
                Column::new(
                    "tier".into(),
                    n.iter().map(|x| net.site_tier(x.site)).collect::<Vec<_>>(),
                ),
                Column::new(
                    "level".into(),
                    n.iter().map(|x| x.level).collect::<Vec<_>>(),
                ),
                Column::new(
                    "pass_through".into(),
                    n.iter().map(|x| x.pass_through).collect::<Vec<_>>(),
                ),
                Column::new(
                    "inputs".into(),
                    (0..n.len() as u32)
                        .map(|i| net.node_inputs(i).len() as u32)
                        .collect::<Vec<_>>(),
                ),
            ]
        }
        NetworkView::Edges => {
            let e = net.edges();
            let g = net.groups();
            vec![
                s(
                    "buyer",
                    e.iter()
                        .map(|x| sites[g[x.group as usize].buyer as usize].site_id.clone())
                        .collect(),
                ),
                s(
                    "part",
                    e.iter()
                        .map(|x| parts[g[x.group as usize].part as usize].part_id.clone())
                        .collect(),
                ),
                s(
                    "seller",
                    e.iter()
                        .map(|x| {
                            sites[net.nodes()[x.seller as usize].site as usize]
                                .site_id
                                .clone()
                        })
                        .collect(),
                ),
                Column::new(
                    "share".into(),
                    e.iter().map(|x| x.share).collect::<Vec<_>>(),
                ),
                Column::new("cap".into(), e.iter().map(|x| x.cap).collect::<Vec<_>>()),
                Column::new(
                    "remainder".into(),
                    e.iter()
                        .map(|x| g[x.group as usize].remainder)
                        .collect::<Vec<_>>(),
                ),
                Column::new(
                    "inventory_days".into(),
                    e.iter()
                        .map(|x| g[x.group as usize].inventory_days)
                        .collect::<Vec<_>>(),
                ),
            ]
        }
        NetworkView::Products => {
            let p = net.products();
            let nodes = net.nodes();
            vec![
                s(
                    "part_id",
                    p.iter()
                        .map(|x| parts[nodes[x.node as usize].part as usize].part_id.clone())
                        .collect(),
                ),
                s(
                    "site_id",
                    p.iter()
                        .map(|x| sites[nodes[x.node as usize].site as usize].site_id.clone())
                        .collect(),
                ),
                Column::new(
                    "demand_per_day".into(),
                    p.iter().map(|x| x.demand_per_day).collect::<Vec<_>>(),
                ),
                Column::new(
                    "value_per_unit".into(),
                    p.iter().map(|x| x.value()).collect::<Vec<_>>(),
                ),
                Column::new(
                    "fg_inventory_days".into(),
                    p.iter().map(|x| x.fg_inventory_days).collect::<Vec<_>>(),
                ),
            ]
        }
        NetworkView::Tiers => vec![
            s("site_id", sites.iter().map(|x| x.site_id.clone()).collect()),
            s("company", sites.iter().map(|x| x.company.clone()).collect()),
            s("country", sites.iter().map(|x| x.country.clone()).collect()),
            Column::new("tier".into(), net.site_tiers().to_vec()),
        ],
        NetworkView::Unmapped => {
            let u = net.unmapped();
            vec![
                s("site", u.iter().map(|x| x.site.clone()).collect()),
                s("part", u.iter().map(|x| x.part.clone()).collect()),
                s("missing_child", u.iter().map(|x| x.child.clone()).collect()),
            ]
        }
    };
    DataFrame::new_infer_height(cols).expect("columns of one view have equal lengths")
}
