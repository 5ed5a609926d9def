//! The report's result tables, one function per table (or per group of tables built from the
//! same results), in the order of the page.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use super::{ReportError, ReportOptions, ReportTable, Results, format_number};
use crate::risk::criticality::Criticality;
use crate::risk::{Analysis, Disruption, Exposure, UnitKind};

fn table_err(table: &str) -> impl Fn(PolarsError) -> ReportError + '_ {
    move |e| ReportError::Table {
        table: table.to_string(),
        message: e.to_string(),
    }
}

fn col<T>(name: &str, v: Vec<T>) -> Column
where
    Series: NamedFrom<Vec<T>, [T]>,
{
    Column::new(name.into(), v)
}

fn frame(table: &str, cols: Vec<Column>) -> Result<DataFrame, ReportError> {
    DataFrame::new_infer_height(cols).map_err(table_err(table))
}

fn take(table: &str, df: &DataFrame, order: &[usize]) -> Result<DataFrame, ReportError> {
    let idx = IdxCa::from_vec("idx".into(), order.iter().map(|&i| i as IdxSize).collect());
    df.take(&idx).map_err(table_err(table))
}

/// The rows of `df` ranked by `key` descending, ties by `ids` ascending.
fn ranked(
    table: &str,
    df: &DataFrame,
    key: &[f64],
    ids: &[String],
) -> Result<DataFrame, ReportError> {
    take(table, df, &order_desc(key, ids))
}

/// `df` with one more column.
fn with(table: &str, mut df: DataFrame, column: Column) -> Result<DataFrame, ReportError> {
    df.with_column(column).map_err(table_err(table))?;
    Ok(df)
}

/// Indices sorted by `key` descending, ties by `name` ascending.
pub(super) fn order_desc(key: &[f64], name: &[String]) -> Vec<usize> {
    let mut o: Vec<usize> = (0..key.len()).collect();
    o.sort_by(|&i, &j| {
        key[j]
            .total_cmp(&key[i])
            .then_with(|| name[i].cmp(&name[j]))
    });
    o
}

fn table(
    name: &'static str,
    title: &'static str,
    description: &'static str,
    frame: DataFrame,
) -> ReportTable {
    ReportTable {
        name,
        title,
        description,
        frame,
    }
}

/// Every result table, in the order of the page.
pub(super) fn assemble(
    a: &Analysis,
    o: &ReportOptions,
    r: &Results,
) -> Result<Vec<ReportTable>, ReportError> {
    let labels = a.row_labels();
    let mut tables = vec![headline(a, r)?];
    tables.extend(exposure_tables(a, r)?);
    tables.extend(worst_site_impact(a, r, &labels)?);
    tables.extend(monte_carlo_tables(a, r, &labels)?);
    tables.extend(criticality_tables(a, r, &labels)?);
    tables.push(table(
        "explain_paths",
        "Explaining paths of the top risks",
        "For each of the sites with the largest PI, the products row it hurts most and the two \
         paths that explain it: the TTS path (disrupted site down to the plant) and the binding \
         availability path.",
        explain_table(a, o, r, &labels)?,
    ));
    tables.push(stress_top_sites(a, r));
    tables.extend(mitigation_tables(r)?);
    Ok(tables)
}

/// The mitigation proposals by rank and the greedy portfolio's curve (DESIGN 3.5).
fn mitigation_tables(r: &Results) -> Result<[ReportTable; 2], ReportError> {
    let m = &r.mitigation;
    let proposals = m
        .to_dataframe()
        .sort(["rank"], Default::default())
        .map_err(table_err("mitigation_proposals"))?;
    let curve = match &m.portfolio {
        Some(pf) => pf.curve_frame(m),
        None => DataFrame::empty(),
    };
    Ok([
        table(
            "mitigation_proposals",
            "Mitigation proposals",
            "One row per proposal for the sites with the largest PI: the action, what it changes, \
             its cost (cost_terms: each term and how it was computed) and the PI it removes, \
             found by re-running the closed form for every unit the change touches; ranked by \
             benefit per cost. lp_pi_before/after: the exact LP of the proposal's site.",
            proposals,
        ),
        table(
            "mitigation_portfolio",
            "The greedy mitigation portfolio",
            "One row per pick of the greedy portfolio, in the order picked: each pick's PI \
             removed given the picks before it (re-evaluated after every pick), and the \
             cumulative cost and PI removed.",
            curve,
        ),
    ])
}

