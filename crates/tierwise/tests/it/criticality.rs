//! Criticality of the diamond: single sources, chokepoints, concentration and safety stock.

use tierwise::risk::UnitKind;
use tierwise::risk::criticality::normal_quantile;

use crate::common::{analysis, diamond_with};

#[test]
fn the_diamond_is_a_hidden_tier2_chokepoint() {
    let d = diamond_with(&[]);
    let a = analysis(d.path());
    let c = a.criticality();
    // Single sources: T1a and T1b each buy C only from T2.
    let ss: Vec<(&str, &str, &str)> = c
        .single_sources
        .iter()
        .map(|s| (s.buyer.as_str(), s.part.as_str(), s.seller.as_str()))
        .collect();
    assert_eq!(ss, [("T1a", "C", "T2"), ("T1b", "C", "T2")]);
    // Critical sellers: without T1a, P1 keeps 0 + 0.5 = 0.5 < 1; without T1b 0.8 < 1; T2 in
    // both C groups leaves 0.
    let cs: Vec<(&str, &str, f64)> = c
        .critical_sellers
        .iter()
        .map(|s| (s.buyer.as_str(), s.seller.as_str(), s.coverage_without))
        .collect();
    assert_eq!(
        cs,
        [
            ("P1", "T1a", 0.5),
            ("P1", "T1b", 0.8),
            ("T1a", "T2", 0.0),
            ("T1b", "T2", 0.0)
        ]
    );
    // Chokepoints: P1 (the plant) and T2 (tier 2, hidden behind two Tier-1 sources); the
    // companies FOCAL and Gamma; the countries CN and DE. T1a alone leaves A = 0.5.
    let cp: Vec<(UnitKind, &str, bool)> = c
        .chokepoints
        .iter()
        .map(|x| (x.kind, x.unit.as_str(), x.hidden))
        .collect();
    assert_eq!(
        cp,
        [
            (UnitKind::Site, "P1", false),
            (UnitKind::Site, "T2", true),
            (UnitKind::Company, "FOCAL", false),
            (UnitKind::Company, "Gamma", false),
            (UnitKind::Country, "CN", false),
            (UnitKind::Country, "DE", false),
        ]
    );
    // T2 (tier 2) has two Tier-1 dependants.
    assert_eq!(c.dependants.len(), 1);
    assert_eq!(
        (c.dependants[0].site.as_str(), c.dependants[0].tier1_sites),
        ("T2", 2)
    );
    // HHI of X@P1: tier 0 all DE (1); tier 1: T1a 100*2*0.6 = 120 A at 80 = 9,600 (DE),
    // T1b 80 A * 80 = 6,400 (PL): shares 0.6 / 0.4, HHI 0.52; tier 2: (120 + 80) * 3 = 600 C
    // at 20 = 12,000, all CN: 1.
    let hhi: Vec<(u32, f64, u32)> = c
        .concentration
        .iter()
        .map(|x| (x.tier, x.hhi, x.countries))
        .collect();
    assert_eq!(hhi.len(), 3);
    assert_eq!((hhi[0].0, hhi[0].1), (0, 1.0));
    assert!((hhi[1].1 - 0.52).abs() < 1e-12 && hhi[1].2 == 2);
    assert_eq!((hhi[2].0, hhi[2].1), (2, 1.0));
    let cn = c.country_shares.iter().find(|x| x.country == "CN").unwrap();
    assert_eq!(cn.value, 12_000.0);
    // Safety stock on P1 <- T1a: need(P1, A) = 100 * 2 = 200; d = 200 * 0.6 = 120;
    // sigma_d = 0.3 * 120 = 36; L = 10, sigma_L = 2: sqrt(10 * 36^2 + 120^2 * 2^2) =
    // sqrt(70,560). T1a has no factor: p = 1 / (1 + e^6.5) = 0.0015012; service level
    // 0.95 + 0.05 * 2 * 0.0015012 = 0.95015012.
    let s = &c.safety_stock[0];
    assert_eq!(
        (s.buyer.as_str(), s.seller.as_str(), s.daily_use),
        ("P1", "T1a", 120.0)
    );
    let sl = 0.95 + 0.05 * 2.0 * 0.001_501_182_256_736_991_7;
    assert!((s.service_level - sl).abs() < 1e-12);
    let want = normal_quantile(sl) * 70_560f64.sqrt();
    assert!((s.safety_stock_units - want).abs() < 1e-9);
    assert!(s.z > 1.6448 && s.z < 1.66);
    // need and need_max: need_max explodes through caps: P1's A group asks 200 at most,
    // T1a could be asked 200 * 0.8 = 160 A, so 480 C.
    let (need, need_max) = a.network().need();
    let g_t1a = a
        .network()
        .groups()
        .iter()
        .position(|g| a.network().sites()[g.buyer as usize].site_id == "T1a")
        .unwrap();
    assert_eq!((need[g_t1a], need_max[g_t1a]), (360.0, 480.0));
}
