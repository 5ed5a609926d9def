//! Governance: check and compare policies, export and verify the decision log, list and
//! answer pending decisions.

use std::path::Path;
use std::sync::Arc;

use tierwise::govern::{
    Governor, Handled, Orchestrator, Verdict, log_frame, pending_frame, verify_jsonl,
};
use tierwise::risk::Policy;
use tierwise::source::{Settings, open_store, parse_time};
use tierwise::store::{KnowledgeGraph, LiveGraph};

use crate::cli::{AnswerArgs, DecisionsCommand, LiveArgs, LogCommand, OutArgs, PolicyCommand};
use crate::failure::{Failure, fail};
use crate::output::write_frame;

pub fn policy(c: PolicyCommand) -> Result<(), Failure> {
    match c {
        PolicyCommand::Check { file } => {
            let p = Policy::from_path(&file).map_err(policy_failure)?;
            let g = &p.governance;
            println!(
                "{}: policy {:?} (sha256 {}) loads: {} weights, {} rules, {} roles",
                file.display(),
                p.version,
                p.sha256,
                p.weights.len(),
                g.rules.len(),
                g.roles.len()
            );
            Ok(())
        }
        PolicyCommand::Diff {
            old,
            new,
            store,
            as_of,
            out,
        } => diff(&old, &new, &store, as_of.as_deref(), &out),
    }
}

/// Every problem of a policy on a line of its own.
fn policy_failure(e: tierwise::risk::PolicyError) -> Failure {
    let text = e.to_string();
    let lines: Vec<&str> = text.split("; ").collect();
    fail(2, format!("error: {}", lines.join("\n  ")))
}

/// The decisions each policy takes on the stored events, and the rows where they differ.
fn diff(
    old: &Path,
    new: &Path,
    store: &Path,
    as_of: Option<&str>,
    out: &OutArgs,
) -> Result<(), Failure> {
    let kg = open_store(store)?;
    let as_of = match as_of {
        Some(t) => parse_time(t)?,
        None => chrono::Utc::now(),
    };
    let load = |path: &Path| {
        Policy::from_path(path)
            .map(Arc::new)
            .map_err(policy_failure)
    };
    let mut d = kg.policy_diff(load(old)?, load(new)?, as_of)?;
    eprintln!(
        "{} decisions under {}, {} under {}; {} differ",
        d.old,
        old.display(),
        d.new,
        new.display(),
        d.rows.height()
    );
    write_frame(&mut d.rows, out)
}

/// `tierwise replay --policy P`: the stored events governed again from the loads (in memory),
/// the people's answers given again where the stored log has them, and the replayed log
/// compared with the stored one. Exit 1 names the first entry that differs.
pub fn replay(args: &LiveArgs, output: Option<&Path>) -> Result<(), Failure> {
    let p = &args.policy;
    let settings = Settings::from_args(p.policy.as_deref(), p.as_of.as_deref())?;
    let kg = super::events::open_to_read(&args.store)?;
    let t0 = std::time::Instant::now();
    let r = kg.replay_governance(settings.policy, settings.as_of)?;
    if let Some(path) = output {
        let text: String = r.replayed.iter().map(|e| e.to_line() + "\n").collect();
        std::fs::write(path, &text)
            .map_err(|e| fail(1, format!("error: cannot write {}: {e}", path.display())))?;
    }
    let head = r
        .replayed
        .last()
        .map_or(tierwise::govern::GENESIS, |e| &e.hash);
    println!(
        "replayed {} events under policy {:?} in {:.2} s: {} log entries (head {head}), {} pending; state {}",
        r.events,
        r.policy_version,
        t0.elapsed().as_secs_f64(),
        r.replayed.len(),
        r.pending,
        r.state_hash
    );
    let Some(line) = r.first_difference() else {
        println!(
            "the stored log of {} entries is reproduced byte for byte",
            r.stored.len()
        );
        return Ok(());
    };
    let id = |l: &[tierwise::govern::Entry]| {
        l.get(line - 1).map_or("none".to_string(), |e| {
            format!("{} {} ({})", e.decision, e.step, e.outcome)
        })
    };
    Err(fail(
        1,
        format!(
            "error: the replay differs from the stored log ({} entries) at entry {line}: stored {}, replayed {}",
            r.stored.len(),
            id(&r.stored),
            id(&r.replayed)
        ),
    ))
}