/// One figure of the executive summary.
struct Figure {
    metric: String,
    value: f64,
    unit: &'static str,
    note: String,
}

fn figure(
    metric: impl Into<String>,
    value: f64,
    unit: &'static str,
    note: impl Into<String>,
) -> Figure {
    Figure {
        metric: metric.into(),
        value,
        unit,
        note: note.into(),
    }
}

/// The headline figures: the portfolio's loss, then what the network's structure shows.
fn headline(a: &Analysis, r: &Results) -> Result<ReportTable, ReportError> {
    let mut h = loss_figures(r);
    h.extend(structure_figures(a, r));
    h.push(figure(
        "Monte Carlo scenarios",
        r.sim.scenarios as f64,
        "scenarios",
        format!("seed {}", r.sim.seed),
    ));
    Ok(table(
        "headline",
        "Headline figures",
        "One row per figure of the executive summary.",
        frame(
            "headline",
            vec![
                col(
                    "metric",
                    h.iter().map(|x| x.metric.clone()).collect::<Vec<_>>(),
                ),
                col("value", h.iter().map(|x| x.value).collect::<Vec<_>>()),
                col(
                    "unit",
                    h.iter().map(|x| x.unit.to_string()).collect::<Vec<_>>(),
                ),
                col("note", h.iter().map(|x| x.note.clone()).collect::<Vec<_>>()),
            ],
        )?,
    ))
}

/// Revenue at risk, VaR and CVaR of the portfolio and the chance that some row is short.
fn loss_figures(r: &Results) -> Vec<Figure> {
    let ps = r.sim.portfolio_stats;
    vec![
        figure(
            "Revenue at risk (Monte Carlo expected loss)",
            ps.expected,
            "currency",
            "E[L] of the portfolio over the policy horizon; see the definition above",
        ),
        figure(
            "Portfolio VaR 95 %",
            ps.var95,
            "currency",
            "the 95th percentile of the scenario loss",
        ),
        figure(
            "Portfolio CVaR 95 %",
            ps.cvar95,
            "currency",
            "mean loss in the worst 5 % of scenarios",
        ),
        figure(
            "Portfolio VaR 99 %",
            ps.var99,
            "currency",
            "the 99th percentile of the scenario loss",
        ),
        figure(
            "Portfolio CVaR 99 %",
            ps.cvar99,
            "currency",
            "mean loss in the worst 1 % of scenarios",
        ),
        figure(
            "P(some products row short)",
            r.sim.portfolio_p_short,
            "probability",
            "share of scenarios in which some row's availability is below 1",
        ),
    ]
}

/// The worst site, the exposed sites, the chokepoints (hidden ones too) and single sources.
fn structure_figures(a: &Analysis, r: &Results) -> Vec<Figure> {
    let mut h = Vec::new();
    if let Some(&w) = order_desc(&r.site.pi, &r.site.units).first() {
        h.push(figure(
            format!("Largest single-site loss (PI of {})", r.site.units[w]),
            r.site.pi[w],
            "currency",
            format!(
                "the site lost for its TTR of {} days",
                format_number(r.site.ttr[w])
            ),
        ));
    }
    let chokepoints = &r.crit.chokepoints;
    h.extend([
        figure(
            "Sites exposed (TTS < TTR)",
            r.site.exposed.iter().filter(|&&x| x).count() as f64,
            "sites",
            format!("of {} sites", a.network().sites().len()),
        ),
        figure(
            "Chokepoints",
            chokepoints.len() as f64,
            "units",
            "sites, companies or countries whose loss alone stops a products row",
        ),
        figure(
            "Hidden Tier-2 chokepoints (diamonds)",
            chokepoints.iter().filter(|c| c.hidden).count() as f64,
            "sites",
            "tier >= 2 sites behind two or more Tier-1 sellers of a row they stop",
        ),
        figure(
            "Single-source supply groups",
            r.crit.single_sources.len() as f64,
            "groups",
            "(buyer, part) with one seller and no unmapped remainder covering it",
        ),
    ]);
    h
}

