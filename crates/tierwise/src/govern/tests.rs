//! Rules checked at load, the policy's decisions, people in the loop, the thrash guard and the
//! chain, on hand-made contexts (the integration tests run them on a network).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::risk::{DEFAULT_POLICY_TOML, Policy};

fn policy_with(extra: &str) -> Result<Policy, String> {
    Policy::from_toml_str(&format!("{DEFAULT_POLICY_TOML}\n{extra}"), "p.toml")
        .map_err(|e| e.to_string())
}

fn rule(id: &str, when: &str) -> String {
    format!(
        "[[rules]]\nid = \"{id}\"\nwhen = '''{when}'''\naction = \"notify\"\napproval = \"auto\"\n"
    )
}

#[test]
fn the_shipped_rules_load_and_are_documented_names() {
    let p = Policy::default();
    let g = &p.governance;
    assert_eq!(g.rules.len(), 7);
    assert_eq!(g.roles.len(), 3);
    assert_eq!(g.on_deadline, "reject");
    assert_eq!(g.budgets.mitigation_spend, Some(250_000.0));
    assert!(Governor::new(Arc::new(p)).is_ok());
}

#[test]
fn an_ill_typed_rule_fails_at_load_with_its_id_and_position() {
    // `unit.rei > "high"`: a double against a string, found by the dry run even behind a
    // false guard that would hide it at run time.
    let m = policy_with(&rule("typed", "unit.exposed && unit.rei > \"high\"")).unwrap_err();
    assert!(
        m.contains("id \"typed\"") && m.contains("line 1, column 26"),
        "{m}"
    );
    let m = policy_with(&rule("hidden", "false && unit.rei > 'high'")).unwrap_err();
    assert!(
        m.contains("id \"hidden\"") && m.contains("column 19"),
        "{m}"
    );
}

#[test]
fn unknown_names_are_refused_by_name() {
    let m = policy_with(&rule("var", "units.pi > 1.0")).unwrap_err();
    assert!(m.contains("unknown variable `units`"), "{m}");
    let m = policy_with(&rule("field", "unit.reii > 1.0")).unwrap_err();
    assert!(
        m.contains("`unit` has no field `reii`") && m.contains("column 5"),
        "{m}"
    );
    let m = policy_with(&rule("factor", "unit.factors.finance > 0.5")).unwrap_err();
    assert!(m.contains("no factor `finance`"), "{m}");
    let m = policy_with(&rule("sub", "budgets.mitigation_spend.usd > 1.0")).unwrap_err();
    assert!(m.contains("has no field `usd`"), "{m}");
    // Comprehension variables are bound, not unknown.
    assert!(policy_with(&rule("ok", "[1.0, 2.0].all(x, x > 0.5) && unit.pi >= 0.0")).is_ok());
}

#[test]
fn syntax_errors_non_bools_and_bad_keys_are_refused() {
    let m = policy_with(&rule("syntax", "unit.pi >")).unwrap_err();
    assert!(m.contains("id \"syntax\"") && m.contains("line 1"), "{m}");
    let m = policy_with(&rule("number", "unit.pi + 1.0")).unwrap_err();
    assert!(m.contains("gives a double, not a bool"), "{m}");
    let m = policy_with(
        "[[rules]]\nid = \"a\"\nwhen = \"true\"\naction = \"launch\"\napproval = \"auto\"\n",
    )
    .unwrap_err();
    assert!(m.contains("launch"), "{m}");
    let m = policy_with(
        "[[rules]]\nid = \"a\"\nwhen = \"true\"\naction = \"notify\"\napproval = \"ceo\"\n",
    )
    .unwrap_err();
    assert!(m.contains("approval \"ceo\""), "{m}");
    let m = policy_with(&rule("block-sanctioned", "true")).unwrap_err();
    assert!(m.contains("unique"), "{m}");
    // All problems at once.
    let two = format!(
        "{}{}",
        rule("x1", "nope > 1.0"),
        rule("x2", "unit.pi + 1.0")
    );
    let m = policy_with(&two).unwrap_err();
    assert!(m.contains("x1") && m.contains("x2"), "{m}");
}

