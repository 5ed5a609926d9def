//! Malformed input files through the CLI: exit code 2, every defect in tierwise's words with
//! file, row and column, all at once, and nothing stored.

mod common;

use common::{repo, text, tierwise};

/// A copy of the demo tables with `change` applied to one file's text.
fn demo_with(dir: &std::path::Path, file: &str, change: impl Fn(&str) -> String) {
    std::fs::create_dir_all(dir).unwrap();
    for entry in std::fs::read_dir(repo().join("data/demo")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let body = std::fs::read_to_string(&path).unwrap();
        let body = if name == file { change(&body) } else { body };
        std::fs::write(dir.join(&name), body).unwrap();
    }
}

#[test]
fn ragged_rows_duplicate_columns_and_missing_paths_are_reported_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let ragged = tmp.path().join("ragged");
    // supply.csv row 3 gets one field too many.
    demo_with(&ragged, "supply.csv", |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
        lines[2].push_str(",extra");
        lines.join("\n") + "\n"
    });
    let twice = tmp.path().join("twice");
    // sites.csv names company twice.
    demo_with(&twice, "sites.csv", |t| {
        t.lines()
            .enumerate()
            .map(|(i, l)| format!("{l},{}\n", if i == 0 { "company" } else { "X" }))
            .collect()
    });
    let store = tmp.path().join("kg.db");
    let p = |d: &std::path::Path| d.to_str().unwrap().to_string();
    let out = tierwise(&[
        "load",
        &p(&ragged),
        "/nonexistent",
        &p(&twice),
        "--store",
        &p(&store),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    for expected in [
        "ragged/supply.csv, row 3: 9 fields, but the header has 8".to_string(),
        "/nonexistent: no such file or folder".to_string(),
        "twice/sites.csv, row 1, column company, value \"company\": the header names column company twice (columns 2 and 10)".to_string(),
        "nothing was stored".to_string(),
    ] {
        assert!(err.contains(&expected), "{expected:?} not in:\n{err}");
    }
    assert!(
        !err.contains("Schema") && !err.contains("os error"),
        "{err}"
    );
    assert!(!store.exists(), "a refused load must not create the store");

    // `check` says the same on standard output, as a table, with exit code 2.
    let out = tierwise(&["check", &p(&ragged), "--format", "csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stdout).contains("error,supply,"),
        "{}",
        text(&out.stdout)
    );
    assert!(text(&out.stdout).contains(",3,\"\",\"\",\"9 fields, but the header has 8\""));
}

#[test]
fn a_path_that_does_not_exist_is_named_as_such() {
    for args in [
        vec!["check", "/nonexistent"],
        vec!["exposure", "--data", "/nonexistent"],
        vec!["report", "/nonexistent", "--out", "/nonexistent-report"],
    ] {
        let out = tierwise(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let said = text(&out.stderr) + &text(&out.stdout);
        assert!(said.contains("no such file or folder"), "{args:?}: {said}");
        assert!(!said.contains("RDF format"), "{args:?}: {said}");
    }
}
