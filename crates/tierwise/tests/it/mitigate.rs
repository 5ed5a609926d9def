//! Mitigation (DESIGN 3.5): what-if analyses and proposals on the diamond, every number worked
//! by hand in the comments.
//!
//! The diamond (common.rs) with an alternate: C2 may replace C (60 days to qualify), and T3
//! (VN) makes C2 today (it sells it to P1, where nothing consumes it: a warning only).
//! Before any change (site TTRs P1 10, T1a 20, T1b 30, T2 60; value = margin 10; demand 100):
//! - T2 lost: T1a and T1b get no C, A_row = 0; TTS = 3 (T1a|C) + 5 (P1|A) + 2 (fg) = 10;
//!   PI = 100 x 10 x 1 x (60 - 10) = 50,000.
//! - T1a lost: A = T1b's cap 0.5; TTS = 5 + 2 = 7; PI = 100 x 10 x 0.5 x (20 - 7) = 6,500.
//! - T1b lost: A = 0.8; PI = 100 x 10 x 0.2 x (30 - 7) = 4,600.
//! - P1 lost: A = 0, TTS = fg 2; PI = 100 x 10 x (10 - 2) = 8,000.
//! Daily use today: P1|A 100 x 2 = 200; T1a|C 200 x 0.6 x 3 = 360; T1b|C 200 x 0.4 x 3 = 240.

use tierwise::mitigate::{Action, Change, MitigateOptions, MitigationError};
use tierwise::risk::{Analysis, Link, UnitKind};

use crate::common::*;

fn diamond_alt() -> Analysis {
    let sites = format!("{SITES}T3,Theta,VN,15\n");
    let parts = format!("{PARTS}C2,component,Casting B,22\n");
    let supply = format!("{SUPPLY}P1,C2,T3,1,,20,4,0\n");
    let alternates = "part_id,alternate_part_id,qualification_days\nC,C2,60\n";
    let d = diamond_with(&[
        ("sites.csv", &sites),
        ("parts.csv", &parts),
        ("supply.csv", &supply),
        ("alternates.csv", alternates),
    ]);
    analysis(d.path())
}

fn pi(a: &Analysis, site: &str) -> f64 {
    let e = a.exposure(UnitKind::Site);
    let i = e.units.iter().position(|u| u == site).unwrap();
    e.pi[i]
}

fn qualify(buyer: &str) -> Change {
    Change::QualifyAlternate {
        buyer: buyer.into(),
        part: "C".into(),
        alternate: "C2".into(),
        max_share: 1.0,
        sellers: vec![],
    }
}

fn days(buyer: &str, part: &str, days: f64) -> Change {
    Change::AddInventoryDays {
        buyer: buyer.into(),
        part: part.into(),
        days,
    }
}

#[test]
fn base_pi_as_worked_by_hand() {
    let a = diamond_alt();
    assert!(close(pi(&a, "T2"), 50_000.0));
    assert!(close(pi(&a, "T1a"), 6_500.0));
    assert!(close(pi(&a, "T1b"), 4_600.0));
    assert!(close(pi(&a, "P1"), 8_000.0));
    assert_eq!(pi(&a, "T3"), 0.0);
}

#[test]
fn qualifying_the_alternate_tier2_removes_the_hidden_concentration() {
    let a = diamond_alt();
    let hidden = |a: &Analysis| {
        a.criticality()
            .chokepoints
            .iter()
            .any(|c| c.unit == "T2" && c.hidden)
    };
    assert!(hidden(&a));
    // T3 stands by for T1a's C: T2 lost, T1a still gets all its C (T3's cap 1), so
    // A = 0.8 x 1 + 0.5 x 0 = 0.8 and PI = 100 x 10 x 0.2 x (60 - 10) = 10,000.
    let one = a.what_if(&[qualify("T1a")]).unwrap();
    assert!(close(pi(&one, "T2"), 10_000.0));
    assert!(!hidden(&one));
    // For both Tier-1s: A = 1, PI 0. The other units keep their PI (T3 loses nothing: C
    // still comes from T2).
    let both = a.what_if(&[qualify("T1a"), qualify("T1b")]).unwrap();
    assert_eq!(pi(&both, "T2"), 0.0);
    assert!(close(pi(&both, "T1a"), 6_500.0));
    assert_eq!(pi(&both, "T3"), 0.0);
    // The original is untouched.
    assert!(close(pi(&a, "T2"), 50_000.0));
}

