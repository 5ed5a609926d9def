//! The living graph: apply events to a store, follow a growing file, the live situation and
//! a replay of the stored state.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tierwise::events::{EventError, Outcome, Status, parse_lines, read_events, status_name};
use tierwise::source::{Settings, open_store};
use tierwise::store::LiveGraph;

use crate::cli::{LiveArgs, OutArgs};
use crate::failure::{Failure, fail};
use crate::output::write_frame;

/// The live state of the store; `read_only` for commands that only look (a `watch` may be
/// writing meanwhile).
fn open_live(args: &LiveArgs, read_only: bool) -> Result<LiveGraph, Failure> {
    let p = &args.policy;
    let settings = Settings::from_args(p.policy.as_deref(), p.as_of.as_deref())?;
    let kg = if read_only {
        open_to_read(&args.store)?
    } else {
        open_store(&args.store)?
    };
    let live = crate::progress::cancellable(|p| kg.live_with(settings.policy, settings.as_of, p));
    Ok(live?)
}

pub(super) fn open_to_read(path: &Path) -> Result<tierwise::store::KnowledgeGraph, Failure> {
    if !path.exists() {
        let path = path.to_path_buf();
        return Err(tierwise::source::SourceError::NoStore { path }.into());
    }
    Ok(tierwise::store::KnowledgeGraph::open_read_only(path)?)
}

pub fn apply(
    events: &Path,
    args: &LiveArgs,
    atomic: bool,
    rejects: Option<&Path>,
    out: &OutArgs,
) -> Result<(), Failure> {
    let (parsed, bad) = read_events(events)
        .map_err(|e| fail(2, format!("error: cannot read {}: {e}", events.display())))?;
    if atomic && !bad.is_empty() {
        write_rejects(rejects, events, &bad, &[])?;
        let lines: Vec<String> = bad.iter().map(|e| format!("  {e}")).collect();
        let msg = format!(
            "error: {} has {} malformed events; nothing applied (--atomic):\n{}",
            events.display(),
            bad.len(),
            lines.join("\n")
        );
        return Err(fail(2, msg));
    }
    if args.policy.policy.is_some() && !atomic {
        let rejected = super::govern::apply(&parsed, events, args, out)?;
        write_rejects(rejects, events, &bad, &rejected)?;
        return if bad.is_empty() && rejected.is_empty() {
            Ok(())
        } else {
            Err(fail(2, rejection_message(events, &bad, &rejected)))
        };
    }
    let mut lg = open_live(args, false)?;
    let source = events.display().to_string();
    // Ctrl-C stops before the next event; the events reached are stored whole.
    let (outcome, stopped) = crate::progress::cancellable(|p| {
        (lg.apply_with(&parsed, &source, atomic, p), p.is_cancelled())
    });
    let outcome = outcome?;
    write_frame(&mut outcome.delta_frame()?, out)?;
    let rejected: Vec<EventError> = outcome.rejected().cloned().collect();
    write_rejects(rejects, events, &bad, &rejected)?;
    summarise(&outcome, &bad, &lg);
    drop(lg);
    if stopped {
        return Err(interrupted_after(
            outcome.events.len(),
            parsed.len(),
            events,
        ));
    }
    if bad.is_empty() && rejected.is_empty() {
        Ok(())
    } else {
        Err(fail(2, rejection_message(events, &bad, &rejected)))
    }
}

/// Ctrl-C stopped a batch after `reached` of its `of` events.
pub(super) fn interrupted_after(reached: usize, of: usize, file: &Path) -> Failure {
    fail(
        130,
        format!(
            "interrupted after {reached} of {of} events (each stored whole): apply {} again to finish",
            file.display()
        ),
    )
}

fn rejection_message(file: &Path, bad: &[EventError], rejected: &[EventError]) -> String {
    let mut all: Vec<&EventError> = bad.iter().chain(rejected).collect();
    all.sort_by_key(|e| e.line);
    let lines: Vec<String> = all
        .iter()
        .map(|e| format!("  {}: {e}", file.display()))
        .collect();
    format!(
        "error: {} events rejected:\n{}",
        all.len(),
        lines.join("\n")
    )
}

/// One line on standard error: counts, the state hash and the time to respond.
fn summarise(o: &Outcome, bad: &[EventError], lg: &LiveGraph) {
    let count = |name: &str| {
        o.events
            .iter()
            .filter(|e| status_name(&e.status) == name)
            .count()
    };
    eprintln!(
        "{} applied, {} late (older than the stored value), {} duplicates, {} rejected; {} delta rows in {:.1} ms; state {}",
        count("applied"),
        count("late"),
        count("duplicate"),
        count("rejected") + bad.len(),
        o.delta.len(),
        o.respond_s * 1000.0,
        lg.live().state_hash(),
    );
}

/// Appends rejected events to the rejects file as JSON lines.
pub(super) fn write_rejects(
    to: Option<&Path>,
    file: &Path,
    bad: &[EventError],
    rejected: &[EventError],
) -> Result<(), Failure> {
    let Some(to) = to else { return Ok(()) };
    let werr = |e: std::io::Error| fail(1, format!("error: cannot write {}: {e}", to.display()));
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(to)
        .map_err(werr)?;
    for e in bad.iter().chain(rejected) {
        let v = serde_json::json!({
            "file": file.display().to_string(),
            "line": e.line,
            "field": e.field,
            "value": e.value,
            "reason": e.reason,
        });
        writeln!(f, "{v}").map_err(werr)?;
    }
    Ok(())
}

/// How far each followed file has been read: bytes up to the last complete line, and lines.
#[derive(Default)]
pub(super) struct Cursor {
    offset: u64,
    pub(super) lines: usize,
}

