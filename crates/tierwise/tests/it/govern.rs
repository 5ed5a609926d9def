//! Governance on a network (DESIGN 4.2, 4.3): a sanction on the diamond's Tier-2 site is
//! blocked by the shipped policy, its lifting waits for a category manager, approval restores
//! the supply rows, the log's chain holds, and a replay gives the same log byte for byte.

use std::collections::BTreeSet;
use std::sync::Arc;

use tierwise::events::{Event, LIVE_KINDS, Live, parse_line};
use tierwise::govern::{Action, GovernError, Governor, Orchestrator, Verdict, verify_jsonl};
use tierwise::risk::Policy;

use crate::common;
use crate::common::{analysis, as_of, diamond_with};

fn event(id: &str, kind: &str, time: &str, subject: &str, data: &str) -> (usize, Event) {
    let text = common::event(id, kind, time, subject, data);
    (1, parse_line(&text, 1).expect("valid event"))
}

fn orchestrator() -> Orchestrator {
    let d = diamond_with(&[]);
    let live = Live::new(analysis(d.path()), &LIVE_KINDS);
    let governor = Governor::new(Arc::new(Policy::default())).expect("shipped policy");
    Orchestrator::new(live, governor).expect("a fresh ledger")
}

fn sellers(o: &Orchestrator) -> BTreeSet<String> {
    let supply = &o.live().analysis().network().tables().supply;
    supply
        .iter()
        .map(|r| format!("{}|{}|{}", r.buyer_site, r.part_id, r.seller_site))
        .collect()
}

/// The shipped policy blocks T2 on this.
fn sanction_listed() -> (usize, Event) {
    event(
        "e1",
        "sanction.listed",
        "2026-03-01T08:00:00Z",
        "T2",
        r#"{"subject_kind":"site"}"#,
    )
}

/// Sanction T2, lift it, and have a category manager approve the unblock.
fn scenario() -> (Orchestrator, Vec<tierwise::govern::Handled>) {
    let mut o = orchestrator();
    let before = sellers(&o);
    let listed = sanction_listed();
    let mut handled = o
        .handle(&[listed], "urn:test", as_of("2026-03-01"))
        .unwrap();
    let h = &handled[0];
    let approved: Vec<_> = h
        .decisions
        .iter()
        .filter(|(_, v)| matches!(v, Verdict::Approved { .. }))
        .collect();
    assert_eq!(approved.len(), 1, "{:?}", h.decisions);
    assert_eq!(approved[0].0.action, Action::BlockSupplier);
    assert_eq!(approved[0].0.subject, "T2");
    // The block removes T2's two supply rows, as events of the decision.
    assert_eq!(h.committed, vec!["D000001.1", "D000001.2"]);
    let blocked = sellers(&o);
    assert_eq!(
        before.difference(&blocked).cloned().collect::<Vec<_>>(),
        vec!["T1a|C|T2", "T1b|C|T2"]
    );
    let lifted = event(
        "e2",
        "sanction.lifted",
        "2026-03-03T08:00:00Z",
        "T2",
        r#"{"subject_kind":"site"}"#,
    );
    handled.extend(
        o.handle(&[lifted], "urn:test", as_of("2026-03-03"))
            .unwrap(),
    );
    let escalated: Vec<_> = handled[1]
        .decisions
        .iter()
        .filter_map(|(p, v)| match v {
            Verdict::Escalated { id, role, .. } => Some((p.action, id.clone(), role.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        escalated,
        vec![(
            Action::UnblockSupplier,
            "D000002".to_string(),
            "category_manager".to_string()
        )]
    );
    assert_eq!(sellers(&o), blocked, "nothing committed while it waits");
    let e = o
        .answer("D000002", true, "ann", "buyer", as_of("2026-03-03"))
        .unwrap_err();
    assert!(matches!(e, GovernError::NotAllowed { .. }), "{e}");
    let (v, committed) = o
        .answer(
            "D000002",
            true,
            "bo",
            "category_manager",
            as_of("2026-03-04"),
        )
        .unwrap();
    assert_eq!(
        v,
        Verdict::Approved {
            id: "D000002".into()
        }
    );
    assert_eq!(committed, vec!["D000002.1", "D000002.2"]);
    assert_eq!(sellers(&o), before, "the unblock restores the rows");
    (o, handled)
}

#[test]
fn a_sanction_blocks_and_a_person_unblocks_with_a_verified_log() {
    let (o, _) = scenario();
    let log = o.governor().log();
    let steps: Vec<(&str, &str, &str)> = log
        .entries()
        .iter()
        .map(|e| (e.decision.as_str(), e.step.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("D000001", "decided", "approved"),
            ("D000001", "committed", "approved"),
            ("D000002", "decided", "escalated"),
            ("D000002", "approved", "approved"),
            ("D000002", "committed", "approved"),
        ]
    );
    let first = &log.entries()[0];
    assert_eq!(first.events, vec!["e1"]);
    assert_eq!(first.fired[0].id, "block-sanctioned");
    assert_eq!(first.metrics["unit"]["sanctioned"], true);
    // T2 is the diamond's only Tier-2 site: tier 2, sole seller of C, its loss stops X@P1.
    assert_eq!(first.metrics["unit"]["tier"], 2);
    assert_eq!(first.metrics["unit"]["single_source"], true);
    assert_eq!(first.metrics["unit"]["chokepoint"], true);
    assert_eq!(first.metrics["unit"]["p_fail"], 1.0);
    assert_eq!(first.time, "2026-03-01T08:00:00.000Z");
    assert_eq!(
        log.entries()[3].approver.as_deref(),
        Some("bo (category_manager)")
    );
    assert_eq!(verify_jsonl(&log.to_jsonl()), Ok(5));
}

#[test]
fn a_replay_gives_a_byte_identical_log_on_any_number_of_threads() {
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let (o, _) = scenario();
            (o.governor().log().to_jsonl(), o.live().state_hash())
        })
    };
    let one = run(1);
    assert_eq!(one, run(3));
    assert_eq!(one, run(1));
}

