//! The living graph (DESIGN 4): events applied to a live analysis follow by hand-worked
//! numbers on the diamond, and after any stream equal a fresh compile and analysis.

use std::sync::Arc;

use proptest::prelude::*;
use tierwise::events::{Event, LIVE_KINDS, Live, Status, parse_line};
use tierwise::network::Network;
use tierwise::risk::{Analysis, Policy};

use crate::common::{analysis, as_of, close, diamond_with, event, generated};

fn parsed(lines: &[String]) -> Vec<(usize, Event)> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| (i + 1, parse_line(l, i + 1).expect("valid event")))
        .collect()
}

fn delta_of<'a>(
    out: &'a tierwise::events::Outcome,
    kind: &str,
    id: &str,
    metric: &str,
) -> Option<&'a tierwise::events::DeltaRow> {
    out.delta
        .iter()
        .find(|r| r.kind == kind && r.id == id && r.metric == metric)
}

// The diamond (see risk.rs): (P1, A) <- T1a (cap 0.8), T1b (cap 0.5) with 5 days of stock;
// X@P1 worth 1,000 a day with 2 days of finished stock; TTR P1 10, T1a 20, T1b 30, T2 60.
// A shipment raises P1's stock of A from 5 to 9 days:
//   T1a: TTS 9 + 2 = 11, loss 1000 * 0.5 * (20 - 11) = 4,500 (was 6,500);
//   T1b: loss 1000 * 0.2 * (30 - 11) = 3,800 (was 4,600);
//   T2:  TTS 3 + 9 + 2 = 14, loss 1000 * (60 - 14) = 46,000 (was 50,000);
//   P1 is its own plant (TTS 2): 8,000 unchanged, so no delta row;
//   country CN = {T2} under the default 14-day TTR: TTS 14 >= 14, loss 0 (was 4,000), no
//   longer exposed.
#[test]
fn a_shipment_moves_exactly_the_hand_worked_units() {
    let d = diamond_with(&[]);
    let mut live = Live::new(analysis(d.path()), &LIVE_KINDS);
    let e = event(
        "s1",
        "shipment.received",
        "2026-02-01T08:00:00Z",
        "P1|A",
        r#"{"inventory_days":9}"#,
    );
    let out = live.apply(&parsed(&[e]), as_of("2026-02-01"));
    assert_eq!(out.applied(), 1);
    let pi = |id: &str| {
        let r = delta_of(&out, "site", id, "pi")?;
        Some((r.before.unwrap(), r.after.unwrap()))
    };
    let moved = |id: &str, b: f64, a: f64| {
        let (x, y) = pi(id).unwrap();
        assert!(
            close(x, b) && close(y, a),
            "{id}: {x} -> {y}, expected {b} -> {a}"
        );
    };
    moved("T1a", 6_500.0, 4_500.0);
    moved("T1b", 4_600.0, 3_800.0);
    moved("T2", 50_000.0, 46_000.0);
    assert_eq!(pi("P1"), None);
    let tts = delta_of(&out, "site", "T1a", "min_tts").unwrap();
    assert_eq!((tts.before, tts.after), (Some(7.0), Some(11.0)));
    let cn = delta_of(&out, "country", "CN", "pi").unwrap();
    assert!(close(cn.before.unwrap(), 4_000.0) && cn.after == Some(0.0));
    let exposed = delta_of(&out, "country", "CN", "exposed").unwrap();
    assert_eq!((exposed.before, exposed.after), (Some(1.0), Some(0.0)));
    assert!(out.delta.iter().all(|r| r.event_ids == ["s1"]));
}