#[test]
fn a_looping_escalation_ladder_is_refused() {
    let text = DEFAULT_POLICY_TOML.replace(
        "may = \"true\"\ndeadline_hours = 72.0",
        "may = \"true\"\nnext = \"buyer\"\ndeadline_hours = 72.0",
    );
    let m = Policy::from_toml_str(&text, "p.toml")
        .unwrap_err()
        .to_string();
    assert!(m.contains("loops back"), "{m}");
}

fn t(h: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
        .unwrap()
        .to_utc()
        + Duration::hours(h)
}

fn site(id: &str) -> RuleContext {
    let mut c = RuleContext::sample(Policy::default().weights.keys().cloned());
    c.unit.id = id.into();
    c.budgets = BudgetFacts::default();
    c
}

fn proposal(action: Action, subject: &str, cost: f64) -> Proposal {
    Proposal {
        agent: "test".into(),
        action,
        kind: "site".into(),
        subject: subject.into(),
        cost,
        benefit: 0.0,
        reason: String::new(),
    }
}

fn seen(g: &Governor, ctx: RuleContext, h: i64) -> Seen {
    let mut context = ctx;
    context.budgets = g.budget_facts(t(h), 0.0, 0.0);
    Seen {
        context,
        time: t(h),
        events: vec![format!("e{h}")],
        data_hash: "h".into(),
    }
}

fn governor(extra: &str) -> Governor {
    Governor::new(Arc::new(policy_with(extra).unwrap())).unwrap()
}

#[test]
fn a_sanctioned_site_is_blocked_automatically_and_a_clean_one_is_not() {
    let mut g = governor("");
    let mut ctx = site("S1");
    ctx.unit.sanctioned = true;
    let s = seen(&g, ctx, 0);
    let v = g.decide(proposal(Action::BlockSupplier, "S1", 0.0), s);
    assert_eq!(
        v,
        Verdict::Approved {
            id: "D000001".into()
        }
    );
    let e = &g.log().entries()[0];
    assert_eq!(e.fired[0].id, "block-sanctioned");
    assert_eq!(e.fired[0].when, "unit.kind == 'site' && unit.sanctioned");
    assert_eq!(e.metrics["unit"]["sanctioned"], true);
    assert_eq!(e.policy_sha256, g.policy().sha256);
    assert_eq!(e.policy_version, "default-2026.11");
    assert_eq!(g.take_commits().len(), 1);
    // The same block again is already in effect; a clean site's block has no rule.
    let s = seen(&g, site("S1"), 1);
    assert!(matches!(
        g.decide(proposal(Action::BlockSupplier, "S1", 0.0), s),
        Verdict::Skipped { .. }
    ));
    let s = seen(&g, site("S2"), 1);
    assert!(matches!(
        g.decide(proposal(Action::BlockSupplier, "S2", 0.0), s),
        Verdict::Rejected { .. }
    ));
}

#[test]
fn rejected_proposals_back_off_doubling() {
    let mut g = governor("");
    let p = || proposal(Action::BlockSupplier, "S2", 0.0);
    // backoff_days = 1: quiet for 24 h, then 48 h after the second rejection.
    assert!(matches!(
        g.decide(p(), seen(&g, site("S2"), 0)),
        Verdict::Rejected { .. }
    ));
    assert!(matches!(
        g.decide(p(), seen(&g, site("S2"), 23)),
        Verdict::Skipped { .. }
    ));
    assert!(matches!(
        g.decide(p(), seen(&g, site("S2"), 24)),
        Verdict::Rejected { .. }
    ));
    assert!(matches!(
        g.decide(p(), seen(&g, site("S2"), 71)),
        Verdict::Skipped { .. }
    ));
    assert!(matches!(
        g.decide(p(), seen(&g, site("S2"), 72)),
        Verdict::Rejected { .. }
    ));
    assert_eq!(g.log().entries().len(), 3);
}

