//! The report's sections, one function each, in the order of the page. Each writes what
//! stands between its heading and the end of its `<section>` (the page writes those).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Page;
use super::view::{View, escape, first, none, plain_table};
use crate::report::{REVENUE_AT_RISK, ReportError, charts, format_number};

type Written = Result<(), ReportError>;

/// The columns shown of `exposure_company` and `exposure_country`.
const UNIT_EXPOSURE: [&str; 7] = [
    "rank",
    "unit",
    "ttr_days",
    "min_tts_days",
    "pi",
    "rei",
    "exposed",
];

/// Section 1: the definition of revenue at risk, the key findings, the headline figures and the
/// shortest lists of what to look at first.
pub(super) fn executive_summary(p: &Page<'_>, h: &mut String) -> Written {
    let v = &p.v;
    let _ = writeln!(
        h,
        "<p class=\"definition\"><strong>Revenue at risk</strong>, as this report uses the term: {}</p>",
        escape(
            REVENUE_AT_RISK
                .strip_prefix("Revenue at risk is ")
                .unwrap_or(REVENUE_AT_RISK)
        )
    );
    h.push_str(&key_findings(v)?);
    kpis(v, h)?;
    h.push_str(&v.html_table(
        "headline",
        &["metric", "value", "unit", "note"],
        &first(v.height("headline")?, usize::MAX),
        None,
    )?);
    first_looks(v, h)
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
            format_number(v.rows_where("exposure_site", "exposed")?.len() as f64),
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
    if let Some(&r) = v.rows_where("chokepoints", "hidden")?.first() {
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

/// The headline figures a reader sees first, as tiles; the loss figures marked.
fn kpis(v: &View<'_>, h: &mut String) -> Written {
    let n = v.height("headline")?;
    let find = |prefix: &str| -> Option<usize> {
        (0..n).find(|&r| {
            v.text("headline", r, "metric")
                .is_ok_and(|m| m.starts_with(prefix))
        })
    };
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
    Ok(())
}

/// The few products, chokepoints and diamonds to look at first.
fn first_looks(v: &View<'_>, h: &mut String) -> Written {
    let products = v.height("mc_summary")?.saturating_sub(1);
    h.push_str("<h3>Most exposed products</h3>\n<p class=\"lead\">Products rows with the largest Monte Carlo expected loss.</p>");
    h.push_str(&v.html_table(
        "mc_summary",
        &["product", "expected_loss", "p_short", "var99", "cvar99"],
        &first(products, 5),
        None,
    )?);
    h.push_str("<h3>Top chokepoints</h3>\n<p class=\"lead\">Units whose loss alone stops a products row, by PI.</p>");
    h.push_str(&v.table_or_none(
        "chokepoints",
        &["kind", "unit", "tier", "hidden", "rows_zeroed", "pi"],
        &first(v.height("chokepoints")?, 5),
        "No single unit stops a products row on its own.",
    )?);
    h.push_str("<h3>Hidden Tier-2 concentration (diamonds)</h3>\n");
    let hidden = v.rows_where("chokepoints", "hidden")?;
    h.push_str("<p class=\"lead\">Sites at tier 2 or deeper that stop a product although its Tier-1 sourcing looks diversified: two or more Tier-1 sellers all depend on them.</p>");
    h.push_str(&v.table_or_none(
        "chokepoints",
        &["unit", "tier", "rows_zeroed", "products", "pi"],
        &hidden[..hidden.len().min(5)],
        "No hidden Tier-2 chokepoint: no diamond found.",
    )?);
    Ok(())
}

/// Section 2: what each unit costs if lost: the REI Pareto, the concentration curve, the ranked
/// units, the products impact of the worst site and the exact stress test.
pub(super) fn exposure(p: &Page<'_>, h: &mut String) -> Written {
    let v = &p.v;
    let n_sites = v.height("exposure_site")?;
    h.push_str("<p class=\"lead\">Each site is lost alone for its time to recover (TTR). PI is the loss of every products row it reaches; REI = PI / the largest PI. The line is the cumulative share of the total PI of all sites.</p>\n");
    pareto_figure(v, h, n_sites)?;
    concentration_curve(v, h, n_sites)?;
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
        &first(n_sites, p.top),
        None,
    )?);
    for (name, table) in [
        ("Companies", "exposure_company"),
        ("Countries", "exposure_country"),
    ] {
        let _ = write!(h, "<h3>{name}</h3>");
        h.push_str(&v.html_table(table, &UNIT_EXPOSURE, &first(v.height(table)?, 10), None)?);
    }
    worst_site_impact(p, h)?;
    stress_top_sites(v, h)
}