// What the rules see of the diamond's T2, worked by hand: tier 2; TTR 60; TTS 3 days of C at
// T1a + 5 days of A at P1 + 2 days of finished X = 10; loss (PI) 1,000 a day (100 X x margin
// 10) x (60 - 10) = 50,000, on X@P1 whose availability drops to 0; sole seller of C to both
// Tier-1 sites. Buffer days: T2 sells 0.6 x 200 A/day x 3 = 360 C/day to T1a and 240 to T1b,
// 600 C/day at 20 each, held at 25 % a year over a 365-day horizon: 3,000 per day of buffer.
#[test]
fn the_context_of_a_unit_is_worked_by_hand() {
    use tierwise::govern::FactSource;
    use tierwise::risk::UnitKind;
    let d = diamond_with(&[]);
    let live = Live::new(analysis(d.path()), &LIVE_KINDS);
    let exposures: Vec<_> = LIVE_KINDS
        .iter()
        .filter_map(|&k| live.exposure(k))
        .collect();
    let none = |_: &str| false;
    let facts = FactSource::new(live.analysis(), &exposures, &none);
    let (unit, row) = facts.unit(UnitKind::Site, "T2").unwrap();
    assert_eq!(
        (unit.tier, unit.country.as_str(), unit.company.as_str()),
        (2, "CN", "Gamma")
    );
    assert_eq!((unit.ttr, unit.min_tts), (60.0, 10.0));
    assert!(crate::common::close(unit.pi, 50_000.0), "{}", unit.pi);
    assert!(unit.exposed && unit.single_source && unit.chokepoint && !unit.down);
    assert_eq!(row.label, "X@P1");
    assert_eq!((row.availability, row.revenue_per_day), (0.0, 1_000.0));
    assert!(crate::common::close(
        facts.safety_stock_cost("T2", 1.0),
        3_000.0
    ));
    // P1 sells nothing: no buffer to hold. T1a is one of two sellers of A: not a single source.
    assert_eq!(facts.safety_stock_cost("P1", 5.0), 0.0);
    assert!(!facts.unit(UnitKind::Site, "T1a").unwrap().0.single_source);
    // The country CN holds only T2, under the default 14-day TTR: loss 1,000 x (14 - 10).
    let (cn, _) = facts.unit(UnitKind::Country, "CN").unwrap();
    assert!(crate::common::close(cn.pi, 4_000.0), "{}", cn.pi);
    assert_eq!(facts.unit(UnitKind::Site, "nope"), None);
}

