//! The blobs an analysis travels as (to a Ray worker, through pickle): the network, the
//! policy and `as_of` (`ANA\0`), and a batch of Monte Carlo scenarios (`MCB\0`), in the
//! versioned envelope of [`crate::network::Network::to_bytes`].
//!
//! An analysis is rebuilt from its inputs on arrival: scoring is a pure function of
//! (network, policy, as_of), so the rebuilt analysis gives the same results bit for bit.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::montecarlo::ScenarioBatch;
use super::{Analysis, Policy};
use crate::network::binary::{decode, encode};
use crate::network::{BinaryError, Network};

const KIND_ANALYSIS: &[u8; 4] = b"ANA\0";
const KIND_BATCH: &[u8; 4] = b"MCB\0";

#[derive(serde::Serialize)]
struct AnalysisOut<'a> {
    network: &'a Network,
    policy: &'a Policy,
    as_of_secs: i64,
    as_of_nanos: u32,
}

#[derive(serde::Deserialize)]
struct AnalysisIn {
    network: Network,
    policy: Policy,
    as_of_secs: i64,
    as_of_nanos: u32,
}

impl Analysis {
    /// The analysis in its versioned binary form: the network, the policy and `as_of`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let out = AnalysisOut {
            network: &self.net,
            policy: &self.policy,
            as_of_secs: self.as_of.timestamp(),
            as_of_nanos: self.as_of.timestamp_subsec_nanos(),
        };
        encode(KIND_ANALYSIS, &out)
    }

    /// An analysis from [`Analysis::to_bytes`] of this tierwise version, scored again.
    pub fn from_bytes(bytes: &[u8]) -> Result<Analysis, BinaryError> {
        let a: AnalysisIn = decode(bytes, KIND_ANALYSIS)?;
        let as_of: DateTime<Utc> = DateTime::from_timestamp(a.as_of_secs, a.as_of_nanos)
            .ok_or_else(|| {
                BinaryError::Payload(format!("as_of {}s is out of range", a.as_of_secs))
            })?;
        Ok(Analysis::new(
            Arc::new(a.network),
            Arc::new(a.policy),
            as_of,
        ))
    }
}

impl ScenarioBatch {
    /// The batch in its versioned binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode(KIND_BATCH, self)
    }

    /// A batch from [`ScenarioBatch::to_bytes`] of this tierwise version.
    pub fn from_bytes(bytes: &[u8]) -> Result<ScenarioBatch, BinaryError> {
        decode(bytes, KIND_BATCH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GeneratorConfig, generate};
    use crate::progress::Progress;
    use crate::risk::UnitKind;

    fn analysis() -> Analysis {
        let net = Network::compile(&generate(&GeneratorConfig::new(400, 5)).unwrap()).unwrap();
        let as_of = DateTime::parse_from_rfc3339("2026-07-01T12:30:00.25Z")
            .unwrap()
            .to_utc();
        Analysis::new(Arc::new(net), Arc::new(Policy::default()), as_of)
    }

    #[test]
    fn an_analysis_round_trips_to_the_same_results() {
        let a = analysis();
        let b = Analysis::from_bytes(&a.to_bytes()).unwrap();
        assert_eq!(b.provenance(None), a.provenance(None));
        assert_eq!(b.as_of, a.as_of);
        assert_eq!(*b.policy, *a.policy);
        assert_eq!(b.exposure(UnitKind::Site), a.exposure(UnitKind::Site));
        let p = Progress::new();
        assert_eq!(
            b.simulate(700, 3, &p).unwrap(),
            a.simulate(700, 3, &p).unwrap()
        );
    }

    #[test]
    fn batches_from_anywhere_make_the_local_run() {
        // Ranges that cut blocks (512) and lanes (8) anywhere, joined out of order and after
        // a trip through bytes, give the local run bit for bit.
        let a = analysis();
        let p = Progress::new();
        let local = a.simulate(1300, 9, &p).unwrap();
        let mut parts = Vec::new();
        for r in [(700, 1300), (0, 3), (3, 700)] {
            let b = a.simulate_scenarios(9, r.0..r.1, &p).unwrap();
            parts.push(ScenarioBatch::from_bytes(&b.to_bytes()).unwrap());
        }
        assert_eq!(a.simulation_from(9, parts).unwrap(), local);
    }

    #[test]
    fn bad_batches_and_blobs_are_refused_by_name() {
        use crate::risk::montecarlo::BatchError;
        let a = analysis();
        let p = Progress::new();
        let b1 = a.simulate_scenarios(9, 0..10, &p).unwrap();
        let b3 = a.simulate_scenarios(9, 20..30, &p).unwrap();
        assert_eq!(
            a.simulation_from(9, vec![b1.clone(), b3]).unwrap_err(),
            BatchError::Gap {
                expected: 10,
                found: 20
            }
        );
        assert_eq!(
            a.simulation_from(8, vec![b1.clone()]).unwrap_err(),
            BatchError::Seed {
                expected: 8,
                found: 9
            }
        );
        let bytes = a.to_bytes();
        assert!(matches!(
            Analysis::from_bytes(&bytes[..bytes.len() / 2]).unwrap_err(),
            BinaryError::Truncated { .. }
        ));
        assert!(matches!(
            ScenarioBatch::from_bytes(&bytes).unwrap_err(),
            BinaryError::WrongKind { .. }
        ));
        let net = a.network().to_bytes();
        let e = Analysis::from_bytes(&net).unwrap_err();
        assert_eq!(e.to_string(), "the blob holds a \"NET\", not an analysis");
    }
}