// T2 goes down: both Tier-1 sites lose C, A = min(1, 0.8 * 0 + 0.5 * 0) = 0 at P1, so the
// products row X@P1 is fully unavailable; back up, it is whole again. The exposure (what if a
// unit is lost) does not move.
#[test]
fn site_down_and_up_keep_the_active_disruptions() {
    let d = diamond_with(&[]);
    let mut live = Live::new(analysis(d.path()), &LIVE_KINDS);
    let down = event(
        "d1",
        "site.down",
        "2026-02-01T08:00:00Z",
        "T2",
        r#"{"ttr_days":45}"#,
    );
    let out = live.apply(&parsed(&[down]), as_of("2026-02-01"));
    let row = &out.delta.iter().find(|r| r.kind == "row").unwrap();
    assert_eq!((row.before, row.after), (Some(1.0), Some(0.0)));
    assert_eq!(out.delta.len(), 1, "exposure is 'what if lost', unchanged");
    assert_eq!(live.down()["T2"].ttr_days, Some(45.0));
    // An older site.up arrives late: it loses to the newer site.down.
    let late = event("u0", "site.up", "2026-02-01T07:00:00Z", "T2", "{}");
    let out = live.apply(&parsed(&[late]), as_of("2026-02-01"));
    assert_eq!(out.events[0].status, Status::Applied { won: false });
    assert!(live.down().contains_key("T2"));
    let up = event("u1", "site.up", "2026-02-02T08:00:00Z", "T2", "{}");
    let out = live.apply(&parsed(&[up]), as_of("2026-02-02"));
    let row = &out.delta[0];
    assert_eq!((row.before, row.after), (Some(0.0), Some(1.0)));
    assert!(live.down().is_empty());
}

#[test]
fn duplicates_conflicts_and_gates() {
    let d = diamond_with(&[]);
    let mut live = Live::new(analysis(d.path()), &LIVE_KINDS);
    let q = event(
        "q1",
        "quality.alert",
        "2026-02-01T08:00:00Z",
        "T2",
        r#"{"quality_ppm":9000}"#,
    );
    let out = live.apply(&parsed(std::slice::from_ref(&q)), as_of("2026-02-01"));
    assert_eq!(out.applied(), 1);
    assert!(delta_of(&out, "site", "T2", "p_fail").is_some());
    let conflict = event(
        "q1",
        "quality.alert",
        "2026-02-01T08:00:00Z",
        "T2",
        r#"{"quality_ppm":1}"#,
    );
    // T1b's share 0.4 -> 0.5 would make the group sum 0.6 + 0.5 = 1.1 > 1.
    let over = event(
        "s2",
        "supply.share",
        "2026-02-01T09:00:00Z",
        "P1|A|T1b",
        r#"{"share":0.5}"#,
    );
    let unknown = event(
        "x1",
        "quality.alert",
        "2026-02-01T09:00:00Z",
        "T9",
        r#"{"quality_ppm":1}"#,
    );
    let before = live.analysis().network().clone();
    let out = live.apply(&parsed(&[q, conflict, over, unknown]), as_of("2026-02-01"));
    assert_eq!(out.events[0].status, Status::Duplicate);
    let errors: Vec<String> = out.rejected().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains("line 2, field id") && errors[0].contains("different content"));
    assert!(
        errors[1].starts_with("line 3, field data.share"),
        "{}",
        errors[1]
    );
    assert!(errors[1].contains("would sum to 1.1"), "{}", errors[1]);
    assert!(errors[2].contains("line 4, field subject, value \"T9\": unknown site"));
    assert!(out.delta.is_empty());
    assert_eq!(*live.analysis().network(), before, "nothing half-applied");
}

/// A fresh compile and analysis of the live state's tables.
fn fresh(live: &Live) -> Analysis {
    let net = Network::compile(live.analysis().network().tables()).expect("acyclic");
    Analysis::new(
        Arc::new(net),
        Arc::new(Policy::default()),
        as_of("2026-07-01"),
    )
}

