//! The decision log (DESIGN 4.3): append-only and hash-chained. Each entry carries the sha256
//! of the previous entry and its own sha256 over its canonical JSON (fields in declaration
//! order, maps sorted, the `hash` field empty), so editing, removing, inserting or moving an
//! entry breaks the chain at that entry, and verification names it.

use serde::{Deserialize, Serialize};

use super::decide::Proposal;

/// The `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A rule that fired: its id and CEL text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fired {
    pub id: String,
    pub when: String,
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Position in the log, from 1.
    pub seq: u64,
    /// sha256 of the previous entry (GENESIS for the first).
    pub prev: String,
    /// The decision this entry is about (an approval names the decision it answers).
    pub decision: String,
    /// `decided`, `approved`, `rejected`, `escalated` (a deadline passed) or `expired`.
    pub step: String,
    /// The time of the event that caused the step (not the wall clock: replay is
    /// reproducible), RFC 3339.
    pub time: String,
    pub proposal: Proposal,
    pub fired: Vec<Fired>,
    /// The context the rules saw.
    pub metrics: serde_json::Value,
    pub policy_version: String,
    pub policy_sha256: String,
    /// Ids of the events that led here.
    pub events: Vec<String>,
    /// Hash of the live state (network and active disruptions) the decision saw.
    pub data_hash: String,
    /// `approved`, `rejected`, `escalated` or `notified`.
    pub outcome: String,
    /// The role a pending decision waits for.
    pub role: Option<String>,
    /// Who approved or rejected: `policy` for an automatic outcome, else the person.
    pub approver: Option<String>,
    pub reason: String,
    /// Ids of the events the outcome committed.
    pub committed: Vec<String>,
    /// The CloudEvents that would undo the committed ones (a block keeps the supply rows it
    /// removed), so an unblock restores them even after a restart.
    pub undo: Vec<serde_json::Value>,
    /// sha256 of this entry's canonical JSON with this field empty.
    pub hash: String,
}

impl Entry {
    /// The sha256 the entry should carry.
    pub fn digest(&self) -> String {
        let mut bare = self.clone();
        bare.hash = String::new();
        let text = serde_json::to_string(&bare).expect("entries serialise");
        crate::hash::sha256_hex(text.as_bytes())
    }

    /// The entry as one JSON line.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("entries serialise")
    }
}

/// Where a chain breaks: the line (1-based) and decision id of the first bad entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("decision log broken at line {line} (decision {decision:?}): {reason}")]
pub struct ChainError {
    pub line: usize,
    pub decision: String,
    pub reason: String,
}

/// An append-only chain of entries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Log {
    entries: Vec<Entry>,
}

impl Log {
    /// A log of stored entries, after checking their chain.
    pub fn from_entries(entries: Vec<Entry>) -> Result<Log, ChainError> {
        let text: String = entries.iter().map(|e| e.to_line() + "\n").collect();
        verify_jsonl(&text)?;
        Ok(Log { entries })
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Appends an entry, setting its seq, prev and hash.
    pub fn append(&mut self, mut entry: Entry) -> &Entry {
        entry.seq = self.entries.len() as u64 + 1;
        entry.prev = self
            .entries
            .last()
            .map_or(GENESIS.to_string(), |e| e.hash.clone());
        entry.hash = entry.digest();
        self.entries.push(entry);
        self.entries.last().expect("just pushed")
    }

    /// The log as JSON lines.
    pub fn to_jsonl(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            out.push_str(&e.to_line());
            out.push('\n');
        }
        out
    }

    /// The hash of the last entry (GENESIS when empty).
    pub fn head(&self) -> &str {
        self.entries.last().map_or(GENESIS, |e| e.hash.as_str())
    }
}

/// Checks a log written as JSON lines; returns the number of entries when the chain holds.
pub fn verify_jsonl(text: &str) -> Result<usize, ChainError> {
    let mut prev = GENESIS.to_string();
    let mut n = 0usize;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |decision: &str, reason: String| ChainError {
            line: i + 1,
            decision: decision.to_string(),
            reason,
        };
        let entry: Entry = serde_json::from_str(line).map_err(|e| {
            let id = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v.get("decision")?.as_str().map(String::from))
                .unwrap_or_default();
            bad(&id, format!("not a log entry: {e}"))
        })?;
        n += 1;
        if entry.digest() != entry.hash {
            return Err(bad(
                &entry.decision,
                "its content does not match its hash (edited)".into(),
            ));
        }
        if entry.prev != prev {
            return Err(bad(
                &entry.decision,
                "it does not follow the entry before it (an entry was removed, inserted or moved)"
                    .into(),
            ));
        }
        if entry.seq != n as u64 {
            return Err(bad(
                &entry.decision,
                format!("its seq is {}, expected {n}", entry.seq),
            ));
        }
        prev = entry.hash;
    }
    Ok(n)
}
