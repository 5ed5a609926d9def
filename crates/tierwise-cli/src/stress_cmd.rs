//! `tierwise stress`: the exact TTR / TTS stress test of DESIGN 3.6, and the peer-shaped
//! generator preset (`tierwise generate --preset peer`).

use std::path::Path;
use std::sync::Arc;

use clap::ValueEnum;
use tierwise::lp::{LpError, Method};
use tierwise::progress::Progress;
use tierwise::risk::UnitKind;

use crate::analyse::{PolicyArgs, analysis, with_progress};
use crate::{DataArgs, Failure, OutArgs, fail};

/// How PI and TTS are computed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum StressMethod {
    /// The closed form of DESIGN 3.2 only.
    ClosedForm,
    /// The TTR and TTS LPs for every unit.
    Lp,
    /// The closed form screens; the LPs run where it cannot clear a unit.
    Hybrid,
}

impl StressMethod {
    fn method(self) -> Method {
        match self {
            StressMethod::ClosedForm => Method::ClosedForm,
            StressMethod::Lp => Method::Lp,
            StressMethod::Hybrid => Method::Hybrid,
        }
    }
}

/// The kind of unit a stress test disrupts one at a time.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum StressUnit {
    Site,
    Company,
    Country,
    Link,
}

impl StressUnit {
    fn kind(self) -> UnitKind {
        match self {
            StressUnit::Site => UnitKind::Site,
            StressUnit::Company => UnitKind::Company,
            StressUnit::Country => UnitKind::Country,
            StressUnit::Link => UnitKind::Link,
        }
    }
}

/// Generator presets.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// Three tiers shaped like the public stress-test peer (N1 plants, N2, 2 * N2).
    Peer,
}

pub fn stress(
    data: DataArgs,
    p: PolicyArgs,
    unit: StressUnit,
    method: StressMethod,
    only: Vec<String>,
    out: OutArgs,
) -> Result<(), Failure> {
    let a = analysis(&data, &p)?;
    let kind = unit.kind();
    let method = method.method();
    let t0 = std::time::Instant::now();
    let progress = Arc::new(Progress::new());
    let only = (!only.is_empty()).then_some(only);
    let r = with_progress("stress", &progress, |pr| {
        tierwise::lp::stress_test(&a, kind, only.as_deref(), method, pr)
    });
    let s = match r {
        Ok(s) => s,
        Err(LpError::Cancelled(_)) => return Err(fail(130, "interrupted")),
        Err(e @ LpError::Network(_)) => return Err(fail(2, format!("error: {e}"))),
        Err(e) => return Err(fail(1, format!("error: {e}"))),
    };
    let solved = s.exact.iter().filter(|&&e| e).count();
    eprintln!(
        "stress test ({}) of {} {} units, {} solved by LP, in {:.6} s; baseline PI {}, TTS {}",
        method.as_str(),
        s.units.len(),
        kind.as_str(),
        solved,
        t0.elapsed().as_secs_f64(),
        s.baseline_pi,
        s.baseline_tts
    );
    let mut df = s.to_dataframe();
    crate::output::write_frame(&mut df, &out)
}

/// Writes the peer-shaped network of `tierwise::lp::preset::peer`.
pub fn generate_preset(
    preset: Preset,
    n1: usize,
    n2: usize,
    seed: u64,
    out: &Path,
) -> Result<(), Failure> {
    let tables = match preset {
        Preset::Peer => tierwise::lp::preset::peer(n1, n2, seed),
    };
    tierwise::ingest::write_tables_csv(&tables, out)
        .map_err(|e| fail(1, format!("error: cannot write {}: {e}", out.display())))?;
    println!(
        "wrote the peer preset ({n1}, {n2}, {}): {} sites, {} parts, {} products rows, {} bom lines, {} supply rows, {} capacity rows to {}",
        2 * n2,
        tables.sites.len(),
        tables.parts.len(),
        tables.products.len(),
        tables.bom.len(),
        tables.supply.len(),
        tables.capacity.len(),
        out.display()
    );
    Ok(())
}