pub fn log(c: LogCommand) -> Result<(), Failure> {
    match c {
        LogCommand::Export { store, output } => {
            let kg = open_store(&store)?;
            let text = kg.decision_log_jsonl()?;
            std::fs::write(&output, &text)
                .map_err(|e| fail(1, format!("error: cannot write {}: {e}", output.display())))?;
            eprintln!(
                "{} entries written to {}",
                text.lines().count(),
                output.display()
            );
            Ok(())
        }
        LogCommand::Verify { file, store } => {
            let (text, name) = match (file, store) {
                (Some(f), _) => {
                    let text = std::fs::read_to_string(&f)
                        .map_err(|e| fail(1, format!("error: cannot read {}: {e}", f.display())))?;
                    (text, f.display().to_string())
                }
                (None, store) => {
                    let store = store.unwrap_or_else(|| "tierwise.db".into());
                    let kg = KnowledgeGraph::open_read_only(&store)?;
                    (kg.decision_log_jsonl()?, store.display().to_string())
                }
            };
            match verify_jsonl(&text) {
                Ok(n) => {
                    println!("{name}: the chain of {n} entries holds");
                    Ok(())
                }
                Err(e) => Err(fail(1, format!("error: {name}: {e}"))),
            }
        }
    }
}

pub fn decisions(c: DecisionsCommand) -> Result<(), Failure> {
    match c {
        DecisionsCommand::List {
            store,
            all,
            policy,
            out,
        } => {
            let kg = KnowledgeGraph::open_read_only(&store)?;
            let entries = kg.decision_log()?;
            let mut frame = if all {
                log_frame(&entries)
            } else {
                let settings = Settings::from_args(policy.as_deref(), None)?;
                let g = Governor::from_entries(settings.policy, entries)?;
                pending_frame(g.pending().values())
            }
            .map_err(|e| fail(1, format!("error: {e}")))?;
            write_frame(&mut frame, &out)
        }
        DecisionsCommand::Show { id, store } => {
            let kg = KnowledgeGraph::open_read_only(&store)?;
            let entries: Vec<_> = kg
                .decision_log()?
                .into_iter()
                .filter(|e| e.decision == id)
                .collect();
            if entries.is_empty() {
                return Err(fail(
                    2,
                    format!("error: no decision {id:?} in {}", store.display()),
                ));
            }
            for e in entries {
                println!("{}", e.to_line());
            }
            Ok(())
        }
        DecisionsCommand::Approve(a) => answer(&a, true),
        DecisionsCommand::Reject(a) => answer(&a, false),
    }
}

/// The store's live state and its governor under the policy of the arguments.
pub fn governed(args: &LiveArgs) -> Result<Orchestrator<LiveGraph>, Failure> {
    let p = &args.policy;
    let settings = Settings::from_args(p.policy.as_deref(), p.as_of.as_deref())?;
    let kg = open_store(&args.store)?;
    let governor = Governor::new(settings.policy.clone())?;
    let lg = crate::progress::cancellable(|p| kg.live_with(settings.policy, settings.as_of, p))?;
    Ok(Orchestrator::new(lg, governor)?)
}

fn answer(a: &AnswerArgs, approve: bool) -> Result<(), Failure> {
    let time = match &a.at {
        Some(t) => parse_time(t)?,
        None => chrono::Utc::now(),
    };
    let mut o = governed(&a.live)?;
    let (verdict, committed) = o.answer(&a.id, approve, &a.by, &a.role, time)?;
    let what = match verdict {
        Verdict::Approved { .. } => "approved",
        Verdict::Notified { .. } => "noted",
        _ => "rejected",
    };
    println!(
        "{} {what} by {} ({}); committed: {}",
        a.id,
        a.by,
        a.role,
        if committed.is_empty() {
            "nothing".to_string()
        } else {
            committed.join(", ")
        }
    );
    Ok(())
}

