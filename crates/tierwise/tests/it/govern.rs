//! Governance on a network (DESIGN 4.2, 4.3): a sanction on the diamond's Tier-2 site is
//! blocked by the shipped policy, its lifting waits for a category manager, approval restores
//! the supply rows, the log's chain holds, and a replay gives the same log byte for byte.

use std::collections::BTreeSet;
use std::sync::Arc;

use tierwise::events::{Event, LIVE_KINDS, Live, parse_line};
use tierwise::govern::{Action, GovernError, Governor, Orchestrator, Verdict, verify_jsonl};
use tierwise::risk::Policy;

use crate::common::{analysis, as_of, diamond_with};

fn event(id: &str, kind: &str, time: &str, subject: &str, data: &str) -> (usize, Event) {
    let text = format!(
        r#"{{"specversion":"1.0","id":"{id}","source":"urn:test","type":"{kind}","time":"{time}","subject":"{subject}","data":{data}}}"#
    );
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

/// Sanction T2, lift it, and have a category manager approve the unblock.
fn scenario() -> (Orchestrator, Vec<tierwise::govern::Handled>) {
    let mut o = orchestrator();
    let before = sellers(&o);
    let listed = event(
        "e1",
        "sanction.listed",
        "2026-03-01T08:00:00Z",
        "T2",
        r#"{"subject_kind":"site"}"#,
    );
    let mut handled = o.handle(&[listed], "urn:test", as_of("2026-03-01")).unwrap();
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
    handled.extend(o.handle(&[lifted], "urn:test", as_of("2026-03-03")).unwrap());
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
        .answer("D000002", true, "bo", "category_manager", as_of("2026-03-04"))
        .unwrap();
    assert_eq!(v, Verdict::Approved { id: "D000002".into() });
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
    assert_eq!(log.entries()[3].approver.as_deref(), Some("bo (category_manager)"));
    assert_eq!(verify_jsonl(&log.to_jsonl()), Ok(5));
}

#[test]
fn a_replay_gives_a_byte_identical_log() {
    let (a, _) = scenario();
    let (b, _) = scenario();
    assert_eq!(a.governor().log().to_jsonl(), b.governor().log().to_jsonl());
    assert_eq!(a.live().state_hash(), b.live().state_hash());
}
