//! The report page: one self-contained HTML5 file (inline CSS and SVG, no scripts, no
//! external resources) that reads in a browser and in print.
//!
//! Every number taken from a result table is written as an element carrying
//! `data-cell="table:row:column"` whose text is [`format_cell`] of that cell, so a reader (and
//! the tests) can trace it to the Parquet file.
//!
//! [`format_cell`]: super::format_cell

mod sections;
mod view;

use std::fmt::Write as _;

pub(super) use view::escape;

use super::{ReportError, ReportOptions, ReportTable, Summary, format_number};
use crate::risk::Analysis;
use crate::risk::montecarlo::Simulation;
use view::View;

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

/// What every section reads.
struct Page<'a> {
    v: View<'a>,
    o: &'a ReportOptions,
    summary: &'a Summary,
    sim: &'a Simulation,
    /// Rows of each ranked list shown (at least one).
    top: usize,
    /// Where the data came from, in words.
    source: String,
}

/// One section of the page: its anchor, its name in the navigation, its heading and what
/// writes its body.
struct Section {
    id: &'static str,
    nav: &'static str,
    heading: &'static str,
    body: fn(&Page<'_>, &mut String) -> Result<(), ReportError>,
}

/// The sections, in the order of the page; each is numbered by its place.
const SECTIONS: [Section; 11] = [
    Section {
        id: "summary",
        nav: "Executive summary",
        heading: "Executive summary",
        body: sections::executive_summary,
    },
    Section {
        id: "exposure",
        nav: "Exposure (REI Pareto)",
        heading: "Exposure: what each unit costs if lost (REI Pareto)",
        body: sections::exposure,
    },
    Section {
        id: "tts",
        nav: "TTS vs TTR",
        heading: "Time to survive against time to recover",
        body: sections::tts_vs_ttr,
    },
    Section {
        id: "concentration",
        nav: "Tier × country",
        heading: "Where the supply comes from: tier × country",
        body: sections::tier_country,
    },
    Section {
        id: "montecarlo",
        nav: "Monte Carlo loss",
        heading: "Monte Carlo loss distribution",
        body: sections::monte_carlo,
    },
    Section {
        id: "single-sources",
        nav: "Single sources",
        heading: "Single sources",
        body: sections::single_sources,
    },
    Section {
        id: "chokepoints",
        nav: "Chokepoints",
        heading: "Chokepoints and Tier-1 dependants",
        body: sections::chokepoints,
    },
    Section {
        id: "paths",
        nav: "Explaining paths",
        heading: "Explaining paths of the top risks",
        body: sections::explaining_paths,
    },
    Section {
        id: "stock",
        nav: "Safety stock",
        heading: "Safety stock gaps",
        body: sections::safety_stock,
    },
    Section {
        id: "what-to-do",
        nav: "What to do",
        heading: "What to do: mitigation proposals and a portfolio",
        body: sections::what_to_do,
    },
    Section {
        id: "provenance",
        nav: "Data and files",
        heading: "Data, policy and files",
        body: sections::provenance,
    },
];

/// The whole page: head, header, navigation, the numbered sections and the footer.
pub(super) fn page(
    a: &Analysis,
    o: &ReportOptions,
    summary: &Summary,
    tables: &[ReportTable],
    sim: &Simulation,
) -> Result<String, ReportError> {
    let p = Page {
        v: View { tables },
        o,
        summary,
        sim,
        top: o.list_top.max(1),
        source: if summary.source.is_empty() {
            "the given network".to_string()
        } else {
            summary.source.clone()
        },
    };
    let mut h = String::with_capacity(256 * 1024);
    head_and_header(&p, &mut h);
    h.push_str("<nav><ol>");
    for (i, s) in SECTIONS.iter().enumerate() {
        let _ = write!(
            h,
            "<li><a href=\"#{}\">{}. {}</a></li>",
            s.id,
            i + 1,
            escape(s.nav)
        );
    }
    h.push_str("</ol></nav>\n<main>\n");
    for (i, s) in SECTIONS.iter().enumerate() {
        let _ = write!(
            h,
            "<section id=\"{}\">\n<h2>{}. {}</h2>\n",
            s.id,
            i + 1,
            s.heading
        );
        (s.body)(&p, &mut h)?;
        h.push_str("</section>\n");
    }
    h.push_str("</main>\n");
    let _ = writeln!(
        h,
        "<footer>Made by tierwise {} from {} under policy {}. {} sites analysed.</footer>\n</body>\n</html>",
        escape(&summary.tierwise_version),
        escape(&p.source),
        escape(&summary.policy.version),
        format_number(a.network().sites().len() as f64)
    );
    Ok(h)
}

/// The document head with the style sheet, and the page header: what ran on what.
fn head_and_header(p: &Page<'_>, h: &mut String) {
    let summary = p.summary;
    let title = escape(&p.o.title);
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"tierwise {}\">\n<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>",
        escape(&summary.tierwise_version)
    );
    let n = &summary.network;
    let _ = writeln!(
        h,
        "<header>\n<h1>{title}</h1>\n<p>Data: {} · {} sites, {} companies, {} countries, {} supply edges, {} products rows, deepest tier {}</p>\n\
         <p>Policy <code>{}</code> (sha256 <code>{}</code>) · as of {} · Monte Carlo {} scenarios, seed {} · tierwise {}</p>\n</header>",
        escape(&p.source),
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
}
