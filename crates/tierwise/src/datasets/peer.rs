//! A generator preset with the shape of the public stress-test peer
//! (databricks-industry-solutions/supply-chain-stress-test): three tiers of `n1` plants, `n2`
//! direct suppliers and `n3 = 2 * n2` sub-suppliers.
//!
//! - Each plant makes its own product (demand uniform 500..1000 per day, margin uniform
//!   0.05..0.30 per unit, revenue 1 per unit).
//! - Each tier-2 site sells to 1..3 plants (the first is plant `j mod n1`, so every plant has a
//!   supplier when `n2 >= n1`); each tier-3 site sells to exactly one tier-2 site, drawn
//!   uniformly.
//! - Three neighbouring tier-2 sites (`3k, 3k+1, 3k+2`) make one material, two neighbouring
//!   tier-3 sites (`2k, 2k+1`) make one: sellers of one material to one buyer are alternates
//!   in one supply group (equal shares, max_share 1). BOM qty is 1; a material's BOM lists
//!   every material its makers buy (a maker that does not buy one has it unmapped).
//! - Every node has a capacity row with capacity_per_day and inventory_units uniform
//!   1,500..3,000; tier-2 and tier-3 sites have ttr_days uniform 1..10 (integers), plants
//!   the policy default.
//!
//! The peer's large network is `(200, 500, 1000)`.

use std::collections::BTreeSet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::{BomLine, CapacityRow, Part, PartKind, ProductRow, Site, SupplyRow, Tables};

/// The peer-shaped network with `n1` plants and `n2` tier-2 sites (`n3 = 2 * n2`).
pub fn peer(n1: usize, n2: usize, seed: u64) -> Tables {
    let n1 = n1.max(1);
    let n2 = n2.max(1);
    let n3 = 2 * n2;
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let plant = |i: usize| format!("P{:05}", i + 1);
    let t2 = |j: usize| format!("T2-{:05}", j + 1);
    let t3 = |k: usize| format!("T3-{:05}", k + 1);
    let product = |i: usize| format!("F{:05}", i + 1);
    let m2 = |j: usize| format!("M2-{:05}", j / 3 + 1);
    let m3 = |k: usize| format!("M3-{:05}", k / 2 + 1);

    let mut t = Tables::default();
    let site = |id: String, ttr: Option<f64>| Site {
        company: format!("C-{id}"),
        site_id: id,
        country: "ZZ".to_string(),
        ttr_days: ttr,
        financial_score: None,
        on_time_rate: None,
        quality_ppm: None,
        capacity_utilization: None,
        p_fail_override: None,
    };
    let part = |id: String, kind: PartKind| Part {
        part_id: id,
        kind,
        name: None,
        unit_cost: None,
    };
    let cap = |r: &mut ChaCha8Rng, site_id: String, part_id: String| CapacityRow {
        site_id,
        part_id: Some(part_id),
        capacity_per_day: Some(r.random_range(1500..=3000) as f64),
        inventory_units: Some(r.random_range(1500..=3000) as f64),
    };

    for i in 0..n1 {
        t.sites.push(site(plant(i), None));
        t.parts.push(part(product(i), PartKind::Product));
        t.products.push(ProductRow {
            part_id: product(i),
            site_id: plant(i),
            demand_per_day: r.random_range(500..=1000) as f64,
            revenue_per_unit: 1.0,
            margin_per_unit: Some((r.random_range(5..=30) as f64) / 100.0),
            fg_inventory_days: None,
        });
        let c = cap(&mut r, plant(i), product(i));
        t.capacity.push(c);
    }
    // Tier 2: which plants each site sells to.
    let mut sells_to: Vec<BTreeSet<usize>> = Vec::with_capacity(n2);
    for j in 0..n2 {
        t.sites
            .push(site(t2(j), Some(r.random_range(1..=10) as f64)));
        if j % 3 == 0 {
            t.parts.push(part(m2(j), PartKind::Component));
        }
        let mut s = BTreeSet::from([j % n1]);
        let k = r.random_range(1..=3usize).min(n1);
        while s.len() < k {
            s.insert(r.random_range(0..n1));
        }
        sells_to.push(s);
        let c = cap(&mut r, t2(j), m2(j));
        t.capacity.push(c);
    }
    // Tier 3: the one tier-2 buyer of each site.
    let mut buyer = Vec::with_capacity(n3);
    for k in 0..n3 {
        t.sites
            .push(site(t3(k), Some(r.random_range(1..=10) as f64)));
        if k % 2 == 0 {
            t.parts.push(part(m3(k), PartKind::RawMaterial));
        }
        buyer.push(r.random_range(0..n2));
        let c = cap(&mut r, t3(k), m3(k));
        t.capacity.push(c);
    }
    // Supply rows with equal shares per (buyer, material), and the BOM as the union of what
    // each material's makers buy.
    let mut rows: std::collections::BTreeMap<(String, String), Vec<String>> = Default::default();
    let mut bom: BTreeSet<(String, String)> = BTreeSet::new();
    for (j, s) in sells_to.iter().enumerate() {
        for &i in s {
            rows.entry((plant(i), m2(j))).or_default().push(t2(j));
            bom.insert((product(i), m2(j)));
        }
    }
    for (k, &j) in buyer.iter().enumerate() {
        rows.entry((t2(j), m3(k))).or_default().push(t3(k));
        bom.insert((m2(j), m3(k)));
    }
    for ((b, p), sellers) in rows {
        let share = 1.0 / sellers.len() as f64;
        for s in sellers {
            t.supply.push(SupplyRow {
                buyer_site: b.clone(),
                part_id: p.clone(),
                seller_site: s,
                share,
                max_share: Some(1.0),
                lead_time_days: None,
                lead_time_sd_days: None,
                inventory_days: None,
            });
        }
    }
    t.bom = bom
        .into_iter()
        .map(|(parent_part, child_part)| BomLine {
            parent_part,
            child_part,
            qty: 1.0,
        })
        .collect();
    t.sort_canonical();
    t
}