/// The REI bars and cumulative PI share of the (at most 30) sites with the largest PI.
fn pareto_figure(v: &View<'_>, h: &mut String, n_sites: usize) -> Written {
    let k = n_sites.min(30);
    let mut units = Vec::with_capacity(k);
    let mut rei = Vec::with_capacity(k);
    let mut cum = Vec::with_capacity(k);
    for r in 0..k {
        units.push(v.text("exposure_site", r, "unit")?);
        rei.push(v.f64("exposure_site", r, "rei")?);
        cum.push(v.f64("exposure_site", r, "cumulative_pi_share")?);
    }
    let _ = writeln!(
        h,
        "<figure>{}<figcaption>The {} sites with the largest PI, of {}; bars from <code>exposure_site.parquet</code> (rei), line from its cumulative_pi_share.</figcaption></figure>",
        charts::pareto("chart-pareto", &units, &rei, &cum),
        format_number(k as f64),
        format_number(n_sites as f64)
    );
    Ok(())
}

/// The concentration curve over every site, sampled at most about 400 times.
fn concentration_curve(v: &View<'_>, h: &mut String, n_sites: usize) -> Written {
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
    Ok(())
}

/// Every products row when the worst site is lost (when the report has that table).
fn worst_site_impact(p: &Page<'_>, h: &mut String) -> Written {
    let v = &p.v;
    let Ok(t) = v.table("impact_worst_site") else {
        return Ok(());
    };
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
        &rows[..rows.len().min(p.top)],
        None,
    )?);
    Ok(())
}

/// The exact LPs of the top sites next to the closed form, or why they did not run.
fn stress_top_sites(v: &View<'_>, h: &mut String) -> Written {
    h.push_str("<h3>The exact stress test of the top sites</h3>\n");
    let n_stress = v.height("stress_top_sites")?;
    if n_stress == 0 {
        h.push_str(&none(
            "The linear programs run here only for networks of up to 50,000 nodes; run tierwise stress for this one.",
        ));
        return Ok(());
    }
    h.push_str("<p class=\"lead\">For the sites with the largest closed-form PI: the minimum value of lost sales over their TTR (pi) and the longest time without lost sales (tts) from the linear programs of Simchi-Levi et al., with capacity and stock everywhere, next to the closed form. Capacity limits can make the LP lose more; stock and spare capacity elsewhere can make it lose less.</p>");
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
    Ok(())
}

/// Section 3: the scatter of minimum TTS against TTR of the sites with the largest PI.
pub(super) fn tts_vs_ttr(p: &Page<'_>, h: &mut String) -> Written {
    let v = &p.v;
    let mut points = Vec::new();
    for r in 0..v.height("exposure_site")? {
        if points.len() >= p.o.chart_points {
            break;
        }
        let tts = v.f64("exposure_site", r, "min_tts_days")?;
        if tts.is_finite() {
            let ttr = v.f64("exposure_site", r, "ttr_days")?;
            points.push((ttr, tts, v.flag("exposure_site", r, "exposed")?));
        }
    }
    let exposed = points.iter().filter(|p| p.2).count();
    h.push_str("<p class=\"lead\">For each site that leaves some products row short when lost: its TTR against the shortest TTS of those rows (inventory along the fastest path plus finished goods). Points under the diagonal are exposed: stock runs out before the site is back.</p>\n");
    let _ = writeln!(
        h,
        "<figure>{}<figcaption>{} sites ({} exposed), the ones with the largest PI first, at most {}; from <code>exposure_site.parquet</code> (ttr_days, min_tts_days, exposed).</figcaption></figure>",
        charts::tts_ttr("chart-tts-ttr", &points),
        format_number(points.len() as f64),
        format_number(exposed as f64),
        format_number(p.o.chart_points as f64),
    );
    Ok(())
}

/// The most countries the heat map gives a column of their own.
const HEAT_MAP_COUNTRIES: usize = 14;

/// The tier × country heat map: a row per tier, a column per country with the largest shares
/// over all tiers, the rest summed as "other".
struct HeatMap {
    tiers: Vec<u32>,
    columns: Vec<String>,
    matrix: Vec<Vec<f64>>,
    /// Countries with a column of their own.
    shown: usize,
    /// Whether the last column is "other".
    other: bool,
}