/// Exposure per site, company and country, and the intrinsic risk of every site.
fn exposure_tables(a: &Analysis, r: &Results) -> Result<[ReportTable; 4], ReportError> {
    Ok([
        table(
            "exposure_site",
            "Exposure per site",
            "Every site lost alone for its TTR, ranked by PI.",
            exposure_table(a, &r.site, "exposure_site")?,
        ),
        table(
            "exposure_company",
            "Exposure per company",
            "Every company (all its sites) lost for its TTR, ranked by PI.",
            exposure_table(a, &r.company, "exposure_company")?,
        ),
        table(
            "exposure_country",
            "Exposure per country",
            "Every country with a site lost for its TTR, ranked by PI.",
            exposure_table(a, &r.country, "exposure_country")?,
        ),
        table(
            "site_risk",
            "Intrinsic risk per site",
            "p_fail and score of every site under the policy, in site order.",
            a.risk_frame(),
        ),
    ])
}

/// Per unit of one kind, ranked by PI (ties by id): TTR, min TTS, PI, REI, the cumulative
/// share of the kind's total PI, exposed flag and rows short; sites also with company,
/// country, tier and p_fail.
fn exposure_table(a: &Analysis, e: &Exposure, name: &str) -> Result<DataFrame, ReportError> {
    let order = order_desc(&e.pi, &e.units);
    let total: f64 = order.iter().map(|&i| e.pi[i]).sum();
    let mut acc = 0.0;
    let cumulative: Vec<f64> = order
        .iter()
        .map(|&i| {
            acc += e.pi[i];
            if total > 0.0 { acc / total } else { 0.0 }
        })
        .collect();
    let mut cols = vec![
        col("rank", (1..=order.len() as u32).collect::<Vec<u32>>()),
        col("unit", pick(&order, |i| e.units[i].clone())),
    ];
    if e.kind == UnitKind::Site {
        cols.extend(site_columns(a, &order));
    }
    cols.extend([
        col("ttr_days", pick(&order, |i| e.ttr[i])),
        col("min_tts_days", pick(&order, |i| e.min_tts[i])),
        col("pi", pick(&order, |i| e.pi[i])),
        col("rei", pick(&order, |i| e.rei[i])),
        col("cumulative_pi_share", cumulative),
        col("exposed", pick(&order, |i| e.exposed[i])),
        col("rows_short", pick(&order, |i| e.rows[i].len() as u32)),
    ]);
    frame(name, cols)
}

/// Company, country, tier and p_fail of the sites in `order`.
fn site_columns(a: &Analysis, order: &[usize]) -> [Column; 4] {
    let net = a.network();
    let sites = net.sites();
    [
        col("company", pick(order, |i| sites[i].company.clone())),
        col("country", pick(order, |i| sites[i].country.clone())),
        col("tier", pick(order, |i| net.site_tier(i as u32))),
        col("p_fail", pick(order, |i| a.site_risks()[i].p_fail)),
    ]
}

/// `f` of each index in `order`.
fn pick<T>(order: &[usize], f: impl Fn(usize) -> T) -> Vec<T> {
    order.iter().map(|&i| f(i)).collect()
}

/// Every products row when the site with the largest PI is lost for its TTR; none when there
/// is no site.
fn worst_site_impact(
    a: &Analysis,
    r: &Results,
    labels: &[String],
) -> Result<Option<ReportTable>, ReportError> {
    let Some(&w) = order_desc(&r.site.pi, &r.site.units).first() else {
        return Ok(None);
    };
    let unit = r.site.units[w].clone();
    let imp = a.impact(&Disruption::sites([unit.clone()]), r.site.ttr[w])?;
    let df = imp.to_dataframe(a);
    let height = df.height();
    let df = with(
        "impact_worst_site",
        df,
        col("disrupted_site", vec![unit; height]),
    )?;
    Ok(Some(table(
        "impact_worst_site",
        "Products impact of the worst site",
        "Every products row when the site with the largest PI is lost for its TTR, ranked by loss.",
        ranked("impact_worst_site", &df, &imp.loss, labels)?,
    )))
}

/// The Monte Carlo per product, per scenario, per site and per country.
fn monte_carlo_tables(
    a: &Analysis,
    r: &Results,
    labels: &[String],
) -> Result<[ReportTable; 4], ReportError> {
    let sim = &r.sim;
    let el: Vec<f64> = sim.row_stats.iter().map(|s| s.expected).collect();
    let mut order = order_desc(&el, labels);
    order.push(labels.len());
    let net = a.network();
    let failed: Vec<usize> = (0..sim.site_failures.len())
        .filter(|&s| sim.site_failures[s] > 0)
        .collect();
    let share: Vec<f64> = failed.iter().map(|&s| sim.site_loss_share[s]).collect();
    let ids: Vec<String> = failed
        .iter()
        .map(|&s| net.sites()[s].site_id.clone())
        .collect();
    Ok([
        table(
            "mc_summary",
            "Monte Carlo per product",
            "Per products row, ranked by expected loss, then the portfolio: availability, P(short), \
             P(zero) against the analytic q, expected loss, VaR and CVaR.",
            take("mc_summary", &sim.summary(), &order)?,
        ),
        table(
            "mc_losses",
            "Monte Carlo portfolio loss per scenario",
            "One row per scenario, in scenario order.",
            sim.losses_frame(),
        ),
        table(
            "mc_sites",
            "Monte Carlo loss share per site",
            "Sites that failed in a scenario with a loss, ranked by loss-weighted failure share.",
            ranked("mc_sites", &sim.sites_frame(a), &share, &ids)?,
        ),
        mc_countries(a, r)?,
    ])
}

