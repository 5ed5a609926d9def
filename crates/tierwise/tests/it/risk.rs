//! The risk engine on the diamond (DESIGN 3.1-3.4): exposure, impact, explanations and the
//! scoring policy.

use tierwise::risk::{Disruption, UnitKind};

use crate::common::{BOM, PARTS, SITES, SUPPLY, analysis, close, diamond_with};

fn pi_of(e: &tierwise::risk::Exposure, unit: &str) -> f64 {
    e.pi[e.units.iter().position(|u| u == unit).unwrap()]
}

// The diamond: X@P1 is worth demand 100 * margin 10 = 1,000 a day, fg stock 2 days.
// (P1, A) <- T1a (cap 0.8), T1b (cap 0.5), inventory 5 days; (T1x, C) <- T2, 3 days.
// TTR: P1 10, T1a 20, T1b 30, T2 60 days.

#[test]
fn site_exposure_of_the_diamond() {
    let d = diamond_with(&[]);
    let a = analysis(d.path());
    let e = a.exposure(UnitKind::Site);
    assert_eq!(e.units, ["P1", "T1a", "T1b", "T2"]);
    // T2: both Tier-1 sites lose C, A = min(1, 0.8*0 + 0.5*0) = 0;
    //     TTS = 3 + 5 + 2 = 10; loss = 1000 * 1 * (60 - 10) = 50,000.
    // T1a: A = min(1, 0.5*1) = 0.5; TTS = 5 + 2 = 7; loss = 1000 * 0.5 * (20 - 7) = 6,500.
    // T1b: A = min(1, 0.8) = 0.8 (headroom); loss = 1000 * 0.2 * (30 - 7) = 4,600.
    // P1: A = 0; TTS = 0 + 2; loss = 1000 * (10 - 2) = 8,000.
    let expected = [8_000.0, 6_500.0, 4_600.0, 50_000.0];
    for (pi, want) in e.pi.iter().zip(expected) {
        assert!(close(*pi, want), "{pi} vs {want}");
    }
    let rei = [0.16, 0.13, 0.092, 1.0];
    for (r, want) in e.rei.iter().zip(rei) {
        assert!(close(*r, want), "{r} vs {want}");
    }
    assert_eq!(e.min_tts, [2.0, 7.0, 7.0, 10.0]);
    assert_eq!(e.ttr, [10.0, 20.0, 30.0, 60.0]);
    assert_eq!(e.exposed, [true, true, true, true]);
    assert_eq!(e.rows[1][0].availability, 0.5);
    assert_eq!(e.provenance.policy_version, "default-2026.11");
}

#[test]
fn company_country_and_link_exposure() {
    let d = diamond_with(&[]);
    let a = analysis(d.path());
    // Companies have one site each here: the same PI as the sites.
    let c = a.exposure(UnitKind::Company);
    assert!(close(pi_of(&c, "Gamma"), 50_000.0));
    assert!(close(pi_of(&c, "FOCAL"), 8_000.0));
    // Countries have no countries table: TTR is the policy default, 14 days.
    // DE = {P1, T1a}: the plant is down, A = 0, TTS = 0 + 2, loss = 1000 * (14 - 2) = 12,000.
    // CN = {T2}: A = 0, TTS 10, loss = 1000 * (14 - 10) = 4,000.
    // PL = {T1b}: A = 0.8, TTS 7, loss = 1000 * 0.2 * (14 - 7) = 1,400.
    let k = a.exposure(UnitKind::Country);
    assert_eq!(k.units, ["CN", "DE", "PL"]);
    assert!(close(k.pi[0], 4_000.0) && close(k.pi[1], 12_000.0) && close(k.pi[2], 1_400.0));
    // Link P1|A|T1a: the row ships nothing: A = 0.5; its TTS path starts at the buyer's
    // group: 5 + 2 = 7; TTR default 14: loss = 1000 * 0.5 * 7 = 3,500.
    let l = a
        .exposure_for(UnitKind::Link, &["P1|A|T1a".to_string()])
        .unwrap();
    assert!(close(l.pi[0], 3_500.0));
    assert_eq!(l.min_tts[0], 7.0);
    // Naming a unit that does not exist is an error.
    assert!(
        a.exposure_for(UnitKind::Site, &["nope".to_string()])
            .is_err()
    );
    // REI of a partial request stays relative to the largest PI of all sites.
    let part = a
        .exposure_for(UnitKind::Site, &["T1a".to_string()])
        .unwrap();
    assert!(close(part.rei[0], 6_500.0 / 50_000.0));
}

