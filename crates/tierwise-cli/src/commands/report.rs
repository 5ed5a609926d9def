//! `tierwise report`: opens the data, runs the report with a progress bar per long step and
//! writes the report folder.

use std::time::Instant;

use tierwise::report::{ReportOptions, Timing};
use tierwise::source::{Settings, Source};

use super::source;
use crate::cli::ReportArgs;
use crate::failure::{Failure, fail};
use crate::progress::Bars;

pub fn run(args: &ReportArgs) -> Result<(), Failure> {
    let t0 = Instant::now();
    let settings =
        Settings::from_args(args.policy.policy.as_deref(), args.policy.as_of.as_deref())?;
    if args.scenarios == Some(0) {
        return Err(fail(2, "error: --scenarios must be at least 1"));
    }
    let opened = source(&args.data, || Source::Demo)?.open(&settings)?;
    let a = opened.analysis;
    let scenarios = args
        .scenarios
        .unwrap_or_else(|| tierwise::report::default_scenarios(a.network().sites().len()));
    let load_s = t0.elapsed().as_secs_f64();
    let options = ReportOptions {
        scenarios,
        seed: args.seed,
        explain_top: args.explain_top,
        list_top: args.top,
        source: opened.source,
        inputs: opened.inputs,
        ..ReportOptions::default()
    };
    let mut report = tierwise::report::build_with(&a, &options, &Bars)?;
    report.summary.timings.insert(
        0,
        Timing {
            step: "read_and_compile".into(),
            seconds: load_s,
        },
    );
    report
        .write(&args.out)
        .map_err(|e| fail(1, format!("error: {e}")))?;
    let s = &report.summary;
    println!(
        "wrote {} ({} tables as Parquet and CSV, summary.json) for {} sites in {:.1} s",
        args.out.join("index.html").display(),
        report.tables.len(),
        s.network.sites,
        t0.elapsed().as_secs_f64()
    );
    println!(
        "revenue at risk (Monte Carlo expected loss, {} scenarios, seed {}): {}",
        s.scenarios,
        s.seed,
        tierwise::report::format_number(s.revenue_at_risk)
    );
    Ok(())
}
