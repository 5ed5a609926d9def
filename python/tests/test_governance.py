"""Governance from Python: a governed event stream on the demo data, the decisions the
shipped policy takes, a refused and an accepted approval, the log verified and tampered
with, the lineage asked by SPARQL, and the same events replayed to the same log."""

import json

import pytest

import tierwise as tw

AS_OF = "2026-03-01T00:00:00Z"


def _event(id, kind, time, subject, data):
    return {"specversion": "1.0", "id": id, "source": "urn:feed", "type": kind, "time": time,
            "subject": subject, "data": data}


EVENTS = [
    _event("e1", "sanction.listed", "2026-03-01T08:00:00Z", "S000025", {"subject_kind": "site"}),
    _event("e2", "site.added", "2026-03-01T11:00:00Z", "S999001",
           {"company": "Newco", "country": "VN", "financial_score": 30}),
    _event("e3", "sanction.lifted", "2026-03-02T08:00:00Z", "S000025", {"subject_kind": "site"}),
]


def governed(tmp_path):
    kg = tw.KnowledgeGraph.open(tmp_path / "kg.db")
    kg.load_tables("data/demo")
    log = kg.govern(EVENTS, as_of=AS_OF)
    return kg, log


def test_the_shipped_policy_blocks_escalates_and_logs(tmp_path):
    kg, log = governed(tmp_path)
    decided = log.filter(log["step"] == "decided")
    assert decided.select("decision", "action", "subject", "outcome", "role").rows() == [
        ("D000001", "block_supplier", "S000025", "approved", None),
        ("D000002", "escalate", "S999001", "escalated", "buyer"),
        ("D000003", "unblock_supplier", "S000025", "escalated", "category_manager"),
    ]
    # The block removed S000025's six supply rows, as events of the decision.
    committed = log.filter(log["step"] == "committed")["committed"][0]
    assert committed == ",".join(f"D000001.{i}" for i in range(1, 7))
    pending = kg.decisions()
    assert pending["decision"].to_list() == ["D000002", "D000003"]
    # Deadlines by hand: e2 (11:00 on the 1st) + the buyer's 24 h; e3 (08:00 on the 2nd) + the
    # category manager's 48 h, or 12 h under a policy that says so.
    assert pending["deadline"].to_list() == ["2026-03-02T11:00:00.000Z", "2026-03-04T08:00:00.000Z"]
    short = tmp_path / "short.toml"
    with open("policies/default.toml") as f:
        short.write_text(f.read().replace("deadline_hours = 48.0", "deadline_hours = 12.0"))
    assert kg.decisions(policy=short)["deadline"].to_list() == [
        "2026-03-02T11:00:00.000Z",
        "2026-03-02T20:00:00.000Z",
    ]
    with pytest.raises(tw.GovernanceError, match="may not approve"):
        kg.approve("D000003", by="ann", role="buyer", at="2026-03-02T09:00:00Z")
    with pytest.raises(tw.GovernanceError, match="no decision"):
        kg.approve("D000042", by="ann", role="cpo")
    restored = kg.approve("D000003", by="bo", role="category_manager", at="2026-03-02T09:00:00Z")
    assert restored == [f"D000003.{i}" for i in range(1, 7)]
    with pytest.raises(tw.GovernanceError, match="already decided"):
        kg.reject("D000003", by="bo", role="category_manager")
    kg.reject("D000002", by="ann", role="buyer", at="2026-03-02T10:00:00Z")
    assert kg.decisions().height == 0
    text = kg.decision_log()
    assert tw.verify_log(text) == 7
    lines = text.splitlines()
    entry = json.loads(lines[4])
    entry["approver"] = "mallory (cpo)"
    lines[4] = json.dumps(entry)
    with pytest.raises(tw.GovernanceError, match=r"line 5 \(decision \"D000003\"\)"):
        tw.verify_log("\n".join(lines))


def test_the_lineage_answers_why_by_sparql(tmp_path):
    kg, _ = governed(tmp_path)
    why = kg.query(
        """PREFIX tw: <https://w3id.org/tierwise/ns#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT DISTINCT ?decision ?rule ?event ?type ?policy WHERE {
          ?d a prov:Activity ; tw:decisionId ?decision ; tw:action "block_supplier" ;
             tw:outcome "approved" ; tw:about <https://w3id.org/tierwise/id/site/S000025> ;
             tw:firedRule [ tw:ruleId ?rule ] ;
             prov:used [ tw:policyVersion ?policy ] ;
             prov:used [ a tw:Event ; tw:eventId ?event ; tw:eventType ?type ] .
        }"""
    )
    assert why.rows() == [("D000001", "block-sanctioned", "e1", "sanction.listed", "default-2026.11")]


