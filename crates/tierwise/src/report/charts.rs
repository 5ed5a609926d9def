//! The report's charts, drawn with plotters' SVG backend into strings that the page inlines.
//! Every chart is an `<svg>` with an id, a role and a label; nothing it draws refers to a
//! resource outside the page.

use plotters::coord::Shift;
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

fn note(area: &DrawingArea<SVGBackend<'_>, Shift>, text: &str) {
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

type Drawn = Result<(), Box<dyn std::error::Error>>;

/// REI Pareto: bars of REI for the top units, ranked, and the cumulative share of the total
/// PI of every unit of the kind as a line.
pub(super) fn pareto(id: &str, units: &[String], rei: &[f64], cumulative: &[f64]) -> String {
    let (w, h) = (920u32, 380u32);
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
        let r: Drawn = (|| {
            root.fill(&WHITE)?;
            if units.is_empty() || rei.iter().all(|&x| x <= 0.0) {
                note(
                    &root,
                    "No unit loses anything when lost alone: every PI is 0.",
                );
                return Ok(());
            }
            let n = units.len();
            let mut chart = ChartBuilder::on(&root)
                .margin(12)
                .margin_right(24)
                .x_label_area_size(90)
                .y_label_area_size(56)
                .build_cartesian_2d(0f64..n as f64, 0f64..1.3f64)?;
            let label_of = |x: &f64| {
                let i = x.floor() as usize;
                if (x - i as f64 - 0.5).abs() < 1e-9 && i < n {
                    units[i].clone()
                } else {
                    String::new()
                }
            };
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(WHITE)
                .bold_line_style(GRID)
                .x_labels(0)
                .y_labels(7)
                .y_desc("REI / cumulative share of PI")
                .axis_desc_style((FONT, 16))
                .label_style((FONT, 15))
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
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.9))
                .border_style(GRID)
                .label_font((FONT, 15))
                .draw()?;
            // Unit names under the bars, written upwards.
            let style = TextStyle::from((FONT, 14).into_font())
                .color(&INK)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Right, VPos::Center));
            for i in 0..n {
                let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
                root.draw(&Text::new(
                    label_of(&(i as f64 + 0.5)),
                    (px, py + 6),
                    style.clone(),
                ))?;
            }
            Ok(())
        })();
        r.expect("drawing into a string cannot fail");
        root.present().expect("drawing into a string cannot fail");
    }
    finish(
        s,
        id,
        "REI Pareto: the units with the largest PI and the cumulative share of total PI",
    )
}

/// The concentration curve of PI over every unit: the cumulative share of the total PI held by
/// the top x % of units, ranked by PI (`points` are (share of units, share of PI)).
pub(super) fn pareto_curve(id: &str, points: &[(f64, f64)], units: usize) -> String {
    let (w, h) = (920u32, 300u32);
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
        let r: Drawn = (|| {
            root.fill(&WHITE)?;
            if points.len() < 2 {
                note(
                    &root,
                    "No unit loses anything when lost alone: every PI is 0.",
                );
                return Ok(());
            }
            let mut chart = ChartBuilder::on(&root)
                .margin(12)
                .margin_right(24)
                .x_label_area_size(44)
                .y_label_area_size(56)
                .build_cartesian_2d(0f64..1f64, 0f64..1.02f64)?;
            chart
                .configure_mesh()
                .light_line_style(WHITE)
                .bold_line_style(GRID)
                .x_desc(format!(
                    "share of the {} units, ranked by PI",
                    format_number(units as f64)
                ))
                .y_desc("cumulative share of PI")
                .axis_desc_style((FONT, 16))
                .label_style((FONT, 15))
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
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerRight)
                .background_style(WHITE.mix(0.9))
                .border_style(GRID)
                .label_font((FONT, 15))
                .draw()?;
            Ok(())
        })();
        r.expect("drawing into a string cannot fail");
        root.present().expect("drawing into a string cannot fail");
    }
    finish(
        s,
        id,
        "Concentration curve: the cumulative share of the total PI held by the top units",
    )
}

