//! The RDF loader: arbitrary bytes as Turtle, N-Triples, N-Quads or TriG (picked by the first
//! byte), parsed, mapped to tables, put through every gate and stored in an in-memory graph.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tierwise::ingest::LoadOptions;
use tierwise::store::KnowledgeGraph;

const FORMATS: [&str; 4] = ["ttl", "nt", "nq", "trig"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    // The loader reads files: one per process, in memory-backed /dev/shm when there is one.
    let dir = if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "/tmp" };
    let ext = FORMATS[usize::from(pick) % FORMATS.len()];
    let path = format!("{dir}/tierwise-fuzz-{}.{ext}", std::process::id());
    std::fs::write(&path, bytes).expect("write the input file");
    let now = "2026-04-01T00:00:00Z".parse().expect("a valid time");
    let kg = KnowledgeGraph::in_memory().expect("an in-memory store");
    let _ = kg.load_rdf(&path, None, &LoadOptions::default().with_now(now));
});