fn assert_same_as_fresh(live: &Live) {
    let f = fresh(live);
    assert_eq!(f.network(), live.analysis().network(), "patched network");
    let p = |a: &Analysis| a.site_risks().iter().map(|r| r.p_fail).collect::<Vec<_>>();
    assert_eq!(p(&f), p(live.analysis()));
    for kind in LIVE_KINDS {
        let (a, b) = (f.exposure(kind), live.exposure(kind).unwrap());
        assert_eq!(a.units, b.units, "{kind}");
        assert_eq!(a.pi, b.pi, "{kind} pi");
        assert_eq!(a.min_tts, b.min_tts, "{kind} min_tts");
        assert_eq!(a.exposed, b.exposed, "{kind} exposed");
        assert_eq!(a.rei, b.rei, "{kind} rei");
        assert_eq!(a.ttr, b.ttr, "{kind} ttr");
    }
}

fn stream(sites: usize, seed: u64, n: usize) -> (tierwise::model::Tables, Vec<String>) {
    let t = generated(sites, seed);
    let lines = tierwise::generate::generate_events(&t, n, seed, as_of("2026-06-30"));
    (t, lines)
}

fn live_of(t: &tierwise::model::Tables) -> Live {
    let net = Network::compile(t).expect("acyclic");
    let a = Analysis::new(
        Arc::new(net),
        Arc::new(Policy::default()),
        as_of("2026-07-01"),
    );
    Live::new(a, &LIVE_KINDS)
}

#[test]
fn generated_stream_has_every_type_and_moves_pi() {
    let (t, lines) = stream(300, 3, 400);
    let events = parsed(&lines);
    for ty in tierwise::events::TYPES {
        assert!(events.iter().any(|(_, e)| e.kind == ty), "no {ty} event");
    }
    let mut live = live_of(&t);
    let out = live.apply(&events, as_of("2026-07-01"));
    assert!(out.delta.iter().any(|r| r.metric == "pi"));
    assert!(out.rejected().count() < events.len() / 5);
    assert_same_as_fresh(&live);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// After any stream cut into batches of any size, the incrementally kept results equal a
    /// fresh compile and analysis of the same state, number for number.
    #[test]
    fn incremental_equals_from_scratch(seed in 0u64..1000, cuts in prop::collection::vec(1usize..25, 8)) {
        let (t, lines) = stream(150, seed, 120);
        let events = parsed(&lines);
        let mut live = live_of(&t);
        let mut at = 0;
        for c in cuts.iter().cycle() {
            if at >= events.len() {
                break;
            }
            let end = (at + c).min(events.len());
            live.apply(&events[at..end], as_of("2026-07-01"));
            assert_same_as_fresh(&live);
            at = end;
        }
    }

    /// The state and the analytics do not depend on the order a batch arrives in (for events
    /// the gates accept in any order: value changes; which of two rows that together break a
    /// gate is refused is settled by arrival).
    #[test]
    fn arrival_order_does_not_matter(seed in 0u64..1000, shuffle in any::<u64>()) {
        let (t, lines) = stream(150, seed, 150);
        let structural = ["supply.added", "supply.removed", "site.added"];
        let mut events: Vec<(usize, Event)> = parsed(&lines)
            .into_iter()
            .filter(|(_, e)| !structural.contains(&e.kind.as_str()))
            .filter(|(_, e)| !is_raise(&t, e))
            .collect();
        let mut a = live_of(&t);
        a.apply(&events, as_of("2026-07-01"));
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(shuffle);
        rand::seq::SliceRandom::shuffle(events.as_mut_slice(), &mut rng);
        let mut b = live_of(&t);
        b.apply(&events, as_of("2026-07-01"));
        prop_assert_eq!(a.analysis().network(), b.analysis().network());
        prop_assert_eq!(a.down(), b.down());
        for kind in LIVE_KINDS {
            prop_assert_eq!(&a.exposure(kind).unwrap().pi, &b.exposure(kind).unwrap().pi);
        }
    }
}

/// A share event raising its row above the row's stored share.
fn is_raise(t: &tierwise::model::Tables, e: &Event) -> bool {
    let tierwise::events::Change::Share { link, share, .. } = &e.change else {
        return false;
    };
    t.supply.iter().any(|r| {
        r.buyer_site == link.buyer
            && r.part_id == link.part
            && r.seller_site == link.seller
            && *share > r.share
    })
}

