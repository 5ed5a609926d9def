//! `tierwise mitigate`: proposals for the most exposed units, evaluated by re-running the
//! model, and with a budget the greedy portfolio.

use std::time::Instant;

use tierwise::mitigate::MitigateOptions;

use super::open;
use crate::cli::MitigateArgs;
use crate::failure::{Failure, fail};
use crate::output::write_frame;
use crate::progress::with_progress;

pub fn run(m: &MitigateArgs) -> Result<(), Failure> {
    if m.curve && m.budget.is_none() {
        return Err(fail(
            2,
            "error: --curve needs --budget (the curve is the portfolio's)",
        ));
    }
    let a = open(&m.common.data, &m.common.policy)?.analysis;
    let options = MitigateOptions {
        kind: m.unit,
        units: (!m.only.is_empty()).then(|| m.only.clone()),
        top: m.top,
        budget: m.budget,
        exact: m.exact,
        check_top: m.check_top,
        scenarios: m.scenarios,
        seed: m.seed,
        ..MitigateOptions::default()
    };
    let t0 = Instant::now();
    let r = with_progress("mitigate", |p| a.mitigate_with(&options, p))?;
    eprintln!(
        "{} proposals for {} {} units in {:.6} s; PI of every {} unit {}",
        r.proposals.len(),
        r.units.len(),
        m.unit,
        t0.elapsed().as_secs_f64(),
        m.unit,
        r.total_pi
    );
    if let Some(pf) = &r.portfolio {
        eprintln!(
            "portfolio ({}) within {}: {} picks, cost {}, PI removed {}",
            pf.rule.as_str(),
            pf.budget,
            pf.picks.len(),
            pf.cost,
            pf.benefit
        );
    }
    let mut df = match (&r.portfolio, m.curve) {
        (Some(pf), true) => pf.curve_frame(&r),
        _ => r.to_dataframe(),
    };
    if m.write_back {
        super::write_back(&m.common.data, "mitigate", &df, &a.provenance(Some(m.seed)))?;
    }
    write_frame(&mut df, &m.common.out)
}
