//! The `tierwise` binary end to end: exit codes, messages, formats.

use std::path::Path;
use std::process::Command;

mod common;

use common::{repo, text, tierwise};

#[test]
fn every_command_explains_itself() {
    for cmd in [
        "generate", "load", "check", "query", "network", "export", "willems",
    ] {
        let out = tierwise(&[cmd, "--help"]);
        assert!(out.status.success(), "{cmd} --help");
        assert!(text(&out.stdout).contains("Usage: tierwise"), "{cmd}");
    }
    let out = tierwise(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn generate_is_byte_identical_for_one_seed() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [&a, &b] {
        let out = tierwise(&[
            "generate",
            "--sites",
            "300",
            "--seed",
            "11",
            "--out",
            d.path().to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    for name in [
        "sites",
        "parts",
        "products",
        "bom",
        "supply",
        "countries",
        "signals",
    ] {
        let fa = std::fs::read(a.path().join(format!("{name}.csv"))).unwrap();
        let fb = std::fs::read(b.path().join(format!("{name}.csv"))).unwrap();
        assert_eq!(fa, fb, "{name}.csv differs between two runs with seed 11");
    }
}

#[test]
fn bad_data_exits_2_names_file_row_column_and_stores_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("bad");
    let store = tmp.path().join("kg.db");
    let out = tierwise(&[
        "generate",
        "--sites",
        "60",
        "--seed",
        "3",
        "--out",
        data.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    // Break row 3 of bom.csv: a negative quantity.
    let bom = std::fs::read_to_string(data.join("bom.csv")).unwrap();
    let mut lines: Vec<String> = bom.lines().map(str::to_string).collect();
    let mut cells: Vec<String> = lines[2].split(',').map(str::to_string).collect();
    cells[2] = "-4".into();
    lines[2] = cells.join(",");
    std::fs::write(data.join("bom.csv"), lines.join("\n") + "\n").unwrap();

    let out = tierwise(&[
        "load",
        data.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("bom.csv, row 3, column qty, value \"-4\": expected a value > 0"),
        "{err}"
    );
    assert!(err.contains("nothing was stored"), "{err}");
    assert!(!store.exists(), "a refused load must not create the store");
}

#[test]
fn load_query_and_formats() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("kg.db");
    let demo = repo().join("data/demo");
    let out = tierwise(&[
        "load",
        demo.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("sha256"));

    let q = "PREFIX tw: <https://w3id.org/tierwise/ns#> SELECT (COUNT(?s) AS ?n) WHERE { ?s a tw:Site }";
    let sites = std::fs::read_to_string(demo.join("sites.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    let s = store.to_str().unwrap();
    let csv = tierwise(&["query", q, "--store", s, "--format", "csv"]);
    assert!(csv.status.success(), "{}", text(&csv.stderr));
    assert_eq!(text(&csv.stdout), format!("n\n{sites}\n"));
    let json = tierwise(&["query", q, "--store", s, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v[0]["n"], serde_json::json!(sites));
    let pq = tmp.path().join("n.parquet");
    let out = tierwise(&[
        "query",
        q,
        "--store",
        s,
        "--format",
        "parquet",
        "-o",
        pq.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(std::fs::read(&pq).unwrap().starts_with(b"PAR1"));
    // Parquet needs a file.
    assert_eq!(
        tierwise(&["query", q, "--store", s, "--format", "parquet"])
            .status
            .code(),
        Some(2)
    );
    // A syntax error is bad input.
    let bad = tierwise(&["query", "SELECT ?x WHERE {", "--store", s]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("SPARQL"));
    // A missing store is reported, not created.
    let none = tmp.path().join("nope.db");
    let out = tierwise(&["query", q, "--store", none.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!none.exists());
}

/// Runs the README's command-line block as written, in a scratch folder that sees the
/// repository's data/.
/// Runs the first `sh` block of a README section in a temporary folder that sees the
/// repository's `data` and `policies`; returns the folder.
fn run_readme_block(section: &str) -> tempfile::TempDir {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme.find(section).expect("section");
    let block = &readme[start..];
    let open = block.find("```sh\n").unwrap() + 6;
    let close = open + block[open..].find("```").unwrap();
    let script = &block[open..close];
    let tmp = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    for dir in ["data", "policies"] {
        std::os::unix::fs::symlink(repo().join(dir), tmp.path().join(dir)).unwrap();
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_tierwise"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("set -euo pipefail\n{script}"))
        .current_dir(tmp.path())
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "README commands of {section} failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    tmp
}

#[test]
fn readme_commands_run_as_written() {
    let tmp = run_readme_block("## The command line");
    assert!(tmp.path().join("kg.ttl").exists() && tmp.path().join("w26/supply.csv").exists());
}

#[test]
fn readme_governance_commands_run_as_written() {
    let tmp = run_readme_block("## Governance");
    let log = std::fs::read_to_string(tmp.path().join("log.jsonl")).unwrap();
    // 8 entries from the stream, then the approval and its commit.
    assert_eq!(log.lines().count(), 10);
}

#[test]
fn mitigate_ranks_selects_and_refuses_bad_input_by_name() {
    let demo = repo().join("data/demo");
    let demo = demo.to_str().unwrap();
    let args = |extra: &[&'static str]| {
        let mut v = vec![
            "mitigate",
            demo,
            "--as-of",
            "2026-07-01T00:00:00Z",
            "--top",
            "3",
        ];
        v.extend_from_slice(extra);
        v
    };
    let out = tierwise(&args(&["--budget", "100000", "--format", "csv"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let header = csv.lines().next().unwrap();
    for c in [
        "unit",
        "action",
        "target",
        "parameters",
        "cost",
        "pi_before",
        "pi_after",
        "benefit",
        "benefit_per_cost",
        "lp_checked",
        "selected",
        "cumulative_cost",
    ] {
        assert!(header.split(',').any(|h| h == c), "{c} not in {header}");
    }
    assert!(text(&out.stderr).contains("portfolio (greedy) within 100000"));
    let out = tierwise(&args(&["--budget", "-1"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("budget -1: expected a finite number >= 0"));
    let out = tierwise(&args(&["--only", "NOPE"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("NOPE"), "{}", text(&out.stderr));
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("p.toml");
    std::fs::write(
        &policy,
        // The shipped policy ends with [mitigation]: the key lands there.
        std::fs::read_to_string(repo().join("policies/default.toml")).unwrap()
            + "holding_rat = 0.3\n",
    )
    .unwrap();
    let mut v = args(&[]);
    let p = policy.to_str().unwrap().to_string();
    v.extend(["--policy", p.as_str()]);
    let out = tierwise(&v);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("holding_rat"),
        "{}",
        text(&out.stderr)
    );
}