/// `tierwise apply --policy P`: each event applied, then the agents and the policy; the
/// decisions are printed as they happen and written (the new log entries) as the output.
pub fn apply(
    parsed: &[(usize, tierwise::events::Event)],
    source: &Path,
    args: &LiveArgs,
    out: &OutArgs,
) -> Result<Vec<tierwise::events::EventError>, Failure> {
    let mut o = governed(args)?;
    let before = o.governor().log().entries().len();
    let (name, received) = (source.display().to_string(), chrono::Utc::now());
    // One event at a time, so each is printed as it is decided (and is in the store, with its
    // commits and log entries, by then).
    // Ctrl-C stops before the next event: each one handled is stored whole.
    let mut rejected = Vec::new();
    let mut reached = 0;
    let stopped = crate::progress::cancellable(|p| -> Result<bool, Failure> {
        for e in parsed {
            if p.is_cancelled() {
                return Ok(true);
            }
            let handled = o.handle_with(std::slice::from_ref(e), &name, received, p)?;
            reached += handled.len();
            rejected.extend(print_handled(&handled));
        }
        Ok(false)
    })?;
    if stopped {
        return Err(super::events::interrupted_after(
            reached,
            parsed.len(),
            source,
        ));
    }
    let entries = &o.governor().log().entries()[before..];
    let mut frame = log_frame(entries).map_err(|e| fail(1, format!("error: {e}")))?;
    write_frame(&mut frame, out)?;
    eprintln!(
        "{} events, {} log entries, {} pending; state {}",
        parsed.len(),
        entries.len(),
        o.governor().pending().len(),
        o.live().state_hash()
    );
    Ok(rejected)
}

/// Prints each decision as it happened; returns the events the gates rejected.
fn print_handled(handled: &[Handled]) -> Vec<tierwise::events::EventError> {
    let mut rejected = Vec::new();
    for h in handled {
        rejected.extend(h.outcome.rejected().cloned());
        for (p, v) in &h.decisions {
            let line = match v {
                Verdict::Approved { id } => format!("{id} approved"),
                Verdict::Notified { id } => format!("{id} notified"),
                Verdict::Rejected { id, reason } => format!("{id} rejected: {reason}"),
                Verdict::Escalated { id, role, reason } => {
                    format!("{id} escalated to {role}: {reason}")
                }
                _ => continue,
            };
            eprintln!(
                "{}: {} {} {} -> {line}",
                h.event,
                p.agent,
                p.action,
                p.key()
            );
        }
        if !h.committed.is_empty() {
            eprintln!("{}: committed {}", h.event, h.committed.join(", "));
        }
    }
    rejected
}

/// `tierwise watch --policy P`: follows the files as `watch` does, each event governed and
/// its decisions printed as they happen. Deadlines move with event time (a replay decides the
/// same), not with the wall clock.
pub fn watch(
    path: &Path,
    args: &LiveArgs,
    poll_ms: u64,
    max_events: Option<usize>,
    rejects: Option<&Path>,
) -> Result<(), Failure> {
    use super::events::{Cursor, files_of, new_lines, report_incomplete, write_rejects};
    let mut o = governed(args)?;
    let stop = crate::progress::stop_on_ctrl_c();
    let mut cursors: std::collections::BTreeMap<std::path::PathBuf, Cursor> = Default::default();
    let mut seen = 0usize;
    eprintln!(
        "watching {} under policy {:?} (Ctrl-C stops)",
        path.display(),
        o.governor().policy().version
    );
    while !stop.is_cancelled() && max_events.is_none_or(|m| seen < m) {
        let mut any = false;
        for file in files_of(path)? {
            let cursor = cursors.entry(file.clone()).or_default();
            let Some(text) = new_lines(&file, cursor)? else {
                continue;
            };
            let first = cursor.lines + 1 - text.lines().count();
            let (parsed, bad) = tierwise::events::parse_lines(&text, first);
            let handled = o.handle(&parsed, &file.display().to_string(), chrono::Utc::now())?;
            seen += parsed.len() + bad.len();
            any = true;
            let rejected = print_handled(&handled);
            write_rejects(rejects, &file, &bad, &rejected)?;
            for e in bad.iter().chain(&rejected) {
                eprintln!("rejected: {}: {e}", file.display());
            }
        }
        if !any {
            std::thread::sleep(std::time::Duration::from_millis(poll_ms));
        }
    }
    report_incomplete(&cursors);
    eprintln!(
        "stopped after {seen} events; {} log entries, {} pending; state {}",
        o.governor().log().entries().len(),
        o.governor().pending().len(),
        o.live().state_hash()
    );
    Ok(())
}