/// Countries with a country-wide event in a scenario with a loss, by loss share.
fn mc_countries(a: &Analysis, r: &Results) -> Result<ReportTable, ReportError> {
    let sim = &r.sim;
    let cs: Vec<usize> = (0..sim.country_events.len())
        .filter(|&c| sim.country_events[c] > 0)
        .collect();
    let c_ids: Vec<String> = cs
        .iter()
        .map(|&c| a.network().countries()[c].clone())
        .collect();
    let c_share: Vec<f64> = cs.iter().map(|&c| sim.country_loss_share[c]).collect();
    let df = frame(
        "mc_countries",
        vec![
            col("country", c_ids.clone()),
            col(
                "p_event",
                cs.iter()
                    .map(|&c| a.country_p_event()[c])
                    .collect::<Vec<_>>(),
            ),
            col(
                "losing_events",
                cs.iter()
                    .map(|&c| sim.country_events[c])
                    .collect::<Vec<_>>(),
            ),
            col("loss_share", c_share.clone()),
        ],
    )?;
    Ok(table(
        "mc_countries",
        "Monte Carlo loss share per country",
        "Countries with a country-wide event in a scenario with a loss, ranked by loss share.",
        ranked("mc_countries", &df, &c_share, &c_ids)?,
    ))
}

/// The PI of every site, company and country, by id (0 for anything else).
struct UnitPi<'a> {
    site: HashMap<&'a str, f64>,
    company: HashMap<&'a str, f64>,
    country: HashMap<&'a str, f64>,
}

impl<'a> UnitPi<'a> {
    fn new(r: &'a Results) -> Self {
        let map = |e: &'a Exposure| -> HashMap<&'a str, f64> {
            e.units
                .iter()
                .map(String::as_str)
                .zip(e.pi.iter().copied())
                .collect()
        };
        UnitPi {
            site: map(&r.site),
            company: map(&r.company),
            country: map(&r.country),
        }
    }

    fn pi(&self, kind: UnitKind, id: &str) -> f64 {
        let map = match kind {
            UnitKind::Site => &self.site,
            UnitKind::Company => &self.company,
            UnitKind::Country => &self.country,
            UnitKind::Link => return 0.0,
        };
        map.get(id).copied().unwrap_or(0.0)
    }
}

/// The tables of the criticality analysis (DESIGN 3.5), ranked where a ranking helps.
fn criticality_tables(
    a: &Analysis,
    r: &Results,
    labels: &[String],
) -> Result<[ReportTable; 8], ReportError> {
    let crit = &r.crit;
    let pi = UnitPi::new(r);
    Ok([
        chokepoints(a, crit, &pi)?,
        single_sources(a, crit, &pi)?,
        table(
            "critical_sellers",
            "Critical sellers",
            "Sellers whose loss alone leaves their group short, in supply order.",
            crit.critical_sellers_frame(),
        ),
        tier1_dependants(crit)?,
        hhi(a, crit, labels)?,
        table(
            "country_shares",
            "Country shares per product and tier",
            "Each country's share of a products row's cost-weighted supply at a tier.",
            crit.country_shares_frame(a),
        ),
        tier_country(crit)?,
        safety_stock(crit)?,
    ])
}

