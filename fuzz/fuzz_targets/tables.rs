//! What the two table targets share: the demo tables, one of them replaced by the fuzzer's
//! bytes, read and put through every gate (and the compile of the network when they pass).

use std::path::Path;

use tierwise::ingest::{LoadOptions, RawTables};

/// The tables of `data/demo`, in the order the first input byte picks them.
pub const DEMO: [(&str, &[u8]); 9] = [
    ("sites", include_bytes!("../../data/demo/sites.csv")),
    ("supply", include_bytes!("../../data/demo/supply.csv")),
    ("bom", include_bytes!("../../data/demo/bom.csv")),
    ("products", include_bytes!("../../data/demo/products.csv")),
    ("parts", include_bytes!("../../data/demo/parts.csv")),
    ("countries", include_bytes!("../../data/demo/countries.csv")),
    ("signals", include_bytes!("../../data/demo/signals.csv")),
    ("capacity", include_bytes!("../../data/demo/capacity.csv")),
    ("alternates", include_bytes!("../../data/demo/alternates.csv")),
];

/// Reads the demo tables with table `data[0] % 9` replaced by `data[1..]` as a file with the
/// extension `ext`, and checks them. Any outcome but a panic is fine: the target is that
/// every input gives the tables or findings.
pub fn check_with(data: &[u8], ext: &str) {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let pick = usize::from(pick) % DEMO.len();
    let mut raw = RawTables::default();
    for (i, (name, demo)) in DEMO.iter().enumerate() {
        if i == pick {
            raw.add_file(name, Path::new(&format!("fuzz/{name}.{ext}")), bytes);
        } else {
            raw.add_file(name, Path::new(&format!("data/demo/{name}.csv")), demo);
        }
    }
    let now = chrono_now();
    let _ = raw.check(&LoadOptions::default().with_now(now));
}

/// The demo tables, read and checked.
pub fn demo() -> tierwise::ingest::CheckedTables {
    let mut raw = RawTables::default();
    for (name, demo) in DEMO {
        raw.add_file(name, Path::new(&format!("data/demo/{name}.csv")), demo);
    }
    raw.check(&LoadOptions::default().with_now(chrono_now()))
        .expect("the demo tables pass the gates")
}

/// A fixed "now", so that a run depends on its input alone (staleness gates read the clock).
pub fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    "2026-04-01T00:00:00Z".parse().expect("a valid time")
}
