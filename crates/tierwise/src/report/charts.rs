//! The report's charts, drawn with plotters' SVG backend into strings that the page inlines.
//! Every chart is an `<svg>` with an id, a role and a label; nothing it draws refers to a
//! resource outside the page.

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::format_number;

const FONT: &str = "sans-serif";
const INK: RGBColor = RGBColor(0x22, 0x2a, 0x35);
const GRID: RGBColor = RGBColor(0xdd, 0xe1, 0xe6);
const BAR: RGBColor = RGBColor(0x2f, 0x6d, 0xb5);
const LINE: RGBColor = RGBColor(0xd9, 0x5f, 0x02);
const SAFE: RGBColor = RGBColor(0x4c, 0x8c, 0xc9);
const DANGER: RGBColor = RGBColor(0xc0, 0x1c, 0x28);

type Drawn = Result<(), Box<dyn std::error::Error>>;
type Area<'b> = DrawingArea<SVGBackend<'b>, Shift>;
/// An x-y chart of floats.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Compact axis numbers: 1.2k, 3.4M.
fn compact(x: f64) -> String {
    let ax = x.abs();
    let (v, suffix) = if ax >= 1e9 {
        (x / 1e9, "G")
    } else if ax >= 1e6 {
        (x / 1e6, "M")
    } else if ax >= 1e3 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let s = if v.fract() == 0.0 || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    format!("{s}{suffix}")
}

/// Gives the SVG an id, a role and an accessible name; makes it scale with the page.
fn finish(svg: String, id: &str, label: &str) -> String {
    let label = super::html::escape(label);
    let svg = svg.replacen(
        "<svg ",
        &format!("<svg id=\"{id}\" class=\"chart\" role=\"img\" aria-label=\"{label}\" "),
        1,
    );
    // plotters ends every text run with a newline inside the element; keep the file tidy.
    svg.trim_end().to_string()
}

/// A line of text in the middle of the area, where a chart has nothing to show.
fn note(area: &Area<'_>, text: &str) {
    let (w, h) = area.dim_in_pixel();
    let style = TextStyle::from((FONT, 16).into_font())
        .color(&INK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    let _ = area.draw(&Text::new(
        text.to_string(),
        (w as i32 / 2, h as i32 / 2),
        style,
    ));
}

/// Draws a chart of `size` pixels on white into an SVG string and [`finish`]es it; with an
/// `empty` note, the note stands alone in place of the chart.
fn svg(
    id: &str,
    label: &str,
    size: (u32, u32),
    empty: Option<&str>,
    draw: impl FnOnce(&Area<'_>) -> Drawn,
) -> String {
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
        let r: Drawn = (|| {
            root.fill(&WHITE)?;
            match empty {
                Some(text) => {
                    note(&root, text);
                    Ok(())
                }
                None => draw(&root),
            }
        })();
        r.expect("drawing into a string cannot fail");
        root.present().expect("drawing into a string cannot fail");
    }
    finish(s, id, label)
}

/// The plot area of an x-y chart, with room for the axis labels.
fn cartesian<'a, 'b>(
    root: &'a Area<'b>,
    x_label_area: u32,
    y_label_area: u32,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> Result<Chart<'a, 'b>, Box<dyn std::error::Error>> {
    Ok(ChartBuilder::on(root)
        .margin(12)
        .margin_right(24)
        .x_label_area_size(x_label_area)
        .y_label_area_size(y_label_area)
        .build_cartesian_2d(x, y)?)
}

/// The mesh of every chart: bold grid lines only, the page's fonts.
fn mesh<'a, 'b, 'c>(
    chart: &'c mut Chart<'a, 'b>,
) -> MeshStyle<'a, 'c, RangedCoordf64, RangedCoordf64, SVGBackend<'b>> {
    let mut m = chart.configure_mesh();
    m.light_line_style(WHITE)
        .bold_line_style(GRID)
        .axis_desc_style((FONT, 16))
        .label_style((FONT, 15));
    m
}

/// The legend box of the labelled series, at `position`.
fn legend<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>, position: SeriesLabelPosition) -> Drawn {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(GRID)
        .label_font((FONT, 15))
        .draw()?;
    Ok(())
}