// ---- events in the store ----------------------------------------------------------------

use tierwise::ingest::LoadOptions;
use tierwise::store::KnowledgeGraph;

fn shipment(id: &str, days: f64) -> String {
    let data = format!(r#"{{"inventory_days":{days}}}"#);
    event(
        id,
        "shipment.received",
        "2026-02-01T08:00:00Z",
        "P1|A",
        &data,
    )
}

#[test]
fn stored_events_survive_a_reopen_and_apply_once() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("kg.db");
    let d = diamond_with(&[]);
    let policy = Arc::new(Policy::default());
    let base_net;
    let live_net;
    let hash;
    {
        let kg = KnowledgeGraph::open(&path).unwrap();
        kg.load_tables(d.path(), &LoadOptions::default()).unwrap();
        base_net = kg.network().unwrap();
        let mut lg = kg.live(policy.clone(), as_of("2026-03-01")).unwrap();
        let down = event(
            "d1",
            "site.down",
            "2026-02-01T09:00:00Z",
            "T2",
            r#"{"ttr_days":45}"#,
        );
        let out = lg
            .apply(&parsed(&[shipment("s1", 9.0), down]), "test", false)
            .unwrap();
        assert_eq!(out.applied(), 2);
        live_net = lg.live().analysis().network().clone();
        hash = lg.live().state_hash();
    }
    let kg = KnowledgeGraph::open(&path).unwrap();
    // The current state is the load with the events applied; the state before is kept.
    assert_eq!(kg.network().unwrap(), live_net);
    assert_ne!(live_net, base_net);
    let stock = |n: &Network| {
        n.groups()
            .iter()
            .map(|g| g.inventory_days)
            .fold(0.0, f64::max)
    };
    assert_eq!(stock(&live_net), 9.0);
    assert_eq!(
        kg.network_as_of(as_of("2020-01-01")).unwrap().sites().len(),
        0
    );
    let mut lg = kg.live(policy, as_of("2026-03-01")).unwrap();
    assert_eq!(lg.live().state_hash(), hash, "replay gives the same state");
    assert!(lg.live().down().contains_key("T2"));
    // Applying the same file again: duplicates, nothing stored, nothing moved.
    let quads = kg.store().len().unwrap();
    let out = lg
        .apply(&parsed(&[shipment("s1", 9.0)]), "test", false)
        .unwrap();
    assert_eq!(out.events[0].status, Status::Duplicate);
    assert_eq!(kg.store().len().unwrap(), quads);
    // The lineage is queryable: which event set the stock, from which batch and source.
    let df = kg
        .query(
            "PREFIX tw: <https://w3id.org/tierwise/ns#>
             PREFIX prov: <http://www.w3.org/ns/prov#>
             SELECT ?id ?source ?version WHERE {
               ?e a tw:Event ; tw:eventType \"shipment.received\" ; tw:eventId ?id ;
                  tw:inBatch ?b . ?b a tw:EventBatch ; tw:sourcePath ?source ;
                  tw:loaderVersion ?version ; prov:generatedAtTime ?at }",
        )
        .unwrap();
    assert_eq!(df.height(), 1);
    assert_eq!(df.column("id").unwrap().str().unwrap().get(0), Some("s1"));
    assert_eq!(
        df.column("source").unwrap().str().unwrap().get(0),
        Some("test")
    );
}