#[test]
fn impact_of_disruption_sets() {
    let d = diamond_with(&[]);
    let a = analysis(d.path());
    // {T2} for 30 days: A = 0, TTS = 10, loss = 1000 * (30 - 10) = 20,000.
    let i = a.impact(&Disruption::sites(["T2"]), 30.0).unwrap();
    assert_eq!((i.availability[0], i.tts[0]), (0.0, 10.0));
    assert!(close(i.loss[0], 20_000.0));
    // Both Tier-1 sites: A = 0, TTS = 7: 1000 * 23 = 23,000.
    let i = a.impact(&Disruption::sites(["T1a", "T1b"]), 30.0).unwrap();
    assert!(close(i.loss[0], 23_000.0));
    // Shorter than the stock: no loss.
    let i = a.impact(&Disruption::sites(["T2"]), 9.0).unwrap();
    assert_eq!(i.loss[0], 0.0);
    // Company and country sets resolve to their sites.
    let dd = Disruption {
        countries: vec!["PL".into()],
        companies: vec!["Alpha".into()],
        ..Disruption::default()
    };
    let i = a.impact(&dd, 30.0).unwrap();
    assert_eq!(i.availability[0], 0.0);
    let bad = Disruption {
        countries: vec!["FR".into()],
        ..Disruption::default()
    };
    assert!(a.impact(&bad, 30.0).is_err(), "FR has no site");
}

#[test]
fn remainder_pass_through_and_infinite_tts() {
    // P1 names 70 % of A (r = 0.3; T1a cap 0.9, T1b 0.2); T1b gets C through distributor D;
    // S9 sells C to D only... and a stray supplier Z sells to nobody in the network.
    let sites = format!("{SITES}D,Delta,NL,7\nZ,Zeta,FR,5\n");
    let parts = format!("{PARTS}R,raw_material,Ore,1\n");
    let supply = "buyer_site,part_id,seller_site,share,max_share,inventory_days\n\
P1,A,T1a,0.5,0.9,5\n\
P1,A,T1b,0.2,,5\n\
T1a,C,T2,1,,3\n\
T1b,C,D,1,,3\n\
D,C,T2,1,,4\n\
T2,R,Z,1,,0\n";
    let bom = format!("{BOM}C,R,5\n");
    let d = diamond_with(&[
        ("sites.csv", &sites),
        ("parts.csv", &parts),
        ("supply.csv", supply),
        ("bom.csv", &bom),
    ]);
    let a = analysis(d.path());
    // T1a out: frac = 0.3 + 0.9*0 + 0.2*1 = 0.5.
    let i = a.impact(&Disruption::sites(["T1a"]), 30.0).unwrap();
    assert!(close(i.availability[0], 0.5));
    // D out (pass-through): T1b/A loses C, frac = 0.3 + 0.9 = 1.2 -> A = 1: covered by
    // headroom; the path D -> T1b -> P1 exists (TTS = 3 + 5 + 2 = 10) but nothing is lost.
    let i = a.impact(&Disruption::sites(["D"]), 30.0).unwrap();
    assert_eq!((i.availability[0], i.tts[0], i.loss[0]), (1.0, 10.0, 0.0));
    // T2 out: T1a and, through D, T1b lose C: A = 0.3 (the remainder). TTS = min(3 + 5,
    // 4 + 3 + 5) + 2 = 10. Loss 30 days: 1000 * 0.7 * 20 = 14,000.
    let i = a.impact(&Disruption::sites(["T2"]), 30.0).unwrap();
    assert!(close(i.availability[0], 0.3) && i.tts[0] == 10.0 && close(i.loss[0], 14_000.0));
    // Z: T2 buys R from it with 0 inventory days: TTS = 0 + 3 + 5 + 2 = 10.
    let e = a.exposure(UnitKind::Site);
    assert_eq!(
        e.min_tts[e.units.iter().position(|u| u == "Z").unwrap()],
        10.0
    );
    // A site nobody's product depends on: infinite TTS, no loss.
    let sites2 = format!("{SITES}Y,Ypsilon,FR,5\n");
    let supply2 = format!("{SUPPLY}Y,C,T2,1,,1,0,1\n");
    let d2 = diamond_with(&[("sites.csv", &sites2), ("supply.csv", &supply2)]);
    let a2 = analysis(d2.path());
    let i = a2.impact(&Disruption::sites(["Y"]), 30.0).unwrap();
    assert_eq!(
        (i.availability[0], i.tts[0], i.loss[0]),
        (1.0, f64::INFINITY, 0.0)
    );
    let e = a2.exposure(UnitKind::Site);
    let y = e.units.iter().position(|u| u == "Y").unwrap();
    assert_eq!(
        (e.pi[y], e.min_tts[y], e.exposed[y]),
        (0.0, f64::INFINITY, false)
    );
}