#[test]
fn people_approve_within_their_rights_only() {
    let mut g = governor("");
    let mut ctx = site("S1");
    ctx.unit.down = true;
    ctx.unit.chokepoint = true;
    let v = g.decide(proposal(Action::Escalate, "S1", 20_000.0), seen(&g, ctx, 0));
    let Verdict::Escalated { id, role, .. } = v else {
        panic!("{v:?}")
    };
    assert_eq!(role, "category_manager");
    // A buyer is below the role the decision waits for.
    let e = g.answer(&id, true, "ann", "buyer", t(1)).unwrap_err();
    assert!(matches!(e, GovernError::NotAllowed { .. }), "{e}");
    assert!(matches!(
        g.answer(&id, true, "ann", "ceo", t(1)).unwrap_err(),
        GovernError::UnknownRole(_)
    ));
    assert!(matches!(
        g.answer("D999", true, "ann", "cpo", t(1)).unwrap_err(),
        GovernError::UnknownDecision(_)
    ));
    assert_eq!(
        g.answer(&id, true, "bo", "category_manager", t(2)).unwrap(),
        Verdict::Approved { id: id.clone() }
    );
    assert!(matches!(
        g.answer(&id, false, "bo", "category_manager", t(3))
            .unwrap_err(),
        GovernError::AlreadyDecided(_)
    ));
    let last = g.log().entries().last().unwrap();
    assert_eq!(last.approver.as_deref(), Some("bo (category_manager)"));
    assert_eq!(last.step, "approved");
}

#[test]
fn a_role_may_approve_only_what_its_condition_allows() {
    // The buyer may approve at most 10,000; a 20,000 proposal waiting for the buyer needs a
    // category manager (the next role up).
    let mut g = governor(
        "[[rules]]\nid = \"stock-review\"\nwhen = \"true\"\naction = \"raise_safety_stock\"\napproval = \"buyer\"\n",
    );
    let v = g.decide(
        proposal(Action::RaiseSafetyStock, "S1", 20_000.0),
        seen(&g, site("S1"), 0),
    );
    let Verdict::Escalated { id, role, .. } = v else {
        panic!("{v:?}")
    };
    assert_eq!(role, "buyer");
    let e = g
        .answer(&id, true, "ann", "buyer", t(1))
        .unwrap_err()
        .to_string();
    assert!(e.contains("proposal.cost <= 10000.0"), "{e}");
    assert!(g.answer(&id, true, "bo", "category_manager", t(1)).is_ok());
}

#[test]
fn unanswered_decisions_climb_the_ladder_then_take_the_default() {
    let mut g = governor("");
    let mut ctx = site("S1");
    ctx.unit.down = true;
    ctx.unit.chokepoint = true;
    let v = g.decide(proposal(Action::Escalate, "S1", 0.0), seen(&g, ctx, 0));
    let Verdict::Escalated { id, .. } = v else {
        panic!()
    };
    // category_manager 48 h, then cpo 72 h, then the policy's default (reject).
    assert!(g.tick(t(47)).is_empty());
    assert_eq!(g.tick(t(48)), vec![id.clone()]);
    assert_eq!(g.pending()[&id].role, "cpo");
    assert!(g.tick(t(119)).is_empty());
    assert_eq!(g.tick(t(120)), vec![id.clone()]);
    assert!(g.pending().is_empty());
    let last = g.log().entries().last().unwrap();
    assert_eq!(
        (last.step.as_str(), last.outcome.as_str()),
        ("expired", "rejected")
    );
    assert_eq!(last.time, "2026-03-06T00:00:00.000Z");
}

#[test]
fn spending_past_the_budget_is_escalated_not_approved() {
    let mut g = governor(
        "[[rules]]\nid = \"stock\"\nwhen = \"true\"\naction = \"raise_safety_stock\"\napproval = \"auto\"\n",
    );
    // Budget 250,000 per 30 days: 200,000 passes, 60,000 more would make 260,000.
    let p = |s: &str, c: f64| proposal(Action::RaiseSafetyStock, s, c);
    assert!(matches!(
        g.decide(p("S1", 200_000.0), seen(&g, site("S1"), 0)),
        Verdict::Approved { .. }
    ));
    let v = g.decide(p("S2", 60_000.0), seen(&g, site("S2"), 1));
    let Verdict::Escalated { reason, .. } = v else {
        panic!("{v:?}")
    };
    assert!(
        reason.contains("200000 + 60000 would exceed the budget 250000"),
        "{reason}"
    );
    // Thirty days later the period has moved on.
    assert!(matches!(
        g.decide(p("S3", 60_000.0), seen(&g, site("S3"), 24 * 30)),
        Verdict::Approved { .. }
    ));
}

