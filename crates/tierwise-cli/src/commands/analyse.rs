//! The analysis commands: risk, impact, exposure, stress, simulate, explain, criticality.

use std::path::Path;
use std::time::Instant;

use tierwise::lp::{Method, StressOptions};
use tierwise::risk::{CriticalityView, Disruption, UnitKind};

use super::open;
use crate::cli::{AnalysisArgs, DisruptionArgs, UnitArgs};
use crate::failure::{Failure, fail};
use crate::output::{write_file, write_frame};
use crate::progress::with_progress;

/// The disruption set the flags name; at least one unit.
fn disruption(args: &DisruptionArgs) -> Result<Disruption, Failure> {
    let mut d = Disruption {
        sites: args.sites.clone(),
        companies: args.companies.clone(),
        countries: args.countries.clone(),
        links: Vec::new(),
    };
    for l in &args.links {
        d.add(UnitKind::Link, l)
            .map_err(|e| fail(2, format!("error: --link: {e}")))?;
    }
    if d.is_empty() {
        return Err(fail(
            2,
            "error: name what is disrupted: --site, --company, --country or --link",
        ));
    }
    Ok(d)
}

pub fn risk(c: &AnalysisArgs, factors: bool) -> Result<(), Failure> {
    let a = open(&c.data, &c.policy)?.analysis;
    let mut df = if factors {
        a.factor_frame()
    } else {
        a.risk_frame()
    };
    write_frame(&mut df, &c.out)
}

pub fn impact(c: &AnalysisArgs, d: &DisruptionArgs, days: f64) -> Result<(), Failure> {
    let d = disruption(d)?;
    let a = open(&c.data, &c.policy)?.analysis;
    let i = a.impact(&d, days)?;
    write_frame(&mut i.to_dataframe(&a), &c.out)
}

pub fn exposure(c: &AnalysisArgs, u: &UnitArgs, rows: bool, wb: bool) -> Result<(), Failure> {
    let a = open(&c.data, &c.policy)?.analysis;
    // Timed inside the work, not around the progress bar's thread.
    let (e, secs) = if u.only.is_empty() {
        with_progress("exposure", |p| {
            let t0 = Instant::now();
            a.exposure_with(u.unit, p)
                .map(|e| (e, t0.elapsed().as_secs_f64()))
        })?
    } else {
        let t0 = Instant::now();
        let e = a.exposure_for(u.unit, &u.only)?;
        (e, t0.elapsed().as_secs_f64())
    };
    eprintln!(
        "exposure of {} {} units in {secs:.6} s",
        e.units.len(),
        u.unit
    );
    let mut df = if rows {
        e.rows_frame(&a)
    } else {
        e.to_dataframe()
    };
    if wb {
        super::write_back(&c.data, "exposure", &df, &a.provenance(None))?;
    }
    write_frame(&mut df, &c.out)
}

pub fn stress(c: &AnalysisArgs, u: &UnitArgs, method: Method, wb: bool) -> Result<(), Failure> {
    let a = open(&c.data, &c.policy)?.analysis;
    let mut options = StressOptions::new(u.unit, method);
    if !u.only.is_empty() {
        options = options.only(u.only.iter().cloned());
    }
    let t0 = Instant::now();
    let s = with_progress("stress", |p| a.stress_test_with(&options, p))?;
    eprintln!(
        "stress test ({method}) of {} {} units, {} solved by LP, in {:.6} s; baseline PI {}, TTS {}",
        s.units.len(),
        u.unit,
        s.exact.iter().filter(|&&e| e).count(),
        t0.elapsed().as_secs_f64(),
        s.baseline_pi,
        s.baseline_tts
    );
    let mut df = s.to_dataframe();
    if wb {
        super::write_back(&c.data, "stress", &df, &a.provenance(None))?;
    }
    write_frame(&mut df, &c.out)
}

pub fn simulate(
    c: &AnalysisArgs,
    (scenarios, seed): (usize, u64),
    sites: bool,
    losses: Option<&Path>,
    wb: bool,
) -> Result<(), Failure> {
    let a = open(&c.data, &c.policy)?.analysis;
    let (sim, secs) = with_progress("simulate", |p| {
        let t0 = Instant::now();
        a.simulate(scenarios, seed, p)
            .map(|s| (s, t0.elapsed().as_secs_f64()))
    })?;
    eprintln!(
        "{scenarios} scenarios on {} sites in {secs:.6} s",
        a.network().sites().len()
    );
    if let Some(path) = losses {
        write_file(&mut sim.losses_frame(), path)?;
    }
    let mut df = if sites {
        sim.sites_frame(&a)
    } else {
        sim.summary()
    };
    if wb {
        super::write_back(&c.data, "simulate", &df, &a.provenance(Some(seed)))?;
    }
    write_frame(&mut df, &c.out)
}

pub fn explain(c: &AnalysisArgs, product: &str, d: &DisruptionArgs) -> Result<(), Failure> {
    let d = disruption(d)?;
    let a = open(&c.data, &c.policy)?.analysis;
    let x = a.explain(a.row_index(product)?, &d)?;
    eprintln!(
        "{product} under {}: availability {}, TTS {} days",
        x.disruption, x.availability, x.tts
    );
    write_frame(&mut x.to_dataframe(), &c.out)
}

pub fn criticality(c: &AnalysisArgs, show: CriticalityView) -> Result<(), Failure> {
    let a = open(&c.data, &c.policy)?.analysis;
    write_frame(&mut a.criticality().frame(show, &a), &c.out)
}