#[test]
fn explain_gives_the_binding_paths() {
    let d = diamond_with(&[]);
    let a = analysis(d.path());
    let x = a.explain(0, &Disruption::sites(["T2"])).unwrap();
    let path: Vec<String> = x
        .tts_path
        .iter()
        .map(|s| format!("{}/{}", s.site, s.part))
        .collect();
    assert_eq!(path, ["T2/C", "T1a/A", "P1/X"]);
    let days: Vec<f64> = x.tts_path.iter().map(|s| s.inventory_days).collect();
    assert_eq!(days, [3.0, 5.0, 0.0]);
    assert_eq!(x.tts, 10.0);
    // The availability path: P1's only group; its costliest seller is T1a (cap 0.8 lost).
    let ap: Vec<&str> = x
        .availability_path
        .iter()
        .map(|s| s.site.as_str())
        .collect();
    assert_eq!(ap, ["T2", "T1a", "P1"]);
    assert!(x.availability_path[0].disrupted);
}

#[test]
fn scoring_policy_factors() {
    // T2: financial_score 40 -> 0.6; on_time_rate 0.9 -> 0.1; country CN governance 0.4
    // -> 0.6, hazard 0.3. Weights 1, 1, 1, 1: score = (0.6 + 0.1 + 0.6 + 0.3) / 4 = 0.4;
    // p = 1 / (1 + exp(-(-6.5 + 6 * 0.4))) = 1 / (1 + e^4.1) = 0.016302499.
    let sites = "site_id,company,country,financial_score,on_time_rate,p_fail_override\n\
P1,FOCAL,DE,,,0.05\nT1a,Alpha,DE,,,\nT1b,Beta,PL,,,\nT2,Gamma,CN,40,0.9,\n";
    let countries = "country,governance,hazard,p_event\nCN,0.4,0.3,0.02\n";
    let signals = "subject_kind,subject_id,factor,value,observed_at\n\
company,Beta,sanction,1,2026-02-01T00:00:00Z\n\
site,T1a,news,0.8,2025-01-01T00:00:00Z\n";
    let d = diamond_with(&[
        ("sites.csv", sites),
        ("countries.csv", countries),
        ("signals.csv", signals),
    ]);
    let a = analysis(d.path());
    let r = a.site_risks();
    let t2 = &r[3];
    assert!(close(t2.score, 0.4));
    assert!((t2.p_fail - 0.016_302_499_371_440_946).abs() < 1e-12);
    let f: Vec<(&str, f64, f64)> = t2
        .factors
        .iter()
        .map(|f| (f.factor.as_str(), f.value, f.contribution))
        .collect();
    assert_eq!(f.len(), 4);
    assert!(f.iter().all(|(_, _, c)| *c >= 0.0));
    assert!(close(f.iter().map(|x| x.2).sum::<f64>(), 0.4));
    // P1: the override wins.
    assert_eq!((r[0].p_fail, r[0].basis.as_str()), (0.05, "override"));
    // T1b: the fresh sanction on its company gives p = 1.
    assert_eq!((r[2].p_fail, r[2].basis.as_str()), (1.0, "sanction"));
    // T1a: no factor at all, score 0 (p = 1 / (1 + e^6.5)); its 2025 news signal is 424
    // days old on 2026-03-01: stale, ignored and flagged.
    assert!(r[1].stale && r[1].factors.is_empty());
    assert!((r[1].p_fail - 0.001_501_182_256_736_991_7).abs() < 1e-15);
}