/// REI Pareto: bars of REI for the top units, ranked, and the cumulative share of the total
/// PI of every unit of the kind as a line.
pub(super) fn pareto(id: &str, units: &[String], rei: &[f64], cumulative: &[f64]) -> String {
    let empty = units.is_empty() || rei.iter().all(|&x| x <= 0.0);
    svg(
        id,
        "REI Pareto: the units with the largest PI and the cumulative share of total PI",
        (920, 380),
        empty.then_some("No unit loses anything when lost alone: every PI is 0."),
        |root| {
            let n = units.len();
            let mut chart = cartesian(root, 90, 56, 0f64..n as f64, 0f64..1.3f64)?;
            mesh(&mut chart)
                .disable_x_mesh()
                .x_labels(0)
                .y_labels(7)
                .y_desc("REI / cumulative share of PI")
                .y_label_formatter(&|v| {
                    if *v <= 1.0 + 1e-9 {
                        format!("{v:.1}")
                    } else {
                        String::new()
                    }
                })
                .draw()?;
            chart.draw_series((0..n).map(|i| {
                Rectangle::new(
                    [(i as f64 + 0.12, 0.0), (i as f64 + 0.88, rei[i])],
                    BAR.filled(),
                )
            }))?;
            chart
                .draw_series(LineSeries::new(
                    (0..n).map(|i| (i as f64 + 0.5, cumulative[i])),
                    LINE.stroke_width(2),
                ))?
                .label("cumulative share of total PI")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], LINE.stroke_width(2)));
            chart.draw_series(
                (0..n).map(|i| Circle::new((i as f64 + 0.5, cumulative[i]), 3, LINE.filled())),
            )?;
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
                .label("REI (PI / largest PI)")
                .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], BAR.filled()));
            legend(&mut chart, SeriesLabelPosition::UpperRight)?;
            unit_labels(root, &chart, units)
        },
    )
}

/// The unit names under the Pareto bars, written upwards.
fn unit_labels(root: &Area<'_>, chart: &Chart<'_, '_>, units: &[String]) -> Drawn {
    let style = TextStyle::from((FONT, 14).into_font())
        .color(&INK)
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for (i, unit) in units.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        root.draw(&Text::new(unit.clone(), (px, py + 6), style.clone()))?;
    }
    Ok(())
}

/// The concentration curve of PI over every unit: the cumulative share of the total PI held by
/// the top x % of units, ranked by PI (`points` are (share of units, share of PI)).
pub(super) fn pareto_curve(id: &str, points: &[(f64, f64)], units: usize) -> String {
    svg(
        id,
        "Concentration curve: the cumulative share of the total PI held by the top units",
        (920, 300),
        (points.len() < 2).then_some("No unit loses anything when lost alone: every PI is 0."),
        |root| {
            let mut chart = cartesian(root, 44, 56, 0f64..1f64, 0f64..1.02f64)?;
            mesh(&mut chart)
                .x_desc(format!(
                    "share of the {} units, ranked by PI",
                    format_number(units as f64)
                ))
                .y_desc("cumulative share of PI")
                .x_label_formatter(&|v| format!("{:.0}%", v * 100.0))
                .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
                .draw()?;
            chart
                .draw_series(LineSeries::new(
                    [(0.0, 0.0), (1.0, 1.0)],
                    INK.mix(0.5).stroke_width(1),
                ))?
                .label("PI spread evenly")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], INK.mix(0.5)));
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    LINE.stroke_width(2),
                ))?
                .label("cumulative share of total PI")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], LINE.stroke_width(2)));
            legend(&mut chart, SeriesLabelPosition::LowerRight)
        },
    )
}

/// A portfolio's benefit-versus-spend curve: cumulative PI removed against cumulative cost,
/// from (0, 0), one marked point per pick.
pub(super) fn portfolio_curve(id: &str, points: &[(f64, f64)]) -> String {
    let x_max = points.iter().map(|p| p.0).fold(0.0, f64::max).max(1.0) * 1.04;
    let y_max = points.iter().map(|p| p.1).fold(0.0, f64::max).max(1.0) * 1.08;
    svg(
        id,
        "Portfolio curve: cumulative PI removed against cumulative cost",
        (920, 300),
        (points.len() < 2).then_some("No proposal removes any PI."),
        |root| {
            let mut chart = cartesian(root, 44, 64, 0f64..x_max, 0f64..y_max)?;
            mesh(&mut chart)
                .x_desc("cumulative cost")
                .y_desc("cumulative PI removed")
                .x_label_formatter(&|v| compact(*v))
                .y_label_formatter(&|v| compact(*v))
                .draw()?;
            chart.draw_series(LineSeries::new(
                points.iter().copied(),
                LINE.stroke_width(2),
            ))?;
            chart.draw_series(
                points[1..]
                    .iter()
                    .map(|&p| Circle::new(p, 3, LINE.filled())),
            )?;
            Ok(())
        },
    )
}

