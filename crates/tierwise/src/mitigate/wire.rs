//! Mitigation in parts (tierwise.distributed): each part re-runs a share of the candidates on
//! the base network, the costly phase, and travels as a blob (`MTP\0`, the versioned envelope
//! of [`crate::network::Network::to_bytes`]); the join ranks, checks and builds the portfolio.
//!
//! Every part and the join make the evaluator's base sweep and the candidates again (they are
//! a pure function of the analysis and the options), so a part carries numbers only: per
//! candidate of its share, what re-running it gave. Joined in candidate order they are what
//! the whole call evaluates candidate by candidate, so the result is identical.

use super::candidates::Candidate;
use super::evaluate::Evaluated;
use super::{Analysis, MitigateOptions, Mitigation, MitigationError};
use crate::network::BinaryError;
use crate::network::binary::{decode, encode};
use crate::progress::Progress;

const KIND_PART: &[u8; 4] = b"MTP\0";

/// A share of a mitigation call's candidates, evaluated ([`Analysis::mitigation_part`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MitigationPart {
    /// The sha256 of the call's candidates (each one's unit and changes), so that a part of a
    /// call with other candidates (other options, another network's rows) is refused. A part
    /// of an analysis with the same candidates but other values is not caught: the caller
    /// (tierwise.distributed) gives the parts and the join the same analysis.
    fingerprint: String,
    /// How many candidates the call has, and the first of this part.
    candidates: usize,
    start: usize,
    evaluated: Vec<Option<Evaluated>>,
}

impl MitigationPart {
    /// The part in its versioned binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(KIND_PART, self)
    }

    /// A part from [`MitigationPart::to_bytes`] of this tierwise version.
    pub fn from_bytes(bytes: &[u8]) -> Result<MitigationPart, BinaryError> {
        decode(bytes, KIND_PART)
    }

    /// The candidates this part evaluated, as a range of the call's.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.start + self.evaluated.len()
    }
}

fn fingerprint(cands: &[Candidate]) -> String {
    let mut text = String::new();
    for c in cands {
        text.push_str(&format!("{}\u{0}{:?}\n", c.unit, c.changes));
    }
    crate::hash::sha256_hex(text.as_bytes())
}

impl Analysis {
    /// Part `part` of `parts` (from 0) of [`Analysis::mitigate`]: the candidates
    /// `n * part / parts .. n * (part + 1) / parts` of the call's `n`, re-run on the base
    /// network. Progress advances by the units re-run.
    pub fn mitigation_part(
        &self,
        o: &MitigateOptions,
        part: usize,
        parts: usize,
        progress: &Progress,
    ) -> Result<MitigationPart, MitigationError> {
        if parts == 0 || part >= parts {
            return Err(MitigationError::Parts(format!(
                "part {part} of {parts}: expected 0 <= part < parts"
            )));
        }
        let (ev, _, cands) = self.mitigation_candidates(o, progress)?;
        let n = cands.len();
        let (start, end) = (n * part / parts, n * (part + 1) / parts);
        Ok(MitigationPart {
            fingerprint: fingerprint(&cands),
            candidates: n,
            start,
            evaluated: ev.evaluate(&cands[start..end], progress)?,
        })
    }

    /// The call of [`Analysis::mitigate`] from parts that cover its candidates (in any
    /// order): the same [`Mitigation`] as the whole call.
    pub fn mitigation_from(
        &self,
        o: &MitigateOptions,
        mut parts: Vec<MitigationPart>,
        progress: &Progress,
    ) -> Result<Mitigation, MitigationError> {
        let (ev, targets, cands) = self.mitigation_candidates(o, progress)?;
        let print = fingerprint(&cands);
        parts.sort_by_key(|p| p.start);
        let mut evaluated = Vec::with_capacity(cands.len());
        for (i, p) in parts.into_iter().enumerate() {
            if p.fingerprint != print || p.candidates != cands.len() {
                return Err(MitigationError::Parts(format!(
                    "part {i} (candidates {:?} of {}) is of another call: its candidates differ",
                    p.range(),
                    p.candidates
                )));
            }
            if p.start != evaluated.len() {
                return Err(MitigationError::Parts(format!(
                    "candidates {}..{} are in no part, or in two",
                    evaluated.len().min(p.start),
                    evaluated.len().max(p.start)
                )));
            }
            let units = ev.units_len();
            if let Some(bad) = p
                .evaluated
                .iter()
                .flatten()
                .flat_map(|e| &e.affected)
                .find(|&&u| u as usize >= units)
            {
                return Err(MitigationError::Parts(format!(
                    "part {i} re-ran unit position {bad}, but the analysis has {units} units"
                )));
            }
            evaluated.extend(p.evaluated);
        }
        if evaluated.len() != cands.len() {
            return Err(MitigationError::Parts(format!(
                "candidates {}..{} are in no part",
                evaluated.len(),
                cands.len()
            )));
        }
        self.mitigation_of(o, ev, &targets, &cands, evaluated, progress)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::generate::{GeneratorConfig, generate};
    use crate::network::Network;
    use crate::risk::Policy;

    fn analysis() -> Analysis {
        let net = Network::compile(&generate(&GeneratorConfig::new(600, 3)).unwrap()).unwrap();
        let as_of = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
            .unwrap()
            .to_utc();
        Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of)
    }

    #[test]
    fn parts_joined_in_any_order_give_the_whole_call() {
        let a = analysis();
        let p = Progress::new();
        let o = MitigateOptions {
            budget: Some(50_000.0),
            ..MitigateOptions::default()
        };
        let whole = a.mitigate(&o).unwrap();
        assert!(whole.proposals.len() > 3, "a network with proposals");
        let mut parts: Vec<MitigationPart> = (0..3)
            .map(|k| {
                let part = a.mitigation_part(&o, k, 3, &p).unwrap();
                MitigationPart::from_bytes(&part.to_bytes()).unwrap()
            })
            .collect();
        parts.reverse();
        assert_eq!(a.mitigation_from(&o, parts, &p).unwrap(), whole);
    }

    #[test]
    fn a_missing_or_foreign_part_is_refused() {
        let a = analysis();
        let p = Progress::new();
        let o = MitigateOptions::default();
        let first = a.mitigation_part(&o, 0, 2, &p).unwrap();
        let err = a.mitigation_from(&o, vec![first.clone()], &p).unwrap_err();
        assert!(err.to_string().contains("are in no part"), "{err}");
        let other = MitigateOptions {
            top: 3,
            ..MitigateOptions::default()
        };
        let second = a.mitigation_part(&other, 1, 2, &p).unwrap();
        let err = a.mitigation_from(&o, vec![first, second], &p).unwrap_err();
        assert!(err.to_string().contains("of another call"), "{err}");
        assert!(matches!(
            a.mitigation_part(&o, 2, 2, &p),
            Err(MitigationError::Parts(_))
        ));
    }
}