def test_a_replay_gives_the_same_log(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    kg_a, _ = governed(tmp_path / "a")
    kg_b, _ = governed(tmp_path / "b")
    assert kg_a.decision_log() == kg_b.decision_log()


def test_the_stored_log_replays_and_two_policies_compare(tmp_path):
    kg, log = governed(tmp_path)
    r = kg.replay(as_of=AS_OF)
    assert r["first_difference"] is None
    assert (r["events"], r["stored"], r["replayed"]) == (3, log.height, log.height)
    assert r["log"] == kg.decision_log()
    assert kg.policy_diff("policies/default.toml", "policies/default.toml", as_of=AS_OF).height == 0
    # The same rules but the block needs a category manager: e1's block is escalated instead.
    strict = tmp_path / "strict.toml"
    with open("policies/default.toml") as f:
        text = f.read()
    strict.write_text(text.replace(
        'action = "block_supplier"\napproval = "auto"',
        'action = "block_supplier"\napproval = "category_manager"',
    ))
    d = kg.policy_diff("policies/default.toml", strict, as_of=AS_OF)
    block = d.filter(d["action"] == "block_supplier")
    assert block.select("event", "old", "new").rows() == [
        ("e1", "approved", "escalated to category_manager"),
    ]
    # Under the strict policy the stored log is not reproduced: the first decision parts.
    assert kg.replay(policy=strict, as_of=AS_OF)["first_difference"] is not None


def test_a_bad_rule_is_refused_when_the_policy_loads(tmp_path):
    policy = tmp_path / "p.toml"
    policy.write_text(
        open("policies/default.toml").read()
        + '\n[[rules]]\nid = "typo"\nwhen = "unit.rei > \'high\'"\naction = "notify"\napproval = "auto"\n'
    )
    kg = tw.KnowledgeGraph()
    kg.load_tables("data/demo")
    with pytest.raises(tw.PolicyError, match=r'id "typo"\)\.when: line 1, column 10'):
        kg.govern(EVENTS, policy=str(policy), as_of=AS_OF)


def test_results_written_back_join_with_their_data(tmp_path):
    kg = tw.KnowledgeGraph.open(tmp_path / "kg.db")
    kg.load_tables("data/demo")
    net = kg.network(as_of=AS_OF)
    exposure = net.exposure(unit="site", progress=None)
    graph = kg.write_back("exposure", exposure, net)
    assert graph == kg.write_back("exposure", exposure, net)
    top = kg.query(
        """PREFIX tw: <https://w3id.org/tierwise/ns#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?site ?pi WHERE {
          ?r tw:about ?s ; tw:result_pi ?pi ; tw:inResult ?g .
          ?g prov:wasGeneratedBy [ prov:used [ tw:policyVersion "default-2026.11" ] ] .
          ?s tw:id ?site .
        } ORDER BY DESC(?pi) LIMIT 1"""
    )
    best = exposure.sort("pi", descending=True).row(0, named=True)
    assert top["site"][0] == best["unit"]
    assert top["pi"][0] == pytest.approx(best["pi"], rel=1e-12)


class WatchlistAgent:
    """A data scientist's agent: escalates any moved site of a watched company."""

    name = "watchlist"

    def __init__(self, companies):
        self.companies = set(companies)
        self.views = []

    def propose(self, view):
        self.views.append(view)
        return [
            {"action": "escalate", "kind": "site", "subject": u["unit"]["id"],
             "reason": f"watched company {u['unit']['company']}"}
            for u in view["units"]
            if u["unit"]["kind"] == "site" and u["unit"]["company"] in self.companies
        ]


def test_a_python_agent_proposes_and_the_policy_decides(tmp_path):
    kg = tw.KnowledgeGraph.open(tmp_path / "kg.db")
    kg.load_tables("data/demo")
    policy = tmp_path / "p.toml"
    policy.write_text(
        open("policies/default.toml").read()
        + '\n[[rules]]\nid = "watchlist"\nwhen = "proposal.agent == \'watchlist\'"\n'
        + 'action = "escalate"\napproval = "buyer"\n'
    )
    risk = kg.network(as_of=AS_OF).risk()
    company = risk.filter(risk["site_id"] == "S000022")["company"][0]
    agent = WatchlistAgent([company])
    alert = _event("q1", "quality.alert", "2026-03-01T10:00:00Z", "S000022", {"quality_ppm": 4000})
    log = kg.govern([alert], policy=str(policy), as_of=AS_OF, agents=[agent])
    mine = log.filter(log["agent"] == "watchlist")
    assert mine.select("action", "subject", "outcome", "role", "rules").rows() == [
        ("escalate", "S000022", "escalated", "buyer", "watchlist")
    ]
    view = agent.views[0]
    assert view["event"]["type"] == "quality.alert"
    site = next(u for u in view["units"] if u["unit"]["id"] == "S000022")
    assert site["unit"]["factors"]["quality"] == pytest.approx(0.8)

    class Broken:
        name = "broken"

        def propose(self, view):
            return [{"action": "launch", "kind": "site", "subject": "S000022"}]

    with pytest.raises(ValueError, match='agent "broken": unknown action "launch"'):
        kg.govern([_event("q2", "quality.alert", "2026-03-01T11:00:00Z", "S000022",
                          {"quality_ppm": 100})], as_of=AS_OF, agents=[Broken()])
