//! The risk commands: risk, impact, exposure, simulate, explain, criticality.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use tierwise::progress::Progress;
use tierwise::risk::{Analysis, Disruption, Policy, UnitKind};

use crate::{DataArgs, Failure, OutArgs, fail, open_data};

#[derive(Args, Debug, Clone)]
pub struct PolicyArgs {
    /// Scoring policy (TOML); the shipped default when omitted.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Reference time for signal staleness (RFC 3339); now when omitted.
    #[arg(long)]
    as_of: Option<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct DisruptionArgs {
    /// Disrupted site (repeatable).
    #[arg(long = "site")]
    sites: Vec<String>,
    /// Disrupted company: all its sites (repeatable).
    #[arg(long = "company")]
    companies: Vec<String>,
    /// Disrupted country: all its sites (repeatable).
    #[arg(long = "country")]
    countries: Vec<String>,
    /// Disrupted supply link as BUYER|PART|SELLER (repeatable).
    #[arg(long = "link")]
    links: Vec<String>,
}

impl DisruptionArgs {
    fn disruption(&self) -> Result<Disruption, Failure> {
        let mut links = Vec::new();
        for l in &self.links {
            let p: Vec<&str> = l.split('|').collect();
            if p.len() != 3 {
                return Err(fail(
                    2,
                    format!("error: --link {l:?}: expected BUYER|PART|SELLER"),
                ));
            }
            links.push((p[0].to_string(), p[1].to_string(), p[2].to_string()));
        }
        let d = Disruption {
            sites: self.sites.clone(),
            companies: self.companies.clone(),
            countries: self.countries.clone(),
            links,
        };
        if d.is_empty() {
            return Err(fail(
                2,
                "error: name what is disrupted: --site, --company, --country or --link",
            ));
        }
        Ok(d)
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Unit {
    Site,
    Company,
    Country,
    Link,
}

impl Unit {
    fn kind(self) -> UnitKind {
        match self {
            Unit::Site => UnitKind::Site,
            Unit::Company => UnitKind::Company,
            Unit::Country => UnitKind::Country,
            Unit::Link => UnitKind::Link,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum CritView {
    SingleSource,
    CriticalSellers,
    Chokepoints,
    Dependants,
    Hhi,
    CountryShares,
    SafetyStock,
}

pub fn analysis(data: &DataArgs, p: &PolicyArgs) -> Result<Analysis, Failure> {
    let policy = match &p.policy {
        Some(path) => Policy::from_path(path).map_err(|e| fail(2, format!("error: {e}")))?,
        None => Policy::default(),
    };
    let as_of = match &p.as_of {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map_err(|e| fail(2, format!("error: --as-of {t:?}: {e}")))?
            .to_utc(),
        None => chrono::Utc::now(),
    };
    let kg = open_data(data)?;
    let net = kg.network()?;
    let a = Analysis::new(Arc::new(net), Arc::new(policy), as_of);
    let pv = a.provenance(None);
    eprintln!(
        "policy {} (sha256 {}), tierwise {}, as of {}",
        pv.policy_version,
        &pv.policy_sha256[..16],
        pv.tierwise_version,
        pv.as_of
    );
    Ok(a)
}

/// Runs `work` while a progress bar (on a terminal only) follows `progress`; Ctrl-C cancels.
pub fn with_progress<T: Send>(
    label: &str,
    progress: &Arc<Progress>,
    work: impl FnOnce(&Progress) -> T + Send,
) -> T {
    let p = Arc::clone(progress);
    // A second Ctrl-C after the first one asked nicely exits at once.
    let _ = ctrlc::set_handler(move || {
        if p.is_cancelled() {
            std::process::exit(130);
        }
        p.cancel();
    });
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(label.to_string());
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let watcher = s.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                bar.set_length(progress.total());
                bar.set_position(progress.done());
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let r = work(progress);
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = watcher.join();
        bar.finish_and_clear();
        r
    })
}

pub fn risk(data: DataArgs, p: PolicyArgs, factors: bool, out: OutArgs) -> Result<(), Failure> {
    let a = analysis(&data, &p)?;
    let mut df = if factors {
        a.factor_frame()
    } else {
        a.risk_frame()
    };
    crate::output::write_frame(&mut df, &out)
}

pub fn impact(
    data: DataArgs,
    p: PolicyArgs,
    d: DisruptionArgs,
    days: f64,
    out: OutArgs,
) -> Result<(), Failure> {
    let d = d.disruption()?;
    let a = analysis(&data, &p)?;
    let i = a
        .impact(&d, days)
        .map_err(|e| fail(2, format!("error: {e}")))?;
    crate::output::write_frame(&mut i.to_dataframe(&a), &out)
}

pub fn exposure(
    data: DataArgs,
    p: PolicyArgs,
    unit: Unit,
    only: Vec<String>,
    rows: bool,
    out: OutArgs,
) -> Result<(), Failure> {
    let a = analysis(&data, &p)?;
    let kind = unit.kind();
    // Timed inside the work, not around the progress bar's thread.
    let (e, secs) = if only.is_empty() {
        let progress = Arc::new(Progress::new());
        with_progress("exposure", &progress, |pr| {
            let t0 = std::time::Instant::now();
            a.exposure_with(kind, pr)
                .map(|e| (e, t0.elapsed().as_secs_f64()))
        })
        .map_err(|_| fail(130, "interrupted"))?
    } else {
        let t0 = std::time::Instant::now();
        let e = a
            .exposure_for(kind, &only)
            .map_err(|e| fail(2, format!("error: {e}")))?;
        (e, t0.elapsed().as_secs_f64())
    };
    eprintln!(
        "exposure of {} {} units in {secs:.6} s",
        e.units.len(),
        kind.as_str()
    );
    let mut df = if rows {
        e.rows_frame(&a)
    } else {
        e.to_dataframe()
    };
    crate::output::write_frame(&mut df, &out)
}

pub fn simulate(
    data: DataArgs,
    p: PolicyArgs,
    scenarios: usize,
    seed: u64,
    sites: bool,
    losses: Option<PathBuf>,
    out: OutArgs,
) -> Result<(), Failure> {
    let a = analysis(&data, &p)?;
    let progress = Arc::new(Progress::new());
    let (sim, secs) = with_progress("simulate", &progress, |pr| {
        let t0 = std::time::Instant::now();
        a.simulate(scenarios, seed, pr)
            .map(|s| (s, t0.elapsed().as_secs_f64()))
    })
    .map_err(|_| fail(130, "interrupted"))?;
    eprintln!(
        "{scenarios} scenarios on {} sites in {secs:.6} s",
        a.network().sites().len()
    );
    if let Some(path) = losses {
        let o = OutArgs {
            format: if path.extension().is_some_and(|e| e == "parquet") {
                crate::Format::Parquet
            } else {
                crate::Format::Csv
            },
            output: Some(path),
        };
        crate::output::write_frame(&mut sim.losses_frame(), &o)?;
    }
    let mut df = if sites {
        sim.sites_frame(&a)
    } else {
        sim.summary()
    };
    crate::output::write_frame(&mut df, &out)
}

pub fn explain(
    data: DataArgs,
    p: PolicyArgs,
    product: String,
    d: DisruptionArgs,
    out: OutArgs,
) -> Result<(), Failure> {
    let d = d.disruption()?;
    let a = analysis(&data, &p)?;
    let labels = a.row_labels();
    let row = labels.iter().position(|l| *l == product).ok_or_else(|| {
        fail(
            2,
            format!(
                "error: no products row {product:?}; rows are: {}",
                labels.join(", ")
            ),
        )
    })?;
    let x = a
        .explain(row, &d)
        .map_err(|e| fail(2, format!("error: {e}")))?;
    eprintln!(
        "{product} under {}: availability {}, TTS {} days",
        x.disruption, x.availability, x.tts
    );
    crate::output::write_frame(&mut x.to_dataframe(), &out)
}

pub fn criticality(
    data: DataArgs,
    p: PolicyArgs,
    show: CritView,
    out: OutArgs,
) -> Result<(), Failure> {
    let a = analysis(&data, &p)?;
    let c = a.criticality();
    let mut df = match show {
        CritView::SingleSource => c.single_sources_frame(),
        CritView::CriticalSellers => c.critical_sellers_frame(),
        CritView::Chokepoints => c.chokepoints_frame(&a),
        CritView::Dependants => c.dependants_frame(),
        CritView::Hhi => c.concentration_frame(&a),
        CritView::CountryShares => c.country_shares_frame(&a),
        CritView::SafetyStock => c.safety_stock_frame(),
    };
    crate::output::write_frame(&mut df, &out)
}