pub fn watch(
    path: &Path,
    args: &LiveArgs,
    poll_ms: u64,
    max_events: Option<usize>,
    rejects: Option<&Path>,
    out: &OutArgs,
) -> Result<(), Failure> {
    if args.policy.policy.is_some() {
        return super::govern::watch(path, args, poll_ms, max_events, rejects);
    }
    let mut lg = open_live(args, false)?;
    let stop = crate::progress::stop_on_ctrl_c();
    let mut cursors: std::collections::BTreeMap<PathBuf, Cursor> = Default::default();
    let mut seen = 0usize;
    eprintln!("watching {} (Ctrl-C stops)", path.display());
    while !stop.is_cancelled() && max_events.is_none_or(|m| seen < m) {
        let mut any = false;
        for file in files_of(path)? {
            let cursor = cursors.entry(file.clone()).or_default();
            let Some(text) = new_lines(&file, cursor)? else {
                continue;
            };
            let (parsed, bad) = parse_lines(&text, cursor.lines + 1 - text.lines().count());
            let outcome = lg.apply(&parsed, &file.display().to_string(), false)?;
            seen += parsed.len() + bad.len();
            any = true;
            let fresh = outcome
                .events
                .iter()
                .any(|e| !matches!(e.status, Status::Duplicate));
            if fresh || !bad.is_empty() {
                write_frame(&mut outcome.delta_frame()?, out)?;
                summarise(&outcome, &bad, &lg);
            }
            let rejected: Vec<EventError> = outcome.rejected().cloned().collect();
            write_rejects(rejects, &file, &bad, &rejected)?;
            for e in bad.iter().chain(&rejected) {
                eprintln!("rejected: {}: {e}", file.display());
            }
        }
        if !any {
            std::thread::sleep(Duration::from_millis(poll_ms));
        }
    }
    report_incomplete(&cursors);
    eprintln!(
        "stopped after {seen} events; state {}",
        lg.live().state_hash()
    );
    // Dropping the live graph keeps the network of the new state beside the store.
    drop(lg);
    Ok(())
}

/// The file itself, or the JSON-lines files of a folder in name order.
pub(super) fn files_of(path: &Path) -> Result<Vec<PathBuf>, Failure> {
    if !path.is_dir() {
        return Ok(if path.exists() {
            vec![path.to_path_buf()]
        } else {
            Vec::new()
        });
    }
    let rd = std::fs::read_dir(path)
        .map_err(|e| fail(2, format!("error: cannot read {}: {e}", path.display())))?;
    let mut files: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl" || x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// The complete lines appended to `file` since the cursor; a last line without its newline
/// waits for it (a writer may be in the middle of it).
pub(super) fn new_lines(file: &Path, cursor: &mut Cursor) -> Result<Option<String>, Failure> {
    use std::io::{Read, Seek, SeekFrom};
    let rerr = |e: std::io::Error| fail(2, format!("error: cannot read {}: {e}", file.display()));
    let mut f = std::fs::File::open(file).map_err(rerr)?;
    let len = f.metadata().map_err(rerr)?.len();
    if len <= cursor.offset {
        return Ok(None);
    }
    f.seek(SeekFrom::Start(cursor.offset)).map_err(rerr)?;
    let mut buf = Vec::new();
    f.take(len - cursor.offset)
        .read_to_end(&mut buf)
        .map_err(rerr)?;
    let Some(end) = buf.iter().rposition(|&b| b == b'\n') else {
        return Ok(None);
    };
    buf.truncate(end + 1);
    cursor.offset += buf.len() as u64;
    let text = String::from_utf8_lossy(&buf).into_owned();
    cursor.lines += text.lines().count();
    Ok(Some(text))
}

pub(super) fn report_incomplete(cursors: &std::collections::BTreeMap<PathBuf, Cursor>) {
    for (file, c) in cursors {
        let len = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        if len > c.offset {
            eprintln!(
                "{}: line {} is incomplete (no newline yet): not applied",
                file.display(),
                c.lines + 1
            );
        }
    }
}

pub fn situation(args: &LiveArgs, now: Option<&str>, out: &OutArgs) -> Result<(), Failure> {
    let now = match now {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map_err(|e| {
                fail(
                    2,
                    format!("error: --now {t:?} is not an RFC 3339 time: {e}"),
                )
            })?
            .to_utc(),
        None => chrono::Utc::now(),
    };
    let lg = open_live(args, true)?;
    let s = lg.live().situation(now);
    for (site, d) in &s.down {
        let ttr = d
            .ttr_days
            .map_or("the site's TTR".to_string(), |t| format!("{t} days"));
        eprintln!(
            "down: {site} since {} (recovers in {ttr}; event {})",
            d.since.to_rfc3339(),
            d.event_id
        );
    }
    if s.down.is_empty() {
        eprintln!("no active disruption");
    }
    write_frame(&mut s.frame()?, out)
}

pub fn replay(args: &LiveArgs) -> Result<(), Failure> {
    let p = &args.policy;
    let settings = Settings::from_args(p.policy.as_deref(), p.as_of.as_deref())?;
    let kg = open_to_read(&args.store)?;
    let t0 = std::time::Instant::now();
    let events = kg.stored_events(None)?;
    let r = kg.replayed(None)?;
    let net = tierwise::network::Network::compile(&r.tables)
        .map_err(tierwise::store::StoreError::from)?;
    let analysis =
        tierwise::risk::Analysis::new(std::sync::Arc::new(net), settings.policy, settings.as_of);
    let refused = r.refused;
    let live = tierwise::events::Live::resume(analysis, r, &[]);
    println!(
        "replayed {} events ({} refused now) in {:.2} s; state {}",
        events.len(),
        refused,
        t0.elapsed().as_secs_f64(),
        live.state_hash()
    );
    Ok(())
}