/// Minimum TTS against TTR per unit, with the TTS = TTR diagonal: units below it are exposed.
pub(super) fn tts_ttr(id: &str, points: &[(f64, f64, bool)]) -> String {
    svg(
        id,
        "Minimum time to survive against time to recover, one point per site",
        (920, 460),
        points
            .is_empty()
            .then_some("No unit leaves any products row short: no finite TTS."),
        |root| {
            let max = points
                .iter()
                .flat_map(|p| [p.0, p.1])
                .fold(1.0f64, f64::max)
                * 1.05;
            let mut chart = cartesian(root, 44, 60, 0f64..max, 0f64..max)?;
            mesh(&mut chart)
                .x_desc("TTR: time to recover (days)")
                .y_desc("minimum TTS: time to survive (days)")
                .x_label_formatter(&|v| compact(*v))
                .y_label_formatter(&|v| compact(*v))
                .draw()?;
            chart
                .draw_series(LineSeries::new(
                    [(0.0, 0.0), (max, max)],
                    INK.mix(0.6).stroke_width(1),
                ))?
                .label("TTS = TTR")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], INK.mix(0.6)));
            for (exposed, colour, alpha, name) in [
                (false, SAFE, 0.55, "not exposed (TTS ≥ TTR)"),
                (true, DANGER, 0.75, "exposed (TTS < TTR)"),
            ] {
                chart
                    .draw_series(
                        points
                            .iter()
                            .filter(|p| p.2 == exposed)
                            .map(|p| Circle::new((p.0, p.1), 4, colour.mix(alpha).filled())),
                    )?
                    .label(name)
                    .legend(move |(x, y)| Circle::new((x + 9, y), 4, colour.filled()));
            }
            legend(&mut chart, SeriesLabelPosition::UpperLeft)
        },
    )
}

/// Heat-map colour of a share in [0, 1]: white to deep blue.
fn heat(share: f64) -> RGBColor {
    let t = share.clamp(0.0, 1.0).sqrt();
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    RGBColor(lerp(0xf4, 0x08), lerp(0xf8, 0x30), lerp(0xfc, 0x6b))
}

/// Tier (rows) by country (columns): each cell the country's share of the tier's cost-weighted
/// supply, in percent.
pub(super) fn heatmap(id: &str, tiers: &[u32], countries: &[String], share: &[Vec<f64>]) -> String {
    let grid = HeatGrid {
        cell_w: 64,
        cell_h: 34,
        left: 90,
        top: 70,
    };
    let w = (grid.left + grid.cell_w * countries.len().max(1) as i32 + 20).max(420) as u32;
    let h = (grid.top + grid.cell_h * tiers.len().max(1) as i32 + 50) as u32;
    svg(
        id,
        "Heat map of each country's share of the supply at each tier",
        (w, h),
        (tiers.is_empty() || countries.is_empty()).then_some("No tiered supply to show."),
        |root| {
            grid.headings(root, countries)?;
            for (i, t) in tiers.iter().enumerate() {
                grid.tier_row(root, i as i32, *t, &share[i])?;
            }
            grid.scale(root, tiers.len() as i32)
        },
    )
}

/// Where the heat map's cells stand, in pixels.
struct HeatGrid {
    cell_w: i32,
    cell_h: i32,
    /// Room left of the cells for the tier names.
    left: i32,
    /// Room above the cells for the country names.
    top: i32,
}

/// Writes `text` at `at` in the heat map's label font, anchored at `pos`.
fn label(root: &Area<'_>, text: String, at: (i32, i32), h: HPos) -> Drawn {
    let style = TextStyle::from((FONT, 15).into_font()).color(&INK);
    root.draw(&Text::new(text, at, style.pos(Pos::new(h, VPos::Center))))?;
    Ok(())
}

impl HeatGrid {
    /// The axis names and a country name over each column.
    fn headings(&self, root: &Area<'_>, countries: &[String]) -> Drawn {
        label(root, "country →".into(), (8, self.top - 14), HPos::Left)?;
        label(root, "tier ↓".into(), (8, self.top + 10), HPos::Left)?;
        for (j, c) in countries.iter().enumerate() {
            let x = self.left + self.cell_w * j as i32 + self.cell_w / 2;
            label(root, c.clone(), (x, self.top - 14), HPos::Center)?;
        }
        Ok(())
    }

