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
//!
//! Daily use today: P1|A 100 x 2 = 200; T1a|C 200 x 0.6 x 3 = 360; T1b|C 200 x 0.4 x 3 = 240.

use proptest::prelude::*;
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

#[test]
fn greedy_portfolio_reevaluates_after_each_pick_and_meets_the_exact_best() {
    let a = diamond_alt();
    let o = MitigateOptions {
        budget: Some(150_000.0),
        ..MitigateOptions::default()
    };
    let m = a.mitigate(&o).unwrap();
    let pf = m.portfolio.as_ref().unwrap();
    let picked: Vec<(String, Action, String)> = pf
        .picks
        .iter()
        .map(|x| {
            let p = &m.proposals[x.proposal];
            (p.unit.clone(), p.action, p.target.clone())
        })
        .collect();
    // First the best ratio: qualify C2 at T1a (40,000 / 90,000). On that network T1a's cap
    // raised 0.8 -> 1 (0.2 x 200 x 80 x 0.02 x 365 = 23,360) now also covers T2's loss
    // (A = 1 x 1 + 0.5 x 0 = 1): 4,600 for T1b + 10,000 for T2 = 14,600, where alone it
    // removed 4,600. Then 36,640 is left and nothing that fits removes anything more (T2's
    // safety stock now adds nothing: T2's PI is 0).
    assert_eq!(
        picked,
        [
            ("T2".into(), Action::QualifyAlternate, "T1a|C".into()),
            ("T1b".into(), Action::RaiseMaxShare, "P1|A|T1a".into()),
        ]
    );
    assert!(close(pf.picks[1].marginal_benefit, 14_600.0));
    assert!(close(pf.benefit, 54_600.0) && close(pf.cost, 113_360.0));
    // Enumerating every subset of the 8 proposals within the budget finds a better one: C2
    // at T1b and T1b's cap raised 0.5 -> 1 (90,000 + 58,400 = 148,400): T2 lost, A = 0.8 x 0
    // + 1 x 1 = 1 (50,000 removed); T1a lost, A = 1 (6,500). 56,500: greedy is 1,900 short.
    let exact = m.exact_portfolio(&a, 150_000.0).unwrap();
    let chosen: Vec<(Action, &str)> = exact
        .picks
        .iter()
        .map(|x| {
            (
                m.proposals[x.proposal].action,
                m.proposals[x.proposal].target.as_str(),
            )
        })
        .collect();
    assert_eq!(
        chosen,
        [
            (Action::QualifyAlternate, "T1b|C"),
            (Action::RaiseMaxShare, "P1|A|T1b")
        ]
    );
    assert!(close(exact.benefit, 56_500.0) && close(exact.cost, 148_400.0));
}

#[test]
fn exact_check_re_runs_the_lp_before_and_after() {
    let a = diamond_alt();
    let m = a
        .mitigate(&MitigateOptions {
            units: Some(vec!["T2".into()]),
            exact: true,
            check_top: 10,
            ..MitigateOptions::default()
        })
        .unwrap();
    let q = m
        .proposals
        .iter()
        .find(|p| p.action == Action::QualifyAlternate && p.target == "T1a|C")
        .unwrap();
    let lp = q.lp.unwrap();
    // T2 lost for 60 days, no capacity rows: the plant can make X from its 5 days of A (1,000)
    // and the A the Tier-1s make from their 3 days of C (1,080 / 3 + 720 / 3 = 600): 800 X, with
    // 200 X in stock 1,000 of the 6,000 needed; 5,000 x 10 = 50,000 as in the closed form.
    assert!(
        close_within(lp.pi_before, 50_000.0, 1e-6),
        "{}",
        lp.pi_before
    );
    // With C2 from T3 at T1a: T1a ships up to its cap 0.8 x 200 x 60 = 9,600 A; with T1b's 240
    // and P1's 1,000, 10,840 A make 5,420 X; with the 200 in stock 380 X short: 3,800 (the
    // closed form's 10,000 counts no stock but the TTS).
    assert!(close_within(lp.pi_after, 3_800.0, 1e-6), "{}", lp.pi_after);
}