#[test]
fn a_flipping_subject_stops_being_automatic() {
    let auto_unblock = DEFAULT_POLICY_TOML.replace(
        "action = \"unblock_supplier\"\napproval = \"category_manager\"",
        "action = \"unblock_supplier\"\napproval = \"auto\"",
    );
    let p = Policy::from_toml_str(&auto_unblock, "p.toml").unwrap();
    let mut g = Governor::new(Arc::new(p)).unwrap();
    let sanctioned = |on: bool| {
        let mut c = site("S1");
        c.unit.sanctioned = on;
        c
    };
    let mut verdicts = Vec::new();
    // A naive loop would block and unblock on every flip of the sanction signal; with
    // max_flips = 2 the third flip within 7 days waits for a person.
    for h in 0..6 {
        let (action, on) = if h % 2 == 0 {
            (Action::BlockSupplier, true)
        } else {
            (Action::UnblockSupplier, false)
        };
        let v = g.decide(proposal(action, "S1", 0.0), seen(&g, sanctioned(on), h));
        verdicts.push(v);
    }
    assert!(matches!(verdicts[0], Verdict::Approved { .. }));
    assert!(matches!(verdicts[1], Verdict::Approved { .. }));
    assert!(matches!(verdicts[2], Verdict::Approved { .. }));
    let Verdict::Escalated { reason, .. } = &verdicts[3] else {
        panic!("{:?}", verdicts[3])
    };
    assert!(reason.contains("flipped 3 times within 7 days"), "{reason}");
    // While the unblock waits, nothing else is decided automatically for it.
    assert!(matches!(verdicts[5], Verdict::Skipped { .. }));
}

fn sample_log() -> Governor {
    let mut g = governor("");
    for (h, s) in ["S1", "S2", "S3", "S4"].iter().enumerate() {
        let mut ctx = site(s);
        ctx.unit.sanctioned = h % 2 == 0;
        let _ = g.decide(
            proposal(Action::BlockSupplier, s, 0.0),
            seen(&g, ctx, h as i64),
        );
    }
    g
}

#[test]
fn the_chain_names_the_first_edited_removed_inserted_or_moved_entry() {
    let g = sample_log();
    let text = g.log().to_jsonl();
    assert_eq!(verify_jsonl(&text), Ok(4));
    let lines: Vec<&str> = text.lines().collect();
    let join = |ls: &[&str]| ls.join("\n");
    // Edited: a reason changed on line 2.
    let edited = lines[1].replace("\"reason\":\"", "\"reason\":\"x");
    let e = verify_jsonl(&join(&[lines[0], &edited, lines[2], lines[3]])).unwrap_err();
    assert_eq!((e.line, e.decision.as_str()), (2, "D000002"));
    assert!(e.reason.contains("edited"), "{e}");
    // Removed: line 2 gone, so line 2 is now D000003, which does not follow D000001.
    let e = verify_jsonl(&join(&[lines[0], lines[2], lines[3]])).unwrap_err();
    assert_eq!((e.line, e.decision.as_str()), (2, "D000003"));
    // Moved: lines 3 and 4 swapped.
    let e = verify_jsonl(&join(&[lines[0], lines[1], lines[3], lines[2]])).unwrap_err();
    assert_eq!((e.line, e.decision.as_str()), (3, "D000004"));
    // Inserted: a copy of line 1 after line 1.
    let e = verify_jsonl(&join(&[lines[0], lines[0], lines[1]])).unwrap_err();
    assert_eq!(e.line, 2);
}

#[test]
fn the_same_proposals_give_a_byte_identical_log() {
    assert_eq!(sample_log().log().to_jsonl(), sample_log().log().to_jsonl());
}

#[test]
fn an_entry_reads_back_from_its_json_line_to_the_same_hash() {
    // Floats must read back exactly (serde_json's float_roundtrip), or a log stored as text
    // would fail its own verification.
    let g = sample_log();
    for e in g.log().entries() {
        let back: Entry = serde_json::from_str(&e.to_line()).unwrap();
        assert_eq!(back.digest(), e.hash);
    }
}
