//! Events and what they did, as tables: the delta, each event's outcome, the situation; and
//! reading a JSON-lines file of events with every bad line reported.

use std::path::Path;

use polars::prelude::{Column, DataFrame, NamedFrom, PolarsResult, Series};

use super::{Event, EventError, Outcome, Situation, Status, parse_line};

/// Events that parsed (each with its 1-based line number) and the lines that did not.
pub type Parsed = (Vec<(usize, Event)>, Vec<EventError>);

/// Reads a JSON-lines file: the events that parse (with their line numbers) and every line
/// that does not. Blank lines are skipped; a last line without its newline is read too.
pub fn read_events(path: &Path) -> std::io::Result<Parsed> {
    let text = std::fs::read_to_string(path)?;
    Ok(parse_lines(&text, 1))
}

/// Parses JSON lines numbered from `first_line`.
pub fn parse_lines(text: &str, first_line: usize) -> Parsed {
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let n = first_line + i;
        match parse_line(line, n) {
            Ok(e) => ok.push((n, e)),
            Err(e) => bad.push(e),
        }
    }
    (ok, bad)
}

impl Outcome {
    /// The delta: `kind`, `id`, `metric`, `before`, `after`, `event_ids` (comma-separated).
    pub fn delta_frame(&self) -> PolarsResult<DataFrame> {
        let d = &self.delta;
        let col = |name: &str, v: Vec<String>| Column::from(Series::new(name.into(), v));
        let num = |name: &str, v: Vec<Option<f64>>| Column::from(Series::new(name.into(), v));
        DataFrame::new_infer_height(vec![
            col("kind", d.iter().map(|r| r.kind.to_string()).collect()),
            col("id", d.iter().map(|r| r.id.clone()).collect()),
            col("metric", d.iter().map(|r| r.metric.to_string()).collect()),
            num("before", d.iter().map(|r| r.before).collect()),
            num("after", d.iter().map(|r| r.after).collect()),
            col(
                "event_ids",
                d.iter().map(|r| r.event_ids.join(",")).collect(),
            ),
        ])
    }

    /// Per event: `line`, `id`, `type`, `status` (applied, late, duplicate, rejected),
    /// `field`, `value`, `reason` (for a rejection) and `detect_s`.
    pub fn events_frame(&self) -> PolarsResult<DataFrame> {
        let e = &self.events;
        let col = |name: &str, v: Vec<Option<String>>| Column::from(Series::new(name.into(), v));
        let err = |s: &Status| match s {
            Status::Rejected(err) => Some(err.clone()),
            _ => None,
        };
        DataFrame::new_infer_height(vec![
            Column::from(Series::new(
                "line".into(),
                e.iter().map(|x| x.line as u64).collect::<Vec<_>>(),
            )),
            col("id", e.iter().map(|x| Some(x.id.clone())).collect()),
            col("type", e.iter().map(|x| Some(x.kind.clone())).collect()),
            col(
                "status",
                e.iter()
                    .map(|x| Some(status_name(&x.status).into()))
                    .collect(),
            ),
            col(
                "field",
                e.iter().map(|x| err(&x.status).map(|e| e.field)).collect(),
            ),
            col(
                "value",
                e.iter().map(|x| err(&x.status).map(|e| e.value)).collect(),
            ),
            col(
                "reason",
                e.iter().map(|x| err(&x.status).map(|e| e.reason)).collect(),
            ),
            Column::from(Series::new(
                "detect_s".into(),
                e.iter().map(|x| x.detect_s).collect::<Vec<_>>(),
            )),
        ])
    }
}

/// The name of a status in tables and summaries.
pub fn status_name(s: &Status) -> &'static str {
    match s {
        Status::Applied { won: true } => "applied",
        Status::Applied { won: false } => "late",
        Status::Duplicate => "duplicate",
        Status::Rejected(_) => "rejected",
    }
}

impl Situation {
    /// Per products row: `row`, `availability`, `tts_days`, `days_left`, `stops_on`,
    /// `projected_loss`.
    pub fn frame(&self) -> PolarsResult<DataFrame> {
        let r = &self.rows;
        let num = |name: &str, v: Vec<f64>| Column::from(Series::new(name.into(), v));
        let stops: Vec<Option<String>> = r
            .iter()
            .map(|x| x.stops_on.map(|t| t.format("%Y-%m-%d").to_string()))
            .collect();
        DataFrame::new_infer_height(vec![
            Column::from(Series::new(
                "row".into(),
                r.iter().map(|x| x.row.clone()).collect::<Vec<_>>(),
            )),
            num("availability", r.iter().map(|x| x.availability).collect()),
            num("tts_days", r.iter().map(|x| x.tts_days).collect()),
            num("days_left", r.iter().map(|x| x.days_left).collect()),
            Column::from(Series::new("stops_on".into(), stops)),
            num(
                "projected_loss",
                r.iter().map(|x| x.projected_loss).collect(),
            ),
        ])
    }
}