#[test]
fn an_atomic_batch_applies_whole_or_not_at_all() {
    let d = diamond_with(&[]);
    let kg = KnowledgeGraph::in_memory().unwrap();
    kg.load_tables(d.path(), &LoadOptions::default()).unwrap();
    let mut lg = kg
        .live(Arc::new(Policy::default()), as_of("2026-03-01"))
        .unwrap();
    let bad = event(
        "x1",
        "quality.alert",
        "2026-02-01T09:00:00Z",
        "T9",
        r#"{"quality_ppm":1}"#,
    );
    let batch = parsed(&[shipment("s1", 9.0), bad]);
    let quads = kg.store().len().unwrap();
    let out = lg.apply(&batch, "test", true).unwrap();
    assert_eq!(out.applied(), 0);
    let errors: Vec<String> = out.rejected().map(|e| e.to_string()).collect();
    assert!(
        errors[0].contains("the batch is atomic and line 2 was rejected"),
        "{errors:?}"
    );
    assert!(errors[1].contains("unknown site"));
    assert_eq!(kg.store().len().unwrap(), quads, "nothing stored");
    // Without --atomic the good event applies and is stored.
    let out = lg.apply(&batch, "test", false).unwrap();
    assert_eq!(out.applied(), 1);
    assert!(kg.store().len().unwrap() > quads);
}

/// The two ways the state is kept agree: the live network (patched in place, or compiled
/// again) and a replay of the same events onto the base tables.
#[test]
fn replay_rebuilds_the_live_state() {
    let (t, lines) = stream(200, 11, 300);
    let events = parsed(&lines);
    let mut live = live_of(&t);
    live.apply(&events, as_of("2026-07-01"));
    let accepted: Vec<Event> = events
        .into_iter()
        .filter(|(_, e)| live.has_seen(&e.id))
        .map(|(_, e)| e)
        .collect();
    let r = tierwise::events::replay(t, &accepted);
    assert_eq!(r.refused, 0);
    assert_eq!(&r.tables, live.analysis().network().tables());
    assert_eq!(&r.down, live.down());
}

/// Each event applied in a batch of its own: the statuses and the live state.
fn one_at_a_time(t: &tierwise::model::Tables, events: &[(usize, Event)]) -> (Vec<Status>, Live) {
    let mut live = live_of(t);
    let statuses = events
        .iter()
        .map(|e| {
            let out = live.apply(std::slice::from_ref(e), as_of("2026-07-01"));
            out.events[0].status.clone()
        })
        .collect();
    (statuses, live)
}