#[test]
fn bad_changes_and_settings_are_named_all_at_once() {
    let a = diamond_alt();
    let link = |s: &str| s.parse::<Link>().unwrap();
    let e = a
        .what_if(&[
            Change::RaiseMaxShare {
                link: link("P1|A|NOPE"),
                max_share: 0.9,
            },
            Change::AddInventoryDays {
                buyer: "T1a".into(),
                part: "Q".into(),
                days: 2.0,
            },
            Change::RaiseMaxShare {
                link: link("P1|A|T1a"),
                max_share: 0.5,
            },
            Change::AddSupply {
                link: link("P1|A|T2"),
                share: 0.0,
                max_share: 0.5,
            },
            Change::QualifyAlternate {
                buyer: "T1a".into(),
                part: "C".into(),
                alternate: "A".into(),
                max_share: 1.0,
                sellers: vec![],
            },
        ])
        .unwrap_err();
    let m = e.to_string();
    assert!(
        matches!(e, MitigationError::Changes(ref p) if p.len() == 5),
        "{m}"
    );
    for want in [
        "5 problem(s) with the changes, nothing was applied",
        "change 1 (raise_max_share P1|A|NOPE max_share=0.9): unknown site \"NOPE\"",
        "change 2 (add_inventory_days T1a|Q days=2): unknown part \"Q\"",
        "change 3 (raise_max_share P1|A|T1a max_share=0.5): max_share 0.5 is below the row's 0.8",
        "change 4 (add_supply P1|A|T2 share=0 max_share=0.5): T2 does not make A",
        "change 5 (qualify_alternate T1a|C alternate=A max_share=1): A is not an alternate of C",
    ] {
        assert!(m.contains(want), "{want:?} not in:\n{m}");
    }
    // A row that exists already.
    let e = a
        .what_if(&[Change::AddSupply {
            link: link("T1a|C|T2"),
            share: 0.0,
            max_share: 0.5,
        }])
        .unwrap_err();
    assert!(e.to_string().contains("is a supply row already"), "{e}");
    let bad = |o: MitigateOptions| a.mitigate(&o).unwrap_err().to_string();
    let m = bad(MitigateOptions {
        budget: Some(-1.0),
        ..MitigateOptions::default()
    });
    assert_eq!(m, "budget -1: expected a finite number >= 0");
    let m = bad(MitigateOptions {
        units: Some(vec!["NOPE".into()]),
        ..MitigateOptions::default()
    });
    assert!(m.contains("NOPE"), "{m}");
    let m = bad(MitigateOptions {
        kind: UnitKind::Link,
        ..MitigateOptions::default()
    });
    assert!(m.contains("not link"), "{m}");
}

/// Every unit's closed-form PI.
fn all_pi(a: &Analysis) -> Vec<f64> {
    a.exposure(UnitKind::Site).pi
}

/// Whether the loss of site `s` reaches node `v`: `v` is one of its nodes or downstream.
fn site_reaches(net: &tierwise::network::Network, s: u32, v: u32) -> bool {
    let mut seen = vec![false; net.nodes().len()];
    let mut stack: Vec<u32> = (0..net.nodes().len() as u32)
        .filter(|&x| net.nodes()[x as usize].site == s)
        .collect();
    while let Some(x) = stack.pop() {
        if x == v {
            return true;
        }
        if std::mem::replace(&mut seen[x as usize], true) {
            continue;
        }
        for &e in net.node_outputs(x) {
            stack.extend_from_slice(net.group_consumers(net.edges()[e as usize].group));
        }
    }
    false
}