/// The chokepoints with their PI, ranked by it.
fn chokepoints(
    a: &Analysis,
    crit: &Criticality,
    pi: &UnitPi<'_>,
) -> Result<ReportTable, ReportError> {
    let pis: Vec<f64> = crit
        .chokepoints
        .iter()
        .map(|c| pi.pi(c.kind, &c.unit))
        .collect();
    let keys: Vec<String> = crit
        .chokepoints
        .iter()
        .map(|c| format!("{}:{}", c.kind.as_str(), c.unit))
        .collect();
    let df = with(
        "chokepoints",
        crit.chokepoints_frame(a),
        col("pi", pis.clone()),
    )?;
    Ok(table(
        "chokepoints",
        "Chokepoints",
        "Units whose loss alone brings some products row to availability 0, ranked by PI; \
         hidden = a tier >= 2 site behind two or more Tier-1 sellers (the diamond).",
        ranked("chokepoints", &df, &pis, &keys)?,
    ))
}

/// The single-source groups with their seller's p_fail and PI, ranked by the PI.
fn single_sources(
    a: &Analysis,
    crit: &Criticality,
    pi: &UnitPi<'_>,
) -> Result<ReportTable, ReportError> {
    let ss = &crit.single_sources;
    let seller_pi: Vec<f64> = ss
        .iter()
        .map(|s| pi.pi(UnitKind::Site, &s.seller))
        .collect();
    let seller_p: Vec<f64> = ss
        .iter()
        .map(|s| {
            a.network()
                .site_index(&s.seller)
                .map_or(0.0, |i| a.site_risks()[i as usize].p_fail)
        })
        .collect();
    let keys: Vec<String> = ss
        .iter()
        .map(|s| crate::risk::Link::key(&s.buyer, &s.part, &s.seller))
        .collect();
    let df = crit.single_sources_frame();
    let df = with("single_sources", df, col("seller_p_fail", seller_p))?;
    let df = with("single_sources", df, col("seller_pi", seller_pi.clone()))?;
    Ok(table(
        "single_sources",
        "Single sources",
        "(buyer, part) groups with exactly one seller, ranked by the seller's PI.",
        ranked("single_sources", &df, &seller_pi, &keys)?,
    ))
}

/// The deeper sites by how many Tier-1 sites depend on them.
fn tier1_dependants(crit: &Criticality) -> Result<ReportTable, ReportError> {
    let dep: Vec<f64> = crit
        .dependants
        .iter()
        .map(|d| d.tier1_sites as f64)
        .collect();
    let dep_ids: Vec<String> = crit.dependants.iter().map(|d| d.site.clone()).collect();
    Ok(table(
        "tier1_dependants",
        "Tier-1 dependants of deeper sites",
        "Every tier >= 2 site and the distinct Tier-1 sites depending on it, ranked by count.",
        ranked("tier1_dependants", &crit.dependants_frame(), &dep, &dep_ids)?,
    ))
}

/// The country concentration of each products row at each tier, ranked by HHI.
fn hhi(a: &Analysis, crit: &Criticality, labels: &[String]) -> Result<ReportTable, ReportError> {
    let hhi: Vec<f64> = crit.concentration.iter().map(|c| c.hhi).collect();
    let keys: Vec<String> = crit
        .concentration
        .iter()
        .map(|c| format!("{}|{:06}", labels[c.row as usize], c.tier))
        .collect();
    Ok(table(
        "hhi",
        "Country concentration (HHI) per product and tier",
        "HHI of each products row's cost-weighted supply by country at each tier, ranked by HHI.",
        ranked("hhi", &crit.concentration_frame(a), &hhi, &keys)?,
    ))
}

/// The country shares of every products row together, per tier: the heat map's cells.
fn tier_country(crit: &Criticality) -> Result<ReportTable, ReportError> {
    let mut agg: BTreeMap<(u32, String), f64> = BTreeMap::new();
    for s in &crit.country_shares {
        *agg.entry((s.tier, s.country.clone())).or_insert(0.0) += s.value;
    }
    let mut tier_total: BTreeMap<u32, f64> = BTreeMap::new();
    for ((t, _), v) in &agg {
        *tier_total.entry(*t).or_insert(0.0) += v;
    }
    let mut rows: Vec<(u32, String, f64, f64)> = agg
        .into_iter()
        .map(|((t, c), v)| {
            let tot = tier_total[&t];
            (t, c, v, if tot > 0.0 { v / tot } else { 0.0 })
        })
        .collect();
    rows.sort_by(|x, y| x.0.cmp(&y.0).then(y.3.total_cmp(&x.3)).then(x.1.cmp(&y.1)));
    Ok(table(
        "tier_country",
        "Supply by tier and country",
        "Cost-weighted daily supply volume of every products row together, per tier and country; \
         share = of the tier's total (the heat map).",
        frame(
            "tier_country",
            vec![
                col("tier", rows.iter().map(|x| x.0).collect::<Vec<_>>()),
                col(
                    "country",
                    rows.iter().map(|x| x.1.clone()).collect::<Vec<_>>(),
                ),
                col("value", rows.iter().map(|x| x.2).collect::<Vec<_>>()),
                col("share", rows.iter().map(|x| x.3).collect::<Vec<_>>()),
            ],
        )?,
    ))
}