    /// Row `i`: the tier's name and one coloured cell per country, with its percentage.
    fn tier_row(&self, root: &Area<'_>, i: i32, tier: u32, shares: &[f64]) -> Drawn {
        let (cell_w, cell_h) = (self.cell_w, self.cell_h);
        let y = self.top + cell_h * i;
        label(
            root,
            format!("tier {tier}"),
            (self.left - 8, y + cell_h / 2),
            HPos::Right,
        )?;
        for (j, &v) in shares.iter().enumerate() {
            let x = self.left + cell_w * j as i32;
            root.draw(&Rectangle::new(
                [(x, y), (x + cell_w - 2, y + cell_h - 2)],
                heat(v).filled(),
            ))?;
            if v > 0.0 {
                let pct = v * 100.0;
                let text = if pct >= 0.5 {
                    format!("{pct:.0}%")
                } else {
                    "<1%".to_string()
                };
                let ink = if v.sqrt() > 0.55 { WHITE } else { INK };
                root.draw(&Text::new(
                    text,
                    (x + cell_w / 2 - 1, y + cell_h / 2 - 1),
                    TextStyle::from((FONT, 14).into_font())
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))?;
            }
        }
        Ok(())
    }

    /// The colour scale under `rows` rows of cells.
    fn scale(&self, root: &Area<'_>, rows: i32) -> Drawn {
        let y = self.top + self.cell_h * rows + 16;
        for k in 0..=10 {
            let x = self.left + k * 24;
            root.draw(&Rectangle::new(
                [(x, y), (x + 22, y + 12)],
                heat(k as f64 / 10.0).filled(),
            ))?;
        }
        label(root, "0%".into(), (self.left - 8, y + 6), HPos::Right)?;
        label(
            root,
            "100% of the tier".into(),
            (self.left + 11 * 24 + 6, y + 6),
            HPos::Left,
        )
    }
}

/// Histogram of the scenarios with a positive portfolio loss, with VaR and CVaR marked.
pub(super) fn loss_histogram(id: &str, losses: &[f64], marks: &[(&str, f64)]) -> String {
    let positive: Vec<f64> = losses.iter().copied().filter(|&l| l > 0.0).collect();
    svg(
        id,
        "Histogram of the Monte Carlo portfolio loss with VaR and CVaR at 95 and 99 percent",
        (920, 400),
        positive.is_empty().then_some("No scenario lost anything."),
        |root| {
            let max = positive
                .iter()
                .copied()
                .chain(marks.iter().map(|m| m.1))
                .fold(0.0f64, f64::max);
            let bins = 40usize;
            let width = max / bins as f64;
            let mut counts = vec![0u64; bins];
            for &l in &positive {
                let b = ((l / width) as usize).min(bins - 1);
                counts[b] += 1;
            }
            let top = counts.iter().copied().max().unwrap_or(1) as f64 * 1.12;
            let mut chart = cartesian(root, 44, 60, 0f64..max * 1.02, 0f64..top)?;
            mesh(&mut chart)
                .disable_x_mesh()
                .x_desc("portfolio loss in a scenario (currency)")
                .y_desc("scenarios with a loss")
                .x_label_formatter(&|v| compact(*v))
                .y_label_formatter(&|v| compact(*v))
                .draw()?;
            chart.draw_series(counts.iter().enumerate().filter(|(_, c)| **c > 0).map(
                |(i, &c)| {
                    Rectangle::new(
                        [
                            (i as f64 * width + width * 0.06, 0.0),
                            ((i + 1) as f64 * width - width * 0.06, c as f64),
                        ],
                        BAR.filled(),
                    )
                },
            ))?;
            risk_marks(&mut chart, marks, top)?;
            legend(&mut chart, SeriesLabelPosition::UpperRight)
        },
    )
}

/// A vertical line for each VaR or CVaR mark, up to `top`, named in the legend.
fn risk_marks(chart: &mut Chart<'_, '_>, marks: &[(&str, f64)], top: f64) -> Drawn {
    let palette = [
        RGBColor(0xe6, 0x9f, 0x00),
        RGBColor(0xd5, 0x5e, 0x00),
        RGBColor(0xcc, 0x3d, 0x8e),
        RGBColor(0x7a, 0x1f, 0x5c),
    ];
    for (k, (name, v)) in marks.iter().enumerate() {
        let c = palette[k % palette.len()];
        let dash = if k % 2 == 0 { 2 } else { 3 };
        chart
            .draw_series(LineSeries::new(
                [(*v, 0.0), (*v, top)],
                c.stroke_width(dash),
            ))?
            .label(format!("{name} = {}", format_number(*v)))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], c.stroke_width(dash)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn compact_numbers() {
        assert_eq!(super::compact(0.0), "0");
        assert_eq!(super::compact(2.5), "2.5");
        assert_eq!(super::compact(1500.0), "1.5k");
        assert_eq!(super::compact(2_000_000.0), "2M");
        assert_eq!(super::compact(12_345_678.0), "12.3M");
    }
}