#[test]
fn buffer_days_that_close_ttr_minus_tts_bring_pi_to_zero() {
    let a = diamond_alt();
    // T2: TTR 60 - TTS 10 = 50 days at both Tier-1s: TTS = 53 + 5 + 2 = 60, PI 0.
    let closed = a
        .what_if(&[days("T1a", "C", 50.0), days("T1b", "C", 50.0)])
        .unwrap();
    assert_eq!(pi(&closed, "T2"), 0.0);
    // A day short: PI = 100 x 10 x 1 x (60 - 59) = 1,000.
    let short = a
        .what_if(&[days("T1a", "C", 49.0), days("T1b", "C", 49.0)])
        .unwrap();
    assert!(close(pi(&short, "T2"), 1_000.0));
}

#[test]
fn what_if_without_changes_is_the_base() {
    let a = diamond_alt();
    let b = a.what_if(&[]).unwrap();
    assert_eq!(a.exposure(UnitKind::Site).pi, b.exposure(UnitKind::Site).pi);
}

#[test]
fn proposals_for_the_diamond_are_evaluated_and_costed_by_hand() {
    let a = diamond_alt();
    let m = a
        .mitigate(&MitigateOptions {
            top: 10,
            ..MitigateOptions::default()
        })
        .unwrap();
    for p in &m.proposals {
        eprintln!(
            "{} {} {} [{}] cost {} pi {}->{} benefit {} touched {}",
            p.unit,
            p.action,
            p.target,
            p.parameters,
            p.cost,
            p.pi_before,
            p.pi_after,
            p.benefit,
            p.units_touched
        );
    }
    let find = |unit: &str, action: Action, target: &str| {
        m.proposals
            .iter()
            .find(|p| p.unit == unit && p.action == action && p.target == target)
            .unwrap_or_else(|| panic!("no {action} {target} for {unit}"))
    };
    // Qualify C2 at T1a for T2: PI 50,000 -> 10,000; cost 60 days x 1,500 = 90,000.
    let q = find("T2", Action::QualifyAlternate, "T1a|C");
    assert!(close(q.pi_after, 10_000.0) && close(q.benefit, 40_000.0));
    assert!(close(q.cost, 90_000.0));
    // At T1b: A = 0.5, PI = 25,000.
    let q = find("T2", Action::QualifyAlternate, "T1b|C");
    assert!(close(q.pi_after, 25_000.0) && close(q.benefit, 25_000.0));
    // Buffer for T2: 50 days at both; holding 50 x 360 x 20 x 0.25 + 50 x 240 x 20 x 0.25
    // = 90,000 + 60,000.
    let b = find("T2", Action::BufferDays, "T1a|C; T1b|C");
    assert_eq!(b.pi_after, 0.0);
    assert!(close(b.benefit, 50_000.0) && close(b.cost, 150_000.0));
    // T1a: T1b raised from 0.5 to 1 covers its loss: PI 6,500 -> 0; reserved capacity
    // 0.5 x 200 x 80 x 0.02 x 365 = 58,400.
    let r = find("T1a", Action::RaiseMaxShare, "P1|A|T1b");
    assert_eq!(r.pi_after, 0.0);
    assert!(close(r.benefit, 6_500.0) && close(r.cost, 58_400.0));
    // Buffer for T1a: 20 - 7 = 13 days at P1|A (13 x 200 x 80 x 0.25 = 52,000). Every TTS
    // through P1|A grows by 13: T1a PI 0 (benefit 6,500); T1b TTS 20, PI = 100 x 10 x 0.2 x
    // 10 = 2,000 (2,600); T2 TTS 23, PI = 100 x 10 x 37 = 37,000 (13,000): 22,100 in all.
    let b = find("T1a", Action::BufferDays, "P1|A");
    assert_eq!(b.pi_after, 0.0);
    assert!(close(b.benefit, 22_100.0) && close(b.cost, 52_000.0));
    assert_eq!(b.units_touched, 3);
}