// A sanction feed that flaps (listed, lifted, listed, ...) every few hours would make a naive
// loop block and unblock T2 forever. With unblocking automatic too, the policy lets the first
// flips through (max_flips = 2 within 7 days) and then puts the subject in front of a person.
#[test]
fn a_flapping_feed_stops_being_acted_on_automatically() {
    let text = tierwise::risk::DEFAULT_POLICY_TOML.replace(
        "action = \"unblock_supplier\"\napproval = \"category_manager\"",
        "action = \"unblock_supplier\"\napproval = \"auto\"",
    );
    let policy = Arc::new(Policy::from_toml_str(&text, "auto-unblock.toml").unwrap());
    let d = diamond_with(&[]);
    let live = Live::new(analysis(d.path()), &LIVE_KINDS);
    let mut o = Orchestrator::new(live, Governor::new(policy).unwrap()).unwrap();
    let mut outcomes = Vec::new();
    for i in 0..6 {
        let kind = if i % 2 == 0 {
            "sanction.listed"
        } else {
            "sanction.lifted"
        };
        let time = format!("2026-03-01T{:02}:00:00Z", 8 + 2 * i);
        let e = event(
            &format!("f{i}"),
            kind,
            &time,
            "T2",
            r#"{"subject_kind":"site"}"#,
        );
        let h = o.handle(&[e], "urn:test", as_of("2026-03-01")).unwrap();
        let mine: Vec<String> = h[0]
            .decisions
            .iter()
            .filter(|(p, _)| p.subject == "T2")
            .filter(|(p, _)| matches!(p.action, Action::BlockSupplier | Action::UnblockSupplier))
            .map(|(p, v)| match v {
                Verdict::Approved { .. } => format!("{} approved", p.action),
                Verdict::Escalated { role, .. } => format!("{} escalated to {role}", p.action),
                Verdict::Skipped { reason } => format!("{} skipped: {reason}", p.action),
                other => format!("{} {other:?}", p.action),
            })
            .collect();
        outcomes.push(mine.join("; "));
    }
    assert_eq!(
        outcomes,
        vec![
            "block_supplier approved",
            "unblock_supplier approved",
            "block_supplier approved",
            "unblock_supplier escalated to buyer",
            "block_supplier skipped: already in effect",
            "unblock_supplier skipped: the same proposal is waiting for a decision",
        ]
    );
    // Three automatic commits (block, unblock, block) and nothing more.
    let commits = o
        .governor()
        .log()
        .entries()
        .iter()
        .filter(|e| e.step == "committed")
        .count();
    assert_eq!(commits, 3);
    assert_eq!(verify_jsonl(&o.governor().log().to_jsonl()), Ok(7));
}

// Results written back join with the data that produced them: the diamond's exposure in the
// store, asked by SPARQL for the exposed sites of China with their PI (T2: 50,000, worked out
// above), the policy and the load the run used. Writing the same result again stores it once.
#[test]
fn results_written_back_join_with_their_data_by_sparql() {
    use tierwise::ingest::LoadOptions;
    use tierwise::risk::{Analysis, UnitKind};
    use tierwise::store::KnowledgeGraph;
    let d = diamond_with(&[]);
    let kg = KnowledgeGraph::in_memory().unwrap();
    kg.load_tables(d.path(), &LoadOptions::default()).unwrap();
    let a = Analysis::new(
        Arc::new(kg.network().unwrap()),
        Arc::new(Policy::default()),
        as_of("2026-03-01"),
    );
    let df = a.exposure(UnitKind::Site).to_dataframe();
    let g1 = kg.write_back("exposure", &df, &a.provenance(None)).unwrap();
    let g2 = kg.write_back("exposure", &df, &a.provenance(None)).unwrap();
    assert_eq!(g1, g2);
    let rows = kg
        .query("SELECT (COUNT(*) AS ?n) WHERE { ?r a <https://w3id.org/tierwise/ns#ResultRow> }")
        .unwrap();
    assert_eq!(rows.column("n").unwrap().get(0).unwrap().to_string(), "4");
    let q = kg
        .query(
            r#"PREFIX tw: <https://w3id.org/tierwise/ns#>
            PREFIX prov: <http://www.w3.org/ns/prov#>
            SELECT DISTINCT ?site ?pi ?policy WHERE {
              ?r tw:about ?s ; tw:result_pi ?pi ; tw:result_exposed true ; tw:inResult ?g .
              ?g prov:wasGeneratedBy ?run .
              ?run prov:used ?load ; prov:used [ tw:policyVersion ?policy ] .
              ?load a tw:Load .
              ?s tw:id ?site ; tw:country <https://w3id.org/tierwise/id/country/CN> .
            }"#,
        )
        .unwrap();
    assert_eq!(q.height(), 1);
    assert_eq!(
        q.column("site").unwrap().get(0).unwrap().to_string(),
        "\"T2\""
    );
    let pi: f64 = q
        .column("pi")
        .unwrap()
        .get(0)
        .unwrap()
        .to_string()
        .parse()
        .unwrap();
    assert!(crate::common::close(pi, 50_000.0), "{pi}");
}