/// Minimum TTS against TTR per unit, with the TTS = TTR diagonal: units below it are exposed.
pub(super) fn tts_ttr(id: &str, points: &[(f64, f64, bool)]) -> String {
    let (w, h) = (920u32, 460u32);
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
        let r: Drawn = (|| {
            root.fill(&WHITE)?;
            if points.is_empty() {
                note(
                    &root,
                    "No unit leaves any products row short: no finite TTS.",
                );
                return Ok(());
            }
            let max = points
                .iter()
                .flat_map(|p| [p.0, p.1])
                .fold(1.0f64, f64::max)
                * 1.05;
            let mut chart = ChartBuilder::on(&root)
                .margin(12)
                .margin_right(24)
                .x_label_area_size(44)
                .y_label_area_size(60)
                .build_cartesian_2d(0f64..max, 0f64..max)?;
            chart
                .configure_mesh()
                .light_line_style(WHITE)
                .bold_line_style(GRID)
                .x_desc("TTR: time to recover (days)")
                .y_desc("minimum TTS: time to survive (days)")
                .axis_desc_style((FONT, 16))
                .label_style((FONT, 15))
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
            chart
                .draw_series(
                    points
                        .iter()
                        .filter(|p| !p.2)
                        .map(|p| Circle::new((p.0, p.1), 4, SAFE.mix(0.55).filled())),
                )?
                .label("not exposed (TTS ≥ TTR)")
                .legend(|(x, y)| Circle::new((x + 9, y), 4, SAFE.filled()));
            chart
                .draw_series(
                    points
                        .iter()
                        .filter(|p| p.2)
                        .map(|p| Circle::new((p.0, p.1), 4, DANGER.mix(0.75).filled())),
                )?
                .label("exposed (TTS < TTR)")
                .legend(|(x, y)| Circle::new((x + 9, y), 4, DANGER.filled()));
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.9))
                .border_style(GRID)
                .label_font((FONT, 15))
                .draw()?;
            Ok(())
        })();
        r.expect("drawing into a string cannot fail");
        root.present().expect("drawing into a string cannot fail");
    }
    finish(
        s,
        id,
        "Minimum time to survive against time to recover, one point per site",
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
    let cell_w = 64i32;
    let cell_h = 34i32;
    let left = 90i32;
    let top = 70i32;
    let w = (left + cell_w * countries.len().max(1) as i32 + 20).max(420) as u32;
    let h = (top + cell_h * tiers.len().max(1) as i32 + 50) as u32;
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
        let r: Drawn = (|| {
            root.fill(&WHITE)?;
            if tiers.is_empty() || countries.is_empty() {
                note(&root, "No tiered supply to show.");
                return Ok(());
            }
            let center = Pos::new(HPos::Center, VPos::Center);
            let label = TextStyle::from((FONT, 15).into_font()).color(&INK);
            root.draw(&Text::new(
                "country →".to_string(),
                (8, top - 14),
                label.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            root.draw(&Text::new(
                "tier ↓".to_string(),
                (8, top + 10),
                label.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            for (j, c) in countries.iter().enumerate() {
                let x = left + cell_w * j as i32 + cell_w / 2;
                root.draw(&Text::new(
                    c.clone(),
                    (x, top - 14),
                    label.clone().pos(center),
                ))?;
            }
            for (i, t) in tiers.iter().enumerate() {
                let y = top + cell_h * i as i32;
                root.draw(&Text::new(
                    format!("tier {t}"),
                    (left - 8, y + cell_h / 2),
                    label.clone().pos(Pos::new(HPos::Right, VPos::Center)),
                ))?;
                for (j, &v) in share[i].iter().enumerate() {
                    let x = left + cell_w * j as i32;
                    let fill = heat(v);
                    root.draw(&Rectangle::new(
                        [(x, y), (x + cell_w - 2, y + cell_h - 2)],
                        fill.filled(),
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
                                .pos(center),
                        ))?;
                    }
                }
            }
            // Scale.
            let y = top + cell_h * tiers.len() as i32 + 16;
            for k in 0..=10 {
                let x = left + k * 24;
                root.draw(&Rectangle::new(
                    [(x, y), (x + 22, y + 12)],
                    heat(k as f64 / 10.0).filled(),
                ))?;
            }
            root.draw(&Text::new(
                "0%".to_string(),
                (left - 8, y + 6),
                label.clone().pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
            root.draw(&Text::new(
                "100% of the tier".to_string(),
                (left + 11 * 24 + 6, y + 6),
                label.clone().pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            Ok(())
        })();
        r.expect("drawing into a string cannot fail");
        root.present().expect("drawing into a string cannot fail");
    }
    finish(
        s,
        id,
        "Heat map of each country's share of the supply at each tier",
    )
}

/// Histogram of the scenarios with a positive portfolio loss, with VaR and CVaR marked.
pub(super) fn loss_histogram(id: &str, losses: &[f64], marks: &[(&str, f64)]) -> String {
    let (w, h) = (920u32, 400u32);
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (w, h)).into_drawing_area();
        let r: Drawn = (|| {
            root.fill(&WHITE)?;
            let positive: Vec<f64> = losses.iter().copied().filter(|&l| l > 0.0).collect();
            if positive.is_empty() {
                note(&root, "No scenario lost anything.");
                return Ok(());
            }
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
            let mut chart = ChartBuilder::on(&root)
                .margin(12)
                .margin_right(24)
                .x_label_area_size(44)
                .y_label_area_size(60)
                .build_cartesian_2d(0f64..max * 1.02, 0f64..top)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(WHITE)
                .bold_line_style(GRID)
                .x_desc("portfolio loss in a scenario (currency)")
                .y_desc("scenarios with a loss")
                .axis_desc_style((FONT, 16))
                .label_style((FONT, 15))
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
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 18, y)], c.stroke_width(dash))
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.9))
                .border_style(GRID)
                .label_font((FONT, 15))
                .draw()?;
            Ok(())
        })();
        r.expect("drawing into a string cannot fail");
        root.present().expect("drawing into a string cannot fail");
    }
    finish(
        s,
        id,
        "Histogram of the Monte Carlo portfolio loss with VaR and CVaR at 95 and 99 percent",
    )
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
