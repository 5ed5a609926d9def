//! The bundled demo tables (`data/demo`), compiled into the library so that `tierwise report`
//! runs from any folder.

use std::path::Path;

use crate::ingest::RawTables;

/// (table, CSV text) of every file of `data/demo`.
pub const DEMO_CSV: [(&str, &str); 9] = [
    ("sites", include_str!("../../../../data/demo/sites.csv")),
    ("parts", include_str!("../../../../data/demo/parts.csv")),
    (
        "products",
        include_str!("../../../../data/demo/products.csv"),
    ),
    ("bom", include_str!("../../../../data/demo/bom.csv")),
    ("supply", include_str!("../../../../data/demo/supply.csv")),
    (
        "capacity",
        include_str!("../../../../data/demo/capacity.csv"),
    ),
    (
        "countries",
        include_str!("../../../../data/demo/countries.csv"),
    ),
    ("signals", include_str!("../../../../data/demo/signals.csv")),
    (
        "alternates",
        include_str!("../../../../data/demo/alternates.csv"),
    ),
];

/// The demo tables as read from CSV, each file named `data/demo/{table}.csv` with the sha256
/// of its bytes, ready for [`RawTables::check`] or
/// [`KnowledgeGraph::load_raw`](crate::store::KnowledgeGraph::load_raw).
pub fn demo_raw_tables() -> RawTables {
    let mut out = RawTables::default();
    for (name, text) in DEMO_CSV {
        let shown = format!("data/demo/{name}.csv");
        out.add_file(name, Path::new(&shown), text.as_bytes());
    }
    out
}
