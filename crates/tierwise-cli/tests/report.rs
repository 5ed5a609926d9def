//! `tierwise report` end to end: the bundled demo from any folder, a store, determinism,
//! quiet output off a terminal, clear errors.

use std::path::Path;

mod common;

use common::{repo, text, tierwise_in as tierwise};

const AS_OF: &str = "2026-04-01T00:00:00Z";

fn input_hashes(summary: &Path) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(summary).unwrap()).unwrap();
    let mut h: Vec<String> = v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sha256"].as_str().unwrap().to_string())
        .collect();
    h.sort();
    h
}

#[test]
fn report_on_the_bundled_demo_from_any_folder_and_on_a_store() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let args = ["--as-of", AS_OF, "--scenarios", "500", "--seed", "3"];
    let mut a = vec!["report", "--out", "r1"];
    a.extend(args);
    let out = tierwise(cwd, &a);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("index.html"),
        "{}",
        text(&out.stdout)
    );
    // Not a terminal: no progress bar, nothing on stderr.
    assert_eq!(text(&out.stderr), "");
    let r1 = cwd.join("r1");
    for f in [
        "index.html",
        "summary.json",
        "exposure_site.parquet",
        "exposure_site.csv",
        "mc_losses.parquet",
        "chokepoints.csv",
    ] {
        assert!(r1.join(f).is_file(), "{f}");
    }
    // The same run again: the same page and tables.
    let mut a = vec!["report", "--out", "r2"];
    a.extend(args);
    assert!(tierwise(cwd, &a).status.success());
    for f in ["index.html", "exposure_site.parquet", "mc_summary.csv"] {
        assert_eq!(
            std::fs::read(r1.join(f)).unwrap(),
            std::fs::read(cwd.join("r2").join(f)).unwrap(),
            "{f}"
        );
    }
    // The demo loaded into a store reports from the store, with the same input hashes.
    let demo = repo().join("data/demo");
    let out = tierwise(cwd, &["load", demo.to_str().unwrap(), "--store", "kg.db"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut a = vec!["report", "kg.db", "--out", "r3"];
    a.extend(args);
    let out = tierwise(cwd, &a);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        input_hashes(&r1.join("summary.json")),
        input_hashes(&cwd.join("r3/summary.json"))
    );
    assert_eq!(
        std::fs::read(r1.join("exposure_site.parquet")).unwrap(),
        std::fs::read(cwd.join("r3/exposure_site.parquet")).unwrap()
    );
}

#[test]
fn report_errors_are_clear() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tierwise(tmp.path(), &["report", "nope", "--out", "r"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nope: no such file or folder"));
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    let out = tierwise(tmp.path(), &["report", "empty", "--out", "r"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("neither a folder of tables"));
    assert!(
        !tmp.path().join("empty/CURRENT").exists(),
        "no store was created"
    );
    let out = tierwise(tmp.path(), &["report", "--as-of", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--as-of"));
}
