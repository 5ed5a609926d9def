//! Governance from the command line: a governed `apply` on the demo data, a refused and an
//! accepted approval, the log exported and verified, a tampered log caught with its line and
//! id, a policy with a bad rule refused by name, `policy diff` between two policies, and a
//! `replay --policy` that gives the stored log again byte for byte.

mod common;

use common::{repo, text, tierwise};

const EVENTS: &str = r#"{"specversion":"1.0","id":"e1","source":"urn:feed","type":"sanction.listed","time":"2026-03-01T08:00:00Z","subject":"S000025","data":{"subject_kind":"site"}}
{"specversion":"1.0","id":"e2","source":"urn:feed","type":"site.added","time":"2026-03-01T11:00:00Z","subject":"S999001","data":{"company":"Newco","country":"VN","financial_score":30}}
{"specversion":"1.0","id":"e3","source":"urn:feed","type":"sanction.lifted","time":"2026-03-02T08:00:00Z","subject":"S000025","data":{"subject_kind":"site"}}
"#;

#[test]
fn governed_apply_approvals_and_a_verified_log() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("kg.db");
    let s = store.to_str().unwrap();
    let demo = repo().join("data/demo");
    let policy = repo().join("policies/default.toml");
    let p = policy.to_str().unwrap();
    assert!(
        tierwise(&["load", demo.to_str().unwrap(), "--store", s])
            .status
            .success()
    );
    let events = tmp.path().join("ev.jsonl");
    std::fs::write(&events, EVENTS).unwrap();
    let asof = "2026-03-01T00:00:00Z";
    let a = tierwise(&[
        "apply",
        events.to_str().unwrap(),
        "--store",
        s,
        "--policy",
        p,
        "--as-of",
        asof,
        "--format",
        "csv",
    ]);
    let (out, err) = (text(&a.stdout), text(&a.stderr));
    assert!(a.status.success(), "{err}");
    // S000025 (a tier-2 site selling CMP-000011 to six buyers) is blocked at once; the new
    // site with a financial score of 30 (financial factor 0.7) waits for a buyer; lifting the
    // sanction waits for a category manager.
    assert!(
        err.contains("e1: risk block_supplier site:S000025 -> D000001 approved"),
        "{err}"
    );
    assert!(
        err.contains(
            "e1: committed D000001.1, D000001.2, D000001.3, D000001.4, D000001.5, D000001.6"
        ),
        "{err}"
    );
    assert!(err.contains("onboarding escalate site:S999001 -> D000002 escalated to buyer: the action is an escalation"), "{err}");
    assert!(
        err.contains("unblock_supplier site:S000025 -> D000003 escalated to category_manager"),
        "{err}"
    );
    assert!(
        out.starts_with("seq,decision,step,time,agent,action"),
        "{out}"
    );
    let answer = |id: &str, by: &str, role: &str| {
        tierwise(&[
            "decisions",
            "approve",
            id,
            "--by",
            by,
            "--role",
            role,
            "--store",
            s,
            "--policy",
            p,
            "--at",
            "2026-03-02T09:00:00Z",
        ])
    };
    let no = answer("D000003", "ann", "buyer");
    assert_eq!(no.status.code(), Some(2));
    assert!(text(&no.stderr).contains("role \"buyer\" may not approve decision \"D000003\""));
    let yes = answer("D000003", "bo", "category_manager");
    assert!(yes.status.success(), "{}", text(&yes.stderr));
    assert!(
        text(&yes.stdout).contains("committed: D000003.1"),
        "{}",
        text(&yes.stdout)
    );
    let again = answer("D000003", "bo", "category_manager");
    assert!(text(&again.stderr).contains("already decided"));
    assert_eq!(answer("D000042", "bo", "cpo").status.code(), Some(2));
    let pending = tierwise(&["decisions", "list", "--store", s, "--format", "csv"]);
    let listed = text(&pending.stdout);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(
        listed.contains("D000002,buyer,2026-03-02T11:00:00.000Z"),
        "{listed}"
    );
    // Export, verify, tamper.
    let log = tmp.path().join("log.jsonl");
    let l = log.to_str().unwrap();
    assert!(
        tierwise(&["log", "export", "--store", s, "-o", l])
            .status
            .success()
    );
    let v = tierwise(&["log", "verify", l]);
    assert!(v.status.success(), "{}", text(&v.stderr));
    assert!(
        text(&v.stdout).contains("the chain of 6 entries holds"),
        "{}",
        text(&v.stdout)
    );
    assert!(tierwise(&["log", "verify", "--store", s]).status.success());
    let body = std::fs::read_to_string(&log).unwrap();
    let edited = body.replacen(
        "\"approver\":\"bo (category_manager)\"",
        "\"approver\":\"mallory (cpo)\"",
        1,
    );
    assert_ne!(edited, body);
    std::fs::write(&log, &edited).unwrap();
    let bad = tierwise(&["log", "verify", l]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("line 5 (decision \"D000003\")"),
        "{}",
        text(&bad.stderr)
    );
    let lines: Vec<&str> = body.lines().collect();
    let dropped = [&lines[..2], &lines[3..]].concat().join("\n");
    std::fs::write(&log, dropped).unwrap();
    let bad = tierwise(&["log", "verify", l]);
    assert!(
        text(&bad.stderr).contains("line 3")
            && text(&bad.stderr).contains("removed, inserted or moved")
    );
    // A stricter policy: a buyer must confirm every block; the diff names the decision.
    let strict_text = std::fs::read_to_string(&policy).unwrap().replace(
        "when = \"unit.kind == 'site' && unit.sanctioned\"\naction = \"block_supplier\"\napproval = \"auto\"",
        "when = \"unit.kind == 'site' && unit.sanctioned\"\naction = \"block_supplier\"\napproval = \"buyer\"",
    );
    let strict = tmp.path().join("strict.toml");
    std::fs::write(&strict, strict_text).unwrap();
    let d = tierwise(&[
        "policy",
        "diff",
        p,
        strict.to_str().unwrap(),
        "--store",
        s,
        "--as-of",
        asof,
        "--format",
        "csv",
    ]);
    assert!(d.status.success(), "{}", text(&d.stderr));
    let diff = text(&d.stdout);
    assert!(
        diff.contains("e1,block_supplier,site:S000025,approved,escalated to buyer"),
        "{diff}"
    );
    // The pending decision under the policy it is judged by (same deadlines here).
    let listed = tierwise(&[
        "decisions",
        "list",
        "--store",
        s,
        "--policy",
        strict.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(
        text(&listed.stdout).contains("D000002,buyer,2026-03-02T11:00:00.000Z"),
        "{}",
        text(&listed.stderr)
    );
    // Replay: the stored events and bo's answer, under the same policy, give the stored log
    // byte for byte; under the stricter one the first entry already differs.
    let again = tmp.path().join("replayed.jsonl");
    let replay = |policy: &str| {
        tierwise(&[
            "replay",
            "--store",
            s,
            "--policy",
            policy,
            "--as-of",
            asof,
            "--log",
            again.to_str().unwrap(),
        ])
    };
    let same = replay(p);
    assert!(same.status.success(), "{}", text(&same.stderr));
    assert!(
        text(&same.stdout).contains("the stored log of 6 entries is reproduced byte for byte"),
        "{}",
        text(&same.stdout)
    );
    assert_eq!(std::fs::read_to_string(&again).unwrap(), body);
    let other = replay(strict.to_str().unwrap());
    assert_eq!(other.status.code(), Some(1));
    assert!(
        text(&other.stderr).contains("differs from the stored log (6 entries) at entry 1"),
        "{}",
        text(&other.stderr)
    );
}

#[test]
fn policy_check_names_a_bad_rule_and_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    let good = repo().join("policies/default.toml");
    let ok = tierwise(&["policy", "check", good.to_str().unwrap()]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(
        text(&ok.stdout).contains("7 rules, 3 roles"),
        "{}",
        text(&ok.stdout)
    );
    let bad = std::fs::read_to_string(&good).unwrap()
        + "\n[[rules]]\nid = \"typo\"\nwhen = \"unit.rei > 'high'\"\naction = \"notify\"\napproval = \"auto\"\n"
        + "\n[[rules]]\nid = \"who\"\nwhen = \"true\"\naction = \"notify\"\napproval = \"ceo\"\n";
    let f = tmp.path().join("bad.toml");
    std::fs::write(&f, bad).unwrap();
    let out = tierwise(&["policy", "check", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("rules[7] (id \"typo\").when: line 1, column 10"),
        "{err}"
    );
    assert!(
        err.contains("rules[8] (id \"who\"): approval \"ceo\""),
        "{err}"
    );
}

#[test]
fn governed_watch_prints_decisions_as_they_happen() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("kg.db");
    let s = store.to_str().unwrap();
    let demo = repo().join("data/demo");
    assert!(
        tierwise(&["load", demo.to_str().unwrap(), "--store", s])
            .status
            .success()
    );
    let events = repo().join("data/events/governed.jsonl");
    let policy = repo().join("policies/default.toml");
    let w = tierwise(&[
        "watch",
        events.to_str().unwrap(),
        "--store",
        s,
        "--policy",
        policy.to_str().unwrap(),
        "--as-of",
        "2026-03-01T00:00:00Z",
        "--max-events",
        "5",
        "--poll-ms",
        "10",
    ]);
    let err = text(&w.stderr);
    assert!(w.status.success(), "{err}");
    assert!(
        err.contains("e1: risk block_supplier site:S000025 -> D000001 approved"),
        "{err}"
    );
    assert!(
        err.contains("e3: risk notify site:S000022 -> D000004 notified"),
        "{err}"
    );
    assert!(
        err.contains("stopped after 5 events; 8 log entries, 3 pending"),
        "{err}"
    );
    // The log persisted: a second reader sees the same three pending decisions.
    let list = tierwise(&["decisions", "list", "--store", s, "--format", "csv"]);
    assert_eq!(text(&list.stdout).lines().count(), 4);
}

/// Sanctions on 40 supplying sites (each blocked at once, with its supply rows removed by
/// committed events) and lifts on every other one (each escalated): 60 events.
fn crash_events() -> String {
    let mut lines = String::new();
    let mut n = 0;
    for i in 0..40 {
        let site = format!("S{:06}", 20 + i);
        let at = |h: usize| format!("2026-03-{:02}T{:02}:00:00Z", 1 + h / 24, h % 24);
        n += 1;
        lines += &format!(
            r#"{{"specversion":"1.0","id":"c{n}","source":"urn:feed","type":"sanction.listed","time":"{}","subject":"{site}","data":{{"subject_kind":"site"}}}}"#,
            at(2 * i)
        );
        lines.push('\n');
        if i % 2 == 0 {
            n += 1;
            lines += &format!(
                r#"{{"specversion":"1.0","id":"c{n}","source":"urn:feed","type":"sanction.lifted","time":"{}","subject":"{site}","data":{{"subject_kind":"site"}}}}"#,
                at(2 * i + 1)
            );
            lines.push('\n');
        }
    }
    lines
}

/// A governed `apply` killed (SIGKILL) after every few decisions, then run again on the same
/// store, ends with the same decision log (byte for byte) and the same state as a run that
/// was never interrupted; after each kill the stored log verifies. An event, the actions it
/// approved and its log entries are one transaction, so a kill leaves all or none of them,
/// and the next run skips the events already stored.
#[test]
fn a_governed_apply_killed_midway_resumes_to_the_same_log() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let tmp = tempfile::tempdir().unwrap();
    let demo = repo().join("data/demo");
    let policy = repo().join("policies/default.toml");
    let events = tmp.path().join("ev.jsonl");
    std::fs::write(&events, crash_events()).unwrap();
    let load = |store: &str| {
        let l = tierwise(&["load", demo.to_str().unwrap(), "--store", store]);
        assert!(l.status.success(), "{}", text(&l.stderr));
    };
    let args = |store: &str| -> Vec<String> {
        [
            "apply",
            events.to_str().unwrap(),
            "--store",
            store,
            "--policy",
            policy.to_str().unwrap(),
            "--as-of",
            "2026-03-01T00:00:00Z",
            "--format",
            "csv",
        ]
        .map(String::from)
        .to_vec()
    };
    let export = |store: &str| {
        let out = tmp.path().join("log.jsonl");
        let o = out.to_str().unwrap();
        let e = tierwise(&["log", "export", "--store", store, "-o", o]);
        assert!(e.status.success(), "{}", text(&e.stderr));
        std::fs::read_to_string(&out).unwrap()
    };
    let state = |stderr: &str| {
        stderr
            .lines()
            .rev()
            .find_map(|l| l.split_once("; state ").map(|(_, h)| h.to_string()))
            .unwrap_or_else(|| panic!("no state line in {stderr}"))
    };

    // The run that is never interrupted.
    let whole = tmp.path().join("whole.db");
    let w = whole.to_str().unwrap();
    load(w);
    let a: Vec<String> = args(w);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let run = tierwise(&a);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let (whole_log, whole_state) = (export(w), state(&text(&run.stderr)));
    let decisions = text(&run.stderr).matches(" -> D").count();
    // At least the 40 blocks and the 20 escalated lifts.
    assert!(decisions >= 60, "{}", text(&run.stderr));

    // The same events, killed a little after every 5th decision line it prints.
    let cut = tmp.path().join("cut.db");
    let c = cut.to_str().unwrap();
    load(c);
    let (mut kills, mut done) = (0u64, None);
    while done.is_none() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tierwise"))
            .args(args(c))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut seen = 0;
        let mut tail = String::new();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        for line in lines.by_ref() {
            let line = line.unwrap();
            seen += usize::from(line.contains(" -> D"));
            tail += &line;
            tail.push('\n');
            if seen == 5 {
                // At a different point of the next events each time.
                std::thread::sleep(std::time::Duration::from_millis(kills * 17 % 60));
                child.kill().unwrap();
                break;
            }
        }
        tail.extend(lines.map_while(Result::ok).map(|l| l + "\n"));
        let status = child.wait().unwrap();
        if status.success() {
            done = Some(tail);
        } else {
            kills += 1;
            assert!(kills < 30, "the runs do not move on: {tail}");
            let v = tierwise(&["log", "verify", "--store", c]);
            assert!(
                v.status.success(),
                "after kill {kills}: {}",
                text(&v.stderr)
            );
        }
    }
    assert!(kills >= 3, "only {kills} kills");
    assert_eq!(state(&done.unwrap()), whole_state);
    assert_eq!(export(c), whole_log);
}
