//! The report page: one self-contained HTML5 file (inline CSS and SVG, no scripts, no
//! external resources) that reads in a browser and in print.
//!
//! Every number taken from a result table is written as an element carrying
//! `data-cell="table:row:column"` whose text is [`format_cell`] of that cell, so a reader (and
//! the tests) can trace it to the Parquet file.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use polars::prelude::*;

use super::{
    REVENUE_AT_RISK, ReportError, ReportOptions, ReportTable, Summary, charts, format_cell,
    format_number,
};
use crate::risk::Analysis;
use crate::risk::montecarlo::Simulation;

/// Escapes text for HTML content and attribute values.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root { --ink: #222a35; --muted: #5b6675; --rule: #dde1e6; --accent: #2f6db5; --danger: #c01c28; --bg: #f6f7f9; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); line-height: 1.45; }
body { margin: 0; background: var(--bg); }
header { background: #1d2b3a; color: #fff; padding: 1.6rem 2rem 1.2rem; }
header h1 { margin: 0 0 .3rem; font-size: 1.7rem; font-weight: 700; }
header p { margin: .15rem 0; color: #c9d3de; font-size: .92rem; }
header code { color: #fff; }
nav { background: #fff; border-bottom: 1px solid var(--rule); padding: .5rem 2rem; position: sticky; top: 0; z-index: 1; }
nav ol { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem 1.1rem; font-size: .9rem; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
main { max-width: 1180px; margin: 0 auto; padding: 1rem 2rem 3rem; }
section { background: #fff; border: 1px solid var(--rule); border-radius: 6px; padding: 1.1rem 1.5rem 1.3rem; margin: 1.2rem 0; }
h2 { font-size: 1.3rem; margin: 0 0 .6rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
p { margin: .4rem 0; }
.lead { color: var(--muted); font-size: .93rem; max-width: 62rem; }
.definition { border-left: 4px solid var(--accent); background: #f1f5fb; padding: .5rem .8rem; font-size: .9rem; max-width: 62rem; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(165px, 1fr)); gap: .6rem; margin: .9rem 0; }
.kpi { border: 1px solid var(--rule); border-radius: 6px; padding: .6rem .75rem; }
.kpi .label { display: block; font-size: .8rem; color: var(--muted); }
.kpi .value { display: block; overflow-wrap: anywhere; font-size: 1.2rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.kpi.alert .value { color: var(--danger); }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 0 1.5rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: .82rem; margin: .3rem 0 .5rem; }
th, td { padding: .22rem .55rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; white-space: nowrap; }
td.wrap { white-space: normal; min-width: 16rem; }
th { background: #eef1f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 700; border-top: 2px solid var(--ink); }
caption { caption-side: bottom; text-align: left; color: var(--muted); font-size: .78rem; padding-top: .2rem; }
figure { margin: .6rem 0 1rem; }
figcaption { color: var(--muted); font-size: .85rem; max-width: 62rem; }
svg.chart { max-width: 100%; height: auto; display: block; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .85em; }
.path { display: flex; flex-wrap: wrap; align-items: center; gap: .25rem; margin: .4rem 0 .3rem; padding: 0; list-style: none; font-size: .85rem; }
.path li { border: 1px solid var(--rule); border-radius: 4px; padding: .15rem .45rem; background: #fafbfc; }
.path li.hit { border-color: var(--danger); background: #fdf0f1; }
.path li + li::before { content: "→ "; color: var(--muted); }
.none { color: var(--muted); font-style: italic; }
.findings { margin: .6rem 0; padding-left: 1.2rem; max-width: 62rem; }
.findings li { margin: .25rem 0; }
footer { color: var(--muted); font-size: .8rem; text-align: center; padding: 0 2rem 2rem; }
@media print {
  @page { size: A4; margin: 12mm; }
  html { font-size: 9.5pt; }
  body { background: #fff; }
  header { background: none; color: var(--ink); padding: 0 0 .5rem; border-bottom: 2px solid var(--ink); }
  header p, header code { color: var(--ink); }
  nav { display: none; }
  main { max-width: none; padding: 0; }
  section { border: none; padding: 0; margin: 1rem 0; break-before: auto; }
  figure, table, .kpis, .path { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .table-wrap { overflow: visible; }
  th { background: #eee; }
  svg.chart { max-width: 100%; }
}
"#;

/// Column values of a report table.
struct View<'a> {
    tables: &'a [ReportTable],
}

impl<'a> View<'a> {
    fn table(&self, name: &str) -> Result<&'a ReportTable, ReportError> {
        self.tables
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| ReportError::Table {
                table: name.to_string(),
                message: "no such table".into(),
            })
    }

    fn value(&self, table: &str, row: usize, col: &str) -> Result<AnyValue<'a>, ReportError> {
        let t = self.table(table)?;
        t.frame
            .column(col)
            .and_then(|c| c.get(row))
            .map_err(|e| ReportError::Table {
                table: table.to_string(),
                message: e.to_string(),
            })
    }

    fn f64(&self, table: &str, row: usize, col: &str) -> Result<f64, ReportError> {
        Ok(match self.value(table, row, col)? {
            AnyValue::Float64(x) => x,
            AnyValue::UInt32(x) => x as f64,
            AnyValue::UInt64(x) => x as f64,
            AnyValue::Int64(x) => x as f64,
            AnyValue::Int32(x) => x as f64,
            _ => f64::NAN,
        })
    }

    fn text(&self, table: &str, row: usize, col: &str) -> Result<String, ReportError> {
        Ok(format_cell(&self.value(table, row, col)?))
    }

    fn height(&self, table: &str) -> Result<usize, ReportError> {
        Ok(self.table(table)?.frame.height())
    }

    /// A traceable number (or text) from a table, as an inline element.
    fn cell(&self, tag: &str, table: &str, row: usize, col: &str) -> Result<String, ReportError> {
        self.cell_class(tag, "", table, row, col)
    }

    fn cell_class(
        &self,
        tag: &str,
        class: &str,
        table: &str,
        row: usize,
        col: &str,
    ) -> Result<String, ReportError> {
        let class = if class.is_empty() {
            String::new()
        } else {
            format!(" class=\"{class}\"")
        };
        Ok(format!(
            "<{tag}{class} data-cell=\"{table}:{row}:{col}\">{}</{tag}>",
            escape(&self.text(table, row, col)?)
        ))
    }

    fn is_numeric(&self, table: &str, col: &str) -> Result<bool, ReportError> {
        let t = self.table(table)?;
        let dt = t
            .frame
            .column(col)
            .map_err(|e| ReportError::Table {
                table: table.to_string(),
                message: e.to_string(),
            })?
            .dtype()
            .clone();
        Ok(dt.is_primitive_numeric())
    }

    /// An HTML table of the given rows and columns of a report table.
    fn html_table(
        &self,
        table: &str,
        cols: &[&str],
        rows: &[usize],
        total_row: Option<usize>,
    ) -> Result<String, ReportError> {
        let t = self.table(table)?;
        let numeric: Vec<bool> = cols
            .iter()
            .map(|c| self.is_numeric(table, c))
            .collect::<Result<_, _>>()?;
        let mut s = String::new();
        let _ = write!(
            s,
            "<div class=\"table-wrap\"><table data-table=\"{table}\"><caption>{} shown; all {} rows in <code>{table}.parquet</code> / <code>{table}.csv</code></caption><thead><tr>",
            format_number(rows.len() as f64),
            format_number(t.frame.height() as f64),
        );
        for (c, &num) in cols.iter().zip(&numeric) {
            let _ = write!(
                s,
                "<th{}>{}</th>",
                if num { " class=\"num\"" } else { "" },
                escape(&c.replace('_', " "))
            );
        }
        s.push_str("</tr></thead><tbody>");
        for &r in rows {
            let total = total_row == Some(r);
            let _ = write!(s, "<tr{}>", if total { " class=\"total\"" } else { "" });
            for (c, &num) in cols.iter().zip(&numeric) {
                let class = if num {
                    " class=\"num\""
                } else if matches!(*c, "products" | "note") {
                    " class=\"wrap\""
                } else {
                    ""
                };
                let _ = write!(
                    s,
                    "<td{class} data-cell=\"{table}:{r}:{c}\">{}</td>",
                    escape(&self.text(table, r, c)?)
                );
            }
            s.push_str("</tr>");
        }
        s.push_str("</tbody></table></div>");
        Ok(s)
    }
}

/// Three sentences for a reader in a hurry, every number traceable to its table.
fn key_findings(v: &View<'_>) -> Result<String, ReportError> {
    let mut s = String::from("<ul class=\"findings\">");
    if v.height("exposure_site")? > 0 && v.f64("exposure_site", 0, "pi")? > 0.0 {
        let _ = write!(
            s,
            "<li>The largest single risk is site {} ({}, {}, tier {}): lost for its TTR of {} days it costs {}. {} of {} sites are exposed: their stock runs out before they recover.</li>",
            v.cell("code", "exposure_site", 0, "unit")?,
            v.cell("span", "exposure_site", 0, "company")?,
            v.cell("span", "exposure_site", 0, "country")?,
            v.cell("span", "exposure_site", 0, "tier")?,
            v.cell("span", "exposure_site", 0, "ttr_days")?,
            v.cell("strong", "exposure_site", 0, "pi")?,
            format_number(
                (0..v.height("exposure_site")?)
                    .filter(|&r| {
                        matches!(
                            v.value("exposure_site", r, "exposed"),
                            Ok(AnyValue::Boolean(true))
                        )
                    })
                    .count() as f64
            ),
            format_number(v.height("exposure_site")? as f64),
        );
    }
    if v.height("mc_summary")? > 1 && v.f64("mc_summary", 0, "expected_loss")? > 0.0 {
        let _ = write!(
            s,
            "<li>The most exposed product is {}: expected loss {}, P(short) {}, CVaR 99 % {}.</li>",
            v.cell("code", "mc_summary", 0, "product")?,
            v.cell("strong", "mc_summary", 0, "expected_loss")?,
            v.cell("span", "mc_summary", 0, "p_short")?,
            v.cell("span", "mc_summary", 0, "cvar99")?,
        );
    }
    let n = v.height("chokepoints")?;
    let hidden = (0..n).find(|&r| {
        matches!(
            v.value("chokepoints", r, "hidden"),
            Ok(AnyValue::Boolean(true))
        )
    });
    if let Some(r) = hidden {
        let _ = write!(
            s,
            "<li>Hidden Tier-2 concentration: site {} at tier {} stops {} products rows on its own, behind Tier-1 sourcing that looks diversified (two or more Tier-1 sellers; PI {}).</li>",
            v.cell("code", "chokepoints", r, "unit")?,
            v.cell("span", "chokepoints", r, "tier")?,
            v.cell("span", "chokepoints", r, "rows_zeroed")?,
            v.cell("span", "chokepoints", r, "pi")?,
        );
    } else if n > 0 {
        let _ = write!(
            s,
            "<li>The top chokepoint is the {} {}: it stops {} products rows on its own (PI {}).</li>",
            v.cell("span", "chokepoints", 0, "kind")?,
            v.cell("code", "chokepoints", 0, "unit")?,
            v.cell("span", "chokepoints", 0, "rows_zeroed")?,
            v.cell("span", "chokepoints", 0, "pi")?,
        );
    }
    s.push_str("</ul>\n");
    Ok(s)
}

fn first(n: usize, k: usize) -> Vec<usize> {
    (0..n.min(k)).collect()
}

fn none(text: &str) -> String {
    format!("<p class=\"none\">{}</p>", escape(text))
}

/// The whole page.
pub(super) fn page(
    a: &Analysis,
    o: &ReportOptions,
    summary: &Summary,
    tables: &[ReportTable],
    sim: &Simulation,
) -> Result<String, ReportError> {
    let v = View { tables };
    let top = o.list_top.max(1);
    let mut h = String::with_capacity(256 * 1024);
    let title = escape(&o.title);
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"tierwise {}\">\n<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>",
        escape(&summary.tierwise_version)
    );
    let source = if summary.source.is_empty() {
        "the given network".to_string()
    } else {
        summary.source.clone()
    };
    let n = &summary.network;
    let _ = writeln!(
        h,
        "<header>\n<h1>{title}</h1>\n<p>Data: {} · {} sites, {} companies, {} countries, {} supply edges, {} products rows, deepest tier {}</p>\n\
         <p>Policy <code>{}</code> (sha256 <code>{}</code>) · as of {} · Monte Carlo {} scenarios, seed {} · tierwise {}</p>\n</header>",
        escape(&source),
        format_number(n.sites as f64),
        format_number(n.companies as f64),
        format_number(n.countries as f64),
        format_number(n.supply_edges as f64),
        format_number(n.products_rows as f64),
        n.deepest_tier,
        escape(&summary.policy.version),
        escape(&summary.policy.sha256[..16.min(summary.policy.sha256.len())]),
        escape(&summary.as_of),
        format_number(summary.scenarios as f64),
        summary.seed,
        escape(&summary.tierwise_version),
    );
    let sections = [
        ("summary", "Executive summary"),
        ("exposure", "Exposure (REI Pareto)"),
        ("tts", "TTS vs TTR"),
        ("concentration", "Tier × country"),
        ("montecarlo", "Monte Carlo loss"),
        ("single-sources", "Single sources"),
        ("chokepoints", "Chokepoints"),
        ("paths", "Explaining paths"),
        ("stock", "Safety stock"),
        ("provenance", "Data and files"),
    ];
    h.push_str("<nav><ol>");
    for (i, (id, name)) in sections.iter().enumerate() {
        let _ = write!(
            h,
            "<li><a href=\"#{id}\">{}. {}</a></li>",
            i + 1,
            escape(name)
        );
    }
    h.push_str("</ol></nav>\n<main>\n");

    // 1. Executive summary.
    let headline = v.table("headline")?;
    let find = |prefix: &str| -> Option<usize> {
        (0..headline.frame.height()).find(|&r| {
            v.text("headline", r, "metric")
                .is_ok_and(|m| m.starts_with(prefix))
        })
    };
    h.push_str("<section id=\"summary\">\n<h2>1. Executive summary</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"definition\"><strong>Revenue at risk</strong>, as this report uses the term: {}</p>",
        escape(
            REVENUE_AT_RISK
                .strip_prefix("Revenue at risk is ")
                .unwrap_or(REVENUE_AT_RISK)
        )
    );
    h.push_str(&key_findings(&v)?);
    h.push_str("<div class=\"kpis\">");
    for (prefix, alert) in [
        ("Revenue at risk", true),
        ("Portfolio CVaR 99", true),
        ("Largest single-site loss", false),
        ("P(some products row short)", false),
        ("Sites exposed", false),
        ("Hidden Tier-2", false),
    ] {
        if let Some(r) = find(prefix) {
            let _ = write!(
                h,
                "<div class=\"kpi{}\"><span class=\"label\">{}</span>{}</div>",
                if alert { " alert" } else { "" },
                escape(&v.text("headline", r, "metric")?),
                v.cell_class("span", "value", "headline", r, "value")?
            );
        }
    }
    h.push_str("</div>\n");
    h.push_str(&v.html_table(
        "headline",
        &["metric", "value", "unit", "note"],
        &first(headline.frame.height(), usize::MAX),
        None,
    )?);
    let mc_rows = v.height("mc_summary")?;
    let products = mc_rows.saturating_sub(1);
    h.push_str("<h3>Most exposed products</h3>\n<p class=\"lead\">Products rows with the largest Monte Carlo expected loss.</p>");
    h.push_str(&v.html_table(
        "mc_summary",
        &["product", "expected_loss", "p_short", "var99", "cvar99"],
        &first(products, 5),
        None,
    )?);
    h.push_str("<h3>Top chokepoints</h3>\n<p class=\"lead\">Units whose loss alone stops a products row, by PI.</p>");
    let n_choke = v.height("chokepoints")?;
    if n_choke == 0 {
        h.push_str(&none("No single unit stops a products row on its own."));
    } else {
        h.push_str(&v.html_table(
            "chokepoints",
            &["kind", "unit", "tier", "hidden", "rows_zeroed", "pi"],
            &first(n_choke, 5),
            None,
        )?);
    }
    h.push_str("<h3>Hidden Tier-2 concentration (diamonds)</h3>\n");
    let hidden: Vec<usize> = (0..n_choke)
        .filter(|&r| {
            matches!(
                v.value("chokepoints", r, "hidden"),
                Ok(AnyValue::Boolean(true))
            )
        })
        .collect();
    h.push_str("<p class=\"lead\">Sites at tier 2 or deeper that stop a product although its Tier-1 sourcing looks diversified: two or more Tier-1 sellers all depend on them.</p>");
    if hidden.is_empty() {
        h.push_str(&none("No hidden Tier-2 chokepoint: no diamond found."));
    } else {
        h.push_str(&v.html_table(
            "chokepoints",
            &["unit", "tier", "rows_zeroed", "products", "pi"],
            &hidden[..hidden.len().min(5)],
            None,
        )?);
    }
    h.push_str("</section>\n");

    // 2. Exposure.
    let n_sites = v.height("exposure_site")?;
    let k = n_sites.min(30);
    let mut units = Vec::with_capacity(k);
    let mut rei = Vec::with_capacity(k);
    let mut cum = Vec::with_capacity(k);
    for r in 0..k {
        units.push(v.text("exposure_site", r, "unit")?);
        rei.push(v.f64("exposure_site", r, "rei")?);
        cum.push(v.f64("exposure_site", r, "cumulative_pi_share")?);
    }
    h.push_str("<section id=\"exposure\">\n<h2>2. Exposure: what each unit costs if lost (REI Pareto)</h2>\n");
    h.push_str("<p class=\"lead\">Each site is lost alone for its time to recover (TTR). PI is the loss of every products row it reaches (DESIGN 3.2); REI = PI / the largest PI. The line is the cumulative share of the total PI of all sites.</p>\n");
    let _ = writeln!(
        h,
        "<figure>{}<figcaption>The {} sites with the largest PI, of {}; bars from <code>exposure_site.parquet</code> (rei), line from its cumulative_pi_share.</figcaption></figure>",
        charts::pareto("chart-pareto", &units, &rei, &cum),
        format_number(k as f64),
        format_number(n_sites as f64)
    );
    // The concentration curve over every site, sampled at most about 400 times.
    let mut curve = Vec::new();
    if n_sites > 0 && v.f64("exposure_site", 0, "pi")? > 0.0 {
        curve.push((0.0, 0.0));
        let step = n_sites.div_ceil(400);
        let mut rows: Vec<usize> = (step - 1..n_sites).step_by(step).collect();
        if rows.last() != Some(&(n_sites - 1)) {
            rows.push(n_sites - 1);
        }
        for row in rows {
            curve.push((
                (row + 1) as f64 / n_sites as f64,
                v.f64("exposure_site", row, "cumulative_pi_share")?,
            ));
        }
    }
    let _ = writeln!(
        h,
        "<figure>{}<figcaption>Every site, ranked by PI: the share of the total PI that the top x % of sites hold (<code>exposure_site.parquet</code>, cumulative_pi_share).</figcaption></figure>",
        charts::pareto_curve("chart-pareto-curve", &curve, n_sites)
    );
    h.push_str(&v.html_table(
        "exposure_site",
        &[
            "rank",
            "unit",
            "company",
            "country",
            "tier",
            "p_fail",
            "ttr_days",
            "min_tts_days",
            "pi",
            "rei",
            "exposed",
        ],
        &first(n_sites, top),
        None,
    )?);
    h.push_str("<h3>Companies</h3>");
    h.push_str(&v.html_table(
        "exposure_company",
        &[
            "rank",
            "unit",
            "ttr_days",
            "min_tts_days",
            "pi",
            "rei",
            "exposed",
        ],
        &first(v.height("exposure_company")?, 10),
        None,
    )?);
    h.push_str("<h3>Countries</h3>");
    h.push_str(&v.html_table(
        "exposure_country",
        &[
            "rank",
            "unit",
            "ttr_days",
            "min_tts_days",
            "pi",
            "rei",
            "exposed",
        ],
        &first(v.height("exposure_country")?, 10),
        None,
    )?);
    if let Ok(t) = v.table("impact_worst_site") {
        let rows: Vec<usize> = (0..t.frame.height()).collect();
        let site = if rows.is_empty() {
            String::new()
        } else {
            v.cell("code", "impact_worst_site", 0, "disrupted_site")?
        };
        let _ = write!(
            h,
            "<h3>Products impact of the worst site</h3>\n<p class=\"lead\">Every products row when {site} is lost for its TTR (days).</p>"
        );
        h.push_str(&v.html_table(
            "impact_worst_site",
            &[
                "product",
                "demand_per_day",
                "value_per_unit",
                "availability",
                "tts_days",
                "days",
                "loss",
            ],
            &rows[..rows.len().min(top)],
            None,
        )?);
    }
    h.push_str("<h3>The exact stress test of the top sites</h3>\n");
    let n_stress = v.height("stress_top_sites")?;
    if n_stress == 0 {
        h.push_str(&none(
            "The linear programs run here only for networks of up to 50,000 nodes; run tierwise stress for this one.",
        ));
    } else {
        h.push_str("<p class=\"lead\">For the sites with the largest closed-form PI: the minimum value of lost sales over their TTR (pi) and the longest time without lost sales (tts) from the linear programs of Simchi-Levi et al., with capacity and stock everywhere (DESIGN 3.6), next to the closed form. Capacity limits can make the LP lose more; stock and spare capacity elsewhere can make it lose less.</p>");
        h.push_str(&v.html_table(
            "stress_top_sites",
            &[
                "unit",
                "ttr",
                "pi",
                "closed_form_pi",
                "tts",
                "closed_form_tts",
                "lost_units",
            ],
            &first(n_stress, n_stress),
            None,
        )?);
    }
    h.push_str("</section>\n");

    // 3. TTS vs TTR.
    let mut points = Vec::new();
    for r in 0..n_sites {
        if points.len() >= o.chart_points {
            break;
        }
        let tts = v.f64("exposure_site", r, "min_tts_days")?;
        if tts.is_finite() {
            let ttr = v.f64("exposure_site", r, "ttr_days")?;
            let exposed = matches!(
                v.value("exposure_site", r, "exposed")?,
                AnyValue::Boolean(true)
            );
            points.push((ttr, tts, exposed));
        }
    }
    let exposed = points.iter().filter(|p| p.2).count();
    h.push_str("<section id=\"tts\">\n<h2>3. Time to survive against time to recover</h2>\n");
    h.push_str("<p class=\"lead\">For each site that leaves some products row short when lost: its TTR against the shortest TTS of those rows (inventory along the fastest path plus finished goods). Points under the diagonal are exposed: stock runs out before the site is back.</p>\n");
    let _ = writeln!(
        h,
        "<figure>{}<figcaption>{} sites ({} exposed), the ones with the largest PI first, at most {}; from <code>exposure_site.parquet</code> (ttr_days, min_tts_days, exposed).</figcaption></figure>\n</section>",
        charts::tts_ttr("chart-tts-ttr", &points),
        format_number(points.len() as f64),
        format_number(exposed as f64),
        format_number(o.chart_points as f64),
    );

    // 4. Tier x country heat map.
    let tc = v.table("tier_country")?;
    let mut by_country: BTreeMap<String, f64> = BTreeMap::new();
    let mut cells: BTreeMap<(u32, String), f64> = BTreeMap::new();
    let mut tiers: Vec<u32> = Vec::new();
    for r in 0..tc.frame.height() {
        let tier = v.f64("tier_country", r, "tier")? as u32;
        let country = v.text("tier_country", r, "country")?;
        let share = v.f64("tier_country", r, "share")?;
        *by_country.entry(country.clone()).or_insert(0.0) += share;
        cells.insert((tier, country), share);
        if !tiers.contains(&tier) {
            tiers.push(tier);
        }
    }
    tiers.sort_unstable();
    let mut ranked: Vec<(String, f64)> = by_country.into_iter().collect();
    ranked.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    let max_cols = 14;
    let shown: Vec<String> = ranked.iter().take(max_cols).map(|x| x.0.clone()).collect();
    let mut columns = shown.clone();
    if ranked.len() > max_cols {
        columns.push("other".into());
    }
    let matrix: Vec<Vec<f64>> = tiers
        .iter()
        .map(|&t| {
            let mut row: Vec<f64> = shown
                .iter()
                .map(|c| cells.get(&(t, c.clone())).copied().unwrap_or(0.0))
                .collect();
            if ranked.len() > max_cols {
                let rest: f64 = cells
                    .iter()
                    .filter(|((tt, c), _)| *tt == t && !shown.contains(c))
                    .map(|(_, s)| *s)
                    .sum();
                row.push(rest);
            }
            row
        })
        .collect();
    h.push_str(
        "<section id=\"concentration\">\n<h2>4. Where the supply comes from: tier × country</h2>\n",
    );
    h.push_str("<p class=\"lead\">Each products row's daily demand exploded through shares and BOM quantities, weighted by unit cost, grouped by the supplying site's tier and country (DESIGN 3.5); each cell is the country's share of its tier. Tier 0 is the focal plants.</p>\n");
    let _ = writeln!(
        h,
        "<figure>{}<figcaption>{} with the largest shares over all tiers{}; from <code>tier_country.parquet</code>.</figcaption></figure>",
        charts::heatmap("chart-heatmap", &tiers, &columns, &matrix),
        if shown.len() == 1 {
            "The country".to_string()
        } else {
            format!("The {} countries", shown.len())
        },
        if ranked.len() > max_cols {
            ", the rest as other"
        } else {
            ""
        }
    );
    let hhi_rows: Vec<usize> = (0..v.height("hhi")?)
        .filter(|&r| v.f64("hhi", r, "tier").is_ok_and(|t| t >= 1.0))
        .take(10)
        .collect();
    h.push_str("<h3>Most concentrated supply (HHI, tier 1 and deeper)</h3>");
    if hhi_rows.is_empty() {
        h.push_str(&none("No supply at tier 1 or deeper."));
    } else {
        h.push_str(&v.html_table(
            "hhi",
            &["product", "tier", "hhi", "countries"],
            &hhi_rows,
            None,
        )?);
    }
    h.push_str("</section>\n");

    // 5. Monte Carlo.
    let ps = sim.portfolio_stats;
    let marks = [
        ("VaR 95 %", ps.var95),
        ("CVaR 95 %", ps.cvar95),
        ("VaR 99 %", ps.var99),
        ("CVaR 99 %", ps.cvar99),
    ];
    let losing = sim.losses.iter().filter(|&&l| l > 0.0).count();
    h.push_str("<section id=\"montecarlo\">\n<h2>5. Monte Carlo loss distribution</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"lead\">{} scenarios (seed {}); each draws every site failing with its p_fail and every country with its p_event, independently, from its own random stream (DESIGN 3.4). {} scenarios ({}) lose something; the histogram shows those, with VaR and CVaR of the whole distribution marked.</p>",
        format_number(sim.scenarios as f64),
        sim.seed,
        format_number(losing as f64),
        if sim.scenarios > 0 {
            format!(
                "{} %",
                format_number(losing as f64 / sim.scenarios as f64 * 100.0)
            )
        } else {
            "none".into()
        }
    );
    let _ = writeln!(
        h,
        "<figure>{}<figcaption>Portfolio loss per scenario from <code>mc_losses.parquet</code>; the marks are the portfolio row of <code>mc_summary.parquet</code>.</figcaption></figure>",
        charts::loss_histogram("chart-losses", &sim.losses, &marks)
    );
    let mut rows = first(products, top);
    rows.push(mc_rows.saturating_sub(1));
    h.push_str("<h3>Per product and portfolio</h3>");
    h.push_str(&v.html_table(
        "mc_summary",
        &[
            "product",
            "mean_availability",
            "p_short",
            "p_zero",
            "analytic_q",
            "gap_analytic_minus_mc",
            "expected_loss",
            "var95",
            "cvar95",
            "var99",
            "cvar99",
        ],
        &rows,
        Some(mc_rows.saturating_sub(1)),
    )?);
    h.push_str("<p class=\"lead\">gap = analytic q (independence assumed) − Monte Carlo P(A = 0): strongly negative where apparently independent sources share a hidden common dependency.</p>");
    h.push_str("<div class=\"cols\"><div>\n<h3>Sites by loss-weighted failure share</h3>");
    let n_mc_sites = v.height("mc_sites")?;
    if n_mc_sites == 0 {
        h.push_str(&none("No site failed in a scenario with a loss."));
    } else {
        h.push_str(&v.html_table(
            "mc_sites",
            &["site_id", "tier", "p_fail", "losing_failures", "loss_share"],
            &first(n_mc_sites, 10),
            None,
        )?);
    }
    h.push_str("</div><div>\n<h3>Countries by loss share</h3>");
    let n_mc_c = v.height("mc_countries")?;
    if n_mc_c == 0 {
        h.push_str(&none("No country-wide event in a scenario with a loss."));
    } else {
        h.push_str(&v.html_table(
            "mc_countries",
            &["country", "p_event", "losing_events", "loss_share"],
            &first(n_mc_c, 10),
            None,
        )?);
    }
    h.push_str("</div></div>\n</section>\n");

    // 6. Single sources.
    let n_ss = v.height("single_sources")?;
    h.push_str("<section id=\"single-sources\">\n<h2>6. Single sources</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"lead\">{} (buyer, part) supply groups have exactly one seller and no unmapped remainder that covers them; ranked by the seller's PI, with its failure probability.</p>",
        format_number(n_ss as f64)
    );
    if n_ss == 0 {
        h.push_str(&none("No single-source group."));
    } else {
        h.push_str(&v.html_table(
            "single_sources",
            &[
                "buyer",
                "part",
                "seller",
                "share",
                "remainder",
                "buyer_tier",
                "seller_p_fail",
                "seller_pi",
            ],
            &first(n_ss, top * 2),
            None,
        )?);
    }
    h.push_str("</section>\n");

    // 7. Chokepoints.
    h.push_str("<section id=\"chokepoints\">\n<h2>7. Chokepoints and Tier-1 dependants</h2>\n");
    h.push_str("<p class=\"lead\">A chokepoint is a site, company or country whose loss alone brings some products row to zero availability; it is hidden when it is a site at tier 2 or deeper and a row it stops has two or more Tier-1 sellers.</p>\n");
    if n_choke == 0 {
        h.push_str(&none("No chokepoint."));
    } else {
        h.push_str(&v.html_table(
            "chokepoints",
            &[
                "kind",
                "unit",
                "tier",
                "hidden",
                "rows_zeroed",
                "pi",
                "products",
            ],
            &first(n_choke, top),
            None,
        )?);
    }
    h.push_str("<h3>Deeper sites by Tier-1 dependants</h3>");
    let n_dep = v.height("tier1_dependants")?;
    if n_dep == 0 {
        h.push_str(&none("No site at tier 2 or deeper."));
    } else {
        h.push_str(&v.html_table(
            "tier1_dependants",
            &["site", "tier", "tier1_dependants"],
            &first(n_dep, 10),
            None,
        )?);
    }
    h.push_str("</section>\n");

    // 8. Explaining paths.
    h.push_str("<section id=\"paths\">\n<h2>8. Explaining paths of the top risks</h2>\n");
    h.push_str("<p class=\"lead\">For each site with the largest PI, the products row it hurts most, the path that sets that row's TTS (from the lost site down to the plant, with the stock held at each hop) and the path of binding availability (DESIGN 7).</p>\n");
    let n_paths = v.height("explain_paths")?;
    if n_paths == 0 {
        h.push_str(&none(
            "No site loses anything, so there is nothing to explain.",
        ));
    }
    let mut r = 0;
    while r < n_paths {
        let rank = v.text("explain_paths", r, "rank")?;
        let end = (r..n_paths)
            .find(|&x| v.text("explain_paths", x, "rank").is_ok_and(|k| k != rank))
            .unwrap_or(n_paths);
        let _ = writeln!(
            h,
            "<h3>{}. {} → {}</h3>\n<p>Availability {}, TTS {} days, loss {} when the site is lost for its TTR.</p>",
            escape(&rank),
            v.cell("code", "explain_paths", r, "unit")?,
            v.cell("code", "explain_paths", r, "product")?,
            v.cell("strong", "explain_paths", r, "row_availability")?,
            v.cell("strong", "explain_paths", r, "row_tts_days")?,
            v.cell("strong", "explain_paths", r, "row_loss")?,
        );
        for which in ["tts", "availability"] {
            let steps: Vec<usize> = (r..end)
                .filter(|&x| v.text("explain_paths", x, "path").is_ok_and(|p| p == which))
                .collect();
            if steps.is_empty() {
                continue;
            }
            let _ = write!(
                h,
                "<p class=\"lead\">{}</p><ol class=\"path\">",
                if which == "tts" {
                    "TTS path (days of stock on each hop):"
                } else {
                    "Availability path (binding supply at each node):"
                }
            );
            let last = steps.last().copied();
            for &x in &steps {
                let hit = matches!(
                    v.value("explain_paths", x, "disrupted")?,
                    AnyValue::Boolean(true)
                );
                let detail = if which == "tts" && Some(x) == last {
                    "the plant".to_string()
                } else if which == "tts" {
                    format!(
                        "{} d of stock at the next hop",
                        v.cell("span", "explain_paths", x, "inventory_days_next_hop")?
                    )
                } else {
                    format!(
                        "A = {}",
                        v.cell("span", "explain_paths", x, "availability")?
                    )
                };
                let _ = write!(
                    h,
                    "<li{}>{} · {} · tier {} · {}</li>",
                    if hit { " class=\"hit\"" } else { "" },
                    v.cell("code", "explain_paths", x, "site")?,
                    v.cell("span", "explain_paths", x, "part")?,
                    v.cell("span", "explain_paths", x, "tier")?,
                    detail
                );
            }
            h.push_str("</ol>\n");
        }
        r = end;
    }
    h.push_str("</section>\n");

    // 9. Safety stock.
    let n_stock = v.height("safety_stock")?;
    let gaps: Vec<usize> = (0..n_stock)
        .filter(|&x| v.f64("safety_stock", x, "gap_days").is_ok_and(|g| g > 0.0))
        .collect();
    h.push_str("<section id=\"stock\">\n<h2>9. Safety stock gaps</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"lead\">Risk-adjusted safety stock per supply edge, z · sqrt(L σd² + d² σL²) with the service level raised by the seller's p_fail (DESIGN 3.5), against the days the buyer holds: {} of {} edges hold less than the policy asks for; the largest gaps first.</p>",
        format_number(gaps.len() as f64),
        format_number(n_stock as f64)
    );
    if gaps.is_empty() {
        h.push_str(&none(
            "Every edge holds at least the risk-adjusted safety stock.",
        ));
    } else {
        h.push_str(&v.html_table(
            "safety_stock",
            &[
                "buyer",
                "part",
                "seller",
                "daily_use",
                "seller_p_fail",
                "service_level",
                "safety_stock_days",
                "current_days",
                "gap_days",
            ],
            &gaps[..gaps.len().min(top)],
            None,
        )?);
    }
    h.push_str("</section>\n");

    // 10. Provenance.
    h.push_str("<section id=\"provenance\">\n<h2>10. Data, policy and files</h2>\n");
    let _ = writeln!(
        h,
        "<p>Source: {}. Policy <code>{}</code>, sha256 <code>{}</code>. As of {}. tierwise {}. Network: {} parts, {} (site, part) nodes.</p>",
        escape(&source),
        escape(&summary.policy.version),
        escape(&summary.policy.sha256),
        escape(&summary.as_of),
        escape(&summary.tierwise_version),
        format_number(n.parts as f64),
        format_number(n.nodes as f64),
    );
    h.push_str("<h3>Input files</h3>");
    if summary.inputs.is_empty() {
        h.push_str(&none("The input files were not recorded."));
    } else {
        h.push_str("<div class=\"table-wrap\"><table><thead><tr><th>file</th><th>sha256</th></tr></thead><tbody>");
        for f in &summary.inputs {
            let _ = write!(
                h,
                "<tr><td><code>{}</code></td><td><code>{}</code></td></tr>",
                escape(&f.path),
                escape(&f.sha256)
            );
        }
        h.push_str("</tbody></table></div>");
    }
    h.push_str("<h3>Result tables</h3><p class=\"lead\">Each is written next to this page as Parquet and CSV; <code>summary.json</code> holds the hashes, policy, seed and the time of each step.</p>");
    h.push_str("<div class=\"table-wrap\"><table><thead><tr><th>table</th><th>title</th><th class=\"num\">rows</th><th>what a row is</th></tr></thead><tbody>");
    for t in tables {
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            t.name,
            escape(t.title),
            format_number(t.frame.height() as f64),
            escape(t.description)
        );
    }
    h.push_str("</tbody></table></div>\n</section>\n</main>\n");
    let _ = writeln!(
        h,
        "<footer>Made by tierwise {} from {} under policy {}. {} sites analysed.</footer>\n</body>\n</html>",
        escape(&summary.tierwise_version),
        escape(&source),
        escape(&summary.policy.version),
        format_number(a.network().sites().len() as f64)
    );
    Ok(h)
}
