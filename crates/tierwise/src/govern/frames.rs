//! The decision log and pending decisions as tables.

use polars::prelude::{Column, DataFrame, NamedFrom, PolarsResult, Series};

use super::{Entry, Pending};

fn text(name: &str, v: Vec<String>) -> Column {
    Column::from(Series::new(name.into(), v))
}

fn maybe(name: &str, v: Vec<Option<String>>) -> Column {
    Column::from(Series::new(name.into(), v))
}

/// One row per log entry: `seq`, `decision`, `step`, `time`, `agent`, `action`, `kind`,
/// `subject`, `outcome`, `role`, `approver`, `rules` (ids, comma-separated), `events`,
/// `committed`, `reason`, `hash`.
pub fn log_frame(entries: &[Entry]) -> PolarsResult<DataFrame> {
    let s = |f: &dyn Fn(&Entry) -> String| entries.iter().map(f).collect::<Vec<_>>();
    DataFrame::new_infer_height(vec![
        Column::from(Series::new(
            "seq".into(),
            entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        )),
        text("decision", s(&|e| e.decision.clone())),
        text("step", s(&|e| e.step.clone())),
        text("time", s(&|e| e.time.clone())),
        text("agent", s(&|e| e.proposal.agent.clone())),
        text("action", s(&|e| e.proposal.action.as_str().into())),
        text("kind", s(&|e| e.proposal.kind.clone())),
        text("subject", s(&|e| e.proposal.subject.clone())),
        text("outcome", s(&|e| e.outcome.clone())),
        maybe("role", entries.iter().map(|e| e.role.clone()).collect()),
        maybe(
            "approver",
            entries.iter().map(|e| e.approver.clone()).collect(),
        ),
        text(
            "rules",
            s(&|e| {
                let ids: Vec<&str> = e.fired.iter().map(|f| f.id.as_str()).collect();
                ids.join(",")
            }),
        ),
        text("events", s(&|e| e.events.join(","))),
        text("committed", s(&|e| e.committed.join(","))),
        text("reason", s(&|e| e.reason.clone())),
        text("hash", s(&|e| e.hash.clone())),
    ])
}

/// One row per pending decision: `decision`, `role`, `deadline`, `agent`, `action`, `kind`,
/// `subject`, `cost`, `rules`, `events`.
pub fn pending_frame<'a>(
    pending: impl IntoIterator<Item = &'a Pending>,
) -> PolarsResult<DataFrame> {
    let p: Vec<&Pending> = pending.into_iter().collect();
    let s = |f: &dyn Fn(&Pending) -> String| p.iter().map(|x| f(x)).collect::<Vec<_>>();
    DataFrame::new_infer_height(vec![
        text("decision", s(&|x| x.id.clone())),
        text("role", s(&|x| x.role.clone())),
        text(
            "deadline",
            s(&|x| {
                x.deadline
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            }),
        ),
        text("agent", s(&|x| x.proposal.agent.clone())),
        text("action", s(&|x| x.proposal.action.as_str().into())),
        text("kind", s(&|x| x.proposal.kind.clone())),
        text("subject", s(&|x| x.proposal.subject.clone())),
        Column::from(Series::new(
            "cost".into(),
            p.iter().map(|x| x.proposal.cost).collect::<Vec<_>>(),
        )),
        text(
            "rules",
            s(&|x| {
                let ids: Vec<&str> = x.fired.iter().map(|f| f.id.as_str()).collect();
                ids.join(",")
            }),
        ),
        text("events", s(&|x| x.events.join(","))),
    ])
}