/// On the diamond, three structural events in one batch: the second closes a loop with the
/// first (T1a and T1b each selling C to the other) and is refused, as when each comes alone;
/// the others apply.
#[test]
fn a_run_of_structural_events_refuses_only_the_one_that_breaks_the_network() {
    let d = diamond_with(&[]);
    let t = analysis(d.path()).network().tables().clone();
    let row = r#"{"share":0,"max_share":0.5,"lead_time_days":5}"#;
    let lines = [
        event(
            "a1",
            "supply.added",
            "2026-06-01T00:00:00Z",
            "T1a|C|T1b",
            row,
        ),
        event(
            "a2",
            "supply.added",
            "2026-06-01T00:00:00Z",
            "T1b|C|T1a",
            row,
        ),
        event(
            "a3",
            "site.added",
            "2026-06-01T00:00:00Z",
            "T3",
            r#"{"company":"Zeta","country":"FR","ttr_days":15}"#,
        ),
    ];
    let events = parsed(&lines);
    let (single, alone) = one_at_a_time(&t, &events);
    let mut live = live_of(&t);
    let out = live.apply(&events, as_of("2026-07-01"));
    let statuses: Vec<Status> = out.events.iter().map(|o| o.status.clone()).collect();
    assert_eq!(statuses, single);
    assert!(matches!(statuses[0], Status::Applied { won: true }));
    assert!(matches!(statuses[2], Status::Applied { won: true }));
    let Status::Rejected(e) = &statuses[1] else {
        panic!("a2 closes a loop: {:?}", statuses[1])
    };
    let text = e.to_string();
    assert!(
        text.contains("T1b|C|T1a") && text.contains("has a cycle"),
        "{text}"
    );
    assert_eq!(live.analysis().network(), alone.analysis().network());
    assert_eq!(live.state_hash(), alone.state_hash());
    assert_same_as_fresh(&live);
    // Where compiling a run of structural events once would go wrong (found in review): the
    // loop-closing row sent again under a new id, and the loop opened again by a later removal.
    let again = event(
        "a2b",
        "supply.added",
        "2026-06-02T00:00:00Z",
        "T1b|C|T1a",
        row,
    );
    let undo = event(
        "a4",
        "supply.removed",
        "2026-06-02T00:00:00Z",
        "T1a|C|T1b",
        "{}",
    );
    for tail in [again, undo] {
        let events = parsed(&[lines[0].clone(), lines[1].clone(), tail]);
        let (single, alone) = one_at_a_time(&t, &events);
        let mut live = live_of(&t);
        let out = live.apply(&events, as_of("2026-07-01"));
        let statuses: Vec<Status> = out.events.iter().map(|o| o.status.clone()).collect();
        assert_eq!(statuses, single);
        assert!(matches!(statuses[1], Status::Rejected(_)));
        assert_eq!(live.analysis().network(), alone.analysis().network());
        assert_eq!(live.state_hash(), alone.state_hash());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// A batch whose structural events come in runs gives every event the status, and the
    /// state the numbers, of applying the events one at a time.
    #[test]
    fn structural_runs_equal_one_event_at_a_time(seed in 0u64..1000) {
        let (t, lines) = stream(150, seed, 120);
        let structural = ["supply.added", "supply.removed", "site.added"];
        let mut events = parsed(&lines);
        // Stable: the structural events first, in their order, then the others.
        events.sort_by_key(|(_, e)| !structural.contains(&e.kind.as_str()));
        let (single, alone) = one_at_a_time(&t, &events);
        let mut live = live_of(&t);
        let out = live.apply(&events, as_of("2026-07-01"));
        let statuses: Vec<Status> = out.events.iter().map(|o| o.status.clone()).collect();
        prop_assert_eq!(statuses, single);
        prop_assert_eq!(live.analysis().network(), alone.analysis().network());
        prop_assert_eq!(live.state_hash(), alone.state_hash());
        assert_same_as_fresh(&live);
    }
}

/// Ctrl-C (a cancelled progress) stops reading the store and an event batch without changing
/// anything: the projection and the live state refuse, the batch stores nothing, and the same
/// batch afterwards applies whole.
#[test]
fn a_cancelled_projection_or_batch_changes_nothing() {
    use tierwise::progress::Progress;
    use tierwise::store::StoreError;
    let d = diamond_with(&[]);
    let kg = KnowledgeGraph::in_memory().unwrap();
    kg.load_tables(d.path(), &LoadOptions::default()).unwrap();
    let policy = Arc::new(Policy::default());
    let stop = Progress::new();
    stop.cancel();
    let err = kg.network_with(&stop).unwrap_err();
    assert!(matches!(err, StoreError::Cancelled), "{err}");
    let Err(err) = kg.live_with(policy.clone(), as_of("2026-03-01"), &stop) else {
        panic!("not cancelled");
    };
    assert!(matches!(err, StoreError::Cancelled), "{err}");
    let mut lg = kg.live(policy, as_of("2026-03-01")).unwrap();
    let batch = parsed(&[shipment("s1", 9.0), shipment("s2", 7.0)]);
    let quads = kg.store().len().unwrap();
    for atomic in [false, true] {
        let err = lg.apply_with(&batch, "test", atomic, &stop).unwrap_err();
        assert!(matches!(err, StoreError::Cancelled), "{err}");
        assert_eq!(kg.store().len().unwrap(), quads, "nothing stored");
        assert!(!lg.live().has_seen("s1"));
    }
    // In memory, a live state stops before its first event: nothing is reached.
    let mut live = Live::new(analysis(d.path()), &LIVE_KINDS);
    let out = live.apply_with(&batch, as_of("2026-03-01"), &stop);
    assert!(out.events.is_empty() && out.delta.is_empty());
    let out = lg.apply(&batch, "test", false).unwrap();
    assert_eq!(out.applied(), 2);
    assert_eq!(&kg.network().unwrap(), lg.live().analysis().network());
}