// With a propose_mitigation rule, the sanction on T2 (exposed, a chokepoint, REI 1) brings the
// best mitigation of T2 to a category manager: its cost and PI removed are those of the
// mitigation run for T2 alone.
#[test]
fn the_mitigation_agent_brings_the_best_proposal_to_a_person() {
    use tierwise::mitigate::MitigateOptions;
    use tierwise::risk::UnitKind;
    let text = format!(
        "{}\n[[rules]]\nid = \"mitigate\"\nwhen = \"unit.exposed && unit.chokepoint && unit.rei >= 0.5\"\naction = \"propose_mitigation\"\napproval = \"category_manager\"\n",
        tierwise::risk::DEFAULT_POLICY_TOML
    );
    let policy = Arc::new(Policy::from_toml_str(&text, "mitigating.toml").unwrap());
    let d = diamond_with(&[]);
    let live = Live::new(analysis(d.path()), &LIVE_KINDS);
    let mut o = Orchestrator::new(live, Governor::new(policy).unwrap()).unwrap();
    // A quality alert at T2 moves it without blocking it.
    let e = event(
        "q1",
        "quality.alert",
        "2026-03-01T08:00:00Z",
        "T2",
        r#"{"quality_ppm":100}"#,
    );
    let h = o.handle(&[e], "urn:test", as_of("2026-03-01")).unwrap();
    // The mitigation run for T2 alone, on the state after the event.
    let expected = o
        .live()
        .analysis()
        .mitigate(&MitigateOptions {
            kind: UnitKind::Site,
            units: Some(vec!["T2".into()]),
            top: 1,
            check_top: 0,
            ..Default::default()
        })
        .unwrap();
    let (p, v) = h[0]
        .decisions
        .iter()
        .find(|(p, _)| p.action == Action::ProposeMitigation)
        .expect("a mitigation proposal");
    assert_eq!((p.agent.as_str(), p.subject.as_str()), ("mitigation", "T2"));
    let best = &expected.proposals[0];
    assert_eq!((p.cost, p.benefit), (best.cost, best.benefit));
    assert!(p.benefit > 0.0);
    assert!(matches!(v, Verdict::Escalated { role, .. } if role == "category_manager"));
}

// Ctrl-C (a cancelled progress) stops a governed batch before its next event: handled after,
// the sanction of T2 is decided as if nothing had happened before.
#[test]
fn a_cancelled_governed_batch_handles_nothing_more() {
    let mut o = orchestrator();
    let before = sellers(&o);
    let listed = sanction_listed();
    let stop = tierwise::progress::Progress::new();
    stop.cancel();
    let handled = o
        .handle_with(
            std::slice::from_ref(&listed),
            "urn:test",
            as_of("2026-03-01"),
            &stop,
        )
        .unwrap();
    assert!(handled.is_empty());
    assert!(o.governor().log().entries().is_empty());
    assert_eq!(sellers(&o), before);
    let h = o
        .handle(&[listed], "urn:test", as_of("2026-03-01"))
        .unwrap();
    assert_eq!(h[0].committed, vec!["D000001.1", "D000001.2"]);
}
