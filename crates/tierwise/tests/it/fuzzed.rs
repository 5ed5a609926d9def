//! A short, bounded run of what the cargo-fuzz targets (fuzz/, docs/fuzzing.md) do for hours:
//! the demo tables with one file damaged at random (bytes changed, cut, or replaced by
//! arbitrary bytes), read as CSV or Parquet and put through every gate; arbitrary bytes as
//! RDF; arbitrary text as a policy; damaged event lines applied to a live analysis. Any result
//! but a panic passes (every input gives tables or findings), and a live state must stay the
//! one its tables compile to. It keeps the targets' entry points alive in the test command.

use std::path::Path;

use proptest::prelude::*;
use tierwise::events::{LIVE_KINDS, Live, parse_lines};
use tierwise::ingest::{LoadOptions, RawTables};
use tierwise::network::Network;
use tierwise::risk::Policy;
use tierwise::store::KnowledgeGraph;

use crate::common::{analysis_at, as_of, net_of, repo};

const TABLES: [&str; 9] = [
    "sites",
    "supply",
    "bom",
    "products",
    "parts",
    "countries",
    "signals",
    "capacity",
    "alternates",
];

/// A demo table's bytes with `edits` (position, byte) applied, cut to `keep` of its length.
fn damaged(table: usize, edits: &[(usize, u8)], keep: f64) -> Vec<u8> {
    let path = repo().join(format!("data/demo/{}.csv", TABLES[table]));
    let mut b = std::fs::read(path).unwrap();
    for &(at, byte) in edits {
        let i = at % b.len();
        b[i] = byte;
    }
    b.truncate((b.len() as f64 * keep) as usize);
    b
}

/// The demo tables with table `pick` replaced by `bytes` under the extension `ext`, checked.
fn check_with(pick: usize, bytes: &[u8], ext: &str) {
    let mut raw = RawTables::default();
    for (i, name) in TABLES.iter().enumerate() {
        if i == pick {
            raw.add_file(name, Path::new(&format!("x/{name}.{ext}")), bytes);
        } else {
            let p = repo().join(format!("data/demo/{name}.csv"));
            raw.add_file(name, &p, &std::fs::read(&p).unwrap());
        }
    }
    let _ = raw.check(&LoadOptions::default().with_now(as_of("2026-04-01")));
}

fn edits() -> impl Strategy<Value = Vec<(usize, u8)>> {
    // Bytes that matter to CSV: separators, quotes, line ends, a BOM byte, invalid UTF-8.
    let byte = prop_oneof![
        Just(b','),
        Just(b'"'),
        Just(b'\n'),
        Just(b'\r'),
        Just(0xEF),
        Just(0xFF),
        any::<u8>()
    ];
    proptest::collection::vec((any::<usize>(), byte), 0..6)
}

fn json_edits() -> impl Strategy<Value = Vec<(usize, u8)>> {
    // Bytes that matter to JSON lines: braces, quotes, separators, digits, signs, line ends.
    let byte = prop_oneof![
        Just(b'{'),
        Just(b'}'),
        Just(b'"'),
        Just(b':'),
        Just(b','),
        Just(b'\n'),
        Just(b'-'),
        Just(b'9'),
        Just(b'.'),
        any::<u8>()
    ];
    proptest::collection::vec((any::<usize>(), byte), 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_damaged_csv_table_gives_findings_not_a_panic(
        table in 0usize..9, e in edits(), keep in 0.0f64..1.0
    ) {
        check_with(table, &damaged(table, &e, keep), "csv");
    }

    #[test]
    fn arbitrary_bytes_as_any_table_give_findings_not_a_panic(
        table in 0usize..9, bytes in proptest::collection::vec(any::<u8>(), 0..400),
        parquet in any::<bool>()
    ) {
        let mut b = bytes;
        if parquet {
            // Parquet's magic at both ends, so the reader goes past its first check.
            b.splice(0..0, *b"PAR1");
            b.extend_from_slice(b"PAR1");
        }
        check_with(table, &b, if parquet { "parquet" } else { "csv" });
    }

    #[test]
    fn arbitrary_bytes_as_rdf_give_findings_not_a_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..300), ext in 0usize..4
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("x.{}", ["ttl", "nt", "nq", "trig"][ext]));
        std::fs::write(&path, &bytes).unwrap();
        let kg = KnowledgeGraph::in_memory().unwrap();
        let _ = kg.load_rdf(&path, None, &LoadOptions::default());
    }

    #[test]
    fn a_policy_with_a_line_replaced_gives_an_error_not_a_panic(
        line in any::<usize>(), text in "[-+.0-9a-z_=\\[\\]\" ,e]{0,40}"
    ) {
        let shipped = std::fs::read_to_string(repo().join("policies/default.toml")).unwrap();
        let mut lines: Vec<&str> = shipped.lines().collect();
        let at = line % lines.len();
        lines[at] = &text;
        if let Ok(p) = Policy::from_toml_str(&lines.join("\n"), "x.toml") {
            for score in [0.0, 0.5, 1.0] {
                let _ = p.p_of_score(score);
            }
        }
    }

    #[test]
    fn damaged_event_lines_give_errors_and_a_state_a_fresh_compile_agrees_with(
        e in json_edits()
    ) {
        let mut b = std::fs::read(repo().join("data/events/governed.jsonl")).unwrap();
        for &(at, byte) in &e {
            let i = at % b.len();
            b[i] = byte;
        }
        let (events, _bad) = parse_lines(&String::from_utf8_lossy(&b), 1);
        let a = analysis_at(net_of(&repo().join("data/demo")), "2026-03-01");
        let mut live = Live::new(a, &LIVE_KINDS);
        live.apply(&events, as_of("2026-03-02"));
        let net = live.analysis().network();
        prop_assert!(Network::compile(net.tables()).unwrap() == *net);
    }
}
