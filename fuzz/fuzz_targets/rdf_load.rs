//! The RDF loader: arbitrary bytes as Turtle, N-Triples, N-Quads or TriG (picked by the first
//! byte), parsed, mapped to tables, put through every gate and stored in an in-memory graph.
//!
//! With `TIERWISE_FUZZ_SEEDS=DIR` set, it writes its seed corpus instead (the demo tables
//! stored and exported in each format, behind the format's byte) and exits: `make_seeds.py`
//! runs it so, and the seeds need no other build.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tierwise::ingest::LoadOptions;
use tierwise::store::KnowledgeGraph;

#[path = "tables.rs"]
#[allow(dead_code)]
mod tables;

const FORMATS: [&str; 4] = ["ttl", "nt", "nq", "trig"];

fn write_seeds(dir: &str) {
    let options = LoadOptions::default().with_now(tables::chrono_now());
    let kg = KnowledgeGraph::in_memory().expect("an in-memory store");
    kg.commit_load(tables::demo(), "data/demo", &options)
        .expect("the demo tables load");
    std::fs::create_dir_all(dir).expect("the seed folder");
    for (i, ext) in FORMATS.iter().enumerate() {
        let format = oxigraph::io::RdfFormat::from_extension(ext).expect("a known format");
        let mut bytes = vec![u8::try_from(i).expect("four formats")];
        bytes = kg.export(format, bytes).expect("the export");
        std::fs::write(format!("{dir}/{ext}"), bytes).expect("write a seed");
    }
    std::process::exit(0);
}

fuzz_target!(
    init: {
        if let Ok(dir) = std::env::var("TIERWISE_FUZZ_SEEDS") {
            write_seeds(&dir);
        }
    },
    |data: &[u8]| {
        let Some((&pick, bytes)) = data.split_first() else {
            return;
        };
        // The loader reads files: one per process, in memory-backed /dev/shm when there is one.
        let dir = if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "/tmp" };
        let ext = FORMATS[usize::from(pick) % FORMATS.len()];
        let path = format!("{dir}/tierwise-fuzz-{}.{ext}", std::process::id());
        std::fs::write(&path, bytes).expect("write the input file");
        let now = tables::chrono_now();
        let kg = KnowledgeGraph::in_memory().expect("an in-memory store");
        let _ = kg.load_rdf(&path, None, &LoadOptions::default().with_now(now));
    }
);