impl HeatMap {
    fn from_table(v: &View<'_>) -> Result<HeatMap, ReportError> {
        let mut by_country: BTreeMap<String, f64> = BTreeMap::new();
        let mut cells: BTreeMap<(u32, String), f64> = BTreeMap::new();
        let mut tiers: Vec<u32> = Vec::new();
        for r in 0..v.height("tier_country")? {
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
        let other = ranked.len() > HEAT_MAP_COUNTRIES;
        let shown: Vec<String> = ranked
            .into_iter()
            .take(HEAT_MAP_COUNTRIES)
            .map(|x| x.0)
            .collect();
        let matrix = tiers
            .iter()
            .map(|&t| {
                let mut row: Vec<f64> = shown
                    .iter()
                    .map(|c| cells.get(&(t, c.clone())).copied().unwrap_or(0.0))
                    .collect();
                if other {
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
        let n_shown = shown.len();
        let mut columns = shown;
        if other {
            columns.push("other".into());
        }
        Ok(HeatMap {
            tiers,
            columns,
            matrix,
            shown: n_shown,
            other,
        })
    }
}

/// Section 4: where the supply comes from: the tier × country heat map and the most concentrated
/// supply by HHI.
pub(super) fn tier_country(p: &Page<'_>, h: &mut String) -> Written {
    let v = &p.v;
    let map = HeatMap::from_table(v)?;
    h.push_str("<p class=\"lead\">Each products row's daily demand exploded through shares and BOM quantities, weighted by unit cost, grouped by the supplying site's tier and country; each cell is the country's share of its tier. Tier 0 is the focal plants.</p>\n");
    let _ = writeln!(
        h,
        "<figure>{}<figcaption>{} with the largest shares over all tiers{}; from <code>tier_country.parquet</code>.</figcaption></figure>",
        charts::heatmap("chart-heatmap", &map.tiers, &map.columns, &map.matrix),
        if map.shown == 1 {
            "The country".to_string()
        } else {
            format!("The {} countries", map.shown)
        },
        if map.other { ", the rest as other" } else { "" }
    );
    let hhi_rows: Vec<usize> = (0..v.height("hhi")?)
        .filter(|&r| v.f64("hhi", r, "tier").is_ok_and(|t| t >= 1.0))
        .take(10)
        .collect();
    h.push_str("<h3>Most concentrated supply (HHI, tier 1 and deeper)</h3>");
    h.push_str(&v.table_or_none(
        "hhi",
        &["product", "tier", "hhi", "countries"],
        &hhi_rows,
        "No supply at tier 1 or deeper.",
    )?);
    Ok(())
}

/// Section 5: the Monte Carlo loss histogram, then the per product and portfolio figures and the
/// sites and countries behind the losses.
pub(super) fn monte_carlo(p: &Page<'_>, h: &mut String) -> Written {
    let sim = p.sim;
    let ps = sim.portfolio_stats;
    let marks = [
        ("VaR 95 %", ps.var95),
        ("CVaR 95 %", ps.cvar95),
        ("VaR 99 %", ps.var99),
        ("CVaR 99 %", ps.cvar99),
    ];
    let losing = sim.losses.iter().filter(|&&l| l > 0.0).count();
    let _ = writeln!(
        h,
        "<p class=\"lead\">{} scenarios (seed {}); each draws every site failing with its p_fail and every country with its p_event, independently, from its own random stream. {} scenarios ({}) lose something; the histogram shows those, with VaR and CVaR of the whole distribution marked.</p>",
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
    monte_carlo_tables(p, h)
}

/// The top products with the portfolio as the total row, and the sites and countries by
/// their share of the loss.
fn monte_carlo_tables(p: &Page<'_>, h: &mut String) -> Written {
    let v = &p.v;
    let portfolio = v.height("mc_summary")?.saturating_sub(1);
    let mut rows = first(portfolio, p.top);
    rows.push(portfolio);
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
        Some(portfolio),
    )?);
    h.push_str("<p class=\"lead\">gap = analytic q (independence assumed) − Monte Carlo P(A = 0): strongly negative where apparently independent sources share a hidden common dependency.</p>");
    h.push_str("<div class=\"cols\"><div>\n<h3>Sites by loss-weighted failure share</h3>");
    h.push_str(&v.table_or_none(
        "mc_sites",
        &["site_id", "tier", "p_fail", "losing_failures", "loss_share"],
        &first(v.height("mc_sites")?, 10),
        "No site failed in a scenario with a loss.",
    )?);
    h.push_str("</div><div>\n<h3>Countries by loss share</h3>");
    h.push_str(&v.table_or_none(
        "mc_countries",
        &["country", "p_event", "losing_events", "loss_share"],
        &first(v.height("mc_countries")?, 10),
        "No country-wide event in a scenario with a loss.",
    )?);
    h.push_str("</div></div>\n");
    Ok(())
}

/// Section 6: the (buyer, part) groups with one seller, by the seller's PI.
pub(super) fn single_sources(p: &Page<'_>, h: &mut String) -> Written {
    let v = &p.v;
    let n_ss = v.height("single_sources")?;
    let _ = writeln!(
        h,
        "<p class=\"lead\">{} (buyer, part) supply groups have exactly one seller and no unmapped remainder that covers them; ranked by the seller's PI, with its failure probability.</p>",
        format_number(n_ss as f64)
    );
    h.push_str(&v.table_or_none(
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
        &first(n_ss, p.top * 2),
        "No single-source group.",
    )?);
    Ok(())
}

/// Section 7: the chokepoints by PI and the deeper sites by how many Tier-1 sites depend on them.
pub(super) fn chokepoints(p: &Page<'_>, h: &mut String) -> Written {
    let v = &p.v;
    h.push_str("<p class=\"lead\">A chokepoint is a site, company or country whose loss alone brings some products row to zero availability; it is hidden when it is a site at tier 2 or deeper and a row it stops has two or more Tier-1 sellers.</p>\n");
    h.push_str(&v.table_or_none(
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
        &first(v.height("chokepoints")?, p.top),
        "No chokepoint.",
    )?);
    h.push_str("<h3>Deeper sites by Tier-1 dependants</h3>");
    h.push_str(&v.table_or_none(
        "tier1_dependants",
        &["site", "tier", "tier1_dependants"],
        &first(v.height("tier1_dependants")?, 10),
        "No site at tier 2 or deeper.",
    )?);
    Ok(())
}

/// Section 8: for each top site, the products row it hurts most and the two paths that explain it.
pub(super) fn explaining_paths(p: &Page<'_>, h: &mut String) -> Written {
    let v = &p.v;
    h.push_str("<p class=\"lead\">For each site with the largest PI, the products row it hurts most, the path that sets that row's TTS (from the lost site down to the plant, with the stock held at each hop) and the path of binding availability.</p>\n");
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
                .filter(|&x| {
                    v.text("explain_paths", x, "path")
                        .is_ok_and(|path| path == which)
                })
                .collect();
            path_steps(v, h, which, &steps)?;
        }
        r = end;
    }
    Ok(())
}

/// One explaining path (`tts` or `availability`) as a chain of hops, the disrupted ones
/// marked; nothing when the path has no steps.
fn path_steps(v: &View<'_>, h: &mut String, which: &str, steps: &[usize]) -> Written {
    let Some(&last) = steps.last() else {
        return Ok(());
    };
    let tts = which == "tts";
    let _ = write!(
        h,
        "<p class=\"lead\">{}</p><ol class=\"path\">",
        if tts {
            "TTS path (days of stock on each hop):"
        } else {
            "Availability path (binding supply at each node):"
        }
    );
    for &x in steps {
        let hit = v.flag("explain_paths", x, "disrupted")?;
        let detail = if tts && x == last {
            "the plant".to_string()
        } else if tts {
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
    Ok(())
}

/// Section 9: the supply edges that hold less stock than the risk-adjusted safety stock, largest
/// gap first.
pub(super) fn safety_stock(p: &Page<'_>, h: &mut String) -> Written {
    let v = &p.v;
    let n_stock = v.height("safety_stock")?;
    let gaps: Vec<usize> = (0..n_stock)
        .filter(|&x| v.f64("safety_stock", x, "gap_days").is_ok_and(|g| g > 0.0))
        .collect();
    let _ = writeln!(
        h,
        "<p class=\"lead\">Risk-adjusted safety stock per supply edge, z · sqrt(L σd² + d² σL²) with the service level raised by the seller's p_fail, against the days the buyer holds: {} of {} edges hold less than the policy asks for; the largest gaps first.</p>",
        format_number(gaps.len() as f64),
        format_number(n_stock as f64)
    );
    h.push_str(&v.table_or_none(
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
        &gaps[..gaps.len().min(p.top)],
        "Every edge holds at least the risk-adjusted safety stock.",
    )?);
    Ok(())
}

/// Section 10: the best proposals by benefit per cost and the portfolio's benefit-versus-spend
/// curve.
pub(super) fn what_to_do(p: &Page<'_>, h: &mut String) -> Written {
    let v = &p.v;
    let n = v.height("mitigation_proposals")?;
    let _ = writeln!(
        h,
        "<p class=\"lead\">For the sites with the largest PI: raise a co-seller's max_share, add a second source that already makes the part, qualify an alternate part, add buffer days that close TTR − TTS, or raise stock to the safety stock. Each proposal is costed from the policy's <code>[mitigation]</code> section (every term in <code>mitigation_proposals.parquet</code>, cost_terms) and evaluated by re-running the model for every unit it touches; benefit is the PI removed. {} proposals, the best by benefit per cost first.</p>",
        format_number(n as f64)
    );
    h.push_str(&v.table_or_none(
        "mitigation_proposals",
        &[
            "rank",
            "unit",
            "action",
            "target",
            "parameters",
            "cost",
            "pi_before",
            "pi_after",
            "benefit",
            "benefit_per_cost",
            "lp_pi_after",
            "selected",
        ],
        &first(n, p.top),
        "No site loses anything when lost alone: nothing to mitigate.",
    )?);
    portfolio_curve(v, h)
}

/// The greedy portfolio as cumulative PI removed against cumulative cost.
fn portfolio_curve(v: &View<'_>, h: &mut String) -> Written {
    let t = "mitigation_portfolio";
    let n = v.height(t)?;
    let mut points = vec![(0.0, 0.0)];
    for r in 0..n {
        points.push((
            v.f64(t, r, "cumulative_cost")?,
            v.f64(t, r, "cumulative_benefit")?,
        ));
    }
    let total = points.last().map_or(0.0, |x| x.1);
    let _ = writeln!(
        h,
        "<h3>The portfolio: PI removed against spend</h3>\n<p class=\"lead\">Greedy: the proposal with the best benefit per cost first, then every remaining proposal re-evaluated on the network with the picks made, so two proposals covering the same risk do not both count. {} picks remove {} of PI.</p>\n<figure>{}<figcaption>Cumulative PI removed against cumulative cost, one point per pick (<code>mitigation_portfolio.parquet</code>: cumulative_cost, cumulative_benefit).</figcaption></figure>",
        format_number(n as f64),
        format_number(total),
        charts::portfolio_curve("chart-portfolio", &points)
    );
    h.push_str(&v.table_or_none(
        t,
        &[
            "pick",
            "unit",
            "action",
            "target",
            "cost",
            "marginal_benefit",
            "cumulative_cost",
            "cumulative_benefit",
        ],
        &first(n, n.min(30)),
        "No proposal removes any PI.",
    )?);
    Ok(())
}

/// Section 11: what the report ran on: source, policy, inputs and the result tables written.
pub(super) fn provenance(p: &Page<'_>, h: &mut String) -> Written {
    let summary = p.summary;
    let _ = writeln!(
        h,
        "<p>Source: {}. Policy <code>{}</code>, sha256 <code>{}</code>. As of {}. tierwise {}. Network: {} parts, {} (site, part) nodes.</p>",
        escape(&p.source),
        escape(&summary.policy.version),
        escape(&summary.policy.sha256),
        escape(&summary.as_of),
        escape(&summary.tierwise_version),
        format_number(summary.network.parts as f64),
        format_number(summary.network.nodes as f64),
    );
    h.push_str("<h3>Input files</h3>");
    if summary.inputs.is_empty() {
        h.push_str(&none("The input files were not recorded."));
    } else {
        h.push_str(&plain_table(
            "<th>file</th><th>sha256</th>",
            summary.inputs.iter().map(|f| {
                format!(
                    "<td><code>{}</code></td><td><code>{}</code></td>",
                    escape(&f.path),
                    escape(&f.sha256)
                )
            }),
        ));
    }
    h.push_str("<h3>Result tables</h3><p class=\"lead\">Each is written next to this page as Parquet and CSV; <code>summary.json</code> holds the hashes, policy, seed and the time of each step.</p>");
    h.push_str(&plain_table(
        "<th>table</th><th>title</th><th class=\"num\">rows</th><th>what a row is</th>",
        p.v.tables.iter().map(|t| {
            format!(
                "<td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td>{}</td>",
                t.name,
                escape(t.title),
                format_number(t.frame.height() as f64),
                escape(t.description)
            )
        }),
    ));
    h.push('\n');
    Ok(())
}