/// The risk-adjusted safety stock of every supply edge, ranked by the gap in days.
fn safety_stock(crit: &Criticality) -> Result<ReportTable, ReportError> {
    let gap: Vec<f64> = crit
        .safety_stock
        .iter()
        .map(|s| s.safety_stock_days - s.current_days)
        .collect();
    let keys: Vec<String> = crit
        .safety_stock
        .iter()
        .map(|s| crate::risk::Link::key(&s.buyer, &s.part, &s.seller))
        .collect();
    let df = with(
        "safety_stock",
        crit.safety_stock_frame(),
        col("gap_days", gap.clone()),
    )?;
    Ok(table(
        "safety_stock",
        "Risk-adjusted safety stock",
        "Per supply edge: the safety stock the policy asks for against what the buyer holds; \
         ranked by the gap in days.",
        ranked("safety_stock", &df, &gap, &keys)?,
    ))
}

/// The exact LPs of the top sites (empty when the network is too large for the report).
fn stress_top_sites(a: &Analysis, r: &Results) -> ReportTable {
    let stress = match &r.stress {
        Some(s) => s.to_dataframe(),
        None => crate::lp::Stress::empty(
            Some(UnitKind::Site),
            crate::lp::Method::Lp,
            a.provenance(None),
        )
        .to_dataframe(),
    };
    table(
        "stress_top_sites",
        "The exact stress test of the top sites",
        "For the sites with the largest closed-form PI: the TTR and TTS linear programs of \
         Simchi-Levi et al., with capacity and stock everywhere, solved with HiGHS, \
         next to the closed form.",
        stress,
    )
}

fn explain_table(
    a: &Analysis,
    o: &ReportOptions,
    r: &Results,
    labels: &[String],
) -> Result<DataFrame, ReportError> {
    let e = &r.site;
    let mut rank = Vec::new();
    let mut unit = Vec::new();
    let mut product = Vec::new();
    let mut row_av = Vec::new();
    let mut row_tts = Vec::new();
    let mut row_loss = Vec::new();
    let mut path = Vec::new();
    let mut step = Vec::new();
    let mut site = Vec::new();
    let mut part = Vec::new();
    let mut tier = Vec::new();
    let mut disrupted = Vec::new();
    let mut avail = Vec::new();
    let mut inv = Vec::new();
    let mut days = Vec::new();
    for (k, &u) in order_desc(&e.pi, &e.units)
        .iter()
        .take(o.explain_top)
        .enumerate()
    {
        if e.pi[u] <= 0.0 {
            break;
        }
        let Some(worst) = e.rows[u]
            .iter()
            .max_by(|x, y| x.loss.total_cmp(&y.loss).then(y.row.cmp(&x.row)))
        else {
            continue;
        };
        let x = a.explain(worst.row as usize, &Disruption::sites([e.units[u].clone()]))?;
        for (which, steps) in [("tts", &x.tts_path), ("availability", &x.availability_path)] {
            for (i, s) in steps.iter().enumerate() {
                rank.push(k as u32 + 1);
                unit.push(e.units[u].clone());
                product.push(labels[worst.row as usize].clone());
                row_av.push(worst.availability);
                row_tts.push(worst.tts);
                row_loss.push(worst.loss);
                path.push(which.to_string());
                step.push(i as u32);
                site.push(s.site.clone());
                part.push(s.part.clone());
                tier.push(s.tier);
                disrupted.push(s.disrupted);
                avail.push(s.availability);
                inv.push(s.inventory_days);
                days.push(s.cumulative_days);
            }
        }
    }
    frame(
        "explain_paths",
        vec![
            col("rank", rank),
            col("unit", unit),
            col("product", product),
            col("row_availability", row_av),
            col("row_tts_days", row_tts),
            col("row_loss", row_loss),
            col("path", path),
            col("step", step),
            col("site", site),
            col("part", part),
            col("tier", tier),
            col("disrupted", disrupted),
            col("availability", avail),
            col("inventory_days_next_hop", inv),
            col("days_from_disruption", days),
        ],
    )
}