/// The seller of edge `e` as a link.
fn link_of(a: &Analysis, e: usize) -> Link {
    let net = a.network();
    let ed = net.edges()[e];
    let g = net.groups()[ed.group as usize];
    let seller = net.nodes()[ed.seller as usize];
    Link::new(
        &net.sites()[g.buyer as usize].site_id,
        &net.parts()[seller.part as usize].part_id,
        &net.sites()[seller.site as usize].site_id,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// A proposal's PI after and benefit come from re-running only the units its change can
    /// move, on a view of the changed network: they equal a full exposure of the what-if.
    #[test]
    fn evaluating_affected_units_equals_a_full_rerun(sites in 40usize..160, seed in any::<u64>()) {
        let a = analysis_of(&generated(sites, seed));
        let m = a.mitigate(&MitigateOptions { top: 3, ..MitigateOptions::default() }).unwrap();
        let before = all_pi(&a);
        let units = a.units(UnitKind::Site);
        for p in m.proposals.iter().take(12) {
            let after = all_pi(&a.what_if(&p.changes).unwrap());
            let i = units.iter().position(|u| *u == p.unit).unwrap();
            prop_assert!(close(after[i], p.pi_after), "{} {}: {} vs {}", p.action, p.target, after[i], p.pi_after);
            let removed: f64 = before.iter().zip(&after).map(|(b, x)| b - x).sum();
            prop_assert!(close_within(removed, p.benefit, 1e-9), "{} {}: {} vs {}", p.action, p.target, removed, p.benefit);
        }
    }

    /// The greedy portfolio moves its state pick by pick, each trial laid over the picks
    /// before it: every prefix's cumulative benefit equals the PI a full exposure of the
    /// what-if with those picks' changes removes.
    #[test]
    fn each_portfolio_prefix_equals_a_full_rerun_of_its_picks(sites in 40usize..160, seed in any::<u64>()) {
        let a = analysis_of(&generated(sites, seed));
        let m = a.mitigate(&MitigateOptions { top: 5, ..MitigateOptions::default() }).unwrap();
        let budget: f64 = m.proposals.iter().map(|p| p.cost).sum();
        let pf = m.greedy_portfolio(&a, budget, &tierwise::progress::Progress::new()).unwrap();
        let before: f64 = all_pi(&a).iter().sum();
        let mut changes = Vec::new();
        for pick in pf.picks.iter().take(8) {
            changes.extend(m.proposals[pick.proposal].changes.iter().cloned());
            let after: f64 = all_pi(&a.what_if(&changes).unwrap()).iter().sum();
            prop_assert!(
                close_within(before - after, pick.cumulative_benefit, 1e-9),
                "after {} picks: {} vs {}", changes.len(), before - after, pick.cumulative_benefit
            );
        }
    }

    /// Raising a cap or adding stock never raises any unit's PI; nor does a new standby
    /// seller for a unit whose loss does not reach that seller. (One whose loss reaches it can
    /// lose more: the new row is a new, maybe shorter, path to the products, and TTS is a
    /// shortest path, DESIGN 3.2.) No change at all (0 days) gives the base exactly.
    #[test]
    fn adding_supply_caps_or_stock_never_raises_pi(
        sites in 40usize..160, seed in any::<u64>(), pick in any::<u32>(), cap in 0.0f64..1.0, days in 0.0f64..30.0
    ) {
        let a = analysis_of(&generated(sites, seed));
        let net = a.network();
        let base = all_pi(&a);
        let e = pick as usize % net.edges().len();
        let l = link_of(&a, e);
        let g = net.groups()[net.edges()[e].group as usize];
        let old = net.edges()[e].cap;
        let raised = a.what_if(&[Change::RaiseMaxShare { link: l.clone(), max_share: old + (1.0 - old) * cap }]).unwrap();
        let stocked = a.what_if(&[Change::AddInventoryDays { buyer: l.buyer.clone(), part: l.part.clone(), days }]).unwrap();
        for after in [all_pi(&raised), all_pi(&stocked)] {
            for (b, x) in base.iter().zip(&after) {
                prop_assert!(*x <= b + 1e-9 * b.max(1.0), "{x} > {b}");
            }
        }
        prop_assert_eq!(&all_pi(&a.what_if(&[Change::AddInventoryDays { buyer: l.buyer.clone(), part: l.part.clone(), days: 0.0 }]).unwrap()), &base);
        // A standby seller: a maker of the part on a lower level than every consumer.
        let floor = net.group_consumers(net.edges()[e].group).iter().map(|&c| net.nodes()[c as usize].level).min().unwrap_or(0);
        let maker = (0..net.nodes().len() as u32).find(|&v| {
            let n = net.nodes()[v as usize];
            n.part == g.part && n.site != g.buyer && n.level < floor
                && !net.group_edges(net.edges()[e].group).iter().any(|&x| net.edges()[x as usize].seller == v)
        });
        if let Some(v) = maker {
            let seller = &net.sites()[net.nodes()[v as usize].site as usize].site_id;
            let link = Link::new(&l.buyer, &l.part, seller);
            let added = all_pi(&a.what_if(&[Change::AddSupply { link, share: 0.0, max_share: cap }]).unwrap());
            for (s, (b, x)) in base.iter().zip(&added).enumerate() {
                prop_assert!(site_reaches(a.network(), s as u32, v) || *x <= b + 1e-9 * b.max(1.0), "{s}: {x} > {b}");
            }
        }
    }
}
